//! The legend beside the plot: the bands drawn (each with its resident size at the peak), then
//! the kinds of events marked, each with its count in the run. Only what the run had is listed:
//! bands come from [`super::bands::bands`] (accounts resident at some point), event kinds from the
//! markers drawn.

use memsim_core::{ByteSize, EventKind, RunSummary};

use super::bands::Band;
use super::events::{kind_name, marker_colour, marker_width, occurrences, times};
use super::svg::{Anchor, Rect, Text, elide_to};
use super::{Canvas, Role};

const TEXT_PX: f64 = 11.0;
const ROW_PX: f64 = 15.0;
const INK: &str = "#222222";
const MUTED: &str = "#666666";

/// One legend row about an event kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendEvent {
    /// The kind.
    pub kind: EventKind,
    /// How many the run had ([`super::events::occurrences`]).
    pub count: u64,
}

/// Draws the legend between `left` and `right` from `top`, returns its box.
pub(crate) fn draw(
    c: &mut Canvas,
    s: &RunSummary,
    bands: &[Band],
    kinds: &[EventKind],
    (left, right, top): (f64, f64, f64),
) -> Rect {
    let mut y = top + 11.0;
    let mut bbox = c.text(
        Role::Legend,
        Text::new(right, y, TEXT_PX, MUTED, "resident at peak").anchored(Anchor::End),
    );
    y += 18.0;
    let groups = [("beyond configuration", false), ("configured budget", true)];
    for (heading, is_configured) in groups {
        let members: Vec<&Band> = bands
            .iter()
            .rev()
            .filter(|b| b.configured == is_configured)
            .collect();
        if members.is_empty() {
            continue;
        }
        bbox = bbox.union(&c.text(
            Role::Legend,
            Text::new(left, y, TEXT_PX, INK, heading).bold(),
        ));
        y += 16.0;
        for band in members {
            c.raw(&format!(
                r##"<rect x="{left:.1}" y="{:.1}" width="11" height="11" fill="{}" stroke="#555555" stroke-width="0.5"><title>{}</title></rect>"##,
                y - 9.5,
                band.colour,
                super::svg::xml_escape(&band.tooltip())
            ));
            let value = Text::new(
                right,
                y,
                TEXT_PX,
                INK,
                ByteSize(band.resident_at_peak).to_string(),
            )
            .anchored(Anchor::End);
            let name_left = left + 17.0;
            let room = value.bbox().x0 - 6.0 - name_left;
            let probe = Text::new(name_left, y, TEXT_PX, INK, "");
            let name = elide_to(&band.name, room, &probe, 3).unwrap_or_default();
            bbox = bbox.union(&c.text(Role::Legend, Text::new(name_left, y, TEXT_PX, INK, name)));
            bbox = bbox.union(&c.text(Role::Legend, value));
            y += ROW_PX;
        }
        y += 6.0;
    }
    if !kinds.is_empty() {
        bbox = bbox.union(&c.text(
            Role::Legend,
            Text::new(left, y, TEXT_PX, INK, "events").bold(),
        ));
        y += 16.0;
    }
    for kind in kinds {
        c.raw(&format!(
            r##"<line x1="{left:.1}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="{2}" stroke-width="{3}" stroke-dasharray="5 3"/>"##,
            y - 4.0,
            left + 11.0,
            marker_colour(*kind),
            marker_width(*kind)
        ));
        let words = format!("{}{}", kind_name(*kind), times(occurrences(s, *kind)));
        let probe = Text::new(left + 17.0, y, TEXT_PX, INK, "");
        let words = elide_to(&words, right - left - 17.0, &probe, 3).unwrap_or_default();
        bbox = bbox.union(&c.text(Role::Legend, Text::new(left + 17.0, y, TEXT_PX, INK, words)));
        y += ROW_PX;
    }
    bbox.union(&Rect {
        x0: left,
        y0: top,
        x1: right,
        y1: y - ROW_PX + 4.0,
    })
}

/// The kinds the legend lists: those of the markers drawn, in order of first appearance by
/// importance, each once.
pub(crate) fn kinds_of(chosen: &[&memsim_core::Event]) -> Vec<EventKind> {
    let mut kinds: Vec<EventKind> = Vec::new();
    for e in chosen {
        if !kinds.contains(&e.kind) {
            kinds.push(e.kind);
        }
    }
    kinds
}
