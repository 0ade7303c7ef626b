//! Synthetic run summaries for the renderers' tests: a Neo4j-like run killed by the OOM killer,
//! and a small run that fits.

use memsim_core::{
    Account, Charge, Event, EventKind, Failures, GcKind, GcSummary, Ledger, PauseStats, Pressure,
    RunSummary, Sample, SimDuration, SimTime, Usage, Verdict,
};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

fn secs(s: f64) -> SimTime {
    SimTime((s * 1e9).round() as u64)
}

/// The ledger of the Neo4j-like run at `t` seconds: heap and page cache warm up, Netty's direct
/// memory climbs during the import phase until the container's 12 GiB limit is crossed at 723.25 s.
fn ledger_at(t: f64) -> Ledger {
    let mut l = Ledger::new();
    let ramp = |from: f64, to: f64| ((t - from) / (to - from)).clamp(0.0, 1.0);
    // Java heap: Xmx 4 GiB reserved; committed grows from 256 MiB to 4 GiB in 64 MiB steps.
    let heap_committed =
        (256 * MIB + ((3840.0 * ramp(20.0, 420.0)) as u64 / 64) * 64 * MIB).min(4 * GIB);
    let heap_resident = heap_committed - heap_committed / 16;
    l.set(
        Account::JavaHeap,
        Usage {
            reserved: 4 * GIB,
            committed: heap_committed,
            resident: heap_resident,
        },
    );
    l.set(
        Account::Class,
        Usage {
            reserved: 1056 * MIB,
            committed: 21 * MIB + 333,
            resident: 21 * MIB + 333,
        },
    );
    // Threads: stacks reserved at Xss per thread, touched about 100 KiB each.
    let n_threads = 40 + (160.0 * ramp(60.0, 120.0)) as u64;
    l.set(
        Account::Thread,
        Usage {
            reserved: n_threads * MIB,
            committed: n_threads * 104 * 1024 + 777,
            resident: n_threads * 88 * 1024,
        },
    );
    l.set(
        Account::Code,
        Usage {
            reserved: 240 * MIB + 2 * MIB,
            committed: 9 * MIB + (20.0 * ramp(0.0, 300.0) * MIB as f64) as u64,
            resident: 6 * MIB,
        },
    );
    let gc = 38 * MIB + heap_committed / 26;
    l.set(
        Account::Gc,
        Usage {
            reserved: gc + 100 * MIB,
            committed: gc,
            resident: gc / 2,
        },
    );
    l.set(Account::Compiler, Usage::all(300 * 1024 + 511));
    l.set(Account::Internal, Usage::all(6 * MIB + 4321));
    l.set(Account::Other, Usage::all(8 * MIB));
    let page_cache = ((6.0 * ramp(30.0, 400.0) * GIB as f64) as u64 / (512 * 1024)) * 512 * 1024;
    l.set(Account::PageCache, Usage::all(page_cache));
    // Netty direct memory: 16 MiB chunks, 64 MiB during loading, then climbing during the import.
    let netty_chunks = 4 + (20.0 * ramp(60.0, 300.0)) as u64 + (98.0 * ramp(600.0, 723.25)) as u64;
    l.set(Account::NettyDirect, Usage::all(netty_chunks * 16 * MIB));
    l.set(Account::JdkDirect, Usage::all(64 * MIB));
    l.set(Account::Symbol, Usage::all(12 * MIB + 99));
    l.set(Account::NativeMemoryTracking, Usage::all(3 * MIB + 17));
    l.set(
        Account::SharedClassSpace,
        Usage {
            reserved: 16 * MIB,
            committed: 12 * MIB,
            resident: 12 * MIB,
        },
    );
    l.set(Account::ArenaChunk, Usage::all(MIB + 256));
    l.set(Account::Module, Usage::all(200 * 1024));
    // Below NMT's 1 KB threshold: must be omitted from the NMT summary.
    l.set(Account::Synchronization, Usage::all(300));
    l.set(
        Account::Metaspace,
        Usage {
            reserved: 96 * MIB,
            committed: 90 * MIB,
            resident: 90 * MIB,
        },
    );
    l.set(
        Account::Libraries,
        Usage {
            reserved: 40 * MIB,
            committed: 40 * MIB,
            resident: 21 * MIB,
        },
    );
    l.set(Account::NativeUntracked, Usage::all(9 * MIB));
    // Lucene's memory-mapped index files: file-backed, outside NMT.
    l.set(Account::MappedFiles, Usage::all(64 * MIB));
    l.check_invariants().expect("fixture ledger is consistent");
    l
}

fn event(at: f64, kind: EventKind, message: &str, repeats: u64) -> Event {
    Event {
        at: secs(at),
        kind,
        message: message.to_string(),
        repeats,
    }
}

/// The kernel's view of a ledger: 24 MiB of kernel memory, file pages inactive.
fn charge_of(l: &Ledger) -> Charge {
    let kernel = 24 * MIB;
    Charge {
        charge_bytes: l.total().resident + kernel,
        working_set_bytes: l.resident_anon() + kernel,
        file_bytes: l.resident_file(),
        dirty_bytes: 0,
        kernel_bytes: kernel,
    }
}

/// A Neo4j-like run (Xmx 4 GiB + page cache 6 GiB in a 12 GiB container) killed at 12m03.250s.
pub(crate) fn oom_run() -> RunSummary {
    let end = 723.25;
    let mut times: Vec<f64> = (0..=361).map(|i| f64::from(i) * 2.0).collect();
    times.push(end);
    let samples: Vec<Sample> = times
        .iter()
        .map(|t| Sample {
            at: secs(*t),
            accounts: *ledger_at(*t).accounts(),
            charge: charge_of(&ledger_at(*t)),
        })
        .collect();
    let at_peak = ledger_at(end);
    let mut events = vec![
        event(0.0, EventKind::PhaseStarted, "phase `startup` started", 0),
        event(20.5, EventKind::HeapExpanded, "heap expanded to 320 MiB", 0),
        event(60.0, EventKind::PhaseStarted, "phase `load` started", 0),
        event(
            299.0,
            EventKind::FullGc,
            "Pause Full (G1 Compaction Pause) 3900M->3100M(4096M) 1820.123ms",
            0,
        ),
        event(300.0, EventKind::PhaseEnded, "phase `load` ended", 0),
        event(
            300.0,
            EventKind::PhaseStarted,
            "phase `queries with a very long descriptive name` started",
            0,
        ),
        event(
            400.0,
            EventKind::PageCacheFull,
            "page cache full: 6.00 GiB",
            0,
        ),
        event(600.0, EventKind::PhaseStarted, "phase `import` started", 0),
        event(
            650.0,
            EventKind::OutOfDirectMemoryError,
            "failed to allocate 16777216 byte(s) of direct memory (used: 1593835520, max: 1610612736)",
            37,
        ),
        event(
            701.0,
            EventKind::OutOfMemoryError,
            "java.lang.OutOfMemoryError: Java heap space",
            3,
        ),
        event(
            end,
            EventKind::OomKilled,
            "Memory cgroup out of memory: Killed process 1 (java) total-vm:19000000kB, anon-rss:12600000kB, file-rss:21504kB",
            0,
        ),
    ];
    events.sort_by_key(|e| e.at);
    let peak_resident_bytes = at_peak.total().resident;
    RunSummary {
        scenario: "neo4j-import-oom".to_string(),
        seed: 42,
        verdict: Verdict::OomKilled,
        stopped_early: None,
        failures: Failures::from_events(&events, 42, 0),
        limit_bytes: 12 * GIB,
        limit_source: "container limit".to_string(),
        configured_bytes: 10 * GIB,
        configured_terms: vec![
            ("-Xmx".to_string(), 4 * GIB),
            ("page cache".to_string(), 6 * GIB),
        ],
        configured_accounts: vec![Account::JavaHeap, Account::PageCache],
        peak_resident_bytes,
        peak_at: secs(end),
        at_peak,
        duration: SimDuration::from_secs(1200),
        ended_at: secs(end),
        events,
        samples,
        n_events: 1_234_567,
        parameters: vec![
            ("gc".to_string(), "G1".to_string()),
            ("-Xmx".to_string(), "4g".to_string()),
            ("-Xss".to_string(), "1m".to_string()),
            ("server.memory.pagecache.size".to_string(), "6g".to_string()),
        ],
        counters: vec![
            ("requests_completed".to_string(), 981_234),
            ("gc_cycles".to_string(), 412),
            ("full_gcs".to_string(), 1),
        ],
        database: None,
        observation: None,
        jdk: memsim_core::JdkVersion::Jdk17,
        pressure: Pressure {
            thrashing_since: Some(secs(722.0)),
            thrashing_until: None,
            peak_charge_bytes: charge_of(&ledger_at(end)).charge_bytes,
            peak_working_set_bytes: charge_of(&ledger_at(end)).working_set_bytes,
            writeback_wait_nanos: 0,
        },
        gc: GcSummary {
            collector: "-XX:+UseG1GC".to_string(),
            pauses: vec![
                PauseStats {
                    kind: GcKind::Young,
                    count: 412,
                    p50: SimDuration(4_500_000),
                    p90: SimDuration(9_000_000),
                    p99: SimDuration(20_000_000),
                    max: SimDuration(31_250_000),
                    total: SimDuration::from_millis(2_100),
                },
                PauseStats {
                    kind: GcKind::Full,
                    count: 1,
                    p50: SimDuration::from_secs(10),
                    p90: SimDuration::from_secs(10),
                    p99: SimDuration::from_secs(10),
                    max: SimDuration::from_secs(10),
                    total: SimDuration::from_secs(10),
                },
            ],
            total_pause: SimDuration::from_millis(12_100),
            pause_percent: 1.7,
            pause_past_end: SimDuration::ZERO,
        },
    }
}

/// A short run that stays inside its configured budget, with a scenario name that needs escaping.
pub(crate) fn fitting_run() -> RunSummary {
    let mut s = oom_run();
    let end = 100.0;
    s.scenario = "fits <small> & \"quoted\"".to_string();
    s.verdict = Verdict::Fits;
    s.pressure.thrashing_since = None;
    s.samples.retain(|x| x.at <= secs(end));
    s.at_peak = ledger_at(end);
    s.peak_resident_bytes = s.at_peak.total().resident;
    s.peak_at = secs(end);
    s.ended_at = secs(end);
    s.duration = SimDuration::from_secs(100);
    s.limit_bytes = 24 * GIB;
    s.limit_source = "machine RAM 24.00 GiB − OS 0 B".to_string();
    s.events.retain(|e| e.at <= secs(end) && !e.kind.is_error());
    s.failures = Failures::default();
    s.events.push(event(
        90.0,
        EventKind::PhaseStarted,
        "phase <a&b> started",
        0,
    ));
    s
}

/// A run's published files read back, as `memsim report` and `memsim compare` see them.
pub(crate) fn run_files(s: &RunSummary) -> crate::RunFiles {
    let f = crate::write_all_reports(s);
    crate::RunFiles::from_files(f.iter().map(|(n, b)| (*n, b.as_slice()))).unwrap()
}
