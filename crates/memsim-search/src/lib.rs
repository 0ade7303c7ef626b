//! Many memsim runs of one scenario: parameter sweeps and the search for settings that fit a limit.
//!
//! - [`grid`]: `--set KEY=V1,V2,…` axes, their grid in a fixed order, and `--shard I/N` slices of it.
//! - [`sweep`]: running a grid's points on all cores ([`pool`]), each point a scenario with
//!   `memsim_scenario` overrides applied, into a [`SweepSummary`] (CSV, JSON, chart), and
//!   [`merge`]-ing the summaries of shards into the one a full run writes.
//! - [`recommend`]: a bounded, deterministic search (floors by bracketing and bisection on the
//!   failures, then the objective's setting by bracketing and interpolated bisection on the peak)
//!   for the best configuration whose peak stays under a limit less headroom with no Java or Netty
//!   errors; [`formulas`] holds the static formulas it is compared with.
//!
//! Same inputs ⇒ same outputs, byte for byte, whatever the number of threads: every run is
//! deterministic and results are placed by index, never by finishing order.
#![deny(missing_docs)]

mod bisect;
mod compare;
mod error;
mod evaluator;
pub mod formulas;
pub mod grid;
mod knob;
mod outcome;
pub mod pool;
pub mod recommend;
mod render;
mod settings;
pub mod sweep;
mod sweep_summary;

pub use error::SearchError;
pub use grid::{Axis, Grid, Shard};
pub use knob::{Knob, Objective};
pub use outcome::Outcome;
pub use recommend::{Candidate, Comparison, Floor, RecommendRequest, Recommendation, recommend};
pub use render::{render_recommendation_json, render_recommendation_text};
pub use settings::Settings;
pub use sweep::{SweepRequest, run_sweep};
pub use sweep_summary::{SweepPoint, SweepSummary, merge};
