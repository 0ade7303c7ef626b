//! The HTML report's pictures besides the chart: small line plots over time (the direct pool, the
//! page cache, the GC's structures), the event strip under the chart, and the data the hover
//! script reads.
//!
//! Every plot shares one time axis, `0 ..` [`span_seconds`], the chart's own (`chart.rs` draws
//! from 0 to the later of the last sample and the run's end), so a cursor at one instant is at
//! the same fraction of every plot's width. The hover script maps a pointer's position to an
//! instant with each picture's `data-x0`/`data-x1` (the plot area's left and right edges in the
//! picture's own units), `data-w` (the picture's width in those units) and `data-t1` (the span).
//! Long runs are thinned to at most [`MAX_POINTS`] samples, evenly by index, so the page stays
//! small; the hover shows the nearest kept sample.

use std::fmt::Write as _;

use crate::run_files::{RunFiles, TimeSeries};

use super::markup::{esc, js_string, size, time};

/// The most samples a plot or the hover data keeps.
pub(crate) const MAX_POINTS: usize = 2000;

/// The width of the report's own plots, in SVG units (the chart's width).
const W: f64 = 1100.0;
/// The plots' left edge.
const X0: f64 = 80.0;
/// The plots' right edge.
const X1: f64 = 1020.0;
/// One plot's height.
const H: f64 = 170.0;
/// The plot area's top and bottom.
const Y0: f64 = 14.0;
const Y1: f64 = 146.0;

/// The time span every picture spans, in seconds: the later of the run's end and its last
/// sample, at least one second (as `chart.rs` does).
pub(crate) fn span_seconds(run: &RunFiles) -> f64 {
    let last = run.timeseries.rows.last().map_or(0.0, |r| r.time_s);
    last.max(run.report.ended_at_seconds).max(1.0)
}

/// The indices of the samples kept: all of them, or [`MAX_POINTS`] evenly spread with the first
/// and last.
pub(crate) fn kept(n: usize) -> Vec<usize> {
    if n <= MAX_POINTS {
        return (0..n).collect();
    }
    (0..MAX_POINTS)
        .map(|k| k * (n - 1) / (MAX_POINTS - 1))
        .collect()
}

/// Where the chart's plot area is: `(width, x0, x1)` in the chart's units, read from its root
/// `viewBox` and its horizontal grid lines (the most frequent `x1…x2` of lines with `y1 == y2`,
/// seen at least twice). `None` when the chart does not show them; the hover is then not offered
/// on the chart (the plots below still have it).
pub(crate) fn chart_geometry(svg: &str) -> Option<(f64, f64, f64)> {
    let root_end = svg.find('>')?;
    let root = &svg[..root_end];
    let vb = attr(root, "viewBox")?;
    let nums: Vec<f64> = vb
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let width = *nums.get(2)?;
    let mut spans: Vec<((u64, u64), usize)> = Vec::new();
    for tag in svg.split("<line ").skip(1) {
        // With the space the split took, so the first attribute is found like the others.
        let tag = format!(" {}", &tag[..tag.find('>').unwrap_or(tag.len())]);
        let get = |k| attr(&tag, k).and_then(|v| v.parse::<f64>().ok());
        let (Some(x1), Some(y1), Some(x2), Some(y2)) = (get("x1"), get("y1"), get("x2"), get("y2"))
        else {
            continue;
        };
        if y1 != y2 || x2 - x1 < width / 4.0 {
            continue;
        }
        let key = (x1.to_bits(), x2.to_bits());
        match spans.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => spans.push((key, 1)),
        }
    }
    let ((x1, x2), n) = spans.into_iter().max_by_key(|(_, n)| *n)?;
    (n >= 2).then(|| (width, f64::from_bits(x1), f64::from_bits(x2)))
}

/// The value of attribute `name` in a tag's text.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let pat = format!(" {name}=\"");
    let start = tag.find(&pat)? + pat.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// One line of a plot.
pub(crate) struct Line {
    pub(crate) label: String,
    pub(crate) color: &'static str,
    pub(crate) values: Vec<u64>,
}

/// A line plot of `lines` over the run, with a dashed horizontal `bound` line when given.
pub(crate) fn plot(
    id: &str,
    title: &str,
    run: &RunFiles,
    lines: &[Line],
    bound: Option<(&str, u64)>,
    out: &mut String,
) {
    let rows = &run.timeseries.rows;
    let keep = kept(rows.len());
    let t1 = span_seconds(run);
    let max = lines
        .iter()
        .flat_map(|l| keep.iter().map(|&i| l.values[i]))
        .chain(bound.map(|(_, b)| b))
        .max()
        .unwrap_or(0)
        .max(1);
    let y = |v: u64| Y1 - (v as f64 / max as f64) * (Y1 - Y0);
    let x = |t: f64| X0 + t / t1 * (X1 - X0);
    let _ = writeln!(
        out,
        "<figure class=\"plot\" id=\"{id}\"><figcaption>{}</figcaption><div class=\"hover-area\" data-hover=\"1\" data-w=\"{W}\" data-x0=\"{X0}\" data-x1=\"{X1}\" data-t1=\"{t1:.3}\">",
        esc(title)
    );
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    let _ = writeln!(
        out,
        "<rect x=\"{X0}\" y=\"{Y0}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fafafa\" stroke=\"#dddddd\"/>",
        X1 - X0,
        Y1 - Y0
    );
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"axis\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"axis\">0</text>",
        X0 - 6.0,
        Y0 + 4.0,
        size(max),
        X0 - 6.0,
        Y1 + 4.0
    );
    let _ = writeln!(
        out,
        "<text x=\"{X0}\" y=\"{:.1}\" class=\"axis\">0s</text><text x=\"{X1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"axis\">{}</text>",
        Y1 + 16.0,
        Y1 + 16.0,
        time(t1)
    );
    if let Some((label, b)) = bound {
        let _ = writeln!(
            out,
            "<line x1=\"{X0}\" y1=\"{0:.1}\" x2=\"{X1}\" y2=\"{0:.1}\" stroke=\"#b00000\" stroke-dasharray=\"6 4\"/><text x=\"{1:.1}\" y=\"{2:.1}\" class=\"axis\" fill=\"#b00000\">{3} {4}</text>",
            y(b),
            X0 + 6.0,
            y(b) - 4.0,
            esc(label),
            size(b)
        );
    }
    for l in lines {
        let mut points = String::new();
        for &i in &keep {
            let _ = write!(points, "{:.1},{:.1} ", x(rows[i].time_s), y(l.values[i]));
        }
        let _ = writeln!(
            out,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" points=\"{}\"><title>{}</title></polyline>",
            l.color,
            points.trim_end(),
            esc(&l.label)
        );
    }
    let _ = writeln!(
        out,
        "</svg><div class=\"cursor\"></div></div><p class=\"legend\">"
    );
    for l in lines {
        let _ = write!(
            out,
            "<span><i style=\"background:{}\"></i>{}</span> ",
            l.color,
            esc(&l.label)
        );
    }
    let _ = writeln!(out, "</p></figure>");
}

/// The resident bytes of the named account in every row (zeros when the series lacks it).
pub(crate) fn resident_of(ts: &TimeSeries, name: &str) -> Vec<u64> {
    let idx = ts.accounts.iter().position(|a| a.name() == name);
    ts.rows
        .iter()
        .map(|r| idx.map_or(0, |i| r.resident_bytes[i]))
        .collect()
}

/// The event strip under the chart: one marker per event at its instant, aligned with the chart's
/// plot area (`geometry`) or the report's own plots when the chart's is unknown.
pub(crate) fn event_strip(run: &RunFiles, geometry: Option<(f64, f64, f64)>, out: &mut String) {
    let (w, x0, x1) = geometry.unwrap_or((W, X0, X1));
    let t1 = span_seconds(run);
    let _ = writeln!(
        out,
        "<svg class=\"events\" id=\"event-strip\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} 26\" role=\"img\" aria-label=\"events\">"
    );
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"13\" x2=\"{x1}\" y2=\"13\" stroke=\"#bbbbbb\"/>"
    );
    for (i, e) in run.report.events.iter().enumerate() {
        let x = x0 + e.at_seconds / t1 * (x1 - x0);
        let class = event_class(&e.kind);
        let repeats = if e.repeats > 0 {
            format!(" (and {} more like it)", super::markup::count(e.repeats))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<path class=\"ev {class}\" data-event=\"{i}\" d=\"M{x:.1},4 l5,9 l-5,9 l-5,-9 z\"><title>{} {}: {}{}</title></path>",
            time(e.at_seconds),
            esc(&e.kind),
            esc(&e.message),
            repeats
        );
    }
    let _ = writeln!(out, "</svg>");
}

/// The CSS class of an event kind's marker: errors, phases, GC, database, or other.
pub(crate) fn event_class(kind: &str) -> &'static str {
    match kind {
        "oom_killed"
        | "out_of_memory_error"
        | "out_of_direct_memory_error"
        | "thrashing"
        | "request_unserved"
        | "transaction_terminated" => "error",
        "phase_started" | "phase_ended" | "simulation_stopped" => "phase",
        "full_gc" | "heap_expanded" | "heap_shrunk" | "code_cache_full" => "jvm",
        _ => "db",
    }
}

/// The data the hover script reads: kept sample times and every account's resident bytes (those
/// ever resident), as JSON in a `<script type="application/json">` element.
pub(crate) fn hover_data(run: &RunFiles, out: &mut String) {
    let ts = &run.timeseries;
    let keep = kept(ts.rows.len());
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"series-data\">{{\"t\":["
    );
    for (k, &i) in keep.iter().enumerate() {
        let _ = write!(
            out,
            "{}{:.3}",
            if k == 0 { "" } else { "," },
            ts.rows[i].time_s
        );
    }
    let _ = write!(out, "],\"total\":[");
    for (k, &i) in keep.iter().enumerate() {
        let _ = write!(
            out,
            "{}{}",
            if k == 0 { "" } else { "," },
            ts.rows[i].resident_total_bytes
        );
    }
    let _ = write!(out, "],\"series\":[");
    let mut first = true;
    for (a, account) in ts.accounts.iter().enumerate() {
        if ts.rows.iter().all(|r| r.resident_bytes[a] == 0) {
            continue;
        }
        let _ = write!(
            out,
            "{}{{\"name\":{},\"v\":[",
            if first { "" } else { "," },
            js_string(account.name())
        );
        first = false;
        for (k, &i) in keep.iter().enumerate() {
            let _ = write!(
                out,
                "{}{}",
                if k == 0 { "" } else { "," },
                ts.rows[i].resident_bytes[a]
            );
        }
        let _ = write!(out, "]}}");
    }
    let _ = writeln!(out, "]}}</script>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_at_most_the_cap() {
        assert_eq!(kept(3), [0, 1, 2]);
        let k = kept(10_000);
        assert_eq!(k.len(), MAX_POINTS);
        assert_eq!((k[0], *k.last().unwrap()), (0, 9_999));
        assert!(k.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_chart_s_plot_area_is_found_from_its_grid() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1100\" height=\"600\" viewBox=\"0 0 1100 600\">\n<line x1=\"80.0\" y1=\"530.0\" x2=\"840.0\" y2=\"530.0\"/><line x1=\"80.0\" y1=\"471.7\" x2=\"840.0\" y2=\"471.7\"/><line x1=\"80.0\" y1=\"530.0\" x2=\"80.0\" y2=\"535.0\"/></svg>";
        assert_eq!(chart_geometry(svg), Some((1100.0, 80.0, 840.0)));
        assert_eq!(chart_geometry("<svg viewBox=\"0 0 10 10\"></svg>"), None);
        assert_eq!(chart_geometry("not svg"), None);
    }
}
