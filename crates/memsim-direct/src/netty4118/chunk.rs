//! `PoolChunk` of Netty 4.1.118: a chunk of pages handed out in runs, with subpages on runs.
//!
//! Free runs are kept two ways, as Netty keeps them: by size, in one priority queue per page class
//! (`runsAvail[pages2pageIdxFloor(pages)]`, polled lowest offset first: Netty's queue orders the
//! run's handle bits, whose top part is the offset), and by the page at each end of the run
//! (`runsAvailMap`), so a freed run merges with free neighbours on both sides. A run request for
//! `n` pages takes the lowest-offset run of the first non-empty queue from `pages2pageIdx(n)` up
//! (the whole-chunk queue when the chunk is empty), keeps its first `n` pages and puts the rest
//! back as a new free run. Handles use Netty's layout: `runOffset << 49 | pages << 34 |
//! inUse << 33 | isSubpage << 32 | bitmapIdx`.

use super::sizes::SizeClasses;
use crate::chunk_slab::SlabChunk;
use crate::subpage::Subpage;
use std::collections::{BTreeMap, BTreeSet};

const RUN_OFFSET_SHIFT: u32 = 49;
const SIZE_SHIFT: u32 = 34;
const IS_USED_SHIFT: u32 = 33;
const IS_SUBPAGE_SHIFT: u32 = 32;

/// `runOffset`: the run's first page.
pub(crate) fn run_offset(handle: u64) -> u32 {
    (handle >> RUN_OFFSET_SHIFT) as u32
}

/// `runPages`.
pub(crate) fn run_pages(handle: u64) -> u32 {
    ((handle >> SIZE_SHIFT) & 0x7fff) as u32
}

/// `isSubpage`.
pub(crate) fn is_subpage(handle: u64) -> bool {
    (handle >> IS_SUBPAGE_SHIFT) & 1 == 1
}

/// `bitmapIdx`.
pub(crate) fn bitmap_idx(handle: u64) -> u32 {
    handle as u32
}

fn to_run_handle(offset: u32, pages: u32, used: bool) -> u64 {
    (u64::from(offset) << RUN_OFFSET_SHIFT)
        | (u64::from(pages) << SIZE_SHIFT)
        | (u64::from(used) << IS_USED_SHIFT)
}

/// The handle of element `bitmap_idx` of the subpage on the run of `pages` pages at `offset`
/// (`PoolSubpage.toHandle`).
pub(crate) fn subpage_handle(offset: u32, pages: u32, bitmap_idx: u32) -> u64 {
    to_run_handle(offset, pages, true) | (1 << IS_SUBPAGE_SHIFT) | u64::from(bitmap_idx)
}

/// A pooled chunk (runs + subpages) or an unpooled (huge) one.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    /// Creation number across the allocator.
    pub(crate) seq: u64,
    pub(crate) arena: u32,
    pub(crate) unpooled: bool,
    pub(crate) size: u64,
    /// `freeBytes` (0 for an unpooled chunk, as Netty never sets it there).
    pub(crate) free_bytes: u64,
    /// The chunk list it is in (0..6), for a pooled chunk.
    pub(crate) list: usize,
    page_shifts: u32,
    // `runsAvail`: per page class, the free runs' keys (`handle >> 32`), polled smallest first.
    runs_avail: Vec<BTreeSet<u32>>,
    // `runsAvailMap`: first and last page of every free run → its handle (0: none; a run handle
    // is never 0, its page count is at least 1). Dense, 8 bytes a page, where Netty hashes.
    runs_avail_map: Vec<u64>,
    /// `subpages`, by the run offset of their run.
    pub(crate) subpages: BTreeMap<u32, Subpage>,
    // memsim's residency: pages ever handed out (a bit per page).
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
    /// A fresh pooled chunk: one free run of every page.
    pub(crate) fn pooled(seq: u64, arena: u32, sc: &SizeClasses) -> Chunk {
        let pages = (sc.chunk_size >> sc.page_shifts) as u32;
        let mut c = Chunk {
            seq,
            arena,
            unpooled: false,
            size: sc.chunk_size,
            free_bytes: sc.chunk_size,
            list: 0,
            page_shifts: sc.page_shifts,
            runs_avail: vec![BTreeSet::new(); sc.n_psizes as usize],
            runs_avail_map: vec![0; pages as usize],
            subpages: BTreeMap::new(),
            touched: vec![0; (pages as usize).div_ceil(64)],
            touched_bytes: 0,
        };
        c.insert_avail_run(sc, 0, pages, to_run_handle(0, pages, false));
        c
    }

    /// A huge buffer's own chunk of exactly `size` bytes (resident in full).
    pub(crate) fn unpooled(seq: u64, arena: u32, size: u64) -> Chunk {
        Chunk {
            seq,
            arena,
            unpooled: true,
            size,
            free_bytes: 0,
            list: 0,
            page_shifts: 0,
            runs_avail: Vec::new(),
            runs_avail_map: Vec::new(),
            subpages: BTreeMap::new(),
            touched: Vec::new(),
            touched_bytes: size,
        }
    }

    /// `usage()`: 100 when full, 99 when less than 1 % is free, else `100 − free %` rounded down.
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

    fn insert_avail_run(&mut self, sc: &SizeClasses, offset: u32, pages: u32, handle: u64) {
        let idx = sc.page_idx(u64::from(pages), true);
        self.runs_avail[idx as usize].insert((handle >> 32) as u32);
        self.runs_avail_map[offset as usize] = handle;
        if pages > 1 {
            self.runs_avail_map[(offset + pages - 1) as usize] = handle;
        }
    }

    fn remove_avail_run(&mut self, sc: &SizeClasses, handle: u64) {
        let idx = sc.page_idx(u64::from(run_pages(handle)), true);
        self.runs_avail[idx as usize].remove(&((handle >> 32) as u32));
        self.remove_avail_run_ends(handle);
    }

    fn remove_avail_run_ends(&mut self, handle: u64) {
        let (offset, pages) = (run_offset(handle), run_pages(handle));
        self.runs_avail_map[offset as usize] = 0;
        if pages > 1 {
            self.runs_avail_map[(offset + pages - 1) as usize] = 0;
        }
    }

    fn touch(&mut self, offset: u32, pages: u32) {
        for p in offset..offset + pages {
            let (w, b) = ((p >> 6) as usize, p & 63);
            if self.touched[w] >> b & 1 == 0 {
                self.touched[w] |= 1 << b;
                self.touched_bytes += 1 << self.page_shifts;
            }
        }
    }

    /// `allocateRun`: a run of `run_size` bytes (a whole number of pages). Returns its handle.
    pub(crate) fn allocate_run(&mut self, sc: &SizeClasses, run_size: u64) -> Option<u64> {
        let pages = (run_size >> self.page_shifts) as u32;
        let queue = if self.free_bytes == self.size {
            sc.n_psizes as usize - 1
        } else {
            let first = sc.page_idx(u64::from(pages), false) as usize;
            (first..sc.n_psizes as usize).find(|i| !self.runs_avail[*i].is_empty())?
        };
        let key = self.runs_avail[queue]
            .pop_first()
            .expect("a non-empty queue");
        let handle = u64::from(key) << 32;
        self.remove_avail_run_ends(handle);
        let handle = self.split_large_run(sc, handle, pages);
        self.free_bytes -= u64::from(run_pages(handle)) << self.page_shifts;
        self.touch(run_offset(handle), run_pages(handle));
        Some(handle)
    }

    /// `splitLargeRun`: keeps the first `need` pages, the rest goes back as a free run.
    fn split_large_run(&mut self, sc: &SizeClasses, handle: u64, need: u32) -> u64 {
        let (offset, total) = (run_offset(handle), run_pages(handle));
        // A subpage run larger than the whole chunk (tiny chunks) gets the whole chunk, as in
        // Netty, whose check of this is an assertion only.
        if total > need {
            let (avail, rem) = (offset + need, total - need);
            self.insert_avail_run(sc, avail, rem, to_run_handle(avail, rem, false));
            return to_run_handle(offset, need, true);
        }
        handle | (1 << IS_USED_SHIFT)
    }

    /// `calculateRunSize`: the smallest multiple of the page holding a whole number of elements
    /// (the least common multiple), but no more than `pageSize / 16` elements. It may exceed a
    /// tiny chunk: [`Chunk::allocate_run`] then hands out the whole chunk.
    pub(crate) fn run_size_for(sc: &SizeClasses, elem_size: u64) -> u64 {
        let page = 1u64 << sc.page_shifts;
        let max_elements = 1u64 << (sc.page_shifts - super::sizes::LOG2_QUANTUM);
        let mut run_size = 0;
        let mut n;
        loop {
            run_size += page;
            n = run_size / elem_size;
            if n >= max_elements || run_size == n * elem_size {
                break;
            }
        }
        while n > max_elements {
            run_size -= page;
            n = run_size / elem_size;
        }
        run_size
    }

    /// `allocateSubpage` up to the subpage's creation: a run for elements of `elem_size`, made a
    /// subpage. Returns the run's handle; the caller adds the subpage to its pool and allocates.
    pub(crate) fn allocate_subpage_run(&mut self, sc: &SizeClasses, elem_size: u64) -> Option<u64> {
        let run_size = Self::run_size_for(sc, elem_size);
        let run = self.allocate_run(sc, run_size)?;
        let bytes = u64::from(run_pages(run)) << self.page_shifts;
        self.subpages
            .insert(run_offset(run), Subpage::new(bytes, elem_size));
        Some(run)
    }

    /// `getAvailRunByOffset`: the free run starting or ending at `page`.
    fn avail_at(&self, page: u32) -> Option<u64> {
        self.runs_avail_map
            .get(page as usize)
            .copied()
            .filter(|h| *h != 0)
    }

    /// `free` of a run (or of a released subpage's run): merged with the free runs before and
    /// after it, then made available.
    pub(crate) fn free_run(&mut self, sc: &SizeClasses, handle: u64) {
        let size = u64::from(run_pages(handle)) << self.page_shifts;
        let mut run = handle;
        // collapsePast
        loop {
            let (offset, pages) = (run_offset(run), run_pages(run));
            let Some(past) = offset.checked_sub(1).and_then(|p| self.avail_at(p)) else {
                break;
            };
            let (past_offset, past_pages) = (run_offset(past), run_pages(past));
            if past != run && past_offset + past_pages == offset {
                self.remove_avail_run(sc, past);
                run = to_run_handle(past_offset, past_pages + pages, false);
            } else {
                break;
            }
        }
        // collapseNext
        loop {
            let (offset, pages) = (run_offset(run), run_pages(run));
            let Some(next) = self.avail_at(offset + pages) else {
                break;
            };
            let (next_offset, next_pages) = (run_offset(next), run_pages(next));
            if next != run && offset + pages == next_offset {
                self.remove_avail_run(sc, next);
                run = to_run_handle(offset, pages + next_pages, false);
            } else {
                break;
            }
        }
        let (offset, pages) = (run_offset(run), run_pages(run));
        self.insert_avail_run(sc, offset, pages, to_run_handle(offset, pages, false));
        self.free_bytes += size;
    }

    /// The byte offset in the chunk of the buffer with `handle`.
    pub(crate) fn offset_of(&self, handle: u64) -> u64 {
        let base = u64::from(run_offset(handle)) << self.page_shifts;
        if is_subpage(handle) {
            let s = &self.subpages[&run_offset(handle)];
            base + u64::from(bitmap_idx(handle)) * s.elem_size
        } else {
            base
        }
    }

    /// Checks the free runs against `freeBytes`, the map and the queues.
    pub(crate) fn check(&self, sc: &SizeClasses) -> Result<(), String> {
        if self.unpooled {
            return Ok(());
        }
        let mut free_pages = 0u64;
        let mut last_end = None;
        for (i, q) in self.runs_avail.iter().enumerate() {
            for key in q {
                let h = u64::from(*key) << 32;
                let (o, p) = (run_offset(h), run_pages(h));
                if sc.page_idx(u64::from(p), true) as usize != i
                    || self.avail_at(o).map(|v| v >> 32) != Some(u64::from(*key))
                    || self.avail_at(o + p - 1).map(|v| v >> 32) != Some(u64::from(*key))
                {
                    return Err(format!("chunk {}: free run {o}+{p} misfiled", self.seq));
                }
                free_pages += u64::from(p);
                last_end = last_end.max(Some(o + p));
            }
        }
        if free_pages << self.page_shifts != self.free_bytes
            || last_end.is_some_and(|e| u64::from(e) << self.page_shifts > self.size)
        {
            return Err(format!(
                "chunk {}: free runs hold {} pages, freeBytes {}",
                self.seq, free_pages, self.free_bytes
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_merge_and_take_the_lowest_offset() {
        let sc = SizeClasses::new(8192, 8192 << 9);
        let mut c = Chunk::pooled(0, 0, &sc);
        let a = c.allocate_run(&sc, 8192).unwrap();
        let b = c.allocate_run(&sc, 3 * 8192).unwrap();
        let d = c.allocate_run(&sc, 8192).unwrap();
        assert_eq!(
            [a, b, d].map(|h| (run_offset(h), run_pages(h))),
            [(0, 1), (1, 3), (4, 1)]
        );
        c.free_run(&sc, a);
        c.free_run(&sc, d);
        // Two one-page holes (0 and 4..512 merged): the lowest offset wins.
        assert_eq!(run_offset(c.allocate_run(&sc, 8192).unwrap()), 0);
        c.free_run(&sc, b);
        c.check(&sc).unwrap();
        assert_eq!(c.free_bytes, (4 << 20) - 8192);
        assert_eq!(c.usage(), 1);
    }

    #[test]
    fn run_sizes_are_netty_4_1_118s() {
        let sc = SizeClasses::new(8192, 8192 << 9);
        assert_eq!(Chunk::run_size_for(&sc, 16), 8192);
        assert_eq!(Chunk::run_size_for(&sc, 48), 24576, "lcm(8192, 48)");
        assert_eq!(Chunk::run_size_for(&sc, 28672), 57344);
        assert_eq!(Chunk::run_size_for(&sc, 5120), 40960);
    }
}
