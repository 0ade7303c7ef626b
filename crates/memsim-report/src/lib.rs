//! Pure renderers from a finished run to report bytes.
//!
//! Every renderer takes a [`RunSummary`] (never a model's internals) and writes into an
//! [`std::io::Write`]. Output is byte-for-byte deterministic for the same input: no hash-map
//! iteration, no clocks, no randomness, and every float is printed with a fixed precision
//! (or, in JSON, rounded to whole milliseconds before serde_json prints its shortest form).
//!
//! | renderer | file | for |
//! |---|---|---|
//! | [`render_json`] | `report.json` | machines: every number of the run's verdict and peak |
//! | [`render_csv`] | `timeseries.csv` | spreadsheets and memlog-style plotting |
//! | [`render_nmt_summary`] | `nmt-summary.txt` | people and tools that know `jcmd VM.native_memory summary` |
//! | [`render_chart_svg`] | `chart.svg` | people: resident memory over time, stacked by account, with events |
//! | [`render_chart_png`] | `chart.png` | the same chart as a picture (rasterised by resvg with the bundled font) |
//! | [`render_text_summary`] | (terminal) | the few lines printed after `memsim run` |
//! | [`render_html`] | `report.html` | people: the teaching report, from a run's files ([`RunFiles`]) |
//!
//! [`parse_nmt`] reads real `jcmd VM.native_memory summary` text (and memsim's own) back into numbers,
//! and [`render_nmt_diff`] writes two summaries' difference in `summary.diff` layout.
//!
//! [`render_run_diff`] and [`render_diff_chart_svg`] compare two runs read back as [`RunFiles`]
//! (`memsim diff`); [`compare_runs`] holds a prediction against an observation (`memsim compare`),
//! rendered by [`render_compare_text`], [`Comparison::to_json`], [`render_compare_chart_svg`] and
//! [`render_compare_html`]; [`nmt_summary_of`] gives NMT's view of any instant, for `summary.diff` between
//! two instants of one run.
//!
//! [`write_all_reports`] renders the five files into memory so a caller can write them only once
//! every one has rendered; [`RunFiles`] reads them back, typed, from that list or from a published
//! run directory's files.
#![deny(missing_docs)]

mod chart;
mod chart_hit_ratio;
pub mod compare;
mod compare_chart;
mod compare_text;
mod db;
mod db_phases;
mod diff_chart;
mod headline;
mod html;
mod json;
mod nmt;
mod nmt_text;
mod run_diff;
pub mod run_files;
mod sweep_chart;
mod text;
mod timeseries;

#[cfg(test)]
mod fixture;

use memsim_core::{Account, RunSummary, SimTime};

pub use chart::{
    Band, ChartLayout, FOLD_PERCENT, LegendEvent, Rect, Role, bands, chart_layout, occurrences,
    render_chart_png, render_chart_svg,
};
pub use compare::{CompareError, Comparison, compare_runs};
pub use compare_chart::render_compare_chart_svg;
pub use compare_text::render_compare_text;
pub use diff_chart::render_diff_chart_svg;
pub use headline::failures_clause;
pub use html::{render_compare_html, render_html};
pub use json::render_json;
pub use nmt::{nmt_summary_of, render_nmt_summary};
pub use nmt_text::{NmtAmounts, NmtParseError, NmtSummary, nmt_json, parse_nmt, render_nmt_diff};
pub use run_diff::render_run_diff;
pub use run_files::{RUN_FILE_NAMES, RunFiles, RunFilesError};
pub use sweep_chart::{SweepChartPoint, render_sweep_chart_svg};
pub use text::render_text_summary;
pub use timeseries::{render_csv, render_csv_header, render_csv_row};

/// Renders `report.json`, `timeseries.csv`, `nmt-summary.txt`, `chart.svg` and `chart.png` into
/// memory, in that order.
///
/// Each entry is `(file name, contents)`. Rendering into a `Vec<u8>` cannot fail, so neither can
/// this (the PNG's rasteriser fails only on SVG memsim did not write).
pub fn write_all_reports(s: &RunSummary) -> Vec<(&'static str, Vec<u8>)> {
    fn render(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> Vec<u8> {
        let mut out = Vec::new();
        f(&mut out).expect("writing into a Vec<u8> cannot fail");
        out
    }
    vec![
        ("report.json", render(|w| render_json(s, w))),
        ("timeseries.csv", render(|w| render_csv(s, w))),
        ("nmt-summary.txt", render(|w| render_nmt_summary(s, w))),
        ("chart.svg", render(|w| render_chart_svg(s, w))),
        ("chart.png", render(|w| render_chart_png(s, w))),
    ]
}

/// The account's name in lower snake case, as used in CSV column names.
///
/// Runs of characters other than ASCII letters and digits become one `_`, with none at either
/// end: `Java Heap` → `java_heap`, `Libraries (file-backed)` → `libraries_file_backed`.
pub fn account_slug(account: Account) -> String {
    let mut slug = String::new();
    let mut pending_underscore = false;
    for c in account.name().chars() {
        if c.is_ascii_alphanumeric() {
            if pending_underscore && !slug.is_empty() {
                slug.push('_');
            }
            pending_underscore = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_underscore = true;
        }
    }
    slug
}

/// An HTML id fragment for a name: its [`account_slug`]-style lower snake case, for any text.
fn html_id(name: &str) -> String {
    let mut id = String::new();
    let mut pending = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if pending && !id.is_empty() {
                id.push('-');
            }
            pending = false;
            id.push(c.to_ascii_lowercase());
        } else {
            pending = true;
        }
    }
    id
}

/// Seconds since the start, rounded to whole milliseconds (so JSON prints at most 3 decimals).
fn seconds_ms(t: SimTime) -> f64 {
    // Round half up on integer nanoseconds, then divide once: the same input always gives the same f64.
    let ms = (t.0 + 500_000) / 1_000_000;
    ms as f64 / 1000.0
}

/// Seconds with exactly three decimals, computed in integers (`723.250`).
fn seconds_fixed(t: SimTime) -> String {
    let ms = (t.0 + 500_000) / 1_000_000;
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_snake_case_and_unique() {
        assert_eq!(account_slug(Account::JavaHeap), "java_heap");
        assert_eq!(account_slug(Account::PageCache), "page_cache");
        assert_eq!(account_slug(Account::NettyDirect), "netty_direct");
        assert_eq!(account_slug(Account::Libraries), "libraries_file_backed");
        assert_eq!(account_slug(Account::Gc), "gc");
        let mut slugs: Vec<String> = Account::ALL.iter().map(|a| account_slug(*a)).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), Account::COUNT);
    }

    #[test]
    fn seconds_round_to_milliseconds() {
        assert_eq!(seconds_fixed(SimTime(723_250_000_000)), "723.250");
        assert_eq!(seconds_fixed(SimTime(1_999_600_000)), "2.000");
        assert_eq!(seconds_fixed(SimTime(0)), "0.000");
        assert_eq!(seconds_ms(SimTime(723_250_400_000)), 723.25);
    }

    #[test]
    fn all_reports_render_and_are_deterministic() {
        let s = fixture::oom_run();
        let a = write_all_reports(&s);
        let b = write_all_reports(&s.clone());
        let names: Vec<&str> = a.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "report.json",
                "timeseries.csv",
                "nmt-summary.txt",
                "chart.svg",
                "chart.png"
            ]
        );
        assert_eq!(a, b);
        assert!(a.iter().all(|(_, bytes)| !bytes.is_empty()));
    }
}
