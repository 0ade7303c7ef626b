//! The JVM's and Netty's own errors, with their real messages, and the run carries on.

use crate::{messages, run_checked, scenario};
use memsim_core::{EventKind, Verdict};

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
