//! memsim-direct (being written).
