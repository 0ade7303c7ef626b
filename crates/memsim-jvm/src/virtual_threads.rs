//! JDK 21's virtual threads: their stacks live on the Java heap, their carriers are platform threads.
//!
//! A virtual thread that blocks (parks, waits on I/O) unmounts from its carrier: HotSpot copies its
//! frames into stack chunks (`jdk.internal.vm.StackChunk`), ordinary heap objects, and the thread
//! itself is a few heap objects (`VirtualThread`, its `Continuation`, the task). So a parked virtual
//! thread costs heap, not a native stack: no `Thread` NMT, no guard pages, no glibc arena. They run
//! on the default scheduler, a `ForkJoinPool` whose parallelism is the processor count, whose
//! workers (`ForkJoinPool-1-worker-N`) are platform threads started as virtual threads need them.
//!
//! Measured on JDK 21 (`tools/jvm-calibrate/results-jdk21/vt*`: G1, 1 GiB, 10,000 virtual threads
//! parked at the bottom of the workload's recursion of interpreted frames, heap used after
//! `System.gc()`): 1,734 B of live heap per virtual thread with no frames of its own, and
//! 217 B (100 frames) and 215 B (400 frames) more per frame, where the same interpreted frame takes
//! 208 B of a platform thread's stack: a chunk holds the frames' bytes plus 3.5 %
//! (**approximation**: fitted on interpreted frames only; compiled frames are not measured).
//! Two carriers started at 2 CPUs (NMT 31 threads against 29 without virtual threads).
//! Carriers stay once started (the pool keeps idle workers for 30 s; memsim keeps them to the end:
//! **approximation**).

/// Live heap per parked virtual thread beyond its frames (its objects and the chunk's header).
pub const VIRTUAL_THREAD_HEAP_BYTES: u64 = 1734;

/// Garbage each virtual thread's start leaves on the heap (the objects of its creation, start and
/// first unmount that do not survive): the heap RSS of `vt10k-d0` was 212 MiB for 16.5 MiB live
/// after `System.gc()`, 20 KiB per virtual thread through G1's eden; the runs with deeper stacks
/// (live data filling most of the 1 GiB heap) touched less beyond it, as eden had less room.
/// Fitted on that one configuration (**approximation**: what it is made of is not identified).
pub const START_GARBAGE_BYTES: u64 = 20 * 1024;

/// Heap bytes per 1000 bytes of frames: a stack chunk holds a frame in 3.5 % more than the
/// native stack did (217 B per 208-B interpreted frame at 100 frames, 215 B at 400).
pub const CHUNK_PER_MILLE_OF_STACK: u64 = 1035;

/// Live heap one parked virtual thread holds, with `stack_bytes` of frames (as they would take
/// on a platform thread's stack).
pub const fn heap_bytes(stack_bytes: u64) -> u64 {
    VIRTUAL_THREAD_HEAP_BYTES + stack_bytes.saturating_mul(CHUNK_PER_MILLE_OF_STACK) / 1000
}

/// Carrier threads the default scheduler runs for `virtual_threads` at once on `processors`:
/// one per virtual thread mounted at a time, at most the pool's parallelism.
pub fn carriers(virtual_threads: u64, processors: u32) -> u32 {
    virtual_threads.min(u64::from(processors.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_thousand_threads_at_100_frames_hold_what_was_measured() {
        // vt10k-d100: 232,644 KiB used after System.gc(), 3,505 KiB without virtual threads.
        let measured = (232_644u64 - 3_505) * 1024;
        let modelled = 10_000 * heap_bytes(100 * 208);
        let err = modelled.abs_diff(measured) as f64 / measured as f64;
        assert!(err < 0.01, "{modelled} vs {measured}");
        // vt10k-d400: 859,279 KiB.
        let measured = (859_279u64 - 3_505) * 1024;
        let modelled = 10_000 * heap_bytes(400 * 208);
        assert!(modelled.abs_diff(measured) as f64 / (measured as f64) < 0.01);
        assert_eq!(carriers(10_000, 2), 2);
        assert_eq!(carriers(1, 8), 1);
        assert_eq!(carriers(0, 8), 0);
    }
}
