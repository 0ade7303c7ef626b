//! The database behind the page cache: a [`memsim_pagecache::Database`] driven by the scenario's
//! `[database]` settings, `page_cache_touch` and `[phase.db]` operations, on the same timeline as the
//! JVM workload.
//!
//! - Memory: the page cache's frames and buffer grabs ([`MuninnPageCache::usage`]) are the ledger's
//!   `Page Cache` account, growing as pages are first faulted.
//! - `page_cache_touch` reads store data the scenario does not model record by record
//!   ([`Database::warm`]): each page faults once, and once the cache is full each fault evicts.
//! - Transaction state lives on the Java heap: after each transaction commits, its state
//!   (`TxSummary::tx_state_bytes`, memsim's estimate per changed record) is allocated as live heap and
//!   released at once, so it counts toward allocation, GC and heap sizing. *Approximation*: a
//!   transaction is instantaneous here, and a heap too small for its state logs
//!   `OutOfMemoryError` without undoing the (already committed) transaction.
//! - Events: the database's checkpoint, rotation, pruning, eviction-storm and termination events
//!   become run events at the instant of the operation (a checkpoint's estimated duration is in its
//!   message).
//!
//! [`MuninnPageCache::usage`]: memsim_pagecache::MuninnPageCache::usage

use memsim_core::{
    ByteSize, DatabaseRun, DbCacheMetrics, DbSnapshot, DbStep, DbStoreSnapshot, EventKind,
    SimDuration, SimTime, Usage,
};
use memsim_pagecache::db::DbEventKind;
use memsim_pagecache::txlog::{CheckpointPolicyKind, TxLogConfig};
use memsim_pagecache::{
    CheckpointPolicy, Database, DatabaseConfig, DbError, RecordFormat, TxSummary,
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
    full_logged: bool,
    pub(super) samples: Vec<DbSnapshot>,
    steps: Vec<DbStep>,
    pub(super) skipped: u64,
    pub(super) tx_state_oom: u64,
    // Page-cache counters of the databases a copy replaced, so the run's counters keep counting.
    carried: DbCacheMetrics,
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
            carried: DbCacheMetrics::default(),
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

    /// The database now.
    pub(super) fn snapshot(&self, at: SimTime) -> DbSnapshot {
        let r = self.db.report();
        let m = r.page_cache;
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
            tx_log_bytes: r.tx_log_bytes,
            tx_log_files: r.tx_log_files,
            last_tx_id: r.last_tx_id,
            cache: DbCacheMetrics {
                hits: self.carried.hits + m.hits,
                faults: self.carried.faults + m.faults,
                pins: self.carried.pins + m.pins,
                unpins: self.carried.unpins + m.unpins,
                evictions: self.carried.evictions + m.evictions,
                flushes: self.carried.flushes + m.flushes,
                pages_in_use: m.pages_in_use,
                max_pages: m.max_pages,
            },
        }
    }

    /// The run's database part.
    pub(super) fn finish(self, at: SimTime) -> DatabaseRun {
        let last = self.snapshot(at);
        DatabaseRun {
            format: self.format.to_string(),
            page_cache_bytes: self.page_cache_bytes(),
            samples: self.samples,
            steps: self.steps,
            last,
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
    fn drain_db_events(&mut self) {
        let Some(st) = self.db.as_mut() else { return };
        let events = st.db.drain_events();
        let full = !st.full_logged && st.db.page_cache().buffer_bytes() >= st.page_cache_bytes();
        if full {
            st.full_logged = true;
        }
        let size = st.page_cache_bytes();
        for e in events {
            let kind = match e.kind {
                DbEventKind::CheckpointStarted { .. } => EventKind::CheckpointStarted,
                DbEventKind::CheckpointCompleted { .. } => EventKind::CheckpointCompleted,
                DbEventKind::LogRotated { .. } => EventKind::LogRotated,
                DbEventKind::LogsPruned { .. } => EventKind::LogsPruned,
                DbEventKind::EvictionStorm { .. } => EventKind::EvictionStorm,
                DbEventKind::TransactionTerminated { .. } => EventKind::TransactionTerminated,
            };
            self.log(kind, e.to_string());
        }
        if full {
            self.log(
                EventKind::PageCacheFull,
                format!("page cache warm: all {} allocated", ByteSize(size)),
            );
        }
    }

    /// `page_cache_touch`: `bytes` more of store data read.
    pub(super) fn db_warm(&mut self, bytes: u64) {
        if let Some(st) = self.db.as_mut() {
            st.db.warm(self.now, bytes);
        }
        self.drain_db_events();
    }

    /// The database tick: the background evictor and the checkpoint policy.
    pub(super) fn db_tick(&mut self) {
        if let Some(st) = self.db.as_mut() {
            st.db.tick(self.now);
        }
        self.drain_db_events();
        let next = self.now.after(DB_TICK);
        if next <= SimTime::ZERO.after(self.s.duration) {
            self.schedule(next, Ev::DbTick);
        }
    }

    /// A database phase starts: one-off operations run now, the first transaction of a split one too.
    pub(super) fn db_phase_start(&mut self, p: u32) {
        let Some(pdb) = self.phase(p).db.as_ref() else {
            return;
        };
        match pdb.op {
            DbOp::Read { .. } => {}
            DbOp::Checkpoint => {
                if let Some(st) = self.db.as_mut() {
                    st.db.checkpoint(self.now);
                }
                self.drain_db_events();
                self.db_step(p);
            }
            DbOp::Copy => {
                self.db_copy();
                self.db_step(p);
            }
            DbOp::DetachDeleteAll => {
                let r = match self.db.as_mut() {
                    Some(st) => st.db.delete_all_nodes(self.now),
                    None => return,
                };
                self.after_tx(r);
                self.db_step(p);
            }
            _ => self.db_tx(p),
        }
    }

    /// The next transaction of phase `p`'s split operation; schedules the one after.
    pub(super) fn db_tx(&mut self, p: u32) {
        let phase = self.phase(p);
        let Some(pdb) = phase.db.as_ref() else { return };
        let Some(st) = self.db.as_mut() else { return };
        let k = st.tx_done[p as usize];
        let n = pdb.transactions;
        st.tx_done[p as usize] += 1;
        let now = self.now;
        let rng = &mut self.rngs[p as usize];
        let r = match pdb.op {
            DbOp::CreateNodes {
                count,
                labels,
                properties,
            } => Some(
                st.db
                    .create_nodes(now, share(count, k, n), labels, properties),
            ),
            DbOp::CreateRelationships {
                count,
                properties,
                rel_type,
            } => {
                let pairs: Option<Vec<(u64, u64)>> = (0..share(count, k, n))
                    .map(|_| Some((st.db.random_live_node(rng)?, st.db.random_live_node(rng)?)))
                    .collect();
                pairs.map(|pairs| {
                    st.db
                        .create_relationships(now, &pairs, rel_type, properties)
                })
            }
            DbOp::Update { count } => {
                let ids: Option<Vec<u64>> = (0..share(count, k, n))
                    .map(|_| st.db.random_live_node(rng))
                    .collect();
                ids.map(|ids| st.db.update_nodes(now, &ids))
            }
            DbOp::DeleteNodes { count, detach } => {
                // Upward from where this phase's previous transaction stopped.
                let from = st.delete_from[p as usize];
                let ids: Vec<u64> = st
                    .db
                    .node_ids_from(from)
                    .take(share(count, k, n) as usize)
                    .collect();
                if let Some(last) = ids.last() {
                    st.delete_from[p as usize] = last + 1;
                }
                if ids.is_empty() {
                    None
                } else {
                    Some(st.db.delete_nodes(now, &ids, detach))
                }
            }
            _ => None,
        };
        match r {
            Some(r) => self.after_tx(r),
            None => {
                if let Some(st) = self.db.as_mut() {
                    st.skipped += 1;
                }
            }
        }
        if k + 1 == n {
            self.db_step(p);
        } else {
            let offset = phase.duration.nanos() as u128 * (k + 1) as u128 / n as u128;
            let at = phase.start.after(SimDuration(offset as u64)).max(self.now);
            self.schedule(at, Ev::DbTx(p));
        }
    }

    /// A committed or terminated transaction: its state on the heap, its events.
    fn after_tx(&mut self, r: Result<TxSummary, DbError>) {
        let state = match &r {
            Ok(summary) => summary.tx_state_bytes,
            Err(DbError::Terminated(_)) => self
                .db
                .as_ref()
                .map_or(0, |st| st.db.config().tx_memory_max_bytes),
            Err(_) => 0,
        };
        if state > 0 {
            match self.heap_alloc(state, true) {
                Ok(()) => self.jvm.release(state),
                Err(e) => {
                    self.counters.heap_oom_errors += 1;
                    if let Some(st) = self.db.as_mut() {
                        st.tx_state_oom += 1;
                    }
                    self.log(EventKind::OutOfMemoryError, e.to_string());
                }
            }
        }
        if let Err(e) = &r
            && !matches!(e, DbError::Terminated(_))
            && let Some(st) = self.db.as_mut()
        {
            st.skipped += 1;
        }
        self.drain_db_events();
    }

    /// Reads of phase `p` up to `target` (its share of `reads` so far).
    pub(super) fn db_reads(&mut self, p: u32, target: u64) {
        let Some(DbOp::Read {
            reads, working_set, ..
        }) = self.phase(p).db.as_ref().map(|d| &d.op)
        else {
            return;
        };
        let Some(st) = self.db.as_mut() else { return };
        let n = target - st.reads_done[p as usize];
        st.reads_done[p as usize] = target;
        if n > 0 {
            st.db.read_working_set(
                self.now,
                working_set.unwrap_or(u64::MAX),
                n,
                &mut self.rngs[p as usize],
            );
        }
        self.drain_db_events();
        if n > 0 && target == *reads {
            self.db_step(p);
        }
    }

    /// `neo4j-admin database copy`: the run goes on with the compacted copy (and its cold cache).
    fn db_copy(&mut self) {
        let Some(st) = self.db.as_mut() else { return };
        let (copy, report) = st.db.copy_compacted();
        st.carried = st.snapshot(self.now).cache;
        st.db = copy;
        st.full_logged = false;
        let pct = (report.unused_records * 100)
            .checked_div(report.records_scanned)
            .unwrap_or(0);
        self.log(
            EventKind::StoreCopied,
            format!(
                "[StoreCopy] Copying of {} records: Unused Records {} ({pct}%); {} nodes and {} relationships copied; stores, ID files and logs {} -> {}",
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
