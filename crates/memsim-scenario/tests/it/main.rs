//! Integration tests for `memsim_scenario::parse`: one module per feature.

mod database;
mod distributions;
mod docs;
mod fuzz;
mod good;
mod jvm_flags;
mod keys;
mod limits;
mod messages;
mod multiple;
mod page_reads;
mod phases;
mod rendering;
mod sizes_durations_rates;
mod types;
mod unknown_keys;

use memsim_scenario::{Scenario, ScenarioError, ScenarioErrors, parse};

/// The smallest valid scenario: five lines, so text appended to it starts on line 6.
pub(crate) const BASE: &str = "[scenario]\nduration = \"20m\"\n\n[machine]\nram = \"16g\"\n";

/// Parses `src` as `sims/test.toml`, expecting success.
#[track_caller]
pub(crate) fn ok(src: &str) -> Scenario {
    match parse(src, "sims/test.toml") {
        Ok(s) => s,
        Err(e) => panic!("expected a valid scenario, got:\n{}", e.render_plain()),
    }
}

/// Parses `src` as `sims/test.toml`, expecting failure.
#[track_caller]
pub(crate) fn errs(src: &str) -> ScenarioErrors {
    match parse(src, "sims/test.toml") {
        Ok(s) => panic!("expected errors, got {s:#?}"),
        Err(e) => e,
    }
}

/// The single error of `src`, checked to be at `key_path`, `line`, `column`.
#[track_caller]
pub(crate) fn one(src: &str, key_path: &str, line: usize, column: usize) -> ScenarioError {
    let e = errs(src);
    assert_eq!(
        e.len(),
        1,
        "expected exactly one error, got:\n{}",
        e.render_plain()
    );
    let err = e.errors()[0].clone();
    assert_eq!(
        (err.key_path(), err.line(), err.column()),
        (key_path, line, column),
        "wrong location for: {err}"
    );
    assert_eq!(err.file(), "sims/test.toml");
    err
}

/// `BASE` followed by `extra`.
pub(crate) fn base(extra: &str) -> String {
    format!("{BASE}{extra}")
}
