//! [`Database`]: the facade a workload phase drives — a Neo4j database as store files, ID files,
//! transaction logs and the page cache in front of them.
//!
//! Sources: `shared/reference/neo4j-page-cache-and-store.md` and the pages it names; each rule is
//! stated where it is applied. No I/O and no clock: every operation takes the simulated time.
//!
//! - **Transactions.** Each operation ([`Database::create_nodes`], [`Database::create_relationships`],
//!   [`Database::delete_nodes`]) is one transaction: it changes records (each change pins the
//!   record's page for write, so it lands dirty in the cache), appends one command per changed
//!   record to the log ([`crate::txlog`]'s sizes), and frees the IDs of deleted records at commit
//!   (reusable once no overlapping transaction is open; [`Database::open_transaction`] holds one open
//!   to model a long reader).
//! - **DETACH DELETE** writes a command for every record it removes: the node, its property records
//!   (and their dynamic records), its label records, its relationship group records, each of its
//!   relationships and their properties; for each surviving neighbour, an update of its node (or
//!   group) record and, if it keeps other relationships, of one relationship in its chain
//!   (*approximation* of the chain unlinking, which touches up to two neighbours per side).
//! - **Transaction state.** Uncommitted changes live on the heap; each changed record costs
//!   [`TxStateCosts`] (*memsim's estimate*, see there). When a transaction's state would exceed
//!   `db.memory.transaction.max`, the transaction is terminated and rolled back
//!   ([`DbEventKind::TransactionTerminated`]), the database unchanged. [`Database::run_tx`] also asks
//!   the caller's [`StateGate`] (the engine: the Java heap) to take the state as it grows, up to
//!   the limit: a refusal rolls the transaction back the same way ([`DbError::StateRejected`]),
//!   so whichever of the two the state meets first ends it. Before either, the global transaction
//!   memory pool (`dbms.memory.transaction.global_max_size`, `db/pool.rs`) must take it, or the
//!   transaction fails with Neo4j's `MemoryLimitExceededException` ([`DbError::MemoryPoolFull`]);
//!   a [`Database::run_tx`] transaction holds its state there until the caller releases it.
//! - **Checkpoint** ([`Database::start_checkpoint`], by [`Database::tick`] when the
//!   [`CheckpointPolicy`] says so, or [`Database::checkpoint`] run to completion): at its start it
//!   flushes every page dirty then, writes the ID files and takes the log's position; at its
//!   completion ([`Database::complete_checkpoint`], start plus duration on the caller's timeline) it
//!   appends the checkpoint entry covering that position, then prunes logs per the retention
//!   policy. Transactions committed while it runs are not covered: their pages stay dirty and they
//!   count toward the next checkpoint (Neo4j's checkpoint flushes what was dirty as of its start;
//!   *approximation*: memsim flushes those pages at the start instant rather than over the
//!   duration). One checkpoint runs at a time. Its duration is estimated from the bytes written: scheduled
//!   checkpoints are held to `db.checkpoint.iops.limit` (600 IOs of 8 KiB per second), `CALL
//!   db.checkpoint()` lifts the limit (so only the device's rate, an assumption of
//!   [`DatabaseConfig::device_write_bytes_per_sec`], bounds it).
//! - **Records.** Labels are stored inline in the node record when they fit its 36 label bits
//!   (`n` labels of ids below `2^(36/n)`), otherwise in dynamic array records of 8 bytes per label
//!   (*approximation*: Neo4j has a separate label store). Properties take blocks of 8-byte longs,
//!   at most 4 longs per property record ([`PropValue`]). A node becomes dense (relationship group
//!   records per type) at 50 relationships (`dense_node_threshold`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use memsim_core::{SimRng, SimTime};

use crate::cache::{CacheMetrics, FileId, MuninnPageCache, PagedFile, PinMode};
use crate::files::StoreSizeMetric;
use crate::store::{RecordStore, StoreKind};
use crate::txlog::{ChangeOp, CheckpointPolicy, TxLog};

const MIB: u64 = 1 << 20;

mod checkpoint;
mod config;
mod create;
mod delete;
mod event;
mod evictor;
mod graph;
mod heap;
mod import;
mod labelscan;
mod pool;
mod reads;
mod report;
mod size;
mod tx;

#[cfg(test)]
mod tests;

pub use checkpoint::RunningCheckpoint;
pub use config::{DatabaseConfig, NodeSpec, PropValue, TxStateCosts};
pub use event::{DbError, DbEvent, DbEventKind, TerminationReason};
pub(crate) use graph::PropChain;
use graph::{NodeData, RelData, pack_props};
pub use report::{DbReport, StoreReport, TxSummary};
use tx::TxAccount;
pub use tx::{StateGate, Tx, TxHandle};

/// A Neo4j database as files and memory (module docs).
pub struct Database {
    pub(crate) config: DatabaseConfig,
    pub(crate) cache: MuninnPageCache,
    // By StoreKind::index.
    pub(crate) stores: Vec<RecordStore>,
    files: Vec<PagedFile>,
    pub(crate) log: TxLog,
    policy: CheckpointPolicy,
    // By node id; None once deleted (or never used).
    nodes: Vec<Option<NodeData>>,
    rels: Vec<Option<RelData>>,
    // Tokens created so far: ids 0..n.
    label_tokens: u32,
    rel_type_tokens: u32,
    prop_key_tokens: u32,
    // Transaction sequence: every begin and commit takes the next number.
    seq: u64,
    open_txs: BTreeSet<u64>,
    txs_since_checkpoint: u64,
    log_bytes_since_checkpoint: u64,
    events: Vec<DbEvent>,
    running_checkpoint: Option<RunningCheckpoint>,
    // Store data outside the modelled record stores, read by `warm` (mapped on first use).
    warm_file: Option<PagedFile>,
    // Bytes `warm` was asked for since the cache started: it has read them rounded up to a page.
    warm_bytes: u64,
    // The store-size metric's cached values and its next run (db/size.rs).
    store_size: StoreSizeMetric,
    // State of transactions run through `run_tx` and not released yet (db/pool.rs).
    tx_pool_used_bytes: u64,
    // The label scan store (db/labelscan.rs): its entries, its pages on disk, its mapped file.
    label_scan: labelscan::LabelScanEntries,
    label_scan_file_pages: u64,
    label_scan_file: Option<PagedFile>,
    store_size_next: SimTime,
    // The background evictor's next wake-up of its own (db/evictor.rs).
    evictor_wakes_at: SimTime,
}

/// The file id of the store data [`Database::warm`] reads: after every record store's.
pub(crate) const WARM_FILE: FileId = FileId(StoreKind::ALL.len() as u32);

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("config", &self.config)
            .field("report", &self.report())
            .finish_non_exhaustive()
    }
}

impl Database {
    /// An empty database.
    ///
    /// # Errors
    /// [`crate::cache::CacheConfigError`] for an unusable page-cache configuration.
    pub fn new(config: DatabaseConfig) -> Result<Database, crate::cache::CacheConfigError> {
        let cache = MuninnPageCache::new(config.page_cache)?;
        let stores: Vec<RecordStore> = StoreKind::ALL
            .iter()
            .map(|&k| RecordStore::new(k, config.format))
            .collect();
        let files = Self::map_stores(&cache, &stores);
        let mut db = Database {
            config,
            cache,
            stores,
            files,
            log: TxLog::new(config.tx_log),
            policy: config.checkpoint,
            nodes: Vec::new(),
            rels: Vec::new(),
            label_tokens: 0,
            rel_type_tokens: 0,
            prop_key_tokens: 0,
            seq: 0,
            open_txs: BTreeSet::new(),
            txs_since_checkpoint: 0,
            log_bytes_since_checkpoint: 0,
            events: Vec::new(),
            running_checkpoint: None,
            warm_file: None,
            warm_bytes: 0,
            store_size: StoreSizeMetric {
                total_bytes: 0,
                database_bytes: 0,
                refreshed_at: SimTime::ZERO,
            },
            store_size_next: SimTime::ZERO,
            evictor_wakes_at: SimTime::ZERO,
            tx_pool_used_bytes: 0,
            label_scan: labelscan::LabelScanEntries::new(),
            label_scan_file_pages: labelscan::label_scan_pages(0),
            label_scan_file: None,
        };
        db.refresh_store_size(SimTime::ZERO);
        Ok(db)
    }

    /// Every store's file mapped in `cache`, at its current size.
    fn map_stores(cache: &MuninnPageCache, stores: &[RecordStore]) -> Vec<PagedFile> {
        stores
            .iter()
            .map(|s| {
                let f = cache
                    .map_file(FileId(s.kind().index() as u32), s.file_page_bytes())
                    .expect("store file pages fit cache pages");
                f.grow_to(s.file_pages());
                f
            })
            .collect()
    }

    /// The database as a restart finds it: a new, empty page cache (no page cached or allocated,
    /// counters from zero), the files as they are. Every page must have been flushed.
    /// The page-cache files outside the record stores: the store data [`Database::warm`] reads and
    /// the label scan store.
    pub(crate) fn outside_record_files(&self) -> [FileId; 2] {
        [WARM_FILE, labelscan::LABEL_SCAN_FILE]
    }

    /// `file`, mapped again as `id` after [`Database::restart_cold`], is the one the database uses.
    pub(crate) fn remapped(&mut self, id: FileId, file: PagedFile) {
        if id == labelscan::LABEL_SCAN_FILE {
            self.label_scan_file = Some(file);
        }
    }

    pub(crate) fn restart_cold(&mut self) {
        assert!(
            self.running_checkpoint.is_none(),
            "a restart waits for the running checkpoint"
        );
        let cache =
            MuninnPageCache::new(self.config.page_cache).expect("the cache was built before");
        self.files = Self::map_stores(&cache, &self.stores);
        self.warm_file = None;
        self.warm_bytes = 0;
        self.label_scan_file = None;
        self.cache = cache;
    }

    /// The settings.
    pub fn config(&self) -> &DatabaseConfig {
        &self.config
    }

    /// The page cache.
    pub fn page_cache(&self) -> &MuninnPageCache {
        &self.cache
    }

    /// The transaction log.
    pub fn tx_log(&self) -> &TxLog {
        &self.log
    }

    /// A store.
    pub fn store(&self, kind: StoreKind) -> &RecordStore {
        &self.stores[kind.index()]
    }

    /// Takes the events so far.
    pub fn drain_events(&mut self) -> Vec<DbEvent> {
        std::mem::take(&mut self.events)
    }

    /// Live nodes.
    pub fn n_nodes(&self) -> u64 {
        self.store(StoreKind::Node).n_in_use()
    }

    /// Live relationships.
    pub fn n_relationships(&self) -> u64 {
        self.store(StoreKind::Relationship).n_in_use()
    }

    /// Ids of live nodes, ascending.
    pub fn node_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.is_some())
            .map(|(i, _)| i as u64)
    }

    /// Ids of live nodes at or above `start`, ascending.
    pub fn node_ids_from(&self, start: u64) -> impl Iterator<Item = u64> + '_ {
        let start = (start as usize).min(self.nodes.len());
        self.nodes[start..]
            .iter()
            .enumerate()
            .filter(|(_, n)| n.is_some())
            .map(move |(i, _)| (start + i) as u64)
    }

    /// A live node drawn at random: uniformly among live nodes when at least one in 64 ids below the
    /// high-water mark is live (up to 64 uniform draws), otherwise the first live node after a
    /// uniformly drawn id (wrapping), which favours nodes after long dead runs. `None` when no node
    /// is live.
    pub fn random_live_node(&self, rng: &mut SimRng) -> Option<u64> {
        let len = self.nodes.len() as u64;
        if self.n_nodes() == 0 || len == 0 {
            return None;
        }
        for _ in 0..64 {
            let id = rng.below(len);
            if self.node(id).is_some() {
                return Some(id);
            }
        }
        let start = rng.below(len);
        self.node_ids_from(start)
            .next()
            .or_else(|| self.node_ids().next())
    }

    /// Creates a record in `kind` and writes its page through the cache.
    pub(crate) fn create_record(&mut self, kind: StoreKind) -> u64 {
        let id = self.stores[kind.index()].create();
        self.touch(kind, id, PinMode::Write);
        id
    }

    fn delete_record(
        &mut self,
        kind: StoreKind,
        id: u64,
        freed: &mut BTreeMap<StoreKind, Vec<u64>>,
    ) {
        self.stores[kind.index()].delete(id);
        self.touch(kind, id, PinMode::Write);
        freed.entry(kind).or_default().push(id);
    }

    /// Pins the page of record `id` (a write stores the next stamp, so contents can be checked).
    pub(crate) fn touch(&mut self, kind: StoreKind, id: u64, mode: PinMode) {
        let store = &self.stores[kind.index()];
        let page = store.page_of(id);
        let file = &self.files[kind.index()];
        file.grow_to(store.file_pages());
        // One pin at a time on a cache of at least one page always finds a page to evict.
        let pin = self
            .cache
            .pin(file, page, mode)
            .expect("a single unpinned-at-rest pin always succeeds");
        if mode == PinMode::Write {
            let stamp = self.cache.read_stamp(&pin) + 1;
            self.cache.write_stamp(&pin, stamp);
        }
        self.cache.unpin(pin);
    }

    /// The transaction's state against `gate` (where it lives) and `db.memory.transaction.max`:
    /// the state, or as much of it as the limit allows, must pass the gate (else
    /// [`DbError::StateRejected`]); a state over the limit is then terminated
    /// ([`DbError::Terminated`]), the gate having admitted the limit's worth. Either leaves the
    /// database unchanged.
    fn check_memory(
        &mut self,
        now: SimTime,
        acct: &TxAccount,
        gate: &mut dyn StateGate,
    ) -> Result<(), DbError> {
        // The state grows until it is complete or reaches the limit; whichever of the gate and the
        // limit it meets first ends the transaction.
        let limit = self.config.tx_memory_max_bytes;
        let over = limit > 0 && acct.state_bytes > limit;
        let built = if over { limit } else { acct.state_bytes };
        // The global pool is asked before the heap takes anything (db/pool.rs).
        if let Err(message) = self.pool_check(built) {
            self.events.push(DbEvent {
                at: now,
                kind: DbEventKind::TransactionFailed {
                    message: message.clone(),
                },
            });
            return Err(DbError::MemoryPoolFull(message));
        }
        gate.admit(built).map_err(|reason| DbError::StateRejected {
            state_bytes: built,
            reason,
        })?;
        if over {
            let reason = TerminationReason::MemoryLimit {
                setting: "db.memory.transaction.max",
                limit_bytes: limit,
                needed_bytes: acct.state_bytes,
            };
            self.events.push(DbEvent {
                at: now,
                kind: DbEventKind::TransactionTerminated {
                    reason: reason.clone(),
                },
            });
            return Err(DbError::Terminated(reason));
        }
        self.tx_pool_used_bytes += built;
        Ok(())
    }

    fn commit(
        &mut self,
        now: SimTime,
        acct: TxAccount,
        freed: BTreeMap<StoreKind, Vec<u64>>,
    ) -> TxSummary {
        let (tx_id, bytes, rotation) = self.log.append_transaction(now, acct.log_bytes);
        if let Some(r) = rotation {
            self.events.push(DbEvent {
                at: now,
                kind: DbEventKind::LogRotated {
                    from_version: r.from_version,
                    bytes: r.bytes,
                },
            });
        }
        self.seq += 1;
        let commit_seq = self.seq;
        for (kind, ids) in freed {
            self.stores[kind.index()].ids_mut().free(ids, commit_seq);
        }
        self.release_ids();
        self.txs_since_checkpoint += 1;
        self.log_bytes_since_checkpoint += bytes;
        TxSummary {
            tx_id,
            records_changed: acct.records,
            log_bytes: bytes,
            tx_state_bytes: acct.state_bytes,
        }
    }

    fn release_ids(&mut self) {
        let oldest = self.open_txs.first().copied();
        for s in &mut self.stores {
            s.ids_mut().release(oldest);
        }
    }

    pub(crate) fn storm_check(&mut self, now: SimTime, before: &CacheMetrics) {
        let d = self.cache.metrics().since(before);
        let threshold = match self.config.eviction_storm_evictions {
            0 => self.cache.max_pages(),
            n => n,
        };
        if d.evictions >= threshold {
            self.events.push(DbEvent {
                at: now,
                kind: DbEventKind::EvictionStorm {
                    evictions: d.evictions,
                    pins: d.pins,
                    hit_ratio: d.hit_ratio(),
                },
            });
        }
    }

    /// Opens a transaction that stays open (a long-running reader): IDs freed by deletes that commit
    /// while it is open stay buffered until it closes.
    pub fn open_transaction(&mut self) -> TxHandle {
        self.seq += 1;
        self.open_txs.insert(self.seq);
        TxHandle(self.seq)
    }

    /// Closes a transaction from [`Database::open_transaction`].
    pub fn close_transaction(&mut self, tx: TxHandle) {
        assert!(
            self.open_txs.remove(&tx.0),
            "closing an unknown transaction"
        );
        self.release_ids();
    }

    fn ensure_tokens(&mut self, kind: StoreKind, n: u32, acct: &mut TxAccount, apply: bool) {
        let have = match kind {
            StoreKind::LabelToken => self.label_tokens,
            StoreKind::RelationshipTypeToken => self.rel_type_tokens,
            _ => self.prop_key_tokens,
        };
        for _ in have..n {
            acct.plain(kind, ChangeOp::Create, &self.config.tx_state_costs);
            if apply {
                self.create_record(kind);
            }
        }
        if apply && n > have {
            match kind {
                StoreKind::LabelToken => self.label_tokens = n,
                StoreKind::RelationshipTypeToken => self.rel_type_tokens = n,
                _ => self.prop_key_tokens = n,
            }
        }
    }

    fn create_prop_chain(&mut self, props: &[PropValue]) -> PropChain {
        let (records, dynamic) = pack_props(props);
        let mut chain = PropChain::default();
        for (blocks, longs) in records {
            let id = self.create_record(StoreKind::Property);
            chain.records.push((id, blocks, longs));
        }
        for (kind, n) in dynamic {
            for _ in 0..n {
                let id = self.create_record(kind);
                chain.dynamic.push((kind, id));
            }
        }
        chain
    }

    fn chain_account(props: &[PropValue]) -> PropChain {
        let (records, dynamic) = pack_props(props);
        PropChain {
            records: records.into_iter().map(|(b, l)| (0, b, l)).collect(),
            dynamic: dynamic
                .into_iter()
                .flat_map(|(k, n)| (0..n).map(move |_| (k, 0)))
                .collect(),
        }
    }

    fn node(&self, id: u64) -> Option<&NodeData> {
        self.nodes.get(id as usize).and_then(Option::as_ref)
    }

    fn node_mut(&mut self, id: u64) -> &mut NodeData {
        self.nodes[id as usize].as_mut().expect("a live node")
    }
}
