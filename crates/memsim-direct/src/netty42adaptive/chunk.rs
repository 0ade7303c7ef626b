//! Chunks of Netty 4.2.13's `AdaptivePoolingAllocator`: size-classed chunks (equal segments handed
//! out from a FIFO free list), buddy chunks (a [`BuddyTree`], frees queued and applied lazily) and
//! the dedicated unpooled chunk of one oversized buffer; with the reference counting and
//! bookkeeping (`allocatedBytes`, `remainingCapacity`) that decide where they go.
//!
//! A shared size-classed chunk has only the `externalFreeList`: it hands out the lowest offsets
//! first and takes frees at its tail. A thread-local one (made by an event-loop thread's own
//! magazine) starts with every segment on its owner's stack (`localFreeList`: segments counted from
//! the chunk's end, the lowest popped first, frees by the owner pushed on top and reused first) and
//! an empty external list for other threads' frees, used once the stack is empty.

use super::AdaptivePool;
use super::buddy::BuddyTree;
use crate::accounting::DirectAccounting;
use std::collections::VecDeque;

/// What kind of chunk, with its own allocation state.
#[derive(Debug, Clone)]
pub(super) enum ChunkKind {
    /// `SizeClassedChunk` (shared): segments of one size.
    SizeClassed {
        /// Segment size in bytes.
        segment: u64,
        /// Segments in the chunk (`chunkSize / segmentSize`, the rest of the chunk unused).
        segments: u64,
        /// Free segment offsets, polled from the front, freed to the back (`externalFreeList`).
        free: VecDeque<u64>,
        /// The owner's stack of free offsets, top last (`localFreeList`); `None` when shared.
        local: Option<Vec<u64>>,
        /// The owning thread (`ownerThread`), cleared when its group drains its cache at exit.
        owner: Option<u32>,
        /// Marked to deallocate (`state` no longer `AVAILABLE`): freed when every segment is back.
        marked: bool,
    },
    /// `BuddyChunk`.
    Buddy {
        /// The buddy tree.
        tree: BuddyTree,
        /// Freed blocks (offset, size) not yet returned to the tree (`freeList`).
        pending: VecDeque<(u64, u64)>,
    },
    /// A plain `Chunk` holding one buffer too large to pool.
    Unpooled,
}

/// One chunk. A deallocated chunk's slot is reused by the next chunk made (nothing refers to it
/// any more); `id` keeps the creation number.
#[derive(Debug, Clone)]
pub(super) struct Chunk {
    /// Creation number (0, 1, 2… across the allocator).
    pub id: u64,
    /// Bytes reserved from the OS (and the counter).
    pub capacity: u64,
    /// The magazine group it belongs to (0–15 size classes, 16 the buddy group).
    pub group: usize,
    /// The magazine holding it (as current or next in line), if any.
    pub magazine: Option<usize>,
    /// `refCnt`: 1 for the holder (magazine or cache) plus one per live buffer (buddy, unpooled).
    pub refcnt: u32,
    /// `allocatedBytes`.
    pub allocated: u64,
    /// Kind and its state.
    pub kind: ChunkKind,
    /// Whether it was deallocated.
    pub deallocated: bool,
    /// The highest byte ever handed out (pages the application may have touched).
    pub touched: u64,
}

impl AdaptivePool {
    /// `remainingCapacity()`, with its side effects (a buddy chunk applies queued frees; a
    /// size-classed chunk recounts its free segments once fewer than one segment seems left).
    pub(super) fn remaining_capacity(&mut self, id: usize) -> u64 {
        self.process_freelist(id);
        let c = &mut self.chunks[id];
        let remaining = c.capacity - c.allocated;
        if let ChunkKind::SizeClassed {
            segment,
            free,
            local,
            ..
        } = &c.kind
        {
            if remaining > *segment {
                return remaining;
            }
            let updated = (free.len() + local.as_ref().map_or(0, Vec::len)) as u64 * segment;
            c.allocated = c.capacity - updated;
            return updated;
        }
        remaining
    }

    /// `hasRemainingCapacity()` of a size-classed chunk (any other chunk: `remainingCapacity > 0`).
    /// A thread-local chunk looks only at its owner's stack: segments other threads freed do not
    /// count here (so such a chunk can look full to its cache).
    pub(super) fn has_remaining_capacity(&mut self, id: usize) -> bool {
        let c = &self.chunks[id];
        match &c.kind {
            ChunkKind::SizeClassed { free, local, .. } => {
                c.capacity > c.allocated
                    || local.as_ref().map_or(!free.is_empty(), |l| !l.is_empty())
            }
            _ => self.remaining_capacity(id) > 0,
        }
    }

    /// Whether frees wait to be applied (`hasUnprocessedFreelistEntries`).
    pub(super) fn has_unprocessed(&self, id: usize) -> bool {
        matches!(&self.chunks[id].kind, ChunkKind::Buddy { pending, .. } if !pending.is_empty())
    }

    /// Applies a buddy chunk's queued frees (`processFreelistEntries`).
    pub(super) fn process_freelist(&mut self, id: usize) {
        let c = &mut self.chunks[id];
        if let ChunkKind::Buddy { tree, pending } = &mut c.kind {
            while let Some((offset, size)) = pending.pop_front() {
                tree.unclaim(size, offset);
                c.allocated -= size;
            }
        }
    }

    /// `readInitInto`: carves a buffer of `size` bytes reserving `starting` (a size-classed chunk
    /// reserves its segment instead). Returns (offset, bytes reserved, bytes to give back on free).
    pub(super) fn read_init(&mut self, id: usize, starting: u64) -> Option<(u64, u64, u64)> {
        self.process_freelist(id);
        let c = &mut self.chunks[id];
        let placed = match &mut c.kind {
            ChunkKind::SizeClassed {
                segment,
                free,
                local,
                ..
            } => {
                let offset = match local.as_mut().and_then(Vec::pop) {
                    Some(o) => o,
                    None => free.pop_front()?,
                };
                c.allocated += *segment;
                (offset, *segment, starting)
            }
            ChunkKind::Buddy { tree, .. } => {
                let offset = tree.claim(starting)?;
                c.refcnt += 1;
                c.allocated += starting;
                (offset, starting, starting)
            }
            ChunkKind::Unpooled => {
                let offset = c.allocated;
                c.allocated += starting;
                c.refcnt += 1;
                (offset, c.capacity, starting)
            }
        };
        let before = c.touched.min(c.capacity);
        c.touched = c.touched.max(placed.0 + placed.1);
        self.resident_bytes += c.touched.min(c.capacity) - before;
        Some(placed)
    }

    /// `releaseFromMagazine`: the chunk leaves its magazine for its group's cache, or is marked to
    /// deallocate when the cache refuses it.
    pub(super) fn release_from_magazine(&mut self, acct: &mut DirectAccounting, id: usize) {
        self.chunks[id].magazine = None;
        let group = self.chunks[id].group;
        if !self.offer_chunk(acct, group, id) {
            self.mark_to_deallocate(acct, id);
        }
    }

    /// `markToDeallocate`: a size-classed chunk goes when its last segment comes back; any other
    /// drops its holder's reference.
    pub(super) fn mark_to_deallocate(&mut self, acct: &mut DirectAccounting, id: usize) {
        if let ChunkKind::SizeClassed { marked, .. } = &mut self.chunks[id].kind {
            *marked = true;
            self.deallocate_if_idle(acct, id);
        } else {
            self.release_ref(acct, id);
        }
    }

    fn deallocate_if_idle(&mut self, acct: &mut DirectAccounting, id: usize) {
        if let ChunkKind::SizeClassed {
            segments,
            free,
            local,
            marked: true,
            ..
        } = &self.chunks[id].kind
            && (free.len() + local.as_ref().map_or(0, Vec::len)) as u64 == *segments
            && !self.chunks[id].deallocated
        {
            self.deallocate(acct, id);
        }
    }

    /// A buffer's `release()` on `thread` reaching its chunk (`releaseSegment`): the owner of a
    /// thread-local chunk pushes the segment on its stack, anyone else queues it externally.
    pub(super) fn release_segment(
        &mut self,
        acct: &mut DirectAccounting,
        thread: u32,
        id: usize,
        offset: u64,
        size: u64,
    ) {
        match &mut self.chunks[id].kind {
            ChunkKind::SizeClassed {
                free, local, owner, ..
            } => {
                match local {
                    Some(l) if *owner == Some(thread) => l.push(offset),
                    _ => free.push_back(offset),
                }
                self.deallocate_if_idle(acct, id);
            }
            ChunkKind::Buddy { pending, .. } => {
                pending.push_back((offset, size));
                self.release_ref(acct, id);
            }
            ChunkKind::Unpooled => self.release_ref(acct, id),
        }
    }

    fn release_ref(&mut self, acct: &mut DirectAccounting, id: usize) {
        let c = &mut self.chunks[id];
        assert!(c.refcnt > 0, "chunk {id} released past zero");
        c.refcnt -= 1;
        if c.refcnt == 0 {
            self.deallocate(acct, id);
        }
    }

    fn deallocate(&mut self, acct: &mut DirectAccounting, id: usize) {
        let c = &mut self.chunks[id];
        c.deallocated = true;
        self.resident_bytes -= c.touched.min(c.capacity);
        self.free_chunk_slots.push(id);
        self.registry_bytes -= c.capacity;
        self.counters.chunks_destroyed += 1;
        acct.release_netty(c.capacity);
    }
}
