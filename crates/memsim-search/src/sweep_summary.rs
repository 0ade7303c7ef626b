//! A sweep's summary: `sweep.json` (read back by [`merge`]), `sweep.csv` and `sweep.svg`, each
//! rendered from the points alone, so a merged summary is byte for byte the one a full run writes.

use std::fmt::Write as _;

use memsim_core::Verdict;
use serde::{Deserialize, Serialize};

use crate::{Axis, Grid, SearchError};

/// One point's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepPoint {
    /// Its index in the grid.
    pub index: usize,
    /// Its values, one per key.
    pub values: Vec<String>,
    /// `fits`, `over_budget`, `thrashing`, `oom_killed` or `incomplete`.
    pub verdict: String,
    /// What failed (`3 OutOfMemoryError, 40 requests failed`), empty when nothing did.
    pub failures: String,
    /// Peak resident bytes.
    pub peak_resident_bytes: u64,
    /// When the peak was first reached, in seconds.
    pub peak_at_seconds: f64,
    /// The limit.
    pub limit_bytes: u64,
    /// The kernel's charge at its peak.
    pub peak_charge_bytes: u64,
    /// When the run ended, in seconds.
    pub ended_at_seconds: f64,
    /// Simulated events.
    pub events: u64,
}

/// A sweep's (or a shard's) results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSummary {
    /// [`SweepSummary::FORMAT`].
    pub format: String,
    /// The scenario's name.
    pub scenario: String,
    /// A digest of the scenario file's text, so shards of different files are not merged.
    pub source_digest: String,
    /// The swept keys, in axis order.
    pub keys: Vec<String>,
    /// Each key's values, in axis order: the grid, so that shards of different grids with the same
    /// keys and size are not merged.
    pub axis_values: Vec<Vec<String>>,
    /// Points in the whole grid.
    pub points_total: usize,
    /// `I/N` for a shard's summary; absent for a whole sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The points run, by index.
    pub points: Vec<SweepPoint>,
}

/// FNV-1a, 64 bits, in hex: a stable digest (not a security one) of a scenario's text.
pub(crate) fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

/// Quotes a CSV field when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn verdict_of(name: &str) -> Verdict {
    match name {
        "fits" => Verdict::Fits,
        "over_budget" => Verdict::OverBudget,
        "thrashing" => Verdict::Thrashing,
        "oom_killed" => Verdict::OomKilled,
        _ => Verdict::Incomplete,
    }
}

impl SweepSummary {
    /// The format tag of `sweep.json`.
    pub const FORMAT: &'static str = "memsim-sweep/1";

    /// `sweep.json`.
    pub fn render_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a summary serializes");
        s.push('\n');
        s
    }

    /// Reads `sweep.json` back (`file` names it in errors).
    ///
    /// # Errors
    /// [`SearchError::Summary`]: not JSON, not this format, or points that do not match its keys.
    pub fn parse_json(text: &str, file: &str) -> Result<SweepSummary, SearchError> {
        let bad = |message: String| SearchError::Summary {
            file: file.to_string(),
            message,
        };
        let s: SweepSummary = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if s.format != Self::FORMAT {
            return Err(bad(format!(
                "format `{}`, expected `{}`",
                s.format,
                Self::FORMAT
            )));
        }
        if s.axis_values.len() != s.keys.len() {
            return Err(bad(format!(
                "{} keys but values for {}",
                s.keys.len(),
                s.axis_values.len()
            )));
        }
        let grid = Grid::new(
            s.keys
                .iter()
                .zip(&s.axis_values)
                .map(|(key, values)| Axis {
                    key: key.clone(),
                    values: values.clone(),
                })
                .collect(),
        )
        .map_err(|e| bad(e.to_string()))?;
        if grid.len() != s.points_total {
            return Err(bad(format!(
                "points_total {} is not the grid's {} points",
                s.points_total,
                grid.len()
            )));
        }
        if let Some(p) = s
            .points
            .iter()
            .find(|p| p.index >= s.points_total || p.values != grid.values(p.index))
        {
            return Err(bad(format!("point {} does not match the grid", p.index)));
        }
        Ok(s)
    }

    /// `sweep.csv`: a header, then a row per point.
    pub fn render_csv(&self) -> String {
        let mut out = String::from("index");
        for k in &self.keys {
            out.push(',');
            out.push_str(&csv_field(k));
        }
        out.push_str(",verdict,failures,peak_resident_bytes,peak_at_seconds,limit_bytes,peak_charge_bytes,ended_at_seconds,events\n");
        for p in &self.points {
            let _ = write!(out, "{}", p.index);
            for v in &p.values {
                out.push(',');
                out.push_str(&csv_field(v));
            }
            let _ = writeln!(
                out,
                ",{},{},{},{:.3},{},{},{:.3},{}",
                p.verdict,
                csv_field(&p.failures),
                p.peak_resident_bytes,
                p.peak_at_seconds,
                p.limit_bytes,
                p.peak_charge_bytes,
                p.ended_at_seconds,
                p.events
            );
        }
        out
    }

    /// `sweep.svg`: peak resident and verdict per point.
    pub fn render_svg(&self) -> String {
        let points: Vec<memsim_report::SweepChartPoint> = self
            .points
            .iter()
            .map(|p| memsim_report::SweepChartPoint {
                label: p.values.join(" · "),
                peak_resident_bytes: p.peak_resident_bytes,
                limit_bytes: p.limit_bytes,
                verdict: verdict_of(&p.verdict),
                failed: !p.failures.is_empty(),
            })
            .collect();
        let mut title = format!(
            "sweep of {}: peak resident and verdict, {} points",
            self.scenario,
            self.points.len()
        );
        if let Some(s) = &self.shard {
            let _ = write!(title, " (shard {s} of {} points)", self.points_total);
        }
        memsim_report::render_sweep_chart_svg(&title, &self.keys.join(" · "), &points)
    }

    /// The three files, by name.
    pub fn files(&self) -> [(&'static str, String); 3] {
        [
            ("sweep.json", self.render_json()),
            ("sweep.csv", self.render_csv()),
            ("sweep.svg", self.render_svg()),
        ]
    }
}

/// Combines shard summaries into the summary of the whole sweep, as a full run writes it.
///
/// # Errors
/// [`SearchError::Merge`]: summaries of different scenarios, files or grids; a point given twice;
/// or points missing (the message names the first, and how many).
pub fn merge(shards: Vec<SweepSummary>) -> Result<SweepSummary, SearchError> {
    let mut shards = shards.into_iter();
    let mut merged = shards
        .next()
        .ok_or_else(|| SearchError::Merge("no summaries given".into()))?;
    for s in shards {
        if (&s.scenario, &s.source_digest, &s.keys, s.points_total)
            != (
                &merged.scenario,
                &merged.source_digest,
                &merged.keys,
                merged.points_total,
            )
        {
            return Err(SearchError::Merge(format!(
                "shard {} is of another sweep (scenario `{}`, keys {}, {} points, {}) than the first (scenario `{}`, keys {}, {} points, {})",
                s.shard.as_deref().unwrap_or("(whole)"),
                s.scenario,
                s.keys.join(","),
                s.points_total,
                s.source_digest,
                merged.scenario,
                merged.keys.join(","),
                merged.points_total,
                merged.source_digest
            )));
        }
        if let Some(((key, theirs), ours)) = s
            .keys
            .iter()
            .zip(&s.axis_values)
            .zip(&merged.axis_values)
            .find(|((_, theirs), ours)| theirs != ours)
        {
            return Err(SearchError::Merge(format!(
                "shard {} is of another sweep: it sweeps {key}={} where the first sweeps {key}={}",
                s.shard.as_deref().unwrap_or("(whole)"),
                theirs.join(","),
                ours.join(",")
            )));
        }
        merged.points.extend(s.points);
    }
    merged.points.sort_by_key(|p| p.index);
    if let Some(w) = merged.points.windows(2).find(|w| w[0].index == w[1].index) {
        return Err(SearchError::Merge(format!(
            "point {} is in more than one summary",
            w[0].index
        )));
    }
    if merged.points.len() != merged.points_total {
        let first = (0..merged.points_total)
            .find(|i| merged.points.get(*i).is_none_or(|p| p.index != *i))
            .unwrap_or(0);
        return Err(SearchError::Merge(format!(
            "{} of {} points are missing, the first is point {first}: is a shard's directory missing?",
            merged.points_total - merged.points.len(),
            merged.points_total
        )));
    }
    merged.shard = None;
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(index: usize) -> SweepPoint {
        SweepPoint {
            index,
            values: vec![format!("{index}g")],
            verdict: "fits".into(),
            failures: String::new(),
            peak_resident_bytes: 1 << 30,
            peak_at_seconds: 1.5,
            limit_bytes: 2 << 30,
            peak_charge_bytes: 1 << 30,
            ended_at_seconds: 60.0,
            events: 10,
        }
    }

    fn summary(shard: Option<&str>, points: Vec<SweepPoint>) -> SweepSummary {
        SweepSummary {
            format: SweepSummary::FORMAT.into(),
            scenario: "s".into(),
            source_digest: digest("x"),
            keys: vec!["jvm.heap.max".into()],
            axis_values: vec![vec!["0g".into(), "1g".into(), "2g".into()]],
            points_total: 3,
            shard: shard.map(str::to_string),
            points,
        }
    }

    #[test]
    fn merge_checks_coverage_and_sameness() {
        let whole = summary(None, vec![point(0), point(1), point(2)]);
        let merged = merge(vec![
            summary(Some("1/2"), vec![point(1), point(2)]),
            summary(Some("0/2"), vec![point(0)]),
        ])
        .unwrap();
        assert_eq!(merged.render_json(), whole.render_json());
        let e = merge(vec![summary(Some("0/2"), vec![point(0)])]).unwrap_err();
        assert!(
            e.to_string()
                .contains("2 of 3 points are missing, the first is point 1"),
            "{e}"
        );
        let e = merge(vec![
            summary(Some("0/2"), vec![point(0), point(1)]),
            summary(Some("1/2"), vec![point(1), point(2)]),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("point 1 is in more than one"), "{e}");
        let mut other = summary(Some("1/2"), vec![point(1), point(2)]);
        other.source_digest = digest("y");
        assert!(merge(vec![summary(Some("0/2"), vec![point(0)]), other]).is_err());
        // Same scenario, keys and size, other values: another grid.
        let mut other = summary(Some("1/2"), vec![point(1), point(2)]);
        other.axis_values[0][2] = "3g".into();
        let e = merge(vec![summary(Some("0/2"), vec![point(0)]), other]).unwrap_err();
        assert!(
            e.to_string().contains(
                "shard 1/2 is of another sweep: it sweeps jvm.heap.max=0g,1g,3g where the first sweeps jvm.heap.max=0g,1g,2g"
            ),
            "{e}"
        );
    }

    #[test]
    fn json_reads_back_to_the_same_bytes() {
        let s = summary(Some("0/1"), vec![point(0)]);
        let again = SweepSummary::parse_json(&s.render_json(), "x").unwrap();
        assert_eq!(again.render_json(), s.render_json());
        assert!(SweepSummary::parse_json("{}", "x").is_err());
        // A point whose values are not its index's in the grid is refused.
        let mut wrong = s.clone();
        wrong.points[0].values = vec!["2g".into()];
        let e = SweepSummary::parse_json(&wrong.render_json(), "x").unwrap_err();
        assert!(
            e.to_string().contains("point 0 does not match the grid"),
            "{e}"
        );
    }

    #[test]
    fn csv_quotes_values_with_commas() {
        let mut p = point(0);
        p.values = vec!["lognormal(median=8k, sigma=1.0)".into()];
        let s = summary(None, vec![p]);
        let csv = s.render_csv();
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .starts_with("0,\"lognormal(median=8k, sigma=1.0)\",fits,"),
            "{csv}"
        );
    }
}
