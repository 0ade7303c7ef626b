//! `memsim observe`: run a command and record its process tree's memory over time, with the JVM's
//! NMT categories when it is a JVM, into the report set a simulation writes (`memsim_observe`).
//!
//! Exit code: the command's own; 128 + N when signal N ended it (as a shell reports it); 2 when
//! the command could not be started or the arguments are wrong; 1 when the report files could not
//! be written.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use memsim_core::SimDuration;
use memsim_observe::{ObserveConfig, ObserveError, observe};

/// `memsim observe`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct ObserveArgs {
    /// Time between samples (`200ms`, `1s`).
    #[arg(long, default_value = "200ms", value_parser = parse_interval)]
    interval: Duration,
    /// Where to write report.json, timeseries.csv, observed.csv, nmt-summary.txt, chart.svg and chart.png.
    #[arg(long, default_value = "observed")]
    out: PathBuf,
    /// A regular expression: the command's output lines that match become events on the timeline
    /// (repeatable). The output still passes through unchanged.
    #[arg(long, value_name = "REGEX")]
    mark: Vec<String>,
    /// Treat the command as a JVM (poll `jcmd` for NMT) even when its executable is not `java`.
    #[arg(long)]
    jvm: bool,
    /// The JVM's unified GC log (`-Xlog:gc:file=FILE`), read for pauses as it grows.
    #[arg(long, value_name = "FILE")]
    gc_log: Option<PathBuf>,
    /// The jcmd to run.
    #[arg(long, default_value = "jcmd", value_name = "PATH")]
    jcmd: String,
    /// Print nothing of memsim's own on success.
    #[arg(long, short)]
    quiet: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<String>,
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    let d = SimDuration::parse(text).map_err(|e| e.to_string())?;
    if d.nanos() < 10_000_000 {
        return Err("the interval must be at least 10ms".into());
    }
    Ok(Duration::from_nanos(d.nanos()))
}

pub(crate) fn run(args: &ObserveArgs) -> ExitCode {
    let cfg = ObserveConfig {
        command: args.command.clone(),
        interval: args.interval,
        out: args.out.clone(),
        marks: args.mark.clone(),
        jvm: args.jvm,
        gc_log: args.gc_log.clone(),
        jcmd: args.jcmd.clone(),
    };
    match observe(&cfg) {
        Ok(outcome) => {
            if let Some(hint) = &outcome.nmt_hint {
                eprintln!("memsim observe: {hint}");
            }
            if !args.quiet {
                let s = &outcome.summary;
                eprintln!(
                    "memsim observe: {} samples, peak {} resident at {:.1}s, {}; reports in {}",
                    s.samples.len(),
                    memsim_core::ByteSize(s.peak_resident_bytes),
                    s.peak_at.0 as f64 / 1e9,
                    match outcome.exit {
                        memsim_core::ExitStatus::Exited(c) => format!("exit code {c}"),
                        memsim_core::ExitStatus::Signalled(sig) => format!("ended by signal {sig}"),
                    },
                    args.out.display()
                );
            }
            ExitCode::from(outcome.exit.shell_code().clamp(0, 255) as u8)
        }
        Err(e) => {
            eprintln!("memsim observe: {e}");
            match e {
                ObserveError::Write { .. } | ObserveError::Wait(_) | ObserveError::Signals(_) => {
                    ExitCode::from(1)
                }
                _ => ExitCode::from(2),
            }
        }
    }
}
