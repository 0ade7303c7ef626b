//! `memsim diff`: two published runs compared category by category (with a chart of both), and
//! `summary.diff` between two instants of one run in jcmd's layout.

mod common;
use common::{memsim, scratch_in, text};

use std::path::PathBuf;

/// Publishes `sim`'s run into a fresh directory and returns it.
fn published(sim: &str) -> PathBuf {
    let dir = scratch_in("diff", sim).join("run");
    let out = memsim(&[
        "run",
        "-q",
        "--exit-zero",
        &format!("sims/{sim}.toml"),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    dir
}

#[test]
fn two_runs_are_compared_category_by_category_with_a_chart_of_both() {
    let a = published("neo4j-12g-oom");
    let b = published("neo4j-12g-fits");
    let chart = a.parent().unwrap().join("diff.svg");
    let args = [
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--chart",
        chart.to_str().unwrap(),
    ];
    let out = memsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let d = text(&out.stdout);
    assert!(
        d.starts_with(
            "memsim diff: A = neo4j-12g-oom (seed 7), B = neo4j-12g-fits (seed 7)\n  verdict        A oom_killed, B fits\n"
        ),
        "{d}"
    );
    // The page cache was cut from 6 to 4 GiB; Netty's pool grew once its cap was set.
    let row = |name: &str| {
        d.lines()
            .find(|l| l.starts_with(&format!("  {name:<24} ")))
            .unwrap_or_else(|| panic!("no {name} row: {d}"))
            .to_string()
    };
    let page_cache = row("Page Cache");
    assert!(
        page_cache.contains("6.02 GiB") && page_cache.contains("4.02 GiB"),
        "{page_cache}"
    );
    assert!(row("Netty Direct").contains(" +"), "{d}");
    // B is read at A's peak instant, as A's peak line prints it.
    let a_peak_at = d
        .lines()
        .find_map(|l| l.strip_prefix("  peak resident  A "))
        .and_then(|l| l.split(" at ").nth(1))
        .and_then(|l| l.split(',').next())
        .unwrap_or_else(|| panic!("no peak instant of A: {d}"));
    assert!(
        d.contains(&format!("at A's peak ({a_peak_at}) B had ")),
        "{d}"
    );
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("A: resident total (oom_killed"), "{svg}");
    assert!(svg.contains("B: resident total (fits"), "{svg}");
    // Deterministic, chart included.
    let again = memsim(&args);
    assert_eq!(again.stdout, out.stdout);
    assert_eq!(std::fs::read_to_string(&chart).unwrap(), svg);

    // A run against itself.
    let out = memsim(&["diff", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert!(
        text(&out.stdout).contains("Resident by category: no category differs ("),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn what_is_not_a_run_directory_is_refused_with_exit_2() {
    let a = published("netty-direct-oom");
    let out = memsim(&["diff", a.to_str().unwrap(), "sims"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("report.json: missing"),
        "{}",
        text(&out.stderr)
    );
    let out = memsim(&["diff", a.to_str().unwrap(), "sims/netty-direct-oom.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a run directory"));
    // A truncated report.json.
    let broken = a.parent().unwrap().join("broken");
    let _ = std::fs::remove_dir_all(&broken);
    std::fs::create_dir_all(&broken).unwrap();
    for f in [
        "report.json",
        "timeseries.csv",
        "nmt-summary.txt",
        "chart.svg",
    ] {
        std::fs::copy(a.join(f), broken.join(f)).unwrap();
    }
    let json = std::fs::read_to_string(broken.join("report.json")).unwrap();
    std::fs::write(broken.join("report.json"), &json[..json.len() / 2]).unwrap();
    let out = memsim(&["diff", a.to_str().unwrap(), broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("report.json"),
        "{}",
        text(&out.stderr)
    );
    // Two modes at once.
    let out = memsim(&[
        "diff",
        a.to_str().unwrap(),
        a.to_str().unwrap(),
        "--from",
        "1m",
        "--to",
        "2m",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn summary_diff_between_two_instants_is_jcmds_layout_and_parses_back() {
    let out = memsim(&[
        "diff",
        "sims/neo4j-12g-oom.toml",
        "--from",
        "5m",
        "--to",
        "peak",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let d = text(&out.stdout);
    assert!(
        d.starts_with("memsim: neo4j-12g-oom seed 7, at the peak (")
            && d.contains(
                "s) against a baseline at 5m00.000s (the sample at 5m00.000s):\n\nNative Memory Tracking:\n\n(Omitting categories weighting less than 1KB)\n\nTotal: reserved="
            ),
        "{d}"
    );
    // Threads and the direct pool grew between the two instants; the heap (-Xms = -Xmx) did not.
    let line = |name: &str| {
        d.lines()
            .find(|l| l.starts_with('-') && l.contains(&format!(" {name} (")))
            .unwrap_or_else(|| panic!("no {name}: {d}"))
            .to_string()
    };
    assert!(line("Thread").contains("KB +"), "{d}");
    assert!(line("Other").contains("KB +"), "{d}");
    assert!(!line("Java Heap").contains("KB +"), "{d}");
    // Each category is followed by a line holding one space, as jcmd prints it.
    assert!(d.contains(")\n \n-"), "{d}");

    // It parses back, and its peak side is the run's published nmt-summary.txt.
    let parsed = memsim_report::parse_nmt(&d).unwrap();
    let dir = scratch_in("diff", "instant-peak").join("run");
    let out = memsim(&[
        "run",
        "-q",
        "--exit-zero",
        "sims/neo4j-12g-oom.toml",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let published =
        memsim_report::parse_nmt(&std::fs::read_to_string(dir.join("nmt-summary.txt")).unwrap())
            .unwrap();
    assert_eq!(parsed.total.reserved_bytes, published.total.reserved_bytes);
    assert_eq!(
        parsed.total.committed_bytes,
        published.total.committed_bytes
    );
    let amounts = |s: &memsim_report::NmtSummary| -> Vec<(String, u64, u64)> {
        s.categories
            .iter()
            .map(|(n, a)| (n.clone(), a.reserved_bytes, a.committed_bytes))
            .collect()
    };
    assert_eq!(amounts(&parsed), amounts(&published));

    // An instant after the kill, or not an instant at all.
    let out = memsim(&[
        "diff",
        "sims/neo4j-12g-oom.toml",
        "--from",
        "5m",
        "--to",
        "19m",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(" (oom_killed), before 19m00.000s")
            && text(&out.stderr).contains("the run ended at 13m"),
        "{}",
        text(&out.stderr)
    );
    let out = memsim(&[
        "diff",
        "sims/neo4j-12g-oom.toml",
        "--from",
        "soon",
        "--to",
        "end",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`soon` is not an instant"));
}
