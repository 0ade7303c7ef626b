//! The simulated process and its event loop.

mod backlog;
mod cgroup;
mod db;
mod db_reads;
mod db_restart;
mod finish;
mod fulltext;
mod jvm_accounts;
mod limit;
mod phase_work;
mod phases;
mod queue;
mod requests;

pub use limit::Limit;

use crate::RunOptions;
use backlog::Backlog;
use memsim_core::{
    Account, Bound, ByteSize, Event, EventKind, GcKind, Ledger, RunSummary, Sample, SimDuration,
    SimRng, SimTime, Usage,
};
use memsim_direct::netty41::{Netty41Config, Netty41Pool};
use memsim_direct::netty4118::{Netty4118Config, Netty4118Pool};
use memsim_direct::{
    BufHandle, DirectAccounting, DirectPool, NettyCap, PoolConfig, SimplePool, ThreadKey,
};
use memsim_jvm::native::{MallocArenas, ThreadLimit};
use memsim_jvm::{Collector, Ergonomics, Jvm, JvmError, JvmFlags, MachineView, VolatileInputs};
use memsim_scenario::{DirectPath, NettyModel, Phase, Scenario};
use queue::EventQueue;
use std::collections::BTreeMap;

/// With `check_invariants`, how often the (expensive) pool check runs; the ledger is checked after every event.
const POOL_CHECK_EVERY: u64 = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    PhaseStart(u32),
    PhaseEnd(u32),
    Arrival(u32),
    Release(u32),
    Work(u32),
    /// The chunk pool's cleaner has freed what C2's compilations during class loading left (5 s after
    /// the loading phase; see `memsim_jvm::Compilation::arena_chunk_bytes`).
    LoadingCooled,
    Sample,
    /// The next transaction of a phase's database operation.
    DbTx(u32),
    /// The database's background work (evictor, checkpoint policy).
    DbTick,
    /// The running checkpoint completes.
    DbCheckpointDone,
    /// A phase's one-off database operation, waiting for a running checkpoint to complete.
    DbOpRetry(u32),
    /// A transaction ends: its state on the heap (bytes) becomes garbage.
    DbTxEnd(u64),
    /// A request that arrived during a stop-the-world pause, read by the (stopped) event loop now.
    Serve(u32),
    /// The latest stop-the-world pause has ended: the next deferred event runs.
    SafepointEnd,
    /// The OOM kill the kernel model scheduled may be due (checked after the event, in `account`).
    OomCheck,
}

impl Ev {
    /// Whether the event is the work of Java threads, which a stop-the-world pause stops: requests,
    /// a phase's continuous work and its end, transactions. Phase starts (the scenario's offered
    /// load), samples and the engine's bookkeeping run on time; so do the database's background
    /// ticks and checkpoint completion (**approximation**: Neo4j's evictor and checkpointer are Java
    /// threads too, but their timing is modelled coarsely already).
    fn stopped_by_pauses(self) -> bool {
        matches!(
            self,
            Ev::Arrival(_)
                | Ev::Serve(_)
                | Ev::Release(_)
                | Ev::Work(_)
                | Ev::PhaseEnd(_)
                | Ev::DbTx(_)
                | Ev::DbTxEnd(_)
                | Ev::DbOpRetry(_)
        )
    }
}

/// How long class loading keeps NMT's Arena Chunk pool high after it stops (its periodic cleaner),
/// with C2: C2 compiling the loading code is what fills the pool.
const ARENA_COOL_DOWN: SimDuration = SimDuration::from_secs(5);

#[derive(Debug, Clone, Copy)]
struct Request {
    phase: u32,
    thread: ThreadKey,
    direct: Option<(DirectPath, BufHandle, u64)>,
    heap: u64,
}

#[derive(Debug)]
struct PhaseState {
    first_thread: u32,
    // Threads that started (those over the thread limit failed); requests use only these.
    started_threads: u32,
    // Cumulative amounts of continuous work applied so far.
    done_live: u64,
    /// Live heap the phase's parked virtual threads hold (0 when the heap could not take them).
    virtual_heap: u64,
    done_churn: u64,
    done_classes: u64,
    done_compiled: u64,
    done_touch: u64,
    done_hidden: u64,
    done_direct: u64,
    done_unsafe: u64,
    done_mapped: u64,
    done_mapped_hot: u64,
    done_written: u64,
    classes_blocked: bool,
    direct_blocked: bool,
    active: bool,
}

pub(crate) struct World<'s> {
    s: &'s Scenario,
    options: RunOptions,
    seed: u64,
    now: SimTime,
    queue: EventQueue<Ev>,
    rngs: Vec<SimRng>,
    phases: Vec<PhaseState>,
    limit: Limit,
    jvm: Jvm,
    acct: DirectAccounting,
    pool: Box<dyn DirectPool>,
    pool_chunk_size: u64,
    pool_arenas: u32,
    jdk_direct: Usage,
    // Bytes of `Unsafe.allocateMemory` (NMT Other) and of mapped files touched (file-backed RSS).
    unsafe_memory: u64,
    mapped_files: u64,
    // Of the mapped files' bytes, those read again and again; bytes of files written with write();
    // bytes dirtied since the kernel model last saw them.
    mapped_hot: u64,
    written_files: u64,
    newly_dirty: u64,
    // The kernel's side of the limit, and when its pending kill was last scheduled for.
    cgroup: cgroup::MemCgroup,
    kill_check_at: Option<SimTime>,
    // The bound that stopped the run before its planned end, if one did (the verdict `incomplete`).
    stopped_by: Option<Bound>,
    db: Option<db::DbState>,
    // The database's full-text (Lucene) indexes, mapped outside the page cache (world/fulltext.rs).
    fulltext: Option<memsim_pagecache::FulltextIndex>,
    ledger: Ledger,
    // The JVM's stable version whose accounts the ledger holds (`Jvm::stable_version`).
    jvm_stable_accounted: Option<u64>,
    // The JVM's volatile inputs whose accounts the ledger holds (`Jvm::volatile_inputs`).
    jvm_volatile_accounted: Option<VolatileInputs>,
    // Slab of in-flight requests; ids reused lowest-last (a stack), deterministically.
    requests: Vec<Option<Request>>,
    free_requests: Vec<u32>,
    // Events of stopped threads, due during a stop-the-world pause, in the order they fell due
    // (as runs of identical events: memory follows the changes of event, not the waiting requests).
    backlog: Backlog<Ev>,
    // Whether an `Ev::SafepointEnd` is in the queue.
    safepoint_end_queued: bool,
    next_thread: u32,
    events: Vec<Event>,
    event_index: BTreeMap<(EventKind, String), usize>,
    samples: Vec<Sample>,
    peak: u64,
    peak_at: SimTime,
    at_peak: Ledger,
    killed: bool,
    // Simulated events so far: the loop's events plus every page pinned (warm-up, reads,
    // transactions), each a unit of simulated work charged to `max_events`.
    n_events: u64,
    // Of the page cache's pins over the run, those already charged to `n_events`.
    pins_counted: u64,
    // `n_events` when the pool's invariants were last checked (`check_invariants`).
    pool_checked_at: u64,
    counters: Counters,
}

#[derive(Debug, Default)]
struct Counters {
    requests_started: u64,
    requests_completed: u64,
    requests_failed: u64,
    heap_oom_errors: u64,
    direct_oom_errors: u64,
    // `System.gc()` calls and `tryReserveMemory` calls of failing JDK direct reservations.
    direct_reservation_gcs: u64,
    direct_reservation_tries: u64,
    threads_failed: u64,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

impl<'s> World<'s> {
    pub(crate) fn new(s: &'s Scenario, options: RunOptions) -> World<'s> {
        let seed = options.seed.unwrap_or(s.seed);
        let machine = MachineView {
            ram_bytes: s.machine.ram,
            container_limit_bytes: s.machine.container_limit,
            cores: s.machine.cores,
        };
        let flags = JvmFlags {
            jdk: s.jvm.version,
            heap_initial: s.jvm.heap_initial,
            heap_max: s.jvm.heap_max,
            thread_stack: s.jvm.thread_stack,
            collector: s.jvm.gc.map(|c| match c {
                memsim_scenario::Collector::G1 => Collector::G1,
                memsim_scenario::Collector::Parallel => Collector::Parallel,
                memsim_scenario::Collector::Serial => Collector::Serial,
            }),
            max_direct_memory: s.jvm.max_direct_memory,
            max_metaspace: s.jvm.max_metaspace,
            reserved_code_cache: s.jvm.reserved_code_cache,
            compressed_class_space: s.jvm.compressed_class_space,
            always_pre_touch: s.jvm.always_pre_touch,
            // JDK 17 is container-aware: without -XX:ActiveProcessorCount it counts the CPU quota.
            active_processor_count: s
                .jvm
                .active_processor_count
                .or_else(|| s.machine.cpu_limit.map(|quota| quota.min(s.machine.cores))),
            parallel_gc_threads: s.jvm.parallel_gc_threads,
            conc_gc_threads: s.jvm.conc_gc_threads,
            ci_compiler_count: s.jvm.ci_compiler_count,
            max_ram_percentage: s.jvm.max_ram_percentage,
            min_ram_percentage: s.jvm.min_ram_percentage,
            initial_ram_percentage: s.jvm.initial_ram_percentage,
            max_ram: s.jvm.max_ram,
            use_container_support: s.jvm.use_container_support,
            tiered_compilation: s.jvm.tiered_compilation,
            tiered_stop_at_level: s.jvm.tiered_stop_at_level,
            segmented_code_cache: s.jvm.segmented_code_cache,
            initial_code_cache: s.jvm.initial_code_cache,
        };
        let ergo = Ergonomics::resolve(machine, flags);
        let cap = NettyCap::from_property(s.netty.max_direct_memory, ergo.max_direct_memory);
        let chunk = s.netty.page_size << s.netty.max_order;
        let n_arenas = s.netty.direct_arenas.unwrap_or_else(|| {
            // Netty counts `Runtime.availableProcessors()`: the JVM's processor count.
            PoolConfig::default_arenas(
                ergo.active_processors,
                cap.max_direct_memory(ergo.max_direct_memory),
                chunk,
            )
        });
        let pool: Box<dyn DirectPool> = match s.netty.model {
            NettyModel::Netty41 => Box::new(Netty41Pool::new(Netty41Config {
                page_size: s.netty.page_size,
                max_order: s.netty.max_order,
                use_cache_for_all_threads: s.netty.use_cache_for_all_threads,
                ..Netty41Config::with_arenas(n_arenas)
            })),
            NettyModel::Netty41118 => Box::new(Netty4118Pool::new(Netty4118Config {
                page_size: s.netty.page_size,
                max_order: s.netty.max_order,
                use_cache_for_all_threads: s.netty.use_cache_for_all_threads,
                ..Netty4118Config::with_arenas(n_arenas)
            })),
            NettyModel::Approx => Box::new(SimplePool::new(PoolConfig {
                page_size: s.netty.page_size,
                max_order: s.netty.max_order,
                n_arenas,
            })),
            NettyModel::Netty42Adaptive { event_loop_threads } => {
                Box::new(adaptive_pool(&ergo, event_loop_threads))
            }
        };
        // The adaptive allocator has no arenas or fixed chunk: report its largest chunk and its
        // magazine groups instead.
        let (chunk, n_arenas) = match s.netty.model {
            NettyModel::Netty42Adaptive { event_loop_threads } => {
                let cfg = adaptive_pool(&ergo, event_loop_threads).config();
                (cfg.max_chunk_size(), 17)
            }
            _ => (chunk, n_arenas),
        };
        let db = s.has_database().then(|| {
            let size = s
                .page_cache
                .as_ref()
                .and_then(|pc| pc.size)
                .unwrap_or_else(|| memsim_pagecache::default_size(s.machine.ram, ergo.heap_max));
            db::DbState::new(s, size)
        });
        let mut w = World {
            s,
            options,
            seed,
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            rngs: (0..s.phases.len() as u64)
                .map(|i| SimRng::new(seed, i + 1))
                .collect(),
            phases: Vec::new(),
            limit: Limit::of(s),
            // glibc sizes its arenas from the machine's CPUs, not the JVM's ActiveProcessorCount.
            jvm: Jvm::new(ergo).with_process(
                MallocArenas::new(s.machine.cores, s.jvm.malloc_arena_max),
                ThreadLimit {
                    max_threads: s.machine.max_threads,
                },
            ),
            acct: DirectAccounting::new(cap, ergo.max_direct_memory),
            pool,
            pool_chunk_size: chunk,
            pool_arenas: n_arenas,
            jdk_direct: Usage::default(),
            unsafe_memory: 0,
            mapped_files: 0,
            mapped_hot: 0,
            written_files: 0,
            newly_dirty: 0,
            cgroup: cgroup::MemCgroup::new(Limit::of(s).bytes),
            kill_check_at: None,
            stopped_by: None,
            db,
            fulltext: fulltext::of(s),
            ledger: Ledger::new(),
            jvm_stable_accounted: None,
            jvm_volatile_accounted: None,
            requests: Vec::new(),
            free_requests: Vec::new(),
            backlog: Backlog::new(),
            safepoint_end_queued: false,
            next_thread: 0,
            events: Vec::new(),
            event_index: BTreeMap::new(),
            samples: Vec::new(),
            peak: 0,
            peak_at: SimTime::ZERO,
            at_peak: Ledger::new(),
            killed: false,
            n_events: 0,
            pins_counted: 0,
            pool_checked_at: 0,
            counters: Counters::default(),
        };
        for (i, p) in s.phases.iter().enumerate() {
            w.phases.push(PhaseState {
                first_thread: 0,
                started_threads: 0,
                done_live: 0,
                virtual_heap: 0,
                done_churn: 0,
                done_classes: 0,
                done_compiled: 0,
                done_touch: 0,
                done_hidden: 0,
                done_direct: 0,
                done_unsafe: 0,
                done_mapped: 0,
                done_mapped_hot: 0,
                done_written: 0,
                classes_blocked: false,
                direct_blocked: false,
                active: false,
            });
            w.schedule(p.start, Ev::PhaseStart(i as u32));
        }
        w.schedule(SimTime::ZERO, Ev::Sample);
        if w.db.is_some() && db::DbState::needs_tick(s) {
            w.schedule(SimTime::ZERO.after(db::DB_TICK), Ev::DbTick);
        }
        // Pins done while the database was set up are not the run's work.
        w.pins_counted = w.pins_so_far();
        w
    }

    /// Takes up to `want` units of simulated work from the event budget (each class loader
    /// created, class loaded, method compiled, hidden class defined, direct buffer allocated):
    /// charges them to `n_events` and returns how many the budget allowed. Once it is spent the
    /// run stops at its next event (`simulation_stopped`). Work that may stop part-way (a class
    /// that does not fit metaspace, a full code cache) takes one unit at a time, so only what
    /// was attempted is charged.
    fn take_budget(&mut self, want: u64) -> u64 {
        let n = want.min(self.events_left());
        self.n_events = self.n_events.saturating_add(n);
        n
    }

    fn schedule(&mut self, at: SimTime, ev: Ev) {
        self.queue.push(at, ev);
    }

    /// Logs `n` occurrences of the same event (folded into one line with `n − 1` repeats).
    fn log_n(&mut self, kind: EventKind, message: String, n: u64) {
        if n == 0 {
            return;
        }
        self.log(kind, message.clone());
        let i = self.event_index[&(kind, message)];
        self.events[i].repeats += n - 1;
    }

    fn log(&mut self, kind: EventKind, message: String) {
        match self.event_index.get(&(kind, message.clone())) {
            Some(i) => self.events[*i].repeats += 1,
            None => {
                self.event_index
                    .insert((kind, message.clone()), self.events.len());
                self.events.push(Event {
                    at: self.now,
                    kind,
                    message,
                    repeats: 0,
                });
            }
        }
    }

    pub(crate) fn run(mut self, on_progress: &mut dyn FnMut(crate::Progress)) -> RunSummary {
        let end = SimTime::ZERO.after(self.s.duration);
        let progress = |w: &World| crate::Progress {
            done: w.now.since(SimTime::ZERO),
            planned: w.s.duration,
            events: w.n_events,
        };
        let mut next_progress = crate::PROGRESS_EVERY_EVENTS;
        self.account();
        while let Some((at, ev)) = self.queue.pop() {
            if at > end {
                break;
            }
            if self.n_events >= self.s.max_events {
                self.log(
                    EventKind::SimulationStopped,
                    format!(
                        "simulation stopped after max_events = {} simulated events",
                        self.s.max_events
                    ),
                );
                self.stopped_by = Some(Bound::MaxEvents(self.s.max_events));
                break;
            }
            self.now = at;
            self.n_events += 1;
            if ev.stopped_by_pauses()
                && (self.now < self.jvm.stw_until() || !self.backlog.is_empty())
            {
                self.defer(ev);
            } else {
                self.handle(ev);
            }
            self.count_pins();
            self.account();
            if self.killed {
                break;
            }
            // Events count the work inside them too (pages pinned, classes loaded): a threshold,
            // not a multiple.
            if self.n_events >= next_progress {
                on_progress(progress(&self));
                next_progress = self.n_events + crate::PROGRESS_EVERY_EVENTS;
            }
        }
        // Work inside the last events (page pins, class loads) may have used up the budget and been
        // cut short with nothing left in the queue to trip the check above: still a stopped run.
        if self.stopped_by.is_none() && !self.killed && self.n_events >= self.s.max_events {
            self.log(
                EventKind::SimulationStopped,
                format!(
                    "simulation stopped after max_events = {} simulated events",
                    self.s.max_events
                ),
            );
            self.stopped_by = Some(Bound::MaxEvents(self.s.max_events));
        }
        if self.samples.last().is_none_or(|s| s.at != self.now) {
            self.take_sample();
        }
        on_progress(progress(&self));
        self.finish()
    }

    /// Holds an event of the application's threads until the world runs again (a safepoint: every
    /// Java thread is stopped for the pause). Clients keep sending during the pause, so the next
    /// arrival is still drawn on time; the request waits in the socket until Netty's event loop runs.
    fn defer(&mut self, ev: Ev) {
        let ev = match ev {
            Ev::Arrival(p) => {
                self.schedule_arrival(p);
                Ev::Serve(p)
            }
            ev => ev,
        };
        self.backlog.push_back(ev);
        self.queue_safepoint_end();
    }

    fn queue_safepoint_end(&mut self) {
        if !self.safepoint_end_queued {
            self.safepoint_end_queued = true;
            self.schedule(self.now.max(self.jvm.stw_until()), Ev::SafepointEnd);
        }
    }

    /// The world runs again: the backlog is worked off in the order it fell due, one event per
    /// `SafepointEnd` (each accounted and counted like any event). When one of them triggers another
    /// pause, the rest wait for its end: every event runs exactly once, so a heap that collects on
    /// every allocation pushes the backlog past the end of the run rather than looping.
    fn safepoint_end(&mut self) {
        self.safepoint_end_queued = false;
        if self.now < self.jvm.stw_until() {
            self.queue_safepoint_end();
            return;
        }
        if let Some(ev) = self.backlog.pop_front() {
            self.handle(ev);
        }
        if !self.backlog.is_empty() {
            self.queue_safepoint_end();
        }
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::PhaseStart(p) => self.start_phase(p),
            Ev::PhaseEnd(p) => self.end_phase(p),
            Ev::Arrival(p) => {
                self.schedule_arrival(p);
                self.serve(p);
            }
            Ev::Serve(p) => self.serve(p),
            Ev::SafepointEnd => self.safepoint_end(),
            Ev::Release(r) => self.release(r),
            Ev::Work(p) => self.work(p),
            Ev::LoadingCooled => self.jvm.set_loading(false),
            Ev::Sample => {
                self.take_sample();
                let next = self.now.after(self.s.sample_every);
                if next <= SimTime::ZERO.after(self.s.duration) {
                    self.schedule(next, Ev::Sample);
                }
            }
            Ev::DbTx(p) => self.db_tx(p),
            Ev::DbTick => self.db_tick(),
            Ev::DbCheckpointDone => self.db_checkpoint_done(),
            Ev::DbOpRetry(p) => self.db_phase_op(p),
            Ev::DbTxEnd(bytes) => {
                // The state leaves the heap and the global transaction memory pool.
                self.jvm.release(bytes);
                if let Some(st) = self.db.as_mut() {
                    st.db.release_tx_memory(bytes);
                }
            }
            Ev::OomCheck => {}
        }
    }

    fn phase(&self, p: u32) -> &'s Phase {
        &self.s.phases[p as usize]
    }

    /// `System.gc()`: a full collection with every collector memsim models (G1 without
    /// `ExplicitGCInvokesConcurrent`), logged under its unified-log name.
    pub(crate) fn system_gc(&mut self) {
        let out = self.jvm.system_gc(self.now);
        self.log(EventKind::FullGc, "Pause Full (System.gc())".to_string());
        self.heap_resized(out.resized_from);
    }

    fn heap_alloc(&mut self, bytes: u64, live: bool) -> Result<(), JvmError> {
        let before = self.jvm.heap().committed();
        let fulls_before = self.jvm.heap().pauses().count(GcKind::Full);
        let result = self.jvm.allocate(bytes, live, self.now);
        self.log_full_collections(fulls_before);
        let out = result?;
        self.heap_resized(out.resized_from);
        debug_assert!(out.resized_from.is_none() || out.resized_from == Some(before));
        Ok(())
    }

    /// Logs the full collections run since the heap had run `fulls_before`, as one event under
    /// HotSpot's unified-log name whose repeats count every one of them.
    pub(crate) fn log_full_collections(&mut self, fulls_before: u64) {
        let fulls = self.jvm.heap().pauses().count(GcKind::Full) - fulls_before;
        if fulls > 0 {
            let message = match self.jvm.ergonomics().collector {
                Collector::G1 => "Pause Full (G1 Compaction Pause)",
                Collector::Parallel => "Pause Full (Ergonomics)",
                Collector::Serial => "Pause Full (Allocation Failure)",
            }
            .to_string();
            self.log(EventKind::FullGc, message.clone());
            let i = self.event_index[&(EventKind::FullGc, message)];
            self.events[i].repeats += fulls - 1;
        }
    }

    /// Logs the full collections the metaspace high-water mark started since the JVM had started
    /// `metadata_before` (Parallel and Serial collect fully at it; G1's young collections with
    /// concurrent start are counted in `metadata_gc_threshold_collections`, not logged).
    fn log_metadata_collections(&mut self, metadata_before: u64) {
        let n = self.jvm.metadata_gc_collections() - metadata_before;
        if n > 0 && self.jvm.ergonomics().collector != Collector::G1 {
            let message = "Pause Full (Metadata GC Threshold)".to_string();
            self.log(EventKind::FullGc, message.clone());
            let i = self.event_index[&(EventKind::FullGc, message)];
            self.events[i].repeats += n - 1;
        }
    }

    /// Logs a resize of the heap from `from` committed bytes to what it has now.
    fn heap_resized(&mut self, from: Option<u64>) {
        if let Some(from) = from {
            let to = self.jvm.heap().committed();
            let (kind, verb) = if to > from {
                (EventKind::HeapExpanded, "expanded")
            } else {
                (EventKind::HeapShrunk, "shrunk")
            };
            self.log(
                kind,
                format!(
                    "heap {verb} from {} to {} committed",
                    ByteSize(from),
                    ByteSize(to)
                ),
            );
        }
    }

    fn account(&mut self) {
        self.account_jvm();
        self.ledger.set(Account::NettyDirect, self.pool.usage());
        self.ledger.set(Account::JdkDirect, self.jdk_direct);
        self.ledger.set(
            Account::PageCache,
            self.db
                .as_ref()
                .map_or(Usage::default(), db::DbState::usage),
        );
        self.ledger
            .set(Account::Other, Usage::all(self.unsafe_memory));
        let thrashing_before = self.cgroup.pressure().thrashing_since;
        self.charge_account();
        if thrashing_before.is_none()
            && let Some(since) = self.cgroup.pressure().thrashing_since
        {
            self.log_thrashing(since);
        }
        if self.options.check_invariants {
            if let Err(e) = self.ledger.check_invariants() {
                panic!("ledger invariant broken at {}: {e}", self.now);
            }
            self.check_jvm_accounts();
            // The pool's check walks every chunk's buddy tree: every 1024 events, and at the end.
            // (`n_events` jumps by the work inside an event, so a multiple of 1024 may be skipped.)
            if self.n_events - self.pool_checked_at >= POOL_CHECK_EVERY || self.queue.is_empty() {
                self.pool_checked_at = self.n_events;
                if let Err(e) = self.pool.check_invariants() {
                    panic!("pool invariant broken at {}: {e}", self.now);
                }
            }
        }
        let resident = self.ledger.total().resident;
        if resident > self.peak {
            self.peak = resident;
            self.peak_at = self.now;
            self.at_peak = self.ledger.clone();
        }
    }

    fn take_sample(&mut self) {
        self.samples.push(Sample {
            at: self.now,
            accounts: *self.ledger.accounts(),
            charge: self.cgroup.charge(),
        });
        if let Some(st) = self.db.as_mut() {
            let snapshot = st.snapshot(self.now);
            st.samples.push(snapshot);
        }
    }
}

/// Netty 4.2.13's adaptive allocator for this JVM: its processors (`availableProcessors`) and its
/// low-memory switch from the maximum heap (**approximation**: Netty reads `Runtime.maxMemory()`,
/// which is the maximum heap with G1 but one survivor space less with Serial and Parallel); the
/// phases' threads as plain or event-loop threads.
fn adaptive_pool(
    ergo: &memsim_jvm::Ergonomics,
    event_loop_threads: bool,
) -> memsim_direct::netty42adaptive::AdaptivePool {
    memsim_direct::netty42adaptive::AdaptivePool::new(
        memsim_direct::netty42adaptive::AdaptiveConfig {
            event_loop_threads,
            ..memsim_direct::netty42adaptive::AdaptiveConfig::for_max_heap(
                ergo.active_processors,
                ergo.heap_max,
            )
        },
    )
}
