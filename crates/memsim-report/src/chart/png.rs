//! `chart.png`: `chart.svg` rasterised by resvg at its own size (1100×600, or 1100×790 with the
//! database panel), with only the bundled DejaVu Sans loaded, so that the same run gives the same
//! bytes on every machine whatever fonts it has.

use std::io::{self, Write};
use std::sync::{Arc, OnceLock};

use memsim_core::RunSummary;
use resvg::{tiny_skia, usvg};

use super::font::{BOLD_TTF, FAMILY, REGULAR_TTF};

/// The font database: the two bundled faces, `DejaVu Sans` also standing for every generic family.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(REGULAR_TTF.to_vec());
            db.load_font_data(BOLD_TTF.to_vec());
            db.set_sans_serif_family(FAMILY);
            db.set_serif_family(FAMILY);
            db.set_monospace_family(FAMILY);
            db.set_cursive_family(FAMILY);
            db.set_fantasy_family(FAMILY);
            Arc::new(db)
        })
        .clone()
}

/// Rasterises an SVG with the bundled fonts into PNG bytes.
pub(crate) fn rasterise(svg: &str) -> io::Result<Vec<u8>> {
    let options = usvg::Options {
        font_family: FAMILY.to_string(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(io::Error::other)?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| io::Error::other("the chart has no area"))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(io::Error::other)
}

/// Writes `chart.png`: the chart of [`super::render_chart_svg`] as an RGBA PNG of the same size.
///
/// # Errors
/// Any error from `w`; an error from resvg (the chart's SVG not parsing, or encoding failing)
/// would be a bug in memsim, and is returned as an `io::Error` rather than a panic.
pub fn render_chart_png(s: &RunSummary, w: &mut impl Write) -> io::Result<()> {
    w.write_all(&rasterise(&super::chart_string(s))?)
}
