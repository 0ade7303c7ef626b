//! `memsim sweep SCENARIO --set KEY=V1,V2,… [--set …] [--out DIR] [--jobs N] [--shard I/N]` and
//! `memsim sweep merge SHARD_DIR… --out DIR`: the grid is `memsim_search`'s; this file reads the
//! files, writes the summary (`sweep.json`, `sweep.csv`, `sweep.svg`, published as one unit by
//! `publish.rs`) and maps errors to exit codes.
//!
//! Exit codes: **0** the sweep ran (whatever the points' verdicts: they are the summary's content),
//! **2** bad input (the scenario, a `--set` or `--shard` argument, shard summaries that do not make
//! one sweep, an `--out` memsim must not replace), **1** I/O.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use memsim_search::{Axis, Grid, SearchError, Shard, SweepRequest, SweepSummary};

use crate::{input, input_failure, io_failure, print_out, publish, publish_failure};

/// `memsim sweep`'s arguments.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct SweepArgs {
    #[command(subcommand)]
    command: Option<SweepCommand>,
    /// The scenario file (TOML); `-` reads it from stdin.
    #[arg(required = true)]
    file: Option<PathBuf>,
    /// A swept key and its values, e.g. `jvm.heap.max=2g,3g,4g` or `phase[2].threads=200,400`
    /// (key paths as in scenario error messages, phases counted from 0); `K1+K2=…` sets both keys
    /// to each value (`jvm.heap.initial+jvm.heap.max=2g,4g`). Repeat for a grid.
    #[arg(long = "set", value_name = "KEY=V1,V2,…", required = true)]
    set: Vec<String>,
    /// Write sweep.json, sweep.csv and sweep.svg into this directory (else the CSV goes to stdout).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Simulations run at once (default: every core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only slice I of N (I from 0), for a batch scheduler; combine with `sweep merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Print nothing on success.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, clap::Subcommand)]
enum SweepCommand {
    /// Combine the summaries of `sweep --shard` runs into the summary of the whole sweep.
    Merge {
        /// The shards' output directories (each holding sweep.json).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Write the merged sweep.json, sweep.csv and sweep.svg here.
        #[arg(long, required = true)]
        out: PathBuf,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
}

fn bad(e: &SearchError) -> ExitCode {
    // A scenario's errors render with a line break at the end.
    eprintln!("memsim: {}", e.to_string().trim_end());
    ExitCode::from(2)
}

fn write(summary: &SweepSummary, out: Option<&Path>, quiet: bool) -> ExitCode {
    let Some(dir) = out else {
        return if quiet {
            ExitCode::SUCCESS
        } else {
            print_out(&summary.render_csv())
        };
    };
    let files: Vec<(&'static str, Vec<u8>)> = summary
        .files()
        .into_iter()
        .map(|(n, t)| (n, t.into_bytes()))
        .collect();
    if let Err(e) = publish::publish(dir, &files) {
        return publish_failure(e);
    }
    if quiet {
        return ExitCode::SUCCESS;
    }
    let count = |v: &str| summary.points.iter().filter(|p| p.verdict == v).count();
    let failed = summary
        .points
        .iter()
        .filter(|p| !p.failures.is_empty())
        .count();
    // `fits` and `over_budget` both stay under the limit; `over budget` alone reads as a failure,
    // while a JVM's peak is nearly always above -Xmx + page cache + direct cap.
    print_out(&format!(
        "{} points ({} under the limit: {} within -Xmx + page cache + direct cap, {} above them; {} thrashing, {} OOM-killed, {} incomplete; {} with failures); summary written to {}\n",
        summary.points.len(),
        count("fits") + count("over_budget"),
        count("fits"),
        count("over_budget"),
        count("thrashing"),
        count("oom_killed"),
        count("incomplete"),
        failed,
        dir.display()
    ))
}

/// Runs `memsim sweep`.
pub(crate) fn run(a: &SweepArgs) -> ExitCode {
    if let Some(SweepCommand::Merge { dirs, out, quiet }) = &a.command {
        return merge(dirs, out, *quiet);
    }
    let file = a
        .file
        .as_deref()
        .expect("clap requires FILE without a subcommand");
    let axes: Result<Vec<Axis>, SearchError> = a.set.iter().map(|s| Axis::parse(s)).collect();
    let grid = match axes.and_then(Grid::new) {
        Ok(g) => g,
        Err(e) => return bad(&e),
    };
    let shard = match a.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => return bad(&e),
    };
    if a.jobs == Some(0) {
        eprintln!("memsim: --jobs 0: at least one simulation must run at a time");
        return ExitCode::from(2);
    }
    if let Some(dir) = a.out.as_deref()
        && let Err(e) = publish::check_out_dir(dir)
    {
        return publish_failure(e);
    }
    let source = match input::read_text(file, input::Kind::Scenario) {
        Ok(s) => s,
        Err(e) => return input_failure(e),
    };
    let summary = match memsim_search::run_sweep(SweepRequest {
        source: &source,
        file: &input::shown(file),
        grid: &grid,
        shard,
        jobs: a.jobs.unwrap_or_else(memsim_search::pool::default_jobs),
    }) {
        Ok(s) => s,
        Err(e) => return bad(&e),
    };
    write(&summary, a.out.as_deref(), a.quiet)
}

fn merge(dirs: &[PathBuf], out: &Path, quiet: bool) -> ExitCode {
    if let Err(e) = publish::check_out_dir(out) {
        return publish_failure(e);
    }
    let mut shards = Vec::new();
    for dir in dirs {
        let path = dir.join("sweep.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!(
                    "memsim: {}: no sweep.json: not a directory `memsim sweep --out` wrote",
                    dir.display()
                );
                return ExitCode::from(2);
            }
            Err(e) => {
                return io_failure(anyhow::anyhow!("cannot read {}: {e}", path.display()));
            }
        };
        match SweepSummary::parse_json(&text, &path.display().to_string()) {
            Ok(s) => shards.push(s),
            Err(e) => return bad(&e),
        }
    }
    match memsim_search::merge(shards) {
        Ok(s) => write(&s, Some(out), quiet),
        Err(e) => bad(&e),
    }
}
