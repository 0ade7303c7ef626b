//! The database's own off-heap page cache (Neo4j's Muninn, as a first model).
//!
//! From `shared/reference/neo4j-page-cache-and-store.md` and `hotspot-memory.md`: pages are 8 KiB; page
//! buffers are allocated lazily on first fault, with `Unsafe.allocateMemory` in grabs of 512 KiB (so NMT
//! counts the cache in `Other`, and committed = resident grows as the cache warms); the cache never
//! gives memory back; when `server.memory.pagecache.size` is unset Neo4j uses
//! 50 % × (RAM − max heap), clamped to [32 MiB, min(70 × heap, 20 GiB)].
//!
//! **Approximation**: this first model counts distinct store bytes faulted in (reads over data not yet
//! cached); pin/unpin, CLOCK eviction, dirty flushing and the store behind the cache are the page-cache
//! issue's. Once full, further faults evict and reuse pages, so memory stays at the configured size.
#![deny(missing_docs)]

use memsim_core::Usage;

const KIB: u64 = 1024;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
/// Neo4j's page size.
pub const PAGE_BYTES: u64 = 8 * KIB;
/// Memory is allocated in grabs of this size (for caches below 100 GiB).
pub const GRAB_BYTES: u64 = 512 * KIB;

/// Neo4j's default page-cache size when none is configured.
pub fn default_size(ram: u64, heap_max: u64) -> u64 {
    let upper = heap_max.saturating_mul(70).clamp(32 * MIB, 20 * GIB);
    (ram.saturating_sub(heap_max) / 2).clamp(32 * MIB, upper)
}

/// The page cache's memory.
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
    fn default_size_heuristic() {
        assert_eq!(default_size(12 * GIB, 4 * GIB), 4 * GIB);
        assert_eq!(default_size(64 * GIB, 31 * GIB), 33 * GIB / 2);
        assert_eq!(default_size(512 * GIB, 31 * GIB), 20 * GIB);
        assert_eq!(default_size(GIB, GIB), 32 * MIB);
    }
}
