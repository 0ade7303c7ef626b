//! Differential test: memsim's Netty 4.1.48 pool model against the real `PooledByteBufAllocator`.
//!
//! Generated traces ([`memsim_direct::trace::generate`]) are replayed through the real Netty jar by
//! `tools/netty-replay/run.sh` (Debian's libnetty-java 4.1.48 on JDK 17) and through
//! [`memsim_direct::replay::replay_json`]; the two JSON reports (errors, placements, snapshots)
//! must be equal. A mismatch prints the first differing JSON path, both values, the seed, the
//! options and the trace file, and leaves `<trace>.netty.json` and `<trace>.memsim.json` beside it.
//!
//! The test needs `java`, `javac` and `/usr/share/java/netty-{buffer,common}.jar`; without them it
//! fails (it never skips): `apt-get install -y libnetty-java`.

mod common;

use common::first_diff;
use memsim_direct::replay::{ReplayOptions, replay_json};
use memsim_direct::trace::{GenParams, generate};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const JARS: [&str; 2] = [
    "/usr/share/java/netty-buffer.jar",
    "/usr/share/java/netty-common.jar",
];

/// Concurrent JVMs (each is mostly single-threaded; CI has 2 cores).
const PARALLEL: usize = 3;

/// One JVM run may take this long before the test gives up on it.
const HARNESS_TIMEOUT: Duration = Duration::from_secs(120);

fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn work_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("netty-diff");
    std::fs::create_dir_all(&d).expect("create the test's temp dir");
    d
}

/// Panics (never skips) unless java, javac and the Netty jars are installed, then compiles the
/// harness once; returns the path of `run.sh` and the build directory to pass it.
fn harness() -> (PathBuf, PathBuf) {
    const INSTALL: &str = "the Netty differential test needs a JDK 17 and Netty 4.1.48: \
                           apt-get install -y openjdk-17-jdk-headless libnetty-java";
    for tool in ["java", "javac"] {
        let ok = Command::new(tool)
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "`{tool} -version` failed: {INSTALL}");
    }
    for jar in JARS {
        assert!(Path::new(jar).is_file(), "{jar} is missing: {INSTALL}");
    }
    let run_sh = repo_root().join("tools/netty-replay/run.sh");
    let build_dir = work_dir().join("classes");
    let out = Command::new("bash")
        .arg(&run_sh)
        .arg("--build")
        .env("NETTY_REPLAY_BUILD_DIR", &build_dir)
        .output()
        .expect("run tools/netty-replay/run.sh --build");
    assert!(
        out.status.success(),
        "building the Netty replay harness failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (run_sh, build_dir)
}

/// The harness's command-line options for `o`.
fn harness_args(o: &ReplayOptions) -> Vec<String> {
    assert_eq!(
        o.jvm_max_direct_memory,
        1 << 30,
        "the harness always runs with -XX:MaxDirectMemorySize=1g"
    );
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
    opt("tiny-cache-size", o.tiny_cache_size.map(|v| v.to_string()));
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
    opt(
        "max-direct-memory",
        o.max_direct_memory.map(|v| v.to_string()),
    );
    opt("cores", Some(o.cores.to_string()));
    a
}

/// Runs the real allocator on `trace`; its JSON is left in `<trace>.netty.json`.
fn run_netty(run_sh: &Path, build_dir: &Path, trace: &Path, o: &ReplayOptions) -> Value {
    let json_path = trace.with_extension("netty.json");
    let stderr_path = trace.with_extension("netty.stderr");
    let stdout = std::fs::File::create(&json_path).expect("create the harness output file");
    let stderr = std::fs::File::create(&stderr_path).expect("create the harness stderr file");
    let mut child = Command::new("bash")
        .arg(run_sh)
        .arg(trace)
        .args(harness_args(o))
        .env("NETTY_REPLAY_BUILD_DIR", build_dir)
        // Extra JVM flags are for experiments by hand (README.md), never for this test.
        .env_remove("NETTY_REPLAY_JAVA_OPTS")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("start tools/netty-replay/run.sh");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for the harness") {
            break s;
        }
        if start.elapsed() > HARNESS_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the Netty harness took over {HARNESS_TIMEOUT:?} on {}",
                trace.display()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(
        status.success(),
        "the Netty harness failed ({status}) on {}:\n{err}",
        trace.display()
    );
    let text = std::fs::read_to_string(&json_path).expect("read the harness output");
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "the Netty harness printed invalid JSON ({e}) for {}: see {}",
            trace.display(),
            json_path.display()
        )
    })
}

/// memsim's side of the comparison.
fn run_memsim(trace_text: &str, o: &ReplayOptions) -> Value {
    replay_json(trace_text, o).unwrap_or_else(|e| panic!("memsim replay refused the trace: {e}"))
}

#[derive(Debug, Clone)]
struct Case {
    name: String,
    seed: u64,
    generator: GenParams,
    options: ReplayOptions,
}

fn chunk_size(o: &ReplayOptions) -> u64 {
    o.page_size.unwrap_or(8192) << o.max_order.unwrap_or(11)
}

fn case(name: &str, seed: u64, options: ReplayOptions, tweak: impl Fn(&mut GenParams)) -> Case {
    let mut generator = GenParams {
        chunk_size: chunk_size(&options),
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

/// The matrix: seeds × {default options, arenas 1..4 × caches on/off, page sizes × max orders,
/// caps that make Netty throw OutOfDirectMemoryError, cache-heavy corners}.
fn cases() -> Vec<Case> {
    let d = ReplayOptions::default;
    let same = |_: &mut GenParams| {};
    let mut v = Vec::new();
    for seed in 1..=4 {
        v.push(case("default", seed, d(), same));
    }
    for arenas in 1..=4u32 {
        for caches in [true, false] {
            for seed in [10 + u64::from(arenas), 20 + u64::from(arenas)] {
                let o = ReplayOptions {
                    arenas: Some(arenas),
                    use_cache_for_all_threads: Some(caches),
                    ..d()
                };
                v.push(case(
                    &format!("arenas{arenas}-caches-{caches}"),
                    seed,
                    o,
                    same,
                ));
            }
        }
    }
    for (page, order) in [
        (8192, 9),
        (8192, 7),
        (4096, 11),
        (4096, 9),
        (4096, 7),
        (16384, 11),
        (16384, 9),
        (16384, 7),
    ] {
        for (seed, arenas) in [
            (30 + u64::from(order), Some(2)),
            (40 + u64::from(order), None),
        ] {
            let o = ReplayOptions {
                page_size: Some(page),
                max_order: Some(order),
                arenas,
                ..d()
            };
            v.push(case(
                &format!("page{page}-order{order}"),
                seed + page,
                o,
                same,
            ));
        }
    }
    // Caps near chunk granularity: OutOfDirectMemoryError for new chunks and huge buffers.
    for (arenas, seed) in [(Some(1), 50), (Some(2), 51), (Some(4), 52), (None, 53)] {
        // 48 MiB with 16 MiB chunks; with the default arena count that is 0 arenas (unpooled).
        let o = ReplayOptions {
            arenas,
            max_direct_memory: Some(50_331_648),
            ..d()
        };
        v.push(case("cap48m", seed, o, |g| g.huge_percent = 3));
    }
    for seed in [54, 55] {
        let o = ReplayOptions {
            arenas: Some(2),
            page_size: Some(4096),
            max_order: Some(9),
            max_direct_memory: Some(8 << 20),
            ..d()
        };
        v.push(case("cap8m-chunk2m", seed, o, same));
    }
    // Caches: zero-sized caches on; one thread past the 8192-allocation trim threshold; many
    // threads with exits and cross-thread frees; tiny caches that overflow.
    let o = ReplayOptions {
        arenas: Some(2),
        tiny_cache_size: Some(0),
        small_cache_size: Some(0),
        normal_cache_size: Some(0),
        ..d()
    };
    v.push(case("zero-caches", 60, o, same));
    // ~17,000 cache-eligible allocations on one thread that never exits: two automatic trims
    // (every 8192 allocations through its cache).
    v.push(case("one-thread-trim-threshold", 61, d(), |g| {
        g.n_threads = 1;
        g.n_ops = 48_000;
        g.metrics_every = 4000;
        g.exits = false;
        g.trims = false;
    }));
    v.push(case("many-threads", 62, d(), |g| {
        g.n_threads = 9;
        g.cross_thread_free_percent = 50;
        g.live_max = 60;
    }));
    let o = ReplayOptions {
        arenas: Some(3),
        tiny_cache_size: Some(2),
        small_cache_size: Some(3),
        normal_cache_size: Some(1),
        ..d()
    };
    v.push(case("small-caches", 63, o, |g| g.live_max = 500));
    v
}

fn describe(c: &Case) -> String {
    format!(
        "case {} seed {}: options {:?}; generator {:?}",
        c.name, c.seed, c.options, c.generator
    )
}

#[test]
fn memsim_matches_real_netty_4_1_48() {
    let started = Instant::now();
    let (run_sh, build_dir) = harness();
    let dir = work_dir();
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());

    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::<String>::new());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = cases.get(i) else { break };
                    let text = generate(c.seed, &c.generator);
                    let trace = dir.join(format!("{i:02}-{}-seed{}.trace", c.name, c.seed));
                    std::fs::write(&trace, &text).expect("write the trace");
                    let args = harness_args(&c.options).join(" ");
                    std::fs::write(trace.with_extension("args"), format!("{args}\n"))
                        .expect("write the harness arguments");
                    let netty = run_netty(&run_sh, &build_dir, &trace, &c.options);
                    let memsim = run_memsim(&text, &c.options);
                    let memsim_path = trace.with_extension("memsim.json");
                    let pretty = serde_json::to_string_pretty(&memsim).expect("serialize");
                    std::fs::write(&memsim_path, pretty).expect("write memsim's JSON");
                    if let Some((path, n, m)) = first_diff("$", &netty, &memsim) {
                        let mut msg = String::new();
                        let _ = writeln!(msg, "MISMATCH {}", describe(c));
                        let _ = writeln!(msg, "  first difference at {path}");
                        let _ = writeln!(msg, "    netty : {n}");
                        let _ = writeln!(msg, "    memsim: {m}");
                        let _ = writeln!(msg, "  trace  : {}", trace.display());
                        let _ = writeln!(
                            msg,
                            "  json   : {} {}",
                            trace.with_extension("netty.json").display(),
                            memsim_path.display()
                        );
                        let _ = writeln!(
                            msg,
                            "  rerun  : {} {} {}",
                            run_sh.display(),
                            trace.display(),
                            harness_args(&c.options).join(" ")
                        );
                        eprint!("{msg}");
                        failures.lock().unwrap().push(msg);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "netty_diff: {} traces, {} mismatches, {:.1} s",
        cases.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} traces differ from real Netty 4.1.48:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The real allocator itself must be deterministic for the comparison to mean anything: the same
/// trace twice (caches on, thread exits, cross-thread frees) gives byte-identical output.
#[test]
fn real_netty_replay_is_deterministic() {
    let (run_sh, build_dir) = harness();
    let dir = work_dir();
    let g = GenParams {
        n_threads: 6,
        cross_thread_free_percent: 40,
        ..GenParams::default()
    };
    let trace = dir.join("determinism.trace");
    std::fs::write(&trace, generate(77, &g)).expect("write the trace");
    let o = ReplayOptions::default();
    let first = run_netty(&run_sh, &build_dir, &trace, &o);
    let second = run_netty(&run_sh, &build_dir, &trace, &o);
    assert_eq!(
        first_diff("$", &first, &second),
        None,
        "real Netty replay differs run to run on {}",
        trace.display()
    );
}

#[test]
fn first_diff_reports_the_path() {
    let a: Value = serde_json::json!({"x": [1, {"y": 2}], "z": 3});
    let b: Value = serde_json::json!({"x": [1, {"y": 5}], "z": 3});
    assert_eq!(
        first_diff("$", &a, &b),
        Some(("$.x[1].y".into(), "2".into(), "5".into()))
    );
    let c: Value = serde_json::json!({"x": [1], "z": 3});
    assert_eq!(
        first_diff("$", &a, &c),
        Some(("$.x[1]".into(), "{\"y\":2}".into(), "<absent>".into()))
    );
    assert_eq!(first_diff("$", &a, &a), None);
}
