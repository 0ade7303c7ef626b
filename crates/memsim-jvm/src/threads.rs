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
//! `tools/jvm-calibrate` (docs/calibration.md), all of them together commit ≈ 810 KiB of stack
//! whatever the collector (19 threads with G1, 15 Parallel, 14 Serial).

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
    // Invariant: n_threads counts every thread whose stack is in the sums below.
    n_threads: u64,
    reserved: u64,
    touched: u64,
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
    }

    /// Starts `n` threads that touch exactly `touched` bytes each (no Java shadow-page floor).
    pub fn start_native(&mut self, n: u64, stack: u64, touched: u64) {
        self.n_threads += n;
        self.reserved += n * stack;
        self.touched += n * touched.min(stack.saturating_sub(GUARD_BYTES));
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
    }

    /// Live threads.
    pub fn count(&self) -> u64 {
        self.n_threads
    }

    /// NMT `Thread`: stacks plus per-thread malloc.
    pub fn usage(&self) -> Usage {
        let malloc = self.n_threads * THREAD_MALLOC_BYTES;
        let committed = self.touched + self.n_threads * GUARD_BYTES;
        Usage {
            reserved: self.reserved.max(committed) + malloc,
            committed: committed + malloc,
            resident: self.touched + malloc,
        }
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
}
