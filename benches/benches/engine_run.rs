//! The whole engine on a request-heavy scenario, beside a bare event loop doing the same number of
//! queue operations: the ratio is what the models cost per simulated event.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use memsim_core::SimRng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

fn bare_event_loop(n_events: u64) -> u64 {
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

fn bench(c: &mut Criterion) {
    let scenario = memsim_benches::request_scenario(10);
    let n_events = memsim_engine::run(&scenario, Default::default()).n_events;
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(n_events));
    g.sample_size(10);
    g.bench_function("memsim_run_10s_10k_rps", |b| {
        b.iter_batched(
            || (),
            |()| memsim_engine::run(&scenario, Default::default()),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("baseline_bare_event_loop", |b| {
        b.iter(|| bare_event_loop(n_events))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
