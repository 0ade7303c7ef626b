//! The Java heap: live data, garbage, collections and the committed size between `-Xms` and `-Xmx`.
//!
//! **Approximation**, calibrated against JDK 17 with `tools/jvm-calibrate` (docs/calibration.md):
//! - Objects are either *live* (retained; released explicitly, then they become garbage) or
//!   *garbage*. A collection reclaims all garbage: the generational hypothesis taken literally.
//! - New objects go to the young generation's eden. A young collection runs when eden is full.
//!   Eden is 8/10 of a third of the heap for Serial and Parallel (`NewRatio=2`, `SurvivorRatio=8`);
//!   G1 starts its young generation at `G1NewSizePercent=5` % of the heap and grows it by a quarter
//!   per collection up to `G1MaxNewSizePercent=60` % (a stand-in for its pause-time-driven sizing).
//!   Live data survives to the old generation: with Serial and Parallel it is allocated in eden and
//!   copied at the next young collection (so it is touched twice); with G1 the calibration workload's
//!   large live arrays are humongous and go straight to old regions, which memsim applies to all live data.
//! - When live data and garbage no longer fit the committed heap, a full collection runs and the heap
//!   is resized by `MinHeapFreeRatio=40` / `MaxHeapFreeRatio=70` (HotSpot defaults), never outside
//!   `[Xms, Xmx]`, in steps of the heap alignment. G1's and Parallel's adaptive expansion (GC time
//!   ratio) is not modelled: with `Xms < Xmx` under churn the real heap grows further (docs/calibration.md).
//! - If the live set plus the allocation cannot fit in `-Xmx` even after collecting, the allocation
//!   fails with `java.lang.OutOfMemoryError: Java heap space` and nothing is allocated.
//! - Resident pages: the high-water mark of eden plus that of the old generation's live data (freed
//!   regions are reused, so churn does not touch more than eden), capped by committed;
//!   `AlwaysPreTouch`: resident = committed. JVM startup leaves a few MiB touched (`STARTUP_BYTES`).
//! - Concurrent marking (G1) is considered to have run once live data exceeded
//!   `InitiatingHeapOccupancyPercent=45` of the committed heap; it matters to the GC's resident bytes.

use crate::ergonomics::{Collector, Ergonomics};
use memsim_core::Usage;

const MIN_HEAP_FREE_PERCENT: u64 = 40;
const MAX_HEAP_FREE_PERCENT: u64 = 70;
const IHOP_PERCENT: u64 = 45;
/// What JVM startup (JDK class initialization, the main thread's first objects) leaves touched in the
/// heap: 1.6–2.1 MiB of heap RSS in the idle calibration runs (docs/calibration.md).
const STARTUP_BYTES: u64 = 2 << 20;

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
    // Bytes allocated in eden since the last young collection; part of them may be live.
    eden_used: u64,
    eden_live: u64,
    // Live bytes in the old generation, and the high-water marks that make up `touched`.
    old_live: u64,
    eden_hw: u64,
    old_hw: u64,
    // G1's young generation as a percentage of the heap.
    young_percent: u64,
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
            eden_used: STARTUP_BYTES.min(committed),
            eden_live: 0,
            old_live: 0,
            eden_hw: STARTUP_BYTES.min(committed),
            old_hw: 0,
            young_percent: 5,
            collections: 0,
            marking_ran: false,
        }
    }

    fn eden_capacity(&self) -> u64 {
        match self.collector {
            Collector::G1 => self.committed * self.young_percent / 100,
            Collector::Parallel | Collector::Serial => self.committed / 3 * 8 / 10,
        }
        .max(1 << 20)
    }

    /// A young collection: garbage goes, eden's live data moves to the old generation.
    fn young_gc(&mut self) {
        self.collections += 1;
        self.garbage = 0;
        self.old_live += self.eden_live;
        self.eden_live = 0;
        self.eden_used = 0;
        if self.collector == Collector::G1 {
            self.young_percent = (self.young_percent * 5 / 4)
                .max(self.young_percent + 1)
                .min(60);
        }
    }

    fn update_touched(&mut self) {
        self.eden_hw = self.eden_hw.max(self.eden_used.min(self.eden_capacity()));
        self.old_hw = self.old_hw.max(self.old_live);
        self.touched = if self.pre_touch {
            self.committed
        } else {
            (self.eden_hw + self.old_hw).min(self.committed)
        };
    }

    /// Allocates `bytes`; `live` objects stay until [`Heap::release`], others are garbage at once.
    ///
    /// # Errors
    /// [`HeapSpaceError`] when the live set plus `bytes` exceeds the maximum heap.
    pub fn allocate(&mut self, bytes: u64, live: bool) -> Result<AllocOutcome, HeapSpaceError> {
        let mut outcome = AllocOutcome::default();
        if self.live + self.garbage + bytes > self.committed {
            // A full collection.
            self.young_gc();
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
        let through_eden = !live || self.collector != Collector::G1;
        if through_eden && self.eden_used + bytes > self.eden_capacity() && self.eden_used > 0 {
            self.young_gc();
            outcome.collections = 1;
        }
        if live {
            self.live += bytes;
            if through_eden {
                self.eden_live += bytes;
            } else {
                self.old_live += bytes;
            }
        } else {
            self.garbage += bytes;
        }
        if through_eden {
            self.eden_used += bytes;
        }
        self.update_touched();
        if self.collector == Collector::G1 && self.live * 100 > self.committed * IHOP_PERCENT {
            self.marking_ran = true;
        }
        Ok(outcome)
    }

    /// A full collection now (`System.gc()`): garbage goes and the heap is resized around the live set.
    pub fn full_gc(&mut self) -> AllocOutcome {
        self.young_gc();
        let before = self.committed;
        self.resize_after_gc(self.live);
        self.update_touched();
        AllocOutcome {
            collections: 1,
            resized_from: (self.committed != before).then_some(before),
        }
    }

    /// Live bytes become garbage (a request finished, a cache entry was dropped).
    pub fn release(&mut self, bytes: u64) {
        let bytes = bytes.min(self.live);
        self.live -= bytes;
        self.garbage += bytes;
        // Released data leaves eden first (the youngest objects die first), then the old generation.
        let from_eden = bytes.min(self.eden_live);
        self.eden_live -= from_eden;
        self.old_live -= (bytes - from_eden).min(self.old_live);
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
            // Uncommitted memory is returned: the high-water marks shrink with it.
            self.eden_hw = self.eden_hw.min(self.committed);
            self.old_hw = self.old_hw.min(self.committed - self.eden_hw);
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
        // Churn only touches eden: G1's young generation grew to its 60 % cap.
        assert!(
            (256 * MIB * 60 / 100).abs_diff(h.resident()) <= MIB,
            "{}",
            h.resident()
        );
    }

    #[test]
    fn generational_collectors_copy_live_data_out_of_eden() {
        let m = MachineView {
            ram_bytes: 16 << 30,
            container_limit_bytes: None,
            cores: 4,
        };
        let flags = |c| JvmFlags {
            heap_initial: Some(3 << 30),
            heap_max: Some(3 << 30),
            collector: Some(c),
            ..JvmFlags::default()
        };
        let mut serial = Heap::new(&Ergonomics::resolve(m, flags(Collector::Serial)));
        let mut g1 = Heap::new(&Ergonomics::resolve(m, flags(Collector::G1)));
        for h in [&mut serial, &mut g1] {
            h.allocate(512 * MIB, true).unwrap();
            for _ in 0..1000 {
                h.allocate(MIB, false).unwrap();
            }
        }
        // Serial: eden (8/10 of 1 GiB) was filled, the live data copied to old: both touched.
        let want: u64 = (3 << 30) / 3 * 8 / 10 + 512 * MIB;
        assert!(
            want.abs_diff(serial.resident()) <= MIB,
            "{}",
            serial.resident()
        );
        // G1: humongous live data in old regions, churn bounded by the young generation.
        assert!(
            g1.resident() < serial.resident(),
            "{} vs {}",
            g1.resident(),
            serial.resident()
        );
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
        h.full_gc();
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
