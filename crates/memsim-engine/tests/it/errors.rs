//! The JVM's and Netty's own errors, with their real messages, and the run carries on.

use crate::{messages, run_checked, scenario};
use memsim_core::{EventKind, Verdict};
use memsim_engine::{RunOptions, run};
use memsim_scenario::Scenario;

#[test]
fn heap_space() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "1m"
[machine]
ram = "8g"
[jvm]
heap = { initial = "64m", max = "256m" }
[[phase]]
name = "cache grows past Xmx"
duration = "30s"
heap_live = "400m"
"#,
    ));
    assert_eq!(
        messages(&r, EventKind::OutOfMemoryError),
        vec!["java.lang.OutOfMemoryError: Java heap space"]
    );
    assert!(
        messages(&r, EventKind::HeapExpanded)
            .iter()
            .any(|m| m.starts_with("heap expanded from 64.00 MiB"))
    );
    assert_eq!(
        r.at_peak.get(memsim_core::Account::JavaHeap).committed,
        256 << 20
    );
    assert_eq!(
        r.ended_at.0, 60_000_000_000,
        "a Java OOME does not stop the process"
    );
}

#[test]
fn metaspace_limit() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "1m"
[machine]
ram = "8g"
[jvm]
max_metaspace = "32m"
[[phase]]
name = "classes"
duration = "10s"
classes = 50000
"#,
    ));
    assert_eq!(
        messages(&r, EventKind::OutOfMemoryError),
        vec!["java.lang.OutOfMemoryError: Metaspace"]
    );
}

#[test]
fn code_cache_fills() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "1m"
[machine]
ram = "8g"
[jvm]
reserved_code_cache = "16m"
[[phase]]
name = "jit"
duration = "10s"
compiled_methods = 40000
"#,
    ));
    assert_eq!(
        messages(&r, EventKind::CodeCacheFull),
        vec!["OpenJDK 64-Bit Server VM warning: CodeCache is full. Compiler has been disabled."]
    );
}

#[test]
fn jdk_direct_buffers_hit_max_direct_memory_size() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "1m"
[machine]
ram = "8g"
[jvm]
max_direct_memory = "64m"
[[phase]]
name = "allocateDirect"
duration = "30s"
threads = 4
[phase.requests]
rate = "100/s"
buffer = "1m"
hold = "10s"
direct = "jdk"
"#,
    ));
    let m = messages(&r, EventKind::OutOfMemoryError);
    assert_eq!(
        m,
        vec![
            "java.lang.OutOfMemoryError: Cannot reserve 1048576 bytes of direct buffer memory (allocated: 67108864, limit: 67108864)"
        ]
    );
    assert_eq!(
        r.at_peak.get(memsim_core::Account::JdkDirect).committed,
        64 << 20
    );
}

#[test]
fn netty_zero_property_falls_back_to_jdk_accounting() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "1m"
[machine]
ram = "8g"
cores = 2
[jvm]
max_direct_memory = "128m"
[netty]
max_direct_memory = 0
direct_arenas = 1
[[phase]]
name = "pooled via allocateDirect"
duration = "30s"
threads = 2
[phase.requests]
rate = "100/s"
buffer = "4m"
hold = "20s"
"#,
    ));
    let m = messages(&r, EventKind::OutOfMemoryError);
    assert_eq!(
        m,
        vec![
            "java.lang.OutOfMemoryError: Cannot reserve 16777216 bytes of direct buffer memory (allocated: 134217728, limit: 134217728)"
        ]
    );
    // The pool's chunks are JDK direct buffers now, still counted as Netty's memory.
    assert_eq!(
        r.at_peak.get(memsim_core::Account::NettyDirect).committed,
        128 << 20
    );
    assert_eq!(r.verdict, Verdict::Fits);
}

#[test]
fn max_events_stops_the_run() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "10m"
max_events = 1000
[machine]
ram = "8g"
[[phase]]
name = "busy"
duration = "10m"
threads = 1
[phase.requests]
rate = "1000/s"
"#,
    ));
    assert_eq!(r.n_events, 1000);
    assert_eq!(messages(&r, EventKind::SimulationStopped).len(), 1);
    // The verdict says the run is incomplete, with the bound, when, and what ran so far.
    assert_eq!(r.verdict, Verdict::Incomplete);
    let stop = r.stopped_early.expect("stopped early");
    assert_eq!(stop.bound, memsim_core::Bound::MaxEvents(1000));
    assert_eq!(stop.at, r.ended_at);
    assert!(r.ended_at < memsim_core::SimTime::ZERO.after(r.duration));
    assert_eq!(stop.so_far, Verdict::Fits);
}

#[test]
fn a_run_that_uses_all_its_events_at_the_end_is_complete() {
    // 10 arrivals a second for 10 s, and events to spare: the run reaches its planned end.
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "10s"
max_events = 100000
[machine]
ram = "8g"
[[phase]]
name = "busy"
duration = "10s"
threads = 1
[phase.requests]
rate = "10/s"
"#,
    ));
    assert!(r.stopped_early.is_none());
    assert_eq!(r.verdict, Verdict::Fits);
}

#[test]
fn steady_native_memory_lands_in_the_right_accounts() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "30s"
[machine]
ram = "24g"
cores = 2
[jvm]
heap = { initial = "1g", max = "1g" }
max_direct_memory = "64m"
[[phase]]
name = "steady"
duration = "10s"
classes = 5000
class_loaders = 100
hidden_classes = 1000
direct_memory = "100m"
unsafe_memory = "256m"
mapped_files = "128m"
"#,
    ));
    use memsim_core::{Account, NmtCategory};
    let end = r.samples.last().unwrap();
    let at = |a: Account| end.accounts[a.index()];
    assert_eq!(
        at(Account::Other).resident,
        256 << 20,
        "Unsafe memory is NMT Other"
    );
    assert_eq!(at(Account::MappedFiles).resident, 128 << 20);
    assert_eq!(
        Account::MappedFiles.nmt(),
        None,
        "mapped files are RSS NMT cannot see"
    );
    assert_eq!(
        at(Account::JdkDirect).committed,
        64 << 20,
        "allocateDirect stops at MaxDirectMemorySize"
    );
    assert_eq!(
        messages(&r, EventKind::OutOfMemoryError),
        vec![
            "java.lang.OutOfMemoryError: Cannot reserve 1048576 bytes of direct buffer memory (allocated: 67108864, limit: 67108864)"
        ]
    );
    assert_eq!(
        r.counters
            .iter()
            .find(|(n, _)| n == "classes_loaded")
            .unwrap()
            .1,
        6000
    );
    let other: u64 = Account::ALL
        .iter()
        .filter(|a| a.nmt() == Some(NmtCategory::Other))
        .map(|a| at(*a).committed)
        .sum();
    assert_eq!(
        other,
        (256 + 64) << 20,
        "NMT Other = Unsafe + direct buffers"
    );
}

/// A phase's threads over `machine.max_threads` fail to start with HotSpot's message (one event
/// line with the number of repeats); the rest start and serve every request.
#[test]
fn native_thread_limit() {
    let text = r#"
[scenario]
duration = "20s"
[machine]
ram = "8g"
cores = 2
max_threads = 100
[jvm]
heap = { initial = "512m", max = "512m" }
[[phase]]
name = "pool"
duration = "10s"
threads = 200
malloc_per_thread = "100k"
[phase.requests]
rate = "500/s"
hold = "10ms"
heap = "8k"
"#;
    let r = run_checked(&scenario(text));
    let oome: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::OutOfMemoryError)
        .collect();
    assert_eq!(oome.len(), 1, "{:?}", r.events);
    assert_eq!(
        oome[0].message,
        "java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached"
    );
    // 100 tasks = the launcher's thread + 19 of G1's at startup + 80 of the pool; 120 failed.
    assert_eq!(oome[0].repeats, 119);
    let counter = |name: &str| r.counters.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(counter("threads_failed_to_start"), 120);
    assert_eq!(counter("requests_failed"), 0);
    assert_eq!(counter("requests_started"), counter("requests_completed"));
    assert!(counter("requests_started") > 4000);
    // Only the started threads hold stacks and their malloc'd memory.
    let peak_threads = 19 + 80;
    let thread = r.at_peak.get(memsim_core::Account::Thread);
    assert!(
        thread.reserved >= peak_threads * (1 << 20)
            && thread.reserved < (peak_threads + 2) * (1 << 20),
        "{thread:?}"
    );
    // The same scenario twice: the same bytes.
    let again = run_checked(&scenario(text));
    assert_eq!(crate::rendered(&r), crate::rendered(&again));
}

/// Without a limit every thread starts; with one, the JVM's on-demand GC workers are capped by it
/// too (HotSpot runs with fewer when it cannot create one).
#[test]
fn thread_limit_also_caps_the_jvms_own_workers() {
    let text = |limit: &str| {
        format!(
            r#"
[scenario]
duration = "20s"
[machine]
ram = "8g"
cores = 32
{limit}
[jvm]
heap = {{ initial = "512m", max = "512m" }}
[[phase]]
name = "churn"
duration = "10s"
threads = 10
heap_churn = "200m/s"
"#
        )
    };
    let counter = |r: &memsim_core::RunSummary, name: &str| {
        r.counters.iter().find(|(n, _)| n == name).unwrap().1
    };
    let free = run_checked(&scenario(&text("")));
    assert!(counter(&free, "gc_collections") > 0);
    // 32 CPUs: ParallelGCThreads = 23, all started (2 × 11 non-daemon threads = 22 < 23, but the
    // heap rule gives 512 MiB / 41.6 MiB = 12: so 22).
    assert_eq!(counter(&free, "jvm_gc_workers_started"), 22);
    assert_eq!(counter(&free, "threads_failed_to_start"), 0);
    // 35 tasks: launcher + 19 + 10 application threads leave room for 5 more workers (6 in all).
    let capped = run_checked(&scenario(&text("max_threads = 35")));
    assert_eq!(counter(&capped, "jvm_gc_workers_started"), 6);
    assert_eq!(counter(&capped, "threads_failed_to_start"), 0);
    assert!(
        messages(&capped, EventKind::OutOfMemoryError).is_empty(),
        "the JVM's own threads fail quietly"
    );
}

/// Under `ulimit -v` threads fail when their stack (and glibc arena) no longer fits in the address
/// space. Reproduced on OpenJDK 17.0.15 (tools/jvm-calibrate/README.md): `ulimit -v 4000000`,
/// `-Xmx64m -Xss64m -XX:ReservedCodeCacheSize=32m -XX:CompressedClassSpaceSize=64m`, 2 CPUs: 30 threads
/// started, the 31st failed with this error. memsim also counts jcmd's Attach Listener (another
/// 64 MiB stack), which that run did not have.
#[test]
fn address_space_limit_as_measured() {
    let text = r#"
[scenario]
duration = "10s"
[machine]
ram = "24g"
cores = 2
address_space = "4000000k"
[jvm]
heap = { max = "64m" }
thread_stack = "64m"
reserved_code_cache = "32m"
compressed_class_space = "64m"
[[phase]]
name = "threads until it fails"
duration = "5s"
threads = 200
"#;
    let r = run_checked(&scenario(text));
    let counter = |name: &str| r.counters.iter().find(|(n, _)| n == name).unwrap().1;
    let started = 200 - counter("threads_failed_to_start");
    assert!(
        (28..=31).contains(&started),
        "{started} started; the JDK started 30"
    );
    assert_eq!(
        messages(&r, EventKind::OutOfMemoryError),
        vec![
            "java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached"
        ]
    );
    // Without the limit all 200 start (4000000k is far above the rest of the process).
    let free = run_checked(&scenario(
        &text.replace("address_space = \"4000000k\"\n", ""),
    ));
    assert_eq!(
        free.counters
            .iter()
            .find(|(n, _)| n == "threads_failed_to_start")
            .unwrap()
            .1,
        0
    );
}

/// `ulimit -u` as measured on OpenJDK 17.0.15 (tools/jvm-calibrate/README.md): user `nobody` with
/// When none of a phase's threads can start, its requests fail with an event that says why.
#[test]
fn requests_of_a_phase_without_threads_are_unserved() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "10s"
[machine]
ram = "8g"
cores = 2
max_threads = 20
[jvm]
heap = { max = "256m" }
[[phase]]
name = "pool"
duration = "5s"
threads = 10
[phase.requests]
rate = "100/s"
"#,
    ));
    let counter = |name: &str| r.counters.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(counter("threads_failed_to_start"), 10);
    assert!(counter("requests_failed") > 300);
    let unserved: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::RequestUnserved)
        .collect();
    assert_eq!(unserved.len(), 1, "{:?}", r.events);
    assert_eq!(
        unserved[0].message,
        "request not served: none of phase \"pool\"'s 10 threads could start"
    );
    assert_eq!(unserved[0].repeats + 1, counter("requests_failed"));
}

/// `ulimit -u 100`, running `bash -c "java -Xmx64m … | tail"` (2 of the 100 tasks), started 79
/// threads; the 80th failed. memsim counts jcmd's Attach Listener, which that run did not have.
#[test]
fn process_limit_as_measured() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "10s"
[machine]
ram = "24g"
cores = 2
max_threads = 98
[jvm]
heap = { max = "64m" }
[[phase]]
name = "threads until it fails"
duration = "5s"
threads = 200
"#,
    ));
    let failed = r
        .counters
        .iter()
        .find(|(n, _)| n == "threads_failed_to_start")
        .unwrap()
        .1;
    assert!(
        (78..=79).contains(&(200 - failed)),
        "{} started; the JDK started 79",
        200 - failed
    );
}

/// A failing `allocateDirect` runs the JDK's `Bits.reserveMemory` protocol: one `System.gc()` (a
/// full collection, which shrinks G1's heap without `-Xms` to the live set over 30 %) and 12 tries,
/// counted in `counters`; then the `Cannot reserve` error. Dropped live data and `system_gc` at a
/// phase's end are the scenario's way to say the same without direct memory.
#[test]
fn failed_direct_reservation_collects_and_retries() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "10s"
[machine]
ram = "24g"
cores = 2
[jvm]
gc = "g1"
heap = { max = "1g" }
max_direct_memory = "64m"
[[phase]]
name = "live heap, most of it dropped"
duration = "1s"
heap_live = "256m"
heap_released = "192m"
[[phase]]
name = "buffers"
duration = "1s"
direct_memory = "100m"
"#,
    ));
    let counter = |name: &str| r.counters.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(counter("direct_reservation_gcs"), 1);
    assert_eq!(counter("direct_reservation_tries"), 12);
    assert_eq!(
        counter("direct_out_of_memory_errors"),
        0,
        "setup allocations are not requests"
    );
    assert_eq!(
        messages(&r, EventKind::FullGc),
        vec!["Pause Full (System.gc())"]
    );
    assert!(
        messages(&r, EventKind::OutOfMemoryError)[0].starts_with("java.lang.OutOfMemoryError: Cannot reserve 1048576 bytes of direct buffer memory (allocated: 67108864")
    );
    // 64 MiB live / 0.3, in 1 MiB regions: below the 376 MiB initial heap (MinHeapSize is 8 MiB).
    let heap = r.samples.last().unwrap().accounts[memsim_core::Account::JavaHeap.index()];
    assert_eq!(heap.committed, 214 << 20);
}

/// `system_gc` at a phase's end: the same full collection without a direct reservation; with
/// `-Xms` the heap stays at it.
#[test]
fn system_gc_shrinks_to_xms_at_most() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "10s"
[machine]
ram = "24g"
cores = 2
[jvm]
gc = "g1"
heap = { initial = "512m", max = "2g" }
[[phase]]
name = "live heap, most of it dropped"
duration = "1s"
heap_live = "768m"
heap_released = "640m"
system_gc = true
"#,
    ));
    assert_eq!(
        messages(&r, EventKind::FullGc),
        vec!["Pause Full (System.gc())"]
    );
    let heap = r.samples.last().unwrap().accounts[memsim_core::Account::JavaHeap.index()];
    assert_eq!(heap.committed, 512 << 20);
}

/// A page-cache scenario whose phases each touch `touch` and whose budget is `max_events`.
fn touching(touch: &str, phases: usize, max_events: u64) -> Scenario {
    let mut text = format!(
        "[scenario]\nduration = \"10m\"\nmax_events = {max_events}\n[machine]\nram = \"8g\"\n[page_cache]\nsize = \"1g\"\n"
    );
    for i in 0..phases {
        text.push_str(&format!(
            "[[phase]]\nname = \"warm {i}\"\nduration = \"1m\"\npage_cache_touch = \"{touch}\"\n"
        ));
    }
    scenario(&text)
}

/// Every page the warm-up pins is a simulated event: a touch the budget cannot cover stops the run
/// at `max_events`, promptly and with the usual event, instead of pinning on outside the budget.
#[test]
fn page_cache_warm_up_counts_towards_max_events() {
    // 1 GiB of touch is 131072 page reads: counted.
    let r = run_checked(&touching("1g", 1, 50_000_000));
    assert!(r.n_events >= 131_072, "{}", r.n_events);
    assert!(r.n_events < 131_072 + 10_000, "{}", r.n_events);
    assert!(messages(&r, EventKind::SimulationStopped).is_empty());

    // Two phases of 60k pages each pass the check (each fits 100k events), not the run.
    let r = run_checked(&touching("480000k", 2, 100_000));
    assert_eq!(messages(&r, EventKind::SimulationStopped).len(), 1);
    assert_eq!(r.n_events, 100_000);

    // A scenario built in code skips the check: 16777215 TiB on a 1 GiB cache still stops.
    let mut s = touching("8k", 1, 200_000);
    s.phases[0].page_cache_touch = 16_777_215u64 << 40;
    let r = run(&s, RunOptions::default());
    assert_eq!(messages(&r, EventKind::SimulationStopped).len(), 1);
    assert_eq!(r.n_events, 200_000);
    let db = r.database.as_ref().expect("a database run");
    assert!(db.last.cache.pins <= 200_000, "{}", db.last.cache.pins);
    assert_eq!(r.verdict, memsim_core::Verdict::Incomplete);
}

/// Lookups pin pages too: 100 million reads under a budget of 50,000 events stop at the budget.
#[test]
fn database_reads_count_towards_max_events() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "10m"
max_events = 50000
[machine]
ram = "8g"
[page_cache]
size = "64m"
[[phase]]
name = "load"
duration = "1m"
db = { op = "create_nodes", count = 1000 }
[[phase]]
name = "read"
duration = "5m"
db = { op = "read", reads = 100000000 }
"#,
    ));
    assert_eq!(messages(&r, EventKind::SimulationStopped).len(), 1);
    assert!(r.n_events <= 50_000 + 16, "{}", r.n_events);
    let db = r.database.as_ref().expect("a database run");
    assert!(db.last.cache.pins <= 50_000, "{}", db.last.cache.pins);
}

/// Classes, compiled methods, hidden classes and direct buffers are simulated work too: 10 million
/// classes loaded in one millisecond under a budget of 10,000 events stop at the budget.
#[test]
fn per_unit_work_counts_towards_max_events() {
    for work in [
        "classes = 10000000",
        "hidden_classes = 10000000",
        "compiled_methods = 10000000",
        "direct_memory = \"16t\"",
        "class_loaders = 10000000",
    ] {
        let r = run(
            &scenario(&format!(
                "[scenario]\nduration = \"1m\"\nmax_events = 10000\n[machine]\nram = \"64t\"\n[jvm]\nheap = {{ max = \"8g\" }}\nmax_direct_memory = \"32t\"\nmax_metaspace = \"64t\"\nreserved_code_cache = \"2g\"\n[[phase]]\nname = \"burst\"\nduration = \"1ms\"\n{work}\n"
            )),
            RunOptions::default(),
        );
        assert_eq!(
            messages(&r, EventKind::SimulationStopped).len(),
            1,
            "{work}: {}",
            r.n_events
        );
        assert!(r.n_events <= 10_000, "{work}: {}", r.n_events);
    }
}

/// Amounts whose sum wraps a u64 (2^63 + 2^63 = 0) once hid a phase's work until its end: each
/// is seen on its own now.
#[test]
fn huge_amounts_do_not_wrap() {
    // The reader caps sizes at 2^52; a scenario built in code is not read, and must not wrap.
    let mut s = scenario(
        r#"
[scenario]
duration = "1m"
[machine]
ram = "8g"
[jvm]
heap = { max = "1g" }
[[phase]]
name = "huge"
duration = "10s"
"#,
    );
    s.phases[0].heap_live = 1 << 63;
    s.phases[0].unsafe_memory = 1 << 63;
    let r = run(&s, RunOptions::default());
    // The work starts at the first tick (100 ms), not only when the phase ends (10 s).
    let first_oom = r
        .events
        .iter()
        .find(|e| e.kind == EventKind::OutOfMemoryError)
        .expect("the heap cannot take 2^63 bytes");
    assert!(
        first_oom.message.contains("Java heap space"),
        "{first_oom:?}"
    );
    assert_eq!(
        first_oom.at,
        memsim_core::SimTime::ZERO.after(memsim_core::SimDuration::from_millis(100)),
        "{first_oom:?}"
    );
}

/// Only the work attempted is charged: compilation stops at a full code cache, and the methods
/// it never compiled do not exhaust the budget.
#[test]
fn work_cut_short_is_not_charged() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "1m"
max_events = 1000000
[machine]
ram = "8g"
[jvm]
reserved_code_cache = "8m"
[[phase]]
name = "compile everything at once"
duration = "1ms"
compiled_methods = 10000000
"#,
    ));
    assert!(!messages(&r, EventKind::CodeCacheFull).is_empty());
    assert!(
        messages(&r, EventKind::SimulationStopped).is_empty(),
        "{}",
        r.n_events
    );
    assert!(r.n_events < 1_000_000, "{}", r.n_events);
}
