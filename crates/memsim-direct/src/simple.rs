//! `SimplePool`: a first, **approximate** model of Netty 4.1.48's `PooledByteBufAllocator`.
//!
//! Exact (from `shared/reference/netty-pooled-allocator.md`, Netty 4.1.48 sources):
//! - chunk size = `pageSize << maxOrder`; default arenas `min(2·cores, maxDirectMemory/chunk/2/3)`;
//!   with 0 arenas every buffer is unpooled and charged on its own;
//! - size normalization (≥ 512 → next power of two; < 512 → multiple of 16; ≥ chunk unchanged)
//!   and the tiny/small/normal/huge kinds; huge buffers get their own exact-size allocation;
//! - thread → arena binding: the arena with the fewest bound threads, the first on ties;
//! - the cap is charged per chunk (a 100-byte buffer can fail if it needs a new chunk) or per huge buffer;
//! - release: a chunk whose usage never reached 25 % stays in `qInit` and is never freed; one that
//!   did is destroyed as soon as it becomes empty; tiny/small buffers share one page per size class
//!   (a subpage), and the last subpage of a size class in an arena is never released.
//!
//! Approximated (the Netty-exact pool replaces these): placement is first-fit by free bytes over the
//! arena's chunks in creation order, not the buddy tree's leftmost fit and the chunk lists' search
//! order `q050, q025, q000, qInit, q075`, so fragmentation (and hence the number of chunks) is
//! under-estimated; there are no thread caches; a chunk's resident bytes are the high-water mark of
//! the bytes handed out from it (pages once touched stay resident).

use crate::accounting::{DirectAccounting, DirectAllocError};
use crate::{BufHandle, DirectPool, PoolCounters, SizeKind, ThreadKey};
use memsim_core::Usage;
use std::collections::BTreeMap;

/// Pool settings, as Netty's `io.netty.allocator.*` properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// `pageSize` (a power of two ≥ 4096).
    pub page_size: u64,
    /// `maxOrder` (≤ 14).
    pub max_order: u32,
    /// Direct arenas; 0 = unpooled.
    pub n_arenas: u32,
}

impl PoolConfig {
    /// `pageSize << maxOrder`.
    pub fn chunk_size(&self) -> u64 {
        self.page_size << self.max_order
    }

    /// Netty's default arena count: `max(0, min(2·cores, maxDirectMemory / chunkSize / 2 / 3))`.
    pub fn default_arenas(cores: u32, max_direct_memory: u64, chunk_size: u64) -> u32 {
        let by_memory = max_direct_memory / chunk_size / 2 / 3;
        u64::from(2 * cores).min(by_memory) as u32
    }

    /// Netty 4.1.48's `normalizeCapacity`.
    pub fn normalize(&self, req: u64) -> u64 {
        crate::normalize_capacity(req, self.chunk_size())
    }

    /// The kind of a request, by its normalized size.
    pub fn kind(&self, req: u64) -> SizeKind {
        crate::size_kind(req, self.page_size, self.chunk_size())
    }
}

#[derive(Debug, Clone)]
struct Chunk {
    arena: u32,
    size: u64,
    // Invariant: used <= size; touched is the high-water mark of used.
    used: u64,
    touched: u64,
    reached_25: bool,
    huge: bool,
}

#[derive(Debug, Clone)]
struct Subpage {
    chunk: u32,
    elem_size: u64,
    n_elems: u64,
    n_free: u64,
}

#[derive(Debug, Clone, Copy)]
enum Place {
    Run { chunk: u32, bytes: u64 },
    Elem { subpage: u32 },
    Alone { chunk: u32 },
}

#[derive(Debug, Clone, Copy)]
struct Live {
    place: Place,
    norm: u64,
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct SimplePool {
    cfg: PoolConfig,
    // Slabs indexed by id; `None` = destroyed/free slot. Ids are reused lowest-first for determinism.
    chunks: Vec<Option<Chunk>>,
    subpages: Vec<Option<Subpage>>,
    live: Vec<Option<Live>>,
    free_live: Vec<u32>,
    // Per arena, chunk ids in creation order.
    arena_chunks: Vec<Vec<u32>>,
    // Per (arena, elem_size): subpage ids, most recent last.
    subpage_pools: BTreeMap<(u32, u64), Vec<u32>>,
    arena_threads: Vec<u32>,
    bindings: BTreeMap<ThreadKey, u32>,
    // Invariant: used_memory = Σ chunk sizes; touched = Σ chunk touched; active = Σ live norm.
    used_memory: u64,
    touched: u64,
    active: u64,
    counters: PoolCounters,
}

impl SimplePool {
    /// An empty pool.
    pub fn new(cfg: PoolConfig) -> SimplePool {
        let n = cfg.n_arenas as usize;
        SimplePool {
            cfg,
            chunks: Vec::new(),
            subpages: Vec::new(),
            live: Vec::new(),
            free_live: Vec::new(),
            arena_chunks: vec![Vec::new(); n],
            subpage_pools: BTreeMap::new(),
            arena_threads: vec![0; n],
            bindings: BTreeMap::new(),
            used_memory: 0,
            touched: 0,
            active: 0,
            counters: PoolCounters::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> PoolConfig {
        self.cfg
    }

    /// Chunks currently held (pooled and huge).
    pub fn n_chunks(&self) -> usize {
        self.chunks.iter().flatten().count()
    }

    fn arena_of(&mut self, thread: ThreadKey) -> u32 {
        if let Some(a) = self.bindings.get(&thread) {
            return *a;
        }
        let (idx, _) = self
            .arena_threads
            .iter()
            .enumerate()
            .min_by_key(|(i, n)| (**n, *i))
            .expect("arena_of is only called with arenas");
        self.arena_threads[idx] += 1;
        self.bindings.insert(thread, idx as u32);
        idx as u32
    }

    fn new_chunk(
        &mut self,
        acct: &mut DirectAccounting,
        arena: u32,
        size: u64,
        huge: bool,
    ) -> Result<u32, DirectAllocError> {
        acct.reserve_netty(size)?;
        let chunk = Chunk {
            arena,
            size,
            used: 0,
            touched: 0,
            reached_25: false,
            huge,
        };
        self.used_memory += size;
        self.counters.chunks_created += 1;
        let id = match self.chunks.iter().position(Option::is_none) {
            Some(i) => {
                self.chunks[i] = Some(chunk);
                i
            }
            None => {
                self.chunks.push(Some(chunk));
                self.chunks.len() - 1
            }
        } as u32;
        if !huge {
            self.arena_chunks[arena as usize].push(id);
        }
        Ok(id)
    }

    fn take(&mut self, id: u32, bytes: u64) {
        let c = self.chunks[id as usize].as_mut().expect("live chunk");
        c.used += bytes;
        c.reached_25 |= c.used * 4 >= c.size;
        if c.used > c.touched {
            self.touched += c.used - c.touched;
            c.touched = c.used;
        }
    }

    fn give_back(&mut self, acct: &mut DirectAccounting, id: u32, bytes: u64) {
        let c = self.chunks[id as usize].as_mut().expect("live chunk");
        c.used -= bytes;
        if c.used == 0 && (c.reached_25 || c.huge) {
            let c = self.chunks[id as usize].take().expect("live chunk");
            acct.release_netty(c.size);
            self.used_memory -= c.size;
            self.touched -= c.touched;
            self.counters.chunks_destroyed += 1;
            if !c.huge {
                self.arena_chunks[c.arena as usize].retain(|x| *x != id);
            }
        }
    }

    fn run(
        &mut self,
        acct: &mut DirectAccounting,
        arena: u32,
        bytes: u64,
    ) -> Result<u32, DirectAllocError> {
        let found = self.arena_chunks[arena as usize]
            .iter()
            .copied()
            .find(|id| {
                let c = self.chunks[*id as usize].as_ref().expect("listed chunk");
                c.size - c.used >= bytes
            });
        let id = match found {
            Some(id) => id,
            None => self.new_chunk(acct, arena, self.cfg.chunk_size(), false)?,
        };
        self.take(id, bytes);
        Ok(id)
    }

    fn push_live(&mut self, live: Live) -> BufHandle {
        self.active += live.norm;
        match self.free_live.pop() {
            Some(i) => {
                self.live[i as usize] = Some(live);
                BufHandle(i)
            }
            None => {
                self.live.push(Some(live));
                BufHandle(self.live.len() as u32 - 1)
            }
        }
    }
}

impl DirectPool for SimplePool {
    fn allocate(
        &mut self,
        acct: &mut DirectAccounting,
        thread: ThreadKey,
        size: u64,
    ) -> Result<BufHandle, DirectAllocError> {
        let norm = self.cfg.normalize(size);
        let kind = self.cfg.kind(size);
        let result = if self.cfg.n_arenas == 0 || kind == SizeKind::Huge {
            // Unpooled (no arenas) or huge: its own allocation of exactly the requested capacity.
            let arena = if self.cfg.n_arenas == 0 {
                0
            } else {
                self.arena_of(thread)
            };
            self.new_chunk(acct, arena, size.max(1), true).map(|chunk| {
                self.take(chunk, size.max(1));
                Live {
                    place: Place::Alone { chunk },
                    norm: size.max(1),
                }
            })
        } else {
            let arena = self.arena_of(thread);
            match kind {
                SizeKind::Normal => self.run(acct, arena, norm).map(|chunk| Live {
                    place: Place::Run { chunk, bytes: norm },
                    norm,
                }),
                _ => {
                    let pool = self.subpage_pools.entry((arena, norm)).or_default();
                    let avail = pool.iter().rev().copied().find(|s| {
                        self.subpages[*s as usize]
                            .as_ref()
                            .expect("pooled subpage")
                            .n_free
                            > 0
                    });
                    let sp = match avail {
                        Some(s) => Ok(s),
                        None => self.run(acct, arena, self.cfg.page_size).map(|chunk| {
                            let sp = Subpage {
                                chunk,
                                elem_size: norm,
                                n_elems: self.cfg.page_size / norm,
                                n_free: self.cfg.page_size / norm,
                            };
                            self.subpages.push(Some(sp));
                            let id = self.subpages.len() as u32 - 1;
                            self.subpage_pools
                                .get_mut(&(arena, norm))
                                .expect("pool")
                                .push(id);
                            id
                        }),
                    };
                    sp.map(|s| {
                        self.subpages[s as usize].as_mut().expect("subpage").n_free -= 1;
                        Live {
                            place: Place::Elem { subpage: s },
                            norm,
                        }
                    })
                }
            }
        };
        match result {
            Ok(live) => {
                self.counters.allocations += 1;
                Ok(self.push_live(live))
            }
            Err(e) => {
                self.counters.failures += 1;
                Err(e)
            }
        }
    }

    fn free(&mut self, acct: &mut DirectAccounting, _thread: ThreadKey, buf: BufHandle) {
        let live = self.live[buf.0 as usize]
            .take()
            .expect("double free of a direct buffer");
        self.free_live.push(buf.0);
        self.active -= live.norm;
        self.counters.deallocations += 1;
        match live.place {
            Place::Run { chunk, bytes } => self.give_back(acct, chunk, bytes),
            Place::Alone { chunk } => self.give_back(acct, chunk, live.norm),
            Place::Elem { subpage } => {
                let sp = self.subpages[subpage as usize].as_mut().expect("subpage");
                sp.n_free += 1;
                if sp.n_free == sp.n_elems {
                    let (chunk, elem) = (sp.chunk, sp.elem_size);
                    let arena = self.chunks[chunk as usize].as_ref().expect("chunk").arena;
                    let pool = self.subpage_pools.get_mut(&(arena, elem)).expect("pool");
                    // The last subpage of a size class is kept (Netty's doNotDestroy rule).
                    if pool.len() > 1 {
                        pool.retain(|s| *s != subpage);
                        self.subpages[subpage as usize] = None;
                        self.give_back(acct, chunk, self.cfg.page_size);
                    }
                }
            }
        }
    }

    fn thread_exit(&mut self, _acct: &mut DirectAccounting, thread: ThreadKey) {
        if let Some(a) = self.bindings.remove(&thread) {
            self.arena_threads[a as usize] -= 1;
        }
    }

    fn usage(&self) -> Usage {
        Usage {
            reserved: self.used_memory,
            committed: self.used_memory,
            resident: self.touched,
        }
    }

    fn used_memory(&self) -> u64 {
        self.used_memory
    }

    fn active_bytes(&self) -> u64 {
        self.active
    }

    fn counters(&self) -> PoolCounters {
        self.counters
    }

    fn check_invariants(&self) -> Result<(), String> {
        let chunks: Vec<&Chunk> = self.chunks.iter().flatten().collect();
        let size: u64 = chunks.iter().map(|c| c.size).sum();
        let touched: u64 = chunks.iter().map(|c| c.touched).sum();
        let active: u64 = self.live.iter().flatten().map(|l| l.norm).sum();
        if size != self.used_memory || touched != self.touched || active != self.active {
            return Err(format!(
                "pool sums drifted: chunks {size} vs {}, touched {touched} vs {}, active {active} vs {}",
                self.used_memory, self.touched, self.active
            ));
        }
        if let Some(c) = chunks
            .iter()
            .find(|c| c.used > c.size || c.touched < c.used || c.touched > c.size)
        {
            return Err(format!("chunk out of bounds: {c:?}"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::NettyCap;

    const MIB: u64 = 1 << 20;

    fn pool(arenas: u32, cap: u64) -> (SimplePool, DirectAccounting) {
        let cfg = PoolConfig {
            page_size: 8192,
            max_order: 11,
            n_arenas: arenas,
        };
        (
            SimplePool::new(cfg),
            DirectAccounting::new(NettyCap::Counter { limit: cap }, cap),
        )
    }

    #[test]
    fn normalization_follows_netty_4_1_48() {
        let cfg = PoolConfig {
            page_size: 8192,
            max_order: 11,
            n_arenas: 1,
        };
        assert_eq!(cfg.normalize(511), 512);
        assert_eq!(cfg.kind(511), SizeKind::Small);
        assert_eq!(cfg.normalize(100), 112);
        assert_eq!(cfg.kind(100), SizeKind::Tiny);
        assert_eq!(cfg.normalize(4097), 8192);
        assert_eq!(cfg.kind(4097), SizeKind::Normal);
        assert_eq!(cfg.normalize(3_000_000), 4 * MIB);
        assert_eq!(cfg.normalize(8 * MIB + 1), 16 * MIB);
        assert_eq!(cfg.kind(16 * MIB), SizeKind::Normal);
        assert_eq!(cfg.kind(16 * MIB + 1), SizeKind::Huge);
        assert_eq!(cfg.normalize(16 * MIB + 1), 16 * MIB + 1);
    }

    #[test]
    fn default_arenas_formula() {
        assert_eq!(PoolConfig::default_arenas(2, 48 * MIB, 16 * MIB), 0);
        assert_eq!(PoolConfig::default_arenas(2, 6 << 30, 16 * MIB), 4);
        assert_eq!(PoolConfig::default_arenas(8, 4 << 30, 16 * MIB), 16);
    }

    #[test]
    fn threads_bind_to_least_used_arena_first_on_ties() {
        let (mut p, mut a) = pool(2, 1 << 30);
        let arenas: Vec<u32> = (0..3).map(|t| p.arena_of(ThreadKey(t))).collect();
        assert_eq!(arenas, vec![0, 1, 0]);
        p.thread_exit(&mut a, ThreadKey(1));
        assert_eq!(p.arena_of(ThreadKey(9)), 1);
    }

    #[test]
    fn a_small_buffer_can_fail_for_want_of_a_chunk() {
        let (mut p, mut a) = pool(1, 16 * MIB);
        let big = p.allocate(&mut a, ThreadKey(0), 16 * MIB).unwrap();
        let e = p.allocate(&mut a, ThreadKey(0), 100).unwrap_err();
        assert_eq!(
            e,
            DirectAllocError::OutOfDirectMemory {
                requested: 16 * MIB,
                used: 16 * MIB,
                max: 16 * MIB
            }
        );
        p.free(&mut a, ThreadKey(0), big);
        p.check_invariants().unwrap();
        assert_eq!(p.counters().failures, 1);
    }

    #[test]
    fn chunks_below_25_percent_are_kept_others_destroyed() {
        // netty #9253: 1,000,000 B (→1 MiB, 6 %) keeps its chunk; 3,000,000 B (→4 MiB, 25 %) does not.
        let (mut p, mut a) = pool(1, 1 << 30);
        let b = p.allocate(&mut a, ThreadKey(0), 1_000_000).unwrap();
        p.free(&mut a, ThreadKey(0), b);
        assert_eq!(p.used_memory(), 16 * MIB);
        let (mut p, mut a) = pool(1, 1 << 30);
        let b = p.allocate(&mut a, ThreadKey(0), 3_000_000).unwrap();
        p.free(&mut a, ThreadKey(0), b);
        assert_eq!(p.used_memory(), 0);
        assert_eq!(a.netty_used(), Some(0));
    }

    #[test]
    fn huge_buffers_are_charged_exactly_and_freed() {
        let (mut p, mut a) = pool(1, 1 << 30);
        let b = p.allocate(&mut a, ThreadKey(0), 20_000_000).unwrap();
        assert_eq!(a.netty_used(), Some(20_000_000));
        p.free(&mut a, ThreadKey(0), b);
        assert_eq!(a.netty_used(), Some(0));
        assert_eq!(p.usage(), Usage::default());
    }

    #[test]
    fn counter_equals_pool_memory_under_random_load() {
        let (mut p, mut a) = pool(2, 256 * MIB);
        let mut rng = memsim_core::SimRng::new(5, 0);
        let mut held = Vec::new();
        for i in 0..20_000u32 {
            if rng.below(3) > 0 || held.is_empty() {
                let bound = if rng.below(10) == 0 {
                    20 * MIB
                } else {
                    64 * 1024
                };
                let size = 1 + rng.below(bound);
                if let Ok(h) = p.allocate(&mut a, ThreadKey(i % 5), size) {
                    held.push(h);
                }
            } else {
                let h = held.swap_remove(rng.below(held.len() as u64) as usize);
                p.free(&mut a, ThreadKey(i % 7), h);
            }
            p.check_invariants().unwrap();
            assert_eq!(a.netty_used(), Some(p.used_memory()));
            assert!(p.used_memory() <= 256 * MIB);
        }
        for h in held.drain(..) {
            p.free(&mut a, ThreadKey(0), h);
        }
        assert_eq!(p.active_bytes(), 0);
        p.check_invariants().unwrap();
    }
}
