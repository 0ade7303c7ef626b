//! `memsim run`'s exit codes: one per verdict, so that `memsim run -q x.toml && deploy` deploys
//! only a configuration that fits.
//!
//! | code | verdict |
//! | --- | --- |
//! | 0 | `fits`, and nothing failed |
//! | 1 | (an I/O failure: no verdict) |
//! | 2 | (bad input or command line: no verdict) |
//! | 3 | `over_budget` |
//! | 4 | `thrashing` |
//! | 5 | `oom_killed` |
//! | 6 | `incomplete`: a bound (`max_events`) stopped the run before its planned end |
//! | 7 | `fits`, but the process lived through failures: `OutOfMemoryError`s, Netty's `OutOfDirectMemoryError`s, failed requests, threads that could not start, terminated transactions |
//!
//! Failures get a code of their own only beside `fits`: that is the one verdict that would
//! otherwise exit 0 and let a configuration whose requests fail pass a `&&`. Every other verdict
//! already exits non-zero, and its code names the verdict (the memory story) rather than the
//! failures, which `report.json`'s `failures` gives in full for any verdict. Codes 1 and 2 are
//! above 0 and below 3 so that a script can tell "memsim could not judge" (`1`, `2`) from "memsim
//! judged" (`0`, `3`–`7`). `--exit-zero` makes every verdict exit 0 (failures to read or write
//! still exit 1 or 2).
//!
//! The commands that run many simulations: `memsim sweep` exits 0 whatever its points' verdicts
//! (they are its summary's content), 2 for bad input, 1 for I/O (`sweep.rs`); `memsim recommend`
//! exits 0 with a recommendation, 3 when nothing in reach fits the limit
//! ([`crate::recommend::NOTHING_FITS`]), 2 for bad input or a simulation cap too small, 1 for I/O.

use memsim_core::{RunSummary, Verdict};

/// `fits` with nothing failed.
pub(crate) const FITS: u8 = 0;
/// `over_budget`.
pub(crate) const OVER_BUDGET: u8 = 3;
/// `thrashing`.
pub(crate) const THRASHING: u8 = 4;
/// `oom_killed`.
pub(crate) const OOM_KILLED: u8 = 5;
/// `incomplete`.
pub(crate) const INCOMPLETE: u8 = 6;
/// `fits`, with failures the process lived through.
pub(crate) const FITS_WITH_FAILURES: u8 = 7;

/// The exit code of a finished run.
pub(crate) fn of_run(s: &RunSummary) -> u8 {
    match s.verdict {
        Verdict::Fits if s.failures.is_empty() => FITS,
        Verdict::Fits => FITS_WITH_FAILURES,
        Verdict::OverBudget => OVER_BUDGET,
        Verdict::Thrashing => THRASHING,
        Verdict::OomKilled => OOM_KILLED,
        Verdict::Incomplete => INCOMPLETE,
    }
}
