//! `memsim compare --html FILE`: the comparison as one self-contained page — the verdicts side by
//! side, the chart of prediction over observation inlined (memsim's own SVG, rendered here, never
//! read from a directory), and the per-category table with each judgement. Loads nothing; the
//! style is the teaching report's. Same comparison, same bytes.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::CSS;
use super::markup::{count, esc, size, time};
use crate::compare::{CategoryError, Comparison, Judgement, RunHeadline};
use crate::compare_text::{judgement_line, percent, signed_percent};
use crate::run_diff::signed;
use crate::{RunFiles, render_compare_chart_svg};

/// Writes the comparison page of `c` (computed from `predicted` and `observed`).
///
/// # Errors
/// Any error from `w`.
pub fn render_compare_html(
    c: &Comparison,
    predicted: &RunFiles,
    observed: &RunFiles,
    w: &mut impl Write,
) -> io::Result<()> {
    let mut out = String::with_capacity(64 * 1024);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"memsim\">\n<title>{} against {} — memsim compare</title>\n<style>\n{CSS}</style>\n</head>\n<body>",
        esc(&c.predicted.scenario),
        esc(&c.observed.scenario)
    );
    let _ = writeln!(
        out,
        "<header>\n<h1>Prediction against observation</h1>\n<p class=\"meta\">predicted: {} (seed {}) · observed: {} · {} observed samples compared from {} to {} ({})</p>\n</header>",
        esc(&c.predicted.scenario),
        c.predicted.seed,
        esc(&c.observed.scenario),
        count(c.aligned_samples as u64),
        time(c.span_seconds[0]),
        time(c.span_seconds[1]),
        esc(c.alignment)
    );
    verdicts(c, &mut out);
    let _ = writeln!(
        out,
        "<h2 id=\"chart\">Over time</h2>\n<p>Predicted solid, observed dashed: both resident totals, both limits, and the observation's largest categories.</p>\n<div class=\"chart-box\" id=\"compare-chart\">\n{}</div>",
        render_compare_chart_svg(c, predicted, observed)
    );
    table(c, &mut out);
    let _ = writeln!(
        out,
        "<footer>Rendered by memsim compare from both runs' report.json and timeseries.csv. Error = predicted − observed: positive over-predicts. Peak: each run's maximum over its samples (the total: each report's peak). Judged within ±{} % at the peak, as memsim's calibration judges its JVM model; categories under {} in both runs are not judged.</footer>\n</body>\n</html>",
        c.tolerance_percent,
        size(c.judged_from_bytes)
    );
    w.write_all(out.as_bytes())
}

fn verdicts(c: &Comparison, out: &mut String) {
    let _ = writeln!(
        out,
        "<h2 id=\"verdicts\">Verdicts</h2>\n<table class=\"num1\" id=\"verdict-table\"><thead><tr><th></th><th>predicted</th><th>observed</th></tr></thead><tbody>"
    );
    let cell = |h: &RunHeadline| format!("<span class=\"verdict {0}\">{0}</span>", h.verdict);
    let row = |out: &mut String, label: &str, f: &dyn Fn(&RunHeadline) -> String| {
        let _ = writeln!(
            out,
            "<tr><td>{label}</td><td>{}</td><td>{}</td></tr>",
            f(&c.predicted),
            f(&c.observed)
        );
    };
    row(out, "verdict", &cell);
    row(out, "peak resident", &|h| {
        format!(
            "{} at {}",
            size(h.peak_resident_bytes),
            time(h.peak_at_seconds)
        )
    });
    row(out, "peak charge", &|h| size(h.peak_charge_bytes));
    row(out, "limit", &|h| size(h.limit_bytes));
    row(out, "ended at", &|h| time(h.ended_at_seconds));
    row(out, "failures", &|h| count(h.failures));
    row(out, "samples", &|h| count(h.samples as u64));
    let _ = writeln!(out, "</tbody></table>");
    let _ = writeln!(
        out,
        "<p id=\"total-judgement\">Resident total: {}.</p>",
        esc(&judgement_line(&c.total))
    );
}

fn class_of(j: Judgement) -> &'static str {
    match j {
        Judgement::Within => "within-tolerance",
        Judgement::OverPredicted | Judgement::UnderPredicted => "bad",
        Judgement::TooSmallToJudge => "meta",
    }
}

fn table(c: &Comparison, out: &mut String) {
    let _ = writeln!(
        out,
        "<h2 id=\"categories\">By category</h2>\n<table class=\"num1\" id=\"category-table\"><thead><tr><th>category</th><th>predicted peak</th><th>observed peak</th><th>error</th><th>relative</th><th>mean |error|</th><th>relative</th><th>bias</th><th>max error</th><th>judgement</th></tr></thead><tbody>"
    );
    let row = |out: &mut String, e: &CategoryError| {
        let _ = writeln!(
            out,
            "<tr id=\"cat-{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} at {}</td><td class=\"{}\">{}</td></tr>",
            crate::html_id(&e.name),
            esc(&e.name),
            size(e.peak.predicted_bytes),
            size(e.peak.observed_bytes),
            signed(i128::from(e.peak.error_bytes)),
            signed_percent(e.peak.relative_error),
            size(e.over_time.mean_absolute_error_bytes),
            percent(e.over_time.relative_mean_absolute_error),
            signed(i128::from(e.over_time.mean_error_bytes)),
            signed(i128::from(e.over_time.max_error_bytes)),
            time(e.over_time.max_error_at_seconds),
            class_of(e.judgement),
            e.judgement.words()
        );
    };
    for e in &c.categories {
        row(out, e);
    }
    let _ = writeln!(out, "</tbody><tfoot>");
    row(out, &c.total);
    let _ = writeln!(out, "</tfoot></table>");
    if !c.folded_into_other.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"meta\" id=\"folded\">{} compared inside Other, as NMT counts them: the observation has them only there.</p>",
            esc(&c.folded_into_other.join(", "))
        );
    }
    for (names, what) in [
        (&c.only_predicted, "Predicted, not observed"),
        (&c.only_observed, "Observed, not predicted"),
    ] {
        if !names.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"meta\">{what}: {}.</p>",
                esc(&names.join(", "))
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::compare_runs;
    use crate::fixture;

    use crate::fixture::run_files as files;

    #[test]
    fn the_page_holds_verdicts_chart_and_every_category_and_loads_nothing() {
        let p = files(&fixture::oom_run());
        let o = crate::compare::tests::heap_doubled(files(&fixture::fitting_run()));
        let c = compare_runs(&p, &o).unwrap();
        let mut page = Vec::new();
        render_compare_html(&c, &p, &o, &mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.ends_with("</html>\n"));
        assert!(page.contains("<span class=\"verdict oom_killed\">oom_killed</span></td><td><span class=\"verdict fits\">fits</span>"), "{page}");
        assert!(page.contains("<svg xmlns="));
        for e in &c.categories {
            let id = format!("<tr id=\"cat-{}\">", crate::html_id(&e.name));
            let row = page
                .split(&id)
                .nth(1)
                .unwrap_or_else(|| panic!("{}", e.name));
            let row = row.split("</tr>").next().unwrap();
            assert!(row.contains(e.judgement.words()), "{row}");
        }
        for needle in [
            "src=\"http",
            "href=\"http",
            "<link",
            "@import",
            "<script src",
        ] {
            assert!(!page.contains(needle), "{needle}");
        }
        let mut again = Vec::new();
        render_compare_html(&c, &p, &o, &mut again).unwrap();
        assert_eq!(page.as_bytes(), again.as_slice());
    }
}
