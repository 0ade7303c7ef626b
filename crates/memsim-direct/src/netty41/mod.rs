//! Netty 4.1.48's `PooledByteBufAllocator` (direct arenas), modelled exactly.
//!
//! Rules from Netty 4.1.48's `PoolArena`, `PoolChunk`, `PoolChunkList`, `PoolSubpage`,
//! `PoolThreadCache` and `PooledByteBufAllocator` (read at the `netty-4.1.48.Final` tag; summarized in
//! `shared/reference/netty-pooled-allocator.md`), re-expressed in memsim's own structure:
//! - sizes are normalized (≥ chunk: unchanged; ≥ 512: next power of two; else a multiple of 16) and
//!   classed tiny (< 512), small (< page), normal (≤ chunk), huge (> chunk, its own unpooled chunk);
//! - tiny and small sizes come from the arena's subpage pool for that size (newest subpage first),
//!   else a page of a chunk becomes a subpage; runs come from the chunk lists in the order
//!   `q050, q025, q000, qInit, q075`, head first, skipping lists whose `maxCapacity` is too small,
//!   else from a new chunk added to `qInit`; after an allocation a chunk whose usage reached its
//!   list's maximum moves forward, after a free one below its minimum moves back, and a chunk that
//!   would move back from `q000` is destroyed (one that never left `qInit` is kept forever);
//! - an emptied subpage is released to its chunk unless it is the only one left in its pool;
//! - each thread binds on its first allocation to the arena with the fewest thread caches (first on
//!   ties) and gets caches of tiny (`[32]` × 512), small (`[pageShifts − 9]` × 256) and normal
//!   (8 KiB…32 KiB, × 64) entries unless caches are off for it; a free goes to the cache of the
//!   thread that allocated the buffer (even after that thread ended: 4.1.48 does not check), every
//!   8192 cache lookups the cache is trimmed by its unused capacity, and a thread's end returns its
//!   cache; cache hits and cached frees are invisible to the arena's counters;
//! - the direct-memory cap is charged per chunk or huge buffer (see `crate::accounting`); a failure
//!   leaves every counter as it was.
//!
//! Memory residency (memsim's addition, not Netty's): a pooled chunk's pages count as resident once
//! handed out; a huge buffer is resident in full.

mod chunk;

use crate::accounting::{DirectAccounting, DirectAllocError};
use crate::{BufHandle, DirectPool, PoolCounters, SizeKind, ThreadKey};
use chunk::{Chunk, SubpageFree, bitmap_of, node_of};
use memsim_core::Usage;
use std::collections::{BTreeMap, VecDeque};

/// Netty's default for `io.netty.allocator.maxCachedBufferCapacity`.
pub const MAX_CACHED_BUFFER_CAPACITY: u64 = 32 * 1024;
/// Netty's default for `io.netty.allocator.cacheTrimInterval`.
pub const CACHE_TRIM_INTERVAL: u32 = 8192;

/// The allocator's settings (Netty's constructor arguments and system properties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Netty41Config {
    /// `pageSize`: a power of two ≥ 4096.
    pub page_size: u64,
    /// `maxOrder` ≤ 14; chunk = `pageSize << maxOrder` ≤ 1 GiB.
    pub max_order: u32,
    /// Direct arenas; 0 = every buffer unpooled.
    pub n_arenas: u32,
    /// `tinyCacheSize` (default 512).
    pub tiny_cache_size: u32,
    /// `smallCacheSize` (default 256).
    pub small_cache_size: u32,
    /// `normalCacheSize` (default 64).
    pub normal_cache_size: u32,
    /// `useCacheForAllThreads` (default true). memsim's threads are plain threads, not
    /// `FastThreadLocalThread`s, so with `false` they get no caches.
    pub use_cache_for_all_threads: bool,
}

impl Netty41Config {
    /// Netty 4.1.48's defaults with `n_arenas` arenas.
    pub fn with_arenas(n_arenas: u32) -> Netty41Config {
        Netty41Config {
            page_size: 8192,
            max_order: 11,
            n_arenas,
            tiny_cache_size: 512,
            small_cache_size: 256,
            normal_cache_size: 64,
            use_cache_for_all_threads: true,
        }
    }

    /// `pageSize << maxOrder`.
    pub fn chunk_size(&self) -> u64 {
        self.page_size << self.max_order
    }

    /// `PoolArena.normalizeCapacity` (no alignment).
    pub fn normalize(&self, req: u64) -> u64 {
        if req >= self.chunk_size() {
            req
        } else if req >= 512 {
            req.next_power_of_two()
        } else {
            req.div_ceil(16) * 16
        }
    }

    /// The size kind of a request.
    pub fn kind(&self, req: u64) -> SizeKind {
        let norm = self.normalize(req);
        if norm > self.chunk_size() {
            SizeKind::Huge
        } else if norm >= self.page_size {
            SizeKind::Normal
        } else if norm >= 512 {
            SizeKind::Small
        } else {
            SizeKind::Tiny
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Tiny,
    Small,
    Normal,
}

/// A reference to a subpage: (chunk slot, page index).
type SubRef = (u32, u32);

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

#[derive(Debug, Clone)]
struct Arena {
    // Head-first chunk slots of each list.
    lists: [Vec<u32>; 6],
    // Head-first subpages per size: tiny by norm>>4, small by log2(norm>>10)+1 − 1 … (Netty's smallIdx).
    tiny_pools: Vec<Vec<SubRef>>,
    small_pools: Vec<Vec<SubRef>>,
    num_thread_caches: u32,
    c: ArenaCounters,
}

#[derive(Debug, Clone)]
struct RegionCache {
    // Capacity, rounded up to a power of two as Netty's MPSC queue is.
    size: usize,
    queue: VecDeque<(u32, u64)>,
    // Hits since the last trim.
    allocations: u32,
}

impl RegionCache {
    fn new(size: u32) -> RegionCache {
        RegionCache {
            size: (size as usize).next_power_of_two(),
            queue: VecDeque::new(),
            allocations: 0,
        }
    }
}

#[derive(Debug, Clone)]
struct ThreadCache {
    arena: Option<u32>,
    tiny: Vec<RegionCache>,
    small: Vec<RegionCache>,
    normal: Vec<RegionCache>,
    allocations: u32,
    trim_threshold: u32,
    freed: bool,
}

#[derive(Debug, Clone, Copy)]
struct Buf {
    chunk: u32,
    handle: u64,
    norm: u64,
    cache: Option<u32>,
}

/// Where an allocation landed, for trace replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The arena index, or `None` for an unpooled buffer of an allocator without arenas.
    pub arena: Option<u32>,
    /// The chunk's creation number (a huge or unpooled buffer is its own chunk).
    pub chunk: u64,
    /// Byte offset inside the chunk.
    pub offset: u64,
    /// The normalized size (`maxLength`): the run or element size, or the exact size when huge.
    pub norm_size: u64,
    /// Whether the buffer is huge (or unpooled).
    pub huge: bool,
}

/// One chunk in a chunk list, as `PoolChunkMetric` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkMetric {
    /// Creation number.
    pub id: u64,
    /// `usage()`.
    pub usage: i32,
    /// `freeBytes()`.
    pub free_bytes: u64,
}

/// One arena, as `PoolArenaMetric` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArenaMetric {
    /// Index in `directArenas()`.
    pub index: u32,
    /// `numThreadCaches`.
    pub num_thread_caches: u32,
    /// `numTinyAllocations`, `numSmallAllocations`, `numNormalAllocations`, `numHugeAllocations`.
    pub allocations: [u64; 4],
    /// `numTinyDeallocations`, … `numHugeDeallocations`.
    pub deallocations: [u64; 4],
    /// `numActiveAllocations`.
    pub active_allocations: u64,
    /// `numActiveBytes`.
    pub active_bytes: u64,
    /// The six lists (`qInit q000 q025 q050 q075 q100`), chunks head first.
    pub chunk_lists: Vec<(&'static str, Vec<ChunkMetric>)>,
}

/// Netty 4.1.48's pooled direct allocator. See the module documentation.
#[derive(Debug, Clone)]
pub struct Netty41Pool {
    cfg: Netty41Config,
    page_shifts: u32,
    arenas: Vec<Arena>,
    // Chunk slab; slots are reused, `Chunk::seq` is the stable creation number.
    chunks: Vec<Option<Chunk>>,
    free_slots: Vec<u32>,
    next_seq: u64,
    // Every cache ever created (a freed cache still accepts entries, as in 4.1.48).
    caches: Vec<ThreadCache>,
    thread_caches: BTreeMap<ThreadKey, u32>,
    bufs: Vec<Option<Buf>>,
    free_bufs: Vec<u32>,
    // memsim's sums: chunk bytes, touched bytes, live normalized bytes, bytes of unpooled buffers.
    used_memory: u64,
    touched: u64,
    active: u64,
    counters: PoolCounters,
}

fn small_idx(norm: u64) -> usize {
    let mut i = norm >> 10;
    let mut idx = 0;
    while i != 0 {
        i >>= 1;
        idx += 1;
    }
    idx
}

fn log2_floor(v: u64) -> usize {
    if v <= 1 {
        0
    } else {
        63 - v.leading_zeros() as usize
    }
}

impl Netty41Pool {
    /// An empty allocator.
    pub fn new(cfg: Netty41Config) -> Netty41Pool {
        let page_shifts = cfg.page_size.trailing_zeros();
        let arena = Arena {
            lists: Default::default(),
            tiny_pools: vec![Vec::new(); 32],
            small_pools: vec![Vec::new(); (page_shifts - 9) as usize],
            num_thread_caches: 0,
            c: ArenaCounters::default(),
        };
        Netty41Pool {
            cfg,
            page_shifts,
            arenas: vec![arena; cfg.n_arenas as usize],
            chunks: Vec::new(),
            free_slots: Vec::new(),
            next_seq: 0,
            caches: Vec::new(),
            thread_caches: BTreeMap::new(),
            bufs: Vec::new(),
            free_bufs: Vec::new(),
            used_memory: 0,
            touched: 0,
            active: 0,
            counters: PoolCounters::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> Netty41Config {
        self.cfg
    }

    fn chunk(&self, slot: u32) -> &Chunk {
        self.chunks[slot as usize]
            .as_ref()
            .expect("live chunk slot")
    }

    fn chunk_mut(&mut self, slot: u32) -> &mut Chunk {
        self.chunks[slot as usize]
            .as_mut()
            .expect("live chunk slot")
    }

    fn class_of(&self, norm: u64) -> Class {
        if norm >= self.cfg.page_size {
            Class::Normal
        } else if norm < 512 {
            Class::Tiny
        } else {
            Class::Small
        }
    }

    // ---- thread caches -------------------------------------------------------------------------

    /// The thread's cache, created (and bound to the least-used arena) on first use.
    fn cache_of(&mut self, thread: ThreadKey) -> u32 {
        if let Some(c) = self.thread_caches.get(&thread) {
            return *c;
        }
        let arena = (!self.arenas.is_empty()).then(|| {
            let mut min = 0;
            for (i, a) in self.arenas.iter().enumerate().skip(1) {
                if a.num_thread_caches < self.arenas[min].num_thread_caches {
                    min = i;
                }
            }
            min as u32
        });
        let cached = self.cfg.use_cache_for_all_threads;
        let mk = |size: u32, n: usize| -> Vec<RegionCache> {
            if cached && size > 0 && n > 0 {
                (0..n).map(|_| RegionCache::new(size)).collect()
            } else {
                Vec::new()
            }
        };
        let mut cache = ThreadCache {
            arena,
            tiny: Vec::new(),
            small: Vec::new(),
            normal: Vec::new(),
            allocations: 0,
            trim_threshold: if cached { CACHE_TRIM_INTERVAL } else { 0 },
            freed: false,
        };
        if let Some(a) = arena {
            cache.tiny = mk(self.cfg.tiny_cache_size, 32);
            cache.small = mk(self.cfg.small_cache_size, (self.page_shifts - 9) as usize);
            let max = self.cfg.chunk_size().min(MAX_CACHED_BUFFER_CAPACITY);
            let n_normal = (log2_floor(max >> self.page_shifts) + 1).max(1);
            cache.normal = if cached && MAX_CACHED_BUFFER_CAPACITY > 0 {
                mk(self.cfg.normal_cache_size, n_normal)
            } else {
                Vec::new()
            };
            self.arenas[a as usize].num_thread_caches += 1;
        }
        self.caches.push(cache);
        let id = self.caches.len() as u32 - 1;
        self.thread_caches.insert(thread, id);
        id
    }

    fn region(&mut self, cache: u32, class: Class, norm: u64) -> Option<&mut RegionCache> {
        let shifts = self.page_shifts;
        let c = &mut self.caches[cache as usize];
        let (v, idx) = match class {
            Class::Tiny => (&mut c.tiny, (norm >> 4) as usize),
            Class::Small => (&mut c.small, small_idx(norm)),
            Class::Normal => (&mut c.normal, log2_floor(norm >> shifts)),
        };
        v.get_mut(idx)
    }

    /// `PoolThreadCache.allocate`: a cached (chunk, handle) or `None`; counts lookups and trims.
    fn cache_allocate(
        &mut self,
        acct: &mut DirectAccounting,
        cache: u32,
        class: Class,
        norm: u64,
    ) -> Option<(u32, u64)> {
        let region = self.region(cache, class, norm)?;
        let hit = region.queue.pop_front();
        if hit.is_some() {
            region.allocations += 1;
        }
        let c = &mut self.caches[cache as usize];
        c.allocations += 1;
        if c.allocations >= c.trim_threshold {
            c.allocations = 0;
            self.trim_cache(acct, cache);
        }
        hit
    }

    fn trim_cache(&mut self, acct: &mut DirectAccounting, cache: u32) {
        for class in [Class::Tiny, Class::Small, Class::Normal] {
            let n = self.regions_len(cache, class);
            for i in 0..n {
                let freed: Vec<(u32, u64)> = {
                    let r = self.region_at(cache, class, i);
                    let free = r.size as i64 - i64::from(r.allocations);
                    r.allocations = 0;
                    let k = (free.max(0) as usize).min(r.queue.len());
                    r.queue.drain(..k).collect()
                };
                for (slot, handle) in freed {
                    self.free_chunk(acct, slot, handle, class);
                }
            }
        }
    }

    fn regions_len(&self, cache: u32, class: Class) -> usize {
        let c = &self.caches[cache as usize];
        match class {
            Class::Tiny => c.tiny.len(),
            Class::Small => c.small.len(),
            Class::Normal => c.normal.len(),
        }
    }

    fn region_at(&mut self, cache: u32, class: Class, i: usize) -> &mut RegionCache {
        let c = &mut self.caches[cache as usize];
        match class {
            Class::Tiny => &mut c.tiny[i],
            Class::Small => &mut c.small[i],
            Class::Normal => &mut c.normal[i],
        }
    }

    /// `PoolThreadCache.free(false)`: every entry back to its chunk, counted; the arena loses a cache.
    fn free_thread_cache(&mut self, acct: &mut DirectAccounting, cache: u32) {
        if std::mem::replace(&mut self.caches[cache as usize].freed, true) {
            return;
        }
        for class in [Class::Tiny, Class::Small, Class::Normal] {
            for i in 0..self.regions_len(cache, class) {
                let entries: Vec<(u32, u64)> =
                    self.region_at(cache, class, i).queue.drain(..).collect();
                for (slot, handle) in entries {
                    self.free_chunk(acct, slot, handle, class);
                }
            }
        }
        if let Some(a) = self.caches[cache as usize].arena {
            self.arenas[a as usize].num_thread_caches -= 1;
        }
    }

    // ---- chunk lists ---------------------------------------------------------------------------

    fn list_add(&mut self, arena: u32, list: usize, slot: u32) {
        let mut list = list;
        while self.chunk(slot).usage() >= LISTS[list].max_usage {
            list = LISTS[list].next.expect("q100 takes every usage");
        }
        self.list_add0(arena, list, slot);
    }

    fn list_add0(&mut self, arena: u32, list: usize, slot: u32) {
        self.chunk_mut(slot).list = list;
        self.arenas[arena as usize].lists[list].insert(0, slot);
    }

    fn list_remove(&mut self, arena: u32, list: usize, slot: u32) {
        let l = &mut self.arenas[arena as usize].lists[list];
        let pos = l
            .iter()
            .position(|s| *s == slot)
            .expect("chunk in its list");
        l.remove(pos);
    }

    /// After a free: moves the chunk back while it is below its list's minimum. `false` = destroy it.
    fn list_after_free(&mut self, arena: u32, slot: u32) -> bool {
        let list = self.chunk(slot).list;
        let usage = self.chunk(slot).usage();
        if usage >= LISTS[list].min_usage {
            return true;
        }
        self.list_remove(arena, list, slot);
        let mut prev = LISTS[list].prev;
        loop {
            match prev {
                None => return false,
                Some(p) if usage < LISTS[p].min_usage => prev = LISTS[p].prev,
                Some(p) => {
                    self.list_add0(arena, p, slot);
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

    // ---- chunk allocation ----------------------------------------------------------------------

    /// `PoolChunk.allocate` for `norm`: a run, or a new subpage's first element.
    fn chunk_allocate(&mut self, arena: u32, slot: u32, norm: u64) -> Option<u64> {
        if norm >= self.cfg.page_size {
            let before = self.chunk(slot).touched_bytes;
            let h = self.chunk_mut(slot).allocate_run(norm);
            self.touched += self.chunk(slot).touched_bytes - before;
            return h;
        }
        let before = self.chunk(slot).touched_bytes;
        let page = self.chunk_mut(slot).allocate_subpage_page(norm)?;
        self.touched += self.chunk(slot).touched_bytes - before;
        self.pool_mut(arena, norm).insert(0, (slot, page));
        Some(self.subpage_allocate(arena, (slot, page)))
    }

    fn pool_mut(&mut self, arena: u32, norm: u64) -> &mut Vec<SubRef> {
        let a = &mut self.arenas[arena as usize];
        if norm < 512 {
            &mut a.tiny_pools[(norm >> 4) as usize]
        } else {
            &mut a.small_pools[small_idx(norm)]
        }
    }

    /// Takes an element of a pooled subpage; removes the subpage from its pool when full.
    fn subpage_allocate(&mut self, arena: u32, (slot, page): SubRef) -> u64 {
        let chunk = self.chunk_mut(slot);
        let s = chunk.subpages[page as usize]
            .as_mut()
            .expect("pooled subpage");
        let elem = s.allocate().expect("a pooled subpage has a free element");
        let (full, norm) = (s.num_avail == 0, s.elem_size);
        let handle = chunk.subpage_handle(page, elem);
        if full {
            self.pool_mut(arena, norm).retain(|r| *r != (slot, page));
        }
        handle
    }

    /// `allocateNormal`: the chunk lists in search order, else a new chunk charged to the cap.
    fn allocate_normal(
        &mut self,
        acct: &mut DirectAccounting,
        arena: u32,
        norm: u64,
    ) -> Result<(u32, u64), DirectAllocError> {
        for list in SEARCH_ORDER {
            if norm > self.max_capacity(list) {
                continue;
            }
            for i in 0..self.arenas[arena as usize].lists[list].len() {
                let slot = self.arenas[arena as usize].lists[list][i];
                if let Some(h) = self.chunk_allocate(arena, slot, norm) {
                    if self.chunk(slot).usage() >= LISTS[list].max_usage {
                        self.list_remove(arena, list, slot);
                        self.list_add(arena, LISTS[list].next.expect("not q100"), slot);
                    }
                    return Ok((slot, h));
                }
            }
        }
        acct.reserve_netty(self.cfg.chunk_size())?;
        let slot = self.insert_chunk(Chunk::pooled(
            self.next_seq,
            arena,
            self.cfg.page_size,
            self.cfg.max_order,
        ));
        let h = self
            .chunk_allocate(arena, slot, norm)
            .expect("a new chunk fits any normal size");
        self.list_add(arena, 0, slot);
        Ok((slot, h))
    }

    fn insert_chunk(&mut self, chunk: Chunk) -> u32 {
        self.next_seq += 1;
        self.used_memory += chunk.size;
        self.touched += chunk.touched_bytes;
        self.counters.chunks_created += 1;
        match self.free_slots.pop() {
            Some(s) => {
                self.chunks[s as usize] = Some(chunk);
                s
            }
            None => {
                self.chunks.push(Some(chunk));
                self.chunks.len() as u32 - 1
            }
        }
    }

    fn destroy_chunk(&mut self, acct: &mut DirectAccounting, slot: u32) {
        let c = self.chunks[slot as usize].take().expect("live chunk");
        self.free_slots.push(slot);
        acct.release_netty(c.size);
        self.used_memory -= c.size;
        self.touched -= c.touched_bytes;
        self.counters.chunks_destroyed += 1;
    }

    /// `PoolArena.freeChunk`: counts the deallocation (memsim has no finalizer frees, the only
    /// uncounted kind), returns the memory to the chunk, and destroys an emptied chunk leaving `q000`.
    fn free_chunk(&mut self, acct: &mut DirectAccounting, slot: u32, handle: u64, class: Class) {
        let arena = self.chunk(slot).arena;
        let c = &mut self.arenas[arena as usize].c;
        match class {
            Class::Normal => c.deallocations_normal += 1,
            Class::Small => c.deallocations_small += 1,
            Class::Tiny => c.deallocations_tiny += 1,
        }
        self.chunk_free(arena, slot, handle);
        if !self.list_after_free(arena, slot) {
            self.destroy_chunk(acct, slot);
        }
    }

    /// `PoolChunk.free`: a subpage element (maybe releasing its page), or a run.
    fn chunk_free(&mut self, arena: u32, slot: u32, handle: u64) {
        let id = node_of(handle);
        let bitmap = bitmap_of(handle);
        if bitmap != 0 {
            let chunk = self.chunk_mut(slot);
            let page = chunk.page_of(id);
            let s = chunk.subpages[page as usize]
                .as_mut()
                .expect("subpage of a live handle");
            let norm = s.elem_size;
            match s.free(bitmap & 0x3FFF_FFFF) {
                SubpageFree::WasFull => {
                    self.pool_mut(arena, norm).insert(0, (slot, page));
                    return;
                }
                SubpageFree::InUse => return,
                SubpageFree::Empty => {
                    let pool = self.pool_mut(arena, norm);
                    if pool.len() == 1 {
                        return;
                    }
                    pool.retain(|r| *r != (slot, page));
                    self.chunk_mut(slot).subpages[page as usize]
                        .as_mut()
                        .expect("subpage")
                        .do_not_destroy = false;
                }
            }
        }
        self.chunk_mut(slot).free_run(id);
    }

    // ---- buffers -------------------------------------------------------------------------------

    fn push_buf(&mut self, buf: Buf) -> BufHandle {
        self.active += buf.norm;
        match self.free_bufs.pop() {
            Some(i) => {
                self.bufs[i as usize] = Some(buf);
                BufHandle(i)
            }
            None => {
                self.bufs.push(Some(buf));
                BufHandle(self.bufs.len() as u32 - 1)
            }
        }
    }

    /// Allocates `size` bytes for `thread` and says where they landed.
    ///
    /// A zero-byte request is served by Netty's shared empty buffer: it returns `Ok(None)` and touches nothing.
    ///
    /// # Errors
    /// The cap's error when a new chunk or a huge buffer does not fit; nothing changes then.
    pub fn allocate_placed(
        &mut self,
        acct: &mut DirectAccounting,
        thread: ThreadKey,
        size: u64,
    ) -> Result<Option<(BufHandle, Placement)>, DirectAllocError> {
        if size == 0 {
            return Ok(None);
        }
        let cache = self.cache_of(thread);
        let Some(arena) = self.caches[cache as usize].arena else {
            // No arenas: an unpooled no-cleaner buffer charged at its exact size.
            acct.reserve_netty(size)
                .inspect_err(|_| self.counters.failures += 1)?;
            let slot = self.insert_chunk(Chunk::unpooled(self.next_seq, u32::MAX, size));
            let seq = self.chunk(slot).seq;
            let h = self.push_buf(Buf {
                chunk: slot,
                handle: 0,
                norm: size,
                cache: None,
            });
            self.counters.allocations += 1;
            return Ok(Some((
                h,
                Placement {
                    arena: None,
                    chunk: seq,
                    offset: 0,
                    norm_size: size,
                    huge: true,
                },
            )));
        };
        let norm = self.cfg.normalize(size);
        let result = if norm > self.cfg.chunk_size() {
            acct.reserve_netty(size).map(|()| {
                let slot = self.insert_chunk(Chunk::unpooled(self.next_seq, arena, size));
                let a = &mut self.arenas[arena as usize].c;
                a.active_bytes_huge += size;
                a.allocations_huge += 1;
                (slot, 0u64, size)
            })
        } else {
            let class = self.class_of(norm);
            match self.cache_allocate(acct, cache, class, norm) {
                Some((slot, handle)) => Ok((slot, handle, norm)),
                None => {
                    let from_pool = if class == Class::Normal {
                        None
                    } else {
                        let a = &self.arenas[arena as usize];
                        let pool = if norm < 512 {
                            &a.tiny_pools[(norm >> 4) as usize]
                        } else {
                            &a.small_pools[small_idx(norm)]
                        };
                        pool.first().copied()
                    };
                    let r = match from_pool {
                        Some(sub) => Ok((sub.0, self.subpage_allocate(arena, sub))),
                        None => self.allocate_normal(acct, arena, norm),
                    };
                    r.map(|(slot, handle)| {
                        let c = &mut self.arenas[arena as usize].c;
                        match class {
                            Class::Tiny => c.allocations_tiny += 1,
                            Class::Small => c.allocations_small += 1,
                            Class::Normal => c.allocations_normal += 1,
                        }
                        (slot, handle, norm)
                    })
                }
            }
        };
        match result {
            Ok((slot, handle, norm)) => {
                let chunk = self.chunk(slot);
                let placement = Placement {
                    arena: Some(arena),
                    chunk: chunk.seq,
                    offset: if chunk.unpooled {
                        0
                    } else {
                        chunk.offset_of(handle)
                    },
                    norm_size: norm,
                    huge: chunk.unpooled,
                };
                let h = self.push_buf(Buf {
                    chunk: slot,
                    handle,
                    norm,
                    cache: Some(cache),
                });
                self.counters.allocations += 1;
                Ok(Some((h, placement)))
            }
            Err(e) => {
                self.counters.failures += 1;
                Err(e)
            }
        }
    }

    /// `ByteBuf.release()` of a live buffer, from any thread: to the allocating thread's cache if it
    /// takes it, else back to its chunk.
    pub fn release(&mut self, acct: &mut DirectAccounting, buf: BufHandle) {
        let b = self.bufs[buf.0 as usize]
            .take()
            .expect("double release of a direct buffer");
        self.free_bufs.push(buf.0);
        self.active -= b.norm;
        self.counters.deallocations += 1;
        let chunk = self.chunk(b.chunk);
        if chunk.unpooled {
            let (arena, size) = (chunk.arena, chunk.size);
            if let Some(a) = self.arenas.get_mut(arena as usize) {
                a.c.active_bytes_huge -= size;
                a.c.deallocations_huge += 1;
            }
            self.destroy_chunk(acct, b.chunk);
            return;
        }
        let class = self.class_of(b.norm);
        if let Some(cache) = b.cache
            && let Some(region) = self.region(cache, class, b.norm)
            && region.queue.len() < region.size
        {
            region.queue.push_back((b.chunk, b.handle));
            return;
        }
        self.free_chunk(acct, b.chunk, b.handle, class);
    }

    /// `trimCurrentThreadCache()` on `thread` (nothing if it has no cache yet).
    pub fn trim_thread(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
        if let Some(c) = self.thread_caches.get(&thread).copied() {
            self.trim_cache(acct, c);
        }
    }

    /// The thread ended (`FastThreadLocal.removeAll()`): its cache is returned and unbound.
    pub fn end_thread(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
        if let Some(c) = self.thread_caches.remove(&thread) {
            self.free_thread_cache(acct, c);
        }
    }

    /// `PooledByteBufAllocatorMetric.usedDirectMemory()`: −1 without arenas.
    pub fn used_direct_memory(&self) -> i64 {
        if self.arenas.is_empty() {
            return -1;
        }
        self.arena_metrics()
            .iter()
            .map(|a| a.active_bytes as i64)
            .sum()
    }

    /// Every arena's metrics.
    pub fn arena_metrics(&self) -> Vec<ArenaMetric> {
        self.arenas
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let c = &a.c;
                let chunk_lists: Vec<(&'static str, Vec<ChunkMetric>)> = LISTS
                    .iter()
                    .zip(&a.lists)
                    .map(|(l, slots)| {
                        let chunks = slots
                            .iter()
                            .map(|s| {
                                let ch = self.chunk(*s);
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
                let pooled: u64 = a.lists.iter().flatten().map(|s| self.chunk(*s).size).sum();
                let active = (c.allocations_tiny + c.allocations_small + c.allocations_huge) as i64
                    - c.deallocations_huge as i64
                    + c.allocations_normal as i64
                    - (c.deallocations_tiny + c.deallocations_small + c.deallocations_normal)
                        as i64;
                ArenaMetric {
                    index: i as u32,
                    num_thread_caches: a.num_thread_caches,
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
            })
            .collect()
    }
}

impl DirectPool for Netty41Pool {
    fn allocate(
        &mut self,
        acct: &mut DirectAccounting,
        thread: ThreadKey,
        size: u64,
    ) -> Result<BufHandle, DirectAllocError> {
        // memsim's engine never asks for zero bytes; give it a one-byte buffer if it does.
        self.allocate_placed(acct, thread, size.max(1))
            .map(|p| p.expect("non-zero size").0)
    }

    fn free(&mut self, acct: &mut DirectAccounting, _thread: ThreadKey, buf: BufHandle) {
        self.release(acct, buf);
    }

    fn thread_exit(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
        self.end_thread(acct, thread);
    }

    fn usage(&self) -> Usage {
        Usage {
            reserved: self.used_memory,
            committed: self.used_memory,
            resident: self.touched,
        }
    }

    fn used_memory(&self) -> u64 {
        self.used_memory
    }

    fn active_bytes(&self) -> u64 {
        self.active
    }

    fn counters(&self) -> PoolCounters {
        self.counters
    }

    fn check_invariants(&self) -> Result<(), String> {
        let live: Vec<&Chunk> = self.chunks.iter().flatten().collect();
        let size: u64 = live.iter().map(|c| c.size).sum();
        let touched: u64 = live.iter().map(|c| c.touched_bytes).sum();
        if size != self.used_memory || touched != self.touched {
            return Err(format!(
                "pool sums drifted: chunks {size} vs {}, touched {touched} vs {}",
                self.used_memory, self.touched
            ));
        }
        for (ai, a) in self.arenas.iter().enumerate() {
            for (li, list) in a.lists.iter().enumerate() {
                for s in list {
                    let c = self.chunk(*s);
                    if c.list != li || c.arena != ai as u32 || c.unpooled {
                        return Err(format!(
                            "chunk {} is in arena {ai} list {li} but says {:?}",
                            c.seq,
                            (c.arena, c.list)
                        ));
                    }
                    c.check()?;
                }
            }
        }
        let listed: usize = self
            .arenas
            .iter()
            .flat_map(|a| a.lists.iter())
            .map(Vec::len)
            .sum();
        let pooled = live.iter().filter(|c| !c.unpooled).count();
        if listed != pooled {
            return Err(format!("{pooled} pooled chunks but {listed} listed"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
