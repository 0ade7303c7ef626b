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
//!
//! The code is split the way Netty's locking splits it: `arena.rs` is a `PoolArena` (chunks, lists,
//! subpage pools, counters: what Netty guards with the arena's lock), `cache.rs` the rules of a
//! `PoolThreadCache`, `chunk.rs` a `PoolChunk` with its subpages. [`Netty41Pool`] drives them from
//! one thread for the deterministic engine; [`crate::concurrent::SharedPool`] drives the same arena
//! code from many threads.

mod arena;
mod cache;
mod chunk;
pub(crate) mod regions;

pub(crate) use arena::{Arena, ChunkIds, Class};
pub(crate) use cache::{CacheLayout, TrimClock, least_used, trim_count};

use crate::accounting::{DirectAccounting, DirectAllocError};
use crate::pooled::{PoolArena, PoolState};
use crate::{BufHandle, DirectPool, PoolCounters, SizeKind, ThreadKey};
use memsim_core::Usage;

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
        crate::normalize_capacity(req, self.chunk_size())
    }

    /// The size kind of a request.
    pub fn kind(&self, req: u64) -> SizeKind {
        crate::size_kind(req, self.page_size, self.chunk_size())
    }
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
    layout: CacheLayout,
    // Chunk creation numbers, across arenas.
    next_seq: u64,
    // The arenas and what is kept the same way around them in both versions (every thread cache
    // ever created among it: a freed cache still accepts entries, as in 4.1.48).
    state: PoolState<Arena>,
}

impl Netty41Pool {
    /// An empty allocator.
    pub fn new(cfg: Netty41Config) -> Netty41Pool {
        Netty41Pool {
            cfg,
            layout: CacheLayout::new(&cfg),
            next_seq: 0,
            state: PoolState::new((0..cfg.n_arenas).map(|i| Arena::new(i, cfg)).collect()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> Netty41Config {
        self.cfg
    }

    // ---- thread caches -------------------------------------------------------------------------

    /// The thread's cache, created (and bound to the least-used arena) on first use.
    fn cache_of(&mut self, thread: ThreadKey) -> u32 {
        let (n, interval) = (self.layout.regions().len(), self.layout.trim_interval());
        self.state.threads.cache_of(thread, n, interval)
    }

    /// `PoolThreadCache.allocate`: a cached (chunk, handle) or `None`; counts lookups and trims.
    fn cache_allocate(
        &mut self,
        acct: &mut DirectAccounting,
        cache: u32,
        class: Class,
        norm: u64,
    ) -> Option<(u32, u64)> {
        let i = self.layout.region_of(class, norm)?;
        let c = &mut self.state.threads.caches[cache as usize];
        if !c.regions.has(i) {
            return None;
        }
        let hit = c.regions.pop(i);
        if c.clock.tick() {
            self.trim_cache(acct, cache);
        }
        hit
    }

    /// `PoolThreadCache.trim`: each region frees its capacity less its hits since the last trim.
    fn trim_cache(&mut self, acct: &mut DirectAccounting, cache: u32) {
        let c = &mut self.state.threads.caches[cache as usize];
        let Some(arena) = c.arena else { return };
        let (layout, arena) = (&self.layout, &mut self.state.arenas[arena as usize]);
        let before = arena.bytes();
        c.regions.for_each(|i, r| {
            let spec = layout.regions()[i];
            let k = trim_count(spec.capacity, std::mem::take(&mut r.hits)).min(r.queue.len());
            for (slot, handle) in r.queue.take_front(k) {
                arena.free(acct, slot, handle, spec.class);
            }
        });
        self.state.arena_bytes.carry(before, arena.bytes());
    }

    /// `PoolThreadCache.free(false)` of an ended thread's cache: every entry back to its chunk,
    /// counted.
    fn free_thread_cache(&mut self, acct: &mut DirectAccounting, cache: u32, arena: u32) {
        let (layout, arena) = (&self.layout, &mut self.state.arenas[arena as usize]);
        let before = arena.bytes();
        self.state.threads.caches[cache as usize]
            .regions
            .for_each(|i, r| {
                let class = layout.regions()[i].class;
                for (slot, handle) in r.queue.take_front(usize::MAX) {
                    arena.free(acct, slot, handle, class);
                }
            });
        self.state.arena_bytes.carry(before, arena.bytes());
    }

    // ---- buffers -------------------------------------------------------------------------------

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
        let Some(arena) = self.state.threads.caches[cache as usize].arena else {
            return self.state.allocate_unpooled(acct, &mut self.next_seq, size);
        };
        let norm = self.cfg.normalize(size);
        let result = if norm > self.cfg.chunk_size() {
            let a = &mut self.state.arenas[arena as usize];
            let before = a.bytes();
            let r = a.allocate_huge(acct, &mut self.next_seq, size);
            self.state.arena_bytes.carry(before, a.bytes());
            r.map(|slot| (slot, 0))
        } else {
            let class = Class::of(&self.cfg, norm);
            match self.cache_allocate(acct, cache, class, norm) {
                Some(hit) => Ok(hit),
                None => {
                    let a = &mut self.state.arenas[arena as usize];
                    let before = a.bytes();
                    let r = a.allocate(acct, &mut self.next_seq, norm);
                    self.state.arena_bytes.carry(before, a.bytes());
                    r
                }
            }
        };
        self.state.record_allocation(result, arena, cache, norm)
    }

    /// `ByteBuf.release()` of a live buffer, from any thread: to the allocating thread's cache if it
    /// takes it, else back to its chunk.
    pub fn release(&mut self, acct: &mut DirectAccounting, buf: BufHandle) {
        let Some((arena, b)) = self.state.take_released(acct, buf) else {
            return;
        };
        let class = Class::of(&self.cfg, b.norm);
        if let Some(cache) = b.cache
            && let Some(i) = self.layout.region_of(class, b.norm)
            && let regions = &mut self.state.threads.caches[cache as usize].regions
            && regions.has(i)
            && regions.len(i) < self.layout.regions()[i].capacity
        {
            regions.push(i, (b.slot, b.handle));
            return;
        }
        let a = &mut self.state.arenas[arena as usize];
        let before = a.bytes();
        a.free(acct, b.slot, b.handle, class);
        self.state.arena_bytes.carry(before, a.bytes());
    }

    /// `trimCurrentThreadCache()` on `thread` (nothing if it has no cache yet).
    pub fn trim_thread(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
        if let Some(c) = self.state.threads.get(thread) {
            self.trim_cache(acct, c);
        }
    }

    /// The thread ended (`FastThreadLocal.removeAll()`): its cache is returned and unbound.
    pub fn end_thread(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
        if let Some((cache, arena)) = self.state.threads.end(thread) {
            self.free_thread_cache(acct, cache, arena);
        }
    }

    /// `PooledByteBufAllocatorMetric.usedDirectMemory()`: −1 without arenas.
    pub fn used_direct_memory(&self) -> i64 {
        self.state.used_direct_memory()
    }

    /// Every arena's metrics.
    pub fn arena_metrics(&self) -> Vec<ArenaMetric> {
        self.state.arena_metrics()
    }

    /// [`DirectPool::usage`] summed afresh over every arena's live chunks instead of read from the
    /// running totals it keeps: equal to it (a check for tests; it walks every chunk).
    pub fn usage_recounted(&self) -> Usage {
        self.state.usage_recounted()
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
        self.state.usage()
    }

    fn used_memory(&self) -> u64 {
        self.state.used_memory()
    }

    fn active_bytes(&self) -> u64 {
        self.state.bufs.active()
    }

    fn counters(&self) -> PoolCounters {
        self.state.counters()
    }

    fn check_invariants(&self) -> Result<(), String> {
        self.state
            .check_invariants(|i| self.layout.regions()[i].capacity)
    }
}

#[cfg(test)]
mod tests;
