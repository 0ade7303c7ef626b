//! Collections: young (mixed, for G1, once concurrent marking found enough old garbage), full,
//! `System.gc()` and the one a `Metadata GC Threshold` asks for, the bulk collections of a
//! thrashing allocation, and the stop-the-world pauses they put on the simulated timeline
//! ([`Heap::stw_until`]). The rules are described in the module doc of `heap.rs`.

use super::{AllocOutcome, Heap, HeapError, IHOP_PERCENT};
use crate::ergonomics::Collector;
use memsim_core::{GcKind, SimDuration, SimTime};

/// `G1HeapWastePercent`, `G1MixedGCCountTarget`.
const G1_HEAP_WASTE_PERCENT: u64 = 5;
const G1_MIXED_COUNT_TARGET: u64 = 8;

impl Heap {
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

    pub(super) fn young_gc(&mut self, at: SimTime, out: &mut AllocOutcome) {
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
    pub(super) fn full_gc_at(
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

    /// Collections a thrashing allocation still needs, recorded as copies of the last one.
    pub(super) fn bulk_collections(
        &mut self,
        left: u64,
        full: bool,
        at: SimTime,
    ) -> Result<(), HeapError> {
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
}
