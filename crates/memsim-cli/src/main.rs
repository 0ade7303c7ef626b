//! `memsim`: simulate a JVM process's memory from a scenario file.
//!
//! The binary is thin: it reads files, calls the scenario parser, the engine and the renderers, and
//! owns exit codes:
//!
//! - **0**: the command ran; for `run`, the verdict is `fits` and nothing failed.
//! - **3–7**, `run` only: the verdict ([`exit`] has the table and the reasoning): **3**
//!   `over_budget`, **4** `thrashing`, **5** `oom_killed`, **6** `incomplete` (`max_events`
//!   stopped the run early), **7** `fits` but the process lived through failures
//!   (`OutOfMemoryError`s, `OutOfDirectMemoryError`s, failed requests or threads). `--exit-zero`
//!   turns these into 0.
//! - **2**: the input or the command line is wrong — a bad scenario, trace or NMT file, or an
//!   `--out` directory memsim must not replace (it holds files memsim did not write, or is a
//!   symbolic link or a file). Nothing is written.
//! - `compare SIM_DIR OBSERVED_DIR` ([`compare`]): **0** compared, **2** a directory unreadable as
//!   a run or the two runs not comparable (the message names directory, file and line), **1** I/O.
//! - `scenario from-observation DIR` ([`from_observation`]): **0** written, **2** `DIR` not a run
//!   directory memsim can read, **1** I/O.
//! - `report DIR` ([`html_report`]): **0** `DIR/report.html` written, **2** `DIR` is not a run
//!   directory memsim can read (a report missing, malformed or from a newer memsim), **1** I/O.
//! - `sweep` ([`sweep`]): **0** ran (the points' verdicts are the summary's content), **2** bad
//!   input (scenario, `--set`, `--shard`, shards that do not make one sweep), **1** I/O.
//! - `recommend` ([`recommend`]): **0** a recommendation, **3** nothing in reach fits, **2** bad
//!   input or a simulation cap too small, **1** I/O.
//! - **1**: an I/O failure (a file cannot be read, the reports cannot be written). Nothing
//!   half-written is left behind: `--out` keeps its previous report set.
//!
//! Every FILE argument may be `-` for standard input (named `<stdin>` in messages), read through
//! the same bounded reader as files ([`input`]). `run --format json` prints `report.json`'s bytes
//! on stdout instead of the text summary.
//!
//! `--out` is published as one unit by [`publish`], which also documents the
//! `MEMSIM_FAULT_INJECT_STEP` test hook.

mod compare;
mod conventions;
mod diff;
mod exit;
mod from_observation;
mod html_report;
mod input;
mod observe;
mod progress;
mod publish;
mod recommend;
mod replay_adaptive;
mod run_dir;
mod sweep;

use clap::{CommandFactory as _, Parser, Subcommand};
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "memsim",
    version,
    about = "Simulate a JVM process's memory: heap, GC, threads, metaspace, code, Netty direct memory and a database page cache, against a machine's limit."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and print a short summary; with --out, write the reports too.
    Run {
        /// The scenario file (TOML), e.g. sims/neo4j-12g-oom.toml; `-` reads it from stdin.
        file: PathBuf,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Write report.json, timeseries.csv, nmt-summary.txt, chart.svg and chart.png into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// With --out, write the teaching report report.html too (one self-contained page).
        #[arg(long, requires = "out")]
        html: bool,
        /// What to print on stdout: the text summary, or report.json's content.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Print nothing on success (errors still go to stderr) and show no progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Exit 0 whatever the verdict (by default: 0 fits, 3 over budget, 4 thrashing,
        /// 5 OOM-killed, 6 incomplete, 7 fits but with failures).
        #[arg(long)]
        exit_zero: bool,
        /// Check every invariant after every simulated event (slower; for debugging memsim).
        #[arg(long)]
        check_invariants: bool,
    },
    /// Write DIR/report.html, the teaching report, from a run directory `memsim run --out` wrote.
    Report {
        /// The run directory (holding report.json, timeseries.csv, nmt-summary.txt, chart.svg).
        dir: PathBuf,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Validate a scenario file without running it.
    Check {
        /// The scenario file (TOML); `-` reads it from stdin.
        file: PathBuf,
    },
    /// Direct memory tools.
    Direct {
        #[command(subcommand)]
        command: DirectCommand,
    },
    /// Native Memory Tracking text: read real `jcmd <pid> VM.native_memory summary` output.
    Nmt {
        #[command(subcommand)]
        command: NmtCommand,
    },
    /// Compare two runs written by `run --out` (category deltas at the peak and over time, and a
    /// chart of both with --chart), or print `summary.diff` between two instants of one scenario's
    /// run (--from, --to) in the layout of `jcmd <pid> VM.native_memory summary.diff`.
    Diff(diff::DiffArgs),
    /// Run a command and record its process tree's memory over time (RSS split, PSS, threads, the
    /// cgroup's charge; a JVM's NMT categories and GC log), into the report set a run writes.
    /// Exits with the command's exit code (128 + N for signal N).
    Observe(observe::ObserveArgs),
    /// Hold a prediction (`run --out`'s directory) against an observation (`observe --out`'s):
    /// per-category error at matching times and at the peak, the verdicts side by side, judged
    /// within ±10 % or not; text or --format json, and --chart / --html files.
    Compare(compare::CompareArgs),
    /// Run a scenario over a grid of settings (`--set KEY=V1,V2,…`, repeatable) on all cores, and
    /// summarize peak resident and verdict per point (CSV, JSON, chart); `--shard I/N` runs a slice
    /// for a batch scheduler and `sweep merge` combines the slices.
    Sweep(sweep::SweepArgs),
    /// Search, by simulation, for the settings that fit a container limit with headroom and no
    /// Java or Netty errors: JVM flags, neo4j.conf lines, a scenario diff, why they fit, and what
    /// the Cloud Foundry calculator and Neo4j's memory recommendation would choose instead.
    Recommend(recommend::RecommendArgs),
    /// Scenario tools: `from-observation DIR` writes a starting scenario from a recorded run.
    Scenario {
        #[command(subcommand)]
        command: from_observation::ScenarioCommand,
    },
    /// Print a shell completion script (e.g. `memsim completions bash > /etc/bash_completion.d/memsim`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page memsim(1) in roff (e.g. `memsim man > memsim.1; man ./memsim.1`).
    Man {
        /// Write memsim.1 and a page per subcommand (memsim-run.1, …) into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print the scenario format's JSON schema, for editors that check TOML against one.
    Schema,
}

/// What `memsim run` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// The terminal summary: verdict, peak, what lies beyond the configuration, errors.
    Text,
    /// The content of report.json, byte for byte.
    Json,
}

#[derive(Debug, Subcommand)]
enum NmtCommand {
    /// Print a summary (KB, MB or bytes; plain or `summary.diff`) as JSON in bytes.
    Parse {
        /// A saved `jcmd <pid> VM.native_memory summary` output, or memsim's nmt-summary.txt.
        file: PathBuf,
    },
    /// Print B − A in the layout of `jcmd <pid> VM.native_memory summary.diff`.
    Diff {
        /// The earlier summary.
        a: PathBuf,
        /// The later summary.
        b: PathBuf,
    },
}

fn read_nmt(file: &Path) -> Result<memsim_report::NmtSummary, ExitCode> {
    let text = input::read_text(file, input::Kind::Nmt).map_err(input_failure)?;
    memsim_report::parse_nmt(&text).map_err(|e| {
        eprintln!("{}: {e}", input::shown(file));
        ExitCode::from(2)
    })
}

/// Reports why an input was not read: exit 2 for bad input, 1 for an I/O failure.
fn input_failure(e: input::InputError) -> ExitCode {
    match e {
        input::InputError::Bad(message) => {
            eprintln!("memsim: {message}");
            ExitCode::from(2)
        }
        input::InputError::Io(e) => io_failure(e),
    }
}

fn print_out(text: &str) -> ExitCode {
    print_bytes(text.as_bytes())
}

/// Writes `bytes` on stdout: exit 0, or 1 when stdout cannot be written.
fn print_bytes(bytes: &[u8]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn nmt(command: &NmtCommand) -> ExitCode {
    match command {
        NmtCommand::Parse { file } => match read_nmt(file) {
            Ok(s) => {
                let mut out = serde_json::to_string_pretty(&memsim_report::nmt_json(&s))
                    .expect("JSON values serialize");
                out.push('\n');
                print_out(&out)
            }
            Err(code) => code,
        },
        NmtCommand::Diff { a, b } => match (read_nmt(a), read_nmt(b)) {
            (Ok(a), Ok(b)) => print_out(&memsim_report::render_nmt_diff(&a, &b)),
            (Err(code), _) | (_, Err(code)) => code,
        },
    }
}

#[derive(Debug, Subcommand)]
enum DirectCommand {
    /// Replay an allocation trace through a Netty pool model (4.1.48, 4.1.118, 4.2.13's pooled or adaptive allocator, or 4.2.13's default); print JSON with that Netty's metric names.
    ///
    /// Trace lines: `alloc <id> <size> [thread <t>]`, `free <id> [thread <t>]`, `trim [thread <t>]`,
    /// `exit <t>`, `metrics [label]`; `#` starts a comment.
    Replay(ReplayArgs),
}

/// Options named after Netty's `io.netty.allocator.*` settings; Netty's defaults where absent.
#[derive(Debug, clap::Args)]
struct ReplayArgs {
    /// The trace file.
    trace: PathBuf,
    /// The Netty allocator modelled: 4.1.48 (buddy tree, 16 MiB chunks), 4.1.118 (size classes, 4 MiB chunks), 4.2.13-pooled (4.2.13's PooledByteBufAllocator: the same as 4.1.118), 4.2.13-adaptive (4.2's default AdaptiveByteBufAllocator), or 4.2.13: the allocator Netty 4.2.13 picks by default (see --allocator-type).
    #[arg(long, default_value = "4.1.48", value_parser = ["4.1.48", "4.1.118", "4.2.13-pooled", "4.2.13-adaptive", "4.2.13"])]
    netty: String,
    /// io.netty.allocator.type, with --netty 4.2.13 only: unset or "adaptive" selects 4.2.13-adaptive, "pooled" (or any other value, as Netty falls back) 4.2.13-pooled; "unpooled" is not modelled.
    #[arg(long, value_name = "TYPE")]
    allocator_type: Option<String>,
    /// Direct arenas, 0 to 1024 (default: min(2·cores, maxDirectMemory / default chunk / 2 / 3)).
    #[arg(long)]
    arenas: Option<u32>,
    /// Page size in bytes (8192): a power of two, at least 4096.
    #[arg(long, value_parser = parse_size)]
    page_size: Option<u64>,
    /// Max order (11 for 4.1.48, 9 for 4.1.118), 0 to 14: chunk = page size << max order, at most 1 GiB.
    #[arg(long)]
    max_order: Option<u32>,
    /// Tiny cache entries per size (512), at most 2^31 − 1; 4.1.48 only.
    #[arg(long)]
    tiny_cache_size: Option<u32>,
    /// Small cache entries per size (256), at most 2^31 − 1.
    #[arg(long)]
    small_cache_size: Option<u32>,
    /// Normal cache entries per size (64), at most 2^31 − 1.
    #[arg(long)]
    normal_cache_size: Option<u32>,
    /// Whether plain threads get caches (true for 4.1.48, false for 4.1.118).
    #[arg(long)]
    use_cache_for_all_threads: Option<bool>,
    /// io.netty.maxDirectMemory: negative = the JVM's max direct memory, 0 = JDK accounting, positive = the cap.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_signed_size)]
    max_direct_memory: Option<i64>,
    /// Processors Netty sees (2), 1 to 1024, for the default arena count.
    #[arg(long, default_value_t = 2)]
    cores: u32,
    /// The JVM's -XX:MaxDirectMemorySize (1g).
    #[arg(long, default_value = "1g", value_parser = parse_size)]
    jvm_max_direct_memory: u64,
    /// The heap's Runtime.maxMemory() (1g): 512m or less selects 4.2's low-memory mode (4.2.13-adaptive only).
    #[arg(long, value_parser = parse_size)]
    max_heap: Option<u64>,
    /// Trace threads are event-loop threads with thread-local magazines (4.2.13-adaptive only).
    #[arg(long)]
    event_loop_threads: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    memsim_core::ByteSize::parse(s)
        .map(|b| b.0)
        .map_err(|e| e.to_string())
}

fn parse_netty_version(s: &str) -> Result<memsim_direct::NettyVersion, String> {
    s.parse()
        .map_err(|e: memsim_direct::version::UnknownNettyVersion| e.to_string())
}

fn parse_signed_size(s: &str) -> Result<i64, String> {
    if let Some(rest) = s.strip_prefix('-') {
        let v = parse_size(rest)?;
        i64::try_from(v)
            .map(|v| -v)
            .map_err(|_| format!("`{s}` is out of range"))
    } else {
        i64::try_from(parse_size(s)?).map_err(|_| format!("`{s}` is out of range"))
    }
}

fn direct_replay(a: &ReplayArgs) -> ExitCode {
    let netty = match replay_adaptive::selected_allocator(&a.netty, a.allocator_type.as_deref()) {
        Ok(n) => n,
        Err(message) => {
            eprintln!("memsim: {message}");
            return ExitCode::from(2);
        }
    };
    if netty == "4.2.13-adaptive" {
        let pooled = replay_adaptive::pooled_only_flags(&[
            ("arenas", a.arenas.is_some()),
            ("page-size", a.page_size.is_some()),
            ("max-order", a.max_order.is_some()),
            ("tiny-cache-size", a.tiny_cache_size.is_some()),
            ("small-cache-size", a.small_cache_size.is_some()),
            ("normal-cache-size", a.normal_cache_size.is_some()),
            (
                "use-cache-for-all-threads",
                a.use_cache_for_all_threads.is_some(),
            ),
        ]);
        return replay_adaptive::run(
            &a.trace,
            &memsim_direct::replay_adaptive::AdaptiveReplayOptions {
                cores: a.cores,
                max_heap: a.max_heap.unwrap_or(1 << 30),
                max_direct_memory: a.max_direct_memory,
                jvm_max_direct_memory: a.jvm_max_direct_memory,
                event_loop_threads: a.event_loop_threads,
            },
            &pooled,
        );
    }
    if a.max_heap.is_some() || a.event_loop_threads {
        eprintln!(
            "memsim: --max-heap and --event-loop-threads only apply to the adaptive allocator (--netty 4.2.13-adaptive, or 4.2.13 without --allocator-type pooled)"
        );
        return ExitCode::from(2);
    }
    let text = match input::read_text(&a.trace, input::Kind::Trace) {
        Ok(t) => t,
        Err(e) => return input_failure(e),
    };
    let netty = match parse_netty_version(netty) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("memsim: {e}");
            return ExitCode::from(2);
        }
    };
    let options = memsim_direct::replay::ReplayOptions {
        netty,
        arenas: a.arenas,
        page_size: a.page_size,
        max_order: a.max_order,
        tiny_cache_size: a.tiny_cache_size,
        small_cache_size: a.small_cache_size,
        normal_cache_size: a.normal_cache_size,
        use_cache_for_all_threads: a.use_cache_for_all_threads,
        max_direct_memory: a.max_direct_memory,
        cores: a.cores,
        jvm_max_direct_memory: a.jvm_max_direct_memory,
    };
    // Streamed: the report is written as the replay produces it, through a buffer.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match memsim_direct::replay::replay_to(&text, &options, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ memsim_direct::replay::ReplayError::Write { .. }) => {
            eprintln!("memsim: {e}");
            ExitCode::from(1)
        }
        Err(e) => replay_adaptive::bad_input(&a.trace, &e),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            file,
            seed,
            out,
            html,
            format,
            quiet,
            exit_zero,
            check_invariants,
        } => {
            install_rerun_hint(&file, seed);
            run(
                &file,
                RunArgs {
                    seed,
                    out: out.as_deref(),
                    html,
                    format,
                    quiet,
                    exit_zero,
                    check_invariants,
                },
            )
        }
        Command::Report { dir, quiet } => html_report::report(&dir, quiet),
        Command::Check { file } => match load(&file) {
            Ok(Ok(s)) => {
                println!(
                    "{}: ok ({} phases, {})",
                    input::shown(&file),
                    s.phases.len(),
                    s.duration
                );
                ExitCode::SUCCESS
            }
            Ok(Err(code)) => code,
            Err(e) => io_failure(e),
        },
        Command::Direct {
            command: DirectCommand::Replay(args),
        } => direct_replay(&args),
        Command::Nmt { command } => nmt(&command),
        Command::Diff(args) => diff::run(&args),
        Command::Observe(args) => observe::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Scenario { command } => from_observation::run(&command),
        Command::Sweep(args) => sweep::run(&args),
        Command::Recommend(args) => recommend::run(&args),
        Command::Completions { shell } => conventions::completions(Cli::command(), shell),
        Command::Man { dir } => conventions::man(Cli::command(), dir.as_deref()),
        Command::Schema => conventions::schema(),
    }
}

/// On a panic (a bug in memsim, never bad input), say how to reproduce it.
fn install_rerun_hint(file: &Path, seed: Option<u64>) {
    let file = if input::is_stdin(file) {
        "- (with the same scenario on stdin)".to_string()
    } else {
        file.display().to_string()
    };
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default(info);
        let seed = seed.map(|s| format!(" --seed {s}")).unwrap_or_default();
        eprintln!("memsim bug: rerun: memsim run {file}{seed} --check-invariants");
    }));
}

fn publish_failure(e: publish::PublishError) -> ExitCode {
    match e {
        publish::PublishError::Refused(message) => {
            eprintln!("memsim: {message}");
            ExitCode::from(2)
        }
        publish::PublishError::Io(e) => io_failure(e),
    }
}

fn io_failure(e: anyhow::Error) -> ExitCode {
    eprintln!("memsim: {e:#}");
    ExitCode::from(1)
}

/// Reads and validates a scenario. `Ok(Err(code))` = the scenario is wrong and has been reported.
fn load(file: &Path) -> anyhow::Result<Result<memsim_scenario::Scenario, ExitCode>> {
    let source = match input::read_text(file, input::Kind::Scenario) {
        Ok(s) => s,
        Err(input::InputError::Io(e)) => return Err(e),
        Err(bad) => return Ok(Err(input_failure(bad))),
    };
    match memsim_scenario::parse(&source, &input::shown(file)) {
        Ok(s) => {
            // What memsim accepted but does not model: one line each, on stderr.
            for w in &s.warnings {
                eprintln!("{}", w.render_warning());
            }
            Ok(Ok(s))
        }
        Err(errors) => {
            if std::io::stderr().is_terminal() {
                eprintln!("{:?}", miette::Report::new(errors));
            } else {
                // One line per problem: file:line:column: message naming the key — hint.
                eprint!("{}", errors.render_plain());
            }
            Ok(Err(ExitCode::from(2)))
        }
    }
}

/// `memsim run`'s options besides the file.
struct RunArgs<'a> {
    seed: Option<u64>,
    out: Option<&'a Path>,
    html: bool,
    format: Format,
    quiet: bool,
    exit_zero: bool,
    check_invariants: bool,
}

fn run(file: &Path, a: RunArgs<'_>) -> ExitCode {
    let scenario = match load(file) {
        Ok(Ok(s)) => s,
        Ok(Err(code)) => return code,
        Err(e) => return io_failure(e),
    };
    // Refuse an `--out` memsim must not replace before spending time on the simulation.
    if let Some(dir) = a.out
        && let Err(e) = publish::check_out_dir(dir)
    {
        return publish_failure(e);
    }
    let mut progress = progress::RunProgress::new(a.quiet);
    let summary = memsim_engine::run_with_progress(
        &scenario,
        memsim_engine::RunOptions {
            seed: a.seed,
            check_invariants: a.check_invariants,
        },
        &mut |p| progress.update(p),
    );
    progress.finish();
    let mut reports = memsim_report::write_all_reports(&summary);
    if a.html
        && let Err(message) = html_report::add_html(&mut reports)
    {
        eprintln!("memsim: {message}");
        return ExitCode::from(1);
    }
    if let Some(dir) = a.out
        && let Err(e) = publish::publish(dir, &reports)
    {
        return publish_failure(e);
    }
    if !a.quiet {
        let text = match a.format {
            Format::Json => reports
                .iter()
                .find(|(name, _)| *name == "report.json")
                .map(|(_, bytes)| bytes.clone())
                .expect("write_all_reports renders report.json"),
            Format::Text => {
                let mut text = Vec::new();
                memsim_report::render_text_summary(&summary, &mut text)
                    .expect("rendering into memory cannot fail");
                if let Some(dir) = a.out {
                    writeln!(text, "reports written to {}", dir.display()).expect("in memory");
                }
                text
            }
        };
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(&text)
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::from(1);
        }
    }
    if a.exit_zero {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::of_run(&summary))
    }
}
