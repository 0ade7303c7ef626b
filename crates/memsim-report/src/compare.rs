//! `memsim compare SIM_DIR OBSERVED_DIR`: a prediction held against an observation.
//!
//! Both sides are run directories read back as [`RunFiles`]: the prediction written by
//! `memsim run --out`, the observation by `memsim observe` (the same report set), or any two runs.
//! Unlike [`crate::render_run_diff`], which treats two runs alike, this takes the observation as
//! the truth and measures the prediction's error against it:
//!
//! - **Alignment**: the prediction is linearly interpolated at each observed sample's time (the
//!   observation's clock is the reference; simulated samples are evenly spaced, observed ones
//!   jitter), over the span both runs cover. Observed samples outside the prediction's span are
//!   not compared (their count is reported).
//! - **At the peak**: for each category, each run's maximum resident size over its samples inside
//!   the span compared (a prediction running on after the observed process died is not held
//!   against it; the two maxima may fall at different times, both are given); for the total, each
//!   report's `peak_resident_bytes` when its instant lies in that span (the engine's peak falls
//!   between samples), else the samples' maximum. The error is signed, predicted − observed (positive: over-predicted),
//!   absolute in bytes and relative to the observed value.
//! - **Over the run**: the mean absolute error, the mean signed error (bias) and the largest error
//!   (signed, with its time) over the aligned samples, the mean absolute error also relative to the
//!   mean observed size.
//! - **Judgement**: per category, the peak's relative error within ±[`TOLERANCE`] or not, and
//!   categories under [`JUDGED_FROM_BYTES`] in both runs not judged: the same rule
//!   `crates/memsim-engine/tests/calibration.rs` holds the JVM model to.
//!
//! Categories are matched by name: those in only one run are listed, not compared. memsim splits
//! NMT's `Other` into JDK Direct, Netty Direct and Page Cache; an observation read from NMT cannot,
//! so when the observation has none of them and the prediction has some, they are compared inside
//! `Other` on both sides (`folded_into_other`).

use memsim_core::Account;
use serde::Serialize;

use crate::RunFiles;
use crate::run_files::TimeSeriesRow;

/// The relative error a prediction may have and still be judged right: ±10 %, the calibration's.
pub const TOLERANCE: f64 = 0.10;

/// Categories smaller than this at their peak in both runs are not judged (8 MiB, the calibration's
/// threshold: below it a few MiB of noise are tens of percent).
pub const JUDGED_FROM_BYTES: u64 = 8 << 20;

/// How samples are aligned, as the reports state it.
pub const ALIGNMENT: &str = "the prediction linearly interpolated at each observed sample's time, over the span both runs cover";

/// Which side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The simulation (`SIM_DIR`).
    Predicted,
    /// The observation (`OBSERVED_DIR`).
    Observed,
}

impl Side {
    /// `predicted` or `observed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Predicted => "predicted",
            Side::Observed => "observed",
        }
    }
}

/// Why two runs cannot be compared. Each names the file (of the side given) and line at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    /// A run's time series has no sample.
    #[error("timeseries.csv: line 2: no sample (the {} run recorded nothing to compare)", side.as_str())]
    NoSamples {
        /// The run without samples.
        side: Side,
    },
    /// The observation's samples all lie after the prediction's last one.
    #[error(
        "timeseries.csv: line 2: the first observed sample at {observed_first_s}s is after the prediction's last at {predicted_last_s}s: no time in common"
    )]
    NoOverlap {
        /// Always [`Side::Observed`]: the file named is the observation's.
        side: Side,
        /// The observation's first sample, seconds.
        observed_first_s: f64,
        /// The prediction's last sample, seconds.
        predicted_last_s: f64,
    },
    /// No category has a column in both time series.
    #[error(
        "timeseries.csv: line 1: no category in common with the prediction's ({observed} observed, {predicted} predicted)"
    )]
    NoCommonCategory {
        /// Always [`Side::Observed`].
        side: Side,
        /// The observation's category columns.
        observed: usize,
        /// The prediction's.
        predicted: usize,
    },
}

impl CompareError {
    /// The side whose directory holds the file at fault.
    pub fn side(&self) -> Side {
        match self {
            CompareError::NoSamples { side }
            | CompareError::NoOverlap { side, .. }
            | CompareError::NoCommonCategory { side, .. } => *side,
        }
    }
}

/// One run's headline, for the side-by-side verdicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunHeadline {
    /// The scenario's (or the observed command's) name.
    pub scenario: String,
    /// The seed (0 for an observation).
    pub seed: u64,
    /// The verdict, as `report.json` writes it.
    pub verdict: &'static str,
    /// The largest resident total.
    pub peak_resident_bytes: u64,
    /// When.
    pub peak_at_seconds: f64,
    /// The memory cgroup's largest charge.
    pub peak_charge_bytes: u64,
    /// The limit.
    pub limit_bytes: u64,
    /// When the run ended.
    pub ended_at_seconds: f64,
    /// Errors, failed requests, threads and transactions, all counted.
    pub failures: u64,
    /// Samples in `timeseries.csv`.
    pub samples: usize,
}

/// Signed error of one value, predicted − observed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeakError {
    /// The prediction's maximum.
    pub predicted_bytes: u64,
    /// When (seconds since the start).
    pub predicted_at_seconds: f64,
    /// The observation's maximum.
    pub observed_bytes: u64,
    /// When.
    pub observed_at_seconds: f64,
    /// Predicted − observed (positive: over-predicted).
    pub error_bytes: i64,
    /// `error_bytes / observed_bytes`, rounded to 0.0001; `None` when nothing was observed.
    pub relative_error: Option<f64>,
}

/// The error over the aligned samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorOverTime {
    /// Mean of |predicted − observed|.
    pub mean_absolute_error_bytes: u64,
    /// Mean of predicted − observed (the bias: positive over-predicts).
    pub mean_error_bytes: i64,
    /// The error of largest magnitude, signed.
    pub max_error_bytes: i64,
    /// When it was (the observed sample's time).
    pub max_error_at_seconds: f64,
    /// The mean observed size.
    pub mean_observed_bytes: u64,
    /// `mean_absolute_error_bytes / mean_observed_bytes`, rounded to 0.0001; `None` when nothing
    /// was observed.
    pub relative_mean_absolute_error: Option<f64>,
}

/// The one-line judgement of a category's prediction at its peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// Within ±[`TOLERANCE`] of the observation.
    Within,
    /// Over the observation by more than the tolerance.
    OverPredicted,
    /// Under it by more than the tolerance.
    UnderPredicted,
    /// Under [`JUDGED_FROM_BYTES`] in both runs.
    TooSmallToJudge,
}

impl Judgement {
    fn of(peak: &PeakError) -> Judgement {
        if peak.predicted_bytes < JUDGED_FROM_BYTES && peak.observed_bytes < JUDGED_FROM_BYTES {
            return Judgement::TooSmallToJudge;
        }
        let m = peak.observed_bytes as f64;
        let p = peak.predicted_bytes as f64;
        if (p - m).abs() <= TOLERANCE * m {
            Judgement::Within
        } else if p > m {
            Judgement::OverPredicted
        } else {
            Judgement::UnderPredicted
        }
    }

    /// The judgement in words, as the text report prints it.
    pub fn words(self) -> &'static str {
        match self {
            Judgement::Within => "within ±10 %",
            Judgement::OverPredicted => "over-predicted",
            Judgement::UnderPredicted => "under-predicted",
            Judgement::TooSmallToJudge => "not judged (under 8 MiB)",
        }
    }
}

/// One category (or the total) compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryError {
    /// The category's name (`Java Heap`, …), or `total` for the resident total.
    pub name: String,
    /// At each run's peak.
    pub peak: PeakError,
    /// Over the aligned samples.
    pub over_time: ErrorOverTime,
    /// The peak judged against [`TOLERANCE`].
    pub judgement: Judgement,
}

/// A prediction held against an observation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// How samples were aligned ([`ALIGNMENT`]).
    pub alignment: &'static str,
    /// [`TOLERANCE`] as a percentage.
    pub tolerance_percent: f64,
    /// [`JUDGED_FROM_BYTES`].
    pub judged_from_bytes: u64,
    /// The prediction's headline.
    pub predicted: RunHeadline,
    /// The observation's.
    pub observed: RunHeadline,
    /// Observed samples compared (inside the prediction's span).
    pub aligned_samples: usize,
    /// Observed samples outside it (before its first sample or after its last).
    pub unaligned_samples: usize,
    /// The span compared: the first and last aligned observed samples, seconds.
    pub span_seconds: [f64; 2],
    /// The resident total.
    pub total: CategoryError,
    /// Every category in both runs, largest observed peak first.
    pub categories: Vec<CategoryError>,
    /// memsim's splits of NMT's `Other` (JDK Direct, Netty Direct, Page Cache) compared inside
    /// `Other`: the observation has none of them at any sample while the prediction has some, so
    /// its `Other` holds them (NMT cannot tell them apart).
    pub folded_into_other: Vec<String>,
    /// Categories only the prediction has a column for.
    pub only_predicted: Vec<String>,
    /// Categories only the observation has a column for.
    pub only_observed: Vec<String>,
}

impl Comparison {
    /// The categories judged over or under the tolerance.
    pub fn misses(&self) -> impl Iterator<Item = &CategoryError> {
        self.categories.iter().filter(|c| {
            matches!(
                c.judgement,
                Judgement::OverPredicted | Judgement::UnderPredicted
            )
        })
    }

    /// `report.json`-style pretty JSON, with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a comparison serializes");
        s.push('\n');
        s
    }
}

fn headline(run: &RunFiles) -> RunHeadline {
    let r = &run.report;
    let f = &r.failures;
    RunHeadline {
        scenario: r.scenario.clone(),
        seed: r.seed,
        verdict: r.verdict.as_str(),
        peak_resident_bytes: r.peak_resident_bytes,
        peak_at_seconds: r.peak_at_seconds,
        peak_charge_bytes: r.kernel.peak_charge_bytes,
        limit_bytes: r.limit_bytes,
        ended_at_seconds: r.ended_at_seconds,
        failures: f
            .errors
            .iter()
            .map(|e| e.count)
            .fold(0u64, u64::saturating_add)
            .saturating_add(f.requests_failed)
            .saturating_add(f.threads_failed_to_start)
            .saturating_add(f.transactions_terminated),
        samples: run.timeseries.rows.len(),
    }
}

/// Rounds a ratio to 0.0001 so the JSON prints it short and the same every time.
fn ratio(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// The clamped signed difference `p − o`.
fn signed(p: u64, o: u64) -> i64 {
    let d = i128::from(p) - i128::from(o);
    i64::try_from(d).unwrap_or(if d > 0 { i64::MAX } else { i64::MIN })
}

/// `values`' value at `at_ms`, linearly interpolated between the rows bracketing it; `None`
/// outside the rows' span. `rows` are in time order.
fn interpolate(
    rows: &[TimeSeriesRow],
    value: &dyn Fn(&TimeSeriesRow) -> u64,
    at_ms: u64,
) -> Option<u64> {
    let after = rows.partition_point(|r| r.at_ms < at_ms);
    let hi = rows.get(after)?;
    if hi.at_ms == at_ms {
        return Some(value(hi));
    }
    let lo = rows.get(after.checked_sub(1)?)?;
    let (v0, v1) = (value(lo) as f64, value(hi) as f64);
    let share = (at_ms - lo.at_ms) as f64 / (hi.at_ms - lo.at_ms) as f64;
    Some((v0 + (v1 - v0) * share).round().max(0.0) as u64)
}

/// The maximum of `value` over `rows` and its first time (ms).
fn max_of(rows: &[TimeSeriesRow], value: &dyn Fn(&TimeSeriesRow) -> u64) -> (u64, u64) {
    rows.iter().map(|r| (value(r), r.at_ms)).fold(
        (0, 0),
        |best, (v, t)| if v > best.0 { (v, t) } else { best },
    )
}

fn over_time(pairs: &[(u64, u64, u64)]) -> ErrorOverTime {
    // (at_ms, predicted, observed)
    let n = pairs.len().max(1) as i128;
    let mut abs_sum: i128 = 0;
    let mut sum: i128 = 0;
    let mut obs_sum: i128 = 0;
    let mut max: (i128, u64) = (0, pairs.first().map_or(0, |p| p.0));
    for &(t, p, o) in pairs {
        let d = i128::from(p) - i128::from(o);
        abs_sum += d.abs();
        sum += d;
        obs_sum += i128::from(o);
        if d.abs() > max.0.abs() {
            max = (d, t);
        }
    }
    let mae = (abs_sum / n) as u64;
    let mean_observed = (obs_sum / n) as u64;
    ErrorOverTime {
        mean_absolute_error_bytes: mae,
        mean_error_bytes: (sum / n) as i64,
        max_error_bytes: i64::try_from(max.0).unwrap_or(i64::MAX),
        max_error_at_seconds: seconds(max.1),
        mean_observed_bytes: mean_observed,
        relative_mean_absolute_error: (mean_observed > 0)
            .then(|| ratio(mae as f64 / mean_observed as f64)),
    }
}

fn peak_error(predicted: (u64, f64), observed: (u64, f64)) -> PeakError {
    let error = signed(predicted.0, observed.0);
    PeakError {
        predicted_bytes: predicted.0,
        predicted_at_seconds: predicted.1,
        observed_bytes: observed.0,
        observed_at_seconds: observed.1,
        error_bytes: error,
        relative_error: (observed.0 > 0).then(|| ratio(error as f64 / observed.0 as f64)),
    }
}

/// The accounts memsim splits out of NMT's `Other` to compare inside `Other`: when the observation
/// (an NMT reading, which cannot split them) has none of them at any sample and the prediction has
/// some. Empty when either run lacks an `Other` column.
fn splits_to_fold(
    common: &[(Account, usize, usize)],
    pr: &[TimeSeriesRow],
    or: &[TimeSeriesRow],
) -> Vec<Account> {
    if !common.iter().any(|(a, ..)| *a == Account::Other) {
        return Vec::new();
    }
    let splits: Vec<&(Account, usize, usize)> = common
        .iter()
        .filter(|(a, ..)| *a != Account::Other && a.nmt() == Account::Other.nmt())
        .collect();
    let observed_none = splits
        .iter()
        .all(|(_, _, oi)| or.iter().all(|r| r.resident_bytes[*oi] == 0));
    let predicted_some = splits
        .iter()
        .any(|(_, pi, _)| pr.iter().any(|r| r.resident_bytes[*pi] > 0));
    if observed_none && predicted_some {
        splits.into_iter().map(|(a, ..)| *a).collect()
    } else {
        Vec::new()
    }
}

/// Compares `predicted` against `observed`.
///
/// # Errors
/// [`CompareError`] when either run has no sample, when the observation starts after the
/// prediction ends, or when the two share no category.
pub fn compare_runs(predicted: &RunFiles, observed: &RunFiles) -> Result<Comparison, CompareError> {
    let (pr, or) = (&predicted.timeseries.rows, &observed.timeseries.rows);
    if pr.is_empty() {
        return Err(CompareError::NoSamples {
            side: Side::Predicted,
        });
    }
    if or.is_empty() {
        return Err(CompareError::NoSamples {
            side: Side::Observed,
        });
    }
    let (p_first, p_last) = (pr[0].at_ms, pr[pr.len() - 1].at_ms);
    let aligned: Vec<&TimeSeriesRow> = or
        .iter()
        .filter(|r| (p_first..=p_last).contains(&r.at_ms))
        .collect();
    if aligned.is_empty() {
        return Err(CompareError::NoOverlap {
            side: Side::Observed,
            observed_first_s: seconds(or[0].at_ms),
            predicted_last_s: seconds(p_last),
        });
    }
    // The span compared, and each run's samples inside it.
    let span_ms = (aligned[0].at_ms, aligned[aligned.len() - 1].at_ms);
    let within = |rows: &[TimeSeriesRow]| {
        rows.partition_point(|r| r.at_ms < span_ms.0)
            ..rows.partition_point(|r| r.at_ms <= span_ms.1)
    };
    let (p_span, o_span) = (within(pr), within(or));
    let common: Vec<(Account, usize, usize)> = observed
        .timeseries
        .accounts
        .iter()
        .enumerate()
        .filter_map(|(oi, a)| Some((*a, predicted.timeseries.account_index(*a)?, oi)))
        .collect();
    if common.is_empty() {
        return Err(CompareError::NoCommonCategory {
            side: Side::Observed,
            observed: observed.timeseries.accounts.len(),
            predicted: predicted.timeseries.accounts.len(),
        });
    }

    let compare_one = |name: &str,
                       pv: &dyn Fn(&TimeSeriesRow) -> u64,
                       ov: &dyn Fn(&TimeSeriesRow) -> u64,
                       peaks: Option<((u64, f64), (u64, f64))>|
     -> CategoryError {
        let pairs: Vec<(u64, u64, u64)> = aligned
            .iter()
            .filter_map(|r| Some((r.at_ms, interpolate(pr, pv, r.at_ms)?, ov(r))))
            .collect();
        let (p, pt) = max_of(&pr[p_span.clone()], pv);
        let (o, ot) = max_of(&or[o_span.clone()], ov);
        let in_span =
            |at: f64| (span_ms.0..=span_ms.1).contains(&crate::run_files::seconds_to_ms(at));
        let (pp, op) = match peaks {
            // The reports' peaks (between samples, so higher than any) where they lie in the span.
            Some((rp, ro)) => (
                if in_span(rp.1) { rp } else { (p, seconds(pt)) },
                if in_span(ro.1) { ro } else { (o, seconds(ot)) },
            ),
            None => ((p, seconds(pt)), (o, seconds(ot))),
        };
        let peak = peak_error(pp, op);
        CategoryError {
            name: name.to_string(),
            judgement: Judgement::of(&peak),
            peak,
            over_time: over_time(&pairs),
        }
    };

    let total = compare_one(
        "total",
        &|r| r.resident_total_bytes,
        &|r| r.resident_total_bytes,
        Some((
            (
                predicted.report.peak_resident_bytes,
                predicted.report.peak_at_seconds,
            ),
            (
                observed.report.peak_resident_bytes,
                observed.report.peak_at_seconds,
            ),
        )),
    );
    let folded = splits_to_fold(&common, pr, or);
    let mut categories: Vec<CategoryError> = common
        .iter()
        .filter(|(a, ..)| !folded.contains(a))
        .map(|&(a, pi, oi)| {
            // Other takes what is folded into it, on both sides.
            let (mut pis, mut ois) = (vec![pi], vec![oi]);
            if a == Account::Other {
                for &(f, fp, fo) in common.iter().filter(|(f, ..)| folded.contains(f)) {
                    debug_assert_ne!(f, Account::Other);
                    pis.push(fp);
                    ois.push(fo);
                }
            }
            let sum = |idx: Vec<usize>| {
                move |r: &TimeSeriesRow| idx.iter().map(|i| r.resident_bytes[*i]).sum::<u64>()
            };
            compare_one(a.name(), &sum(pis), &sum(ois), None)
        })
        .collect();
    // Largest observed first; the observation's column order breaks ties (stable sort).
    categories.sort_by_key(|c| std::cmp::Reverse(c.peak.observed_bytes));

    let names = |run: &RunFiles, other: &RunFiles| -> Vec<String> {
        run.timeseries
            .accounts
            .iter()
            .filter(|a| other.timeseries.account_index(**a).is_none())
            .map(|a| a.name().to_string())
            .collect()
    };
    Ok(Comparison {
        folded_into_other: folded.iter().map(|a| a.name().to_string()).collect(),
        alignment: ALIGNMENT,
        tolerance_percent: TOLERANCE * 100.0,
        judged_from_bytes: JUDGED_FROM_BYTES,
        predicted: headline(predicted),
        observed: headline(observed),
        aligned_samples: aligned.len(),
        unaligned_samples: or.len() - aligned.len(),
        span_seconds: [
            seconds(aligned[0].at_ms),
            seconds(aligned[aligned.len() - 1].at_ms),
        ],
        total,
        categories,
        only_predicted: names(predicted, observed),
        only_observed: names(observed, predicted),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fixture;

    use crate::fixture::run_files as files;

    fn row(at_ms: u64, v: u64) -> TimeSeriesRow {
        TimeSeriesRow {
            at_ms,
            resident_total_bytes: v,
            ..TimeSeriesRow::default()
        }
    }

    #[test]
    fn interpolation_is_linear_between_samples_and_none_outside() {
        let rows = [row(1000, 100), row(2000, 300), row(4000, 300)];
        let v = |r: &TimeSeriesRow| r.resident_total_bytes;
        assert_eq!(interpolate(&rows, &v, 999), None);
        assert_eq!(interpolate(&rows, &v, 1000), Some(100));
        assert_eq!(interpolate(&rows, &v, 1500), Some(200));
        assert_eq!(interpolate(&rows, &v, 1250), Some(150));
        assert_eq!(interpolate(&rows, &v, 3000), Some(300));
        assert_eq!(interpolate(&rows, &v, 4000), Some(300));
        assert_eq!(interpolate(&rows, &v, 4001), None);
    }

    #[test]
    fn errors_over_time_are_signed_and_their_mean_absolute() {
        let e = over_time(&[(0, 110, 100), (1000, 80, 100), (2000, 100, 100)]);
        assert_eq!(e.mean_absolute_error_bytes, 10);
        assert_eq!(e.mean_error_bytes, -3);
        assert_eq!(e.max_error_bytes, -20);
        assert_eq!(e.max_error_at_seconds, 1.0);
        assert_eq!(e.mean_observed_bytes, 100);
        assert_eq!(e.relative_mean_absolute_error, Some(0.1));
    }

    #[test]
    fn judgements_follow_the_calibration_s_rule() {
        let m = 100u64 << 20;
        let j = |p: u64, o: u64| Judgement::of(&peak_error((p, 0.0), (o, 0.0)));
        assert_eq!(j(m + m / 10, m), Judgement::Within);
        assert_eq!(j(m - m / 10, m), Judgement::Within);
        assert_eq!(j(m + m / 10 + (1 << 20), m), Judgement::OverPredicted);
        assert_eq!(j(m - m / 10 - (1 << 20), m), Judgement::UnderPredicted);
        assert_eq!(j(7 << 20, 1 << 20), Judgement::TooSmallToJudge);
        assert_eq!(j(9 << 20, 0), Judgement::OverPredicted);
        let p = peak_error((110, 0.0), (100, 1.0));
        assert_eq!((p.error_bytes, p.relative_error), (10, Some(0.1)));
    }

    #[test]
    fn a_run_against_itself_has_no_error() {
        let a = files(&fixture::oom_run());
        let c = compare_runs(&a, &a).unwrap();
        assert_eq!(c.aligned_samples, a.timeseries.rows.len());
        assert_eq!(c.unaligned_samples, 0);
        assert!(c.only_observed.is_empty() && c.only_predicted.is_empty());
        for e in std::iter::once(&c.total).chain(&c.categories) {
            assert_eq!(e.peak.error_bytes, 0, "{}", e.name);
            assert_eq!(e.over_time.mean_absolute_error_bytes, 0, "{}", e.name);
            assert_eq!(e.over_time.max_error_bytes, 0, "{}", e.name);
            assert_ne!(e.judgement, Judgement::OverPredicted);
            assert_ne!(e.judgement, Judgement::UnderPredicted);
        }
        assert_eq!(c.misses().count(), 0);
        // Largest observed peak first.
        assert!(
            c.categories
                .windows(2)
                .all(|w| w[0].peak.observed_bytes >= w[1].peak.observed_bytes)
        );
    }

    /// `run` with its Java heap's resident bytes doubled in every sample: an observation the
    /// prediction under-predicts by half.
    pub(crate) fn heap_doubled(mut run: RunFiles) -> RunFiles {
        let i = run.timeseries.account_index(Account::JavaHeap).unwrap();
        for r in &mut run.timeseries.rows {
            r.resident_total_bytes += r.resident_bytes[i];
            r.resident_bytes[i] *= 2;
        }
        run
    }

    #[test]
    fn two_runs_differ_by_signed_errors_against_the_observation() {
        let p = files(&fixture::oom_run());
        let o = heap_doubled(files(&fixture::fitting_run()));
        let c = compare_runs(&p, &o).unwrap();
        assert_eq!(c.predicted.verdict, "oom_killed");
        assert_eq!(c.observed.verdict, "fits");
        // The observation is shorter: only its span is compared, the prediction's later peak is not.
        let end = o.timeseries.rows.last().unwrap().at_ms;
        assert_eq!(c.span_seconds[1], seconds(end));
        let in_span_max = p
            .timeseries
            .rows
            .iter()
            .filter(|r| r.at_ms <= end)
            .map(|r| r.resident_total_bytes)
            .max()
            .unwrap();
        assert!(in_span_max < p.report.peak_resident_bytes);
        assert_eq!(c.total.peak.predicted_bytes, in_span_max);
        assert_eq!(c.total.peak.observed_bytes, o.report.peak_resident_bytes);
        assert_eq!(
            c.total.peak.error_bytes,
            in_span_max as i64 - o.report.peak_resident_bytes as i64
        );
        let heap = c.categories.iter().find(|c| c.name == "Java Heap").unwrap();
        assert_eq!(heap.judgement, Judgement::UnderPredicted);
        assert_eq!(heap.peak.relative_error, Some(-0.5));
        assert!(heap.over_time.mean_error_bytes < 0);
        assert_eq!(
            heap.over_time.mean_error_bytes,
            -(heap.over_time.mean_absolute_error_bytes as i64)
        );
        let i = o.timeseries.account_index(Account::JavaHeap).unwrap();
        let observed_max = o.timeseries.rows.iter().map(|r| r.resident_bytes[i]).max();
        assert_eq!(Some(heap.peak.observed_bytes), observed_max);
        let json: serde_json::Value = serde_json::from_str(&c.to_json()).unwrap();
        assert_eq!(
            json["total"]["judgement"],
            serde_json::to_value(c.total.judgement).unwrap()
        );
        assert_eq!(
            json["categories"].as_array().unwrap().len(),
            c.categories.len()
        );
    }

    #[test]
    fn direct_memory_is_compared_inside_other_when_the_observation_cannot_split_it() {
        let p = files(&fixture::oom_run());
        // An NMT observation: its direct buffers and page cache inside Other.
        let mut o = p.clone();
        let ts = &mut o.timeseries;
        let other = ts.account_index(Account::Other).unwrap();
        let splits: Vec<usize> = [Account::JdkDirect, Account::NettyDirect, Account::PageCache]
            .iter()
            .map(|a| ts.account_index(*a).unwrap())
            .collect();
        for r in &mut ts.rows {
            for &i in &splits {
                r.resident_bytes[other] += r.resident_bytes[i];
                r.resident_bytes[i] = 0;
            }
        }
        let c = compare_runs(&p, &o).unwrap();
        assert_eq!(
            c.folded_into_other,
            ["Page Cache", "Netty Direct", "JDK Direct"]
        );
        assert!(
            c.categories
                .iter()
                .all(|e| !c.folded_into_other.contains(&e.name))
        );
        let other = c.categories.iter().find(|e| e.name == "Other").unwrap();
        assert_eq!(other.peak.error_bytes, 0);
        assert_eq!(other.over_time.max_error_bytes, 0);
        assert_eq!(c.misses().count(), 0);
        // Two simulations split alike: nothing folded.
        assert!(compare_runs(&p, &p).unwrap().folded_into_other.is_empty());
    }

    #[test]
    fn runs_that_cannot_be_compared_say_why() {
        let a = files(&fixture::oom_run());
        let mut empty = a.clone();
        empty.timeseries.rows.clear();
        assert_eq!(
            compare_runs(&a, &empty).unwrap_err(),
            CompareError::NoSamples {
                side: Side::Observed
            }
        );
        assert_eq!(
            compare_runs(&empty, &a).unwrap_err().side(),
            Side::Predicted
        );
        let mut late = a.clone();
        let end = a.timeseries.rows.last().unwrap().at_ms;
        for r in &mut late.timeseries.rows {
            r.at_ms += end + 1;
        }
        let e = compare_runs(&a, &late).unwrap_err();
        assert!(matches!(e, CompareError::NoOverlap { .. }), "{e:?}");
        assert!(e.to_string().starts_with("timeseries.csv: line 2: "), "{e}");
        let mut none = a.clone();
        none.timeseries.accounts.clear();
        for r in &mut none.timeseries.rows {
            r.resident_bytes.clear();
        }
        assert!(matches!(
            compare_runs(&a, &none).unwrap_err(),
            CompareError::NoCommonCategory { .. }
        ));
    }
}
