//! What the process's native side costs outside NMT's view, and its OS limits: glibc's malloc
//! arenas, memory that libraries malloc for the application's threads, and the thread limit that
//! makes `Thread.start` fail.
//!
//! **glibc malloc arenas** (glibc 2.36 as on Debian 12, `malloc/arena.c` and `malloc/malloc.c`):
//! a thread's first `malloc` binds it to an arena; while there are fewer than the limit, a new one
//! is made (`_int_new_arena` → `new_heap`): a `HEAP_MAX_SIZE` = 2 × `DEFAULT_MMAP_THRESHOLD_MAX` =
//! 64 MiB region aligned to 64 MiB, reserved `PROT_NONE` with only its first pages made accessible
//! and grown by `mprotect` as it is used; beyond the limit threads share the existing arenas. The
//! limit is `MALLOC_ARENA_MAX`, else `NARENAS_FROM_NCORES(n)` = 8 × the CPUs glibc sees (64-bit;
//! `__get_nprocs_sched`, i.e. the machine's or cpuset's CPUs — *not* `-XX:ActiveProcessorCount`;
//! glibc 2.44 lowers it to 1 × CPUs). The main arena is the `brk` heap, not such a region.
//! Every thread the JVM starts mallocs (JavaThread and its handle and resource areas, NMT headers),
//! so the arenas in use are min(threads, limit).
//!
//! Measured with `tools/jvm-calibrate` (`arena{1,2,default}-g1-512m-100t-*`, 2 CPUs, 120 threads):
//! 0, 1 and 15 arena regions besides the main arena (`/proc/<pid>/smaps`: 64 MiB-aligned `rw-p` +
//! `---p` pairs of 64 MiB), and VmSize 2294 / 2329 / 3222 MiB — 64 MiB of address space per arena.
//! Their RSS did not depend on the arena count within the runs' noise: 100 threads each keeping
//! two zlib `Deflater`s open had 83.0, 83.0 and 83.0 MiB of anonymous memory outside the Java heap
//! at 1, 2 and 16 arenas. So arenas here are address space (which counts against `ulimit -v`), not
//! resident memory; the small resident part of an idle arena (its `heap_info` and `malloc_state`,
//! one page) is inside the untracked base fitted on 16 arenas. Fragmentation slack that a workload
//! can leave in many arenas (peaks of freed memory below each arena's top) is workload-dependent and
//! not modelled; the gzip-round measurements (streams closed) kept 15–24 MiB more anonymous memory than
//! the same JVM without zlib at 1, 2 and 16 arenas alike.
//!
//! **Untracked malloc per thread**: native libraries' allocations for the application, which NMT
//! does not see (e.g. zlib: `deflateInit2` with the JDK's defaults — 15 window bits, memLevel 8 —
//! allocates a 64 KiB window, 64 KiB `prev`, 64 KiB `head` and a 64 KiB pending buffer, plus its
//! ~6 KiB state: 262 KiB per open `Deflater`; measured 52.5 MiB for 200 open Deflaters, 262.5 KiB each).
//!
//! **Thread limit**: `pthread_create` fails with `EAGAIN` when the process (or its container's
//! `pids.max`, or its user under `ulimit -u`) may not have another task; HotSpot then throws
//! `java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or
//! process/resource limits reached` from `Thread.start` (`JVM_StartThread` in `jvm.cpp`, the text
//! being `os::native_thread_creation_failed_msg()`), and the thread is not started. The text is the
//! one OpenJDK 17.0.15 printed here under `ulimit -v 4000000` with `-Xss64m` (30 threads started,
//! the 31st failed, after the unified-logging warnings `Failed to start thread "Unknown thread" -
//! pthread_create failed (EAGAIN) …` and `Failed to start the native thread for java.lang.Thread
//! "Thread-30"`); older JDKs said "possible out of memory". Under `ulimit -u 100` (as a non-root
//! user) the same JDK started 79 threads beside its 18 own, the launcher's thread and 2 other tasks
//! of the user: the limit counts every task, as [`ThreadLimit`] does. A cgroup
//! *memory* limit never causes it: stacks are reserved, not charged, and touching them past the
//! limit is an OOM kill instead. Running out of address space (`ulimit -v`, `RLIMIT_AS`) causes it
//! too: the new thread's stack (`-Xss`) and, while glibc makes arenas, the thread's 64 MiB arena
//! must fit ([`threads_within_address_space`]); that is how it was reproduced (see above). Other
//! mmaps failing under `ulimit -v` (heap expansion, metaspace, malloc) crash HotSpot differently and
//! are not modelled, nor is `vm.max_map_count`. The JVM's own GC and compiler threads started on
//! demand count against the same limit; HotSpot carries on with fewer of them when one cannot be
//! created.

use memsim_core::Usage;

const MIB: u64 = 1 << 20;
/// `HEAP_MAX_SIZE` on 64-bit: the address space each non-main arena reserves.
pub const ARENA_HEAP_BYTES: u64 = 64 * MIB;
/// `NARENAS_FROM_NCORES`: arenas per CPU on 64-bit.
pub const ARENAS_PER_CPU: u64 = 8;
/// Bytes zlib mallocs for one open `Deflater` with the JDK's default parameters: four 64 KiB
/// buffers and the ~6 KiB `deflate_state` (measured 262.5 KiB each).
pub const ZLIB_DEFLATER_BYTES: u64 = 4 * 64 * 1024 + 6 * 1024;

/// glibc's arenas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MallocArenas {
    limit: u64,
}

impl MallocArenas {
    /// The arena limit for a machine with `cpus` CPUs (as glibc sees them) and `MALLOC_ARENA_MAX`.
    pub fn new(cpus: u32, malloc_arena_max: Option<u32>) -> MallocArenas {
        MallocArenas {
            limit: malloc_arena_max
                .map_or(ARENAS_PER_CPU * u64::from(cpus.max(1)), u64::from)
                .max(1),
        }
    }

    /// The most arenas, the main one included.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Arenas in use with `threads` threads (every one of which has malloc'd), the main one included.
    pub fn arenas(&self, threads: u64) -> u64 {
        threads.clamp(1, self.limit)
    }

    /// The arenas' own cost: 64 MiB of address space per non-main arena; nothing committed beyond
    /// what the untracked base already holds (see the module documentation).
    pub fn usage(&self, threads: u64) -> Usage {
        Usage {
            reserved: (self.arenas(threads) - 1) * ARENA_HEAP_BYTES,
            committed: 0,
            resident: 0,
        }
    }
}

/// The process's limit on threads, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThreadLimit {
    /// The most tasks (threads) the process may have, the launcher's primordial thread included.
    pub max_threads: Option<u64>,
}

impl ThreadLimit {
    /// How many of `wanted` new threads can start when the process has `live` threads.
    pub fn can_start(&self, live: u64, wanted: u64) -> u64 {
        match self.max_threads {
            None => wanted,
            Some(max) => wanted.min(max.saturating_sub(live)),
        }
    }
}

/// How many of `wanted` new threads fit in `available` bytes of address space when each reserves
/// `stack` bytes and the first `new_arenas` of them also a new glibc arena (64 MiB).
pub fn threads_within_address_space(
    wanted: u64,
    available: u64,
    stack: u64,
    new_arenas: u64,
) -> u64 {
    let with_arena = stack.saturating_add(ARENA_HEAP_BYTES);
    let first = new_arenas.min(wanted);
    if first.saturating_mul(with_arena) > available {
        return available / with_arena;
    }
    let rest = (available - first * with_arena) / stack.max(1);
    first + rest.min(wanted - first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arena_limits_as_measured() {
        // 2 CPUs, 120 threads: 16 arenas (15 regions + main), 1 with MALLOC_ARENA_MAX=1, 2 with 2.
        let d = MallocArenas::new(2, None);
        assert_eq!(d.arenas(120), 16);
        assert_eq!(d.usage(120).reserved, 15 * 64 * MIB);
        assert_eq!(MallocArenas::new(2, Some(1)).usage(120).reserved, 0);
        assert_eq!(MallocArenas::new(2, Some(2)).arenas(120), 2);
        // Few threads: one arena each, no more.
        assert_eq!(MallocArenas::new(64, None).arenas(30), 30);
        assert_eq!(MallocArenas::new(64, None).limit(), 512);
        let u = d.usage(1);
        assert_eq!(u, Usage::default());
    }

    #[test]
    fn address_space_per_thread_is_stack_then_arena() {
        let m = MIB;
        // 10 arenas still to make: the first threads cost 64 MiB + Xss each.
        assert_eq!(threads_within_address_space(100, 650 * m, m, 10), 10);
        assert_eq!(threads_within_address_space(100, 649 * m, m, 10), 9);
        // Past the arenas only the stack.
        assert_eq!(threads_within_address_space(100, 660 * m, m, 10), 20);
        assert_eq!(threads_within_address_space(5, 1 << 40, m, 10), 5);
        assert_eq!(threads_within_address_space(100, 0, m, 0), 0);
    }

    #[test]
    fn thread_limit() {
        let l = ThreadLimit {
            max_threads: Some(100),
        };
        assert_eq!(l.can_start(20, 50), 50);
        assert_eq!(l.can_start(80, 50), 20);
        assert_eq!(l.can_start(120, 5), 0);
        assert_eq!(ThreadLimit::default().can_start(1 << 20, 7), 7);
    }
}
