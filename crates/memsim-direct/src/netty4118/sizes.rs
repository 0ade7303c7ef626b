//! `SizeClasses` of Netty 4.1.118 (no `directMemoryCacheAlignment`): the size-class table and the
//! index arithmetic the arena, the chunks and the thread caches use.
//!
//! Classes come in groups of four (`LOG2_SIZE_CLASS_GROUP` = 2) from the 16-byte quantum: the first
//! group is 16, 32, 48, 64; every later group doubles `log2Group` and `log2Delta`, giving sizes
//! `2^log2Group + nDelta · 2^log2Delta` (nDelta 1..4), up to the chunk size. A class is a subpage
//! class when `log2(size) < pageShifts + 2` (e.g. up to 28 KiB with 8 KiB pages), and a page class
//! (`pageIdx`) when its size is a multiple of the page. `size2SizeIdx` and `pages2pageIdx` are the
//! closed forms Netty computes (its lookup table for small sizes gives the same answers); they are
//! re-derived here from those rules, and the tests check them against the table.

/// `LOG2_QUANTUM`: sizes are multiples of 16 bytes at least.
pub(crate) const LOG2_QUANTUM: u32 = 4;
const LOG2_GROUP: u32 = 2;

/// `floor(log2(v))` for `v ≥ 1`.
fn log2(v: u64) -> u32 {
    63 - v.leading_zeros()
}

/// The size classes of an allocator with a given page size and chunk size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SizeClasses {
    pub(crate) page_shifts: u32,
    pub(crate) chunk_size: u64,
    /// `nSizes`: classes up to and including the chunk size.
    pub(crate) n_sizes: u32,
    /// `nSubpages` (= `smallMaxSizeIdx + 1`).
    pub(crate) n_subpages: u32,
    /// `nPSizes`: classes that are whole pages.
    pub(crate) n_psizes: u32,
    // `sizeIdx2sizeTab` and `pageIdx2sizeTab`.
    sizes: Vec<u64>,
    page_sizes: Vec<u64>,
}

impl SizeClasses {
    /// The table for `page_size` (a power of two ≥ 4096) and `chunk_size` (`page_size << maxOrder`).
    pub(crate) fn new(page_size: u64, chunk_size: u64) -> SizeClasses {
        let page_shifts = log2(page_size);
        let mut sizes = Vec::new();
        let mut page_sizes = Vec::new();
        let mut n_subpages = 0;
        let mut push = |log2_group: u32, log2_delta: u32, n_delta: u64| {
            let size = (1u64 << log2_group) + (n_delta << log2_delta);
            let log2_ndelta = if n_delta == 0 { 0 } else { log2(n_delta) };
            let log2_size = if log2_delta + log2_ndelta == log2_group {
                log2_group + 1
            } else {
                log2_group
            };
            if log2_size < page_shifts + LOG2_GROUP {
                n_subpages += 1;
            }
            if log2_delta >= page_shifts || size % page_size == 0 {
                page_sizes.push(size);
            }
            sizes.push(size);
            size
        };
        // The first group starts at nDelta 0 (16, 32, 48, 64); the others at 1.
        let mut size = 0;
        for n_delta in 0..4 {
            size = push(LOG2_QUANTUM, LOG2_QUANTUM, n_delta);
        }
        let mut log2_group = LOG2_QUANTUM + LOG2_GROUP;
        let mut log2_delta = LOG2_QUANTUM;
        while size < chunk_size {
            let mut n_delta = 1;
            while n_delta <= 4 && size < chunk_size {
                size = push(log2_group, log2_delta, n_delta);
                n_delta += 1;
            }
            log2_group += 1;
            log2_delta += 1;
        }
        debug_assert_eq!(size, chunk_size);
        SizeClasses {
            page_shifts,
            chunk_size,
            n_sizes: sizes.len() as u32,
            n_subpages,
            n_psizes: page_sizes.len() as u32,
            sizes,
            page_sizes,
        }
    }

    /// `sizeIdx2size`.
    pub(crate) fn size(&self, size_idx: u32) -> u64 {
        self.sizes[size_idx as usize]
    }

    /// `pageIdx2size`.
    #[cfg(test)]
    pub(crate) fn page_idx_size(&self, page_idx: u32) -> u64 {
        self.page_sizes[page_idx as usize]
    }

    /// Whether `size_idx ≤ smallMaxSizeIdx` (served from subpages).
    pub(crate) fn is_small(&self, size_idx: u32) -> bool {
        size_idx < self.n_subpages
    }

    /// `size2SizeIdx`: the smallest class holding `size` bytes; `n_sizes` above the chunk size.
    pub(crate) fn size_idx(&self, size: u64) -> u32 {
        if size == 0 {
            return 0;
        }
        if size > self.chunk_size {
            return self.n_sizes;
        }
        let x = log2((size << 1) - 1);
        let first = LOG2_GROUP + LOG2_QUANTUM + 1;
        let shift = if x < first {
            0
        } else {
            x - (LOG2_GROUP + LOG2_QUANTUM)
        };
        let log2_delta = if x < first {
            LOG2_QUANTUM
        } else {
            x - LOG2_GROUP - 1
        };
        let group = shift << LOG2_GROUP;
        let modulo = ((size - 1) >> log2_delta) as u32 & ((1 << LOG2_GROUP) - 1);
        group + modulo
    }

    /// `pages2pageIdx` (`floor` = false: the smallest page class holding `pages` pages) and
    /// `pages2pageIdxFloor` (the largest not above it), with Netty's own arithmetic.
    pub(crate) fn page_idx(&self, pages: u64, floor: bool) -> u32 {
        let bytes = pages << self.page_shifts;
        if bytes > self.chunk_size {
            return self.n_psizes;
        }
        let x = log2((bytes << 1) - 1);
        // Netty's two bounds differ by one here; kept as they are.
        let shift = x.saturating_sub(LOG2_GROUP + self.page_shifts);
        let log2_delta = if x < LOG2_GROUP + self.page_shifts + 1 {
            self.page_shifts
        } else {
            x - LOG2_GROUP - 1
        };
        let group = shift << LOG2_GROUP;
        let modulo = ((bytes - 1) >> log2_delta) as u32 & ((1 << LOG2_GROUP) - 1);
        let mut idx = group + modulo;
        if floor && self.page_sizes[idx as usize] > bytes {
            idx -= 1;
        }
        idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The closed forms agree with a search of the table, for every size up to a chunk and every
    /// page count, at several page sizes and chunk sizes.
    #[test]
    fn closed_forms_match_the_table() {
        for (page, order) in [
            (4096u64, 0u32),
            (4096, 3),
            (8192, 9),
            (8192, 11),
            (16384, 5),
        ] {
            let chunk = page << order;
            let sc = SizeClasses::new(page, chunk);
            assert_eq!(sc.size(sc.n_sizes - 1), chunk);
            let mut size = 1;
            while size <= chunk {
                let want = sc.sizes.iter().position(|s| *s >= size).unwrap() as u32;
                assert_eq!(
                    sc.size_idx(size),
                    want,
                    "size {size} page {page} order {order}"
                );
                size += if size < 70_000 { 1 } else { 997 };
            }
            assert_eq!(sc.size_idx(chunk + 1), sc.n_sizes);
            for pages in 1..=(chunk / page) {
                let bytes = pages * page;
                let ceil = sc.page_sizes.iter().position(|s| *s >= bytes).unwrap() as u32;
                let floor = sc.page_sizes.iter().rposition(|s| *s <= bytes).unwrap() as u32;
                assert_eq!(sc.page_idx(pages, false), ceil, "pages {pages}");
                assert_eq!(sc.page_idx(pages, true), floor, "pages {pages}");
            }
        }
    }

    #[test]
    fn default_table_is_netty_4_1_118s() {
        let sc = SizeClasses::new(8192, 8192 << 9);
        assert_eq!((sc.n_sizes, sc.n_subpages, sc.n_psizes), (68, 39, 32));
        assert_eq!(
            sc.size(sc.n_subpages - 1),
            28 << 10,
            "largest subpage class"
        );
        assert_eq!(sc.size(sc.n_subpages), 32 << 10);
        assert_eq!(&sc.sizes[..8], &[16, 32, 48, 64, 80, 96, 112, 128]);
        assert_eq!(sc.page_idx_size(0), 8192);
        assert_eq!(sc.size_idx(100), 6);
        assert_eq!(sc.size(sc.size_idx(5000)), 5120);
    }
}
