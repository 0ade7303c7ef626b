//! `memsim diff`: two runs compared, or `summary.diff` between two instants of one run.
//!
//! - `memsim diff RUN_A RUN_B [--chart FILE]`: two run directories written by `memsim run --out`,
//!   read back through `memsim_report::RunFiles`; prints the category-by-category comparison
//!   (`render_run_diff`) and, with `--chart`, writes an SVG of both runs over time.
//! - `memsim diff SCENARIO --from T1 --to T2 [--seed N]`: runs the scenario (runs are
//!   deterministic: the same scenario and seed are the same run) and prints the NMT state at `T2`
//!   against `T1` in the layout of `jcmd <pid> VM.native_memory summary.diff`, as if a baseline
//!   had been taken at `T1`. An instant is a duration (`5m`, the last sample at or before it),
//!   `peak` (the ledger at the peak) or `end` (the last sample). A scenario rather than a run
//!   directory, because NMT's reserved sizes at every instant are in the run, not in
//!   `timeseries.csv`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use memsim_core::{Account, RunSummary, SimDuration, SimTime, Usage};

use crate::input;
use crate::run_dir::read_run_dir_or_exit;

/// `memsim diff`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    /// Run A: a directory written by `memsim run --out`; with --from/--to, a scenario file (TOML).
    a: PathBuf,
    /// Run B: a directory written by `memsim run --out` (not with --from/--to).
    b: Option<PathBuf>,
    /// Also write an SVG chart of both runs over time to this file.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    /// With a scenario: the baseline instant (`2m`, `peak`, `end`).
    #[arg(long, value_name = "INSTANT", requires = "to")]
    from: Option<String>,
    /// With a scenario: the later instant (`13m`, `peak`, `end`).
    #[arg(long, value_name = "INSTANT", requires = "from")]
    to: Option<String>,
    /// With a scenario: override its seed.
    #[arg(long, requires = "from")]
    seed: Option<u64>,
}

/// Runs `memsim diff`.
pub(crate) fn run(args: &DiffArgs) -> ExitCode {
    match (&args.b, &args.from, &args.to) {
        (Some(b), None, None) => two_runs(&args.a, b, args.chart.as_deref()),
        (None, Some(from), Some(to)) if args.chart.is_none() => {
            two_instants(&args.a, from, to, args.seed)
        }
        _ => {
            eprintln!(
                "memsim: diff takes two run directories (`memsim diff RUN_A RUN_B [--chart FILE]`) or a scenario and two instants (`memsim diff SCENARIO --from 2m --to peak`)"
            );
            ExitCode::from(2)
        }
    }
}

/// Reads a run directory's reports.
fn two_runs(a: &Path, b: &Path, chart: Option<&Path>) -> ExitCode {
    let (a, b) = match (read_run_dir_or_exit(a), read_run_dir_or_exit(b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    if let Some(file) = chart
        && let Err(e) = std::fs::write(file, memsim_report::render_diff_chart_svg(&a, &b))
    {
        eprintln!("memsim: cannot write {}: {e}", file.display());
        return ExitCode::from(1);
    }
    crate::print_out(&memsim_report::render_run_diff(&a, &b))
}

/// An instant of a finished run, by what the user wrote.
fn resolve(s: &RunSummary, instant: &str) -> Result<(String, Vec<Usage>), String> {
    let accounts = |u: &[Usage]| u.to_vec();
    match instant.trim() {
        "peak" => Ok((
            format!("the peak ({})", s.peak_at),
            Account::ALL.iter().map(|a| s.at_peak.get(*a)).collect(),
        )),
        "end" => s
            .samples
            .last()
            .map(|x| (format!("the end ({})", x.at), accounts(&x.accounts)))
            .ok_or_else(|| "the run has no samples".to_string()),
        text => {
            let d = SimDuration::parse(text).map_err(|e| {
                format!("`{text}` is not an instant: {e} (write a duration such as `5m`, or `peak`, or `end`)")
            })?;
            let at = SimTime::ZERO.after(d);
            if at > s.ended_at {
                return Err(format!(
                    "the run ended at {} ({}), before {at}",
                    s.ended_at,
                    s.verdict.as_str()
                ));
            }
            s.samples
                .iter()
                .rev()
                .find(|x| x.at <= at)
                .map(|x| {
                    (
                        format!("{} (the sample at {})", at, x.at),
                        accounts(&x.accounts),
                    )
                })
                .ok_or_else(|| format!("no sample at or before {at}"))
        }
    }
}

fn two_instants(file: &Path, from: &str, to: &str, seed: Option<u64>) -> ExitCode {
    let scenario = match crate::load(file) {
        Ok(Ok(s)) => s,
        Ok(Err(code)) => return code,
        Err(e) => return crate::io_failure(e),
    };
    let mut progress = crate::progress::RunProgress::new(false);
    let summary = memsim_engine::run_with_progress(
        &scenario,
        memsim_engine::RunOptions {
            seed,
            check_invariants: false,
        },
        &mut |p| progress.update(p),
    );
    progress.finish();
    let (from, to) = match (resolve(&summary, from), resolve(&summary, to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("memsim: {}: {e}", input::shown(file));
            return ExitCode::from(2);
        }
    };
    let a = memsim_report::nmt_summary_of(&from.1);
    let b = memsim_report::nmt_summary_of(&to.1);
    let mut text = format!(
        "memsim: {} seed {}, at {} against a baseline at {}:\n\n",
        summary.scenario, summary.seed, to.0, from.0
    );
    text.push_str(&memsim_report::render_nmt_diff(&a, &b));
    crate::print_out(&text)
}
