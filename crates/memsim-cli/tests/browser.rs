//! The teaching report in a real browser: `memsim run --html` on `sims/neo4j-12g-oom.toml`, then
//! Debian's chromium, headless, loads `report.html` from disk.
//!
//! - `--dump-dom` gives the DOM after the page's script ran: the chart (inline SVG with its
//!   areas), the explanation (every term beyond the configuration, with the mechanisms the issue
//!   names), the NMT table and the worst-case table must be in it, and the hover script must have
//!   attached to the chart and the three plots (it marks `<html data-hover-ready="4">`).
//! - `--screenshot` must show a page, not a blank or broken one: ink everywhere the text is, and
//!   a band where the chart's colours fill a large share of the pixels. The same checks run on two
//!   controls that must fail them: a blank page and the report with its chart removed.
//!
//! chromium is required: the test fails, saying how to install it, when it is missing (`.ci/run`
//! installs it). Every chromium call is bounded by `timeout(1)` (120 s, then killed), with its
//! own fresh profile directory, so nothing hangs and nothing is shared between calls.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{memsim, scratch_in, text};

/// The window chromium renders into: wide enough for the chart at its size, tall enough for the
/// header, the chart, the budget and the start of the explanation.
const WINDOW: (u32, u32) = (1200, 2400);

fn chromium_path() -> PathBuf {
    if let Some(p) = std::env::var_os("MEMSIM_CHROMIUM") {
        return PathBuf::from(p);
    }
    for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    panic!(
        "chromium is not installed: this test renders report.html in a real headless browser. \
         Install Debian's chromium (`apt-get install chromium`; .ci/run does), or point \
         MEMSIM_CHROMIUM at a chromium binary."
    );
}

/// Runs chromium headless on `page` with `args`, bounded by `timeout(1)`.
fn chromium(page: &Path, args: &[&str], profile: &Path) -> Output {
    chromium_url(&format!("file://{}", page.display()), args, profile)
}

/// Runs chromium headless on `url` with `args`, bounded by `timeout(1)`.
fn chromium_url(url: &str, args: &[&str], profile: &Path) -> Output {
    let out = Command::new("timeout")
        .args(["--kill-after=10", "120"])
        .arg(chromium_path())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("timeout(1) runs chromium");
    assert!(
        out.status.success(),
        "chromium failed on {url} ({:?}; 124 = timed out):\n{}",
        out.status,
        text(&out.stderr)
    );
    out
}

fn screenshot(page: &Path, dir: &Path, name: &str) -> Image {
    let png = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    chromium(
        page,
        &[
            &format!("--window-size={},{}", WINDOW.0, WINDOW.1),
            &format!("--screenshot={}", png.display()),
        ],
        &dir.join(format!("profile-{name}")),
    );
    Image::read(&png)
}

/// An RGB screenshot.
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<[u8; 3]>,
}

impl Image {
    fn read(path: &Path) -> Image {
        let file = std::fs::File::open(path)
            .unwrap_or_else(|e| panic!("chromium wrote no screenshot {}: {e}", path.display()));
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut buf).expect("a frame");
        let channels = info.color_type.samples();
        let (width, height) = (info.width as usize, info.height as usize);
        let rgb = buf[..info.buffer_size()]
            .chunks_exact(channels)
            .map(|p| match channels {
                1 | 2 => [p[0]; 3],
                _ => [p[0], p[1], p[2]],
            })
            .collect();
        Image { width, height, rgb }
    }

    /// Shares of pixels in rows `y0..y1` that are inked (not near white), coloured (saturated:
    /// the chart's areas, not grey text) and dark (text).
    fn ink(&self, y0: usize, y1: usize) -> Ink {
        let (mut inked, mut coloured, mut dark) = (0usize, 0usize, 0usize);
        let rows = &self.rgb[y0 * self.width..y1.min(self.height) * self.width];
        for p in rows {
            let (max, min) = (*p.iter().max().unwrap(), *p.iter().min().unwrap());
            inked += usize::from(min < 235);
            coloured += usize::from(max - min > 60);
            dark += usize::from(max < 110);
        }
        let n = rows.len().max(1) as f64;
        Ink {
            inked: inked as f64 / n,
            coloured: coloured as f64 / n,
            dark: dark as f64 / n,
        }
    }
}

#[derive(Debug)]
struct Ink {
    inked: f64,
    coloured: f64,
    dark: f64,
}

/// What a rendered report must look like; `Err` says what is missing.
///
/// The page as a whole is neither blank nor flooded; some 300-pixel band in the first 1,400 rows
/// (where the chart is) is at least 20 % coloured (with the report's chart: 45 %; without it:
/// under 1 %, measured with chromium 156); and text is everywhere: at least 80 % of the 100-pixel bands hold dark pixels.
fn looks_like_a_report(img: &Image) -> Result<(), String> {
    if (img.width, img.height) != (WINDOW.0 as usize, WINDOW.1 as usize) {
        return Err(format!("screenshot is {}x{}", img.width, img.height));
    }
    let all = img.ink(0, img.height);
    if !(0.03..0.6).contains(&all.inked) {
        return Err(format!("blank or flooded page: {all:?}"));
    }
    let chart_band = (0..1100)
        .step_by(50)
        .map(|y| img.ink(y, y + 300).coloured)
        .fold(0.0, f64::max);
    if chart_band < 0.20 {
        return Err(format!(
            "no chart: the most coloured 300-pixel band has {:.1} % coloured pixels",
            chart_band * 100.0
        ));
    }
    let bands = img.height / 100;
    let with_text = (0..bands)
        .filter(|b| img.ink(b * 100, b * 100 + 100).dark > 0.001)
        .count();
    eprintln!(
        "screenshot: {all:?}; most coloured band {:.1} %; text in {with_text} of {bands} bands",
        chart_band * 100.0
    );
    if with_text * 10 < bands * 8 {
        return Err(format!("text in only {with_text} of {bands} bands"));
    }
    Ok(())
}

#[test]
fn the_html_report_renders_in_a_headless_browser() {
    let dir = scratch_in("browser", "neo4j-12g-oom");
    let out = dir.join("run");
    let run = memsim(&[
        "run",
        "-q",
        "--html",
        "--exit-zero",
        "sims/neo4j-12g-oom.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();

    // The DOM after the script ran.
    let dom = text(&chromium(&page, &["--dump-dom"], &dir.join("profile-dom")).stdout);
    assert!(
        dom.contains("data-hover-ready=\"4\""),
        "the hover script did not attach to the chart and the 3 plots"
    );
    let section = |id: &str| -> &str {
        let start = dom
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id} in the rendered DOM"));
        let end = dom[start..]
            .find("</section>")
            .map_or(dom.len(), |e| start + e);
        &dom[start..end]
    };
    let chart = section("over-the-run");
    assert!(chart.contains("<svg"), "no inline chart");
    assert!(
        chart.matches("<path").count() >= 10,
        "the chart has no areas"
    );
    assert!(
        chart.contains("OOM-KILLED"),
        "the chart's title is not there"
    );
    assert!(
        chart.contains("class=\"ev error\""),
        "no OOM-kill marker in the event strip"
    );

    let explanation = section("explanation");
    for term in [
        "Netty Direct",
        "Thread",
        "GC",
        "Metaspace",
        "Native (untracked)",
    ] {
        assert!(
            explanation.contains(&format!("id=\"term-{}\"", slug(term))),
            "{term} not explained"
        );
    }
    assert!(explanation.contains("defaults to the maximum heap size"));
    assert!(explanation.contains("only the pages its deepest call has touched"));
    assert!(explanation.contains("remembered set"));
    assert!(explanation.contains("Sources:"));
    // What the run's own settings made of the terms.
    assert!(explanation.contains(
        "-XX:MaxDirectMemorySize was not set, so it defaulted to the heap's maximum: 4.00 GiB"
    ));
    assert!(explanation.contains("of the reservation touched"));
    let netty = explanation.find("term-netty-direct").unwrap();
    let thread = explanation.find("term-thread").unwrap();
    assert!(netty < thread, "ranked: Netty Direct (1 GiB) before Thread");

    let nmt = section("nmt");
    assert!(nmt.contains("id=\"nmt-table\""));
    for row in [
        "Java Heap",
        "Class",
        "Thread",
        "Code",
        "GC",
        "Other",
        "Metaspace",
    ] {
        assert!(nmt.contains(&format!("<td>{row}</td>")), "NMT row {row}");
    }
    assert!(section("budget").contains("id=\"worst-case\""));
    assert!(section("over-time").contains("id=\"plot-direct\""));

    // The hover values at the peak (the page shows the instant of `#at=SECONDS` as a pointer there
    // would): the nearest sample's time and total, formatted by the script.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let peak_s = report["peak_at_seconds"].as_f64().unwrap();
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let total_col = header
        .iter()
        .position(|c| *c == "resident_total_bytes")
        .unwrap();
    let (at, total) = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[total_col].parse::<u64>().unwrap())
        })
        .min_by(|a, b| {
            let d = |x: &str| (x.parse::<f64>().unwrap() - peak_s).abs();
            d(&a.0).total_cmp(&d(&b.0))
        })
        .unwrap();
    let url = format!("file://{}#at={peak_s}", page.display());
    let hovered = text(&chromium_url(&url, &["--dump-dom"], &dir.join("profile-at")).stdout);
    let tip_start = hovered.find("id=\"hover\"").expect("the hover element");
    let tip = &hovered[tip_start..tip_start + hovered[tip_start..].find("</div>").unwrap()];
    assert!(
        tip.contains(&format!("data-at=\"{at}\"")),
        "hover at {peak_s}: {tip}"
    );
    let gib = format!("{:.2} GiB resident", total as f64 / f64::from(1u32 << 30));
    assert!(tip.contains(&gib), "hover shows {gib}: {tip}");
    assert!(tip.contains("<td>Java Heap</td>"), "{tip}");

    // The screenshot.
    let report = screenshot(&page, &dir, "report");
    looks_like_a_report(&report).unwrap_or_else(|e| panic!("report.html renders broken: {e}"));

    // Controls: the same checks reject a blank page and the report without its chart.
    let blank = dir.join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").unwrap();
    assert!(looks_like_a_report(&screenshot(&blank, &dir, "blank")).is_err());
    let start = html.find("<svg xmlns").unwrap();
    let end = start + html[start..].find("</svg>").unwrap() + "</svg>".len();
    let chartless = dir.join("no-chart.html");
    std::fs::write(&chartless, format!("{}{}", &html[..start], &html[end..])).unwrap();
    let e = looks_like_a_report(&screenshot(&chartless, &dir, "no-chart"))
        .expect_err("a report without its chart passes the screenshot check");
    assert!(e.contains("no chart"), "{e}");
    eprintln!("control without the chart: {e}");
}

fn slug(name: &str) -> String {
    let mut s = String::new();
    for w in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(&w.to_ascii_lowercase());
    }
    s
}

#[test]
fn the_compare_page_renders_in_a_headless_browser() {
    let dir = scratch_in("browser", "compare");
    let mut runs = Vec::new();
    for sim in ["neo4j-12g-fits", "neo4j-12g-oom"] {
        let out = dir.join(sim);
        let run = memsim(&[
            "run",
            "-q",
            "--exit-zero",
            &format!("sims/{sim}.toml"),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(run.status.success(), "{}", text(&run.stderr));
        runs.push(out);
    }
    let page = dir.join("compare.html");
    let cmp = memsim(&[
        "compare",
        runs[0].to_str().unwrap(),
        runs[1].to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(cmp.status.success(), "{}", text(&cmp.stderr));
    let dom = text(&chromium(&page, &["--dump-dom"], &dir.join("profile-dom")).stdout);
    let chart = dom
        .split("id=\"compare-chart\"")
        .nth(1)
        .expect("no #compare-chart in the rendered DOM");
    assert!(chart.contains("<svg"), "no inline chart");
    assert!(
        chart.matches("<polyline").count() >= 8,
        "the chart has no lines"
    );
    let table = dom
        .split("id=\"category-table\"")
        .nth(1)
        .expect("no #category-table in the rendered DOM");
    assert!(
        table.contains("<td class=\"bad\">under-predicted</td>"),
        "no miss marked"
    );
    assert!(dom.contains("<span class=\"verdict oom_killed\">oom_killed</span>"));
    // A page, not a blank one: text in most 100-pixel bands, and the chart's coloured lines.
    let img = screenshot(&page, &dir, "compare");
    let bands = img.height / 100;
    let with_text = (0..bands)
        .filter(|b| img.ink(b * 100, (b + 1) * 100).dark > 0.001)
        .count();
    assert!(
        with_text * 10 >= bands * 6,
        "text in {with_text} of {bands} bands"
    );
    assert!(
        (0..bands).any(|b| img.ink(b * 100, (b + 1) * 100).coloured > 0.002),
        "no coloured lines"
    );
}
