//! What a run's garbage collections amounted to: pause distributions per kind of collection.
//!
//! Filled by the engine from the JVM model; renderers read it from [`crate::RunSummary::gc`].
//! Durations are simulated (derived from what each collection did), never measured on the host,
//! so reports stay byte-identical run to run.

use crate::time::SimDuration;

/// A kind of stop-the-world collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GcKind {
    /// A young (minor) collection: eden evacuated, survivors copied or promoted.
    Young,
    /// G1's mixed collection: young regions plus old regions chosen after concurrent marking.
    Mixed,
    /// A full collection of the whole heap (mark-compact).
    Full,
}

impl GcKind {
    /// Every kind, in report order.
    pub const ALL: [GcKind; 3] = [GcKind::Young, GcKind::Mixed, GcKind::Full];

    /// The stable snake_case name used in `report.json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            GcKind::Young => "young",
            GcKind::Mixed => "mixed",
            GcKind::Full => "full",
        }
    }
}

/// The pause distribution of one kind of collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PauseStats {
    /// Which collections.
    pub kind: GcKind,
    /// How many ran.
    pub count: u64,
    /// Median pause.
    pub p50: SimDuration,
    /// 90th percentile.
    pub p90: SimDuration,
    /// 99th percentile.
    pub p99: SimDuration,
    /// Longest pause.
    pub max: SimDuration,
    /// Sum of all pauses of this kind.
    pub total: SimDuration,
}

/// Garbage collection over the whole run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GcSummary {
    /// The collector's flag (`-XX:+UseG1GC`, …); empty when no JVM ran.
    pub collector: String,
    /// One entry per kind that ran at least once, in [`GcKind::ALL`] order.
    pub pauses: Vec<PauseStats>,
    /// Total simulated pause time.
    pub total_pause: SimDuration,
    /// Share of the run's simulated time the application was stopped, in percent (pauses inside the
    /// run / the run): pauses stop the application on the simulated timeline.
    pub pause_percent: f64,
    /// The part of `total_pause` that falls after the run ended: the last pauses (those of a
    /// thrashing heap, back to back) still running when the simulation stopped.
    pub pause_past_end: SimDuration,
}

impl GcSummary {
    /// Collections of all kinds.
    pub fn collections(&self) -> u64 {
        self.pauses.iter().map(|p| p.count).sum()
    }

    /// The distribution of one kind, if any ran.
    pub fn of(&self, kind: GcKind) -> Option<&PauseStats> {
        self.pauses.iter().find(|p| p.kind == kind)
    }
}
