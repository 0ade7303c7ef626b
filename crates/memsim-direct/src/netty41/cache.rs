//! `PoolThreadCache` and `MemoryRegionCache` rules of Netty 4.1.48, shared by the single-threaded
//! [`super::Netty41Pool`] and the thread-safe [`crate::concurrent::SharedPool`]: which regions a
//! thread cache has and how large each is, which region a size uses, when a thread binds to which
//! arena, when a cache trims and by how much. Each pool stores the queues its own way (a `VecDeque`,
//! or a bounded queue other threads may push to).

use super::arena::{Class, log2_floor, small_idx};
use super::{CACHE_TRIM_INTERVAL, MAX_CACHED_BUFFER_CAPACITY, Netty41Config};

/// One `MemoryRegionCache`: its size class and its capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RegionSpec {
    pub(crate) class: Class,
    /// The configured size rounded up to a power of two, as Netty's fixed MPSC queue is.
    pub(crate) capacity: usize,
}

/// The regions of a thread cache bound to an arena, flattened: tiny `[32]`, small
/// `[pageShifts − 9]`, normal `[max(1, log2(min(chunk, 32 KiB) / page) + 1)]`; a class whose cache
/// size is 0, or all of them when caches are off for the thread, has no regions.
#[derive(Debug, Clone)]
pub(crate) struct CacheLayout {
    regions: Vec<RegionSpec>,
    n_tiny: usize,
    n_small: usize,
    n_normal: usize,
    page_shifts: u32,
    trim_threshold: u32,
}

impl CacheLayout {
    /// The layout of every cache of an allocator configured by `cfg` (caches are per thread, but
    /// 4.1.48 gives every plain thread the same one: `useCacheForAllThreads` decides).
    pub(crate) fn new(cfg: &Netty41Config) -> CacheLayout {
        let page_shifts = cfg.page_size.trailing_zeros();
        let cached = cfg.use_cache_for_all_threads;
        let n = |size: u32, n: usize| if cached && size > 0 { n } else { 0 };
        let max = cfg.chunk_size().min(MAX_CACHED_BUFFER_CAPACITY);
        let n_tiny = n(cfg.tiny_cache_size, 32);
        let n_small = n(cfg.small_cache_size, (page_shifts - 9) as usize);
        let n_normal = n(
            cfg.normal_cache_size,
            (log2_floor(max >> page_shifts) + 1).max(1),
        );
        let mut regions = Vec::with_capacity(n_tiny + n_small + n_normal);
        for (class, size, count) in [
            (Class::Tiny, cfg.tiny_cache_size, n_tiny),
            (Class::Small, cfg.small_cache_size, n_small),
            (Class::Normal, cfg.normal_cache_size, n_normal),
        ] {
            let capacity = (size as usize).next_power_of_two();
            regions.extend((0..count).map(|_| RegionSpec { class, capacity }));
        }
        CacheLayout {
            regions,
            n_tiny,
            n_small,
            n_normal,
            page_shifts,
            trim_threshold: if cached { CACHE_TRIM_INTERVAL } else { 0 },
        }
    }

    /// The regions, tiny first, then small, then normal.
    pub(crate) fn regions(&self) -> &[RegionSpec] {
        &self.regions
    }

    /// The region caching buffers of normalized size `norm` (of class `class`), if any.
    pub(crate) fn region_of(&self, class: Class, norm: u64) -> Option<usize> {
        let (start, n, idx) = match class {
            Class::Tiny => (0, self.n_tiny, (norm >> 4) as usize),
            Class::Small => (self.n_tiny, self.n_small, small_idx(norm)),
            Class::Normal => (
                self.n_tiny + self.n_small,
                self.n_normal,
                log2_floor(norm >> self.page_shifts),
            ),
        };
        (idx < n).then_some(start + idx)
    }

    /// `freeSweepAllocationThreshold` of a cache with regions (0 with caches off).
    pub(crate) fn trim_interval(&self) -> u32 {
        self.trim_threshold
    }

    /// A fresh trim clock for a thread cache.
    pub(crate) fn clock(&self) -> TrimClock {
        TrimClock {
            lookups: 0,
            threshold: self.trim_threshold,
        }
    }
}

/// `PoolThreadCache.allocations` against `freeSweepAllocationThreshold`: every cache lookup of a
/// size that has a region (hit or miss) counts; at the threshold the whole cache is trimmed.
#[derive(Debug, Clone)]
pub(crate) struct TrimClock {
    lookups: u32,
    threshold: u32,
}

impl TrimClock {
    /// A clock that trims every `threshold` lookups (0 for a cache without regions: never ticked).
    pub(crate) fn new(threshold: u32) -> TrimClock {
        TrimClock {
            lookups: 0,
            threshold,
        }
    }

    /// Counts one lookup; `true` when the cache must be trimmed now.
    pub(crate) fn tick(&mut self) -> bool {
        self.lookups += 1;
        if self.lookups >= self.threshold {
            self.lookups = 0;
            true
        } else {
            false
        }
    }
}

/// `MemoryRegionCache.trim`: how many entries to free, given the region's hits since the last
/// trim (the hit count is reset by the caller). Netty polls up to this many, fewer if the queue
/// runs dry.
pub(crate) fn trim_count(capacity: usize, hits: u32) -> usize {
    (capacity as i64 - i64::from(hits)).max(0) as usize
}

/// `leastUsedArena`: the arena with the fewest thread caches, first on ties; `None` without arenas.
pub(crate) fn least_used(counts: impl IntoIterator<Item = u32>) -> Option<u32> {
    let mut best: Option<(u32, u32)> = None;
    for (i, n) in counts.into_iter().enumerate() {
        if best.is_none_or(|(_, m)| n < m) {
            best = Some((i as u32, n));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_layout_is_netty_4_1_48s() {
        let l = CacheLayout::new(&Netty41Config::with_arenas(1));
        assert_eq!((l.n_tiny, l.n_small, l.n_normal), (32, 4, 3));
        assert_eq!(l.regions()[0].capacity, 512);
        assert_eq!(l.regions()[32].capacity, 256);
        assert_eq!(l.regions()[36].capacity, 64);
        assert_eq!(l.region_of(Class::Tiny, 496), Some(31));
        assert_eq!(l.region_of(Class::Small, 4096), Some(32 + 3));
        assert_eq!(l.region_of(Class::Normal, 32768), Some(38));
        assert_eq!(l.region_of(Class::Normal, 65536), None);
    }

    #[test]
    fn least_used_is_first_on_ties() {
        assert_eq!(least_used([1, 0, 0]), Some(1));
        assert_eq!(least_used([0, 0]), Some(0));
        assert_eq!(least_used([]), None);
    }
}
