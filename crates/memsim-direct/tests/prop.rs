//! Property tests: random operation programs against the Netty 4.1.48 pool and a shadow model.
//!
//! A program is a pool configuration (tiny chunks, small caches, a cap of 1 to 16 chunks) and up to
//! 400 operations on four threads. The shadow model knows only Netty's rules that are simple to
//! state: how sizes normalize, which arena a new thread binds to, when the cap must refuse, which
//! frees 4.1.48 strands in the cache of an ended thread. After every operation it checks the pool
//! against them; after freeing everything and ending every thread it checks what must be left.
//!
//! A second property drives [`SharedPool`] from one thread through the same programs and requires
//! it to equal [`Netty41Pool`] step by step (placements, errors, metrics, counters), except where
//! the two knowingly differ: a buffer freed after its allocating thread ended (see
//! `memsim_direct::concurrent`), so those frees are deferred to the end in that property.

// Under `memsim_loom` the pool's atomics are loom's, usable only inside `loom::model`.
#![cfg(not(memsim_loom))]

use memsim_direct::netty41::{Netty41Config, Netty41Pool, Placement};
use memsim_direct::{
    BufHandle, DirectAccounting, DirectAllocError, DirectPool, NettyCap, SharedBuf, SharedPool,
    ThreadKey,
};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::collections::BTreeMap;

const N_THREADS: u8 = 4;
const N_OPS_MAX: usize = 400;

#[derive(Debug, Clone)]
enum Op {
    Alloc { thread: u8, size: u64 },
    Free { idx: usize, thread: u8 },
    Trim { thread: u8 },
    Exit { thread: u8 },
}

#[derive(Debug, Clone)]
struct Program {
    cfg: Netty41Config,
    limit: u64,
    ops: Vec<Op>,
}

fn config() -> impl Strategy<Value = Netty41Config> {
    (
        prop_oneof![Just(4096u64), Just(8192)],
        1u32..=4,
        prop_oneof![1 => Just(0u32), 4 => 1u32..=2],
        0u32..=3,
        0u32..=3,
        0u32..=3,
        prop_oneof![4 => Just(true), 1 => Just(false)],
    )
        .prop_map(
            |(page_size, max_order, n_arenas, tiny, small, normal, cached)| Netty41Config {
                page_size,
                max_order,
                n_arenas,
                tiny_cache_size: tiny,
                small_cache_size: small,
                normal_cache_size: normal,
                use_cache_for_all_threads: cached,
            },
        )
}

fn size(chunk: u64, page: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 1u64..512,
        3 => 512..page,
        3 => page..=chunk,
        1 => chunk + 1..=2 * chunk,
    ]
}

fn program() -> impl Strategy<Value = Program> {
    config().prop_flat_map(|cfg| {
        let chunk = cfg.chunk_size();
        let op = prop_oneof![
            8 => (0..N_THREADS, size(chunk, cfg.page_size))
                .prop_map(|(thread, size)| Op::Alloc { thread, size }),
            6 => (any::<usize>(), 0..N_THREADS).prop_map(|(idx, thread)| Op::Free { idx, thread }),
            1 => (0..N_THREADS).prop_map(|thread| Op::Trim { thread }),
            1 => (0..N_THREADS).prop_map(|thread| Op::Exit { thread }),
        ];
        (
            Just(cfg),
            prop_oneof![1 => 1u64..=2, 3 => 3u64..=16].prop_map(move |k| k * chunk),
            proptest::collection::vec(op, 1..=N_OPS_MAX),
        )
            .prop_map(|(cfg, limit, ops)| Program { cfg, limit, ops })
    })
}

/// Netty 4.1.48's `normalizeCapacity`, restated.
fn expected_norm(cfg: &Netty41Config, size: u64) -> u64 {
    if size >= cfg.chunk_size() {
        size
    } else if size >= 512 {
        size.next_power_of_two()
    } else {
        size.div_ceil(16) * 16
    }
}

/// The capacity of the thread-cache region for `norm`, if 4.1.48 caches that size.
fn cache_capacity(cfg: &Netty41Config, norm: u64) -> Option<usize> {
    if !cfg.use_cache_for_all_threads || cfg.n_arenas == 0 || norm > cfg.chunk_size() {
        return None;
    }
    let size = if norm < 512 {
        cfg.tiny_cache_size
    } else if norm < cfg.page_size {
        cfg.small_cache_size
    } else if norm <= cfg.chunk_size().min(32 * 1024) {
        cfg.normal_cache_size
    } else {
        0
    };
    (size > 0).then(|| (size as usize).next_power_of_two())
}

/// A thread's life between its first allocation and its exit.
#[derive(Debug)]
struct Incarnation {
    arena: Option<u32>,
    alive: bool,
}

#[derive(Debug)]
struct Live {
    handle: BufHandle,
    placement: Placement,
    incarnation: usize,
}

/// Byte ranges [start, end) per chunk creation number; none may overlap.
#[derive(Debug, Default)]
struct Occupancy(BTreeMap<u64, BTreeMap<u64, u64>>);

impl Occupancy {
    fn insert(&mut self, p: &Placement) -> Result<(), TestCaseError> {
        let ranges = self.0.entry(p.chunk).or_default();
        let (start, end) = (p.offset, p.offset + p.norm_size);
        if let Some((s, e)) = ranges.range(..end).next_back() {
            prop_assert!(
                *e <= start,
                "{p:?} overlaps [{s}, {e}) of chunk {}",
                p.chunk
            );
        }
        ranges.insert(start, end);
        Ok(())
    }

    fn remove(&mut self, p: &Placement) {
        let ranges = self.0.get_mut(&p.chunk).expect("chunk of a live buffer");
        assert_eq!(ranges.remove(&p.offset), Some(p.offset + p.norm_size));
    }
}

/// The shadow model and the pool under test.
struct Run {
    cfg: Netty41Config,
    limit: u64,
    pool: Netty41Pool,
    acct: DirectAccounting,
    incarnations: Vec<Incarnation>,
    current: BTreeMap<u8, usize>,
    caches_per_arena: Vec<u32>,
    live: Vec<Live>,
    // Live buffers plus buffers stranded in the caches of ended threads.
    occupied: Occupancy,
    // Stranded buffers, and how many per (incarnation, normalized size).
    stranded: Vec<Placement>,
    stranded_count: BTreeMap<(usize, u64), usize>,
    // Tiny and small normalized sizes ever allocated, per arena.
    subpage_sizes: BTreeMap<u32, Vec<u64>>,
}

impl Run {
    fn new(p: &Program) -> Run {
        Run {
            cfg: p.cfg,
            limit: p.limit,
            pool: Netty41Pool::new(p.cfg),
            acct: DirectAccounting::new(NettyCap::Counter { limit: p.limit }, 1 << 40),
            incarnations: Vec::new(),
            current: BTreeMap::new(),
            caches_per_arena: vec![0; p.cfg.n_arenas as usize],
            live: Vec::new(),
            occupied: Occupancy::default(),
            stranded: Vec::new(),
            stranded_count: BTreeMap::new(),
            subpage_sizes: BTreeMap::new(),
        }
    }

    fn used(&self) -> u64 {
        self.acct.netty_used().expect("Netty's own counter")
    }

    /// The thread's incarnation, bound like `leastUsedArena` (first minimum) on first use.
    fn incarnation(&mut self, thread: u8) -> usize {
        if let Some(i) = self.current.get(&thread) {
            return *i;
        }
        let arena = (0..self.caches_per_arena.len())
            .min_by_key(|a| (self.caches_per_arena[*a], *a))
            .map(|a| a as u32);
        if let Some(a) = arena {
            self.caches_per_arena[a as usize] += 1;
        }
        self.incarnations.push(Incarnation { arena, alive: true });
        let i = self.incarnations.len() - 1;
        self.current.insert(thread, i);
        i
    }

    fn alloc(&mut self, thread: u8, size: u64) -> Result<(), TestCaseError> {
        let inc = self.incarnation(thread);
        let used = self.used();
        let before = (
            self.pool.arena_metrics(),
            self.pool.used_memory(),
            self.pool.active_bytes(),
        );
        // Without arenas every buffer is unpooled at its exact size.
        let huge = self.cfg.n_arenas == 0 || expected_norm(&self.cfg, size) > self.cfg.chunk_size();
        let norm = if huge {
            size
        } else {
            expected_norm(&self.cfg, size)
        };
        match self
            .pool
            .allocate_placed(&mut self.acct, ThreadKey(thread.into()), size)
        {
            Ok(placed) => {
                let (handle, p) = placed.expect("a non-empty buffer");
                prop_assert_eq!(p.norm_size, norm);
                prop_assert_eq!(p.huge, huge);
                prop_assert_eq!(p.arena, self.incarnations[inc].arena);
                if huge {
                    prop_assert_eq!(p.offset, 0);
                    prop_assert!(!self.occupied.0.contains_key(&p.chunk), "a new chunk");
                    prop_assert_eq!(self.used(), used + size);
                } else {
                    let page = self.cfg.page_size;
                    prop_assert!(p.offset + norm <= self.cfg.chunk_size());
                    if norm >= page {
                        prop_assert_eq!(p.offset % norm, 0, "a run is naturally aligned");
                    } else {
                        let in_page = p.offset % page;
                        prop_assert!(in_page % norm == 0 && in_page + norm <= page, "{:?}", p);
                    }
                    let grown = self.used() - used;
                    prop_assert!(grown == 0 || grown == self.cfg.chunk_size());
                    if norm < self.cfg.page_size {
                        let sizes = self.subpage_sizes.entry(p.arena.unwrap()).or_default();
                        if !sizes.contains(&norm) {
                            sizes.push(norm);
                        }
                    }
                }
                self.occupied.insert(&p)?;
                self.live.push(Live {
                    handle,
                    placement: p,
                    incarnation: inc,
                });
            }
            Err(e) => {
                let requested = if huge { size } else { self.cfg.chunk_size() };
                prop_assert_eq!(
                    e,
                    DirectAllocError::OutOfDirectMemory {
                        requested,
                        used,
                        max: self.limit
                    }
                );
                prop_assert!(used + requested > self.limit, "refused although it fits");
                // Nothing changed but the new thread's binding (no program reaches a trim).
                let mut after = self.pool.arena_metrics();
                for (a, b) in after.iter_mut().zip(&before.0) {
                    a.num_thread_caches = b.num_thread_caches;
                }
                prop_assert_eq!(
                    (after, self.pool.used_memory(), self.pool.active_bytes()),
                    before
                );
                prop_assert_eq!(self.used(), used);
            }
        }
        Ok(())
    }

    fn free(&mut self, idx: usize, thread: u8) -> Result<(), TestCaseError> {
        if self.live.is_empty() {
            return Ok(());
        }
        let l = self.live.remove(idx % self.live.len());
        let p = l.placement;
        // 4.1.48: a free goes to the allocating thread's cache even after that thread ended, and
        // stays there forever.
        let strand = !self.incarnations[l.incarnation].alive
            && cache_capacity(&self.cfg, p.norm_size).is_some_and(|cap| {
                let n = self
                    .stranded_count
                    .entry((l.incarnation, p.norm_size))
                    .or_default();
                *n += 1;
                *n <= cap
            });
        if strand {
            self.stranded.push(p);
        } else {
            self.occupied.remove(&p);
        }
        let used = self.used();
        self.pool
            .free(&mut self.acct, ThreadKey(thread.into()), l.handle);
        if p.huge {
            prop_assert_eq!(self.used(), used - p.norm_size);
        }
        Ok(())
    }

    fn exit(&mut self, thread: u8) {
        if let Some(i) = self.current.remove(&thread) {
            self.incarnations[i].alive = false;
            if let Some(a) = self.incarnations[i].arena {
                self.caches_per_arena[a as usize] -= 1;
            }
        }
        self.pool
            .thread_exit(&mut self.acct, ThreadKey(thread.into()));
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::Alloc { thread, size } => self.alloc(thread, size)?,
            Op::Free { idx, thread } => self.free(idx, thread)?,
            Op::Trim { thread } => self
                .pool
                .trim_thread(&mut self.acct, ThreadKey(thread.into())),
            Op::Exit { thread } => self.exit(thread),
        }
        self.check_always()
    }

    /// What holds after every operation.
    fn check_always(&self) -> Result<(), TestCaseError> {
        prop_assert_eq!(self.pool.check_invariants(), Ok(()));
        prop_assert_eq!(
            self.used(),
            self.pool.used_memory(),
            "counter = chunk bytes"
        );
        prop_assert!(self.used() <= self.limit);
        let live: u64 = self.live.iter().map(|l| l.placement.norm_size).sum();
        prop_assert_eq!(self.pool.active_bytes(), live);
        let metrics = self.pool.arena_metrics();
        for (m, n) in metrics.iter().zip(&self.caches_per_arena) {
            prop_assert_eq!(m.num_thread_caches, *n, "arena {} thread caches", m.index);
        }
        Ok(())
    }

    /// Frees everything, ends every thread, and checks what is left.
    fn finish(mut self) -> Result<(), TestCaseError> {
        while !self.live.is_empty() {
            self.free(0, 0)?;
        }
        for t in 0..N_THREADS {
            self.exit(t);
        }
        self.check_always()?;
        prop_assert_eq!(self.pool.active_bytes(), 0);
        let page = self.cfg.page_size;
        let chunk_size = self.cfg.chunk_size();
        // Bytes the stranded buffers hold, per chunk: a run itself, a subpage element its page.
        let mut held: BTreeMap<u64, BTreeMap<u64, u64>> = BTreeMap::new();
        for p in &self.stranded {
            let (start, len) = if p.norm_size >= page {
                (p.offset, p.norm_size)
            } else {
                (p.offset / page * page, page)
            };
            held.entry(p.chunk).or_default().insert(start, len);
        }
        let mut listed_bytes = 0;
        for m in self.pool.arena_metrics() {
            prop_assert_eq!(m.num_thread_caches, 0);
            prop_assert_eq!(
                m.allocations[3],
                m.deallocations[3],
                "huge buffers all freed"
            );
            let mut pinned_pages = 0;
            for (list, chunks) in &m.chunk_lists {
                let (min, max) = match *list {
                    "qInit" => (i32::MIN, 25),
                    "q000" => (1, 50),
                    "q025" => (25, 75),
                    "q050" => (50, 100),
                    "q075" => (75, 100),
                    _ => (100, i32::MAX),
                };
                for c in chunks {
                    listed_bytes += chunk_size;
                    prop_assert!(
                        c.usage >= min && c.usage < max,
                        "chunk {} at usage {} in {list}",
                        c.id,
                        c.usage
                    );
                    let used = chunk_size - c.free_bytes;
                    let held: u64 = held.get(&c.id).map_or(0, |r| r.values().sum());
                    prop_assert!(used >= held, "chunk {} lost stranded memory", c.id);
                    prop_assert_eq!((used - held) % page, 0);
                    pinned_pages += (used - held) / page;
                    if used == 0 {
                        prop_assert_eq!(*list, "qInit", "an empty chunk outside qInit lives");
                    }
                }
            }
            let sizes = self.subpage_sizes.get(&m.index).map_or(0, Vec::len) as u64;
            prop_assert!(
                pinned_pages <= sizes,
                "arena {}: {pinned_pages} pages held beyond the stranded buffers, but only {sizes} subpage sizes",
                m.index
            );
        }
        prop_assert_eq!(self.pool.used_memory(), listed_bytes);
        prop_assert_eq!(self.used(), listed_bytes);
        Ok(())
    }
}

/// Drives [`SharedPool`] and [`Netty41Pool`] together from one thread.
struct Twin {
    exact: Netty41Pool,
    acct: DirectAccounting,
    shared: SharedPool,
    handles: BTreeMap<u8, memsim_direct::PoolHandle>,
    live: Vec<(BufHandle, SharedBuf, u8)>,
}

impl Twin {
    fn check(&self) -> Result<(), TestCaseError> {
        prop_assert_eq!(self.exact.arena_metrics(), self.shared.arena_metrics());
        prop_assert_eq!(self.exact.used_memory(), self.shared.used_memory());
        prop_assert_eq!(self.acct.netty_used(), Some(self.shared.counter().used()));
        prop_assert_eq!(self.exact.active_bytes(), self.shared.active_bytes());
        prop_assert_eq!(self.exact.counters(), self.shared.counters());
        prop_assert_eq!(self.shared.check_invariants(), Ok(()));
        Ok(())
    }

    fn free(&mut self, i: usize) {
        let (h, buf, _) = self.live.remove(i);
        self.exact.free(&mut self.acct, ThreadKey(0), h);
        self.shared.free(buf);
    }
}

fn twin_run(p: &Program) -> Result<(), TestCaseError> {
    let mut t = Twin {
        exact: Netty41Pool::new(p.cfg),
        acct: DirectAccounting::new(NettyCap::Counter { limit: p.limit }, 1 << 40),
        shared: SharedPool::new(p.cfg, p.limit),
        handles: BTreeMap::new(),
        live: Vec::new(),
    };
    for op in &p.ops {
        match *op {
            Op::Alloc { thread, size } => {
                let shared = &t.shared;
                let h = t
                    .handles
                    .entry(thread)
                    .or_insert_with(|| shared.register_thread());
                let a = t
                    .exact
                    .allocate_placed(&mut t.acct, ThreadKey(thread.into()), size);
                let b = h.allocate(size);
                match (a, b) {
                    (Ok(Some((ha, pa))), Ok(bb)) => {
                        prop_assert_eq!(pa, bb.placement());
                        t.live.push((ha, bb, thread));
                    }
                    (Err(ea), Err(eb)) => prop_assert_eq!(ea, eb),
                    (a, b) => prop_assert!(false, "exact {a:?}, shared {b:?}"),
                }
            }
            Op::Free { idx, .. } => {
                // Only buffers whose allocating thread is alive (see the module documentation).
                let alive: Vec<usize> = (0..t.live.len())
                    .filter(|i| t.handles.contains_key(&t.live[*i].2))
                    .collect();
                if !alive.is_empty() {
                    t.free(alive[idx % alive.len()]);
                }
            }
            Op::Trim { thread } => {
                t.exact.trim_thread(&mut t.acct, ThreadKey(thread.into()));
                if let Some(h) = t.handles.get_mut(&thread) {
                    h.trim();
                }
            }
            Op::Exit { thread } => {
                t.exact.end_thread(&mut t.acct, ThreadKey(thread.into()));
                if let Some(h) = t.handles.remove(&thread) {
                    h.exit();
                }
                // The exact model's buffers of that thread would strand; so are the twin's kept
                // until the end, and the thread key starts a new thread, as in the exact model.
                for l in &mut t.live {
                    if l.2 == thread {
                        l.2 = u8::MAX;
                    }
                }
            }
        }
        t.check()?;
    }
    // Buffers of ended threads: both pools differ on where these go, so only the counter and the
    // active bytes are compared from here on.
    while !t.live.is_empty() {
        t.free(0);
    }
    for thread in 0..N_THREADS {
        t.exact.end_thread(&mut t.acct, ThreadKey(thread.into()));
        if let Some(h) = t.handles.remove(&thread) {
            h.exit();
        }
    }
    prop_assert_eq!(t.exact.active_bytes(), 0);
    prop_assert_eq!(t.shared.active_bytes(), 0);
    prop_assert_eq!(t.shared.counter().used(), t.shared.used_memory());
    prop_assert_eq!(t.shared.check_invariants(), Ok(()));
    Ok(())
}

proptest! {
    #![proptest_config(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn netty41_pool_matches_its_shadow_model(p in program()) {
        let mut run = Run::new(&p);
        for op in &p.ops {
            run.apply(op)?;
        }
        run.finish()?;
    }

    #[test]
    fn shared_pool_on_one_thread_equals_the_exact_model(p in program()) {
        twin_run(&p)?;
    }
}
