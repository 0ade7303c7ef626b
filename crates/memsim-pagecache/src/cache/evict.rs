//! Eviction: Neo4j's CLOCK with its usage rule, its background evictor and faulting threads'
//! cooperative eviction.
//!
//! Sources (facts read from Neo4j's 3.5/4.x sources, not code): `PageList` (`incrementUsage`,
//! `decrementUsage`, `tryEvict`, `clearBinding`), `PageListTest.usageCounterMustGoUpToFour`,
//! `MuninnPageCache` (`grabFreeAndExclusivelyLockedPage`, `cooperativelyEvict`,
//! `continuouslySweepPages`, `parkUntilEvictionRequired`, `evictPages`, `addFreePageToFreelist`),
//! `MuninnPageCursor` (`pin`, `uncommonPin`) and the `pinCursorToPage` of `MuninnReadPageCursor`
//! and `MuninnWritePageCursor`.
//!
//! # The usage counter (3 bits of the state word, capped at [`MAX_USAGE_COUNT`] = 4)
//! - **Pins raise it.** Every pin increments it up to the cap: a hit and a fault alike (both paths
//!   of `MuninnPageCursor.pin` end in `pinCursorToPage`), read and write cursors alike. Eviction
//!   clears the page's binding word, counter included, so a page faulted in starts at 0 and its
//!   first pin leaves it at 1. Unpins and flushes leave it alone. Neo4j's only pin that does not
//!   count is one that does not happen: a no-fault cursor on a page that is not cached; memsim has
//!   no such cursor, and no pin that skips the counter.
//! - **The arm lowers it, and evicts in the same visit.** A visit of a loaded page decrements the
//!   counter (if above 0) and calls the page *evictable* when the counter **was at most 1**, and
//!   the arm then tries to evict it at once. So four visits evict a page at the cap (the fourth
//!   finds 1), and a page pinned once since it was faulted goes on the first visit.
//! - **Locks do not stop the counter.** Neo4j decrements whatever locks the page holds; only the
//!   eviction itself (`tryEvict`, an exclusive lock) fails on a locked page. Here it fails on a page
//!   pinned (read or write), being flushed, or held exclusive. *Approximation*: Neo4j's readers
//!   hold no lock (their reads are optimistic and retried), so a page being read can be evicted
//!   under them; here a read pin keeps it (`cache.rs`).
//! - Pages that are not loaded (free frames: exclusive and unbound) are passed over untouched.
//!
//! # The background evictor ([`MuninnPageCache::run_evictor`])
//! Neo4j's eviction thread parks (10 ms at a time) until the free list holds fewer than
//! `pagesToKeepFree` pages, or until a faulting thread that found the free list empty unparks it;
//! it then asks `evictPages` for the shortfall. Its clock arm is its own: it starts at page 0 when
//! the thread starts, continues where the last run stopped and wraps at the page count. Every
//! *evictable* visit counts against the request whether or not the eviction succeeds (a pinned
//! page that reports evictable uses up one of the run's evictions). Evicted pages go on the free
//! list. The reserve is 30 pages (`pagesToKeepFree`) in the 3.5/4.0-era source read here; Neo4j 5
//! keeps 5 % instead (`percentPagesToKeepFree`), which this model does not follow. Here one call is
//! one wake-up, and whoever drives time decides when it happens: a database wakes it every 10 ms of
//! simulated time at the latest and whenever a fault unparks it (`db/evictor.rs`, with
//! [`super::CacheConfig::evictor_runs_when_unparked`]). Positions past the grabbed frames hold no loaded page, so the
//! arm wraps at the grabbed frames: the same visits, minus no-ops.
//!
//! # Cooperative eviction (a fault that finds no free page)
//! The faulting thread sweeps itself, with an arm of its own that starts at a random page: each
//! visit is the evictor's (decrement; evict when evictable); before every visit it goes back to
//! the free list if that has a page again; it gives up with [`PinError::CacheLiveLock`] when its
//! arm wraps for the `cooperativeEvictionLiveLockThreshold`-th time (100). *Approximation*:
//! Neo4j's start comes from `ThreadLocalRandom`; here from a per-cache stream of draws
//! ([`cooperative_start`]), so that a single-threaded run is reproducible.

use std::sync::atomic::Ordering as HintOrdering;

use super::frames::{DIRTY, EXCLUSIVE, FLUSHING, FreeFrames, USAGE_ONE, pinned, usage};
use super::{EvictorRun, MAX_USAGE_COUNT, MuninnPageCache, PinError, unbind};
use crate::sync::atomic::Ordering;
use crate::sync::spin_wait;

/// What one visit of a clock arm did to a frame.
pub(super) enum Visit {
    /// Not loaded (free, or held exclusive by a fault or another eviction): passed over.
    Passed,
    /// Its counter was above 1: decremented, not evictable yet.
    Aged,
    /// Evictable, but it is pinned or being flushed: not evicted (the counter was still lowered).
    Refused,
    /// Evicted (flushed first if dirty); the frame is left held exclusive for the caller.
    Evicted { flushed: bool },
}

/// The start of the `draw`-th cooperative sweep in a cache of `n_pages` pages: a splitmix64 stream
/// (Neo4j draws it from `ThreadLocalRandom.nextInt(pageCount)`).
pub(super) fn cooperative_start(draw: u64, n_pages: u64) -> u64 {
    let mut z = draw.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % n_pages
}

impl MuninnPageCache {
    /// A free frame (holding EXCLUSIVE, unbound) for a fault: from the free list, a new grab, or
    /// evicted here (`grabFreeAndExclusivelyLockedPage`).
    pub(super) fn take_frame(&self) -> Result<u32, PinError> {
        loop {
            if let Some(f) = self.take_free_frame() {
                return Ok(f);
            }
            if let Some(f) = self.cooperatively_evict()? {
                if self.config.evictor_runs_when_unparked {
                    // The eviction thread, unparked by this fault, refills the free list.
                    self.run_evictor();
                }
                return Ok(f);
            }
        }
    }

    /// A frame from the free list, or from a new grab while some remain.
    fn take_free_frame(&self) -> Option<u32> {
        let mut free = self.free.lock();
        if let Some(f) = free.list.pop() {
            self.mirror_listed(&free);
            return Some(f);
        }
        if free.n_grabbed < self.n_frames {
            // A new grab: its first frame is ours, the rest go to the free list (lowest popped first).
            let start = free.n_grabbed;
            let end = (start + self.pages_per_grab).min(self.n_frames);
            self.frames.allocate(start, end);
            free.n_grabbed = end;
            self.n_grabbed.store(end, Ordering::Release);
            free.list.extend((start + 1..end).rev());
            self.mirror_listed(&free);
            return Some(start);
        }
        None
    }

    fn push_free(&self, frame_idx: u32) {
        let mut free = self.free.lock();
        free.list.push(frame_idx);
        self.mirror_listed(&free);
    }

    fn mirror_listed(&self, free: &FreeFrames) {
        self.n_listed
            .store(free.list.len() as u32, HintOrdering::Relaxed);
    }

    /// Whether a fault would find a free page now (a hint: the free list decides, under its lock).
    fn free_page_in_sight(&self) -> bool {
        self.n_listed.load(HintOrdering::Relaxed) > 0
            || self.n_grabbed.load(Ordering::Acquire) < self.n_frames
    }

    /// One cooperative sweep (`cooperativelyEvict`): `Some(frame)` evicted here, `None` when the
    /// free list has a page again.
    fn cooperatively_evict(&self) -> Result<Option<u32>, PinError> {
        let grabbed = self.n_grabbed.load(Ordering::Acquire) as u64;
        let sweeps = self.config.live_lock_sweeps;
        let draw = self.cooperative_draws.fetch_add(1, HintOrdering::Relaxed);
        let mut arm = cooperative_start(draw, self.max_pages());
        let mut wraps = 0;
        if arm >= grabbed {
            // Neo4j's arm would pass the pages never loaded and wrap once.
            arm = 0;
            wraps = 1;
        }
        loop {
            if self.free_page_in_sight() {
                return Ok(None);
            }
            if arm >= grabbed {
                if wraps >= sweeps {
                    self.stats.eviction_exceptions.add(1);
                    return Err(PinError::CacheLiveLock {
                        sweeps,
                        n_pages: self.max_pages(),
                    });
                }
                wraps += 1;
                arm = 0;
                // Lets a thread holding a frame exclusive (faulting or evicting) run.
                spin_wait();
            }
            if let Visit::Evicted { .. } = self.visit(arm as u32) {
                self.stats.cooperative_evictions.add(1);
                return Ok(Some(arm as u32));
            }
            arm += 1;
        }
    }

    /// One visit of a clock arm at `frame_idx` (`isLoaded`, `decrementUsage`, then `tryEvict`; the
    /// module docs give the rule).
    pub(super) fn visit(&self, frame_idx: u32) -> Visit {
        let frame = self.frames.get(frame_idx);
        let s = frame.state.load(Ordering::Acquire);
        if s & EXCLUSIVE != 0 {
            return Visit::Passed;
        }
        let was = usage(s);
        if was > 0 {
            // Benignly racy, as Neo4j's: a lost race (a pin, another arm) skips this decrement.
            let _ =
                frame
                    .state
                    .compare_exchange(s, s - USAGE_ONE, Ordering::AcqRel, Ordering::Relaxed);
        }
        if was > 1 {
            return Visit::Aged;
        }
        let mut cur = frame.state.load(Ordering::Acquire);
        loop {
            if cur & (EXCLUSIVE | FLUSHING) != 0 || pinned(cur) {
                return Visit::Refused;
            }
            match frame.state.compare_exchange(
                cur,
                cur | EXCLUSIVE,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        let (file_id, page_idx) = unbind(frame.binding.load(Ordering::Acquire))
            .expect("an unpinned frame without EXCLUSIVE is bound");
        let file = self
            .file(file_id)
            .expect("a bound frame's file stays mapped");
        let flushed = cur & DIRTY != 0;
        if flushed {
            // Dirty data reaches the disk before the page leaves the table, so a thread faulting it
            // back in (after seeing it gone) reads the latest contents.
            file.0
                .write_disk(page_idx, frame.stamp.load(Ordering::Acquire));
            self.stats.flushes.add(1);
            self.stats.bytes_written.add(file.0.file_page_bytes);
        }
        file.0.unpublish(page_idx, frame_idx);
        frame.binding.store(0, Ordering::Relaxed);
        // The binding word's counter is cleared with it (`clearBinding`).
        frame.state.store(EXCLUSIVE, Ordering::Release);
        self.stats.n_bound.sub(1);
        self.stats.evictions.add(1);
        Visit::Evicted { flushed }
    }

    /// Free pages: on the free list or not yet grabbed.
    pub fn free_pages(&self) -> u64 {
        let free = self.free.lock();
        free.list.len() as u64 + (self.n_frames - free.n_grabbed) as u64
    }

    /// One wake-up of the background eviction thread (`evictPages`): asks for the pages missing
    /// from [`MuninnPageCache::keep_free_pages`] and sweeps its own arm until as many visits found
    /// a page evictable (evicted, or refused because pinned), flushing dirty pages first. Neo4j's
    /// loop has no other bound; here at most `MAX_USAGE_COUNT + 1` sweeps, which is more than
    /// enough since every loaded page is evictable by its fourth visit.
    pub fn run_evictor(&self) -> EvictorRun {
        let keep = self.keep_free_pages();
        let mut run = EvictorRun {
            free_pages: self.free_pages(),
            ..EvictorRun::default()
        };
        if run.free_pages >= keep {
            return run;
        }
        let mut to_evict = keep - run.free_pages;
        let grabbed = self.n_grabbed.load(Ordering::Acquire) as u64;
        let mut arm = self.evictor_hand.load(Ordering::Relaxed);
        for _ in 0..(MAX_USAGE_COUNT + 1) * grabbed {
            if to_evict == 0 {
                break;
            }
            if arm >= grabbed {
                arm = 0;
            }
            match self.visit(arm as u32) {
                Visit::Evicted { flushed } => {
                    self.push_free(arm as u32);
                    run.evicted += 1;
                    run.flushed += flushed as u64;
                    to_evict -= 1;
                }
                Visit::Refused => {
                    run.refused += 1;
                    to_evict -= 1;
                }
                Visit::Passed | Visit::Aged => {}
            }
            arm += 1;
        }
        self.evictor_hand.store(arm, Ordering::Relaxed);
        run.free_pages = self.free_pages();
        run
    }
}
