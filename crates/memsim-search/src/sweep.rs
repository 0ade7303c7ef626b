//! `memsim sweep`: every point of a grid (or of one shard of it) run on all cores.
//!
//! Each point is the scenario with the point's overrides applied to its TOML document
//! (`memsim_scenario::parse_with_overrides`), run by `memsim_engine::run` with the scenario's seed.
//! Every point is read and validated before any runs, so a bad value stops the sweep at once with
//! the `--set` argument named. Runs are independent and deterministic, and [`crate::pool::par_map`]
//! places each result at its point's index: the summary is the same for any `jobs`.

use memsim_engine::RunOptions;
use memsim_scenario::{OverrideError, Scenario};

use crate::outcome::failures_words;
use crate::pool::par_map;
use crate::sweep_summary::{SweepPoint, SweepSummary, digest};
use crate::{Grid, Outcome, SearchError, Shard};

/// What to sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepRequest<'a> {
    /// The scenario file's text.
    pub source: &'a str,
    /// Its name as given, for messages.
    pub file: &'a str,
    /// The grid.
    pub grid: &'a Grid,
    /// Only this slice of the grid, if given.
    pub shard: Option<Shard>,
    /// Threads to run on (at least one).
    pub jobs: usize,
}

/// Reads the scenario as written, before any override: its own mistakes, a TOML syntax error
/// included, are reported with file, line, column and key (an override's reader sees a document
/// that does not parse without a position).
///
/// # Errors
/// [`SearchError::Override`] holding the scenario's errors.
pub(crate) fn parse_as_written(source: &str, file: &str) -> Result<Scenario, SearchError> {
    memsim_scenario::parse(source, file)
        .map_err(|e| SearchError::Override(OverrideError::Scenario(Box::new(e))))
}

/// A swept `-Xmx` below the file's `-Xms` (Neo4j's scenarios set them equal): says how to sweep both.
fn heap_hint(e: OverrideError) -> SearchError {
    match e {
        OverrideError::BadValue {
            key,
            value,
            mut message,
        } if key == "jvm.heap.max" && message.contains("`jvm.heap.initial`") => {
            message.push_str(
                " — to sweep -Xms with -Xmx, write `--set jvm.heap.initial+jvm.heap.max=…`",
            );
            SearchError::Override(OverrideError::BadValue {
                key,
                value,
                message,
            })
        }
        e => SearchError::Override(e),
    }
}

/// Runs the request's points and summarizes them.
///
/// # Errors
/// [`SearchError::Override`] for the first point whose overrides the scenario refuses (naming the
/// `--set` argument) or for the scenario's own errors.
pub fn run_sweep(request: SweepRequest<'_>) -> Result<SweepSummary, SearchError> {
    let grid = request.grid;
    let range = request.shard.map_or(0..grid.len(), |s| s.range(grid.len()));
    // The scenario's name, and its own errors before any point's.
    let base = parse_as_written(request.source, request.file)?;
    let mut points: Vec<(usize, Scenario)> = Vec::with_capacity(range.len());
    for index in range {
        let (scenario, _) = memsim_scenario::parse_with_overrides(
            request.source,
            request.file,
            &grid.overrides(index),
        )
        .map_err(heap_hint)?;
        points.push((index, scenario));
    }
    let rows = par_map(&points, request.jobs, |(index, scenario)| {
        let summary = memsim_engine::run(scenario, RunOptions::default());
        let o = Outcome::of(&summary);
        SweepPoint {
            index: *index,
            values: grid.values(*index),
            verdict: o.verdict.as_str().to_string(),
            failures: if o.failures.is_empty() {
                String::new()
            } else {
                failures_words(&o.failures)
            },
            peak_resident_bytes: o.peak_resident_bytes,
            peak_at_seconds: o.peak_at.as_secs_f64(),
            limit_bytes: o.limit_bytes,
            peak_charge_bytes: o.peak_charge_bytes,
            ended_at_seconds: o.ended_at.as_secs_f64(),
            events: o.n_events,
        }
    });
    Ok(SweepSummary {
        format: SweepSummary::FORMAT.to_string(),
        scenario: base.name,
        source_digest: digest(request.source),
        keys: grid.axes().iter().map(|a| a.key.clone()).collect(),
        axis_values: grid.axes().iter().map(|a| a.values.clone()).collect(),
        points_total: grid.len(),
        shard: request.shard.map(|s| s.to_string()),
        points: rows,
    })
}
