//! `PoolArena` and `PoolChunkList` of Netty 4.1.118: chunks, the six chunk lists with their
//! `freeBytes` thresholds, the small subpage pools and the arena's counters.
//!
//! The lists and their moves as 4.1.118 has them: `qInit → q000 → q025 → q050 → q100`, with `q075`
//! also leading to `q100` (4.1.48 went `q050 → q075`); backwards `q100 → q075 → q050 → q025 →
//! q000 → (destroyed)`, `qInit` never moving back. A list's thresholds are on free bytes, each the
//! chunk size times `(100 − usage + 0.99999999) / 100` in double precision (Netty's alignment with
//! its rounded-down `usage()`): after an allocation a chunk with `freeBytes ≤ freeMinThreshold`
//! moves forward (and on until a list takes it), after a free one with `freeBytes >
//! freeMaxThreshold` moves back. The search order of `allocateNormal` is unchanged: `q050, q025,
//! q000, qInit, q075`, skipping lists whose `maxCapacity` is below the class size.

use super::chunk::{Chunk, bitmap_idx, is_subpage, run_offset, subpage_handle};
use super::sizes::SizeClasses;
use crate::accounting::{DirectAllocError, Reservations};
use crate::chunk_slab::ChunkSlab;
use crate::netty41::{ArenaMetric, ChunkIds, ChunkMetric, Placement};
use crate::pooled::PoolArena;
use crate::subpage::SubpageFree;

/// One `PoolChunkList`'s constants.
#[derive(Debug, Clone, Copy)]
struct ListSpec {
    name: &'static str,
    min_usage: i32,
    max_usage: i32,
    next: Option<usize>,
    prev: Option<usize>,
}

const fn list(
    name: &'static str,
    min_usage: i32,
    max_usage: i32,
    next: Option<usize>,
    prev: Option<usize>,
) -> ListSpec {
    ListSpec {
        name,
        min_usage,
        max_usage,
        next,
        prev,
    }
}

/// By index 0..6 = qInit, q000, q025, q050, q075, q100.
const LISTS: [ListSpec; 6] = [
    list("qInit", i32::MIN, 25, Some(1), Some(0)),
    list("q000", 1, 50, Some(2), None),
    list("q025", 25, 75, Some(3), Some(1)),
    list("q050", 50, 100, Some(5), Some(2)),
    list("q075", 75, 100, Some(5), Some(3)),
    list("q100", 100, i32::MAX, None, Some(4)),
];
/// `allocateNormal`'s search order: q050, q025, q000, qInit, q075.
const SEARCH_ORDER: [usize; 5] = [3, 2, 1, 0, 4];

/// A list's thresholds for a chunk size, computed as Netty computes them.
#[derive(Debug, Clone, Copy)]
struct Thresholds {
    max_capacity: u64,
    free_min: i64,
    free_max: i64,
}

impl Thresholds {
    fn of(spec: &ListSpec, chunk_size: u64) -> Thresholds {
        // Java's `(int) double` saturates, as Rust's `as i32` does.
        let threshold = |usage: i32| {
            (chunk_size as f64 * (100.0 - f64::from(usage) + 0.99999999) / 100.0) as i32
        };
        let min = spec.min_usage.max(1);
        Thresholds {
            max_capacity: if min == 100 {
                0
            } else {
                chunk_size * (100 - min as u64) / 100
            },
            free_min: if spec.max_usage == 100 {
                0
            } else {
                i64::from(threshold(spec.max_usage))
            },
            free_max: if spec.min_usage == 100 {
                0
            } else {
                i64::from(threshold(spec.min_usage))
            },
        }
    }
}

/// A subpage: (chunk slot, run offset).
type SubRef = (u32, u32);

#[derive(Debug, Clone, Default)]
struct ArenaCounters {
    allocations_small: u64,
    allocations_normal: u64,
    allocations_huge: u64,
    deallocations_small: u64,
    deallocations_normal: u64,
    deallocations_huge: u64,
    active_bytes_huge: u64,
}

/// One direct `PoolArena` of 4.1.118.
#[derive(Debug, Clone)]
pub(crate) struct Arena {
    index: u32,
    sc: SizeClasses,
    thresholds: [Thresholds; 6],
    // Head-first chunk slots of each list.
    lists: [Vec<u32>; 6],
    // `smallSubpagePools`, by size index: head-first subpages.
    pools: Vec<Vec<SubRef>>,
    chunks: ChunkSlab<Chunk>,
    c: ArenaCounters,
}

impl Arena {
    pub(crate) fn new(index: u32, sc: SizeClasses) -> Arena {
        let thresholds = LISTS.map(|l| Thresholds::of(&l, sc.chunk_size));
        Arena {
            index,
            pools: vec![Vec::new(); sc.n_subpages as usize],
            sc,
            thresholds,
            lists: Default::default(),
            chunks: ChunkSlab::default(),
            c: ArenaCounters::default(),
        }
    }

    /// The size classes and a chunk, borrowed together.
    fn sc_and_chunk(&mut self, slot: u32) -> (&SizeClasses, &mut Chunk) {
        let chunk = self.chunks.get_mut(slot);
        (&self.sc, chunk)
    }

    // ---- allocation ----------------------------------------------------------------------------

    /// After a thread-cache miss, for a size index up to the chunk: a small class from the head of
    /// its subpage pool, else `allocateNormal`. Counted (small or normal) on success only.
    ///
    /// # Errors
    /// The cap's error when a new chunk does not fit; nothing changes then.
    pub(crate) fn allocate(
        &mut self,
        res: &mut impl Reservations,
        ids: &mut impl ChunkIds,
        size_idx: u32,
    ) -> Result<(u32, u64), DirectAllocError> {
        let small = self.sc.is_small(size_idx);
        let pooled = if small {
            self.pools[size_idx as usize].first().copied()
        } else {
            None
        };
        let got = match pooled {
            Some(sub) => (sub.0, self.subpage_allocate(size_idx, sub)),
            None => self.allocate_normal(res, ids, size_idx)?,
        };
        if small {
            self.c.allocations_small += 1;
        } else {
            self.c.allocations_normal += 1;
        }
        Ok(got)
    }

    /// `allocateHuge`: an unpooled chunk of exactly `size` bytes, charged to the cap.
    ///
    /// # Errors
    /// The cap's error; nothing changes then.
    pub(crate) fn allocate_huge(
        &mut self,
        res: &mut impl Reservations,
        ids: &mut impl ChunkIds,
        size: u64,
    ) -> Result<u32, DirectAllocError> {
        res.reserve_netty(size)?;
        let slot = self
            .chunks
            .insert(Chunk::unpooled(ids.next_chunk_id(), self.index, size));
        self.c.active_bytes_huge += size;
        self.c.allocations_huge += 1;
        Ok(slot)
    }

    /// Takes an element of a pooled subpage; a subpage that becomes full leaves its pool.
    fn subpage_allocate(&mut self, size_idx: u32, (slot, offset): SubRef) -> u64 {
        let (sc, chunk) = self.sc_and_chunk(slot);
        let page_shifts = sc.page_shifts;
        let s = chunk.subpages.get_mut(&offset).expect("pooled subpage");
        let pages = s.bytes >> page_shifts;
        let elem = s.allocate().expect("a pooled subpage has a free element");
        if s.num_avail == 0 {
            self.pools[size_idx as usize].retain(|r| *r != (slot, offset));
        }
        subpage_handle(offset, pages as u32, elem)
    }

    /// `PoolChunk.allocate`: a run for a normal class, or a new subpage (added to the head of its
    /// pool) and its first element.
    fn chunk_allocate(&mut self, slot: u32, size_idx: u32) -> Option<u64> {
        let before = self.chunks.get(slot).touched_bytes;
        let (sc, chunk) = self.sc_and_chunk(slot);
        let size = sc.size(size_idx);
        let handle = if sc.is_small(size_idx) {
            let run = chunk.allocate_subpage_run(sc, size)?;
            let offset = run_offset(run);
            self.pools[size_idx as usize].insert(0, (slot, offset));
            Some(self.subpage_allocate(size_idx, (slot, offset)))
        } else {
            chunk.allocate_run(sc, size)
        };
        self.chunks.carry_touched(slot, before);
        handle
    }

    /// `allocateNormal`: the lists in search order, else a new chunk charged to the cap.
    fn allocate_normal(
        &mut self,
        res: &mut impl Reservations,
        ids: &mut impl ChunkIds,
        size_idx: u32,
    ) -> Result<(u32, u64), DirectAllocError> {
        let size = self.sc.size(size_idx);
        for list in SEARCH_ORDER {
            if size > self.thresholds[list].max_capacity {
                continue;
            }
            for i in 0..self.lists[list].len() {
                let slot = self.lists[list][i];
                if let Some(h) = self.chunk_allocate(slot, size_idx) {
                    if self.free_bytes(slot) <= self.thresholds[list].free_min {
                        self.list_remove(list, slot);
                        self.list_add(LISTS[list].next.expect("not q100"), slot);
                    }
                    return Ok((slot, h));
                }
            }
        }
        res.reserve_netty(self.sc.chunk_size)?;
        let chunk = Chunk::pooled(ids.next_chunk_id(), self.index, &self.sc);
        let slot = self.chunks.insert(chunk);
        let h = self
            .chunk_allocate(slot, size_idx)
            .expect("a new chunk fits any class");
        self.list_add(0, slot);
        Ok((slot, h))
    }

    fn destroy_chunk(&mut self, res: &mut impl Reservations, slot: u32) {
        let c = self.chunks.remove(slot);
        res.release_netty(c.size);
    }

    // ---- free ----------------------------------------------------------------------------------

    /// `freeChunk`: counted by the handle's class, returned to the chunk, the chunk moved back or
    /// destroyed.
    pub(crate) fn free(&mut self, res: &mut impl Reservations, slot: u32, handle: u64) {
        assert_eq!(
            self.chunks.get(slot).arena,
            self.index,
            "freed into another arena"
        );
        if is_subpage(handle) {
            self.c.deallocations_small += 1;
        } else {
            self.c.deallocations_normal += 1;
        }
        self.chunk_free(slot, handle);
        let list = self.chunks.get(slot).list;
        if self.free_bytes(slot) > self.thresholds[list].free_max {
            self.list_remove(list, slot);
            if !self.move_back(LISTS[list].prev, slot) {
                self.destroy_chunk(res, slot);
            }
        }
    }

    /// `PoolChunk.free`: a subpage element (the subpage's run is released when it empties and
    /// is not the last of its pool), or a run.
    fn chunk_free(&mut self, slot: u32, handle: u64) {
        let mut run = handle;
        if is_subpage(handle) {
            let offset = run_offset(handle);
            let (sc, chunk) = self.sc_and_chunk(slot);
            let s = chunk.subpages.get_mut(&offset).expect("live subpage");
            let (max, elem) = (s.max_num_elems, s.elem_size);
            let size_idx = sc.size_idx(elem) as usize;
            let outcome = s.free(bitmap_idx(handle));
            match outcome {
                SubpageFree::InUse => return,
                SubpageFree::WasFull => {
                    self.pools[size_idx].insert(0, (slot, offset));
                    // With one element, the subpage is also empty now: the rule below applies.
                    if max > 1 {
                        return;
                    }
                }
                SubpageFree::Empty => {}
            }
            let pool = &mut self.pools[size_idx];
            if pool.len() == 1 {
                return;
            }
            pool.retain(|r| *r != (slot, offset));
            self.chunks.get_mut(slot).subpages.remove(&offset);
            run = handle & !0xFFFF_FFFF;
        }
        let (sc, chunk) = self.sc_and_chunk(slot);
        chunk.free_run(sc, run);
    }

    // ---- chunk lists ---------------------------------------------------------------------------

    fn free_bytes(&self, slot: u32) -> i64 {
        self.chunks.get(slot).free_bytes as i64
    }

    /// `PoolChunkList.add`: forward while the chunk is at or below the list's `freeMinThreshold`.
    fn list_add(&mut self, list: usize, slot: u32) {
        let mut list = list;
        while self.free_bytes(slot) <= self.thresholds[list].free_min {
            list = LISTS[list].next.expect("q100 takes every chunk");
        }
        self.list_add0(list, slot);
    }

    fn list_add0(&mut self, list: usize, slot: u32) {
        self.chunks.get_mut(slot).list = list;
        self.lists[list].insert(0, slot);
    }

    fn list_remove(&mut self, list: usize, slot: u32) {
        let l = &mut self.lists[list];
        let pos = l
            .iter()
            .position(|s| *s == slot)
            .expect("chunk in its list");
        l.remove(pos);
    }

    /// `move0`/`move`: back through the lists while above their `freeMaxThreshold`. `false` =
    /// there is no list before `q000`: destroy the chunk.
    fn move_back(&mut self, prev: Option<usize>, slot: u32) -> bool {
        let mut prev = prev;
        loop {
            match prev {
                None => return false,
                Some(p) if self.free_bytes(slot) > self.thresholds[p].free_max => {
                    prev = LISTS[p].prev;
                }
                Some(p) => {
                    self.list_add0(p, slot);
                    return true;
                }
            }
        }
    }
}

impl PoolArena for Arena {
    fn is_huge(&self, slot: u32) -> bool {
        self.chunks.get(slot).unpooled
    }

    /// Where the buffer `(slot, handle)` of normalized size `norm` lies.
    fn placement(&self, slot: u32, handle: u64, norm: u64) -> Placement {
        let chunk = self.chunks.get(slot);
        Placement {
            arena: Some(self.index),
            chunk: chunk.seq,
            offset: if chunk.unpooled {
                0
            } else {
                chunk.offset_of(handle)
            },
            norm_size: norm,
            huge: chunk.unpooled,
        }
    }

    /// `PoolArena.free` of a huge buffer: its chunk is destroyed and the cap released.
    fn free_huge(&mut self, res: &mut impl Reservations, slot: u32) {
        let size = self.chunks.get(slot).size;
        self.c.active_bytes_huge -= size;
        self.c.deallocations_huge += 1;
        self.destroy_chunk(res, slot);
    }

    type Chunk = Chunk;

    fn chunks(&self) -> &ChunkSlab<Chunk> {
        &self.chunks
    }

    // ---- metrics and invariants ----------------------------------------------------------------

    /// The arena as `PoolArenaMetric` shows it (the tiny counters are 0 in 4.1.118).
    fn metric(&self, num_thread_caches: u32) -> ArenaMetric {
        let c = &self.c;
        let chunk_lists = LISTS
            .iter()
            .zip(&self.lists)
            .map(|(l, slots)| {
                let chunks = slots
                    .iter()
                    .map(|s| {
                        let ch = self.chunks.get(*s);
                        ChunkMetric {
                            id: ch.seq,
                            usage: ch.usage(),
                            free_bytes: ch.free_bytes,
                        }
                    })
                    .collect();
                (l.name, chunks)
            })
            .collect();
        let pooled: u64 = self
            .lists
            .iter()
            .flatten()
            .map(|s| self.chunks.get(*s).size)
            .sum();
        let active = (c.allocations_small + c.allocations_huge) as i64
            - c.deallocations_huge as i64
            + c.allocations_normal as i64
            - (c.deallocations_small + c.deallocations_normal) as i64;
        ArenaMetric {
            index: self.index,
            num_thread_caches,
            allocations: [
                0,
                c.allocations_small,
                c.allocations_normal,
                c.allocations_huge,
            ],
            deallocations: [
                0,
                c.deallocations_small,
                c.deallocations_normal,
                c.deallocations_huge,
            ],
            active_allocations: active.max(0) as u64,
            active_bytes: c.active_bytes_huge + pooled,
            chunk_lists,
        }
    }

    /// Checks sums, list membership and every chunk's runs.
    ///
    /// # Errors
    /// A description of the first broken invariant (a bug).
    fn check(&self) -> Result<(), String> {
        let live: Vec<&Chunk> = self.chunks.live().collect();
        self.chunks.check(self.index)?;
        for (li, list) in self.lists.iter().enumerate() {
            for s in list {
                let c = self.chunks.get(*s);
                if c.list != li || c.unpooled {
                    return Err(format!("chunk {} misfiled in list {li}", c.seq));
                }
                c.check(&self.sc)?;
            }
        }
        let listed: usize = self.lists.iter().map(Vec::len).sum();
        if listed != live.iter().filter(|c| !c.unpooled).count() {
            return Err(format!("arena {}: unlisted chunks", self.index));
        }
        Ok(())
    }
}
