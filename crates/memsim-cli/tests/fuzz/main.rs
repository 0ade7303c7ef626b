//! Fuzzing on stable Rust: a proptest-driven mutator over a seed corpus, for the three readers of
//! outside input: the scenario reader ([`memsim_scenario::parse`], and for the scenarios it accepts
//! a bounded [`memsim_engine::run`], twice), the trace parser and replay
//! ([`memsim_direct::trace::parse_trace`], [`memsim_direct::replay`]) and the NMT parser
//! ([`memsim_report::parse_nmt`]), and the reader of published run directories
//! ([`memsim_report::RunFiles`], then [`memsim_report::render_html`]).
//!
//! Seeds: `sims/*.toml` and the documentation's example; generated traces and the trace format's
//! examples; the NMT fixtures and the calibration tools' recorded NMT output. Each case applies 1
//! to 8 mutations (`mutate.rs`: bit flips, inserted and deleted bytes, invalid UTF-8, tokens of the
//! formats, extreme numbers with unit suffixes, spliced, repeated and swapped lines, deep nesting,
//! long runs). Properties: nothing panics; a scenario that parses runs to its end (its budget cut
//! to [`RUN_MAX_EVENTS`]) with every invariant checked after every event, and a second run
//! (unchecked) gives byte-identical reports.
//!
//! `cargo test --release -p memsim-cli --test fuzz` runs a bounded campaign (a few thousand cases,
//! fixed seed: a failure reproduces). Long runs (`docs/testing.md`):
//!
//! ```text
//! MEMSIM_FUZZ_CASES=1000000 MEMSIM_FUZZ_SEED=7 cargo test --release -p memsim-cli --test fuzz -- --nocapture
//! ```
//!
//! A failure is shrunk by proptest and its input written to `target/tmp/fuzz-failures/`; it then
//! becomes a regression test in `regressions.rs` (or an inline test of the crate at fault).

mod corpus;
mod mutate;
mod regressions;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The event budget of a fuzzed scenario's runs: small, so a case takes milliseconds.
pub const RUN_MAX_EVENTS: u64 = 20_000;
/// The largest page cache a fuzzed scenario's run gets (larger ones are cut to it): the page
/// cache's frames are allocated at its start, and a 128 GiB cache would make one case take
/// seconds (the simulator's own memory for big caches is issue 10's item 2, not the fuzzer's).
pub const RUN_MAX_PAGE_CACHE: u64 = 1 << 30;

/// Cases of one target: `MEMSIM_FUZZ_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("MEMSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The campaign's seed: `MEMSIM_FUZZ_SEED` when set, else 0 (CI: the same cases every run).
fn seed() -> u64 {
    std::env::var("MEMSIM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Panics print their message and place, without a backtrace: shrinking a failure panics
/// hundreds of times.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("{info}"))));
}

/// What a campaign counted.
#[derive(Debug, Default)]
struct Stats {
    executions: AtomicU64,
    accepted: AtomicU64,
    slowest: Mutex<(Duration, Vec<u8>)>,
}

impl Stats {
    fn record(&self, input: &[u8], accepted: bool, took: Duration) {
        self.executions.fetch_add(1, Ordering::Relaxed);
        if accepted {
            self.accepted.fetch_add(1, Ordering::Relaxed);
        }
        let mut slowest = self.slowest.lock().unwrap();
        if took > slowest.0 {
            *slowest = (took, input.to_vec());
        }
    }
}

/// Runs `cases` mutated inputs of `corpus` through `check` (which returns whether the input was
/// accepted), and reports the counts on stderr. Panics (failing the test) with the shrunk input,
/// also saved under `target/tmp/fuzz-failures/`, when `check` panics or returns an error.
fn campaign<E: std::fmt::Debug + Clone + 'static>(
    name: &str,
    default_cases: u32,
    corpus: &[Vec<u8>],
    extra: impl Strategy<Value = E>,
    check: impl Fn(&[u8], &E) -> Result<bool, String>,
) {
    assert!(!corpus.is_empty(), "{name}: empty corpus");
    let cases = cases(default_cases);
    let seed = seed();
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    seed_bytes[8..8 + name.len().min(24)].copy_from_slice(&name.as_bytes()[..name.len().min(24)]);
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let stats = Stats::default();
    let started = Instant::now();
    quiet_panics();
    let strategy = (any::<Index>(), mutate::mutations(), extra);
    let result = runner.run(&strategy, |(which, muts, extra)| {
        let mut input = corpus[which.index(corpus.len())].clone();
        for m in &muts {
            mutate::apply(&mut input, m, corpus);
        }
        let t = Instant::now();
        let accepted = check(&input, &extra).map_err(TestCaseError::fail)?;
        stats.record(&input, accepted, t.elapsed());
        Ok(())
    });
    let slowest = stats.slowest.lock().unwrap();
    // The slowest input, to see what makes a case slow (a bound the budget does not cover).
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-slowest");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("{name}-seed{seed}.input")), &slowest.1);
    }
    eprintln!(
        "fuzz {name}: {} executions ({} accepted) in {:.1?}, seed {seed}; slowest case {:.1?} ({} bytes)",
        stats.executions.load(Ordering::Relaxed),
        stats.accepted.load(Ordering::Relaxed),
        started.elapsed(),
        slowest.0,
        slowest.1.len(),
    );
    if let Err(e) = result {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
        let _ = std::fs::create_dir_all(&dir);
        let text = format!("{e}");
        let path = dir.join(format!("{name}-seed{seed}.txt"));
        let _ = std::fs::write(&path, &text);
        // The shrunk input itself, ready to become a regression test.
        if let proptest::test_runner::TestError::Fail(_, (which, muts, extra)) = &e {
            let mut input = corpus[which.index(corpus.len())].clone();
            for m in muts {
                mutate::apply(&mut input, m, corpus);
            }
            let _ = std::fs::write(dir.join(format!("{name}-seed{seed}.input")), &input);
            let _ = std::fs::write(
                dir.join(format!("{name}-seed{seed}.extra")),
                format!("{extra:#?}"),
            );
        }
        panic!("fuzz {name} failed (saved to {}):\n{text}", path.display());
    }
}

/// The input as the `&str` APIs see it: what the CLI's UTF-8 check would let through, with
/// invalid sequences replaced (so byte-level mutations still reach the parsers).
fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

/// The scenario reader: parse never panics; an accepted scenario runs (bounded) without panic
/// and deterministically.
pub fn check_scenario(input: &[u8]) -> Result<bool, String> {
    let source = text(input);
    let Ok(mut s) = memsim_scenario::parse(&source, "fuzz.toml") else {
        return Ok(false);
    };
    s.max_events = s.max_events.min(RUN_MAX_EVENTS);
    if s.has_database() {
        let size = s
            .page_cache
            .as_ref()
            .and_then(|p| p.size)
            .unwrap_or(256 << 20)
            .min(RUN_MAX_PAGE_CACHE);
        s.page_cache = Some(memsim_scenario::PageCacheSettings { size: Some(size) });
    }
    // The first run checks the ledger's and the models' invariants after every event (a broken
    // one panics); the second does not, and must not differ.
    let checked = memsim_engine::RunOptions {
        check_invariants: true,
        ..memsim_engine::RunOptions::default()
    };
    let a = memsim_report::write_all_reports(&memsim_engine::run(&s, checked));
    let b = memsim_report::write_all_reports(&memsim_engine::run(
        &s,
        memsim_engine::RunOptions::default(),
    ));
    if a != b {
        let differing: Vec<_> = a
            .iter()
            .zip(&b)
            .filter(|(x, y)| x != y)
            .map(|(x, _)| x.0)
            .collect();
        return Err(format!("two runs differ in {differing:?}"));
    }
    Ok(true)
}

/// Replay options worth trying: Netty's defaults (half the cases, so the trace is replayed),
/// edges of its ranges, and far beyond them.
pub fn replay_options() -> impl Strategy<Value = memsim_direct::replay::ReplayOptions> {
    prop_oneof![
        Just(memsim_direct::replay::ReplayOptions::default()),
        edge_replay_options(),
    ]
}

fn edge_replay_options() -> impl Strategy<Value = memsim_direct::replay::ReplayOptions> {
    use prop::sample::select;
    (
        select(vec![
            None,
            Some(0u32),
            Some(1),
            Some(2),
            Some(8),
            Some(1025),
            Some(u32::MAX),
        ]),
        select(vec![
            None,
            Some(4096u64),
            Some(8192),
            Some(3000),
            Some(1 << 20),
            Some(1 << 40),
            Some(1 << 63),
            Some(u64::MAX),
        ]),
        select(vec![
            None,
            Some(0u32),
            Some(3),
            Some(11),
            Some(14),
            Some(15),
            Some(64),
            Some(u32::MAX),
        ]),
        select(vec![None, Some(0u32), Some(1), Some(7), Some(u32::MAX)]),
        select(vec![
            None,
            Some(-1i64),
            Some(0),
            Some(16 << 20),
            Some(1),
            Some(i64::MIN),
            Some(i64::MAX),
        ]),
        select(vec![0u64, 1, 1 << 30, u64::MAX]),
        select(vec![0u32, 1, 2, 1024, u32::MAX]),
        any::<Option<bool>>(),
        select(
            memsim_direct::NettyVersion::NAMES
                .iter()
                .map(|(_, v)| *v)
                .collect::<Vec<_>>(),
        ),
    )
        .prop_map(
            |(arenas, page_size, max_order, cache, mdm, jvm, cores, all, netty)| {
                memsim_direct::replay::ReplayOptions {
                    netty,
                    arenas,
                    page_size,
                    max_order,
                    // Versions without tiny caches refuse the option: left out for them.
                    tiny_cache_size: cache.filter(|_| netty.has_tiny()),
                    small_cache_size: cache,
                    normal_cache_size: cache,
                    use_cache_for_all_threads: all,
                    max_direct_memory: mdm,
                    cores,
                    jvm_max_direct_memory: jvm,
                }
            },
        )
}

/// The trace parser and replay: neither panics, whatever the trace and the options.
pub fn check_trace(
    input: &[u8],
    options: &memsim_direct::replay::ReplayOptions,
) -> Result<bool, String> {
    let source = text(input);
    let parsed = memsim_direct::trace::parse_trace(&source).is_ok();
    let mut out = Vec::new();
    let replayed = memsim_direct::replay::replay_to(&source, options, &mut out).is_ok();
    if replayed && serde_json::from_slice::<serde_json::Value>(&out).is_err() {
        return Err("replay wrote invalid JSON".into());
    }
    Ok(parsed && replayed)
}

/// The NMT parser: never panics; what it parses renders as JSON and diffs against itself.
pub fn check_nmt(input: &[u8]) -> Result<bool, String> {
    let source = text(input);
    let Ok(s) = memsim_report::parse_nmt(&source) else {
        return Ok(false);
    };
    let _ = memsim_report::nmt_json(&s);
    let _ = memsim_report::render_nmt_diff(&s, &s);
    Ok(true)
}

/// The run-directory reader: [`memsim_report::RunFiles::from_files`] never panics on a mutated
/// report file (the other files a real run's), and what it accepts renders as an HTML page.
pub fn check_run_file(
    input: &[u8],
    name: &'static str,
    base: &[(&'static str, Vec<u8>)],
) -> Result<bool, String> {
    let files = base
        .iter()
        .map(|(n, b)| (*n, if *n == name { input } else { b.as_slice() }));
    let Ok(run) = memsim_report::RunFiles::from_files(files) else {
        return Ok(false);
    };
    let mut page = Vec::new();
    memsim_report::render_html(&run, &mut page).map_err(|e| e.to_string())?;
    if std::str::from_utf8(&page).is_err() {
        return Err("report.html is not UTF-8".into());
    }
    Ok(true)
}

#[test]
fn fuzz_run_files() {
    let seeds = corpus::run_files();
    let base = corpus::run_reports("space-reuse");
    let corpus: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
    // Which file the mutated input stands for: mostly its seed's kind (told by its first byte),
    // one case in four any kind.
    let names = ["report.json", "timeseries.csv", "nmt-summary.txt"];
    campaign(
        "run-files",
        1500,
        &corpus,
        (any::<Index>(), 0..4u8),
        |input, (which, roll)| {
            let name = match (roll, input.first()) {
                (0, _) => names[which.index(names.len())],
                (_, Some(b'{')) => "report.json",
                (_, Some(b't')) => "timeseries.csv",
                _ => "nmt-summary.txt",
            };
            check_run_file(input, name, &base)
        },
    );
}

#[test]
fn fuzz_scenarios() {
    campaign(
        "scenario",
        2000,
        &corpus::scenarios(),
        Just(()),
        |input, ()| check_scenario(input),
    );
}

#[test]
fn fuzz_traces() {
    campaign(
        "trace",
        1500,
        &corpus::traces(),
        replay_options(),
        check_trace,
    );
}

#[test]
fn fuzz_nmt() {
    campaign("nmt", 2000, &corpus::nmt(), Just(()), |input, ()| {
        check_nmt(input)
    });
}
