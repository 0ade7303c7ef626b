//! Sizing the committed heap after a full collection by `MinHeapFreeRatio` / `MaxHeapFreeRatio`,
//! never outside `[Xms, Xmx]` (G1: down to `MinHeapSize`), Parallel's old generation beside its
//! adaptively sized young one; the resident high-water marks shrink with what is uncommitted. The
//! rules are described in the module doc of `heap.rs`.

use super::Heap;
use crate::ergonomics::Collector;

const MIN_HEAP_FREE_PERCENT: u64 = 40;
const MAX_HEAP_FREE_PERCENT: u64 = 70;

impl Heap {
    pub(super) fn resize_after_gc(&mut self, needed: u64) {
        let align = |x: u64| x.div_ceil(self.alignment) * self.alignment;
        // Enough that at least MinHeapFreeRatio of the heap is free after this allocation.
        let min_desired = align(needed * 100 / (100 - MIN_HEAP_FREE_PERCENT)).max(align(needed));
        // No more than would leave MaxHeapFreeRatio free.
        let max_desired = align(needed * 100 / (100 - MAX_HEAP_FREE_PERCENT));
        let (current, young, floor) = match self.collector {
            // Parallel: the free ratios size the old generation; eden is sized adaptively.
            Collector::Parallel => {
                let young = self.ps_young();
                let initial_young = self.ps_young_min;
                (
                    self.committed - young,
                    young,
                    self.initial.saturating_sub(initial_young),
                )
            }
            // G1 (`G1HeapSizingPolicy::full_collection_resize_amount`) shrinks to `MinHeapSize`,
            // which is `-Xms` when given and 8 MiB otherwise.
            Collector::G1 => (self.committed, 0, self.min),
            Collector::Serial => (self.committed, 0, self.initial),
        };
        let target = if current < min_desired {
            min_desired
        } else if current > max_desired {
            max_desired
        } else {
            current
        };
        let before = self.committed;
        let lowest = if self.collector == Collector::G1 {
            self.min
        } else {
            self.initial
        };
        self.committed = (target.clamp(floor, self.max.saturating_sub(young).max(floor)) + young)
            .clamp(lowest, self.max);
        self.g1_eden_moves_up(before);
        let committed = self.committed;
        self.g1_left_edens.retain_mut(|w| {
            w.1 = w.1.min(committed);
            w.0 < w.1
        });
        if self.pre_touch {
            self.touched = self.committed;
        } else {
            self.touched = self.touched.min(self.committed);
            // Uncommitted memory is returned: the high-water marks shrink with it.
            self.eden_hw = self.eden_hw.min(self.committed);
            self.old_hw = self.old_hw.min(self.committed - self.eden_hw);
        }
    }
}
