//! `PoolChunk` and `PoolSubpage` of Netty 4.1.48: a buddy tree of pages with leftmost fit, and
//! pages split into equal elements tracked by a bitmap.
//!
//! The tree (`memoryMap`) has `2^(maxOrder+1)` nodes; node 1 is the whole chunk, the leaves
//! `2^maxOrder .. 2^(maxOrder+1)` are pages. A node's value is the depth of the shallowest free node
//! in its subtree, or `maxOrder + 1` when nothing below it is free. Handles are Netty's: a run is its
//! node id; a subpage element is `0x4000_0000_0000_0000 | bitmapIdx << 32 | nodeId`.

use crate::chunk_slab::SlabChunk;
pub(crate) use crate::subpage::{Subpage, SubpageFree};
use std::collections::BTreeMap;

/// Flag bit Netty sets in a subpage handle so that element 0 has a non-zero bitmap part.
pub(crate) const SUBPAGE_FLAG: u64 = 0x4000_0000_0000_0000;

/// Node id of a handle.
pub(crate) fn node_of(handle: u64) -> u32 {
    handle as u32
}

/// Bitmap part of a handle (with the flag bit for subpages; 0 for runs).
pub(crate) fn bitmap_of(handle: u64) -> u32 {
    (handle >> 32) as u32
}

/// Depth of a node in the tree: `floor(log2(id))`.
fn depth(id: u32) -> u32 {
    31 - id.leading_zeros()
}

/// A pooled chunk (buddy tree + subpages) or an unpooled (huge) one.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    /// Creation number across the allocator (metrics and placements call it the chunk id).
    pub(crate) seq: u64,
    pub(crate) arena: u32,
    pub(crate) unpooled: bool,
    pub(crate) size: u64,
    pub(crate) free_bytes: u64,
    /// Index of the chunk list holding it (0 = qInit … 5 = q100); unused for unpooled chunks.
    pub(crate) list: usize,
    memory_map: Vec<u8>,
    max_order: u32,
    page_shifts: u32,
    log2_size: u32,
    // Subpages by page index, created when a page first becomes one and kept (Netty's
    // `subpages` array, whose slots are filled lazily; only the filled ones are stored).
    pub(crate) subpages: BTreeMap<u32, Subpage>,
    // Pages ever handed out (memsim's resident estimate): one bit per page.
    touched: Vec<u64>,
    pub(crate) touched_bytes: u64,
}

impl SlabChunk for Chunk {
    fn size(&self) -> u64 {
        self.size
    }

    fn touched_bytes(&self) -> u64 {
        self.touched_bytes
    }
}

impl Chunk {
    pub(crate) fn pooled(seq: u64, arena: u32, page_size: u64, max_order: u32) -> Chunk {
        let n = 1usize << (max_order + 1);
        let mut memory_map = vec![0u8; n];
        for (id, v) in memory_map.iter_mut().enumerate().skip(1) {
            *v = depth(id as u32) as u8;
        }
        let size = page_size << max_order;
        Chunk {
            seq,
            arena,
            unpooled: false,
            size,
            free_bytes: size,
            list: 0,
            memory_map,
            max_order,
            page_shifts: page_size.trailing_zeros(),
            log2_size: size.trailing_zeros(),
            subpages: BTreeMap::new(),
            touched: vec![0; (1usize << max_order).div_ceil(64)],
            touched_bytes: 0,
        }
    }

    pub(crate) fn unpooled(seq: u64, arena: u32, size: u64) -> Chunk {
        Chunk {
            seq,
            arena,
            unpooled: true,
            size,
            free_bytes: 0,
            list: 0,
            memory_map: Vec::new(),
            max_order: 0,
            page_shifts: 0,
            log2_size: 0,
            subpages: BTreeMap::new(),
            touched: Vec::new(),
            // A huge buffer is written by its user: resident in full.
            touched_bytes: size,
        }
    }

    pub(crate) fn page_size(&self) -> u64 {
        1 << self.page_shifts
    }

    fn unusable(&self) -> u8 {
        (self.max_order + 1) as u8
    }

    /// `PoolChunkMetric.usage()`.
    pub(crate) fn usage(&self) -> i32 {
        if self.free_bytes == 0 {
            return 100;
        }
        let free_percent = (self.free_bytes * 100 / self.size) as i32;
        if free_percent == 0 {
            99
        } else {
            100 - free_percent
        }
    }

    pub(crate) fn run_length(&self, id: u32) -> u64 {
        1 << (self.log2_size - depth(id))
    }

    pub(crate) fn run_offset(&self, id: u32) -> u64 {
        u64::from(id ^ (1 << depth(id))) * self.run_length(id)
    }

    /// The leftmost free node at depth `d`, marked used; `None` if there is none.
    fn allocate_node(&mut self, d: u32) -> Option<u32> {
        let d8 = d as u8;
        let mut id: u32 = 1;
        let initial: i64 = -(1i64 << d);
        let mut val = self.memory_map[1];
        if val > d8 {
            return None;
        }
        while val < d8 || (i64::from(id) & initial) == 0 {
            id <<= 1;
            val = self.memory_map[id as usize];
            if val > d8 {
                id ^= 1;
                val = self.memory_map[id as usize];
            }
        }
        debug_assert_eq!(val, d8);
        self.memory_map[id as usize] = self.unusable();
        self.update_parents_alloc(id);
        Some(id)
    }

    fn update_parents_alloc(&mut self, mut id: u32) {
        while id > 1 {
            let parent = id >> 1;
            let v = self.memory_map[id as usize].min(self.memory_map[(id ^ 1) as usize]);
            self.memory_map[parent as usize] = v;
            id = parent;
        }
    }

    fn update_parents_free(&mut self, mut id: u32) {
        let mut log_child = depth(id) + 1;
        while id > 1 {
            let parent = id >> 1;
            let v1 = self.memory_map[id as usize];
            let v2 = self.memory_map[(id ^ 1) as usize];
            log_child -= 1;
            self.memory_map[parent as usize] =
                if u32::from(v1) == log_child && u32::from(v2) == log_child {
                    (log_child - 1) as u8
                } else {
                    v1.min(v2)
                };
            id = parent;
        }
    }

    fn touch(&mut self, offset: u64, len: u64) {
        let first = offset >> self.page_shifts;
        let last = (offset + len).div_ceil(1 << self.page_shifts);
        for p in first..last {
            let (w, b) = ((p >> 6) as usize, p & 63);
            if self.touched[w] >> b & 1 == 0 {
                self.touched[w] |= 1 << b;
                self.touched_bytes += 1 << self.page_shifts;
            }
        }
    }

    /// `allocateRun`: a run of `norm` bytes (a power of two ≥ a page). Returns the handle.
    pub(crate) fn allocate_run(&mut self, norm: u64) -> Option<u64> {
        let d = self.max_order - (norm.trailing_zeros() - self.page_shifts);
        let id = self.allocate_node(d)?;
        let len = self.run_length(id);
        self.free_bytes -= len;
        self.touch(self.run_offset(id), len);
        Some(u64::from(id))
    }

    /// Takes a page for a subpage of `elem_size` and allocates its first element.
    /// Returns `(page index, handle)`; the caller adds the subpage to its arena's pool first.
    pub(crate) fn allocate_subpage_page(&mut self, elem_size: u64) -> Option<u32> {
        let id = self.allocate_node(self.max_order)?;
        self.free_bytes -= self.page_size();
        let page_idx = id ^ (1 << self.max_order);
        let page_size = self.page_size();
        // A page that was a subpage before gets a fresh one (Netty re-initializes it in place).
        self.subpages
            .insert(page_idx, Subpage::new(page_size, elem_size));
        self.touch(self.run_offset(id), page_size);
        Some(page_idx)
    }

    /// The handle of element `elem` of the subpage on page `page_idx`.
    pub(crate) fn subpage_handle(&self, page_idx: u32, elem: u32) -> u64 {
        SUBPAGE_FLAG | (u64::from(elem) << 32) | u64::from(page_idx | (1 << self.max_order))
    }

    /// Returns a run (or a released subpage's page) to the tree.
    pub(crate) fn free_run(&mut self, id: u32) {
        self.free_bytes += self.run_length(id);
        self.memory_map[id as usize] = depth(id) as u8;
        self.update_parents_free(id);
    }

    /// Page index of a node at the leaf level.
    pub(crate) fn page_of(&self, id: u32) -> u32 {
        id ^ (1 << self.max_order)
    }

    /// Byte offset of a handle inside the chunk.
    pub(crate) fn offset_of(&self, handle: u64) -> u64 {
        let id = node_of(handle);
        let bitmap = bitmap_of(handle);
        if bitmap == 0 {
            self.run_offset(id)
        } else {
            let s = self
                .subpages
                .get(&self.page_of(id))
                .expect("subpage of a live handle");
            self.run_offset(id) + u64::from(bitmap & 0x3FFF_FFFF) * s.elem_size
        }
    }

    /// Checks the tree against the free-byte count (slow; tests and `--check-invariants`).
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.unpooled {
            return Ok(());
        }
        let n = 1u32 << (self.max_order + 1);
        for id in 1..n / 2 {
            let want =
                self.memory_map[(2 * id) as usize].min(self.memory_map[(2 * id + 1) as usize]);
            let both_free = u32::from(self.memory_map[(2 * id) as usize]) == depth(id) + 1
                && u32::from(self.memory_map[(2 * id + 1) as usize]) == depth(id) + 1;
            let v = self.memory_map[id as usize];
            if !(v == want || (both_free && u32::from(v) == depth(id)) || v == self.unusable()) {
                return Err(format!(
                    "chunk {}: node {id} = {v}, children give {want}",
                    self.seq
                ));
            }
        }
        // Free bytes = the sizes of the free maximal nodes.
        let mut free = 0u64;
        let mut stack = vec![1u32];
        while let Some(id) = stack.pop() {
            let v = u32::from(self.memory_map[id as usize]);
            if v == depth(id) {
                free += self.run_length(id);
            } else if v <= self.max_order && id < n / 2 {
                stack.extend([2 * id, 2 * id + 1]);
            }
        }
        if free != self.free_bytes {
            return Err(format!(
                "chunk {}: tree has {free} free bytes, counter {}",
                self.seq, self.free_bytes
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftmost_fit_and_natural_alignment() {
        let mut c = Chunk::pooled(0, 0, 8192, 11);
        let a = c.allocate_run(8192).unwrap();
        assert_eq!(c.run_offset(node_of(a)), 0);
        // 3,000,000 B → 4 MiB, naturally aligned: at 4 MiB, not at 8 KiB.
        let b = c.allocate_run(4 << 20).unwrap();
        assert_eq!(c.run_offset(node_of(b)), 4 << 20);
        let d = c.allocate_run(8192).unwrap();
        assert_eq!(c.run_offset(node_of(d)), 8192);
        assert_eq!(c.free_bytes, (16 << 20) - (4 << 20) - 16384);
        c.check().unwrap();
        c.free_run(node_of(b));
        c.free_run(node_of(a));
        c.free_run(node_of(d));
        assert_eq!(c.free_bytes, 16 << 20);
        assert!(
            c.allocate_run(16 << 20).is_some(),
            "all buddies merged back"
        );
        c.check().unwrap();
    }

    #[test]
    fn usage_rounds_like_netty() {
        let mut c = Chunk::pooled(0, 0, 8192, 11);
        assert_eq!(c.usage(), 0);
        c.allocate_run(8192).unwrap();
        assert_eq!(c.usage(), 1, "free 99.95 % → 99 → usage 1");
        let mut full = Chunk::pooled(0, 0, 8192, 1);
        full.allocate_run(8192).unwrap();
        assert_eq!(full.usage(), 50);
        full.allocate_run(8192).unwrap();
        assert_eq!(full.usage(), 100);
    }

    #[test]
    fn subpage_bitmap_reuses_last_freed_then_scans() {
        let mut s = Subpage::new(8192, 1024);
        let got: Vec<u32> = (0..8).map(|_| s.allocate().unwrap()).collect();
        assert_eq!(got, (0..8).collect::<Vec<_>>());
        assert_eq!(s.allocate(), None);
        assert_eq!(s.free(5), SubpageFree::WasFull);
        assert_eq!(s.free(2), SubpageFree::InUse);
        assert_eq!(s.allocate(), Some(2), "the hint is the last freed element");
        assert_eq!(s.allocate(), Some(5), "then the first clear bit");
        for i in 0..8 {
            s.free(i);
        }
        assert_eq!(s.num_avail, 8);
    }
}
