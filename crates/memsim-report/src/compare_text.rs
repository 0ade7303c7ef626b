//! `memsim compare`'s text: the verdicts side by side, then the total and every category's error
//! at the peak and over the run, each with its one-line judgement ([`crate::compare`] defines
//! every number).

use std::fmt::Write as _;

use memsim_core::ByteSize;

use crate::compare::{CategoryError, Comparison, RunHeadline};
use crate::run_diff::signed;

/// `+3.2 %`, `-12.0 %`, `–` (nothing observed): a signed relative error.
pub(crate) fn signed_percent(ratio: Option<f64>) -> String {
    match ratio {
        None => "–".to_string(),
        Some(r) => format!("{:+.1} %", r * 100.0),
    }
}

/// An unsigned relative error with one decimal, `–` when there is none.
pub(crate) fn percent(ratio: Option<f64>) -> String {
    ratio.map_or("–".to_string(), |r| format!("{:.1} %", r * 100.0))
}

/// The judgement line of one category.
pub(crate) fn judgement_line(e: &CategoryError) -> String {
    format!(
        "{} at the peak ({} {}), mean |error| over the run {} ({})",
        e.judgement.words(),
        signed(i128::from(e.peak.error_bytes)),
        signed_percent(e.peak.relative_error),
        ByteSize(e.over_time.mean_absolute_error_bytes),
        percent(e.over_time.relative_mean_absolute_error),
    )
}

fn headline_line(out: &mut String, label: &str, h: &RunHeadline) {
    let _ = writeln!(
        out,
        "  {label:<10} {:<12} peak {} at {:.3}s, ended at {:.3}s, limit {}, {} failures, {} samples",
        h.verdict,
        ByteSize(h.peak_resident_bytes),
        h.peak_at_seconds,
        h.ended_at_seconds,
        ByteSize(h.limit_bytes),
        h.failures,
        h.samples
    );
}

/// The comparison as text.
pub fn render_compare_text(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "memsim compare: predicted = {} (seed {}), observed = {}",
        c.predicted.scenario, c.predicted.seed, c.observed.scenario
    );
    headline_line(&mut out, "predicted", &c.predicted);
    headline_line(&mut out, "observed", &c.observed);
    let _ = writeln!(
        out,
        "  verdicts   {}",
        if c.predicted.verdict == c.observed.verdict {
            format!("agree ({})", c.predicted.verdict)
        } else {
            format!(
                "differ: predicted {}, observed {}",
                c.predicted.verdict, c.observed.verdict
            )
        }
    );
    let _ = writeln!(
        out,
        "  aligned    {} observed samples from {:.3}s to {:.3}s ({}){}",
        c.aligned_samples,
        c.span_seconds[0],
        c.span_seconds[1],
        c.alignment,
        if c.unaligned_samples > 0 {
            format!("; {} outside the prediction's span", c.unaligned_samples)
        } else {
            String::new()
        }
    );
    if !c.folded_into_other.is_empty() {
        let _ = writeln!(
            out,
            "  folded     {} into Other, as NMT counts them (the observation has them only there)",
            c.folded_into_other.join(", ")
        );
    }
    let _ = writeln!(out, "  total      {}", judgement_line(&c.total));

    let _ = writeln!(
        out,
        "\nResident by category, predicted − observed (peak: each run's maximum; over the run: at the aligned samples; ±{} % judged from {}):",
        c.tolerance_percent,
        ByteSize(c.judged_from_bytes)
    );
    let _ = writeln!(
        out,
        "  {:<24} {:>11} {:>11} {:>11} {:>8}   {:>11} {:>11} {:>11}   judgement",
        "category", "predicted", "observed", "error", "rel", "mean |err|", "bias", "max err"
    );
    for e in std::iter::once(&c.total).chain(&c.categories) {
        let _ = writeln!(
            out,
            "  {:<24} {:>11} {:>11} {:>11} {:>8}   {:>11} {:>11} {:>11}   {}",
            e.name,
            ByteSize(e.peak.predicted_bytes).to_string(),
            ByteSize(e.peak.observed_bytes).to_string(),
            signed(i128::from(e.peak.error_bytes)),
            signed_percent(e.peak.relative_error),
            ByteSize(e.over_time.mean_absolute_error_bytes).to_string(),
            signed(i128::from(e.over_time.mean_error_bytes)),
            signed(i128::from(e.over_time.max_error_bytes)),
            e.judgement.words()
        );
    }
    for (names, what) in [
        (&c.only_predicted, "predicted, not observed"),
        (&c.only_observed, "observed, not predicted"),
    ] {
        if !names.is_empty() {
            let _ = writeln!(out, "  {what}: {}", names.join(", "));
        }
    }
    let misses: Vec<&CategoryError> = c.misses().collect();
    let _ = writeln!(out);
    if misses.is_empty() {
        let _ = writeln!(
            out,
            "Judgement: every judged category within ±{} % of the observation at its peak.",
            c.tolerance_percent
        );
    } else {
        let _ = writeln!(
            out,
            "Judgement: {} of {} judged categories outside ±{} % at the peak:",
            misses.len(),
            c.categories
                .iter()
                .filter(|e| e.judgement != crate::compare::Judgement::TooSmallToJudge)
                .count(),
            c.tolerance_percent
        );
        for e in misses {
            let _ = writeln!(out, "  {}: {}", e.name, judgement_line(e));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::compare_runs;
    use crate::fixture;

    use crate::fixture::run_files as files;

    #[test]
    fn every_category_has_a_row_with_its_judgement() {
        let p = files(&fixture::oom_run());
        let o = crate::compare::tests::heap_doubled(files(&fixture::fitting_run()));
        let c = compare_runs(&p, &o).unwrap();
        let text = render_compare_text(&c);
        assert!(
            text.contains("verdicts   differ: predicted oom_killed, observed fits"),
            "{text}"
        );
        for e in std::iter::once(&c.total).chain(&c.categories) {
            let row = text
                .lines()
                .find(|l| l.starts_with(&format!("  {:<24} ", e.name)))
                .unwrap_or_else(|| panic!("no row for {}: {text}", e.name));
            assert!(row.ends_with(e.judgement.words()), "{row}");
            assert!(
                row.contains(&signed(i128::from(e.peak.error_bytes))),
                "{row}"
            );
        }
        let misses = c.misses().count();
        assert!(misses > 0, "{text}");
        assert!(
            text.contains("\n  Java Heap: under-predicted at the peak ("),
            "{text}"
        );
        assert!(text.contains(&format!("Judgement: {misses} of ")), "{text}");

        let same = render_compare_text(&compare_runs(&p, &p).unwrap());
        assert!(same.contains("verdicts   agree (oom_killed)"), "{same}");
        assert!(
            same.contains("Judgement: every judged category within ±10 %"),
            "{same}"
        );
    }

    #[test]
    fn percentages_are_signed() {
        assert_eq!(signed_percent(Some(0.0321)), "+3.2 %");
        assert_eq!(signed_percent(Some(-0.12)), "-12.0 %");
        assert_eq!(signed_percent(None), "–");
        assert_eq!(percent(Some(0.1)), "10.0 %");
    }
}
