//! A Muninn-like page cache: Neo4j's own off-heap cache of store pages, with its concurrency protocol.
//!
//! Sources: `shared/reference/neo4j-page-cache-and-store.md` (which summarises Neo4j's
//! `page-cache-internals.adoc`), and figures (not code) from Neo4j's `MuninnPageCache` and
//! `PageList` sources; each rule below names its source.
//!
//! # Structure
//! - **Pages and frames.** The cache holds `max_pages` pages of one size (`page_bytes`, 8 KiB: Neo4j
//!   "does IO in 8K pages"). A *frame* describes one page: a 64-bit state word, its binding (which
//!   file page it holds) and its contents. Frames exist from the start, as Neo4j's `PageList` does,
//!   which costs 32 bytes of native memory per page (`PageList.META_DATA_BYTES_PER_PAGE`; memsim
//!   accounts that from the start but allocates its own frames as grabs reach them: `frames.rs`); page
//!   *buffers* are allocated lazily, on first fault, in grabs of 512 KiB, so committed = resident
//!   memory grows as the cache warms and never shrinks ([`MuninnPageCache::usage`]).
//! - **Files.** [`MuninnPageCache::map_file`] maps a file with its *file page size* (≤ the cache page
//!   size; for record stores a whole multiple of the record size). Each mapped file has a
//!   translation table (file page → frame; Neo4j's is a 2-level trie of int page indexes, here a
//!   vector of 1024-entry chunks behind a reader-writer lock that only growth takes for writing) and
//!   a latch map of 128 latches (Neo4j's `LatchMap`), so that one thread faults a page while others
//!   wanting the same page wait for it. Files grow when a page past the end is pinned for write.
//! - **Pins.** [`MuninnPageCache::pin`] for read or write returns a [`Pin`] to give back with
//!   [`MuninnPageCache::unpin`]. A write pin sets the page's dirty bit.
//!   *Approximation*: Muninn's read "pins" are optimistic (a reader re-checks and retries if the page
//!   was evicted under it); here a read pin is a shared count that keeps the page bound until
//!   unpinned, which is what the reader observes once its retries succeed.
//!   Muninn's write locks are shared (many writers on one page; record locks order them), so are
//!   ours; flushing takes a flush lock that excludes writers, eviction an exclusive lock.
//! - **Replacement: Neo4j's CLOCK** (`evict.rs`, from `PageList`, `MuninnPageCache` and the
//!   cursors). Every pin, hit or fault, increments the page's usage counter, capped at 4
//!   (`PageList.MAX_USAGE_COUNT`); a visit of a clock arm decrements it and evicts the page in the
//!   same visit when the counter *was* at most 1 (`PageList.decrementUsage`), unless it is pinned or
//!   being flushed. Eviction flushes a dirty page first; a page pinned for write is never evicted or
//!   flushed.
//! - **Eviction.** [`MuninnPageCache::run_evictor`] is one wake-up of the background eviction
//!   thread, called by whoever drives time: with its own arm it asks for the pages missing from
//!   `min(30, max_pages / 2)` free (`MuninnPageCache.pagesToKeepFree`, "truncated to no more than
//!   half of the number of pages"), and counts every evictable visit against that, evicted or not
//!   (`evictPages`). A faulting thread that finds no free page evicts one itself ("cooperative
//!   eviction"), from a random page of its own, going back to the free list as soon as it has a page,
//!   and giving up with [`PinError::CacheLiveLock`] after 100 wraps of its arm
//!   (`cooperativeEvictionLiveLockThreshold`). *Approximation*: the random start comes from a
//!   per-cache stream, so single-threaded runs are deterministic.
//! - **Checkpoint.** [`MuninnPageCache::flush_all`] flushes every dirty page (skipping, and counting,
//!   pages pinned for write at that instant).
//! - **Metrics** with Neo4j's names ([`CacheMetrics`]): hits, faults (`page_faults`), pins, unpins,
//!   evictions, eviction exceptions, flushes, hit ratio, usage ratio, bytes read and written.
//!
//! Contents are simulated as a 64-bit *stamp* per page ([`MuninnPageCache::write_stamp`]), enough to
//! check that no write is ever lost: the latest stamp of every page is in its frame if the page is
//! bound, and on "disk" otherwise.
//!
//! # The state word of a frame
//! `| usage (3 bits) | dirty | flushing | exclusive | write pins (20 bits) | read pins (20 bits) |`.
//! - A pin (read or write) needs `exclusive` clear; a write pin also needs `flushing` clear.
//! - The flush lock (`flushing`) needs no write pin and no `exclusive`.
//! - `exclusive` (eviction, fault-in, free frames) needs no pins and no `flushing`; the binding
//!   changes only under it. Eviction leaves the usage counter at 0 (Neo4j clears it with the
//!   binding), and a fault sets it to 1 (its pin's increment).
//! - Free frames (never grabbed, or evicted and not yet reused) hold `exclusive` and no binding.
//!
//! # Host cost
//! 24 bytes of host memory per simulated page that has ever been grabbed (its frame), allocated in
//! chunks of 4096 as grabs reach them; the never-grabbed rest of the cache is one implied run of free
//! frames (`frames.rs`), so an unread 512 GiB cache costs well under a MiB. [`FRAMES_MAX`] bounds a
//! cache. Translation tables cost 4 bytes per page in chunks of 1024 that hold a cached page (`file.rs`). The working-set
//! helpers ([`MuninnPageCache::read_uniform`] and friends) cost O(pins), never O(simulated bytes).

mod check;
mod config;
mod error;
mod evict;
mod file;
mod frames;
mod metrics;
mod profile;
mod workload;

pub use config::{CacheConfig, CacheConfigError};
pub use error::{InvariantError, MapError, PinError};
pub use file::{FileId, PagedFile};
pub use metrics::{CacheMetrics, EvictorRun, FlushReport, PinRun};

use std::collections::BTreeMap;
use std::fmt;

use memsim_core::Usage;

use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::{Arc, Mutex, RwLock, TABLE_CHUNK_ENTRIES, spin_wait};
use file::{FileInner, bind, unbind};
use frames::*;
use metrics::Stats;

const KIB: u64 = 1024;

/// Neo4j's page size: it "does IO in 8K pages".
pub const PAGE_BYTES: u64 = 8 * KIB;
/// Page buffers are allocated in grabs of this size (for caches below 100 GiB; Neo4j's grab allocator).
pub const GRAB_BYTES: u64 = 512 * KIB;
/// Native memory per page frame, allocated at start (`PageList.META_DATA_BYTES_PER_PAGE`).
pub const METADATA_BYTES_PER_PAGE: u64 = 32;
/// The usage counter's cap (`PageList.MAX_USAGE_COUNT`).
pub const MAX_USAGE_COUNT: u64 = 4;
/// Pages the background evictor keeps free (`MuninnPageCache.pagesToKeepFree`), at most half the cache.
pub const PAGES_TO_KEEP_FREE: u64 = 30;
/// Latches per mapped file (Neo4j's `LatchMap` size).
pub const LATCHES_PER_FILE: usize = 128;
/// Full sweeps of cooperative eviction before giving up (`cooperativeEvictionLiveLockThreshold`).
pub const LIVE_LOCK_SWEEPS: u32 = 100;
/// The largest cache this model builds, in pages: 1 TiB of 8 KiB pages. Frames cost host memory only
/// once grabbed (24 bytes each; never-grabbed frames are implied), so this bounds the worst case: a
/// cache warmed in full costs 3 GiB of host memory at this size, one never read 768 KiB.
pub const FRAMES_MAX: u64 = 1 << 27;
/// The largest file id ([`FileId`]) the binding word can hold.
pub const FILE_ID_MAX: u32 = (1 << 23) - 1;
/// The largest page index in a file the binding word can hold.
pub const FILE_PAGES_MAX: u64 = 1 << 40;

const TABLE_CHUNK: u64 = TABLE_CHUNK_ENTRIES;
const PIN_RETRIES_MAX: u32 = 1 << 24;

/// What a pin is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PinMode {
    /// Shared read: keeps the page bound until unpinned.
    Read,
    /// Shared write: marks the page dirty; the page is neither flushed nor evicted until unpinned.
    Write,
}

impl PinMode {
    fn one(self) -> u64 {
        match self {
            PinMode::Read => READ_ONE,
            PinMode::Write => WRITE_ONE,
        }
    }
}

/// A pinned page: give it back with [`MuninnPageCache::unpin`] (dropping it leaks the pin, and the
/// page then stays in the cache for good).
#[must_use = "a pin must be given back with unpin"]
#[derive(Debug, PartialEq, Eq)]
pub struct Pin {
    frame_idx: u32,
    file: FileId,
    page_idx: u64,
    mode: PinMode,
}

impl Pin {
    /// The pinned file.
    pub fn file(&self) -> FileId {
        self.file
    }
    /// The pinned page.
    pub fn page_idx(&self) -> u64 {
        self.page_idx
    }
    /// Read or write.
    pub fn mode(&self) -> PinMode {
        self.mode
    }
    /// The frame holding the page (for diagnostics).
    pub fn frame_idx(&self) -> u32 {
        self.frame_idx
    }
}

enum TryPin {
    Pinned,
    Retry,
}

/// The page cache (see the module docs). All methods take `&self` and are safe to call from many
/// threads; a single thread gets deterministic results.
pub struct MuninnPageCache {
    config: CacheConfig,
    n_frames: u32,
    pages_per_grab: u32,
    frames: Frames,
    free: Mutex<FreeFrames>,
    // Mirror of free.n_grabbed for lock-free readers; only grows.
    n_grabbed: AtomicU32,
    // The background evictor's clock arm (`evict.rs`); cooperative arms are local to a fault.
    evictor_hand: AtomicU64,
    // Mirror of free.list.len(), read before every cooperative visit (`evict.rs`); a hint only.
    n_listed: std::sync::atomic::AtomicU32,
    // Draws of cooperative eviction's random start so far (`evict.rs`); any value is correct.
    cooperative_draws: std::sync::atomic::AtomicU64,
    // Indexed by FileId.
    files: RwLock<Vec<Option<PagedFile>>>,
    stats: Stats,
}

impl fmt::Debug for MuninnPageCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MuninnPageCache")
            .field("config", &self.config)
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

impl MuninnPageCache {
    /// A cold cache: no page buffer yet, and no frame allocated on the host (see `frames.rs`).
    ///
    /// # Errors
    /// [`CacheConfigError`] for a page size of 0 or above the grab size, fewer than one page, more
    /// than [`FRAMES_MAX`] pages, or zero latches or sweeps.
    pub fn new(config: CacheConfig) -> Result<MuninnPageCache, CacheConfigError> {
        if config.page_bytes == 0 || config.page_bytes > config.grab_bytes {
            return Err(CacheConfigError::BadPageSize {
                page_bytes: config.page_bytes,
                grab_bytes: config.grab_bytes,
            });
        }
        let n_pages = config.max_pages();
        if n_pages == 0 {
            return Err(CacheConfigError::NoPages {
                max_bytes: config.max_bytes,
                page_bytes: config.page_bytes,
            });
        }
        if n_pages > FRAMES_MAX {
            return Err(CacheConfigError::TooManyPages { n_pages });
        }
        if config.latches_per_file == 0 || (config.live_lock_sweeps as u64) <= MAX_USAGE_COUNT {
            return Err(CacheConfigError::LimitTooSmall);
        }
        let frames = Frames::new(n_pages as u32);
        Ok(MuninnPageCache {
            config,
            n_frames: n_pages as u32,
            pages_per_grab: (config.grab_bytes / config.page_bytes) as u32,
            frames,
            free: Mutex::new(FreeFrames {
                list: Vec::new(),
                n_grabbed: 0,
            }),
            n_grabbed: AtomicU32::new(0),
            evictor_hand: AtomicU64::new(0),
            n_listed: std::sync::atomic::AtomicU32::new(0),
            cooperative_draws: std::sync::atomic::AtomicU64::new(0),
            files: RwLock::new(Vec::new()),
            stats: Stats::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// Pages in the cache.
    pub fn max_pages(&self) -> u64 {
        self.n_frames as u64
    }

    /// The free pages the background evictor keeps: `min(keep_free_pages, max_pages / 2)`.
    pub fn keep_free_pages(&self) -> u64 {
        self.config.keep_free_pages.min(self.max_pages() / 2)
    }

    /// Maps `file` with pages of `file_page_bytes` (mapping it again with the same size returns the
    /// same file).
    ///
    /// # Errors
    /// [`MapError`] for a file id above [`FILE_ID_MAX`], a file page size of 0 or above the cache
    /// page size, or a file already mapped with another page size.
    pub fn map_file(&self, file: FileId, file_page_bytes: u64) -> Result<PagedFile, MapError> {
        if file.0 > FILE_ID_MAX {
            return Err(MapError::FileIdTooLarge(file.0));
        }
        if file_page_bytes == 0 || file_page_bytes > self.config.page_bytes {
            return Err(MapError::BadFilePageSize {
                file_page_bytes,
                cache_page_bytes: self.config.page_bytes,
            });
        }
        let mut files = self.files.write();
        let idx = file.0 as usize;
        if files.len() <= idx {
            files.resize(idx + 1, None);
        }
        if let Some(existing) = &files[idx] {
            if existing.file_page_bytes() != file_page_bytes {
                return Err(MapError::PageSizeMismatch {
                    file,
                    mapped_page_bytes: existing.file_page_bytes(),
                });
            }
            return Ok(existing.clone());
        }
        let paged = PagedFile(Arc::new(FileInner {
            id: file,
            file_page_bytes,
            n_pages: AtomicU64::new(0),
            table: RwLock::new(Vec::new()),
            latches: (0..self.config.latches_per_file)
                .map(|_| Mutex::new(()))
                .collect(),
            disk: Mutex::new(BTreeMap::new()),
        }));
        files[idx] = Some(paged.clone());
        self.stats.file_mappings.add(1);
        Ok(paged)
    }

    /// The mapped file `file`, if any.
    pub fn file(&self, file: FileId) -> Option<PagedFile> {
        self.files.read().get(file.0 as usize).cloned().flatten()
    }

    /// Pins page `page_idx` of `file` for `mode`: a hit if it is cached, otherwise a fault that takes
    /// a free page (evicting one cooperatively if none is free) and reads the page. Pinning past the
    /// end for write grows the file.
    ///
    /// # Errors
    /// [`PinError::BeyondEndOfFile`] for a read past the end, [`PinError::CacheLiveLock`] when every
    /// page stays pinned, [`PinError::PageIndexTooLarge`] past [`FILE_PAGES_MAX`].
    pub fn pin(&self, file: &PagedFile, page_idx: u64, mode: PinMode) -> Result<Pin, PinError> {
        if page_idx >= FILE_PAGES_MAX {
            return Err(PinError::PageIndexTooLarge { page_idx });
        }
        let inner = &*file.0;
        if page_idx >= file.n_pages() {
            match mode {
                PinMode::Write => inner.grow_to(page_idx + 1),
                PinMode::Read => {
                    return Err(PinError::BeyondEndOfFile {
                        file: inner.id,
                        page_idx,
                        n_pages: file.n_pages(),
                    });
                }
            }
        }
        let binding = bind(inner.id, page_idx);
        for _ in 0..PIN_RETRIES_MAX {
            if let Some(frame_idx) = inner.lookup(page_idx) {
                match self.try_pin_frame(frame_idx, binding, mode) {
                    TryPin::Pinned => {
                        self.stats.hits.add(1);
                        self.stats.pins.add(1);
                        return Ok(Pin {
                            frame_idx,
                            file: inner.id,
                            page_idx,
                            mode,
                        });
                    }
                    TryPin::Retry => {
                        spin_wait();
                        continue;
                    }
                }
            }
            // Not cached: fault it in under its latch, unless another thread did while we waited.
            let _latch = inner.latches[(page_idx % inner.latches.len() as u64) as usize].lock();
            if inner.lookup(page_idx).is_some() {
                continue;
            }
            let frame_idx = self.take_frame()?;
            let frame = self.frames.get(frame_idx);
            debug_assert_eq!(frame.state.load(Ordering::Relaxed), EXCLUSIVE);
            debug_assert_eq!(frame.binding.load(Ordering::Relaxed), 0);
            frame
                .stamp
                .store(inner.disk_stamp(page_idx), Ordering::Relaxed);
            frame.binding.store(binding, Ordering::Relaxed);
            let dirty = if mode == PinMode::Write { DIRTY } else { 0 };
            // Releases EXCLUSIVE with our pin held: the stamp and binding are published with it.
            frame
                .state
                .store(mode.one() | USAGE_ONE | dirty, Ordering::Release);
            inner.publish(page_idx, frame_idx);
            self.stats.n_bound.add(1);
            self.stats.faults.add(1);
            self.stats.pins.add(1);
            self.stats.bytes_read.add(inner.file_page_bytes);
            return Ok(Pin {
                frame_idx,
                file: inner.id,
                page_idx,
                mode,
            });
        }
        panic!(
            "pin of page {page_idx} of {:?} retried {PIN_RETRIES_MAX} times",
            inner.id
        );
    }

    /// [`MuninnPageCache::pin`] for read.
    ///
    /// # Errors
    /// As [`MuninnPageCache::pin`].
    pub fn pin_read(&self, file: &PagedFile, page_idx: u64) -> Result<Pin, PinError> {
        self.pin(file, page_idx, PinMode::Read)
    }

    /// [`MuninnPageCache::pin`] for write.
    ///
    /// # Errors
    /// As [`MuninnPageCache::pin`].
    pub fn pin_write(&self, file: &PagedFile, page_idx: u64) -> Result<Pin, PinError> {
        self.pin(file, page_idx, PinMode::Write)
    }

    fn try_pin_frame(&self, frame_idx: u32, binding: u64, mode: PinMode) -> TryPin {
        let frame = self.frames.get(frame_idx);
        let mut s = frame.state.load(Ordering::Acquire);
        loop {
            if s & EXCLUSIVE != 0 || (mode == PinMode::Write && s & FLUSHING != 0) {
                return TryPin::Retry;
            }
            assert!(
                read_pins(s) < READ_MASK && write_pins(s) < (WRITE_MASK >> 20),
                "pin count overflow on frame {frame_idx}"
            );
            let used = (usage(s) + 1).min(MAX_USAGE_COUNT) << USAGE_SHIFT;
            let next = ((s & !USAGE_MASK) | used) + mode.one();
            match frame
                .state
                .compare_exchange_weak(s, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        // Our pin freezes the binding; if the frame was rebound between lookup and pin, give it back.
        if frame.binding.load(Ordering::Acquire) != binding {
            frame.state.fetch_sub(mode.one(), Ordering::Release);
            return TryPin::Retry;
        }
        if mode == PinMode::Write {
            // No flush can be under way: it needs no write pin, and we hold one.
            frame.state.fetch_or(DIRTY, Ordering::AcqRel);
        }
        TryPin::Pinned
    }

    /// Gives a pin back.
    pub fn unpin(&self, pin: Pin) {
        let frame = self.frames.get(pin.frame_idx);
        debug_assert_eq!(
            frame.binding.load(Ordering::Relaxed),
            bind(pin.file, pin.page_idx),
            "a pinned page lost its binding"
        );
        let prev = frame.state.fetch_sub(pin.mode.one(), Ordering::Release);
        debug_assert!(
            match pin.mode {
                PinMode::Read => read_pins(prev) > 0,
                PinMode::Write => write_pins(prev) > 0,
            },
            "unpin without pin"
        );
        self.stats.unpins.add(1);
    }

    /// Writes `stamp` as the page's new contents (needs a write pin).
    pub fn write_stamp(&self, pin: &Pin, stamp: u64) {
        assert_eq!(pin.mode, PinMode::Write, "writing through a read pin");
        self.frames
            .get(pin.frame_idx)
            .stamp
            .store(stamp, Ordering::Relaxed);
    }

    /// The page's contents as seen through `pin`.
    pub fn read_stamp(&self, pin: &Pin) -> u64 {
        self.frames.get(pin.frame_idx).stamp.load(Ordering::Relaxed)
    }

    /// The file page the frame of `pin` holds right now (a diagnostic for tests: it must be the pinned
    /// page for as long as the pin is held).
    pub fn pinned_binding(&self, pin: &Pin) -> Option<(FileId, u64)> {
        unbind(
            self.frames
                .get(pin.frame_idx)
                .binding
                .load(Ordering::Acquire),
        )
    }

    /// Whether the frame of `pin` is dirty right now (diagnostic).
    pub fn pinned_is_dirty(&self, pin: &Pin) -> bool {
        self.frames.get(pin.frame_idx).state.load(Ordering::Acquire) & DIRTY != 0
    }

    /// The page's contents on disk (0 if never flushed).
    pub fn disk_stamp(&self, file: &PagedFile, page_idx: u64) -> u64 {
        file.0.disk_stamp(page_idx)
    }

    /// Whether the page is in the cache now.
    pub fn is_cached(&self, file: &PagedFile, page_idx: u64) -> bool {
        file.0.lookup(page_idx).is_some()
    }

    /// The page's latest contents: its frame's if cached, the disk's otherwise. Exact when no other
    /// thread is evicting at the same time (tests call it at quiescent points).
    pub fn page_stamp(&self, file: &PagedFile, page_idx: u64) -> u64 {
        match file.0.lookup(page_idx) {
            Some(f) => self.frames.get(f).stamp.load(Ordering::Acquire),
            None => file.0.disk_stamp(page_idx),
        }
    }

    /// Flushes every dirty page (a checkpoint's page-cache part). Pages pinned for write are left
    /// dirty and counted in [`FlushReport::skipped_pages`]: a page is never flushed under a writer.
    pub fn flush_all(&self) -> FlushReport {
        let n = self.n_grabbed.load(Ordering::Acquire);
        let mut report = FlushReport::default();
        for frame_idx in 0..n {
            match self.try_flush(frame_idx) {
                Some(true) => {
                    report.flushed_pages += 1;
                    report.flushed_bytes += self.config.page_bytes;
                }
                Some(false) => report.skipped_pages += 1,
                None => {}
            }
        }
        report
    }

    /// The page cache's part of a checkpoint: [`MuninnPageCache::flush_all`].
    pub fn checkpoint(&self) -> FlushReport {
        self.flush_all()
    }

    /// Flushes the dirty pages of one file ([`MuninnPageCache::flush_all`] restricted to `file`).
    pub fn flush_file(&self, file: &PagedFile) -> FlushReport {
        let n = self.n_grabbed.load(Ordering::Acquire);
        let mut report = FlushReport::default();
        for frame_idx in 0..n {
            let b = self.frames.get(frame_idx).binding.load(Ordering::Acquire);
            if unbind(b).is_none_or(|(f, _)| f != file.id()) {
                continue;
            }
            match self.try_flush(frame_idx) {
                Some(true) => {
                    report.flushed_pages += 1;
                    report.flushed_bytes += self.config.page_bytes;
                }
                Some(false) => report.skipped_pages += 1,
                None => {}
            }
        }
        report
    }

    /// `Some(true)` flushed, `Some(false)` dirty but not flushable now, `None` clean.
    fn try_flush(&self, frame_idx: u32) -> Option<bool> {
        let frame = self.frames.get(frame_idx);
        let mut s = frame.state.load(Ordering::Acquire);
        loop {
            if s & DIRTY == 0 {
                return None;
            }
            if s & (EXCLUSIVE | FLUSHING) != 0 || write_pins(s) > 0 {
                return Some(false);
            }
            match frame.state.compare_exchange_weak(
                s,
                s | FLUSHING,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        // The flush lock keeps writers out (so the stamp is final) and the binding fixed.
        let (file_id, page_idx) =
            unbind(frame.binding.load(Ordering::Acquire)).expect("a dirty frame is bound");
        let file = self
            .file(file_id)
            .expect("a bound frame's file stays mapped");
        file.0
            .write_disk(page_idx, frame.stamp.load(Ordering::Acquire));
        frame
            .state
            .fetch_and(!(DIRTY | FLUSHING), Ordering::Release);
        self.stats.flushes.add(1);
        self.stats.bytes_written.add(file.0.file_page_bytes);
        Some(true)
    }

    /// A snapshot of the metrics.
    pub fn metrics(&self) -> CacheMetrics {
        let s = &self.stats;
        CacheMetrics {
            hits: s.hits.get(),
            faults: s.faults.get(),
            pins: s.pins.get(),
            unpins: s.unpins.get(),
            evictions: s.evictions.get(),
            cooperative_evictions: s.cooperative_evictions.get(),
            eviction_exceptions: s.eviction_exceptions.get(),
            flushes: s.flushes.get(),
            bytes_read: s.bytes_read.get(),
            bytes_written: s.bytes_written.get(),
            file_mappings: s.file_mappings.get(),
            pages_in_use: s.n_bound.get(),
            max_pages: self.max_pages(),
        }
    }

    /// Page buffers allocated so far: whole grabs.
    pub fn buffer_bytes(&self) -> u64 {
        let grabbed = self.n_grabbed.load(Ordering::Acquire);
        (grabbed.div_ceil(self.pages_per_grab) as u64) * self.config.grab_bytes
    }

    /// Frame metadata allocated at start: [`METADATA_BYTES_PER_PAGE`] per page.
    pub fn metadata_bytes(&self) -> u64 {
        self.max_pages() * METADATA_BYTES_PER_PAGE
    }

    /// Reserved = committed = resident: frame metadata (allocated and cleared at start) plus the
    /// buffer grabs allocated so far (malloc'd and written on first fault); never shrinks.
    pub fn usage(&self) -> Usage {
        Usage::all(self.metadata_bytes() + self.buffer_bytes())
    }
}

#[cfg(test)]
mod evict_tests;
#[cfg(test)]
mod tests;
