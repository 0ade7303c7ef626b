//! Why mapping a file or pinning a page failed, and a broken invariant.

use super::{FILE_ID_MAX, FILE_PAGES_MAX, FileId};

/// Why [`MuninnPageCache::map_file`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// The file id does not fit the binding word.
    #[error("file id {0} exceeds {FILE_ID_MAX}")]
    FileIdTooLarge(u32),
    /// A file page must fit in a cache page.
    #[error(
        "file page size {file_page_bytes} B must be between 1 B and the cache page size {cache_page_bytes} B"
    )]
    BadFilePageSize {
        /// Asked for.
        file_page_bytes: u64,
        /// The cache's.
        cache_page_bytes: u64,
    },
    /// The file is already mapped with another page size.
    #[error("file {file:?} is already mapped with page size {mapped_page_bytes} B")]
    PageSizeMismatch {
        /// The file.
        file: FileId,
        /// Its existing page size.
        mapped_page_bytes: u64,
    },
}

/// Why a pin failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// A read past the end of the file (writes grow the file instead).
    #[error("page {page_idx} of file {file:?} is past its end ({n_pages} pages)")]
    BeyondEndOfFile {
        /// The file.
        file: FileId,
        /// The page asked for.
        page_idx: u64,
        /// The file's length in pages.
        n_pages: u64,
    },
    /// No page could be evicted: every page stayed pinned (Neo4j's `CacheLiveLockException`).
    #[error(
        "no evictable page after {sweeps} sweeps over all {n_pages} pages: every page is pinned"
    )]
    CacheLiveLock {
        /// Sweeps tried.
        sweeps: u32,
        /// Pages in the cache.
        n_pages: u64,
    },
    /// The page index does not fit the binding word.
    #[error("page {page_idx} exceeds this model's limit of {FILE_PAGES_MAX} pages per file")]
    PageIndexTooLarge {
        /// The page asked for.
        page_idx: u64,
    },
}

/// A broken invariant found by [`MuninnPageCache::check_invariants`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("page cache invariant broken: {0}")]
pub struct InvariantError(pub String);
