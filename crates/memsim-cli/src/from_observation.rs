//! `memsim scenario from-observation DIR [--out FILE]`: a starting scenario from a recorded run,
//! for the user to edit, that passes `memsim check` (it is parsed before it is written).
//!
//! It reads only what [`memsim_report::RunFiles`] carries, so it works on `memsim observe`'s
//! directories and on simulated ones alike. Each value's comment in the generated file says where
//! it came from. **Approximations** (the file says so too):
//!
//! - JVM flags: the `-X…` and `-XX:…` words of the observed command line (`report.json`'s
//!   `parameters.command`, which `memsim observe` records); for a simulated run, the heap, stack,
//!   direct-memory and collector settings its parameters record. `jcmd VM.flags` is not in the
//!   report set, so ergonomic values the JVM chose are left to memsim's own ergonomics.
//! - Threads: the run's `threads_alive` counter (simulated), else NMT's Thread reserved at the peak
//!   divided by the stack size (each Java thread reserves one stack; JVM threads are counted too),
//!   else (NMT off) the most threads `memsim observe` saw in the process tree.
//! - Live heap: the Java heap's resident size at the last sample, capped at 80 % of `-Xmx`: an upper
//!   bound of the live set (a sample cannot tell live from garbage), to be lowered from a GC log.
//! - Classes: the `classes_loaded` counter when the run has one.
//! - Direct memory (JDK direct + Netty direct + NMT's Other, where an observed JVM's direct buffers
//!   land) and mapped files: each one's resident size at the peak, held for the whole run.
//! - The page cache (a simulated run's `page_cache_size`): its resident size at the peak touched.
//! - One phase spanning the run; the machine's RAM (or container limit) is the run's limit.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use memsim_core::ByteSize;
use memsim_report::RunFiles;

use crate::run_dir::{RunDirError, read_run_dir};

/// `memsim scenario`'s subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ScenarioCommand {
    /// Write a starting scenario (TOML) from a run directory `memsim observe --out` (or `run
    /// --out`) wrote: JVM flags from the command line, threads, classes, heap, direct and mapped
    /// memory. Edit it, then `memsim run` it and `memsim compare` the result with DIR.
    FromObservation {
        /// The observed run's directory.
        dir: PathBuf,
        /// Write the scenario to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Runs `memsim scenario …`.
pub(crate) fn run(command: &ScenarioCommand) -> ExitCode {
    let ScenarioCommand::FromObservation { dir, out } = command;
    let files = match read_run_dir(dir) {
        Ok(f) => f,
        Err(RunDirError::Bad(message)) => {
            eprintln!("memsim: {message}");
            return ExitCode::from(2);
        }
        Err(RunDirError::Io(e)) => return crate::io_failure(e),
    };
    let toml = scenario_from_run(&files, &crate::input::shown(dir));
    match out {
        Some(file) => match std::fs::write(file, toml) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("memsim: cannot write {}: {e}", crate::input::shown(file));
                ExitCode::from(1)
            }
        },
        None => crate::print_out(&toml),
    }
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A size in the scenario's syntax: whole MiB when it is one (`512m`), else bytes rounded up to a
/// whole KiB (`1536k`), at least 1k.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{}m", bytes >> 20)
    } else {
        format!("{}k", bytes.div_ceil(1024).max(1))
    }
}

/// The JVM's `-X…`/`-XX:…` words of an observed command line.
fn flags_of_command(command: &str) -> Vec<String> {
    command
        .split_whitespace()
        .filter(|w| w.starts_with("-X"))
        .filter(|w| !w.starts_with("-Xlog") && !w.starts_with("-Xloggc"))
        .filter(|w| {
            w.chars()
                .all(|c| c.is_ascii_graphic() && c != '\'' && c != '"')
        })
        .map(str::to_string)
        .collect()
}

/// The flags a simulated run's parameters record.
fn flags_of_parameters(r: &memsim_report::run_files::ReportFile) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(c) = r.parameter("collector").filter(|c| c.starts_with("-XX:")) {
        flags.push(c.to_string());
    }
    for (name, flag) in [
        ("Xms", "-Xms"),
        ("Xmx", "-Xmx"),
        ("Xss", "-Xss"),
        ("MaxDirectMemorySize", "-XX:MaxDirectMemorySize="),
        ("ReservedCodeCacheSize", "-XX:ReservedCodeCacheSize="),
    ] {
        if let Some(b) = r.parameter_bytes(name) {
            flags.push(format!("{flag}{b}"));
        }
    }
    flags
}

/// `-Xss`/`-Xmx` from flags, in bytes.
fn flag_bytes(flags: &[String], prefix: &str) -> Option<u64> {
    flags
        .iter()
        .rev()
        .find_map(|f| f.strip_prefix(prefix))
        .and_then(|v| ByteSize::parse(v).ok())
        .map(|b| b.0)
}

/// The starting scenario for `run` (read from `shown`), checked by the scenario parser: flags it
/// refuses are left commented out with the reason.
pub(crate) fn scenario_from_run(run: &RunFiles, shown: &str) -> String {
    let r = &run.report;
    let observed_command = r.parameter("command").filter(|c| !c.is_empty());
    let (flags, flags_from) = match observed_command {
        Some(c) => (flags_of_command(c), "the observed command line"),
        None => (flags_of_parameters(r), "the run's recorded JVM settings"),
    };
    let toml = render(run, shown, &flags, flags_from, true);
    if memsim_scenario::parse(&toml, "generated").is_ok() {
        return toml;
    }
    render(run, shown, &flags, flags_from, false)
}

fn resident_at_peak(run: &RunFiles, name: &str) -> u64 {
    run.report.category(name).map_or(0, |c| c.resident_bytes)
}

fn render(
    run: &RunFiles,
    shown: &str,
    flags: &[String],
    flags_from: &str,
    with_flags: bool,
) -> String {
    let r = &run.report;
    let mut t = String::new();
    let name: String = r
        .scenario
        .trim_start_matches("observed: ")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let _ = writeln!(
        t,
        "# A starting scenario generated by `memsim scenario from-observation` from {} ({}).\n# Every value says where it came from; edit the workload to what the process does, then\n# `memsim run` this file with --out and `memsim compare` that directory with the observation.\n",
        quoted(shown).trim_matches('"'),
        r.scenario.replace('\n', " ")
    );
    let duration_ms = crate_seconds_ms(r.ended_at_seconds).max(1000);
    let samples = run.timeseries.rows.len().max(2) as u64;
    let every_ms = (duration_ms / (samples - 1)).clamp(100, 60_000);
    let _ = writeln!(t, "[scenario]");
    let _ = writeln!(t, "name = {}", quoted(&format!("from-{name}")));
    let _ = writeln!(
        t,
        "description = {}",
        quoted(&format!("starting point from the run of {}", r.scenario))
    );
    let _ = writeln!(t, "duration = \"{duration_ms}ms\"   # the run's length");
    let _ = writeln!(
        t,
        "sample_every = \"{every_ms}ms\"   # its sampling interval\n"
    );

    let _ = writeln!(t, "[machine]");
    let container = r.limit_source.contains("cgroup") || r.limit_source.contains("container");
    let limit = size(r.limit_bytes.max(64 << 20));
    let _ = writeln!(
        t,
        "ram = \"{limit}\"   # the run's limit: {}",
        r.limit_source.replace('\n', " ")
    );
    if container {
        let _ = writeln!(t, "container_limit = \"{limit}\"");
    }
    if let Some(cores) = r
        .parameter("ActiveProcessorCount")
        .and_then(|c| c.parse::<u64>().ok())
    {
        let _ = writeln!(t, "cores = {cores}   # ActiveProcessorCount");
    }
    let _ = writeln!(t);

    let page_cache = resident_at_peak(run, "Page Cache");
    let page_cache_size = r.parameter_bytes("page_cache_size").filter(|b| *b > 0);
    if let Some(b) = page_cache_size.filter(|_| page_cache > 0) {
        let _ = writeln!(
            t,
            "[page_cache]\nsize = \"{}\"   # the run's page cache size\n",
            size(b)
        );
    }
    let _ = writeln!(t, "[jvm]");
    if !flags.is_empty() {
        let line = format!("flags = {}", quoted(&flags.join(" ")));
        if with_flags {
            let _ = writeln!(t, "{line}   # from {flags_from}");
        } else {
            let _ = writeln!(
                t,
                "# {line}   # from {flags_from}: memsim refused some of them; run `memsim check` with it to see which"
            );
        }
    } else {
        let _ = writeln!(t, "# no JVM flags recorded: memsim's ergonomics apply");
    }
    let _ = writeln!(t);

    let xss = flag_bytes(flags, "-Xss").unwrap_or(1 << 20);
    let xmx = flag_bytes(flags, "-Xmx");
    let nmt_thread = run.report.category("Thread").map(|c| c.reserved_bytes);
    let observed_threads = run.report.observation.as_ref().map(|o| o.threads_max);
    let threads = match (r.counter("threads_alive"), nmt_thread, observed_threads) {
        (Some(n), _, _) => (n, "the run's threads_alive counter".to_string()),
        // Without NMT: the most threads /proc saw in the tree (the JVM's own included).
        (None, None, Some(n)) => (
            n,
            "the most threads seen in the observed process tree (the JVM's own included)"
                .to_string(),
        ),
        (None, _, _) => (
            run.report
                .category("Thread")
                .map_or(0, |c| c.reserved_bytes.div_ceil(xss.max(1))),
            format!(
                "NMT's Thread reserved at the peak / a {} stack",
                ByteSize(xss)
            ),
        ),
    };
    let heap_end = run
        .timeseries
        .account_index(memsim_core::Account::JavaHeap)
        .and_then(|i| run.timeseries.rows.last().map(|row| row.resident_bytes[i]))
        .unwrap_or(0);
    let heap_live = xmx.map_or(heap_end, |x| heap_end.min(x / 10 * 8));
    let direct = ["JDK Direct", "Netty Direct", "Other"]
        .iter()
        .map(|n| resident_at_peak(run, n))
        .sum::<u64>();
    let mapped = resident_at_peak(run, "Mapped files");

    let _ = writeln!(t, "[[phase]]");
    let _ = writeln!(t, "name = \"as observed\"");
    let _ = writeln!(t, "duration = \"{duration_ms}ms\"");
    let _ = writeln!(t, "threads = {}   # {}", threads.0, threads.1);
    if heap_live > 0 {
        let _ = writeln!(
            t,
            "heap_live = \"{}\"   # the heap's resident size at the last sample (at most 80 % of -Xmx): an upper bound of the live set",
            size(heap_live)
        );
    }
    if let Some(classes) = r.counter("classes_loaded").filter(|c| *c > 0) {
        let _ = writeln!(
            t,
            "classes = {classes}   # the run's classes_loaded counter"
        );
    }
    if direct > 0 {
        let _ = writeln!(
            t,
            "direct_memory = \"{}\"   # JDK direct + Netty direct + NMT Other resident at the peak",
            size(direct)
        );
    }
    if page_cache > 0 && page_cache_size.is_some() {
        let _ = writeln!(
            t,
            "page_cache_touch = \"{}\"   # the page cache resident at the peak",
            size(page_cache)
        );
    }
    if mapped > 0 {
        let _ = writeln!(
            t,
            "mapped_files = \"{}\"   # mapped files resident at the peak",
            size(mapped)
        );
    }
    t
}

/// Whole milliseconds of a report's `*_seconds` value.
fn crate_seconds_ms(seconds: f64) -> u64 {
    (seconds * 1000.0).round().max(0.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_the_jvm_s_words_of_a_command_line() {
        assert_eq!(
            flags_of_command(
                "java -Xmx512m -XX:+UseG1GC -Xlog:gc:file=g.log -cp x.jar -Dy=1 Main -Xfoo"
            ),
            ["-Xmx512m", "-XX:+UseG1GC", "-Xfoo"]
        );
        assert_eq!(size(512 << 20), "512m");
        assert_eq!(size(1536), "2k");
        assert_eq!(quoted("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000A\"");
    }
}
