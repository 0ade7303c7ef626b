//! memsim's own memory follows what is modelled, not what is simulated (issue 10, item 2).
//!
//! Each measurement runs `memsim run` from a fresh process of this test binary (the `measure_child`
//! test, selected by an environment variable), which waits for it and reads
//! `getrusage(RUSAGE_CHILDREN)`: the peak RSS of that one memsim, not of this test process nor of
//! another test's memsim (tests run in parallel threads of one process, and the children's peak is
//! a maximum over every child a process has reaped).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::sys::resource::{UsageWho, getrusage};

const CHILD_ARGS: &str = "MEMSIM_RSS_CHILD_ARGS";
const MARKER: &str = "memsim-peak-rss-kib=";
const MIB_KIB: u64 = 1024;

/// A 1 TiB heap, 100,000 threads serving `rate` requests per second with direct buffers from
/// `direct` (`"netty"`: Netty's pooled allocator, a thread cache each; `"jdk"`: `allocateDirect`),
/// and a 512 GiB page cache that the store warms by 1 GiB.
fn scale_scenario(duration: &str, rate: &str, direct: &str) -> String {
    format!(
        r#"[scenario]
name = "scale"
duration = "{duration}"

[machine]
ram = "2t"
cores = 64

[jvm]
heap = {{ initial = "1t", max = "1t" }}

[page_cache]
size = "512g"

[[phase]]
name = "100,000 threads serve requests while the store warms the page cache"
duration = "{duration}"
threads = 100000
stack_touched = "256k"
heap_churn = "2g/s"
page_cache_touch = "1g"

[phase.requests]
rate = "{rate}/s"
buffer = "lognormal(median=8k, sigma=1.0)"
hold = "exp(20ms)"
heap = "lognormal(median=256k, sigma=1.0)"
direct = "{direct}"
"#
    )
}

/// A million requests per second into a Parallel heap that collects again and again: most of the
/// run is stopped, and the requests that arrive meanwhile wait (millions of them).
fn pause_scenario(duration: &str) -> String {
    format!(
        r#"[scenario]
name = "pauses"
duration = "{duration}"

[machine]
ram = "64g"
cores = 16

[jvm]
heap = {{ initial = "256m", max = "256m" }}
gc = "parallel"

[[phase]]
name = "a million requests per second into a heap that is too small"
duration = "{duration}"
threads = 200

[phase.requests]
rate = "1000000/s"
buffer = "1k"
hold = "1s"
heap = "1k"
"#
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rss")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `memsim run` on `scenario` and returns its peak RSS in KiB, with the simulated events.
fn peak_rss_kib(name: &str, scenario: &str) -> (u64, u64) {
    let dir = scratch(name);
    let file = dir.join("scenario.toml");
    std::fs::write(&file, scenario).unwrap();
    let out = dir.join("out");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "measure_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ARGS, format!("{}\n{}", file.display(), out.display()))
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success(),
        "measuring {name} failed: {stdout}{}",
        String::from_utf8_lossy(&child.stderr)
    );
    let kib = stdout
        .lines()
        .find_map(|l| l.split_once(MARKER))
        .and_then(|(_, n)| n.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {MARKER} figure in {stdout}"));
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    let events = report
        .split("\"n_events\":")
        .nth(1)
        .and_then(|r| r.split([',', '\n']).next())
        .map_or(0, |n| n.trim().parse().unwrap_or(0));
    eprintln!("{name}: peak RSS {} MiB, {events} events", kib / MIB_KIB);
    (kib, events)
}

/// The measuring process: runs one memsim (arguments from the environment) and prints its peak RSS.
/// In an ordinary test run the variable is unset and this does nothing.
#[test]
fn measure_child() {
    let Ok(args) = std::env::var(CHILD_ARGS) else {
        return;
    };
    let (scenario, out) = args
        .split_once('\n')
        .expect("scenario and output directory");
    let status = Command::new(env!("CARGO_BIN_EXE_memsim"))
        // The verdict is not this test's business (exit codes report it): only that memsim ran.
        .args(["run", scenario, "--out", out, "--exit-zero"])
        .stdout(Stdio::null())
        .status()
        .expect("memsim runs");
    assert!(status.success(), "memsim run {scenario}: {status}");
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    // Linux reports ru_maxrss in KiB.
    println!("{MARKER}{}", usage.max_rss());
}

#[test]
fn a_1tib_heap_100k_threads_and_a_512gib_page_cache_run_within_64mib() {
    let (kib, events) = peak_rss_kib("scale", &scale_scenario("10s", "10000", "netty"));
    assert!(
        events > 100_000,
        "{events} events: the scenario did not run"
    );
    assert!(
        kib < 64 * MIB_KIB,
        "memsim's peak RSS {kib} KiB exceeds 64 MiB"
    );
}

#[test]
fn memory_stays_flat_while_requests_wait_out_pauses() {
    let (base, base_events) = peak_rss_kib("pauses-2s", &pause_scenario("2s"));
    let (long, long_events) = peak_rss_kib("pauses-20s", &pause_scenario("20s"));
    assert!(
        long_events >= 8 * base_events,
        "{long_events} vs {base_events} events: the longer run should simulate ~10x the events"
    );
    // Ten times the events (about twenty million, most of them requests waiting out pauses) within
    // 10 % + 4 MiB of the short run.
    assert!(
        long <= base + base / 10 + 4 * MIB_KIB,
        "peak RSS grew from {base} KiB to {long} KiB with 10x the events"
    );
}

#[test]
fn memory_stays_flat_as_events_grow_with_100k_threads_and_a_512gib_page_cache() {
    // allocateDirect: no per-thread allocator state, so nothing modelled grows with the load.
    let (base, base_events) = peak_rss_kib("scale-jdk-10s", &scale_scenario("10s", "10000", "jdk"));
    let (long, long_events) =
        peak_rss_kib("scale-jdk-100s", &scale_scenario("100s", "10000", "jdk"));
    // The work both runs do once (classes loaded, the cache's warm-up pins: each a counted event)
    // keeps the ratio under 10; the load's own events grow tenfold.
    assert!(
        long_events >= 5 * base_events,
        "{long_events} vs {base_events} events"
    );
    assert!(
        long <= base + base / 10 + 4 * MIB_KIB,
        "peak RSS grew from {base} KiB to {long} KiB with 10x the events"
    );
}

#[test]
fn netty_thread_caches_of_100k_threads_stay_within_64mib_at_10x_the_events() {
    // Netty's pool keeps a thread cache per thread, and what each caches is modelled entry by
    // entry: memory grows as threads come to cache more size classes (bounded by threads x the
    // cache layout), not with events. Ten times the events of the first test still fit.
    let (kib, events) = peak_rss_kib(
        "scale-netty-100s",
        &scale_scenario("100s", "10000", "netty"),
    );
    assert!(
        events > 1_000_000,
        "{events} events: the scenario did not run"
    );
    assert!(
        kib < 64 * MIB_KIB,
        "memsim's peak RSS {kib} KiB exceeds 64 MiB"
    );
}
