//! Direct-buffer allocate/free through the pool models (Netty 4.1.48 exact, Netty 4.1.118 exact
//! with its default of no caches for plain threads and with caches on, and the first
//! approximation), beside two baselines with the same hold pattern: a `Vec` that only pushes and
//! pops sizes (the ratios are each model's bookkeeping cost) and the system allocator's
//! `malloc`/`free` of the same sizes (what a real allocation costs the machine; pages untouched).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memsim_direct::netty41::{Netty41Config, Netty41Pool};
use memsim_direct::netty4118::{Netty4118Config, Netty4118Pool};
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

/// The same program through the system allocator: `Vec::with_capacity` is one `malloc` (Rust's
/// global allocator is the platform's), its drop one `free`; the memory is not touched.
fn run_system_malloc(program: &[(u64, usize)]) -> u64 {
    let mut held: Vec<Vec<u8>> = Vec::with_capacity(64);
    let mut sum = 0;
    for (size, keep) in program {
        held.push(Vec::with_capacity(*size as usize));
        while held.len() > *keep {
            sum += held.swap_remove(0).capacity() as u64;
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
    g.bench_function("netty4118_pool", |b| {
        b.iter(|| {
            run_pool(
                Netty4118Pool::new(Netty4118Config::with_arenas(4)),
                &program,
            )
        })
    });
    g.bench_function("netty4118_pool_cached", |b| {
        b.iter(|| {
            let cfg = Netty4118Config {
                use_cache_for_all_threads: true,
                ..Netty4118Config::with_arenas(4)
            };
            run_pool(Netty4118Pool::new(cfg), &program)
        })
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
    g.bench_function("baseline_system_malloc_free", |b| {
        b.iter(|| run_system_malloc(&program))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
