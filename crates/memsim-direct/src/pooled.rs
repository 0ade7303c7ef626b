//! Bookkeeping both exact Netty pools keep the same way (4.1.48's [`crate::netty41`] and 4.1.118's
//! [`crate::netty4118`]): the live buffers handed out, and the thread caches with their arena
//! binding (`PoolThreadLocalCache.initialValue`: the least-used arena, first on ties, counted in
//! its `numThreadCaches` whether or not the thread gets cache regions), and the pool-level
//! accounting, metrics and invariant checks over the arenas ([`PoolState`], written once for both
//! versions' arenas through [`PoolArena`]).

use crate::accounting::{DirectAccounting, DirectAllocError, Reservations};
use crate::chunk_slab::{ChunkSlab, SlabChunk};
use crate::netty41::regions::Regions;
use crate::netty41::{ArenaMetric, ChunkIds, Placement, TrimClock, least_used};
use crate::{BufHandle, PoolCounters, ThreadKey};
use memsim_core::Usage;
use std::collections::BTreeMap;

/// Bytes of live chunks, pooled and huge (memsim's reserved = committed), and of the pages ever
/// handed out of them (memsim's resident estimate): one arena's, or their running totals over a
/// pool's arenas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ChunkBytes {
    pub(crate) size: u64,
    pub(crate) touched: u64,
}

impl ChunkBytes {
    /// Carries one arena's change, from `before` to `after`, into these running totals (which
    /// include `before`).
    #[inline]
    pub(crate) fn carry(&mut self, before: ChunkBytes, after: ChunkBytes) {
        self.size = self.size - before.size + after.size;
        self.touched = self.touched - before.touched + after.touched;
    }
}

impl std::iter::Sum for ChunkBytes {
    fn sum<I: Iterator<Item = ChunkBytes>>(iter: I) -> ChunkBytes {
        iter.fold(ChunkBytes::default(), |a, b| ChunkBytes {
            size: a.size + b.size,
            touched: a.touched + b.touched,
        })
    }
}

/// A live buffer of a pool.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Buf {
    /// `None`: an unpooled buffer of an allocator without arenas (`slot` and `handle` unused).
    pub(crate) arena: Option<u32>,
    pub(crate) slot: u32,
    pub(crate) handle: u64,
    /// The normalized size (the exact size when huge or unpooled).
    pub(crate) norm: u64,
    /// The allocating thread's cache.
    pub(crate) cache: Option<u32>,
}

/// The live buffers, by handle; freed handles are reused.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bufs {
    slots: Vec<Option<Buf>>,
    free: Vec<u32>,
    // Live normalized bytes. Invariant: the sum over the live buffers.
    active: u64,
}

impl Bufs {
    pub(crate) fn push(&mut self, buf: Buf) -> BufHandle {
        self.active += buf.norm;
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(buf);
                BufHandle(i)
            }
            None => {
                self.slots.push(Some(buf));
                BufHandle(self.slots.len() as u32 - 1)
            }
        }
    }

    /// Removes a live buffer (panics on a double release: a bug of the caller).
    pub(crate) fn take(&mut self, h: BufHandle) -> Buf {
        let b = self.slots[h.0 as usize]
            .take()
            .expect("double release of a direct buffer");
        self.free.push(h.0);
        self.active -= b.norm;
        b
    }

    pub(crate) fn active(&self) -> u64 {
        self.active
    }

    pub(crate) fn live(&self) -> impl Iterator<Item = &Buf> {
        self.slots.iter().flatten()
    }
}

/// One `PoolThreadCache`.
#[derive(Debug, Clone)]
pub(crate) struct ThreadCache {
    pub(crate) arena: Option<u32>,
    /// None without an arena or with caches off; else the layout's regions, stored sparsely.
    pub(crate) regions: Regions,
    pub(crate) clock: TrimClock,
    pub(crate) freed: bool,
}

/// Every thread cache ever created (a freed one stays, for the buffers that name it), the live
/// threads' caches, and each arena's `numThreadCaches`.
#[derive(Debug, Clone)]
pub(crate) struct ThreadCaches {
    pub(crate) caches: Vec<ThreadCache>,
    by_thread: BTreeMap<ThreadKey, u32>,
    num_thread_caches: Vec<u32>,
}

impl ThreadCaches {
    pub(crate) fn new(n_arenas: u32) -> ThreadCaches {
        ThreadCaches {
            caches: Vec::new(),
            by_thread: BTreeMap::new(),
            num_thread_caches: vec![0; n_arenas as usize],
        }
    }

    /// The thread's cache, created on first use and bound to the least-used arena, with
    /// `n_regions` regions trimmed every `trim_interval` lookups when it has an arena.
    pub(crate) fn cache_of(
        &mut self,
        thread: ThreadKey,
        n_regions: usize,
        trim_interval: u32,
    ) -> u32 {
        if let Some(c) = self.by_thread.get(&thread) {
            return *c;
        }
        let arena = least_used(self.num_thread_caches.iter().copied());
        let n = match arena {
            Some(a) => {
                self.num_thread_caches[a as usize] += 1;
                n_regions
            }
            None => 0,
        };
        self.caches.push(ThreadCache {
            arena,
            regions: Regions::new(n),
            clock: TrimClock::new(if n > 0 { trim_interval } else { 0 }),
            freed: false,
        });
        let id = self.caches.len() as u32 - 1;
        self.by_thread.insert(thread, id);
        id
    }

    /// The thread's cache, if it has one.
    pub(crate) fn get(&self, thread: ThreadKey) -> Option<u32> {
        self.by_thread.get(&thread).copied()
    }

    /// The thread ended: its cache is unbound and marked freed (its arena loses a cache).
    /// Returns the cache and its arena when there is something to return to the arena.
    pub(crate) fn end(&mut self, thread: ThreadKey) -> Option<(u32, u32)> {
        let id = self.by_thread.remove(&thread)?;
        let c = &mut self.caches[id as usize];
        if std::mem::replace(&mut c.freed, true) {
            return None;
        }
        let arena = c.arena?;
        self.num_thread_caches[arena as usize] -= 1;
        Some((id, arena))
    }

    /// `numThreadCaches` of each arena.
    pub(crate) fn num_thread_caches(&self) -> &[u32] {
        &self.num_thread_caches
    }
}

/// What the pool-level code asks of an arena, the same for both exact versions (their chunk
/// layouts and size classes differ behind it).
pub(crate) trait PoolArena {
    /// The arena's chunk type.
    type Chunk: SlabChunk;
    /// The arena's live chunks, with their sums.
    fn chunks(&self) -> &ChunkSlab<Self::Chunk>;
    /// Bytes of the live chunks, pooled and huge, and of the pages ever handed out of them, as the
    /// arena keeps them.
    #[inline]
    fn bytes(&self) -> ChunkBytes {
        self.chunks().bytes()
    }
    /// The same, summed afresh over the live chunks (for checks).
    fn bytes_recounted(&self) -> ChunkBytes {
        self.chunks().bytes_recounted()
    }
    /// Chunks created and destroyed, pooled and huge.
    fn chunks_created_destroyed(&self) -> (u64, u64) {
        self.chunks().created_destroyed()
    }
    /// `PoolArenaMetric` with the arena's `numThreadCaches`.
    fn metric(&self, num_thread_caches: u32) -> ArenaMetric;
    /// Where the buffer `(slot, handle)` of normalized size `norm` lies.
    fn placement(&self, slot: u32, handle: u64, norm: u64) -> Placement;
    /// Whether the chunk in `slot` is a huge buffer's own chunk.
    fn is_huge(&self, slot: u32) -> bool;
    /// `PoolArena.free` of a huge buffer: its chunk is destroyed and the cap released.
    fn free_huge(&mut self, res: &mut impl Reservations, slot: u32);
    /// The arena's own invariants.
    ///
    /// # Errors
    /// A description of the first broken invariant (a bug).
    fn check(&self) -> Result<(), String>;
}

/// The state both exact pools keep the same way around their arenas: the arenas, their running
/// byte totals, the thread caches, the live buffers, the unpooled buffers (no arenas) and the
/// counters.
#[derive(Debug, Clone)]
pub(crate) struct PoolState<A> {
    pub(crate) arenas: Vec<A>,
    // The arenas' chunk bytes summed, kept as running totals (each change of an arena carried in)
    // so that `usage` need not sum the arenas after every event. Invariant: the sum of
    // `PoolArena::bytes` (checked by `check_invariants`).
    pub(crate) arena_bytes: ChunkBytes,
    pub(crate) threads: ThreadCaches,
    pub(crate) bufs: Bufs,
    // Bytes of unpooled buffers (allocators without arenas); counted in `used_memory`.
    pub(crate) unpooled_bytes: u64,
    pub(crate) unpooled_created: u64,
    pub(crate) unpooled_destroyed: u64,
    pub(crate) counters: PoolCounters,
}

impl<A: PoolArena> PoolState<A> {
    /// Empty, over `arenas`.
    pub(crate) fn new(arenas: Vec<A>) -> PoolState<A> {
        PoolState {
            threads: ThreadCaches::new(arenas.len() as u32),
            arenas,
            arena_bytes: ChunkBytes::default(),
            bufs: Bufs::default(),
            unpooled_bytes: 0,
            unpooled_created: 0,
            unpooled_destroyed: 0,
            counters: PoolCounters::default(),
        }
    }

    /// Records a buffer handed out (Netty's `allocations` counter).
    pub(crate) fn push_buf(&mut self, buf: Buf) -> BufHandle {
        self.counters.allocations += 1;
        self.bufs.push(buf)
    }

    /// An allocator without arenas: an unpooled no-cleaner buffer charged at its exact `size`, its
    /// own chunk numbered from `ids` (only once the cap took it).
    ///
    /// # Errors
    /// The cap's error (counted as a failure); nothing else changes then.
    pub(crate) fn allocate_unpooled(
        &mut self,
        acct: &mut DirectAccounting,
        ids: &mut impl ChunkIds,
        size: u64,
    ) -> Result<Option<(BufHandle, Placement)>, DirectAllocError> {
        acct.reserve_netty(size)
            .inspect_err(|_| self.counters.failures += 1)?;
        let seq = ids.next_chunk_id();
        self.unpooled_bytes += size;
        self.unpooled_created += 1;
        let h = self.push_buf(Buf {
            arena: None,
            slot: 0,
            handle: 0,
            norm: size,
            cache: None,
        });
        let placement = Placement {
            arena: None,
            chunk: seq,
            offset: 0,
            norm_size: size,
            huge: true,
        };
        Ok(Some((h, placement)))
    }

    /// The end of an allocation from `arena` for the thread cache `cache`: the `(slot, handle)` it
    /// gave recorded as a buffer of normalized size `norm` with its placement, or its failure
    /// counted.
    ///
    /// # Errors
    /// `result`'s error.
    pub(crate) fn record_allocation(
        &mut self,
        result: Result<(u32, u64), DirectAllocError>,
        arena: u32,
        cache: u32,
        norm: u64,
    ) -> Result<Option<(BufHandle, Placement)>, DirectAllocError> {
        match result {
            Ok((slot, handle)) => {
                let placement = self.arenas[arena as usize].placement(slot, handle, norm);
                let h = self.push_buf(Buf {
                    arena: Some(arena),
                    slot,
                    handle,
                    norm,
                    cache: Some(cache),
                });
                Ok(Some((h, placement)))
            }
            Err(e) => {
                self.counters.failures += 1;
                Err(e)
            }
        }
    }

    /// The start of `ByteBuf.release()`: the buffer taken and counted; an unpooled or huge one is
    /// released here (`None`), a pooled one is returned with its arena, for its thread cache or its
    /// chunk.
    pub(crate) fn take_released(
        &mut self,
        acct: &mut DirectAccounting,
        buf: BufHandle,
    ) -> Option<(u32, Buf)> {
        let b = self.bufs.take(buf);
        self.counters.deallocations += 1;
        let Some(arena) = b.arena else {
            acct.release_netty(b.norm);
            self.unpooled_bytes -= b.norm;
            self.unpooled_destroyed += 1;
            return None;
        };
        let a = &mut self.arenas[arena as usize];
        if a.is_huge(b.slot) {
            let before = a.bytes();
            a.free_huge(acct, b.slot);
            self.arena_bytes.carry(before, a.bytes());
            return None;
        }
        Some((arena, b))
    }

    /// `PooledByteBufAllocatorMetric.usedDirectMemory()`: −1 without arenas.
    pub(crate) fn used_direct_memory(&self) -> i64 {
        if self.arenas.is_empty() {
            return -1;
        }
        self.arena_metrics()
            .iter()
            .map(|a| a.active_bytes as i64)
            .sum()
    }

    /// Every arena's metrics.
    pub(crate) fn arena_metrics(&self) -> Vec<ArenaMetric> {
        self.arenas
            .iter()
            .zip(self.threads.num_thread_caches())
            .map(|(a, n)| a.metric(*n))
            .collect()
    }

    /// [`PoolState::usage`] summed afresh over every arena's live chunks instead of read from the
    /// running totals: equal to it (a check for tests; it walks every chunk).
    pub(crate) fn usage_recounted(&self) -> Usage {
        let arenas: ChunkBytes = self.arenas.iter().map(A::bytes_recounted).sum();
        let used = arenas.size + self.unpooled_bytes;
        Usage {
            reserved: used,
            committed: used,
            resident: arenas.touched + self.unpooled_bytes,
        }
    }

    /// `DirectPool::usage`: chunks and huge buffers are reserved = committed; resident = touched.
    pub(crate) fn usage(&self) -> Usage {
        let used = self.used_memory();
        Usage {
            reserved: used,
            committed: used,
            resident: self.arena_bytes.touched + self.unpooled_bytes,
        }
    }

    /// `DirectPool::used_memory`: chunk, huge and unpooled bytes.
    pub(crate) fn used_memory(&self) -> u64 {
        self.arena_bytes.size + self.unpooled_bytes
    }

    /// `DirectPool::counters`, the chunk counts summed over the arenas.
    pub(crate) fn counters(&self) -> PoolCounters {
        let (created, destroyed) = self
            .arenas
            .iter()
            .map(A::chunks_created_destroyed)
            .fold((0, 0), |(c, d), (c1, d1)| (c + c1, d + d1));
        PoolCounters {
            chunks_created: created + self.unpooled_created,
            chunks_destroyed: destroyed + self.unpooled_destroyed,
            ..self.counters
        }
    }

    /// `DirectPool::check_invariants`, with `capacity(i)` the entries a thread cache's region `i`
    /// may hold.
    ///
    /// # Errors
    /// A description of the first broken invariant (a bug).
    pub(crate) fn check_invariants(&self, capacity: impl Fn(usize) -> usize) -> Result<(), String> {
        for a in &self.arenas {
            a.check()?;
        }
        let arenas: ChunkBytes = self.arenas.iter().map(A::bytes).sum();
        if arenas != self.arena_bytes {
            return Err(format!(
                "the arenas' running totals drifted: {:?} vs their sum {arenas:?}",
                self.arena_bytes
            ));
        }
        let live: Vec<&Buf> = self.bufs.live().collect();
        let active: u64 = live.iter().map(|b| b.norm).sum();
        let unpooled: u64 = live
            .iter()
            .filter(|b| b.arena.is_none())
            .map(|b| b.norm)
            .sum();
        if active != self.bufs.active() || unpooled != self.unpooled_bytes {
            return Err(format!(
                "buffer sums drifted: live {active} vs {}, unpooled {unpooled} vs {}",
                self.bufs.active(),
                self.unpooled_bytes
            ));
        }
        for (id, c) in self.threads.caches.iter().enumerate() {
            if let Some((i, r)) = c.regions.iter().find(|(i, r)| r.queue.len() > capacity(*i)) {
                return Err(format!(
                    "thread cache {id} holds {} entries in a region of {}",
                    r.queue.len(),
                    capacity(i)
                ));
            }
        }
        Ok(())
    }
}
