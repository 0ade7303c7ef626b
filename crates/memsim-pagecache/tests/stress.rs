//! Real threads against one [`MuninnPageCache`] smaller than their working set: pins for read and
//! write on random pages, a background evictor and checkpoints running beside them. No sleeps: the
//! helper threads loop until the workers raise a flag.
//!
//! Checked while running: a write-pinned page keeps its binding and is not flushed (its new stamp is
//! not on disk) until unpinned; a read-pinned page keeps its binding. Checked at the end: the cache's
//! structure, and every page's contents equal the last stamp written to it (no write lost), on disk
//! too after a final flush.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;

use memsim_core::SimRng;
use memsim_pagecache::cache::{CacheConfig, FileId, MuninnPageCache, PAGE_BYTES};

const N_WORKERS: u64 = 4;
const N_OPS: u64 = 50_000;
const CACHE_PAGES: u64 = 64;
const FILE_PAGES: u64 = 256;

#[test]
fn workers_evictor_and_checkpoints_keep_the_cache_consistent() {
    run(true);
}

/// Without the background evictor every eviction is cooperative, by faulting workers.
#[test]
fn workers_evicting_cooperatively_keep_the_cache_consistent() {
    run(false);
}

fn run(with_evictor: bool) {
    let cache = Arc::new(MuninnPageCache::new(CacheConfig::with_pages(CACHE_PAGES)).unwrap());
    let file = cache.map_file(FileId(1), PAGE_BYTES).unwrap();
    file.grow_to(FILE_PAGES);
    let done = Arc::new(AtomicBool::new(false));
    let live_locks = Arc::new(AtomicU64::new(0));

    let workers: Vec<_> = (0..N_WORKERS)
        .map(|t| {
            let (cache, file, live_locks) = (cache.clone(), file.clone(), live_locks.clone());
            thread::spawn(move || {
                let mut rng = SimRng::new(42, t);
                // Each worker writes only the pages it owns (page % N_WORKERS == t), so the last
                // stamp of every page is known; it reads any page.
                let mut last = vec![0u64; FILE_PAGES as usize];
                for op in 0..N_OPS {
                    let page = rng.below(FILE_PAGES);
                    if page % N_WORKERS == t && rng.below(3) == 0 {
                        let pin = match cache.pin_write(&file, page) {
                            Ok(pin) => pin,
                            Err(_) => {
                                live_locks.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                        };
                        let stamp = (t << 40) | (op + 1);
                        assert_eq!(cache.read_stamp(&pin), last[page as usize], "lost write");
                        cache.write_stamp(&pin, stamp);
                        thread::yield_now();
                        assert_eq!(cache.pinned_binding(&pin), Some((FileId(1), page)));
                        assert_ne!(
                            cache.disk_stamp(&file, page),
                            stamp,
                            "flushed under a write pin"
                        );
                        cache.unpin(pin);
                        last[page as usize] = stamp;
                    } else {
                        let pin = match cache.pin_read(&file, page) {
                            Ok(pin) => pin,
                            Err(_) => {
                                live_locks.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                        };
                        thread::yield_now();
                        assert_eq!(cache.pinned_binding(&pin), Some((FileId(1), page)));
                        cache.unpin(pin);
                    }
                }
                last
            })
        })
        .collect();
    let helpers: Vec<_> = [false, true]
        .into_iter()
        .filter(|&checkpointer| checkpointer || with_evictor)
        .map(|checkpointer| {
            let (cache, done) = (cache.clone(), done.clone());
            thread::spawn(move || {
                let mut rounds = 0u64;
                while !done.load(Ordering::Acquire) {
                    if checkpointer {
                        cache.flush_all();
                    } else {
                        cache.run_evictor();
                    }
                    rounds += 1;
                    thread::yield_now();
                }
                rounds
            })
        })
        .collect();

    let mut expected = vec![0u64; FILE_PAGES as usize];
    for (t, w) in workers.into_iter().enumerate() {
        let last = w.join().unwrap();
        for page in (t as u64..FILE_PAGES).step_by(N_WORKERS as usize) {
            expected[page as usize] = last[page as usize];
        }
    }
    done.store(true, Ordering::Release);
    let rounds: Vec<u64> = helpers.into_iter().map(|h| h.join().unwrap()).collect();

    cache.check_invariants(true).unwrap();
    for page in 0..FILE_PAGES {
        assert_eq!(
            cache.page_stamp(&file, page),
            expected[page as usize],
            "page {page}"
        );
    }
    let report = cache.flush_all();
    assert_eq!(report.skipped_pages, 0);
    for page in 0..FILE_PAGES {
        assert_eq!(
            cache.disk_stamp(&file, page),
            expected[page as usize],
            "page {page} on disk"
        );
    }
    let m = cache.metrics();
    assert_eq!(m.pins, m.unpins);
    assert_eq!(
        m.pins + live_locks.load(Ordering::Relaxed),
        N_WORKERS * N_OPS
    );
    assert!(m.evictions > 0 && m.flushes > 0);
    // With 4 workers holding one pin each in 64 pages, eviction never gives up.
    assert_eq!(live_locks.load(Ordering::Relaxed), 0);
    assert!(rounds.iter().all(|&r| r > 0));
    if !with_evictor {
        assert_eq!(m.cooperative_evictions, m.evictions);
    }
    eprintln!(
        "stress (evictor: {with_evictor}): {} pins ({} hits, {} faults), {} evictions ({} cooperative), {} flushes, helper rounds {rounds:?}",
        m.pins, m.hits, m.faults, m.evictions, m.cooperative_evictions, m.flushes
    );
}
