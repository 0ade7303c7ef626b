//! The chunk caches of Netty 4.2.13's magazine groups, where chunks wait between magazines and are
//! never freed while they fit (`ChunkCache`):
//!
//! - size-classed groups: a bounded FIFO queue (`ConcurrentQueueChunkCache` over JCTools'
//!   `MpmcArrayQueue`, whose capacity is `io.netty.allocator.chunkReuseQueueCapacity` — default
//!   `2 × processors`, at least 2 — rounded up to a power of two); a polled chunk without a free
//!   segment goes back to the tail, at most `chunkReuseQueueCapacity` polls per request; a chunk the
//!   full queue refuses is marked to deallocate.
//! - the buddy group: chunks keyed by their remaining capacity when offered
//!   (`ConcurrentSkipListChunkCache` over `ConcurrentSkipListIntObjMultimap`: ascending keys, a new
//!   entry before older ones of the same key). A request takes the smallest key that fits; failing
//!   that, chunks with queued frees are refreshed and the roomiest that fits is taken. Past
//!   `chunkReuseQueueCapacity` entries, the chunk with the fewest references (then the smallest) is
//!   evicted and marked to deallocate.

use super::AdaptivePool;
use crate::accounting::DirectAccounting;
use std::collections::VecDeque;

/// One entry of the buddy group's sorted multimap.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    node: u64,
    key: u64,
    chunk: usize,
}

/// A magazine group's chunk cache.
#[derive(Debug, Clone)]
pub(super) enum ChunkCache {
    /// Size-classed groups: FIFO queue of chunk ids with its (power-of-two) capacity.
    Queue {
        /// Chunk ids, head first.
        queue: VecDeque<usize>,
        /// The queue's capacity.
        capacity: usize,
    },
    /// The buddy group: entries in list order (ascending key, newest first among equal keys).
    SkipList {
        /// The entries.
        entries: Vec<Entry>,
        /// The next node number (entries are told apart by it, as the Java nodes by identity).
        next_node: u64,
    },
}

impl ChunkCache {
    /// Number of chunks held.
    pub(super) fn len(&self) -> usize {
        match self {
            ChunkCache::Queue { queue, .. } => queue.len(),
            ChunkCache::SkipList { entries, .. } => entries.len(),
        }
    }

    /// The chunk ids held, in cache order.
    pub(super) fn chunk_ids(&self) -> Vec<usize> {
        match self {
            ChunkCache::Queue { queue, .. } => queue.iter().copied().collect(),
            ChunkCache::SkipList { entries, .. } => entries.iter().map(|e| e.chunk).collect(),
        }
    }

    fn insert(&mut self, key: u64, chunk: usize) -> u64 {
        let ChunkCache::SkipList { entries, next_node } = self else {
            unreachable!("insert into a queue cache")
        };
        let node = *next_node;
        *next_node += 1;
        let at = entries.partition_point(|e| e.key < key);
        entries.insert(at, Entry { node, key, chunk });
        node
    }

    fn remove_node(&mut self, node: u64) -> Option<Entry> {
        let ChunkCache::SkipList { entries, .. } = self else {
            return None;
        };
        let at = entries.iter().position(|e| e.node == node)?;
        Some(entries.remove(at))
    }

    fn entries(&self) -> &[Entry] {
        match self {
            ChunkCache::SkipList { entries, .. } => entries,
            ChunkCache::Queue { .. } => &[],
        }
    }
}

impl AdaptivePool {
    /// `MagazineGroup.offerChunk`: whether the group's cache took the chunk.
    pub(super) fn offer_chunk(
        &mut self,
        acct: &mut DirectAccounting,
        group: usize,
        id: usize,
    ) -> bool {
        if self.groups[group].freed {
            return false;
        }
        self.process_freelist(id);
        if let ChunkCache::Queue { queue, capacity } = &mut self.groups[group].cache {
            if queue.len() >= *capacity {
                return false;
            }
            queue.push_back(id);
            return true;
        }
        let key = self.remaining_capacity(id);
        self.groups[group].cache.insert(key, id);
        while self.groups[group].cache.len() > self.cfg.chunk_reuse_queue() {
            let mut victim: Option<Entry> = None;
            for e in self.groups[group].cache.entries() {
                let better = match victim {
                    None => true,
                    Some(v) => {
                        let (cr, vr) = (self.chunks[e.chunk].refcnt, self.chunks[v.chunk].refcnt);
                        cr < vr
                            || (cr == vr
                                && self.chunks[e.chunk].capacity < self.chunks[v.chunk].capacity)
                    }
                };
                if better {
                    victim = Some(*e);
                }
            }
            let Some(v) = victim else { break };
            if self.groups[group].cache.remove_node(v.node).is_some() {
                self.mark_to_deallocate(acct, v.chunk);
            }
        }
        true
    }

    /// `MagazineGroup.pollChunk(size)`: a cached chunk for a request of `size` bytes, if any.
    pub(super) fn poll_chunk(&mut self, group: usize, size: u64) -> Option<usize> {
        if let ChunkCache::Queue { .. } = self.groups[group].cache {
            for _ in 0..self.cfg.chunk_reuse_queue() {
                let ChunkCache::Queue { queue, .. } = &mut self.groups[group].cache else {
                    unreachable!()
                };
                let id = queue.pop_front()?;
                if self.has_remaining_capacity(id) {
                    return Some(id);
                }
                let ChunkCache::Queue { queue, .. } = &mut self.groups[group].cache else {
                    unreachable!()
                };
                queue.push_back(id);
            }
            return None;
        }
        let entries = self.groups[group].cache.entries();
        if entries.is_empty() {
            return None;
        }
        if let Some(e) = entries.iter().find(|e| e.key >= size).copied() {
            self.groups[group].cache.remove_node(e.node);
            self.process_freelist(e.chunk);
            return Some(e.chunk);
        }
        // Walk the entries as the weakly consistent iterator does: the next node is fixed before
        // the current one is handled, so an entry re-inserted before it is not seen again.
        let mut best: Option<(usize, u64)> = None;
        let mut next = entries.first().map(|e| e.node);
        while let Some(node) = next {
            let list = self.groups[group].cache.entries();
            let Some(at) = list.iter().position(|e| e.node == node) else {
                break;
            };
            let e = list[at];
            next = list.get(at + 1).map(|n| n.node);
            if !self.has_unprocessed(e.chunk) {
                continue;
            }
            self.groups[group].cache.remove_node(e.node);
            self.process_freelist(e.chunk);
            let remaining = self.remaining_capacity(e.chunk);
            if remaining >= size && best.is_none_or(|(_, r)| remaining > r) {
                if let Some((b, r)) = best {
                    self.groups[group].cache.insert(r, b);
                }
                best = Some((e.chunk, remaining));
            } else {
                self.groups[group].cache.insert(remaining, e.chunk);
            }
        }
        best.map(|(b, _)| b)
    }
}
