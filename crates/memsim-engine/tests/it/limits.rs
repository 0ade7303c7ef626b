//! The memory limit: machine RAM, OS reservation, container limits, and the kill's report.

use crate::{messages, run_checked, scenario};
use memsim_core::{EventKind, Verdict};

const BASE: &str = r#"
[scenario]
duration = "2m"
[jvm]
heap = { initial = "1g", max = "1g" }
always_pre_touch = true
[[phase]]
name = "load"
duration = "1m"
threads = 10
page_cache_touch = "4g"
[page_cache]
size = "3g"
"#;

#[test]
fn machine_limit_kills_when_resident_passes_it() {
    let r = run_checked(&scenario(&format!("{BASE}\n[machine]\nram = \"4g\"\n")));
    assert_eq!(r.verdict, Verdict::OomKilled);
    let kill = messages(&r, EventKind::OomKilled);
    assert_eq!(kill.len(), 1);
    assert!(kill[0].starts_with("Out of memory: Killed process (java)"));
    assert!(kill[0].contains("Page Cache"));
    assert_eq!(r.limit_bytes, 4 << 30);
    assert!(r.ended_at.0 < 60_000_000_000);
}

#[test]
fn container_limit_is_a_cgroup_kill() {
    let r = run_checked(&scenario(&format!(
        "{BASE}\n[machine]\nram = \"64g\"\ncontainer_limit = \"3g\"\n"
    )));
    assert_eq!(r.verdict, Verdict::OomKilled);
    assert_eq!(r.limit_bytes, 3 << 30);
    assert!(
        messages(&r, EventKind::OomKilled)[0]
            .starts_with("Memory cgroup out of memory: Killed process (java)")
    );
}

#[test]
fn os_reservation_lowers_the_limit() {
    let fits = run_checked(&scenario(&format!("{BASE}\n[machine]\nram = \"4.5g\"\n")));
    assert_ne!(
        fits.verdict,
        Verdict::OomKilled,
        "peak {}",
        fits.peak_resident_bytes
    );
    let killed = run_checked(&scenario(&format!(
        "{BASE}\n[machine]\nram = \"4.5g\"\nos_reserved = \"512m\"\n"
    )));
    assert_eq!(killed.verdict, Verdict::OomKilled);
}

#[test]
fn over_budget_is_between_configuration_and_limit() {
    let r = run_checked(&scenario(&format!("{BASE}\n[machine]\nram = \"8g\"\n")));
    // 1g heap + 3g page cache configured; GC, threads, CDS, libraries, … come on top.
    assert_eq!(r.configured_bytes, 4 << 30);
    assert_eq!(r.verdict, Verdict::OverBudget);
    assert!(r.peak_resident_bytes > r.configured_bytes && r.peak_resident_bytes <= r.limit_bytes);
}

const INDEX: &str = r#"
[scenario]
duration = "2m"
sample_every = "1s"
[machine]
ram = "64g"
container_limit = "8g"
[jvm]
heap = { initial = "3g", max = "3g" }
always_pre_touch = true
[[phase]]
name = "index"
duration = "1m"
threads = 10
mapped_files = "12g"
"#;

#[test]
fn a_hot_index_that_does_not_fit_beside_the_heap_thrashes_but_lives() {
    let r = run_checked(&scenario(&format!("{INDEX}mapped_files_hot = \"6g\"\n")));
    assert_eq!(r.verdict, Verdict::Thrashing);
    let since = r.pressure.thrashing_since.expect("thrashing");
    // The hot part is read over the minute with the rest: 3 GiB of heap + the JVM's ~0.1 GiB leave
    // room for 4.9 GiB of it, read by 49 s.
    assert!(
        since.0 > 45_000_000_000 && since.0 < 52_000_000_000,
        "{since}"
    );
    let ev = messages(&r, EventKind::Thrashing);
    assert_eq!(ev.len(), 1);
    assert!(
        ev[0].starts_with("thrashing: reclaim takes the file pages"),
        "{}",
        ev[0]
    );
    assert!(messages(&r, EventKind::OomKilled).is_empty());
}

#[test]
fn an_index_written_through_its_mapping_waits_for_writeback_and_lives() {
    let text = INDEX.replace("duration = \"1m\"", "duration = \"10s\"");
    let r = run_checked(&scenario(&format!("{text}mapped_files_written = true\n")));
    assert!(messages(&r, EventKind::OomKilled).is_empty());
    // 12 GiB dirtied in 10 s, 200 MiB/s written back: past the room beside the heap the writer waits.
    assert!(r.pressure.writeback_wait_nanos > 0);
    assert!(
        r.samples
            .iter()
            .all(|s| s.charge.charge_bytes <= r.limit_bytes)
    );
    assert!(r.samples.iter().any(|s| s.charge.dirty_bytes > 0));
}

#[test]
fn the_charge_counts_kernel_memory_per_thread_and_files_written() {
    let r = run_checked(&scenario(
        r#"
[scenario]
duration = "10s"
[machine]
ram = "64g"
[jvm]
heap = { initial = "256m", max = "256m" }
[[phase]]
name = "writes"
duration = "5s"
threads = 1000
written_files = "1g"
"#,
    ));
    let last = r.samples.iter().find(|s| s.at.0 == 4_000_000_000).unwrap();
    assert!(
        last.charge.kernel_bytes > 1000 * 23 * 1024,
        "{:?}",
        last.charge
    );
    // The written file is page cache: in the charge, not in RSS (0.8 GiB of it written by 4 s).
    assert!(
        last.charge.file_bytes >= (8 << 30) / 10,
        "{:?}",
        last.charge
    );
    assert!(last.charge.charge_bytes > last.resident_total() + (8 << 30) / 10);
    assert_eq!(r.verdict, Verdict::Fits);
}
