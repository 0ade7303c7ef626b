//! memsim's collections against a real JDK 17's: every configuration `tools/gc-pauses` measured
//! (`tools/gc-pauses/results/*.json`, the unified GC log of `GcWorkload` parsed) becomes a scenario
//! with the same heap flags, live set and garbage, and memsim's pause distribution is compared with
//! the measured one.
//!
//! The firm facts are the counts (they follow from bytes allocated and generation sizes): young
//! collections within ±25 % (or ±2), full collections within ±2. Pause *times* depend on the machine
//! (the constants in `crates/memsim-jvm/src/pause.rs` were fitted on this project's 2-CPU machine):
//! the young p50 and max are held within a factor of 3 of the measurement.
//! `GC overhead limit exceeded` is checked against the recorded outputs of the leak runs.

use memsim_core::{EventKind, GcKind, RunSummary};
use memsim_engine::{RunOptions, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Measured configurations memsim does not reproduce, with why.
const KNOWN_MISSES: &[(&str, &str)] = &[(
    "parallel-xms64m-xmx1g-live256m-churn2g",
    "memsim's adaptive eden grows faster than the JDK's (10 young and 1 full collections against 25 and 4): the JDK grows the old generation in several full collections, and after them its size policy cut eden to 0.5 MiB (survivors sized for the overflowing live set) and regrew it to ~25 MiB over 20 young collections (-Xlog:gc+heap=debug); memsim does not model that collapse",
)];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn results() -> Vec<Value> {
    let dir = root().join("tools/gc-pauses/results");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect()
}

fn arg<'a>(args: &'a [Value], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(Value::as_str)
}

fn info_ms(r: &Value, key: &str) -> u64 {
    r["workload_info"][key]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{}: no {key}", r["config"]))
}

fn jvm_section(r: &Value) -> String {
    let mut jvm = String::new();
    let (mut xms, mut xmx) = (None, None);
    for f in r["jvm_flags"].as_array().unwrap() {
        let f = f.as_str().unwrap();
        if let Some(v) = f.strip_prefix("-Xms") {
            xms = Some(v);
        } else if let Some(v) = f.strip_prefix("-Xmx") {
            xmx = Some(v);
        } else if f == "-XX:+UseG1GC" {
            jvm.push_str("gc = \"g1\"\n");
        } else if f == "-XX:+UseParallelGC" {
            jvm.push_str("gc = \"parallel\"\n");
        } else if f == "-XX:+UseSerialGC" {
            jvm.push_str("gc = \"serial\"\n");
        } else {
            panic!("{}: flag {f} has no scenario equivalent", r["config"]);
        }
    }
    let xmx = xmx.expect("-Xmx");
    jvm.push_str(&format!(
        "heap = {{ initial = \"{}\", max = \"{xmx}\" }}\n",
        xms.unwrap_or(xmx)
    ));
    jvm
}

/// The scenario of a churn configuration: the live set over the measured `live_ms`, then the
/// measured garbage over `churn_ms`.
fn churn_scenario(r: &Value) -> String {
    let args = r["workload_args"].as_array().unwrap();
    let live = arg(args, "--live").unwrap();
    // The workload's main thread, plus the parked ones it was asked for.
    let threads = 1 + arg(args, "--threads").map_or(0, |v| v.parse::<u64>().unwrap());
    let live_ms = info_ms(r, "live_ms").max(1);
    let churn_ms = info_ms(r, "churn_ms").max(1);
    let churned: u64 = r["workload_info"]["churned_bytes"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    format!(
        "[scenario]\nname = \"{name}\"\nduration = \"{total}ms\"\n[machine]\nram = \"24g\"\ncores = {cores}\n[jvm]\n{jvm}\
         [[phase]]\nname = \"live\"\nstart = \"0s\"\nduration = \"{live_ms}ms\"\nheap_live = \"{live}\"\n\
         [[phase]]\nname = \"churn\"\nstart = \"{live_ms}ms\"\nduration = \"{churn_ms}ms\"\nthreads = {threads}\nheap_churn = \"{rate}/s\"\n",
        name = r["config"].as_str().unwrap(),
        total = live_ms + churn_ms + 1,
        cores = r["machine"]["nproc"].as_u64().unwrap(),
        jvm = jvm_section(r),
        rate = (churned as u128 * 1000 / churn_ms as u128) as u64,
    )
}

fn simulate(text: &str) -> RunSummary {
    let s = memsim_scenario::parse(text, "gc-pauses.toml")
        .unwrap_or_else(|e| panic!("{}\n{text}", e.render_plain()));
    run(
        &s,
        RunOptions {
            seed: None,
            check_invariants: true,
        },
    )
}

fn measured(r: &Value, kind: &str) -> (u64, f64, f64) {
    let s = &r["summary"][kind];
    if s.is_null() {
        return (0, 0.0, 0.0);
    }
    (
        s["count"].as_u64().unwrap(),
        s["p50_ms"].as_f64().unwrap(),
        s["max_ms"].as_f64().unwrap(),
    )
}

/// Compares one measured churn configuration with memsim: the judged quantities that disagree, and
/// a line for people.
fn compare(r: &Value) -> (Vec<&'static str>, String) {
    let name = r["config"].as_str().unwrap();
    let sim = simulate(&churn_scenario(r));
    let ms = |d: memsim_core::SimDuration| d.nanos() as f64 / 1e6;
    let (young_n, young_p50, young_max) = measured(r, "young");
    let (mixed_n, _, _) = measured(r, "mixed");
    let (full_n, _, _) = measured(r, "full");
    // Mixed collections are young ones that also reclaim old regions: counted together.
    let real_young = young_n + mixed_n;
    let y = sim.gc.of(GcKind::Young);
    let sim_young = y.map_or(0, |p| p.count) + sim.gc.of(GcKind::Mixed).map_or(0, |p| p.count);
    let sim_full = sim.gc.of(GcKind::Full).map_or(0, |p| p.count);
    let (sim_p50, sim_max) = y.map_or((0.0, 0.0), |p| (ms(p.p50), ms(p.max)));
    let line = format!(
        "{name}: young {sim_young} vs {real_young}, full {sim_full} vs {full_n}, young p50 {sim_p50:.2} vs {young_p50:.2} ms, max {sim_max:.1} vs {young_max:.1} ms"
    );
    let mut bad = Vec::new();
    if sim_young.abs_diff(real_young) > 2 && sim_young.abs_diff(real_young) * 4 > real_young {
        bad.push("young count");
    }
    if sim_full.abs_diff(full_n) > 2 {
        bad.push("full count");
    }
    let within3 = |a: f64, b: f64| a <= b * 3.0 && b <= a * 3.0;
    if !within3(sim_p50, young_p50) {
        bad.push("young p50");
    }
    if !within3(sim_max, young_max) {
        bad.push("young max");
    }
    (bad, line)
}

#[test]
fn pause_counts_and_times_match_the_real_jvm() {
    let all = results();
    let churn: Vec<&Value> = all
        .iter()
        .filter(|r| arg(r["workload_args"].as_array().unwrap(), "--churn").is_some())
        .collect();
    assert!(churn.len() >= 6, "need the churn configurations");
    let mut problems = Vec::new();
    let mut table = String::new();
    for r in churn {
        let name = r["config"].as_str().unwrap();
        let (bad, line) = compare(r);
        table.push_str(&line);
        table.push('\n');
        let known = KNOWN_MISSES.iter().any(|(c, _)| *c == name);
        if !bad.is_empty() && !known {
            problems.push(format!("{name}: {}", bad.join(", ")));
        }
        if bad.is_empty() && known {
            problems.push(format!("{name}: now matches; remove it from KNOWN_MISSES"));
        }
    }
    // The comparison, for `cargo test -- --nocapture`.
    println!("{table}");
    assert!(problems.is_empty(), "{}\n{table}", problems.join("\n"));
}

/// One configuration measured now on this machine's JDK 17 (about 4 s; CI installs the JDK),
/// compared the same way except for the maximum pause. Fails loudly without java or python3: the
/// comparison is the point.
#[test]
fn one_configuration_measured_live_matches() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gc-pauses-live");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let name = "live-parallel-512m-live128m-churn2g";
    let status = std::process::Command::new("python3")
        .arg(root().join("tools/gc-pauses/measure.py"))
        .args(["--results", out.to_str().unwrap(), "--config", name])
        .args([
            "-XX:+UseParallelGC -Xms512m -Xmx512m",
            "--live 128m --churn 2g --rate 512m",
        ])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for the live GC measurement: {e}"));
    assert!(
        status.status.success(),
        "measuring {name} failed (is a JDK 17 installed?):\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(format!("{name}.json"))).unwrap())
            .unwrap();
    let (bad, line) = compare(&r);
    // A live maximum is one pause on a shared machine: a single scheduler stall of the CI VM
    // (281 ms against 44 ms predicted, seen once on a 2-core runner) decides it. The live run
    // judges the counts and the median; the maximum is judged on the recorded battery above.
    let bad: Vec<_> = bad.into_iter().filter(|b| *b != "young max").collect();
    assert!(bad.is_empty(), "{}: {line}", bad.join(", "));
}

/// A small heap whose live set grows into its limit while garbage keeps coming: the JDK's recorded
/// runs (`tools/gc-pauses/results/*-64m-leak.json`) threw `GC overhead limit exceeded` with Parallel
/// and `Java heap space` with G1; memsim must do the same.
#[test]
fn gc_overhead_limit_with_parallel_only() {
    let all = results();
    let recorded = |name: &str| -> String {
        let r = all
            .iter()
            .find(|r| r["config"] == name)
            .unwrap_or_else(|| panic!("{name} not measured"));
        r["workload_errors"][0].as_str().unwrap().to_string()
    };
    for (gc, config) in [("parallel", "parallel-64m-leak"), ("g1", "g1-64m-leak")] {
        let (sim, errors) = leak(gc);
        // Before giving up, the heap thrashed in full collections, logged under HotSpot's names.
        let full = sim
            .events
            .iter()
            .find(|e| e.kind == EventKind::FullGc)
            .unwrap_or_else(|| panic!("{gc}: no full collection logged"));
        let cause = if gc == "g1" {
            "Pause Full (G1 Compaction Pause)"
        } else {
            "Pause Full (Ergonomics)"
        };
        assert_eq!(full.message, cause);
        assert_eq!(
            full.repeats + 1,
            sim.gc.of(GcKind::Full).unwrap().count,
            "{gc}: every full collection is counted in the event"
        );
        let expected = recorded(config);
        assert!(
            errors.first() == Some(&expected),
            "{gc}: memsim's first error {errors:?}, the JDK threw {expected}"
        );
    }
    assert_eq!(
        recorded("parallel-64m-leak"),
        "java.lang.OutOfMemoryError: GC overhead limit exceeded"
    );
    assert_eq!(
        recorded("g1-64m-leak"),
        "java.lang.OutOfMemoryError: Java heap space"
    );
}

/// The same leak in memsim: a 64 MiB heap whose live set creeps to its limit under 2 GiB/s of
/// garbage. Returns the run and its `OutOfMemoryError` messages in order.
fn leak(gc: &str) -> (RunSummary, Vec<String>) {
    let text = format!(
        "[scenario]\nname = \"leak-{gc}\"\nduration = \"70s\"\n[machine]\nram = \"24g\"\ncores = 2\n\
             [jvm]\ngc = \"{gc}\"\nheap = {{ initial = \"64m\", max = \"64m\" }}\n\
             [[phase]]\nname = \"leak\"\nstart = \"0s\"\nduration = \"64s\"\nthreads = 1\nheap_live = \"64m\"\nheap_churn = \"2g/s\"\n"
    );
    let sim = simulate(&text);
    let errors = sim
        .events
        .iter()
        .filter(|e| e.kind == EventKind::OutOfMemoryError)
        .map(|e| e.message.clone())
        .collect();
    (sim, errors)
}

/// The leak runs measured now on this machine's JDK 17 (well under a second each): the JDK must
/// still throw what the recorded runs threw, and memsim the same.
#[test]
fn leak_runs_measured_live_throw_what_memsim_throws() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gc-pauses-live-leak");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    for (gc, flag) in [("parallel", "-XX:+UseParallelGC"), ("g1", "-XX:+UseG1GC")] {
        let name = format!("live-{gc}-64m-leak");
        let status = std::process::Command::new("python3")
            .arg(root().join("tools/gc-pauses/measure.py"))
            .args(["--results", out.to_str().unwrap(), "--config", &name])
            .args([format!("{flag} -Xmx64m").as_str(), "--leak-every 4"])
            .current_dir(root())
            .output()
            .unwrap_or_else(|e| panic!("python3 is needed for the live GC measurement: {e}"));
        assert!(
            status.status.success(),
            "measuring {name} failed (is a JDK 17 installed?):\n{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let r: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let real = r["workload_errors"][0].as_str().unwrap().to_string();
        let (_, errors) = leak(gc);
        assert_eq!(
            errors.first(),
            Some(&real),
            "{gc}: memsim against the JDK now"
        );
    }
}
