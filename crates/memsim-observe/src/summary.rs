//! The finished observation as a [`RunSummary`], so memsim's renderers draw it like a simulation.

use memsim_core::{
    Account, ByteSize, Event, EventKind, Failures, GcKind, GcSummary, Ledger, Observation,
    PauseStats, Pressure, RunSummary, Sample, SimDuration, SimTime, Verdict,
};

use crate::gc_log::GcPause;

/// What the run loop gathered.
#[derive(Debug)]
pub struct Gathered {
    /// The command's program name, for the run's name.
    pub name: String,
    /// Samples in order.
    pub samples: Vec<Sample>,
    /// Marks and GC events, in any order.
    pub events: Vec<Event>,
    /// GC pauses from the log.
    pub pauses: Vec<GcPause>,
    /// The collector's flag, when the log named it.
    pub collector: Option<String>,
    /// When observation ended.
    pub ended_at: SimTime,
    /// The limit and where it came from.
    pub limit: (u64, String),
    /// Whether the cgroup recorded an OOM kill while the command ran.
    pub oom_killed: bool,
    /// Counters.
    pub counters: Vec<(String, u64)>,
    /// What is also written under `observation`.
    pub observation: Observation,
}

/// `-Xmx` and `-XX:MaxDirectMemorySize` from a Java command line, as the configured budget.
fn configured(command: &[String]) -> (Vec<(String, u64)>, Vec<Account>) {
    let mut terms = Vec::new();
    let mut accounts = Vec::new();
    for arg in command {
        let (name, value, account) = if let Some(v) = arg.strip_prefix("-Xmx") {
            ("-Xmx", v, Account::JavaHeap)
        } else if let Some(v) = arg.strip_prefix("-XX:MaxDirectMemorySize=") {
            ("-XX:MaxDirectMemorySize", v, Account::Other)
        } else {
            continue;
        };
        if let Ok(size) = ByteSize::parse(value) {
            terms.retain(|(n, _): &(String, u64)| n != name);
            terms.push((name.to_string(), size.0));
            if !accounts.contains(&account) {
                accounts.push(account);
            }
        }
    }
    (terms, accounts)
}

fn gc_summary(pauses: &[GcPause], collector: Option<String>, ended: SimTime) -> GcSummary {
    let mut out = GcSummary {
        collector: collector.unwrap_or_default(),
        ..GcSummary::default()
    };
    for kind in GcKind::ALL {
        let mut d: Vec<u64> = pauses
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.pause.0)
            .collect();
        if d.is_empty() {
            continue;
        }
        d.sort_unstable();
        // Nearest rank.
        let pct = |p: u64| d[((d.len() as u64 * p).div_ceil(100).max(1) - 1) as usize];
        let total: u64 = d.iter().sum();
        out.pauses.push(PauseStats {
            kind,
            count: d.len() as u64,
            p50: SimDuration(pct(50)),
            p90: SimDuration(pct(90)),
            p99: SimDuration(pct(99)),
            max: SimDuration(*d.last().unwrap_or(&0)),
            total: SimDuration(total),
        });
        out.total_pause = SimDuration(out.total_pause.0 + total);
    }
    if ended.0 > 0 {
        out.pause_percent = out.total_pause.0 as f64 * 100.0 / ended.0 as f64;
    }
    out
}

/// Builds the summary: the peak is the sample with the most resident bytes.
pub fn build(g: Gathered) -> RunSummary {
    let (configured_terms, configured_accounts) = configured(&g.observation.command);
    let configured_bytes = configured_terms.iter().map(|(_, b)| b).sum();
    let peak = g
        .samples
        .iter()
        .enumerate()
        .max_by_key(|(i, s)| (s.resident_total(), std::cmp::Reverse(*i)))
        .map(|(_, s)| s.clone());
    let mut at_peak = Ledger::new();
    if let Some(p) = &peak {
        for (account, usage) in Account::ALL.iter().zip(p.accounts) {
            at_peak.set(*account, usage);
        }
    }
    let mut events = g.events;
    for p in g.pauses.iter().filter(|p| p.kind == GcKind::Full) {
        events.push(Event {
            at: SimTime(p.at.0.min(g.ended_at.0)),
            kind: EventKind::FullGc,
            message: p.message.clone(),
            repeats: 0,
        });
    }
    if g.oom_killed {
        events.push(Event {
            at: g.ended_at,
            kind: EventKind::OomKilled,
            message: "the memory cgroup's OOM killer killed the command (memory.events oom_kill)"
                .into(),
            repeats: 0,
        });
    }
    events.sort_by_key(|e| e.at);
    let peak_resident_bytes = at_peak.total().resident;
    let verdict = if g.oom_killed {
        Verdict::OomKilled
    } else if configured_bytes > 0 && peak_resident_bytes > configured_bytes {
        Verdict::OverBudget
    } else {
        Verdict::Fits
    };
    let pressure = Pressure {
        peak_charge_bytes: g
            .samples
            .iter()
            .map(|s| s.charge.charge_bytes)
            .max()
            .unwrap_or(0),
        peak_working_set_bytes: g
            .samples
            .iter()
            .map(|s| s.charge.working_set_bytes)
            .max()
            .unwrap_or(0),
        ..Pressure::default()
    };
    let o = &g.observation;
    let parameters = vec![
        ("source".to_string(), "observed".to_string()),
        ("command".to_string(), o.command.join(" ")),
        ("interval_ms".to_string(), o.interval_ms.to_string()),
        (
            "nmt".to_string(),
            match (o.jvm_pid, o.nmt) {
                (None, _) => "no JVM".to_string(),
                (Some(_), true) => "on".to_string(),
                (Some(_), false) => "off".to_string(),
            },
        ),
    ];
    let failures = Failures::from_events(&events, 0, 0);
    RunSummary {
        scenario: format!("observed: {}", g.name),
        seed: 0,
        verdict,
        stopped_early: None,
        failures,
        limit_bytes: g.limit.0,
        limit_source: g.limit.1,
        configured_bytes,
        configured_terms,
        configured_accounts,
        peak_resident_bytes,
        peak_at: peak.map_or(SimTime(0), |p| p.at),
        at_peak,
        duration: SimDuration(g.ended_at.0),
        ended_at: g.ended_at,
        events,
        n_events: g.samples.len() as u64,
        samples: g.samples,
        parameters,
        counters: g.counters,
        database: None,
        gc: gc_summary(&g.pauses, g.collector, g.ended_at),
        pressure,
        observation: Some(g.observation),
        // The observed JVM's release is not read from it: its accounts are NMT's own, and the NMT
        // summary memsim re-renders from them keeps JDK 17's layout.
        jdk: memsim_core::JdkVersion::Jdk17,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_from_the_java_command_line() {
        let cmd: Vec<String> = [
            "java",
            "-Xmx64m",
            "-XX:MaxDirectMemorySize=16m",
            "-Xmx128m",
            "Main",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (terms, accounts) = configured(&cmd);
        assert_eq!(
            terms,
            [
                ("-XX:MaxDirectMemorySize".to_string(), 16 << 20),
                ("-Xmx".to_string(), 128 << 20)
            ]
        );
        assert_eq!(accounts, [Account::JavaHeap, Account::Other]);
    }

    #[test]
    fn pause_percentiles_by_nearest_rank() {
        let pauses: Vec<GcPause> = (1..=10)
            .map(|i| GcPause {
                at: SimDuration(i * 1_000_000_000),
                kind: GcKind::Young,
                pause: SimDuration(i * 1_000_000),
                message: String::new(),
            })
            .collect();
        let s = gc_summary(&pauses, None, SimTime(100_000_000_000));
        let y = s.of(GcKind::Young).unwrap();
        assert_eq!(
            (y.count, y.p50.0, y.p90.0, y.max.0),
            (10, 5_000_000, 9_000_000, 10_000_000)
        );
        assert!((s.pause_percent - 0.055).abs() < 1e-9);
    }
}
