//! `report.json` read back: typed structs mirroring what [`crate::render_json`] writes, key for
//! key (see its documentation for each key's meaning).
//!
//! Unknown keys are refused rather than ignored, so a report written by a newer memsim (or by
//! something else) is an error that says so instead of a page built from half its numbers. Maps
//! whose keys come from the run (`categories_at_peak`, `counters`, `parameters`) are read into
//! vectors in the file's order, which is the run's order.

use std::fmt;
use std::marker::PhantomData;

use memsim_core::Verdict;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::RunFilesError;

/// `report.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Each field is the key of the same name, documented on `render_json`.
pub struct ReportFile {
    pub scenario: String,
    pub seed: u64,
    #[serde(deserialize_with = "verdict")]
    pub verdict: Verdict,
    pub stopped_early: Option<StoppedEarly>,
    pub failures: Failures,
    pub limit_bytes: u64,
    pub limit_source: String,
    pub configured_bytes: u64,
    pub configured_terms: Vec<ConfiguredTerm>,
    pub peak_resident_bytes: u64,
    pub peak_at_seconds: f64,
    pub ended_at_seconds: f64,
    pub duration_seconds: f64,
    #[serde(deserialize_with = "ordered_map")]
    pub categories_at_peak: Vec<(String, CategoryAtPeak)>,
    pub resident_anon_bytes_at_peak: u64,
    pub resident_file_bytes_at_peak: u64,
    pub kernel: Kernel,
    pub beyond_configuration: Vec<BeyondTerm>,
    pub events: Vec<RunEvent>,
    #[serde(deserialize_with = "ordered_map")]
    pub counters: Vec<(String, u64)>,
    pub gc: Gc,
    #[serde(deserialize_with = "ordered_map")]
    pub parameters: Vec<(String, String)>,
    pub n_events: u64,
    #[serde(default)]
    pub database: Option<Database>,
    #[serde(default)]
    pub observation: Option<Observation>,
}

/// `observation`: present when the run was recorded from a real process (`memsim observe`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Observation {
    pub source: String,
    pub command: Vec<String>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub interrupted: bool,
    pub interval_ms: u64,
    pub jvm_pid: Option<u32>,
    pub nmt: bool,
    pub processes_max: u64,
    pub threads_max: u64,
    pub pss_max_bytes: Option<u64>,
    pub cgroup: Option<String>,
    pub notes: Vec<String>,
}

impl ReportFile {
    /// The named account's usage at the peak.
    pub fn category(&self, name: &str) -> Option<&CategoryAtPeak> {
        self.categories_at_peak
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }

    /// A counter's value.
    pub fn counter(&self, name: &str) -> Option<u64> {
        self.counters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// A parameter's value as written.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter that is a whole number of bytes (`Xss`, `MaxDirectMemorySize`, …).
    pub fn parameter_bytes(&self, name: &str) -> Option<u64> {
        self.parameter(name)?.parse().ok()
    }
}

/// `stopped_early`: the bound that stopped an `incomplete` run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct StoppedEarly {
    pub bound: String,
    pub value: u64,
    pub at_seconds: f64,
    #[serde(deserialize_with = "verdict")]
    pub verdict_so_far: Verdict,
}

/// `failures`: what failed while the process lived.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Failures {
    pub errors: Vec<ErrorCount>,
    pub requests_failed: u64,
    pub threads_failed_to_start: u64,
    pub transactions_terminated: u64,
}

/// One kind of error the process lived through.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ErrorCount {
    pub kind: String,
    pub name: String,
    pub count: u64,
    pub first_at_seconds: f64,
}

/// One term of the configured budget (`-Xmx`, `page cache`, …).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ConfiguredTerm {
    pub name: String,
    pub bytes: u64,
}

/// Whether an account's pages are anonymous or file-backed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Backing {
    Anon,
    File,
}

/// One account at the peak.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CategoryAtPeak {
    pub reserved_bytes: u64,
    pub committed_bytes: u64,
    pub resident_bytes: u64,
    pub nmt_category: Option<String>,
    pub backing: Backing,
    pub configured: bool,
}

/// `kernel`: the memory cgroup's view.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Kernel {
    pub peak_charge_bytes: u64,
    pub peak_working_set_bytes: u64,
    pub thrashing_since_seconds: Option<f64>,
    pub thrashing_until_seconds: Option<f64>,
    pub writeback_wait_seconds: f64,
}

/// One account resident at the peak that the configuration does not cover.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct BeyondTerm {
    pub category: String,
    pub resident_bytes: u64,
}

/// One event of the run (identical ones folded, with their repeat count).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RunEvent {
    pub at_seconds: f64,
    pub kind: String,
    pub message: String,
    pub repeats: u64,
}

/// `gc`: the collections and their pauses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Gc {
    pub collector: String,
    pub collections: u64,
    pub total_pause_ms: f64,
    pub pause_percent: f64,
    pub pause_past_end_ms: f64,
    pub pauses: Vec<Pauses>,
}

/// The pauses of one kind of collection.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Pauses {
    pub kind: String,
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub total_ms: f64,
}

/// `database`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Database {
    pub format: String,
    pub page_cache_bytes: u64,
    pub steps: Vec<DbStep>,
    pub last: DbSnapshot,
    pub phases: Vec<DbPhase>,
    pub hit_ratio_windows: DbHitRatioWindows,
    pub restarts: Vec<DbRestart>,
}

/// `database.phases[]`: the cache's counters over one phase.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DbPhase {
    pub phase: String,
    pub start_seconds: f64,
    pub end_seconds: f64,
    pub pins: u64,
    pub hits: u64,
    pub faults: u64,
    pub evictions: u64,
    pub flushes: u64,
    pub hit_ratio: Option<f64>,
    pub last_window_hit_ratio: Option<f64>,
}

/// `database.hit_ratio_windows`: the rolling hit ratio, `[at_seconds, hit_ratio]` per sample.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DbHitRatioWindows {
    pub window_seconds: u64,
    pub points: Vec<(f64, f64)>,
}

/// `database.restarts[]`: one restart and its warm-up.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DbRestart {
    pub phase: String,
    pub at_seconds: f64,
    pub warmup: String,
    pub flushed_pages: u64,
    pub pages_to_load: u64,
    pub pages_loaded: u64,
    pub warmup_done_at_seconds: Option<f64>,
    pub profile_taken_at_seconds: Option<f64>,
    pub hit_ratio_before: Option<f64>,
    pub seconds_to_warm: Option<f64>,
}

/// One database step: the phase, its operation, and the snapshot after it (written flattened).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DbStep {
    pub phase: String,
    pub op: String,
    pub at_seconds: f64,
    pub store_bytes: u64,
    pub id_file_bytes: u64,
    pub tx_log_bytes: u64,
    pub tx_log_files: u64,
    pub total_bytes: u64,
    pub store_size_metric_bytes: u64,
    pub store_size_metric_at_seconds: f64,
    pub translation_table_heap_bytes: u64,
    pub tx_pool_used_bytes: u64,
    pub last_tx_id: u64,
    pub stores: Vec<DbStore>,
    pub page_cache: DbPageCache,
}

/// The database's stores, logs and cache at one instant.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DbSnapshot {
    pub at_seconds: f64,
    pub store_bytes: u64,
    pub id_file_bytes: u64,
    pub tx_log_bytes: u64,
    pub tx_log_files: u64,
    pub total_bytes: u64,
    pub store_size_metric_bytes: u64,
    pub store_size_metric_at_seconds: f64,
    pub translation_table_heap_bytes: u64,
    pub tx_pool_used_bytes: u64,
    pub last_tx_id: u64,
    pub stores: Vec<DbStore>,
    pub page_cache: DbPageCache,
}

/// One store file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DbStore {
    pub file: String,
    pub file_bytes: u64,
    pub id_file_bytes: u64,
    pub high_id: u64,
    pub records_in_use: u64,
    pub reusable_ids: u64,
    pub buffered_ids: u64,
}

/// The page cache's cumulative metrics.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DbPageCache {
    pub hits: u64,
    pub faults: u64,
    pub pins: u64,
    pub unpins: u64,
    pub evictions: u64,
    pub flushes: u64,
    pub hit_ratio: f64,
    pub usage_ratio: f64,
    pub pages_in_use: u64,
    pub max_pages: u64,
}

/// Reads `report.json`'s text.
pub(crate) fn parse(text: &str) -> Result<ReportFile, RunFilesError> {
    const FILE: &str = "report.json";
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the error carries the line itself.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_string();
        let line = e.line().max(1);
        if message.starts_with("unknown field") || message.starts_with("unknown variant") {
            RunFilesError::UnknownFormat {
                file: FILE,
                line,
                message,
            }
        } else {
            RunFilesError::Malformed {
                file: FILE,
                line,
                message,
            }
        }
    })
}

/// A verdict by its `report.json` name.
fn verdict<'de, D: Deserializer<'de>>(d: D) -> Result<Verdict, D::Error> {
    const ALL: [Verdict; 5] = [
        Verdict::Fits,
        Verdict::OverBudget,
        Verdict::Thrashing,
        Verdict::OomKilled,
        Verdict::Incomplete,
    ];
    let name = String::deserialize(d)?;
    ALL.into_iter().find(|v| v.as_str() == name).ok_or_else(|| {
        de::Error::unknown_variant(
            &name,
            &[
                "fits",
                "over_budget",
                "thrashing",
                "oom_killed",
                "incomplete",
            ],
        )
    })
}

/// A JSON object read into `(key, value)` pairs in the file's order (duplicates kept).
fn ordered_map<'de, D, V>(d: D) -> Result<Vec<(String, V)>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Pairs<V>(PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for Pairs<V> {
        type Value = Vec<(String, V)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
            while let Some(entry) = map.next_entry()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Pairs(PhantomData))
}
