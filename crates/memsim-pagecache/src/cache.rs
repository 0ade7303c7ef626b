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
//!   which costs 32 bytes of native memory per page (`PageList.META_DATA_BYTES_PER_PAGE`); page
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
//! - **Replacement: CLOCK.** A pin increments the page's usage counter, capped at 4
//!   (`PageList.MAX_USAGE_COUNT`); the clock arm decrements it; a page is evicted when the arm finds it
//!   at 0 and unpinned. Eviction flushes a dirty page first; a page pinned for write is never evicted
//!   or flushed.
//! - **Eviction.** [`MuninnPageCache::run_evictor`] is the background eviction thread's step, called
//!   by whoever drives time: it evicts until `min(30, max_pages / 2)` pages are free
//!   (`MuninnPageCache.pagesToKeepFree`, "truncated to no more than half of the number of pages").
//!   When a faulting thread finds no free page it evicts one itself ("cooperative eviction"),
//!   giving up with [`PinError::CacheLiveLock`] after 100 sweeps over all pages
//!   (`cooperativeEvictionLiveLockThreshold`). *Approximation*: Neo4j's cooperative eviction starts
//!   at a random page; this one continues from the shared clock hand, so single-threaded runs are
//!   deterministic without a random stream on the pin path.
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
//! - `exclusive` (eviction, fault-in, free frames) needs no pins, no `flushing`, and usage 0 when
//!   evicting; the binding changes only under it.
//! - Free frames (never grabbed, or evicted and not yet reused) hold `exclusive` and no binding.
//!
//! # Host cost
//! 24 bytes of host memory per simulated page (the frame), allocated at construction, so
//! [`FRAMES_MAX`] bounds a cache; the working-set helpers ([`MuninnPageCache::read_uniform`] and
//! friends) cost O(pins), never O(simulated bytes).

use std::collections::BTreeMap;
use std::fmt;

use memsim_core::{SimRng, Usage};

use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::{Arc, Mutex, RwLock, StatCounter, TABLE_CHUNK_ENTRIES, spin_wait};

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
/// The largest cache this model builds, in pages (a host-memory bound: 24 bytes of frame per page,
/// so 384 MiB of host memory for a 128 GiB cache of 8 KiB pages).
pub const FRAMES_MAX: u64 = 1 << 24;
/// The largest file id ([`FileId`]) the binding word can hold.
pub const FILE_ID_MAX: u32 = (1 << 23) - 1;
/// The largest page index in a file the binding word can hold.
pub const FILE_PAGES_MAX: u64 = 1 << 40;

const TABLE_CHUNK: u64 = TABLE_CHUNK_ENTRIES;
const PIN_RETRIES_MAX: u32 = 1 << 24;

// State word layout (module docs).
const READ_ONE: u64 = 1;
const READ_MASK: u64 = (1 << 20) - 1;
const WRITE_ONE: u64 = 1 << 20;
const WRITE_MASK: u64 = ((1 << 20) - 1) << 20;
const EXCLUSIVE: u64 = 1 << 40;
const FLUSHING: u64 = 1 << 41;
const DIRTY: u64 = 1 << 42;
const USAGE_SHIFT: u32 = 43;
const USAGE_ONE: u64 = 1 << USAGE_SHIFT;
const USAGE_MASK: u64 = 0b111 << USAGE_SHIFT;

fn read_pins(s: u64) -> u64 {
    s & READ_MASK
}
fn write_pins(s: u64) -> u64 {
    (s & WRITE_MASK) >> 20
}
fn usage(s: u64) -> u64 {
    (s & USAGE_MASK) >> USAGE_SHIFT
}
fn pinned(s: u64) -> bool {
    s & (READ_MASK | WRITE_MASK) != 0
}

/// Identifies a mapped file (the caller's numbering; at most [`FILE_ID_MAX`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

fn bind(file: FileId, page_idx: u64) -> u64 {
    ((file.0 as u64 + 1) << 40) | page_idx
}

fn unbind(binding: u64) -> Option<(FileId, u64)> {
    (binding != 0).then(|| {
        (
            FileId((binding >> 40) as u32 - 1),
            binding & (FILE_PAGES_MAX - 1),
        )
    })
}

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

/// The configuration of a [`MuninnPageCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// Cache page size (8 KiB in Neo4j).
    pub page_bytes: u64,
    /// The cache's size, rounded down to whole pages (`server.memory.pagecache.size`).
    pub max_bytes: u64,
    /// Buffers are allocated lazily in grabs of this many bytes (≥ one page).
    pub grab_bytes: u64,
    /// The background evictor keeps this many pages free (capped at half the pages).
    pub keep_free_pages: u64,
    /// Latches per file (≥ 1).
    pub latches_per_file: usize,
    /// Cooperative eviction gives up after this many sweeps over all pages (> [`MAX_USAGE_COUNT`]).
    pub live_lock_sweeps: u32,
}

impl CacheConfig {
    /// Neo4j's defaults for a cache of `max_bytes`.
    pub fn new(max_bytes: u64) -> CacheConfig {
        CacheConfig {
            page_bytes: PAGE_BYTES,
            max_bytes,
            grab_bytes: GRAB_BYTES,
            keep_free_pages: PAGES_TO_KEEP_FREE,
            latches_per_file: LATCHES_PER_FILE,
            live_lock_sweeps: LIVE_LOCK_SWEEPS,
        }
    }

    /// A cache of `n_pages` pages of 8 KiB with every other setting Neo4j's.
    pub fn with_pages(n_pages: u64) -> CacheConfig {
        CacheConfig::new(n_pages * PAGE_BYTES)
    }

    /// Neo4j's default size when `server.memory.pagecache.size` is unset ([`crate::default_size`]).
    pub fn neo4j_default(ram_bytes: u64, heap_max_bytes: u64) -> CacheConfig {
        CacheConfig::new(crate::default_size(ram_bytes, heap_max_bytes))
    }

    /// Whole pages in the cache.
    pub fn max_pages(&self) -> u64 {
        self.max_bytes.checked_div(self.page_bytes).unwrap_or(0)
    }
}

/// Why a [`CacheConfig`] was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheConfigError {
    /// The page size is 0 or larger than a grab.
    #[error("page size {page_bytes} B must be non-zero and at most the grab size {grab_bytes} B")]
    BadPageSize {
        /// The configured page size.
        page_bytes: u64,
        /// The configured grab size.
        grab_bytes: u64,
    },
    /// Less than one page.
    #[error("a page cache of {max_bytes} B holds no {page_bytes} B page")]
    NoPages {
        /// The configured size.
        max_bytes: u64,
        /// The page size.
        page_bytes: u64,
    },
    /// More pages than this model builds ([`FRAMES_MAX`]).
    #[error("{n_pages} pages exceed this model's limit of {FRAMES_MAX} pages")]
    TooManyPages {
        /// Pages asked for.
        n_pages: u64,
    },
    /// No latch, or too few sweeps: a single thread must be able to age a page from the usage cap
    /// to 0 and evict it, which takes `MAX_USAGE_COUNT + 1` sweeps.
    #[error("latches_per_file must be at least 1 and live_lock_sweeps more than {MAX_USAGE_COUNT}")]
    LimitTooSmall,
}

/// Why [`MuninnPageCache::map_file`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// The file id does not fit the binding word.
    #[error("file id {0} exceeds {FILE_ID_MAX}")]
    FileIdTooLarge(u32),
    /// A file page must fit in a cache page.
    #[error(
        "file page size {file_page_bytes} B must be between 1 B and the cache page size {cache_page_bytes} B"
    )]
    BadFilePageSize {
        /// Asked for.
        file_page_bytes: u64,
        /// The cache's.
        cache_page_bytes: u64,
    },
    /// The file is already mapped with another page size.
    #[error("file {file:?} is already mapped with page size {mapped_page_bytes} B")]
    PageSizeMismatch {
        /// The file.
        file: FileId,
        /// Its existing page size.
        mapped_page_bytes: u64,
    },
}

/// Why a pin failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// A read past the end of the file (writes grow the file instead).
    #[error("page {page_idx} of file {file:?} is past its end ({n_pages} pages)")]
    BeyondEndOfFile {
        /// The file.
        file: FileId,
        /// The page asked for.
        page_idx: u64,
        /// The file's length in pages.
        n_pages: u64,
    },
    /// No page could be evicted: every page stayed pinned (Neo4j's `CacheLiveLockException`).
    #[error(
        "no evictable page after {sweeps} sweeps over all {n_pages} pages: every page is pinned"
    )]
    CacheLiveLock {
        /// Sweeps tried.
        sweeps: u32,
        /// Pages in the cache.
        n_pages: u64,
    },
    /// The page index does not fit the binding word.
    #[error("page {page_idx} exceeds this model's limit of {FILE_PAGES_MAX} pages per file")]
    PageIndexTooLarge {
        /// The page asked for.
        page_idx: u64,
    },
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

struct Frame {
    // Invariant: see the module docs' state word.
    state: AtomicU64,
    // 0, or bind(file, page) of the page this frame holds; changes only under EXCLUSIVE.
    binding: AtomicU64,
    // The page's contents; changes only under a write pin (or EXCLUSIVE at fault-in).
    stamp: AtomicU64,
}

struct FileInner {
    id: FileId,
    file_page_bytes: u64,
    // The file's length in pages; only grows.
    n_pages: AtomicU64,
    // Chunks of TABLE_CHUNK entries: 0 = not cached, otherwise frame index + 1.
    // Invariant: chunks cover at least n_pages entries.
    table: RwLock<Vec<Box<[AtomicU32]>>>,
    latches: Box<[Mutex<()>]>,
    // Stamps on "disk"; a page never written holds 0.
    disk: Mutex<BTreeMap<u64, u64>>,
}

impl FileInner {
    fn lookup(&self, page_idx: u64) -> Option<u32> {
        let table = self.table.read();
        let chunk = table.get((page_idx / TABLE_CHUNK) as usize)?;
        match chunk[(page_idx % TABLE_CHUNK) as usize].load(Ordering::Acquire) {
            0 => None,
            f => Some(f - 1),
        }
    }

    /// Binds `page_idx` to `frame_idx` in the table; only the holder of the page's latch does this.
    fn publish(&self, page_idx: u64, frame_idx: u32) {
        let table = self.table.read();
        let entry = &table[(page_idx / TABLE_CHUNK) as usize][(page_idx % TABLE_CHUNK) as usize];
        let prev = entry.swap(frame_idx + 1, Ordering::AcqRel);
        assert_eq!(
            prev, 0,
            "page {page_idx} of {:?} faulted while already cached (in frame {})",
            self.id, prev
        );
    }

    /// Unbinds `page_idx` from `frame_idx`; only the frame's exclusive holder does this.
    fn unpublish(&self, page_idx: u64, frame_idx: u32) {
        let table = self.table.read();
        let entry = &table[(page_idx / TABLE_CHUNK) as usize][(page_idx % TABLE_CHUNK) as usize];
        let prev = entry.swap(0, Ordering::AcqRel);
        assert_eq!(
            prev,
            frame_idx + 1,
            "evicting frame {frame_idx} found page {page_idx} of {:?} bound elsewhere",
            self.id
        );
    }

    fn grow_to(&self, n_pages: u64) {
        if self.n_pages.load(Ordering::Acquire) >= n_pages {
            return;
        }
        let mut table = self.table.write();
        while (table.len() as u64) * TABLE_CHUNK < n_pages {
            table.push((0..TABLE_CHUNK).map(|_| AtomicU32::new(0)).collect());
        }
        self.n_pages.fetch_max(n_pages, Ordering::AcqRel);
    }

    fn disk_stamp(&self, page_idx: u64) -> u64 {
        self.disk.lock().get(&page_idx).copied().unwrap_or(0)
    }

    fn write_disk(&self, page_idx: u64, stamp: u64) {
        let mut disk = self.disk.lock();
        if stamp == 0 {
            disk.remove(&page_idx);
        } else {
            disk.insert(page_idx, stamp);
        }
    }
}

/// A file mapped into the cache ([`MuninnPageCache::map_file`]); cheap to clone.
#[derive(Clone)]
pub struct PagedFile(Arc<FileInner>);

impl fmt::Debug for PagedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagedFile")
            .field("id", &self.0.id)
            .field("file_page_bytes", &self.0.file_page_bytes)
            .field("n_pages", &self.n_pages())
            .finish()
    }
}

impl PagedFile {
    /// The file's id.
    pub fn id(&self) -> FileId {
        self.0.id
    }
    /// Its file page size.
    pub fn file_page_bytes(&self) -> u64 {
        self.0.file_page_bytes
    }
    /// Its length in pages.
    pub fn n_pages(&self) -> u64 {
        self.0.n_pages.load(Ordering::Acquire)
    }
    /// Grows the file to at least `n_pages` (data already on disk, not cached; files never shrink).
    pub fn grow_to(&self, n_pages: u64) {
        self.0.grow_to(n_pages.min(FILE_PAGES_MAX));
    }
}

struct FreeFrames {
    // Evicted or grabbed-but-unused frames; all hold EXCLUSIVE and no binding.
    list: Vec<u32>,
    // Frames [0, n_grabbed) have buffers; the rest have none yet.
    n_grabbed: u32,
}

#[derive(Default)]
struct Stats {
    hits: StatCounter,
    faults: StatCounter,
    pins: StatCounter,
    unpins: StatCounter,
    evictions: StatCounter,
    cooperative_evictions: StatCounter,
    eviction_exceptions: StatCounter,
    flushes: StatCounter,
    bytes_read: StatCounter,
    bytes_written: StatCounter,
    file_mappings: StatCounter,
    n_bound: StatCounter,
}

/// A snapshot of the cache's metrics, named as Neo4j's `page_cache.*` metrics and JMX attributes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheMetrics {
    /// Pins that found their page in the cache (`hits`).
    pub hits: u64,
    /// Pins that had to read their page (`page_faults`).
    pub faults: u64,
    /// Successful pins (`pins`); `hits + faults`.
    pub pins: u64,
    /// Unpins (`unpins`).
    pub unpins: u64,
    /// Pages evicted (`evictions`), by the background evictor or cooperatively.
    pub evictions: u64,
    /// Of those, evicted by a faulting thread.
    pub cooperative_evictions: u64,
    /// Cooperative evictions that gave up ([`PinError::CacheLiveLock`]).
    pub eviction_exceptions: u64,
    /// Pages written back (`flushes`), at eviction or checkpoint.
    pub flushes: u64,
    /// Bytes read from files (JMX `BytesRead`).
    pub bytes_read: u64,
    /// Bytes written to files (JMX `BytesWritten`).
    pub bytes_written: u64,
    /// Files mapped (JMX `FileMappings`).
    pub file_mappings: u64,
    /// Pages currently bound to a file page.
    pub pages_in_use: u64,
    /// Pages in the cache.
    pub max_pages: u64,
}

impl CacheMetrics {
    /// `hits / (hits + faults)` (`hit_ratio`); 1 before any pin.
    pub fn hit_ratio(&self) -> f64 {
        if self.pins == 0 {
            1.0
        } else {
            self.hits as f64 / (self.hits + self.faults) as f64
        }
    }

    /// Pages in use over pages in the cache (`usage_ratio`).
    pub fn usage_ratio(&self) -> f64 {
        self.pages_in_use as f64 / self.max_pages as f64
    }

    /// The counters accumulated since `earlier` (gauges are `self`'s).
    pub fn since(&self, earlier: &CacheMetrics) -> CacheMetrics {
        CacheMetrics {
            hits: self.hits - earlier.hits,
            faults: self.faults - earlier.faults,
            pins: self.pins - earlier.pins,
            unpins: self.unpins - earlier.unpins,
            evictions: self.evictions - earlier.evictions,
            cooperative_evictions: self.cooperative_evictions - earlier.cooperative_evictions,
            eviction_exceptions: self.eviction_exceptions - earlier.eviction_exceptions,
            flushes: self.flushes - earlier.flushes,
            bytes_read: self.bytes_read - earlier.bytes_read,
            bytes_written: self.bytes_written - earlier.bytes_written,
            file_mappings: self.file_mappings - earlier.file_mappings,
            pages_in_use: self.pages_in_use,
            max_pages: self.max_pages,
        }
    }
}

/// What one [`MuninnPageCache::run_evictor`] step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvictorRun {
    /// Pages evicted to the free list.
    pub evicted: u64,
    /// Of those, dirty pages flushed first.
    pub flushed: u64,
    /// Free pages after the step.
    pub free_pages: u64,
}

/// What [`MuninnPageCache::flush_all`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Dirty pages written back.
    pub flushed_pages: u64,
    /// Bytes written.
    pub flushed_bytes: u64,
    /// Dirty pages left dirty because they were pinned for write (or being flushed or evicted by
    /// another thread, which writes them itself).
    pub skipped_pages: u64,
}

/// What a working-set helper did ([`MuninnPageCache::read_uniform`] and friends).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinRun {
    /// Pins done.
    pub pins: u64,
    /// Of those, hits.
    pub hits: u64,
    /// Of those, faults.
    pub faults: u64,
    /// Evictions they caused.
    pub evictions: u64,
    /// Flushes they caused (dirty pages evicted).
    pub flushes: u64,
}

impl PinRun {
    /// Hits over pins (1 for no pins).
    pub fn hit_ratio(&self) -> f64 {
        if self.pins == 0 {
            1.0
        } else {
            self.hits as f64 / self.pins as f64
        }
    }

    /// The pin counters of `m` (a difference of metrics: [`CacheMetrics::since`]).
    pub(crate) fn from_metrics(m: &CacheMetrics) -> PinRun {
        PinRun {
            pins: m.pins,
            hits: m.hits,
            faults: m.faults,
            evictions: m.evictions,
            flushes: m.flushes,
        }
    }
}

/// A broken invariant found by [`MuninnPageCache::check_invariants`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("page cache invariant broken: {0}")]
pub struct InvariantError(pub String);

enum Visit {
    Busy,
    Aged,
    Evicted { flushed: bool },
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
    frames: Box<[Frame]>,
    free: Mutex<FreeFrames>,
    // Mirror of free.n_grabbed for lock-free readers; only grows.
    n_grabbed: AtomicU32,
    clock_hand: AtomicU64,
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
    /// A cold cache: frames allocated, no page buffer yet.
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
        let frames = (0..n_pages)
            .map(|_| Frame {
                state: AtomicU64::new(EXCLUSIVE),
                binding: AtomicU64::new(0),
                stamp: AtomicU64::new(0),
            })
            .collect();
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
            clock_hand: AtomicU64::new(0),
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
            let frame = &self.frames[frame_idx as usize];
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
        let frame = &self.frames[frame_idx as usize];
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
        let frame = &self.frames[pin.frame_idx as usize];
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
        self.frames[pin.frame_idx as usize]
            .stamp
            .store(stamp, Ordering::Relaxed);
    }

    /// The page's contents as seen through `pin`.
    pub fn read_stamp(&self, pin: &Pin) -> u64 {
        self.frames[pin.frame_idx as usize]
            .stamp
            .load(Ordering::Relaxed)
    }

    /// The file page the frame of `pin` holds right now (a diagnostic for tests: it must be the pinned
    /// page for as long as the pin is held).
    pub fn pinned_binding(&self, pin: &Pin) -> Option<(FileId, u64)> {
        unbind(
            self.frames[pin.frame_idx as usize]
                .binding
                .load(Ordering::Acquire),
        )
    }

    /// Whether the frame of `pin` is dirty right now (diagnostic).
    pub fn pinned_is_dirty(&self, pin: &Pin) -> bool {
        self.frames[pin.frame_idx as usize]
            .state
            .load(Ordering::Acquire)
            & DIRTY
            != 0
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
            Some(f) => self.frames[f as usize].stamp.load(Ordering::Acquire),
            None => file.0.disk_stamp(page_idx),
        }
    }

    /// A free frame (holding EXCLUSIVE, unbound): from the free list, a new grab, or evicted here.
    fn take_frame(&self) -> Result<u32, PinError> {
        if let Some(f) = self.take_free_frame() {
            return Ok(f);
        }
        let n = self.n_grabbed.load(Ordering::Acquire) as u64;
        let sweeps = self.config.live_lock_sweeps;
        for step in 0..(sweeps as u64 * n) {
            let frame_idx = self.clock_next(n);
            if let Visit::Evicted { .. } = self.visit(frame_idx) {
                self.stats.cooperative_evictions.add(1);
                return Ok(frame_idx);
            }
            if step % n == n - 1 {
                // After each sweep: a page another thread is evicting may be on the free list now;
                // if not, let that thread run (a frame held exclusive is in someone's hands).
                if let Some(f) = self.take_free_frame() {
                    return Ok(f);
                }
                spin_wait();
            }
        }
        self.stats.eviction_exceptions.add(1);
        Err(PinError::CacheLiveLock {
            sweeps,
            n_pages: self.max_pages(),
        })
    }

    fn take_free_frame(&self) -> Option<u32> {
        let mut free = self.free.lock();
        if let Some(f) = free.list.pop() {
            return Some(f);
        }
        if free.n_grabbed < self.n_frames {
            // A new grab: its first frame is ours, the rest go to the free list (lowest popped first).
            let start = free.n_grabbed;
            let end = (start + self.pages_per_grab).min(self.n_frames);
            free.n_grabbed = end;
            self.n_grabbed.store(end, Ordering::Release);
            free.list.extend((start + 1..end).rev());
            return Some(start);
        }
        None
    }

    fn clock_next(&self, n_grabbed: u64) -> u32 {
        (self.clock_hand.fetch_add(1, Ordering::Relaxed) % n_grabbed) as u32
    }

    /// One step of the clock arm at `frame_idx`: age it, or evict it if its usage is 0 and it is
    /// unpinned (flushing it first if dirty). An evicted frame is left holding EXCLUSIVE for the caller.
    fn visit(&self, frame_idx: u32) -> Visit {
        let frame = &self.frames[frame_idx as usize];
        let s = frame.state.load(Ordering::Acquire);
        if s & (EXCLUSIVE | FLUSHING) != 0 || pinned(s) {
            return Visit::Busy;
        }
        if usage(s) > 0 {
            // A lost race (a pin or another arm) only delays this page's eviction.
            let _ =
                frame
                    .state
                    .compare_exchange(s, s - USAGE_ONE, Ordering::AcqRel, Ordering::Relaxed);
            return Visit::Aged;
        }
        if frame
            .state
            .compare_exchange(s, s | EXCLUSIVE, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            return Visit::Busy;
        }
        let (file_id, page_idx) = unbind(frame.binding.load(Ordering::Acquire))
            .expect("an unpinned frame without EXCLUSIVE is bound");
        let file = self
            .file(file_id)
            .expect("a bound frame's file stays mapped");
        let flushed = s & DIRTY != 0;
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

    /// One step of the background eviction thread: evicts (flushing dirty pages first) until
    /// [`MuninnPageCache::keep_free_pages`] pages are free, within 5 sweeps of the clock (enough to age
    /// every unpinned page from the usage cap to 0 and evict it).
    pub fn run_evictor(&self) -> EvictorRun {
        let keep = self.keep_free_pages();
        let mut run = EvictorRun {
            free_pages: self.free_pages(),
            ..EvictorRun::default()
        };
        if run.free_pages >= keep {
            return run;
        }
        let mut need = keep - run.free_pages;
        let n = self.n_grabbed.load(Ordering::Acquire) as u64;
        for _ in 0..(MAX_USAGE_COUNT + 1) * n {
            if need == 0 {
                break;
            }
            let frame_idx = self.clock_next(n);
            if let Visit::Evicted { flushed } = self.visit(frame_idx) {
                self.free.lock().list.push(frame_idx);
                run.evicted += 1;
                run.flushed += flushed as u64;
                need -= 1;
            }
        }
        run.free_pages = self.free_pages();
        run
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
            let b = self.frames[frame_idx as usize]
                .binding
                .load(Ordering::Acquire);
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
        let frame = &self.frames[frame_idx as usize];
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

    /// Checks the cache's structure; meant for quiescent points (no pin, fault or eviction under way
    /// in another thread). With `expect_unpinned`, also checks that no page is pinned.
    ///
    /// # Errors
    /// The first broken invariant: a bound frame missing from its file's table or a table entry
    /// pointing at a frame bound elsewhere, a page bound twice, a free frame that is bound or not
    /// exclusive, a frame in neither state, a usage counter over its cap, a pin left when none is
    /// expected, or a count of bound pages that disagrees with the frames.
    pub fn check_invariants(&self, expect_unpinned: bool) -> Result<(), InvariantError> {
        let err = |m: String| Err(InvariantError(m));
        let free = self.free.lock();
        let n_grabbed = free.n_grabbed;
        if self.n_grabbed.load(Ordering::Acquire) != n_grabbed {
            return err("n_grabbed mirror disagrees".into());
        }
        let mut is_free = vec![false; n_grabbed as usize];
        for &f in &free.list {
            if f >= n_grabbed || std::mem::replace(&mut is_free[f as usize], true) {
                return err(format!("free list holds frame {f} twice or ungrabbed"));
            }
        }
        drop(free);
        let mut seen = BTreeMap::new();
        let mut n_bound = 0u64;
        for (idx, frame) in self.frames.iter().enumerate() {
            let s = frame.state.load(Ordering::Acquire);
            let b = frame.binding.load(Ordering::Acquire);
            if idx as u32 >= n_grabbed || is_free[idx] {
                if s != EXCLUSIVE || b != 0 {
                    return err(format!("free frame {idx} has state {s:#x}, binding {b:#x}"));
                }
                continue;
            }
            if s & (EXCLUSIVE | FLUSHING) != 0 {
                return err(format!(
                    "frame {idx} is locked at a quiescent point ({s:#x})"
                ));
            }
            if usage(s) > MAX_USAGE_COUNT {
                return err(format!("frame {idx} usage {} over the cap", usage(s)));
            }
            if expect_unpinned && pinned(s) {
                return err(format!("frame {idx} still pinned ({s:#x})"));
            }
            let Some((file_id, page_idx)) = unbind(b) else {
                return err(format!("grabbed frame {idx} neither free nor bound"));
            };
            if let Some(other) = seen.insert(b, idx) {
                return err(format!(
                    "page {page_idx} of {file_id:?} bound in frames {other} and {idx}"
                ));
            }
            let Some(file) = self.file(file_id) else {
                return err(format!("frame {idx} bound to unmapped {file_id:?}"));
            };
            if file.0.lookup(page_idx) != Some(idx as u32) {
                return err(format!(
                    "frame {idx} holds page {page_idx} of {file_id:?} but the table says {:?}",
                    file.0.lookup(page_idx)
                ));
            }
            n_bound += 1;
        }
        if n_bound != self.stats.n_bound.get() {
            return err(format!(
                "{n_bound} frames bound, counter says {}",
                self.stats.n_bound.get()
            ));
        }
        for file in self.files.read().iter().flatten() {
            let table = file.0.table.read();
            for (c, chunk) in table.iter().enumerate() {
                for (i, entry) in chunk.iter().enumerate() {
                    let v = entry.load(Ordering::Acquire);
                    if v == 0 {
                        continue;
                    }
                    let page_idx = c as u64 * TABLE_CHUNK + i as u64;
                    if seen.get(&bind(file.id(), page_idx)) != Some(&(v as usize - 1)) {
                        return err(format!(
                            "table of {:?} maps page {page_idx} to frame {} which holds another page",
                            file.id(),
                            v - 1
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Working-set model: `n_pins` read pins (each unpinned at once) of pages drawn uniformly from the
    /// first `n_pages` of `file` (grown to that length first, as data already on disk). In steady
    /// state the hit ratio approaches `min(1, cache pages / n_pages)`.
    ///
    /// # Errors
    /// [`PinError`] from a pin (only [`PinError::CacheLiveLock`] when other pins fill the cache).
    pub fn read_uniform(
        &self,
        file: &PagedFile,
        n_pages: u64,
        n_pins: u64,
        rng: &mut SimRng,
    ) -> Result<PinRun, PinError> {
        self.run_pins(file, n_pages, n_pins, |_| false, |r| r.below(n_pages), rng)
    }

    /// As [`MuninnPageCache::read_uniform`], with write pins that each store a new stamp (so pages
    /// become dirty and evictions flush).
    ///
    /// # Errors
    /// As [`MuninnPageCache::read_uniform`].
    pub fn write_uniform(
        &self,
        file: &PagedFile,
        n_pages: u64,
        n_pins: u64,
        rng: &mut SimRng,
    ) -> Result<PinRun, PinError> {
        self.run_pins(file, n_pages, n_pins, |_| true, |r| r.below(n_pages), rng)
    }

    /// A skewed working set: with probability `hot_permille`/1000 a pin goes to the first `hot_pages`
    /// pages, otherwise uniformly to all `n_pages`. A fraction `write_permille`/1000 of pins write.
    ///
    /// # Errors
    /// As [`MuninnPageCache::read_uniform`].
    #[allow(clippy::too_many_arguments)] // each argument is one knob of the workload; a struct would only rename them
    pub fn pin_hot_cold(
        &self,
        file: &PagedFile,
        n_pages: u64,
        hot_pages: u64,
        hot_permille: u64,
        write_permille: u64,
        n_pins: u64,
        rng: &mut SimRng,
    ) -> Result<PinRun, PinError> {
        let hot_pages = hot_pages.clamp(1, n_pages.max(1));
        self.run_pins(
            file,
            n_pages,
            n_pins,
            |r| r.below(1000) < write_permille,
            |r| {
                if r.below(1000) < hot_permille {
                    r.below(hot_pages)
                } else {
                    r.below(n_pages)
                }
            },
            rng,
        )
    }

    /// Reads pages `first_page .. first_page + n_pages` in order (a store scan).
    ///
    /// # Errors
    /// As [`MuninnPageCache::read_uniform`].
    pub fn scan(
        &self,
        file: &PagedFile,
        first_page: u64,
        n_pages: u64,
    ) -> Result<PinRun, PinError> {
        file.grow_to(first_page + n_pages);
        let before = self.metrics();
        for page_idx in first_page..first_page + n_pages {
            let pin = self.pin_read(file, page_idx)?;
            self.unpin(pin);
        }
        Ok(PinRun::from_metrics(&self.metrics().since(&before)))
    }

    fn run_pins(
        &self,
        file: &PagedFile,
        n_pages: u64,
        n_pins: u64,
        mut is_write: impl FnMut(&mut SimRng) -> bool,
        mut page: impl FnMut(&mut SimRng) -> u64,
        rng: &mut SimRng,
    ) -> Result<PinRun, PinError> {
        if n_pages == 0 {
            return Ok(PinRun::default());
        }
        file.grow_to(n_pages);
        let before = self.metrics();
        for _ in 0..n_pins {
            let write = is_write(rng);
            let page_idx = page(rng);
            if write {
                let pin = self.pin_write(file, page_idx)?;
                let stamp = self.read_stamp(&pin) + 1;
                self.write_stamp(&pin, stamp);
                self.unpin(pin);
            } else {
                let pin = self.pin_read(file, page_idx)?;
                self.unpin(pin);
            }
        }
        Ok(PinRun::from_metrics(&self.metrics().since(&before)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(n_pages: u64) -> MuninnPageCache {
        MuninnPageCache::new(CacheConfig::with_pages(n_pages)).unwrap()
    }

    #[test]
    fn faults_then_hits_and_grabs_lazily() {
        let pc = cache(256);
        assert_eq!(pc.buffer_bytes(), 0);
        assert_eq!(pc.usage(), Usage::all(256 * METADATA_BYTES_PER_PAGE));
        let f = pc.map_file(FileId(3), PAGE_BYTES).unwrap();
        let p = pc.pin_write(&f, 0).unwrap();
        pc.write_stamp(&p, 42);
        pc.unpin(p);
        assert_eq!(pc.buffer_bytes(), GRAB_BYTES);
        let p = pc.pin_read(&f, 0).unwrap();
        assert_eq!(pc.read_stamp(&p), 42);
        pc.unpin(p);
        let m = pc.metrics();
        assert_eq!((m.faults, m.hits, m.pins, m.unpins), (1, 1, 2, 2));
        assert_eq!(m.pages_in_use, 1);
        assert_eq!(f.n_pages(), 1);
        assert!(matches!(
            pc.pin_read(&f, 5),
            Err(PinError::BeyondEndOfFile { n_pages: 1, .. })
        ));
        pc.check_invariants(true).unwrap();
        // 65 distinct pages need a second grab of 64 pages.
        for page in 1..65 {
            let p = pc.pin_write(&f, page).unwrap();
            pc.unpin(p);
        }
        assert_eq!(pc.buffer_bytes(), 2 * GRAB_BYTES);
    }

    #[test]
    fn clock_evicts_and_flushes_dirty_pages_first() {
        let pc = cache(4);
        let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
        for page in 0..8 {
            let p = pc.pin_write(&f, page).unwrap();
            pc.write_stamp(&p, page + 100);
            pc.unpin(p);
        }
        let m = pc.metrics();
        assert_eq!(m.evictions, 4);
        assert_eq!(m.flushes, 4);
        assert_eq!(m.cooperative_evictions, 4);
        for page in 0..8 {
            assert_eq!(pc.page_stamp(&f, page), page + 100);
        }
        let r = pc.flush_all();
        assert_eq!(r.flushed_pages, 4);
        for page in 0..8 {
            assert_eq!(pc.disk_stamp(&f, page), page + 100);
        }
        pc.check_invariants(true).unwrap();
    }

    #[test]
    fn pinned_pages_are_never_evicted_and_a_full_pinned_cache_live_locks() {
        let pc = cache(2);
        let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
        f.grow_to(3);
        let a = pc.pin_write(&f, 0).unwrap();
        let b = pc.pin_read(&f, 1).unwrap();
        assert_eq!(
            pc.pin_read(&f, 0).map(|p| pc.unpin(p)),
            Ok(()),
            "a second pin of a pinned page is a hit"
        );
        assert_eq!(
            pc.pin_read(&f, 2),
            Err(PinError::CacheLiveLock {
                sweeps: LIVE_LOCK_SWEEPS,
                n_pages: 2
            })
        );
        assert_eq!(pc.metrics().eviction_exceptions, 1);
        let report = pc.flush_all();
        assert_eq!(
            report.skipped_pages, 1,
            "the write-pinned page is not flushed"
        );
        assert_eq!(pc.pinned_binding(&a), Some((FileId(0), 0)));
        pc.unpin(a);
        pc.unpin(b);
        let p = pc.pin_read(&f, 2).unwrap();
        pc.unpin(p);
        pc.check_invariants(true).unwrap();
    }

    #[test]
    fn evictor_keeps_the_reserve() {
        let pc = cache(128);
        assert_eq!(pc.keep_free_pages(), 30);
        let f = pc.map_file(FileId(1), PAGE_BYTES).unwrap();
        let mut rng = SimRng::new(1, 0);
        pc.read_uniform(&f, 1000, 5000, &mut rng).unwrap();
        assert_eq!(pc.free_pages(), 0);
        let run = pc.run_evictor();
        assert_eq!(run.evicted, 30);
        assert_eq!(run.free_pages, 30);
        assert_eq!(pc.run_evictor().evicted, 0);
        assert_eq!(cache(8).keep_free_pages(), 4);
        pc.check_invariants(true).unwrap();
    }

    #[test]
    fn hit_ratio_follows_working_set_over_cache_size() {
        for (cache_pages, ws_pages) in [(1000, 500), (1000, 2000), (1000, 4000)] {
            let pc = cache(cache_pages);
            let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
            let mut rng = SimRng::new(7, 0);
            pc.read_uniform(&f, ws_pages, 20 * ws_pages, &mut rng)
                .unwrap();
            let run = pc.read_uniform(&f, ws_pages, 100_000, &mut rng).unwrap();
            let expected = (cache_pages as f64 / ws_pages as f64).min(1.0);
            assert!(
                (run.hit_ratio() - expected).abs() < 0.03,
                "cache {cache_pages} ws {ws_pages}: hit ratio {} vs {expected}",
                run.hit_ratio()
            );
        }
    }

    #[test]
    fn hot_set_beats_uniform_under_clock() {
        let pc = cache(1000);
        let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
        let mut rng = SimRng::new(3, 0);
        pc.pin_hot_cold(&f, 10_000, 500, 900, 100, 50_000, &mut rng)
            .unwrap();
        let run = pc
            .pin_hot_cold(&f, 10_000, 500, 900, 100, 100_000, &mut rng)
            .unwrap();
        // 90% of pins go to 500 hot pages that CLOCK keeps; the cold 10% mostly miss.
        assert!(run.hit_ratio() > 0.85, "{}", run.hit_ratio());
        assert!(run.flushes > 0);
        pc.check_invariants(true).unwrap();
    }

    #[test]
    fn config_errors() {
        assert!(matches!(
            MuninnPageCache::new(CacheConfig::new(100)),
            Err(CacheConfigError::NoPages { .. })
        ));
        assert!(matches!(
            MuninnPageCache::new(CacheConfig::with_pages(FRAMES_MAX + 1)),
            Err(CacheConfigError::TooManyPages { .. })
        ));
        let mut few_sweeps = CacheConfig::with_pages(4);
        few_sweeps.live_lock_sweeps = MAX_USAGE_COUNT as u32;
        assert_eq!(
            MuninnPageCache::new(few_sweeps).unwrap_err(),
            CacheConfigError::LimitTooSmall
        );
        let pc = cache(4);
        assert_eq!(
            pc.map_file(FileId(0), PAGE_BYTES + 1).unwrap_err(),
            MapError::BadFilePageSize {
                file_page_bytes: PAGE_BYTES + 1,
                cache_page_bytes: PAGE_BYTES
            }
        );
        pc.map_file(FileId(0), 8190).unwrap();
        assert!(matches!(
            pc.map_file(FileId(0), 8192),
            Err(MapError::PageSizeMismatch { .. })
        ));
        assert_eq!(pc.map_file(FileId(0), 8190).unwrap().n_pages(), 0);
        assert_eq!(pc.metrics().file_mappings, 1);
    }
}
