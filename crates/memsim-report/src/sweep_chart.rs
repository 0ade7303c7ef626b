//! `memsim sweep`'s `sweep.svg`: one bar per point of the grid, its height the run's peak resident
//! memory, its colour the verdict, the limit drawn across; each bar named below the plot by its
//! parameter values. Hand-written SVG by `chart.svg`'s rules (`chart/svg.rs`: every text with its
//! own presentation attributes, DejaVu Sans, deterministic bytes), so the same points always give
//! the same file.

use std::fmt::Write as _;

use memsim_core::{ByteSize, Verdict};

use crate::chart::svg::{Anchor, Text, elide_to};

/// One point of a sweep as the chart draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepChartPoint {
    /// The point's parameter values, e.g. `4g · 6g` (the keys are the chart's `x_title`).
    pub label: String,
    /// The run's peak resident bytes.
    pub peak_resident_bytes: u64,
    /// The limit it ran under.
    pub limit_bytes: u64,
    /// Its verdict.
    pub verdict: Verdict,
    /// Whether the process lived through failures (errors, failed requests).
    pub failed: bool,
}

const WIDTH: f64 = 960.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 70.0;
const PLOT_HEIGHT: f64 = 300.0;
/// Room below the plot for the rotated point labels.
const LABELS_HEIGHT: f64 = 190.0;
const INK: &str = "#222222";
const GRID: &str = "#dddddd";
const LIMIT: &str = "#c0392b";

/// A verdict's bar colour and legend name (a fit with failures told apart from a clean fit).
fn style(verdict: Verdict, failed: bool) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Fits if failed => ("#7a4fb3", "fits, with failures"),
        Verdict::Fits => ("#2e8b57", "fits"),
        Verdict::OverBudget if failed => ("#7a4fb3", "over budget, with failures"),
        Verdict::OverBudget => ("#1f5fa8", "over budget (lives)"),
        Verdict::Thrashing => ("#d9730d", "thrashing"),
        Verdict::OomKilled => ("#a61b1b", "OOM-killed"),
        Verdict::Incomplete => ("#7f7f7f", "incomplete"),
    }
}

/// A round step of GiB (or MiB below one GiB) for the y axis, at least `raw` bytes.
fn tick_step(raw: f64) -> f64 {
    let unit = if raw >= (1u64 << 30) as f64 {
        (1u64 << 30) as f64
    } else {
        (1u64 << 20) as f64
    };
    let r = (raw / unit).max(1.0);
    let exp = r.log10().floor();
    let base = 10f64.powf(exp);
    let m = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| m * base >= r)
        .unwrap_or(10.0);
    m * base * unit
}

/// The sweep's chart: `title` above, one bar per point in the order given, each named below by its
/// label, and `x_title` (what the labels' values are, e.g. `jvm.heap.max · page_cache.size`) at
/// the bottom.
pub fn render_sweep_chart_svg(title: &str, x_title: &str, points: &[SweepChartPoint]) -> String {
    // Room for the longest label, rotated, up to LABELS_HEIGHT.
    let label_style = Text::new(0.0, 0.0, 10.0, INK, "").anchored(Anchor::End);
    let labels_height = points
        .iter()
        .map(|p| {
            Text {
                content: p.label.clone(),
                ..label_style.clone()
            }
            .width()
                + 12.0
        })
        .fold(24.0, f64::max)
        .min(LABELS_HEIGHT);
    let height = TOP + PLOT_HEIGHT + labels_height + 24.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">"#
    );
    let _ = writeln!(
        out,
        "<title>{}</title>",
        crate::chart::svg::xml_escape(title)
    );
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff" stroke="none"/>"##
    );
    let heading = Text::new(LEFT, 24.0, 15.0, INK, "").bold();
    let heading_text = elide_to(title, WIDTH - LEFT - RIGHT, &heading, 8).unwrap_or_default();
    Text {
        content: heading_text,
        ..heading
    }
    .write(&mut out);

    // The legend: only the verdicts drawn, in a fixed order.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for p in points {
        let s = style(p.verdict, p.failed);
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen.sort_by_key(|(_, name)| *name);
    let mut x = LEFT;
    for (colour, name) in &seen {
        let _ = writeln!(
            out,
            r#"<rect x="{x:.1}" y="38.0" width="12" height="12" fill="{colour}" stroke="none"/>"#
        );
        let t = Text::new(x + 16.0, 48.0, 12.0, INK, *name);
        x += 16.0 + t.width() + 18.0;
        t.write(&mut out);
    }
    let _ = writeln!(
        out,
        r#"<line x1="{x:.1}" y1="44.0" x2="{:.1}" y2="44.0" stroke="{LIMIT}" stroke-width="2" stroke-dasharray="6 3"/>"#,
        x + 20.0
    );
    Text::new(x + 24.0, 48.0, 12.0, INK, "limit").write(&mut out);

    let top_bytes = points
        .iter()
        .map(|p| p.peak_resident_bytes.max(p.limit_bytes))
        .max()
        .unwrap_or(1 << 30)
        .max(1) as f64;
    let step = tick_step(top_bytes / 5.0);
    let axis_top = (top_bytes / step).ceil() * step;
    let y = |bytes: f64| TOP + PLOT_HEIGHT - bytes / axis_top * PLOT_HEIGHT;
    let plot_width = WIDTH - LEFT - RIGHT;
    let mut tick = 0.0;
    while tick <= axis_top + 0.5 {
        let ty = y(tick);
        let _ = writeln!(
            out,
            r#"<line x1="{LEFT:.1}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="{GRID}" stroke-width="1"/>"#,
            LEFT + plot_width
        );
        Text::new(
            LEFT - 6.0,
            ty + 4.0,
            11.0,
            INK,
            ByteSize(tick as u64).to_string(),
        )
        .anchored(Anchor::End)
        .write(&mut out);
        tick += step;
    }
    Text::new(18.0, TOP + PLOT_HEIGHT / 2.0, 12.0, INK, "peak resident")
        .anchored(Anchor::Middle)
        .write_rotated(&mut out);

    let n = points.len().max(1) as f64;
    let slot = plot_width / n;
    let bar = (slot * 0.7).max(1.0);
    for (i, p) in points.iter().enumerate() {
        let (colour, name) = style(p.verdict, p.failed);
        let x0 = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let top = y(p.peak_resident_bytes as f64);
        let _ = writeln!(
            out,
            r#"<rect x="{x0:.1}" y="{top:.1}" width="{bar:.1}" height="{:.1}" fill="{colour}" stroke="none"><title>{}: {} peak, {name}</title></rect>"#,
            (TOP + PLOT_HEIGHT - top).max(0.0),
            crate::chart::svg::xml_escape(&p.label),
            ByteSize(p.peak_resident_bytes)
        );
        let ly = y(p.limit_bytes as f64);
        let _ = writeln!(
            out,
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{LIMIT}" stroke-width="2" stroke-dasharray="6 3"/>"#,
            LEFT + slot * i as f64,
            LEFT + slot * (i as f64 + 1.0)
        );
        // Labels only while they can be told apart (at least 12 px a bar).
        if slot >= 12.0 {
            let style = label_style.clone();
            if let Some(label) = elide_to(&p.label, labels_height - 12.0, &style, 4) {
                Text {
                    x: LEFT + slot * (i as f64 + 0.5) + 3.5,
                    y: TOP + PLOT_HEIGHT + 6.0,
                    content: label,
                    ..style
                }
                .write_rotated(&mut out);
            }
        }
    }
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{INK}" stroke-width="1"/>"#,
        TOP + PLOT_HEIGHT,
        LEFT + plot_width,
        TOP + PLOT_HEIGHT
    );
    let caption =
        Text::new(LEFT + plot_width / 2.0, height - 10.0, 12.0, INK, "").anchored(Anchor::Middle);
    if let Some(content) = elide_to(x_title, plot_width, &caption, 8) {
        Text { content, ..caption }.write(&mut out);
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(label: &str, peak_gib: u64, verdict: Verdict) -> SweepChartPoint {
        SweepChartPoint {
            label: label.into(),
            peak_resident_bytes: peak_gib << 30,
            limit_bytes: 12 << 30,
            verdict,
            failed: false,
        }
    }

    #[test]
    fn one_bar_per_point_coloured_by_verdict_with_the_legend_of_what_is_drawn() {
        let svg = render_sweep_chart_svg(
            "sweep of x",
            "jvm.heap.max",
            &[
                point("heap=2g", 8, Verdict::Fits),
                point("heap=6g", 12, Verdict::OomKilled),
            ],
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(svg.matches("<title>heap=").count(), 2, "{svg}");
        assert!(svg.contains(">fits</text>") && svg.contains(">OOM-killed</text>"));
        assert!(svg.contains(">jvm.heap.max</text>"), "{svg}");
        assert!(!svg.contains(">thrashing</text>"));
        // Taller bar for the larger peak.
        let heights: Vec<f64> = svg
            .lines()
            .filter(|l| l.contains("<title>heap="))
            .map(|l| {
                let h = l.split("height=\"").nth(1).unwrap();
                h[..h.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert!(heights[1] > heights[0] * 1.4, "{heights:?}");
        assert_eq!(
            svg,
            render_sweep_chart_svg(
                "sweep of x",
                "jvm.heap.max",
                &[
                    point("heap=2g", 8, Verdict::Fits),
                    point("heap=6g", 12, Verdict::OomKilled)
                ]
            )
        );
    }
}
