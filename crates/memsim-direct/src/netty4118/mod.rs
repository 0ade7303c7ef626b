//! Netty 4.1.118's `PooledByteBufAllocator` (direct arenas), modelled exactly.
//!
//! Rules from Netty 4.1.118's `SizeClasses`, `PoolChunk`, `PoolSubpage`, `PoolChunkList`,
//! `PoolArena`, `PoolThreadCache` and `PooledByteBufAllocator` (read at the `netty-4.1.118.Final`
//! tag), re-expressed in memsim's structure, one concept per file:
//! - `sizes.rs`: sizes are normalized to size classes (16-byte quantum, four classes per doubling);
//!   classes below `4 · pageSize` in log size are small (subpages), the rest up to the chunk are
//!   normal (runs of pages), anything larger is huge (its own unpooled chunk of the exact size);
//! - `chunk.rs`: a chunk hands out runs of pages, lowest offset first in the smallest page class
//!   that fits, merging freed runs with free neighbours; a small class takes a run of the least
//!   common multiple of the page and its size (at most `pageSize / 16` elements) as a subpage;
//! - `arena.rs`: the small pools (newest subpage first; an emptied subpage is released unless it is
//!   the last of its pool), the six chunk lists with 4.1.118's `freeBytes` thresholds and moves,
//!   the search order `q050, q025, q000, qInit, q075`, and the counters (no tiny class);
//! - `cache.rs`: thread caches of small and normal regions (defaults 256 and 64 entries, normal up
//!   to 32 KiB), trimmed every 8192 lookups by capacity less hits, returned at thread exit; a free
//!   goes to the cache of the allocating thread unless that cache was freed (its thread ended:
//!   4.1.118 checks, where 4.1.48 kept caching into it).
//!
//! Defaults as 4.1.118's static initializer computes them: 8 KiB pages, `maxOrder` 9 (4 MiB
//! chunks), `min(2 · cores, maxDirectMemory / 4 MiB / 2 / 3)` arenas, and `useCacheForAllThreads`
//! false — memsim's threads are plain threads (not `FastThreadLocalThread`s, not event-loop
//! threads), so by default they bind to an arena but cache nothing. The cap and its
//! `OutOfDirectMemoryError` text are 4.1.48's (`crate::accounting`), unchanged in 4.1.118's
//! `PlatformDependent`.
//!
//! Memory residency (memsim's addition): a chunk's pages count as resident once handed out, a huge
//! buffer in full.

mod arena;
mod cache;
mod chunk;
mod sizes;

use crate::accounting::{DirectAccounting, DirectAllocError};
use crate::netty41::{ArenaMetric, Placement, trim_count};
use crate::pooled::{PoolArena, PoolState};
use crate::{BufHandle, DirectPool, PoolCounters, ThreadKey};
use arena::Arena;
use cache::CacheLayout;
use memsim_core::Usage;
use sizes::SizeClasses;

/// 4.1.118's default `io.netty.allocator.maxOrder`: 4 MiB chunks with 8 KiB pages.
pub const DEFAULT_MAX_ORDER: u32 = 9;
/// `io.netty.allocator.maxCachedBufferCapacity`'s default.
pub const MAX_CACHED_BUFFER_CAPACITY: u64 = 32 * 1024;
/// `io.netty.allocator.cacheTrimInterval`'s default.
pub const CACHE_TRIM_INTERVAL: u32 = 8192;

/// The allocator's settings (Netty's constructor arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Netty4118Config {
    /// `pageSize`: a power of two ≥ 4096.
    pub page_size: u64,
    /// `maxOrder` ≤ 14; chunk = `pageSize << maxOrder` ≤ 1 GiB.
    pub max_order: u32,
    /// Direct arenas; 0 = every buffer unpooled.
    pub n_arenas: u32,
    /// `smallCacheSize` (default 256).
    pub small_cache_size: u32,
    /// `normalCacheSize` (default 64).
    pub normal_cache_size: u32,
    /// `useCacheForAllThreads` (default false: plain threads get no caches).
    pub use_cache_for_all_threads: bool,
}

impl Netty4118Config {
    /// 4.1.118's defaults with `n_arenas` arenas.
    pub fn with_arenas(n_arenas: u32) -> Netty4118Config {
        Netty4118Config {
            page_size: 8192,
            max_order: DEFAULT_MAX_ORDER,
            n_arenas,
            small_cache_size: 256,
            normal_cache_size: 64,
            use_cache_for_all_threads: false,
        }
    }

    /// `pageSize << maxOrder`.
    pub fn chunk_size(&self) -> u64 {
        self.page_size << self.max_order
    }

    /// The normalized size of a request (`sizeIdx2size(size2SizeIdx)`), or the request itself
    /// above the chunk (huge).
    pub fn normalize(&self, req: u64) -> u64 {
        if req > self.chunk_size() {
            return req;
        }
        let sc = SizeClasses::new(self.page_size, self.chunk_size());
        sc.size(sc.size_idx(req))
    }
}

/// Netty 4.1.118's pooled direct allocator. See the module documentation.
#[derive(Debug, Clone)]
pub struct Netty4118Pool {
    cfg: Netty4118Config,
    sc: SizeClasses,
    layout: CacheLayout,
    next_seq: u64,
    // The arenas and what is kept the same way around them in both versions.
    state: PoolState<Arena>,
}

impl Netty4118Pool {
    /// An empty allocator.
    pub fn new(cfg: Netty4118Config) -> Netty4118Pool {
        let sc = SizeClasses::new(cfg.page_size, cfg.chunk_size());
        let layout = CacheLayout::new(
            &sc,
            cfg.small_cache_size,
            cfg.normal_cache_size,
            MAX_CACHED_BUFFER_CAPACITY,
            cfg.use_cache_for_all_threads,
        );
        Netty4118Pool {
            state: PoolState::new(
                (0..cfg.n_arenas)
                    .map(|i| Arena::new(i, sc.clone()))
                    .collect(),
            ),
            cfg,
            sc,
            layout,
            next_seq: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> Netty4118Config {
        self.cfg
    }

    fn cache_of(&mut self, thread: ThreadKey) -> u32 {
        self.state
            .threads
            .cache_of(thread, self.layout.len(), CACHE_TRIM_INTERVAL)
    }

    /// `PoolThreadCache.allocate`: a cached (chunk, handle) or `None`; counts lookups and trims.
    fn cache_allocate(
        &mut self,
        acct: &mut DirectAccounting,
        cache: u32,
        size_idx: u32,
    ) -> Option<(u32, u64)> {
        let i = self.layout.region_of(size_idx)?;
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
            let k = trim_count(layout.capacity(i), std::mem::take(&mut r.hits)).min(r.queue.len());
            for (slot, handle) in r.queue.take_front(k) {
                arena.free(acct, slot, handle);
            }
        });
        self.state.arena_bytes.carry(before, arena.bytes());
    }

    /// `PoolThreadCache.free(false)` of an ended thread's cache: every entry back to its chunk.
    fn free_thread_cache(&mut self, acct: &mut DirectAccounting, cache: u32, arena: u32) {
        let arena = &mut self.state.arenas[arena as usize];
        let before = arena.bytes();
        self.state.threads.caches[cache as usize]
            .regions
            .for_each(|_, r| {
                for (slot, handle) in r.queue.take_front(usize::MAX) {
                    arena.free(acct, slot, handle);
                }
            });
        self.state.arena_bytes.carry(before, arena.bytes());
    }

    /// Allocates `size` bytes for `thread` and says where they landed; `Ok(None)` for size 0 (the
    /// shared empty buffer, which touches nothing).
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
        let size_idx = self.sc.size_idx(size);
        let (result, norm) = if size_idx >= self.sc.n_sizes {
            let a = &mut self.state.arenas[arena as usize];
            let before = a.bytes();
            let r = a.allocate_huge(acct, &mut self.next_seq, size);
            self.state.arena_bytes.carry(before, a.bytes());
            (r.map(|slot| (slot, 0)), size)
        } else {
            let r = match self.cache_allocate(acct, cache, size_idx) {
                Some(hit) => Ok(hit),
                None => {
                    let a = &mut self.state.arenas[arena as usize];
                    let before = a.bytes();
                    let r = a.allocate(acct, &mut self.next_seq, size_idx);
                    self.state.arena_bytes.carry(before, a.bytes());
                    r
                }
            };
            (r, self.sc.size(size_idx))
        };
        self.state.record_allocation(result, arena, cache, norm)
    }

    /// `ByteBuf.release()` of a live buffer, from any thread: to the allocating thread's cache if
    /// that cache is not freed and takes it, else back to its chunk.
    pub fn release(&mut self, acct: &mut DirectAccounting, buf: BufHandle) {
        let Some((arena, b)) = self.state.take_released(acct, buf) else {
            return;
        };
        let size_idx = self.sc.size_idx(b.norm);
        if let Some(cache) = b.cache
            && let Some(i) = self.layout.region_of(size_idx)
            && let c = &mut self.state.threads.caches[cache as usize]
            && !c.freed
            && c.regions.has(i)
            && c.regions.len(i) < self.layout.capacity(i)
        {
            c.regions.push(i, (b.slot, b.handle));
            return;
        }
        let a = &mut self.state.arenas[arena as usize];
        let before = a.bytes();
        a.free(acct, b.slot, b.handle);
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

impl DirectPool for Netty4118Pool {
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
        self.state.check_invariants(|i| self.layout.capacity(i))
    }
}

#[cfg(test)]
mod tests;
