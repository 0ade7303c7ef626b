//! Magazines and magazine groups of Netty 4.2.13's `AdaptivePoolingAllocator` (shared groups, as
//! plain threads use them).
//!
//! A group starts with one magazine. A thread picks magazine `threadId & (n − 1)` and tries every
//! magazine twice from there; each magazine holds a current chunk and a next-in-line chunk. When
//! all fail, the group doubles its magazines (up to `2 × processors`, 1 in low-memory mode), at
//! most three times per request, and then the buffer gets a dedicated unpooled chunk.
//!
//! A try fails in two ways. Under contention its `tryWriteLock` fails and the thread takes a chunk
//! without the lock (`allocateWithoutLock`): never in a one-at-a-time replay, so not modelled here
//! (see `mod.rs`). And without contention, a buddy magazine fails when its chunk has the bytes but
//! not a free block of the right size (fragmentation): the next-in-line path then gives up instead
//! of fetching another chunk, so fragmentation alone multiplies magazines, deterministically.

use super::AdaptivePool;
use super::buddy::BuddyTree;
use super::chunk::{Chunk, ChunkKind};
use super::size_classes::{
    EXPANSION_ATTEMPTS, RETIRE_CAPACITY, SIZE_CLASSES, next_power_of_two_capped,
    size_class_chunk_size,
};
use crate::accounting::{DirectAccounting, DirectAllocError};
use std::collections::VecDeque;

/// A magazine's next-in-line slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NextInLine {
    /// Empty.
    Empty,
    /// A chunk waiting.
    Chunk(usize),
    /// `MAGAZINE_FREED`: the magazine was retired.
    Freed,
}

/// One magazine.
#[derive(Debug, Clone)]
pub(super) struct Magazine {
    /// Its group.
    pub group: usize,
    /// `current`.
    pub current: Option<usize>,
    /// `nextInLine`.
    pub next_in_line: NextInLine,
}

/// A group's `ChunkController`: how buffers are sized and chunks made.
#[derive(Debug, Clone, Copy)]
pub(super) enum Controller {
    /// Size-classed segments of this size.
    SizeClass {
        /// Segment size.
        segment: u64,
    },
    /// Buddy chunks.
    Buddy,
}

/// A buffer carved from a chunk: chunk id, offset, bytes reserved, bytes given back on free.
pub(super) type Carved = (usize, u64, u64, u64);

impl AdaptivePool {
    /// `computeBufferCapacity` for a request `directBuffer(size, size)`.
    fn starting_capacity(&self, group: usize, size: u64) -> u64 {
        match self.groups[group].controller {
            Controller::SizeClass { segment } => segment.min(size),
            Controller::Buddy => next_power_of_two_capped(size),
        }
    }

    /// `MagazineGroup.allocate` for a shared group: `Ok(None)` when every magazine failed.
    pub(super) fn group_allocate(
        &mut self,
        acct: &mut DirectAccounting,
        group: usize,
        thread_id: u64,
        size: u64,
    ) -> Result<Option<Carved>, DirectAllocError> {
        if self.groups[group].owner.is_some() {
            // A thread-local group: its one magazine, no lock, no expansion.
            let mag = self.groups[group].magazines[0];
            return self.magazine_allocate(acct, mag, size);
        }
        let mut expansions = 0;
        loop {
            // The magazines change only by expansion, after this loop: no copy of the list needed.
            let len = self.groups[group].magazines.len();
            let mask = len - 1;
            let start = (thread_id as usize) & mask;
            for i in 0..len * 2 {
                let mag = self.groups[group].magazines[(start + i) & mask];
                if let Some(carved) = self.magazine_allocate(acct, mag, size)? {
                    return Ok(Some(carved));
                }
            }
            expansions += 1;
            if expansions > EXPANSION_ATTEMPTS {
                return Ok(None);
            }
            self.try_expand_magazines(acct, group, len);
        }
    }

    /// `tryExpandMagazines`: doubles the group's magazines unless at the limit; the old ones are
    /// retired and their chunks go to the cache.
    fn try_expand_magazines(&mut self, acct: &mut DirectAccounting, group: usize, current: usize) {
        let max = self.cfg.max_stripes();
        let mags = self.groups[group].magazines.clone();
        if current >= max || mags.len() >= max || mags.len() > current || self.groups[group].freed {
            return;
        }
        let fresh: Vec<usize> = (0..mags.len() * 2)
            .map(|_| self.new_magazine(group))
            .collect();
        self.groups[group].magazines = fresh;
        for m in mags {
            self.free_magazine(acct, m);
        }
    }

    /// A new empty magazine of `group`.
    pub(super) fn new_magazine(&mut self, group: usize) -> usize {
        self.magazines.push(Magazine {
            group,
            current: None,
            next_in_line: NextInLine::Empty,
        });
        self.magazines.len() - 1
    }

    /// `Magazine.free`: next in line and current go back to the group.
    pub(super) fn free_magazine(&mut self, acct: &mut DirectAccounting, mag: usize) {
        self.restore_freed(acct, mag);
        if let Some(c) = self.magazines[mag].current.take() {
            self.release_from_magazine(acct, c);
        }
    }

    /// `restoreMagazineFreed`: marks the magazine freed, releasing a waiting chunk.
    fn restore_freed(&mut self, acct: &mut DirectAccounting, mag: usize) {
        let prev = std::mem::replace(&mut self.magazines[mag].next_in_line, NextInLine::Freed);
        if let NextInLine::Chunk(c) = prev {
            self.release_from_magazine(acct, c);
        }
    }

    /// `transferToNextInLineOrRelease`.
    fn transfer_to_next_in_line(&mut self, acct: &mut DirectAccounting, mag: usize, chunk: usize) {
        match self.magazines[mag].next_in_line {
            NextInLine::Empty => self.magazines[mag].next_in_line = NextInLine::Chunk(chunk),
            NextInLine::Chunk(next) => {
                if self.remaining_capacity(chunk) > self.remaining_capacity(next) {
                    self.magazines[mag].next_in_line = NextInLine::Chunk(chunk);
                    self.release_from_magazine(acct, next);
                } else {
                    self.release_from_magazine(acct, chunk);
                }
            }
            NextInLine::Freed => self.release_from_magazine(acct, chunk),
        }
    }

    /// `Magazine.allocate` (the locked path): `Ok(None)` when this magazine cannot serve it.
    fn magazine_allocate(
        &mut self,
        acct: &mut DirectAccounting,
        mag: usize,
        size: u64,
    ) -> Result<Option<Carved>, DirectAllocError> {
        let group = self.magazines[mag].group;
        let starting = self.starting_capacity(group, size);
        if let Some(c) = self.magazines[mag].current {
            let placed = self.read_init(c, starting);
            let remaining = self.remaining_capacity(c);
            if placed.is_none() && remaining > 0 {
                self.magazines[mag].current = None;
                self.transfer_to_next_in_line(acct, mag, c);
            } else if remaining == 0 {
                self.magazines[mag].current = None;
                self.release_from_magazine(acct, c);
            }
            if let Some((o, n, r)) = placed {
                return Ok(Some((c, o, n, r)));
            }
        }
        match std::mem::replace(&mut self.magazines[mag].next_in_line, NextInLine::Empty) {
            NextInLine::Freed => {
                self.restore_freed(acct, mag);
                return Ok(None);
            }
            NextInLine::Chunk(c) => {
                let remaining = self.remaining_capacity(c);
                if remaining > starting
                    && let Some((o, n, r)) = self.read_init(c, starting)
                {
                    self.magazines[mag].current = Some(c);
                    return Ok(Some((c, o, n, r)));
                }
                let placed = if remaining >= size {
                    Some(self.read_init(c, remaining))
                } else {
                    None
                };
                self.release_from_magazine(acct, c);
                if let Some(placed) = placed {
                    return Ok(placed.map(|(o, n, r)| (c, o, n, r)));
                }
            }
            NextInLine::Empty => {}
        }
        let c = match self.poll_chunk(group, size) {
            None => self.new_chunk(acct, mag, size)?,
            Some(c) => {
                self.chunks[c].magazine = Some(mag);
                let remaining = self.remaining_capacity(c);
                if remaining < size {
                    if remaining < RETIRE_CAPACITY {
                        self.release_from_magazine(acct, c);
                    } else {
                        self.transfer_to_next_in_line(acct, mag, c);
                    }
                    self.new_chunk(acct, mag, size)?
                } else {
                    c
                }
            }
        };
        self.magazines[mag].current = Some(c);
        let remaining = self.remaining_capacity(c);
        if remaining > starting {
            return Ok(self.read_init(c, starting).map(|(o, n, r)| (c, o, n, r)));
        }
        let placed = self.read_init(c, remaining);
        self.release_from_magazine(acct, c);
        self.magazines[mag].current = None;
        Ok(placed.map(|(o, n, r)| (c, o, n, r)))
    }

    /// `newChunkAllocation`: a chunk for `magazine`, charged to the counter. A buddy chunk is
    /// `8 ×` the request rounded up to a power of two, never smaller than the largest made so far
    /// (which grows even when the allocation then fails), at most the maximum chunk size.
    fn new_chunk(
        &mut self,
        acct: &mut DirectAccounting,
        mag: usize,
        size: u64,
    ) -> Result<usize, DirectAllocError> {
        let group = self.magazines[mag].group;
        let (capacity, kind) = match self.groups[group].controller {
            Controller::SizeClass { segment } => {
                let capacity = size_class_chunk_size(segment);
                let segments = capacity / segment;
                let owner = self.groups[group].owner;
                let (free, local) = if owner.is_some() {
                    // The owner's stack: the i-th entry is the (i+1)-th segment from the chunk's
                    // end, so the first pop is the segment nearest the start.
                    let stack = (0..segments)
                        .map(|i| capacity - (i + 1) * segment)
                        .collect();
                    (VecDeque::new(), Some(stack))
                } else {
                    ((0..segments).map(|i| i * segment).collect(), None)
                };
                let kind = ChunkKind::SizeClassed {
                    segment,
                    segments,
                    free,
                    local,
                    owner,
                    marked: false,
                };
                (capacity, kind)
            }
            Controller::Buddy => {
                let proposed = next_power_of_two_capped(size.saturating_mul(8));
                let capacity = self
                    .cfg
                    .max_chunk_size()
                    .min(self.buddy_max_chunk.max(proposed));
                self.buddy_max_chunk = self.buddy_max_chunk.max(capacity);
                acct.reserve_netty(capacity)?;
                let kind = ChunkKind::Buddy {
                    tree: BuddyTree::new(capacity),
                    pending: VecDeque::new(),
                };
                return Ok(self.push_chunk(capacity, group, Some(mag), kind));
            }
        };
        acct.reserve_netty(capacity)?;
        Ok(self.push_chunk(capacity, group, Some(mag), kind))
    }

    /// Registers a chunk already charged to the counter.
    pub(super) fn push_chunk(
        &mut self,
        capacity: u64,
        group: usize,
        magazine: Option<usize>,
        kind: ChunkKind,
    ) -> usize {
        let chunk = Chunk {
            id: self.next_chunk_id,
            capacity,
            group,
            magazine,
            refcnt: 1,
            allocated: 0,
            kind,
            deallocated: false,
            touched: 0,
        };
        self.next_chunk_id += 1;
        self.registry_bytes += capacity;
        self.counters.chunks_created += 1;
        match self.free_chunk_slots.pop() {
            Some(slot) => {
                self.chunks[slot] = chunk;
                slot
            }
            None => {
                self.chunks.push(chunk);
                self.chunks.len() - 1
            }
        }
    }
}

/// The controllers of the 16 size-classed groups and the buddy group, in group order.
pub(super) fn controllers() -> Vec<Controller> {
    SIZE_CLASSES
        .iter()
        .map(|&s| Controller::SizeClass {
            segment: u64::from(s),
        })
        .chain(std::iter::once(Controller::Buddy))
        .collect()
}
