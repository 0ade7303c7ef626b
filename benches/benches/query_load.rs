//! Queries that read store pages (`memsim_pagecache::reads`, the engine's `page_reads`), each
//! beside a baseline measured in the same run:
//! - `query_pins`: 100,000 page reads through `Database::read_pages` (pin, CLOCK usage, unpin; faults
//!   evict cooperatively), on a warm working set that fits (hit path) and on a Zipf(1) working set
//!   twice the cache (faults and evictions), against `baseline_draws_and_hashmap`: the same page
//!   draws from the same seeded stream, each looked up in a `HashMap` with a pin count up and down
//!   in a `Vec` (the least a cache hit costs, and the draws' own cost).
//! - `engine_query_load`: the whole engine on 10 s of 2,000 requests/s, each reading 20 pages of a
//!   Zipf(1) working set twice a 64 MiB cache (about 400,000 pins), against
//!   `baseline_database_read_pages`: the same 20,000 requests' pins through `Database::read_pages`
//!   directly, 20 at a time. The ratio is what the engine adds per request (arrival events,
//!   heap, the ledger, samples and snapshots).

use std::collections::HashMap;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use memsim_core::{SimRng, SimTime, ZipfRanks};
use memsim_pagecache::{Database, DatabaseConfig, PageReadLoad, SkewSpec};

const N_PINS: u64 = 100_000;
const MIB: u64 = 1 << 20;

/// The baseline: the same draws as the load's, a table lookup and a pin count up and down.
fn baseline(table: &HashMap<u64, u32>, pins: &mut [u32], draw: &mut dyn FnMut() -> u64) -> u64 {
    let mut sum = 0;
    for _ in 0..N_PINS {
        let page = draw();
        let frame = table.get(&page).copied().unwrap_or(0) as usize;
        pins[frame] += 1;
        sum += frame as u64;
        pins[frame] -= 1;
    }
    sum
}

fn query_pins(c: &mut Criterion) {
    let mut g = c.benchmark_group("query_pins");
    g.throughput(Throughput::Elements(N_PINS));
    // Hit path: 4 MiB (512 pages) read uniformly in an 8 MiB cache, warmed first.
    let fits = PageReadLoad::new(4 * MIB, SkewSpec::Uniform, 0).expect("valid");
    g.bench_function("hit_path_read_pages", |b| {
        b.iter_batched_ref(
            || {
                let mut db = Database::new(DatabaseConfig::new(8 * MIB)).expect("valid");
                db.warm(SimTime::ZERO, 4 * MIB);
                (db, SimRng::new(1, 0))
            },
            |(db, rng)| db.read_pages(SimTime::ZERO, &fits, N_PINS, rng).hits,
            BatchSize::LargeInput,
        )
    });
    let table: HashMap<u64, u32> = (0..1024u64).map(|p| (p, p as u32)).collect();
    g.bench_function("hit_path_baseline_draws_and_hashmap", |b| {
        b.iter_batched_ref(
            || (SimRng::new(1, 0), vec![0u32; 1024]),
            |(rng, pins)| baseline(&table, pins, &mut || rng.below(512)),
            BatchSize::LargeInput,
        )
    });
    // Fault path: Zipf(1) over 16 MiB (2,048 pages) through an 8 MiB cache.
    let twice = PageReadLoad::new(16 * MIB, SkewSpec::Zipf(1.0), 0).expect("valid");
    g.bench_function("zipf_twice_the_cache_read_pages", |b| {
        b.iter_batched_ref(
            || {
                let mut db = Database::new(DatabaseConfig::new(8 * MIB)).expect("valid");
                let mut rng = SimRng::new(2, 0);
                db.read_pages(SimTime::ZERO, &twice, N_PINS, &mut rng);
                (db, rng)
            },
            |(db, rng)| db.read_pages(SimTime::ZERO, &twice, N_PINS, rng).faults,
            BatchSize::LargeInput,
        )
    });
    let zipf = ZipfRanks::new(2048, 1.0).expect("valid");
    g.bench_function("zipf_baseline_draws_and_hashmap", |b| {
        b.iter_batched_ref(
            || (SimRng::new(2, 0), vec![0u32; 2048]),
            |(rng, pins)| baseline(&table, pins, &mut || rng.zipf_rank(&zipf)),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn query_scenario() -> memsim_scenario::Scenario {
    let text = r#"
[scenario]
name = "bench-query-load"
duration = "10s"
sample_every = "1s"
[machine]
ram = "8g"
cores = 4
[jvm]
heap = { initial = "1g", max = "1g" }
[page_cache]
size = "64m"
[[phase]]
name = "queries"
duration = "10s"
threads = 32
requests = { rate = "2000/s", hold = "exp(5ms)", page_reads = 20, working_set = "128m", zipf = 1.0 }
"#;
    memsim_scenario::parse(text, "bench.toml").expect("the bench scenario is valid")
}

fn engine_query_load(c: &mut Criterion) {
    let s = query_scenario();
    let mut g = c.benchmark_group("engine_query_load");
    g.throughput(Throughput::Elements(20_000 * 20));
    g.sample_size(10);
    g.bench_function("memsim_run_10s_2k_rps_20_pages", |b| {
        b.iter(|| memsim_engine::run(&s, Default::default()))
    });
    let load = PageReadLoad::new(128 * MIB, SkewSpec::Zipf(1.0), 0).expect("valid");
    g.bench_function("baseline_database_read_pages", |b| {
        b.iter(|| {
            let mut db = Database::new(DatabaseConfig::new(64 * MIB)).expect("valid");
            let mut rng = SimRng::new(1, 1);
            for _ in 0..20_000 {
                db.read_pages(SimTime::ZERO, &load, 20, &mut rng);
            }
            db.page_cache().metrics().hits
        })
    });
    g.finish();
}

criterion_group!(benches, query_pins, engine_query_load);
criterion_main!(benches);
