//! The database's own off-heap page cache (Neo4j's Muninn) and the store behind it.
//!
//! Sources: `shared/reference/neo4j-page-cache-and-store.md` (Neo4j's docs and source, cited per
//! rule in each module) and `shared/seeds/neo4j-space-reuse.txt` (the space-reuse walkthrough that
//! `tests/it/space_reuse.rs` re-enacts). Figures come from Neo4j's documentation and source; the
//! code and prose here are memsim's own.
//!
//! - [`cache`]: [`MuninnPageCache`], a thread-safe Muninn-like cache (fixed-size pages, lazily
//!   grabbed buffers, per-file translation tables and latches, pin/unpin, CLOCK eviction with a
//!   background evictor and cooperative eviction, dirty flushing, Neo4j's metrics) with cheap
//!   working-set helpers. `src/sync.rs` is its loom shim (`--cfg memsim_loom`).
//! - [`store`]: record stores with Neo4j's record sizes (standard and aligned formats), files that
//!   grow page by page and never shrink, and ID generators with buffered reuse and `.id` files.
//! - [`idtree`]: the size of a 4.x `.id` file, a GBPTree of 128-ID ranges; [`files`]: the files of
//!   an empty 4.x database outside the modelled record stores (metadata, counts, label scan,
//!   schema, token names and their `.id` files) and `store.size.total` as its metric computes it.
//! - [`txlog`]: transaction-log commands and sizes, rotation, retention policies and checkpoint
//!   policies.
//! - [`db`]: [`Database`], the facade a workload drives (create, delete, read, checkpoint, copy),
//!   with a [`DbReport`] at any time and [`DbEvent`]s; no I/O, no clock: time is passed in.
//! - [`reads`]: query loads that read store pages ([`PageReadLoad`], [`Database::read_pages`]):
//!   a working set, a skew (uniform, Zipf, hot/cold) and a share of writes.
//! - [`warmup`]: a restart ([`Database::restart`]) on an empty cache, cold or warmed from a
//!   profile of the cached pages ([`CacheProfile`]) or by preloading every file, as Neo4j 4.x's
//!   `PageCacheWarmer` does.
//! - [`copy`]: compaction by copy (`neo4j-admin database copy`).
//! - [`PageCache`] (this file): the first model the engine uses, kept as the cheap O(1) special
//!   case of a cache that only ever faults in new data (see its docs).
//!
//! When `server.memory.pagecache.size` is unset Neo4j uses 50 % × (RAM − max heap), clamped to
//! [32 MiB, min(70 × heap, 20 GiB)] ([`default_size`]).
#![deny(missing_docs)]

pub mod cache;
pub mod copy;
pub mod db;
pub mod files;
pub mod fulltext;
pub mod idtree;
pub mod reads;
pub mod store;
mod sync;
pub mod txlog;
pub mod warmup;

pub use cache::{
    CacheConfig, CacheMetrics, FileId, GRAB_BYTES, MuninnPageCache, PAGE_BYTES, PagedFile, Pin,
    PinError, PinMode, PinRun,
};
pub use copy::CopyReport;
pub use db::{
    Database, DatabaseConfig, DbError, DbEvent, DbEventKind, DbReport, RunningCheckpoint,
    StateGate, Tx, TxSummary,
};
pub use fulltext::FulltextIndex;
pub use reads::{PageReadLoad, PageReadLoadError, PageSkew, SkewSpec};
pub use store::{RecordFormat, StoreKind};
pub use txlog::{CheckpointPolicy, CheckpointTrigger, LogPosition, RetentionPolicy};
pub use warmup::{CacheProfile, Reheat, RestartReport, Warmup};

use memsim_core::Usage;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Neo4j's default page-cache size when none is configured.
pub fn default_size(ram: u64, heap_max: u64) -> u64 {
    let upper = heap_max.saturating_mul(70).clamp(32 * MIB, 20 * GIB);
    (ram.saturating_sub(heap_max) / 2).clamp(32 * MIB, upper)
}

/// The page cache's memory as the engine's first model sees it: every fault brings in store data
/// not yet cached (a cache warming over a working set larger than itself).
///
/// This is [`MuninnPageCache`]'s accounting for that one workload, in O(1) per call: faults take free
/// pages (allocating buffers in grabs) until the cache is full, then evict and reuse pages, so memory
/// stays at the configured size. The test `legacy_matches_muninn_on_streaming_faults` checks the two
/// agree page for page. (Muninn's 32-byte-per-page frame metadata is not counted here; it is in
/// [`MuninnPageCache::usage`].)
#[derive(Debug, Clone)]
pub struct PageCache {
    max_bytes: u64,
    // Invariant: faulted_bytes <= max_bytes, a multiple of PAGE_BYTES.
    faulted_bytes: u64,
    faults: u64,
}

impl PageCache {
    /// A cold cache of at most `max_bytes` (rounded down to whole pages).
    pub fn new(max_bytes: u64) -> PageCache {
        PageCache {
            max_bytes: max_bytes / PAGE_BYTES * PAGE_BYTES,
            faulted_bytes: 0,
            faults: 0,
        }
    }

    /// Faults in `bytes` of store data not yet cached. Returns `true` if this filled the cache.
    pub fn fault(&mut self, bytes: u64) -> bool {
        let pages = bytes.div_ceil(PAGE_BYTES);
        self.faults += pages;
        let was_full = self.is_full();
        self.faulted_bytes = (self.faulted_bytes + pages * PAGE_BYTES).min(self.max_bytes);
        !was_full && self.is_full()
    }

    /// Whether every page buffer has been allocated.
    pub fn is_full(&self) -> bool {
        self.faulted_bytes >= self.max_bytes
    }

    /// Page faults so far.
    pub fn faults(&self) -> u64 {
        self.faults
    }

    /// The configured size.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Reserved = committed = resident: the grabs allocated so far (malloc'd and written on fault).
    pub fn usage(&self) -> Usage {
        Usage::all(
            (self.faulted_bytes.div_ceil(GRAB_BYTES) * GRAB_BYTES)
                .min(self.max_bytes.div_ceil(GRAB_BYTES) * GRAB_BYTES),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_in_grabs_up_to_its_size() {
        let mut pc = PageCache::new(6 * GIB);
        assert_eq!(pc.usage(), Usage::default());
        assert!(!pc.fault(1));
        assert_eq!(pc.usage(), Usage::all(GRAB_BYTES));
        assert!(pc.fault(7 * GIB));
        assert_eq!(pc.usage(), Usage::all(6 * GIB));
        assert!(!pc.fault(GIB));
        assert_eq!(pc.usage(), Usage::all(6 * GIB));
    }

    #[test]
    fn legacy_matches_muninn_on_streaming_faults() {
        let n_pages = 300;
        let mut legacy = PageCache::new(n_pages * PAGE_BYTES);
        let muninn = MuninnPageCache::new(CacheConfig::with_pages(n_pages)).unwrap();
        let file = muninn.map_file(FileId(0), PAGE_BYTES).unwrap();
        let mut next_page = 0;
        for step in [1, 5 * PAGE_BYTES, 100 * PAGE_BYTES, 1, 300 * PAGE_BYTES, 7] {
            legacy.fault(step);
            for _ in 0..step.div_ceil(PAGE_BYTES) {
                let pin = muninn
                    .pin_read(
                        &{
                            file.grow_to(next_page + 1);
                            file.clone()
                        },
                        next_page,
                    )
                    .unwrap();
                muninn.unpin(pin);
                next_page += 1;
            }
            assert_eq!(legacy.faults(), muninn.metrics().faults);
            assert_eq!(legacy.usage(), Usage::all(muninn.buffer_bytes()));
            assert_eq!(legacy.is_full(), muninn.free_pages() == 0);
        }
    }

    #[test]
    fn default_size_heuristic() {
        assert_eq!(default_size(12 * GIB, 4 * GIB), 4 * GIB);
        assert_eq!(default_size(64 * GIB, 31 * GIB), 33 * GIB / 2);
        assert_eq!(default_size(512 * GIB, 31 * GIB), 20 * GIB);
        assert_eq!(default_size(GIB, GIB), 32 * MIB);
    }
}
