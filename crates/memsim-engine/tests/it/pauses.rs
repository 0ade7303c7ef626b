//! Stop-the-world pauses stop the application: requests in flight keep their buffers through a
//! pause, requests arriving during it are read when it ends.

use super::{run_checked, scenario};
use memsim_core::{Account, GcKind, SimDuration};

/// Serial with a 6 GiB live set loaded in one second: young collections copying gigabytes stop the
/// world for hundreds of milliseconds while a JDK-direct request stream (1000/s, 64 KiB held 20 ms,
/// ~1.3 MiB in flight) runs; sampled every 10 ms.
const LOAD_UNDER_TRAFFIC: &str = r#"
[scenario]
name = "long pauses"
seed = 3
duration = "4s"
sample_every = "10ms"

[machine]
ram = "16g"
cores = 2

[jvm]
gc = "serial"
heap = { initial = "8g", max = "8g" }

[[phase]]
name = "traffic"
start = "0s"
duration = "4s"
threads = 20
requests = { rate = "1000/s", buffer = "64k", hold = "20ms", direct = "jdk" }

[[phase]]
name = "load"
start = "1s"
duration = "1s"
heap_live = "6g"
"#;

#[test]
fn in_flight_buffers_are_held_through_a_pause_and_arrivals_wait_for_its_end() {
    let r = run_checked(&scenario(LOAD_UNDER_TRAFFIC));
    let longest = GcKind::ALL
        .iter()
        .filter_map(|k| r.gc.of(*k))
        .map(|p| p.max)
        .max()
        .unwrap();
    assert!(longest > SimDuration::from_millis(300), "{:?}", r.gc);
    let jdk: Vec<u64> = r
        .samples
        .iter()
        .map(|s| s.accounts[Account::JdkDirect.index()].resident)
        .collect();
    // During a pause nothing is released and nothing allocated: JDK direct usage stays what it was
    // when the pause began, over samples spanning most of the longest pause. With requests carrying
    // on through the pause it changes nearly every 10 ms.
    let mut run = 0;
    let mut longest_run = 0;
    for w in jdk.windows(2) {
        run = if w[0] == w[1] && w[0] > 0 { run + 1 } else { 0 };
        longest_run = longest_run.max(run);
    }
    let held = SimDuration::from_millis(10 * longest_run as u64);
    assert!(
        held.nanos() * 10 >= longest.nanos() * 8,
        "usage unchanged for {held:?} of a {longest:?} pause"
    );
    // The requests that arrived during it are read when it ends, together: in flight then are many
    // times the ~20 of steady traffic.
    let mut sorted = jdk.clone();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    let max = *sorted.last().unwrap();
    assert!(
        median > 0 && max > 10 * median,
        "max {max}, median {median}"
    );
    // Every request arrived before the end was served, the pauses being over by then.
    let counter = |n: &str| r.counters.iter().find(|c| c.0 == n).unwrap().1;
    assert_eq!(r.gc.pause_past_end, SimDuration::ZERO);
    assert!(
        r.gc.pause_percent > 5.0 && r.gc.pause_percent < 100.0,
        "{}",
        r.gc.pause_percent
    );
    assert_eq!(counter("requests_failed"), 0);
    assert!(counter("requests_completed") + 60 >= counter("requests_started"));
}
