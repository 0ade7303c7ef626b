//! What JDK 17's `java.nio.Bits.reserveMemory` does when a direct buffer does not fit under
//! `MaxDirectMemorySize`, before it throws `Cannot reserve … bytes of direct buffer memory`.
//!
//! The protocol (jdk17u, `src/java.base/share/classes/java/nio/Bits.java`):
//! 1. one optimistic `tryReserveMemory`;
//! 2. while the reference handler has pending references (Cleaners that free direct buffers), wait
//!    for it and try again — at least one try after the first wait;
//! 3. `System.gc()` (a full collection with Serial, Parallel and G1 unless
//!    `-XX:+ExplicitGCInvokesConcurrent`; nothing with `-XX:+DisableExplicitGC`);
//! 4. up to `MAX_SLEEPS` = 9 more rounds: try, and when no reference is pending sleep 1, 2, 4 … 256 ms
//!    (511 ms in all), then a last try; then the `OutOfMemoryError`.
//!
//! memsim frees a direct buffer the moment the application drops it (no Cleaner runs later), so no
//! reference is ever pending: a failing reservation makes 12 tries, one `System.gc()` and 9 sleeps.
//! Measured here (`mech-*-maxdirect64m-direct100m`, JDK 17.0.15): the failing `allocateDirect` took
//! 527 ms, the 511 ms of sleeps plus the full collection. The sleeps are not put on the simulated
//! timeline (the thread's wait is not modelled); the collection is, by the caller.

/// `Bits.MAX_SLEEPS`: the sleeps of the back-off loop.
pub const MAX_SLEEPS: u32 = 9;

/// What one reservation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BitsAttempt {
    /// Whether the bytes were reserved in the end.
    pub reserved: bool,
    /// Calls of `tryReserveMemory`.
    pub tries: u32,
    /// `System.gc()` calls (0 or 1).
    pub system_gcs: u32,
    /// Sleeps of the back-off loop, and their total.
    pub sleeps: u32,
    /// Milliseconds slept.
    pub slept_ms: u64,
}

/// Runs the protocol with no reference ever pending: `try_reserve` is `tryReserveMemory`,
/// `system_gc` the collection (which may let a later try succeed, e.g. when the caller frees
/// buffers whose owners it collected).
pub fn reserve_memory(
    mut try_reserve: impl FnMut() -> bool,
    mut system_gc: impl FnMut(),
) -> BitsAttempt {
    let mut a = BitsAttempt::default();
    let mut attempt = |a: &mut BitsAttempt| {
        a.tries += 1;
        a.reserved = try_reserve();
        a.reserved
    };
    // The optimistic try, then one try after waiting for the (idle) reference handler.
    if attempt(&mut a) || attempt(&mut a) {
        return a;
    }
    system_gc();
    a.system_gcs = 1;
    let mut sleep_ms = 1;
    loop {
        if attempt(&mut a) || a.sleeps >= MAX_SLEEPS {
            return a;
        }
        a.sleeps += 1;
        a.slept_ms += sleep_ms;
        sleep_ms <<= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reservation_that_fits_tries_once() {
        let mut gcs = 0;
        let a = reserve_memory(|| true, || gcs += 1);
        assert_eq!(
            (a.reserved, a.tries, a.system_gcs, a.sleeps),
            (true, 1, 0, 0)
        );
        assert_eq!(gcs, 0);
    }

    /// The JDK's failing `allocateDirect`: 12 tries, one `System.gc()`, 9 sleeps of 1…256 ms.
    #[test]
    fn a_failing_reservation_collects_once_and_sleeps_511_ms() {
        let mut gcs = 0;
        let a = reserve_memory(|| false, || gcs += 1);
        assert_eq!(
            a,
            BitsAttempt {
                reserved: false,
                tries: 12,
                system_gcs: 1,
                sleeps: 9,
                slept_ms: 511,
            }
        );
        assert_eq!(gcs, 1);
    }

    /// Memory the collection frees (buffers whose owners it collected) is found by the first try
    /// after it, before any sleep.
    #[test]
    fn memory_freed_by_the_collection_is_found_without_sleeping() {
        let mut freed = false;
        let free = std::cell::Cell::new(false);
        let a = reserve_memory(
            || free.get(),
            || {
                freed = true;
                free.set(true);
            },
        );
        assert!(freed);
        assert_eq!(
            (a.reserved, a.tries, a.system_gcs, a.sleeps),
            (true, 3, 1, 0)
        );
    }
}
