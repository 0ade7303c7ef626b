//! The Java heap: live data, garbage, collections with their pauses, and the committed size
//! between `-Xms` and `-Xmx`.
//!
//! **Approximation**, calibrated against JDK 17 with `tools/jvm-calibrate` (docs/calibration.md) and
//! `tools/gc-pauses` (pause counts and times):
//! - Objects are either *live* (retained; released explicitly, then they become garbage) or
//!   *garbage*. Garbage allocated or released since the last young collection is young and every
//!   young collection reclaims it (the generational hypothesis taken literally); live data released
//!   after surviving one is old garbage: full collections reclaim it, and G1's mixed collections
//!   once concurrent marking ran (old occupancy over `InitiatingHeapOccupancyPercent=45` %) and found
//!   more than `G1HeapWastePercent=5` % of the heap reclaimable: the next
//!   `G1MixedGCCountTarget=8` young collections are mixed, each reclaiming an eighth. A mixed pause
//!   is charged as a young one: the live data evacuated from old regions depends on fragmentation,
//!   which memsim does not track.
//! - Time: an allocation call is taken as spread evenly over the simulated time since the previous
//!   one, so each collection it triggers gets its own instant. Pauses are on the simulated timeline
//!   and stop the application ([`Heap::stw_until`]; the engine holds the application's events until
//!   then): a collection due while the world is stopped starts when the previous pause ends, and the
//!   GC-time ratios that size the heap measure mutator time from the end of one pause to the start
//!   of the next.
//! - New objects go to the young generation's eden. A young collection runs each time eden fills.
//!   Eden is 8/10 of a third of the heap for Serial (`NewRatio=2`, `SurvivorRatio=8`); Parallel
//!   starts its young generation at a third of `-Xms` with survivor spaces of an eighth each
//!   (`InitialSurvivorRatio=8`: eden 128.5 MiB of 170.5 in a 512 MiB heap, as the JDK's logs show)
//!   and sizes eden and survivors adaptively (below);
//!   G1 sizes its young generation by its pause-time goal (see `G1YoungSizer`): it starts at
//!   `G1NewSizePercent=5` % of the heap and, after each young collection, takes the longest eden
//!   whose predicted evacuation fits `MaxGCPauseMillis=200`, at most `G1MaxNewSizePercent=60` % and
//!   no more than the free regions outside the `G1ReservePercent=10` % reserve: under churn (nothing
//!   survives) that is the maximum, while evacuating live data keeps it small.
//!   Live data survives to the old generation: with Serial and Parallel it is allocated in eden and
//!   copied at the next young collection (so it is touched twice); with G1 it is placed in old
//!   regions for residency (what the measured heap RSS fits), but it fills eden's share (triggering
//!   young collections) and its evacuation is charged to the next young pause. Survivor spaces are not usable for allocation: Parallel and Serial can hold
//!   `committed` less two survivor spaces (Parallel's as currently sized).
//! - **Parallel**'s promotion estimate (`PSScavenge::invoke`, `should_attempt_scavenge`,
//!   `PSAdaptiveSizePolicy::should_full_GC`, jdk17u): it keeps a padded average of the bytes each
//!   young collection promoted (`AdaptiveSizePolicyWeight=10` %, `PromotedPadding=3` deviations,
//!   zero samples leaving the deviation alone: `AdaptivePaddedNoZeroDevAverage`). When eden fills
//!   and that estimate (at most what eden holds) does not fit in the old generation's free space,
//!   a full collection runs instead of a young one; after a young collection whose estimate exceeds
//!   it, a full collection follows at once (both logged as `Pause Full (Ergonomics)`). Only young
//!   collections sample, so a live set that filled the old generation keeps turning eden fills into
//!   full collections (`parallel-1g-live512m-churn2g`: the JDK 2 young and 7 full, memsim 2 and 9).
//! - When live data and garbage no longer fit, a full collection runs and the heap is resized by
//!   `MinHeapFreeRatio=40` / `MaxHeapFreeRatio=70` (HotSpot defaults), never outside `[Xms, Xmx]`, in
//!   steps of the heap alignment; G1 (`G1HeapSizingPolicy::full_collection_resize_amount`) may shrink
//!   down to `MinHeapSize`, which is `-Xms` when given and 8 MiB otherwise, so without `-Xms` a full
//!   collection (also `System.gc()`, e.g. the one inside a failing direct reservation) can leave the
//!   heap below its initial size (the JDK: 793 → 240 MiB for 64 MiB live, memsim 214: G1 counts
//!   used *regions*, whose waste memsim does not know). G1 sizes from used bytes here, not regions.
//! - Adaptive sizing from GC time, with `Xms < Xmx`:
//!   **G1** (`G1HeapSizingPolicy::young_collection_expansion_amount`, jdk17u): after each young
//!   collection the short-term pause-time ratio (this pause over the time since the previous one) and
//!   the long-term one (the last 10 pauses) are compared with `1/(1+GCTimeRatio)`, `GCTimeRatio=12`
//!   for G1, scaled down linearly while the heap is under half its maximum (not below 1 %). Four
//!   short-term ratios over it, or a full window of 10 whose long-term ratio is over it, expand the
//!   heap by `G1ExpandByPercentOfAvailable=20` % of the uncommitted space (at most the committed
//!   size), scaled by how far the ratio exceeds the threshold (×0.2 … ×2), at least one region.
//!   G1's shrinking at Remark (the same free-ratio rule, jdk17u `G1ConcurrentMark::remark`) is not
//!   modelled (`mech-g1-2g-noxms-live1g-drop896m-churn64m`, where the JDK did not shrink, is within 1 %).
//!   **Parallel** (`PSAdaptiveSizePolicy`, `UseAdaptiveSizePolicy`): GC cost = decaying averages
//!   (`AdaptiveTimeWeight=25` %) of minor and major pause / (pause + interval); while it exceeds the
//!   throughput goal `1/(1+GCTimeRatio)`, `GCTimeRatio=99`, each young collection grows eden by
//!   `YoungGenerationSizeIncrement=20` % plus a supplement of 80 % halved every 8 young collections
//!   (`YoungGenerationSizeSupplement`, `…Decay=8`), in proportion to the minor share of the cost.
//!   The survivor spaces are sized from the bytes that survived young collections
//!   (`PSAdaptiveSizePolicy::compute_survivor_space_size_and_threshold`, psAdaptiveSizePolicy.cpp,
//!   jdk17u): a padded average (`AdaptiveSizePolicyWeight=10` %, plus `SurvivorPadding=3` mean
//!   deviations, see `PaddedAverage`) rounded up to the 512 KiB space alignment, at least one
//!   granule and at most a third of the maximum young generation (`MinSurvivorRatio=3`). memsim
//!   promotes live data at once, so a collection's sample is what it copied, up to a survivor
//!   space's size (the JDK counts aging objects held in the survivors, which memsim does not keep).
//!   The policy resizes survivors only once `AdaptiveSizePolicyReadyThreshold=5` young collections
//!   have run; in the JDK's `-Xlog:gc+heap=debug` the spaces changed one collection later than the
//!   first decision (observed, not traced in the code; the survivor space in use is not moved), so
//!   memsim resizes from the sixth: the seventh eden is the first resized one, as in the log.
//!   The young generation (eden plus two survivors) stays between a third of `-Xms` (`NewSize`)
//!   and a third of `-Xmx` (`MaxNewSize`), and eden gets what the survivors leave of it
//!   (`PSYoungGen::resize_generation`, `resize_spaces`, psYoungGen.cpp): with `-Xms` = `-Xmx` under
//!   churn, where almost nothing survives, survivors shrink to their minimum and eden grows from
//!   128.5 to 169.5 MiB in a 512 MiB heap (the JDK: 168.5 MiB with 1 MiB survivors after six young
//!   collections, `tools/gc-pauses/TlabWorkload.java`: 25 young collections for 4 GiB, memsim 25).
//!   The old generation follows the free ratios above (with `UseAdaptiveSizePolicy` the JDK sets
//!   `MinHeapFreeRatio=0`, `MaxHeapFreeRatio=100` and sizes it by its promotion estimates instead;
//!   not modelled). Shrinking for footprint (`UseAdaptiveSizePolicyFootprintGoal`, when the GC cost
//!   is under the goal) and the pause goal (`MaxGCPauseMillis` is unset for Parallel) are not
//!   modelled. The major cost is decayed once no full collection has run for 10 of its average
//!   intervals (`AdaptiveSizeMajorGCDecayTimeScale=10`).
//! - Errors: if the live set plus a retained allocation cannot fit in `-Xmx` even after collecting,
//!   the allocation fails with `java.lang.OutOfMemoryError: Java heap space` and nothing is
//!   allocated. With **Parallel** only (`UseGCOverheadLimit`; G1 does not implement it in JDK 17), a
//!   full collection that leaves less than `GCHeapFreeLimit=2` % of the heap free while the GC cost is
//!   over `GCTimeLimit=98` % counts towards the limit, any other full collection resets the count; at
//!   `GCOverheadLimitThreshold=5` the allocation fails with `GC overhead limit exceeded`
//!   (`GCOverheadChecker::check_gc_overhead_limit`, psParallelCompact.cpp, jdk17u). Explicit
//!   collections (`System.gc()`) neither count nor reset.
//! - TLABs are not modelled separately: a thread's TLAB is carved out of eden, so bytes in TLABs are
//!   eden bytes; the refill waste HotSpot allows (`TLABWasteTargetPercent=1` % of eden) shifts the
//!   young collection count by about 1 %, below what the pause measurements resolve. No real memory
//!   is allocated per simulated byte (bumpalo would not serve).
//! - Resident pages: the high-water mark of eden plus that of the old generation's live data and old
//!   garbage (freed regions are reused, so churn does not touch more than eden), capped by committed.
//!   For G1 this follows from its region allocation (`HeapRegionManager::allocate_free_region`,
//!   heapRegionManager.cpp, jdk17u): the free list is kept in address order, young regions are taken
//!   from its tail and old and humongous ones from its head, and a collection returns eden regions
//!   to the list without uncommitting them (G1 uncommits only when it shrinks the heap), so the
//!   next eden reuses the same, already resident, top regions. When G1 expands the heap, the new
//!   regions are the top of the free list: eden moves up, and the regions the earlier eden used
//!   (its full extent, live data allocated there included) stay resident until the old generation,
//!   growing from the bottom, reaches them;
//!   `AlwaysPreTouch`: resident = committed. JVM startup leaves a few MiB touched (`STARTUP_BYTES`).
//! - Concurrent marking (G1) is considered to have run once live data exceeded
//!   `InitiatingHeapOccupancyPercent=45` of the committed heap; it matters to the GC's resident bytes.

use crate::ergonomics::{Collector, Ergonomics};
use crate::pause::{PauseLog, PauseModel};
use memsim_core::{SimTime, Usage};
use std::collections::VecDeque;

mod alloc;
mod collect;
mod g1;
mod g1_expand;
mod parallel;
mod resident;
mod resize;
#[cfg(test)]
mod tests;
use g1::G1YoungSizer;
use parallel::{
    PS_INITIAL_SURVIVOR_RATIO, PS_SPACE_ALIGNMENT, PS_YOUNG_SUPPLEMENT, PaddedAverage, ps_young_for,
};

const IHOP_PERCENT: u64 = 45;
/// What JVM startup (JDK class initialization, the main thread's first objects) leaves touched in the
/// heap: 1.6–2.1 MiB of heap RSS in the idle calibration runs (docs/calibration.md).
const STARTUP_BYTES: u64 = 2 << 20;

/// What a successful allocation did to the heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AllocOutcome {
    /// Collections this allocation triggered.
    pub collections: u64,
    /// Of which full collections.
    pub full_collections: u64,
    /// The committed size before, if it changed.
    pub resized_from: Option<u64>,
}

/// Why an allocation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeapError {
    /// The heap could not hold the live set: `java.lang.OutOfMemoryError: Java heap space`.
    HeapSpace {
        /// The allocation that failed.
        requested: u64,
    },
    /// Parallel's overhead limit: `java.lang.OutOfMemoryError: GC overhead limit exceeded`.
    GcOverheadLimit {
        /// The allocation that failed.
        requested: u64,
    },
}

/// The heap's state.
#[derive(Debug, Clone)]
pub struct Heap {
    collector: Collector,
    initial: u64,
    max: u64,
    // `MinHeapSize`: G1's full collections shrink the heap no further (8 MiB without `-Xms`).
    min: u64,
    alignment: u64,
    pre_touch: bool,
    // Invariant: min <= committed <= max, a multiple of alignment; initial <= committed unless a
    // G1 full collection shrank the heap below it (only without `-Xms`).
    committed: u64,
    // Invariant: live + garbage <= committed.
    live: u64,
    garbage: u64,
    // Invariant: touched <= committed.
    touched: u64,
    // Bytes allocated in eden since the last young collection; part of them may be live.
    eden_used: u64,
    eden_live: u64,
    // Live bytes allocated since the last young collection: what it will copy.
    pending_copy: u64,
    // G1: live bytes placed in old regions since the last young collection; they fill eden's share.
    g1_direct: u64,
    // Garbage in the old generation (released after surviving a young collection): only full
    // collections, and G1's mixed ones, reclaim it. Invariant: old_garbage <= garbage.
    old_garbage: u64,
    // G1: mixed collections left in the current cycle, and the old garbage each reclaims.
    g1_mixed_left: u64,
    g1_mixed_chunk: u64,
    // Live bytes in the old generation, and the high-water marks that make up `touched`.
    old_live: u64,
    eden_hw: u64,
    old_hw: u64,
    // G1: where earlier edens were, as (start, end) offsets from the heap's bottom: they stay
    // resident after the heap expanded and eden moved to the new top (see `g1_eden_moves_up`).
    g1_left_edens: Vec<(u64, u64)>,
    // G1: the most eden held at this top, live data placed in old regions in its stead included
    // (the JDK allocated it in these eden regions before copying it out).
    g1_eden_span: u64,
    // G1's young generation, sized by its pause-time goal.
    g1_young: G1YoungSizer,
    marking_ran: bool,
    // Parallel's adaptively sized eden (0 for the other collectors).
    ps_eden: u64,
    // Parallel: each survivor space's size, the young generation's bounds (`NewSize` from `-Xms`,
    // `MaxNewSize` from `-Xmx`), and the padded average of bytes that survived young collections.
    ps_surv: u64,
    ps_young_min: u64,
    // Parallel: the young generation's committed size (eden plus two survivors).
    ps_young_committed: u64,
    ps_young_max: u64,
    ps_survived: PaddedAverage,
    ps_promoted: PaddedAverage,
    ps_supplement: u64,
    ps_young_count: u64,
    minor_cost: f64,
    major_cost: f64,
    major_interval_avg: f64,
    // When the latest young and full pauses ended.
    last_minor: SimTime,
    last_major: Option<SimTime>,
    // G1: (end, pause) of recent collections, oldest first, and the expansion trigger's state.
    g1_recent: VecDeque<(SimTime, u64)>,
    g1_over_count: u32,
    g1_over_sum: f64,
    g1_window: u32,
    overhead_count: u32,
    threads: u64,
    last_alloc: SimTime,
    // The end of the latest stop-the-world pause: pauses follow one another on the timeline.
    stw_until: SimTime,
    model: PauseModel,
    pauses: PauseLog,
}

fn ewma(avg: f64, sample: f64, weight: f64) -> f64 {
    avg * (1.0 - weight) + sample * weight
}

impl Heap {
    /// A fresh heap committed at `-Xms`.
    pub fn new(e: &Ergonomics) -> Heap {
        let committed = e.heap_initial;
        let startup = STARTUP_BYTES.min(committed);
        let (ps_eden, ps_surv, ps_young_min, ps_young_max) = match e.collector {
            Collector::Parallel => {
                let young = ps_young_for(committed);
                let surv = (young / PS_INITIAL_SURVIVOR_RATIO / PS_SPACE_ALIGNMENT
                    * PS_SPACE_ALIGNMENT)
                    .max(PS_SPACE_ALIGNMENT);
                (young - 2 * surv, surv, young, ps_young_for(e.heap_max))
            }
            _ => (0, 0, 0, 0),
        };
        Heap {
            collector: e.collector,
            initial: e.heap_initial,
            max: e.heap_max,
            min: e.heap_min,
            alignment: e.heap_alignment,
            pre_touch: e.always_pre_touch,
            committed,
            live: 0,
            garbage: startup,
            touched: if e.always_pre_touch {
                committed
            } else {
                startup
            },
            eden_used: startup,
            eden_live: 0,
            pending_copy: 0,
            g1_direct: 0,
            old_garbage: 0,
            g1_mixed_left: 0,
            g1_mixed_chunk: 0,
            old_live: 0,
            eden_hw: startup,
            old_hw: 0,
            g1_left_edens: Vec::new(),
            g1_eden_span: startup,
            g1_young: G1YoungSizer::new(committed, e.parallel_gc_threads),
            marking_ran: false,
            ps_eden,
            ps_surv,
            ps_young_min,
            ps_young_committed: ps_eden + 2 * ps_surv,
            ps_young_max,
            ps_survived: PaddedAverage::default(),
            ps_promoted: PaddedAverage::no_zero_dev(),
            ps_supplement: PS_YOUNG_SUPPLEMENT,
            ps_young_count: 0,
            minor_cost: 0.0,
            major_cost: 0.0,
            major_interval_avg: 0.0,
            last_minor: SimTime::ZERO,
            last_major: None,
            g1_recent: VecDeque::new(),
            g1_over_count: 0,
            g1_over_sum: 0.0,
            g1_window: 0,
            overhead_count: 0,
            threads: 0,
            last_alloc: SimTime::ZERO,
            stw_until: SimTime::ZERO,
            model: PauseModel::new(e.collector, e.parallel_gc_threads),
            pauses: PauseLog::new(),
        }
    }

    /// Live threads (their stacks are GC roots).
    pub fn set_threads(&mut self, threads: u64) {
        self.threads = threads;
    }

    fn eden_capacity(&self) -> u64 {
        match self.collector {
            Collector::G1 => self.g1_young.eden(self.committed),
            Collector::Parallel => self.ps_eden,
            Collector::Serial => self.committed / 3 * 8 / 10,
        }
        .max(1 << 20)
    }

    /// What a committed size can hold: Serial and Parallel cannot allocate in survivor spaces.
    fn usable(&self, committed: u64) -> u64 {
        match self.collector {
            Collector::G1 => committed,
            Collector::Parallel => committed - (2 * self.ps_surv).min(committed / 12),
            Collector::Serial => committed - committed / 15,
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

    /// The simulated time of the latest allocation.
    pub fn clock(&self) -> SimTime {
        self.last_alloc
    }

    /// Collections so far.
    pub fn collections(&self) -> u64 {
        self.pauses.collections()
    }

    /// Every pause so far.
    pub fn pauses(&self) -> &PauseLog {
        &self.pauses
    }

    /// Whether G1 concurrent marking has run at least once.
    pub fn marking_ran(&self) -> bool {
        self.marking_ran
    }
}
