//! Direct (off-heap) memory: Netty's and the JDK's accounting, and pooled allocators behind one seam.
//!
//! - [`accounting`]: `io.netty.maxDirectMemory` semantics, Netty's counter with its exact
//!   `OutOfDirectMemoryError`, and JDK 17's `java.nio.Bits` reservation with its exact message.
//! - [`DirectPool`]: the seam between the engine and a pooled allocator.
//!   [`netty41::Netty41Pool`] is Netty 4.1.48's `PooledByteBufAllocator` modelled exactly (buddy
//!   tree, subpages, chunk lists, thread caches), checked against the real jar by trace replay
//!   ([`replay`], [`trace`], `tools/netty-replay`). [`netty4118::Netty4118Pool`] is Netty
//!   4.1.118's (size classes, runs, 4 MiB chunks), checked the same way against the 4.1.118 jar
//!   and 4.2.13's `PooledByteBufAllocator`; [`NettyVersion`] names them. [`SimplePool`] is the
//!   earlier approximation, kept as the speed baseline.
//!   [`netty42adaptive::AdaptivePool`] is Netty 4.2.13's `AdaptiveByteBufAllocator` (magazines,
//!   size-classed and buddy chunks), checked against the real 4.2.13 jar by [`replay_adaptive`] and
//!   `tools/netty-replay/AdaptiveReplay.java`.
//! - [`concurrent`]: the same Netty allocator and counter for real threads ([`SharedPool`],
//!   [`AtomicDirectCounter`]), model-checked with loom (`RUSTFLAGS="--cfg memsim_loom"`, the only
//!   switch, behind the crate's one shim `sync.rs`) and stress-tested on OS threads.
#![deny(missing_docs)]

pub mod accounting;
pub mod bits;
mod chunk_slab;
pub mod concurrent;
pub mod netty41;
pub mod netty4118;
pub mod netty42adaptive;
mod pooled;
pub mod replay;
pub mod replay_adaptive;
pub mod simple;
mod subpage;
pub mod trace;
pub mod version;

mod sync;

pub use accounting::{DirectAccounting, DirectAllocError, NettyCap, Reservations};
pub use bits::{BitsAttempt, reserve_memory};
pub use concurrent::{AtomicDirectCounter, PoolHandle, SharedBuf, SharedPool};
pub use simple::{PoolConfig, SimplePool};
pub use version::NettyVersion;

use memsim_core::Usage;

/// A simulated thread, as the pool sees it (arena binding, thread caches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadKey(pub u32);

/// A live buffer handed out by a pool; valid until passed to [`DirectPool::free`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BufHandle(pub u32);

/// Netty's size kinds (4.1.48): by normalized capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeKind {
    /// Below 512 bytes.
    Tiny,
    /// 512 bytes up to below the page size.
    Small,
    /// A page up to a whole chunk.
    Normal,
    /// Larger than a chunk: allocated alone, never pooled.
    Huge,
}

/// Netty 4.1.48's `PoolArena.normalizeCapacity` (no alignment): a request of a chunk or more is
/// kept as is, one of 512 bytes or more rounds up to a power of two, a smaller one to a multiple of 16.
pub fn normalize_capacity(req: u64, chunk_size: u64) -> u64 {
    if req >= chunk_size {
        req
    } else if req >= 512 {
        req.next_power_of_two()
    } else {
        req.div_ceil(16) * 16
    }
}

/// Netty 4.1.48's size kind of a request, by its normalized size.
pub fn size_kind(req: u64, page_size: u64, chunk_size: u64) -> SizeKind {
    let norm = normalize_capacity(req, chunk_size);
    if norm > chunk_size {
        SizeKind::Huge
    } else if norm >= page_size {
        SizeKind::Normal
    } else if norm >= 512 {
        SizeKind::Small
    } else {
        SizeKind::Tiny
    }
}

/// Counters a pool keeps, with Netty's metric names where they exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolCounters {
    /// `numAllocations`.
    pub allocations: u64,
    /// `numDeallocations`.
    pub deallocations: u64,
    /// Chunks created (pooled chunks plus huge allocations).
    pub chunks_created: u64,
    /// Chunks destroyed.
    pub chunks_destroyed: u64,
    /// Allocations refused by the direct-memory cap.
    pub failures: u64,
}

/// The seam between the engine and a pooled direct-buffer allocator.
pub trait DirectPool: std::fmt::Debug {
    /// Allocates a buffer of `size` bytes for `thread`.
    ///
    /// # Errors
    /// [`DirectAllocError`] when the cap refuses a new chunk or huge buffer; nothing changes then.
    fn allocate(
        &mut self,
        acct: &mut DirectAccounting,
        thread: ThreadKey,
        size: u64,
    ) -> Result<BufHandle, DirectAllocError>;

    /// Releases a buffer (from any thread).
    fn free(&mut self, acct: &mut DirectAccounting, thread: ThreadKey, buf: BufHandle);

    /// The thread ended: whatever it cached goes back, and its arena binding is dropped.
    fn thread_exit(&mut self, acct: &mut DirectAccounting, thread: ThreadKey);

    /// Memory the pool holds from the OS (reserved = committed = chunks + huge; resident = touched).
    fn usage(&self) -> Usage;

    /// `PooledByteBufAllocatorMetric.usedDirectMemory()`: chunk and huge bytes.
    fn used_memory(&self) -> u64;

    /// Buffer bytes in use by the application (normalized sizes).
    fn active_bytes(&self) -> u64;

    /// The pool's counters.
    fn counters(&self) -> PoolCounters;

    /// Checks the pool's internal invariants.
    ///
    /// # Errors
    /// A description of the first broken invariant (a bug).
    fn check_invariants(&self) -> Result<(), String>;
}
