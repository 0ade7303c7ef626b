//! The database part of a finished run (a Neo4j-like store behind a page cache), as renderers see
//! it: snapshots of store files, ID files, transaction logs and page-cache metrics, taken at every
//! sample and after every database phase. Plain numbers only; the model lives in `memsim-pagecache`.

use crate::time::{SimDuration, SimTime};

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

/// The page cache over one phase's time span: the counters accumulated between its start and its
/// end (or the run's end, for a phase the run did not finish). Phases may overlap, so this is the
/// cache as an operator's dashboard shows it over that window, every pin in it counted (another
/// phase's, the background evictor's), not only the phase's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbPhaseCache {
    /// The phase's name.
    pub phase: String,
    /// When it started.
    pub start: SimTime,
    /// When it ended (or the run stopped).
    pub end: SimTime,
    /// The counters over `start..end` ([`DbCacheMetrics::since`]; gauges at `end`).
    pub cache: DbCacheMetrics,
    /// The counters over the phase's last [`DatabaseRun::HIT_RATIO_WINDOW`]: from the latest
    /// sample at least that long before its end (its start when it is shorter, or no sample fell
    /// in it) to its end. After a warm-up, the figure that lasts.
    pub last_window: DbCacheMetrics,
}

/// A restart of the database (`[phase.db] op = "restart"`) and its page-cache warm-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbRestart {
    /// The phase that restarted it.
    pub phase: String,
    /// When.
    pub at: SimTime,
    /// The warm-up: `cold`, `profile` or `preload`.
    pub warmup: String,
    /// Dirty pages the shutdown checkpoint flushed.
    pub flushed_pages: u64,
    /// Pages the warm-up was to load (the profile's, or every file's, up to the cache's size).
    pub pages_to_load: u64,
    /// Pages it loaded by the end of the run.
    pub pages_loaded: u64,
    /// When it had loaded them all (`None`: not by the end of the run, or nothing to load).
    pub warmup_done_at: Option<SimTime>,
    /// When the profile it loaded was taken (`profile` with a profile).
    pub profile_taken_at: Option<SimTime>,
    /// The cache's counters over the [`DatabaseRun::HIT_RATIO_WINDOW`] before the restart.
    pub before: DbCacheMetrics,
}

impl DbRestart {
    /// The hit ratio a restarted cache must reach to count as warm again: 99 % of the ratio over
    /// the window before the restart (`None` when nothing was pinned then).
    pub fn target_hit_ratio(&self) -> Option<f64> {
        (self.before.pins > 0).then(|| 0.99 * self.before.hit_ratio())
    }
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
    /// The page cache over each phase that started, in start order.
    pub phases: Vec<DbPhaseCache>,
    /// Each restart, in order.
    pub restarts: Vec<DbRestart>,
}

impl DatabaseRun {
    /// The rolling window reports give the hit ratio over: long enough to smooth a sample
    /// interval's noise, short enough to show a warm-up end or a load change.
    pub const HIT_RATIO_WINDOW: SimDuration = SimDuration::from_secs(10);

    /// The counters between the samples `from` and `to` (indices into [`DatabaseRun::samples`],
    /// `from < to`): their difference, or `to`'s counters alone if they went backwards (a cache
    /// whose counters restarted).
    pub fn cache_between(&self, from: usize, to: usize) -> DbCacheMetrics {
        let (a, b) = (&self.samples[from].cache, &self.samples[to].cache);
        if a.pins <= b.pins && a.hits <= b.hits {
            b.since(a)
        } else {
            *b
        }
    }

    /// The end of the first sample interval starting at or after `from` that pinned pages at a
    /// hit ratio of at least `target`: when a restarted cache is warm again (Neo4j's "mean time to
    /// performance"). `None` if no interval reaches it.
    pub fn hit_ratio_reached(&self, from: SimTime, target: f64) -> Option<SimTime> {
        (1..self.samples.len())
            .filter(|&i| self.samples[i - 1].at >= from)
            .find(|&i| {
                let d = self.cache_between(i - 1, i);
                d.pins > 0 && d.hit_ratio() >= target
            })
            .map(|i| self.samples[i].at)
    }

    /// The hit ratio over `window` ending at sample `i`: the counters from the latest sample at
    /// least `window` before it (the first sample if none is) to it. `None` at the first sample or
    /// when nothing was pinned in the window.
    pub fn window_hit_ratio(&self, i: usize, window: SimDuration) -> Option<f64> {
        let at = self.samples.get(i)?.at;
        let from = self.samples[..i]
            .iter()
            .rposition(|s| s.at.after(window) <= at)
            .unwrap_or(0);
        if from >= i {
            return None;
        }
        let d = self.cache_between(from, i);
        (d.pins > 0).then(|| d.hit_ratio())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples each second; `(pins, hits)` cumulative.
    fn run(counts: &[(u64, u64)]) -> DatabaseRun {
        let samples: Vec<DbSnapshot> = counts
            .iter()
            .enumerate()
            .map(|(t, &(pins, hits))| DbSnapshot {
                at: SimTime::ZERO.after(SimDuration::from_secs(t as u64)),
                stores: Vec::new(),
                store_bytes: 0,
                id_file_bytes: 0,
                store_size_metric_bytes: 0,
                store_size_metric_at: SimTime::ZERO,
                translation_table_heap_bytes: 0,
                tx_pool_used_bytes: 0,
                tx_log_bytes: 0,
                tx_log_files: 0,
                last_tx_id: 0,
                cache: DbCacheMetrics {
                    hits,
                    faults: pins - hits,
                    pins,
                    unpins: pins,
                    ..DbCacheMetrics::default()
                },
            })
            .collect();
        DatabaseRun {
            format: "aligned".into(),
            page_cache_bytes: 0,
            last: samples.last().expect("samples").clone(),
            samples,
            steps: Vec::new(),
            phases: Vec::new(),
            restarts: Vec::new(),
        }
    }

    #[test]
    fn windows_reach_back_as_far_as_the_window_and_no_further() {
        // 10 faults a second for 3 s, then 10 hits a second.
        let counts: Vec<(u64, u64)> = (0..=6u64)
            .map(|t| (t * 10, t.saturating_sub(3) * 10))
            .collect();
        let db = run(&counts);
        let two = SimDuration::from_secs(2);
        assert_eq!(db.window_hit_ratio(0, two), None);
        assert_eq!(db.window_hit_ratio(1, two), Some(0.0));
        // 2..4 s: 10 faults then 10 hits; 3..5 s: hits only.
        assert_eq!(db.window_hit_ratio(4, two), Some(0.5));
        assert_eq!(db.window_hit_ratio(5, two), Some(1.0));
        // From the start when the window is longer than the run.
        assert_eq!(
            db.window_hit_ratio(6, SimDuration::from_secs(60)),
            Some(0.5)
        );
        // Nothing pinned in a window: none.
        let idle = run(&[(5, 5), (5, 5), (5, 5)]);
        assert_eq!(idle.window_hit_ratio(2, two), None);
        // The first interval at a ratio, from an instant on.
        assert_eq!(
            db.hit_ratio_reached(SimTime::ZERO, 0.9)
                .map(|t| t.as_secs_f64()),
            Some(4.0)
        );
        let from = SimTime::ZERO.after(SimDuration::from_secs(5));
        assert_eq!(
            db.hit_ratio_reached(from, 0.9).map(|t| t.as_secs_f64()),
            Some(6.0)
        );
        assert_eq!(db.hit_ratio_reached(from, 1.1), None);
    }
}
