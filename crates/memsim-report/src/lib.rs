//! memsim-report (being written).
