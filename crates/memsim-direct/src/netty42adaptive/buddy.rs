//! The buddy tree of Netty 4.2.13's `BuddyChunk`: a chunk of `2^k × 32 KiB` split in halves down to
//! 32 KiB blocks, one byte per node (its size as a shift of 32 KiB, a "claimed" bit and a
//! "has claimed children" bit), first fit from the left.
//!
//! The search marks a node as having claimed children only when the block was found in its left
//! subtree; a block found by moving on to the right child leaves the parent's bit as it was. This
//! is how 4.2.13 does it, and a freed block clears a parent's bits only when its sibling holds
//! nothing.

use super::size_classes::MIN_BUDDY_SIZE;

const CLAIMED: u8 = 0x80;
const HAS_CLAIMED_CHILDREN: u8 = 0x40;
const SHIFT_MASK: u8 = 0x3f;

/// One buddy chunk's tree (`buddies`), indexed from 1 (the root).
#[derive(Debug, Clone)]
pub struct BuddyTree {
    nodes: Vec<u8>,
}

impl BuddyTree {
    /// The tree of a free chunk of `capacity` bytes (a power of two, at least 32 KiB).
    pub fn new(capacity: u64) -> BuddyTree {
        let blocks = (capacity / MIN_BUDDY_SIZE) as usize;
        let mut nodes = vec![0u8; blocks * 2];
        let mut shift = blocks.trailing_zeros() as u8;
        let (mut index, mut run, mut in_run) = (1usize, 1usize, 0usize);
        while shift > 0 {
            nodes[index] = shift;
            index += 1;
            in_run += 1;
            if in_run == run {
                in_run = 0;
                run <<= 1;
                shift -= 1;
            }
        }
        BuddyTree { nodes }
    }

    fn node_size(&self, index: usize) -> u64 {
        MIN_BUDDY_SIZE << (self.nodes[index] & SHIFT_MASK)
    }

    /// Claims the first free block of exactly `size` bytes; its byte offset, or `None`.
    pub fn claim(&mut self, size: u64) -> Option<u64> {
        self.claim_from(1, size, 0)
    }

    fn claim_from(&mut self, mut index: usize, size: u64, mut offset: u64) -> Option<u64> {
        while index < self.nodes.len() {
            let node = self.nodes[index];
            let node_size = self.node_size(index);
            if node_size < size || node & CLAIMED != 0 {
                return None;
            }
            if node_size == size && node & HAS_CLAIMED_CHILDREN == 0 {
                self.nodes[index] |= CLAIMED;
                return Some(offset);
            }
            if let Some(found) = self.claim_from(index << 1, size, offset) {
                self.nodes[index] |= HAS_CLAIMED_CHILDREN;
                return Some(found);
            }
            index = (index << 1) + 1;
            offset += node_size >> 1;
        }
        None
    }

    /// Frees the block of `size` bytes at `offset` (`unreserveMatchingBuddy`).
    ///
    /// # Panics
    /// When no such block is claimed: a double free, a bug (Netty throws `IllegalStateException`).
    pub fn unclaim(&mut self, size: u64, offset: u64) {
        self.unclaim_from(1, size, offset, 0);
    }

    /// Returns whether the subtree at `index` still holds a claim.
    fn unclaim_from(&mut self, index: usize, size: u64, offset: u64, node_offset: u64) -> bool {
        if index >= self.nodes.len() {
            return false;
        }
        let node_size = self.node_size(index);
        if node_size != size {
            let half = node_size >> 1;
            let (claims, sibling) = if offset < node_offset + half {
                (
                    self.unclaim_from(index << 1, size, offset, node_offset),
                    (index << 1) + 1,
                )
            } else {
                (
                    self.unclaim_from((index << 1) + 1, size, offset, node_offset + half),
                    index << 1,
                )
            };
            if !claims {
                let s = self.nodes[sibling];
                if s & SHIFT_MASK == s {
                    self.nodes[index] &= SHIFT_MASK;
                    return false;
                }
            }
            return true;
        }
        assert_eq!(
            node_offset, offset,
            "no buddy of {size} bytes at offset {offset} (index {index})"
        );
        self.nodes[index] &= SHIFT_MASK;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_first_fit_and_frees() {
        let mut t = BuddyTree::new(256 << 10);
        assert_eq!(t.claim(64 << 10), Some(0));
        assert_eq!(t.claim(32 << 10), Some(64 << 10));
        assert_eq!(t.claim(128 << 10), Some(128 << 10));
        assert_eq!(t.claim(64 << 10), None, "only one 32 KiB block is left");
        assert_eq!(t.claim(32 << 10), Some(96 << 10));
        t.unclaim(64 << 10, 0);
        assert_eq!(t.claim(64 << 10), Some(0));
        t.unclaim(128 << 10, 128 << 10);
        assert_eq!(t.claim(128 << 10), Some(128 << 10));
        assert_eq!(t.claim(256 << 10), None);
    }
}
