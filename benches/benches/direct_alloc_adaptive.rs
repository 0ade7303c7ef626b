//! Direct-buffer allocate/free through the Netty 4.2.13 adaptive pool model, beside the Netty 4.1.48
//! model and a baseline that only pushes and pops handles in a `Vec` with the same hold pattern
//! (the program of `direct_alloc`). The real jar's cost on the same program is measured by
//! `tools/netty-replay/AllocCost.java` (README.md of this crate).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memsim_direct::netty41::{Netty41Config, Netty41Pool};
use memsim_direct::netty42adaptive::{AdaptiveConfig, AdaptivePool};
use memsim_direct::{DirectAccounting, DirectPool, NettyCap, ThreadKey};

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

/// The same program through the system allocator: `Vec::with_capacity` of the requested sizes
/// (the global allocator is the system's `malloc`/`free`, as an unpooled allocator's
/// `Unsafe.allocateMemory`), memory left untouched.
fn run_system_allocator(program: &[(u64, usize)]) -> u64 {
    let mut held: Vec<Vec<u8>> = Vec::with_capacity(64);
    let mut n = 0;
    for (size, keep) in program {
        held.push(Vec::with_capacity(*size as usize));
        n += held.last().map_or(0, |v| v.capacity() as u64);
        while held.len() > *keep {
            drop(std::hint::black_box(held.swap_remove(0)));
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let program = memsim_benches::alloc_program(100_000, 3);
    let mut g = c.benchmark_group("direct_alloc_free_adaptive");
    g.throughput(Throughput::Elements(program.len() as u64));
    g.bench_function("netty42_adaptive_pool", |b| {
        b.iter(|| {
            run_pool(
                AdaptivePool::new(AdaptiveConfig::for_max_heap(2, 1 << 30)),
                &program,
            )
        })
    });
    g.bench_function("netty41_pool", |b| {
        b.iter(|| run_pool(Netty41Pool::new(Netty41Config::with_arenas(4)), &program))
    });
    g.bench_function("system_allocator", |b| {
        b.iter(|| run_system_allocator(&program))
    });
    g.bench_function("baseline_vec_handles", |b| {
        b.iter(|| run_baseline(&program))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
