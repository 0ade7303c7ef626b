//! The collector's own native structures (NMT `GC`), following the heap as HotSpot sizes them.
//!
//! Fits from `shared/reference/hotspot-memory.md` (JDK 17, Xmx 256m…8g, r² ≥ 0.9997), with the
//! mechanisms from jdk17u:
//! - **G1** = 38.3 MiB + 3.825 % of the committed heap. Of that, 32 MiB is the concurrent mark stack
//!   (committed at start, touched only under marking overflow: counted non-resident), 3.711 % are the
//!   per-region tables committed with each region (BOT, card table, card counts: 3/512, resident as the
//!   heap is touched; prev/next mark bitmaps: 2/64, touched once concurrent marking has run), and
//!   6.2 MiB + 0.11 % is malloc (regions, remembered sets, task queues). Reserved: the per-region
//!   tables are reserved for the maximum heap.
//! - **Parallel** = 9.4 MiB + 3.328 % of the *maximum* heap (mark bitmap and summary data, committed
//!   at start, touched only by full collections) + 0.325 % of the committed heap (card table and
//!   object-start array).
//! - **Serial** = 0.326 % of the committed heap (card table and offset array).
//!
//! Residency recalibrated with `tools/jvm-calibrate` (idle JVMs, 256m–8g): the card table and
//! block-offset table (G1: 2/512 of the heap), Parallel's card table and object-start array
//! (0.325 %) and Serial's card table (1/512) are resident for the whole *committed* heap from
//! startup (cleared at initialization); G1's card counts, mark bitmaps and mark stack only once used.
//!
//! Measured residency (the same reference): G1 71.8 MiB committed → 37.0 MiB resident after marking,
//! 93.5 → 6.6 without; Parallel 111.8 → 51.6. These rules reproduce that shape; the exact split is for
//! the calibration issue. Malloc scales with GC threads, measured on 2 CPUs only.

use crate::ergonomics::Collector;
use memsim_core::{JdkVersion, Usage};

const MIB: u64 = 1 << 20;

/// What the GC structures depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapView {
    /// `-Xmx`.
    pub max: u64,
    /// Committed heap.
    pub committed: u64,
    /// Resident heap.
    pub resident: u64,
    /// Whether G1's concurrent marking has run (both mark bitmaps touched).
    pub marking_ran: bool,
    /// Whether a full collection has run: it marks in one bitmap (Parallel's `ParMarkBitMap` and
    /// summary data, G1 full GC's mark bitmap) over the heap it compacts, and clears it after.
    pub full_gc_ran: bool,
}

fn per_mille(bytes: u64, parts_per_100k: u64) -> u64 {
    (bytes as u128 * parts_per_100k as u128 / 100_000) as u64
}

/// NMT `GC` for a collector and heap state on JDK 17.
pub fn gc_usage(collector: Collector, h: HeapView) -> Usage {
    gc_usage_on(collector, h, JdkVersion::Jdk17)
}

/// NMT `GC` for a collector and heap state on `jdk`: from JDK 20 on, G1 marks in one bitmap and has
/// no card-counts table (`crate::jdk21`), so its per-region tables are 2/512 and 1/64 of the heap;
/// its remembered sets (NMT 21's `GCCardSet`) stay in the malloc part. Parallel's one manager set
/// fewer is per worker, in `gc_workers::with_workers_on`.
pub fn gc_usage_on(collector: Collector, h: HeapView, jdk: JdkVersion) -> Usage {
    let (bitmap_count, card_counts) = match jdk {
        JdkVersion::Jdk17 => (2, 1),
        JdkVersion::Jdk21 => (1, 0),
    };
    match collector {
        Collector::G1 => {
            let mark_stack = 32 * MIB;
            let malloc = 6 * MIB + MIB / 5 + per_mille(h.committed, 110);
            let tables = |heap: u64| heap * (2 + card_counts) / 512;
            let bitmaps = |heap: u64| heap * bitmap_count / 64;
            let committed = mark_stack + malloc + tables(h.committed) + bitmaps(h.committed);
            let reserved = mark_stack + malloc + tables(h.max) + bitmaps(h.max);
            // Card table and BOT cover the committed heap from startup; card counts follow use.
            // Only the fixed part of G1's malloc is touched at rest (idle 8g heap: RSS fits without the 0.11 %).
            let resident = 6 * MIB
                + MIB / 5
                + h.committed * 2 / 512
                + h.resident * card_counts / 512
                + if h.marking_ran {
                    bitmaps(h.resident)
                } else if h.full_gc_ran {
                    // G1's full collection marks in one bitmap (`G1FullCollector`).
                    h.resident / 64
                } else {
                    0
                };
            Usage {
                reserved: reserved.max(committed),
                committed,
                resident,
            }
        }
        Collector::Parallel => {
            let malloc = 9 * MIB + 2 * MIB / 5;
            let bitmap_max = per_mille(h.max, 3_328);
            let cards = |heap: u64| per_mille(heap, 325);
            let committed = malloc + bitmap_max + cards(h.committed);
            let reserved = malloc + bitmap_max + cards(h.max);
            // `PSParallelCompact` marks live objects and clears the bitmap over each space's used
            // range: touched pages follow the heap's resident span (`mech-parallel-1g-noxms-drop192m-
            // maxdirect64m-direct100m`: RSS +11 MiB over the same run without the `System.gc()`).
            let bitmap_resident = if h.marking_ran || h.full_gc_ran {
                per_mille(h.resident, 3_328).min(bitmap_max)
            } else {
                0
            };
            Usage {
                reserved,
                committed,
                // Of the 9.4 MiB of task queues about 4 MiB is touched at rest (idle RSS, docs/calibration.md).
                resident: 4 * MIB + bitmap_resident + cards(h.committed),
            }
        }
        Collector::Serial => {
            let f = |heap: u64| per_mille(heap, 326);
            Usage {
                reserved: f(h.max),
                committed: f(h.committed),
                resident: h.committed / 512,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(max: u64) -> HeapView {
        HeapView {
            max,
            committed: max,
            resident: max,
            marking_ran: true,
            full_gc_ran: true,
        }
    }

    #[test]
    fn reference_examples_for_a_4g_heap() {
        // hotspot-memory.md: "4 GiB heap → G1 198 MiB, Parallel 159 MiB, Serial 13 MiB"; its own
        // G1 fit (38.3 MiB + 3.825 %) gives 195.0 MiB for 4 GiB, which is what we hold the model to.
        let g = 4u64 << 30;
        let mib = |u: Usage| u.committed as f64 / MIB as f64;
        assert!((mib(gc_usage(Collector::G1, full(g))) - 195.0).abs() < 2.0);
        assert!((mib(gc_usage(Collector::Parallel, full(g))) - 159.0).abs() < 3.0);
        assert!((mib(gc_usage(Collector::Serial, full(g))) - 13.0).abs() < 1.0);
    }

    #[test]
    fn g1_follows_committed_not_max() {
        // "Xms256m/Xmx4g → 47.0 MiB: follows committed, not max."
        let h = HeapView {
            max: 4 << 30,
            committed: 256 << 20,
            resident: 0,
            marking_ran: false,
            full_gc_ran: false,
        };
        let u = gc_usage(Collector::G1, h);
        assert!(
            (u.committed as f64 / MIB as f64 - 47.0).abs() < 2.0,
            "{u:?}"
        );
        assert!(u.resident < u.committed && u.committed <= u.reserved);
    }

    /// A full collection marks in (and clears) Parallel's bitmap over the resident heap; G1's full
    /// collection in one of its two bitmaps.
    #[test]
    fn full_collections_touch_the_mark_bitmap() {
        let view = |full_gc_ran| HeapView {
            max: 1 << 30,
            committed: 470 << 20,
            resident: 296 << 20,
            marking_ran: false,
            full_gc_ran,
        };
        let extra = |c| gc_usage(c, view(true)).resident - gc_usage(c, view(false)).resident;
        // 3.328 % of 296 MiB: 9.9 MiB (the JDK: +11 MiB RSS with the System.gc()).
        assert_eq!(extra(Collector::Parallel), per_mille(296 << 20, 3_328));
        assert_eq!(extra(Collector::G1), (296u64 << 20) / 64);
    }

    /// JDK 21 measured NMT `GC` lower by 1/64 + 1/512 of the committed heap under G1 (one mark
    /// bitmap, no card counts: 18,432 KiB at 1 GiB, `sweep-g1-1g`), the same under the others.
    #[test]
    fn jdk21_g1_has_one_bitmap_and_no_card_counts() {
        let h = full(1 << 30);
        let less = gc_usage(Collector::G1, h).committed
            - gc_usage_on(Collector::G1, h, JdkVersion::Jdk21).committed;
        assert_eq!(less, 18_432 * 1024);
        for c in [Collector::Parallel, Collector::Serial] {
            assert_eq!(gc_usage(c, h), gc_usage_on(c, h, JdkVersion::Jdk21));
        }
    }

    #[test]
    fn untouched_structures_are_not_resident() {
        for c in [Collector::G1, Collector::Parallel] {
            let idle = HeapView {
                max: 8 << 30,
                committed: 8 << 30,
                resident: 64 << 20,
                marking_ran: false,
                full_gc_ran: false,
            };
            let u = gc_usage(c, idle);
            assert!(u.resident <= u.committed / 2, "{c:?}: {u:?}");
        }
        // Serial's card table covers the committed heap from startup (1/512).
        let idle = HeapView {
            max: 8 << 30,
            committed: 8 << 30,
            resident: 0,
            marking_ran: false,
            full_gc_ran: false,
        };
        assert_eq!(gc_usage(Collector::Serial, idle).resident, 16 << 20);
    }
}
