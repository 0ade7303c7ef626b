//! `chart.svg` and `chart.png`: resident memory over time, stacked by account, with the limit, the
//! configured budget and the run's events drawn in, so the reader sees which account grew when
//! what happened (memlog's "log it, graph it, correlate to your logs", with the correlating done).
//!
//! The SVG is written by hand rather than with `plotters`, for control of what a reader needs:
//! small accounts folded into one band ([`bands`]), a legend of only what the run had
//! ([`legend`]), event labels laid out from the bundled font's metrics so none collides
//! ([`labels`], [`font`]), counts that are the text summary's ([`events`]), and markup that
//! browsers, rsvg, resvg and ImageMagick draw alike ([`svg`]). Every number has a fixed precision
//! (`{:.1}`) for byte-for-byte determinism. `chart.png` is the same SVG rasterised by resvg with
//! only the bundled font ([`png`]).
//!
//! Concepts by file: `axes.rs` (frame, ticks, units, samples drawn), `bands.rs`, `events.rs`,
//! `labels.rs`, `legend.rs`, `font.rs`, `svg.rs` (text elements and boxes), `png.rs`.

mod axes;
mod bands;
mod events;
pub(crate) mod font;
mod labels;
mod legend;
mod png;
pub(crate) mod svg;

use std::fmt::Write as _;
use std::io::{self, Write};

#[cfg(test)]
use memsim_core::EventKind;
use memsim_core::{ByteSize, RunSummary, Verdict};

use crate::headline::verdict_words;
use crate::seconds_fixed;

pub use bands::{Band, FOLD_PERCENT, bands};
pub use events::occurrences;
pub use legend::LegendEvent;
pub use png::render_chart_png;
pub use svg::Rect;

use axes::{Axes, sample_indices};
use events::{ERROR_COLOUR, OOM_COLOUR, marker_colour, marker_width};
use svg::{Anchor, Text, elide_to, xml_escape};

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
/// Blank margin kept at the canvas's edges, px.
const MARGIN: f64 = 4.0;
/// The database panel's height, added below the chart when phases drove the database.
const DB_PANEL_HEIGHT: f64 = 190.0;

const LIMIT_COLOUR: &str = "#c00000";
const CONFIGURED_COLOUR: &str = "#1f3a5f";
/// The working set line (dashed).
const WORKING_SET_COLOUR: &str = "#0b5394";
const AXIS_INK: &str = "#333333";

/// What a text on the chart is, for checking the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The title (scenario and verdict).
    Title,
    /// The line under the title (seed, peak, limit, budget).
    Subtitle,
    /// A tick value or an axis title.
    Axis,
    /// The label of the limit, the configured budget or the working set line.
    LineLabel,
    /// An event marker's label.
    EventLabel,
    /// Text in the legend.
    Legend,
}

/// The SVG being written, and the box of every text in it.
pub(crate) struct Canvas {
    out: String,
    texts: Vec<(Role, String, Rect)>,
}

impl Canvas {
    /// Writes `t` and records its box, which it returns.
    pub(crate) fn text(&mut self, role: Role, t: Text) -> Rect {
        t.write(&mut self.out);
        let b = t.bbox();
        self.texts.push((role, t.content, b));
        b
    }

    /// Writes `t` on a white box (its halo).
    fn text_on_halo(&mut self, role: Role, t: Text) -> Rect {
        t.write_halo(&mut self.out, 1.5);
        self.text(role, t)
    }

    /// Writes `t` rotated a quarter turn anticlockwise about its anchor point.
    fn text_rotated(&mut self, role: Role, t: Text) -> Rect {
        t.write_rotated(&mut self.out);
        let b = t.bbox();
        // Rotating by -90° about (x, y): the text's x offsets become upward y offsets.
        let r = Rect {
            x0: t.x - (t.y - b.y0),
            x1: t.x + (b.y1 - t.y),
            y0: t.y - (b.x1 - t.x),
            y1: t.y + (t.x - b.x0),
        };
        self.texts.push((role, t.content, r));
        r
    }

    pub(crate) fn raw(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }
}

/// Where everything on a chart went: the boxes of its texts and what its legend lists. Computed by
/// rendering the chart, so it is what `chart.svg` holds.
#[derive(Debug, Clone)]
pub struct ChartLayout {
    /// The canvas's width and height, px.
    pub size: (f64, f64),
    /// Every text with its role, its content and the box its glyphs can occupy (from the bundled
    /// font's metrics). The database panel's texts are not included.
    pub texts: Vec<(Role, String, Rect)>,
    /// The legend's box (its texts and swatches).
    pub legend: Rect,
    /// The bands drawn, bottom of the stack first.
    pub bands: Vec<Band>,
    /// The event kinds the legend lists, with their counts.
    pub legend_events: Vec<LegendEvent>,
    /// The title's text.
    pub title: String,
}

/// Writes `chart.svg` (1100×600): resident bytes stacked by account over time.
///
/// Bands: accounts resident at some sample, the configured ones at the bottom, each in a fixed
/// colour; accounts beyond the configuration that never reached [`FOLD_PERCENT`] % of the peak are
/// folded into one `other (N categories)` band (see [`bands`]). The legend lists the bands with
/// their resident size at the peak, then the kinds of events marked with their counts in the run
/// (the text summary's numbers). Horizontal lines mark the limit (`limit 12.00 GiB`) and the
/// configured budget (`configured …`); the working set is a dashed line. Up to 20 events are
/// drawn as vertical dashed markers (the OOM kill in red, errors in orange, phase starts in dark
/// grey, others light grey) with labels laid out so that none overlaps another text. The title
/// gives the scenario and the verdict in the `VERDICT:` line's words, failures included. All text
/// is XML-escaped and carries its own presentation attributes; coordinates have one decimal.
/// A run whose phases drove the database gets a second panel below (190 px more): stores + ID files
/// and transaction logs over time, and the page cache's hit ratio per sample interval.
///
/// # Errors
/// Any error from `w`.
pub fn render_chart_svg(s: &RunSummary, w: &mut impl Write) -> io::Result<()> {
    w.write_all(chart_string(s).as_bytes())
}

/// The layout of `s`'s chart (see [`ChartLayout`]).
pub fn chart_layout(s: &RunSummary) -> ChartLayout {
    draw(s).1
}

pub(crate) fn chart_string(s: &RunSummary) -> String {
    draw(s).0
}

/// The title: the scenario and the verdict words of the `VERDICT:` line.
fn title_of(s: &RunSummary) -> String {
    format!("{} — {}", s.scenario, verdict_words(s, s.verdict))
}

/// Legend rows that fit beside the plot: the canvas's height under the legend's top, less the
/// header, the two group headings and the events' heading and rows (see `legend.rs`).
fn legend_band_rows(event_kinds: usize) -> usize {
    let room = HEIGHT - MARGIN - (PLOT_TOP - 7.0) - 29.0 - 2.0 * 22.0 - 16.0;
    ((room - 15.0 * event_kinds as f64) / 15.0).max(1.0) as usize
}

fn draw(s: &RunSummary) -> (String, ChartLayout) {
    let chosen = labels::chosen_events(s);
    let kinds = legend::kinds_of(&chosen);
    let bands = bands::bands_within(s, legend_band_rows(kinds.len()));
    let axes = Axes::of(s, (PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM));
    let frame = axes.frame;

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
    let mut c = Canvas {
        out: String::new(),
        texts: Vec::new(),
    };
    emit!(
        c.out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0}" height="{height:.0}" viewBox="0 0 {WIDTH:.0} {height:.0}">"##
    );
    emit!(
        c.out,
        r##"<rect x="0" y="0" width="{WIDTH:.0}" height="{height:.0}" fill="#ffffff"/>"##
    );

    // Title and subtitle, shrunk then elided to the canvas's width.
    let title = title_of(s);
    let title_colour = match s.verdict {
        Verdict::OomKilled => OOM_COLOUR,
        Verdict::OverBudget | Verdict::Thrashing | Verdict::Incomplete => ERROR_COLOUR,
        Verdict::Fits if !s.failures.is_empty() => ERROR_COLOUR,
        Verdict::Fits => "#1a1a1a",
    };
    let room = WIDTH - MARGIN - PLOT_LEFT;
    let title_text = [17.0, 15.0, 13.0]
        .iter()
        .map(|px| Text::new(PLOT_LEFT, 26.0, *px, title_colour, title.clone()).bold())
        .find(|t| t.width() <= room)
        .unwrap_or_else(|| {
            let t = Text::new(PLOT_LEFT, 26.0, 13.0, title_colour, "").bold();
            let cut = elide_to(&title, room, &t, 8).unwrap_or_default();
            Text { content: cut, ..t }
        });
    let title_box = c.text(Role::Title, title_text);
    // An observed run has no seed: how the command ended instead.
    let origin = match s.observation.as_ref().map(|o| o.exit) {
        Some(memsim_core::ExitStatus::Exited(code)) => format!("exit code {code}"),
        Some(memsim_core::ExitStatus::Signalled(sig)) => format!("ended by signal {sig}"),
        None => format!("seed={}", s.seed),
    };
    let mut subtitle = format!(
        "{origin} · peak resident {} at {} · limit {} ({})",
        ByteSize(s.peak_resident_bytes),
        s.peak_at,
        ByteSize(s.limit_bytes),
        s.limit_source
    );
    if s.configured_bytes > 0 {
        let _ = write!(subtitle, " · configured {}", ByteSize(s.configured_bytes));
    }
    let sub = Text::new(PLOT_LEFT, 46.0, 12.0, "#444444", "");
    let subtitle = elide_to(&subtitle, room, &sub, 8).unwrap_or_default();
    let subtitle_box = c.text(
        Role::Subtitle,
        Text {
            content: subtitle,
            ..sub
        },
    );

    draw_axes(&mut c, &axes, s.observation.is_some());
    draw_bands(&mut c, s, &bands, &axes);
    let line_labels = draw_lines(&mut c, s, &axes);

    // The legend, then the event markers around it.
    let legend_box = legend::draw(
        &mut c,
        s,
        &bands,
        &kinds,
        (LEGEND_LEFT, LEGEND_RIGHT, PLOT_TOP - 7.0),
    );
    let label_area = Rect {
        x0: MARGIN,
        y0: subtitle_box.y1,
        x1: WIDTH - MARGIN,
        y1: PLOT_TOP,
    };
    let mut obstacles = vec![title_box, subtitle_box, legend_box];
    obstacles.extend(line_labels);
    let markers = labels::place_markers(s, chosen, &frame, label_area, &obstacles, marker_colour);
    // Lines first, then the labels over them.
    for m in &markers {
        emit!(
            c.out,
            r##"<g><title>{4} {5} {6}</title><line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{PLOT_BOTTOM:.1}" stroke="{2}" stroke-width="{3}" stroke-dasharray="5 3"/></g>"##,
            m.x,
            m.line_top,
            marker_colour(m.event.kind),
            marker_width(m.event.kind),
            seconds_fixed(m.event.at),
            m.event.kind.as_str(),
            xml_escape(&m.event.message)
        );
    }
    for m in &markers {
        if let Some(t) = &m.label {
            c.text_on_halo(Role::EventLabel, t.clone());
        }
    }

    if let Some(db) = db_panel {
        crate::db::chart_panel(
            &mut c.out,
            db,
            |t_s| frame.x(t_s),
            (PLOT_LEFT, PLOT_RIGHT),
            (HEIGHT + 20.0, HEIGHT + DB_PANEL_HEIGHT - 20.0),
            LEGEND_LEFT,
        );
    }
    emit!(c.out, "</svg>");
    let layout = ChartLayout {
        size: (WIDTH, height),
        texts: c.texts,
        legend: legend_box,
        bands,
        legend_events: kinds
            .iter()
            .map(|k| LegendEvent {
                kind: *k,
                count: occurrences(s, *k),
            })
            .collect(),
        title,
    };
    (c.out, layout)
}

/// Grid, tick values and axis titles.
/// `observed`: the time axis is real time since the command started, not simulated time.
fn draw_axes(c: &mut Canvas, axes: &Axes, observed: bool) {
    let frame = &axes.frame;
    let y_decimals = axes::decimals_for(axes.y_step);
    for i in 0..=axes.n_y_ticks {
        let v = i as f64 * axes.y_step;
        let y = frame.y(v * axes.b_div);
        emit!(
            c.out,
            r##"<line x1="{PLOT_LEFT:.1}" y1="{y:.1}" x2="{PLOT_RIGHT:.1}" y2="{y:.1}" stroke="#e4e4e4" stroke-width="1"/>"##
        );
        c.text(
            Role::Axis,
            Text::new(
                PLOT_LEFT - 6.0,
                y + 4.0,
                11.0,
                AXIS_INK,
                format!("{v:.y_decimals$} {}", axes.b_unit),
            )
            .anchored(Anchor::End),
        );
    }
    let t_decimals = axes::decimals_for(axes.t_step);
    for v in axes.t_ticks() {
        let x = frame.x(v * axes.t_div);
        emit!(
            c.out,
            r##"<line x1="{x:.1}" y1="{PLOT_BOTTOM:.1}" x2="{x:.1}" y2="{:.1}" stroke="#333333" stroke-width="1"/>"##,
            PLOT_BOTTOM + 5.0
        );
        c.text(
            Role::Axis,
            Text::new(
                x,
                PLOT_BOTTOM + 18.0,
                11.0,
                AXIS_INK,
                format!("{v:.t_decimals$}"),
            )
            .anchored(Anchor::Middle),
        );
    }
    c.text(
        Role::Axis,
        Text::new(
            (PLOT_LEFT + PLOT_RIGHT) / 2.0,
            PLOT_BOTTOM + 40.0,
            12.0,
            AXIS_INK,
            if observed {
                format!("time since the command started ({})", axes.t_unit)
            } else {
                format!("simulated time ({})", axes.t_unit)
            },
        )
        .anchored(Anchor::Middle),
    );
    c.text_rotated(
        Role::Axis,
        Text::new(
            20.0,
            (PLOT_TOP + PLOT_BOTTOM) / 2.0,
            12.0,
            AXIS_INK,
            "resident memory",
        )
        .anchored(Anchor::Middle),
    );
}

/// The stacked bands, the total on top and the working set.
fn draw_bands(c: &mut Canvas, s: &RunSummary, bands: &[Band], axes: &Axes) {
    let frame = &axes.frame;
    let indices = sample_indices(s);
    let xs: Vec<f64> = indices
        .iter()
        .map(|i| frame.x(s.samples[*i].at.as_secs_f64()))
        .collect();
    let mut lower = vec![0u64; indices.len()];
    if xs.is_empty() {
        c.text(
            Role::Axis,
            Text::new(
                (PLOT_LEFT + PLOT_RIGHT) / 2.0,
                (PLOT_TOP + PLOT_BOTTOM) / 2.0,
                14.0,
                "#888888",
                "no samples",
            )
            .anchored(Anchor::Middle),
        );
        emit!(
            c.out,
            r##"<path d="M{PLOT_LEFT:.1},{PLOT_TOP:.1} L{PLOT_LEFT:.1},{PLOT_BOTTOM:.1} L{PLOT_RIGHT:.1},{PLOT_BOTTOM:.1}" fill="none" stroke="#333333" stroke-width="1"/>"##
        );
        return;
    }
    emit!(c.out, r##"<g stroke="none">"##);
    for band in bands {
        let upper: Vec<u64> = indices
            .iter()
            .zip(&lower)
            .map(|(i, lo)| lo + band.resident(&s.samples[*i]))
            .collect();
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
            c.out,
            r##"<path d="{d}" fill="{}"><title>{}</title></path>"##,
            band.colour,
            xml_escape(&band.tooltip())
        );
        lower = upper;
    }
    emit!(c.out, "</g>");
    // The total on top of the stack.
    let mut d = String::new();
    for (j, (x, total)) in xs.iter().zip(&lower).enumerate() {
        let cmd = if j == 0 { 'M' } else { 'L' };
        let _ = write!(d, "{cmd}{x:.1},{:.1} ", frame.y(*total as f64));
    }
    emit!(
        c.out,
        r##"<path d="{}" fill="none" stroke="#222222" stroke-width="1"/>"##,
        d.trim_end()
    );
    // The working set (the cgroup's charge less inactive file pages, as `kubectl top` shows it).
    if axes.max_working_set > 0 {
        let mut d = String::new();
        for (j, (x, i)) in xs.iter().zip(&indices).enumerate() {
            let cmd = if j == 0 { 'M' } else { 'L' };
            let ws = s.samples[*i].charge.working_set_bytes;
            let _ = write!(d, "{cmd}{x:.1},{:.1} ", frame.y(ws as f64));
        }
        emit!(
            c.out,
            r##"<path d="{}" fill="none" stroke="{WORKING_SET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 3"><title>working set (charge − inactive file pages)</title></path>"##,
            d.trim_end()
        );
    }
    emit!(
        c.out,
        r##"<path d="M{PLOT_LEFT:.1},{PLOT_TOP:.1} L{PLOT_LEFT:.1},{PLOT_BOTTOM:.1} L{PLOT_RIGHT:.1},{PLOT_BOTTOM:.1}" fill="none" stroke="#333333" stroke-width="1"/>"##
    );
}

/// The limit and configured-budget lines and the labels of those and of the working set, placed
/// so that none overlaps another; returns the labels' boxes.
fn draw_lines(c: &mut Canvas, s: &RunSummary, axes: &Axes) -> Vec<Rect> {
    let frame = &axes.frame;
    let limit_y = frame.y(s.limit_bytes as f64);
    emit!(
        c.out,
        r##"<line x1="{PLOT_LEFT:.1}" y1="{limit_y:.1}" x2="{PLOT_RIGHT:.1}" y2="{limit_y:.1}" stroke="{LIMIT_COLOUR}" stroke-width="2"/>"##
    );
    let configured_y = (s.configured_bytes > 0).then(|| frame.y(s.configured_bytes as f64));
    if let Some(cy) = configured_y {
        emit!(
            c.out,
            r##"<line x1="{PLOT_LEFT:.1}" y1="{cy:.1}" x2="{PLOT_RIGHT:.1}" y2="{cy:.1}" stroke="{CONFIGURED_COLOUR}" stroke-width="1.5" stroke-dasharray="8 4"/>"##
        );
    }
    // Each label: above its line, else below; the working set's at its last point, below then above.
    let mut wanted: Vec<(Text, [f64; 2])> = vec![(
        Text::new(
            PLOT_RIGHT - 6.0,
            0.0,
            12.0,
            LIMIT_COLOUR,
            format!("limit {}", ByteSize(s.limit_bytes)),
        )
        .bold()
        .anchored(Anchor::End),
        [limit_y - 5.0, limit_y + 14.0],
    )];
    if let Some(cy) = configured_y {
        wanted.push((
            Text::new(
                PLOT_RIGHT - 6.0,
                0.0,
                12.0,
                CONFIGURED_COLOUR,
                format!("configured {}", ByteSize(s.configured_bytes)),
            )
            .bold()
            .anchored(Anchor::End),
            [cy - 5.0, cy + 14.0],
        ));
    }
    if axes.max_working_set > 0
        && let Some(last) = s.samples.last()
    {
        let x = frame.x(last.at.as_secs_f64());
        let wy = frame.y(last.charge.working_set_bytes as f64);
        wanted.push((
            Text::new(x - 4.0, 0.0, 11.0, WORKING_SET_COLOUR, "working set").anchored(Anchor::End),
            [wy + 13.0, wy - 5.0],
        ));
    }
    let plot = Rect {
        x0: PLOT_LEFT,
        y0: PLOT_TOP,
        x1: PLOT_RIGHT,
        y1: PLOT_BOTTOM,
    };
    let mut boxes: Vec<Rect> = Vec::new();
    for (text, ys) in wanted {
        let fit = ys
            .iter()
            .map(|y| Text {
                y: *y,
                ..text.clone()
            })
            .find(|t| {
                let b = t.bbox();
                plot.contains(&b) && boxes.iter().all(|o| !o.overlaps(&b, 2.0))
            });
        if let Some(t) = fit {
            boxes.push(c.text_on_halo(Role::LineLabel, t));
        }
    }
    boxes
}

#[cfg(test)]
mod tests;
