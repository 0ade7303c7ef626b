//! `PoolSubpage`'s element bitmap, the same in Netty 4.1.48 (a page split into elements) and
//! 4.1.52+ (a run of pages split into elements): the next allocation takes the last freed element
//! if there is one, else the first clear bit; the caller applies its version's pool rules to what
//! [`Subpage::free`] returns.

/// A page (4.1.48) or a run of pages (4.1.52+) split into `elem_size` elements.
#[derive(Debug, Clone)]
pub(crate) struct Subpage {
    /// The bytes it splits: a page (4.1.48) or its run (4.1.52+).
    pub(crate) bytes: u64,
    pub(crate) elem_size: u64,
    pub(crate) max_num_elems: u32,
    pub(crate) num_avail: u32,
    // Netty's hint: the last freed index, or -1 to scan the bitmap.
    next_avail: i64,
    bitmap: Vec<u64>,
    bitmap_length: usize,
    // False once the subpage was released back to the chunk (Netty's doNotDestroy).
    pub(crate) do_not_destroy: bool,
}

impl Subpage {
    /// `bytes` (a page, or 4.1.52+'s run) split into `elem_size` elements, all free.
    pub(crate) fn new(bytes: u64, elem_size: u64) -> Subpage {
        let max_num_elems = (bytes / elem_size) as u32;
        let bitmap_length = (max_num_elems as usize).div_ceil(64);
        Subpage {
            bytes,
            elem_size,
            max_num_elems,
            num_avail: max_num_elems,
            next_avail: 0,
            bitmap: vec![0; bitmap_length],
            bitmap_length,
            do_not_destroy: true,
        }
    }

    /// Takes an element; `None` when full. Returns its index.
    pub(crate) fn allocate(&mut self) -> Option<u32> {
        if self.num_avail == 0 || !self.do_not_destroy {
            return None;
        }
        let idx = self.next_avail_index()?;
        let (q, r) = ((idx >> 6) as usize, idx & 63);
        debug_assert_eq!(self.bitmap[q] >> r & 1, 0);
        self.bitmap[q] |= 1 << r;
        self.num_avail -= 1;
        Some(idx)
    }

    fn next_avail_index(&mut self) -> Option<u32> {
        if self.next_avail >= 0 {
            let v = self.next_avail as u32;
            self.next_avail = -1;
            return Some(v);
        }
        for (i, bits) in self.bitmap[..self.bitmap_length].iter().enumerate() {
            if !bits != 0 {
                let j = (!bits).trailing_zeros();
                let v = ((i as u32) << 6) | j;
                return (v < self.max_num_elems).then_some(v);
            }
        }
        None
    }

    /// Returns an element. The caller applies Netty's pool rules with the result:
    /// `WasFull` (re-add to the pool), `InUse`, or `Empty` (all elements free).
    pub(crate) fn free(&mut self, idx: u32) -> SubpageFree {
        let (q, r) = ((idx >> 6) as usize, idx & 63);
        debug_assert_eq!(
            self.bitmap[q] >> r & 1,
            1,
            "double free of a subpage element"
        );
        self.bitmap[q] ^= 1 << r;
        self.next_avail = i64::from(idx);
        let was = self.num_avail;
        self.num_avail += 1;
        if was == 0 {
            SubpageFree::WasFull
        } else if self.num_avail != self.max_num_elems {
            SubpageFree::InUse
        } else {
            SubpageFree::Empty
        }
    }
}

/// What freeing a subpage element did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubpageFree {
    WasFull,
    InUse,
    Empty,
}
