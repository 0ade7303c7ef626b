//! `chart.svg`: resident memory over time, stacked by account, with the limit, the configured
//! budget and the run's events drawn in, so the reader sees which account grew when what happened
//! (memlog's "log it, graph it, correlate to your logs", with the correlating done).
//!
//! The SVG is written directly rather than with `plotters`. The chart is a handful of paths,
//! lines and text; writing it by hand gives full control of what `plotters` decides for itself
//! (tick values and label formats, label placement: event labels are staggered into rows so
//! they never overlap, which `plotters` cannot do), fixes every number's precision (`{:.1}`) for
//! byte-for-byte determinism, and needs no font machinery: `plotters` measures text through its
//! `ttf`/`ab_glyph` features, which pull in font-kit and fontconfig or a bundled font. Text widths
//! here are estimated from character counts, which is enough to lay out labels.

use std::fmt::Write as _;
use std::io::{self, Write};

use memsim_core::{Account, ByteSize, Event, EventKind, RunSummary, Verdict};

use crate::seconds_fixed;

/// Writes a line into the SVG string; writing into a `String` cannot fail.
macro_rules! emit {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).expect("writing into a String cannot fail")
    };
}

const WIDTH: f64 = 1100.0;
const HEIGHT: f64 = 600.0;
const PLOT_LEFT: f64 = 80.0;
const PLOT_RIGHT: f64 = 840.0;
const PLOT_TOP: f64 = 122.0;
const PLOT_BOTTOM: f64 = 530.0;
const LEGEND_LEFT: f64 = 858.0;
const LEGEND_RIGHT: f64 = 1090.0;
/// The database panel's height, added below the chart when phases drove the database.
const DB_PANEL_HEIGHT: f64 = 190.0;

const FONT: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";
/// Estimated advance of one character, as a fraction of the font size (DejaVu Sans averages ~0.6).
const CHAR_WIDTH_EM: f64 = 0.62;

/// Event markers drawn at most; the most important first (see [`marker_priority`]).
const MARKERS_MAX: usize = 20;
/// Rows of event labels above the plot.
const LABEL_ROWS: usize = 4;
const LABEL_FONT: f64 = 11.0;
const LABEL_ROW_HEIGHT: f64 = 13.0;
/// Characters of an event message kept in a label.
const LABEL_CHARS_MAX: usize = 28;
/// Above this many samples, the area is drawn from one sample per bucket (the highest total).
const POINTS_MAX: usize = 1000;

const LIMIT_COLOUR: &str = "#c00000";
const CONFIGURED_COLOUR: &str = "#1f3a5f";
const OOM_COLOUR: &str = "#d00000";
/// The working set line (dashed).
const WORKING_SET_COLOUR: &str = "#0b5394";
const ERROR_COLOUR: &str = "#e6550d";
const PHASE_COLOUR: &str = "#444444";
const OTHER_EVENT_COLOUR: &str = "#888888";

/// The fill colour of each account, indexed like [`Account::ALL`]. Fixed, so charts of different
/// runs can be compared at a glance. Reds are kept for the limit and the OOM kill.
const PALETTE: [&str; Account::COUNT] = [
    "#4e79a7", // Java Heap
    "#a0cbe8", // Class
    "#f28e2b", // Thread
    "#ffbe7d", // Code
    "#59a14f", // GC
    "#8cd17d", // Compiler
    "#b6992d", // Internal
    "#f1ce63", // Other
    "#499894", // Page Cache
    "#9467bd", // Netty Direct
    "#c5b0d5", // JDK Direct
    "#79706e", // Symbol
    "#bab0ac", // Native Memory Tracking
    "#d37295", // Shared class space
    "#fabfd2", // Arena Chunk
    "#86bcb6", // Module
    "#d4a6c8", // Synchronization
    "#9d7660", // Metaspace
    "#8c8c8c", // Native (untracked)
    "#d7b5a6", // Libraries (file-backed)
    "#b07aa1", // Mapped files
];

/// Escapes text for SVG content and attribute values.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `text`, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * CHAR_WIDTH_EM
}

/// The number of decimals needed to print `step` and its multiples exactly (0 to 3).
fn decimals_for(step: f64) -> usize {
    (0..3)
        .find(|d| {
            let scaled = step * [1.0, 10.0, 100.0][*d];
            (scaled - scaled.round()).abs() < 1e-9
        })
        .unwrap_or(3)
}

/// A tick step from a 1-2-2.5-5 series giving at most `ticks_max` intervals up to `max`.
fn nice_step(max: f64, ticks_max: f64) -> f64 {
    const MANTISSAS: [f64; 4] = [1.0, 2.0, 2.5, 5.0];
    let mut scale = 0.001;
    loop {
        for m in MANTISSAS {
            let step = m * scale;
            if max / step <= ticks_max {
                return step;
            }
        }
        scale *= 10.0;
    }
}

/// The byte unit for the y axis: the largest binary unit not above `max_bytes`.
fn byte_unit(max_bytes: u64) -> (f64, &'static str) {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    UNITS
        .iter()
        .find(|(u, _)| max_bytes >= *u)
        .map_or((1.0, "B"), |(u, name)| (*u as f64, *name))
}

/// The time unit for the x axis, from the run's span in seconds.
fn time_unit(span_s: f64) -> (f64, &'static str) {
    if span_s <= 180.0 {
        (1.0, "s")
    } else if span_s <= 3.0 * 3600.0 {
        (60.0, "min")
    } else {
        (3600.0, "h")
    }
}

/// Maps simulated seconds and bytes to SVG coordinates.
struct Frame {
    x_max_s: f64,
    y_max_bytes: f64,
}

impl Frame {
    fn x(&self, t_s: f64) -> f64 {
        PLOT_LEFT + (t_s / self.x_max_s).clamp(0.0, 1.0) * (PLOT_RIGHT - PLOT_LEFT)
    }

    fn y(&self, bytes: f64) -> f64 {
        PLOT_BOTTOM - (bytes / self.y_max_bytes).clamp(0.0, 1.0) * (PLOT_BOTTOM - PLOT_TOP)
    }
}

/// Lower is more important; `None` for kinds not drawn (heap resizes and phase ends are noise at
/// this scale). Error kinds added later are drawn as errors.
fn marker_priority(kind: EventKind) -> Option<u8> {
    match kind {
        EventKind::OomKilled => Some(0),
        k if k.is_error() => Some(1),
        EventKind::Thrashing => Some(1),
        EventKind::PhaseStarted => Some(2),
        EventKind::PageCacheFull
        | EventKind::CheckpointCompleted
        | EventKind::StoreCopied
        | EventKind::EvictionStorm => Some(3),
        EventKind::FullGc => Some(4),
        _ => None,
    }
}

fn marker_colour(kind: EventKind) -> &'static str {
    match kind {
        EventKind::OomKilled => OOM_COLOUR,
        k if k.is_error() => ERROR_COLOUR,
        EventKind::Thrashing => ERROR_COLOUR,
        EventKind::PhaseStarted => PHASE_COLOUR,
        _ => OTHER_EVENT_COLOUR,
    }
}

/// The short label above a marker.
fn marker_label(e: &Event) -> String {
    let base = match e.kind {
        EventKind::OomKilled => "OOM kill".to_string(),
        EventKind::OutOfMemoryError => "OutOfMemoryError".to_string(),
        EventKind::OutOfDirectMemoryError => "OutOfDirectMemoryError".to_string(),
        EventKind::CodeCacheFull => "CodeCache full".to_string(),
        EventKind::PageCacheFull => "page cache full".to_string(),
        EventKind::FullGc => "Full GC".to_string(),
        EventKind::PhaseStarted => truncate(&e.message, LABEL_CHARS_MAX),
        k => k.as_str().replace('_', " "),
    };
    if e.repeats > 0 {
        format!("{base} ×{}", e.repeats + 1)
    } else {
        base
    }
}

/// One event marker: where it is and, if it found room, where its label goes.
struct Marker<'a> {
    event: &'a Event,
    x: f64,
    label: String,
    /// `(row, anchored at the end)`, or `None` when no row had room.
    placement: Option<(usize, bool)>,
}

/// Picks the most important events (errors and the OOM kill first, then phase starts, ties by
/// time) and staggers their labels into rows so that no label overlaps another label or crosses
/// another marker's line.
fn place_markers<'a>(s: &'a RunSummary, frame: &Frame) -> Vec<Marker<'a>> {
    let mut chosen: Vec<(u8, usize, &Event)> = s
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| marker_priority(e.kind).map(|p| (p, i, e)))
        .collect();
    chosen.sort_by_key(|(p, i, e)| (*p, e.at, *i));
    chosen.truncate(MARKERS_MAX);

    // Per row: label extents, and x positions of marker lines passing through the row.
    let mut spans: Vec<Vec<(f64, f64)>> = vec![Vec::new(); LABEL_ROWS];
    let mut lines: Vec<Vec<f64>> = vec![Vec::new(); LABEL_ROWS];
    let (min_x, max_x) = (4.0, WIDTH - 4.0);
    let gap = 4.0;
    let mut markers = Vec::new();
    for (_, _, event) in chosen {
        let x = frame.x(event.at.as_secs_f64());
        let label = marker_label(event);
        let width = text_width(&label, LABEL_FONT);
        let mut placement = None;
        // First try to keep the marker's line clear of the labels below its own; if no row allows
        // that, let the line pass behind them (labels have a white halo, so they stay readable).
        'search: for strict in [true, false] {
            for row in 0..LABEL_ROWS {
                for end_anchor in [false, true] {
                    let (x0, x1) = if end_anchor {
                        (x - 3.0 - width, x - 3.0)
                    } else {
                        (x + 3.0, x + 3.0 + width)
                    };
                    let fits_page = x0 >= min_x && x1 <= max_x;
                    let free = spans[row]
                        .iter()
                        .all(|(a, b)| x1 + gap <= *a || *b + gap <= x0)
                        && lines[row].iter().all(|lx| *lx < x0 - gap || *lx > x1 + gap);
                    // The new marker's own line passes through the rows below its label.
                    let line_clear = !strict
                        || (0..row)
                            .all(|r| spans[r].iter().all(|(a, b)| x < *a - 1.0 || x > *b + 1.0));
                    if fits_page && free && line_clear {
                        spans[row].push((x0, x1));
                        for passed in lines.iter_mut().take(row) {
                            passed.push(x);
                        }
                        placement = Some((row, end_anchor));
                        break 'search;
                    }
                }
            }
        }
        markers.push(Marker {
            event,
            x,
            label,
            placement,
        });
    }
    // Draw in time order, the OOM kill last so it lies on top.
    markers.sort_by_key(|m| (m.event.kind == EventKind::OomKilled, m.event.at));
    markers
}

fn verdict_words(s: &RunSummary) -> String {
    match s.verdict {
        Verdict::OomKilled => {
            let at = s
                .events
                .iter()
                .find(|e| e.kind == EventKind::OomKilled)
                .map_or(s.ended_at, |e| e.at);
            format!("OOM-KILLED at {at}")
        }
        Verdict::Thrashing => {
            let since = s.pressure.thrashing_since.unwrap_or(s.ended_at);
            format!("THRASHING from {since}")
        }
        Verdict::OverBudget => "OVER BUDGET".to_string(),
        Verdict::Fits => "FITS".to_string(),
        Verdict::Incomplete => format!("INCOMPLETE at {}", s.ended_at),
    }
}

/// Sample indices to draw: all of them, or the highest-total sample of each bucket when there are
/// more than [`POINTS_MAX`] (so peaks survive), always with the first and the last.
fn sample_indices(s: &RunSummary) -> Vec<usize> {
    let n = s.samples.len();
    if n <= POINTS_MAX {
        return (0..n).collect();
    }
    let buckets = POINTS_MAX / 2;
    let mut picked = vec![0];
    for b in 0..buckets {
        let (from, to) = (b * n / buckets, ((b + 1) * n / buckets).min(n));
        if let Some(best) =
            (from..to).max_by_key(|i| (s.samples[*i].resident_total(), std::cmp::Reverse(*i)))
        {
            picked.push(best);
        }
    }
    picked.push(n - 1);
    picked.dedup();
    picked
}

/// Writes `chart.svg` (1100×600): resident bytes stacked by account over time.
///
/// Only accounts resident at some sample are drawn, the configured ones (`s.configured_accounts`)
/// at the bottom, each in [`Account::ALL`] order and a fixed colour; the legend lists them with
/// their resident size at the peak. Horizontal lines mark the limit (`limit 12.00 GiB`) and the
/// configured budget (`configured …`). Up to 20 events are drawn as vertical dashed markers with
/// labels staggered into rows (the OOM kill in red, errors in orange, phase starts in grey; errors
/// and the OOM kill are chosen first, then phase starts, page-cache-full and full GCs). The title
/// gives the scenario and the verdict. All text is XML-escaped; coordinates have one decimal.
/// A run whose phases drove the database gets a second panel below (190 px more): stores + ID files
/// and transaction logs over time, and the page cache's hit ratio per sample interval; database
/// events (checkpoints completed, store copies, eviction storms) are drawn as grey markers.
///
/// # Errors
/// Any error from `w`.
pub fn render_chart_svg(s: &RunSummary, w: &mut impl Write) -> io::Result<()> {
    w.write_all(chart_string(s).as_bytes())
}

fn chart_string(s: &RunSummary) -> String {
    let mut out = String::new();

    // Layers: every account ever resident, configured ones first (drawn at the bottom).
    let ever_resident = |a: &Account| {
        s.samples.iter().any(|x| x.accounts[a.index()].resident > 0)
            || s.at_peak.get(*a).resident > 0
    };
    let configured = |a: &Account| s.configured_accounts.contains(a);
    let layers: Vec<Account> = Account::ALL
        .iter()
        .filter(|a| configured(a))
        .chain(Account::ALL.iter().filter(|a| !configured(a)))
        .copied()
        .filter(|a| ever_resident(a))
        .collect();

    // Axes.
    let last_sample_s = s.samples.last().map_or(0.0, |x| x.at.as_secs_f64());
    let span_s = last_sample_s.max(s.ended_at.as_secs_f64()).max(1.0);
    let (t_div, t_unit) = time_unit(span_s);
    let t_step = nice_step(span_s / t_div, 10.0);
    let max_total = s
        .samples
        .iter()
        .map(|x| x.resident_total())
        .max()
        .unwrap_or(0);
    let max_working_set = s
        .samples
        .iter()
        .map(|x| x.charge.working_set_bytes)
        .max()
        .unwrap_or(0);
    let y_data_max = max_total
        .max(max_working_set)
        .max(s.peak_resident_bytes)
        .max(s.limit_bytes)
        .max(s.configured_bytes)
        .max(1 << 20);
    let (b_div, b_unit) = byte_unit(y_data_max);
    let y_step = nice_step(y_data_max as f64 * 1.04 / b_div, 8.0);
    let n_y_ticks = (y_data_max as f64 * 1.04 / b_div / y_step).ceil().max(1.0);
    let frame = Frame {
        x_max_s: span_s,
        y_max_bytes: n_y_ticks * y_step * b_div,
    };

    // A run whose phases drove the database gets a second panel below: its disk over time.
    let db_panel = s
        .database
        .as_ref()
        .filter(|d| !d.steps.is_empty() || crate::chart_hit_ratio::has_queries(d));
    let height = HEIGHT
        + if db_panel.is_some() {
            DB_PANEL_HEIGHT
        } else {
            0.0
        };
    emit!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0}" height="{height:.0}" viewBox="0 0 {WIDTH:.0} {height:.0}" font-family="{FONT}">"##
    );
    emit!(
        out,
        r##"<rect x="0" y="0" width="{WIDTH:.0}" height="{height:.0}" fill="#ffffff"/>"##
    );

    // Title and subtitle.
    let title = format!("{} — {}", truncate(&s.scenario, 80), verdict_words(s));
    let title_colour = match s.verdict {
        Verdict::OomKilled => OOM_COLOUR,
        Verdict::OverBudget | Verdict::Thrashing | Verdict::Incomplete => ERROR_COLOUR,
        Verdict::Fits => "#1a1a1a",
    };
    emit!(
        out,
        r##"<text x="{PLOT_LEFT:.1}" y="26.0" font-size="17" font-weight="bold" fill="{title_colour}">{}</text>"##,
        xml_escape(&title)
    );
    let mut subtitle = format!(
        "seed={} · peak resident {} at {} · limit {} ({})",
        s.seed,
        ByteSize(s.peak_resident_bytes),
        s.peak_at,
        ByteSize(s.limit_bytes),
        s.limit_source
    );
    if s.configured_bytes > 0 {
        let _ = write!(subtitle, " · configured {}", ByteSize(s.configured_bytes));
    }
    emit!(
        out,
        r##"<text x="{PLOT_LEFT:.1}" y="46.0" font-size="12" fill="#444444">{}</text>"##,
        xml_escape(&subtitle)
    );

    // Grid and y ticks.
    emit!(out, r##"<g font-size="11" fill="#333333">"##);
    let y_decimals = decimals_for(y_step);
    for i in 0..=(n_y_ticks as usize) {
        let v = i as f64 * y_step;
        let y = frame.y(v * b_div);
        emit!(
            out,
            r##"<line x1="{PLOT_LEFT:.1}" y1="{y:.1}" x2="{PLOT_RIGHT:.1}" y2="{y:.1}" stroke="#e4e4e4" stroke-width="1"/>"##
        );
        emit!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{v:.y_decimals$} {b_unit}</text>"##,
            PLOT_LEFT - 6.0,
            y + 4.0
        );
    }
    // x ticks.
    let t_decimals = decimals_for(t_step);
    let mut i = 0usize;
    loop {
        let v = i as f64 * t_step;
        if v * t_div > span_s * (1.0 + 1e-9) {
            break;
        }
        let x = frame.x(v * t_div);
        emit!(
            out,
            r##"<line x1="{x:.1}" y1="{PLOT_BOTTOM:.1}" x2="{x:.1}" y2="{:.1}" stroke="#333333" stroke-width="1"/>"##,
            PLOT_BOTTOM + 5.0
        );
        emit!(
            out,
            r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{v:.t_decimals$}</text>"##,
            PLOT_BOTTOM + 18.0
        );
        i += 1;
    }
    emit!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">simulated time ({t_unit})</text>"##,
        (PLOT_LEFT + PLOT_RIGHT) / 2.0,
        PLOT_BOTTOM + 40.0
    );
    emit!(
        out,
        r##"<text x="16.0" y="{0:.1}" text-anchor="middle" font-size="12" transform="rotate(-90 16.0 {0:.1})">resident memory</text>"##,
        (PLOT_TOP + PLOT_BOTTOM) / 2.0
    );
    emit!(out, "</g>");

    // Stacked areas.
    let indices = sample_indices(s);
    let xs: Vec<f64> = indices
        .iter()
        .map(|i| frame.x(s.samples[*i].at.as_secs_f64()))
        .collect();
    let mut lower = vec![0u64; indices.len()];
    emit!(out, r##"<g stroke="none">"##);
    for account in &layers {
        let upper: Vec<u64> = indices
            .iter()
            .zip(&lower)
            .map(|(i, lo)| lo + s.samples[*i].accounts[account.index()].resident)
            .collect();
        if !xs.is_empty() {
            let mut d = String::new();
            for (j, (x, up)) in xs.iter().zip(&upper).enumerate() {
                let cmd = if j == 0 { 'M' } else { 'L' };
                let _ = write!(d, "{cmd}{x:.1},{:.1} ", frame.y(*up as f64));
            }
            for (x, lo) in xs.iter().zip(&lower).rev() {
                let _ = write!(d, "L{x:.1},{:.1} ", frame.y(*lo as f64));
            }
            d.push('Z');
            emit!(
                out,
                r##"<path d="{d}" fill="{}"><title>{}</title></path>"##,
                PALETTE[account.index()],
                xml_escape(account.name())
            );
        }
        lower = upper;
    }
    emit!(out, "</g>");
    // The total on top of the stack.
    if !xs.is_empty() {
        let mut d = String::new();
        for (j, (x, total)) in xs.iter().zip(&lower).enumerate() {
            let cmd = if j == 0 { 'M' } else { 'L' };
            let _ = write!(d, "{cmd}{x:.1},{:.1} ", frame.y(*total as f64));
        }
        emit!(
            out,
            r##"<path d="{}" fill="none" stroke="#222222" stroke-width="1"/>"##,
            d.trim_end()
        );
        // The working set (the cgroup's charge less inactive file pages, as `kubectl top` shows it):
        // dashed, labelled at its last point.
        if max_working_set > 0 {
            let mut d = String::new();
            for (j, (x, i)) in xs.iter().zip(&indices).enumerate() {
                let cmd = if j == 0 { 'M' } else { 'L' };
                let ws = s.samples[*i].charge.working_set_bytes;
                let _ = write!(d, "{cmd}{x:.1},{:.1} ", frame.y(ws as f64));
            }
            emit!(
                out,
                r##"<path d="{}" fill="none" stroke="{WORKING_SET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 3"><title>working set (charge − inactive file pages)</title></path>"##,
                d.trim_end()
            );
            if let (Some(x), Some(i)) = (xs.last(), indices.last()) {
                let ws = s.samples[*i].charge.working_set_bytes;
                emit!(
                    out,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11" fill="{WORKING_SET_COLOUR}">working set</text>"##,
                    x - 4.0,
                    frame.y(ws as f64) + 13.0
                );
            }
        }
    } else {
        emit!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="14" fill="#888888">no samples</text>"##,
            (PLOT_LEFT + PLOT_RIGHT) / 2.0,
            (PLOT_TOP + PLOT_BOTTOM) / 2.0
        );
    }

    // Axes lines.
    emit!(
        out,
        r##"<path d="M{PLOT_LEFT:.1},{PLOT_TOP:.1} L{PLOT_LEFT:.1},{PLOT_BOTTOM:.1} L{PLOT_RIGHT:.1},{PLOT_BOTTOM:.1}" fill="none" stroke="#333333" stroke-width="1"/>"##
    );

    // Limit and configured budget.
    let limit_y = frame.y(s.limit_bytes as f64);
    let configured_y = (s.configured_bytes > 0).then(|| frame.y(s.configured_bytes as f64));
    // Labels sit above their lines unless the two lines are too close: then the lower line's label goes below.
    let close = configured_y.is_some_and(|cy| (cy - limit_y).abs() < 15.0);
    let halo = r##"stroke="#ffffff" stroke-width="3" paint-order="stroke""##;
    emit!(
        out,
        r##"<line x1="{PLOT_LEFT:.1}" y1="{limit_y:.1}" x2="{PLOT_RIGHT:.1}" y2="{limit_y:.1}" stroke="{LIMIT_COLOUR}" stroke-width="2"/>"##
    );
    emit!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" font-weight="bold" fill="{LIMIT_COLOUR}" {halo}>limit {}</text>"##,
        PLOT_RIGHT - 6.0,
        limit_y - 5.0,
        ByteSize(s.limit_bytes)
    );
    if let Some(cy) = configured_y {
        let label_y = if close && cy >= limit_y {
            cy + 14.0
        } else {
            cy - 5.0
        };
        emit!(
            out,
            r##"<line x1="{PLOT_LEFT:.1}" y1="{cy:.1}" x2="{PLOT_RIGHT:.1}" y2="{cy:.1}" stroke="{CONFIGURED_COLOUR}" stroke-width="1.5" stroke-dasharray="8 4"/>"##
        );
        emit!(
            out,
            r##"<text x="{:.1}" y="{label_y:.1}" text-anchor="end" font-size="12" font-weight="bold" fill="{CONFIGURED_COLOUR}" {halo}>configured {}</text>"##,
            PLOT_RIGHT - 6.0,
            ByteSize(s.configured_bytes)
        );
    }

    // Event markers.
    emit!(out, r##"<g font-size="{LABEL_FONT:.0}">"##);
    for m in place_markers(s, &frame) {
        let colour = marker_colour(m.event.kind);
        let oom = m.event.kind == EventKind::OomKilled;
        let (stroke_width, weight) = if oom { ("2", "bold") } else { ("1", "normal") };
        let top = m.placement.map_or(PLOT_TOP, |(row, _)| {
            PLOT_TOP - 8.0 - row as f64 * LABEL_ROW_HEIGHT + 3.0
        });
        emit!(
            out,
            r##"<g><title>{} {} {}</title>"##,
            seconds_fixed(m.event.at),
            m.event.kind.as_str(),
            xml_escape(&m.event.message)
        );
        emit!(
            out,
            r##"<line x1="{0:.1}" y1="{top:.1}" x2="{0:.1}" y2="{PLOT_BOTTOM:.1}" stroke="{colour}" stroke-width="{stroke_width}" stroke-dasharray="5 3"/>"##,
            m.x
        );
        if let Some((row, end_anchor)) = m.placement {
            let y = PLOT_TOP - 8.0 - row as f64 * LABEL_ROW_HEIGHT;
            let (x, anchor) = if end_anchor {
                (m.x - 3.0, "end")
            } else {
                (m.x + 3.0, "start")
            };
            emit!(
                out,
                r##"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-weight="{weight}" fill="{colour}" {halo}>{}</text>"##,
                xml_escape(&m.label)
            );
        }
        emit!(out, "</g>");
    }
    emit!(out, "</g>");

    // Legend: top of the stack first, beyond-configuration accounts above configured ones.
    emit!(out, r##"<g font-size="11" fill="#222222">"##);
    let mut y = PLOT_TOP + 4.0;
    emit!(
        out,
        r##"<text x="{LEGEND_RIGHT:.1}" y="{y:.1}" text-anchor="end" fill="#666666">resident at peak</text>"##
    );
    y += 18.0;
    let groups = [("beyond configuration", false), ("configured budget", true)];
    for (heading, is_configured) in groups {
        let members: Vec<&Account> = layers
            .iter()
            .rev()
            .filter(|a| configured(a) == is_configured)
            .collect();
        if members.is_empty() {
            continue;
        }
        emit!(
            out,
            r##"<text x="{LEGEND_LEFT:.1}" y="{y:.1}" font-weight="bold">{heading}</text>"##
        );
        y += 16.0;
        for account in members {
            emit!(
                out,
                r##"<rect x="{LEGEND_LEFT:.1}" y="{:.1}" width="11" height="11" fill="{}" stroke="#555555" stroke-width="0.5"/>"##,
                y - 9.5,
                PALETTE[account.index()]
            );
            emit!(
                out,
                r##"<text x="{:.1}" y="{y:.1}">{}</text>"##,
                LEGEND_LEFT + 17.0,
                xml_escape(account.name())
            );
            emit!(
                out,
                r##"<text x="{LEGEND_RIGHT:.1}" y="{y:.1}" text-anchor="end">{}</text>"##,
                ByteSize(s.at_peak.get(*account).resident)
            );
            y += 15.0;
        }
        y += 6.0;
    }
    // Marker key.
    let keys = [
        (OOM_COLOUR, "OOM kill", "2"),
        (ERROR_COLOUR, "error", "1"),
        (PHASE_COLOUR, "phase start", "1"),
        (
            OTHER_EVENT_COLOUR,
            if s.database.is_some() {
                "page cache, database, full GC"
            } else {
                "page cache full, full GC"
            },
            "1",
        ),
    ];
    for (colour, name, stroke_width) in keys {
        if y > HEIGHT - 10.0 {
            break;
        }
        emit!(
            out,
            r##"<line x1="{LEGEND_LEFT:.1}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="{colour}" stroke-width="{stroke_width}" stroke-dasharray="5 3"/>"##,
            y - 4.0,
            LEGEND_LEFT + 11.0
        );
        emit!(
            out,
            r##"<text x="{:.1}" y="{y:.1}">{name}</text>"##,
            LEGEND_LEFT + 17.0
        );
        y += 15.0;
    }
    emit!(out, "</g>");
    if let Some(db) = db_panel {
        crate::db::chart_panel(
            &mut out,
            db,
            |t_s| frame.x(t_s),
            (PLOT_LEFT, PLOT_RIGHT),
            (HEIGHT + 20.0, HEIGHT + DB_PANEL_HEIGHT - 20.0),
            LEGEND_LEFT,
        );
    }
    emit!(out, "</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use memsim_core::SimTime;

    fn render(s: &RunSummary) -> String {
        let mut out = Vec::new();
        render_chart_svg(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn thrashing_chart_says_from_when() {
        let mut s = fixture::fitting_run();
        s.verdict = Verdict::Thrashing;
        s.pressure.thrashing_since = Some(memsim_core::SimTime(61_500_000_000));
        let svg = render(&s);
        assert!(svg.contains("THRASHING from 1m01.500s"), "{svg}");
        assert!(svg.contains(&format!(r#"fill="{ERROR_COLOUR}">"#)));
    }

    #[test]
    fn oom_chart_has_limit_budget_and_marker() {
        let s = fixture::oom_run();
        let svg = render(&s);
        assert!(svg.starts_with("<svg "));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        assert!(svg.contains(">limit 12.00 GiB</text>"));
        assert!(svg.contains(">configured 10.00 GiB</text>"));
        let oom_label = svg
            .lines()
            .find(|l| l.ends_with(">OOM kill</text>"))
            .unwrap();
        assert!(oom_label.contains(&format!(r#"fill="{OOM_COLOUR}""#)));
        assert!(oom_label.contains(r#"font-weight="bold""#));
        assert!(svg.contains("neo4j-import-oom — OOM-KILLED at 12m03.250s"));
        // The working set, dashed and labelled.
        assert!(svg.contains(
            r#"stroke-dasharray="6 3"><title>working set (charge − inactive file pages)</title>"#
        ));
        assert!(svg.contains(">working set</text>"));
        assert!(svg.contains(">OutOfDirectMemoryError ×38</text>"));
        // Layers: ever-resident accounts; legend names them; Synchronization (300 B) is resident too.
        for a in Account::ALL {
            assert!(
                svg.contains(&format!("<title>{}</title>", xml_escape(a.name()))),
                "{a}"
            );
        }
        // Heap and page cache are drawn first (at the bottom).
        let heap = svg.find("<title>Java Heap</title>").unwrap();
        let pc = svg.find("<title>Page Cache</title>").unwrap();
        let netty = svg.find("<title>Netty Direct</title>").unwrap();
        assert!(heap < pc && pc < netty);
        // Heap resizes and phase ends are not markers.
        assert!(!svg.contains("heap expanded to"));
        assert_eq!(svg, render(&s));
    }

    #[test]
    fn escapes_xml_in_names_and_labels() {
        let s = fixture::fitting_run();
        let svg = render(&s);
        assert!(svg.contains("fits &lt;small&gt; &amp; &quot;quoted&quot; — FITS"));
        assert!(svg.contains("phase &lt;a&amp;b&gt; started"));
        assert!(!svg.contains("<small>"));
        assert!(!svg.contains("<a&b>"));
        let text_without_entities = svg
            .replace("&amp;", "")
            .replace("&lt;", "")
            .replace("&gt;", "")
            .replace("&quot;", "")
            .replace("&apos;", "");
        assert!(!text_without_entities.contains('&'));
    }

    #[test]
    fn labels_never_overlap_and_markers_are_capped() {
        let mut s = fixture::oom_run();
        for i in 0..40u64 {
            s.events.push(Event {
                at: SimTime(i * 15_000_000_000),
                kind: EventKind::PhaseStarted,
                message: format!("phase `p{i}` started"),
                repeats: 0,
            });
        }
        s.events.sort_by_key(|e| e.at);
        let frame = Frame {
            x_max_s: s.ended_at.as_secs_f64(),
            y_max_bytes: 13.0 * (1u64 << 30) as f64,
        };
        let markers = place_markers(&s, &frame);
        assert_eq!(markers.len(), MARKERS_MAX);
        // Errors and the OOM kill always make the cut.
        let errors = s.events.iter().filter(|e| e.kind.is_error()).count();
        assert_eq!(
            markers.iter().filter(|m| m.event.kind.is_error()).count(),
            errors
        );
        let oom = markers
            .iter()
            .find(|m| m.event.kind == EventKind::OomKilled)
            .unwrap();
        assert_eq!(oom.placement.map(|p| p.0), Some(0));
        let placed: Vec<(usize, f64, f64)> = markers
            .iter()
            .filter_map(|m| {
                m.placement.map(|(row, end)| {
                    let w = text_width(&m.label, LABEL_FONT);
                    if end {
                        (row, m.x - 3.0 - w, m.x - 3.0)
                    } else {
                        (row, m.x + 3.0, m.x + 3.0 + w)
                    }
                })
            })
            .collect();
        for (i, a) in placed.iter().enumerate() {
            for b in &placed[i + 1..] {
                assert!(
                    a.0 != b.0 || a.2 <= b.1 || b.2 <= a.1,
                    "{a:?} overlaps {b:?}"
                );
            }
        }
        let svg = render(&s);
        assert_eq!(
            svg.matches("stroke-dasharray=\"5 3\"/>").count(),
            MARKERS_MAX + 4
        );
    }

    #[test]
    fn nice_steps_and_units() {
        assert_eq!(nice_step(13.0, 8.0), 2.0);
        assert_eq!(nice_step(12.05, 10.0), 2.0);
        assert_eq!(nice_step(0.3, 8.0), 0.05);
        assert_eq!(decimals_for(2.5), 1);
        assert_eq!(decimals_for(0.05), 2);
        assert_eq!(decimals_for(20.0), 0);
        assert_eq!(byte_unit(12 << 30).1, "GiB");
        assert_eq!(byte_unit(300 << 20).1, "MiB");
        assert_eq!(time_unit(723.0).1, "min");
        assert_eq!(time_unit(100.0).1, "s");
    }

    #[test]
    fn empty_and_long_runs_render() {
        let mut s = fixture::oom_run();
        s.samples.clear();
        s.events.clear();
        let svg = render(&s);
        assert!(svg.contains(">no samples</text>"));
        let mut s = fixture::oom_run();
        let base = s.samples.clone();
        s.samples = (0..5000u64)
            .map(|i| {
                let mut x = base[(i as usize) % base.len()].clone();
                x.at = SimTime(i * 1_000_000_000);
                x
            })
            .collect();
        let idx = sample_indices(&s);
        assert!(idx.len() <= POINTS_MAX + 2);
        assert_eq!(idx[0], 0);
        assert_eq!(*idx.last().unwrap(), 4999);
        assert!(idx.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(render(&s), render(&s));
    }
}
