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
