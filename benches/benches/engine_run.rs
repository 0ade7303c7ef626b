//! The whole engine on a request-heavy scenario, beside a bare event loop doing the same number of
//! queue operations: the ratio is what the models cost per simulated event. And a database scenario
//! beside the same operations on `memsim_pagecache::Database` directly.
//!
//! A *simulated event* is what `RunSummary::n_events` counts (`report.json`'s `n_events`): every
//! event the engine's loop pops (a request's arrival and its release, a phase's start and end, a
//! 100 ms tick of continuous work, a sample, a database tick...) plus every unit of work done
//! inside one (each page pinned, class loaded, method compiled, 1 MiB of direct buffers
//! allocated), each charged to `max_events`. On the request load below it is the loop's events
//! alone: two per request (arrival, release), ten work ticks and one sample a second.
//!
//! `engine_scaling` runs the same load for 10 s and for 100 s: ten times the events should cost
//! ten times the time (the target: at most eleven), nothing in the engine growing with the run.
//! `engine_sims/neo4j_12g_oom` is the engine alone (no reports) on the bundled scenario.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use memsim_benches::bare_event_loop;
use memsim_core::SimRng;

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

    // The database through the engine, beside the same operations on the library directly: the
    // ratio is what the engine adds (events, ledger, samples, snapshots, tx state on the heap).
    let db = memsim_benches::db_scenario();
    let mut g = c.benchmark_group("engine_db");
    g.throughput(Throughput::Elements(1_000_000));
    g.sample_size(10);
    g.bench_function("memsim_run_100k_nodes_1m_reads", |b| {
        b.iter(|| memsim_engine::run(&db, Default::default()))
    });
    g.bench_function("baseline_database_direct", |b| {
        b.iter(|| {
            use memsim_pagecache::{Database, DatabaseConfig};
            let t = memsim_core::SimTime::ZERO;
            let mut d = Database::new(DatabaseConfig::new(64 << 20)).expect("valid");
            d.create_nodes(t, 100_000, 1, 1).expect("no limit");
            d.checkpoint(t);
            let mut rng = SimRng::new(1, 3);
            // 200 work ticks of 5,000 reads, as the engine applies them.
            for _ in 0..200 {
                d.read_working_set(t, u64::MAX, 5_000, &mut rng);
            }
            d.report().page_cache.hits
        })
    });
    g.finish();
}

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine_scaling");
    g.sample_size(10);
    for seconds in [10, 100] {
        let scenario = memsim_benches::request_scenario(seconds);
        let n_events = memsim_engine::run(&scenario, Default::default()).n_events;
        g.throughput(Throughput::Elements(n_events));
        g.bench_function(format!("memsim_run_{seconds}s_10k_rps"), |b| {
            b.iter(|| memsim_engine::run(&scenario, Default::default()))
        });
    }
    g.finish();
}

fn sims(c: &mut Criterion) {
    let scenario = memsim_scenario::parse(
        include_str!("../../sims/neo4j-12g-oom.toml"),
        "neo4j-12g-oom.toml",
    )
    .expect("the bundled scenario is valid");
    let n_events = memsim_engine::run(&scenario, Default::default()).n_events;
    let mut g = c.benchmark_group("engine_sims");
    g.throughput(Throughput::Elements(n_events));
    g.sample_size(10);
    g.bench_function("neo4j_12g_oom", |b| {
        b.iter(|| memsim_engine::run(&scenario, Default::default()))
    });
    g.finish();
}

criterion_group!(benches, bench, scaling, sims);
criterion_main!(benches);
