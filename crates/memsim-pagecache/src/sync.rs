//! The loom shim: the one place in this crate that names loom.
//!
//! Under `RUSTFLAGS="--cfg memsim_loom"` the page cache ([`crate::cache`]) is built on loom's mocked
//! `Arc`, atomics, `Mutex` and `RwLock`, so that `tests/loom.rs` can explore its interleavings;
//! otherwise on std's `Arc` and atomics and `parking_lot`'s locks. Both sides export the same names
//! with the same signatures:
//! - `Arc`, `atomic::{AtomicU32, AtomicU64, Ordering}`;
//! - `Mutex` whose `lock()`, and `RwLock` whose `read()`/`write()`, return the guard directly (as
//!   `parking_lot`'s do; the loom side unwraps, as tokio's `loom/mocked.rs` does);
//! - `spin_wait()`, called in every retry loop: a yield to the scheduler (loom must see a yield in
//!   a spin loop, or it explores the loop forever);
//! - `TABLE_CHUNK_ENTRIES`, the size of a translation-table chunk: 1024 entries, or 4 under loom so
//!   that a model's few pages do not make loom track thousands of atomics;
//! - `FRAMES_ALLOCATED_LAZILY`: whether page frames are allocated as the cache warms (std) or all at
//!   construction (loom, which does not model the `OnceLock` publishing a chunk of frames);
//! - `StatCounter`, a statistics counter that is std's `AtomicU64` on *both* sides: the cache's
//!   metrics are never read to decide anything, so loom need not explore their interleavings (each
//!   modelled atomic operation multiplies the schedules loom has to try).
//!
//! parking_lot does not react to `memsim_loom`, so a global `RUSTFLAGS="--cfg memsim_loom"` leaves it
//! ordinary std code; on the loom side it is simply not used. There is no `UnsafeCell` here: the
//! crate forbids unsafe code, and all shared state is behind a lock or an atomic.

use std::sync::atomic::{AtomicU64 as StdAtomicU64, Ordering as StdOrdering};

/// A relaxed event counter for metrics (std's atomic on both sides; see the module docs).
#[derive(Debug, Default)]
pub(crate) struct StatCounter(StdAtomicU64);

impl StatCounter {
    /// Adds `n`.
    pub(crate) fn add(&self, n: u64) {
        self.0.fetch_add(n, StdOrdering::Relaxed);
    }

    /// Subtracts `n`.
    pub(crate) fn sub(&self, n: u64) {
        self.0.fetch_sub(n, StdOrdering::Relaxed);
    }

    /// The current value.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(StdOrdering::Relaxed)
    }
}

#[cfg(not(memsim_loom))]
mod imp {
    pub(crate) use parking_lot::{Mutex, RwLock};
    pub(crate) use std::sync::Arc;

    /// std's atomics.
    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
    }

    /// Entries per translation-table chunk.
    pub(crate) const TABLE_CHUNK_ENTRIES: u64 = 1 << 10;

    /// Frames are allocated as grabs first reach them (`cache/frames.rs`).
    pub(crate) const FRAMES_ALLOCATED_LAZILY: bool = true;

    /// Lets another thread run before a retry (a holder of the state being waited for may have
    /// been descheduled; on 2 cores a pure spin would burn its time slice).
    pub(crate) fn spin_wait() {
        std::thread::yield_now();
    }
}

#[cfg(memsim_loom)]
mod imp {
    pub(crate) use loom::sync::Arc;

    /// loom's atomics.
    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};
    }

    /// loom's mutex with `parking_lot`'s `lock()` (no poisoning to handle).
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        /// A mutex holding `value`.
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(value))
        }

        /// Locks, returning the guard.
        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0
                .lock()
                .expect("a panic while holding a lock already failed the model")
        }
    }

    /// loom's reader-writer lock with `parking_lot`'s `read()`/`write()`.
    #[derive(Debug)]
    pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);

    impl<T> RwLock<T> {
        /// A lock holding `value`.
        pub(crate) fn new(value: T) -> RwLock<T> {
            RwLock(loom::sync::RwLock::new(value))
        }

        /// Shared access.
        pub(crate) fn read(&self) -> loom::sync::RwLockReadGuard<'_, T> {
            self.0
                .read()
                .expect("a panic while holding a lock already failed the model")
        }

        /// Exclusive access.
        pub(crate) fn write(&self) -> loom::sync::RwLockWriteGuard<'_, T> {
            self.0
                .write()
                .expect("a panic while holding a lock already failed the model")
        }
    }

    /// Entries per translation-table chunk (small: each is a modelled atomic).
    pub(crate) const TABLE_CHUNK_ENTRIES: u64 = 4;

    /// Frames are allocated at construction: loom does not model the `OnceLock` that publishes a
    /// lazily allocated chunk, and the models are about the pin/evict protocol.
    pub(crate) const FRAMES_ALLOCATED_LAZILY: bool = false;

    /// Tells loom this thread waits for another.
    pub(crate) fn spin_wait() {
        loom::thread::yield_now();
    }
}

pub(crate) use imp::*;
