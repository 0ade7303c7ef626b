//! Frames: the state word of each page, and the frames themselves, allocated as the cache warms.
//!
//! A frame costs 24 bytes of memsim's own memory. Allocating every frame at construction, as Neo4j
//! allocates its `PageList`, made memsim's memory follow the simulated cache's size (384 MiB for a
//! 128 GiB cache that might never be read). Frames that were never grabbed are all alike (free,
//! `EXCLUSIVE`, unbound, stamp 0), so they are kept as one implied run: [`Frames`] allocates frames
//! in chunks of [`FRAMES_PER_CHUNK`] when a grab first reaches them, and the cache still *accounts*
//! Neo4j's 32 bytes of metadata per page from the start (`MuninnPageCache::metadata_bytes`). A frame
//! that has been grabbed is stored individually for good: from then on CLOCK treats it page by page.

use std::sync::OnceLock;

use crate::sync::FRAMES_ALLOCATED_LAZILY;
use crate::sync::atomic::AtomicU64;

/// Frames allocated together when a grab first reaches one of them.
pub(super) const FRAMES_PER_CHUNK: u32 = 1 << 12;

// State word layout (module docs).
pub(super) const READ_ONE: u64 = 1;
pub(super) const READ_MASK: u64 = (1 << 20) - 1;
pub(super) const WRITE_ONE: u64 = 1 << 20;
pub(super) const WRITE_MASK: u64 = ((1 << 20) - 1) << 20;
pub(super) const EXCLUSIVE: u64 = 1 << 40;
pub(super) const FLUSHING: u64 = 1 << 41;
pub(super) const DIRTY: u64 = 1 << 42;
pub(super) const USAGE_SHIFT: u32 = 43;
pub(super) const USAGE_ONE: u64 = 1 << USAGE_SHIFT;
pub(super) const USAGE_MASK: u64 = 0b111 << USAGE_SHIFT;

pub(super) fn read_pins(s: u64) -> u64 {
    s & READ_MASK
}
pub(super) fn write_pins(s: u64) -> u64 {
    (s & WRITE_MASK) >> 20
}
pub(super) fn usage(s: u64) -> u64 {
    (s & USAGE_MASK) >> USAGE_SHIFT
}
pub(super) fn pinned(s: u64) -> bool {
    s & (READ_MASK | WRITE_MASK) != 0
}

pub(super) struct Frame {
    // Invariant: see the module docs' state word.
    pub(super) state: AtomicU64,
    // 0, or bind(file, page) of the page this frame holds; changes only under EXCLUSIVE.
    pub(super) binding: AtomicU64,
    // The page's contents; changes only under a write pin (or EXCLUSIVE at fault-in).
    pub(super) stamp: AtomicU64,
}

impl Frame {
    /// A free frame: `EXCLUSIVE`, unbound, stamp 0 (as every never-grabbed frame is).
    fn free() -> Frame {
        Frame {
            state: AtomicU64::new(EXCLUSIVE),
            binding: AtomicU64::new(0),
            stamp: AtomicU64::new(0),
        }
    }
}

/// The cache's frames `0..n`: chunks of [`FRAMES_PER_CHUNK`] allocated on first grab; the frames of
/// a chunk not yet allocated are implied free.
///
/// A chunk is allocated under the free-frame lock before any of its frames is handed out, and
/// `OnceLock` publishes it to every thread that later reaches a frame index (through the free list
/// or a translation table). Under loom every chunk is allocated at construction
/// ([`FRAMES_ALLOCATED_LAZILY`] is false): loom does not model `OnceLock`, and eager frames keep the
/// models exploring exactly the pin/evict protocol; the stress tests cover lazy allocation.
pub(super) struct Frames {
    n: u32,
    chunks: Box<[OnceLock<Box<[Frame]>>]>,
}

impl Frames {
    /// `n` free frames (allocated lazily, or at once under loom).
    pub(super) fn new(n: u32) -> Frames {
        let frames = Frames {
            n,
            chunks: (0..n.div_ceil(FRAMES_PER_CHUNK))
                .map(|_| OnceLock::new())
                .collect(),
        };
        if !FRAMES_ALLOCATED_LAZILY {
            frames.allocate(0, n);
        }
        frames
    }

    fn chunk_len(&self, chunk: usize) -> u32 {
        let start = chunk as u32 * FRAMES_PER_CHUNK;
        (self.n - start).min(FRAMES_PER_CHUNK)
    }

    /// Makes sure frames `start..end` exist (the caller holds the free-frame lock, or owns the cache).
    pub(super) fn allocate(&self, start: u32, end: u32) {
        if start >= end {
            return;
        }
        let (first, last) = (start / FRAMES_PER_CHUNK, (end - 1) / FRAMES_PER_CHUNK);
        for chunk in first as usize..=last as usize {
            self.chunks[chunk]
                .get_or_init(|| (0..self.chunk_len(chunk)).map(|_| Frame::free()).collect());
        }
    }

    /// Frame `idx`, which must have been allocated (every grabbed frame has).
    pub(super) fn get(&self, idx: u32) -> &Frame {
        let chunk = self.chunks[(idx / FRAMES_PER_CHUNK) as usize]
            .get()
            .unwrap_or_else(|| panic!("frame {idx} used before its grab allocated it"));
        &chunk[(idx % FRAMES_PER_CHUNK) as usize]
    }

    /// Frames allocated so far, as a prefix `0..k` (grabs proceed in order), for checks.
    pub(super) fn allocated(&self) -> u32 {
        let chunks = self.chunks.iter().take_while(|c| c.get().is_some()).count();
        (chunks as u32 * FRAMES_PER_CHUNK).min(self.n)
    }
}

pub(super) struct FreeFrames {
    // Evicted or grabbed-but-unused frames; all hold EXCLUSIVE and no binding.
    pub(super) list: Vec<u32>,
    // Frames [0, n_grabbed) have buffers; the rest have none yet.
    pub(super) n_grabbed: u32,
}
