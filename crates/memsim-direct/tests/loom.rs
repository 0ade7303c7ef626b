//! Loom models of Netty's direct-memory counter and of [`SharedPool`]: every interleaving of two or
//! three threads on tiny pools (4 KiB pages, 8 KiB chunks, a cap of one or two chunks), up to the
//! preemption bound.
//!
//! Run (CI does, `.ci/run`):
//! `RUSTFLAGS="--cfg memsim_loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom cargo test -p memsim-direct --release --test loom`
//!
//! Bookkeeping that only observes (registries of live placements, records of what was seen across
//! executions) uses std types: loom runs one thread at a time, so they see the schedule's order
//! without adding synchronization that would hide interleavings.
#![cfg(memsim_loom)]

use loom::sync::Arc;
use loom::thread;
use memsim_direct::netty41::{Netty41Config, Placement};
use memsim_direct::{AtomicDirectCounter, DirectAllocError, SharedBuf, SharedPool};
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicBool, Ordering};

const PAGE: u64 = 4096;
const CHUNK: u64 = 2 * PAGE;

/// Tiny pools: 4 KiB pages, `max_order` 1, caches of the given sizes (0 = none for that class).
fn cfg(n_arenas: u32, small_cache: u32, normal_cache: u32) -> Netty41Config {
    Netty41Config {
        page_size: PAGE,
        max_order: 1,
        n_arenas,
        tiny_cache_size: 0,
        small_cache_size: small_cache,
        normal_cache_size: normal_cache,
        use_cache_for_all_threads: small_cache > 0 || normal_cache > 0,
    }
}

/// Live placements; inserting one that overlaps another live one in its chunk fails the model.
#[derive(Default)]
struct Registry(StdMutex<Vec<Placement>>);

impl Registry {
    fn insert(&self, p: Placement) {
        let mut live = self.0.lock().unwrap();
        for q in live.iter() {
            let disjoint = q.chunk != p.chunk
                || q.offset + q.norm_size <= p.offset
                || p.offset + p.norm_size <= q.offset;
            assert!(disjoint, "handed out twice: {p:?} overlaps live {q:?}");
        }
        live.push(p);
    }

    fn remove(&self, p: Placement) {
        let mut live = self.0.lock().unwrap();
        let i = live.iter().position(|q| *q == p).expect("a live placement");
        live.swap_remove(i);
    }

    /// Allocation through the registry.
    fn alloc(
        &self,
        h: &mut memsim_direct::PoolHandle,
        size: u64,
    ) -> Result<SharedBuf, DirectAllocError> {
        let r = h.allocate(size);
        if let Ok(b) = &r {
            self.insert(b.placement());
        }
        r
    }

    /// Free through the registry: the placement leaves it before the pool may hand it out again.
    fn free(&self, pool: &SharedPool, b: SharedBuf) {
        self.remove(b.placement());
        pool.free(b);
    }
}

/// After all frees and exits: nothing live, no thread cache, and the counter holds exactly the
/// chunks left, each empty (kept in qInit) or holding only a pinned last-subpage page.
fn check_all_returned(pool: &SharedPool) {
    pool.check_invariants().unwrap();
    assert_eq!(pool.active_bytes(), 0);
    let mut listed = 0;
    for m in pool.arena_metrics() {
        assert_eq!(m.num_thread_caches, 0, "arena {}", m.index);
        let mut subpage_pages = 0;
        for (list, chunks) in &m.chunk_lists {
            for c in chunks {
                listed += CHUNK;
                subpage_pages += (CHUNK - c.free_bytes) / PAGE;
                assert!(
                    c.free_bytes < CHUNK || *list == "qInit",
                    "empty chunk in {list}"
                );
            }
        }
        assert!(subpage_pages <= 1, "only the 1 KiB subpage may stay pinned");
    }
    assert_eq!(pool.used_memory(), listed);
    assert_eq!(
        pool.counter().used(),
        listed,
        "counter = bytes of chunks held"
    );
}

/// `loom::model`, reporting how many executions it explored.
fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
    let executions = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = executions.clone();
    loom::model(move || {
        counted.fetch_add(1, Ordering::Relaxed);
        f();
    });
    eprintln!("{name}: {} executions", executions.load(Ordering::Relaxed));
}

#[test]
fn counter_never_grants_past_its_limit_and_rolls_back_exactly() {
    model(
        "counter_never_grants_past_its_limit_and_rolls_back_exactly",
        || {
            let counter = Arc::new(AtomicDirectCounter::new(2 * CHUNK));
            // Granted bytes, raised after a grant and lowered before a release.
            let granted = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let spawn = |bytes: u64, release: bool| {
                let (counter, granted) = (counter.clone(), granted.clone());
                thread::spawn(move || match counter.increment(bytes) {
                    Ok(()) => {
                        let now = granted.fetch_add(bytes, Ordering::SeqCst) + bytes;
                        assert!(now <= 2 * CHUNK, "granted {now}");
                        if release {
                            granted.fetch_sub(bytes, Ordering::SeqCst);
                            counter.decrement(bytes);
                            0
                        } else {
                            bytes
                        }
                    }
                    Err(DirectAllocError::OutOfDirectMemory {
                        requested,
                        used,
                        max,
                    }) => {
                        assert_eq!((requested, max), (bytes, 2 * CHUNK));
                        assert!(used + bytes > max, "refused {bytes} at {used}");
                        0
                    }
                    Err(e) => panic!("unexpected {e}"),
                })
            };
            let threads = [
                spawn(CHUNK, true),
                spawn(2 * CHUNK, false),
                spawn(CHUNK, false),
            ];
            let held: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
            assert_eq!(counter.used(), held, "exactly the live reservations");
            assert_eq!(granted.load(Ordering::SeqCst), held);
        },
    );
}

#[test]
fn netty_rollback_race_can_refuse_a_reservation_that_fits() {
    static REFUSED_ALTHOUGH_IT_FITS: AtomicBool = AtomicBool::new(false);
    static GRANTED: AtomicBool = AtomicBool::new(false);
    model(
        "netty_rollback_race_can_refuse_a_reservation_that_fits",
        || {
            let counter = Arc::new(AtomicDirectCounter::new(2 * CHUNK));
            counter.increment(CHUNK).unwrap();
            // Over the limit whatever happens: adds 2 chunks, sees 3 > 2, rolls back.
            let big = {
                let counter = counter.clone();
                thread::spawn(move || counter.increment(2 * CHUNK))
            };
            // Fits (1 + 1 = 2 chunks, equal to the limit is allowed) unless it runs inside the big
            // attempt's add-to-rollback window.
            let small = counter.increment(CHUNK);
            let big = big.join().unwrap();
            assert!(big.is_err(), "2 more chunks never fit");
            match small {
                Ok(()) => {
                    GRANTED.store(true, Ordering::Relaxed);
                    assert_eq!(counter.used(), 2 * CHUNK);
                }
                Err(e) => {
                    assert_eq!(
                        e,
                        DirectAllocError::OutOfDirectMemory {
                            requested: CHUNK,
                            used: 3 * CHUNK,
                            max: 2 * CHUNK
                        },
                        "refused only while the big attempt is in the counter"
                    );
                    REFUSED_ALTHOUGH_IT_FITS.store(true, Ordering::Relaxed);
                    assert_eq!(counter.used(), CHUNK, "both attempts rolled back exactly");
                }
            }
        },
    );
    assert!(GRANTED.load(Ordering::Relaxed));
    assert!(
        REFUSED_ALTHOUGH_IT_FITS.load(Ordering::Relaxed),
        "loom found no interleaving with Netty's transient refusal"
    );
}

#[test]
fn no_run_or_subpage_element_is_handed_out_twice() {
    model("no_run_or_subpage_element_is_handed_out_twice", || {
        // One arena, a 1 KiB cache of one entry, room for two chunks.
        let pool = SharedPool::new(cfg(1, 1, 0), 2 * CHUNK);
        let reg = std::sync::Arc::new(Registry::default());
        let t1 = {
            let (pool, reg) = (pool.clone(), reg.clone());
            thread::spawn(move || {
                let mut h = pool.register_thread();
                let a = reg.alloc(&mut h, 1024).unwrap();
                reg.free(&pool, a); // into this thread's cache
                let b = reg.alloc(&mut h, 1024).unwrap(); // the cached element again
                reg.free(&pool, b);
            })
        };
        let mut h = pool.register_thread();
        let c = reg.alloc(&mut h, 1024).unwrap();
        let d = reg.alloc(&mut h, PAGE).unwrap(); // the page the subpage does not use
        t1.join().unwrap();
        reg.free(&pool, c);
        reg.free(&pool, d);
        h.exit();
        check_all_returned(&pool);
    });
}

#[test]
fn every_free_returns_what_was_allocated_across_arenas_and_a_full_cap() {
    model(
        "every_free_returns_what_was_allocated_across_arenas_and_a_full_cap",
        || {
            // Two arenas, one chunk of cap: the second arena's first chunk is refused.
            let pool = SharedPool::new(cfg(2, 0, 1), CHUNK);
            let worker = || {
                let pool = pool.clone();
                thread::spawn(move || {
                    let mut h = pool.register_thread();
                    let r = h.allocate(PAGE);
                    if let Ok(b) = r.as_ref() {
                        assert_eq!(b.placement().norm_size, PAGE);
                    }
                    // The handle outlives both bindings, so the threads bind to different arenas.
                    (h, r.ok())
                })
            };
            let (t1, t2) = (worker(), worker());
            let ((h1, b1), (h2, b2)) = (t1.join().unwrap(), t2.join().unwrap());
            assert_ne!(h1.arena(), h2.arena());
            let bufs: Vec<SharedBuf> = b1.into_iter().chain(b2).collect();
            assert_eq!(
                bufs.len(),
                1,
                "the cap holds one chunk, and each thread has its own arena"
            );
            assert_eq!(pool.counter().used(), CHUNK);
            assert_eq!(pool.counters().failures, 1);
            h1.exit();
            h2.exit();
            // Freed after its allocating thread's exit: straight to the arena.
            for b in bufs {
                pool.free(b);
            }
            check_all_returned(&pool);
        },
    );
}

#[test]
fn a_buffer_freed_by_another_thread_while_its_owner_allocates_is_not_lost() {
    model(
        "a_buffer_freed_by_another_thread_while_its_owner_allocates_is_not_lost",
        || {
            let pool = SharedPool::new(cfg(1, 0, 1), CHUNK);
            let mut owner = pool.register_thread();
            let first = owner.allocate(PAGE).unwrap();
            let first_place = first.placement();
            let freer = {
                let pool = pool.clone();
                thread::spawn(move || pool.free(first))
            };
            // Either the cache already holds `first` (a hit), or the arena gives the chunk's other page.
            let second = owner.allocate(PAGE).unwrap();
            freer.join().unwrap();
            let hit = second.placement() == first_place;
            assert!(
                hit || second.placement().offset == PAGE,
                "the chunk's other page"
            );
            // Not a hit: `first` waits in the owner's cache (one entry), where `second` cannot go.
            assert_eq!(pool.active_bytes(), PAGE);
            pool.free(second);
            owner.exit();
            check_all_returned(&pool);
            assert_eq!(
                pool.counter().used(),
                0,
                "the chunk had left qInit (50 % used), so emptying it destroyed it"
            );
        },
    );
}

#[test]
fn a_free_racing_its_owners_exit_is_returned_by_one_of_them() {
    model(
        "a_free_racing_its_owners_exit_is_returned_by_one_of_them",
        || {
            let pool = SharedPool::new(cfg(1, 0, 2), CHUNK);
            let mut owner = pool.register_thread();
            let a = owner.allocate(PAGE).unwrap();
            let b = owner.allocate(PAGE).unwrap();
            let freer = {
                let pool = pool.clone();
                thread::spawn(move || pool.free(a))
            };
            pool.free(b); // into the owner's cache
            owner.exit(); // races the other thread's push into the same cache
            freer.join().unwrap();
            check_all_returned(&pool);
            assert_eq!(
                pool.counter().used(),
                0,
                "both pages came back and the chunk died"
            );
        },
    );
}

#[test]
fn three_threads_share_an_arena_through_handoff_trim_and_exit() {
    model(
        "three_threads_share_an_arena_through_handoff_trim_and_exit",
        || {
            // One arena, one-entry caches for 1 KiB and 4 KiB, room for two chunks.
            let pool = SharedPool::new(cfg(1, 1, 1), 2 * CHUNK);
            let reg = std::sync::Arc::new(Registry::default());
            let mut a = pool.register_thread();
            let x = reg.alloc(&mut a, 1024).unwrap();
            let y = reg.alloc(&mut a, PAGE).unwrap(); // the chunk is now full
            let b = {
                let (pool, reg) = (pool.clone(), reg.clone());
                thread::spawn(move || {
                    reg.free(&pool, x); // into A's cache, racing A's own lookups
                    let mut h = pool.register_thread();
                    let z = reg.alloc(&mut h, 1024).unwrap();
                    reg.free(&pool, z);
                })
            };
            let c = {
                let (pool, reg) = (pool.clone(), reg.clone());
                thread::spawn(move || {
                    let mut h = pool.register_thread();
                    let w = reg.alloc(&mut h, PAGE);
                    h.trim();
                    if let Ok(w) = w {
                        reg.free(&pool, w);
                    }
                })
            };
            let v = reg.alloc(&mut a, 1024).unwrap(); // maybe `x` from the cache
            reg.free(&pool, y);
            a.trim();
            b.join().unwrap();
            c.join().unwrap();
            reg.free(&pool, v);
            a.exit();
            check_all_returned(&pool);
        },
    );
}

#[test]
fn the_pool_can_refuse_a_chunk_that_fits_while_a_huge_attempt_rolls_back() {
    static REFUSED_ALTHOUGH_IT_FITS: AtomicBool = AtomicBool::new(false);
    static GRANTED: AtomicBool = AtomicBool::new(false);
    model(
        "the_pool_can_refuse_a_chunk_that_fits_while_a_huge_attempt_rolls_back",
        || {
            let pool = SharedPool::new(cfg(1, 0, 0), 2 * CHUNK);
            let mut a = pool.register_thread();
            let page = a.allocate(PAGE).unwrap(); // chunk 1, half used
            let huge = {
                let pool = pool.clone();
                thread::spawn(move || {
                    let mut h = pool.register_thread();
                    // 1 + 2 chunks > 2: refused whatever happens, charged outside the arena's lock.
                    assert!(h.allocate(2 * CHUNK).is_err());
                })
            };
            // A whole-chunk run needs chunk 2: 2 chunks fit, unless the huge attempt is in flight.
            let granted = match a.allocate(CHUNK) {
                Ok(run) => {
                    pool.free(run);
                    true
                }
                Err(e) => {
                    assert_eq!(
                        e,
                        DirectAllocError::OutOfDirectMemory {
                            requested: CHUNK,
                            used: 3 * CHUNK,
                            max: 2 * CHUNK
                        },
                        "refused only while the huge attempt is in the counter"
                    );
                    false
                }
            };
            huge.join().unwrap();
            pool.free(page);
            a.exit();
            check_all_returned(&pool);
            assert_eq!(pool.counters().failures, if granted { 1 } else { 2 });
            if granted {
                GRANTED.store(true, Ordering::Relaxed);
            } else {
                REFUSED_ALTHOUGH_IT_FITS.store(true, Ordering::Relaxed);
            }
        },
    );
    assert!(GRANTED.load(Ordering::Relaxed));
    assert!(REFUSED_ALTHOUGH_IT_FITS.load(Ordering::Relaxed));
}

#[test]
fn three_threads_on_two_arenas_free_each_others_buffers_and_exit() {
    model(
        "three_threads_on_two_arenas_free_each_others_buffers_and_exit",
        || {
            // Two arenas, one-entry caches, room for two chunks (one per arena).
            let pool = SharedPool::new(cfg(2, 1, 1), 2 * CHUNK);
            let reg = std::sync::Arc::new(Registry::default());
            let mut main = pool.register_thread();
            let m1 = reg.alloc(&mut main, PAGE).unwrap();
            let m2 = reg.alloc(&mut main, 1024).unwrap();
            let spawn = |theirs: SharedBuf, size: u64| {
                let (pool, reg) = (pool.clone(), reg.clone());
                thread::spawn(move || {
                    reg.free(&pool, theirs); // into main's cache, or its arena once main exited
                    let mut h = pool.register_thread();
                    if let Ok(mine) = reg.alloc(&mut h, size) {
                        reg.free(&pool, mine);
                    }
                    h.trim();
                })
            };
            let (t1, t2) = (spawn(m1, PAGE), spawn(m2, 1024));
            if let Ok(again) = reg.alloc(&mut main, PAGE) {
                reg.free(&pool, again);
            }
            main.exit(); // races both pushes into its cache
            t1.join().unwrap();
            t2.join().unwrap();
            check_all_returned(&pool);
        },
    );
}
