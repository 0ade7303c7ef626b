//! `memsim sweep` and `memsim recommend` from the command line: shards merged equal the full
//! sweep's files, bad arguments exit 2 naming the argument, `recommend --format json` is JSON.

mod common;

use common::{memsim, scratch_in, text};

const SIM: &str = "sims/neo4j-4g6g-steady.toml";

#[test]
fn sharded_and_merged_equals_the_full_sweep() {
    let dir = scratch_in("sweep", "shards");
    let out = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let sets = [
        "--set",
        "page_cache.size=4g,6g",
        "--set",
        "machine.container_limit=7g,12g",
    ];
    let full = out("full");
    let mut args = vec!["sweep", SIM];
    args.extend(sets);
    args.extend(["--out", &full, "--jobs", "2"]);
    let o = memsim(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Fits and over budget both count as under the limit (page cache 6g under 7g is OOM-killed).
    assert!(
        text(&o.stdout).starts_with("4 points (3 under the limit: 3 within -Xmx + page cache + direct cap, 0 above them; 0 thrashing, 1 OOM-killed, "),
        "{}",
        text(&o.stdout)
    );
    let shard_dirs: Vec<String> = (0..3).map(|i| out(&format!("shard{i}"))).collect();
    for (i, d) in shard_dirs.iter().enumerate() {
        let shard = format!("{i}/3");
        let mut args = vec!["sweep", SIM];
        args.extend(sets);
        args.extend(["--out", d, "--shard", &shard, "-q"]);
        let o = memsim(&args);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let merged = out("merged");
    let mut args = vec!["sweep", "merge"];
    args.extend(shard_dirs.iter().map(String::as_str));
    args.extend(["--out", &merged, "-q"]);
    let o = memsim(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in ["sweep.json", "sweep.csv", "sweep.svg"] {
        let a = std::fs::read(dir.join("full").join(f)).unwrap();
        let b = std::fs::read(dir.join("merged").join(f)).unwrap();
        assert!(a == b, "{f} differs");
    }
    // A shard of a grid with the same keys and size but other values is refused.
    let other = out("other1");
    let o = memsim(&[
        "sweep",
        SIM,
        "--set",
        "page_cache.size=4g,5g",
        "--set",
        "machine.container_limit=7g,12g",
        "--out",
        &other,
        "--shard",
        "1/3",
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = memsim(&[
        "sweep",
        "merge",
        &shard_dirs[0],
        &other,
        &shard_dirs[2],
        "--out",
        &out("mixed"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(
            "it sweeps page_cache.size=4g,5g where the first sweeps page_cache.size=4g,6g"
        ),
        "{}",
        text(&o.stderr)
    );
    assert!(!dir.join("mixed").exists());
    // A missing shard is named.
    let o = memsim(&[
        "sweep",
        "merge",
        &shard_dirs[0],
        &shard_dirs[2],
        "--out",
        &out("partial"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("points are missing"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn bad_sweep_arguments_exit_2_naming_them() {
    let o = memsim(&["sweep", SIM, "--set", "jvm.heap.mx=4g,6g"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr)
            .contains("--set jvm.heap.mx=…: unknown key `jvm.heap.mx` — did you mean `max`?"),
        "{}",
        text(&o.stderr)
    );
    let o = memsim(&["sweep", SIM, "--set", "phase[0].threads=10,many"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--set phase[0].threads=many: expected a non-negative integer"),
        "{}",
        text(&o.stderr)
    );
    let o = memsim(&[
        "sweep",
        SIM,
        "--set",
        "page_cache.size=4g",
        "--shard",
        "3/3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    // Without --out, the CSV on stdout.
    let o = memsim(&["sweep", SIM, "--set", "page_cache.size=4g"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("index,page_cache.size,verdict,"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn recommend_prints_json_for_tools_and_exit_3_when_nothing_fits() {
    let args = [
        "recommend",
        "sims/netty-direct-oom.toml",
        "--limit",
        "16Gi",
        "--vary",
        "heap,max_direct",
        "--objective",
        "max-heap",
        "--format",
        "json",
        "--no-compare",
    ];
    let o = memsim(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["recommended"]["outcome"]["fits"], true);
    assert_eq!(v["recommended"]["outcome"]["in_words"], "fits, no errors");
    // With -Xms below -Xmx the heap grows only as the workload needs: the range ends first.
    assert!(v["one_step_larger"].is_null(), "{v}");
    assert!(
        v["binding"].as_str().unwrap().contains("range ended"),
        "{v}"
    );
    assert_eq!(v["floors"][1]["setting"], "max_direct");
    assert_eq!(v["floors"][1]["below"]["outcome"]["fits"], false);
    assert!(
        v["jvm_flags"][0].as_str().unwrap().starts_with("-Xms")
            || v["jvm_flags"][0].as_str().unwrap().starts_with("-Xmx")
    );
    let o = memsim(&[
        "recommend",
        "sims/netty-direct-oom.toml",
        "--limit",
        "256m",
        "--vary",
        "heap",
        "--objective",
        "max-heap",
        "--no-compare",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).starts_with("memsim: nothing fits: "),
        "{}",
        text(&o.stderr)
    );
}
