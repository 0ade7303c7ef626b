//! Integration tests of memsim-pagecache, one module per feature (one test binary).

mod space_reuse;
mod warm;
