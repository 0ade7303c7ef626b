//! `memsim diff RUN_A RUN_B`: two published runs compared category by category, at each run's
//! peak and over time, from their [`RunFiles`] (so a run published long ago compares as well as
//! one rendered a moment ago). [`crate::render_diff_chart_svg`] draws the two over time.
//!
//! Sizes are resident bytes (what RSS and the OOM killer count), from `report.json`'s
//! `categories_at_peak` and `timeseries.csv`'s per-sample columns. Categories are matched by
//! name, so two runs of different memsim versions compare on what they share.

use std::fmt::Write as _;

use memsim_core::{ByteSize, SimTime};

use crate::RunFiles;

/// `+1.00 GiB`, `-512.00 MiB`, `0 B`: a signed change of bytes.
pub(crate) fn signed(delta: i128) -> String {
    let size = ByteSize(u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX));
    match delta {
        0 => "0 B".to_string(),
        d if d > 0 => format!("+{size}"),
        _ => format!("-{size}"),
    }
}

fn delta(a: u64, b: u64) -> i128 {
    i128::from(b) - i128::from(a)
}

/// A `*_seconds` value of a report as a simulated instant (rounded to the millisecond it was
/// written with).
fn instant(seconds: f64) -> SimTime {
    SimTime(crate::run_files::seconds_to_ms(seconds) * 1_000_000)
}

/// One category of both runs.
#[derive(Debug, Clone, PartialEq)]
struct CategoryRow {
    name: String,
    peak: [u64; 2],
    max: [u64; 2],
    mean: [u64; 2],
}

/// Max and mean of one category's resident bytes over a run's samples (0 when the run has no
/// such column or no samples).
fn over_time(run: &RunFiles, name: &str) -> (u64, u64) {
    let ts = &run.timeseries;
    let Some(i) = ts.accounts.iter().position(|a| a.name() == name) else {
        return (0, 0);
    };
    let values = ts.rows.iter().map(|r| r.resident_bytes[i]);
    let max = values.clone().max().unwrap_or(0);
    let n = ts.rows.len() as u128;
    let mean = values
        .map(u128::from)
        .sum::<u128>()
        .checked_div(n)
        .map_or(0, |m| m as u64);
    (max, mean)
}

/// Every category either run has, A's order first.
fn rows(a: &RunFiles, b: &RunFiles) -> Vec<CategoryRow> {
    let mut names: Vec<&str> = a
        .report
        .categories_at_peak
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    for (n, _) in &b.report.categories_at_peak {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    let peak = |run: &RunFiles, n: &str| run.report.category(n).map_or(0, |c| c.resident_bytes);
    names
        .into_iter()
        .map(|n| {
            let (max_a, mean_a) = over_time(a, n);
            let (max_b, mean_b) = over_time(b, n);
            CategoryRow {
                name: n.to_string(),
                peak: [peak(a, n), peak(b, n)],
                max: [max_a, max_b],
                mean: [mean_a, mean_b],
            }
        })
        .collect()
}

/// The resident total of `run` at the last sample at or before `at`, if the run got that far.
fn resident_at(run: &RunFiles, at: SimTime) -> Option<(SimTime, u64)> {
    if at > instant(run.report.ended_at_seconds) {
        return None;
    }
    run.timeseries
        .rows
        .iter()
        .rev()
        .find(|r| r.at_ms * 1_000_000 <= at.0)
        .map(|r| (SimTime(r.at_ms * 1_000_000), r.resident_total_bytes))
}

/// The comparison as text: both runs' verdicts and peaks, then every category whose resident
/// size differs at the peak or over time, largest change at the peak first.
pub fn render_run_diff(a: &RunFiles, b: &RunFiles) -> String {
    let (ra, rb) = (&a.report, &b.report);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "memsim diff: A = {} (seed {}), B = {} (seed {})",
        ra.scenario, ra.seed, rb.scenario, rb.seed
    );
    let _ = writeln!(
        out,
        "  verdict        A {}, B {}",
        ra.verdict.as_str(),
        rb.verdict.as_str()
    );
    let line = |out: &mut String, label: &str, x: u64, y: u64| {
        let shown = ByteSize::apart(&[x, y]);
        let _ = writeln!(
            out,
            "  {label:<14} A {}, B {} (B - A = {})",
            shown[0],
            shown[1],
            signed(delta(x, y))
        );
    };
    let _ = writeln!(
        out,
        "  peak resident  A {} at {}, B {} at {} (B - A = {})",
        ByteSize(ra.peak_resident_bytes),
        instant(ra.peak_at_seconds),
        ByteSize(rb.peak_resident_bytes),
        instant(rb.peak_at_seconds),
        signed(delta(ra.peak_resident_bytes, rb.peak_resident_bytes))
    );
    line(&mut out, "limit", ra.limit_bytes, rb.limit_bytes);
    line(
        &mut out,
        "configured",
        ra.configured_bytes,
        rb.configured_bytes,
    );
    line(
        &mut out,
        "peak charge",
        ra.kernel.peak_charge_bytes,
        rb.kernel.peak_charge_bytes,
    );
    let _ = writeln!(
        out,
        "  ended          A at {} of {}, B at {} of {}",
        instant(ra.ended_at_seconds),
        instant(ra.duration_seconds),
        instant(rb.ended_at_seconds),
        instant(rb.duration_seconds)
    );
    // The same instant in the other run: what B did when A peaked, and the reverse.
    for (who, run, other, other_name) in [("A", a, b, "B"), ("B", b, a, "A")] {
        let at = instant(run.report.peak_at_seconds);
        match resident_at(other, at) {
            Some((sample, bytes)) => {
                let _ = writeln!(
                    out,
                    "  at {who}'s peak ({at}) {other_name} had {} resident (its sample at {sample})",
                    ByteSize(bytes)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  at {who}'s peak ({at}) {other_name} had already ended"
                );
            }
        }
    }

    over_time_section(&mut out, a, b);

    let mut rows = rows(a, b);
    let differs = |r: &CategoryRow| r.peak[0] != r.peak[1] || r.max[0] != r.max[1];
    let equal = rows.iter().filter(|r| !differs(r)).count();
    rows.retain(differs);
    rows.sort_by_key(|r| std::cmp::Reverse(delta(r.peak[0], r.peak[1]).unsigned_abs()));

    if rows.is_empty() {
        let _ = writeln!(
            out,
            "\nResident by category: no category differs ({equal} the same in both, at the peak and at their maximum)"
        );
        return out;
    }
    let _ = writeln!(
        out,
        "\nResident by category, B - A (largest change at the peak first; max and mean over each run's samples):"
    );
    let _ = writeln!(
        out,
        "  {:<24} {:>11} {:>11} {:>11}   {:>11} {:>11} {:>11}   {:>11}",
        "category", "peak A", "peak B", "at peak", "max A", "max B", "max", "mean"
    );
    let total = |f: fn(&CategoryRow) -> [u64; 2], rows: &[CategoryRow]| -> [u64; 2] {
        rows.iter().fold([0, 0], |s, r| {
            let v = f(r);
            [s[0].saturating_add(v[0]), s[1].saturating_add(v[1])]
        })
    };
    for r in &rows {
        let _ = writeln!(
            out,
            "  {:<24} {:>11} {:>11} {:>11}   {:>11} {:>11} {:>11}   {:>11}",
            r.name,
            ByteSize(r.peak[0]).to_string(),
            ByteSize(r.peak[1]).to_string(),
            signed(delta(r.peak[0], r.peak[1])),
            ByteSize(r.max[0]).to_string(),
            ByteSize(r.max[1]).to_string(),
            signed(delta(r.max[0], r.max[1])),
            signed(delta(r.mean[0], r.mean[1])),
        );
    }
    let peaks = total(|r| r.peak, &rows);
    let _ = writeln!(
        out,
        "  {:<24} {:>11} {:>11} {:>11}",
        "total of these",
        ByteSize(peaks[0]).to_string(),
        ByteSize(peaks[1]).to_string(),
        signed(delta(peaks[0], peaks[1])),
    );
    if equal > 0 {
        let _ = writeln!(
            out,
            "  ({equal} categories the same in both, at the peak and at their maximum)"
        );
    }
    out
}

/// Instants of the "over time" table: evenly spread over the span both runs lived.
const OVER_TIME_INSTANTS: u64 = 8;

/// The sample of `run` at or before `at_ms`.
fn sample_at(run: &RunFiles, at_ms: u64) -> Option<&crate::run_files::TimeSeriesRow> {
    run.timeseries.rows.iter().rev().find(|r| r.at_ms <= at_ms)
}

/// Both runs at [`OVER_TIME_INSTANTS`] instants of the span both lived: the totals, their
/// difference and the category that differs most then.
fn over_time_section(out: &mut String, a: &RunFiles, b: &RunFiles) {
    let span_ms = crate::run_files::seconds_to_ms(a.report.ended_at_seconds)
        .min(crate::run_files::seconds_to_ms(b.report.ended_at_seconds));
    if span_ms == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "\nOver time (resident at A's samples and B's at or before them, over the {} both ran):",
        SimTime(span_ms * 1_000_000)
    );
    let _ = writeln!(
        out,
        "  {:<12} {:>11} {:>11} {:>11}   most different category",
        "at", "A total", "B total", "B - A"
    );
    for k in 1..=OVER_TIME_INSTANTS {
        // A's sample at or before the k-th instant, and B's at or before A's.
        let Some(ra) = sample_at(a, span_ms * k / OVER_TIME_INSTANTS) else {
            continue;
        };
        let at_ms = ra.at_ms;
        let Some(rb) = sample_at(b, at_ms) else {
            continue;
        };
        let most = a
            .timeseries
            .accounts
            .iter()
            .enumerate()
            .filter_map(|(i, acc)| {
                let j = b.timeseries.account_index(*acc)?;
                Some((
                    acc.name(),
                    delta(ra.resident_bytes[i], rb.resident_bytes[j]),
                ))
            })
            .filter(|(_, d)| *d != 0)
            .max_by_key(|(_, d)| d.unsigned_abs());
        let most = most.map_or("-".to_string(), |(n, d)| format!("{n} {}", signed(d)));
        let _ = writeln!(
            out,
            "  {:<12} {:>11} {:>11} {:>11}   {most}",
            SimTime(at_ms * 1_000_000).to_string(),
            ByteSize(ra.resident_total_bytes).to_string(),
            ByteSize(rb.resident_total_bytes).to_string(),
            signed(delta(ra.resident_total_bytes, rb.resident_total_bytes)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    use crate::fixture::run_files as files;

    #[test]
    fn signed_sizes() {
        assert_eq!(signed(0), "0 B");
        assert_eq!(signed(1 << 30), "+1.00 GiB");
        assert_eq!(signed(-(512 << 20)), "-512.00 MiB");
    }

    #[test]
    fn a_run_against_itself_has_no_difference() {
        let a = files(&fixture::oom_run());
        let text = render_run_diff(&a, &a);
        assert!(text.contains("(B - A = 0 B)"), "{text}");
        let over_time: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("Over time"))
            .skip(2)
            .take_while(|l| !l.is_empty())
            .collect();
        assert_eq!(over_time.len(), OVER_TIME_INSTANTS as usize, "{text}");
        assert!(over_time.iter().all(|l| l.ends_with("0 B   -")), "{text}");
        let categories = a.report.categories_at_peak.len();
        assert!(
            text.ends_with(&format!(
                "Resident by category: no category differs ({categories} the same in both, at the peak and at their maximum)\n"
            )),
            "{text}"
        );
    }

    #[test]
    fn two_runs_differ_by_their_categories_at_the_peak() {
        let (sa, sb) = (fixture::oom_run(), fixture::fitting_run());
        let (a, b) = (files(&sa), files(&sb));
        let text = render_run_diff(&a, &b);
        assert!(
            text.starts_with(&format!(
                "memsim diff: A = {} (seed {}), B = {} (seed {})\n",
                sa.scenario, sa.seed, sb.scenario, sb.seed
            )),
            "{text}"
        );
        // Every category that differs at the peak has its row, with B − A.
        for (name, ca) in &a.report.categories_at_peak {
            let cb = b.report.category(name).unwrap();
            if ca.resident_bytes != cb.resident_bytes {
                let row = text
                    .lines()
                    .find(|l| l.starts_with(&format!("  {name:<24} ")))
                    .unwrap_or_else(|| panic!("no row for {name}: {text}"));
                assert!(
                    row.contains(&signed(delta(ca.resident_bytes, cb.resident_bytes))),
                    "{row}"
                );
            }
        }
    }
}
