//! `report.html`: the teaching report, one self-contained page rendered from a run's
//! [`RunFiles`] (so it works for a run just simulated and for a published run directory alike).
//!
//! The page loads nothing: the chart (`chart.svg`) is inlined, the style and the small hover
//! script are inlined, fonts are the system's. It shows, in order: the verdict; the chart with
//! hover values and an event strip aligned with it; the budget arithmetic ([`budget`]); a ranked
//! explanation of every term beyond the configuration, each with its mechanism and sources
//! ([`explain`]) and what the run's own settings made of it ([`context`]); the direct pool, page cache and GC over time ([`plots`]); NMT at the peak as a
//! table; the events. The bytes are deterministic: the same run gives the same page.
//!
//! A chart read from a directory is inlined only when it holds nothing active (no script, event
//! handler, `foreignObject` or link); otherwise it is shown as an image, where nothing in it runs.

mod budget;
mod compare_page;
mod context;
mod explain;
mod markup;
mod plots;

use std::fmt::Write as _;
use std::io::{self, Write};

pub use compare_page::render_compare_html;

use crate::run_files::RunFiles;

use markup::{count, esc, percent, size, time};
use plots::{Line, resident_of};

const CSS: &str = include_str!("html/page.css");
const SCRIPT: &str = include_str!("html/hover.js");

/// Writes `report.html` for `run`.
///
/// # Errors
/// Any error from `w`.
pub fn render_html(run: &RunFiles, w: &mut impl Write) -> io::Result<()> {
    let mut out = String::with_capacity(256 * 1024 + run.chart_svg.len());
    page(run, &mut out);
    w.write_all(out.as_bytes())
}

fn page(run: &RunFiles, out: &mut String) {
    let r = &run.report;
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"memsim\">\n<title>{} — memsim report</title>\n<style>\n{CSS}</style>\n</head>\n<body>",
        esc(&r.scenario)
    );
    header(run, out);
    chart(run, out);
    budget::section(r, out);
    explanation(run, out);
    over_time(run, out);
    nmt_table(run, out);
    events(run, out);
    let _ = writeln!(
        out,
        "<footer>Rendered by memsim from report.json, timeseries.csv, nmt-summary.txt and chart.svg. Simulated, not measured: each model's approximations are listed in memsim's documentation.</footer>\n<div id=\"hover\"></div>"
    );
    plots::hover_data(run, out);
    let _ = writeln!(out, "<script>\n{SCRIPT}</script>\n</body>\n</html>");
}

/// What failed while the process lived, in the headline's words, or `None`.
fn failures(run: &RunFiles) -> Option<String> {
    let f = &run.report.failures;
    let mut parts: Vec<String> = f
        .errors
        .iter()
        .map(|e| format!("{} {}", count(e.count), e.name))
        .collect();
    for (n, what) in [
        (f.requests_failed, "requests failed"),
        (f.threads_failed_to_start, "threads failed to start"),
        (f.transactions_terminated, "transactions terminated"),
    ] {
        if n > 0 {
            parts.push(format!("{} {what}", count(n)));
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn header(run: &RunFiles, out: &mut String) {
    let r = &run.report;
    let verdict = r.verdict;
    let mut headline = verdict.headline().to_string();
    if let Some(f) = failures(run) {
        // "but" where the verdict alone would read as good news.
        let joint = if verdict == memsim_core::Verdict::Fits {
            "but"
        } else {
            "with"
        };
        let _ = write!(headline, " — {joint} {f}");
    }
    if let Some(stop) = &r.stopped_early {
        let _ = write!(
            headline,
            " — stopped by {} = {} at {} (verdict so far: {}; raise [scenario] {} to run to the end)",
            stop.bound,
            count(stop.value),
            time(stop.at_seconds),
            stop.verdict_so_far.headline(),
            stop.bound
        );
    }
    let _ = writeln!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"verdict {}\" id=\"verdict\">{}</p>",
        esc(&r.scenario),
        verdict.as_str(),
        esc(&headline)
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">seed {} · peak resident {} at {} · limit {} ({}) · configured {} · {} simulated events · ended at {} of {}</p>\n</header>",
        r.seed,
        size(r.peak_resident_bytes),
        time(r.peak_at_seconds),
        size(r.limit_bytes),
        esc(&r.limit_source),
        size(r.configured_bytes),
        count(r.n_events),
        time(r.ended_at_seconds),
        time(r.duration_seconds)
    );
}

/// Whether an SVG document holds nothing that runs or loads when inlined in a page.
fn svg_is_inert(svg: &str) -> bool {
    let lower = svg.to_ascii_lowercase();
    let active = [
        "<script",
        "<foreignobject",
        "href",
        "javascript:",
        "<iframe",
        "<!entity",
    ];
    if active.iter().any(|a| lower.contains(a)) {
        return false;
    }
    // Event handler attributes: ` on<letters>=` anywhere.
    let bytes = lower.as_bytes();
    !(0..bytes.len().saturating_sub(3)).any(|i| {
        bytes[i].is_ascii_whitespace() && bytes[i + 1] == b'o' && bytes[i + 2] == b'n' && {
            let rest = &bytes[i + 3..];
            let letters = rest.iter().take_while(|b| b.is_ascii_lowercase()).count();
            letters > 0 && rest[letters..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'=')
        }
    })
}

/// The SVG as a `data:` URI (percent-encoded).
fn svg_data_uri(svg: &str) -> String {
    let mut out = String::from("data:image/svg+xml;charset=utf-8,");
    for b in svg.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn chart(run: &RunFiles, out: &mut String) {
    let svg = run.chart_svg.trim();
    let svg = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    let inert = svg_is_inert(svg);
    let geometry = if inert {
        plots::chart_geometry(svg)
    } else {
        None
    };
    let _ = writeln!(
        out,
        "<section id=\"over-the-run\"><h2>Resident memory over the run</h2>\n<p>Move the pointer over the chart for the values at an instant. Markers under it are the run's events (hover them for the message).</p>"
    );
    match geometry {
        Some((w, x0, x1)) => {
            let _ = writeln!(
                out,
                "<div class=\"chart-box hover-area\" id=\"chart\" data-hover=\"1\" data-w=\"{w}\" data-x0=\"{x0}\" data-x1=\"{x1}\" data-t1=\"{:.3}\">",
                plots::span_seconds(run)
            );
        }
        None => {
            let _ = writeln!(out, "<div class=\"chart-box\" id=\"chart\">");
        }
    }
    if inert {
        let _ = writeln!(out, "{svg}");
    } else {
        let _ = writeln!(
            out,
            "<img alt=\"resident memory over the run\" style=\"width:100%\" src=\"{}\">",
            svg_data_uri(svg)
        );
    }
    let _ = writeln!(out, "<div class=\"cursor\"></div></div>");
    plots::event_strip(run, geometry, out);
    let _ = writeln!(out, "</section>");
}

fn explanation(run: &RunFiles, out: &mut String) {
    let r = &run.report;
    let _ = writeln!(
        out,
        "<section id=\"explanation\"><h2>Why the process is larger than its configuration</h2>"
    );
    if r.beyond_configuration.is_empty() {
        let _ = writeln!(
            out,
            "<p>Nothing was resident beyond the configured terms at the peak.</p></section>"
        );
        return;
    }
    let beyond: u64 = r
        .beyond_configuration
        .iter()
        .map(|b| b.resident_bytes)
        .sum();
    let _ = writeln!(
        out,
        "<p>At the peak, {} ({} of the peak) was resident in memory no configured term accounts for. Largest first, what each is and why it grows (terms under 1 % of the peak are folded: open them for theirs):</p>\n<ol class=\"terms\">",
        size(beyond),
        percent(beyond, r.peak_resident_bytes)
    );
    for b in &r.beyond_configuration {
        let slug = crate::html_id(&b.category);
        // Terms under 1 % of the peak are folded (their explanation one click away), so the
        // large ones read first; all stay in rank order.
        let small = u128::from(b.resident_bytes) * 100 < u128::from(r.peak_resident_bytes);
        let _ = writeln!(
            out,
            "<li id=\"term-{slug}\">{}<h3>{} — {}</h3> <span class=\"in-run\">({} of the peak)</span>{}",
            if small { "<details><summary>" } else { "" },
            esc(&b.category),
            size(b.resident_bytes),
            percent(b.resident_bytes, r.peak_resident_bytes),
            if small { "</summary>" } else { "" },
        );
        if let Some(c) = r.category(&b.category) {
            let _ = writeln!(
                out,
                "<p class=\"in-run\">In this run at the peak: reserved {}, committed {}, resident {}{}.</p>",
                size(c.reserved_bytes),
                size(c.committed_bytes),
                size(c.resident_bytes),
                c.nmt_category.as_deref().map_or_else(
                    || "; NMT does not see it".to_string(),
                    |n| format!("; NMT shows it under {}", esc(n))
                )
            );
        }
        if let Some(line) = context::in_this_run(&b.category, r) {
            let _ = writeln!(out, "<p class=\"in-run\">{}</p>", esc(&line));
        }
        match explain::explanation(&b.category, &r.gc.collector) {
            Some(e) => {
                let _ = writeln!(
                    out,
                    "<p class=\"what\">{}</p>\n<p class=\"mechanism\"><b>Why:</b> {}</p>\n<p class=\"remedy\"><b>What to do:</b> {}</p>",
                    esc(e.what),
                    esc(e.mechanism),
                    esc(e.remedy)
                );
                let sources: Vec<String> = e
                    .sources
                    .iter()
                    .map(|s| format!("{}: <cite>{}</cite>", esc(s.project), esc(s.location)))
                    .collect();
                let _ = writeln!(
                    out,
                    "<p class=\"sources\">Sources: {}</p>",
                    sources.join("; ")
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "<p class=\"what\">memsim has no explanation for this category.</p>"
                );
            }
        }
        let _ = writeln!(out, "{}</li>", if small { "</details>" } else { "" });
    }
    let _ = writeln!(out, "</ol></section>");
}

fn over_time(run: &RunFiles, out: &mut String) {
    let r = &run.report;
    let ts = &run.timeseries;
    let _ = writeln!(
        out,
        "<section id=\"over-time\"><h2>The direct pool, the page cache and the GC over time</h2>"
    );
    let netty = resident_of(ts, "Netty Direct");
    let jdk = resident_of(ts, "JDK Direct");
    plots::plot(
        "plot-direct",
        "Direct memory (resident)",
        run,
        &[
            Line {
                label: "Netty Direct".into(),
                color: "#e6550d",
                values: netty,
            },
            Line {
                label: "JDK Direct".into(),
                color: "#fd8d3c",
                values: jdk,
            },
        ],
        r.parameter_bytes("MaxDirectMemorySize")
            .map(|b| ("MaxDirectMemorySize", b)),
        out,
    );
    let page_cache = resident_of(ts, "Page Cache");
    if page_cache.iter().any(|b| *b > 0) || r.database.is_some() {
        let file: Vec<u64> = ts.rows.iter().map(|row| row.charged_file_bytes).collect();
        plots::plot(
            "plot-page-cache",
            "Page cache: the database's own (resident) and the kernel's file pages charged to the cgroup",
            run,
            &[
                Line {
                    label: "database page cache".into(),
                    color: "#3182bd",
                    values: page_cache,
                },
                Line {
                    label: "kernel file pages charged".into(),
                    color: "#9ecae1",
                    values: file,
                },
            ],
            r.parameter_bytes("page_cache_size")
                .filter(|b| *b > 0)
                .map(|b| ("configured", b)),
            out,
        );
    }
    plots::plot(
        "plot-gc",
        "The collector's native structures (resident)",
        run,
        &[Line {
            label: "GC".into(),
            color: "#756bb1",
            values: resident_of(ts, "GC"),
        }],
        None,
        out,
    );
    let g = &r.gc;
    let _ = writeln!(
        out,
        "<p>{} ({}): {} collections, {} ms paused ({}% of the run stopped); pauses simulated, not measured.</p>",
        esc(&g.collector),
        if g.collections == 0 {
            "no collection"
        } else {
            "collections"
        },
        count(g.collections),
        fixed3(g.total_pause_ms),
        fixed3(g.pause_percent)
    );
    if !g.pauses.is_empty() {
        let _ = writeln!(
            out,
            "<table class=\"num1\" id=\"gc-pauses\"><thead><tr><th>kind</th><th>count</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>total ms</th></tr></thead><tbody>"
        );
        for p in &g.pauses {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.kind),
                count(p.count),
                fixed3(p.p50_ms),
                fixed3(p.p90_ms),
                fixed3(p.p99_ms),
                fixed3(p.max_ms),
                fixed3(p.total_ms)
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    let _ = writeln!(out, "</section>");
}

/// A number with three decimals (values in report.json are rounded to them already).
fn fixed3(x: f64) -> String {
    format!("{x:.3}")
}

fn nmt_table(run: &RunFiles, out: &mut String) {
    let r = &run.report;
    let _ = writeln!(
        out,
        "<section id=\"nmt\"><h2>Native Memory Tracking at the peak</h2>\n<p>What <code>jcmd &lt;pid&gt; VM.native_memory summary</code> would show at the peak ({}), with the resident part memsim knows. NMT's Other holds the page cache and direct memory; RSS also holds what NMT does not see (below the table).</p>",
        time(r.peak_at_seconds)
    );
    let _ = writeln!(
        out,
        "<table class=\"num1\" id=\"nmt-table\"><thead><tr><th>category</th><th>reserved</th><th>committed</th><th>resident</th></tr></thead><tbody>"
    );
    for (name, amounts) in &run.nmt_summary.categories {
        let resident: u64 = r
            .categories_at_peak
            .iter()
            .filter(|(_, c)| c.nmt_category.as_deref() == Some(name.as_str()))
            .map(|(_, c)| c.resident_bytes)
            .sum();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            size(amounts.reserved_bytes),
            size(amounts.committed_bytes),
            size(resident)
        );
    }
    let t = &run.nmt_summary.total;
    let visible_resident: u64 = r
        .categories_at_peak
        .iter()
        .filter(|(_, c)| c.nmt_category.is_some())
        .map(|(_, c)| c.resident_bytes)
        .sum();
    let _ = writeln!(
        out,
        "</tbody><tfoot><tr><th>Total</th><th>{}</th><th>{}</th><th>{}</th></tr></tfoot></table>",
        size(t.reserved_bytes),
        size(t.committed_bytes),
        size(visible_resident)
    );
    let unseen: Vec<String> = r
        .categories_at_peak
        .iter()
        .filter(|(_, c)| c.nmt_category.is_none() && c.resident_bytes > 0)
        .map(|(n, c)| format!("{} {}", esc(n), size(c.resident_bytes)))
        .collect();
    if !unseen.is_empty() {
        let _ = writeln!(
            out,
            "<p>Resident but invisible to NMT: {}.</p>",
            unseen.join(", ")
        );
    }
    let _ = writeln!(out, "</section>");
}

fn events(run: &RunFiles, out: &mut String) {
    let r = &run.report;
    let _ = writeln!(
        out,
        "<section id=\"events\"><h2>Events</h2>\n<table id=\"event-table\"><thead><tr><th>at</th><th>kind</th><th>message</th></tr></thead><tbody>"
    );
    for e in &r.events {
        let repeats = if e.repeats > 0 {
            format!(" <i>(and {} more like it)</i>", count(e.repeats))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}{repeats}</td></tr>",
            plots::event_class(&e.kind),
            time(e.at_seconds),
            esc(&e.kind),
            esc(&e.message)
        );
    }
    let _ = writeln!(out, "</tbody></table></section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fixture, write_all_reports};

    fn html(s: &memsim_core::RunSummary) -> String {
        let files = write_all_reports(s);
        let run = RunFiles::from_files(files.iter().map(|(n, b)| (*n, b.as_slice()))).unwrap();
        let mut out = Vec::new();
        render_html(&run, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_page_is_self_contained_and_deterministic() {
        let a = html(&fixture::oom_run());
        assert_eq!(a, html(&fixture::oom_run()));
        assert!(a.starts_with("<!DOCTYPE html>"));
        assert!(a.ends_with("</html>\n"));
        // Nothing is loaded from anywhere.
        for needle in ["src=\"http", "href=", "@import", "url(", "<link"] {
            assert!(!a.contains(needle), "{needle}");
        }
        assert!(a.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1100\""));
        assert!(a.contains("id=\"explanation\""));
        assert!(a.contains("id=\"nmt-table\""));
        assert!(a.contains("id=\"worst-case\""));
        assert!(a.contains("data-hover=\"1\" data-w=\"1100\""));
    }

    #[test]
    fn user_text_is_escaped() {
        let a = html(&fixture::fitting_run());
        assert!(a.contains("fits &lt;small&gt; &amp; &quot;quoted&quot;"));
        assert!(!a.contains("fits <small>"));
        assert!(a.contains("phase &lt;a&amp;b&gt; started"));
    }

    #[test]
    fn every_term_beyond_the_configuration_is_explained_in_rank_order() {
        let s = fixture::oom_run();
        let a = html(&s);
        let positions: Vec<usize> = s
            .beyond_configuration()
            .iter()
            .map(|(acc, _)| {
                a.find(&format!("id=\"term-{}\"", crate::html_id(acc.name())))
                    .unwrap_or_else(|| panic!("{} not explained", acc.name()))
            })
            .collect();
        assert!(positions.windows(2).all(|p| p[0] < p[1]));
        assert!(!a.contains("memsim has no explanation"));
    }

    #[test]
    fn the_headline_names_failures_and_the_bound_that_stopped_a_run() {
        let a = html(&fixture::oom_run());
        assert!(a.contains(">OOM-KILLED — with 4 OutOfMemoryError, 38 OutOfDirectMemoryError, 42 requests failed</p>"), "{}", &a[..2000.min(a.len())]);
        let mut s = fixture::fitting_run();
        s.verdict = memsim_core::Verdict::Incomplete;
        s.stopped_early = Some(memsim_core::Stop {
            bound: memsim_core::Bound::MaxEvents(1000),
            at: memsim_core::SimTime(62_468_000_000),
            so_far: memsim_core::Verdict::Fits,
        });
        let a = html(&s);
        assert!(a.contains("INCOMPLETE — stopped by max_events = 1,000 at 1m02.468s (verdict so far: FITS; raise [scenario] max_events to run to the end)"));
    }

    #[test]
    fn an_active_chart_is_shown_as_an_image() {
        assert!(svg_is_inert("<svg><text x=\"1\">on = off</text></svg>"));
        assert!(!svg_is_inert("<svg><script>alert(1)</script></svg>"));
        assert!(!svg_is_inert("<svg onload=\"alert(1)\"></svg>"));
        assert!(!svg_is_inert("<svg><a href=\"https://x\">x</a></svg>"));
        let uri = svg_data_uri("<svg a=\"1\"/>");
        assert_eq!(
            uri,
            "data:image/svg+xml;charset=utf-8,%3Csvg%20a%3D%221%22%2F%3E"
        );
    }
}
