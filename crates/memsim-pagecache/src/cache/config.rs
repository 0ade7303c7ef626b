//! A cache's configuration and why one is rejected.

use super::{
    FRAMES_MAX, GRAB_BYTES, LATCHES_PER_FILE, LIVE_LOCK_SWEEPS, MAX_USAGE_COUNT, PAGE_BYTES,
    PAGES_TO_KEEP_FREE,
};

/// The configuration of a [`MuninnPageCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// Cache page size (8 KiB in Neo4j).
    pub page_bytes: u64,
    /// The cache's size, rounded down to whole pages (`server.memory.pagecache.size`).
    pub max_bytes: u64,
    /// Buffers are allocated lazily in grabs of this many bytes (≥ one page).
    pub grab_bytes: u64,
    /// The background evictor keeps this many pages free (capped at half the pages).
    pub keep_free_pages: u64,
    /// Latches per file (≥ 1).
    pub latches_per_file: usize,
    /// Cooperative eviction gives up after this many sweeps over all pages (> [`MAX_USAGE_COUNT`]).
    pub live_lock_sweeps: u32,
    /// Whether a fault that found the free list empty, having evicted its page cooperatively, runs
    /// the background evictor before it returns: Neo4j's faulting thread unparks the eviction
    /// thread there (`unparkEvictor` in `grabFreeAndExclusivelyLockedPage`), and a single thread
    /// driving the cache has no other thread to run it (`evict.rs`, "When the evictor wakes"). Off
    /// by default: with real threads, whoever runs the evictor calls
    /// [`MuninnPageCache::run_evictor`].
    pub evictor_runs_when_unparked: bool,
}

impl CacheConfig {
    /// Neo4j's defaults for a cache of `max_bytes`.
    pub fn new(max_bytes: u64) -> CacheConfig {
        CacheConfig {
            page_bytes: PAGE_BYTES,
            max_bytes,
            grab_bytes: GRAB_BYTES,
            keep_free_pages: PAGES_TO_KEEP_FREE,
            latches_per_file: LATCHES_PER_FILE,
            live_lock_sweeps: LIVE_LOCK_SWEEPS,
            evictor_runs_when_unparked: false,
        }
    }

    /// A cache of `n_pages` pages of 8 KiB with every other setting Neo4j's.
    pub fn with_pages(n_pages: u64) -> CacheConfig {
        CacheConfig::new(n_pages * PAGE_BYTES)
    }

    /// Neo4j's default size when `server.memory.pagecache.size` is unset ([`crate::default_size`]).
    pub fn neo4j_default(ram_bytes: u64, heap_max_bytes: u64) -> CacheConfig {
        CacheConfig::new(crate::default_size(ram_bytes, heap_max_bytes))
    }

    /// Whole pages in the cache.
    pub fn max_pages(&self) -> u64 {
        self.max_bytes.checked_div(self.page_bytes).unwrap_or(0)
    }
}

/// Why a [`CacheConfig`] was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheConfigError {
    /// The page size is 0 or larger than a grab.
    #[error("page size {page_bytes} B must be non-zero and at most the grab size {grab_bytes} B")]
    BadPageSize {
        /// The configured page size.
        page_bytes: u64,
        /// The configured grab size.
        grab_bytes: u64,
    },
    /// Less than one page.
    #[error("a page cache of {max_bytes} B holds no {page_bytes} B page")]
    NoPages {
        /// The configured size.
        max_bytes: u64,
        /// The page size.
        page_bytes: u64,
    },
    /// More pages than this model builds ([`FRAMES_MAX`]).
    #[error("{n_pages} pages exceed this model's limit of {FRAMES_MAX} pages")]
    TooManyPages {
        /// Pages asked for.
        n_pages: u64,
    },
    /// No latch, or too few sweeps: a single thread must be able to age a page from the usage cap
    /// and evict it, which takes `MAX_USAGE_COUNT` visits, so up to `MAX_USAGE_COUNT + 1` wraps of
    /// an arm that starts mid-way.
    #[error("latches_per_file must be at least 1 and live_lock_sweeps more than {MAX_USAGE_COUNT}")]
    LimitTooSmall,
}
