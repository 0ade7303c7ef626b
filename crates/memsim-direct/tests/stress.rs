//! Stress test: the shared Netty pool and its counter on real OS threads.
//!
//! Eight threads run 20,000 random operations each on one [`SharedPool`] (two arenas, 32 KiB
//! chunks, small caches, a cap that is hit now and then), in eight rounds, each a fresh pool and
//! seed: allocations of every size class, frees of their own buffers, buffers handed to other
//! threads over bounded crossbeam channels and freed there (into the allocating thread's cache, or
//! its arena), trims, and exits followed by a new registration (so buffers outlive the handle that
//! allocated them). Every live buffer is entered in a registry that refuses overlapping placements
//! in a chunk. After every operation the counter may exceed the limit only by attempts in flight.
//! Every 500 operations all threads meet at a barrier and one checks the quiescent pool: arena
//! invariants, counter = chunk bytes ≤ limit, active bytes = the registry's. At the end everything
//! is freed and every handle exits, and what is left must be only what Netty keeps on purpose.
//! A second test hammers [`AtomicDirectCounter`] alone, checking that granted bytes never pass the
//! limit and that every rollback is exact.
//!
//! The seeds are fixed and printed; `STRESS_SEED=n` changes them. The interleaving is the OS's, so
//! a failure prints its seed but may need several runs to repeat.

// Under `memsim_loom` the pool's atomics are loom's, usable only inside `loom::model`.
#![cfg(not(memsim_loom))]

use crossbeam::channel::{Receiver, Sender, TrySendError, bounded};
use memsim_direct::netty41::{Netty41Config, Placement};
use memsim_direct::{AtomicDirectCounter, DirectAllocError, SharedBuf, SharedPool};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

const N_THREADS: usize = 8;
const N_OPS: usize = 20_000;
const PAUSE_EVERY: usize = 500;
const N_SHARDS: u64 = 64;
const INBOX_MAX: usize = 8;
/// Rounds of the pool test, each a fresh pool with the next seed.
const N_ROUNDS: u64 = 8;

/// SplitMix64: a seeded stream per thread.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Live buffers by chunk, sharded: `[offset, end)` ranges that must never overlap.
struct Registry {
    shards: Vec<Mutex<BTreeMap<u64, BTreeMap<u64, u64>>>>,
}

impl Registry {
    fn new() -> Registry {
        Registry {
            shards: (0..N_SHARDS).map(|_| Mutex::new(BTreeMap::new())).collect(),
        }
    }

    fn insert(&self, p: &Placement) {
        let mut shard = self.shards[(p.chunk % N_SHARDS) as usize].lock().unwrap();
        let ranges = shard.entry(p.chunk).or_default();
        let (start, end) = (p.offset, p.offset + p.norm_size);
        if let Some((s, e)) = ranges.range(..end).next_back() {
            assert!(
                *e <= start,
                "handed out twice: {p:?} overlaps live [{s}, {e}) of chunk {}",
                p.chunk
            );
        }
        ranges.insert(start, end);
    }

    fn remove(&self, p: &Placement) {
        let mut shard = self.shards[(p.chunk % N_SHARDS) as usize].lock().unwrap();
        let ranges = shard.get_mut(&p.chunk).expect("chunk of a live buffer");
        assert_eq!(ranges.remove(&p.offset), Some(p.offset + p.norm_size));
        if ranges.is_empty() {
            shard.remove(&p.chunk);
        }
    }

    fn live_bytes(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap()
                    .values()
                    .flat_map(|r| r.iter())
                    .map(|(s, e)| e - s)
                    .sum::<u64>()
            })
            .sum()
    }
}

fn config() -> Netty41Config {
    Netty41Config {
        page_size: 4096,
        max_order: 3,
        n_arenas: 2,
        tiny_cache_size: 8,
        small_cache_size: 8,
        normal_cache_size: 2,
        use_cache_for_all_threads: true,
    }
}

fn random_size(rng: &mut Rng, chunk: u64) -> u64 {
    match rng.below(100) {
        0..=39 => 1 + rng.below(511),
        40..=69 => 512 + rng.below(4096 - 512),
        70..=96 => 4096 + rng.below(chunk - 4096 + 1),
        _ => chunk + 1 + rng.below(chunk),
    }
}

#[derive(Default)]
struct Tally {
    failures: AtomicU64,
    cross_frees: AtomicU64,
    exits: AtomicU64,
    above_limit_seen: AtomicU64,
}

struct Shared {
    pool: SharedPool,
    registry: Registry,
    barrier: Barrier,
    tally: Tally,
    pauses: AtomicUsize,
}

impl Shared {
    /// Run by one thread while all others wait at the barrier: no operation is in flight.
    fn check_quiescent(&self) {
        let pool = &self.pool;
        pool.check_invariants().unwrap();
        let counter = pool.counter();
        assert_eq!(counter.used(), pool.used_memory(), "counter = chunk bytes");
        assert!(counter.used() <= counter.limit());
        assert_eq!(pool.active_bytes(), self.registry.live_bytes());
        self.pauses.fetch_add(1, Ordering::Relaxed);
    }
}

fn worker(
    me: usize,
    seed: u64,
    shared: Arc<Shared>,
    inbox: Receiver<SharedBuf>,
    peers: Vec<Sender<SharedBuf>>,
) {
    let mut rng = Rng(seed ^ (me as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let pool = &shared.pool;
    let chunk = pool.config().chunk_size();
    let limit = pool.counter().limit();
    // A failing attempt of each other thread may be in flight between its add and its rollback.
    let slack = N_THREADS as u64 * 2 * chunk;
    let mut handle = pool.register_thread();
    let mut held: Vec<SharedBuf> = Vec::new();
    let free = |buf: SharedBuf| {
        shared.registry.remove(&buf.placement());
        pool.free(buf);
    };
    for i in 1..=N_OPS {
        while let Ok(buf) = inbox.try_recv() {
            held.push(buf);
        }
        // Threads hold up to about 16 buffers each, so the cap is hit now and then, not always.
        let roll = if held.len() >= 16 {
            45 + rng.below(50)
        } else {
            rng.below(100)
        };
        match roll {
            0..=44 => match handle.allocate(random_size(&mut rng, chunk)) {
                Ok(buf) => {
                    shared.registry.insert(&buf.placement());
                    held.push(buf);
                }
                Err(DirectAllocError::OutOfDirectMemory {
                    requested,
                    used,
                    max,
                }) => {
                    assert_eq!(max, limit);
                    assert!(used + requested > limit, "refused {requested} at {used}");
                    shared.tally.failures.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => panic!("unexpected {e}"),
            },
            45..=79 if !held.is_empty() => {
                let buf = held.swap_remove(rng.below(held.len() as u64) as usize);
                free(buf);
            }
            80..=94 if !held.is_empty() => {
                let buf = held.swap_remove(rng.below(held.len() as u64) as usize);
                let to = (me + 1 + rng.below(N_THREADS as u64 - 1) as usize) % N_THREADS;
                // Inboxes are bounded, so a descheduled thread does not pile up buffers.
                match peers[to].try_send(buf) {
                    Ok(()) => {
                        shared.tally.cross_frees.fetch_add(1, Ordering::Relaxed);
                        // Not synchronisation: it lets the receiver run, for more interleavings
                        // on a machine with fewer cores than threads.
                        thread::yield_now();
                    }
                    Err(TrySendError::Full(buf)) => free(buf),
                    Err(TrySendError::Disconnected(_)) => panic!("peers live until the end"),
                }
            }
            95..=97 => handle.trim(),
            98 => {
                handle.exit();
                handle = pool.register_thread();
                shared.tally.exits.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        let used = pool.counter().used();
        assert!(
            used <= limit + slack,
            "counter {used} beyond limit {limit} + in-flight attempts"
        );
        if used > limit {
            shared
                .tally
                .above_limit_seen
                .fetch_add(1, Ordering::Relaxed);
        }
        if i % PAUSE_EVERY == 0 {
            if shared.barrier.wait().is_leader() {
                shared.check_quiescent();
            }
            shared.barrier.wait();
        }
    }
    // Nobody sends after this barrier, so an emptied inbox stays empty.
    shared.barrier.wait();
    while let Ok(buf) = inbox.try_recv() {
        held.push(buf);
    }
    for buf in held {
        free(buf);
    }
    handle.exit();
}

#[test]
fn shared_pool_under_eight_threads_keeps_its_invariants() {
    let seed: u64 = std::env::var("STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED);
    for round in 0..N_ROUNDS {
        let seed = seed.wrapping_add(round);
        eprintln!(
            "stress seed={seed} (rerun: STRESS_SEED={seed} cargo test --release -p memsim-direct --test stress)"
        );
        run_round(seed);
    }
}

/// One pool, eight threads, 20,000 operations each; then everything must come back.
fn run_round(seed: u64) {
    let cfg = config();
    let limit = 40 * cfg.chunk_size();
    let shared = Arc::new(Shared {
        pool: SharedPool::new(cfg, limit),
        registry: Registry::new(),
        barrier: Barrier::new(N_THREADS),
        tally: Tally::default(),
        pauses: AtomicUsize::new(0),
    });
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..N_THREADS).map(|_| bounded(INBOX_MAX)).unzip();
    let workers: Vec<_> = receivers
        .into_iter()
        .enumerate()
        .map(|(me, inbox)| {
            let (shared, peers) = (shared.clone(), senders.clone());
            thread::spawn(move || worker(me, seed, shared, inbox, peers))
        })
        .collect();
    drop(senders);
    for w in workers {
        w.join().expect("a worker failed");
    }

    let pool = &shared.pool;
    let t = &shared.tally;
    let counters = pool.counters();
    eprintln!(
        "allocations {} failures {} cross-thread frees {} exits {} counter above limit seen {} chunks created {}",
        counters.allocations,
        t.failures.load(Ordering::Relaxed),
        t.cross_frees.load(Ordering::Relaxed),
        t.exits.load(Ordering::Relaxed),
        t.above_limit_seen.load(Ordering::Relaxed),
        counters.chunks_created,
    );
    assert_eq!(shared.pauses.load(Ordering::Relaxed), N_OPS / PAUSE_EVERY);
    assert!(
        t.failures.load(Ordering::Relaxed) > 0,
        "the cap was never hit"
    );
    assert!(t.cross_frees.load(Ordering::Relaxed) > 0 && t.exits.load(Ordering::Relaxed) > 0);

    // Everything came back: no live buffer, no thread cache, and the counter holds exactly the
    // chunks left, which are empty qInit chunks or hold only pinned last-subpage pages.
    pool.check_invariants().unwrap();
    assert_eq!(pool.active_bytes(), 0);
    assert_eq!(shared.registry.live_bytes(), 0);
    assert_eq!(counters.allocations, counters.deallocations);
    let chunk = cfg.chunk_size();
    let mut listed = 0;
    for m in pool.arena_metrics() {
        assert_eq!(m.num_thread_caches, 0);
        assert_eq!(m.allocations[3], m.deallocations[3]);
        let mut pinned_pages = 0;
        for (list, chunks) in &m.chunk_lists {
            for c in chunks {
                listed += chunk;
                let used = chunk - c.free_bytes;
                assert_eq!(used % cfg.page_size, 0);
                pinned_pages += used / cfg.page_size;
                assert!(
                    used > 0 || *list == "qInit",
                    "empty chunk {} in {list}",
                    c.id
                );
            }
        }
        // One pinned page at most per tiny (31) and small (3) size with 4 KiB pages.
        assert!(
            pinned_pages <= 34,
            "arena {}: {pinned_pages} pages still used",
            m.index
        );
    }
    assert_eq!(pool.used_memory(), listed);
    assert_eq!(pool.counter().used(), listed);
}

#[test]
fn the_counter_never_grants_past_its_limit_and_always_rolls_back() {
    const LIMIT: u64 = 10_000;
    let counter = Arc::new(AtomicDirectCounter::new(LIMIT));
    // Bytes of successful reservations, added after the grant and removed before the release:
    // never more than what the counter really holds granted.
    let granted = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..N_THREADS as u64)
        .map(|me| {
            let (counter, granted) = (counter.clone(), granted.clone());
            thread::spawn(move || {
                let mut rng = Rng(me);
                let mut held = Vec::new();
                let mut refused = 0u64;
                for _ in 0..50_000 {
                    if held.is_empty() || rng.below(2) == 0 {
                        let bytes = 1 + rng.below(3000);
                        match counter.increment(bytes) {
                            Ok(()) => {
                                let now = granted.fetch_add(bytes, Ordering::SeqCst) + bytes;
                                assert!(now <= LIMIT, "granted {now} > {LIMIT}");
                                held.push(bytes);
                            }
                            Err(DirectAllocError::OutOfDirectMemory {
                                requested,
                                used,
                                max,
                            }) => {
                                assert_eq!((requested, max), (bytes, LIMIT));
                                assert!(used + bytes > LIMIT, "refused {bytes} at {used}");
                                refused += 1;
                            }
                            Err(e) => panic!("unexpected {e}"),
                        }
                    } else {
                        let bytes = held.swap_remove(rng.below(held.len() as u64) as usize);
                        granted.fetch_sub(bytes, Ordering::SeqCst);
                        counter.decrement(bytes);
                    }
                }
                for bytes in held {
                    granted.fetch_sub(bytes, Ordering::SeqCst);
                    counter.decrement(bytes);
                }
                refused
            })
        })
        .collect();
    let refused: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(refused > 0);
    assert_eq!(counter.used(), 0, "every rollback and release was exact");
    assert_eq!(granted.load(Ordering::SeqCst), 0);
}
