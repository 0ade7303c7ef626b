//! Scenario files: TOML → validated [`Scenario`], with errors that name file, line, column and key.
//!
//! [`parse`] reads a scenario file's text, checks every key, type and limit, and returns either the
//! [`Scenario`] the engine runs or [`ScenarioErrors`]: every problem found, each a [`ScenarioError`]
//! with the file, line, column, key path (`jvm.heap.initial`, `phase[2].requests.rate`), a message
//! and a hint. The format is documented in `docs/scenario-format.md`.
#![deny(missing_docs)]

mod build;
mod database;
mod error;
mod hotspot_flags;
mod jvm_flags;
mod keys;
mod model;
mod overrides;
mod page_reads;
mod reader;
mod schema;
mod suggest;
mod syntax;

pub use database::{
    CheckpointKind, DatabaseSettings, DbFormat, DbOp, PhaseDb, RestartWarmup, Retention,
};
pub use error::{ScenarioError, ScenarioErrors};
pub use keys::{Key, ValueKind, known_keys, top_level_keys};
pub use model::*;
pub use overrides::{Override, OverrideError, apply_overrides, parse_with_overrides};
pub use page_reads::{MAX_PAGE_READS_PER_REQUEST, MAX_ZIPF_EXPONENT, ReadSkew, RequestPageReads};
pub use schema::json_schema;

/// Parses and validates a scenario file.
///
/// `source` is the file's text; `file_name` is the path as the user gave it, used in messages and,
/// through its stem, as the scenario's default name.
///
/// ```
/// let src = "[scenario]\nduration = \"20m\"\n\n[machine]\nram = \"16g\"\n";
/// let scenario = memsim_scenario::parse(src, "sims/small.toml").unwrap();
/// assert_eq!(scenario.name, "small");
/// assert_eq!(scenario.machine.ram, 16 << 30);
///
/// let bad = format!("{src}\n[jvm]\nhep = \"4g\"\n");
/// let errors = memsim_scenario::parse(&bad, "sims/small.toml").unwrap_err();
/// let e = &errors.errors()[0];
/// assert_eq!((e.key_path(), e.line(), e.column()), ("jvm.hep", 8, 1));
/// assert!(e.to_string().starts_with("sims/small.toml:8:1: unknown key `jvm.hep` — hint: did you mean `heap`?"));
/// ```
///
/// # Errors
/// [`ScenarioErrors`] with at least one [`ScenarioError`]: all TOML syntax errors the parser could
/// recover from, or else every unknown key, wrong type, malformed value and broken limit found.
pub fn parse(source: &str, file_name: &str) -> Result<Scenario, ScenarioErrors> {
    build::parse(source, file_name)
}
