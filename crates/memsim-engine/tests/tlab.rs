//! Why memsim does not model TLABs, held to the real JDK 17.
//!
//! A TLAB is a piece of eden a thread bump-allocates into; when it retires (refill, or at a
//! collection) its unused tail is wasted. HotSpot sizes TLABs so that this waste stays near
//! `TLABWasteTargetPercent` = 1 % of eden, so the number of young collections follows the bytes
//! allocated and eden's size, whatever the number of allocating threads — which is how memsim
//! counts collections. This test runs `tools/gc-pauses/TlabWorkload.java` live (well under a second
//! per JVM) with 2 and 200 allocating threads under Parallel and G1 and checks both halves:
//! the JDK's young-collection count does not move with the thread count and its median TLAB waste
//! per collection stays under 5 % (0.1–0.8 % measured; the first collections, while 200 threads
//! start, waste more), and memsim's count for the same heap and garbage is within the tolerances of
//! `tests/gc_pauses.rs` (±25 %).

use memsim_core::GcKind;
use memsim_engine::{RunOptions, run};
use std::path::{Path, PathBuf};
use std::process::Command;

const TOTAL_MIB: u64 = 4096;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Young collections and the median TLAB waste (percent of what was allocated in TLABs between two
/// collections) of one real run. The median, because the first collections, while 200 threads are
/// still starting, waste far more (up to ~30 % on a loaded machine) and say nothing of steady state.
fn measure(build: &Path, gc_flag: &str, threads: u64) -> (u64, f64) {
    let out = Command::new("java")
        .args([
            gc_flag,
            "-Xms512m",
            "-Xmx512m",
            "-Xlog:gc",
            "-Xlog:gc+tlab=debug",
        ])
        .arg("-cp")
        .arg(build)
        .args(["TlabWorkload", &threads.to_string(), &TOTAL_MIB.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("java (JDK 17) is needed for the TLAB check: {e}"));
    assert!(
        out.status.success(),
        "TlabWorkload failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8_lossy(&out.stdout);
    let young = log.lines().filter(|l| l.contains("Pause Young")).count() as u64;
    let waste: Vec<f64> = log
        .lines()
        .filter_map(|l| l.split_once("waste:"))
        .map(|(_, rest)| {
            let pct = rest.trim_start().split('%').next().unwrap();
            pct.trim()
                .parse()
                .unwrap_or_else(|e| panic!("{pct:?}: {e}"))
        })
        .collect();
    assert!(!waste.is_empty(), "no TLAB lines in the log:\n{log}");
    let mut sorted = waste;
    sorted.sort_by(f64::total_cmp);
    (young, sorted[sorted.len() / 2])
}

/// memsim's young collections (G1's mixed ones counted with them, as the JDK logs them as young).
fn simulate(gc: &str, threads: u64) -> u64 {
    let text = format!(
        "[scenario]\nduration = \"11s\"\n[machine]\nram = \"24g\"\ncores = 2\n\
         [jvm]\ngc = \"{gc}\"\nheap = {{ initial = \"512m\", max = \"512m\" }}\n\
         [[phase]]\nname = \"churn\"\nduration = \"10s\"\nthreads = {threads}\nheap_churn = \"{}m/s\"\n",
        TOTAL_MIB / 10
    );
    let s = memsim_scenario::parse(&text, "tlab.toml").unwrap_or_else(|e| panic!("{e}"));
    let r = run(
        &s,
        RunOptions {
            seed: None,
            check_invariants: true,
        },
    );
    [GcKind::Young, GcKind::Mixed]
        .iter()
        .filter_map(|k| r.gc.of(*k))
        .map(|p| p.count)
        .sum()
}

#[test]
fn young_collections_follow_bytes_not_allocating_threads() {
    let build = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tlab");
    std::fs::create_dir_all(&build).unwrap();
    let javac = Command::new("javac")
        .arg("-d")
        .arg(&build)
        .arg(root().join("tools/gc-pauses/TlabWorkload.java"))
        .output()
        .unwrap_or_else(|e| panic!("javac (JDK 17) is needed for the TLAB check: {e}"));
    assert!(
        javac.status.success(),
        "{}",
        String::from_utf8_lossy(&javac.stderr)
    );
    for (gc, flag, tolerance) in [
        ("parallel", "-XX:+UseParallelGC", 0.25),
        ("g1", "-XX:+UseG1GC", 0.25),
    ] {
        let (few, few_waste) = measure(&build, flag, 2);
        let (many, many_waste) = measure(&build, flag, 200);
        let moved = many.abs_diff(few) as f64 / few as f64;
        assert!(
            moved <= 0.1,
            "{gc}: the JDK's young collections moved with the thread count: {few} with 2 threads, {many} with 200"
        );
        for (threads, waste) in [(2, few_waste), (200, many_waste)] {
            assert!(
                waste < 5.0,
                "{gc}, {threads} threads: median TLAB waste {waste:.2} % of eden, the premise of not modelling TLABs"
            );
        }
        for (threads, real) in [(2, few), (200, many)] {
            let sim = simulate(gc, threads);
            println!(
                "{gc}, {threads} threads: JDK {real} young collections (median TLAB waste {:.2} %), memsim {sim}",
                if threads == 2 { few_waste } else { many_waste }
            );
            let off = sim.abs_diff(real) as f64 / real as f64;
            assert!(
                off <= tolerance || sim.abs_diff(real) <= 2,
                "{gc}, {threads} threads: memsim {sim} young collections against the JDK's {real}"
            );
        }
    }
}
