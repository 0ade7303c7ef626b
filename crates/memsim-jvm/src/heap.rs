//! The Java heap: live data, garbage, collections and the committed size between `-Xms` and `-Xmx`.
//!
//! **Approximation** (first model, to be calibrated per collector by the HotSpot issue):
//! - Objects are either *live* (retained; released explicitly, then they become garbage) or
//!   *garbage*. A collection reclaims all garbage: the generational hypothesis taken literally.
//! - A collection runs when an allocation does not fit in the committed heap. Afterwards the heap
//!   is resized by `MinHeapFreeRatio=40` / `MaxHeapFreeRatio=70` (HotSpot defaults, the rule Serial and
//!   Parallel apply after full collections and G1 after full GCs and remark), never outside
//!   `[Xms, Xmx]`, in steps of the heap alignment (G1 region size). G1's pause-time-driven young
//!   sizing and `GCTimeRatio` expansion are not modelled.
//! - If the live set plus the allocation cannot fit in `-Xmx` even after collecting, the allocation
//!   fails with `java.lang.OutOfMemoryError: Java heap space` and nothing is allocated.
//! - Resident pages: the allocation front touches memory, so resident = the high-water mark of
//!   `live + garbage` since the last shrink, capped by committed (eden cycling under churn touches
//!   the whole young generation; measured resident/used 1.0–1.8). `AlwaysPreTouch`: resident = committed.
//! - JVM startup leaves a few MiB of garbage touched (`STARTUP_BYTES`).
//! - Concurrent marking (G1) is considered to have run once live data exceeded
//!   `InitiatingHeapOccupancyPercent=45` of the committed heap; it matters to the GC's resident bytes.

use crate::ergonomics::{Collector, Ergonomics};
use memsim_core::Usage;

const MIN_HEAP_FREE_PERCENT: u64 = 40;
const MAX_HEAP_FREE_PERCENT: u64 = 70;
const IHOP_PERCENT: u64 = 45;
/// What JVM startup (JDK class initialization, the main thread's first objects) leaves touched in the
/// heap: 2.7–10 MiB used in the idle calibration runs (docs/calibration.md).
const STARTUP_BYTES: u64 = 4 << 20;

/// What a successful allocation did to the heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AllocOutcome {
    /// Collections this allocation triggered (0 or 1).
    pub collections: u32,
    /// The committed size before, if it changed.
    pub resized_from: Option<u64>,
}

/// The heap could not hold the live set: `java.lang.OutOfMemoryError: Java heap space`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapSpaceError {
    /// The allocation that failed.
    pub requested: u64,
}

/// The heap's state.
#[derive(Debug, Clone)]
pub struct Heap {
    collector: Collector,
    initial: u64,
    max: u64,
    alignment: u64,
    pre_touch: bool,
    // Invariant: initial <= committed <= max, a multiple of alignment.
    committed: u64,
    // Invariant: live + garbage <= committed.
    live: u64,
    garbage: u64,
    // Invariant: touched <= committed.
    touched: u64,
    collections: u64,
    marking_ran: bool,
}

impl Heap {
    /// A fresh heap committed at `-Xms`.
    pub fn new(e: &Ergonomics) -> Heap {
        let committed = e.heap_initial;
        Heap {
            collector: e.collector,
            initial: e.heap_initial,
            max: e.heap_max,
            alignment: e.heap_alignment,
            pre_touch: e.always_pre_touch,
            committed,
            live: 0,
            garbage: STARTUP_BYTES.min(committed),
            touched: if e.always_pre_touch {
                committed
            } else {
                STARTUP_BYTES.min(committed)
            },
            collections: 0,
            marking_ran: false,
        }
    }

    /// Allocates `bytes`; `live` objects stay until [`Heap::release`], others are garbage at once.
    ///
    /// # Errors
    /// [`HeapSpaceError`] when the live set plus `bytes` exceeds the maximum heap.
    pub fn allocate(&mut self, bytes: u64, live: bool) -> Result<AllocOutcome, HeapSpaceError> {
        let mut outcome = AllocOutcome::default();
        if self.live + self.garbage + bytes > self.committed {
            self.garbage = 0;
            self.collections += 1;
            outcome.collections = 1;
            if self.live + bytes > self.max {
                return Err(HeapSpaceError { requested: bytes });
            }
            let before = self.committed;
            self.resize_after_gc(self.live + bytes);
            if self.committed != before {
                outcome.resized_from = Some(before);
            }
        }
        if live {
            self.live += bytes;
        } else {
            self.garbage += bytes;
        }
        self.touched = self
            .touched
            .max(self.live + self.garbage)
            .min(self.committed);
        if self.collector == Collector::G1 && self.live * 100 > self.committed * IHOP_PERCENT {
            self.marking_ran = true;
        }
        Ok(outcome)
    }

    /// Live bytes become garbage (a request finished, a cache entry was dropped).
    pub fn release(&mut self, bytes: u64) {
        let bytes = bytes.min(self.live);
        self.live -= bytes;
        self.garbage += bytes;
    }

    fn resize_after_gc(&mut self, needed: u64) {
        let align = |x: u64| x.div_ceil(self.alignment) * self.alignment;
        // Enough that at least MinHeapFreeRatio of the heap is free after this allocation.
        let min_desired = align(needed * 100 / (100 - MIN_HEAP_FREE_PERCENT)).max(align(needed));
        // No more than would leave MaxHeapFreeRatio free.
        let max_desired = align(needed * 100 / (100 - MAX_HEAP_FREE_PERCENT));
        let target = if self.committed < min_desired {
            min_desired
        } else if self.committed > max_desired {
            max_desired
        } else {
            self.committed
        };
        self.committed = target.clamp(self.initial, self.max);
        if self.pre_touch {
            self.touched = self.committed;
        } else {
            self.touched = self.touched.min(self.committed);
        }
    }

    /// Reserved, committed and resident bytes (NMT `Java Heap`).
    pub fn usage(&self) -> Usage {
        Usage {
            reserved: self.max,
            committed: self.committed,
            resident: self.touched,
        }
    }

    /// Bytes the heap holds in live objects.
    pub fn live(&self) -> u64 {
        self.live
    }

    /// Committed bytes.
    pub fn committed(&self) -> u64 {
        self.committed
    }

    /// Resident (touched) bytes.
    pub fn resident(&self) -> u64 {
        self.touched
    }

    /// The maximum heap.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Collections so far.
    pub fn collections(&self) -> u64 {
        self.collections
    }

    /// Whether G1 concurrent marking has run at least once.
    pub fn marking_ran(&self) -> bool {
        self.marking_ran
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ergonomics::{JvmFlags, MachineView};

    const MIB: u64 = 1 << 20;

    fn heap(xms: u64, xmx: u64) -> Heap {
        let m = MachineView {
            ram_bytes: 16 << 30,
            container_limit_bytes: None,
            cores: 4,
        };
        let f = JvmFlags {
            heap_initial: Some(xms),
            heap_max: Some(xmx),
            ..JvmFlags::default()
        };
        Heap::new(&Ergonomics::resolve(m, f))
    }

    #[test]
    fn garbage_is_collected_without_growth() {
        let mut h = heap(256 * MIB, 1024 * MIB);
        let mut gcs = 0;
        for _ in 0..1000 {
            gcs += h.allocate(MIB, false).unwrap().collections;
        }
        assert!(
            gcs >= 3,
            "1000 MiB of garbage in a 256 MiB heap needs collections, got {gcs}"
        );
        assert_eq!(h.committed(), 256 * MIB);
        assert_eq!(h.resident(), 256 * MIB);
    }

    #[test]
    fn live_growth_expands_toward_max_then_fails() {
        let mut h = heap(64 * MIB, 512 * MIB);
        let mut grew = false;
        for _ in 0..500 {
            grew |= h.allocate(MIB, true).unwrap().resized_from.is_some();
        }
        assert!(grew);
        assert!(h.committed() >= 500 * MIB && h.committed() <= 512 * MIB);
        let err = (0..20).find_map(|_| h.allocate(MIB, true).err());
        assert_eq!(err, Some(HeapSpaceError { requested: MIB }));
        assert!(h.live() <= 512 * MIB);
    }

    #[test]
    fn shrinks_when_live_set_drops_but_not_below_xms() {
        let mut h = heap(64 * MIB, 1024 * MIB);
        h.allocate(600 * MIB, true).unwrap();
        assert!(h.committed() >= 600 * MIB);
        h.release(600 * MIB);
        for _ in 0..500 {
            h.allocate(MIB, false).unwrap();
        }
        assert!(
            h.committed() < 600 * MIB,
            "committed {} after the live set vanished",
            h.committed()
        );
        assert!(h.committed() >= 64 * MIB);
        assert!(h.resident() <= h.committed());
    }

    #[test]
    fn pre_touch_makes_committed_resident() {
        let m = MachineView {
            ram_bytes: 16 << 30,
            container_limit_bytes: None,
            cores: 4,
        };
        let f = JvmFlags {
            heap_initial: Some(1 << 30),
            heap_max: Some(1 << 30),
            always_pre_touch: true,
            ..JvmFlags::default()
        };
        let h = Heap::new(&Ergonomics::resolve(m, f));
        assert_eq!(h.usage(), Usage::all(1 << 30));
    }
}
