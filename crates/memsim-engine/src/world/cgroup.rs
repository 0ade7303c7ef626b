//! The kernel's side of the memory limit: what the memory cgroup charges, what reclaim takes
//! before anything is killed, when the process thrashes, and when the OOM killer runs.
//!
//! Mechanisms (Linux `Documentation/admin-guide/cgroup-v1/memory.rst`, `cgroup-v2.rst`,
//! `mm/memcontrol.c`, `mm/vmscan.c`, `mm/workingset.c`):
//! - The charge is anonymous pages + page cache + kernel memory: a page is charged to the group of
//!   the task that first faults or reads it, whether a mapping holds it or not (so files the JVM
//!   reads or writes count, its RSS does not decide). Kernel memory per task (its kernel stack,
//!   16 KiB on x86-64, and `task_struct` and friends) is charged too (`__GFP_ACCOUNT`).
//! - At the limit, `try_charge` reclaims from the group's own LRU lists before it gives up: clean
//!   file pages are dropped (mapped ones after a second look at their referenced bit, so pages in
//!   use are taken last); dirty ones only once written back (reclaim wakes the flushers and, on
//!   v1, waits for writeback: the writer is throttled, not killed). Without swap, anonymous
//!   memory cannot be reclaimed.
//! - When reclaim has to take pages the process keeps using — the text of libjvm and libc, the
//!   CDS archive, the module image, the hot part of its mapped files — they are faulted straight
//!   back (refaults, `workingset_refault_file`): the process thrashes, its threads and its
//!   collections stalled on major faults, at the limit.
//! - The OOM killer runs only when a charge still fails after reclaim retries
//!   (`MAX_RECLAIM_RETRIES`), i.e. once almost no file page is left to take; because refaulted
//!   pages keep reclaim "making progress", that takes a while after the anonymous and kernel
//!   memory alone reach the limit.
//!
//! **Approximations**: file pages are aggregate byte counts in a fixed reclaim order (written
//! files' page cache, the JVM's unmapped page cache, cold mapped pages, cold library pages, then
//! the hot pages), not LRU lists; writeback runs at a fixed device rate whenever there are dirty
//! pages (the real flushers start on age or global dirty thresholds, or when reclaim wakes them);
//! while the process waits at the limit for the kill, its simulated work goes on (the real one is
//! stalled), so anonymous memory can show above the limit for that while.
//!
//! The fitted constants were fitted on the fit set of `tools/cgroup-oom` (`fit-baseline`,
//! `fit-threads`, `fit-slow`: kernel 6.18, cgroup v1, OpenJDK 17.0.15) and judged on the rest of
//! the battery (`crates/memsim-engine/tests/cgroup.rs`).

use memsim_core::{ByteSize, Charge, Pressure, SimDuration, SimTime};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Kernel memory charged per thread: the 16 KiB kernel stack, `task_struct`, and the rest of a
/// task's kernel structures. Fitted on `fit-threads`: 2000 idle threads add 45.8 MiB to
/// `memory.kmem.usage_in_bytes`, 23.5 KiB each.
pub(crate) const KERNEL_PER_THREAD_BYTES: u64 = 24_064;

/// Kernel memory charged per process beside its threads (page tables of a small JVM, its mm).
/// Fitted on `fit-baseline`: 0.70 MiB of kernel memory, less 23.5 KiB for each of the 14 threads
/// memsim starts for that JVM.
pub(crate) const KERNEL_BASE_BYTES: u64 = 384 * KIB;

/// Page cache of the JVM's own files that no mapping holds (read-ahead of the module image and of
/// libjvm around what is mapped). Fitted on `fit-baseline`: 45.2 MiB of `cache`, of which memsim's
/// `Libraries` account (21 MiB) is the mapped part; the rest.
pub(crate) const JVM_UNMAPPED_CACHE_BYTES: u64 = 24 * MIB + 256 * KIB;

/// File pages the JVM keeps using while it runs Java code (text of libjvm and libc, the parts of
/// the CDS archive and module image its classes live in): once reclaim has to take them it
/// thrashes. Fitted on `fit-slow` (direct buffers growing at 4 MiB/s into a 128 MiB limit): major
/// faults jump (8 to 176 within a second) when the group's page cache falls to 8.6 MiB, its mapped
/// part to nothing. **Approximation**: the hot set depends on the workload; a thread that only
/// calls `Unsafe` in a compiled loop hardly needs it, so it does not slow down (see
/// [`THRASH_SLOWDOWN`]).
pub(crate) const JVM_HOT_FILE_BYTES: u64 = 8 * MIB + 512 * KIB;

/// File pages the kernel moves to the active list once reclaim scans them (referenced mapped pages
/// of the JVM's files), part of the working set from then on. Fitted on `fit-slow`: `active_file`
/// after the group first reached its limit.
pub(crate) const JVM_ACTIVE_FILE_BYTES: u64 = 9 * MIB;

/// Page cache the kernel cannot take even at the end (pages locked or under I/O at that instant):
/// the kill comes once the anonymous and kernel memory leave less than this. Fitted on `fit-slow`:
/// `cache` in its last samples (0.6 to 0.1 MiB).
pub(crate) const MIN_FILE_BYTES: u64 = 512 * KIB;

/// How long the kernel goes on reclaiming after the unreclaimable memory leaves no room, before
/// the OOM killer runs (charge retries that "make progress" on refaulted pages). Fitted on
/// `fit-fast` (live heap as fast as the JVM allocates into a 128 MiB limit): at the limit at 0.70 s,
/// killed at 1.00 s.
pub(crate) const KILL_DELAY: SimDuration = SimDuration::from_millis(300);

/// How much slower a thrashing JVM grows than memsim's workload, which does not slow down: the
/// time from thrashing to running out of room is stretched by this factor. Fitted on `fit-slow`:
/// 12.4 s from thrashing to the kill on the kernel, against 1.9 s for memsim's 4 MiB/s to eat the
/// 8.5 MiB of hot pages (less `MIN_FILE_BYTES`) plus `KILL_DELAY`: (12.4 − 0.3) / 1.9.
/// **Approximation**: one factor for every workload; the battery's Unsafe loop (`unsafe-slow-kill`)
/// was killed 1.3 s after it began thrashing, memsim says 12.8 s.
pub(crate) const THRASH_SLOWDOWN: u64 = 64;
/// The unit of [`THRASH_SLOWDOWN`] (tenths).
const THRASH_SLOWDOWN_DIV: u64 = 10;

/// The device's write rate for writeback of dirty page cache (the same 200 MiB/s the database's
/// checkpoint model assumes).
pub(crate) const WRITEBACK_BYTES_PER_SEC: u64 = 200 * MIB;

/// What the process asks of memory at one instant, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Demand {
    /// Anonymous resident memory (the ledger's anonymous accounts).
    pub anon: u64,
    /// Live threads, the JVM's own included.
    pub threads: u64,
    /// The mapped pages of the JVM's own files (the `Libraries` account).
    pub libraries: u64,
    /// Pages of mapped files touched so far.
    pub mapped: u64,
    /// Of which hot (read again and again).
    pub mapped_hot: u64,
    /// Page cache of files written with `write()` so far.
    pub written: u64,
    /// Bytes dirtied (written through a mapping or with `write()`) since the last update.
    pub newly_dirty: u64,
}

/// What stays resident of the file-backed accounts after reclaim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileResident {
    /// Of the JVM's mapped library pages.
    pub libraries: u64,
    /// Of the mapped files' pages.
    pub mapped: u64,
}

/// The group's reclaim, thrashing and kill state over the run.
#[derive(Debug, Clone)]
pub(crate) struct MemCgroup {
    limit: u64,
    dirty: u64,
    last: SimTime,
    // Reclaim has scanned the lists at least once (referenced pages were activated).
    scanned: bool,
    // Since when anonymous + kernel memory leave no room: the kill is due `KILL_DELAY` after.
    out_of_room_since: Option<SimTime>,
    // Since when the current episode of thrashing lasts.
    thrashing: Option<SimTime>,
    charge: Charge,
    pressure: Pressure,
    // The last demand charged and what it left resident. Charging the same demand again with no
    // page dirty changes nothing (see `update`), so it is not recomputed: on a request load the
    // demand stays the same over most events once the heap and the pool are touched.
    last_charged: Option<(Demand, FileResident)>,
}

impl MemCgroup {
    pub(crate) fn new(limit: u64) -> MemCgroup {
        MemCgroup {
            limit,
            dirty: 0,
            last: SimTime::ZERO,
            scanned: false,
            out_of_room_since: None,
            thrashing: None,
            charge: Charge::default(),
            pressure: Pressure::default(),
            last_charged: None,
        }
    }

    /// Kernel memory of a process with `threads` threads.
    pub(crate) fn kernel_bytes(threads: u64) -> u64 {
        KERNEL_BASE_BYTES + KERNEL_PER_THREAD_BYTES * threads
    }

    /// Applies writeback since the last update, charges the demand, reclaims what does not fit, and
    /// updates thrashing and the pending kill. Returns what stays resident of the mapped accounts.
    ///
    /// The same demand as the last one, with no page dirty before or by it, is not recomputed: the
    /// update is idempotent then. Writeback needs dirty pages (so the time since the last update,
    /// left behind, is not read until some are); reclaim, the charge, the peaks and the working
    /// set follow from the demand, the dirty pages and `scanned`, which the first update set
    /// before it read it; thrashing and running out of room keep the instants the first update
    /// recorded. `--check-invariants` checks this against a fresh update after every event.
    pub(crate) fn update(&mut self, now: SimTime, d: &Demand) -> FileResident {
        if self.dirty == 0
            && d.newly_dirty == 0
            && let Some((last, kept)) = self.last_charged
            && last == *d
        {
            return kept;
        }
        let kept = self.recharge(now, d);
        self.last_charged = Some((*d, kept));
        kept
    }

    /// [`MemCgroup::update`] without its shortcut, and whether it left the group's state as
    /// `cached` (the same group after `update` of the same demand) holds it: the time of the last
    /// update apart, which a shortcut leaves behind.
    pub(crate) fn recharged_equals(&self, now: SimTime, d: &Demand, cached: &MemCgroup) -> bool {
        let mut fresh = self.clone();
        let kept = fresh.recharge(now, d);
        cached.last_charged.map(|(_, k)| k) == Some(kept)
            && fresh.limit == cached.limit
            && fresh.dirty == cached.dirty
            && fresh.scanned == cached.scanned
            && fresh.out_of_room_since == cached.out_of_room_since
            && fresh.thrashing == cached.thrashing
            && fresh.charge == cached.charge
            && fresh.pressure == cached.pressure
    }

    fn recharge(&mut self, now: SimTime, d: &Demand) -> FileResident {
        let elapsed = now.since(self.last).nanos();
        self.last = now;
        // Nothing dirty (or no time passed): nothing to clean, without the wide division.
        let cleaned = if self.dirty == 0 || elapsed == 0 {
            0
        } else {
            (u128::from(WRITEBACK_BYTES_PER_SEC) * u128::from(elapsed) / 1_000_000_000)
                .min(u128::from(u64::MAX)) as u64
        };
        self.dirty = self.dirty.saturating_sub(cleaned) + d.newly_dirty;
        let kernel = Self::kernel_bytes(d.threads);
        let unreclaimable = d.anon + kernel;
        let hot = JVM_HOT_FILE_BYTES.min(d.libraries) + d.mapped_hot.min(d.mapped);
        // Dirty pages that do not fit beside what cannot go: their writer waits for writeback.
        let dirty_room = self.limit.saturating_sub(unreclaimable + hot);
        let file_pages = d.written + d.mapped + d.libraries + JVM_UNMAPPED_CACHE_BYTES;
        self.dirty = self.dirty.min(file_pages);
        if self.dirty > dirty_room {
            let excess = self.dirty - dirty_room;
            self.pressure.writeback_wait_nanos +=
                (u128::from(excess) * 1_000_000_000 / u128::from(WRITEBACK_BYTES_PER_SEC)) as u64;
            self.dirty = dirty_room;
        }
        let clean = file_pages - self.dirty;
        let room_for_clean = self.limit.saturating_sub(unreclaimable + self.dirty);
        let mut to_reclaim = clean.saturating_sub(room_for_clean);
        if to_reclaim > 0 {
            self.scanned = true;
        }
        // Reclaim order: written files' clean pages, the JVM's unmapped page cache, cold mapped
        // pages, cold library pages, then the hot ones.
        let mut take = |available: u64| {
            let t = available.min(to_reclaim);
            to_reclaim -= t;
            t
        };
        let written_dirty = self.dirty.min(d.written);
        let mapped_dirty = (self.dirty - written_dirty).min(d.mapped);
        let _ = take(d.written - written_dirty);
        let _ = take(JVM_UNMAPPED_CACHE_BYTES);
        let mapped_hot = d.mapped_hot.min(d.mapped - mapped_dirty);
        let mapped_cold_taken = take(d.mapped - mapped_dirty - mapped_hot);
        let lib_hot = JVM_HOT_FILE_BYTES.min(d.libraries);
        let lib_cold_taken = take(d.libraries - lib_hot);
        let mapped_hot_taken = take(mapped_hot);
        let lib_hot_taken = take(lib_hot);
        let file_kept = file_pages - (clean.saturating_sub(room_for_clean) - to_reclaim);
        let charge = (unreclaimable + file_kept).min(self.limit.max(unreclaimable));
        let active_file = if self.scanned {
            (JVM_ACTIVE_FILE_BYTES.min(d.libraries) + d.mapped_hot)
                .min(file_kept)
                .saturating_sub(lib_hot_taken + mapped_hot_taken)
        } else {
            0
        };
        let inactive_file = file_kept - active_file.min(file_kept);
        self.charge = Charge {
            charge_bytes: charge.min(self.limit),
            working_set_bytes: charge.min(self.limit).saturating_sub(inactive_file),
            file_bytes: file_kept,
            dirty_bytes: self.dirty,
            kernel_bytes: kernel,
        };
        self.pressure.peak_charge_bytes = self
            .pressure
            .peak_charge_bytes
            .max(self.charge.charge_bytes);
        self.pressure.peak_working_set_bytes = self
            .pressure
            .peak_working_set_bytes
            .max(self.charge.working_set_bytes);
        // Thrashing: the pages in use do not fit beside the anonymous and kernel memory.
        let thrashing = unreclaimable + hot > self.limit;
        if thrashing {
            self.thrashing.get_or_insert(now);
            if self.pressure.thrashing_since.is_none() {
                self.pressure.thrashing_since = Some(now);
            }
            self.pressure.thrashing_until = None;
        } else {
            self.thrashing = None;
            if self.pressure.thrashing_since.is_some() && self.pressure.thrashing_until.is_none() {
                self.pressure.thrashing_until = Some(now);
            }
        }
        if unreclaimable + MIN_FILE_BYTES.min(file_pages) > self.limit {
            self.out_of_room_since.get_or_insert(now);
        } else {
            self.out_of_room_since = None;
        }
        FileResident {
            libraries: d.libraries - lib_cold_taken - lib_hot_taken,
            mapped: d.mapped - mapped_cold_taken - mapped_hot_taken,
        }
    }

    /// When the OOM killer runs if nothing changes: `KILL_DELAY` after the group ran out of room,
    /// the time it thrashed before that stretched by [`THRASH_SLOWDOWN`] (the real process, stalled
    /// on major faults, takes that much longer to eat its hot pages than memsim's workload).
    pub(crate) fn kill_due(&self) -> Option<SimTime> {
        let out = self.out_of_room_since?;
        let thrashed = self
            .thrashing
            .filter(|t| *t <= out)
            .map_or(0, |t| out.since(t).nanos());
        let stretch = u128::from(thrashed) * u128::from(THRASH_SLOWDOWN - THRASH_SLOWDOWN_DIV)
            / u128::from(THRASH_SLOWDOWN_DIV);
        let stretch = SimDuration(stretch.min(u128::from(u64::MAX / 4)) as u64);
        Some(out.after(stretch).after(KILL_DELAY))
    }

    /// The charge at the last update.
    pub(crate) fn charge(&self) -> Charge {
        self.charge
    }

    /// Thrashing and peaks over the run so far.
    pub(crate) fn pressure(&self) -> Pressure {
        self.pressure
    }

    /// The kernel's wording of the charge, for the kill message, the charge printed as `charge`
    /// (so that it can be printed apart from the limit beside it).
    pub(crate) fn describe(&self, charge: &str) -> String {
        format!(
            "charge {charge} (page cache {}, kernel {})",
            ByteSize(self.charge.file_bytes),
            ByteSize(self.charge.kernel_bytes)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 160 * MIB;

    fn jvm(anon: u64) -> Demand {
        Demand {
            anon,
            threads: 14,
            libraries: 21 * MIB,
            ..Demand::default()
        }
    }

    fn at_ms(ms: u64) -> SimTime {
        SimTime::ZERO.after(SimDuration::from_millis(ms))
    }

    #[test]
    fn under_the_limit_everything_is_charged_and_file_pages_are_inactive() {
        let mut g = MemCgroup::new(LIMIT);
        let kept = g.update(at_ms(0), &jvm(24 * MIB));
        assert_eq!(kept.libraries, 21 * MIB);
        let c = g.charge();
        let kernel = KERNEL_BASE_BYTES + 14 * KERNEL_PER_THREAD_BYTES;
        assert_eq!(c.kernel_bytes, kernel);
        assert_eq!(c.file_bytes, 21 * MIB + JVM_UNMAPPED_CACHE_BYTES);
        assert_eq!(c.charge_bytes, 24 * MIB + kernel + c.file_bytes);
        // Nothing scanned yet: every file page is inactive, the working set is anon + kernel.
        assert_eq!(c.working_set_bytes, 24 * MIB + kernel);
        assert_eq!(g.kill_due(), None);
        assert_eq!(g.pressure().thrashing_since, None);
    }

    #[test]
    fn clean_mapped_pages_are_reclaimed_cold_first_and_nothing_is_killed() {
        let mut g = MemCgroup::new(LIMIT);
        let d = Demand {
            mapped: 512 * MIB,
            mapped_hot: 16 * MIB,
            ..jvm(24 * MIB)
        };
        let kept = g.update(at_ms(100), &d);
        let c = g.charge();
        assert_eq!(c.charge_bytes, LIMIT);
        // The JVM's unmapped page cache and cold index pages went; its libraries and the hot pages stay.
        assert_eq!(kept.libraries, 21 * MIB);
        assert_eq!(
            kept.mapped,
            LIMIT - 24 * MIB - c.kernel_bytes - 21 * MIB,
            "{kept:?}"
        );
        assert!(kept.mapped >= 16 * MIB);
        // Scanned: the JVM's referenced pages and the hot index pages are active.
        assert_eq!(
            c.working_set_bytes,
            24 * MIB + c.kernel_bytes + JVM_ACTIVE_FILE_BYTES + 16 * MIB
        );
        assert_eq!(g.kill_due(), None);
        assert_eq!(g.pressure().thrashing_since, None);
    }

    #[test]
    fn dirty_pages_wait_for_writeback_instead_of_killing() {
        let mut g = MemCgroup::new(LIMIT);
        let d = Demand {
            mapped: 512 * MIB,
            newly_dirty: 512 * MIB,
            ..jvm(24 * MIB)
        };
        g.update(at_ms(100), &d);
        let c = g.charge();
        assert!(c.dirty_bytes < LIMIT, "{c:?}");
        assert!(g.pressure().writeback_wait_nanos > 0);
        assert_eq!(g.kill_due(), None);
        // A second later the device has written 200 MiB back: nothing is dirty any more.
        g.update(
            at_ms(1100),
            &Demand {
                newly_dirty: 0,
                ..d
            },
        );
        assert_eq!(g.charge().dirty_bytes, 0);
    }

    #[test]
    fn a_slow_growth_thrashes_then_is_killed_with_the_thrashing_stretched() {
        let mut g = MemCgroup::new(LIMIT);
        let kernel = MemCgroup::kernel_bytes(14);
        // Anonymous memory leaves room for the hot pages: no thrashing.
        g.update(at_ms(0), &jvm(LIMIT - kernel - JVM_HOT_FILE_BYTES - MIB));
        assert_eq!(g.pressure().thrashing_since, None);
        // Past that, thrashing from 1 s.
        g.update(at_ms(1000), &jvm(LIMIT - kernel - JVM_HOT_FILE_BYTES + MIB));
        assert_eq!(g.pressure().thrashing_since, Some(at_ms(1000)));
        assert_eq!(g.kill_due(), None);
        // Out of room at 2 s: the kill is due KILL_DELAY after, plus the 1 s of thrashing stretched.
        g.update(at_ms(2000), &jvm(LIMIT - kernel));
        let stretch = SimDuration::from_millis(
            1000 * (THRASH_SLOWDOWN - THRASH_SLOWDOWN_DIV) / THRASH_SLOWDOWN_DIV,
        );
        assert_eq!(
            g.kill_due(),
            Some(at_ms(2000).after(stretch).after(KILL_DELAY))
        );
        // Memory freed before the kill: no kill, still thrashing; then room again.
        g.update(at_ms(2500), &jvm(LIMIT - kernel - JVM_HOT_FILE_BYTES + MIB));
        assert_eq!(g.kill_due(), None);
        g.update(at_ms(3000), &jvm(64 * MIB));
        assert_eq!(g.pressure().thrashing_until, Some(at_ms(3000)));
        assert_eq!(g.pressure().thrashing_since, Some(at_ms(1000)));
    }

    #[test]
    fn a_repeated_demand_is_charged_as_a_fresh_update_would_charge_it() {
        let mut g = MemCgroup::new(LIMIT);
        let d = Demand {
            mapped: 512 * MIB,
            mapped_hot: 16 * MIB,
            ..jvm(24 * MIB)
        };
        let first = g.update(at_ms(100), &d);
        let before = g.clone();
        assert_eq!(g.update(at_ms(200), &d), first);
        assert!(before.recharged_equals(at_ms(200), &d, &g));
        // Dirty pages: the same demand again is recomputed, and writeback goes on between updates.
        let dirtying = Demand {
            newly_dirty: 300 * MIB,
            ..jvm(24 * MIB)
        };
        let d = Demand {
            newly_dirty: 0,
            ..dirtying
        };
        g.update(at_ms(1000), &dirtying);
        g.update(at_ms(1100), &d);
        let dirty = g.charge().dirty_bytes;
        assert!(dirty > 0, "{:?}", g.charge());
        let before = g.clone();
        g.update(at_ms(1200), &d);
        assert_eq!(g.charge().dirty_bytes, dirty.saturating_sub(20 * MIB));
        assert!(before.recharged_equals(at_ms(1200), &d, &g));
    }

    #[test]
    fn a_sudden_demand_is_killed_after_the_delay() {
        let mut g = MemCgroup::new(LIMIT);
        g.update(at_ms(500), &jvm(LIMIT + 10 * MIB));
        assert_eq!(g.kill_due(), Some(at_ms(500).after(KILL_DELAY)));
        assert_eq!(g.charge().charge_bytes, LIMIT);
        assert!(g.pressure().peak_charge_bytes <= LIMIT);
    }
}
