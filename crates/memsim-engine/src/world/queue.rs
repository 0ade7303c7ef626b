//! The engine's future event list: events ordered by (simulated time, sequence number of
//! scheduling), so two events due at the same instant run in the order they were scheduled.
//!
//! Keys are unique (the sequence number), so the order is total and the same as any correct
//! priority queue's. `std`'s binary heap it is: a 4-ary heap (`dary_heap`) measured the same on a
//! request load (about 500 releases pending), and a radix heap (`radix-heap`, monotone keys) 8 %
//! slower, its buckets redistributed on most pops (`docs/performance.md`). An event scheduled ahead
//! of every pending one waits in a front slot instead (a request's next arrival usually is), which
//! spares the heap a push and a pop.

use memsim_core::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An event with its key: the instant in the high 64 bits, the sequence number in the low 64, so
/// one integer comparison orders both. Ordered in reverse (the earliest is the greatest), for
/// `BinaryHeap`, a max-heap.
#[derive(Debug)]
struct Entry<E> {
    key: u128,
    ev: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }

    // `BinaryHeap`'s sifts ask `<=`: one wide comparison, no branch on equality.
    #[inline]
    fn le(&self, other: &Self) -> bool {
        other.key <= self.key
    }
}

impl<E> Ord for Entry<E> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// The pending events of a run.
#[derive(Debug)]
pub(super) struct EventQueue<E> {
    // The earliest pending event, when it was scheduled after the heap's earliest: a request's
    // next arrival, due before every pending release, skips the heap's push and pop.
    // Invariant: earlier than every entry of `heap`.
    front: Option<Entry<E>>,
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E> EventQueue<E> {
    pub(super) fn new() -> EventQueue<E> {
        EventQueue {
            front: None,
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// Schedules `ev` at `at`, after every event already scheduled at the same instant.
    #[inline]
    pub(super) fn push(&mut self, at: SimTime, ev: E) {
        let entry = Entry {
            key: u128::from(at.0) << 64 | u128::from(self.seq),
            ev,
        };
        self.seq += 1;
        let earliest = match (&self.front, self.heap.peek()) {
            (Some(front), _) => front.key,
            (None, Some(top)) => top.key,
            (None, None) => u128::MAX,
        };
        if entry.key < earliest {
            if let Some(front) = self.front.replace(entry) {
                self.heap.push(front);
            }
        } else {
            self.heap.push(entry);
        }
    }

    /// The earliest pending event and its instant.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<(SimTime, E)> {
        self.front
            .take()
            .or_else(|| self.heap.pop())
            .map(|e| (SimTime((e.key >> 64) as u64), e.ev))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.front.is_none() && self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_scheduling_order() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), 'a');
        q.push(SimTime(1), 'b');
        q.push(SimTime(5), 'c');
        q.push(SimTime(1), 'd');
        assert_eq!(q.pop(), Some((SimTime(1), 'b')));
        q.push(SimTime(1), 'e');
        q.push(SimTime(3), 'f');
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            rest,
            vec![
                (SimTime(1), 'd'),
                (SimTime(1), 'e'),
                (SimTime(3), 'f'),
                (SimTime(5), 'a'),
                (SimTime(5), 'c'),
            ]
        );
        assert!(q.is_empty());
    }

    #[test]
    fn same_order_as_a_plain_heap_of_time_and_sequence() {
        use std::cmp::Reverse;
        let mut rng = memsim_core::SimRng::new(3, 0);
        let mut q = EventQueue::new();
        let mut reference = BinaryHeap::new();
        let (mut seq, mut now) = (0u64, 0u64);
        for i in 0..50_000u64 {
            for _ in 0..rng.below(3) {
                // At the same instant, just ahead (often the new earliest), or far ahead.
                let at = now + [0, 1 + rng.below(100), rng.below(1 << 40)][rng.below(3) as usize];
                q.push(SimTime(at), i);
                reference.push(Reverse((at, seq, i)));
                seq += 1;
            }
            let got = q.pop();
            let want = reference.pop().map(|Reverse((at, _, v))| (SimTime(at), v));
            assert_eq!(got, want, "pop {i}");
            if let Some((at, _)) = got {
                now = at.0;
            }
            assert_eq!(q.is_empty(), reference.is_empty());
        }
    }
}
