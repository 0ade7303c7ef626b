//! Frames: the state word of each page, and the frames themselves.

use crate::sync::atomic::AtomicU64;

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

pub(super) struct FreeFrames {
    // Evicted or grabbed-but-unused frames; all hold EXCLUSIVE and no binding.
    pub(super) list: Vec<u32>,
    // Frames [0, n_grabbed) have buffers; the rest have none yet.
    pub(super) n_grabbed: u32,
}
