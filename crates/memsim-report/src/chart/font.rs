//! The chart's one font, bundled: DejaVu Sans 2.37 (regular and bold) from Debian's
//! `fonts-dejavu-core`, under the Bitstream Vera licence (`fonts/LICENSE-DejaVu.txt`).
//!
//! The same bytes serve two purposes. Text widths for the layout come from the font's own advance
//! widths (its `hmtx` table via `skrifa`), not from a guess per character; and `chart.png` is
//! rasterised with only this font loaded, so the PNG never depends on the fonts of the machine.
//!
//! Widths are sums of advances without kerning: DejaVu's kerning pairs only pull letters together,
//! so the computed box is never narrower than what resvg, rsvg or a browser draws with this font. A
//! browser without DejaVu Sans falls back to Verdana or its sans-serif; both are no wider per
//! character at these sizes, so the boxes stay conservative there too.

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// DejaVu Sans (Book), 760 kB.
pub(crate) const REGULAR_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, 709 kB.
pub(crate) const BOLD_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");
/// The family name inside both files.
pub(crate) const FAMILY: &str = "DejaVu Sans";
/// The `font-family` attribute on every text: the bundled family first.
pub(crate) const FAMILY_ATTRIBUTE: &str = "DejaVu Sans, Verdana, sans-serif";

/// Ascent above the baseline and descent below it, as fractions of the font size (DejaVu Sans's
/// `hhea`: 1901 and 483 units of 2048; the bold face has the same).
const ASCENT_EM: f64 = 1901.0 / 2048.0;
const DESCENT_EM: f64 = 483.0 / 2048.0;

/// Weight of a text: the two faces bundled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Normal,
    Bold,
}

impl Weight {
    fn bytes(self) -> &'static [u8] {
        match self {
            Weight::Normal => REGULAR_TTF,
            Weight::Bold => BOLD_TTF,
        }
    }
}

/// The advance width of `text` set in `weight` at `size_px`, in pixels. Characters the font lacks
/// count as its `.notdef` glyph, as renderers draw them.
pub(crate) fn text_width(text: &str, size_px: f64, weight: Weight) -> f64 {
    let font = FontRef::new(weight.bytes()).expect("the bundled font parses");
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
    let units_per_em = f64::from(
        font.metrics(Size::unscaled(), LocationRef::default())
            .units_per_em,
    );
    let units: f64 = text
        .chars()
        .map(|c| {
            let glyph = charmap.map(c).unwrap_or_default();
            f64::from(metrics.advance_width(glyph).unwrap_or(0.0))
        })
        .sum();
    units / units_per_em * size_px
}

/// How far the font's ascent reaches above the baseline, in pixels at `size_px`.
pub(crate) fn ascent(size_px: f64) -> f64 {
    ASCENT_EM * size_px
}

/// How far the font's descent reaches below the baseline, in pixels at `size_px`.
pub(crate) fn descent(size_px: f64) -> f64 {
    DESCENT_EM * size_px
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_font() {
        // DejaVu Sans: `i` is 569 units, `m` 1995, of 2048: a proportional font.
        let i = text_width("i", 2048.0, Weight::Normal);
        let m = text_width("m", 2048.0, Weight::Normal);
        assert!((i - 569.0).abs() < 0.5, "{i}");
        assert!((m - 1995.0).abs() < 0.5, "{m}");
        assert!(
            text_width("OOM kill", 11.0, Weight::Bold)
                > text_width("OOM kill", 11.0, Weight::Normal)
        );
        assert_eq!(text_width("", 11.0, Weight::Normal), 0.0);
        // Non-ASCII the chart uses: ×, —, …, −.
        assert!(text_width("×—…−", 11.0, Weight::Normal) > 4.0 * 11.0 * 0.4);
    }

    #[test]
    fn vertical_metrics_match_the_file() {
        let font = FontRef::new(REGULAR_TTF).unwrap();
        let m = font.metrics(Size::unscaled(), LocationRef::default());
        assert!(
            (f64::from(m.ascent) / 2048.0 - ASCENT_EM).abs() < 1e-3,
            "{}",
            m.ascent
        );
        assert!(
            (f64::from(-m.descent) / 2048.0 - DESCENT_EM).abs() < 1e-3,
            "{}",
            m.descent
        );
    }
}
