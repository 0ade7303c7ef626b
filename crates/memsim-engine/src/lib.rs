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
    world::World::new(scenario, options).run()
}

/// The interval at which continuous work (heap churn, class loading, page-cache warming) is applied.
pub const WORK_TICK: SimDuration = SimDuration::from_millis(100);
