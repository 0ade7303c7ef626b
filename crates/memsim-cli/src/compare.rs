//! `memsim compare SIM_DIR OBSERVED_DIR`: a scenario's prediction held against what a process
//! did. Both are run directories — `memsim run --out`'s, or `memsim observe --out`'s, which writes
//! the same report set — read through [`crate::run_dir`] into `memsim_report::RunFiles`, so the
//! comparison works the same on two simulations (one standing in for the observation).
//!
//! Prints the verdicts side by side and every category's error at the peak and over the run with
//! its judgement (±10 %, the calibration's tolerance) as text, or with `--format json` as JSON;
//! `--chart FILE` writes the SVG of prediction over observation, `--html FILE` a self-contained
//! page with both. `memsim_report::compare` defines every number.
//!
//! Exit codes: **0** the comparison printed (whatever it found), **2** a directory is not a run
//! directory memsim can read, or the two runs cannot be compared (no samples, no time or no
//! category in common); the message names the directory, file and line. **1** an I/O failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use memsim_report::{
    compare::Side, compare_runs, render_compare_chart_svg, render_compare_html, render_compare_text,
};

use crate::input;
use crate::run_dir::read_run_dir_or_exit as read;

/// `memsim compare`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct CompareArgs {
    /// The prediction: a directory written by `memsim run --out`.
    sim: PathBuf,
    /// The observation: a directory written by `memsim observe --out` (or by `memsim run --out`).
    observed: PathBuf,
    /// What to print on stdout: the text comparison, or the comparison as JSON.
    #[arg(long, value_enum, default_value_t = crate::Format::Text)]
    format: crate::Format,
    /// Also write an SVG chart of the prediction over the observation to this file.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    /// Also write the comparison as one self-contained HTML page to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

fn write(file: &Path, bytes: &[u8]) -> Result<(), ExitCode> {
    std::fs::write(file, bytes).map_err(|e| {
        eprintln!("memsim: cannot write {}: {e}", input::shown(file));
        ExitCode::from(1)
    })
}

/// Runs `memsim compare`.
pub(crate) fn run(args: &CompareArgs) -> ExitCode {
    let (predicted, observed) = match (read(&args.sim), read(&args.observed)) {
        (Ok(p), Ok(o)) => (p, o),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let c = match compare_runs(&predicted, &observed) {
        Ok(c) => c,
        Err(e) => {
            let dir = match e.side() {
                Side::Predicted => &args.sim,
                Side::Observed => &args.observed,
            };
            eprintln!("memsim: {}/{e}", input::shown(dir));
            return ExitCode::from(2);
        }
    };
    let written = args
        .chart
        .as_deref()
        .map_or(Ok(()), |f| {
            write(
                f,
                render_compare_chart_svg(&c, &predicted, &observed).as_bytes(),
            )
        })
        .and_then(|()| {
            args.html.as_deref().map_or(Ok(()), |f| {
                let mut page = Vec::new();
                render_compare_html(&c, &predicted, &observed, &mut page)
                    .expect("rendering into memory cannot fail");
                write(f, &page)
            })
        });
    if let Err(code) = written {
        return code;
    }
    match args.format {
        crate::Format::Text => crate::print_out(&render_compare_text(&c)),
        crate::Format::Json => crate::print_out(&c.to_json()),
    }
}
