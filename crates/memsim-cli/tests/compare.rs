//! `memsim compare SIM_DIR OBSERVED_DIR`: a prediction held against an observation. Observed runs
//! are written by `memsim observe` in the same report set a simulation writes; here a second
//! simulation stands in for the observation (another configuration of the same workload), so the
//! comparison is exercised on exactly the files it reads.

mod common;
use common::{memsim, scratch_in, text};

use std::path::{Path, PathBuf};

/// Publishes `sim` (a bundled scenario name or a path) into `name` under the test's scratch
/// directory.
fn published(group: &str, name: &str, sim: &str) -> PathBuf {
    let dir = scratch_in(group, name).join("run");
    let file = if sim.ends_with(".toml") {
        sim.to_string()
    } else {
        format!("sims/{sim}.toml")
    };
    let out = memsim(&[
        "run",
        "-q",
        "--exit-zero",
        &file,
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn row<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with(&format!("  {name:<24} ")))
        .unwrap_or_else(|| panic!("no {name} row: {report}"))
}

#[test]
fn a_prediction_is_judged_per_category_in_text_json_chart_and_html() {
    // Predicted: the tuned configuration; "observed": the 6 GiB page cache run that was killed.
    let p = published("compare", "fits", "neo4j-12g-fits");
    let o = published("compare", "oom", "neo4j-12g-oom");
    let chart = p.parent().unwrap().join("compare.svg");
    let html = p.parent().unwrap().join("compare.html");
    let args = [
        "compare",
        s(&p),
        s(&o),
        "--chart",
        s(&chart),
        "--html",
        s(&html),
    ];
    let out = memsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(
        t.starts_with(
            "memsim compare: predicted = neo4j-12g-fits (seed 7), observed = neo4j-12g-oom\n"
        ),
        "{t}"
    );
    assert!(
        t.contains("  verdicts   differ: predicted fits, observed oom_killed\n"),
        "{t}"
    );
    // The page cache was predicted at 4 GiB and observed at 6: under-predicted by a third.
    let pc = row(&t, "Page Cache");
    assert!(pc.contains("4.02 GiB") && pc.contains("6.02 GiB"), "{pc}");
    assert!(
        pc.contains("-33.3 %") && pc.ends_with("under-predicted"),
        "{pc}"
    );
    assert!(row(&t, "Java Heap").ends_with("within ±10 %"), "{t}");
    assert!(t.contains("Judgement: 2 of "), "{t}");
    // Only the span both ran is compared: the observed process died at 13m02.909s.
    assert!(
        t.contains("784 observed samples from 0.000s to 782.909s"),
        "{t}"
    );

    // JSON: the same numbers, machine-readable.
    let json_out = memsim(&["compare", s(&p), s(&o), "--format", "json"]);
    assert_eq!(json_out.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&json_out.stdout).unwrap();
    assert_eq!(j["predicted"]["verdict"], "fits");
    assert_eq!(j["observed"]["verdict"], "oom_killed");
    assert_eq!(j["tolerance_percent"], 10.0);
    let cats = j["categories"].as_array().unwrap();
    let pc = cats.iter().find(|c| c["name"] == "Page Cache").unwrap();
    assert_eq!(pc["judgement"], "under_predicted");
    assert_eq!(pc["peak"]["relative_error"], -0.3333);
    let err = pc["peak"]["error_bytes"].as_i64().unwrap();
    let (pb, ob) = (
        pc["peak"]["predicted_bytes"].as_i64().unwrap(),
        pc["peak"]["observed_bytes"].as_i64().unwrap(),
    );
    assert_eq!(err, pb - ob);
    assert!(j["alignment"].as_str().unwrap().contains("interpolated"));

    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("predicted: resident total (fits"), "{svg}");
    assert!(
        svg.contains("observed: resident total (oom_killed"),
        "{svg}"
    );
    assert!(svg.contains("observed: Page Cache<"), "{svg}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg xmlns="), "the chart is inlined");
    assert!(page.contains("<tr id=\"cat-page-cache\"><td>Page Cache</td>"));
    assert!(
        !page.contains("src=\"http") && !page.contains("<link"),
        "loads nothing"
    );

    // Deterministic, files included.
    let again = memsim(&args);
    assert_eq!(again.stdout, out.stdout);
    assert_eq!(std::fs::read_to_string(&chart).unwrap(), svg);
    assert_eq!(std::fs::read_to_string(&html).unwrap(), page);

    // A run against itself: no error anywhere.
    let same = text(&memsim(&["compare", s(&o), s(&o)]).stdout);
    assert!(same.contains("verdicts   agree (oom_killed)"), "{same}");
    assert!(
        same.contains("Judgement: every judged category within ±10 %"),
        "{same}"
    );
}

#[test]
fn a_variant_of_one_scenario_is_told_apart_by_the_category_it_changed() {
    // The same scenario with a 2 GiB larger heap standing in for an observation.
    let p = published("compare-variant", "sim", "netty-direct-oom");
    let source =
        std::fs::read_to_string(common::workspace().join("sims/netty-direct-oom.toml")).unwrap();
    let variant = source.replace(
        "heap = { initial = \"1g\", max = \"4g\" }",
        "heap = { initial = \"1g\", max = \"6g\" }",
    );
    assert_ne!(variant, source);
    let file = p.parent().unwrap().join("variant.toml");
    std::fs::write(&file, variant).unwrap();
    let o = published("compare-variant", "observed", s(&file));
    let out = memsim(&["compare", s(&p), s(&o), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cats = j["categories"].as_array().unwrap();
    let netty = cats.iter().find(|c| c["name"] == "Netty Direct").unwrap();
    assert_eq!(netty["peak"]["error_bytes"], 0, "{netty}");
    assert_eq!(netty["judgement"], "within");
    // Every judgement is the calibration's rule applied to the printed peaks.
    for c in cats {
        let (p, o) = (
            c["peak"]["predicted_bytes"].as_f64().unwrap(),
            c["peak"]["observed_bytes"].as_f64().unwrap(),
        );
        let expected = if p < 8.0 * 1048576.0 && o < 8.0 * 1048576.0 {
            "too_small_to_judge"
        } else if (p - o).abs() <= 0.1 * o {
            "within"
        } else if p > o {
            "over_predicted"
        } else {
            "under_predicted"
        };
        assert_eq!(c["judgement"], expected, "{c}");
    }
}

#[test]
fn unreadable_or_incomparable_directories_exit_2_naming_file_and_line() {
    let a = published("compare-errors", "run", "netty-direct-oom");
    let copy = |name: &str| {
        let d = a.parent().unwrap().join(name);
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        for f in [
            "report.json",
            "timeseries.csv",
            "nmt-summary.txt",
            "chart.svg",
        ] {
            std::fs::copy(a.join(f), d.join(f)).unwrap();
        }
        d
    };
    let fails = |args: &[&str], needle: &str| {
        let out = memsim(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let e = text(&out.stderr);
        assert!(e.contains(needle), "{args:?}: {e}");
        assert!(!e.contains("panicked"), "{e}");
    };
    // Not a directory, a missing directory, a directory of something else.
    fails(
        &["compare", s(&a), "sims/netty-direct-oom.toml"],
        "not a directory",
    );
    fails(&["compare", s(&a), "sims"], "sims/report.json: missing");
    let missing = a.parent().unwrap().join("nowhere");
    let out = memsim(&["compare", s(&missing), s(&a)]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("nowhere"),
        "{}",
        text(&out.stderr)
    );
    // A malformed time series: its line is named.
    let broken = copy("broken");
    let csv = std::fs::read_to_string(broken.join("timeseries.csv")).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    lines[3] = lines[3].replacen(',', ",x", 2);
    std::fs::write(broken.join("timeseries.csv"), lines.join("\n") + "\n").unwrap();
    fails(
        &["compare", s(&a), s(&broken)],
        "broken/timeseries.csv: line 4: ",
    );
    // An observation without samples: nothing to compare.
    let empty = copy("empty");
    std::fs::write(empty.join("timeseries.csv"), format!("{}\n", lines[0])).unwrap();
    fails(
        &["compare", s(&a), s(&empty)],
        "empty/timeseries.csv: line 2: no sample (the observed run recorded nothing to compare)",
    );
    fails(
        &["compare", s(&empty), s(&a)],
        "empty/timeseries.csv: line 2: no sample (the predicted run",
    );
    // Missing argument.
    fails(&["compare", s(&a)], "OBSERVED");
}
