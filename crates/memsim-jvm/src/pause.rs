//! How long a collection stops the application, and the record of every pause.
//!
//! **Approximation**: a pause is a fixed part plus terms proportional to what the collection does,
//! fitted on JDK 17.0.15 on this project's 2-CPU machine with `tools/gc-pauses` (measured pauses in
//! `tools/gc-pauses/results/*.json`; the fit is described in `tools/gc-pauses/README.md`). The
//! mechanisms are HotSpot's; the coefficients are machine- and workload-dependent (CPU speed,
//! `ParallelGCThreads`, object sizes: the measurements allocate 64 KiB and 1 KiB arrays), so pause
//! *counts* and bytes are the firmer facts, times are indicative.
//! - **Young** = fixed cost (safepoint, root and remembered-set scanning) + bytes copied out of eden at
//!   the measured copy rate + a per-thread stack-scanning estimate + (Parallel) a card-scanning cost
//!   per byte of old generation (its young pauses grew from 0.15 ms with an empty old generation to
//!   0.7–1.4 ms with 105 MiB in it; Serial's and G1's did not move measurably).
//! - **Full** = fixed cost + live bytes at the measured mark-compact rate (dead objects cost ~nothing:
//!   a 758 MiB heap with nothing live compacted in 8.9 ms).
//! - Thread stacks are roots every collection scans: 1000 more parked threads 50 frames deep raised the
//!   steady young pause by 1.9 ms with Serial (one GC thread), 0.88 ms with Parallel and 1.7 ms with
//!   G1 (two GC threads each), i.e. ~1.9, 1.75 and 3.4 µs of work per thread, divided among
//!   `ParallelGCThreads` (tools/gc-pauses, the `-1000t` configurations). Deeper stacks cost more.

use crate::ergonomics::Collector;
use hdrhistogram::Histogram;
use memsim_core::{GcKind, GcSummary, PauseStats, SimDuration};

const NS_PER_MS: u64 = 1_000_000;

/// Bytes copied per millisecond in young collections (2 GC threads; Serial 1), medians over runs of
/// `tools/gc-pauses` (they vary ±50 % run to run): Parallel 122 MiB in 32–44 ms, 248 MiB in 75–111 ms;
/// Serial 128 MiB in 35–40 ms; G1 21 MiB in 6–8 ms, 44 MiB in 11–30 ms.
fn copy_bytes_per_ms(c: Collector) -> u64 {
    match c {
        Collector::G1 => 3_000_000,
        Collector::Parallel => 3_000_000,
        Collector::Serial => 3_400_000,
    }
}

/// Fixed part of a young pause: the medians of steady young pauses with nothing to copy
/// (G1 0.5–1.1 ms, Parallel 0.12–0.25 ms with an empty old generation, Serial 0.18–0.21 ms).
fn young_fixed_ns(c: Collector) -> u64 {
    match c {
        Collector::G1 => 700_000,
        Collector::Parallel => 150_000,
        Collector::Serial => 200_000,
    }
}

/// Parallel's card scanning: ~5.5 µs per MiB of old generation (see the module doc).
const PARALLEL_CARD_NS_PER_MIB: u64 = 5_500;

/// Full collections: fixed part and live bytes per millisecond. Parallel: 63–232 MiB live in
/// 6.7–11 ms, 49 MiB of 1 KiB arrays in 1.4–3.6 ms, 512 MiB already compacted in 4 ms, moved in
/// 26 ms; G1: ~60 MiB in 1.4–3.8 ms (tools/gc-pauses). Serial was not measured: it is taken at half
/// Parallel's rate (one thread instead of two).
fn full_params(c: Collector) -> (u64, u64) {
    match c {
        Collector::G1 => (1_000_000, 30_000_000),
        Collector::Parallel => (2_000_000, 40_000_000),
        Collector::Serial => (2_000_000, 20_000_000),
    }
}

/// Stack-scanning work per live thread, in nanoseconds (see the module doc).
fn roots_ns_per_thread(c: Collector) -> u64 {
    match c {
        Collector::G1 => 3_400,
        Collector::Parallel => 1_750,
        Collector::Serial => 1_900,
    }
}

/// The pause model of one JVM.
#[derive(Debug, Clone, Copy)]
pub struct PauseModel {
    collector: Collector,
    gc_threads: u64,
}

impl PauseModel {
    /// The model for a collector running `gc_threads` parallel workers (`ParallelGCThreads`).
    pub fn new(collector: Collector, gc_threads: u32) -> PauseModel {
        let gc_threads = match collector {
            Collector::Serial => 1,
            _ => u64::from(gc_threads.max(1)),
        };
        PauseModel {
            collector,
            gc_threads,
        }
    }

    fn roots(&self, threads: u64) -> u64 {
        threads * roots_ns_per_thread(self.collector) / self.gc_threads
    }

    /// A young collection that copied `copied` bytes, with `old` bytes in the old generation and
    /// `threads` live threads.
    pub fn young(&self, copied: u64, old: u64, threads: u64) -> SimDuration {
        let c = self.collector;
        let copy = (copied as u128 * NS_PER_MS as u128 / copy_bytes_per_ms(c) as u128) as u64;
        let cards = match c {
            Collector::Parallel => old / (1 << 20) * PARALLEL_CARD_NS_PER_MIB,
            _ => 0,
        };
        SimDuration(young_fixed_ns(c) + copy + cards + self.roots(threads))
    }

    /// What copying one byte costs in a young collection, in milliseconds.
    pub fn copy_ms_per_byte(&self) -> f64 {
        1.0 / copy_bytes_per_ms(self.collector) as f64
    }

    /// A full collection with `live` bytes live and `threads` live threads.
    pub fn full(&self, live: u64, threads: u64) -> SimDuration {
        let (fixed, rate) = full_params(self.collector);
        let mark = (live as u128 * NS_PER_MS as u128 / rate as u128) as u64;
        SimDuration(fixed + mark + self.roots(threads))
    }
}

/// Every pause of a run, as one HdrHistogram per kind of collection (nanoseconds, 3 significant
/// digits), so the distribution costs a fixed few KiB however many collections run.
#[derive(Debug, Clone)]
pub struct PauseLog {
    histograms: [Histogram<u64>; 3],
    totals: [u64; 3],
}

impl Default for PauseLog {
    fn default() -> PauseLog {
        PauseLog::new()
    }
}

fn index(kind: GcKind) -> usize {
    match kind {
        GcKind::Young => 0,
        GcKind::Mixed => 1,
        GcKind::Full => 2,
    }
}

/// Longest pause a histogram holds (longer ones are recorded as this): one hour.
const MAX_PAUSE_NS: u64 = 3_600 * 1_000 * NS_PER_MS;

impl PauseLog {
    /// No pauses yet.
    pub fn new() -> PauseLog {
        let h = || Histogram::new_with_bounds(1, MAX_PAUSE_NS, 3).expect("valid histogram bounds");
        PauseLog {
            histograms: [h(), h(), h()],
            totals: [0; 3],
        }
    }

    /// Records `n` identical pauses.
    pub fn record(&mut self, kind: GcKind, pause: SimDuration, n: u64) {
        if n == 0 {
            return;
        }
        let i = index(kind);
        let v = pause.nanos().clamp(1, MAX_PAUSE_NS);
        self.histograms[i]
            .record_n(v, n)
            .expect("value within the histogram's bounds");
        self.totals[i] = self.totals[i].saturating_add(pause.nanos().saturating_mul(n));
    }

    /// Collections of one kind.
    pub fn count(&self, kind: GcKind) -> u64 {
        self.histograms[index(kind)].len()
    }

    /// Collections of all kinds.
    pub fn collections(&self) -> u64 {
        self.histograms.iter().map(Histogram::len).sum()
    }

    /// Total pause time.
    pub fn total(&self) -> SimDuration {
        SimDuration(self.totals.iter().sum())
    }

    /// The distributions, for the run summary; `elapsed` is the run's simulated time and `past_end`
    /// the part of the pauses after it (pauses follow one another on the timeline, so the rest of
    /// the total lies inside the run).
    pub fn summary(
        &self,
        collector: Collector,
        elapsed: SimDuration,
        past_end: SimDuration,
    ) -> GcSummary {
        let pauses = GcKind::ALL
            .iter()
            .filter(|k| self.count(**k) > 0)
            .map(|k| {
                let h = &self.histograms[index(*k)];
                let q = |x: f64| SimDuration(h.value_at_quantile(x));
                PauseStats {
                    kind: *k,
                    count: h.len(),
                    p50: q(0.5),
                    p90: q(0.9),
                    p99: q(0.99),
                    max: SimDuration(h.max()),
                    total: SimDuration(self.totals[index(*k)]),
                }
            })
            .collect();
        let total = self.total();
        let past_end = past_end.min(total);
        let inside = (total.nanos() - past_end.nanos()).min(elapsed.nanos());
        GcSummary {
            collector: collector.flag().to_string(),
            pauses,
            total_pause: total,
            pause_percent: if elapsed.nanos() > 0 {
                inside as f64 * 100.0 / elapsed.nanos() as f64
            } else {
                0.0
            },
            pause_past_end: past_end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn pauses_grow_with_the_work_done() {
        for c in [Collector::G1, Collector::Parallel, Collector::Serial] {
            let m = PauseModel::new(c, 2);
            assert!(m.young(100 * MIB, 0, 10) > m.young(0, 0, 10), "{c:?}");
            assert!(m.young(0, 0, 1000) > m.young(0, 0, 10), "{c:?}");
            assert!(m.full(500 * MIB, 10) > m.full(10 * MIB, 10), "{c:?}");
        }
        // The measured Parallel points: 122 MiB promoted in 32 and 44 ms.
        let ms = PauseModel::new(Collector::Parallel, 2)
            .young(122 * MIB, 0, 2)
            .as_secs_f64()
            * 1e3;
        assert!((32.0..=44.0).contains(&ms), "{ms} ms");
    }

    #[test]
    fn log_reports_quantiles_and_totals() {
        let mut log = PauseLog::new();
        for ms in 1..=100u64 {
            log.record(GcKind::Young, SimDuration(ms * NS_PER_MS), 1);
        }
        log.record(GcKind::Full, SimDuration(500 * NS_PER_MS), 3);
        let s = log.summary(Collector::G1, SimDuration::from_secs(10), SimDuration(0));
        let young = s.of(GcKind::Young).unwrap();
        assert_eq!(young.count, 100);
        let ms = |d: SimDuration| d.nanos() as f64 / 1e6;
        assert!((ms(young.p50) - 50.0).abs() < 0.1, "{:?}", young.p50);
        assert!((ms(young.p99) - 99.0).abs() < 0.1);
        assert!((ms(young.max) - 100.0).abs() < 0.1);
        assert_eq!(young.total, SimDuration(5050 * NS_PER_MS));
        assert_eq!(s.of(GcKind::Full).unwrap().count, 3);
        assert!(s.of(GcKind::Mixed).is_none());
        assert_eq!(s.collections(), 103);
        assert_eq!(s.total_pause, SimDuration(6550 * NS_PER_MS));
        // Pauses are inside the run: 6.55 s of a 10 s run.
        assert!((s.pause_percent - 65.5).abs() < 1e-9);
        // Of which 0.55 s past its end: 6 s of the 10 s stopped.
        let s = log.summary(
            Collector::G1,
            SimDuration::from_secs(10),
            SimDuration(550 * NS_PER_MS),
        );
        assert!((s.pause_percent - 60.0).abs() < 1e-9);
        assert_eq!(s.pause_past_end, SimDuration(550 * NS_PER_MS));
    }
}
