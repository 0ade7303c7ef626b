//! The chart of every bundled scenario, checked from its computed layout: no text overlaps
//! another or the legend, the legend lists only what the run had, its counts are the text
//! summary's, the title says what the `VERDICT:` line says; `chart.png` decodes at the chart's
//! size; and the SVG rasterised by `rsvg-convert` and by ImageMagick's `convert` shows ink in every
//! label's box (the labels that once vanished in ImageMagick). CI installs both tools
//! (`.ci/run`); without them this test fails under `CI` and says so elsewhere.

mod common;
use common::{scratch_in, text, workspace};

use std::path::Path;
use std::process::Command;

use memsim_core::size::group_thousands;
use memsim_core::{Account, EventKind, GcKind, RunSummary};
use memsim_report::{ChartLayout, Rect, Role, chart_layout};

/// Every bundled scenario's name and finished run.
fn bundled_runs() -> Vec<(String, RunSummary)> {
    let mut files: Vec<_> = std::fs::read_dir(workspace().join("sims"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 9, "{files:?}");
    files
        .iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let source = std::fs::read_to_string(path).unwrap();
            let scenario = memsim_scenario::parse(&source, &name).unwrap();
            let summary = memsim_engine::run(
                &scenario,
                memsim_engine::RunOptions {
                    seed: None,
                    check_invariants: false,
                },
            );
            (name, summary)
        })
        .collect()
}

fn summary_text(s: &RunSummary) -> String {
    let mut out = Vec::new();
    memsim_report::render_text_summary(s, &mut out).unwrap();
    text(&out)
}

fn assert_layout_is_clear(name: &str, l: &ChartLayout) {
    let canvas = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: l.size.0,
        y1: l.size.1,
    };
    let title = l.texts.iter().find(|t| t.0 == Role::Title).unwrap().2;
    for (i, (ra, ta, a)) in l.texts.iter().enumerate() {
        assert!(
            canvas.contains(a),
            "{name}: {ra:?} `{ta}` {a:?} leaves the canvas"
        );
        for (rb, tb, b) in &l.texts[i + 1..] {
            assert!(
                !a.overlaps(b, 0.0),
                "{name}: {ra:?} `{ta}` {a:?} overlaps {rb:?} `{tb}` {b:?}"
            );
        }
        if *ra != Role::Legend {
            assert!(
                !a.overlaps(&l.legend, 0.0),
                "{name}: {ra:?} `{ta}` overlaps the legend"
            );
        }
        if *ra != Role::Title {
            assert!(
                !a.overlaps(&title, 0.0),
                "{name}: `{ta}` overlaps the title"
            );
        }
    }
    assert!(
        canvas.contains(&l.legend),
        "{name}: the legend leaves the canvas"
    );
}

#[test]
fn bundled_charts_are_clear_complete_and_agree_with_the_text() {
    for (name, s) in bundled_runs() {
        let l = chart_layout(&s);
        assert_layout_is_clear(&name, &l);
        let summary = summary_text(&s);

        // Title: the scenario and the VERDICT line's words (failures included).
        let words = l.title.strip_prefix(&format!("{} — ", s.scenario)).unwrap();
        assert!(
            summary.contains(&format!("VERDICT: {words}")),
            "{name}: title `{}` against\n{summary}",
            l.title
        );
        let title_shown = &l.texts.iter().find(|t| t.0 == Role::Title).unwrap().1;
        assert_eq!(title_shown, &l.title, "{name}: the title was elided");

        // Bands: only accounts that were resident, each once, all of them.
        let mut in_bands: Vec<Account> = l.bands.iter().flat_map(|b| b.accounts.clone()).collect();
        in_bands.sort_by_key(|a| a.index());
        let resident: Vec<Account> = Account::ALL
            .iter()
            .copied()
            .filter(|a| {
                s.samples.iter().any(|x| x.accounts[a.index()].resident > 0)
                    || s.at_peak.get(*a).resident > 0
            })
            .collect();
        assert_eq!(in_bands, resident, "{name}");
        let legend: Vec<&str> = l
            .texts
            .iter()
            .filter(|t| t.0 == Role::Legend)
            .map(|t| t.1.as_str())
            .collect();
        for b in &l.bands {
            assert!(
                legend.contains(&b.name.as_str()),
                "{name}: {} not in {legend:?}",
                b.name
            );
        }

        // Event kinds: only those that occurred, with the text's counts.
        for e in &l.legend_events {
            assert!(
                s.events.iter().any(|x| x.kind == e.kind),
                "{name}: {:?}",
                e.kind
            );
            assert!(e.count > 0);
            match e.kind {
                EventKind::OutOfMemoryError | EventKind::OutOfDirectMemoryError => {
                    let class = if e.kind == EventKind::OutOfMemoryError {
                        "OutOfMemoryError"
                    } else {
                        "OutOfDirectMemoryError"
                    };
                    let said = format!("{} {class}", group_thousands(e.count));
                    assert!(
                        summary.contains(&said) || s.verdict == memsim_core::Verdict::OomKilled,
                        "{name}: `{said}` not in\n{summary}"
                    );
                    let errors = s.failures.errors.iter().find(|x| x.kind == e.kind).unwrap();
                    assert_eq!(errors.count, e.count, "{name}");
                }
                EventKind::FullGc => {
                    let row = summary
                        .lines()
                        .find(|l| l.trim_start().starts_with(GcKind::Full.as_str()))
                        .unwrap_or_else(|| panic!("{name}: no full GC row in\n{summary}"));
                    assert!(row.contains(&format!(" {}×", e.count)), "{name}: {row}");
                }
                _ => {}
            }
            if e.count > 1 {
                let shown = format!(" ×{}", group_thousands(e.count));
                assert!(
                    legend.iter().any(|t| t.ends_with(&shown)),
                    "{name}: {shown} not in {legend:?}"
                );
            }
        }
        // Every marked kind the run had is listed; nothing else is.
        assert!(
            l.legend_events.len()
                == legend
                    .iter()
                    .position(|t| *t == "events")
                    .map_or(0, |i| legend.len() - i - 1),
            "{name}: {legend:?}"
        );
    }
}

#[test]
fn chart_png_is_written_beside_the_svg_at_its_size() {
    let dir = scratch_in("chart", "png");
    let out = dir.join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_memsim"))
        .args([
            "run",
            "--exit-zero",
            "-q",
            "sims/neo4j-12g-oom.toml",
            "--out",
        ])
        .arg(&out)
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let png = std::fs::read(out.join("chart.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1100, 600));
    assert!(png.len() > 20_000, "{} bytes: blank?", png.len());
}

/// Whether `tool` runs; when it does not, a failure under CI (which installs it), a note elsewhere.
fn have(tool: &str, probe: &[&str]) -> bool {
    let ok = Command::new(tool)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is missing: .ci/run installs it (apt-get install librsvg2-bin imagemagick)"
        );
        eprintln!(
            "note: {tool} is missing; install librsvg2-bin and imagemagick to run this check"
        );
    }
    ok
}

/// A grey, 8-bit raster of `image` (any format ImageMagick reads), flattened on white.
fn grey(image: &Path, width: usize, height: usize) -> Vec<u8> {
    let out = Command::new("convert")
        .arg(image)
        .args([
            "-background",
            "white",
            "-flatten",
            "-colorspace",
            "gray",
            "-depth",
            "8",
            "gray:-",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "convert {}: {}",
        image.display(),
        text(&out.stderr)
    );
    assert_eq!(out.stdout.len(), width * height, "{}", image.display());
    out.stdout
}

/// Inked pixels (darker than 200 of 255: the lightest label is #888888) inside `r`.
fn ink(raster: &[u8], width: usize, r: &Rect) -> usize {
    let (x0, x1) = (r.x0.floor().max(0.0) as usize, r.x1.ceil() as usize);
    let (y0, y1) = (r.y0.floor().max(0.0) as usize, r.y1.ceil() as usize);
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|(x, y)| raster.get(y * width + x).is_some_and(|p| *p < 200))
        .count()
}

#[test]
fn labels_show_in_rsvg_and_imagemagick() {
    if !have("rsvg-convert", &["--version"]) || !have("convert", &["-version"]) {
        return;
    }
    let dir = scratch_in("chart", "rasters");
    for (name, s) in bundled_runs() {
        let l = chart_layout(&s);
        let (width, height) = (l.size.0 as usize, l.size.1 as usize);
        let svg = dir.join(format!("{name}.svg"));
        let mut bytes = Vec::new();
        memsim_report::render_chart_svg(&s, &mut bytes).unwrap();
        std::fs::write(&svg, bytes).unwrap();
        let rsvg_png = dir.join(format!("{name}.rsvg.png"));
        let out = Command::new("rsvg-convert")
            .arg(&svg)
            .args(["-b", "white", "-o"])
            .arg(&rsvg_png)
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let by_rsvg = grey(&rsvg_png, width, height);
        let by_magick = grey(&svg, width, height);
        let mut png = Vec::new();
        memsim_report::render_chart_png(&s, &mut png).unwrap();
        let resvg_png = dir.join(format!("{name}.resvg.png"));
        std::fs::write(&resvg_png, png).unwrap();
        let by_resvg = grey(&resvg_png, width, height);
        for (role, words, b) in &l.texts {
            if matches!(role, Role::Axis) {
                continue;
            }
            // At least one inked pixel per character: a vanished label has none.
            let least = words.chars().filter(|c| !c.is_whitespace()).count();
            for (renderer, raster) in [
                ("rsvg", &by_rsvg),
                ("ImageMagick", &by_magick),
                ("resvg", &by_resvg),
            ] {
                let found = ink(raster, width, b);
                assert!(
                    found >= least,
                    "{name}: {role:?} `{words}` has {found} dark pixels in {renderer}'s rendering (at least {least} expected)"
                );
            }
        }
    }
}
