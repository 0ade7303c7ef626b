//! `memsim run --html` and `memsim report DIR`: the same page from memory and from disk, byte for
//! byte and run after run, for every bundled scenario; exit codes for directories that are not
//! memsim runs.

mod common;

use std::path::Path;

use common::{memsim, scratch_in, text, workspace};

fn run_into(sim: &str, dir: &Path, html: bool) {
    let mut args = vec![
        "run",
        sim,
        "-q",
        "--exit-zero",
        "--out",
        dir.to_str().unwrap(),
    ];
    if html {
        args.push("--html");
    }
    let out = memsim(&args);
    assert!(out.status.success(), "{sim}: {}", text(&out.stderr));
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn run_html_and_report_give_the_same_deterministic_page_for_every_bundled_scenario() {
    let mut sims: Vec<String> = std::fs::read_dir(workspace().join("sims"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    sims.sort();
    assert!(sims.len() >= 9);
    for name in &sims {
        let sim = format!("sims/{name}");
        let base = scratch_in("report-html", name);
        // Two runs: one renders the page in memory, the other's directory is read back from disk.
        let (a, c) = (base.join("a"), base.join("c"));
        run_into(&sim, &a, true);
        run_into(&sim, &c, false);
        assert_eq!(
            names(&a),
            [
                "chart.png",
                "chart.svg",
                "nmt-summary.txt",
                "report.html",
                "report.json",
                "timeseries.csv"
            ],
            "{name}"
        );
        let page = std::fs::read(a.join("report.html")).unwrap();
        let out = memsim(&["report", c.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("report.html"));
        assert!(
            page == std::fs::read(c.join("report.html")).unwrap(),
            "{name}: memsim report on another run gives a different page than run --html"
        );
        // Nothing else is left in the directory (the temporary file was renamed).
        assert_eq!(names(&c), names(&a), "{name}");
        let html = text(&page);
        for id in [
            "over-the-run",
            "budget",
            "explanation",
            "over-time",
            "nmt-table",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{name}: no #{id}");
        }
        assert!(!html.contains("memsim has no explanation"), "{name}");
        if name == "netty-direct-oom.toml" {
            assert!(
                html.contains(
                    ">FITS — but 1,664 OutOfDirectMemoryError, 1,664 requests failed</p>"
                ),
                "the headline names the failures beside fits"
            );
        }
        // The GC's structures are explained for the run's collector.
        let gc = html
            .find("id=\"term-gc\"")
            .map(|i| &html[i..html[i..].find("</li>").unwrap() + i]);
        if let Some(gc) = gc {
            let g1 = html.contains("-XX:+UseG1GC");
            assert_eq!(gc.contains("remembered set"), g1, "{name}: {gc}");
        }
    }
}

#[test]
fn a_later_run_without_html_replaces_the_page_with_the_set() {
    let dir = scratch_in("report-html", "replaced");
    run_into("sims/netty-direct-oom.toml", &dir, false);
    let out = memsim(&["report", "-q", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "-q prints nothing");
    // report.html is one of memsim's reports: the directory is memsim's to replace, and the new
    // set (without --html) does not keep a page about the previous run.
    run_into("sims/space-reuse.toml", &dir, false);
    assert!(!dir.join("report.html").exists());
}

#[test]
fn report_refuses_what_is_not_a_run_directory() {
    let base = scratch_in("report-html", "refused");
    let code = |dir: &Path| {
        let out = memsim(&["report", dir.to_str().unwrap()]);
        (out.status.code(), text(&out.stderr))
    };
    // Absent: cannot be read, as for every other input.
    let (c, err) = code(&base.join("absent"));
    assert_eq!(c, Some(1), "{err}");
    assert!(err.contains("cannot read"), "{err}");
    // A file.
    let file = base.join("file");
    std::fs::write(&file, "x").unwrap();
    let (c, err) = code(&file);
    assert_eq!(c, Some(2), "{err}");
    assert!(err.contains("not a directory"), "{err}");

    let dir = base.join("run");
    run_into("sims/netty-direct-oom.toml", &dir, false);
    let json = std::fs::read_to_string(dir.join("report.json")).unwrap();
    let csv = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();

    // A file missing.
    std::fs::remove_file(dir.join("report.json")).unwrap();
    let (c, err) = code(&dir);
    assert_eq!(c, Some(2), "{err}");
    assert!(err.contains("report.json: missing"), "{err}");
    // A newer format.
    std::fs::write(
        dir.join("report.json"),
        json.replacen("{\n", "{\n  \"format_version\": 2,\n", 1),
    )
    .unwrap();
    let (c, err) = code(&dir);
    assert_eq!(c, Some(2), "{err}");
    assert!(
        err.contains("report.json: line 2") && err.contains("newer memsim"),
        "{err}"
    );
    std::fs::write(dir.join("report.json"), &json).unwrap();
    // A damaged time series.
    let mut lines: Vec<&str> = csv.lines().collect();
    lines[5] = "1.000,oops";
    std::fs::write(dir.join("timeseries.csv"), lines.join("\n")).unwrap();
    let (c, err) = code(&dir);
    assert_eq!(c, Some(2), "{err}");
    assert!(err.contains("timeseries.csv: line 6"), "{err}");
    assert!(!dir.join("report.html").exists(), "nothing written");
    // Fixed again, it works.
    std::fs::write(dir.join("timeseries.csv"), &csv).unwrap();
    assert_eq!(code(&dir).0, Some(0));
}

#[test]
fn html_needs_an_output_directory() {
    let out = memsim(&["run", "sims/space-reuse.toml", "--html"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--out"), "{}", text(&out.stderr));
}
