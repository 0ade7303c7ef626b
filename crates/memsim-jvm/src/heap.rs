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
use memsim_core::{GcKind, SimDuration, SimTime, Usage};
use std::collections::VecDeque;

mod g1;
mod parallel;
use g1::G1YoungSizer;
use parallel::{
    PS_INITIAL_SURVIVOR_RATIO, PS_SPACE_ALIGNMENT, PS_YOUNG_SUPPLEMENT, PaddedAverage, ps_young_for,
};

const MIN_HEAP_FREE_PERCENT: u64 = 40;
const MAX_HEAP_FREE_PERCENT: u64 = 70;
const IHOP_PERCENT: u64 = 45;
/// What JVM startup (JDK class initialization, the main thread's first objects) leaves touched in the
/// heap: 1.6–2.1 MiB of heap RSS in the idle calibration runs (docs/calibration.md).
const STARTUP_BYTES: u64 = 2 << 20;
/// G1's `GCTimeRatio` (set by G1 ergonomics).
const G1_GC_TIME_RATIO: f64 = 12.0;
/// G1: pauses kept for the long-term ratio, and short-term ratios over the threshold that expand.
const G1_RECENT_PAUSES: usize = 10;
const G1_MIN_OVER_THRESHOLD: u32 = 4;
const G1_EXPAND_PERCENT_OF_AVAILABLE: u64 = 20;
/// `G1HeapWastePercent`, `G1MixedGCCountTarget`.
const G1_HEAP_WASTE_PERCENT: u64 = 5;
const G1_MIXED_COUNT_TARGET: u64 = 8;
/// Less free heap than this after a full collection cannot hold the next objects: allocation fails.
const MIN_ROOM: u64 = 64 << 10;
/// Collections one allocation call simulates one by one; beyond, the rest are recorded in bulk as
/// copies of the last (the heap is then thrashing and nothing changes between them).
const MAX_STEPPED_COLLECTIONS: u64 = 10_000;

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

    /// The young-collection bookkeeping: garbage goes, eden's live data moves to the old generation.
    fn collect_young_state(&mut self) {
        self.note_eden_span();
        self.garbage = self.old_garbage;
        self.old_live += self.eden_live;
        self.eden_live = 0;
        self.eden_used = 0;
        self.pending_copy = 0;
        self.g1_direct = 0;
    }

    fn young_gc(&mut self, at: SimTime, out: &mut AllocOutcome) {
        let pause = self
            .model
            .young(self.pending_copy, self.old_live, self.threads);
        let mixed = self.collector == Collector::G1 && self.g1_mixed_left > 0;
        self.pauses
            .record(if mixed { GcKind::Mixed } else { GcKind::Young }, pause, 1);
        let at = self.stop_world(at, pause, 1);
        let (found, copied) = (self.eden_used + self.g1_direct, self.pending_copy);
        self.collect_young_state();
        if mixed {
            let reclaim = self.g1_mixed_chunk.min(self.old_garbage);
            self.old_garbage -= reclaim;
            self.garbage -= reclaim;
            self.g1_mixed_left = if self.old_garbage == 0 {
                0
            } else {
                self.g1_mixed_left - 1
            };
        } else if self.collector == Collector::G1 {
            self.g1_start_mixed();
        }
        out.collections += 1;
        if self.collector == Collector::G1 {
            let base = self.model.young(0, self.old_live, self.threads).nanos() as f64 / 1e6;
            let free = self.committed.saturating_sub(self.live + self.garbage);
            self.g1_young.after_young(
                self.committed,
                found,
                copied,
                free,
                base,
                self.model.copy_ms_per_byte(),
            );
        }
        match self.collector {
            Collector::G1 => self.g1_after_young(at, pause),
            Collector::Parallel => self.ps_after_young(at, pause, copied),
            Collector::Serial => {}
        }
    }

    /// A full collection; `needed` is what must fit afterwards. Returns whether the overhead limit
    /// was reached.
    fn full_gc_at(
        &mut self,
        at: SimTime,
        needed: u64,
        explicit: bool,
        out: &mut AllocOutcome,
    ) -> bool {
        let pause = self.model.full(self.live, self.threads);
        self.pauses.record(GcKind::Full, pause, 1);
        let at = self.stop_world(at, pause, 1);
        self.old_garbage = 0;
        self.g1_mixed_left = 0;
        self.collect_young_state();
        out.collections += 1;
        out.full_collections += 1;
        self.resize_after_gc(needed);
        if self.collector == Collector::Parallel {
            self.ps_after_full(at, pause);
            if !explicit {
                return self.overhead_check();
            }
        }
        false
    }

    fn g1_after_young(&mut self, at: SimTime, pause: SimDuration) {
        let prev_end = self.g1_recent.back().map_or(SimTime::ZERO, |x| x.0);
        let end = at.after(pause);
        self.g1_recent.push_back((end, pause.nanos()));
        if self.g1_recent.len() > G1_RECENT_PAUSES + 1 {
            self.g1_recent.pop_front();
        }
        // Pauses are on the timeline (`at` is when this one starts, the entries hold when each
        // ended): wall time between two ends = mutator time + the pause.
        let p = pause.nanos() as f64;
        let short = p / (at.since(prev_end).nanos() as f64 + p);
        let window: Vec<&(SimTime, u64)> =
            self.g1_recent.iter().rev().take(G1_RECENT_PAUSES).collect();
        let oldest_end = if self.g1_recent.len() > G1_RECENT_PAUSES {
            self.g1_recent[0].0
        } else {
            SimTime::ZERO
        };
        let sum: f64 = window.iter().map(|x| x.1 as f64).sum();
        let long = sum / end.since(oldest_end).nanos() as f64;
        let goal = 1.0 / (1.0 + G1_GC_TIME_RATIO);
        let threshold = if self.committed <= self.max / 2 {
            (goal * self.committed as f64 / (self.max / 2) as f64).max(0.01)
        } else {
            goal
        };
        if self.committed >= self.max {
            self.g1_clear();
            return;
        }
        if short > threshold {
            self.g1_over_count += 1;
            self.g1_over_sum += short;
        }
        let filled = self.g1_window as usize >= G1_RECENT_PAUSES;
        if self.g1_over_count >= G1_MIN_OVER_THRESHOLD || (filled && long > threshold) {
            let uncommitted = self.max - self.committed;
            let mut expand = if self.committed < self.initial / 4 {
                (self.initial - self.committed) / 2
            } else {
                let base = (uncommitted * G1_EXPAND_PERCENT_OF_AVAILABLE / 100).min(self.committed);
                let delta = if filled {
                    long - threshold
                } else {
                    self.g1_over_sum / f64::from(self.g1_over_count) - threshold
                };
                let scale = if delta < goal {
                    (delta / goal).max(0.2)
                } else if delta > goal * 1.5 {
                    (1.0 + (delta - goal * 1.5) / (goal * 2.0)).min(2.0)
                } else {
                    1.0
                };
                (base as f64 * scale) as u64
            };
            expand = expand.clamp(self.alignment, uncommitted);
            let before = self.committed;
            self.committed = (self.committed + expand).div_ceil(self.alignment) * self.alignment;
            self.committed = self.committed.min(self.max);
            self.g1_eden_moves_up(before);
            self.g1_clear();
        } else if self.g1_over_count > 0 {
            self.g1_window += 1;
            if self.g1_window as usize > G1_RECENT_PAUSES {
                self.g1_clear();
            }
        }
    }

    /// After a young collection: once old-generation occupancy passed `InitiatingHeapOccupancyPercent`
    /// concurrent marking runs, and if the old garbage it finds is over `G1HeapWastePercent=5` % of
    /// the heap, the next `G1MixedGCCountTarget=8` young collections are mixed, each reclaiming an
    /// eighth of it.
    fn g1_start_mixed(&mut self) {
        if (self.old_live + self.old_garbage) * 100 > self.committed * IHOP_PERCENT {
            self.marking_ran = true;
            if self.old_garbage * 100 > self.committed * G1_HEAP_WASTE_PERCENT {
                self.g1_mixed_left = G1_MIXED_COUNT_TARGET;
                self.g1_mixed_chunk = self.old_garbage.div_ceil(G1_MIXED_COUNT_TARGET);
            }
        }
    }

    fn g1_clear(&mut self) {
        self.g1_over_count = 0;
        self.g1_over_sum = 0.0;
        self.g1_window = 0;
    }

    /// G1 after the heap grew from `before`: young regions come from the top of the free list
    /// (`HeapRegionManager::allocate_free_region`), now the newly committed regions, so eden moves
    /// up; the regions the old eden used stay committed and resident, free, until old regions
    /// (taken from the bottom) reach them. Only with the heap expanding between collections (G1's
    /// GC-time expansion with `-Xms` < `-Xmx`).
    fn g1_eden_moves_up(&mut self, before: u64) {
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

    fn note_eden_span(&mut self) {
        let fill = (self.eden_used + self.g1_direct).min(self.eden_capacity());
        self.g1_eden_span = self.g1_eden_span.max(fill);
    }

    fn update_touched(&mut self) {
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

    fn put(&mut self, bytes: u64, live: bool, through_eden: bool) {
        if live {
            self.live += bytes;
            self.pending_copy += bytes;
            if through_eden {
                self.eden_live += bytes;
            } else {
                self.old_live += bytes;
                self.g1_direct += bytes;
            }
        } else {
            self.garbage += bytes;
        }
        if through_eden {
            self.eden_used += bytes;
        }
    }

    /// Allocates `bytes` at simulated time `now`; `live` objects stay until [`Heap::release`],
    /// others are garbage at once. The bytes are taken as allocated evenly since the previous call.
    ///
    /// # Errors
    /// [`HeapError::HeapSpace`] when the live set plus `bytes` exceeds the maximum heap (nothing is
    /// allocated); [`HeapError::GcOverheadLimit`] when Parallel's overhead limit is reached.
    pub fn allocate(
        &mut self,
        bytes: u64,
        live: bool,
        now: SimTime,
    ) -> Result<AllocOutcome, HeapError> {
        let start = self.last_alloc.min(now);
        self.last_alloc = now;
        let mut out = AllocOutcome::default();
        let before = self.committed;
        let through_eden = !live || self.collector != Collector::G1;
        let result = self.allocate_steps(bytes, live, through_eden, start, now, &mut out);
        self.update_touched();
        if self.collector == Collector::G1 && self.live * 100 > self.committed * IHOP_PERCENT {
            self.marking_ran = true;
        }
        if self.committed != before {
            out.resized_from = Some(before);
        }
        result.map(|()| out)
    }

    fn allocate_steps(
        &mut self,
        bytes: u64,
        live: bool,
        through_eden: bool,
        start: SimTime,
        now: SimTime,
        out: &mut AllocOutcome,
    ) -> Result<(), HeapError> {
        let span = now.since(start).nanos() as u128;
        let at = |done: u64| {
            SimTime(start.0 + (span * u128::from(done) / u128::from(bytes.max(1))) as u64)
        };
        if live && self.live + bytes > self.usable(self.max) {
            // Even a full collection cannot make room: HotSpot collects, then throws.
            self.full_gc_at(now, self.live, false, out);
            return Err(HeapError::HeapSpace { requested: bytes });
        }
        let mut left = bytes;
        let mut stepped = 0;
        loop {
            let heap_room = self
                .usable(self.committed)
                .saturating_sub(self.live + self.garbage);
            let eden_room = self
                .eden_capacity()
                .saturating_sub(self.eden_used + self.g1_direct);
            if left <= heap_room.min(eden_room) {
                self.put(left, live, through_eden);
                return Ok(());
            }
            let step = heap_room.min(eden_room);
            self.put(step, live, through_eden);
            left -= step;
            let when = at(bytes - left);
            let full = heap_room <= eden_room
                || self.eden_used + self.g1_direct == 0
                || !self.ps_should_scavenge();
            if stepped == MAX_STEPPED_COLLECTIONS && !live {
                // Thrashing: the remaining collections repeat the last one.
                return self.bulk_collections(left, full, when);
            }
            stepped += 1;
            let full = full || {
                self.young_gc(when, out);
                self.ps_full_after_young()
            };
            if full {
                let limit =
                    self.full_gc_at(when, self.live + if live { left } else { 0 }, false, out);
                if limit {
                    return Err(HeapError::GcOverheadLimit { requested: bytes });
                }
                let room = self.usable(self.committed).saturating_sub(self.live);
                if room < MIN_ROOM.min(left) {
                    return Err(HeapError::HeapSpace { requested: bytes });
                }
            }
        }
    }

    /// Collections a thrashing allocation still needs, recorded as copies of the last one.
    fn bulk_collections(&mut self, left: u64, full: bool, at: SimTime) -> Result<(), HeapError> {
        let room = if full {
            self.usable(self.committed).saturating_sub(self.live)
        } else {
            self.eden_capacity()
        }
        .max(1);
        let n = left / room;
        let (kind, pause) = if full {
            (GcKind::Full, self.model.full(self.live, self.threads))
        } else {
            (
                GcKind::Young,
                self.model.young(0, self.old_live, self.threads),
            )
        };
        self.pauses.record(kind, pause, n);
        self.stop_world(at, pause, n);
        if full {
            self.old_garbage = 0;
        }
        self.collect_young_state();
        self.put(left % room, false, true);
        Ok(())
    }

    /// A full collection now (`System.gc()`): garbage goes and the heap is resized around the live set.
    pub fn full_gc(&mut self, now: SimTime) -> AllocOutcome {
        let mut out = AllocOutcome::default();
        let before = self.committed;
        self.full_gc_at(now, self.live, true, &mut out);
        self.update_touched();
        if self.committed != before {
            out.resized_from = Some(before);
        }
        out
    }

    /// The collection a `Metadata GC Threshold` asks for (`crate::metaspace_gc`): G1 a young one
    /// that starts concurrent marking, Parallel a young one then a full one, Serial a full one.
    pub fn metadata_gc(&mut self, now: SimTime) -> AllocOutcome {
        let mut out = AllocOutcome::default();
        let before = self.committed;
        if self.collector != Collector::Serial {
            self.young_gc(now, &mut out);
        }
        if self.collector == Collector::G1 {
            self.marking_ran = true;
        } else {
            self.full_gc_at(now, self.live, true, &mut out);
        }
        self.update_touched();
        if self.committed != before {
            out.resized_from = Some(before);
        }
        out
    }

    /// Live bytes become garbage (a request finished, a cache entry was dropped).
    pub fn release(&mut self, bytes: u64) {
        let bytes = bytes.min(self.live);
        self.live -= bytes;
        self.garbage += bytes;
        // The youngest objects die first: what was allocated since the last young collection is young
        // garbage (from eden, or G1's directly placed data), the rest is old garbage.
        let young = bytes.min(self.pending_copy);
        self.pending_copy -= young;
        let from_eden = young.min(self.eden_live);
        self.eden_live -= from_eden;
        self.old_live -= (bytes - from_eden).min(self.old_live);
        self.old_garbage += bytes - young;
    }

    fn resize_after_gc(&mut self, needed: u64) {
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

    /// `n` back-to-back stop-the-world pauses of `pause` each, the first due at `at`: a pause due
    /// while the world is still stopped (the bytes were taken as allocated evenly since the previous
    /// call, some of them inside the previous pause) starts when that pause ends.
    /// Returns when the first of them starts.
    fn stop_world(&mut self, at: SimTime, pause: SimDuration, n: u64) -> SimTime {
        let start = self.stw_until.max(at);
        self.stw_until = start.after(SimDuration(pause.nanos().saturating_mul(n)));
        start
    }

    /// When the latest stop-the-world pause ends (the application's threads run again); concurrent
    /// phases (G1's marking) do not stop the world and are not in it.
    pub fn stw_until(&self) -> SimTime {
        self.stw_until
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ergonomics::{JvmFlags, MachineView};

    /// One allocation every 10 ms of simulated time.
    pub(super) fn tick(i: u64) -> SimTime {
        SimTime(i * 10_000_000)
    }

    pub(super) const MIB: u64 = 1 << 20;

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
        for i in 0..1000 {
            gcs += h.allocate(MIB, false, tick(i)).unwrap().collections;
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

    /// G1 with `gc_threads` GC threads and a fixed 512 MiB heap.
    fn g1_512m(gc_threads: u32) -> Heap {
        let m = MachineView {
            ram_bytes: 24 << 30,
            container_limit_bytes: None,
            cores: 2,
        };
        let f = JvmFlags {
            heap_initial: Some(512 * MIB),
            heap_max: Some(512 * MIB),
            collector: Some(Collector::G1),
            parallel_gc_threads: Some(gc_threads),
            ..JvmFlags::default()
        };
        Heap::new(&Ergonomics::resolve(m, f))
    }

    /// Eden's size at each young collection (the bytes the collection found), over `mib` MiB.
    fn eden_per_collection(h: &mut Heap, mib: u64, live_every: u64) -> Vec<u64> {
        let mut sizes = Vec::new();
        let mut filled = h.eden_used + h.g1_direct;
        for i in 1..=mib {
            let live = live_every > 0 && i % live_every == 0;
            let before = h.collections();
            h.allocate(MIB, live, tick(i)).unwrap();
            if h.collections() > before {
                sizes.push(filled / MIB);
            }
            filled = h.eden_used + h.g1_direct;
        }
        sizes
    }

    /// The JDK's logs under churn (512 MiB, 1 MiB regions): eden 25 regions at the first young
    /// collection, still near it at the second, 306 from the third on with 2 GC threads; one more
    /// collection near the minimum with 1 GC thread (its default cost per byte is twice as high).
    #[test]
    fn g1_young_generation_under_churn_follows_the_pause_goal() {
        // Sizes are seen in whole MiB steps: within 1 MiB of eden (5 % and 60 % of 512 MiB).
        let near = |sizes: &[u64], want: &[u64]| {
            sizes.len() >= want.len() && want.iter().zip(sizes).all(|(w, s)| w.abs_diff(*s) <= 1)
        };
        let mut two = g1_512m(2);
        let sizes = eden_per_collection(&mut two, 1000, 0);
        assert!(near(&sizes, &[25, 25, 307, 307]), "{sizes:?}");
        let mut one = g1_512m(1);
        let sizes = eden_per_collection(&mut one, 1000, 0);
        assert!(near(&sizes, &[25, 25, 25, 307, 307]), "{sizes:?}");
        // The young regions are reused: residency is the largest eden, not the bytes allocated.
        assert!(
            (307 * MIB).abs_diff(two.resident()) <= 2 * MIB,
            "{}",
            two.resident() / MIB
        );
    }

    /// Evacuating live data is what keeps G1's young generation small: while every collection
    /// copies what it found, eden stays at `G1NewSizePercent`; once the live set stops growing the
    /// survival predictions decay and eden grows to its maximum.
    #[test]
    fn g1_young_generation_stays_small_while_collections_copy() {
        let mut h = g1_512m(2);
        let sizes = eden_per_collection(&mut h, 100, 1);
        assert!(sizes.len() >= 3, "{sizes:?}");
        assert!(sizes.iter().all(|&s| s <= 26), "{sizes:?}");
        let sizes = eden_per_collection(&mut h, 2000, 0);
        // 60 % of 512 MiB (the free space less the 10 % reserve, 361 MiB, is larger).
        let max = 307;
        assert!(sizes[0] <= 26, "{sizes:?}");
        assert!(
            sizes.iter().any(|&s| s + 2 >= max),
            "eden never reached {max} MiB: {sizes:?}"
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
            h.allocate(512 * MIB, true, tick(100)).unwrap();
            for i in 0..1000 {
                h.allocate(MIB, false, tick(101 + i)).unwrap();
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
        for i in 0..500 {
            grew |= h
                .allocate(MIB, true, tick(i))
                .unwrap()
                .resized_from
                .is_some();
        }
        assert!(grew);
        assert!(h.committed() >= 500 * MIB && h.committed() <= 512 * MIB);
        let err = (0..20).find_map(|i| h.allocate(MIB, true, tick(500 + i)).err());
        assert_eq!(err, Some(HeapError::HeapSpace { requested: MIB }));
        assert!(h.live() <= 512 * MIB);
    }

    /// G1's full collection sizes the heap to what is used over `1 - MaxHeapFreeRatio` (70 %), down
    /// to `MinHeapSize`: below the initial heap without `-Xms` (the JDK: 240 MiB for 64 MiB live in
    /// `mech-g1-1g-noxms-drop192m-maxdirect64m-direct100m`, from 793 MiB), never below `-Xms`.
    #[test]
    fn g1_full_collection_shrinks_to_min_heap_size_without_xms() {
        let m = MachineView {
            ram_bytes: 24 << 30,
            container_limit_bytes: None,
            cores: 2,
        };
        let g1 = |xms: Option<u64>| {
            Heap::new(&Ergonomics::resolve(
                m,
                JvmFlags {
                    heap_initial: xms,
                    heap_max: Some(1 << 30),
                    collector: Some(Collector::G1),
                    ..JvmFlags::default()
                },
            ))
        };
        for xms in [None, Some(512 * MIB)] {
            let mut h = g1(xms);
            let initial = h.committed();
            grow_live(&mut h, 256, 1);
            h.release(192 * MIB);
            let out = h.full_gc(SimTime(2_000_000_000));
            let want = (64 * MIB * 100 / 30).div_ceil(MIB) * MIB;
            match xms {
                None => {
                    assert!(initial > 300 * MIB);
                    assert_eq!(h.committed(), want, "{} MiB", h.committed() / MIB);
                    assert!(out.resized_from.is_some());
                }
                Some(x) => assert_eq!(h.committed(), x.max(want)),
            }
            assert!(h.resident() <= h.committed());
        }
    }

    #[test]
    fn shrinks_when_live_set_drops_but_not_below_xms() {
        let mut h = heap(64 * MIB, 1024 * MIB);
        h.allocate(600 * MIB, true, tick(1)).unwrap();
        assert!(h.committed() >= 600 * MIB);
        h.release(600 * MIB);
        h.full_gc(tick(2));
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

    pub(super) fn heap_with(c: Collector, xms: u64, xmx: u64) -> Heap {
        let m = MachineView {
            ram_bytes: 24 << 30,
            container_limit_bytes: None,
            cores: 2,
        };
        let f = JvmFlags {
            heap_initial: Some(xms),
            heap_max: Some(xmx),
            collector: Some(c),
            ..JvmFlags::default()
        };
        Heap::new(&Ergonomics::resolve(m, f))
    }

    /// Retains `total` bytes in 1 MiB steps over `secs` seconds of simulated time.
    pub(super) fn grow_live(h: &mut Heap, total_mib: u64, secs: u64) {
        for i in 1..=total_mib {
            h.allocate(MIB, true, SimTime(i * secs * 1_000_000_000 / total_mib))
                .unwrap();
        }
    }

    /// With `-Xms` < `-Xmx`, GC time grows G1's heap and Parallel's young generation: 200 MiB
    /// retained in 1 s (every young pause copies, much of the time is GC) against the same in 100 s
    /// (GC time negligible). G1 expands without full collections; Parallel's old generation is
    /// grown by the full collections its promotion estimate runs ("Pause Full (Ergonomics)") in both.
    #[test]
    fn gc_time_not_free_ratios_expands_with_xms_below_xmx() {
        for c in [Collector::G1, Collector::Parallel] {
            let mut fast = heap_with(c, 256 * MIB, 4 << 30);
            grow_live(&mut fast, 200, 1);
            let mut slow = heap_with(c, 256 * MIB, 4 << 30);
            grow_live(&mut slow, 200, 100);
            if c == Collector::Parallel {
                assert!(fast.ps_young() > fast.ps_young_min, "{}", fast.ps_young());
                assert_eq!(slow.ps_young(), slow.ps_young_min);
            } else {
                assert_eq!(fast.pauses().count(GcKind::Full), 0, "{c:?}");
                assert_eq!(slow.pauses().count(GcKind::Full), 0, "{c:?}");
                assert!(
                    fast.committed() > 256 * MIB,
                    "{c:?}: {} MiB",
                    fast.committed() / MIB
                );
                assert_eq!(slow.committed(), 256 * MIB, "{c:?}");
            }
        }
    }

    /// G1 expanding under a fast-growing live set: each expansion moves eden to the newly committed
    /// top, and the earlier edens above the old generation stay resident (the JDK's heap RSS,
    /// 1514 MiB for 1183 MiB used, in the `g1-4g-xms512m-500t-xss256k` calibration); with the heap
    /// committed from the start eden never moves.
    #[test]
    fn g1_expansion_leaves_earlier_edens_resident() {
        let mut growing = heap_with(Collector::G1, 256 * MIB, 4 << 30);
        grow_live(&mut growing, 600, 1);
        assert!(growing.committed() > 256 * MIB);
        let windows = growing.g1_left_edens.len();
        let extra = growing
            .resident()
            .saturating_sub(growing.old_hw + growing.eden_hw);
        // At least one earlier eden (5 % of a heap of 256 MiB or more) above the old generation.
        assert!(
            windows > 0 && extra >= 12 * MIB,
            "{windows} earlier edens, {} MiB beyond old and eden",
            extra / MIB
        );
        let mut fixed = heap_with(Collector::G1, 4 << 30, 4 << 30);
        grow_live(&mut fixed, 600, 1);
        assert!(fixed.g1_left_edens.is_empty());
        assert_eq!(fixed.resident(), fixed.old_hw + fixed.eden_hw);
    }

    #[test]
    fn collections_get_their_own_instants_and_pauses() {
        let mut h = heap_with(Collector::Serial, 256 * MIB, 256 * MIB);
        // 100 MiB of garbage in one call over 1 s: eden (68 MiB) fills once in it.
        let out = h
            .allocate(100 * MIB, false, SimTime(1_000_000_000))
            .unwrap();
        assert_eq!(out.collections, 1);
        let out = h
            .allocate(1000 * MIB, false, SimTime(2_000_000_000))
            .unwrap();
        assert_eq!(out.collections, 1000 / 68 + 1, "{out:?}");
        assert_eq!(h.pauses().count(GcKind::Young), h.collections());
        assert!(h.pauses().total() > SimDuration(0));
    }

    /// Pauses follow one another on the timeline: a collection due while the world is still stopped
    /// (its bytes were taken as allocated evenly since the previous call) starts when that pause ends,
    /// so the world is stopped until at least the total of the pauses, and no later than the last
    /// instant plus that total.
    #[test]
    fn pauses_stop_the_world_back_to_back() {
        let mut h = heap_with(Collector::Serial, 256 * MIB, 256 * MIB);
        assert_eq!(h.stw_until(), SimTime::ZERO);
        // 100 MiB live in a 10 µs call (copied out of eden: long pauses), then garbage.
        let now = SimTime(10_000);
        h.allocate(100 * MIB, true, now).unwrap();
        h.allocate(1000 * MIB, false, now).unwrap();
        let total = h.pauses().total();
        assert!(h.collections() > 10);
        assert!(total > SimDuration::from_millis(10), "{total:?}");
        assert!(
            h.stw_until() >= SimTime::ZERO.after(total),
            "{:?}",
            h.stw_until()
        );
        assert!(h.stw_until() <= now.after(total), "{:?}", h.stw_until());
        // Later collections, due after the world ran again, start at their own instants: the world
        // is stopped no later than the last of them plus their pauses.
        let until = h.stw_until();
        let later = until.after(SimDuration::from_secs(1));
        h.allocate(1000 * MIB, false, later).unwrap();
        let more = SimDuration(h.pauses().total().nanos() - total.nanos());
        assert!(h.stw_until() > until);
        assert!(h.stw_until() <= later.after(more), "{:?}", h.stw_until());
    }

    /// A live set that creeps into a 64 MiB heap while garbage keeps coming: Parallel gives up
    /// with `GC overhead limit exceeded`, G1 collects on until `Java heap space`.
    #[test]
    fn overhead_limit_is_parallels_alone() {
        for c in [Collector::Parallel, Collector::G1] {
            let mut h = heap_with(c, 64 * MIB, 64 * MIB);
            let mut first_error = None;
            for tick in 1..=1000u64 {
                let now = SimTime(tick * 100_000_000);
                let r = h
                    .allocate(100 << 10, true, now)
                    .and_then(|_| h.allocate(200 * MIB, false, now));
                if let Err(e) = r {
                    first_error = Some(e);
                    break;
                }
            }
            let want_overhead = c == Collector::Parallel;
            assert!(
                matches!(
                    first_error,
                    Some(HeapError::GcOverheadLimit { .. }) if want_overhead
                ) || matches!(first_error, Some(HeapError::HeapSpace { .. }) if !want_overhead),
                "{c:?}: {first_error:?}"
            );
        }
    }

    /// Data that survived a young collection and then died is old garbage: young collections leave
    /// it, G1 reclaims it in mixed collections after marking, Serial and Parallel in full ones.
    #[test]
    fn old_garbage_needs_mixed_or_full_collections() {
        for c in [Collector::G1, Collector::Serial, Collector::Parallel] {
            let mut h = heap_with(c, 1 << 30, 1 << 30);
            let mut t = 0;
            let mut tick = |h: &mut Heap, bytes: u64, live: bool| {
                t += 1;
                h.allocate(bytes, live, SimTime(t * 10_000_000)).unwrap();
            };
            // 600 MiB retained, then carried into the old generation by churn.
            for _ in 0..600 {
                tick(&mut h, MIB, true);
            }
            for _ in 0..1000 {
                tick(&mut h, MIB, false);
            }
            let young_before = h.pauses().count(GcKind::Young);
            h.release(500 * MIB);
            // Another 400 MiB retained alongside churn: with the old garbage still there, the heap fills.
            for _ in 0..400 {
                tick(&mut h, MIB, true);
                tick(&mut h, 4 * MIB, false);
            }
            let young = h.pauses().count(GcKind::Young) - young_before;
            let mixed = h.pauses().count(GcKind::Mixed);
            let full = h.pauses().count(GcKind::Full);
            assert!(young > 0, "{c:?}");
            match c {
                Collector::G1 => assert!(mixed > 0, "{c:?}: {mixed} mixed, {full} full"),
                _ => assert!(mixed == 0 && full > 0, "{c:?}: {mixed} mixed, {full} full"),
            }
        }
    }
}
