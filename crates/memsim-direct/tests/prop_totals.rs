//! Property test of the exact pools' running totals (Netty 4.1.48's and 4.1.118's): the engine
//! reads `DirectPool::usage` after every event, and the pools keep it as running totals over their
//! arenas, carried at each change of an arena. After every operation of a random program (tiny
//! chunks, one to three arenas, caches on and off, a cap of 1 to 16 chunks, four threads, huge
//! buffers, trims and thread exits) those totals must equal a fresh sum over every arena's live
//! chunks (`usage_recounted`), and Netty's counter must hold what they say.

#![cfg(not(memsim_loom))]

use memsim_direct::netty41::{Netty41Config, Netty41Pool};
use memsim_direct::netty4118::{Netty4118Config, Netty4118Pool};
use memsim_direct::{BufHandle, DirectAccounting, DirectPool, NettyCap, ThreadKey};
use proptest::prelude::*;
use proptest::test_runner::Config;

#[derive(Debug, Clone)]
enum Op {
    Alloc { thread: u32, size: u64 },
    Free { idx: usize },
    Trim { thread: u32 },
    Exit { thread: u32 },
}

/// What both pools share for this test: page size, chunk order, arenas, cache sizes, caches for all.
#[derive(Debug, Clone, Copy)]
struct Shape {
    page_size: u64,
    max_order: u32,
    n_arenas: u32,
    cache_size: u32,
    cached: bool,
}

impl Shape {
    fn chunk_size(&self) -> u64 {
        self.page_size << self.max_order
    }
}

fn program() -> impl Strategy<Value = (Shape, u64, Vec<Op>)> {
    (
        prop_oneof![Just(4096u64), Just(8192)],
        1u32..=4,
        1u32..=3,
        0u32..=3,
        any::<bool>(),
    )
        .prop_map(
            |(page_size, max_order, n_arenas, cache_size, cached)| Shape {
                page_size,
                max_order,
                n_arenas,
                cache_size,
                cached,
            },
        )
        .prop_flat_map(|shape| {
            let chunk = shape.chunk_size();
            let size = prop_oneof![
                4 => 1u64..=512,
                3 => 1..=shape.page_size * 4,
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
                Just(shape),
                (1u64..=16).prop_map(move |k| k * chunk),
                proptest::collection::vec(op, 1..=300),
            )
        })
}

/// The two exact pools behind one face: allocate, release, trim, end a thread, and the usage as
/// kept and as recounted.
trait ExactPool: DirectPool {
    fn trim(&mut self, acct: &mut DirectAccounting, thread: ThreadKey);
    fn recounted(&self) -> memsim_core::Usage;
}

impl ExactPool for Netty41Pool {
    fn trim(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
        self.trim_thread(acct, thread);
    }
    fn recounted(&self) -> memsim_core::Usage {
        self.usage_recounted()
    }
}

impl ExactPool for Netty4118Pool {
    fn trim(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
        self.trim_thread(acct, thread);
    }
    fn recounted(&self) -> memsim_core::Usage {
        self.usage_recounted()
    }
}

/// Runs `ops` on `pool` under a cap of `limit`, checking the running totals after every operation,
/// then frees everything and checks them again.
fn totals_match_a_fresh_sum(
    pool: &mut impl ExactPool,
    limit: u64,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let mut acct = DirectAccounting::new(NettyCap::Counter { limit }, limit);
    let mut live: Vec<BufHandle> = Vec::new();
    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::Alloc { thread, size } => {
                // A refusal by the cap changes nothing: the totals must still match.
                if let Ok(h) = pool.allocate(&mut acct, ThreadKey(thread), size) {
                    live.push(h);
                }
            }
            Op::Free { idx } => {
                if !live.is_empty() {
                    let h = live.swap_remove(idx % live.len());
                    pool.free(&mut acct, ThreadKey(0), h);
                }
            }
            Op::Trim { thread } => pool.trim(&mut acct, ThreadKey(thread)),
            Op::Exit { thread } => pool.thread_exit(&mut acct, ThreadKey(thread)),
        }
        totals_checked(pool, step)?;
        prop_assert_eq!(acct.netty_used(), Some(pool.used_memory()));
    }
    for h in live.drain(..) {
        pool.free(&mut acct, ThreadKey(0), h);
    }
    for t in 0..4 {
        pool.thread_exit(&mut acct, ThreadKey(t));
    }
    totals_checked(pool, ops.len())?;
    prop_assert_eq!(pool.check_invariants(), Ok(()));
    Ok(())
}

/// The pool's usage as kept equals a fresh sum over its chunks, and what it says it holds.
fn totals_checked(pool: &impl ExactPool, step: usize) -> Result<(), TestCaseError> {
    let (kept, fresh) = (pool.usage(), pool.recounted());
    prop_assert_eq!(kept, fresh, "after operation {}", step);
    prop_assert_eq!(
        pool.used_memory(),
        fresh.committed,
        "after operation {}",
        step
    );
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 300, ..Config::default() })]

    #[test]
    fn netty_4_1_48s_running_totals_equal_a_fresh_sum((shape, limit, ops) in program()) {
        let mut pool = Netty41Pool::new(Netty41Config {
            page_size: shape.page_size,
            max_order: shape.max_order,
            n_arenas: shape.n_arenas,
            tiny_cache_size: shape.cache_size,
            small_cache_size: shape.cache_size,
            normal_cache_size: shape.cache_size,
            use_cache_for_all_threads: shape.cached,
        });
        totals_match_a_fresh_sum(&mut pool, limit, &ops)?;
    }

    #[test]
    fn netty_4_1_118s_running_totals_equal_a_fresh_sum((shape, limit, ops) in program()) {
        let mut pool = Netty4118Pool::new(Netty4118Config {
            page_size: shape.page_size,
            max_order: shape.max_order,
            n_arenas: shape.n_arenas,
            small_cache_size: shape.cache_size,
            normal_cache_size: shape.cache_size,
            use_cache_for_all_threads: shape.cached,
        });
        totals_match_a_fresh_sum(&mut pool, limit, &ops)?;
    }
}
