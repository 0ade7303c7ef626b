//! Scenarios on `netty.model = "4.2.13-adaptive"`: Netty 4.2's default allocator in the engine.

use crate::{messages, run_checked, scenario};
use memsim_core::{Account, EventKind, Verdict};

fn traffic(model: &str, heap_max: &str, cap: &str) -> String {
    format!(
        r#"
[scenario]
duration = "2m"
[machine]
ram = "8g"
cores = 4
[jvm]
heap = {{ initial = "256m", max = "{heap_max}" }}
max_direct_memory = "{cap}"
[netty]
model = "{model}"
[[phase]]
name = "requests with 1-48 KiB buffers"
duration = "1m"
threads = 16
[phase.requests]
rate = "400/s"
buffer = "uniform(1k, 48k)"
hold = "exp(200ms)"
"#
    )
}

fn peak_direct(r: &memsim_core::RunSummary) -> u64 {
    r.samples
        .iter()
        .map(|s| s.accounts[Account::NettyDirect.index()].committed)
        .max()
        .unwrap_or(0)
}

/// The adaptive pool runs a scenario, is named in the parameters, and holds whole chunks: size-
/// classed chunks of 128–528 KiB and buddy chunks of a power of two, far fewer bytes than 4.1.48's
/// 16 MiB chunks per arena for the same traffic.
#[test]
fn adaptive_pool_serves_a_scenario() {
    let adaptive = run_checked(&scenario(&traffic("4.2.13-adaptive", "2g", "1g")));
    let pooled = run_checked(&scenario(&traffic("4.1.48", "2g", "1g")));
    assert_eq!(adaptive.verdict, Verdict::Fits);
    assert!(
        adaptive.parameters.contains(&(
            "netty_pool_model".to_string(),
            "4.2.13-adaptive".to_string()
        )),
        "{:?}",
        adaptive.parameters
    );
    let (a, p) = (peak_direct(&adaptive), peak_direct(&pooled));
    assert!(a > 0 && a < p, "adaptive {a} vs pooled {p}");
    // Chunk sizes are multiples of 8 KiB (128 KiB, 136 KiB, 256 KiB, 272 KiB, 512 KiB, 528 KiB, buddies).
    assert!(a % (8 << 10) == 0, "whole chunks: {a}");
}

/// Under a small cap the adaptive pool fails with Netty's counter message for one of its chunks.
#[test]
fn adaptive_pool_hits_the_cap_with_nettys_message() {
    let r = run_checked(&scenario(&traffic("4.2.13-adaptive", "2g", "2m")));
    let m = messages(&r, EventKind::OutOfDirectMemoryError);
    assert!(!m.is_empty(), "no failure under a 2 MiB cap");
    assert!(
        m[0].starts_with("io.netty.util.internal.OutOfDirectMemoryError: failed to allocate ")
            && m[0].ends_with(", max: 2097152)"),
        "{}",
        m[0]
    );
}

/// With the phase's threads as event-loop threads, each holds its own size-classed chunks: more
/// direct memory than the shared magazines for the same traffic, and freed at thread exit.
#[test]
fn event_loop_threads_hold_their_own_chunks() {
    let shared = run_checked(&scenario(&traffic("4.2.13-adaptive", "2g", "1g")));
    let own = run_checked(&scenario(&traffic(
        "4.2.13-adaptive-event-loop",
        "2g",
        "1g",
    )));
    assert!(
        own.parameters.contains(&(
            "netty_pool_model".to_string(),
            "4.2.13-adaptive-event-loop".to_string()
        )),
        "{:?}",
        own.parameters
    );
    assert!(
        peak_direct(&own) > peak_direct(&shared),
        "{} vs {}",
        peak_direct(&own),
        peak_direct(&shared)
    );
}

/// At a heap of 512 MiB or less (the low-memory mode) buffers above 16,896 bytes are not pooled.
#[test]
fn low_memory_mode_follows_the_max_heap() {
    let low = run_checked(&scenario(&traffic("4.2.13-adaptive", "512m", "1g")));
    let high = run_checked(&scenario(&traffic("4.2.13-adaptive", "513m", "1g")));
    assert_ne!(peak_direct(&low), peak_direct(&high));
}
