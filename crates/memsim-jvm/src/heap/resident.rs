//! Resident (touched) pages: the high-water marks of eden and of the old generation, and for G1
//! the earlier edens left resident when an expanded heap moved eden up to its new top, capped by
//! the committed size (all of it with `AlwaysPreTouch`). The rules are described in the module doc
//! of `heap.rs`.

use super::Heap;
use crate::ergonomics::Collector;

impl Heap {
    /// G1 after the heap grew from `before`: young regions come from the top of the free list
    /// (`HeapRegionManager::allocate_free_region`), now the newly committed regions, so eden moves
    /// up; the regions the old eden used stay committed and resident, free, until old regions
    /// (taken from the bottom) reach them. Only with the heap expanding between collections (G1's
    /// GC-time expansion with `-Xms` < `-Xmx`).
    pub(super) fn g1_eden_moves_up(&mut self, before: u64) {
        if self.collector != Collector::G1 || self.pre_touch || self.committed <= before {
            return;
        }
        let span = self.g1_eden_span.max(self.eden_hw);
        if span > 0 {
            self.g1_left_edens
                .push((before.saturating_sub(span), before));
        }
        self.eden_hw = self.eden_used.min(self.eden_capacity());
        self.g1_eden_span = self.eden_hw;
    }

    pub(super) fn note_eden_span(&mut self) {
        let fill = (self.eden_used + self.g1_direct).min(self.eden_capacity());
        self.g1_eden_span = self.g1_eden_span.max(fill);
    }

    pub(super) fn update_touched(&mut self) {
        self.note_eden_span();
        self.eden_hw = self.eden_hw.max(self.eden_used.min(self.eden_capacity()));
        self.old_hw = self.old_hw.max(self.old_live + self.old_garbage);
        // Earlier edens above the old generation's high-water mark.
        let old_hw = self.old_hw;
        let left: u64 = self
            .g1_left_edens
            .iter()
            .map(|&(start, end)| end.saturating_sub(start.max(old_hw)))
            .sum();
        self.touched = if self.pre_touch {
            self.committed
        } else {
            (self.eden_hw + self.old_hw + left).min(self.committed)
        };
    }
}
