//! The chart's page-cache hit ratio, in the database panel (right axis, 0 to 1): the rolling
//! [`DatabaseRun::HIT_RATIO_WINDOW`] figure as a line, and each phase's ratio over its span as a
//! bar labelled with its value, so a warm-up and the load after it read apart.

use std::fmt::Write as _;

use memsim_core::DatabaseRun;

use crate::chart::svg::Text;

const ROLLING_COLOUR: &str = "#4e79a7";
const PHASE_COLOUR: &str = "#f28e2b";
const INK: &str = "#333333";

/// Whether a phase hit pages it had read before: a query load, worth a hit-ratio panel (a warm-up
/// alone, every pin a fault, is not).
pub(crate) fn has_queries(db: &DatabaseRun) -> bool {
    db.phases.iter().any(|p| p.cache.hits > 0)
}

/// Draws into `out` between `top` and `bottom` (ratio 1 at `top`), `x` mapping seconds; the key
/// goes at `legend_left` from `legend_y` down. Returns the key's next free line.
pub(crate) fn draw(
    out: &mut String,
    db: &DatabaseRun,
    x: &dyn Fn(f64) -> f64,
    (top, bottom): (f64, f64),
    (legend_left, legend_y): (f64, f64),
) -> f64 {
    let y = |ratio: f64| bottom - ratio.clamp(0.0, 1.0) * (bottom - top);
    // The rolling window: a line through the samples whose window saw a pin, broken where none did.
    let mut d = String::new();
    let mut last_i = None;
    for i in 0..db.samples.len() {
        let Some(r) = db.window_hit_ratio(i, DatabaseRun::HIT_RATIO_WINDOW) else {
            continue;
        };
        let (px, py) = (x(db.samples[i].at.as_secs_f64()), y(r));
        let joined = last_i.is_some_and(|j: usize| j + 1 == i);
        let _ = write!(d, "{}{px:.1},{py:.1} ", if joined { "L" } else { "M" });
        last_i = Some(i);
    }
    if !d.is_empty() {
        let _ = writeln!(
            out,
            r##"<path d="{}" fill="none" stroke="{ROLLING_COLOUR}" stroke-width="1.5"/>"##,
            d.trim_end()
        );
    }
    // Each phase that pinned pages: its ratio over its span.
    for p in db.phases.iter().filter(|p| p.cache.pins > 0) {
        let (x0, x1) = (x(p.start.as_secs_f64()), x(p.end.as_secs_f64()));
        let r = p.cache.hit_ratio();
        let py = y(r);
        let _ = writeln!(
            out,
            r##"<line x1="{x0:.1}" y1="{py:.1}" x2="{x1:.1}" y2="{py:.1}" stroke="{PHASE_COLOUR}" stroke-width="3"/>{}"##,
            Text::new(
                x0 + 2.0,
                if py - 4.0 < top + 10.0 {
                    py + 12.0
                } else {
                    py - 4.0
                },
                10.0,
                PHASE_COLOUR,
                format!("{r:.3}"),
            )
            .to_svg()
        );
    }
    let mut ky = legend_y;
    for (colour, name) in [
        (
            ROLLING_COLOUR,
            format!(
                "hit ratio, last {} s",
                DatabaseRun::HIT_RATIO_WINDOW.nanos() / 1_000_000_000
            ),
        ),
        (PHASE_COLOUR, "hit ratio per phase".to_string()),
    ] {
        let _ = writeln!(
            out,
            r##"<line x1="{legend_left:.1}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="{colour}" stroke-width="2"/>{2}"##,
            ky - 4.0,
            legend_left + 11.0,
            Text::new(legend_left + 17.0, ky, 11.0, INK, name).to_svg()
        );
        ky += 15.0;
    }
    ky
}
