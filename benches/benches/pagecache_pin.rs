//! Page-cache pin/unpin through the Muninn-like model (`memsim_pagecache::cache`), each path beside
//! a baseline measured in the same run:
//! - hit path: 100,000 read pins of pages already cached (1,024 pages in a 4,096-page cache),
//!   against `baseline_hashmap_lookup`, the same number of lookups of page → frame in a `HashMap`
//!   plus a pin-count increment and decrement in a `Vec`;
//! - fault path: 100,000 read pins drawn uniformly from 8,192 pages through a 1,024-page cache (hit
//!   ratio about 1/8, so most pins fault and evict cooperatively), against
//!   `baseline_single_thread_clock`, a minimal single-threaded CLOCK cache (`HashMap` table, `Vec`
//!   of usage counters, Neo4j's evict-when-it-was-at-most-1 rule) doing the same lookups, faults and
//!   evictions with no concurrency protocol.
//!
//! The ratios are the cost of Muninn's thread-safe bookkeeping (state-word CAS, translation table
//! behind a lock, latches, free list, metrics) over the least a cache must do.
//!
//! - cold caches by size: building a 512 GiB cache and warming 64 MiB of it (8,192 faults), against
//!   `baseline_64mib_cache`, the same on a 64 MiB cache. Frames are allocated as grabs reach them,
//!   so the ratio should be about 1: a cache's cost follows the pages read, not its size (it was
//!   proportional to the size, 24 bytes per page, before).

use std::collections::HashMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memsim_core::SimRng;
use memsim_pagecache::cache::{CacheConfig, FileId, MuninnPageCache, PAGE_BYTES, PagedFile};

const N_PINS: usize = 100_000;

fn pages(n_pages: u64, seed: u64) -> Vec<u64> {
    let mut rng = SimRng::new(seed, 0);
    (0..N_PINS).map(|_| rng.below(n_pages)).collect()
}

fn muninn(cache_pages: u64) -> (MuninnPageCache, PagedFile) {
    let cache = MuninnPageCache::new(CacheConfig::with_pages(cache_pages)).expect("valid config");
    let file = cache.map_file(FileId(0), PAGE_BYTES).expect("valid file");
    (cache, file)
}

fn pin_all(cache: &MuninnPageCache, file: &PagedFile, program: &[u64]) -> u64 {
    let mut sum = 0;
    for &page in program {
        let pin = cache
            .pin_read(file, page)
            .expect("pins never fill the cache");
        sum += cache.read_stamp(&pin);
        cache.unpin(pin);
    }
    sum
}

/// The least a cache hit costs: a table lookup and a pin count up and down.
fn baseline_lookup(table: &HashMap<u64, u32>, pins: &mut [u32], program: &[u64]) -> u64 {
    let mut sum = 0;
    for page in program {
        let frame = table[page] as usize;
        pins[frame] += 1;
        sum += frame as u64;
        pins[frame] -= 1;
    }
    sum
}

/// A minimal single-threaded CLOCK cache.
struct ClockCache {
    table: HashMap<u64, u32>,
    frames: Vec<(u64, u8)>, // (page, usage)
    hand: usize,
    capacity: usize,
}

impl ClockCache {
    fn new(capacity: usize) -> ClockCache {
        ClockCache {
            table: HashMap::with_capacity(capacity),
            frames: Vec::with_capacity(capacity),
            hand: 0,
            capacity,
        }
    }

    fn pin(&mut self, page: u64) -> u32 {
        if let Some(&f) = self.table.get(&page) {
            let usage = &mut self.frames[f as usize].1;
            *usage = (*usage + 1).min(4);
            return f;
        }
        let f = if self.frames.len() < self.capacity {
            self.frames.push((page, 1));
            (self.frames.len() - 1) as u32
        } else {
            loop {
                let (victim, usage) = &mut self.frames[self.hand];
                let f = self.hand;
                self.hand = (self.hand + 1) % self.capacity;
                // Neo4j's rule, as the model's: decrement, and evict in the same visit when the
                // counter was at most 1 (`PageList.decrementUsage`).
                let was = *usage;
                *usage = was.saturating_sub(1);
                if was > 1 {
                    continue;
                }
                self.table.remove(victim);
                self.frames[f] = (page, 1);
                break f as u32;
            }
        };
        self.table.insert(page, f);
        f
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("pagecache_pin_hit");
    g.throughput(Throughput::Elements(N_PINS as u64));
    let hit_program = pages(1024, 1);
    let (cache, file) = muninn(4096);
    file.grow_to(1024);
    pin_all(&cache, &file, &(0..1024).collect::<Vec<_>>());
    g.bench_function("muninn_pin_unpin", |b| {
        b.iter(|| pin_all(&cache, &file, &hit_program))
    });
    let table: HashMap<u64, u32> = (0..1024).map(|p| (p, p as u32)).collect();
    let mut counts = vec![0u32; 1024];
    g.bench_function("baseline_hashmap_lookup", |b| {
        b.iter(|| baseline_lookup(&table, &mut counts, &hit_program))
    });
    g.finish();

    let mut g = c.benchmark_group("pagecache_pin_fault");
    g.throughput(Throughput::Elements(N_PINS as u64));
    let fault_program = pages(8192, 2);
    let (cache, file) = muninn(1024);
    file.grow_to(8192);
    pin_all(&cache, &file, &fault_program);
    g.bench_function("muninn_pin_unpin", |b| {
        b.iter(|| pin_all(&cache, &file, &fault_program))
    });
    let mut clock = ClockCache::new(1024);
    g.bench_function("baseline_single_thread_clock", |b| {
        b.iter(|| {
            fault_program
                .iter()
                .map(|&p| clock.pin(p) as u64)
                .sum::<u64>()
        })
    });
    g.finish();
    let m = cache.metrics();
    eprintln!(
        "fault path: muninn hit ratio {:.3} over {} pins",
        m.hit_ratio(),
        m.pins
    );
}

fn cold(c: &mut Criterion) {
    const WARM_PAGES: u64 = 8192;
    let build_and_warm = |cache_bytes: u64| {
        let cache = MuninnPageCache::new(CacheConfig::new(cache_bytes)).expect("valid config");
        let file = cache.map_file(FileId(0), PAGE_BYTES).expect("valid file");
        cache
            .scan(&file, 0, WARM_PAGES)
            .expect("no pins held")
            .faults
    };
    let mut g = c.benchmark_group("pagecache_cold");
    g.throughput(Throughput::Elements(WARM_PAGES));
    g.sample_size(20);
    g.bench_function("new_512gib_cache_warm_64mib", |b| {
        b.iter(|| build_and_warm(512 << 30))
    });
    g.bench_function("baseline_64mib_cache", |b| {
        b.iter(|| build_and_warm(64 << 20))
    });
    g.finish();
}

criterion_group!(benches, bench, cold);
criterion_main!(benches);
