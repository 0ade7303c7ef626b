//! `memsim` end to end: the binary on the bundled scenarios and on bad input.

mod common;
use common::{memsim, text, workspace};

use std::path::{Path, PathBuf};
use std::process::Output;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether `memsim run` ran and judged: exit 0 or a verdict's code 3–7 (not 1 or 2, no signal).
fn judged(out: &Output) -> bool {
    matches!(out.status.code(), Some(0 | 3..=7))
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn quick_start_scenario_is_oom_killed_and_says_why() {
    let out = memsim(&["run", "sims/neo4j-12g-oom.toml"]);
    // Exit code 5: the verdict `oom_killed` (README "Exit codes").
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("scenario neo4j-12g-oom  seed=7\n"),
        "{stdout}"
    );
    assert!(stdout.contains("VERDICT: OOM-KILLED"), "{stdout}");
    assert!(stdout.contains("Beyond configuration"), "{stdout}");
    assert!(stdout.contains("Netty Direct"), "{stdout}");
    assert!(
        stdout.contains("Out of memory: Killed process (java)"),
        "{stdout}"
    );
}

#[test]
fn out_dir_holds_four_reports_and_two_runs_are_byte_identical() {
    let base = scratch("determinism");
    for sim in [
        "neo4j-12g-oom",
        "neo4j-12g-fits",
        "netty-direct-oom",
        "space-reuse",
        "space-reuse-recreate",
        "container-pids-limit",
        "parallel-gc-overhead",
    ] {
        let (a, b) = (base.join(format!("{sim}-a")), base.join(format!("{sim}-b")));
        for dir in [&a, &b] {
            let out = memsim(&[
                "run",
                &format!("sims/{sim}.toml"),
                "--out",
                dir.to_str().unwrap(),
                "-q",
            ]);
            assert!(judged(&out), "{}", text(&out.stderr));
            assert!(out.stdout.is_empty(), "--quiet prints nothing");
        }
        let (fa, fb) = (files(&a), files(&b));
        let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "chart.png",
                "chart.svg",
                "nmt-summary.txt",
                "report.json",
                "timeseries.csv"
            ],
            "{sim}"
        );
        assert!(fa == fb, "{sim}: two runs with the same seed differ");
    }
}

#[test]
fn space_reuse_reports_each_step_in_json_csv_and_terminal() {
    let dir = scratch("space-reuse");
    let out = memsim(&[
        "run",
        "sims/space-reuse.toml",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Database (standard format, page cache 512.00 MiB)"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("  CALL db.checkpoint() again") && l.contains("100000/100000")),
        "{stdout}"
    );
    // docs/scenario-format.md shows the real step table.
    let doc = text(&std::fs::read(workspace().join("docs/scenario-format.md")).unwrap());
    let table = doc
        .split("`sims/space-reuse.toml` re-enacts")
        .nth(1)
        .and_then(|t| t.split("```text\n").nth(1))
        .and_then(|t| t.split("```").next())
        .expect("the step table in docs/scenario-format.md");
    for line in table.lines() {
        assert!(
            stdout.lines().any(|o| o == line),
            "docs/scenario-format.md line not in the real output: {line:?}\n{stdout}"
        );
    }
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let steps = v["database"]["steps"].as_array().unwrap();
    let ops: Vec<&str> = steps.iter().map(|s| s["op"].as_str().unwrap()).collect();
    assert_eq!(
        ops,
        [
            "create_nodes",
            "checkpoint",
            "sysinfo",
            "detach_delete_all",
            "checkpoint",
            "sysinfo",
            "copy",
            "sysinfo"
        ]
    );
    let total = |i: usize| steps[i]["total_bytes"].as_u64().unwrap();
    let metric = |i: usize| steps[i]["store_size_metric_bytes"].as_u64().unwrap();
    let node = |i: usize, key: &str| steps[i]["stores"][0][key].as_u64().unwrap();
    assert_eq!(steps[4]["stores"][0]["file"], "neostore.nodestore.db");
    // Disk usage grows after the delete, IDs stay, the copy restarts.
    assert!(total(4) > total(1));
    assert_eq!(
        (node(4, "high_id"), node(4, "reusable_ids")),
        (100_000, 100_000)
    );
    assert_eq!((node(6, "high_id"), node(6, "reusable_ids")), (0, 0));
    // `:sysinfo` as the document shows it: 791.92 KiB, 31.01 MiB, 800.68 KiB, each within 10 %.
    let near = |actual: u64, doc: f64| (actual as f64 - doc).abs() <= doc * 0.10;
    assert!(near(metric(2), 791.92 * 1024.0), "{}", metric(2));
    assert!(near(metric(5), 31.01 * 1024.0 * 1024.0), "{}", metric(5));
    assert!(near(metric(7), 800.68 * 1024.0), "{}", metric(7));
    assert_eq!(steps[5]["store_size_metric_at_seconds"], 600.0);
    assert!(total(6) * 30 < total(4));
    let pc = &v["database"]["last"]["page_cache"];
    for key in [
        "hits",
        "faults",
        "pins",
        "unpins",
        "evictions",
        "flushes",
        "hit_ratio",
        "usage_ratio",
    ] {
        assert!(pc.get(key).is_some(), "page_cache.{key}");
    }
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"checkpoint_completed"));
    assert!(kinds.contains(&"store_copied"));
    // The time series carries the database beside the memory categories.
    let csv = text(&std::fs::read(dir.join("timeseries.csv")).unwrap());
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for col in [
        "page_cache_hit_ratio",
        "page_cache_usage_ratio",
        "db_store_bytes",
        "db_tx_log_bytes",
        "db_store_size_metric_bytes",
        "nodestore_high_id",
        "nodestore_reusable_ids",
        "propertystore_bytes",
    ] {
        assert!(header.contains(&col), "{col} in {header:?}");
    }
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let log_col = header.iter().position(|c| *c == "db_tx_log_bytes").unwrap();
    let logs: Vec<u64> = rows.iter().map(|r| r[log_col].parse().unwrap()).collect();
    assert!(logs.iter().max().unwrap() > &25_000_000, "the delete's log");
    // Scenarios without a database keep their columns.
    let plain = scratch("no-db");
    assert!(judged(&memsim(&[
        "run",
        "sims/netty-direct-oom.toml",
        "--out",
        plain.to_str().unwrap(),
        "-q"
    ])));
    let csv = text(&std::fs::read(plain.join("timeseries.csv")).unwrap());
    assert!(!csv.lines().next().unwrap().contains("page_cache_hit_ratio"));
}

#[test]
fn report_json_has_the_promised_fields() {
    let dir = scratch("json");
    let out = memsim(&[
        "run",
        "sims/netty-direct-oom.toml",
        "--out",
        dir.to_str().unwrap(),
        "--seed",
        "5",
    ]);
    assert!(judged(&out), "{}", text(&out.stderr));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(v["scenario"], "netty-direct-oom");
    assert_eq!(v["seed"], 5, "--seed overrides the file");
    assert!(["fits", "over_budget"].contains(&v["verdict"].as_str().unwrap()));
    assert_eq!(v["limit_bytes"], 16u64 << 30);
    assert_eq!(v["configured_bytes"], 10u64 << 30);
    assert!(v["peak_resident_bytes"].as_u64().unwrap() > 6u64 << 30);
    assert!(v["peak_at_seconds"].as_f64().unwrap() > 0.0);
    let heap = &v["categories_at_peak"]["Java Heap"];
    assert_eq!(heap["reserved_bytes"], 4u64 << 30);
    assert!(heap["committed_bytes"].as_u64().unwrap() >= heap["resident_bytes"].as_u64().unwrap());
    let events = v["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["kind"] == "out_of_direct_memory_error"
        && e["message"].as_str().unwrap().ends_with("failed to allocate 16777216 byte(s) of direct memory (used: 6442450944, max: 6442450944)")));
    assert!(events.iter().all(|e| e["at_seconds"].is_number()));
    let csv = text(&std::fs::read(dir.join("timeseries.csv")).unwrap());
    assert_eq!(
        csv.lines().count(),
        1 + 301,
        "a header and one row per second of 5 minutes"
    );
    let nmt = text(&std::fs::read(dir.join("nmt-summary.txt")).unwrap());
    assert!(nmt.contains("Total: reserved="), "{nmt}");
    assert!(
        nmt.contains("-                 Java Heap (reserved=4194304KB, committed="),
        "{nmt}"
    );
    let svg = text(&std::fs::read(dir.join("chart.svg")).unwrap());
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "chart.svg is SVG"
    );
}

#[test]
fn misspelt_key_is_reported_with_line_column_and_exit_2_and_nothing_is_written() {
    let dir = scratch("bad");
    let file = dir.join("bad.toml");
    std::fs::write(&file, "[scenario]\nduration = \"1m\"\n\n[machine]\nram = \"8g\"\n\n[jvm]\nhep = { max = \"4g\" }\n").unwrap();
    let out_dir = dir.join("out");
    let out = memsim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:8:1:", file.display())),
        "{stderr}"
    );
    assert!(stderr.contains("jvm.hep"), "{stderr}");
    assert!(stderr.contains("heap"), "suggests the right key: {stderr}");
    assert!(out.stdout.is_empty());
    assert!(!out_dir.exists(), "nothing is written for a bad scenario");
}

#[test]
fn impossible_values_are_rejected_all_at_once() {
    let dir = scratch("impossible");
    let file = dir.join("x.toml");
    std::fs::write(
        &file,
        "[scenario]\nduration = \"1m\"\n[machine]\nram = \"8g\"\n[jvm]\nheap = { initial = \"4g\", max = \"2g\" }\n[[phase]]\nname = \"late\"\nstart = \"50s\"\nduration = \"20s\"\n",
    )
    .unwrap();
    let out = memsim(&["check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("jvm.heap.initial"), "{stderr}");
    assert!(stderr.contains("phase[0]"), "{stderr}");
}

#[test]
fn pasted_flags_memsim_ignores_are_warned_about_on_stderr_by_check_and_run() {
    let dir = scratch("flag-warnings");
    let file = dir.join("x.toml");
    std::fs::write(
        &file,
        "[scenario]\nduration = \"2s\"\n[machine]\nram = \"8g\"\ncontainer_limit = \"2Gi\"\n[jvm]\nflags = \"-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Dfoo=bar\"\n",
    )
    .unwrap();
    let name = file.to_str().unwrap();
    for args in [vec!["check", name], vec!["run", "--quiet", name]] {
        let out = memsim(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{stderr}");
        assert!(
            lines[0].ends_with(":7:34: warning: `jvm.flags`: the HotSpot flag `-XX:+ExitOnOutOfMemoryError` is not modelled: memsim ignores it"),
            "{stderr}"
        );
        assert!(
            lines[1].contains(":7:62: warning: `jvm.flags`: the system property `-Dfoo=bar`"),
            "{stderr}"
        );
    }
}

#[test]
fn check_accepts_every_bundled_scenario() {
    // Every file under sims/, so a scenario added later is covered without touching this test.
    let mut sims: Vec<_> = std::fs::read_dir(workspace().join("sims"))
        .expect("sims/ is readable")
        .map(|e| e.expect("sims/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    sims.sort();
    assert!(
        sims.len() >= 9,
        "expected the bundled scenarios, found {sims:?}"
    );
    for sim in sims {
        let sim = sim.to_str().expect("UTF-8 path");
        let out = memsim(&["check", sim]);
        assert!(out.status.success(), "{sim}: {}", text(&out.stderr));
    }
}

#[test]
fn missing_file_is_an_io_error() {
    let out = memsim(&["run", "sims/does-not-exist.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read sims/does-not-exist.toml"));
}

#[test]
fn unwritable_out_dir_fails_cleanly() {
    let dir = scratch("unwritable");
    let blocker = dir.join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let out = memsim(&[
        "run",
        "sims/netty-direct-oom.toml",
        "--out",
        blocker.join("sub").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("memsim: cannot create"),
        "{}",
        text(&out.stderr)
    );
}

/// The README shows the quick-start run's output and chart; they must stay true.
/// `UPDATE_EXPECT=1 cargo test -p memsim-cli --release readme` refreshes the chart.
#[test]
fn readme_shows_the_real_quick_start_output_and_chart() {
    let dir = scratch("readme");
    let out = memsim(&[
        "run",
        "sims/neo4j-12g-oom.toml",
        "--out",
        dir.to_str().unwrap(),
    ]);
    // The README says the quick start exits 5, `oom_killed`.
    assert_eq!(out.status.code(), Some(5));
    let stdout = text(&out.stdout);
    let readme = text(&std::fs::read(workspace().join("README.md")).unwrap());
    let block = readme
        .split("## What you see\n\n```\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    for line in block.lines().filter(|l| l.trim() != "...") {
        assert!(
            stdout.lines().any(|o| o == line),
            "README line not in the real output: {line:?}\n{stdout}"
        );
    }
    let chart = std::fs::read(dir.join("chart.svg")).unwrap();
    let doc = workspace().join("docs/images/neo4j-12g-oom.svg");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&doc, &chart).unwrap();
    }
    assert!(
        std::fs::read(&doc).unwrap() == chart,
        "docs/images/neo4j-12g-oom.svg is stale: rerun with UPDATE_EXPECT=1"
    );
}

#[test]
fn direct_replay_prints_nettys_metrics_as_json() {
    let dir = scratch("replay");
    let trace = dir.join("t.trace");
    std::fs::write(
        &trace,
        "# two threads, a cross-thread free, a huge buffer and a failure\nalloc a 1000 thread t0\nalloc b 20000000 thread t1\nfree a thread t1\nalloc c 16777216 thread t0\nmetrics after\n",
    )
    .unwrap();
    let out = memsim(&[
        "direct",
        "replay",
        trace.to_str().unwrap(),
        "--arenas",
        "2",
        "--max-direct-memory",
        "40000000",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["placements"][0]["normSize"], 1024);
    assert_eq!(v["placements"][1]["huge"], true);
    assert_eq!(v["placements"][1]["arena"], 1);
    assert_eq!(
        v["errors"][0]["message"],
        "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 16777216 byte(s) of direct memory (used: 36777216, max: 40000000)"
    );
    assert_eq!(v["errors"][0]["line"], 5);
    let snap = &v["snapshots"][0];
    assert_eq!(snap["label"], "after");
    assert_eq!(snap["usedDirectMemory"], 16777216 + 20000000);
    assert_eq!(snap["directArenas"].as_array().unwrap().len(), 2);
    assert_eq!(snap["directArenas"][0]["numSmallAllocations"], 1);
    assert_eq!(
        snap["directArenas"][0]["numSmallDeallocations"], 0,
        "the free went to t0's cache"
    );
}

#[test]
fn direct_replay_rejects_bad_traces_and_options_with_exit_2() {
    let dir = scratch("replay-bad");
    let trace = dir.join("bad.trace");
    std::fs::write(&trace, "alloc a 10\nallocate b 20\n").unwrap();
    let out = memsim(&["direct", "replay", trace.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("line 2"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&trace, "alloc a 10\n").unwrap();
    let out = memsim(&[
        "direct",
        "replay",
        trace.to_str().unwrap(),
        "--page-size",
        "3000",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("pageSize"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    // Issue 10: 2^32 − 1 arenas aborted asking for 1.6 TB; a page size that `<< max_order`
    // shifted to 0 passed the range check. Both are clear errors now, exit 2, nothing printed.
    for (args, needle) in [
        (&["--arenas=4294967295"][..], "numDirectArenas: 4294967295"),
        (
            &["--page-size", "8388608t", "--max-order", "1"][..],
            "pageSize (9223372036854775808) << maxOrder (1) must not exceed 1073741824",
        ),
        (&["--cores", "4294967295"][..], "availableProcessors"),
    ] {
        let mut all = vec!["direct", "replay", trace.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = memsim(&all);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains(needle), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
    }
}

/// `--netty 4.1.118`: its size classes and metric names; its defaults from `--cores` and
/// `--jvm-max-direct-memory`; `--tiny-cache-size` refused (4.1.118 has no tiny caches); an unknown
/// version named with the accepted ones.
#[test]
fn direct_replay_models_netty_4_1_118() {
    let dir = scratch("replay-4118");
    let trace = dir.join("t.trace");
    std::fs::write(
        &trace,
        "alloc a 100
alloc b 9000
metrics m
",
    )
    .unwrap();
    let t = trace.to_str().unwrap();
    let out = memsim(&["direct", "replay", "--netty", "4.1.118", t]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["placements"][0]["normSize"], 112);
    assert_eq!(v["placements"][1]["normSize"], 10240);
    let arenas = v["snapshots"][0]["directArenas"].as_array().unwrap();
    assert_eq!(arenas.len(), 4, "min(2 · 2 cores, 1 GiB / 4 MiB / 6)");
    assert!(arenas[0].get("numTinyAllocations").is_none());
    assert_eq!(
        arenas[0]["numSmallAllocations"], 2,
        "10 KiB is a subpage class in 4.1.118"
    );
    assert_eq!(v["snapshots"][0]["usedDirectMemory"], 4 << 20);
    let out = memsim(&[
        "direct",
        "replay",
        "--netty",
        "4.1.118",
        "--cores",
        "8",
        "--jvm-max-direct-memory",
        "96m",
        t,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = v["snapshots"][0]["directArenas"].as_array().unwrap().len();
    assert_eq!(n, 4, "min(16, 96 MiB / 4 MiB / 6)");
    let out = memsim(&[
        "direct",
        "replay",
        "--netty",
        "4.1.118",
        "--tiny-cache-size",
        "8",
        t,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no tiny caches"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let out = memsim(&["direct", "replay", "--netty", "4.3", t]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("4.1.48, 4.1.118, 4.2.13-pooled"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn nmt_parse_reads_memsims_own_summary_and_diff_compares_two() {
    let dir = scratch("nmt");
    let (a, b) = (dir.join("fits"), dir.join("oom"));
    assert!(
        memsim(&[
            "run",
            "sims/neo4j-12g-fits.toml",
            "--out",
            a.to_str().unwrap(),
            "-q"
        ])
        .status
        .success()
    );
    assert!(judged(&memsim(&[
        "run",
        "sims/neo4j-12g-oom.toml",
        "--out",
        b.to_str().unwrap(),
        "-q"
    ])));
    let out = memsim(&["nmt", "parse", b.join("nmt-summary.txt").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.join("report.json")).unwrap()).unwrap();
    let heap = &report["categories_at_peak"]["Java Heap"];
    assert_eq!(
        parsed["categories"]["Java Heap"]["reserved_bytes"],
        heap["reserved_bytes"]
    );
    // NMT's Other holds the page cache and Netty's direct memory.
    let other = parsed["categories"]["Other"]["committed_bytes"]
        .as_u64()
        .unwrap();
    let pc = report["categories_at_peak"]["Page Cache"]["committed_bytes"]
        .as_u64()
        .unwrap();
    // 6 GiB of page buffers plus Muninn's frames, 32 B per 8 KiB page, allocated at start.
    assert!(other >= pc && pc == (6 << 30) + (6 << 30) / 8192 * 32);

    let out = memsim(&[
        "nmt",
        "diff",
        a.join("nmt-summary.txt").to_str().unwrap(),
        b.join("nmt-summary.txt").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let d = text(&out.stdout);
    assert!(
        d.starts_with(
            "Native Memory Tracking:\n\n(Omitting categories weighting less than 1KB)\n\nTotal: reserved="
        ),
        "{d}"
    );
    assert!(
        d.lines()
            .any(|l| l.starts_with("-                     Other (reserved=") && l.contains("KB +")),
        "{d}"
    );

    let junk = dir.join("junk.txt");
    std::fs::write(&junk, "not nmt\n").unwrap();
    let out = memsim(&["nmt", "parse", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a VM.native_memory summary"));
}

/// `--netty 4.2.13-adaptive` replays through 4.2's adaptive allocator; `--max-heap` switches its
/// low-memory mode; 4.1-only flags are refused.
#[test]
fn direct_replay_adaptive() {
    let dir = scratch("replay-adaptive");
    let trace = dir.join("a.trace");
    std::fs::write(&trace, "alloc a 100\nalloc b 40000\nmetrics m\n").unwrap();
    let path = trace.to_str().unwrap();
    let out = memsim(&["direct", "replay", path, "--netty", "4.2.13-adaptive"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["placements"][0]["normSize"], 128);
    assert_eq!(v["placements"][1]["arena"], 16);
    assert_eq!(v["placements"][1]["huge"], false);
    assert_eq!(v["snapshots"][0]["usedDirectMemory"], 131_072 + 524_288);
    let out = memsim(&[
        "direct",
        "replay",
        path,
        "--netty",
        "4.2.13-adaptive",
        "--max-heap",
        "512m",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["placements"][1]["huge"], true, "low memory: not pooled");
    std::fs::write(&trace, "alloc a 600\nalloc b 600\nfree a\nalloc c 600\n").unwrap();
    let out = memsim(&[
        "direct",
        "replay",
        path,
        "--netty",
        "4.2.13-adaptive",
        "--event-loop-threads",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // A thread-local 640-byte chunk counts its segments from the end (131072 - 204 × 640 = 512)
    // and reuses the owner's freed segment first.
    assert_eq!(v["placements"][0]["offset"], 512);
    assert_eq!(v["placements"][2]["offset"], 512);
    for args in [
        &["--netty", "4.2.13-adaptive", "--arenas", "2"][..],
        &["--max-heap", "1g"][..],
        &["--event-loop-threads"][..],
        &["--netty", "4.3"][..],
    ] {
        let mut all = vec!["direct", "replay", path];
        all.extend_from_slice(args);
        let out = memsim(&all);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
}
