//! `report.json`: the run's verdict, peak and ledger at the peak, events, counters and parameters.
//!
//! Key order is fixed by the field order of private `Serialize` structs, and the maps whose keys
//! come from the run (categories, counters, parameters) are serialized entry by entry in the
//! summary's own order, so serde_json's `preserve_order` feature is not needed (and not enabled:
//! it would change `serde_json::Map` for every crate in the workspace).

use std::io::{self, Write};

use memsim_core::{Account, Backing, RunSummary};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::seconds_ms;

#[derive(Serialize)]
struct Report<'a> {
    scenario: &'a str,
    seed: u64,
    verdict: &'static str,
    stopped_early: Option<StopJson>,
    failures: FailuresJson,
    limit_bytes: u64,
    limit_source: &'a str,
    configured_bytes: u64,
    configured_terms: Vec<Term<'a>>,
    peak_resident_bytes: u64,
    peak_at_seconds: f64,
    ended_at_seconds: f64,
    duration_seconds: f64,
    categories_at_peak: Categories<'a>,
    resident_anon_bytes_at_peak: u64,
    resident_file_bytes_at_peak: u64,
    kernel: KernelJson,
    beyond_configuration: Vec<Beyond>,
    events: Vec<EventJson<'a>>,
    counters: Pairs<'a, u64>,
    gc: GcJson<'a>,
    parameters: Pairs<'a, String>,
    n_events: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<crate::db::DatabaseJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    observation: Option<ObservationJson<'a>>,
}

/// A run recorded from a real process by `memsim observe`.
#[derive(Serialize)]
struct ObservationJson<'a> {
    source: &'static str,
    command: &'a [String],
    exit_code: Option<i32>,
    signal: Option<i32>,
    interrupted: bool,
    interval_ms: u64,
    jvm_pid: Option<u32>,
    nmt: bool,
    processes_max: u64,
    threads_max: u64,
    pss_max_bytes: Option<u64>,
    cgroup: Option<&'a str>,
    notes: &'a [String],
}

impl<'a> ObservationJson<'a> {
    fn new(o: &'a memsim_core::Observation) -> ObservationJson<'a> {
        let (exit_code, signal) = match o.exit {
            memsim_core::ExitStatus::Exited(c) => (Some(c), None),
            memsim_core::ExitStatus::Signalled(s) => (None, Some(s)),
        };
        ObservationJson {
            source: "observed",
            command: &o.command,
            exit_code,
            signal,
            interrupted: o.interrupted,
            interval_ms: o.interval_ms,
            jvm_pid: o.jvm_pid,
            nmt: o.nmt,
            processes_max: o.processes_max,
            threads_max: o.threads_max,
            pss_max_bytes: o.pss_max_bytes,
            cgroup: o.cgroup.as_deref(),
            notes: &o.notes,
        }
    }
}

/// The bound that stopped the run before its planned end.
#[derive(Serialize)]
struct StopJson {
    bound: &'static str,
    value: u64,
    at_seconds: f64,
    verdict_so_far: &'static str,
}

/// What failed while the process lived.
#[derive(Serialize)]
struct FailuresJson {
    errors: Vec<ErrorJson>,
    requests_failed: u64,
    threads_failed_to_start: u64,
    transactions_terminated: u64,
}

#[derive(Serialize)]
struct ErrorJson {
    kind: &'static str,
    name: &'static str,
    count: u64,
    first_at_seconds: f64,
}

/// The kernel's view: the cgroup's charge and working set at their peaks, and thrashing.
#[derive(Serialize)]
struct KernelJson {
    peak_charge_bytes: u64,
    peak_working_set_bytes: u64,
    thrashing_since_seconds: Option<f64>,
    thrashing_until_seconds: Option<f64>,
    writeback_wait_seconds: f64,
}

#[derive(Serialize)]
struct GcJson<'a> {
    collector: &'a str,
    collections: u64,
    total_pause_ms: f64,
    pause_percent: f64,
    pause_past_end_ms: f64,
    pauses: Vec<PauseJson>,
}

#[derive(Serialize)]
struct PauseJson {
    kind: &'static str,
    count: u64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    total_ms: f64,
}

/// Milliseconds rounded to whole microseconds, computed from integer nanoseconds.
fn ms_us(d: memsim_core::SimDuration) -> f64 {
    ((d.nanos() + 500) / 1000) as f64 / 1000.0
}

#[derive(Serialize)]
struct Term<'a> {
    name: &'a str,
    bytes: u64,
}

#[derive(Serialize)]
struct Category {
    reserved_bytes: u64,
    committed_bytes: u64,
    resident_bytes: u64,
    nmt_category: Option<&'static str>,
    backing: &'static str,
    configured: bool,
}

#[derive(Serialize)]
struct Beyond {
    category: &'static str,
    resident_bytes: u64,
}

#[derive(Serialize)]
struct EventJson<'a> {
    at_seconds: f64,
    kind: &'static str,
    message: &'a str,
    repeats: u64,
}

/// Every account at the peak, as a JSON object in [`Account::ALL`] order.
struct Categories<'a>(&'a RunSummary);

impl Serialize for Categories<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        let mut map = serializer.serialize_map(Some(Account::COUNT))?;
        for account in Account::ALL {
            let usage = s.at_peak.get(*account);
            map.serialize_entry(
                account.name(),
                &Category {
                    reserved_bytes: usage.reserved,
                    committed_bytes: usage.committed,
                    resident_bytes: usage.resident,
                    nmt_category: account.nmt().map(|c| c.name()),
                    backing: match account.backing() {
                        Backing::Anon => "anon",
                        Backing::File => "file",
                    },
                    configured: s.configured_accounts.contains(account),
                },
            )?;
        }
        map.end()
    }
}

/// `(name, value)` pairs as a JSON object in their given order.
struct Pairs<'a, V>(&'a [(String, V)]);

impl<V: Serialize> Serialize for Pairs<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Writes `report.json`: pretty-printed with a 2-space indent and a trailing newline.
///
/// Keys, in order: `scenario`, `seed`, `verdict` (`fits`, `over_budget`, `thrashing`,
/// `oom_killed` or `incomplete`), `stopped_early` (`null`, or for an `incomplete` run `{bound,
/// value, at_seconds, verdict_so_far}`: the bound's scenario key — `max_events` — and value, when
/// it stopped the run, and the verdict on the part that ran), `failures` (what failed while the
/// process lived, whatever the verdict: `{errors: [{kind, name, count, first_at_seconds}],
/// requests_failed, threads_failed_to_start, transactions_terminated}`, `errors` holding
/// `out_of_memory_error` then `out_of_direct_memory_error` when they occurred, `name` being the
/// exception's class name), `limit_bytes`, `limit_source`,
/// `configured_bytes`, `configured_terms` (`[{name, bytes}]`), `peak_resident_bytes`,
/// `peak_at_seconds`, `ended_at_seconds`, `duration_seconds`, `categories_at_peak` (every account
/// by name in report order: `{reserved_bytes, committed_bytes, resident_bytes, nmt_category,
/// backing, configured}`), `resident_anon_bytes_at_peak`, `resident_file_bytes_at_peak`, `kernel`
/// (`{peak_charge_bytes, peak_working_set_bytes, thrashing_since_seconds, thrashing_until_seconds,
/// writeback_wait_seconds}`: the memory cgroup's charge and working set at their peaks, when
/// thrashing began and ended, `null` when it did not, or did not end), `beyond_configuration` (`[{category, resident_bytes}]`, largest first), `events`
/// (`[{at_seconds, kind, message, repeats}]`), `counters`, `gc` (`{collector, collections,
/// total_pause_ms, pause_percent, pause_past_end_ms, pauses: [{kind, count, p50_ms, p90_ms, p99_ms, max_ms,
/// total_ms}]}`, one entry per kind of collection that ran, in milliseconds rounded to whole
/// microseconds), `parameters` (objects in the run's order) and `n_events`; then, for a run with a
/// database, `database`: `format`,
/// `page_cache_bytes`, `steps` (after each database phase: `phase`, `op`, `at_seconds`,
/// `store_bytes`, `id_file_bytes`, `tx_log_bytes`, `tx_log_files`, `total_bytes`,
/// `store_size_metric_bytes` and `store_size_metric_at_seconds` (Neo4j's `store.size.total` as it
/// last ran: at the database's start, then every 10 minutes), `translation_table_heap_bytes` (Java
/// heap of the page cache's translation tables), `tx_pool_used_bytes` (state in the global
/// transaction memory pool), `last_tx_id`,
/// `stores` (`[{file, file_bytes, id_file_bytes, high_id, records_in_use, reusable_ids,
/// buffered_ids}]`) and `page_cache` (`{hits, faults, pins, unpins, evictions, flushes, hit_ratio,
/// usage_ratio, pages_in_use, max_pages}`, cumulative)), `last` (the same at the end), `phases`
/// (the page cache over each phase that started: `phase`, `start_seconds`, `end_seconds`, `pins`,
/// `hits`, `faults`, `evictions`, `flushes`, `hit_ratio` and `last_window_hit_ratio`, `null` when
/// nothing was pinned) and `hit_ratio_windows` (`{window_seconds, points: [[at_seconds,
/// hit_ratio]]}`: the rolling hit ratio at each sample whose window saw a pin) and `restarts`
/// (`[{phase, at_seconds, warmup, flushed_pages, pages_to_load, pages_loaded,
/// warmup_done_at_seconds, profile_taken_at_seconds,
/// hit_ratio_before, seconds_to_warm}]`). Times are
/// seconds rounded to whole milliseconds.
///
/// A run recorded from a real process (`memsim observe`) ends with `observation`: `source`
/// (`"observed"`), `command` (program and arguments), `exit_code` or `signal` (the other `null`),
/// `interrupted` (memsim got SIGINT or SIGTERM and forwarded it), `interval_ms`, `jvm_pid`, `nmt`
/// (whether NMT answered), `processes_max`, `threads_max`, `pss_max_bytes`, `cgroup` and `notes`
/// (what the observer could not see). Simulated runs have no such key.
///
/// Should two counters or parameters share a name, both entries are written (JSON parsers
/// usually keep the last).
///
/// # Errors
/// Any error from `w`.
pub fn render_json(s: &RunSummary, w: &mut impl Write) -> io::Result<()> {
    let report = Report {
        scenario: &s.scenario,
        seed: s.seed,
        verdict: s.verdict.as_str(),
        stopped_early: s.stopped_early.map(|stop| StopJson {
            bound: stop.bound.key(),
            value: stop.bound.value(),
            at_seconds: seconds_ms(stop.at),
            verdict_so_far: stop.so_far.as_str(),
        }),
        failures: FailuresJson {
            errors: s
                .failures
                .errors
                .iter()
                .map(|e| ErrorJson {
                    kind: e.kind.as_str(),
                    name: e.name(),
                    count: e.count,
                    first_at_seconds: seconds_ms(e.first_at),
                })
                .collect(),
            requests_failed: s.failures.requests_failed,
            threads_failed_to_start: s.failures.threads_failed,
            transactions_terminated: s.failures.transactions_terminated,
        },
        limit_bytes: s.limit_bytes,
        limit_source: &s.limit_source,
        configured_bytes: s.configured_bytes,
        configured_terms: s
            .configured_terms
            .iter()
            .map(|(name, bytes)| Term {
                name,
                bytes: *bytes,
            })
            .collect(),
        peak_resident_bytes: s.peak_resident_bytes,
        peak_at_seconds: seconds_ms(s.peak_at),
        ended_at_seconds: seconds_ms(s.ended_at),
        duration_seconds: seconds_ms(memsim_core::SimTime(s.duration.nanos())),
        categories_at_peak: Categories(s),
        resident_anon_bytes_at_peak: s.at_peak.resident_anon(),
        resident_file_bytes_at_peak: s.at_peak.resident_file(),
        kernel: KernelJson {
            peak_charge_bytes: s.pressure.peak_charge_bytes,
            peak_working_set_bytes: s.pressure.peak_working_set_bytes,
            thrashing_since_seconds: s.pressure.thrashing_since.map(seconds_ms),
            thrashing_until_seconds: s.pressure.thrashing_until.map(seconds_ms),
            writeback_wait_seconds: seconds_ms(memsim_core::SimTime(
                s.pressure.writeback_wait_nanos,
            )),
        },
        beyond_configuration: s
            .beyond_configuration()
            .into_iter()
            .map(|(a, resident_bytes)| Beyond {
                category: a.name(),
                resident_bytes,
            })
            .collect(),
        events: s
            .events
            .iter()
            .map(|e| EventJson {
                at_seconds: seconds_ms(e.at),
                kind: e.kind.as_str(),
                message: &e.message,
                repeats: e.repeats,
            })
            .collect(),
        counters: Pairs(&s.counters),
        gc: GcJson {
            collector: &s.gc.collector,
            collections: s.gc.collections(),
            total_pause_ms: ms_us(s.gc.total_pause),
            pause_percent: (s.gc.pause_percent * 1000.0).round() / 1000.0,
            pause_past_end_ms: ms_us(s.gc.pause_past_end),
            pauses: s
                .gc
                .pauses
                .iter()
                .map(|p| PauseJson {
                    kind: p.kind.as_str(),
                    count: p.count,
                    p50_ms: ms_us(p.p50),
                    p90_ms: ms_us(p.p90),
                    p99_ms: ms_us(p.p99),
                    max_ms: ms_us(p.max),
                    total_ms: ms_us(p.total),
                })
                .collect(),
        },
        parameters: Pairs(&s.parameters),
        n_events: s.n_events,
        database: s.database.as_ref().map(crate::db::DatabaseJson::new),
        observation: s.observation.as_ref().map(ObservationJson::new),
    };
    let mut buf = Vec::new();
    serde_json::to_writer_pretty(&mut buf, &report).map_err(io::Error::other)?;
    buf.push(b'\n');
    w.write_all(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use serde_json::Value;

    fn render(s: &RunSummary) -> String {
        let mut out = Vec::new();
        render_json(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The top-level keys in document order, read from the pretty text (serde_json's `Value` sorts them).
    fn top_level_keys(text: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
            .map(|l| l[3..].split('"').next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn keys_are_in_the_documented_order() {
        let text = render(&fixture::oom_run());
        assert_eq!(
            top_level_keys(&text),
            [
                "scenario",
                "seed",
                "verdict",
                "stopped_early",
                "failures",
                "limit_bytes",
                "limit_source",
                "configured_bytes",
                "configured_terms",
                "peak_resident_bytes",
                "peak_at_seconds",
                "ended_at_seconds",
                "duration_seconds",
                "categories_at_peak",
                "resident_anon_bytes_at_peak",
                "resident_file_bytes_at_peak",
                "kernel",
                "beyond_configuration",
                "events",
                "counters",
                "gc",
                "parameters",
                "n_events",
            ]
        );
        assert!(text.starts_with("{\n  \"scenario\": "));
        assert!(text.ends_with("}\n"));
        // Categories appear in report order.
        let positions: Vec<usize> = Account::ALL
            .iter()
            .map(|a| text.find(&format!("    \"{}\": {{", a.name())).unwrap())
            .collect();
        assert!(positions.windows(2).all(|p| p[0] < p[1]));
        // Counters and parameters keep the run's order (not sorted).
        assert!(text.find("\"requests_completed\"").unwrap() < text.find("\"gc_cycles\"").unwrap());
        assert!(text.find("\"gc\": \"G1\"").unwrap() < text.find("\"-Xmx\": \"4g\"").unwrap());
    }

    #[test]
    fn values_round_trip() {
        let s = fixture::oom_run();
        let v: Value = serde_json::from_str(&render(&s)).unwrap();
        assert_eq!(v["scenario"], "neo4j-import-oom");
        assert_eq!(v["seed"], 42);
        assert_eq!(v["verdict"], "oom_killed");
        assert_eq!(v["stopped_early"], Value::Null);
        let f = &v["failures"];
        assert_eq!(f["errors"][0]["kind"], "out_of_memory_error");
        assert_eq!(f["errors"][0]["name"], "OutOfMemoryError");
        assert_eq!(f["errors"][0]["count"], 4);
        assert_eq!(f["errors"][0]["first_at_seconds"], 701.0);
        assert_eq!(f["errors"][1]["name"], "OutOfDirectMemoryError");
        assert_eq!(f["errors"][1]["count"], 38);
        assert_eq!(f["requests_failed"], 42);
        assert_eq!(f["threads_failed_to_start"], 0);
        assert_eq!(f["transactions_terminated"], 0);
        assert_eq!(v["limit_bytes"], 12u64 << 30);
        assert_eq!(v["limit_source"], "container limit");
        assert_eq!(v["configured_bytes"], 10u64 << 30);
        assert_eq!(v["configured_terms"][0]["name"], "-Xmx");
        assert_eq!(v["configured_terms"][1]["bytes"], 6u64 << 30);
        assert_eq!(v["peak_resident_bytes"], s.peak_resident_bytes);
        assert_eq!(v["peak_at_seconds"], 723.25);
        assert_eq!(v["ended_at_seconds"], 723.25);
        assert_eq!(v["duration_seconds"], 1200.0);
        let cats = v["categories_at_peak"].as_object().unwrap();
        assert_eq!(cats.len(), Account::COUNT);
        let mut resident_sum = 0;
        for a in Account::ALL {
            let c = &cats[a.name()];
            let u = s.at_peak.get(*a);
            assert_eq!(c["reserved_bytes"], u.reserved);
            assert_eq!(c["committed_bytes"], u.committed);
            assert_eq!(c["resident_bytes"], u.resident);
            resident_sum += c["resident_bytes"].as_u64().unwrap();
        }
        assert_eq!(resident_sum, s.peak_resident_bytes);
        assert_eq!(cats["Page Cache"]["nmt_category"], "Other");
        assert_eq!(cats["Page Cache"]["configured"], true);
        assert_eq!(cats["Netty Direct"]["configured"], false);
        assert_eq!(cats["Libraries (file-backed)"]["nmt_category"], Value::Null);
        assert_eq!(cats["Libraries (file-backed)"]["backing"], "file");
        assert_eq!(cats["Java Heap"]["backing"], "anon");
        assert_eq!(
            v["resident_anon_bytes_at_peak"].as_u64().unwrap()
                + v["resident_file_bytes_at_peak"].as_u64().unwrap(),
            s.peak_resident_bytes
        );
        let beyond = v["beyond_configuration"].as_array().unwrap();
        assert_eq!(beyond.len(), s.beyond_configuration().len());
        assert_eq!(beyond[0]["category"], "Netty Direct");
        let events = v["events"].as_array().unwrap();
        assert_eq!(events.len(), s.events.len());
        let last = events.last().unwrap();
        assert_eq!(last["kind"], "oom_killed");
        assert_eq!(last["at_seconds"], 723.25);
        let ood = events
            .iter()
            .find(|e| e["kind"] == "out_of_direct_memory_error")
            .unwrap();
        assert_eq!(ood["repeats"], 37);
        assert_eq!(v["counters"]["gc_cycles"], 412);
        assert_eq!(v["parameters"]["-Xss"], "1m");
        assert_eq!(v["n_events"], 1_234_567);
    }

    #[test]
    fn renders_identically_twice_and_escapes() {
        let s = fixture::fitting_run();
        let a = render(&s);
        assert_eq!(a, render(&s));
        let v: Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["scenario"], s.scenario.as_str());
        assert_eq!(v["verdict"], "fits");
        assert_eq!(v["failures"]["errors"], serde_json::json!([]));
    }

    #[test]
    fn an_incomplete_run_says_which_bound_stopped_it() {
        let mut s = fixture::fitting_run();
        s.verdict = memsim_core::Verdict::Incomplete;
        s.stopped_early = Some(memsim_core::Stop {
            bound: memsim_core::Bound::MaxEvents(1000),
            at: memsim_core::SimTime(1_024_000_000),
            so_far: memsim_core::Verdict::OverBudget,
        });
        let v: Value = serde_json::from_str(&render(&s)).unwrap();
        assert_eq!(v["verdict"], "incomplete");
        assert_eq!(
            v["stopped_early"],
            serde_json::json!({
                "bound": "max_events",
                "value": 1000,
                "at_seconds": 1.024,
                "verdict_so_far": "over_budget"
            })
        );
    }
}
