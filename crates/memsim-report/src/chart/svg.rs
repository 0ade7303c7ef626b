//! SVG text as every renderer reads it, and the box each text occupies.
//!
//! Browsers, librsvg (`rsvg-convert`), resvg and ImageMagick's own SVG renderer (MSVG, what Debian's
//! `convert` uses) agree only on plain presentation attributes on the element itself. MSVG strokes
//! text in black unless the text says `stroke="none"`, ignores `paint-order` (so a white halo drawn
//! as a stroke covered the letters: the labels that vanished), drops `fill` and `font-size`
//! inherited from a `<g>` under that default stroke, and draws nothing for a rotated text placed by
//! `x`/`y` inside `transform`. So every [`Text`] carries its own `font-family`, `font-size`,
//! `font-weight`, `text-anchor`, `fill` and `stroke="none"`; a halo is a white rectangle behind the
//! label's box; a rotated text is placed by `transform="translate(..) rotate(-90)"` at `0,0`.

use std::fmt::Write as _;

use super::font::{self, FAMILY_ATTRIBUTE, Weight};

/// Escapes text for SVG content and attribute values. Characters XML 1.0 forbids (control
/// characters other than tab, newline and carriage return, and DEL; U+FFFE, U+FFFF), which a scenario's
/// name may hold, become U+FFFD, so every parser (and resvg for `chart.png`) accepts the file.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() && c < '\u{80}' => out.push('\u{FFFD}'),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
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
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// An axis-aligned box in SVG pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

impl Rect {
    /// Whether the two boxes share any area once each is grown by `gap` / 2 on every side.
    pub fn overlaps(&self, other: &Rect, gap: f64) -> bool {
        self.x0 < other.x1 + gap
            && other.x0 < self.x1 + gap
            && self.y0 < other.y1 + gap
            && other.y0 < self.y1 + gap
    }

    /// Whether the two boxes come closer than `gap_x` horizontally and `gap_y` vertically.
    pub(crate) fn near(&self, other: &Rect, gap_x: f64, gap_y: f64) -> bool {
        self.x0 < other.x1 + gap_x
            && other.x0 < self.x1 + gap_x
            && self.y0 < other.y1 + gap_y
            && other.y0 < self.y1 + gap_y
    }

    /// Whether `other` lies wholly inside this box.
    pub fn contains(&self, other: &Rect) -> bool {
        other.x0 >= self.x0 && other.x1 <= self.x1 && other.y0 >= self.y0 && other.y1 <= self.y1
    }

    /// The smallest box holding both.
    pub(crate) fn union(&self, other: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }
}

/// Where a text's `x` is on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

/// One line of text, horizontal.
#[derive(Debug, Clone)]
pub(crate) struct Text {
    pub x: f64,
    /// The baseline.
    pub y: f64,
    pub size_px: f64,
    pub weight: Weight,
    pub anchor: Anchor,
    pub fill: &'static str,
    pub content: String,
}

impl Text {
    /// A normal-weight, start-anchored text.
    pub(crate) fn new(
        x: f64,
        y: f64,
        size_px: f64,
        fill: &'static str,
        content: impl Into<String>,
    ) -> Text {
        Text {
            x,
            y,
            size_px,
            weight: Weight::Normal,
            anchor: Anchor::Start,
            fill,
            content: content.into(),
        }
    }

    pub(crate) fn bold(mut self) -> Text {
        self.weight = Weight::Bold;
        self
    }

    pub(crate) fn anchored(mut self, anchor: Anchor) -> Text {
        self.anchor = anchor;
        self
    }

    pub(crate) fn width(&self) -> f64 {
        font::text_width(&self.content, self.size_px, self.weight)
    }

    /// The box the text's glyphs can occupy: advance width by ascent + descent.
    pub(crate) fn bbox(&self) -> Rect {
        let w = self.width();
        let x0 = match self.anchor {
            Anchor::Start => self.x,
            Anchor::Middle => self.x - w / 2.0,
            Anchor::End => self.x - w,
        };
        Rect {
            x0,
            y0: self.y - font::ascent(self.size_px),
            x1: x0 + w,
            y1: self.y + font::descent(self.size_px),
        }
    }

    /// The `<text>` element, every attribute on it.
    pub(crate) fn write(&self, out: &mut String) {
        let _ = writeln!(out, "{}", self.to_svg());
    }

    /// The `<text>` element, without a newline.
    pub(crate) fn to_svg(&self) -> String {
        self.element(&format!(r#"x="{:.1}" y="{:.1}""#, self.x, self.y))
    }

    /// The element rotated a quarter turn anticlockwise about its `x`, `y` (a y-axis title).
    pub(crate) fn write_rotated(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "{}",
            self.element(&format!(
                r#"x="0" y="0" transform="translate({:.1} {:.1}) rotate(-90)""#,
                self.x, self.y
            ))
        );
    }

    fn element(&self, position: &str) -> String {
        let weight = match self.weight {
            Weight::Normal => "normal",
            Weight::Bold => "bold",
        };
        let anchor = match self.anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        format!(
            r#"<text {position} font-family="{FAMILY_ATTRIBUTE}" font-size="{:.0}" font-weight="{weight}" text-anchor="{anchor}" fill="{}" stroke="none">{}</text>"#,
            self.size_px,
            self.fill,
            xml_escape(&self.content)
        )
    }

    /// A white, slightly see-through box behind the text (its halo), grown by `pad` px.
    pub(crate) fn write_halo(&self, out: &mut String, pad: f64) {
        let b = self.bbox();
        let _ = writeln!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#ffffff" fill-opacity="0.85" stroke="none"/>"##,
            b.x0 - pad,
            b.y0,
            b.x1 - b.x0 + 2.0 * pad,
            b.y1 - b.y0
        );
    }
}

/// The longest prefix of `text` (cut with `…`) whose width in `style` is at most `max_px`; the
/// whole text when it fits, `None` when not even `min_chars` characters and the `…` fit.
pub(crate) fn elide_to(text: &str, max_px: f64, style: &Text, min_chars: usize) -> Option<String> {
    let fits = |t: &str| font::text_width(t, style.size_px, style.weight) <= max_px;
    if fits(text) {
        return Some(text.to_string());
    }
    let n = text.chars().count();
    (min_chars + 1..n)
        .rev()
        .map(|keep| truncate(text, keep))
        .find(|t| fits(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_follow_the_anchor() {
        let t = Text::new(100.0, 50.0, 11.0, "#000000", "label");
        let w = t.width();
        assert_eq!(t.bbox().x0, 100.0);
        let m = t.clone().anchored(Anchor::Middle).bbox();
        assert!((m.x0 - (100.0 - w / 2.0)).abs() < 1e-9);
        let e = t.clone().anchored(Anchor::End).bbox();
        assert!((e.x1 - 100.0).abs() < 1e-9);
        assert!(t.bbox().y0 < 50.0 - 11.0 * 0.9 && t.bbox().y1 > 50.0 + 11.0 * 0.2);
    }

    #[test]
    fn every_text_carries_its_own_presentation_attributes() {
        let mut out = String::new();
        Text::new(1.0, 2.0, 11.0, "#c00000", "a<b")
            .bold()
            .write(&mut out);
        assert_eq!(
            out,
            "<text x=\"1.0\" y=\"2.0\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"start\" fill=\"#c00000\" stroke=\"none\">a&lt;b</text>\n"
        );
    }

    #[test]
    fn eliding_keeps_the_longest_prefix_that_fits() {
        let style = Text::new(0.0, 0.0, 11.0, "#000000", "");
        let long = "phase \"peak: 400 Bolt clients\" started";
        assert_eq!(elide_to(long, 1000.0, &style, 4).as_deref(), Some(long));
        let cut = elide_to(long, 80.0, &style, 4).unwrap();
        assert!(cut.ends_with('…'));
        assert!(font::text_width(&cut, 11.0, Weight::Normal) <= 80.0);
        assert_eq!(elide_to(long, 5.0, &style, 4), None);
    }

    #[test]
    fn overlap_counts_the_gap() {
        let a = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        let b = Rect {
            x0: 12.0,
            y0: 0.0,
            x1: 20.0,
            y1: 10.0,
        };
        assert!(!a.overlaps(&b, 0.0));
        assert!(a.overlaps(&b, 3.0));
        assert!(a.union(&b).contains(&b));
    }
}
