//! The collector's per-worker native structures (NMT `GC`), which follow `ParallelGCThreads`.
//!
//! `gc::gc_usage` is fitted on 2 CPUs (2 workers); this adds what each further worker costs, or
//! takes off what one fewer saves. HotSpot allocates these for *every* worker at startup, whether
//! or not the worker thread has been started yet (`UseDynamicNumberOfGCThreads` only delays the
//! threads): G1's per-worker scanner task queues and concurrent-mark tasks (`G1CMTask`, one per
//! max(ParallelGCThreads, ConcGCThreads)) with their task queues of `TASKQUEUE_SIZE` (2^17) entries,
//! Parallel's per-worker `ParCompactionManager`s and promotion managers with their marking, region
//! and object-array stacks. They are malloc'd (so NMT counts them as committed) but glibc serves
//! such large blocks with fresh `mmap`s, so they are resident only where used.
//!
//! Measured with `-XX:ActiveProcessorCount=1…32` (1–23 workers, `tools/jvm-calibrate/results/cpu*.json`):
//! GC malloc grew by **2066 KiB per worker for G1** (3484 KiB at 1 worker … 48936 at 23, exactly
//! linear) and **3204 KiB per worker for Parallel** (6413 … 76907), idle or under churn alike.
//! RSS of idle G1 JVMs grew ≈ 52 KiB per worker (46.6 MiB at 2 workers, 47.9 at 23, of which 0.1 MiB
//! is 3 extra compiler threads); Parallel under churn is noisier (±2 MiB run to run), so both use
//! 48 KiB per worker resident — an approximation.

use crate::ergonomics::Collector;
use memsim_core::{JdkVersion, Usage};

const KIB: u64 = 1024;
/// G1: committed per STW worker.
pub const G1_PER_WORKER: u64 = 2066 * KIB;
/// Parallel: committed per STW worker.
pub const PARALLEL_PER_WORKER: u64 = 3204 * KIB;
/// Resident per worker (both collectors).
pub const RESIDENT_PER_WORKER: u64 = 48 * KIB;
/// Workers the fits in `gc.rs` were measured with.
pub const FITTED_WORKERS: u32 = 2;

/// `base` (the 2-worker fit of JDK 17) adjusted to `workers` = `ParallelGCThreads` on `jdk`.
///
/// JDK 17's Parallel makes `ParallelGCThreads + 1` compaction and promotion manager sets (one for
/// the VM thread), JDK 21 `ParallelGCThreads`: one set fewer, 3,204–3,210 KiB less GC malloc
/// measured at 2 and 4 workers (`crate::jdk21`). Resident is unchanged (the set is untouched at rest).
pub fn with_workers_on(base: Usage, collector: Collector, workers: u32, jdk: JdkVersion) -> Usage {
    let u = with_workers(base, collector, workers);
    if jdk == JdkVersion::Jdk17 || collector != Collector::Parallel {
        return u;
    }
    Usage {
        reserved: u.reserved.saturating_sub(PARALLEL_PER_WORKER),
        committed: u.committed.saturating_sub(PARALLEL_PER_WORKER),
        resident: u.resident,
    }
}

/// `base` (the 2-worker fit) adjusted to `workers` = `ParallelGCThreads`.
pub fn with_workers(base: Usage, collector: Collector, workers: u32) -> Usage {
    let per = match collector {
        Collector::G1 => G1_PER_WORKER,
        Collector::Parallel => PARALLEL_PER_WORKER,
        Collector::Serial => return base,
    };
    let w = u64::from(workers);
    let f = u64::from(FITTED_WORKERS);
    // u64 arithmetic: add what is above the fit, subtract what is below (the fit's own share is
    // always at least this much, as gc_usage's malloc part is ≥ 6 MiB for G1 and 9.4 MiB for Parallel).
    let adjust = |x: u64, per: u64| {
        if w >= f {
            x + (w - f) * per
        } else {
            x.saturating_sub((f - w) * per)
        }
    };
    Usage {
        reserved: adjust(base.reserved, per),
        committed: adjust(base.committed, per),
        resident: adjust(base.resident, RESIDENT_PER_WORKER),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_workers_is_the_fit_and_the_slope_is_measured() {
        let base = Usage {
            reserved: 60 << 20,
            committed: 50 << 20,
            resident: 10 << 20,
        };
        assert_eq!(with_workers(base, Collector::G1, 2), base);
        assert_eq!(with_workers(base, Collector::Serial, 0), base);
        // G1, 2 → 23 workers: +21 × 2066 KiB (measured 5551 → 48936 KiB of GC malloc at 512 MiB).
        let u = with_workers(base, Collector::G1, 23);
        assert_eq!(u.committed - base.committed, 21 * 2066 * KIB);
        assert_eq!(u.reserved - base.reserved, 21 * 2066 * KIB);
        // Parallel, 2 → 1: −3204 KiB (measured 9617 → 6413 KiB).
        let u = with_workers(base, Collector::Parallel, 1);
        assert_eq!(base.committed - u.committed, 3204 * KIB);
        assert_eq!(base.resident - u.resident, RESIDENT_PER_WORKER);
    }
}
