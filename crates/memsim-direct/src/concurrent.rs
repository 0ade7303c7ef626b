//! Netty 4.1.48's pool and direct-memory counter under real concurrent use.
//!
//! - [`AtomicDirectCounter`] is `PlatformDependent.incrementMemoryCounter` /
//!   `decrementMemoryCounter` on an atomic: add first, check `used > limit` (equal is allowed), and
//!   roll back on failure. Between the add and the rollback another thread sees the inflated value,
//!   so a reservation that would fit can fail transiently: that is Netty's behaviour, kept on purpose
//!   (`tests/loom.rs` shows the interleaving).
//! - [`SharedPool`] is the same allocator as [`crate::netty41::Netty41Pool`], usable from many OS
//!   threads, and it runs the same arena code (`netty41/arena.rs`) and cache rules
//!   (`netty41/cache.rs`). Each thread takes a [`PoolHandle`] from [`SharedPool::register_thread`]:
//!   its `PoolThreadCache`, bound on its first allocation to the arena with the fewest thread caches
//!   (first on ties; the choice and the count's increment are serialized by one lock, as Netty's
//!   synchronized `initialValue` is). A [`SharedBuf`] may be freed by any thread: it goes to the
//!   cache of the thread that allocated it when that cache has room (a bounded queue any thread may
//!   push to, as Netty's fixed MPSC queue), else back to its arena under the arena's lock. A
//!   handle's exit (or drop) returns its cache to the arena.
//!
//! **What is shared, and the locking order.** Per arena: one `Mutex<Arena>` (chunks, chunk lists,
//! subpage pools, counters; Netty synchronizes on the arena, and on subpage-pool heads that are
//! part of this state here) and an atomic `numThreadCaches`. Per thread cache: its region queues
//! and its `freed` flag; the hit counts and the trim clock belong to the owning handle alone. Across
//! the pool: the counter, chunk creation numbers and memsim's sums (atomics), and the binding lock.
//! A thread holds at most one arena lock at a time and takes nothing else under it but queue
//! operations (lock-free with crossbeam; under loom a leaf mutex); the binding lock is taken alone.
//! The counter is an atomic, never waited on: a new chunk is charged under its arena's lock (as
//! Netty's synchronized `allocateNormal` does), a huge buffer outside it (as `allocateHuge`). So
//! there is no lock cycle.
//!
//! **One difference from 4.1.48.** 4.1.48 accepts a buffer into the cache of a thread that has
//! already ended, where it stays forever (its chunk memory is never returned; netty #12749, fixed in
//! 4.1.85 by refusing entries once the cache is freed). [`crate::netty41::Netty41Pool`] keeps that
//! behaviour exactly; [`SharedPool`] follows the fix, without its window: a freeing thread pushes,
//! then re-checks the `freed` flag and drains the queue itself if the owner exited meanwhile (a
//! `SeqCst` fence on each side orders the push against the owner's final drain). So after every
//! buffer is freed and every handle exited, no cache holds anything. (Under loom the queue is a
//! mutex, so loom checks this protocol's logic; the fences, which crossbeam's lock-free queue
//! needs, rest on the fence-to-fence ordering rule of the C++ memory model.)
//!
//! Zero-byte requests are served as one-byte buffers (Netty would hand out its shared empty
//! buffer), and Netty's counter is modelled only in its own-counter mode (`io.netty.maxDirectMemory`
//! ≠ 0).

use crate::PoolCounters;
use crate::accounting::{DirectAllocError, Reservations};
use crate::netty41::{
    Arena, ArenaMetric, CacheLayout, ChunkIds, Class, Netty41Config, Placement, TrimClock,
    least_used, trim_count,
};
use crate::pooled::PoolArena;
use crate::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, fence};
use crate::sync::{Arc, BoundedQueue, Mutex};
use std::fmt;

/// Netty's `DIRECT_MEMORY_COUNTER` with its `DIRECT_MEMORY_LIMIT`, on an atomic.
#[derive(Debug)]
pub struct AtomicDirectCounter {
    // May pass `limit` only transiently, between a failing attempt's add and its rollback.
    used: AtomicU64,
    limit: u64,
}

impl AtomicDirectCounter {
    /// A counter at 0 with `limit` bytes.
    pub fn new(limit: u64) -> AtomicDirectCounter {
        AtomicDirectCounter {
            used: AtomicU64::new(0),
            limit,
        }
    }

    /// The limit in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// `PlatformDependent.usedDirectMemory()`: the counter now, including other threads' attempts
    /// that have added but not yet rolled back.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Acquire)
    }

    /// `incrementMemoryCounter(bytes)`: adds, then checks `new > limit` and rolls back.
    ///
    /// # Errors
    /// [`DirectAllocError::OutOfDirectMemory`] with `used` = the counter just before this attempt's
    /// add (`newUsed - capacity` in Netty's message); the attempt is rolled back.
    pub fn increment(&self, bytes: u64) -> Result<(), DirectAllocError> {
        let before = self.used.fetch_add(bytes, Ordering::AcqRel);
        match before.checked_add(bytes) {
            Some(new) if new <= self.limit => Ok(()),
            _ => {
                // Wrapping arithmetic makes the rollback exact even if the add overflowed.
                self.used.fetch_sub(bytes, Ordering::AcqRel);
                Err(DirectAllocError::OutOfDirectMemory {
                    requested: bytes,
                    used: before,
                    max: self.limit,
                })
            }
        }
    }

    /// `decrementMemoryCounter(bytes)`.
    pub fn decrement(&self, bytes: u64) {
        let before = self.used.fetch_sub(bytes, Ordering::AcqRel);
        assert!(bytes <= before, "releasing {bytes} of {before}");
    }
}

impl Reservations for &AtomicDirectCounter {
    fn reserve_netty(&mut self, bytes: u64) -> Result<(), DirectAllocError> {
        self.increment(bytes)
    }

    fn release_netty(&mut self, bytes: u64) {
        self.decrement(bytes);
    }
}

/// Chunk creation numbers from an atomic shared by all arenas.
struct SharedIds<'a>(&'a AtomicU64);

impl ChunkIds for SharedIds<'_> {
    fn next_chunk_id(&mut self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

/// A cache entry: a buffer's place in its chunk, kept so a cache hit needs no arena lock.
#[derive(Debug, Clone, Copy)]
struct Entry {
    slot: u32,
    handle: u64,
    chunk: u64,
    offset: u64,
}

/// The part of a `PoolThreadCache` other threads touch: its queues and whether it was freed.
#[derive(Debug)]
struct SharedCache {
    arena: u32,
    // One per `CacheLayout` region; every entry is a buffer of `arena`.
    regions: Vec<BoundedQueue<Entry>>,
    // Netty's `freed`: set once, by the owner's exit.
    freed: AtomicBool,
}

impl SharedCache {
    /// `MemoryRegionCache.add` from any thread; `false` = free it to the arena instead.
    fn offer(&self, pool: &Inner, region: usize, entry: Entry) -> bool {
        if self.freed.load(Ordering::Acquire) || self.regions[region].push(entry).is_err() {
            return false;
        }
        // Pairs with the fence in `free_all`: either the owner's drain sees this entry, or this
        // thread sees `freed` and drains it itself.
        fence(Ordering::SeqCst);
        if self.freed.load(Ordering::Relaxed) {
            self.drain(pool);
        }
        true
    }

    /// `PoolThreadCache.free(false)` by the owner's exit: once only; everything back, counted.
    fn free_all(&self, pool: &Inner) {
        if self.freed.swap(true, Ordering::AcqRel) {
            return;
        }
        fence(Ordering::SeqCst);
        self.drain(pool);
    }

    /// Every queued entry back to the arena, under its lock.
    fn drain(&self, pool: &Inner) {
        let mut arena = pool.arenas[self.arena as usize].state.lock();
        let mut res = &pool.counter;
        for (queue, spec) in self.regions.iter().zip(pool.layout.regions()) {
            while let Some(e) = queue.pop() {
                arena.free(&mut res, e.slot, e.handle, spec.class);
            }
        }
    }
}

#[derive(Debug)]
struct ArenaCell {
    state: Mutex<Arena>,
    // `PoolArena.numThreadCaches`.
    num_thread_caches: AtomicU32,
}

/// memsim's sums and counters across the pool (Netty has no such totals).
#[derive(Debug, Default)]
struct Stats {
    allocations: AtomicU64,
    deallocations: AtomicU64,
    failures: AtomicU64,
    // Live normalized bytes.
    active_bytes: AtomicU64,
    // Unpooled buffers of a pool without arenas.
    unpooled_bytes: AtomicU64,
    unpooled_created: AtomicU64,
    unpooled_destroyed: AtomicU64,
}

#[derive(Debug)]
struct Inner {
    cfg: Netty41Config,
    layout: CacheLayout,
    counter: AtomicDirectCounter,
    arenas: Vec<ArenaCell>,
    // Serializes arena choice with the count's increment (Netty's synchronized `initialValue`).
    bind: Mutex<()>,
    next_chunk_id: AtomicU64,
    stats: Stats,
}

/// Netty 4.1.48's pooled direct allocator, shared by many threads. See the module documentation.
#[derive(Clone)]
pub struct SharedPool {
    inner: Arc<Inner>,
}

impl fmt::Debug for SharedPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedPool")
            .field("cfg", &self.inner.cfg)
            .field("counter", &self.inner.counter)
            .finish_non_exhaustive()
    }
}

impl SharedPool {
    /// An empty allocator charging its chunks to a Netty counter with `limit` bytes.
    pub fn new(cfg: Netty41Config, limit: u64) -> SharedPool {
        SharedPool {
            inner: Arc::new(Inner {
                cfg,
                layout: CacheLayout::new(&cfg),
                counter: AtomicDirectCounter::new(limit),
                arenas: (0..cfg.n_arenas)
                    .map(|i| ArenaCell {
                        state: Mutex::new(Arena::new(i, cfg)),
                        num_thread_caches: AtomicU32::new(0),
                    })
                    .collect(),
                bind: Mutex::new(()),
                next_chunk_id: AtomicU64::new(0),
                stats: Stats::default(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> Netty41Config {
        self.inner.cfg
    }

    /// The direct-memory counter the pool charges.
    pub fn counter(&self) -> &AtomicDirectCounter {
        &self.inner.counter
    }

    /// A handle for the calling thread: its thread cache, bound to an arena on first allocation.
    pub fn register_thread(&self) -> PoolHandle {
        PoolHandle {
            pool: self.inner.clone(),
            binding: None,
        }
    }

    /// `ByteBuf.release()` of a buffer of this pool, from any thread. See [`PoolHandle::free`].
    pub fn free(&self, buf: SharedBuf) {
        self.inner.free(buf);
    }

    /// Every arena's metrics (each arena read under its lock; consistent across arenas only when
    /// no thread is using the pool).
    pub fn arena_metrics(&self) -> Vec<ArenaMetric> {
        self.inner
            .arenas
            .iter()
            .map(|a| {
                a.state
                    .lock()
                    .metric(a.num_thread_caches.load(Ordering::Acquire))
            })
            .collect()
    }

    /// Bytes of live chunks and huge buffers (what the counter holds once no attempt is in flight).
    pub fn used_memory(&self) -> u64 {
        let arenas: u64 = self
            .inner
            .arenas
            .iter()
            .map(|a| a.state.lock().bytes().size)
            .sum();
        arenas + self.inner.stats.unpooled_bytes.load(Ordering::Acquire)
    }

    /// Buffer bytes in use by the application (normalized sizes).
    pub fn active_bytes(&self) -> u64 {
        self.inner.stats.active_bytes.load(Ordering::Acquire)
    }

    /// The pool's counters.
    pub fn counters(&self) -> PoolCounters {
        let s = &self.inner.stats;
        let (mut created, mut destroyed) = (
            s.unpooled_created.load(Ordering::Acquire),
            s.unpooled_destroyed.load(Ordering::Acquire),
        );
        for a in &self.inner.arenas {
            let (c, d) = a.state.lock().chunks_created_destroyed();
            created += c;
            destroyed += d;
        }
        PoolCounters {
            allocations: s.allocations.load(Ordering::Acquire),
            deallocations: s.deallocations.load(Ordering::Acquire),
            chunks_created: created,
            chunks_destroyed: destroyed,
            failures: s.failures.load(Ordering::Acquire),
        }
    }

    /// Checks every arena's invariants (each under its lock).
    ///
    /// # Errors
    /// A description of the first broken invariant (a bug).
    pub fn check_invariants(&self) -> Result<(), String> {
        for a in &self.inner.arenas {
            a.state.lock().check()?;
        }
        Ok(())
    }
}

impl Inner {
    fn free(&self, buf: SharedBuf) {
        let norm = buf.placement.norm_size;
        self.stats.deallocations.fetch_add(1, Ordering::Relaxed);
        self.stats.active_bytes.fetch_sub(norm, Ordering::Relaxed);
        let mut res = &self.counter;
        let Some(arena) = buf.arena else {
            res.release_netty(norm);
            self.stats.unpooled_bytes.fetch_sub(norm, Ordering::Relaxed);
            self.stats
                .unpooled_destroyed
                .fetch_add(1, Ordering::Relaxed);
            return;
        };
        if buf.placement.huge {
            self.arenas[arena as usize]
                .state
                .lock()
                .free_huge(&mut res, buf.slot);
            return;
        }
        let class = Class::of(&self.cfg, norm);
        let entry = Entry {
            slot: buf.slot,
            handle: buf.handle,
            chunk: buf.placement.chunk,
            offset: buf.placement.offset,
        };
        if let Some(cache) = &buf.cache
            && let Some(region) = self.layout.region_of(class, norm)
            && cache.offer(self, region, entry)
        {
            return;
        }
        self.arenas[arena as usize]
            .state
            .lock()
            .free(&mut res, buf.slot, buf.handle, class);
    }
}

/// A live buffer of a [`SharedPool`]; give it back with [`PoolHandle::free`] or [`SharedPool::free`]
/// (from any thread). Dropping it without freeing it leaks it, as a `ByteBuf` never released.
#[derive(Debug)]
#[must_use = "a buffer that is not freed is leaked, as a ByteBuf never released"]
pub struct SharedBuf {
    arena: Option<u32>,
    slot: u32,
    handle: u64,
    placement: Placement,
    // The allocating thread's cache, when it has a region for this size.
    cache: Option<Arc<SharedCache>>,
}

impl SharedBuf {
    /// Where the buffer lies: arena, chunk creation number, offset and normalized size.
    pub fn placement(&self) -> Placement {
        self.placement
    }
}

/// What a handle learned on its first allocation.
struct Binding {
    arena: Option<u32>,
    // `None` without an arena or when the layout has no regions.
    cache: Option<Arc<SharedCache>>,
    // Hits per region since the last trim, and lookups toward the next trim: the owner's alone.
    hits: Vec<u32>,
    clock: TrimClock,
}

/// The handle's binding, made on first use: the least-used arena (serialized with the count's
/// increment) and a fresh cache.
fn bind<'a>(pool: &Inner, binding: &'a mut Option<Binding>) -> &'a mut Binding {
    binding.get_or_insert_with(|| {
        let arena = {
            let _serial = pool.bind.lock();
            let arena = least_used(
                pool.arenas
                    .iter()
                    .map(|a| a.num_thread_caches.load(Ordering::Acquire)),
            );
            if let Some(a) = arena {
                pool.arenas[a as usize]
                    .num_thread_caches
                    .fetch_add(1, Ordering::AcqRel);
            }
            arena
        };
        let regions = pool.layout.regions();
        let cache = match arena {
            Some(a) if !regions.is_empty() => Some(Arc::new(SharedCache {
                arena: a,
                regions: regions
                    .iter()
                    .map(|r| BoundedQueue::new(r.capacity))
                    .collect(),
                freed: AtomicBool::new(false),
            })),
            _ => None,
        };
        Binding {
            arena,
            cache,
            hits: vec![0; regions.len()],
            clock: pool.layout.clock(),
        }
    })
}

/// `PoolThreadCache.trim`: each region frees its capacity less its hits since the last trim.
fn trim(pool: &Inner, b: &mut Binding) {
    let Some(cache) = &b.cache else { return };
    let mut res = &pool.counter;
    let mut arena = None;
    for ((queue, spec), hits) in cache
        .regions
        .iter()
        .zip(pool.layout.regions())
        .zip(&mut b.hits)
    {
        for _ in 0..trim_count(spec.capacity, std::mem::take(hits)) {
            let Some(e) = queue.pop() else { break };
            arena
                .get_or_insert_with(|| pool.arenas[cache.arena as usize].state.lock())
                .free(&mut res, e.slot, e.handle, spec.class);
        }
    }
}

/// One thread's view of a [`SharedPool`]: its `PoolThreadCache`. Dropping it (or [`PoolHandle::exit`])
/// is the thread's end: the cache's entries go back to the arena and the arena loses a thread cache.
pub struct PoolHandle {
    pool: Arc<Inner>,
    binding: Option<Binding>,
}

impl fmt::Debug for PoolHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolHandle")
            .field("arena", &self.arena())
            .finish_non_exhaustive()
    }
}

impl PoolHandle {
    /// The arena this thread is bound to (`None` before its first allocation, or without arenas).
    pub fn arena(&self) -> Option<u32> {
        self.binding.as_ref().and_then(|b| b.arena)
    }

    /// Allocates `size` bytes (at least one) for this thread: from its cache, else its arena.
    ///
    /// # Errors
    /// [`DirectAllocError::OutOfDirectMemory`] when a new chunk or a huge buffer does not fit
    /// under the counter's limit; nothing is allocated then.
    pub fn allocate(&mut self, size: u64) -> Result<SharedBuf, DirectAllocError> {
        let size = size.max(1);
        let result = self.allocate_inner(size);
        let stats = &self.pool.stats;
        match &result {
            Ok(buf) => {
                stats.allocations.fetch_add(1, Ordering::Relaxed);
                stats
                    .active_bytes
                    .fetch_add(buf.placement.norm_size, Ordering::Relaxed);
            }
            Err(_) => {
                stats.failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }

    fn allocate_inner(&mut self, size: u64) -> Result<SharedBuf, DirectAllocError> {
        let pool = &*self.pool;
        let cfg = &pool.cfg;
        let mut res = &pool.counter;
        let mut ids = SharedIds(&pool.next_chunk_id);
        let binding = bind(pool, &mut self.binding);
        let Some(arena) = binding.arena else {
            // No arenas: an unpooled no-cleaner buffer charged at its exact size.
            res.reserve_netty(size)?;
            let chunk = ids.next_chunk_id();
            pool.stats.unpooled_bytes.fetch_add(size, Ordering::Relaxed);
            pool.stats.unpooled_created.fetch_add(1, Ordering::Relaxed);
            return Ok(SharedBuf {
                arena: None,
                slot: 0,
                handle: 0,
                placement: Placement {
                    arena: None,
                    chunk,
                    offset: 0,
                    norm_size: size,
                    huge: true,
                },
                cache: None,
            });
        };
        let cell = &pool.arenas[arena as usize];
        let norm = cfg.normalize(size);
        if norm > cfg.chunk_size() {
            // `allocateHuge` is not synchronized: the charge happens outside the arena's lock.
            res.reserve_netty(size)?;
            let mut a = cell.state.lock();
            let slot = a.add_huge(&mut ids, size);
            return Ok(SharedBuf {
                arena: Some(arena),
                slot,
                handle: 0,
                placement: a.placement(slot, 0, size),
                cache: None,
            });
        }
        let class = Class::of(cfg, norm);
        let region = pool.layout.region_of(class, norm);
        let cache = region.and(binding.cache.clone());
        // `PoolThreadCache.allocate`: a lookup in a region counts (hit or miss) toward the trim,
        // which runs after the hit was taken.
        let mut hit = None;
        if let (Some(i), Some(c)) = (region, &cache) {
            hit = c.regions[i].pop();
            if hit.is_some() {
                binding.hits[i] += 1;
            }
            if binding.clock.tick() {
                trim(pool, binding);
            }
        }
        if let Some(e) = hit {
            return Ok(SharedBuf {
                arena: Some(arena),
                slot: e.slot,
                handle: e.handle,
                placement: Placement {
                    arena: Some(arena),
                    chunk: e.chunk,
                    offset: e.offset,
                    norm_size: norm,
                    huge: false,
                },
                cache,
            });
        }
        let mut a = cell.state.lock();
        let (slot, handle) = a.allocate(&mut res, &mut ids, norm)?;
        Ok(SharedBuf {
            arena: Some(arena),
            slot,
            handle,
            placement: a.placement(slot, handle, norm),
            cache,
        })
    }

    /// `ByteBuf.release()`: to the allocating thread's cache if it has room (and has not ended),
    /// else back to the buffer's arena. The buffer may come from any handle of the same pool.
    pub fn free(&self, buf: SharedBuf) {
        self.pool.free(buf);
    }

    /// `trimCurrentThreadCache()`: each region frees its capacity less its hits since the last
    /// trim (nothing before the first allocation).
    pub fn trim(&mut self) {
        if let Some(b) = &mut self.binding {
            trim(&self.pool, b);
        }
    }

    /// The thread ends (`FastThreadLocal.removeAll()`): its cache goes back to the arena, the
    /// arena loses a thread cache, and later frees of its buffers go straight to the arena.
    pub fn exit(self) {
        drop(self);
    }
}

impl Drop for PoolHandle {
    fn drop(&mut self) {
        let Some(b) = self.binding.take() else { return };
        if let Some(cache) = &b.cache {
            cache.free_all(&self.pool);
        }
        if let Some(a) = b.arena {
            self.pool.arenas[a as usize]
                .num_thread_caches
                .fetch_sub(1, Ordering::AcqRel);
        }
    }
}

// Under `memsim_loom` the atomics are loom's, usable only inside `loom::model` (tests/loom.rs).
#[cfg(all(test, not(memsim_loom)))]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn the_atomic_counter_has_nettys_semantics_and_message() {
        let c = AtomicDirectCounter::new(48 * MIB);
        for _ in 0..3 {
            c.increment(16 * MIB).unwrap();
        }
        let e = c.increment(16 * MIB).unwrap_err();
        assert_eq!(
            e.to_string(),
            "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 16777216 byte(s) of direct memory (used: 50331648, max: 50331648)"
        );
        assert_eq!(c.used(), 48 * MIB, "rolled back");
        c.decrement(16 * MIB);
        assert_eq!(c.used(), 32 * MIB);
        assert!(
            c.increment(u64::MAX).is_err(),
            "an overflowing add rolls back too"
        );
        assert_eq!(c.used(), 32 * MIB);
    }

    #[test]
    fn a_handle_binds_lazily_and_its_exit_returns_its_cache() {
        let pool = SharedPool::new(Netty41Config::with_arenas(2), 1 << 30);
        let (mut a, mut b) = (pool.register_thread(), pool.register_thread());
        assert_eq!(a.arena(), None, "no binding before the first allocation");
        let x = b.allocate(100).unwrap();
        let y = a.allocate(100).unwrap();
        assert_eq!((b.arena(), a.arena()), (Some(0), Some(1)));
        assert_eq!(x.placement().norm_size, 112);
        let place = y.placement();
        a.free(y); // into a's cache
        let y = a.allocate(100).unwrap();
        assert_eq!(y.placement(), place, "a cache hit");
        b.free(y); // freed by another thread: still into a's cache
        assert_eq!(pool.arena_metrics()[1].deallocations, [0, 0, 0, 0]);
        a.exit();
        assert_eq!(pool.arena_metrics()[1].deallocations, [1, 0, 0, 0]);
        assert_eq!(pool.arena_metrics()[1].num_thread_caches, 0);
        pool.free(x);
        b.exit();
        assert_eq!(pool.active_bytes(), 0);
        assert_eq!(
            pool.counter().used(),
            2 * (16 * MIB),
            "two qInit chunks stay"
        );
        pool.check_invariants().unwrap();
    }

    #[test]
    fn a_free_after_its_threads_exit_goes_to_the_arena() {
        let pool = SharedPool::new(Netty41Config::with_arenas(1), 1 << 30);
        let mut a = pool.register_thread();
        let x = a.allocate(8192).unwrap();
        a.exit();
        pool.free(x);
        assert_eq!(pool.arena_metrics()[0].deallocations, [0, 0, 1, 0]);
        assert_eq!(
            pool.arena_metrics()[0].chunk_lists[0].1[0].free_bytes,
            16 * MIB
        );
    }
}
