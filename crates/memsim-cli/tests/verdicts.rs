//! `memsim run`'s verdicts as scripts see them: one exit code per verdict, `--exit-zero`,
//! `--format json`, a run cut short by `max_events`, and the scenario read from stdin.

mod common;
use common::{text, workspace};

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("verdicts")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    dir
}

fn memsim(args: &[&str]) -> Output {
    memsim_with_stdin(args, &[])
}

/// Runs memsim with `stdin` as its standard input.
fn memsim_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_memsim"))
        .args(args)
        .current_dir(workspace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("memsim runs");
    let mut pipe = child.stdin.take().unwrap();
    // memsim may stop reading early (a refused input): a broken pipe is not this test's concern.
    let _ = pipe.write_all(stdin);
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// The documented exit code of a verdict (README "Exit codes"), `failed` saying whether the
/// process lived through failures.
fn code_of(verdict: &str, failed: bool) -> i32 {
    match (verdict, failed) {
        ("fits", false) => 0,
        ("fits", true) => 7,
        ("over_budget", _) => 3,
        ("thrashing", _) => 4,
        ("oom_killed", _) => 5,
        ("incomplete", _) => 6,
        other => panic!("unknown verdict {other:?}"),
    }
}

fn failed(report: &Value) -> bool {
    let f = &report["failures"];
    !f["errors"].as_array().unwrap().is_empty()
        || [
            "requests_failed",
            "threads_failed_to_start",
            "transactions_terminated",
        ]
        .iter()
        .any(|k| f[*k].as_u64().unwrap() > 0)
}

/// Every bundled scenario, with the verdict and exit code the README's table gives it. A new
/// scenario must be added here with its verdict.
/// `neo4j-12g-import` is docs/scenario-format.md's complete example: 16 GiB configured on an
/// 11.5 GiB limit does not fit, whatever the configured budget says.
const BUNDLED: [(&str, &str, i32); 14] = [
    ("container-pids-limit", "fits", 7),
    ("mmap-index-container", "over_budget", 3),
    ("neo4j-12g-fits", "fits", 0),
    ("neo4j-12g-import", "oom_killed", 5),
    ("neo4j-12g-oom", "oom_killed", 5),
    ("neo4j-4g6g-steady", "fits", 0),
    ("neo4j-fulltext-container", "over_budget", 3),
    ("netty-direct-oom", "fits", 7),
    ("netty-server-versions", "fits", 0),
    ("page-cache-query-load", "fits", 0),
    ("page-cache-restart", "fits", 0),
    ("parallel-gc-overhead", "over_budget", 3),
    ("space-reuse", "fits", 0),
    ("space-reuse-recreate", "fits", 0),
];

/// Each bundled scenario runs once, with `--out` and `--format json`: its exit code is its
/// verdict's, and what it prints is report.json byte for byte.
#[test]
fn every_bundled_scenario_exits_with_its_verdicts_code_and_prints_its_report_json() {
    let mut sims: Vec<String> = std::fs::read_dir(workspace().join("sims"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".toml").map(str::to_string))
        .collect();
    sims.sort();
    let listed: Vec<&str> = BUNDLED.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(
        sims, listed,
        "every bundled scenario needs its verdict in BUNDLED"
    );
    for (sim, verdict, code) in BUNDLED {
        let dir = scratch(sim);
        let out = memsim(&[
            "run",
            &format!("sims/{sim}.toml"),
            "--out",
            dir.to_str().unwrap(),
            "--format",
            "json",
        ]);
        let stdout = text(&out.stdout);
        let report: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{sim}: stdout is not JSON ({e}): {stdout}"));
        assert_eq!(
            out.stdout,
            std::fs::read(dir.join("report.json")).unwrap(),
            "{sim}: --format json prints report.json"
        );
        assert_eq!(report["verdict"], verdict, "{sim}");
        assert_eq!(
            out.status.code(),
            Some(code_of(verdict, failed(&report))),
            "{sim}: {}",
            text(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(code), "{sim}");
        assert_eq!(report["stopped_early"], Value::Null, "{sim}");
    }
}

#[test]
fn a_fitting_run_with_failures_names_them_in_the_headline_and_exits_7() {
    let out = memsim(&["run", "sims/netty-direct-oom.toml"]);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.lines().nth(1).unwrap().starts_with(
            "VERDICT: FITS — but 1,664 OutOfDirectMemoryError; 1,664 requests failed — peak resident "
        ),
        "{stdout}"
    );
}

#[test]
fn exit_zero_exits_0_whatever_the_verdict_and_quiet_prints_nothing() {
    let out = memsim(&["run", "-q", "sims/neo4j-12g-oom.toml"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(out.stdout.is_empty());
    let out = memsim(&["run", "-q", "--exit-zero", "sims/neo4j-12g-oom.toml"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    // Bad input still exits 2.
    let out = memsim(&["run", "--exit-zero", "sims/no-such-file.toml"]);
    assert_eq!(out.status.code(), Some(1));
}

/// `sims/netty-direct-oom.toml` with `max_events` set low enough to stop it in its first minutes.
fn cut_short(max_events: u64) -> Vec<u8> {
    let source = std::fs::read_to_string(workspace().join("sims/netty-direct-oom.toml")).unwrap();
    assert!(source.contains("[scenario]\n"));
    source
        .replacen(
            "[scenario]\n",
            &format!("[scenario]\nmax_events = {max_events}\n"),
            1,
        )
        .into_bytes()
}

#[test]
fn a_run_stopped_by_max_events_is_incomplete_in_headline_report_and_exit_code() {
    let scenario = cut_short(5000);
    let out = memsim_with_stdin(&["run", "-"], &scenario);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let headline = stdout.lines().nth(1).unwrap();
    assert!(
        headline.starts_with("VERDICT: INCOMPLETE — stopped at ")
            && headline.contains(
                " of a planned 5m00.000s: max_events = 5,000 simulated events used up (raise max_events under [scenario] to run to the end); so far: FITS — "
            ),
        "{stdout}"
    );
    assert!(!stdout.contains("VERDICT: FITS"), "{stdout}");

    let dir = scratch("incomplete");
    let out = memsim_with_stdin(
        &[
            "run",
            "-",
            "--format",
            "json",
            "--out",
            dir.to_str().unwrap(),
        ],
        &scenario,
    );
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(out.stdout, std::fs::read(dir.join("report.json")).unwrap());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "incomplete");
    let stop = &report["stopped_early"];
    assert_eq!(stop["bound"], "max_events");
    assert_eq!(stop["value"], 5000);
    assert_eq!(stop["verdict_so_far"], "fits");
    assert_eq!(stop["at_seconds"], report["ended_at_seconds"]);
    assert!(stop["at_seconds"].as_f64().unwrap() < report["duration_seconds"].as_f64().unwrap());
    assert_eq!(report["n_events"], 5000);

    let out = memsim_with_stdin(&["run", "-q", "--exit-zero", "-"], &scenario);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn stdin_is_read_as_a_file_is_and_named_stdin_in_messages() {
    let scenario = std::fs::read(workspace().join("sims/space-reuse.toml")).unwrap();
    let from_file = memsim(&["run", "--format", "json", "sims/space-reuse.toml"]);
    let from_stdin = memsim_with_stdin(&["run", "--format", "json", "-"], &scenario);
    assert_eq!(from_stdin.status.code(), Some(0));
    assert_eq!(from_file.stdout, from_stdin.stdout);
    let out = memsim_with_stdin(&["check", "-"], &scenario);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("<stdin>: ok ("));

    // Bad scenarios, invalid UTF-8 and NUL bytes name `<stdin>`, with exit 2.
    for (input, wants) in [
        (&b"[scenario]\nduraton = \"1m\"\n"[..], "<stdin>:2:1: "),
        (
            &b"[scenario]\n\xff\n"[..],
            "<stdin>: invalid UTF-8 at byte offset 11 (line 2)",
        ),
        (&b"\0"[..], "<stdin>: a NUL byte at byte offset 0 (line 1)"),
    ] {
        let out = memsim_with_stdin(&["run", "-"], input);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(wants), "{wants}: {stderr}");
        assert!(out.stdout.is_empty());
    }

    // Standard input can stand for one input only.
    let out = memsim_with_stdin(&["nmt", "diff", "-", "-"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("<stdin>: already read for another input"),
        "{}",
        text(&out.stderr)
    );
}

/// `sims/netty-server-versions.toml` on each Netty generation: the peak of the `Netty Direct`
/// account in `timeseries.csv` is 16 arenas x 16 MiB on 4.1.48, 16 x 4 MiB on 4.1.118, and less
/// again on 4.2.13's adaptive allocator, for the same traffic (the scenario's comment).
#[test]
fn netty_server_versions_holds_less_direct_memory_on_each_newer_netty() {
    let source =
        std::fs::read_to_string(workspace().join("sims/netty-server-versions.toml")).unwrap();
    assert!(
        source.contains("\nmodel = \"4.1.118\"\n"),
        "the scenario names its model"
    );
    let peak = |model: &str| -> u64 {
        let dir = scratch(&format!("netty-versions-{model}"));
        let variant = source.replace(
            "\nmodel = \"4.1.118\"\n",
            &format!("\nmodel = \"{model}\"\n"),
        );
        let out = memsim_with_stdin(
            &["run", "-", "--out", dir.to_str().unwrap(), "-q"],
            variant.as_bytes(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let csv = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = header
            .iter()
            .position(|c| *c == "netty_direct_committed_bytes")
            .expect("a Netty Direct column");
        lines
            .map(|l| l.split(',').nth(col).unwrap().parse::<u64>().unwrap())
            .max()
            .unwrap()
    };
    let (old, new, adaptive) = (peak("4.1.48"), peak("4.1.118"), peak("4.2.13-adaptive"));
    assert_eq!(
        old,
        16 * (16 << 20),
        "4.1.48: one 16 MiB chunk in each of 16 arenas"
    );
    assert_eq!(
        new,
        16 * (4 << 20),
        "4.1.118: one 4 MiB chunk in each of 16 arenas"
    );
    assert!(
        adaptive > 0 && adaptive < new,
        "adaptive {adaptive} vs 4.1.118 {new}"
    );
}
