//! Engine integration tests: bundled scenarios, conservation, determinism, limits and errors.

mod bundled;
mod database;
mod ergonomics;
mod errors;
mod fulltext;
mod jdk21;
mod limits;
mod metadata_gc;
mod netty_adaptive;
mod netty_models;
mod pauses;
mod query_load;
mod restart;
mod tx_pool;

use memsim_core::RunSummary;
use memsim_engine::{RunOptions, run};
use memsim_scenario::Scenario;

/// Parses a scenario text (panics with the plain error list if it is invalid: a test bug).
pub fn scenario(text: &str) -> Scenario {
    memsim_scenario::parse(text, "test.toml").unwrap_or_else(|e| panic!("{}", e.render_plain()))
}

/// Parses a bundled scenario from `sims/`.
pub fn bundled(name: &str) -> Scenario {
    let path = format!("{}/../../sims/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    memsim_scenario::parse(&text, &path).unwrap_or_else(|e| panic!("{}", e.render_plain()))
}

/// Runs with every invariant checked after every event.
pub fn run_checked(s: &Scenario) -> RunSummary {
    run(
        s,
        RunOptions {
            seed: None,
            check_invariants: true,
        },
    )
}

/// Every report rendered, for byte comparisons.
pub fn rendered(s: &RunSummary) -> Vec<(&'static str, Vec<u8>)> {
    memsim_report::write_all_reports(s)
}

/// The messages of events of one kind.
pub fn messages(s: &RunSummary, kind: memsim_core::EventKind) -> Vec<String> {
    s.events
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.message.clone())
        .collect()
}
