//! `PoolArena` of Netty 4.1.48: its chunks, the six chunk lists, the subpage pools and the
//! arena's counters — everything Netty guards with the arena's lock.
//!
//! [`Arena`] is driven by the single-threaded [`super::Netty41Pool`] (one `Arena` per direct arena,
//! owned directly) and by the thread-safe [`crate::concurrent::SharedPool`] (each `Arena` behind its
//! own mutex, as Netty synchronizes on the arena). The direct-memory cap is reached through
//! [`Reservations`], and chunk creation numbers through [`ChunkIds`], so both pools run the very
//! same code; thread caches are not part of an arena (see `cache.rs`).

use super::chunk::{Chunk, SubpageFree, bitmap_of, node_of};
use super::{ArenaMetric, ChunkMetric, Netty41Config, Placement};
use crate::accounting::{DirectAllocError, Reservations};
use crate::chunk_slab::ChunkSlab;
use crate::pooled::PoolArena;

/// The source of chunk creation numbers (`Placement::chunk`), which count across the allocator.
pub(crate) trait ChunkIds {
    /// The next creation number.
    fn next_chunk_id(&mut self) -> u64;
}

impl ChunkIds for u64 {
    fn next_chunk_id(&mut self) -> u64 {
        *self += 1;
        *self - 1
    }
}

/// Netty's size classes of a normalized size up to a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Class {
    Tiny,
    Small,
    Normal,
}

impl Class {
    /// The class of a normalized size ≤ the chunk size.
    pub(crate) fn of(cfg: &Netty41Config, norm: u64) -> Class {
        if norm >= cfg.page_size {
            Class::Normal
        } else if norm < 512 {
            Class::Tiny
        } else {
            Class::Small
        }
    }
}

/// One `PoolChunkList`'s constants.
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

/// The six chunk lists, by index 0..6 = qInit, q000, q025, q050, q075, q100. qInit's previous list is
/// itself and its minimum is below any usage, so its chunks never move back or die.
const LISTS: [ListSpec; 6] = [
    list("qInit", i32::MIN, 25, Some(1), Some(0)),
    list("q000", 1, 50, Some(2), None),
    list("q025", 25, 75, Some(3), Some(1)),
    list("q050", 50, 100, Some(4), Some(2)),
    list("q075", 75, 100, Some(5), Some(3)),
    list("q100", 100, i32::MAX, None, Some(4)),
];
/// `allocateNormal`'s search order: q050, q025, q000, qInit, q075.
const SEARCH_ORDER: [usize; 5] = [3, 2, 1, 0, 4];

/// A reference to a subpage: (chunk slot, page index).
type SubRef = (u32, u32);

/// Netty's `smallIdx`: 512 → 0, 1024 → 1, …
pub(crate) fn small_idx(norm: u64) -> usize {
    let mut i = norm >> 10;
    let mut idx = 0;
    while i != 0 {
        i >>= 1;
        idx += 1;
    }
    idx
}

/// `floor(log2(v))`, 0 for 0 and 1.
pub(crate) fn log2_floor(v: u64) -> usize {
    if v <= 1 {
        0
    } else {
        63 - v.leading_zeros() as usize
    }
}

#[derive(Debug, Clone, Default)]
struct ArenaCounters {
    allocations_tiny: u64,
    allocations_small: u64,
    allocations_normal: u64,
    allocations_huge: u64,
    deallocations_tiny: u64,
    deallocations_small: u64,
    deallocations_normal: u64,
    deallocations_huge: u64,
    active_bytes_huge: u64,
}

/// One direct `PoolArena`. See the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct Arena {
    index: u32,
    cfg: Netty41Config,
    // Head-first chunk slots of each list.
    lists: [Vec<u32>; 6],
    // Head-first subpages per size: tiny by norm >> 4, small by Netty's smallIdx.
    tiny_pools: Vec<Vec<SubRef>>,
    small_pools: Vec<Vec<SubRef>>,
    // Chunk slab (pooled and huge); slots are reused, `Chunk::seq` is the stable creation number.
    chunks: ChunkSlab<Chunk>,
    c: ArenaCounters,
}

impl Arena {
    /// An empty arena with index `index` of an allocator configured by `cfg`.
    pub(crate) fn new(index: u32, cfg: Netty41Config) -> Arena {
        let page_shifts = cfg.page_size.trailing_zeros();
        Arena {
            index,
            cfg,
            lists: Default::default(),
            tiny_pools: vec![Vec::new(); 32],
            small_pools: vec![Vec::new(); (page_shifts - 9) as usize],
            chunks: ChunkSlab::default(),
            c: ArenaCounters::default(),
        }
    }

    // ---- allocation ----------------------------------------------------------------------------

    /// `PoolArena.allocate` after a thread-cache miss, for a normalized size up to a chunk: a tiny
    /// or small size from its subpage pool (newest subpage first), else `allocateNormal`. Returns
    /// `(chunk slot, handle)`; counted as an allocation of its class on success only.
    ///
    /// # Errors
    /// The cap's error when a new chunk does not fit; nothing changes then.
    pub(crate) fn allocate(
        &mut self,
        res: &mut impl Reservations,
        ids: &mut impl ChunkIds,
        norm: u64,
    ) -> Result<(u32, u64), DirectAllocError> {
        debug_assert!(norm <= self.cfg.chunk_size());
        let class = Class::of(&self.cfg, norm);
        let from_pool = match class {
            Class::Normal => None,
            Class::Tiny => self.tiny_pools[(norm >> 4) as usize].first().copied(),
            Class::Small => self.small_pools[small_idx(norm)].first().copied(),
        };
        let (slot, handle) = match from_pool {
            Some(sub) => (sub.0, self.subpage_allocate(sub)),
            None => self.allocate_normal(res, ids, norm)?,
        };
        let c = &mut self.c;
        match class {
            Class::Tiny => c.allocations_tiny += 1,
            Class::Small => c.allocations_small += 1,
            Class::Normal => c.allocations_normal += 1,
        }
        Ok((slot, handle))
    }

    /// `allocateHuge`: an unpooled chunk of exactly `size` bytes, charged to the cap. Returns its slot.
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
        Ok(self.add_huge(ids, size))
    }

    /// The second half of [`Arena::allocate_huge`], for a caller that reserved `size` already
    /// (Netty charges a huge buffer outside the arena's lock). Returns the chunk's slot.
    pub(crate) fn add_huge(&mut self, ids: &mut impl ChunkIds, size: u64) -> u32 {
        let slot = self
            .chunks
            .insert(Chunk::unpooled(ids.next_chunk_id(), self.index, size));
        self.c.active_bytes_huge += size;
        self.c.allocations_huge += 1;
        slot
    }

    /// `PoolChunk.allocate` for `norm`: a run, or a new subpage's first element.
    fn chunk_allocate(&mut self, slot: u32, norm: u64) -> Option<u64> {
        let before = self.chunks.get(slot).touched_bytes;
        let handle = if norm >= self.cfg.page_size {
            self.chunks.get_mut(slot).allocate_run(norm)
        } else {
            let page = self.chunks.get_mut(slot).allocate_subpage_page(norm);
            page.map(|page| {
                self.pool_mut(norm).insert(0, (slot, page));
                self.subpage_allocate((slot, page))
            })
        };
        self.chunks.carry_touched(slot, before);
        handle
    }

    fn pool_mut(&mut self, norm: u64) -> &mut Vec<SubRef> {
        if norm < 512 {
            &mut self.tiny_pools[(norm >> 4) as usize]
        } else {
            &mut self.small_pools[small_idx(norm)]
        }
    }

    /// Takes an element of a pooled subpage; removes the subpage from its pool when full.
    fn subpage_allocate(&mut self, (slot, page): SubRef) -> u64 {
        let chunk = self.chunks.get_mut(slot);
        let s = chunk.subpages.get_mut(&page).expect("pooled subpage");
        let elem = s.allocate().expect("a pooled subpage has a free element");
        let (full, norm) = (s.num_avail == 0, s.elem_size);
        let handle = chunk.subpage_handle(page, elem);
        if full {
            self.pool_mut(norm).retain(|r| *r != (slot, page));
        }
        handle
    }

    /// `allocateNormal`: the chunk lists in search order, else a new chunk charged to the cap.
    fn allocate_normal(
        &mut self,
        res: &mut impl Reservations,
        ids: &mut impl ChunkIds,
        norm: u64,
    ) -> Result<(u32, u64), DirectAllocError> {
        for list in SEARCH_ORDER {
            if norm > self.max_capacity(list) {
                continue;
            }
            for i in 0..self.lists[list].len() {
                let slot = self.lists[list][i];
                if let Some(h) = self.chunk_allocate(slot, norm) {
                    if self.chunks.get(slot).usage() >= LISTS[list].max_usage {
                        self.list_remove(list, slot);
                        self.list_add(LISTS[list].next.expect("not q100"), slot);
                    }
                    return Ok((slot, h));
                }
            }
        }
        res.reserve_netty(self.cfg.chunk_size())?;
        let slot = self.chunks.insert(Chunk::pooled(
            ids.next_chunk_id(),
            self.index,
            self.cfg.page_size,
            self.cfg.max_order,
        ));
        let h = self
            .chunk_allocate(slot, norm)
            .expect("a new chunk fits any normal size");
        self.list_add(0, slot);
        Ok((slot, h))
    }

    fn destroy_chunk(&mut self, res: &mut impl Reservations, slot: u32) {
        let c = self.chunks.remove(slot);
        res.release_netty(c.size);
    }

    // ---- free ----------------------------------------------------------------------------------

    /// `PoolArena.freeChunk`: counts the deallocation (memsim has no finalizer frees, the only
    /// uncounted kind), returns the memory to the chunk, and destroys an emptied chunk leaving `q000`.
    pub(crate) fn free(
        &mut self,
        res: &mut impl Reservations,
        slot: u32,
        handle: u64,
        class: Class,
    ) {
        assert_eq!(
            self.chunks.get(slot).arena,
            self.index,
            "a buffer freed into another arena"
        );
        let c = &mut self.c;
        match class {
            Class::Normal => c.deallocations_normal += 1,
            Class::Small => c.deallocations_small += 1,
            Class::Tiny => c.deallocations_tiny += 1,
        }
        self.chunk_free(slot, handle);
        if !self.list_after_free(slot) {
            self.destroy_chunk(res, slot);
        }
    }

    /// `PoolChunk.free`: a subpage element (maybe releasing its page), or a run.
    fn chunk_free(&mut self, slot: u32, handle: u64) {
        let id = node_of(handle);
        let bitmap = bitmap_of(handle);
        if bitmap != 0 {
            let chunk = self.chunks.get_mut(slot);
            let page = chunk.page_of(id);
            let s = chunk
                .subpages
                .get_mut(&page)
                .expect("subpage of a live handle");
            let norm = s.elem_size;
            match s.free(bitmap & 0x3FFF_FFFF) {
                SubpageFree::WasFull => {
                    self.pool_mut(norm).insert(0, (slot, page));
                    return;
                }
                SubpageFree::InUse => return,
                SubpageFree::Empty => {
                    let pool = self.pool_mut(norm);
                    if pool.len() == 1 {
                        return;
                    }
                    pool.retain(|r| *r != (slot, page));
                    self.chunks
                        .get_mut(slot)
                        .subpages
                        .get_mut(&page)
                        .expect("subpage")
                        .do_not_destroy = false;
                }
            }
        }
        self.chunks.get_mut(slot).free_run(id);
    }

    // ---- chunk lists ---------------------------------------------------------------------------

    fn list_add(&mut self, list: usize, slot: u32) {
        let mut list = list;
        while self.chunks.get(slot).usage() >= LISTS[list].max_usage {
            list = LISTS[list].next.expect("q100 takes every usage");
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

    /// After a free: moves the chunk back while it is below its list's minimum. `false` = destroy it.
    fn list_after_free(&mut self, slot: u32) -> bool {
        let list = self.chunks.get(slot).list;
        let usage = self.chunks.get(slot).usage();
        if usage >= LISTS[list].min_usage {
            return true;
        }
        self.list_remove(list, slot);
        let mut prev = LISTS[list].prev;
        loop {
            match prev {
                None => return false,
                Some(p) if usage < LISTS[p].min_usage => prev = LISTS[p].prev,
                Some(p) => {
                    self.list_add0(p, slot);
                    return true;
                }
            }
        }
    }

    fn max_capacity(&self, list: usize) -> u64 {
        let min = LISTS[list].min_usage.max(1);
        if min == 100 {
            0
        } else {
            self.cfg.chunk_size() * (100 - min as u64) / 100
        }
    }
}

impl PoolArena for Arena {
    /// Whether the chunk in `slot` is a huge buffer's own chunk.
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
        assert!(self.is_huge(slot), "free_huge of a pooled chunk");
        self.c.active_bytes_huge -= size;
        self.c.deallocations_huge += 1;
        self.destroy_chunk(res, slot);
    }

    type Chunk = Chunk;

    fn chunks(&self) -> &ChunkSlab<Chunk> {
        &self.chunks
    }

    // ---- metrics and invariants ----------------------------------------------------------------

    /// The arena as `PoolArenaMetric` shows it; `num_thread_caches` is kept by the pool.
    fn metric(&self, num_thread_caches: u32) -> ArenaMetric {
        let c = &self.c;
        let chunk_lists: Vec<(&'static str, Vec<ChunkMetric>)> = LISTS
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
        let active = (c.allocations_tiny + c.allocations_small + c.allocations_huge) as i64
            - c.deallocations_huge as i64
            + c.allocations_normal as i64
            - (c.deallocations_tiny + c.deallocations_small + c.deallocations_normal) as i64;
        ArenaMetric {
            index: self.index,
            num_thread_caches,
            allocations: [
                c.allocations_tiny,
                c.allocations_small,
                c.allocations_normal,
                c.allocations_huge,
            ],
            deallocations: [
                c.deallocations_tiny,
                c.deallocations_small,
                c.deallocations_normal,
                c.deallocations_huge,
            ],
            active_allocations: active.max(0) as u64,
            active_bytes: c.active_bytes_huge + pooled,
            chunk_lists,
        }
    }

    /// Checks the arena: its sums against its chunks, every listed chunk's tree and list, and that
    /// every pooled chunk is listed exactly once.
    ///
    /// # Errors
    /// A description of the first broken invariant (a bug).
    fn check(&self) -> Result<(), String> {
        let live: Vec<&Chunk> = self.chunks.live().collect();
        self.chunks.check(self.index)?;
        for (li, list) in self.lists.iter().enumerate() {
            for s in list {
                let c = self.chunks.get(*s);
                if c.list != li || c.arena != self.index || c.unpooled {
                    return Err(format!(
                        "chunk {} is in arena {} list {li} but says {:?}",
                        c.seq,
                        self.index,
                        (c.arena, c.list)
                    ));
                }
                c.check()?;
            }
        }
        let listed: usize = self.lists.iter().map(Vec::len).sum();
        let pooled = live.iter().filter(|c| !c.unpooled).count();
        if listed != pooled {
            return Err(format!(
                "arena {}: {pooled} pooled chunks but {listed} listed",
                self.index
            ));
        }
        let huge: u64 = live.iter().filter(|c| c.unpooled).map(|c| c.size).sum();
        if huge != self.c.active_bytes_huge {
            return Err(format!(
                "arena {}: huge chunks {huge} vs activeBytesHuge {}",
                self.index, self.c.active_bytes_huge
            ));
        }
        Ok(())
    }
}
