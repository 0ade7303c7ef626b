//! The deterministic engine: a discrete-event loop in simulated time that drives memsim's models
//! from a [`Scenario`] and reports every byte into one [`Ledger`].
//!
//! Determinism: one thread; events ordered by (time, sequence number of scheduling); every random
//! draw comes from a [`SimRng`] stream per phase seeded from the run's seed; no wall clock; ordered
//! maps only. The same scenario and seed therefore give the same [`RunSummary`], bit for bit.
//!
//! After every event the models re-account into the ledger, the peak is tracked, and resident memory
//! is compared with the limit: above it the process is OOM-killed and the run stops there.
#![deny(missing_docs)]

mod world;

use memsim_core::{RunSummary, SimDuration};
use memsim_scenario::Scenario;

pub use world::Limit;

/// How to run a scenario.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Overrides the scenario's seed (`memsim run --seed`).
    pub seed: Option<u64>,
    /// Check the ledger's and the models' invariants after every event (tests; slower).
    pub check_invariants: bool,
}

/// Runs a scenario to its end or to the OOM kill.
///
/// Panics only on a broken internal invariant (a bug), never on user input: the scenario was validated.
pub fn run(scenario: &Scenario, options: RunOptions) -> RunSummary {
    run_with_progress(scenario, options, &mut |_| {})
}

/// How far a run has come, in simulated time, for a progress display (the caller owns any clock
/// and terminal: the engine has neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Simulated time done: the instant of the last event handled.
    pub done: SimDuration,
    /// The scenario's planned duration (a run killed or stopped early ends before it).
    pub planned: SimDuration,
    /// Simulated events handled so far.
    pub events: u64,
}

/// Simulated events between two calls of a progress callback: about a millisecond of work, so
/// the callback costs nothing measurable.
pub const PROGRESS_EVERY_EVENTS: u64 = 4096;

/// [`run`], calling `on_progress` after every [`PROGRESS_EVERY_EVENTS`] events or more (events
/// count the work inside them) and once at the end.
/// The callback only reads: the summary is the same, byte for byte, whatever it does.
pub fn run_with_progress(
    scenario: &Scenario,
    options: RunOptions,
    on_progress: &mut dyn FnMut(Progress),
) -> RunSummary {
    world::World::new(scenario, options).run(on_progress)
}

/// The interval at which continuous work (heap churn, class loading, page-cache warming) is applied.
pub const WORK_TICK: SimDuration = SimDuration::from_millis(100);
