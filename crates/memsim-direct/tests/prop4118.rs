//! Property tests of the Netty 4.1.118 pool: random programs (tiny chunks, several page sizes,
//! caches on and off, a cap of 1 to 16 chunks, four threads) against rules simple to restate —
//! sizes normalize to 4.1.118's size classes, live buffers never overlap in a chunk, the cap
//! refuses only when a new chunk or huge buffer would pass it and Netty's counter equals the
//! chunks held, the pool's own invariants hold after every operation, and once every buffer is
//! freed and every thread ended nothing is active and every allocation was deallocated.

#![cfg(not(memsim_loom))]

use memsim_direct::netty4118::{Netty4118Config, Netty4118Pool};
use memsim_direct::{BufHandle, DirectAccounting, DirectPool, NettyCap, ThreadKey};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum Op {
    Alloc { thread: u32, size: u64 },
    Free { idx: usize },
    Trim { thread: u32 },
    Exit { thread: u32 },
}

fn config() -> impl Strategy<Value = Netty4118Config> {
    (
        prop_oneof![Just(4096u64), Just(8192), Just(16384)],
        0u32..=5,
        1u32..=3,
        0u32..=4,
        0u32..=4,
        any::<bool>(),
    )
        .prop_map(
            |(page_size, max_order, n_arenas, small, normal, cached)| Netty4118Config {
                page_size,
                max_order,
                n_arenas,
                small_cache_size: small,
                normal_cache_size: normal,
                use_cache_for_all_threads: cached,
            },
        )
}

fn program() -> impl Strategy<Value = (Netty4118Config, u64, Vec<Op>)> {
    config().prop_flat_map(|cfg| {
        let chunk = cfg.chunk_size();
        let size = prop_oneof![
            4 => 1u64..=512,
            3 => 1..=cfg.page_size * 4,
            3 => 1..=chunk,
            1 => chunk + 1..=2 * chunk,
        ];
        let op = prop_oneof![
            8 => (0..4u32, size).prop_map(|(thread, size)| Op::Alloc { thread, size }),
            6 => any::<usize>().prop_map(|idx| Op::Free { idx }),
            1 => (0..4u32).prop_map(|thread| Op::Trim { thread }),
            1 => (0..4u32).prop_map(|thread| Op::Exit { thread }),
        ];
        (
            Just(cfg),
            (1u64..=16).prop_map(move |k| k * chunk),
            proptest::collection::vec(op, 1..=400),
        )
    })
}

/// 4.1.118's `normalizeSize` restated: up to 64 bytes a multiple of 16; above, a multiple of a
/// quarter of the next lower power of two (`2^(⌊log2(2·size − 1)⌋ − 3)`).
fn expected_norm(size: u64) -> u64 {
    let x = 63 - (2 * size - 1).leading_zeros();
    let delta = if x < 7 { 16 } else { 1u64 << (x - 3) };
    size.div_ceil(delta) * delta
}

proptest! {
    #![proptest_config(Config { cases: 300, ..Config::default() })]

    #[test]
    fn random_programs_keep_netty_4_1_118s_rules((cfg, limit, ops) in program()) {
        let mut acct = DirectAccounting::new(NettyCap::Counter { limit }, limit);
        let mut pool = Netty4118Pool::new(cfg);
        let mut live: Vec<(BufHandle, memsim_direct::netty41::Placement)> = Vec::new();
        for op in ops {
            match op {
                Op::Alloc { thread, size } => {
                    let used = pool.used_memory();
                    match pool.allocate_placed(&mut acct, ThreadKey(thread), size) {
                        Ok(Some((h, p))) => {
                            if size > cfg.chunk_size() {
                                prop_assert!(p.huge && p.norm_size == size);
                            } else {
                                prop_assert_eq!(p.norm_size, expected_norm(size));
                                prop_assert!(p.offset + p.norm_size <= cfg.chunk_size());
                            }
                            live.push((h, p));
                        }
                        Ok(None) => prop_assert!(false, "only size 0 gives no buffer"),
                        Err(_) => {
                            // Refused only when a new chunk or huge buffer would pass the cap.
                            let need = if size > cfg.chunk_size() { size } else { cfg.chunk_size() };
                            prop_assert!(used + need > limit, "refused {size} with {used} of {limit}");
                            prop_assert_eq!(pool.used_memory(), used);
                        }
                    }
                }
                Op::Free { idx } => {
                    if !live.is_empty() {
                        let (h, _) = live.swap_remove(idx % live.len());
                        pool.release(&mut acct, h);
                    }
                }
                Op::Trim { thread } => pool.trim_thread(&mut acct, ThreadKey(thread)),
                Op::Exit { thread } => pool.end_thread(&mut acct, ThreadKey(thread)),
            }
            prop_assert_eq!(pool.check_invariants(), Ok(()));
            prop_assert_eq!(acct.netty_used(), Some(pool.used_memory()));
            prop_assert!(pool.used_memory() <= limit);
            // No two live pooled buffers overlap in a chunk.
            let mut by_chunk: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
            for (_, p) in live.iter().filter(|(_, p)| !p.huge) {
                by_chunk.entry(p.chunk).or_default().push((p.offset, p.offset + p.norm_size));
            }
            for spans in by_chunk.values_mut() {
                spans.sort_unstable();
                for w in spans.windows(2) {
                    prop_assert!(w[0].1 <= w[1].0, "overlap {:?}", w);
                }
            }
        }
        for (h, _) in live.drain(..) {
            pool.release(&mut acct, h);
        }
        for t in 0..4 {
            pool.end_thread(&mut acct, ThreadKey(t));
        }
        prop_assert_eq!(pool.active_bytes(), 0);
        // Chunks need not be empty: an emptied subpage that is the last of its pool keeps its run.
        for a in pool.arena_metrics() {
            prop_assert_eq!(a.num_thread_caches, 0);
            prop_assert_eq!(a.active_allocations, 0);
            prop_assert_eq!(a.allocations.iter().sum::<u64>(), a.deallocations.iter().sum::<u64>());
        }
        prop_assert_eq!(pool.check_invariants(), Ok(()));
    }
}
