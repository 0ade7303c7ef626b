//! The verdict in words, as the terminal summary's `VERDICT:` line says it: the verdict, the
//! failures the process lived through, and the numbers that decide it.
//!
//! ```text
//! VERDICT: FITS — but 1,664 OutOfDirectMemoryError; 1,664 requests failed — peak resident …
//! VERDICT: INCOMPLETE — stopped at 1.024s of a planned 10m00.000s: max_events = 1,000 simulated events used up (raise max_events under [scenario] to run to the end); so far: FITS — …
//! ```
//!
//! Sizes that the line compares (peak, limit, configured budget, charge, working set) go through
//! [`ByteSize::apart`], so two different numbers never read as the same.

use memsim_core::size::group_thousands;
use memsim_core::{ByteSize, EventKind, Failures, RunSummary, Verdict};

/// The sizes a summary compares with each other, printed apart (see [`ByteSize::apart`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Compared {
    /// The peak resident memory.
    pub peak: String,
    /// The peak charge (cgroup's view).
    pub charge: String,
    /// The peak working set.
    pub working_set: String,
    /// The memory limit.
    pub limit: String,
    /// The configured budget.
    pub configured: String,
}

impl Compared {
    /// The compared sizes of `s`.
    pub(crate) fn of(s: &RunSummary) -> Compared {
        let shown = ByteSize::apart(&[
            s.peak_resident_bytes,
            s.pressure.peak_charge_bytes,
            s.pressure.peak_working_set_bytes,
            s.limit_bytes,
            s.configured_bytes,
        ]);
        let [peak, charge, working_set, limit, configured]: [String; 5] =
            shown.try_into().expect("one string per size");
        Compared {
            peak,
            charge,
            working_set,
            limit,
            configured,
        }
    }
}

/// The `VERDICT:` line, without its newline.
pub(crate) fn verdict_line(s: &RunSummary, sizes: &Compared) -> String {
    format!("VERDICT: {}", judgement(s, s.verdict, sizes))
}

/// `n` things, singular or plural: `1 request`, `1,664 requests`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_thousands(n), if n == 1 { one } else { many })
}

/// `but 1,664 OutOfDirectMemoryError; 1,664 requests failed`: the errors thrown by kind, then
/// what they cost. `None` when nothing failed.
pub fn failures_clause(f: &Failures) -> Option<String> {
    if f.is_empty() {
        return None;
    }
    let errors: Vec<String> = f
        .errors
        .iter()
        .map(|e| format!("{} {}", group_thousands(e.count), e.name()))
        .collect();
    let mut lost = Vec::new();
    if f.requests_failed > 0 {
        lost.push(format!(
            "{} failed",
            counted(f.requests_failed, "request", "requests")
        ));
    }
    if f.threads_failed > 0 {
        lost.push(format!(
            "{} failed to start",
            counted(f.threads_failed, "thread", "threads")
        ));
    }
    if f.transactions_terminated > 0 {
        lost.push(format!(
            "{} terminated",
            counted(f.transactions_terminated, "transaction", "transactions")
        ));
    }
    let parts: Vec<String> = [errors.join(", "), lost.join(", ")]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    Some(format!("but {}", parts.join("; ")))
}

/// The verdict `v` on `s` in a few words, with the failures the process lived through (unless it
/// was killed: the kill is the news): `FITS — but 1,664 OutOfDirectMemoryError; 1,664 requests
/// failed`, `OOM-KILLED at 13m03.718s`. The `VERDICT:` line starts with these words and the chart's
/// title shows them, so the two never disagree.
pub(crate) fn verdict_words(s: &RunSummary, v: Verdict) -> String {
    let but = match (v, failures_clause(&s.failures)) {
        (Verdict::OomKilled | Verdict::Incomplete, _) | (_, None) => String::new(),
        (_, Some(clause)) => format!(" — {clause}"),
    };
    match v {
        Verdict::OomKilled => {
            let at = s
                .events
                .iter()
                .find(|e| e.kind == EventKind::OomKilled)
                .map_or(s.ended_at, |e| e.at);
            format!("OOM-KILLED at {at}")
        }
        Verdict::Thrashing => {
            let since = s.pressure.thrashing_since.unwrap_or(s.ended_at);
            let until = s
                .pressure
                .thrashing_until
                .map_or("the end".to_string(), |t| t.to_string());
            format!("THRASHING from {since} to {until}{but}")
        }
        Verdict::OverBudget => format!("OVER BUDGET{but}"),
        Verdict::Fits => format!("FITS{but}"),
        Verdict::Incomplete => {
            let (at, so_far) = incomplete_parts(s);
            format!(
                "INCOMPLETE at {at} of {} — so far: {}",
                s.duration,
                verdict_words(s, so_far)
            )
        }
    }
}

/// Where an incomplete run stopped and its verdict so far (never `Incomplete` itself).
fn incomplete_parts(s: &RunSummary) -> (memsim_core::SimTime, Verdict) {
    let (at, so_far) = s
        .stopped_early
        .map_or((s.ended_at, Verdict::Fits), |stop| (stop.at, stop.so_far));
    let so_far = if so_far == Verdict::Incomplete {
        Verdict::Fits
    } else {
        so_far
    };
    (at, so_far)
}

/// The verdict `v` on `s` in words: [`verdict_words`], then the numbers that decide it.
fn judgement(s: &RunSummary, v: Verdict, sizes: &Compared) -> String {
    let limit = &sizes.limit;
    let words = verdict_words(s, v);
    match v {
        Verdict::OomKilled => {
            let thrashed = s
                .pressure
                .thrashing_since
                .map_or(String::new(), |t| format!(", thrashing from {t}"));
            format!(
                "{words} — anonymous and kernel memory left no room under the limit {limit} after reclaim{thrashed}"
            )
        }
        Verdict::Thrashing => format!(
            "{words} — at the limit {limit} the kernel reclaims the file pages the JVM keeps using; its threads and collections stall on major faults (not killed)"
        ),
        Verdict::OverBudget => format!(
            "{words} — peak resident {} at {} is {} above the configured {}, {} under the limit {limit}",
            sizes.peak,
            s.peak_at,
            ByteSize(s.peak_resident_bytes.saturating_sub(s.configured_bytes)),
            sizes.configured,
            ByteSize(s.limit_bytes.saturating_sub(s.peak_resident_bytes)),
        ),
        Verdict::Fits => format!(
            "{words} — peak resident {} at {} is within the configured {} ({} to spare), limit {limit}",
            sizes.peak,
            s.peak_at,
            sizes.configured,
            ByteSize(s.configured_bytes.saturating_sub(s.peak_resident_bytes)),
        ),
        Verdict::Incomplete => {
            let (at, so_far) = incomplete_parts(s);
            let why = s.stopped_early.map_or(String::new(), |stop| {
                let b = stop.bound;
                format!(
                    ": {} = {} simulated events used up (raise {} under [scenario] to run to the end)",
                    b.key(),
                    group_thousands(b.value()),
                    b.key()
                )
            });
            format!(
                "INCOMPLETE — stopped at {at} of a planned {}{why}; so far: {}",
                s.duration,
                judgement(s, so_far, sizes)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use memsim_core::{Bound, ErrorCount, SimTime, Stop};

    #[test]
    fn failures_are_named_by_kind_then_by_cost() {
        let mut f = Failures {
            errors: vec![ErrorCount {
                kind: EventKind::OutOfDirectMemoryError,
                count: 1664,
                first_at: SimTime(0),
            }],
            requests_failed: 1664,
            ..Failures::default()
        };
        assert_eq!(
            failures_clause(&f).unwrap(),
            "but 1,664 OutOfDirectMemoryError; 1,664 requests failed"
        );
        f.errors.insert(
            0,
            ErrorCount {
                kind: EventKind::OutOfMemoryError,
                count: 1,
                first_at: SimTime(0),
            },
        );
        f.requests_failed = 1;
        f.threads_failed = 2;
        f.transactions_terminated = 1;
        assert_eq!(
            failures_clause(&f).unwrap(),
            "but 1 OutOfMemoryError, 1,664 OutOfDirectMemoryError; 1 request failed, 2 threads failed to start, 1 transaction terminated"
        );
        assert_eq!(failures_clause(&Failures::default()), None);
    }

    #[test]
    fn a_fitting_run_with_failures_says_so_first() {
        let mut s = fixture::fitting_run();
        s.failures.requests_failed = 3;
        let line = verdict_line(&s, &Compared::of(&s));
        assert!(
            line.starts_with("VERDICT: FITS — but 3 requests failed — peak resident "),
            "{line}"
        );
    }

    #[test]
    fn an_incomplete_run_names_the_bound_and_how_to_raise_it() {
        let mut s = fixture::fitting_run();
        s.verdict = Verdict::Incomplete;
        s.stopped_early = Some(Stop {
            bound: Bound::MaxEvents(1000),
            at: SimTime(1_024_000_000),
            so_far: Verdict::OverBudget,
        });
        s.failures.requests_failed = 2;
        let line = verdict_line(&s, &Compared::of(&s));
        assert!(
            line.starts_with(
                "VERDICT: INCOMPLETE — stopped at 1.024s of a planned 1m40.000s: max_events = 1,000 simulated events used up (raise max_events under [scenario] to run to the end); so far: OVER BUDGET — but 2 requests failed — peak resident "
            ),
            "{line}"
        );
    }

    #[test]
    fn compared_sizes_that_differ_read_differently() {
        let mut s = fixture::oom_run();
        s.limit_bytes = 11 * (1 << 30) + (768 << 20);
        s.peak_resident_bytes = s.limit_bytes + 4_089_446;
        s.pressure.peak_charge_bytes = s.limit_bytes;
        let c = Compared::of(&s);
        assert_eq!(c.peak, "11.754 GiB");
        assert_eq!(c.limit, "11.750 GiB");
        assert_eq!(c.charge, c.limit);
    }
}
