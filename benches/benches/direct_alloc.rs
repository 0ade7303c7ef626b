//! Direct-buffer allocate/free through both pool models (Netty 4.1.48 exact, and the first
//! approximation), beside a baseline that only pushes and pops handles in a `Vec` with the same hold
//! pattern: the ratios are each model's bookkeeping cost.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memsim_direct::netty41::{Netty41Config, Netty41Pool};
use memsim_direct::{DirectAccounting, DirectPool, NettyCap, PoolConfig, SimplePool, ThreadKey};

fn run_pool(mut pool: impl DirectPool, program: &[(u64, usize)]) -> u64 {
    let mut acct = DirectAccounting::new(NettyCap::Counter { limit: 1 << 40 }, 1 << 40);
    let mut held = Vec::with_capacity(64);
    for (i, (size, keep)) in program.iter().enumerate() {
        let t = ThreadKey((i % 8) as u32);
        if let Ok(h) = pool.allocate(&mut acct, t, *size) {
            held.push(h);
        }
        while held.len() > *keep {
            let h = held.swap_remove(0);
            pool.free(&mut acct, t, h);
        }
    }
    pool.used_memory()
}

fn run_baseline(program: &[(u64, usize)]) -> u64 {
    let mut held: Vec<u64> = Vec::with_capacity(64);
    let mut sum = 0;
    for (size, keep) in program {
        held.push(*size);
        while held.len() > *keep {
            sum += held.swap_remove(0);
        }
    }
    sum
}

fn bench(c: &mut Criterion) {
    let program = memsim_benches::alloc_program(100_000, 3);
    let mut g = c.benchmark_group("direct_alloc_free");
    g.throughput(Throughput::Elements(program.len() as u64));
    g.bench_function("netty41_pool", |b| {
        b.iter(|| run_pool(Netty41Pool::new(Netty41Config::with_arenas(4)), &program))
    });
    g.bench_function("simple_pool", |b| {
        b.iter(|| {
            run_pool(
                SimplePool::new(PoolConfig {
                    page_size: 8192,
                    max_order: 11,
                    n_arenas: 4,
                }),
                &program,
            )
        })
    });
    g.bench_function("baseline_vec_handles", |b| {
        b.iter(|| run_baseline(&program))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
