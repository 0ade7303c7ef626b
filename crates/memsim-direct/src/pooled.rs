//! Bookkeeping both exact Netty pools keep the same way (4.1.48's [`crate::netty41`] and 4.1.118's
//! [`crate::netty4118`]): the live buffers handed out, and the thread caches with their arena
//! binding (`PoolThreadLocalCache.initialValue`: the least-used arena, first on ties, counted in
//! its `numThreadCaches` whether or not the thread gets cache regions).

use crate::netty41::regions::Regions;
use crate::netty41::{TrimClock, least_used};
use crate::{BufHandle, ThreadKey};
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
