//! Unit tests of the adaptive allocator model (the real jar is the oracle in `tests/netty_diff_adaptive.rs`).

use super::*;
use crate::accounting::NettyCap;

fn pool() -> (AdaptivePool, DirectAccounting) {
    (
        AdaptivePool::new(AdaptiveConfig::for_max_heap(2, 1 << 30)),
        DirectAccounting::new(NettyCap::Counter { limit: 1 << 30 }, 1 << 30),
    )
}

fn place(
    p: &mut AdaptivePool,
    a: &mut DirectAccounting,
    size: u64,
) -> (BufHandle, AdaptivePlacement) {
    p.allocate_placed(a, ThreadKey(0), size).unwrap().unwrap()
}

#[test]
fn size_classed_segments_are_reused_first_in_first_out() {
    let (mut p, mut a) = pool();
    let (x, px) = place(&mut p, &mut a, 100);
    let (_, py) = place(&mut p, &mut a, 100);
    assert_eq!(
        (px.group, px.chunk, px.offset, px.norm_size),
        (2, 0, 0, 128)
    );
    assert_eq!(py.offset, 128);
    p.release(&mut a, ThreadKey(0), x);
    let (_, pz) = place(&mut p, &mut a, 100);
    assert_eq!(
        pz.offset, 256,
        "the freed segment waits at the tail of the free list"
    );
    assert_eq!(p.used_memory(), 128 << 10);
    p.check_invariants().unwrap();
}

#[test]
fn buddy_chunks_grow_and_oversized_buffers_are_unpooled() {
    let (mut p, mut a) = pool();
    let (_, b) = place(&mut p, &mut a, 40_000);
    assert_eq!((b.group, b.norm_size, b.huge), (16, 65536, false));
    assert_eq!(p.buddy_max_chunk_size(), 512 << 10);
    let (h, u) = place(&mut p, &mut a, 2_000_000);
    assert!(u.huge);
    assert_eq!(p.used_memory(), (512 << 10) + 2_000_000);
    p.release(&mut a, ThreadKey(0), h);
    assert_eq!(
        p.used_memory(),
        512 << 10,
        "an unpooled chunk goes with its buffer"
    );
    assert_eq!(a.netty_used(), Some(512 << 10));
    p.check_invariants().unwrap();
}

#[test]
fn low_memory_mode_never_pools_above_the_largest_size_class() {
    let mut p = AdaptivePool::new(AdaptiveConfig::for_max_heap(2, 256 << 20));
    let mut a = DirectAccounting::new(NettyCap::Counter { limit: 1 << 30 }, 1 << 30);
    let (_, b) = place(&mut p, &mut a, 20_000);
    assert!(b.huge);
    assert_eq!(b.norm_size, 20_000);
}

#[test]
fn the_cap_refuses_a_chunk_with_netty_text() {
    let mut p = AdaptivePool::new(AdaptiveConfig::for_max_heap(2, 1 << 30));
    let mut a = DirectAccounting::new(NettyCap::Counter { limit: 200 << 10 }, 1 << 30);
    place(&mut p, &mut a, 100);
    let e = p.allocate_placed(&mut a, ThreadKey(0), 40).unwrap_err();
    assert_eq!(
        e.to_string(),
        "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 131072 byte(s) of direct memory (used: 131072, max: 204800)"
    );
    assert_eq!(p.counters().failures, 1);
}

/// On generated traces, in both thread modes and in low-memory mode, the pool's invariants hold
/// after every operation and Netty's counter always equals the chunk registry (every chunk is
/// charged exactly once, and uncharged when deallocated).
#[test]
fn invariants_and_counter_hold_on_generated_traces() {
    use crate::trace::{GenParams, TraceOp, generate, trace_ops};
    use std::collections::BTreeMap;
    for seed in 0..24 {
        let cfg = AdaptiveConfig {
            event_loop_threads: seed % 2 == 0,
            ..AdaptiveConfig::for_max_heap(
                1 + (seed % 4) as u32,
                if seed % 3 == 0 { 256 << 20 } else { 1 << 30 },
            )
        };
        let mut p = AdaptivePool::new(cfg);
        let mut a = DirectAccounting::new(NettyCap::Counter { limit: 64 << 20 }, 1 << 30);
        let g = GenParams {
            n_ops: 1500,
            chunk_size: 2 << 20,
            huge_percent: 2,
            ..GenParams::default()
        };
        let text = generate(seed, &g);
        let mut threads: BTreeMap<String, ThreadKey> = BTreeMap::new();
        let mut next = 0;
        let mut key = |t: &str, threads: &mut BTreeMap<String, ThreadKey>| {
            *threads.entry(t.to_string()).or_insert_with(|| {
                next += 1;
                ThreadKey(next - 1)
            })
        };
        let mut live = BTreeMap::new();
        for op in trace_ops(&text) {
            match op.unwrap() {
                TraceOp::Alloc {
                    id, size, thread, ..
                } => {
                    let k = key(&thread, &mut threads);
                    if let Ok(Some((h, _))) = p.allocate_placed(&mut a, k, size) {
                        live.insert(id, h);
                    } else {
                        live.remove(&id);
                    }
                }
                TraceOp::Free { id, thread, .. } => {
                    let k = key(&thread, &mut threads);
                    if let Some(h) = live.remove(&id) {
                        p.release(&mut a, k, h);
                    }
                }
                TraceOp::Exit { thread, .. } => {
                    if let Some(k) = threads.remove(&thread) {
                        p.end_thread(&mut a, k);
                    }
                }
                _ => {}
            }
            p.check_invariants()
                .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert_eq!(a.netty_used(), Some(p.used_memory()), "seed {seed}");
            assert!(p.usage().resident <= p.used_memory());
        }
    }
}
