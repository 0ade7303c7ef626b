//! Netty 4.2.13's `AdaptiveByteBufAllocator` for direct buffers (4.2's default allocator), modelled
//! from the 4.2.13 jar's bytecode for the one-at-a-time case, where it is deterministic.
//!
//! Structure (one concept per file): [`size_classes`] (the 16 segment sizes, chunk sizes, the
//! low-memory limits), [`buddy`] (the buddy tree of large-buffer chunks), `chunk` (size-classed,
//! buddy and unpooled chunks, reference counts, `remainingCapacity`), `cache` (each group's chunk
//! cache: FIFO queue or skip list), `magazine` (magazines, groups, their multiplication, chunk
//! sizing), [`selection`] (4.2's default allocator and the low-memory switch).
//!
//! What it does: a request of up to 16,896 bytes goes to the magazine group of its size class,
//! whose chunks (128 KiB, or 32 segments for the larger classes) are cut in equal segments; a
//! request up to `maxChunkSize / 8` (1 MiB; 256 KiB in low-memory mode, where this group is not
//! used at all) goes to the buddy group, whose chunks grow (8 × the request rounded up to a power of
//! two, never below the largest so far, at most 8 MiB; 2 MiB low-memory); anything else gets its own
//! unpooled chunk, freed with the buffer. Pooled chunks are freed only when a full chunk cache
//! refuses them (and then when their last buffer comes back); otherwise they stay cached forever.
//! `usedDirectMemory` is the chunk registry: the bytes of all live chunks.
//!
//! Conventions and limits (see `tools/netty-replay/README.md`):
//! - `ThreadKey(n)` is the thread whose `getId()` is `n`. Threads are plain `Thread`s, which use the
//!   shared magazine groups, unless [`AdaptiveConfig::event_loop_threads`]: then each is a
//!   `FastThreadLocalThread` that gets its own 16 size-classed groups (one lock-free magazine each,
//!   chunks owned by the thread, freed segments reused last-in first-out), as event-loop threads do
//!   (or any `FastThreadLocalThread` with `useCachedMagazinesForNonEventLoopThreads`); its exit
//!   (`FastThreadLocal.removeAll()`) frees them. Buffers above 16,896 bytes always use the shared
//!   buddy group, and the low-memory mode never uses thread-local groups.
//! - one operation at a time: a magazine's `tryWriteLock` always succeeds. Under contention a thread
//!   that fails it takes the next-in-line chunk or a cached one without the lock, and magazines
//!   multiply on contention; that path depends on scheduling and is **not modelled**: real
//!   concurrent runs hold more magazines (up to `2 × processors` per group) and so more chunks.
//! - trim does nothing; thread exit does nothing for plain threads.

pub mod buddy;
mod cache;
mod chunk;
mod magazine;
pub mod selection;
pub mod size_classes;
#[cfg(test)]
mod tests;

use crate::accounting::{DirectAccounting, DirectAllocError};
use crate::{BufHandle, DirectPool, PoolCounters, ThreadKey};
use cache::ChunkCache;
use chunk::ChunkKind;
use magazine::{Carved, Controller, controllers};
use memsim_core::Usage;
use size_classes::{LOW_MEM_THRESHOLD, SIZE_CLASSES, size_class_index};
use std::collections::VecDeque;

/// The allocator's static settings, fixed per JVM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdaptiveConfig {
    /// `NettyRuntime.availableProcessors()` (`io.netty.availableProcessors`, else the JVM's count).
    pub cores: u32,
    /// `IS_LOW_MEM`: `Runtime.maxMemory() <= 512 MiB` ([`AdaptiveConfig::for_max_heap`]).
    pub low_mem: bool,
    /// Threads are event-loop `FastThreadLocalThread`s with thread-local magazines (else plain).
    pub event_loop_threads: bool,
}

impl AdaptiveConfig {
    /// The settings for `cores` processors and a heap whose `Runtime.maxMemory()` is `max_heap`
    /// bytes (with G1 that is `-Xmx`; Serial and Parallel report less, one survivor space less).
    pub fn for_max_heap(cores: u32, max_heap: u64) -> AdaptiveConfig {
        AdaptiveConfig {
            cores: cores.max(1),
            low_mem: max_heap <= LOW_MEM_THRESHOLD,
            event_loop_threads: false,
        }
    }

    /// `MAX_STRIPES`: the magazine count past which a group stops doubling (`2 × processors`, 1 in
    /// low-memory mode); doubling from 1 can overshoot it to the next power of two (8 with 3
    /// processors), as Netty checks it before doubling.
    pub fn max_stripes(&self) -> usize {
        if self.low_mem {
            1
        } else {
            2 * self.cores as usize
        }
    }

    /// `MAX_CHUNK_SIZE`: 8 MiB, 2 MiB in low-memory mode.
    pub fn max_chunk_size(&self) -> u64 {
        if self.low_mem { 2 << 20 } else { 8 << 20 }
    }

    /// `MAX_POOLED_BUF_SIZE`: the largest pooled buffer, `MAX_CHUNK_SIZE / 8`.
    pub fn max_pooled_buf_size(&self) -> u64 {
        self.max_chunk_size() / 8
    }

    /// `CHUNK_REUSE_QUEUE`: `max(2, 2 × processors)`, the chunk caches' bound.
    pub fn chunk_reuse_queue(&self) -> usize {
        (2 * self.cores as usize).max(2)
    }
}

/// A magazine group: its controller, chunk cache and magazines.
#[derive(Debug, Clone)]
struct Group {
    /// The owning thread of a thread-local group.
    owner: Option<u32>,
    controller: Controller,
    cache: ChunkCache,
    magazines: Vec<usize>,
    freed: bool,
}

/// A live buffer.
#[derive(Debug, Clone, Copy)]
struct Buf {
    chunk: usize,
    offset: u64,
    norm: u64,
    release_size: u64,
}

/// Where a buffer landed, for trace replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdaptivePlacement {
    /// Magazine group: 0–15 the size classes, 16 the buddy group (and unpooled buffers).
    pub group: u32,
    /// The chunk's creation number.
    pub chunk: u64,
    /// Byte offset in the chunk.
    pub offset: u64,
    /// Bytes reserved: the segment, the buddy block, or the unpooled chunk's size.
    pub norm_size: u64,
    /// An unpooled chunk of its own.
    pub huge: bool,
}

/// One magazine group as a snapshot shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMetric {
    /// Group index.
    pub index: u32,
    /// Segment size (0 for the buddy group).
    pub segment_size: u64,
    /// Magazines.
    pub magazines: u64,
    /// Chunks in the group's cache.
    pub cached_chunks: u64,
}

/// Netty 4.2.13's `AdaptiveByteBufAllocator`, direct side (see the module documentation).
#[derive(Debug, Clone)]
pub struct AdaptivePool {
    cfg: AdaptiveConfig,
    chunks: Vec<chunk::Chunk>,
    magazines: Vec<magazine::Magazine>,
    groups: Vec<Group>,
    buddy_max_chunk: u64,
    registry_bytes: u64,
    bufs: Vec<Option<Buf>>,
    free_bufs: Vec<u32>,
    active: u64,
    counters: PoolCounters,
    /// Each event-loop thread's first thread-local group (its 16 groups are consecutive).
    thread_groups: std::collections::BTreeMap<u32, usize>,
    /// Slots of deallocated chunks, reused by new chunks.
    free_chunk_slots: Vec<usize>,
    /// The next chunk's creation number.
    next_chunk_id: u64,
    /// Σ over live chunks of the bytes up to their highest buffer end.
    resident_bytes: u64,
}

impl AdaptivePool {
    /// A fresh allocator: one magazine per group, nothing allocated.
    pub fn new(cfg: AdaptiveConfig) -> AdaptivePool {
        let queue_capacity = cfg.chunk_reuse_queue().next_power_of_two();
        let mut pool = AdaptivePool {
            cfg,
            chunks: Vec::new(),
            magazines: Vec::new(),
            groups: Vec::new(),
            buddy_max_chunk: 0,
            registry_bytes: 0,
            bufs: Vec::new(),
            free_bufs: Vec::new(),
            active: 0,
            counters: PoolCounters::default(),
            thread_groups: std::collections::BTreeMap::new(),
            free_chunk_slots: Vec::new(),
            next_chunk_id: 0,
            resident_bytes: 0,
        };
        for controller in controllers() {
            pool.push_group(controller, None, queue_capacity);
        }
        pool
    }

    fn push_group(&mut self, controller: Controller, owner: Option<u32>, queue_capacity: usize) {
        let cache = match controller {
            Controller::SizeClass { .. } => ChunkCache::Queue {
                queue: VecDeque::new(),
                capacity: queue_capacity,
            },
            Controller::Buddy => ChunkCache::SkipList {
                entries: Vec::new(),
                next_node: 0,
            },
        };
        self.groups.push(Group {
            owner,
            controller,
            cache,
            magazines: Vec::new(),
            freed: false,
        });
        let index = self.groups.len() - 1;
        let m = self.new_magazine(index);
        self.groups[index].magazines.push(m);
    }

    /// The thread's own size-classed groups (made at its first use, as `threadLocalGroup`'s
    /// `initialValue`): the index of the first of 16.
    fn thread_local_groups(&mut self, thread: u32) -> usize {
        if let Some(&first) = self.thread_groups.get(&thread) {
            return first;
        }
        let first = self.groups.len();
        let queue_capacity = self.cfg.chunk_reuse_queue().next_power_of_two();
        for controller in controllers().into_iter().take(SIZE_CLASSES.len()) {
            self.push_group(controller, Some(thread), queue_capacity);
        }
        self.thread_groups.insert(thread, first);
        first
    }

    /// The thread ended (`FastThreadLocal.removeAll()`): its thread-local groups are freed — the
    /// magazines' chunks marked to deallocate, then every chunk its caches hand out for a request
    /// of 0 bytes (a full-looking chunk that `chunkReuseQueueCapacity` polls do not reach stays).
    pub fn end_thread(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
        let Some(first) = self.thread_groups.remove(&thread.0) else {
            return;
        };
        for group in first..first + SIZE_CLASSES.len() {
            self.groups[group].freed = true;
            let owner = self.groups[group].owner.take();
            let mag = self.groups[group].magazines[0];
            self.free_magazine(acct, mag);
            while let Some(id) = self.poll_chunk(group, 0) {
                if owner.is_some()
                    && let ChunkKind::SizeClassed { owner: o, .. } = &mut self.chunks[id].kind
                {
                    *o = None;
                }
                self.mark_to_deallocate(acct, id);
            }
        }
    }

    /// The settings.
    pub fn config(&self) -> AdaptiveConfig {
        self.cfg
    }

    /// `directBuffer(size, size)` on the thread whose id is `thread`, and where it landed;
    /// `Ok(None)` for size 0 (Netty's shared empty buffer).
    ///
    /// # Errors
    /// The counter's error when a new chunk does not fit. What the allocator did before the
    /// failing chunk (chunks moved between magazine and cache, the buddy size grown) stays done.
    pub fn allocate_placed(
        &mut self,
        acct: &mut DirectAccounting,
        thread: ThreadKey,
        size: u64,
    ) -> Result<Option<(BufHandle, AdaptivePlacement)>, DirectAllocError> {
        if size == 0 {
            return Ok(None);
        }
        let tid = u64::from(thread.0);
        let buddy_group = SIZE_CLASSES.len();
        let mut carved: Option<Carved> = None;
        if size <= self.cfg.max_pooled_buf_size() {
            let index = size_class_index(size);
            let r = if index < buddy_group && self.cfg.event_loop_threads && !self.cfg.low_mem {
                let first = self.thread_local_groups(thread.0);
                self.group_allocate(acct, first + index, tid, size)
            } else if index < buddy_group {
                self.group_allocate(acct, index, tid, size)
            } else if !self.cfg.low_mem {
                self.group_allocate(acct, buddy_group, tid, size)
            } else {
                Ok(None)
            };
            carved = r.inspect_err(|_| self.counters.failures += 1)?;
        }
        let carved = match carved {
            Some(c) => c,
            None => self
                .allocate_unpooled(acct, tid, size)
                .inspect_err(|_| self.counters.failures += 1)?,
        };
        let (chunk, offset, norm, release_size) = carved;
        let c = &self.chunks[chunk];
        // A thread-local group is reported by its size class, like the shared one.
        let group = if c.group > SIZE_CLASSES.len() {
            ((c.group - SIZE_CLASSES.len() - 1) % SIZE_CLASSES.len()) as u32
        } else {
            c.group as u32
        };
        let placement = AdaptivePlacement {
            group,
            chunk: c.id,
            offset,
            norm_size: norm,
            huge: matches!(c.kind, ChunkKind::Unpooled),
        };
        self.counters.allocations += 1;
        self.active += norm;
        let buf = Buf {
            chunk,
            offset,
            norm,
            release_size,
        };
        let h = match self.free_bufs.pop() {
            Some(i) => {
                self.bufs[i as usize] = Some(buf);
                BufHandle(i)
            }
            None => {
                self.bufs.push(Some(buf));
                BufHandle(self.bufs.len() as u32 - 1)
            }
        };
        Ok(Some((h, placement)))
    }

    /// `allocateFallback`: a dedicated chunk of exactly `size` bytes, held by the buddy group's
    /// magazine `threadId & (n − 1)`, freed with its buffer.
    fn allocate_unpooled(
        &mut self,
        acct: &mut DirectAccounting,
        tid: u64,
        size: u64,
    ) -> Result<Carved, DirectAllocError> {
        let group = SIZE_CLASSES.len();
        let mags = &self.groups[group].magazines;
        let mag = mags[(tid as usize) & (mags.len() - 1)];
        acct.reserve_netty(size)?;
        let id = self.push_chunk(size, group, Some(mag), ChunkKind::Unpooled);
        let (offset, norm, release) = self
            .read_init(id, size)
            .expect("a dedicated chunk holds its buffer");
        // The allocator's own reference goes: the buffer holds the chunk alone.
        self.chunks[id].refcnt -= 1;
        Ok((id, offset, norm, release))
    }

    /// `ByteBuf.release()` of a live buffer on `thread` (which matters only for thread-local
    /// chunks: their owner's frees are reused first).
    ///
    /// # Panics
    /// On a handle that is not live (a double release is a bug in the caller).
    pub fn release(&mut self, acct: &mut DirectAccounting, thread: ThreadKey, buf: BufHandle) {
        let b = self.bufs[buf.0 as usize]
            .take()
            .expect("double release of a direct buffer");
        self.free_bufs.push(buf.0);
        self.active -= b.norm;
        self.counters.deallocations += 1;
        self.release_segment(acct, thread.0, b.chunk, b.offset, b.release_size);
    }

    /// Live chunks as (creation number, capacity), oldest first.
    pub fn live_chunks(&self) -> Vec<(u64, u64)> {
        let mut live: Vec<(u64, u64)> = self
            .chunks
            .iter()
            .filter(|c| !c.deallocated)
            .map(|c| (c.id, c.capacity))
            .collect();
        live.sort_unstable();
        live
    }

    /// Every shared magazine group, size classes first, then the buddy group.
    pub fn group_metrics(&self) -> Vec<GroupMetric> {
        self.groups[..=SIZE_CLASSES.len()]
            .iter()
            .enumerate()
            .map(|(i, g)| GroupMetric {
                index: i as u32,
                segment_size: match g.controller {
                    Controller::SizeClass { segment } => segment,
                    Controller::Buddy => 0,
                },
                magazines: g.magazines.len() as u64,
                cached_chunks: g.cache.len() as u64,
            })
            .collect()
    }

    /// The largest buddy chunk made so far (`BuddyChunkManagementStrategy.maxChunkSize`).
    pub fn buddy_max_chunk_size(&self) -> u64 {
        self.buddy_max_chunk
    }
}

impl DirectPool for AdaptivePool {
    fn allocate(
        &mut self,
        acct: &mut DirectAccounting,
        thread: ThreadKey,
        size: u64,
    ) -> Result<BufHandle, DirectAllocError> {
        // A zero-byte buffer is Netty's empty buffer; the seam wants a handle, so it asks for 1.
        Ok(self
            .allocate_placed(acct, thread, size.max(1))?
            .expect("non-zero size")
            .0)
    }

    fn free(&mut self, acct: &mut DirectAccounting, thread: ThreadKey, buf: BufHandle) {
        self.release(acct, thread, buf);
    }

    fn thread_exit(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
        self.end_thread(acct, thread);
    }

    /// Reserved = committed = the chunks' bytes; resident = the bytes up to the highest buffer end
    /// each live chunk has handed out (**approximation**: the application touches what it is
    /// given, and a chunk's untouched tail stays unbacked, as with `Unsafe.allocateMemory`).
    fn usage(&self) -> Usage {
        Usage {
            reserved: self.registry_bytes,
            committed: self.registry_bytes,
            resident: self.resident_bytes,
        }
    }

    fn used_memory(&self) -> u64 {
        self.registry_bytes
    }

    fn active_bytes(&self) -> u64 {
        self.active
    }

    fn counters(&self) -> PoolCounters {
        self.counters
    }

    fn check_invariants(&self) -> Result<(), String> {
        let live: u64 = self
            .chunks
            .iter()
            .filter(|c| !c.deallocated)
            .map(|c| c.capacity)
            .sum();
        if live != self.registry_bytes {
            return Err(format!(
                "chunk registry {} != live chunks {live}",
                self.registry_bytes
            ));
        }
        for (i, g) in self.groups.iter().enumerate() {
            // Doubling stops at the first power of two at or above `MAX_STRIPES` (8 with 3 cores).
            if !g.magazines.len().is_power_of_two()
                || g.magazines.len() > self.cfg.max_stripes().next_power_of_two()
            {
                return Err(format!("group {i} has {} magazines", g.magazines.len()));
            }
            for id in g.cache.chunk_ids() {
                let c = &self.chunks[id];
                if c.magazine.is_some() || c.group != i || (c.deallocated && !g.freed) {
                    return Err(format!("group {i} caches chunk {id} in the wrong state"));
                }
            }
        }
        let resident: u64 = self
            .chunks
            .iter()
            .filter(|c| !c.deallocated)
            .map(|c| c.touched.min(c.capacity))
            .sum();
        if resident != self.resident_bytes {
            return Err(format!(
                "resident {} != live chunks' {resident}",
                self.resident_bytes
            ));
        }
        let active: u64 = self.bufs.iter().flatten().map(|b| b.norm).sum();
        if active != self.active {
            return Err(format!("active bytes {} != buffers {active}", self.active));
        }
        Ok(())
    }
}
