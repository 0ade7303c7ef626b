//! Parallel's adaptive size policy (`PSAdaptiveSizePolicy`, psScavenge.cpp, psYoungGen.cpp,
//! jdk17u): eden and survivor sizes from GC time and survived bytes, the promotion estimate that
//! turns young collections into full ones, and the GC overhead limit. The rules are described in
//! the module doc of `heap.rs`.

use super::{Heap, ewma};
use crate::ergonomics::Collector;
use memsim_core::{SimDuration, SimTime};

pub(super) const PARALLEL_GC_TIME_RATIO: f64 = 99.0;

/// Parallel: `AdaptiveTimeWeight`, eden increments and the supplement's decay period.
pub(super) const PS_TIME_WEIGHT: f64 = 0.25;
pub(super) const PS_YOUNG_INCREMENT: u64 = 20;
pub(super) const PS_YOUNG_SUPPLEMENT: u64 = 80;
pub(super) const PS_SUPPLEMENT_DECAY: u64 = 8;
pub(super) const PS_MAJOR_DECAY_SCALE: u64 = 10;
/// Parallel's space alignment: the granule of eden and the survivor spaces (every eden, survivor
/// and young generation size in the JDK's `-Xlog:gc+heap=debug` is a multiple of 512 KiB).
pub(super) const PS_SPACE_ALIGNMENT: u64 = 512 << 10;
/// `InitialSurvivorRatio` (each survivor space starts at an eighth of the young generation) and
/// `MinSurvivorRatio` (a survivor space is at most a third of the maximum young generation).
pub(super) const PS_INITIAL_SURVIVOR_RATIO: u64 = 8;
pub(super) const PS_MIN_SURVIVOR_RATIO: u64 = 3;
/// `AdaptiveSizePolicyReadyThreshold`: young collections before the size policy resizes the
/// survivor spaces.
pub(super) const PS_READY_THRESHOLD: u64 = 5;
/// `AdaptiveSizePolicyWeight` (percent) and `SurvivorPadding` (standard deviations) of the
/// average of survived bytes.
pub(super) const PS_SURVIVED_WEIGHT: u64 = 10;
pub(super) const PS_SURVIVOR_PADDING: f64 = 3.0;
/// `GCTimeLimit`, `GCHeapFreeLimit`, `GCOverheadLimitThreshold`.
pub(super) const GC_TIME_LIMIT: f64 = 0.98;
pub(super) const GC_HEAP_FREE_LIMIT_PERCENT: u64 = 2;
pub(super) const GC_OVERHEAD_LIMIT_THRESHOLD: u32 = 5;

/// Parallel's initial young generation for a heap size (`NewRatio=2`: a third, in space granules).
pub(super) fn ps_young_for(heap: u64) -> u64 {
    (heap / 3 / PS_SPACE_ALIGNMENT * PS_SPACE_ALIGNMENT).max(3 * PS_SPACE_ALIGNMENT)
}

/// A decaying average with a padding of its mean deviation, as Parallel's size policy keeps of
/// survived bytes (`AdaptivePaddedAverage`, gcUtil.cpp, jdk17u): each sample weighs
/// `AdaptiveSizePolicyWeight=10` %, except that the n-th of the first 100 weighs at least 1/n (so
/// early averages are plain means); the deviation is averaged the same way, and the padded average
/// is the average plus `SurvivorPadding=3` deviations.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PaddedAverage {
    count: u64,
    avg: f64,
    dev: f64,
    /// Zero samples leave the deviation alone (`AdaptivePaddedNoZeroDevAverage`, for promoted bytes).
    zero_keeps_dev: bool,
}

impl PaddedAverage {
    /// For promoted bytes: zero samples leave the deviation alone.
    pub(super) fn no_zero_dev() -> PaddedAverage {
        PaddedAverage {
            zero_keeps_dev: true,
            ..PaddedAverage::default()
        }
    }

    pub(super) fn sample(&mut self, value: f64) {
        self.count += 1;
        let percent = if self.count <= 100 {
            (100 / self.count).max(PS_SURVIVED_WEIGHT)
        } else {
            PS_SURVIVED_WEIGHT
        };
        let w = percent as f64 / 100.0;
        self.avg = ewma(self.avg, value, w);
        if value != 0.0 || !self.zero_keeps_dev {
            self.dev = ewma(self.dev, (value - self.avg).abs(), w);
        }
    }

    pub(super) fn padded(&self) -> f64 {
        self.avg + PS_SURVIVOR_PADDING * self.dev
    }
}

impl Heap {
    /// Parallel's young generation: eden and two survivor spaces.
    pub(super) fn ps_young(&self) -> u64 {
        self.ps_young_committed
    }

    pub(super) fn ps_gc_cost(&self, at: SimTime) -> f64 {
        let major = match self.last_major {
            Some(last) if self.major_interval_avg > 0.0 => {
                let since = at.since(last).nanos() as f64;
                let horizon = self.major_interval_avg * PS_MAJOR_DECAY_SCALE as f64;
                if since > horizon {
                    self.major_cost * horizon / since
                } else {
                    self.major_cost
                }
            }
            _ => self.major_cost,
        };
        (self.minor_cost + major).min(1.0)
    }

    /// After a young collection that copied `copied` live bytes (see the module doc, Parallel).
    pub(super) fn ps_after_young(&mut self, at: SimTime, pause: SimDuration, copied: u64) {
        // The mutator interval: from the end of the previous pause to the start of this one.
        let interval = at.since(self.last_minor).nanos() as f64;
        let p = pause.nanos() as f64;
        self.minor_cost = ewma(self.minor_cost, p / (p + interval), PS_TIME_WEIGHT);
        self.last_minor = at.after(pause);
        self.ps_young_count += 1;
        if self.ps_young_count % PS_SUPPLEMENT_DECAY == 0 {
            self.ps_supplement /= 2;
        }
        let old_part = self.committed - self.ps_young();
        // The young generation may not push the heap past -Xmx.
        let young_cap = self
            .ps_young_max
            .min((self.max - old_part) / PS_SPACE_ALIGNMENT * PS_SPACE_ALIGNMENT);
        // What survived: memsim promotes live data at once, so a survivor space holds at most
        // what it can of the bytes this collection copied.
        self.ps_survived.sample(copied.min(self.ps_surv) as f64);
        // Promoted: memsim moves every copied byte to the old generation.
        self.ps_promoted.sample(copied as f64);
        if self.ps_young_count > PS_READY_THRESHOLD {
            let limit = (self.ps_young_max / PS_MIN_SURVIVOR_RATIO / PS_SPACE_ALIGNMENT
                * PS_SPACE_ALIGNMENT)
                .min(
                    young_cap.saturating_sub(PS_SPACE_ALIGNMENT) / 2 / PS_SPACE_ALIGNMENT
                        * PS_SPACE_ALIGNMENT,
                )
                .max(PS_SPACE_ALIGNMENT);
            let target = (self.ps_survived.padded() as u64).div_ceil(PS_SPACE_ALIGNMENT)
                * PS_SPACE_ALIGNMENT;
            self.ps_surv = target.clamp(PS_SPACE_ALIGNMENT, limit);
        }
        let cost = self.ps_gc_cost(at);
        let mut desired = self.ps_eden;
        if cost > 1.0 / (1.0 + PARALLEL_GC_TIME_RATIO) {
            let increment = self.ps_eden / 100 * (PS_YOUNG_INCREMENT + self.ps_supplement);
            desired += (increment as f64 * (self.minor_cost / cost).min(1.0)) as u64;
        }
        // The young generation stays within [NewSize, MaxNewSize]; eden gets what the survivor
        // spaces leave of it.
        let young = (desired + 2 * self.ps_surv).div_ceil(PS_SPACE_ALIGNMENT) * PS_SPACE_ALIGNMENT;
        let young = young
            .max(self.ps_young_min)
            .min(young_cap)
            .max(2 * self.ps_surv + PS_SPACE_ALIGNMENT);
        self.ps_young_committed = young;
        self.ps_eden = young - 2 * self.ps_surv;
        self.committed = (old_part + young)
            .div_ceil(self.alignment)
            .saturating_mul(self.alignment)
            .clamp(self.initial, self.max);
    }

    pub(super) fn ps_after_full(&mut self, at: SimTime, pause: SimDuration) {
        let start = self.last_major.unwrap_or(SimTime::ZERO);
        let interval = at.since(start).nanos() as f64;
        let p = pause.nanos() as f64;
        self.major_cost = ewma(self.major_cost, p / (p + interval), PS_TIME_WEIGHT);
        self.major_interval_avg = if self.last_major.is_some() {
            ewma(self.major_interval_avg, interval, PS_TIME_WEIGHT)
        } else {
            interval
        };
        self.last_major = Some(at.after(pause));
    }

    /// After a full collection (Parallel): counts towards `GC overhead limit exceeded`.
    pub(super) fn overhead_check(&mut self) -> bool {
        let cap = self.usable(self.max);
        let free = cap.saturating_sub(self.live);
        let at = self.last_major.unwrap_or(SimTime::ZERO);
        if self.ps_gc_cost(at) > GC_TIME_LIMIT && free * 100 < cap * GC_HEAP_FREE_LIMIT_PERCENT {
            self.overhead_count += 1;
            if self.overhead_count >= GC_OVERHEAD_LIMIT_THRESHOLD {
                self.overhead_count = 0;
                return true;
            }
        } else {
            self.overhead_count = 0;
        }
        false
    }

    /// Parallel: free bytes in the old generation.
    pub(super) fn ps_old_free(&self) -> u64 {
        (self.committed - self.ps_young()).saturating_sub(self.old_live + self.old_garbage)
    }

    /// Parallel, eden full: a young collection is attempted only if the padded average of promoted
    /// bytes (at most what the young generation holds) fits in the old generation's free space;
    /// otherwise a full collection runs instead (`PSScavenge::should_attempt_scavenge`, jdk17u).
    pub(super) fn ps_should_scavenge(&self) -> bool {
        self.collector != Collector::Parallel
            || (self.ps_promoted.padded() as u64).min(self.eden_used) < self.ps_old_free()
    }

    /// Parallel, after a young collection: a full collection follows at once when the padded
    /// average of promoted bytes exceeds the old generation's free space
    /// (`PSAdaptiveSizePolicy::should_full_GC`, called from `PSScavenge::invoke`, jdk17u).
    pub(super) fn ps_full_after_young(&self) -> bool {
        self.collector == Collector::Parallel
            && self.ps_promoted.padded() as u64 > self.ps_old_free()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MIB, grow_live, heap_with, tick};
    use super::*;
    use memsim_core::GcKind;

    /// Parallel's promotion estimate: a live set promoted faster than the old generation has room
    /// for turns young collections into full ones (the JDK's `parallel-1g-live512m-churn2g`: 2
    /// young and 7 full collections), while churn alone never does.
    #[test]
    fn parallel_full_collections_when_promotion_outgrows_the_old_generation() {
        let mut h = heap_with(Collector::Parallel, 1 << 30, 1 << 30);
        grow_live(&mut h, 512, 1);
        let young = h.pauses().count(GcKind::Young);
        let full = h.pauses().count(GcKind::Full);
        for i in 1..=2048 {
            h.allocate(MIB, false, SimTime(1_000_000_000 + i * 2_000_000))
                .unwrap();
        }
        assert!(
            h.pauses().count(GcKind::Full) - full >= 4,
            "{} full after the live set",
            h.pauses().count(GcKind::Full) - full
        );
        assert!(h.pauses().count(GcKind::Young) - young <= 2);
        let (churn, _) = ps_edens(0, 500);
        assert_eq!(churn.pauses().count(GcKind::Full), 0);
    }

    /// Eden's size after each of a fixed 512 MiB Parallel heap's young collections, allocating
    /// `live_kib` KiB retained and 4 MiB of garbage every 10 ms, for `ticks` ticks.
    fn ps_edens(live_kib: u64, ticks: u64) -> (Heap, Vec<u64>) {
        let mut h = heap_with(Collector::Parallel, 512 * MIB, 512 * MIB);
        let mut edens = Vec::new();
        for i in 1..=ticks {
            let before = h.collections();
            if live_kib > 0 {
                h.allocate(live_kib << 10, true, tick(i)).unwrap();
            }
            h.allocate(4 * MIB, false, tick(i)).unwrap();
            if h.collections() > before {
                edens.push(h.ps_eden);
            }
        }
        (h, edens)
    }

    /// The JDK's `-Xlog:gc+heap=debug` for `TlabWorkload` (512 MiB, churn): eden 131584K (young
    /// 170.5 MiB, survivors 21 MiB) for six young collections, then 172544K with 1 MiB survivors;
    /// memsim's survivors go to the 512 KiB minimum, nothing surviving its collections.
    #[test]
    fn parallel_survivors_shrink_under_churn_once_the_policy_is_ready() {
        let (h, edens) = ps_edens(0, 500);
        let half = MIB / 2;
        // Eden after each collection: the sixth (the log's GC(5)) is the first to resize it.
        assert_eq!(edens[..5], [257 * half; 5], "{edens:?}");
        assert!(edens[5..].iter().all(|&e| e == 339 * half), "{edens:?}");
        assert_eq!(h.ps_young(), 341 * half);
        assert_eq!(h.committed(), 512 * MIB);
    }

    /// Copying live data keeps the survivor spaces sized for it, and eden smaller.
    #[test]
    fn parallel_survivors_follow_what_survives() {
        let (h, edens) = ps_edens(256, 600);
        let last = *edens.last().unwrap();
        // Between the initial 21 MiB and the churn-only minimum: about what each collection copies.
        assert!(
            h.ps_surv >= 4 * MIB && h.ps_surv < 21 * MIB,
            "{} KiB",
            h.ps_surv >> 10
        );
        assert!(last + 2 * h.ps_surv == 341 * MIB / 2, "{edens:?}");
        assert!(last < 339 * MIB / 2 - 4 * MIB, "{edens:?}");
    }
}
