//! The database behind the page cache: a [`memsim_pagecache::Database`] driven by the scenario's
//! `[database]` settings, `page_cache_touch` and `[phase.db]` operations, on the same timeline as the
//! JVM workload.
//!
//! - Memory: the page cache's frames and buffer grabs ([`MuninnPageCache::usage`]) are the ledger's
//!   `Page Cache` account, growing as pages are first faulted.
//! - `page_cache_touch` reads store data the scenario does not model record by record
//!   ([`Database::warm`]): each page faults once, and once the cache is full each fault evicts.
//! - Transaction state lives on the Java heap for the transaction's lifetime: its state
//!   (`TxSummary::tx_state_bytes`, memsim's estimate per changed record) is allocated as live heap
//!   when the transaction starts, before it changes anything ([`Database::run_tx`]'s gate), and
//!   becomes garbage when it ends. A transaction of an operation split into `transactions` lasts
//!   its share of the phase (until the next one starts); a `detach_delete_all` lasts the phase.
//!   *Approximations*: the whole state is allocated at the start (a real transaction builds it up
//!   as it goes, so a real one fails part-way, after the same amount of work), and the database
//!   applies the transaction at its start (reports see its changes, log and freed IDs from then),
//!   only its heap state lasting its duration. A heap too small for the state throws
//!   `OutOfMemoryError: Java heap space` and the transaction is rolled back, the database unchanged
//!   (Neo4j fails the transaction that hits the error). With `db.memory.transaction.max`, the
//!   state is built up to the limit: whichever of the heap and the limit it meets first ends the
//!   transaction (a terminated one's state, the limit's worth, lives and dies at once).
//! - Checkpoints run on the timeline: `checkpoint_started` when one starts (a `checkpoint` phase, or
//!   the policy at a tick), `checkpoint_completed` at its start plus its estimated duration
//!   (in the message), when it covers the transactions committed before it started and logs are
//!   pruned (`memsim_pagecache::db`'s docs: what runs meanwhile is left for the next one). One runs
//!   at a time: a `checkpoint` or `copy` phase waits for a running one to complete, and a
//!   checkpoint still running at the end of the run does not complete. A checkpoint phase's step is
//!   its completion.
//! - Other events: the database's rotation, pruning, eviction-storm and termination events become
//!   run events at the instant of the operation.
//!
//! [`MuninnPageCache::usage`]: memsim_pagecache::MuninnPageCache::usage
//! [`Database::run_tx`]: memsim_pagecache::Database::run_tx

use memsim_core::{
    ByteSize, DatabaseRun, DbCacheMetrics, DbSnapshot, DbStep, DbStoreSnapshot, EventKind,
    SimDuration, SimTime, Usage,
};
use memsim_pagecache::db::DbEventKind;
use memsim_pagecache::txlog::{CheckpointPolicyKind, TxLogConfig};
use memsim_pagecache::{
    CheckpointPolicy, CheckpointTrigger, Database, DatabaseConfig, DbError, PAGE_BYTES,
    RecordFormat, Tx, TxSummary,
};
use memsim_scenario::{CheckpointKind, DbFormat, DbOp, Scenario};

use super::{Ev, World};

/// How often the database's background work runs (the evictor and the checkpoint policy's check),
/// when the scenario has `[database]` settings or database phases.
pub(super) const DB_TICK: SimDuration = SimDuration::from_secs(1);

/// The database and what the run records about it.
pub(super) struct DbState {
    pub(super) db: Database,
    format: &'static str,
    // Per phase: transactions done, reads done.
    tx_done: Vec<u64>,
    reads_done: Vec<u64>,
    // Per phase: where `delete_nodes` looks for its next live node.
    delete_from: Vec<u64>,
    pub(super) full_logged: bool,
    pub(super) samples: Vec<DbSnapshot>,
    steps: Vec<DbStep>,
    pub(super) skipped: u64,
    pub(super) tx_state_oom: u64,
    // The checkpoint phase whose checkpoint is running (its step is taken at completion).
    checkpoint_phase: Option<u32>,
    // Page-cache counters of the databases a copy replaced, so the run's counters keep counting.
    carried: DbCacheMetrics,
    // Copies made so far: a copy's transaction ids restart, so its events name the copy to stay
    // apart from the original's (identical run events are folded into one).
    copies: u32,
    // Requests' page reads and the cache over each phase (`db_reads.rs`).
    pub(super) reads: super::db_reads::PhaseReads,
    // Warm-up profiles and restarts (`db_restart.rs`).
    pub(super) restarts: super::db_restart::Restarts,
    // Heap the translation tables hold as live data, and the size whose allocation last failed.
    table_heap_held: u64,
    table_heap_failed: u64,
}

impl DbState {
    /// The database of scenario `s` with a page cache of `page_cache_bytes`.
    pub(super) fn new(s: &Scenario, page_cache_bytes: u64) -> DbState {
        let mut config = DatabaseConfig::new(page_cache_bytes);
        let settings = s.database.clone().unwrap_or_default();
        config.format = match settings.format {
            DbFormat::Aligned => RecordFormat::Aligned,
            DbFormat::Standard => RecordFormat::Standard,
        };
        let mut policy = CheckpointPolicy::new(match settings.checkpoint {
            CheckpointKind::Periodic => CheckpointPolicyKind::Periodic,
            CheckpointKind::Volume => CheckpointPolicyKind::Volume,
            CheckpointKind::Continuous => CheckpointPolicyKind::Continuous,
        });
        if let Some(t) = settings.checkpoint_interval_time {
            policy.interval_time = t;
        }
        if let Some(n) = settings.checkpoint_interval_tx {
            policy.interval_tx = n;
        }
        if let Some(v) = settings.checkpoint_interval_volume {
            policy.interval_volume_bytes = v;
        }
        config.checkpoint = policy;
        if let Some(n) = settings.checkpoint_iops_limit {
            config.checkpoint_iops_limit = n;
        }
        let mut log = TxLogConfig::default();
        if let Some(r) = settings.tx_log_rotation_size {
            log.rotation_bytes = r;
        }
        if let Some(r) = settings.tx_log_retention {
            log.retention = r;
        }
        config.tx_log = log;
        if let Some(m) = settings.transaction_max {
            config.tx_memory_max_bytes = m;
        }
        if let Some(m) = settings.transaction_total_max {
            config.tx_memory_global_max_bytes = m;
        }
        // The scenario validated sizes; a cache below one page or above the model's frame limit is
        // the one configuration the library still refuses.
        let db = Database::new(config).unwrap_or_else(|e| {
            panic!("page cache of {} rejected: {e}", ByteSize(page_cache_bytes))
        });
        DbState {
            db,
            format: match settings.format {
                DbFormat::Aligned => "aligned",
                DbFormat::Standard => "standard",
            },
            tx_done: vec![0; s.phases.len()],
            reads_done: vec![0; s.phases.len()],
            delete_from: vec![0; s.phases.len()],
            full_logged: false,
            samples: Vec::new(),
            steps: Vec::new(),
            skipped: 0,
            tx_state_oom: 0,
            checkpoint_phase: None,
            copies: 0,
            table_heap_held: 0,
            table_heap_failed: 0,
            carried: DbCacheMetrics::default(),
            reads: super::db_reads::PhaseReads::new(s),
            restarts: super::db_restart::Restarts::new(s),
        }
    }

    /// Whether the scenario needs the periodic database tick.
    pub(super) fn needs_tick(s: &Scenario) -> bool {
        s.database.is_some() || s.phases.iter().any(|p| p.db.is_some())
    }

    /// The page cache's memory.
    pub(super) fn usage(&self) -> Usage {
        self.db.page_cache().usage()
    }

    /// The page cache's configured size (whole pages).
    pub(super) fn page_cache_bytes(&self) -> u64 {
        let c = self.db.page_cache().config();
        c.max_pages() * c.page_bytes
    }

    /// The page cache's counters over the run: those of the databases a copy replaced, plus this
    /// one's; the gauges are this one's.
    pub(super) fn cache_metrics(&self) -> DbCacheMetrics {
        let m = self.db.page_cache().metrics();
        DbCacheMetrics {
            hits: self.carried.hits + m.hits,
            faults: self.carried.faults + m.faults,
            pins: self.carried.pins + m.pins,
            unpins: self.carried.unpins + m.unpins,
            evictions: self.carried.evictions + m.evictions,
            flushes: self.carried.flushes + m.flushes,
            pages_in_use: m.pages_in_use,
            max_pages: m.max_pages,
        }
    }

    /// Before the page cache is replaced (a copy, a restart): its counters are carried, so the
    /// run's keep counting.
    pub(super) fn carry_counters(&mut self) {
        self.carried = self.cache_metrics();
    }

    /// The database now.
    pub(super) fn snapshot(&self, at: SimTime) -> DbSnapshot {
        let r = self.db.report();
        DbSnapshot {
            at,
            stores: r
                .stores
                .iter()
                .map(|s| DbStoreSnapshot {
                    file_name: s.file_name.to_string(),
                    file_bytes: s.file_bytes,
                    id_file_bytes: s.id_file_bytes,
                    high_id: s.high_id,
                    records_in_use: s.records_in_use,
                    reusable_ids: s.reusable_ids,
                    buffered_ids: s.buffered_ids,
                })
                .collect(),
            store_bytes: r.store_bytes,
            id_file_bytes: r.id_file_bytes,
            store_size_metric_bytes: r.store_size_metric.total_bytes,
            store_size_metric_at: r.store_size_metric.refreshed_at,
            translation_table_heap_bytes: r.translation_table_heap_bytes,
            tx_pool_used_bytes: r.tx_pool_used_bytes,
            tx_log_bytes: r.tx_log_bytes,
            tx_log_files: r.tx_log_files,
            last_tx_id: r.last_tx_id,
            cache: self.cache_metrics(),
        }
    }

    /// The run's database part.
    pub(super) fn finish(self, s: &Scenario, at: SimTime) -> DatabaseRun {
        let last = self.snapshot(at);
        let page_cache_bytes = self.page_cache_bytes();
        let phases = self.reads.finish(s, &self.samples, last.cache, at);
        DatabaseRun {
            format: self.format.to_string(),
            page_cache_bytes,
            samples: self.samples,
            steps: self.steps,
            last,
            phases,
            restarts: self.restarts.done,
        }
    }
}

/// Entities `k`-th of `n` equal transactions handles out of `total`.
fn share(total: u64, k: u64, n: u64) -> u64 {
    let at = |i: u64| (total as u128 * i as u128 / n as u128) as u64;
    at(k + 1) - at(k)
}

impl World<'_> {
    /// Turns the database's events into run events, and logs the cache's first filling.
    pub(super) fn drain_db_events(&mut self) {
        let Some(st) = self.db.as_mut() else { return };
        let events = st.db.drain_events();
        let full = !st.full_logged && st.db.page_cache().buffer_bytes() >= st.page_cache_bytes();
        if full {
            st.full_logged = true;
        }
        let size = st.page_cache_bytes();
        let copies = st.copies;
        for e in events {
            let kind = match e.kind {
                DbEventKind::CheckpointStarted { .. } => EventKind::CheckpointStarted,
                DbEventKind::CheckpointCompleted { .. } => EventKind::CheckpointCompleted,
                DbEventKind::LogRotated { .. } => EventKind::LogRotated,
                DbEventKind::LogsPruned { .. } => EventKind::LogsPruned,
                DbEventKind::EvictionStorm { .. } => EventKind::EvictionStorm,
                // Neo4j fails both with a `MemoryLimitExceededException`: one kind of run event.
                DbEventKind::TransactionTerminated { .. }
                | DbEventKind::TransactionFailed { .. } => EventKind::TransactionTerminated,
            };
            let message = match copies {
                0 => e.to_string(),
                n => format!("{e} (on store copy {n})"),
            };
            self.log(kind, message);
        }
        if full {
            self.log(
                EventKind::PageCacheFull,
                format!("page cache warm: all {} allocated", ByteSize(size)),
            );
        }
        self.db_table_heap();
    }

    /// The page cache's translation tables live on the Java heap (`memsim_pagecache`'s
    /// `db/heap.rs`): as files grow the heap takes the new chunks as live data; after a copy the
    /// original's tables become garbage. A chunk the heap cannot take is Neo4j's
    /// `OutOfMemoryError`, logged once per size (the database goes on, as memsim does not stop
    /// the file from growing).
    fn db_table_heap(&mut self) {
        let Some(st) = self.db.as_mut() else { return };
        let target = st.db.translation_table_heap_bytes();
        let held = st.table_heap_held;
        if target < held {
            self.jvm.release(held - target);
            st.table_heap_held = target;
        } else if target > held && target > st.table_heap_failed {
            match self.jvm.allocate(target - held, true, self.now) {
                Ok(_) => st.table_heap_held = target,
                Err(e) => {
                    st.table_heap_failed = target;
                    self.counters.heap_oom_errors += 1;
                    self.log(
                        EventKind::OutOfMemoryError,
                        format!(
                            "{e} (growing the page cache's translation tables to {})",
                            ByteSize(target)
                        ),
                    );
                }
            }
        }
    }

    /// Page pins over the run, every database's (a copy's included).
    pub(super) fn pins_so_far(&self) -> u64 {
        self.db.as_ref().map_or(0, |st| st.cache_metrics().pins)
    }

    /// Charges the page pins done since the last call to the event budget: each pin (a page read
    /// by warm-up, a lookup or a transaction) is a unit of simulated work, counted in `n_events`
    /// like an event of the loop, so `max_events` bounds the run's work whatever the scenario.
    pub(super) fn count_pins(&mut self) {
        let pins = self.pins_so_far();
        self.n_events = self
            .n_events
            .saturating_add(pins.saturating_sub(self.pins_counted));
        self.pins_counted = pins;
    }

    /// What the event budget has left, counting the pins not charged yet.
    pub(super) fn events_left(&self) -> u64 {
        let uncharged = self.pins_so_far().saturating_sub(self.pins_counted);
        self.s
            .max_events
            .saturating_sub(self.n_events.saturating_add(uncharged))
    }

    /// `page_cache_touch`: `bytes` more of store data read, a page pin each 8 KiB page. At most
    /// the event budget's worth of pages is read: past it the run stops at its next event
    /// (`simulation_stopped`), so a huge touch rate ends cleanly instead of pinning on and on.
    pub(super) fn db_warm(&mut self, bytes: u64) {
        let left = self.events_left();
        if let Some(st) = self.db.as_mut() {
            let bytes = if bytes.div_ceil(PAGE_BYTES) > left {
                left.saturating_mul(PAGE_BYTES)
            } else {
                bytes
            };
            if bytes > 0 {
                st.db.warm(self.now, bytes);
            }
        }
        self.drain_db_events();
    }

    /// The database tick: the background evictor and the checkpoint policy (a checkpoint it starts
    /// completes at its start plus its estimated duration).
    pub(super) fn db_tick(&mut self) {
        let now = self.now;
        let budget = self.events_left();
        if let Some(st) = self.db.as_mut() {
            st.warmup_tick(now, budget);
        }
        if let Some(done) = self.db.as_mut().and_then(|st| st.db.tick(now)) {
            self.schedule(done, Ev::DbCheckpointDone);
        }
        self.drain_db_events();
        let next = self.now.after(DB_TICK);
        if next <= SimTime::ZERO.after(self.s.duration) {
            self.schedule(next, Ev::DbTick);
        }
    }

    /// The running checkpoint completes; a checkpoint phase's step is recorded now.
    pub(super) fn db_checkpoint_done(&mut self) {
        let Some(st) = self.db.as_mut() else { return };
        st.db.complete_checkpoint(self.now);
        let phase = st.checkpoint_phase.take();
        self.drain_db_events();
        if let Some(p) = phase {
            self.db_step(p);
        }
    }

    /// A database phase starts: transactions and one-off operations run now (reads are spread over
    /// the phase by its work ticks).
    pub(super) fn db_phase_start(&mut self, p: u32) {
        if let Some(st) = self.db.as_mut() {
            st.phase_started(p, self.now);
        }
        match self.phase(p).db.as_ref().map(|d| &d.op) {
            None | Some(DbOp::Read { .. }) => {}
            Some(DbOp::Checkpoint | DbOp::Copy | DbOp::Restart { .. }) => self.db_phase_op(p),
            // `:sysinfo`: the database as the Browser shows it now, the store-size metric included.
            Some(DbOp::Sysinfo) => self.db_step(p),
            Some(_) => self.db_tx(p),
        }
    }

    /// `CALL db.checkpoint()` or the copy, once no checkpoint is running: the procedure waits for
    /// the checkpoint lock, and the copy for the database to stop, which waits for the running
    /// checkpoint. Until then it is retried when that checkpoint completes.
    pub(super) fn db_phase_op(&mut self, p: u32) {
        let Some(pdb) = self.phase(p).db.as_ref() else {
            return;
        };
        let Some(st) = self.db.as_mut() else { return };
        if let Some(running) = st.db.running_checkpoint() {
            let at = running.completes_at;
            // Scheduled after the completion event at the same instant, so it runs after it.
            self.schedule(at, Ev::DbOpRetry(p));
            return;
        }
        match pdb.op {
            DbOp::Checkpoint => {
                if let Some(done) = st
                    .db
                    .start_checkpoint(self.now, CheckpointTrigger::Explicit)
                {
                    st.checkpoint_phase = Some(p);
                    self.schedule(done, Ev::DbCheckpointDone);
                }
                self.drain_db_events();
            }
            DbOp::Copy => {
                self.db_copy();
                self.db_step(p);
            }
            DbOp::Restart { warmup } => {
                self.db_restart(p, warmup);
                if let Some(st) = self.db.as_mut() {
                    st.full_logged = false;
                }
                self.db_step(p);
            }
            _ => unreachable!("only checkpoints, copies and restarts wait"),
        }
    }

    /// The next transaction of phase `p`'s operation (`detach_delete_all` is one transaction); it
    /// holds its state on the heap until the next one starts (its share of the phase), then the one
    /// after is scheduled.
    pub(super) fn db_tx(&mut self, p: u32) {
        let phase = self.phase(p);
        let Some(pdb) = phase.db.as_ref() else { return };
        let Some(st) = self.db.as_mut() else { return };
        let k = st.tx_done[p as usize];
        let n = pdb.transactions;
        st.tx_done[p as usize] += 1;
        let now = self.now;
        let until = |i: u64| {
            let offset = phase.duration.nanos() as u128 * i as u128 / n as u128;
            phase.start.after(SimDuration(offset as u64)).max(now)
        };
        let ends = until(k + 1);
        let rng = &mut self.rngs[p as usize];
        // The entities the transaction handles (`None` when there are none to draw from).
        let pairs: Option<Vec<(u64, u64)>> = match pdb.op {
            DbOp::CreateRelationships { count, .. } => (0..share(count, k, n))
                .map(|_| Some((st.db.random_live_node(rng)?, st.db.random_live_node(rng)?)))
                .collect(),
            _ => None,
        };
        let ids: Option<Vec<u64>> = match pdb.op {
            DbOp::Update { count } => (0..share(count, k, n))
                .map(|_| st.db.random_live_node(rng))
                .collect(),
            // Upward from where this phase's previous transaction stopped.
            DbOp::DeleteNodes { count, .. } => Some(
                st.db
                    .node_ids_from(st.delete_from[p as usize])
                    .take(share(count, k, n) as usize)
                    .collect(),
            ),
            _ => None,
        };
        let tx = match pdb.op {
            DbOp::CreateNodes {
                count,
                labels,
                properties,
            } => Some(Tx::CreateNodes {
                n: share(count, k, n),
                labels,
                properties,
            }),
            DbOp::CreateRelationships {
                properties,
                rel_type,
                ..
            } => pairs.as_deref().map(|pairs| Tx::CreateRelationships {
                pairs,
                rel_type,
                properties,
            }),
            DbOp::Update { .. } => ids.as_deref().map(|ids| Tx::Update { ids }),
            DbOp::DeleteNodes { detach, .. } => ids
                .as_deref()
                .filter(|ids| !ids.is_empty())
                .map(|ids| Tx::Delete { ids, detach }),
            DbOp::DetachDeleteAll => Some(Tx::DeleteAll),
            _ => None,
        };
        // The transaction's state goes on the Java heap before it changes anything.
        let fulls_before = self.jvm.heap().pauses().count(memsim_core::GcKind::Full);
        let jvm = &mut self.jvm;
        let mut resized_from = None;
        let mut gate = |bytes: u64| -> Result<(), String> {
            if bytes == 0 {
                return Ok(());
            }
            let out = jvm.allocate(bytes, true, now).map_err(|e| e.to_string())?;
            resized_from = out.resized_from;
            Ok(())
        };
        let created = match pdb.op {
            DbOp::CreateNodes { count, .. } => share(count, k, n),
            _ => 0,
        };
        let r = tx.map(|tx| st.db.run_tx(now, tx, &mut gate));
        if let (Some(Ok(_)), DbOp::DeleteNodes { .. }, Some(last)) =
            (&r, &pdb.op, ids.as_ref().and_then(|ids| ids.last()))
        {
            st.delete_from[p as usize] = last + 1;
        }
        self.log_full_collections(fulls_before);
        self.heap_resized(resized_from);
        if matches!(r, Some(Ok(_))) {
            self.fulltext_index_nodes(created);
        }
        match r {
            Some(r) => self.after_tx(r, ends),
            None => {
                if let Some(st) = self.db.as_mut() {
                    st.skipped += 1;
                }
            }
        }
        if k + 1 == n {
            self.db_step(p);
        } else {
            self.schedule(ends, Ev::DbTx(p));
        }
    }

    /// A transaction committed (its state stays on the heap until `ends`), was terminated (the
    /// state it built up to `transaction_max` lived and dies at once) or was rolled back (a heap
    /// `OutOfMemoryError` before either); its events.
    fn after_tx(&mut self, r: Result<TxSummary, DbError>, ends: SimTime) {
        match r {
            Ok(summary) if summary.tx_state_bytes > 0 => {
                self.schedule(ends, Ev::DbTxEnd(summary.tx_state_bytes));
            }
            Ok(_) => {}
            // The heap took the state it built up to the limit; it dies with the transaction.
            Err(DbError::Terminated(_)) => {
                let limit = self
                    .db
                    .as_ref()
                    .map_or(0, |st| st.db.config().tx_memory_max_bytes);
                self.jvm.release(limit);
            }
            Err(DbError::StateRejected {
                state_bytes,
                reason,
            }) => self.tx_state_oom(reason, state_bytes),
            // The pool refused the state before the heap took any: only its event.
            Err(DbError::MemoryPoolFull(_)) => {}
            Err(_) => {
                if let Some(st) = self.db.as_mut() {
                    st.skipped += 1;
                }
            }
        }
        self.drain_db_events();
    }

    /// A transaction's state did not fit the heap: the `OutOfMemoryError`, and the rollback.
    fn tx_state_oom(&mut self, error: String, state_bytes: u64) {
        self.counters.heap_oom_errors += 1;
        if let Some(st) = self.db.as_mut() {
            st.tx_state_oom += 1;
        }
        self.log(
            EventKind::OutOfMemoryError,
            format!(
                "{error} (a transaction's state of {}: rolled back, the database unchanged)",
                ByteSize(state_bytes)
            ),
        );
    }

    /// Reads of phase `p` up to `target` (its share of `reads` so far).
    pub(super) fn db_reads(&mut self, p: u32, target: u64) {
        let Some(DbOp::Read {
            reads, working_set, ..
        }) = self.phase(p).db.as_ref().map(|d| &d.op)
        else {
            return;
        };
        // Each lookup pins its node's page and its property pages, every pin a simulated event.
        // Within the budget the lookups run in one go; near its end in slices of a sixteenth of
        // what is left (at least one lookup), so the run overshoots `max_events` by at most one
        // lookup's pins (a node with up to 16 property pages) and then stops.
        let wanted = self
            .db
            .as_ref()
            .map_or(0, |st| target.saturating_sub(st.reads_done[p as usize]));
        let mut n = 0;
        while n < wanted {
            let left = self.events_left();
            if left == 0 {
                break;
            }
            let slice = if wanted - n < left / 16 {
                wanted - n
            } else {
                (left / 16).clamp(1, wanted - n)
            };
            let Some(st) = self.db.as_mut() else { return };
            let run = st.db.read_working_set(
                self.now,
                working_set.unwrap_or(u64::MAX),
                slice,
                &mut self.rngs[p as usize],
            );
            n += slice;
            if run.pins == 0 {
                // No nodes to read: the lookups find nothing, and cost nothing.
                n = wanted;
            }
        }
        let Some(st) = self.db.as_mut() else { return };
        st.reads_done[p as usize] += n;
        let target = st.reads_done[p as usize];
        self.drain_db_events();
        if n > 0 && target == *reads {
            self.db_step(p);
        }
    }

    /// `neo4j-admin database copy`: the run goes on with the compacted copy, whose page cache starts
    /// cold (`memsim_pagecache::copy`); the cache counters keep counting over the run.
    fn db_copy(&mut self) {
        let Some(st) = self.db.as_mut() else { return };
        let (copy, report) = st.db.copy_compacted();
        st.carry_counters();
        st.db = copy;
        st.copies += 1;
        st.db.started_at(self.now);
        st.full_logged = false;
        let pct = (report.unused_records * 100)
            .checked_div(report.records_scanned)
            .unwrap_or(0);
        self.log(
            EventKind::StoreCopied,
            format!(
                "[StoreCopy] Copying of {} records: Unused Records {} ({pct}%); {} nodes and {} relationships copied; stores, ID files and logs {} -> {}; the run goes on with the copy, its page cache cold",
                report.records_scanned,
                report.unused_records,
                report.nodes_copied,
                report.relationships_copied,
                ByteSize(report.source_total_bytes),
                ByteSize(report.target_total_bytes),
            ),
        );
    }

    /// Phase `p`'s operation is complete: its step in the report.
    fn db_step(&mut self, p: u32) {
        let phase = self.phase(p);
        let Some(pdb) = phase.db.as_ref() else { return };
        let now = self.now;
        if let Some(st) = self.db.as_mut() {
            let snapshot = st.snapshot(now);
            st.steps.push(DbStep {
                phase: phase.name.clone(),
                op: pdb.op.name().to_string(),
                snapshot,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn shares_add_up_exactly() {
        for (total, n) in [(100_000, 7), (5, 5), (1, 1), (10, 3)] {
            let parts: Vec<u64> = (0..n).map(|k| share(total, k, n)).collect();
            assert_eq!(parts.iter().sum::<u64>(), total);
            assert!(parts.iter().max().unwrap() - parts.iter().min().unwrap() <= 1);
        }
    }
}
