//! Vocabulary shared by every memsim crate.
//!
//! Nothing here knows about HotSpot, Netty or Neo4j; it names bytes, simulated time,
//! the [`Ledger`] every model reports into, [`Event`]s, the seeded [`SimRng`] with its
//! distributions, and the [`RunSummary`] that renderers turn into reports.
#![deny(missing_docs)]

pub mod charge;
pub mod database;
pub mod event;
pub mod gc;
pub mod jdk;
pub mod ledger;
pub mod observation;
pub mod quote;
pub mod rng;
pub mod size;
pub mod summary;
pub mod time;
pub mod verdict;

pub use charge::{Charge, Pressure};
pub use database::{
    DatabaseRun, DbCacheMetrics, DbPhaseCache, DbRestart, DbSnapshot, DbStep, DbStoreSnapshot,
};
pub use event::{Event, EventKind};
pub use gc::{GcKind, GcSummary, PauseStats};
pub use jdk::JdkVersion;
pub use ledger::{Account, Backing, Ledger, LedgerError, NmtCategory, Usage};
pub use observation::{ExitStatus, Observation};
pub use quote::quote_for_message;
pub use rng::{Dist, SimRng, ZipfRanks};
pub use size::{ByteSize, ParseSizeError};
pub use summary::{RunSummary, Sample};
pub use time::{ParseDurationError, SimDuration, SimTime};
pub use verdict::{Bound, ErrorCount, Failures, Stop, Verdict};
