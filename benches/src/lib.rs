//! Shared inputs for memsim's criterion benches (see `benches/README.md`).
#![deny(missing_docs)]

use memsim_core::SimRng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The baseline the engine is measured beside: a bare discrete-event loop doing `n_events` events
/// with trivial work. Each pops the earliest of a `BinaryHeap` of (time, sequence) keys and
/// schedules two more at exponential gaps (a ChaCha8 draw each) while fewer than 1,024 wait, as
/// a request load keeps some hundreds pending. Returns a value depending on every event, so the
/// loop cannot be optimised away.
pub fn bare_event_loop(n_events: u64) -> u64 {
    let mut rng = SimRng::new(1, 0);
    let mut q = BinaryHeap::new();
    let (mut seq, mut now, mut processed) = (0u64, 0u64, 0u64);
    q.push(Reverse((0u64, 0u64)));
    while let Some(Reverse((at, _))) = q.pop() {
        now = at;
        processed += 1;
        if processed >= n_events {
            break;
        }
        for _ in 0..2 {
            seq += 1;
            if q.len() < 1024 {
                q.push(Reverse((now + rng.exponential(100_000.0) as u64, seq)));
            }
        }
    }
    processed + now % 2
}

/// A request-only scenario: `n_requests` arrivals at 10,000/s on 64 threads, lognormal buffers.
pub fn request_scenario(seconds: u64) -> memsim_scenario::Scenario {
    let text = format!(
        r#"
[scenario]
name = "bench"
duration = "{seconds}s"
sample_every = "1s"
[machine]
ram = "64g"
cores = 8
[jvm]
heap = {{ initial = "4g", max = "4g" }}
[[phase]]
name = "requests"
duration = "{seconds}s"
threads = 64
[phase.requests]
rate = "10000/s"
buffer = "lognormal(median=16k, sigma=1.0)"
hold = "exp(50ms)"
heap = "64k"
"#
    );
    memsim_scenario::parse(&text, "bench.toml").expect("the bench scenario is valid")
}

/// A database scenario: 100k nodes with a label and a property created, a checkpoint, then
/// 1,000,000 reads of them over 20 s against a 64 MiB page cache (no JVM workload beyond the heap).
pub fn db_scenario() -> memsim_scenario::Scenario {
    let text = r#"
[scenario]
name = "bench-db"
duration = "30s"
sample_every = "1s"
[machine]
ram = "16g"
[jvm]
heap = { initial = "1g", max = "1g" }
[page_cache]
size = "64m"
[[phase]]
name = "create"
duration = "5s"
db = { op = "create_nodes", count = 100_000 }
[[phase]]
name = "checkpoint"
duration = "1s"
db = { op = "checkpoint" }
[[phase]]
name = "read"
duration = "20s"
db = { op = "read", reads = 1_000_000 }
"#;
    memsim_scenario::parse(text, "bench-db.toml").expect("the bench scenario is valid")
}

/// A deterministic program of buffer sizes (mostly 256 B–64 KiB, some to 1 MiB) and hold lengths.
pub fn alloc_program(n: usize, seed: u64) -> Vec<(u64, usize)> {
    let mut rng = SimRng::new(seed, 0);
    (0..n)
        .map(|_| {
            let size = if rng.below(20) == 0 {
                1 + rng.below(1 << 20)
            } else {
                256 + rng.below(64 << 10)
            };
            (size, rng.below(64) as usize)
        })
        .collect()
}
