//! `memsim diff RUN_A RUN_B --chart FILE`: both runs over time in one SVG — each run's resident
//! total, its limit, and the category whose resident size at the peak changed most — so the
//! moment the two part ways is visible. Hand-written SVG like `chart.svg` (deterministic bytes, no
//! fonts beyond a generic family), with the legend in a band of its own above the plot so no label
//! overlaps a line or another label.

use std::fmt::Write as _;

use memsim_core::{ByteSize, SimTime};

use crate::RunFiles;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 480.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
/// The legend's band above the plot: at least four rows of two entries, more when the legend
/// needs them.
const TOP: f64 = 104.0;
/// The first legend row's baseline, and each row's height.
const LEGEND_Y: f64 = 38.0;
const LEGEND_ROW: f64 = 16.0;
/// A limit more than this many times the larger run's peak is left off the axis.
const LIMIT_ON_AXIS_FACTOR: u64 = 4;
/// Legend entries per row.
const LEGEND_COLUMNS: usize = 2;
const BOTTOM: f64 = 40.0;
/// A's and B's colours (blue and orange, told apart by people with either common colour-vision
/// deficiency), and the dash of B's lines so that print in grey still tells them apart.
const COLOURS: [&str; 2] = ["#1f5fa8", "#d9730d"];
const RUN_DASH: [&str; 2] = ["", " stroke-dasharray=\"7 4\""];
/// Colours of the categories when a chart draws more than one (each run told by its dash): green,
/// purple, brown, grey-blue.
const CATEGORY_COLOURS: [&str; 4] = ["#2e8b57", "#7a4fb3", "#8c564b", "#4f6d7a"];

/// What a chart of two runs draws, and how it names them: `memsim diff`'s A and B, or `memsim
/// compare`'s prediction and observation.
pub(crate) struct TwoRunChart<'a> {
    /// The two runs, drawn in [`COLOURS`]' order, the second dashed.
    pub runs: [&'a RunFiles; 2],
    /// Their names in the legend (`A`, `predicted`).
    pub names: [&'a str; 2],
    /// The heading above the legend (cut to the plot's width).
    pub heading: String,
    /// The SVG's `<title>`.
    pub title: String,
    /// Categories drawn for both runs besides the totals: one in the runs' colours, several in
    /// [`CATEGORY_COLOURS`] (at most four).
    pub categories: Vec<String>,
}

/// A step of a round size: 1, 2 or 5 × a power of 1024 × power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = raw.max(1.0);
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * base)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * base)
}

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A polyline of `(ms, bytes)` points in plot coordinates.
fn polyline(points: &[(u64, u64)], x: &dyn Fn(u64) -> f64, y: &dyn Fn(u64) -> f64) -> String {
    let mut s = String::new();
    for (i, (t, v)) in points.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{:.1},{:.1}", x(*t), y(*v));
    }
    s
}

/// The category whose resident size at the peak differs most between the runs.
fn most_changed(a: &RunFiles, b: &RunFiles) -> Option<String> {
    a.report
        .categories_at_peak
        .iter()
        .map(|(n, ca)| {
            let rb = b.report.category(n).map_or(0, |c| c.resident_bytes);
            (
                n,
                (i128::from(rb) - i128::from(ca.resident_bytes)).unsigned_abs(),
            )
        })
        .filter(|(_, d)| *d > 0)
        .max_by_key(|(_, d)| *d)
        .map(|(n, _)| n.clone())
}

/// `(ms, bytes)` points of a line over time.
type Series = Vec<(u64, u64)>;

/// `(ms, bytes)` of one category's resident size over a run.
fn series_of(run: &RunFiles, category: &str) -> Vec<(u64, u64)> {
    let Some(i) = run
        .timeseries
        .accounts
        .iter()
        .position(|a| a.name() == category)
    else {
        return Vec::new();
    };
    run.timeseries
        .rows
        .iter()
        .map(|r| (r.at_ms, r.resident_bytes[i]))
        .collect()
}

/// The SVG document comparing `a` and `b` over time.
pub fn render_diff_chart_svg(a: &RunFiles, b: &RunFiles) -> String {
    render_two_runs_svg(&TwoRunChart {
        runs: [a, b],
        names: ["A", "B"],
        heading: format!(
            "Resident memory: A = {} vs B = {}",
            a.report.scenario, b.report.scenario
        ),
        title: format!(
            "memsim diff: A = {} (seed {}), B = {} (seed {})",
            a.report.scenario, a.report.seed, b.report.scenario, b.report.seed
        ),
        categories: most_changed(a, b).into_iter().collect(),
    })
}

/// The SVG document of two runs over time: both resident totals, both limits, the chart's
/// categories for both, and each run's end when it ended early.
pub(crate) fn render_two_runs_svg(chart: &TwoRunChart<'_>) -> String {
    let runs = chart.runs;
    let names = chart.names;
    let totals: [Vec<(u64, u64)>; 2] = runs.map(|r| {
        r.timeseries
            .rows
            .iter()
            .map(|row| (row.at_ms, row.resident_total_bytes))
            .collect()
    });
    let categories: Vec<(&str, [Series; 2])> = chart
        .categories
        .iter()
        .take(CATEGORY_COLOURS.len())
        .map(|c| (c.as_str(), runs.map(|r| series_of(r, c))))
        .collect();
    // The legend's rows: limits (one or two), two per category, two totals, early ends.
    let same_limit = runs[0].report.limit_bytes == runs[1].report.limit_bytes;
    let ended_early = |r: &RunFiles| {
        let ended = crate::run_files::seconds_to_ms(r.report.ended_at_seconds);
        (ended < crate::run_files::seconds_to_ms(r.report.duration_seconds)).then_some(ended)
    };
    let early_ends = runs.iter().filter(|r| ended_early(r).is_some()).count();
    let legend_entries = if same_limit { 1 } else { 2 } + 2 * categories.len() + 2 + early_ends;
    let legend_rows = legend_entries.div_ceil(LEGEND_COLUMNS);
    let top = TOP.max(LEGEND_Y + legend_rows as f64 * LEGEND_ROW + 18.0);

    let end_ms = runs
        .iter()
        .map(|r| crate::run_files::seconds_to_ms(r.report.duration_seconds))
        .max()
        .unwrap_or(0)
        .max(1);
    let data_top = runs
        .iter()
        .map(|r| r.report.peak_resident_bytes)
        .chain(totals.iter().flatten().map(|(_, v)| *v))
        .max()
        .unwrap_or(0)
        .max(1);
    // A limit far above what either run used (an observed process's machine RAM) would flatten
    // the lines: such a limit is named in the legend but left off the axis.
    let on_axis = |limit: u64| limit <= data_top.saturating_mul(LIMIT_ON_AXIS_FACTOR);
    let top_bytes = runs
        .iter()
        .map(|r| r.report.limit_bytes)
        .filter(|l| on_axis(*l))
        .chain([data_top])
        .max()
        .unwrap_or(1);
    // Round the axis up to whole steps of GiB (or MiB for small runs).
    let unit: u64 = if top_bytes >= 2 << 30 {
        1 << 30
    } else {
        1 << 20
    };
    let step_units = nice_step(top_bytes as f64 / unit as f64 / 6.0);
    let steps = (top_bytes as f64 / unit as f64 / step_units)
        .ceil()
        .max(1.0);
    let y_max = steps * step_units * unit as f64;

    let plot_w = WIDTH - LEFT - RIGHT;
    let height = HEIGHT - TOP + top;
    let plot_h = height - top - BOTTOM;
    let x = |ms: u64| LEFT + plot_w * ms as f64 / end_ms as f64;
    let y = |bytes: u64| top + plot_h * (1.0 - bytes as f64 / y_max);

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<title>{}</title>"#, esc(&chart.title));
    let _ = writeln!(
        svg,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{}</text>"#,
        esc(&cut(
            &chart.heading,
            // 14 px bold over the plot's width.
            ((WIDTH - LEFT - RIGHT) / (CHAR_WIDTH * 1.3)) as usize
        ))
    );

    // Grid and axes.
    for i in 0..=steps as u64 {
        let v = (i as f64 * step_units * unit as f64) as u64;
        let yy = y(v);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e4e4e4"/>"##,
            WIDTH - RIGHT
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            yy + 4.0,
            ByteSize(v).with_decimals(if step_units < 1.0 { 1 } else { 0 })
        );
    }
    // Ticks in minutes, or in seconds for a run shorter than two minutes (an observed one).
    let (tick_unit_ms, tick_suffix) = if end_ms >= 120_000 {
        (60_000, "m")
    } else {
        (1000, "s")
    };
    let x_step_ms =
        (nice_step(end_ms as f64 / tick_unit_ms as f64 / 8.0) * tick_unit_ms as f64) as u64;
    let mut t = 0;
    while t <= end_ms {
        let xx = x(t);
        let _ = writeln!(
            svg,
            r##"<line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{:.1}" stroke="#999"/>"##,
            height - BOTTOM,
            height - BOTTOM + 4.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{xx:.1}" y="{:.1}" text-anchor="middle">{}{tick_suffix}</text>"#,
            height - BOTTOM + 18.0,
            t / tick_unit_ms
        );
        t += x_step_ms.max(1);
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>"##
    );

    // Lines: limits (dash-dot), the categories (thin), totals (thick).
    let mut legend: Vec<(String, String, String)> = Vec::new(); // (colour, dash+width, label)
    let limits: Vec<(usize, &RunFiles)> = if same_limit {
        vec![(2, runs[0])]
    } else {
        runs.iter().copied().enumerate().collect()
    };
    let both = format!("{} and {}", names[0], names[1]);
    for (i, run) in limits {
        let (c, name) = match i {
            2 => ("#555555", both.as_str()),
            i => (COLOURS[i], names[i]),
        };
        let limit = run.report.limit_bytes;
        let above = if on_axis(limit) {
            let ly = y(limit);
            let _ = writeln!(
                svg,
                r#"<line x1="{LEFT}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{c}" stroke-width="1.5" stroke-dasharray="2 3"/>"#,
                WIDTH - RIGHT
            );
            ""
        } else {
            " (far above the plot)"
        };
        legend.push((
            c.to_string(),
            r#" stroke-width="1.5" stroke-dasharray="2 3""#.to_string(),
            format!("{name}: limit {}{above}", ByteSize(limit)),
        ));
    }
    for (k, (cat, series)) in categories.iter().enumerate() {
        for i in 0..2 {
            if series[i].is_empty() {
                continue;
            }
            let colour = if categories.len() == 1 {
                COLOURS[i]
            } else {
                CATEGORY_COLOURS[k]
            };
            let _ = writeln!(
                svg,
                r#"<polyline fill="none" stroke="{colour}" stroke-width="1.2" stroke-opacity="0.8"{} points="{}"/>"#,
                RUN_DASH[i],
                polyline(&series[i], &x, &y)
            );
            legend.push((
                colour.to_string(),
                format!(r#" stroke-width="1.2"{}"#, RUN_DASH[i]),
                format!("{}: {}", names[i], cat),
            ));
        }
    }
    for i in 0..2 {
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="2.5"{} points="{}"/>"#,
            COLOURS[i],
            RUN_DASH[i],
            polyline(&totals[i], &x, &y)
        );
        legend.push((
            COLOURS[i].to_string(),
            format!(r#" stroke-width="2.5"{}"#, RUN_DASH[i]),
            format!(
                "{}: resident total ({}, peak {})",
                names[i],
                runs[i].report.verdict.as_str(),
                ByteSize(runs[i].report.peak_resident_bytes)
            ),
        ));
    }
    // Each run's end when it ended early (killed or stopped).
    for (i, run) in runs.iter().enumerate() {
        if let Some(ended) = ended_early(run) {
            let xx = x(ended);
            let _ = writeln!(
                svg,
                r#"<line x1="{xx:.1}" y1="{top}" x2="{xx:.1}" y2="{:.1}" stroke="{}" stroke-width="1"/>"#,
                height - BOTTOM,
                COLOURS[i]
            );
            legend.push((
                COLOURS[i].to_string(),
                r#" stroke-width="1""#.to_string(),
                format!("{}: ended at {}", names[i], SimTime(ended * 1_000_000)),
            ));
        }
    }

    // The legend: a grid of equal cells above the plot, so entries never collide; the totals
    // first. A label longer than its cell is cut (renderers disagree on `textLength`).
    legend.sort_by_key(|(_, _, label)| !label.contains("resident total"));
    let cell_w = (WIDTH - LEFT - RIGHT) / LEGEND_COLUMNS as f64;
    let fits = ((cell_w - 36.0) / CHAR_WIDTH) as usize;
    for (k, (colour, style, label)) in legend.iter().enumerate() {
        let (col, row) = ((k % LEGEND_COLUMNS) as f64, (k / LEGEND_COLUMNS) as f64);
        let label = cut(label, fits);
        let lx = LEFT + col * cell_w;
        let ly = LEGEND_Y + row * LEGEND_ROW;
        let _ = writeln!(
            svg,
            r#"<line x1="{lx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}"{style}/>"#,
            ly - 4.0,
            lx + 24.0,
            ly - 4.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{ly:.1}">{}</text>"#,
            lx + 30.0,
            esc(&label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// `s`, cut to `n` characters with an ellipsis when longer.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        let kept: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{kept}…")
    } else {
        s.to_string()
    }
}

/// An upper estimate of a character's width at 12 px sans-serif (0.6 em; DejaVu Sans averages
/// less), for cutting legend labels to their cell.
const CHAR_WIDTH: f64 = 7.2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    use crate::fixture::run_files as files;

    #[test]
    fn both_runs_are_drawn_with_their_limits_and_a_legend_inside_the_picture() {
        let (a, b) = (files(&fixture::oom_run()), files(&fixture::fitting_run()));
        let svg = render_diff_chart_svg(&a, &b);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        // Two totals, thick.
        assert_eq!(svg.matches("stroke-width=\"2.5\"").count(), 4, "{svg}");
        assert!(svg.contains("A: resident total (oom_killed"), "{svg}");
        assert!(svg.contains("B: resident total (fits"), "{svg}");
        let limit = if a.report.limit_bytes == b.report.limit_bytes {
            format!("A and B: limit {}", ByteSize(a.report.limit_bytes))
        } else {
            format!("A: limit {}", ByteSize(a.report.limit_bytes))
        };
        assert!(svg.contains(&limit), "{svg}");
        // The title fits the plot's width, legend labels their cells (in characters, unescaped).
        for (i, label) in svg.split("<text ").skip(1).enumerate() {
            let text = label.split('>').nth(1).unwrap().split('<').next().unwrap();
            let text = text
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            let most = if i == 0 { 91 } else { 55 };
            assert!(text.chars().count() <= most, "{text}");
        }
        // Every coordinate inside the picture.
        for cap in svg.split(['"', ' ', ',']) {
            if let Ok(v) = cap.parse::<f64>() {
                assert!((-1.0..=WIDTH + 1.0).contains(&v), "{v} in {svg}");
            }
        }
        // Deterministic.
        assert_eq!(svg, render_diff_chart_svg(&a, &b));
    }

    #[test]
    fn a_limit_far_above_both_runs_is_named_but_left_off_the_axis() {
        let mut a = files(&fixture::fitting_run());
        a.report.limit_bytes = 2 * a.report.peak_resident_bytes;
        let mut b = a.clone();
        let near = render_diff_chart_svg(&a, &b);
        assert!(near.contains("A and B: limit "), "{near}");
        assert!(!near.contains("far above the plot"), "{near}");
        b.report.limit_bytes = 1 << 50;
        let svg = render_diff_chart_svg(&a, &b);
        assert!(
            svg.contains("B: limit 1024.00 TiB (far above the plot)"),
            "{svg}"
        );
        // The axis still ends near the runs' peaks: its labels are those of the chart without it.
        let labels = |svg: &str| -> Vec<String> {
            svg.split("text-anchor=\"end\">")
                .skip(1)
                .map(|t| t.split('<').next().unwrap().to_string())
                .collect()
        };
        assert_eq!(labels(&svg), labels(&near));
    }

    #[test]
    fn nice_steps_are_1_2_5() {
        assert_eq!(nice_step(0.3), 1.0);
        assert_eq!(nice_step(1.5), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(12.0), 20.0);
    }
}
