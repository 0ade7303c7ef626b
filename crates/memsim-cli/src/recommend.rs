//! `memsim recommend SCENARIO --limit SIZE [--headroom P%] [--vary …] [--objective …]
//! [--format json] [--compare | --no-compare]`: the search is `memsim_search::recommend`; this file reads the
//! scenario, parses the options, prints the answer and maps errors to exit codes.
//!
//! Exit codes: **0** a recommendation was printed, **3** nothing in reach fits (the message says
//! what the smallest configuration did), **2** bad input (scenario, options, a simulation cap too
//! small for the search), **1** I/O.

use std::path::PathBuf;
use std::process::ExitCode;

use memsim_search::{Knob, Objective, RecommendRequest, SearchError};

use crate::{input, input_failure, parse_size, print_out};

/// Exit code: no configuration in reach fits.
pub(crate) const NOTHING_FITS: u8 = 3;

/// `memsim recommend`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct RecommendArgs {
    /// The scenario file (TOML); `-` reads it from stdin.
    file: PathBuf,
    /// The container's memory limit, e.g. `12Gi` (the scenario runs with it as `machine.container_limit`).
    #[arg(long, value_parser = parse_size)]
    limit: u64,
    /// Keep this share of the limit free: the peak must stay under limit × (1 − headroom).
    #[arg(long, default_value = "10%", value_parser = parse_percent, allow_hyphen_values = true)]
    headroom: f64,
    /// The settings the search may change (comma-separated): heap, page_cache, max_direct, threads
    /// (the thread stack size, -Xss).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "heap,page_cache,max_direct"
    )]
    vary: Vec<String>,
    /// What to make as large as the limit allows, the other varied settings at their floors.
    #[arg(long, value_enum, default_value_t = ObjectiveArg::MaxPageCache)]
    objective: ObjectiveArg,
    /// The objective's resolution: the answer fits and this much more does not.
    #[arg(long, default_value = "64m", value_parser = parse_size)]
    step: u64,
    /// The most simulations the search may run.
    #[arg(long, default_value_t = 60)]
    max_simulations: usize,
    /// Simulations run at once (default: every core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Also run what the Cloud Foundry memory calculator and Neo4j's `memory-recommendation`
    /// choose for the same limit, side by side with the answer (the default; the flag says so
    /// explicitly).
    #[arg(long, conflicts_with = "no_compare")]
    compare: bool,
    /// Leave out that comparison (one or two fewer simulations).
    #[arg(long)]
    no_compare: bool,
    /// `text` for people, or `json` for tools: the recommendation, the floors, the run one step
    /// larger, the alternatives and the comparison as one JSON object.
    // The shared enum's value help describes `memsim run`'s output (report.json): hidden here.
    #[arg(long, value_enum, default_value_t = crate::Format::Text, hide_possible_values = true)]
    format: crate::Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ObjectiveArg {
    /// The largest page cache.
    MaxPageCache,
    /// The largest heap.
    MaxHeap,
    /// Heap and page cache grown together.
    Balanced,
}

fn parse_percent(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim();
    match t.parse::<f64>() {
        Ok(p) if (0.0..100.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "`{s}` is not a percentage from 0 up to 100, e.g. `10%`"
        )),
    }
}

/// Runs `memsim recommend`.
pub(crate) fn run(a: &RecommendArgs) -> ExitCode {
    let vary: Result<Vec<Knob>, SearchError> = a.vary.iter().map(|v| Knob::parse(v)).collect();
    let mut vary = match vary {
        Ok(v) => v,
        Err(e) => {
            eprintln!("memsim: {e}");
            return ExitCode::from(2);
        }
    };
    vary.sort_unstable();
    vary.dedup();
    if a.jobs == Some(0) {
        eprintln!("memsim: --jobs 0: at least one simulation must run at a time");
        return ExitCode::from(2);
    }
    let source = match input::read_text(&a.file, input::Kind::Scenario) {
        Ok(s) => s,
        Err(e) => return input_failure(e),
    };
    let file = input::shown(&a.file);
    let request = RecommendRequest {
        source: &source,
        file: &file,
        limit_bytes: a.limit,
        headroom_percent: a.headroom,
        vary,
        objective: match a.objective {
            ObjectiveArg::MaxPageCache => Objective::MaxPageCache,
            ObjectiveArg::MaxHeap => Objective::MaxHeap,
            ObjectiveArg::Balanced => Objective::Balanced,
        },
        step_bytes: a.step,
        max_simulations: a.max_simulations,
        jobs: a.jobs.unwrap_or_else(memsim_search::pool::default_jobs),
        compare: !a.no_compare,
    };
    match memsim_search::recommend(&request) {
        Ok(r) => print_out(&match a.format {
            crate::Format::Text => memsim_search::render_recommendation_text(&r),
            crate::Format::Json => memsim_search::render_recommendation_json(&r),
        }),
        Err(e @ SearchError::NothingFits(_)) => {
            eprintln!("memsim: {e}");
            ExitCode::from(NOTHING_FITS)
        }
        Err(e) => {
            // A scenario's errors render with a line break at the end.
            eprintln!("memsim: {}", e.to_string().trim_end());
            ExitCode::from(2)
        }
    }
}
