//! G1's heap expansion from GC time with `-Xms` < `-Xmx`
//! (`G1HeapSizingPolicy::young_collection_expansion_amount`, jdk17u): after each young collection
//! the short- and long-term pause-time ratios are compared with `1/(1+GCTimeRatio)` and, when over
//! it often enough, the heap grows by a share of its uncommitted space. The rules are described in
//! the module doc of `heap.rs`.

use super::Heap;
use memsim_core::{SimDuration, SimTime};

/// G1's `GCTimeRatio` (set by G1 ergonomics).
const G1_GC_TIME_RATIO: f64 = 12.0;
/// G1: pauses kept for the long-term ratio, and short-term ratios over the threshold that expand.
const G1_RECENT_PAUSES: usize = 10;
const G1_MIN_OVER_THRESHOLD: u32 = 4;
const G1_EXPAND_PERCENT_OF_AVAILABLE: u64 = 20;

impl Heap {
    pub(super) fn g1_after_young(&mut self, at: SimTime, pause: SimDuration) {
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

    fn g1_clear(&mut self) {
        self.g1_over_count = 0;
        self.g1_over_sum = 0.0;
        self.g1_window = 0;
    }
}
