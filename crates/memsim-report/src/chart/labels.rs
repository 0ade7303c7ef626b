//! Event labels above the plot, laid out from the font's metrics so that no two overlap, none
//! overlaps the title, subtitle or legend, and none is crossed by another marker's line.
//!
//! The most important events are taken first (the OOM kill, errors and thrashing, then phase
//! starts, then page-cache and database events, then full GCs; ties by time), at most
//! [`MARKERS_MAX`]. Each label is tried in [`LABEL_ROWS`] rows above the plot, right then left of
//! its marker line, first keeping its own line clear of the labels below it, then letting the line
//! pass behind them (labels sit on a white box, so they stay readable). A label that fits nowhere
//! whole is elided (`…`) down to [`LABEL_CHARS_MIN`] characters; one that still fits nowhere is
//! left out, its marker line and tooltip kept.

use memsim_core::{Event, EventKind, RunSummary};

use super::axes::Frame;
use super::events::{marker_label, marker_priority};
use super::font::Weight;
use super::svg::{Anchor, Rect, Text, elide_to};

/// Event markers drawn at most.
pub(crate) const MARKERS_MAX: usize = 20;
/// Rows of event labels above the plot.
pub(crate) const LABEL_ROWS: usize = 5;
/// The labels' font size, px.
pub(crate) const LABEL_FONT_PX: f64 = 11.0;
/// Baseline-to-baseline distance of the label rows, px.
const LABEL_ROW_PX: f64 = 13.0;
/// Fewest characters an elided label keeps (before its `…`).
pub(crate) const LABEL_CHARS_MIN: usize = 6;
/// Clear space kept between a label and anything else, px: across, and between rows (the rows'
/// boxes, ascent to descent, are 12.8 px in 13 px rows, so labels in adjacent rows never touch).
pub(crate) const GAP_PX: f64 = 3.0;
const ROW_GAP_PX: f64 = 0.1;
/// Distance between a marker line and its label, px.
const OFFSET_PX: f64 = 3.0;

/// One event marker: where its line is and, if it found room, its label.
#[derive(Debug)]
pub(crate) struct Marker<'a> {
    pub event: &'a Event,
    pub x: f64,
    /// The placed label (possibly elided), or `None` when no room was left.
    pub label: Option<Text>,
    /// Where the marker's line starts (its label's row, or the plot's top).
    pub line_top: f64,
}

/// The baseline of label row `row` (0 is nearest the plot).
fn row_baseline(frame: &Frame, row: usize) -> f64 {
    frame.top - 8.0 - row as f64 * LABEL_ROW_PX
}

/// The events drawn as markers, most important first (see the module doc).
pub(crate) fn chosen_events(s: &RunSummary) -> Vec<&Event> {
    let mut chosen: Vec<(u8, usize, &Event)> = s
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| marker_priority(e.kind).map(|p| (p, i, e)))
        .collect();
    chosen.sort_by_key(|(p, i, e)| (*p, e.at, *i));
    chosen.truncate(MARKERS_MAX);
    chosen.into_iter().map(|(_, _, e)| e).collect()
}

/// Places the labels of the `chosen` markers of `s` inside `area`, clear of `obstacles`.
pub(crate) fn place_markers<'a>(
    s: &'a RunSummary,
    chosen: Vec<&'a Event>,
    frame: &Frame,
    area: Rect,
    obstacles: &[Rect],
    colour_of: impl Fn(EventKind) -> &'static str,
) -> Vec<Marker<'a>> {
    let mut placed: Vec<Rect> = Vec::new();
    // Vertical lines of placed markers: (x, top); each runs down to the plot.
    let mut lines: Vec<(f64, f64)> = Vec::new();
    let mut markers = Vec::new();
    for event in chosen {
        let x = frame.x(event.at.as_secs_f64());
        let full = marker_label(s, event);
        let colour = colour_of(event.kind);
        let weight = if event.kind == EventKind::OomKilled {
            Weight::Bold
        } else {
            Weight::Normal
        };
        let label = place_one(
            &full,
            x,
            frame,
            area,
            obstacles,
            &placed,
            &lines,
            |text, anchor, y| Text {
                x: if anchor == Anchor::End {
                    x - OFFSET_PX
                } else {
                    x + OFFSET_PX
                },
                y,
                size_px: LABEL_FONT_PX,
                weight,
                anchor,
                fill: colour,
                content: text.to_string(),
            },
        );
        let line_top = match &label {
            Some(t) => {
                let b = t.bbox();
                placed.push(b);
                b.y0
            }
            None => frame.top,
        };
        lines.push((x, line_top));
        markers.push(Marker {
            event,
            x,
            label,
            line_top,
        });
    }
    // Draw in time order, the OOM kill last so it lies on top.
    markers.sort_by_key(|m| (m.event.kind == EventKind::OomKilled, m.event.at));
    markers
}

/// The first position for `full` (or an elision of it) that is free; see the module doc.
#[allow(clippy::too_many_arguments)]
fn place_one(
    full: &str,
    x: f64,
    frame: &Frame,
    area: Rect,
    obstacles: &[Rect],
    placed: &[Rect],
    lines: &[(f64, f64)],
    make: impl Fn(&str, Anchor, f64) -> Text,
) -> Option<Text> {
    let free = |b: &Rect, strict: bool| {
        area.contains(b)
            && obstacles.iter().all(|o| !o.near(b, GAP_PX, ROW_GAP_PX))
            && placed.iter().all(|p| !p.near(b, GAP_PX, ROW_GAP_PX))
            // No other marker's line crosses the box.
            && lines
                .iter()
                .all(|(lx, top)| *top >= b.y1 || *lx < b.x0 - GAP_PX || *lx > b.x1 + GAP_PX)
            // Strict: the new line, from the box down to the plot, crosses no label below.
            && (!strict
                || placed
                    .iter()
                    .all(|p| p.y0 <= b.y0 || x < p.x0 - 1.0 || x > p.x1 + 1.0))
    };
    // The widest the label could be on either side of its line.
    let room = (area.x1 - x - OFFSET_PX).max(x - OFFSET_PX - area.x0);
    let probe = make(full, Anchor::Start, 0.0);
    let longest = elide_to(full, room, &probe, LABEL_CHARS_MIN)?;
    let n = longest.chars().count();
    // Candidate texts: the longest that fits the page, then shorter elisions.
    let mut texts = vec![longest];
    for keep in [n * 3 / 4, n / 2, LABEL_CHARS_MIN + 1] {
        if keep > LABEL_CHARS_MIN && keep < texts.last().map_or(0, |t| t.chars().count()) {
            texts.push(super::svg::truncate(full, keep));
        }
    }
    for text in &texts {
        for strict in [true, false] {
            for row in 0..LABEL_ROWS {
                for anchor in [Anchor::Start, Anchor::End] {
                    let t = make(text, anchor, row_baseline(frame, row));
                    if free(&t.bbox(), strict) {
                        return Some(t);
                    }
                }
            }
        }
    }
    None
}
