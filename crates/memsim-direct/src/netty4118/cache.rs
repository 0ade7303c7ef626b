//! `PoolThreadCache`'s shape in Netty 4.1.118: which `MemoryRegionCache`s a thread cache has and
//! which one a size index uses. The rules that did not change since 4.1.48 (trim every
//! `freeSweepAllocationThreshold` lookups by each region's capacity less its hits, the least-used
//! arena, the sparse storage of regions) are shared with [`crate::netty41`].
//!
//! A cache bound to an arena has one small region per subpage class (`nSubpages`, 39 with 8 KiB
//! pages) when `smallCacheSize > 0`, and one normal region per class from the first normal one up to
//! `min(chunkSize, maxCachedBufferCapacity)` (just 32 KiB with 8 KiB pages) when `normalCacheSize >
//! 0`; each holds its size rounded up to a power of two (at most 2^30). A thread that gets no
//! caches (`useCacheForAllThreads` false and a plain thread: memsim's threads are plain) still
//! binds to an arena, counted in its `numThreadCaches`, but has no region at all.

use super::sizes::SizeClasses;

/// The regions of the thread caches of one allocator, flattened: small, then normal.
#[derive(Debug, Clone)]
pub(crate) struct CacheLayout {
    n_small: usize,
    n_normal: usize,
    n_subpages: u32,
    small_capacity: usize,
    normal_capacity: usize,
}

/// `MathUtil.safeFindNextPositivePowerOfTwo` of a positive size.
fn capacity(size: u32) -> usize {
    (size as usize).next_power_of_two().min(1 << 30)
}

impl CacheLayout {
    /// The layout of a cache with caching on (`cached`) or off.
    pub(crate) fn new(
        sc: &SizeClasses,
        small_cache_size: u32,
        normal_cache_size: u32,
        max_cached_buffer_capacity: u64,
        cached: bool,
    ) -> CacheLayout {
        let n_small = if cached && small_cache_size > 0 {
            sc.n_subpages as usize
        } else {
            0
        };
        let n_normal = if cached && normal_cache_size > 0 && max_cached_buffer_capacity > 0 {
            let max = sc.chunk_size.min(max_cached_buffer_capacity);
            (sc.n_subpages..sc.n_sizes)
                .take_while(|i| sc.size(*i) <= max)
                .count()
        } else {
            0
        };
        CacheLayout {
            n_small,
            n_normal,
            n_subpages: sc.n_subpages,
            small_capacity: capacity(small_cache_size),
            normal_capacity: capacity(normal_cache_size),
        }
    }

    /// How many regions a cache has.
    pub(crate) fn len(&self) -> usize {
        self.n_small + self.n_normal
    }

    /// The region of size index `size_idx` (≤ the chunk), if the cache has one.
    pub(crate) fn region_of(&self, size_idx: u32) -> Option<usize> {
        if size_idx < self.n_subpages {
            let i = size_idx as usize;
            (i < self.n_small).then_some(i)
        } else {
            let i = (size_idx - self.n_subpages) as usize;
            (i < self.n_normal).then_some(self.n_small + i)
        }
    }

    /// The capacity of region `i`.
    pub(crate) fn capacity(&self, i: usize) -> usize {
        if i < self.n_small {
            self.small_capacity
        } else {
            self.normal_capacity
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_layout_is_netty_4_1_118s() {
        let sc = SizeClasses::new(8192, 8192 << 9);
        let l = CacheLayout::new(&sc, 256, 64, 32 << 10, true);
        assert_eq!((l.n_small, l.n_normal), (39, 1));
        assert_eq!(l.region_of(38), Some(38));
        assert_eq!(l.region_of(39), Some(39), "32 KiB");
        assert_eq!(
            l.region_of(40),
            None,
            "40 KiB is above maxCachedBufferCapacity"
        );
        assert_eq!((l.capacity(0), l.capacity(39)), (256, 64));
        let small_pages =
            CacheLayout::new(&SizeClasses::new(4096, 4096 << 9), 256, 100, 32 << 10, true);
        assert_eq!(small_pages.n_normal, 5, "16, 20, 24, 28, 32 KiB");
        assert_eq!(small_pages.capacity(small_pages.n_small), 128);
        assert_eq!(CacheLayout::new(&sc, 256, 64, 32 << 10, false).len(), 0);
    }
}
