//! The events of stopped Java threads, held during a stop-the-world pause: a FIFO queue kept as
//! runs of identical events.
//!
//! At a million requests per second a pause of ten seconds holds ten million arrivals, and almost
//! all of them are the same event (`Serve` of one phase) one after another. Storing each would make
//! memsim's own memory follow the simulated load; a run `(event, count)` keeps it at one entry per
//! change of event. This is exact, not an approximation: popping yields the same events in the same
//! order as a queue of individual events would, so runs are byte-identical to the per-event queue.

use std::collections::VecDeque;

/// A FIFO queue of `T`s stored as runs of equal consecutive items.
#[derive(Debug, Clone)]
pub(super) struct Backlog<T> {
    // Invariant: every count is > 0; `len` is the sum of the counts.
    runs: VecDeque<(T, u64)>,
    len: u64,
}

impl<T: Copy + Eq> Backlog<T> {
    /// An empty backlog.
    pub(super) fn new() -> Backlog<T> {
        Backlog {
            runs: VecDeque::new(),
            len: 0,
        }
    }

    /// Appends `item` (extending the last run if it is the same).
    pub(super) fn push_back(&mut self, item: T) {
        match self.runs.back_mut() {
            Some((last, count)) if *last == item => *count += 1,
            _ => self.runs.push_back((item, 1)),
        }
        self.len += 1;
    }

    /// Removes and returns the oldest item.
    pub(super) fn pop_front(&mut self) -> Option<T> {
        let (item, count) = self.runs.front_mut()?;
        let item = *item;
        *count -= 1;
        if *count == 0 {
            self.runs.pop_front();
        }
        self.len -= 1;
        Some(item)
    }

    /// Whether nothing waits.
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many waiting items satisfy `pred` (counted run by run).
    pub(super) fn count_matching(&self, mut pred: impl FnMut(&T) -> bool) -> u64 {
        self.runs
            .iter()
            .filter(|(item, _)| pred(item))
            .map(|(_, count)| count)
            .sum()
    }

    /// Runs stored (host memory is proportional to this, not to the items).
    #[cfg(test)]
    fn n_runs(&self) -> usize {
        self.runs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_push_order_and_folds_runs() {
        let mut b = Backlog::new();
        let items = [1, 1, 1, 2, 1, 1, 3, 3];
        for i in items {
            b.push_back(i);
        }
        assert_eq!(b.n_runs(), 4);
        assert_eq!(b.count_matching(|&i| i == 1), 5);
        b.push_back(3);
        let mut out = Vec::new();
        while let Some(i) = b.pop_front() {
            out.push(i);
        }
        assert_eq!(out, [1, 1, 1, 2, 1, 1, 3, 3, 3]);
        assert!(b.is_empty());
    }

    #[test]
    fn ten_million_identical_items_are_one_run() {
        let mut b = Backlog::new();
        for _ in 0..10_000_000u32 {
            b.push_back(7u8);
        }
        assert_eq!(b.n_runs(), 1);
        assert_eq!(b.count_matching(|_| true), 10_000_000);
    }
}
