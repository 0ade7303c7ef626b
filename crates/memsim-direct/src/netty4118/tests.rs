//! Unit tests of the 4.1.118 pool as a whole (the differential test against the real jar is
//! `tests/netty4118_diff.rs`).

use super::*;
use crate::accounting::NettyCap;

fn acct() -> DirectAccounting {
    DirectAccounting::new(NettyCap::from_property(-1, 1 << 30), 1 << 30)
}

#[test]
fn small_sizes_share_a_run_and_normal_sizes_take_pages() {
    let mut a = acct();
    let mut p = Netty4118Pool::new(Netty4118Config::with_arenas(1));
    let t = ThreadKey(0);
    let (_, x) = p.allocate_placed(&mut a, t, 100).unwrap().unwrap();
    let (_, y) = p.allocate_placed(&mut a, t, 100).unwrap().unwrap();
    assert_eq!((x.norm_size, x.offset, y.offset), (112, 0, 112));
    let (_, z) = p.allocate_placed(&mut a, t, 9000).unwrap().unwrap();
    // 112-byte elements: a run of lcm(8192, 112) capped at 512 elements = 7 pages.
    assert_eq!((z.norm_size, z.offset), (10240, 7 * 8192));
    let (_, h) = p
        .allocate_placed(&mut a, t, (4 << 20) + 1)
        .unwrap()
        .unwrap();
    assert!(h.huge);
    assert_eq!(p.used_memory(), (4 << 20) + (4 << 20) + 1);
    p.check_invariants().unwrap();
}

#[test]
fn no_caches_by_default_and_frees_go_back() {
    let mut a = acct();
    let mut p = Netty4118Pool::new(Netty4118Config::with_arenas(2));
    let b = p.allocate(&mut a, ThreadKey(0), 32 << 10).unwrap();
    p.free(&mut a, ThreadKey(0), b);
    let m = p.arena_metrics();
    assert_eq!(
        m[0].deallocations[2], 1,
        "not cached: useCacheForAllThreads is false"
    );
    assert_eq!(m[0].num_thread_caches, 1);
    p.allocate(&mut a, ThreadKey(1), 16).unwrap();
    assert_eq!(
        p.arena_metrics()[1].num_thread_caches,
        1,
        "least-used arena"
    );
}

#[test]
fn frees_into_an_ended_threads_cache_go_to_the_arena() {
    let mut a = acct();
    let cfg = Netty4118Config {
        use_cache_for_all_threads: true,
        ..Netty4118Config::with_arenas(1)
    };
    let mut p = Netty4118Pool::new(cfg);
    let b = p.allocate(&mut a, ThreadKey(0), 1000).unwrap();
    let c = p.allocate(&mut a, ThreadKey(0), 1000).unwrap();
    p.free(&mut a, ThreadKey(1), b);
    assert_eq!(p.arena_metrics()[0].deallocations[1], 0, "cached");
    p.end_thread(&mut a, ThreadKey(0));
    assert_eq!(p.arena_metrics()[0].deallocations[1], 1, "returned at exit");
    p.free(&mut a, ThreadKey(1), c);
    assert_eq!(
        p.arena_metrics()[0].deallocations[1],
        2,
        "its cache is freed"
    );
    p.check_invariants().unwrap();
}
