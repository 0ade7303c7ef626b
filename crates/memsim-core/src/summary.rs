//! What a finished run hands to the renderers: the verdict, the peak, samples over time and events.
//!
//! Renderers see only this, never a model's internals (an architecture invariant).

use crate::charge::{Charge, Pressure};
use crate::database::DatabaseRun;
use crate::event::Event;
use crate::gc::GcSummary;
use crate::jdk::JdkVersion;
use crate::ledger::{Account, Ledger, Usage};
use crate::observation::Observation;
use crate::time::{SimDuration, SimTime};
use crate::verdict::{Failures, Stop, Verdict};

/// The ledger at one sampling instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// When the sample was taken.
    pub at: SimTime,
    /// Every account's usage, indexed like [`Account::ALL`].
    pub accounts: [Usage; Account::COUNT],
    /// What the kernel charges and counts as the working set.
    pub charge: Charge,
}

impl Sample {
    /// Total resident bytes at this sample.
    pub fn resident_total(&self) -> u64 {
        self.accounts.iter().map(|u| u.resident).sum()
    }
}

/// Everything a report needs about one finished run.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The scenario's name.
    pub scenario: String,
    /// The seed the run used (the file's, or `--seed`).
    pub seed: u64,
    /// The outcome.
    pub verdict: Verdict,
    /// The bound that stopped the run before its planned end, when one did (the verdict is then
    /// [`Verdict::Incomplete`]).
    pub stopped_early: Option<Stop>,
    /// What failed while the process lived (errors thrown, requests and threads lost), whatever the
    /// verdict.
    pub failures: Failures,
    /// The memory limit the process ran under (container limit, else machine RAM less the OS's share).
    pub limit_bytes: u64,
    /// Where the limit came from, for people (`container limit`, `machine RAM 12.00 GiB − OS 0 B`).
    pub limit_source: String,
    /// The budget the user explicitly configured: max heap + page cache + max direct memory, where set.
    pub configured_bytes: u64,
    /// The terms of `configured_bytes`, each with its name (`-Xmx`, `page cache`, …).
    pub configured_terms: Vec<(String, u64)>,
    /// Accounts whose size the configured budget covers; every other account is "beyond configuration".
    pub configured_accounts: Vec<Account>,
    /// The highest total resident bytes seen after any event.
    pub peak_resident_bytes: u64,
    /// When that peak was first reached.
    pub peak_at: SimTime,
    /// The ledger at the peak.
    pub at_peak: Ledger,
    /// The scenario's planned duration.
    pub duration: SimDuration,
    /// When the simulation stopped (the planned end, the OOM kill, or a bound).
    pub ended_at: SimTime,
    /// The events, in order (repeats of an identical event folded into its first occurrence).
    pub events: Vec<Event>,
    /// Samples at the scenario's `sample_every` interval, plus one at the end.
    pub samples: Vec<Sample>,
    /// Simulated events the engine processed.
    pub n_events: u64,
    /// Resolved parameters (ergonomics and defaults), as `(name, value)` pairs, for report headers.
    pub parameters: Vec<(String, String)>,
    /// Counters from the models (`requests_completed`, `gc_cycles`, …), as `(name, value)` pairs.
    pub counters: Vec<(String, u64)>,
    /// The database behind the page cache, when the scenario has one.
    pub database: Option<DatabaseRun>,
    /// Garbage collection: pause distributions per kind of collection.
    pub gc: GcSummary,
    /// The kernel's view: the charge and working set at their peaks, thrashing.
    pub pressure: Pressure,
    /// `Some` when the run was observed on a real process (`memsim observe`) rather than
    /// simulated: the command, how it ended and what the observer could see.
    pub observation: Option<Observation>,
    /// The JDK release the run modelled (`jvm.version`); the NMT report follows its layout.
    pub jdk: JdkVersion,
}

impl RunSummary {
    /// Accounts outside the configured budget, with their resident bytes at the peak, largest first
    /// (ties by report order), leaving out empty ones.
    pub fn beyond_configuration(&self) -> Vec<(Account, u64)> {
        let mut rows: Vec<(Account, u64)> = Account::ALL
            .iter()
            .filter(|a| !self.configured_accounts.contains(a))
            .map(|a| (*a, self.at_peak.get(*a).resident))
            .filter(|(_, r)| *r > 0)
            .collect();
        rows.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        rows
    }
}
