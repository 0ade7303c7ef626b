//! Neo4j's page-cache metrics and what the cache's bulk operations report.

use crate::sync::StatCounter;

#[derive(Default)]
pub(super) struct Stats {
    pub(super) hits: StatCounter,
    pub(super) faults: StatCounter,
    pub(super) pins: StatCounter,
    pub(super) unpins: StatCounter,
    pub(super) evictions: StatCounter,
    pub(super) cooperative_evictions: StatCounter,
    pub(super) eviction_exceptions: StatCounter,
    pub(super) flushes: StatCounter,
    pub(super) bytes_read: StatCounter,
    pub(super) bytes_written: StatCounter,
    pub(super) file_mappings: StatCounter,
    pub(super) n_bound: StatCounter,
}

/// A snapshot of the cache's metrics, named as Neo4j's `page_cache.*` metrics and JMX attributes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheMetrics {
    /// Pins that found their page in the cache (`hits`).
    pub hits: u64,
    /// Pins that had to read their page (`page_faults`).
    pub faults: u64,
    /// Successful pins (`pins`); `hits + faults`.
    pub pins: u64,
    /// Unpins (`unpins`).
    pub unpins: u64,
    /// Pages evicted (`evictions`), by the background evictor or cooperatively.
    pub evictions: u64,
    /// Of those, evicted by a faulting thread.
    pub cooperative_evictions: u64,
    /// Cooperative evictions that gave up ([`PinError::CacheLiveLock`]).
    pub eviction_exceptions: u64,
    /// Pages written back (`flushes`), at eviction or checkpoint.
    pub flushes: u64,
    /// Bytes read from files (JMX `BytesRead`).
    pub bytes_read: u64,
    /// Bytes written to files (JMX `BytesWritten`).
    pub bytes_written: u64,
    /// Files mapped (JMX `FileMappings`).
    pub file_mappings: u64,
    /// Pages currently bound to a file page.
    pub pages_in_use: u64,
    /// Pages in the cache.
    pub max_pages: u64,
}

impl CacheMetrics {
    /// `hits / (hits + faults)` (`hit_ratio`); 1 before any pin.
    pub fn hit_ratio(&self) -> f64 {
        if self.pins == 0 {
            1.0
        } else {
            self.hits as f64 / (self.hits + self.faults) as f64
        }
    }

    /// Pages in use over pages in the cache (`usage_ratio`).
    pub fn usage_ratio(&self) -> f64 {
        self.pages_in_use as f64 / self.max_pages as f64
    }

    /// The counters accumulated since `earlier` (gauges are `self`'s).
    pub fn since(&self, earlier: &CacheMetrics) -> CacheMetrics {
        CacheMetrics {
            hits: self.hits - earlier.hits,
            faults: self.faults - earlier.faults,
            pins: self.pins - earlier.pins,
            unpins: self.unpins - earlier.unpins,
            evictions: self.evictions - earlier.evictions,
            cooperative_evictions: self.cooperative_evictions - earlier.cooperative_evictions,
            eviction_exceptions: self.eviction_exceptions - earlier.eviction_exceptions,
            flushes: self.flushes - earlier.flushes,
            bytes_read: self.bytes_read - earlier.bytes_read,
            bytes_written: self.bytes_written - earlier.bytes_written,
            file_mappings: self.file_mappings - earlier.file_mappings,
            pages_in_use: self.pages_in_use,
            max_pages: self.max_pages,
        }
    }
}

/// What one [`MuninnPageCache::run_evictor`] step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvictorRun {
    /// Pages evicted to the free list.
    pub evicted: u64,
    /// Of those, dirty pages flushed first.
    pub flushed: u64,
    /// Visits that found a page evictable but could not evict it (pinned or being flushed). Neo4j's
    /// `evictPages` counts them against the pages it was asked for, as evictions.
    pub refused: u64,
    /// Free pages after the step.
    pub free_pages: u64,
}

/// What [`MuninnPageCache::flush_all`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Dirty pages written back.
    pub flushed_pages: u64,
    /// Bytes written.
    pub flushed_bytes: u64,
    /// Dirty pages left dirty because they were pinned for write (or being flushed or evicted by
    /// another thread, which writes them itself).
    pub skipped_pages: u64,
}

/// What a working-set helper did ([`MuninnPageCache::read_uniform`] and friends).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinRun {
    /// Pins done.
    pub pins: u64,
    /// Of those, hits.
    pub hits: u64,
    /// Of those, faults.
    pub faults: u64,
    /// Evictions they caused.
    pub evictions: u64,
    /// Flushes they caused (dirty pages evicted).
    pub flushes: u64,
}

impl PinRun {
    /// Hits over pins (1 for no pins).
    pub fn hit_ratio(&self) -> f64 {
        if self.pins == 0 {
            1.0
        } else {
            self.hits as f64 / self.pins as f64
        }
    }

    /// The pin counters of `m` (a difference of metrics: [`CacheMetrics::since`]).
    pub(crate) fn from_metrics(m: &CacheMetrics) -> PinRun {
        PinRun {
            pins: m.pins,
            hits: m.hits,
            faults: m.faults,
            evictions: m.evictions,
            flushes: m.flushes,
        }
    }
}
