//! memsim-pagecache (being written).
