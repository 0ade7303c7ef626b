//! The bundled scenarios give the verdicts and messages their comments promise.

use crate::{bundled, messages, rendered, run_checked};
use memsim_core::{Account, EventKind, Verdict};
use memsim_engine::{RunOptions, run};

#[test]
fn neo4j_12g_oom_is_killed_with_memory_beyond_configuration() {
    let s = bundled("neo4j-12g-oom.toml");
    let r = run_checked(&s);
    assert_eq!(r.verdict, Verdict::OomKilled);
    assert_eq!(r.configured_bytes, 10 << 30, "4g heap + 6g page cache");
    assert!(r.peak_resident_bytes > r.limit_bytes);
    assert!(
        r.ended_at < memsim_core::SimTime::ZERO.after(s.duration),
        "the kill stops the run"
    );
    let last = r.events.last().expect("events");
    assert_eq!(last.kind, EventKind::OomKilled);
    assert!(
        last.message
            .starts_with("Out of memory: Killed process (java)"),
        "{}",
        last.message
    );
    assert!(last.message.contains("Netty Direct"), "{}", last.message);
    // What was configured is full; what kills is what nobody budgeted, largest first.
    let beyond = r.beyond_configuration();
    assert_eq!(beyond[0].0, Account::NettyDirect);
    assert!(beyond.iter().any(|(a, _)| *a == Account::Thread));
    assert!(beyond.iter().any(|(a, _)| *a == Account::Gc));
    let beyond_total: u64 = beyond.iter().map(|(_, b)| b).sum();
    // The page cache's frames (32 B per page) come on top of its configured 6 GiB too.
    let frames = r.at_peak.get(Account::PageCache).resident - (6 << 30);
    assert_eq!(frames, (6 << 30) / 8192 * 32);
    assert!(beyond_total + frames > r.limit_bytes - r.configured_bytes);
    // The time series ends at the kill. The kernel kills after thrashing at the limit, not at the
    // peak: what the JVM freed meanwhile (a request's buffers, a collection) is not given back.
    let last_sample = r.samples.last().unwrap();
    assert_eq!(last_sample.at, r.ended_at);
    assert!(last_sample.resident_total() <= r.peak_resident_bytes);
    let thrashing = r
        .pressure
        .thrashing_since
        .expect("thrashing before the kill");
    assert!(thrashing <= r.ended_at);
    assert!(last_sample.resident_total() > r.limit_bytes - (64 << 20));
}

#[test]
fn mmap_index_larger_than_the_container_lives() {
    let r = run_checked(&bundled("mmap-index-container.toml"));
    assert_eq!(r.verdict, Verdict::OverBudget, "{:?}", r.events);
    assert!(r.events.iter().all(|e| e.kind != EventKind::OomKilled));
    assert_eq!(r.pressure.thrashing_since, None);
    let mapped = r.at_peak.get(Account::MappedFiles);
    assert_eq!(mapped.committed, 12 << 30, "the whole index was read");
    // The kernel reclaimed the cold index pages: the charge never passes the limit, RSS reaches it.
    assert!(mapped.resident < 6 << 30, "{mapped:?}");
    assert!(r.pressure.peak_charge_bytes <= r.limit_bytes);
    assert!(r.peak_resident_bytes > r.limit_bytes - (64 << 20));
    // What `kubectl top` shows: heap, native memory and the hot 2 GiB of index, not RSS.
    let ws = r.pressure.peak_working_set_bytes;
    assert!(
        ws > (2 << 30) + r.at_peak.resident_anon() - (64 << 20),
        "{ws}"
    );
    assert!(ws < 5 << 30, "{ws}");
    let last = r.samples.last().unwrap();
    assert!(last.charge.working_set_bytes < last.charge.charge_bytes);
}

#[test]
fn neo4j_12g_fits() {
    let r = run_checked(&bundled("neo4j-12g-fits.toml"));
    assert_eq!(
        r.verdict,
        Verdict::Fits,
        "peak {} configured {}",
        r.peak_resident_bytes,
        r.configured_bytes
    );
    assert!(r.peak_resident_bytes <= r.configured_bytes);
    assert!(
        r.events.iter().all(|e| !e.kind.is_error()),
        "{:?}",
        r.events
    );
}

#[test]
fn netty_direct_oom_prints_the_articles_line() {
    let r = run_checked(&bundled("netty-direct-oom.toml"));
    let errors = messages(&r, EventKind::OutOfDirectMemoryError);
    assert_eq!(
        errors,
        vec![
            "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 16777216 byte(s) of direct memory (used: 6442450944, max: 6442450944)"
                .to_string()
        ]
    );
    assert_ne!(r.verdict, Verdict::OomKilled);
    assert_eq!(r.at_peak.get(Account::NettyDirect).committed, 6 << 30);
    // The failures the process lived through are counted for the headline.
    let f = &r.failures;
    assert_eq!(f.errors.len(), 1);
    assert_eq!(f.errors[0].name(), "OutOfDirectMemoryError");
    assert_eq!(f.errors[0].count, 1664);
    assert_eq!(f.requests_failed, 1664);
    let counter = |name: &str| r.counters.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(f.requests_failed, counter("requests_failed"));
}

#[test]
fn same_seed_same_bytes_other_seed_other_run() {
    for name in [
        "neo4j-12g-oom.toml",
        "netty-direct-oom.toml",
        "container-pids-limit.toml",
        "parallel-gc-overhead.toml",
        "mmap-index-container.toml",
    ] {
        let s = bundled(name);
        let a = rendered(&run(&s, RunOptions::default()));
        let b = rendered(&run(&s, RunOptions::default()));
        assert_eq!(a, b, "{name}: two runs differ");
        let c = rendered(&run(
            &s,
            RunOptions {
                seed: Some(s.seed + 1),
                check_invariants: false,
            },
        ));
        assert_ne!(a, c, "{name}: the seed changes nothing");
    }
}

#[test]
fn neo4j_4g6g_steady_matches_the_real_jvm_run() {
    // tools/jvm-calibrate/results/neo4j-4g-6g-steady.json: VmRSS 18.5 s after start.
    let path = format!(
        "{}/../../tools/jvm-calibrate/results/neo4j-4g-6g-steady.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let measured: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let rss = measured["proc_status"]["VmRSS_kb"].as_u64().unwrap() * 1024;
    let r = run_checked(&bundled("neo4j-4g6g-steady.toml"));
    let at = r
        .samples
        .iter()
        .find(|s| s.at.0 == 18_500_000_000)
        .expect("a sample at 18.5 s");
    let predicted = at.resident_total();
    assert!(
        predicted.abs_diff(rss) * 10 <= rss,
        "memsim {} MiB vs the real JVM's {} MiB",
        predicted >> 20,
        rss >> 20
    );
    assert_eq!(r.verdict, Verdict::Fits);
}

#[test]
fn container_pids_limit_fails_thread_starts_not_memory() {
    let r = run_checked(&bundled("container-pids-limit.toml"));
    let oome: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == memsim_core::EventKind::OutOfMemoryError)
        .collect();
    assert_eq!(oome.len(), 1);
    assert!(oome[0].message.contains(
        "unable to create native thread: possibly out of memory or process/resource limits reached"
    ));
    let counter = |name: &str| r.counters.iter().find(|(n, _)| n == name).unwrap().1;
    // 512 tasks: launcher, 19 JVM threads, 12 more GC workers started at the first collections
    // (13 on 16 CPUs), 2 more marking workers for the concurrent cycles that the 15,000 classes'
    // `Metadata GC Threshold` collections start, 8 startup threads: 470 of the 600 start.
    assert!(counter("metadata_gc_threshold_collections") > 0);
    assert_eq!(counter("threads_failed_to_start"), 130);
    assert_eq!(oome[0].repeats, 129);
    assert_eq!(counter("requests_failed"), 0);
    assert_eq!(r.verdict, memsim_core::Verdict::Fits);
    assert_eq!(r.failures.threads_failed, 130);
    assert_eq!(r.failures.errors[0].count, 130);
}

#[test]
fn parallel_gc_overhead_gives_up_before_the_heap_is_full_and_g1_does_not() {
    let s = bundled("parallel-gc-overhead.toml");
    let r = run_checked(&s);
    let oome = messages(&r, EventKind::OutOfMemoryError);
    assert_eq!(
        oome.first().map(String::as_str),
        Some("java.lang.OutOfMemoryError: GC overhead limit exceeded"),
        "{oome:?}"
    );
    // Back-to-back full collections before it, counted in the GC section and logged as one event.
    let full = r.gc.of(memsim_core::GcKind::Full).unwrap();
    assert!(full.count > 1000, "{full:?}");
    assert!(messages(&r, EventKind::FullGc) == ["Pause Full (Ergonomics)"]);
    assert_eq!(r.verdict, Verdict::OverBudget, "the process lives");
    // Pauses stop the application, so they lie on the run's timeline: the pauses inside the run are
    // at most the run (when they came on top of it, 11 min of pauses were reported in 10 min), and
    // the thrashing end of the run is the backlog the stopped application never works off.
    let inside = r.gc.total_pause.nanos() - r.gc.pause_past_end.nanos();
    assert!(
        inside <= r.ended_at.since(memsim_core::SimTime::ZERO).nanos(),
        "{:?}",
        r.gc
    );
    assert!(r.gc.total_pause < r.duration, "{:?}", r.gc);
    assert!(r.gc.pause_percent < 100.0, "{:?}", r.gc);
    // That backlog is counted: requests that arrived during the last pauses and were never served.
    let waiting = r
        .counters
        .iter()
        .find(|(n, _)| n == "requests_waiting_at_end")
        .unwrap()
        .1;
    assert!(waiting > 0, "{:?}", r.counters);
    // The same load on G1: no overhead limit, Java heap space.
    let mut g1 = s.clone();
    g1.jvm.gc = Some(memsim_scenario::Collector::G1);
    let r = run_checked(&g1);
    let oome = messages(&r, EventKind::OutOfMemoryError);
    assert_eq!(
        oome,
        ["java.lang.OutOfMemoryError: Java heap space"],
        "G1 has no overhead limit"
    );
}

/// The progress callback sees simulated time advance to where the run ended, every
/// `PROGRESS_EVERY_EVENTS` events, and changes nothing in the reports.
#[test]
fn progress_is_reported_in_simulated_time_and_leaves_the_reports_unchanged() {
    use memsim_engine::{PROGRESS_EVERY_EVENTS, Progress, RunOptions, run, run_with_progress};
    let s = crate::bundled("neo4j-12g-oom.toml");
    let mut seen: Vec<Progress> = Vec::new();
    let with = run_with_progress(&s, RunOptions::default(), &mut |p| seen.push(p));
    let without = run(&s, RunOptions::default());
    assert_eq!(crate::rendered(&with), crate::rendered(&without));
    let last = *seen.last().expect("at least the final call");
    assert_eq!(last.done, with.ended_at.since(memsim_core::SimTime::ZERO));
    assert_eq!(last.events, with.n_events);
    assert!(seen.iter().all(|p| p.planned == s.duration));
    assert!(
        seen.windows(2)
            .all(|w| w[0].done <= w[1].done && w[0].events < w[1].events)
    );
    // At least PROGRESS_EVERY_EVENTS events between two calls (but the last).
    let calls = &seen[..seen.len() - 1];
    assert!(
        calls
            .windows(2)
            .all(|w| w[1].events - w[0].events >= PROGRESS_EVERY_EVENTS)
    );
    assert!(seen.len() as u64 <= with.n_events / PROGRESS_EVERY_EVENTS + 1);
    assert!(seen.len() > 100, "{}", seen.len());
}
