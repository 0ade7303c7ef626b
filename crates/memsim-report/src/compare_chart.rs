//! `memsim compare --chart FILE`: the prediction over the observation in one SVG — both resident
//! totals, both limits and the largest categories of the observation, predicted solid and observed
//! dashed — drawn by `memsim diff`'s chart of two runs ([`crate::diff_chart`]).

use crate::RunFiles;
use crate::compare::Comparison;
use crate::diff_chart::{TwoRunChart, render_two_runs_svg};

/// Categories drawn besides the totals: the observation's largest at their peak.
pub(crate) const CHART_CATEGORIES: usize = 3;

/// The SVG document of `predicted` over `observed` (compared as `c`).
pub fn render_compare_chart_svg(
    c: &Comparison,
    predicted: &RunFiles,
    observed: &RunFiles,
) -> String {
    render_two_runs_svg(&TwoRunChart {
        runs: [predicted, observed],
        names: ["predicted", "observed"],
        heading: format!(
            "Resident memory: predicted ({}) over observed ({})",
            c.predicted.scenario, c.observed.scenario
        ),
        title: format!(
            "memsim compare: predicted = {} (seed {}), observed = {}",
            c.predicted.scenario, c.predicted.seed, c.observed.scenario
        ),
        categories: c
            .categories
            .iter()
            .filter(|e| e.peak.observed_bytes > 0 || e.peak.predicted_bytes > 0)
            .take(CHART_CATEGORIES)
            .map(|e| e.name.clone())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::compare_runs;
    use crate::fixture;

    use crate::fixture::run_files as files;

    #[test]
    fn both_totals_and_the_largest_categories_are_drawn_for_both_runs() {
        let (p, o) = (files(&fixture::oom_run()), files(&fixture::fitting_run()));
        let c = compare_runs(&p, &o).unwrap();
        let svg = render_compare_chart_svg(&c, &p, &o);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        assert!(
            svg.contains("predicted: resident total (oom_killed"),
            "{svg}"
        );
        assert!(svg.contains("observed: resident total (fits"), "{svg}");
        // Two totals and three categories per run, one polyline each.
        assert_eq!(svg.matches("<polyline").count(), 2 + 2 * CHART_CATEGORIES);
        for e in c.categories.iter().take(CHART_CATEGORIES) {
            assert!(
                svg.contains(&format!("predicted: {}<", e.name)),
                "{}",
                e.name
            );
            assert!(
                svg.contains(&format!("observed: {}<", e.name)),
                "{}",
                e.name
            );
        }
        // The legend grew the picture rather than overlapping the plot: every legend baseline
        // above the plot's frame.
        let frame_y: f64 = svg
            .split("<rect x=\"80\" y=\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .and_then(|t| t.parse().ok())
            .unwrap();
        for t in svg.split("<text x=\"").skip(1) {
            if t.contains("text-anchor") {
                continue; // axis labels
            }
            let y: f64 = t
                .split("y=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(y < frame_y, "{t}");
        }
        assert_eq!(svg, render_compare_chart_svg(&c, &p, &o));
    }
}
