//! The `MemoryRegionCache`s of one thread cache of [`super::Netty41Pool`], stored sparsely.
//!
//! A thread cache bound to an arena has one region per entry of the [`super::CacheLayout`] (39 with
//! the defaults). Most of them stay empty: a thread caches the few size classes it frees. A region
//! that holds no entry and has no hit since the last trim is indistinguishable from a fresh one, so
//! only the others are stored, sorted by their index in the layout; the rest are implied. With
//! 100,000 threads this keeps memsim's own memory at what the threads cache, not at 39 regions per
//! thread. Exact: every operation sees the same regions, in the same order, as a dense array would.

use std::collections::VecDeque;

/// A region's cached (chunk slot, handle) entries, oldest first. One entry, the common case (a
/// thread frees a buffer of a size class and reuses it for its next request), is stored inline;
/// more go to a queue. Same order either way.
#[derive(Debug, Clone)]
pub(crate) enum Entries {
    /// Exactly one entry.
    One((u32, u64)),
    /// Any number (an empty queue allocates nothing).
    Many(VecDeque<(u32, u64)>),
}

impl Entries {
    fn new() -> Entries {
        Entries::Many(VecDeque::new())
    }

    /// Entries held.
    pub(crate) fn len(&self) -> usize {
        match self {
            Entries::One(_) => 1,
            Entries::Many(q) => q.len(),
        }
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn pop_front(&mut self) -> Option<(u32, u64)> {
        let entry = match self {
            Entries::One(e) => Some(*e),
            Entries::Many(q) => q.pop_front(),
        };
        // Back to the compact forms: none left frees the queue, one left goes inline.
        match self {
            Entries::One(_) => *self = Entries::new(),
            Entries::Many(q) if q.len() <= 1 => {
                *self = q.pop_front().map_or_else(Entries::new, Entries::One);
            }
            Entries::Many(_) => {}
        }
        entry
    }

    fn push_back(&mut self, entry: (u32, u64)) {
        match self {
            Entries::Many(q) if q.is_empty() => *self = Entries::One(entry),
            Entries::One(first) => *self = Entries::Many(VecDeque::from([*first, entry])),
            Entries::Many(q) => q.push_back(entry),
        }
    }

    /// Removes the `k` oldest entries (at most all), oldest first.
    pub(crate) fn take_front(&mut self, k: usize) -> Vec<(u32, u64)> {
        (0..k.min(self.len()))
            .filter_map(|_| self.pop_front())
            .collect()
    }
}

/// One `MemoryRegionCache` that differs from a fresh one.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    /// Cached (chunk slot, handle) entries of the cache's arena, oldest first.
    pub(crate) queue: Entries,
    /// Hits since the last trim.
    pub(crate) hits: u32,
    // Its index in the layout (kept here rather than beside it: 32 bytes a region, not 40).
    idx: u16,
}

impl Region {
    fn is_fresh(&self) -> bool {
        self.queue.is_empty() && self.hits == 0
    }
}

/// A thread cache's regions: none (no arena, or caches off), or the layout's, stored sparsely.
#[derive(Debug, Clone, Default)]
pub(crate) struct Regions {
    // Regions exist at indexes 0..n (n = 0: the cache has none).
    n: usize,
    // Invariant: sorted by index, indexes < n, no fresh region.
    stored: Vec<Region>,
}

impl Regions {
    /// `n` fresh regions (0 for a cache without any).
    pub(crate) fn new(n: usize) -> Regions {
        assert!(
            n <= usize::from(u16::MAX),
            "{n} regions in one thread cache"
        );
        Regions {
            n,
            stored: Vec::new(),
        }
    }

    /// Whether region `i` exists.
    pub(crate) fn has(&self, i: usize) -> bool {
        i < self.n
    }

    fn position(&self, i: usize) -> Result<usize, usize> {
        self.stored.binary_search_by_key(&i, |r| usize::from(r.idx))
    }

    /// Entries region `i` holds (0 for a fresh or missing one).
    pub(crate) fn len(&self, i: usize) -> usize {
        self.position(i).map_or(0, |p| self.stored[p].queue.len())
    }

    /// `MemoryRegionCache.allocate`: region `i`'s oldest entry, counting a hit; `None` for an empty
    /// region (which is left as it was).
    pub(crate) fn pop(&mut self, i: usize) -> Option<(u32, u64)> {
        let p = self.position(i).ok()?;
        let region = &mut self.stored[p];
        let hit = region.queue.pop_front()?;
        region.hits += 1;
        Some(hit)
    }

    /// `MemoryRegionCache.add`: appends an entry to region `i` (which must exist).
    pub(crate) fn push(&mut self, i: usize, entry: (u32, u64)) {
        debug_assert!(self.has(i));
        let p = match self.position(i) {
            Ok(p) => p,
            Err(p) => {
                // Grown one at a time: a thread typically caches a handful of size classes.
                self.stored.reserve_exact(1);
                let region = Region {
                    queue: Entries::new(),
                    hits: 0,
                    idx: i as u16,
                };
                self.stored.insert(p, region);
                p
            }
        };
        self.stored[p].queue.push_back(entry);
    }

    /// Visits the stored regions in index order with `f(index, region)`, then drops the ones left
    /// fresh. The implied regions are fresh: every per-region rule is a no-op on them.
    pub(crate) fn for_each(&mut self, mut f: impl FnMut(usize, &mut Region)) {
        for r in &mut self.stored {
            f(usize::from(r.idx), r);
        }
        self.stored.retain(|r| !r.is_fresh());
    }

    /// The stored regions with their index, in index order (for checks).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &Region)> {
        self.stored.iter().map(|r| (usize::from(r.idx), r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_fifo_order_across_inline_and_queued_forms() {
        let mut e = Entries::new();
        let mut model = VecDeque::new();
        for step in 0u64..200 {
            // Pushes and pops in a pattern that crosses 0, 1 and many entries.
            if step % 7 < 4 {
                e.push_back((step as u32, step));
                model.push_back((step as u32, step));
            } else {
                assert_eq!(e.pop_front(), model.pop_front());
            }
            assert_eq!(e.len(), model.len());
            assert_eq!(matches!(e, Entries::One(_)), model.len() == 1);
        }
        let rest: Vec<_> = model.drain(..3).collect();
        assert_eq!(e.take_front(3), rest);
        assert_eq!(
            e.take_front(usize::MAX),
            model.drain(..).collect::<Vec<_>>()
        );
        assert!(e.is_empty());
    }

    #[test]
    fn stores_only_regions_that_differ_from_fresh() {
        let mut r = Regions::new(39);
        assert!(r.has(38) && !r.has(39));
        assert_eq!(r.pop(5), None);
        r.push(7, (1, 10));
        r.push(2, (1, 20));
        r.push(7, (1, 30));
        assert_eq!(r.iter().map(|(i, _)| i).collect::<Vec<_>>(), [2, 7]);
        assert_eq!(r.len(7), 2);
        assert_eq!(r.pop(7), Some((1, 10)));
        assert_eq!(r.pop(2), Some((1, 20)));
        // Region 2 is empty but has a hit: kept until a trim resets it.
        r.for_each(|_, _| {});
        assert_eq!(r.iter().count(), 2);
        r.for_each(|_, region| region.hits = 0);
        assert_eq!(r.iter().map(|(i, _)| i).collect::<Vec<_>>(), [7]);
        assert!(!Regions::new(0).has(0));
    }
}
