//! Thread stacks and per-thread native structures (NMT `Thread`, plus shares of `Internal`,
//! `Native Memory Tracking` and `Synchronization`).
//!
//! From `shared/reference/hotspot-memory.md` (JDK 17, 200 threads at Xss 256k/1m/2m):
//! - reserved = `-Xss` per thread;
//! - a 16 KiB guard zone (reserved 1 + yellow 2 + red 1 pages) is committed then protected, never resident;
//! - every thread that ran Java code has touched ≥ 88 KiB: each Java call bangs
//!   `StackShadowPages=20` pages (80 KiB) below the stack pointer, so the floor is not frames;
//!   deeper stacks touch more (≈ 208 B per interpreted frame), given by the workload as bytes;
//! - NMT reports stack *committed* from `mincore()`, i.e. touched pages plus the guard zone;
//! - malloc and arena per thread: Thread 2.95 KiB, Internal 1.7 KiB, NMT 0.5 KiB, Synchronization 0.1 KiB.
//!
//! The JVM's own threads mostly never run Java code, so they have no shadow-page floor: measured with
//! `tools/jvm-calibrate` (docs/calibration.md), the ones started with the JVM together commit ≈ 810 KiB
//! of stack whatever the collector (19 threads with G1, 15 Parallel, 14 Serial). [`JvmThreads`]
//! says which those are and which start later.

use crate::ergonomics::{Collector, Compilation, Ergonomics};
use memsim_core::Usage;

const KIB: u64 = 1024;
/// Guard zone committed but never resident.
pub const GUARD_BYTES: u64 = 16 * KIB;
/// Stack every thread that ran Java code has touched.
pub const TOUCHED_FLOOR_BYTES: u64 = 88 * KIB;
/// Stack the JVM's own threads commit together (guard zones included).
pub const JVM_THREADS_COMMITTED_BYTES: u64 = 810 * KIB;
/// Per-thread malloc and arena in NMT `Thread` (2.95 KiB).
pub const THREAD_MALLOC_BYTES: u64 = 3021;
/// Per-thread share of NMT `Internal` (1.7 KiB).
pub const INTERNAL_PER_THREAD_BYTES: u64 = 1741;
/// Per-thread share of NMT `Native Memory Tracking` (0.5 KiB).
pub const NMT_PER_THREAD_BYTES: u64 = 512;
/// Per-thread share of NMT `Synchronization` (0.1 KiB).
pub const SYNC_PER_THREAD_BYTES: u64 = 102;

/// All live threads' stacks, kept as sums (threads are interchangeable for memory accounting).
#[derive(Debug, Clone, Default)]
pub struct ThreadStacks {
    // Invariant: n_threads counts every thread whose stack is in the sums below; `guard` is
    // GUARD_BYTES for each thread that has HotSpot's guard zone (not the GC and compiler workers
    // added on demand, which are counted by their measured committed stack).
    n_threads: u64,
    reserved: u64,
    touched: u64,
    guard: u64,
}

impl ThreadStacks {
    /// No threads.
    pub fn new() -> ThreadStacks {
        ThreadStacks::default()
    }

    /// The bytes a thread with `-Xss` `stack` that touches `touched` keeps resident.
    pub fn touched_bytes(stack: u64, touched: u64) -> u64 {
        touched
            .max(TOUCHED_FLOOR_BYTES)
            .min(stack.saturating_sub(GUARD_BYTES))
    }

    /// Starts `n` threads with `-Xss` `stack`, each touching `touched` bytes of it.
    pub fn start(&mut self, n: u64, stack: u64, touched: u64) {
        self.n_threads += n;
        self.reserved += n * stack;
        self.touched += n * Self::touched_bytes(stack, touched);
        self.guard += n * GUARD_BYTES;
    }

    /// Starts `n` threads that touch exactly `touched` bytes each (no Java shadow-page floor).
    pub fn start_native(&mut self, n: u64, stack: u64, touched: u64) {
        self.n_threads += n;
        self.reserved += n * stack;
        self.touched += n * touched.min(stack.saturating_sub(GUARD_BYTES));
        self.guard += n * GUARD_BYTES;
    }

    /// Starts `n` worker threads without a guard zone that commit (and keep resident) `committed` bytes of stack each.
    pub fn start_worker(&mut self, n: u64, stack: u64, committed: u64) {
        self.n_threads += n;
        self.reserved += n * stack;
        self.touched += n * committed.min(stack);
    }

    /// Ends `n` workers started by [`ThreadStacks::start_worker`] with the same arguments.
    pub fn end_worker(&mut self, n: u64, stack: u64, committed: u64) {
        assert!(
            n <= self.n_threads,
            "ending {n} threads of {}",
            self.n_threads
        );
        self.n_threads -= n;
        self.reserved -= n * stack;
        self.touched -= n * committed.min(stack);
    }

    /// Ends `n` threads started with the same `stack` and `touched`: their stacks are unmapped.
    pub fn end(&mut self, n: u64, stack: u64, touched: u64) {
        assert!(
            n <= self.n_threads,
            "ending {n} threads of {}",
            self.n_threads
        );
        self.n_threads -= n;
        self.reserved -= n * stack;
        self.touched -= n * Self::touched_bytes(stack, touched);
        self.guard -= n * GUARD_BYTES;
    }

    /// Live threads.
    pub fn count(&self) -> u64 {
        self.n_threads
    }

    /// NMT `Thread`: stacks plus per-thread malloc.
    pub fn usage(&self) -> Usage {
        let malloc = self.n_threads * THREAD_MALLOC_BYTES;
        let committed = self.touched + self.guard;
        Usage {
            reserved: self.reserved.max(committed) + malloc,
            committed: committed + malloc,
            resident: self.touched + malloc,
        }
    }
}

/// Stack a GC worker (STW, concurrent-marking or refinement) commits, all of it resident: HotSpot's
/// native threads have no guard zone, and NMT counts their stacks by `mincore`. Measured with
/// `-XX:ActiveProcessorCount=1…32` under churn (`tools/jvm-calibrate/results/cpu*-20t-churn.json`):
/// 21 more GC workers committed 184–204 KiB more stack, ≈ 9 KiB each; two pages is the model.
pub const GC_WORKER_STACK_BYTES: u64 = 8 * KIB;
/// Stack a C1 compiler thread commits: 36 KiB (32 CPUs: 3 more C1 threads than 2 CPUs, +108 KiB idle).
pub const C1_THREAD_STACK_BYTES: u64 = 36 * KIB;
/// Stack a C2 compiler thread commits: 44–52 KiB measured (`cpu{4,16}-g1-512m-hot2k` against idle).
pub const C2_THREAD_STACK_BYTES: u64 = 48 * KIB;
/// Methods compiled per second that make HotSpot run one more C1 and one more C2 thread (see [`JvmThreads`]).
pub const COMPILES_PER_SEC_PER_THREAD: u64 = 250;
/// `VMThreadStackSize` and `CompilerThreadStackSize` on Linux x86_64: what the JVM's native threads reserve.
pub const VM_THREAD_STACK_BYTES: u64 = 1 << 20;
/// `HeapSizePerGCThread` = `ScaleForWordSize(32 MiB)` on 64-bit (32 MiB × 1.3, word aligned).
pub const HEAP_SIZE_PER_GC_THREAD: u64 = 43_620_760;

/// The JVM's own threads, JDK 17, by kind: which start with the JVM and which on demand.
///
/// At startup (thread names as `/proc/<pid>/task/*/comm` shows them, confirmed at 1…32 CPUs in
/// `tools/jvm-calibrate/results/cpu*-idle.json`): 12 whatever the collector — `main`, VM Thread,
/// Reference Handler, Finalizer, Signal Dispatcher, Service Thread, Monitor Deflation, Notification
/// Thread, Common-Cleaner, Sweeper, VM Periodic Task, and the Attach Listener that `jcmd` starts —
/// plus one C1 and one C2 compiler thread (`UseDynamicNumberOfCompilerThreads`), plus for Parallel
/// one GC worker, for G1 one STW worker, one concurrent-marking worker, one refinement thread, the
/// Main Marker and the Service thread (`UseDynamicNumberOfGCThreads`: `WorkGang` starts one worker,
/// `G1ConcurrentRefineThreadControl::initialize` "always starts the first thread").
///
/// Later:
/// - STW GC workers at each collection, to `WorkerPolicy::calc_active_workers`: every
///   `ParallelGCThreads` when the flag is given, else max(2 × non-daemon threads, committed heap /
///   `HeapSizePerGCThread`, 2) capped at `ParallelGCThreads`; workers never exit (measured: all 23 at
///   32 CPUs after a few young collections with 20 threads);
/// - G1 concurrent-marking workers once marking has run, by the same rule with `ConcGCThreads`;
/// - compiler threads while methods are being compiled: HotSpot adds them as the queues grow (C2 at
///   queue length / 2, C1 at / 4, `CompileBroker::possibly_add_compiler_threads`) and lets them exit
///   after idling. The queue is not modelled; the compile rate stands for it: one C1 and one C2
///   thread per [`COMPILES_PER_SEC_PER_THREAD`] methods per second, capped by `CICompilerCount`'s split,
///   for as long as a phase compiles, then back to one of each. Fitted on two measurements only:
///   2000 hot methods in 4.4–5.4 s (370–450 per second) started 2 C1 and 2 C2 threads at 16 CPUs
///   (1 and 2 at 4 CPUs, the most there). At ≥ 16 CPUs HotSpot also
///   started 1–3 more C1 threads for its own start-up compilations that had not yet exited when
///   measured: not modelled (36 KiB of stack each);
/// - G1 refinement threads beyond the first are activated only by refinement load; measured: still one
///   at 32 CPUs under churn, so not modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JvmThreads {
    /// STW GC workers started.
    pub gc_workers: u32,
    /// G1 concurrent-marking workers started.
    pub conc_workers: u32,
    /// C1 compiler threads running.
    pub c1: u32,
    /// C2 compiler threads running.
    pub c2: u32,
}

impl JvmThreads {
    /// Threads the JVM runs right after startup (NMT's count; `/proc` shows one more, the launcher's).
    pub const fn at_startup(collector: Collector) -> u32 {
        12 + 2
            + match collector {
                Collector::G1 => 5,
                Collector::Parallel => 1,
                Collector::Serial => 0,
            }
    }

    /// Of [`JvmThreads::at_startup`], the native (non-Java) ones, whose stacks are
    /// `VMThreadStackSize` / `CompilerThreadStackSize` (1 MiB) whatever `-Xss`: VM Thread, VM
    /// Periodic Task, the compiler threads and the collector's (G1: STW and marking workers,
    /// refinement, Main Marker, Service; Parallel: one worker). The others (main, Reference Handler,
    /// Finalizer, Signal Dispatcher, Service Thread, Monitor Deflation, Notification, Common-Cleaner,
    /// Sweeper, Attach Listener) reserve `-Xss`. Measured: 221 threads reserved 10 MiB less stack at
    /// `-Xss2m` and 7.5 MiB more at `-Xss256k` than 221 × Xss (`g1-1g-200t-xss{2m,256k}`): 10 threads at 1 MiB.
    pub const fn native_at_startup(collector: Collector) -> u32 {
        2 + 2
            + match collector {
                Collector::G1 => 5,
                Collector::Parallel => 1,
                Collector::Serial => 0,
            }
    }

    /// The compiler threads running right after startup, (C1, C2): one of each compiler there is
    /// (`UseDynamicNumberOfCompilerThreads`), except that a C1-only JVM keeps a second C1 thread for
    /// the JDK's own start-up compilations (measured at 2 CPUs, `tools/jvm-flags/results/c1only-*`:
    /// two `C1 CompilerThread`s idle and after 2000 hot methods; tiered runs one C1 there, its most).
    pub fn startup_compilers(
        compilation: Compilation,
        c1_threads: u32,
        c2_threads: u32,
    ) -> (u32, u32) {
        let c1 = match compilation {
            Compilation::C1Only => c1_threads.min(2),
            _ => c1_threads.min(1),
        };
        (c1, c2_threads.min(1))
    }

    /// The on-demand threads right after startup.
    pub fn new(e: &Ergonomics) -> JvmThreads {
        let (c1, c2) = Self::startup_compilers(e.compilation, e.c1_threads, e.c2_threads);
        JvmThreads {
            gc_workers: u32::from(e.parallel_gc_threads > 0),
            conc_workers: u32::from(e.conc_gc_threads > 0),
            c1,
            c2,
        }
    }

    /// `WorkerPolicy::calc_default_active_workers` without its slow decrease (workers never exit).
    fn active_workers(total: u32, min: u32, non_daemon: u64, heap_committed: u64) -> u32 {
        let by_threads = non_daemon.saturating_mul(2).max(u64::from(min));
        let by_heap = (heap_committed / HEAP_SIZE_PER_GC_THREAD).max(2);
        by_threads.max(by_heap).min(u64::from(total)) as u32
    }

    /// The on-demand threads wanted now: after `collected` (a collection has run), `marked` (G1
    /// concurrent marking has run), while methods are compiled at `compile_rate` per second,
    /// with `non_daemon` non-daemon Java threads (the application's and `main`) and the committed
    /// heap. Started GC workers are never fewer.
    pub fn wanted(
        &self,
        e: &Ergonomics,
        collected: bool,
        marked: bool,
        compile_rate: u64,
        non_daemon: u64,
        heap_committed: u64,
    ) -> JvmThreads {
        let mut w = *self;
        if collected && e.parallel_gc_threads > 0 {
            let total = e.parallel_gc_threads;
            let n = if e.parallel_gc_threads_explicit {
                total
            } else {
                Self::active_workers(total, total.min(2), non_daemon, heap_committed)
            };
            w.gc_workers = w.gc_workers.max(n);
        }
        if marked && e.conc_gc_threads > 0 {
            let total = e.conc_gc_threads;
            let n = if e.conc_gc_threads_explicit {
                total
            } else {
                Self::active_workers(total, 1, non_daemon, heap_committed)
            };
            w.conc_workers = w.conc_workers.max(n);
        }
        let n = compile_rate
            .div_ceil(COMPILES_PER_SEC_PER_THREAD)
            .clamp(1, u64::from(u32::MAX)) as u32;
        let (c1_start, c2_start) =
            Self::startup_compilers(e.compilation, e.c1_threads, e.c2_threads);
        (w.c1, w.c2) = (
            n.max(c1_start).min(e.c1_threads),
            n.max(c2_start).min(e.c2_threads),
        );
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_per_thread_costs() {
        let mut t = ThreadStacks::new();
        t.start(200, 1 << 20, 0);
        let u = t.usage();
        // 104 KiB committed stack per thread at depth 0, reserved Xss.
        assert_eq!(u.committed - 200 * THREAD_MALLOC_BYTES, 200 * 104 * KIB);
        assert_eq!(u.reserved - 200 * THREAD_MALLOC_BYTES, 200 << 20);
        assert_eq!(u.resident, 200 * (88 * KIB + THREAD_MALLOC_BYTES));
        t.end(200, 1 << 20, 0);
        assert_eq!(t.usage(), Usage::default());
    }

    #[test]
    fn deep_stacks_are_capped_by_xss() {
        assert_eq!(ThreadStacks::touched_bytes(256 * KIB, 1 << 20), 240 * KIB);
        assert_eq!(ThreadStacks::touched_bytes(1 << 20, 300 * KIB), 300 * KIB);
    }

    fn ergo(cpus: u32, collector: Collector) -> Ergonomics {
        use crate::ergonomics::{JvmFlags, MachineView};
        let m = MachineView {
            ram_bytes: 24 << 30,
            container_limit_bytes: None,
            cores: 2,
        };
        let f = JvmFlags {
            active_processor_count: Some(cpus),
            collector: Some(collector),
            ..JvmFlags::default()
        };
        Ergonomics::resolve(m, f)
    }

    #[test]
    fn startup_threads_are_the_measured_ones() {
        assert_eq!(JvmThreads::at_startup(Collector::G1), 19);
        assert_eq!(JvmThreads::at_startup(Collector::Parallel), 15);
        assert_eq!(JvmThreads::at_startup(Collector::Serial), 14);
        // 10 Java threads in each (with jcmd's Attach Listener), the rest native.
        for c in [Collector::G1, Collector::Parallel, Collector::Serial] {
            assert_eq!(
                JvmThreads::at_startup(c) - JvmThreads::native_at_startup(c),
                10
            );
        }
        let e = ergo(32, Collector::G1);
        assert_eq!(
            JvmThreads::new(&e),
            JvmThreads {
                gc_workers: 1,
                conc_workers: 1,
                c1: 1,
                c2: 1
            }
        );
        let s = ergo(32, Collector::Serial);
        assert_eq!(JvmThreads::new(&s).gc_workers, 0);
    }

    #[test]
    fn gc_workers_start_at_collections() {
        let e = ergo(32, Collector::G1);
        let t = JvmThreads::new(&e);
        // Idle: nothing more.
        assert_eq!(t.wanted(&e, false, false, 0, 11, 512 << 20), t);
        // 20 app threads + main, 512 MiB: 2 × 21 = 42 → all 23 workers (measured: 23).
        let w = t.wanted(&e, true, false, 0, 21, 512 << 20);
        assert_eq!(w.gc_workers, 23);
        // One non-daemon thread and a small heap: two workers.
        let w1 = t.wanted(&e, true, false, 0, 1, 256 << 20);
        assert_eq!(w1.gc_workers, 6, "256 MiB / 41.6 MiB per worker");
        let w1 = t.wanted(&e, true, false, 0, 1, 64 << 20);
        assert_eq!(w1.gc_workers, 2);
        // Never fewer once started.
        assert_eq!(w.wanted(&e, true, false, 0, 1, 64 << 20).gc_workers, 23);
        // Marking: up to ConcGCThreads (6 at 32 CPUs).
        assert_eq!(w.wanted(&e, true, true, 0, 21, 512 << 20).conc_workers, 6);
        // Compiling: a thread of each per 250 methods/s (measured: 2 + 2 at ~400/s), up to 5 C1 + 10 C2.
        let c = w.wanted(&e, true, false, 400, 21, 512 << 20);
        assert_eq!((c.c1, c.c2), (2, 2));
        let c = w.wanted(&e, true, false, 100_000, 21, 512 << 20);
        assert_eq!((c.c1, c.c2), (5, 10));
        let c = c.wanted(&e, true, false, 0, 21, 512 << 20);
        assert_eq!((c.c1, c.c2), (1, 1));
        // One CPU: one worker, whatever the load.
        let one = ergo(1, Collector::G1);
        let t = JvmThreads::new(&one);
        assert_eq!(t.wanted(&one, true, true, 0, 100, 8 << 30).gc_workers, 1);
    }

    #[test]
    fn workers_have_no_guard_zone() {
        let mut t = ThreadStacks::new();
        t.start_worker(3, 1 << 20, GC_WORKER_STACK_BYTES);
        let u = t.usage();
        assert_eq!(
            u.committed - 3 * THREAD_MALLOC_BYTES,
            3 * GC_WORKER_STACK_BYTES
        );
        assert_eq!(u.resident, u.committed);
        t.end_worker(3, 1 << 20, GC_WORKER_STACK_BYTES);
        assert_eq!(t.usage(), Usage::default());
    }
}
