//! What can go wrong before or during a sweep or a search. Simulated failures are not errors here:
//! they are a run's [`crate::Outcome`].

use memsim_scenario::OverrideError;

/// Why a sweep, a merge or a search could not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A `--set` argument or the scenario it applies to is wrong.
    #[error(transparent)]
    Override(#[from] OverrideError),
    /// A `--set KEY=V1,V2,…` axis is malformed.
    #[error("--set {arg}: {message}")]
    Axis {
        /// The argument.
        arg: String,
        /// Why.
        message: String,
    },
    /// The grid is larger than a sweep may be.
    #[error(
        "the grid has {points} points; at most {max} are allowed (split it into several sweeps)"
    )]
    GridTooLarge {
        /// Its size.
        points: u128,
        /// The bound.
        max: usize,
    },
    /// `--shard I/N` is malformed.
    #[error(
        "--shard {arg}: expected I/N with 0 ≤ I < N, e.g. `0/4` (I counts from 0, as a Kubernetes completion index does)"
    )]
    Shard {
        /// The argument.
        arg: String,
    },
    /// Shard summaries do not belong to one sweep, or do not cover it.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// A summary file could not be read back.
    #[error("{file}: not a sweep summary memsim can read: {message}")]
    Summary {
        /// The file, as given.
        file: String,
        /// Why.
        message: String,
    },
    /// The request itself cannot be searched (an objective whose setting is not varied, a
    /// headroom of 100 %, a scenario without a page cache for `max-page-cache`).
    #[error("{0}")]
    Request(String),
    /// No configuration the search may use runs the workload without errors under the limit.
    #[error("nothing fits: {0}")]
    NothingFits(String),
}
