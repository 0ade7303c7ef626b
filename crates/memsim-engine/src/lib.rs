//! memsim-engine (being written).
