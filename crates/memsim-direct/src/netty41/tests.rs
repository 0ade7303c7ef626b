//! Behaviour the reference records for real Netty 4.1.48 (marked (V) there: verified against the jar).

use super::*;
use crate::accounting::NettyCap;

const MIB: u64 = 1 << 20;

fn pool(cfg: Netty41Config, cap: u64) -> (Netty41Pool, DirectAccounting) {
    (
        Netty41Pool::new(cfg),
        DirectAccounting::new(NettyCap::Counter { limit: cap }, cap),
    )
}

fn alloc(
    p: &mut Netty41Pool,
    a: &mut DirectAccounting,
    t: u32,
    size: u64,
) -> (BufHandle, Placement) {
    p.allocate_placed(a, ThreadKey(t), size).unwrap().unwrap()
}

#[test]
fn threads_bind_to_the_least_used_arena_first_on_ties() {
    let (mut p, mut a) = pool(Netty41Config::with_arenas(2), 1 << 30);
    let arenas: Vec<Option<u32>> = (0..3)
        .map(|t| alloc(&mut p, &mut a, t, 64).1.arena)
        .collect();
    assert_eq!(arenas, vec![Some(0), Some(1), Some(0)]);
    p.end_thread(&mut a, ThreadKey(1));
    assert_eq!(alloc(&mut p, &mut a, 9, 64).1.arena, Some(1));
    p.check_invariants().unwrap();
}

#[test]
fn qinit_chunks_are_kept_and_25_percent_chunks_destroyed() {
    // netty #9253: 1,000,000 B keeps its 16 MiB chunk, 3,000,000 B (→ 4 MiB = 25 %) does not.
    let (mut p, mut a) = pool(Netty41Config::with_arenas(1), 1 << 30);
    let (b, pl) = alloc(&mut p, &mut a, 0, 1_000_000);
    assert_eq!((pl.norm_size, pl.offset), (1 << 20, 0));
    p.release(&mut a, b);
    assert_eq!(p.used_direct_memory(), 16 << 20);
    let (mut p, mut a) = pool(Netty41Config::with_arenas(1), 1 << 30);
    let (b, pl) = alloc(&mut p, &mut a, 0, 3_000_000);
    assert_eq!(pl.norm_size, 4 << 20);
    p.release(&mut a, b);
    assert_eq!(p.used_direct_memory(), 0);
    assert_eq!(a.netty_used(), Some(0));
}

#[test]
fn cache_hits_and_cached_frees_are_invisible_to_arena_counters() {
    let (mut p, mut a) = pool(Netty41Config::with_arenas(1), 1 << 30);
    let (b, first) = alloc(&mut p, &mut a, 0, 1000);
    p.release(&mut a, b);
    let (_, second) = alloc(&mut p, &mut a, 0, 1000);
    assert_eq!(first, second, "served from the thread cache");
    let m = &p.arena_metrics()[0];
    assert_eq!(m.allocations, [0, 1, 0, 0]);
    assert_eq!(m.deallocations, [0, 0, 0, 0]);
    assert_eq!(m.active_allocations, 1);
}

#[test]
fn a_free_from_another_thread_goes_to_the_allocating_threads_cache() {
    let (mut p, mut a) = pool(Netty41Config::with_arenas(2), 1 << 30);
    let (b, pl) = alloc(&mut p, &mut a, 0, 8192);
    alloc(&mut p, &mut a, 1, 64);
    p.free(&mut a, ThreadKey(1), b);
    assert_eq!(
        alloc(&mut p, &mut a, 0, 8192).1,
        pl,
        "thread 0's cache had it"
    );
    // Thread 0's exit returns its cache, counted as deallocations this time.
    let (b2, _) = alloc(&mut p, &mut a, 0, 16384);
    p.release(&mut a, b2);
    p.end_thread(&mut a, ThreadKey(0));
    assert_eq!(p.arena_metrics()[0].deallocations, [0, 0, 1, 0]);
    assert_eq!(p.arena_metrics()[0].num_thread_caches, 0);
}

#[test]
fn without_caches_frees_go_straight_back() {
    let mut cfg = Netty41Config::with_arenas(1);
    cfg.use_cache_for_all_threads = false;
    let (mut p, mut a) = pool(cfg, 1 << 30);
    let (b, _) = alloc(&mut p, &mut a, 0, 100);
    p.release(&mut a, b);
    let m = &p.arena_metrics()[0];
    assert_eq!(
        (m.allocations[0], m.deallocations[0], m.num_thread_caches),
        (1, 1, 1)
    );
}

#[test]
fn the_last_subpage_of_a_size_pins_its_page() {
    let mut cfg = Netty41Config::with_arenas(1);
    cfg.use_cache_for_all_threads = false;
    let (mut p, mut a) = pool(cfg, 1 << 30);
    let bufs: Vec<BufHandle> = (0..9).map(|_| alloc(&mut p, &mut a, 0, 1024).0).collect();
    let chunk = &p.arena_metrics()[0].chunk_lists[0].1[0];
    assert_eq!(
        chunk.free_bytes,
        (16 << 20) - 2 * 8192,
        "two 1 KiB subpages"
    );
    for b in bufs {
        p.release(&mut a, b);
    }
    let chunk = &p.arena_metrics()[0].chunk_lists[0].1[0];
    assert_eq!(
        chunk.free_bytes,
        (16 << 20) - 8192,
        "one page stays for the last subpage"
    );
    p.check_invariants().unwrap();
}

#[test]
fn a_100_byte_buffer_fails_when_it_needs_a_chunk_past_the_cap() {
    let mut cfg = Netty41Config::with_arenas(1);
    cfg.use_cache_for_all_threads = false;
    let (mut p, mut a) = pool(cfg, 16 * MIB);
    alloc(&mut p, &mut a, 0, 16 * MIB);
    let e = p.allocate_placed(&mut a, ThreadKey(0), 100).unwrap_err();
    assert_eq!(
        e.to_string(),
        "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 16777216 byte(s) of direct memory (used: 16777216, max: 16777216)"
    );
    assert_eq!(
        p.arena_metrics()[0].allocations,
        [0, 0, 1, 0],
        "the failure is not counted"
    );
}

#[test]
fn chunks_move_between_lists_by_usage() {
    let mut cfg = Netty41Config::with_arenas(1);
    cfg.use_cache_for_all_threads = false;
    let (mut p, mut a) = pool(cfg, 1 << 30);
    let lists = |p: &Netty41Pool| -> Vec<usize> {
        p.arena_metrics()[0]
            .chunk_lists
            .iter()
            .map(|l| l.1.len())
            .collect()
    };
    let b1 = alloc(&mut p, &mut a, 0, 4 * MIB).0; // 25 % → q000
    assert_eq!(lists(&p), vec![0, 1, 0, 0, 0, 0]);
    let b2 = alloc(&mut p, &mut a, 0, 8 * MIB).0; // 75 % → q025 → q050
    assert_eq!(lists(&p), vec![0, 0, 0, 1, 0, 0]);
    let b3 = alloc(&mut p, &mut a, 0, 4 * MIB).0; // 100 % → q075 → q100
    assert_eq!(lists(&p), vec![0, 0, 0, 0, 0, 1]);
    p.release(&mut a, b2); // 50 % → back to q050 (q075's min 75 > 50)
    assert_eq!(lists(&p), vec![0, 0, 0, 1, 0, 0]);
    p.release(&mut a, b1);
    p.release(&mut a, b3); // 0 % → q000 → destroyed
    assert_eq!(lists(&p), vec![0, 0, 0, 0, 0, 0]);
    assert_eq!(p.counters().chunks_destroyed, 1);
}

#[test]
fn huge_buffers_are_their_own_chunks() {
    let (mut p, mut a) = pool(Netty41Config::with_arenas(1), 1 << 30);
    alloc(&mut p, &mut a, 0, 64);
    let (b, pl) = alloc(&mut p, &mut a, 0, 20_000_000);
    assert_eq!(
        pl,
        Placement {
            arena: Some(0),
            chunk: 1,
            offset: 0,
            norm_size: 20_000_000,
            huge: true
        }
    );
    assert_eq!(p.used_direct_memory(), (16 << 20) + 20_000_000);
    p.release(&mut a, b);
    assert_eq!(p.arena_metrics()[0].allocations[3], 1);
    assert_eq!(p.arena_metrics()[0].deallocations[3], 1);
    assert_eq!(a.netty_used(), Some(16 << 20));
}
