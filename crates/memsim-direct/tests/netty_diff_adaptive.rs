//! Differential test: memsim's model of Netty 4.2.13's `AdaptiveByteBufAllocator` against the real
//! jar (pyspark 4.3.0's, fetched and cached by `tools/pypi-fetch/fetch.sh netty 4.2.13`).
//!
//! Generated traces ([`memsim_direct::trace::generate`]) are replayed through the real allocator by
//! `tools/netty-replay/run.sh --adaptive` (many traces per JVM: one JVM per configuration, since
//! processors, heap size and cap are per-JVM settings) and through
//! [`memsim_direct::replay_adaptive::replay_adaptive_json`]; the reports must be equal, every
//! field. The replay is one operation at a time, where the allocator is deterministic (the
//! harness's determinism is checked by `real_adaptive_replay_is_deterministic`). A mismatch prints
//! the first differing JSON path and leaves the trace and both reports in the test's temp dir.
//!
//! It needs `java`, `javac` and the jars; without them it fails (never skips).

mod common;

use common::first_diff;
use memsim_direct::replay_adaptive::{AdaptiveReplayOptions, replay_adaptive_json};
use memsim_direct::trace::{GenParams, generate};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn work_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("netty-diff-adaptive");
    std::fs::create_dir_all(&d).expect("create the test's temp dir");
    d
}

/// Runs the real allocator on `traces` in one JVM; one report per trace.
fn run_real(traces: &[PathBuf], o: &AdaptiveReplayOptions) -> Vec<Value> {
    assert_eq!(o.jvm_max_direct_memory, 1 << 30, "the harness runs with 1g");
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("tools/netty-replay/run.sh"))
        .arg("--adaptive")
        .args(["--cores", &o.cores.to_string()])
        .args(["--max-heap", &format!("{}m", o.max_heap >> 20)])
        .env(
            "NETTY_REPLAY_ADAPTIVE_BUILD_DIR",
            work_dir().join("classes"),
        );
    if let Some(m) = o.max_direct_memory {
        cmd.args(["--max-direct-memory", &m.to_string()]);
    }
    if o.event_loop_threads {
        cmd.arg("--event-loop-threads");
    }
    cmd.args(traces);
    let out = cmd
        .output()
        .expect("start tools/netty-replay/run.sh --adaptive");
    assert!(
        out.status.success(),
        "the adaptive harness failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 JSON");
    let reports: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("the harness prints JSON"))
        .collect();
    assert_eq!(reports.len(), traces.len(), "one report per trace");
    reports
}

/// One JVM's worth of traces: options, generator settings, seeds.
struct Batch {
    name: &'static str,
    options: AdaptiveReplayOptions,
    generator: GenParams,
    seeds: std::ops::Range<u64>,
}

fn batches() -> Vec<Batch> {
    let d = AdaptiveReplayOptions::default;
    // Sizes: the generator's bulk is 256 B – 64 KiB, "large" 64 KiB – chunk/2, "huge" above a
    // chunk. A 2 MiB "chunk" spreads requests over size classes, buddy chunks (up to 1 MiB) and
    // unpooled buffers; 16 MiB sends more through the unpooled path.
    let g = |chunk: u64, threads: usize, huge: u32| GenParams {
        n_ops: 1500,
        n_threads: threads,
        live_max: 150,
        chunk_size: chunk,
        huge_percent: huge,
        metrics_every: 250,
        ..GenParams::default()
    };
    vec![
        Batch {
            name: "default",
            options: d(),
            generator: g(2 << 20, 4, 2),
            seeds: 0..60,
        },
        Batch {
            name: "one-core",
            options: AdaptiveReplayOptions { cores: 1, ..d() },
            generator: g(2 << 20, 2, 2),
            seeds: 100..140,
        },
        Batch {
            name: "eight-cores-many-threads",
            options: AdaptiveReplayOptions { cores: 8, ..d() },
            generator: g(2 << 20, 12, 2),
            seeds: 200..240,
        },
        Batch {
            name: "three-cores",
            options: AdaptiveReplayOptions { cores: 3, ..d() },
            generator: g(2 << 20, 8, 2),
            seeds: 250..280,
        },
        Batch {
            name: "large-buffers",
            options: AdaptiveReplayOptions { cores: 4, ..d() },
            generator: g(16 << 20, 4, 1),
            seeds: 300..340,
        },
        Batch {
            name: "low-memory",
            options: AdaptiveReplayOptions {
                max_heap: 256 << 20,
                ..d()
            },
            generator: g(2 << 20, 4, 2),
            seeds: 400..440,
        },
        Batch {
            name: "cap-24m",
            options: AdaptiveReplayOptions {
                max_direct_memory: Some(24 << 20),
                ..d()
            },
            generator: GenParams {
                live_max: 400,
                ..g(2 << 20, 4, 4)
            },
            seeds: 500..540,
        },
        Batch {
            name: "event-loop-threads",
            options: AdaptiveReplayOptions {
                event_loop_threads: true,
                ..d()
            },
            generator: g(2 << 20, 4, 2),
            seeds: 700..760,
        },
        Batch {
            name: "event-loop-threads-cap-16m",
            options: AdaptiveReplayOptions {
                event_loop_threads: true,
                cores: 4,
                max_direct_memory: Some(16 << 20),
                ..d()
            },
            generator: GenParams {
                live_max: 300,
                ..g(2 << 20, 6, 2)
            },
            seeds: 800..840,
        },
        Batch {
            name: "event-loop-threads-low-memory",
            options: AdaptiveReplayOptions {
                event_loop_threads: true,
                max_heap: 256 << 20,
                ..d()
            },
            generator: g(2 << 20, 4, 2),
            seeds: 850..870,
        },
        Batch {
            // io.netty.maxDirectMemory=0: chunks are JDK direct buffers, no Netty counter (-1).
            name: "jdk-accounting",
            options: AdaptiveReplayOptions {
                max_direct_memory: Some(0),
                ..d()
            },
            generator: g(2 << 20, 4, 2),
            seeds: 880..890,
        },
        Batch {
            name: "cap-6m-low-memory",
            options: AdaptiveReplayOptions {
                max_direct_memory: Some(6 << 20),
                max_heap: 512 << 20,
                ..d()
            },
            generator: g(2 << 20, 3, 3),
            seeds: 600..630,
        },
    ]
}

#[test]
fn memsim_matches_real_netty_4_2_13_adaptive() {
    let dir = work_dir();
    let mut total = 0;
    let mut errors_seen = 0;
    let mut expansions_seen = 0;
    let mut failures = Vec::new();
    for b in batches() {
        let mut paths = Vec::new();
        let mut texts = Vec::new();
        for seed in b.seeds.clone() {
            let text = generate(seed, &b.generator);
            let path = dir.join(format!("{}-seed{seed}.trace", b.name));
            std::fs::write(&path, &text).expect("write the trace");
            paths.push(path);
            texts.push(text);
        }
        let real = run_real(&paths, &b.options);
        for ((path, text), real) in paths.iter().zip(&texts).zip(real) {
            total += 1;
            let ours = replay_adaptive_json(text, &b.options).expect("memsim replays the trace");
            errors_seen += usize::from(!real["errors"].as_array().unwrap().is_empty());
            expansions_seen += usize::from(
                real["final"]["groups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|g| g["magazines"] != 1),
            );
            if let Some((p, r, m)) = first_diff("", &real, &ours) {
                let _ = std::fs::write(path.with_extension("netty.json"), real.to_string());
                let _ = std::fs::write(path.with_extension("memsim.json"), ours.to_string());
                failures.push(format!(
                    "{}: {p}: real {r}, memsim {m} (options {:?})",
                    path.display(),
                    b.options
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} traces differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{total} traces, {errors_seen} with errors, {expansions_seen} with more magazines");
    // The matrix must reach the paths it is meant to check.
    assert!(total >= 400, "{total} traces");
    assert!(errors_seen >= 20, "only {errors_seen} traces hit the cap");
    assert!(
        expansions_seen >= 5,
        "only {expansions_seen} traces multiplied magazines"
    );
}

/// The real allocator gives byte-identical reports from run to run (with another collector too).
#[test]
fn real_adaptive_replay_is_deterministic() {
    let dir = work_dir();
    let g = GenParams {
        n_ops: 2000,
        chunk_size: 2 << 20,
        huge_percent: 2,
        ..GenParams::default()
    };
    let paths: Vec<PathBuf> = (900..904)
        .map(|seed| {
            let p = dir.join(format!("determinism-seed{seed}.trace"));
            std::fs::write(&p, generate(seed, &g)).expect("write the trace");
            p
        })
        .collect();
    let o = AdaptiveReplayOptions::default();
    let a = run_real(&paths, &o);
    let b = run_real(&paths, &o);
    assert_eq!(a, b);
}

/// Under real contention the allocator is not deterministic: `AdaptiveContention` runs 4 plain
/// threads × 20,000 allocations (hold 64, free the oldest) concurrently on 2 processors, 10 times,
/// and the used direct memory while the last buffers are held varies from run to run (magazines
/// multiply when `tryWriteLock` fails, and the threads' progress interleaves differently). The
/// model replays the same programs interleaved round-robin, one operation at a time; its figure must
/// fall inside the spread of the real runs (their range widened by a quarter of its width on each
/// side), and no real run may hold fewer magazines in total than groups (a sanity check of the
/// harness).
#[test]
fn model_falls_within_the_real_contended_distribution() {
    let dir = work_dir();
    let trace = dir.join("contention.trace");
    let out = Command::new("bash")
        .arg(repo_root().join("tools/netty-replay/run.sh"))
        .args(["--adaptive", "--contention", "--cores", "2"])
        .arg(&trace)
        .args(["4", "20000", "10", "1"])
        .env(
            "NETTY_REPLAY_ADAPTIVE_BUILD_DIR",
            work_dir().join("classes"),
        )
        .output()
        .expect("start tools/netty-replay/run.sh --adaptive --contention");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs: Vec<Value> = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(runs.len(), 10);
    let used: Vec<u64> = runs
        .iter()
        .map(|r| r["usedDirectMemory"].as_u64().unwrap())
        .collect();
    for r in &runs {
        let mags: u64 = r["magazines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_u64().unwrap())
            .sum();
        assert!(mags >= 17, "{r}");
    }
    let text = std::fs::read_to_string(&trace).expect("the round-robin trace");
    let ours = replay_adaptive_json(&text, &AdaptiveReplayOptions::default()).unwrap();
    let model = ours["snapshots"][0]["usedDirectMemory"].as_u64().unwrap();
    let (lo, hi) = (*used.iter().min().unwrap(), *used.iter().max().unwrap());
    let margin = (hi - lo) / 4;
    eprintln!("real contended runs: {used:?}; one-at-a-time model: {model}");
    assert!(
        model + margin >= lo && model <= hi + margin,
        "model {model} outside the real runs' spread {lo}..{hi} (±{margin})"
    );
}
