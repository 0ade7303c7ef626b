//! How a run ended: the [`Verdict`], the bound that stopped it early ([`Stop`]), and the failures
//! the process lived through ([`Failures`]).
//!
//! The verdict judges memory against the configured budget and the limit; it does not say whether
//! the application worked. A run can fit and still have failed thousands of requests with
//! `OutOfDirectMemoryError`s: [`Failures`] counts those so that reports can name them next to the
//! verdict instead of leaving them to an error list below it.

use crate::event::{Event, EventKind};
use crate::time::SimTime;

/// How the run ended, judged against the budget the user configured and the memory limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Peak resident memory stayed within the explicitly configured budget.
    Fits,
    /// Peak resident memory exceeded the configured budget but stayed under the limit.
    OverBudget,
    /// The process lived, but at the limit the kernel reclaimed the file pages it keeps using
    /// (its libraries, CDS, modules, the hot part of its mapped files): it thrashed, refaulting them
    /// with its threads and collections stalled (`RunSummary::pressure` says from when).
    Thrashing,
    /// Resident memory exceeded the machine's or container's limit and the process was killed.
    OomKilled,
    /// A bound of the simulation (`max_events`) stopped the run before its planned end and before
    /// any kill: what the rest of the run would have done is unknown. `RunSummary::stopped_early`
    /// says which bound, when, and the verdict on the part that ran.
    Incomplete,
}

impl Verdict {
    /// The name used in `report.json`: `fits`, `over_budget`, `thrashing`, `oom_killed` or
    /// `incomplete`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Fits => "fits",
            Verdict::OverBudget => "over_budget",
            Verdict::Thrashing => "thrashing",
            Verdict::OomKilled => "oom_killed",
            Verdict::Incomplete => "incomplete",
        }
    }

    /// The name in a headline: `FITS`, `OVER BUDGET`, `THRASHING`, `OOM-KILLED`, `INCOMPLETE`.
    pub const fn headline(self) -> &'static str {
        match self {
            Verdict::Fits => "FITS",
            Verdict::OverBudget => "OVER BUDGET",
            Verdict::Thrashing => "THRASHING",
            Verdict::OomKilled => "OOM-KILLED",
            Verdict::Incomplete => "INCOMPLETE",
        }
    }
}

/// A bound of the simulation that can stop a run before its planned end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `[scenario] max_events`: this many simulated events were processed.
    MaxEvents(u64),
}

impl Bound {
    /// The scenario key that sets the bound, as written under `[scenario]`: `max_events`.
    pub const fn key(self) -> &'static str {
        match self {
            Bound::MaxEvents(_) => "max_events",
        }
    }

    /// The bound's value.
    pub const fn value(self) -> u64 {
        match self {
            Bound::MaxEvents(n) => n,
        }
    }
}

/// Why and when a run stopped before its planned end without being killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    /// The bound that ran out.
    pub bound: Bound,
    /// When the run stopped.
    pub at: SimTime,
    /// The verdict on the part that ran (never [`Verdict::Incomplete`]).
    pub so_far: Verdict,
}

/// One kind of error the process threw and lived through, with how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCount {
    /// [`EventKind::OutOfMemoryError`] or [`EventKind::OutOfDirectMemoryError`].
    pub kind: EventKind,
    /// Occurrences over the run (folded repeats included).
    pub count: u64,
    /// When the first one was thrown.
    pub first_at: SimTime,
}

impl ErrorCount {
    /// The exception's simple class name: `OutOfMemoryError`, `OutOfDirectMemoryError`.
    pub const fn name(&self) -> &'static str {
        match self.kind {
            EventKind::OutOfDirectMemoryError => "OutOfDirectMemoryError",
            _ => "OutOfMemoryError",
        }
    }
}

/// What failed while the process lived: errors thrown and the work they cost.
///
/// An OOM kill is not a failure here (it is the verdict); `CodeCacheFull` is not either (the JIT
/// stops compiling, nothing fails).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failures {
    /// `OutOfMemoryError`s (every flavour: heap, metaspace, direct buffer memory, native thread)
    /// and Netty's `OutOfDirectMemoryError`s, in that order, leaving out kinds that did not occur.
    pub errors: Vec<ErrorCount>,
    /// Requests that failed (an error while serving them, or no thread to serve them).
    pub requests_failed: u64,
    /// Threads that could not be started (`unable to create native thread`).
    pub threads_failed: u64,
    /// Database transactions terminated over their memory limit and rolled back.
    pub transactions_terminated: u64,
}

impl Failures {
    /// Counts the errors in `events` (each event standing for `repeats + 1` occurrences) and takes
    /// the counts of failed requests and threads from the models.
    pub fn from_events(events: &[Event], requests_failed: u64, threads_failed: u64) -> Failures {
        let count = |kind: EventKind| -> Option<ErrorCount> {
            let mut of_kind = events.iter().filter(|e| e.kind == kind);
            let first = of_kind.next()?;
            let count = of_kind.fold(first.repeats.saturating_add(1), |n, e| {
                n.saturating_add(e.repeats.saturating_add(1))
            });
            Some(ErrorCount {
                kind,
                count,
                first_at: first.at,
            })
        };
        let transactions_terminated = events
            .iter()
            .filter(|e| e.kind == EventKind::TransactionTerminated)
            .fold(0u64, |n, e| n.saturating_add(e.repeats.saturating_add(1)));
        Failures {
            errors: [
                EventKind::OutOfMemoryError,
                EventKind::OutOfDirectMemoryError,
            ]
            .into_iter()
            .filter_map(count)
            .collect(),
            requests_failed,
            threads_failed,
            transactions_terminated,
        }
    }

    /// Whether nothing failed.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
            && self.requests_failed == 0
            && self.threads_failed == 0
            && self.transactions_terminated == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(secs: u64, kind: EventKind, repeats: u64) -> Event {
        Event {
            at: SimTime(secs * 1_000_000_000),
            kind,
            message: format!("{kind:?} at {secs}"),
            repeats,
        }
    }

    #[test]
    fn counts_errors_by_kind_with_their_repeats() {
        let events = [
            event(1, EventKind::PhaseStarted, 0),
            event(2, EventKind::OutOfDirectMemoryError, 1663),
            event(3, EventKind::OutOfMemoryError, 5),
            event(4, EventKind::OutOfMemoryError, 0),
            event(5, EventKind::CodeCacheFull, 0),
            event(6, EventKind::TransactionTerminated, 2),
            event(7, EventKind::OomKilled, 0),
        ];
        let f = Failures::from_events(&events, 1664, 0);
        assert_eq!(
            f.errors,
            [
                ErrorCount {
                    kind: EventKind::OutOfMemoryError,
                    count: 7,
                    first_at: SimTime(3_000_000_000),
                },
                ErrorCount {
                    kind: EventKind::OutOfDirectMemoryError,
                    count: 1664,
                    first_at: SimTime(2_000_000_000),
                },
            ]
        );
        assert_eq!(f.errors[1].name(), "OutOfDirectMemoryError");
        assert_eq!(f.errors[0].name(), "OutOfMemoryError");
        assert_eq!(f.requests_failed, 1664);
        assert_eq!(f.transactions_terminated, 3);
        assert!(!f.is_empty());
    }

    #[test]
    fn a_clean_run_has_no_failures() {
        let events = [
            event(1, EventKind::PhaseStarted, 0),
            event(5, EventKind::CodeCacheFull, 3),
            event(9, EventKind::OomKilled, 0),
        ];
        let f = Failures::from_events(&events, 0, 0);
        assert_eq!(f, Failures::default());
        assert!(f.is_empty());
    }

    #[test]
    fn names_are_stable() {
        assert_eq!(Verdict::Incomplete.as_str(), "incomplete");
        assert_eq!(Verdict::OomKilled.headline(), "OOM-KILLED");
        assert_eq!(Bound::MaxEvents(7).key(), "max_events");
        assert_eq!(Bound::MaxEvents(7).value(), 7);
    }
}
