//! Differential test: memsim's Netty 4.1.118 pool model against the real 4.1.118 jar (and a check
//! of how 4.2.13's `PooledByteBufAllocator` compares with the same model).
//!
//! Hundreds of generated traces ([`memsim_direct::trace::generate`]) are replayed through the real
//! `PooledByteBufAllocator` by `tools/netty-replay/run.sh --netty 4.1.118 --batch` — one JVM per
//! group of traces sharing the JVM-wide settings (the cap, the processor count), each trace on a
//! fresh allocator, the counter back at 0 between traces — and through
//! [`memsim_direct::replay::replay_json`] with `--netty 4.1.118`; the JSON reports must be equal.
//! A mismatch prints the first differing JSON path, both values, the case and the files left in
//! the test's temp directory (`<trace>.netty.json`, `<trace>.memsim.json`).
//!
//! The jars come from `tools/pypi-fetch/fetch.sh netty 4.1.118` (cached); a failed fetch fails the
//! test (it never skips). It also needs `java` and `javac` (JDK 17).

mod common;

use common::first_diff;
use memsim_direct::NettyVersion;
use memsim_direct::replay::{ReplayOptions, replay_json};
use memsim_direct::trace::{GenParams, generate};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Concurrent JVMs (CI has 2 cores).
const PARALLEL: usize = 2;
/// Traces per JVM at most.
const BATCH: usize = 80;

fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn work_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&d).expect("create the test's temp dir");
    d
}

/// Compiles the harness against `version`'s jars (fetching them if needed); panics if that fails.
fn harness(version: &str, build_dir: &Path) -> PathBuf {
    let run_sh = repo_root().join("tools/netty-replay/run.sh");
    let out = Command::new("bash")
        .arg(&run_sh)
        .args(["--build", "--netty", version])
        .env("NETTY_REPLAY_BUILD_DIR", build_dir)
        .output()
        .expect("run tools/netty-replay/run.sh --build");
    assert!(
        out.status.success(),
        "building the Netty {version} replay harness failed (the jars come from \
         tools/pypi-fetch/fetch.sh netty {version}):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run_sh
}

/// The allocator options of one trace, as the harness takes them.
fn allocator_args(o: &ReplayOptions) -> Vec<String> {
    let mut a = Vec::new();
    let mut opt = |name: &str, v: Option<String>| {
        if let Some(v) = v {
            a.push(format!("--{name}"));
            a.push(v);
        }
    };
    opt("arenas", o.arenas.map(|v| v.to_string()));
    opt("page-size", o.page_size.map(|v| v.to_string()));
    opt("max-order", o.max_order.map(|v| v.to_string()));
    opt(
        "small-cache-size",
        o.small_cache_size.map(|v| v.to_string()),
    );
    opt(
        "normal-cache-size",
        o.normal_cache_size.map(|v| v.to_string()),
    );
    opt(
        "use-cache-for-all-threads",
        o.use_cache_for_all_threads.map(|v| v.to_string()),
    );
    a
}

/// The JVM-wide options of a batch.
fn jvm_args(version: &str, cores: u32, max_direct_memory: Option<i64>) -> Vec<String> {
    let mut a = vec![
        "--netty".into(),
        version.into(),
        "--cores".into(),
        cores.to_string(),
    ];
    if let Some(m) = max_direct_memory {
        a.extend(["--max-direct-memory".into(), m.to_string()]);
    }
    a
}

/// The JVM-wide settings a batch shares: processors and `io.netty.maxDirectMemory`.
type JvmKey = (u32, Option<i64>);

#[derive(Debug, Clone)]
struct Case {
    name: String,
    seed: u64,
    generator: GenParams,
    options: ReplayOptions,
}

fn case(name: &str, seed: u64, options: ReplayOptions, tweak: impl Fn(&mut GenParams)) -> Case {
    let chunk = options.page_size.unwrap_or(8192) << options.max_order.unwrap_or(9);
    let mut generator = GenParams {
        chunk_size: chunk,
        n_ops: 2000,
        ..GenParams::default()
    };
    tweak(&mut generator);
    Case {
        name: name.to_string(),
        seed,
        generator,
        options,
    }
}

/// The matrix: defaults (no caches for plain threads), arenas 1..4 × caches on/off, page sizes ×
/// max orders, caps that make Netty throw, cache-size corners, the trim threshold, many threads
/// and processor counts.
fn cases() -> Vec<Case> {
    let d = || ReplayOptions {
        netty: NettyVersion::Netty41118,
        ..ReplayOptions::default()
    };
    let same = |_: &mut GenParams| {};
    let mut v = Vec::new();
    for seed in 0..40 {
        v.push(case("default", 1000 + seed, d(), same));
    }
    for arenas in 1..=4u32 {
        for caches in [true, false] {
            for seed in 0..12u64 {
                let o = ReplayOptions {
                    arenas: Some(arenas),
                    use_cache_for_all_threads: Some(caches),
                    ..d()
                };
                let name = format!("arenas{arenas}-caches-{caches}");
                v.push(case(&name, 2000 + 100 * u64::from(arenas) + seed, o, same));
            }
        }
    }
    for (page, order) in [
        (4096, 0),
        (4096, 3),
        (4096, 9),
        (4096, 11),
        (8192, 1),
        (8192, 5),
        (8192, 11),
        (16384, 4),
        (16384, 8),
        (65536, 6),
    ] {
        for (i, caches) in [Some(true), Some(false), None, Some(true)]
            .into_iter()
            .enumerate()
        {
            let o = ReplayOptions {
                page_size: Some(page),
                max_order: Some(order),
                arenas: Some(1 + i as u32 % 3),
                use_cache_for_all_threads: caches,
                ..d()
            };
            let name = format!("page{page}-order{order}");
            v.push(case(
                &name,
                3000 + page + 10 * u64::from(order) + i as u64,
                o,
                same,
            ));
        }
    }
    // Caps near chunk granularity: OutOfDirectMemoryError for new chunks and huge buffers.
    for (cap, arenas) in [
        (12 << 20, Some(1)),
        (12 << 20, Some(2)),
        (20 << 20, Some(3)),
        (20 << 20, None),
    ] {
        for seed in 0..8u64 {
            let o = ReplayOptions {
                arenas,
                max_direct_memory: Some(cap),
                use_cache_for_all_threads: Some(seed % 2 == 0),
                ..d()
            };
            v.push(case(
                &format!("cap{}m", cap >> 20),
                4000 + seed + cap as u64,
                o,
                |g| {
                    g.huge_percent = 3;
                },
            ));
        }
    }
    for seed in 0..6u64 {
        let caches = |small, normal| ReplayOptions {
            arenas: Some(2),
            use_cache_for_all_threads: Some(true),
            small_cache_size: Some(small),
            normal_cache_size: Some(normal),
            ..d()
        };
        v.push(case("zero-caches", 5000 + seed, caches(0, 0), same));
        v.push(case("small-caches", 5100 + seed, caches(3, 1), |g| {
            g.live_max = 500
        }));
        v.push(case("small-only", 5200 + seed, caches(100, 0), same));
        v.push(case("many-threads", 5300 + seed, caches(256, 64), |g| {
            g.n_threads = 9;
            g.cross_thread_free_percent = 50;
            g.live_max = 60;
        }));
    }
    let cached = ReplayOptions {
        use_cache_for_all_threads: Some(true),
        ..d()
    };
    v.push(case(
        "one-thread-trim-threshold",
        6000,
        cached.clone(),
        |g| {
            g.n_threads = 1;
            g.n_ops = 40_000;
            g.metrics_every = 4000;
            g.exits = false;
            g.trims = false;
        },
    ));
    for (cores, seed) in [(1, 7000), (8, 7001), (3, 7002)] {
        let o = ReplayOptions {
            cores,
            ..cached.clone()
        };
        v.push(case(&format!("cores{cores}"), seed, o, same));
    }
    v
}

fn describe(c: &Case) -> String {
    format!(
        "case {} seed {}: options {:?}; generator {:?}",
        c.name, c.seed, c.options, c.generator
    )
}

/// Replays every case through the real jar of `version`, in batches, and returns each case's
/// JSON (by index). Traces and outputs are left in `dir`.
fn run_real(version: &str, dir: &Path, cases: &[Case]) -> Vec<Value> {
    let build_dir = dir.join("classes");
    let run_sh = harness(version, &build_dir);
    // Groups by the JVM-wide settings, split into batches.
    let mut groups: BTreeMap<JvmKey, Vec<usize>> = BTreeMap::new();
    for (i, c) in cases.iter().enumerate() {
        assert_eq!(
            c.options.jvm_max_direct_memory,
            1 << 30,
            "run.sh fixes 1 GiB"
        );
        groups
            .entry((c.options.cores, c.options.max_direct_memory))
            .or_default()
            .push(i);
    }
    let batches: Vec<(JvmKey, Vec<usize>)> = groups
        .into_iter()
        .flat_map(|(k, v)| v.chunks(BATCH).map(|b| (k, b.to_vec())).collect::<Vec<_>>())
        .collect();
    for (i, c) in cases.iter().enumerate() {
        let trace = dir.join(format!("{i:03}.trace"));
        std::fs::write(&trace, generate(c.seed, &c.generator)).expect("write the trace");
    }
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| {
                loop {
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    let Some(((cores, cap), idx)) = batches.get(b) else {
                        break;
                    };
                    let mut jobs = String::new();
                    for i in idx {
                        let trace = dir.join(format!("{i:03}.trace"));
                        let out = trace.with_extension(format!("{version}.json"));
                        let _ = writeln!(
                            jobs,
                            "{} {} {}",
                            out.display(),
                            trace.display(),
                            allocator_args(&cases[*i].options).join(" ")
                        );
                    }
                    let mut child = Command::new("bash")
                        .arg(&run_sh)
                        .arg("--batch")
                        .args(jvm_args(version, *cores, *cap))
                        .env("NETTY_REPLAY_BUILD_DIR", &build_dir)
                        .env_remove("NETTY_REPLAY_JAVA_OPTS")
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .expect("start tools/netty-replay/run.sh --batch");
                    child
                        .stdin
                        .take()
                        .expect("stdin")
                        .write_all(jobs.as_bytes())
                        .expect("write the batch");
                    let out = child.wait_with_output().expect("wait for the harness");
                    assert!(
                        out.status.success(),
                        "the Netty {version} harness failed ({}) on batch {b}:\n{}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            });
        }
    });
    (0..cases.len())
        .map(|i| {
            let path = dir.join(format!("{i:03}.{version}.json"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("invalid JSON ({e}) in {}", path.display()))
        })
        .collect()
}

/// Compares each case's real JSON with memsim's; returns the mismatches' descriptions.
fn compare(version: &str, dir: &Path, cases: &[Case], real: &[Value]) -> Vec<String> {
    let mut failures = Vec::new();
    for (i, (c, netty)) in cases.iter().zip(real).enumerate() {
        let trace = dir.join(format!("{i:03}.trace"));
        let text = std::fs::read_to_string(&trace).expect("read the trace");
        let memsim = replay_json(&text, &c.options)
            .unwrap_or_else(|e| panic!("memsim replay refused {}: {e}", trace.display()));
        let memsim_path = trace.with_extension("memsim.json");
        std::fs::write(
            &memsim_path,
            serde_json::to_string_pretty(&memsim).expect("json"),
        )
        .expect("write memsim's JSON");
        if let Some((path, n, m)) = first_diff("$", netty, &memsim) {
            let mut msg = String::new();
            let _ = writeln!(msg, "MISMATCH ({version}) {}", describe(c));
            let _ = writeln!(msg, "  first difference at {path}");
            let _ = writeln!(msg, "    netty : {n}");
            let _ = writeln!(msg, "    memsim: {m}");
            let _ = writeln!(msg, "  trace  : {}", trace.display());
            let _ = writeln!(
                msg,
                "  jvm    : {:?}",
                jvm_args(version, c.options.cores, c.options.max_direct_memory)
            );
            let _ = writeln!(msg, "  options: {}", allocator_args(&c.options).join(" "));
            failures.push(msg);
        }
    }
    failures
}

#[test]
fn memsim_matches_real_netty_4_1_118() {
    let dir = work_dir("netty4118-diff");
    let cases = cases();
    assert!(cases.len() >= 200, "{} cases", cases.len());
    let real = run_real("4.1.118", &dir, &cases);
    let errors: usize = real
        .iter()
        .map(|v| v["errors"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(
        errors > 0,
        "no trace provoked an OutOfDirectMemoryError: the caps test nothing"
    );
    let failures = compare("4.1.118", &dir, &cases, &real);
    eprintln!(
        "netty4118_diff: {} traces, {} mismatches",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} traces differ from real Netty 4.1.118:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Netty 4.2.13's `PooledByteBufAllocator` (the jar's, run the same way) against memsim's
/// `--netty 4.2.13-pooled`, an alias of the 4.1.118 model: identical on every trace. (Its bytecode
/// differs from 4.1.118's in counters' types, JFR events and cleaners, not in placement rules.)
#[test]
fn netty_4_2_13_pooled_matches_the_4_1_118_model() {
    let dir = work_dir("netty4213-pooled-diff");
    let alias: NettyVersion = "4.2.13-pooled".parse().expect("a known version");
    let cases: Vec<Case> = cases()
        .into_iter()
        .map(|mut c| {
            c.options.netty = alias;
            c
        })
        .collect();
    let real = run_real("4.2.13", &dir, &cases);
    let failures = compare("4.2.13", &dir, &cases, &real);
    eprintln!(
        "netty4213_pooled_diff: {} traces, {} mismatches",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} traces differ from real Netty 4.2.13's PooledByteBufAllocator:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
