//! The validation set: configurations of workload shapes the fit set does not have, measured into
//! `tools/jvm-calibrate/validation/` by `tools/jvm-calibrate/validate-all.sh`. No model constant is
//! fitted on them; they are judged only.
//!
//! Each measurement becomes a scenario the way a fit configuration does (`scenario_for`), with the
//! inputs a user would state that the workload's arguments do not give, observed from the process:
//! - classes loaded from real jars (`JarLoad`): the classes NMT counts less [`IDLE_JVM_CLASSES`];
//! - a real program (the H2 server): the JSON's `scenario_args`, written by
//!   `tools/jvm-calibrate/validation/measure_h2.py` from the process (threads, classes, heap used
//!   after `GC.run`, the allocation rate from its GC log).

use serde_json::Value;
use std::path::Path;

/// Classes an idle JVM running Workload loads (NMT's count in the fit set's `g1-256m-idle`: 732,
/// `g1-default-heap-idle`: 730); what memsim's baseline already holds, so not stated again.
pub(crate) const IDLE_JVM_CLASSES: u64 = 730;

/// Validation configurations not within ±10 % on every judged cell, each with what is off, by how
/// much, and why, from the measurement. The test fails on a miss not listed here and on a listed
/// configuration that no longer misses, so the list stays true. Configurations whose flags memsim
/// cannot express yet are found by the test itself and need no entry.
pub(crate) const VALIDATION_MISSES: &[(&str, &str)] = &[
    (
        "v-g1-noxms-long-churn-2min",
        "Java Heap 636 MiB against 886 (−28 %), RSS −17 %, GC −13 %: G1 without -Xms (initial 378 MiB) expanded to 886 MiB under 400 MiB/s of churn over 300 MiB live, and a diagnostic run of the same configuration measured after 10 s instead of 2 min had already reached 886 MiB, so the rate drives it, not the duration; memsim's G1 stops at 636 MiB. The GC gap (9 MiB) is G1's 3.833 % of the 250 MiB of heap memsim does not commit",
    ),
    (
        "v-h2-server-g1-xmx1g",
        "Java Heap 636 MiB against 380 (+67 %; 468 in an earlier run of the same configuration), RSS +27 %, GC +21 %: with 140 MiB live after GC.run and 68–79 MiB/s of allocation, G1 (initial 378 MiB) stayed near its initial heap, while memsim expands to 636 MiB — the same 636 it predicts for v-g1-noxms-long-churn-2min (300 MiB live, 400 MiB/s, measured 886), so memsim's G1 expansion does not follow the allocation rate as the JDK's does; GC follows the heap. Code 7.4 MiB against 12.2 (−39 %): the server's ~1970 compilations beyond an idle JVM's are real methods (8.6 MiB of code heap used, the profiled heap committed to 6.6 MiB), where memsim's per-method cost is the fit's tiny methods' (1.6 KiB), which stays inside the initially committed code heaps. RssFile 21.0 against 24.2 (−13 %): the JDK classes H2 needs beyond CDS (java.sql, networking) are read from the modules jimage, 3.4 MiB resident against 1.1 in an idle JVM. Metaspace (not judged, under 8 MiB) 4.4 against 7.8",
    ),
    (
        "v-jars-bcprov-g1-1g",
        "Metaspace 9.4 MiB against 13.9 (−32 %), RSS −20 %: bcprov's 4006 classes (4644 over an idle JVM) cost 2986 B of Metaspace and 401 B of Symbol each over g1-256m-idle, against ~1990 B and ~110 B for the fit's generated classes; and loading and initializing them left 73 MiB used on the heap (81 MiB of heap RSS) where memsim has 59 MiB resident. memsim's Arena Chunk (10.5 MiB against 0.2, not judged) hides part of the RSS gap",
    ),
    (
        "v-jars-mapped-unsafe-g1-xms256m",
        "Metaspace 12.2 MiB against 19.4 (−37 %; 3171 B per class over an idle JVM for 6177 classes of bcprov and commons-math3), RSS −16 %: 88 MiB of heap RSS (77 MiB used after loading and initializing the classes) against memsim's 37, Symbol 3.9 against 1.8; the mapped file, Unsafe memory and threads are within 2 %",
    ),
    (
        "v-jars-math3-xerces-parallel-noxms",
        "Metaspace 6.3 MiB against 10.9 (−42 %; 3581 B per class over an idle JVM for 2991 classes of commons-math3 and xerces), RSS +14 %: Parallel without -Xms committed 744 MiB (memsim 704, within 10 %) but touched 425 MiB of it (young 326 MiB with 252 used, old 403 MiB with 204 used), where memsim has 525 MiB resident",
    ),
    (
        "v-live-jars-math3-serial",
        "RSS 65.4 MiB against 84.9 (−23 %): 27 MiB of heap RSS against memsim's 11.5 (initializing commons-math3's 1301 classes left data on Serial's heap that memsim does not put there), Metaspace 6.2 against 3.8 MiB (3442 B per class; under 8 MiB, not judged), Symbol 2.2 against 1.3",
    ),
    (
        "v-parallel-noxms-live-churn",
        "Java Heap 2554 MiB against 1920 (+33 %), RSS +26 %: Parallel without -Xms (-Xmx3g) sized its old generation to 1359 MiB (902 MiB used) and its young to 540 MiB for 900 MiB live and 300 MiB/s of churn; memsim commits 2554 MiB with 1653 MiB resident against 1280 MiB of heap RSS",
    ),
];

/// The measurement as the scenario builder should read it: the workload arguments a user would
/// state (real programs: `scenario_args`; `JarLoad`: Workload's arguments plus the classes
/// loaded), the rest unchanged.
pub(crate) fn as_stated(r: &Value) -> Value {
    let mut r = r.clone();
    if let Some(stated) = r.get("scenario_args").cloned() {
        r["workload_args"] = stated;
    } else if loads_jars(&r) {
        let mut args: Vec<Value> = r["workload_args"].as_array().unwrap().clone();
        // JarLoad's own arguments come before `--`; Workload's after it.
        if let Some(i) = args.iter().position(|a| a == "--") {
            args.drain(..=i);
        }
        let loaded = r["nmt"]["categories"]["Class"]["classes"].as_u64().unwrap();
        args.push("--classes".into());
        args.push(loaded.saturating_sub(IDLE_JVM_CLASSES).to_string().into());
        r["workload_args"] = Value::Array(args);
    }
    r
}

/// Whether the configuration ran `JarLoad` (real library classes before Workload).
pub(crate) fn loads_jars(r: &Value) -> bool {
    r["command"]
        .as_array()
        .is_some_and(|c| c.iter().any(|a| a == "JarLoad"))
}

/// What the configuration is, for the overview table: the real program, or the jars it loaded.
pub(crate) fn shape(r: &Value) -> String {
    if let Some(p) = r.get("program") {
        return format!(
            "real program: {} ({} rows, {} JDBC connections)",
            p["name"].as_str().unwrap_or("?"),
            p["rows"],
            p["connections"]
        );
    }
    let args: Vec<&str> = r["workload_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut s = String::new();
    if let Some(i) = args.iter().position(|a| *a == "--jars") {
        let jars: Vec<&str> = args[i + 1]
            .split(':')
            .map(|j| j.rsplit('/').next().unwrap_or(j))
            .collect();
        s = format!("classes of {}; ", jars.join(", "));
    }
    let rest = args
        .iter()
        .position(|a| *a == "--")
        .map_or(&args[..], |i| &args[i + 1..]);
    s.push_str(&rest.join(" "));
    s
}

/// Two validation configurations measured now, with the JVM flags and arguments recorded in
/// `tools/jvm-calibrate/validation/`, and judged as the recorded ones are: within ±10 % on every
/// judged cell unless listed in `VALIDATION_MISSES`. Needs python3, a JDK 17 and Debian's
/// commons-math3 jar (`.ci/run` installs them).
#[test]
fn validation_configurations_measured_live_match() {
    let _one_jvm_at_a_time = super::LIVE_JVM.lock().unwrap_or_else(|e| e.into_inner());
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("validation-live");
    let _ = std::fs::remove_dir_all(&out);
    let classes = out.join("classes");
    std::fs::create_dir_all(&classes).unwrap();
    let javac = std::process::Command::new("javac")
        .args(["--release", "17", "-nowarn", "-d"])
        .arg(&classes)
        .arg(super::root().join("tools/jvm-calibrate/validation/JarLoad.java"))
        .output()
        .unwrap_or_else(|e| panic!("javac is needed for the live validation: {e}"));
    assert!(
        javac.status.success(),
        "javac JarLoad.java failed:\n{}",
        String::from_utf8_lossy(&javac.stderr)
    );
    for name in ["v-live-jars-math3-serial", "v-live-g1-noxms-churn"] {
        let path = super::root().join(format!("tools/jvm-calibrate/validation/{name}.json"));
        let recorded: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let strings = |k: &str| -> Vec<String> {
            recorded[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        let (flags, args) = (strings("jvm_flags"), strings("workload_args"));
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(super::root().join("tools/jvm-calibrate/measure.py"))
            .args([name, "--results", out.to_str().unwrap()]);
        if loads_jars(&recorded) {
            let jars = super::arg(&args, "--jars").unwrap();
            for jar in jars.split(':') {
                assert!(
                    Path::new(jar).exists(),
                    "{jar} is missing: `apt-get install -y libcommons-math3-java`"
                );
            }
            cmd.args([
                "--main",
                "JarLoad",
                "--classpath",
                &format!("{}:{jars}", classes.display()),
            ]);
        }
        let status = cmd
            .arg("--")
            .args(&flags)
            .arg("--")
            .args(&args)
            .current_dir(super::root())
            .output()
            .unwrap_or_else(|e| panic!("python3 is needed for the live validation: {e}"));
        assert!(
            status.status.success(),
            "measuring {name} failed:\n{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let live: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        // Judged as the recorded measurement is: no cell may miss live that hits recorded (a
        // listed miss may stay a miss, in the same cells).
        let judged = super::compare_or_explain(&as_stated(&live), super::compare);
        let allowed =
            super::compare_or_explain(&as_stated(&recorded), super::compare).missed_cells();
        let new_misses: Vec<String> = judged
            .missed_cells()
            .into_iter()
            .zip(judged.misses())
            .filter(|(cell, _)| !allowed.contains(cell))
            .map(|(_, miss)| miss)
            .collect();
        assert!(
            new_misses.is_empty(),
            "{name} measured live misses where the recorded measurement hits:\n{}",
            new_misses.join("\n")
        );
    }
}
