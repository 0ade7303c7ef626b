//! The database part of a finished run (a Neo4j-like store behind a page cache), as renderers see
//! it: snapshots of store files, ID files, transaction logs and page-cache metrics, taken at every
//! sample and after every database phase. Plain numbers only; the model lives in `memsim-pagecache`.

use crate::time::SimTime;

/// One store file at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbStoreSnapshot {
    /// The store's file name (`neostore.nodestore.db`).
    pub file_name: String,
    /// The store file's size.
    pub file_bytes: u64,
    /// Its `.id` file's size.
    pub id_file_bytes: u64,
    /// The ID high-water mark.
    pub high_id: u64,
    /// Records in use.
    pub records_in_use: u64,
    /// Freed IDs reusable now.
    pub reusable_ids: u64,
    /// Freed IDs waiting for overlapping transactions.
    pub buffered_ids: u64,
}

/// Page-cache counters (Neo4j's `page_cache.*` metrics), cumulative since the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbCacheMetrics {
    /// Pins that found their page cached.
    pub hits: u64,
    /// Pins that read their page (`page_faults`).
    pub faults: u64,
    /// Pins.
    pub pins: u64,
    /// Unpins.
    pub unpins: u64,
    /// Pages evicted.
    pub evictions: u64,
    /// Pages written back (at eviction or checkpoint).
    pub flushes: u64,
    /// Pages bound to a file page now.
    pub pages_in_use: u64,
    /// Pages in the cache.
    pub max_pages: u64,
}

impl DbCacheMetrics {
    /// `hits / pins` (Neo4j's `hit_ratio`); 1 before any pin.
    pub fn hit_ratio(&self) -> f64 {
        if self.pins == 0 {
            1.0
        } else {
            self.hits as f64 / self.pins as f64
        }
    }

    /// `pages_in_use / max_pages` (Neo4j's `usage_ratio`).
    pub fn usage_ratio(&self) -> f64 {
        if self.max_pages == 0 {
            0.0
        } else {
            self.pages_in_use as f64 / self.max_pages as f64
        }
    }

    /// The counters accumulated since `earlier` (gauges stay `self`'s).
    pub fn since(&self, earlier: &DbCacheMetrics) -> DbCacheMetrics {
        DbCacheMetrics {
            hits: self.hits - earlier.hits,
            faults: self.faults - earlier.faults,
            pins: self.pins - earlier.pins,
            unpins: self.unpins - earlier.unpins,
            evictions: self.evictions - earlier.evictions,
            flushes: self.flushes - earlier.flushes,
            pages_in_use: self.pages_in_use,
            max_pages: self.max_pages,
        }
    }
}

/// The database's disk and cache at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbSnapshot {
    /// When.
    pub at: SimTime,
    /// Every store, in the model's order.
    pub stores: Vec<DbStoreSnapshot>,
    /// Sum of store files (every file of the database directory but the `.id` files).
    pub store_bytes: u64,
    /// Sum of `.id` files.
    pub id_file_bytes: u64,
    /// `store.size.total` as Neo4j's metric last computed it (what `:sysinfo` shows): the value
    /// of [`DbSnapshot::total_bytes`] at [`DbSnapshot::store_size_metric_at`].
    pub store_size_metric_bytes: u64,
    /// When the metric last ran (the database's start, then every 10 minutes).
    pub store_size_metric_at: SimTime,
    /// Java heap the page cache's translation tables hold (4 bytes per file page, in chunks).
    pub translation_table_heap_bytes: u64,
    /// Transaction state in the global transaction memory pool.
    pub tx_pool_used_bytes: u64,
    /// Transaction-log bytes written (all files kept).
    pub tx_log_bytes: u64,
    /// Transaction-log files.
    pub tx_log_files: u64,
    /// The last committed transaction's id.
    pub last_tx_id: u64,
    /// Page-cache counters.
    pub cache: DbCacheMetrics,
}

impl DbSnapshot {
    /// Stores, ID files and logs: `store.size.total` computed now.
    pub fn total_bytes(&self) -> u64 {
        self.store_bytes + self.id_file_bytes + self.tx_log_bytes
    }

    /// The store named `file_name`, if any.
    pub fn store(&self, file_name: &str) -> Option<&DbStoreSnapshot> {
        self.stores.iter().find(|s| s.file_name == file_name)
    }

    /// Reusable IDs over all stores.
    pub fn reusable_ids(&self) -> u64 {
        self.stores.iter().map(|s| s.reusable_ids).sum()
    }
}

/// The state when one database phase's operation completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbStep {
    /// The phase's name.
    pub phase: String,
    /// The operation (`create_nodes`, `checkpoint`, …).
    pub op: String,
    /// The database when the phase ended.
    pub snapshot: DbSnapshot,
}

/// Everything about the run's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseRun {
    /// The record format (`aligned`, `standard`).
    pub format: String,
    /// The page cache's size.
    pub page_cache_bytes: u64,
    /// One snapshot per [`crate::RunSummary::samples`] entry, at the same instants.
    pub samples: Vec<DbSnapshot>,
    /// One per database phase, when its operation completed (reads: when the last one ran).
    pub steps: Vec<DbStep>,
    /// The database at the end of the run.
    pub last: DbSnapshot,
}
