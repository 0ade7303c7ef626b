//! The loom shim: the one place in this crate that names loom.
//!
//! Under `RUSTFLAGS="--cfg memsim_loom"` the concurrent pool ([`crate::concurrent`]) is built on
//! loom's mocked `Arc`, atomics and mutex, so that `tests/loom.rs` can explore its interleavings;
//! otherwise it is built on std's `Arc` and atomics, `parking_lot::Mutex` and crossbeam's
//! `ArrayQueue`. Both sides export the same names with the same signatures:
//! - `Arc`, `atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, fence}`;
//! - `Mutex`, whose `lock()` returns the guard directly (as `parking_lot`'s does; the loom side
//!   unwraps, as tokio's `loom/mocked.rs` does);
//! - `BoundedQueue`, a bounded multi-producer queue (Netty's fixed MPSC queue of a
//!   `MemoryRegionCache`): crossbeam's lock-free `ArrayQueue`, or under loom a mutex around a
//!   `VecDeque` with the same capacity rule, which loom can model.
//!
//! crossbeam and parking_lot do not react to `memsim_loom` (crossbeam's own switch is
//! `crossbeam_loom`), so a global `RUSTFLAGS="--cfg memsim_loom"` leaves them ordinary std code;
//! on the loom side they are simply not used. There is no `UnsafeCell` here: the crate forbids
//! unsafe code, and every piece of shared state is behind a mutex or an atomic.

#[cfg(not(memsim_loom))]
mod imp {
    pub(crate) use parking_lot::Mutex;
    pub(crate) use std::sync::Arc;

    /// std's atomics.
    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, fence};
    }

    /// A bounded queue that any thread may push to and pop from (crossbeam's `ArrayQueue`).
    #[derive(Debug)]
    pub(crate) struct BoundedQueue<T>(crossbeam::queue::ArrayQueue<T>);

    impl<T> BoundedQueue<T> {
        /// A queue of `capacity` (≥ 1) entries.
        pub(crate) fn new(capacity: usize) -> BoundedQueue<T> {
            BoundedQueue(crossbeam::queue::ArrayQueue::new(capacity))
        }

        /// Appends `value`, or gives it back when the queue is full.
        pub(crate) fn push(&self, value: T) -> Result<(), T> {
            self.0.push(value)
        }

        /// Takes the oldest entry.
        pub(crate) fn pop(&self) -> Option<T> {
            self.0.pop()
        }
    }
}

#[cfg(memsim_loom)]
mod imp {
    pub(crate) use loom::sync::Arc;
    use std::collections::VecDeque;

    /// loom's atomics.
    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, fence};
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

    /// A bounded queue that any thread may push to and pop from: a mutex around a `VecDeque`.
    #[derive(Debug)]
    pub(crate) struct BoundedQueue<T> {
        capacity: usize,
        queue: Mutex<VecDeque<T>>,
    }

    impl<T> BoundedQueue<T> {
        /// A queue of `capacity` (≥ 1) entries.
        pub(crate) fn new(capacity: usize) -> BoundedQueue<T> {
            assert!(capacity > 0, "capacity must be non-zero");
            BoundedQueue {
                capacity,
                queue: Mutex::new(VecDeque::new()),
            }
        }

        /// Appends `value`, or gives it back when the queue is full.
        pub(crate) fn push(&self, value: T) -> Result<(), T> {
            let mut q = self.queue.lock();
            if q.len() >= self.capacity {
                return Err(value);
            }
            q.push_back(value);
            Ok(())
        }

        /// Takes the oldest entry.
        pub(crate) fn pop(&self) -> Option<T> {
            self.queue.lock().pop_front()
        }
    }
}

pub(crate) use imp::*;
