//! memsim-jvm (being written).
