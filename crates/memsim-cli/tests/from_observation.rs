//! `memsim scenario from-observation DIR`: a starting scenario from a recorded run passes `memsim
//! check`, and its simulation is compared with the run it came from. A simulated run stands in
//! for the observation (same report set), plus one whose `parameters.command` holds a Java command
//! line as `memsim observe` records it.

mod common;
use common::{memsim, scratch_in, text};

use std::path::{Path, PathBuf};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn run_into(file: &str, dir: &Path) {
    let out = memsim(&["run", "-q", "--exit-zero", file, "--out", s(dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

fn generate(dir: &Path, out: &Path) -> String {
    let o = memsim(&["scenario", "from-observation", s(dir), "--out", s(out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let toml = std::fs::read_to_string(out).unwrap();
    let check = memsim(&["check", s(out)]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}\n{toml}",
        text(&check.stderr)
    );
    toml
}

#[test]
fn the_generated_scenario_passes_check_and_its_run_is_compared_with_the_source() {
    let root = scratch_in("from-observation", "neo4j");
    let source: PathBuf = root.join("source");
    run_into("sims/neo4j-12g-fits.toml", &source);
    let file = root.join("generated.toml");
    let toml = generate(&source, &file);
    assert!(
        toml.contains("flags = \"-XX:+UseG1GC -Xms4294967296 -Xmx4294967296 "),
        "{toml}"
    );
    assert!(
        toml.contains("threads = 427   # the run's threads_alive counter"),
        "{toml}"
    );
    assert!(toml.contains("[page_cache]\nsize = \"4096m\""), "{toml}");
    // Same directory, same file.
    let again = root.join("again.toml");
    assert_eq!(generate(&source, &again), toml);

    let predicted = root.join("predicted");
    run_into(s(&file), &predicted);
    let out = memsim(&["compare", s(&predicted), s(&source), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["predicted"]["verdict"], j["observed"]["verdict"]);
    // The starting point gets the total's peak and the page cache within the calibration's ±10 %.
    assert_eq!(j["total"]["judgement"], "within", "{}", j["total"]);
    let cats = j["categories"].as_array().unwrap();
    let cat = |n: &str| cats.iter().find(|c| c["name"] == n).unwrap();
    assert_eq!(cat("Page Cache")["judgement"], "within");
    // The live heap is an upper bound capped at 80 % of -Xmx: under, never over.
    assert!(cat("Java Heap")["peak"]["error_bytes"].as_i64().unwrap() <= 0);
}

#[test]
fn an_observed_command_line_gives_the_jvm_flags() {
    let root = scratch_in("from-observation", "command");
    let source = root.join("source");
    run_into("sims/netty-direct-oom.toml", &source);
    // What `memsim observe` records: the command line among the parameters.
    let json = std::fs::read_to_string(source.join("report.json")).unwrap();
    let json = json.replacen(
        "\"parameters\": {",
        "\"parameters\": {\n    \"command\": \"java -Xmx2g -Xss512k -XX:+UseParallelGC -Xlog:gc:file=gc.log -Dx=1 -cp app.jar Main --port 80\",",
        1,
    );
    // An observation has no threads_alive counter.
    let json: String = json
        .lines()
        .filter(|l| !l.trim_start().starts_with("\"threads_alive\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(source.join("report.json"), json).unwrap();
    let toml = generate(&source, &root.join("generated.toml"));
    assert!(
        toml.contains(
            "flags = \"-Xmx2g -Xss512k -XX:+UseParallelGC\"   # from the observed command line"
        ),
        "{toml}"
    );
    // Threads from NMT's Thread reserved over a 512 KiB stack.
    assert!(
        toml.contains("   # NMT's Thread reserved at the peak / a 512.00 KiB stack"),
        "{toml}"
    );
}

#[test]
fn what_is_not_a_run_directory_exits_2() {
    let out = memsim(&["scenario", "from-observation", "sims"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("report.json: missing"),
        "{}",
        text(&out.stderr)
    );
    let out = memsim(&["scenario", "from-observation", "sims/netty-direct-oom.toml"]);
    assert_eq!(out.status.code(), Some(2));
}
