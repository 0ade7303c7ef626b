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
//!   so whichever of the two the state meets first ends it.
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

use memsim_core::{SimDuration, SimRng, SimTime, Usage};

use crate::cache::{
    CacheConfig, CacheMetrics, FileId, MuninnPageCache, PAGE_BYTES, PagedFile, PinMode, PinRun,
};
use crate::store::{RecordFormat, RecordStore, StoreKind};
use crate::txlog::{
    ChangeOp, CheckpointPolicy, CheckpointTrigger, DYNAMIC_DATA_BYTES, LogPosition, RecordChange,
    TxLog, TxLogConfig, command_bytes,
};

const MIB: u64 = 1 << 20;

/// On-heap transaction state per changed record, in bytes (*memsim's estimate*, not a Neo4j figure:
/// a changed record is held twice, before and after, as Java objects of a 16-byte header and 8 bytes
/// per field, plus its record proxy and hash-map entry, about 80 bytes; to calibrate against
/// `SHOW TRANSACTIONS` when measurements exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxStateCosts {
    /// Node record: 2 × (16 + 5 × 8) + 80.
    pub node_bytes: u64,
    /// Relationship record: 2 × (16 + 9 × 8) + 80.
    pub relationship_bytes: u64,
    /// Property record with its blocks: 2 × (16 + 4 × 8 + 4 × 24) + 80.
    pub property_bytes: u64,
    /// Relationship group record: 2 × (16 + 6 × 8) + 80.
    pub group_bytes: u64,
    /// Token record: 2 × (16 + 3 × 8) + 80.
    pub token_bytes: u64,
    /// Dynamic record with its 120-byte block: 2 × (16 + 3 × 8 + 136) + 80.
    pub dynamic_bytes: u64,
}

impl Default for TxStateCosts {
    fn default() -> TxStateCosts {
        TxStateCosts {
            node_bytes: 192,
            relationship_bytes: 256,
            property_bytes: 368,
            group_bytes: 208,
            token_bytes: 160,
            dynamic_bytes: 432,
        }
    }
}

impl TxStateCosts {
    fn of(&self, kind: StoreKind) -> u64 {
        match kind {
            StoreKind::Node => self.node_bytes,
            StoreKind::Relationship => self.relationship_bytes,
            StoreKind::Property => self.property_bytes,
            StoreKind::RelationshipGroup => self.group_bytes,
            StoreKind::LabelToken
            | StoreKind::RelationshipTypeToken
            | StoreKind::PropertyKeyToken => self.token_bytes,
            StoreKind::DynamicString | StoreKind::DynamicArray => self.dynamic_bytes,
        }
    }
}

/// Settings of a [`Database`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// Record format (`aligned`).
    pub format: RecordFormat,
    /// The page cache.
    pub page_cache: CacheConfig,
    /// Transaction logs.
    pub tx_log: TxLogConfig,
    /// Checkpoint policy (`db.checkpoint`, periodic).
    pub checkpoint: CheckpointPolicy,
    /// `db.memory.transaction.max` in bytes; 0 means unlimited (Neo4j's default).
    pub tx_memory_max_bytes: u64,
    /// Heap cost of transaction state.
    pub tx_state_costs: TxStateCosts,
    /// `db.checkpoint.iops.limit` (600 IOs per second of 8 KiB; 0 = unlimited); applies to
    /// scheduled checkpoints, not to `CALL db.checkpoint()`.
    pub checkpoint_iops_limit: u64,
    /// The device's write rate (*assumption*: 200 MiB/s, a SATA SSD's sequential writes).
    pub device_write_bytes_per_sec: u64,
    /// Relationships at which a node becomes dense (50).
    pub dense_node_threshold: u64,
    /// Evictions within one operation that make an [`DbEventKind::EvictionStorm`]; 0 means the
    /// cache's page count (the operation turned the whole cache over). memsim's own diagnostic.
    pub eviction_storm_evictions: u64,
}

impl DatabaseConfig {
    /// Neo4j's defaults with a page cache of `page_cache_bytes`.
    pub fn new(page_cache_bytes: u64) -> DatabaseConfig {
        DatabaseConfig {
            format: RecordFormat::Aligned,
            page_cache: CacheConfig::new(page_cache_bytes),
            tx_log: TxLogConfig::default(),
            checkpoint: CheckpointPolicy::default(),
            tx_memory_max_bytes: 0,
            tx_state_costs: TxStateCosts::default(),
            checkpoint_iops_limit: 600,
            device_write_bytes_per_sec: 200 * MIB,
            dense_node_threshold: 50,
            eviction_storm_evictions: 0,
        }
    }
}

/// A property value, by the space it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropValue {
    /// A value that fits the block's header long (ints, booleans, small numbers): 1 long.
    Int,
    /// A value needing a second long (longs, doubles): 2 longs.
    Long,
    /// A string of this many bytes: inline in up to 4 longs when short (*approximation* of Neo4j's
    /// short-string encodings: up to 28 bytes), otherwise a 1-long pointer to dynamic string records
    /// of 120 data bytes.
    String(u32),
    /// An array of this many bytes, like a string but in the dynamic array store.
    Array(u32),
}

impl PropValue {
    /// (longs in the property record, dynamic store, dynamic records).
    fn layout(self) -> (u64, Option<(StoreKind, u64)>) {
        let spilled = |bytes: u32, kind| {
            let bytes = bytes as u64;
            if bytes <= 28 {
                ((bytes + 4).div_ceil(8).max(1), None)
            } else {
                (1, Some((kind, bytes.div_ceil(DYNAMIC_DATA_BYTES))))
            }
        };
        match self {
            PropValue::Int => (1, None),
            PropValue::Long => (2, None),
            PropValue::String(b) => spilled(b, StoreKind::DynamicString),
            PropValue::Array(b) => spilled(b, StoreKind::DynamicArray),
        }
    }
}

/// What each created node gets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeSpec {
    /// Labels (label tokens 0..labels).
    pub labels: u32,
    /// Properties, keyed by property keys 0..len.
    pub props: Vec<PropValue>,
}

/// Property records of one entity: (record id, blocks, longs), and dynamic records (store, id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PropChain {
    records: Vec<(u64, u8, u8)>,
    dynamic: Vec<(StoreKind, u64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct NodeData {
    labels: u32,
    label_records: Vec<u64>,
    props: PropChain,
    rels: BTreeSet<u64>,
    // Relationship group records (empty unless dense).
    groups: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RelData {
    from: u64,
    to: u64,
    props: PropChain,
}

/// Why an operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    /// The node does not exist (never created, or deleted).
    #[error("node {0} does not exist")]
    NoSuchNode(u64),
    /// A plain DELETE of a node that still has relationships.
    #[error("node {node} still has {n_relationships} relationships; use DETACH DELETE")]
    NodeHasRelationships {
        /// The node.
        node: u64,
        /// Its relationships.
        n_relationships: u64,
    },
    /// The transaction was terminated (and rolled back).
    #[error("transaction terminated: {0}")]
    Terminated(TerminationReason),
    /// The caller's [`StateGate`] refused the transaction's state: rolled back, nothing changed.
    #[error("transaction rolled back: its state of {state_bytes} B did not fit: {reason}")]
    StateRejected {
        /// The state it needed.
        state_bytes: u64,
        /// The gate's reason.
        reason: String,
    },
}

/// Why a transaction was terminated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminationReason {
    /// Its state exceeded a memory limit.
    MemoryLimit {
        /// The setting (`db.memory.transaction.max`).
        setting: &'static str,
        /// The limit.
        limit_bytes: u64,
        /// What the transaction needed.
        needed_bytes: u64,
    },
}

impl fmt::Display for TerminationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TerminationReason::MemoryLimit {
                setting,
                limit_bytes,
                needed_bytes,
            } => write!(
                f,
                "transaction state of {needed_bytes} B would exceed {setting} = {limit_bytes} B"
            ),
        }
    }
}

/// Something the database did that its debug.log or metrics would show.
#[derive(Debug, Clone, PartialEq)]
pub struct DbEvent {
    /// When.
    pub at: SimTime,
    /// What.
    pub kind: DbEventKind,
}

/// The kinds of [`DbEvent`].
#[derive(Debug, Clone, PartialEq)]
pub enum DbEventKind {
    /// A checkpoint started.
    CheckpointStarted {
        /// Why.
        trigger: CheckpointTrigger,
        /// The last transaction it covers.
        tx_id: u64,
    },
    /// A checkpoint completed.
    CheckpointCompleted {
        /// Why it ran.
        trigger: CheckpointTrigger,
        /// The last transaction it covers.
        tx_id: u64,
        /// Its estimated duration (module docs).
        duration_estimate: SimDuration,
        /// Dirty pages it flushed.
        pages_flushed: u64,
    },
    /// The current log file was rotated.
    LogRotated {
        /// The file rotated away from.
        from_version: u64,
        /// Its size.
        bytes: u64,
    },
    /// Log files were pruned after a checkpoint.
    LogsPruned {
        /// Files removed.
        files: u64,
        /// Their bytes.
        bytes: u64,
    },
    /// One operation evicted at least [`DatabaseConfig::eviction_storm_evictions`] pages.
    EvictionStorm {
        /// Evictions in the operation.
        evictions: u64,
        /// Pins in the operation.
        pins: u64,
        /// Its hit ratio.
        hit_ratio: f64,
    },
    /// A transaction was terminated and rolled back.
    TransactionTerminated {
        /// Why.
        reason: TerminationReason,
    },
}

impl fmt::Display for DbEvent {
    /// Checkpoints as Neo4j's debug.log lines; the rest in memsim's words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DbEventKind::CheckpointStarted { trigger, tx_id } => write!(
                f,
                "Checkpoint triggered by \"{}\" @ txId: {tx_id} checkpoint started...",
                trigger.description()
            ),
            DbEventKind::CheckpointCompleted {
                trigger,
                tx_id,
                duration_estimate,
                ..
            } => write!(
                f,
                "Checkpoint triggered by \"{}\" @ txId: {tx_id} checkpoint completed in {}ms",
                trigger.description(),
                duration_estimate.0 / 1_000_000
            ),
            DbEventKind::LogRotated {
                from_version,
                bytes,
            } => write!(
                f,
                "rotated transaction log neostore.transaction.db.{from_version} at {bytes} B"
            ),
            DbEventKind::LogsPruned { files, bytes } => {
                write!(f, "pruned {files} transaction log files ({bytes} B)")
            }
            DbEventKind::EvictionStorm {
                evictions,
                pins,
                hit_ratio,
            } => write!(
                f,
                "eviction storm: {evictions} evictions in {pins} pins (hit ratio {hit_ratio:.3})"
            ),
            DbEventKind::TransactionTerminated { reason } => {
                write!(f, "transaction terminated: {reason}")
            }
        }
    }
}

/// Where a transaction's state must fit besides `db.memory.transaction.max` ([`Database::run_tx`]):
/// asked once per transaction, with its state's bytes, before it changes anything. Closures
/// `FnMut(u64) -> Result<(), String>` are gates; the `Err` text is the reason.
pub trait StateGate {
    /// Takes `state_bytes` of transaction state, or refuses with a reason.
    ///
    /// # Errors
    /// The reason the state does not fit (the transaction is rolled back).
    fn admit(&mut self, state_bytes: u64) -> Result<(), String>;
}

impl<F: FnMut(u64) -> Result<(), String>> StateGate for F {
    fn admit(&mut self, state_bytes: u64) -> Result<(), String> {
        self(state_bytes)
    }
}

/// The gate of the plain operations: state is only held to `db.memory.transaction.max`.
struct AdmitAll;

impl StateGate for AdmitAll {
    fn admit(&mut self, _: u64) -> Result<(), String> {
        Ok(())
    }
}

/// One transaction for [`Database::run_tx`], as the plain operations take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tx<'a> {
    /// [`Database::create_nodes`].
    CreateNodes {
        /// Nodes.
        n: u64,
        /// Labels per node.
        labels: u32,
        /// Small properties per node.
        properties: u32,
    },
    /// [`Database::create_relationships`].
    CreateRelationships {
        /// End nodes of each relationship.
        pairs: &'a [(u64, u64)],
        /// Its type.
        rel_type: u32,
        /// Small properties per relationship.
        properties: u32,
    },
    /// [`Database::update_nodes`].
    Update {
        /// The nodes.
        ids: &'a [u64],
    },
    /// [`Database::delete_nodes`].
    Delete {
        /// The nodes.
        ids: &'a [u64],
        /// DETACH DELETE.
        detach: bool,
    },
    /// [`Database::delete_all_nodes`].
    DeleteAll,
}

/// What a committed transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxSummary {
    /// Its id.
    pub tx_id: u64,
    /// Records it changed (one command each).
    pub records_changed: u64,
    /// Log bytes it appended (entries included).
    pub log_bytes: u64,
    /// Its peak heap state ([`TxStateCosts`]).
    pub tx_state_bytes: u64,
}

/// One store in a [`DbReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreReport {
    /// Which store.
    pub kind: StoreKind,
    /// Its file name.
    pub file_name: &'static str,
    /// The store file's size.
    pub file_bytes: u64,
    /// The `.id` file's size.
    pub id_file_bytes: u64,
    /// The ID high-water mark.
    pub high_id: u64,
    /// Records in use.
    pub records_in_use: u64,
    /// IDs reusable now.
    pub reusable_ids: u64,
    /// IDs freed but waiting for overlapping transactions.
    pub buffered_ids: u64,
}

/// The database's disk and cache at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct DbReport {
    /// Per store, in [`StoreKind::ALL`] order.
    pub stores: Vec<StoreReport>,
    /// Sum of store files.
    pub store_bytes: u64,
    /// Sum of `.id` files.
    pub id_file_bytes: u64,
    /// Transaction-log bytes written (all files).
    pub tx_log_bytes: u64,
    /// Transaction-log bytes on disk with preallocation.
    pub tx_log_allocated_bytes: u64,
    /// Transaction-log files.
    pub tx_log_files: u64,
    /// The last committed transaction.
    pub last_tx_id: u64,
    /// The last transaction the newest checkpoint covers.
    pub last_checkpoint_tx_id: Option<u64>,
    /// Page-cache metrics.
    pub page_cache: CacheMetrics,
    /// Page-cache memory.
    pub page_cache_usage: Usage,
    /// Store data outside the modelled record stores that [`Database::warm`] has read (not in
    /// `store_bytes`).
    pub warmed_bytes: u64,
}

impl DbReport {
    /// The report of one store.
    pub fn store(&self, kind: StoreKind) -> &StoreReport {
        &self.stores[kind.index()]
    }

    /// Stores, ID files and logs (logical log bytes).
    pub fn total_bytes(&self) -> u64 {
        self.store_bytes + self.id_file_bytes + self.tx_log_bytes
    }
}

/// An open transaction from [`Database::open_transaction`].
#[must_use = "close it with close_transaction, or freed IDs stay buffered"]
#[derive(Debug, PartialEq, Eq)]
pub struct TxHandle(u64);

/// Counts of one transaction's changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct TxAccount {
    records: u64,
    log_bytes: u64,
    state_bytes: u64,
}

impl TxAccount {
    fn add(&mut self, change: RecordChange, costs: &TxStateCosts) {
        self.records += 1;
        self.log_bytes += command_bytes(&change);
        self.state_bytes += costs.of(change.kind);
    }

    fn plain(&mut self, kind: StoreKind, op: ChangeOp, costs: &TxStateCosts) {
        self.add(RecordChange::plain(kind, op), costs);
    }

    fn prop_chain(&mut self, chain: &PropChain, op: ChangeOp, costs: &TxStateCosts) {
        for &(_, blocks, longs) in &chain.records {
            self.add(
                RecordChange {
                    kind: StoreKind::Property,
                    op,
                    blocks,
                    payload: longs,
                },
                costs,
            );
        }
        for &(kind, _) in &chain.dynamic {
            self.add(
                RecordChange {
                    kind,
                    op,
                    blocks: 0,
                    payload: DYNAMIC_DATA_BYTES as u8,
                },
                costs,
            );
        }
    }
}

/// Property records as (blocks, longs) each, and dynamic records as (store, count).
type PackedProps = (Vec<(u8, u8)>, Vec<(StoreKind, u64)>);

/// A live node for the copy: (id, labels, property records).
pub(crate) type LiveNode = (u64, u32, PropChain);
/// A live relationship for the copy: (from, to, property records).
pub(crate) type LiveRel = (u64, u64, PropChain);

/// Property records needed for `props`: (blocks, longs) per record, and dynamic records per store.
fn pack_props(props: &[PropValue]) -> PackedProps {
    let mut records: Vec<(u8, u8)> = Vec::new();
    let mut dynamic = Vec::new();
    for p in props {
        let (longs, dyn_records) = p.layout();
        match records.last_mut() {
            Some((b, l)) if *l as u64 + longs <= 4 => {
                *b += 1;
                *l += longs as u8;
            }
            _ => records.push((1, longs as u8)),
        }
        if let Some((kind, n)) = dyn_records {
            dynamic.push((kind, n));
        }
    }
    (records, dynamic)
}

/// Dynamic array records holding `labels` labels, 0 when they fit inline (module docs).
fn label_records(labels: u32) -> u64 {
    if labels == 0 || (labels <= 36 && (labels as u64 - 1) < 1u64 << (36 / labels)) {
        0
    } else {
        (8 * labels as u64).div_ceil(DYNAMIC_DATA_BYTES)
    }
}

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
}

/// A checkpoint between [`Database::start_checkpoint`] and [`Database::complete_checkpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningCheckpoint {
    /// Why it runs.
    pub trigger: CheckpointTrigger,
    /// When it started.
    pub started_at: SimTime,
    /// When it completes: its start plus its estimated duration.
    pub completes_at: SimTime,
    /// Dirty pages it flushed (all those dirty at its start).
    pub pages_flushed: u64,
    /// The log position it covers (the end of the log at its start).
    pub covered: LogPosition,
    // The policy's counts at its start, taken off at completion.
    txs: u64,
    log_bytes: u64,
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
        Ok(Database {
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
        })
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

    /// Creates `n` nodes with `labels` labels and `props_per_node` small (integer) properties in one
    /// transaction (`FOREACH (x IN range(1, n) | CREATE (:L {id: x}))`).
    ///
    /// # Errors
    /// [`DbError::Terminated`] when the transaction's state exceeds `db.memory.transaction.max`.
    pub fn create_nodes(
        &mut self,
        now: SimTime,
        n: u64,
        labels: u32,
        props_per_node: u32,
    ) -> Result<TxSummary, DbError> {
        let spec = NodeSpec {
            labels,
            props: vec![PropValue::Int; props_per_node as usize],
        };
        self.create_nodes_with(now, n, &spec)
    }

    /// Creates `n` nodes as `spec` says in one transaction.
    ///
    /// # Errors
    /// [`DbError::Terminated`] when the transaction's state exceeds `db.memory.transaction.max`.
    pub fn create_nodes_with(
        &mut self,
        now: SimTime,
        n: u64,
        spec: &NodeSpec,
    ) -> Result<TxSummary, DbError> {
        self.create_nodes_gated(now, n, spec, &mut AdmitAll)
    }

    fn create_nodes_gated(
        &mut self,
        now: SimTime,
        n: u64,
        spec: &NodeSpec,
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        let before = self.cache.metrics();
        let costs = self.config.tx_state_costs;
        let n_label_records = label_records(spec.labels);
        let mut per_node = TxAccount::default();
        per_node.plain(StoreKind::Node, ChangeOp::Create, &costs);
        for _ in 0..n_label_records {
            per_node.add(
                RecordChange {
                    kind: StoreKind::DynamicArray,
                    op: ChangeOp::Create,
                    blocks: 0,
                    payload: DYNAMIC_DATA_BYTES as u8,
                },
                &costs,
            );
        }
        per_node.prop_chain(&Self::chain_account(&spec.props), ChangeOp::Create, &costs);
        let mut acct = TxAccount {
            records: per_node.records * n,
            log_bytes: per_node.log_bytes * n,
            state_bytes: per_node.state_bytes * n,
        };
        self.ensure_tokens(StoreKind::LabelToken, spec.labels, &mut acct, false);
        self.ensure_tokens(
            StoreKind::PropertyKeyToken,
            spec.props.len() as u32,
            &mut acct,
            false,
        );
        self.check_memory(now, &acct, gate)?;

        let mut applied = TxAccount::default();
        self.ensure_tokens(StoreKind::LabelToken, spec.labels, &mut applied, true);
        self.ensure_tokens(
            StoreKind::PropertyKeyToken,
            spec.props.len() as u32,
            &mut applied,
            true,
        );
        for _ in 0..n {
            let id = self.create_record(StoreKind::Node);
            let label_records = (0..n_label_records)
                .map(|_| self.create_record(StoreKind::DynamicArray))
                .collect();
            let props = self.create_prop_chain(&spec.props);
            let idx = id as usize;
            if self.nodes.len() <= idx {
                self.nodes.resize(idx + 1, None);
            }
            self.nodes[idx] = Some(NodeData {
                labels: spec.labels,
                label_records,
                props,
                rels: BTreeSet::new(),
                groups: Vec::new(),
            });
        }
        let summary = self.commit(now, acct, BTreeMap::new());
        self.storm_check(now, &before);
        Ok(summary)
    }

    /// Creates one relationship of type `rel_type` per `(from, to)` pair, each with `props_per_rel`
    /// small properties, in one transaction. Each one also updates its end nodes (or their group
    /// records once dense) and the previous first relationship of each chain.
    ///
    /// # Errors
    /// [`DbError::NoSuchNode`] for an end node that does not exist (nothing is changed);
    /// [`DbError::Terminated`] when the state exceeds `db.memory.transaction.max`.
    pub fn create_relationships(
        &mut self,
        now: SimTime,
        pairs: &[(u64, u64)],
        rel_type: u32,
        props_per_rel: u32,
    ) -> Result<TxSummary, DbError> {
        self.create_relationships_gated(now, pairs, rel_type, props_per_rel, &mut AdmitAll)
    }

    fn create_relationships_gated(
        &mut self,
        now: SimTime,
        pairs: &[(u64, u64)],
        rel_type: u32,
        props_per_rel: u32,
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        for &(a, b) in pairs {
            for node in [a, b] {
                if self.node(node).is_none() {
                    return Err(DbError::NoSuchNode(node));
                }
            }
        }
        let before = self.cache.metrics();
        let costs = self.config.tx_state_costs;
        let props = vec![PropValue::Int; props_per_rel as usize];
        let chain = Self::chain_account(&props);
        // Plan: the same walk as below over a copy of the end nodes' degrees and density.
        let mut acct = TxAccount::default();
        self.ensure_tokens(
            StoreKind::RelationshipTypeToken,
            rel_type + 1,
            &mut acct,
            false,
        );
        self.ensure_tokens(StoreKind::PropertyKeyToken, props_per_rel, &mut acct, false);
        let mut degree: BTreeMap<u64, (u64, bool)> = BTreeMap::new();
        for &(a, b) in pairs {
            acct.plain(StoreKind::Relationship, ChangeOp::Create, &costs);
            acct.prop_chain(&chain, ChangeOp::Create, &costs);
            for node in if a == b { vec![a] } else { vec![a, b] } {
                let data = self.node(node).expect("checked above");
                let (deg, dense) = degree
                    .entry(node)
                    .or_insert((data.rels.len() as u64, !data.groups.is_empty()));
                self.end_node_changes(&mut acct, deg, dense);
            }
        }
        self.check_memory(now, &acct, gate)?;

        let mut applied = TxAccount::default();
        self.ensure_tokens(
            StoreKind::RelationshipTypeToken,
            rel_type + 1,
            &mut applied,
            true,
        );
        self.ensure_tokens(
            StoreKind::PropertyKeyToken,
            props_per_rel,
            &mut applied,
            true,
        );
        for &(a, b) in pairs {
            let id = self.create_record(StoreKind::Relationship);
            let props = self.create_prop_chain(&props);
            let idx = id as usize;
            if self.rels.len() <= idx {
                self.rels.resize(idx + 1, None);
            }
            self.rels[idx] = Some(RelData {
                from: a,
                to: b,
                props,
            });
            for node in if a == b { vec![a] } else { vec![a, b] } {
                let data = self.node(node).expect("checked above");
                let mut deg = data.rels.len() as u64;
                let mut dense = !data.groups.is_empty();
                let first_rel = data.rels.iter().next_back().copied();
                let ops =
                    Self::end_node_ops(self.config.dense_node_threshold, &mut deg, &mut dense);
                for (kind, op) in ops {
                    match (kind, op) {
                        (StoreKind::RelationshipGroup, ChangeOp::Create) => {
                            let g = self.create_record(StoreKind::RelationshipGroup);
                            self.node_mut(node).groups.push(g);
                        }
                        (StoreKind::RelationshipGroup, _) => {
                            let g = self.node(node).expect("live").groups[0];
                            self.touch(StoreKind::RelationshipGroup, g, PinMode::Write);
                        }
                        (StoreKind::Relationship, _) => {
                            let r = first_rel.expect("a chain to update");
                            self.touch(StoreKind::Relationship, r, PinMode::Write);
                        }
                        _ => self.touch(StoreKind::Node, node, PinMode::Write),
                    }
                }
                self.node_mut(node).rels.insert(id);
            }
        }
        let summary = self.commit(now, acct, BTreeMap::new());
        self.storm_check(now, &before);
        Ok(summary)
    }

    /// Record changes at an end node gaining a relationship: its node record (or, once dense, its
    /// group record) and the chain's previous first relationship; a node reaching the dense
    /// threshold gets a group record and a node update. Updates `deg` and `dense`.
    fn end_node_ops(threshold: u64, deg: &mut u64, dense: &mut bool) -> Vec<(StoreKind, ChangeOp)> {
        let mut ops = Vec::with_capacity(3);
        if *deg > 0 {
            ops.push((StoreKind::Relationship, ChangeOp::Update));
        }
        if *dense {
            ops.push((StoreKind::RelationshipGroup, ChangeOp::Update));
        } else {
            ops.push((StoreKind::Node, ChangeOp::Update));
        }
        *deg += 1;
        if !*dense && *deg >= threshold {
            *dense = true;
            ops.push((StoreKind::RelationshipGroup, ChangeOp::Create));
        }
        ops
    }

    fn end_node_changes(&self, acct: &mut TxAccount, deg: &mut u64, dense: &mut bool) {
        for (kind, op) in Self::end_node_ops(self.config.dense_node_threshold, deg, dense) {
            acct.plain(kind, op, &self.config.tx_state_costs);
        }
    }

    fn node(&self, id: u64) -> Option<&NodeData> {
        self.nodes.get(id as usize).and_then(Option::as_ref)
    }

    fn node_mut(&mut self, id: u64) -> &mut NodeData {
        self.nodes[id as usize].as_mut().expect("a live node")
    }

    /// Deletes nodes in one transaction; with `detach` (DETACH DELETE) their relationships too.
    ///
    /// # Errors
    /// [`DbError::NoSuchNode`] for a node that does not exist, [`DbError::NodeHasRelationships`] for
    /// a plain delete of a node with relationships (nothing is changed in either case);
    /// [`DbError::Terminated`] when the state exceeds `db.memory.transaction.max`.
    pub fn delete_nodes(
        &mut self,
        now: SimTime,
        ids: &[u64],
        detach: bool,
    ) -> Result<TxSummary, DbError> {
        self.delete_nodes_gated(now, ids, detach, &mut AdmitAll)
    }

    fn delete_nodes_gated(
        &mut self,
        now: SimTime,
        ids: &[u64],
        detach: bool,
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        let doomed: BTreeSet<u64> = ids.iter().copied().collect();
        let mut doomed_rels = BTreeSet::new();
        for &id in &doomed {
            let node = self.node(id).ok_or(DbError::NoSuchNode(id))?;
            if !detach && !node.rels.is_empty() {
                return Err(DbError::NodeHasRelationships {
                    node: id,
                    n_relationships: node.rels.len() as u64,
                });
            }
            doomed_rels.extend(node.rels.iter().copied());
        }
        let before = self.cache.metrics();
        let costs = self.config.tx_state_costs;
        // Plan.
        let mut acct = TxAccount::default();
        for &r in &doomed_rels {
            let rel = self.rels[r as usize].as_ref().expect("live relationship");
            acct.plain(StoreKind::Relationship, ChangeOp::Delete, &costs);
            acct.prop_chain(&rel.props, ChangeOp::Delete, &costs);
            for (kind, _) in self.survivor_ops(rel, &doomed, &doomed_rels) {
                acct.plain(kind, ChangeOp::Update, &costs);
            }
        }
        for &id in &doomed {
            let node = self.node(id).expect("checked");
            acct.plain(StoreKind::Node, ChangeOp::Delete, &costs);
            acct.prop_chain(&node.props, ChangeOp::Delete, &costs);
            for _ in &node.label_records {
                acct.add(
                    RecordChange {
                        kind: StoreKind::DynamicArray,
                        op: ChangeOp::Delete,
                        blocks: 0,
                        payload: 0,
                    },
                    &costs,
                );
            }
            for _ in &node.groups {
                acct.plain(StoreKind::RelationshipGroup, ChangeOp::Delete, &costs);
            }
        }
        self.check_memory(now, &acct, gate)?;

        // Apply.
        let mut freed = BTreeMap::new();
        for &r in &doomed_rels {
            let rel = self.rels[r as usize].take().expect("live relationship");
            self.delete_record(StoreKind::Relationship, r, &mut freed);
            self.delete_chain(&rel.props, &mut freed);
            for (kind, id) in self.survivor_ops(&rel, &doomed, &doomed_rels) {
                self.touch(kind, id, PinMode::Write);
            }
            for node in [rel.from, rel.to] {
                if let Some(Some(n)) = self.nodes.get_mut(node as usize) {
                    n.rels.remove(&r);
                }
            }
        }
        for &id in &doomed {
            let node = self.nodes[id as usize].take().expect("checked");
            self.delete_record(StoreKind::Node, id, &mut freed);
            self.delete_chain(&node.props, &mut freed);
            for &l in &node.label_records {
                self.delete_record(StoreKind::DynamicArray, l, &mut freed);
            }
            for &g in &node.groups {
                self.delete_record(StoreKind::RelationshipGroup, g, &mut freed);
            }
        }
        let summary = self.commit(now, acct, freed);
        self.storm_check(now, &before);
        Ok(summary)
    }

    /// Runs `tx` as one transaction whose state must also be admitted by `gate` (the caller's home
    /// for it, e.g. the Java heap), after planning and before any change: all of it, or for a state
    /// over `db.memory.transaction.max` the limit's worth (what it builds before it is
    /// terminated). A refusal rolls the transaction back ([`DbError::StateRejected`]), the database
    /// unchanged. What the gate admitted is the caller's to release: on success when the
    /// transaction ends, on [`DbError::Terminated`] at once.
    ///
    /// # Errors
    /// As the operation's own method, and [`DbError::StateRejected`].
    pub fn run_tx(
        &mut self,
        now: SimTime,
        tx: Tx<'_>,
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        match tx {
            Tx::CreateNodes {
                n,
                labels,
                properties,
            } => {
                let spec = NodeSpec {
                    labels,
                    props: vec![PropValue::Int; properties as usize],
                };
                self.create_nodes_gated(now, n, &spec, gate)
            }
            Tx::CreateRelationships {
                pairs,
                rel_type,
                properties,
            } => self.create_relationships_gated(now, pairs, rel_type, properties, gate),
            Tx::Update { ids } => self.update_nodes_gated(now, ids, gate),
            Tx::Delete { ids, detach } => self.delete_nodes_gated(now, ids, detach, gate),
            Tx::DeleteAll => {
                let ids: Vec<u64> = self.node_ids().collect();
                self.delete_nodes_gated(now, &ids, true, gate)
            }
        }
    }

    /// DETACH DELETE of every node (`MATCH (n) DETACH DELETE n`).
    ///
    /// # Errors
    /// As [`Database::delete_nodes`].
    pub fn delete_all_nodes(&mut self, now: SimTime) -> Result<TxSummary, DbError> {
        let ids: Vec<u64> = self.node_ids().collect();
        self.delete_nodes(now, &ids, true)
    }

    /// For a deleted relationship, the records updated at its surviving ends: the end's node record
    /// (or group record, once dense), and one relationship of its remaining chain.
    fn survivor_ops(
        &self,
        rel: &RelData,
        doomed: &BTreeSet<u64>,
        doomed_rels: &BTreeSet<u64>,
    ) -> Vec<(StoreKind, u64)> {
        let mut ops = Vec::new();
        let ends = if rel.from == rel.to {
            vec![rel.from]
        } else {
            vec![rel.from, rel.to]
        };
        for node in ends {
            if doomed.contains(&node) {
                continue;
            }
            let Some(data) = self.node(node) else {
                continue;
            };
            match data.groups.first() {
                Some(&g) => ops.push((StoreKind::RelationshipGroup, g)),
                None => ops.push((StoreKind::Node, node)),
            }
            if let Some(&other) = data.rels.iter().find(|r| !doomed_rels.contains(r)) {
                ops.push((StoreKind::Relationship, other));
            }
        }
        ops
    }

    fn delete_chain(&mut self, chain: &PropChain, freed: &mut BTreeMap<StoreKind, Vec<u64>>) {
        for &(id, _, _) in &chain.records {
            self.delete_record(StoreKind::Property, id, freed);
        }
        for &(kind, id) in &chain.dynamic {
            self.delete_record(kind, id, freed);
        }
    }

    /// Reads `bytes` more of store data not read before and not modelled record by record (a
    /// database that existed before the run: the engine's `page_cache_touch`): each page is pinned
    /// once, so every pin faults (unless a query load read the page first: `reads.rs`), and once
    /// the cache is full every fault evicts. The bytes are counted across calls and the pages read
    /// are their total rounded up, so a call that ends mid-page reads that page and the next call
    /// starts after it: shares of any size that add up to `n` pages read exactly `n` pages.
    pub fn warm(&mut self, now: SimTime, bytes: u64) -> PinRun {
        let before = self.cache.metrics();
        let file = match &self.warm_file {
            Some(f) => f.clone(),
            None => {
                let f = self
                    .cache
                    .map_file(WARM_FILE, PAGE_BYTES)
                    .expect("a page-sized file maps");
                self.warm_file = Some(f.clone());
                f
            }
        };
        // Its own count, not the file's length: query reads (`reads.rs`) grow the file too.
        let first = self.warm_bytes.div_ceil(PAGE_BYTES);
        self.warm_bytes = self.warm_bytes.saturating_add(bytes);
        let n = self.warm_bytes.div_ceil(PAGE_BYTES).saturating_sub(first);
        file.grow_to(first + n);
        for page in first..first + n {
            let pin = self
                .cache
                .pin(&file, page, PinMode::Read)
                .expect("a single unpinned-at-rest pin always succeeds");
            self.cache.unpin(pin);
        }
        self.storm_check(now, &before);
        PinRun::from_metrics(&self.cache.metrics().since(&before))
    }

    /// Updates nodes in one transaction (`MATCH (n) WHERE id(n) IN $ids SET n.p = $v`): for each, its
    /// first property record is rewritten (or, for a node without properties, its node record).
    ///
    /// # Errors
    /// [`DbError::NoSuchNode`] for a node that does not exist (nothing is changed);
    /// [`DbError::Terminated`] when the state exceeds `db.memory.transaction.max`.
    pub fn update_nodes(&mut self, now: SimTime, ids: &[u64]) -> Result<TxSummary, DbError> {
        self.update_nodes_gated(now, ids, &mut AdmitAll)
    }

    fn update_nodes_gated(
        &mut self,
        now: SimTime,
        ids: &[u64],
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        let costs = self.config.tx_state_costs;
        let mut acct = TxAccount::default();
        let mut targets = Vec::with_capacity(ids.len());
        for &id in ids {
            let node = self.node(id).ok_or(DbError::NoSuchNode(id))?;
            match node.props.records.first() {
                Some(&(record, blocks, longs)) => {
                    acct.add(
                        RecordChange {
                            kind: StoreKind::Property,
                            op: ChangeOp::Update,
                            blocks,
                            payload: longs,
                        },
                        &costs,
                    );
                    targets.push((StoreKind::Property, record));
                }
                None => {
                    acct.plain(StoreKind::Node, ChangeOp::Update, &costs);
                    targets.push((StoreKind::Node, id));
                }
            }
        }
        self.check_memory(now, &acct, gate)?;
        let before = self.cache.metrics();
        for (kind, id) in targets {
            self.touch(kind, id, PinMode::Write);
        }
        let summary = self.commit(now, acct, BTreeMap::new());
        self.storm_check(now, &before);
        Ok(summary)
    }

    /// Reads a working set: `n_reads` lookups of nodes drawn uniformly from the first `n_nodes` node
    /// ids (below the high-water mark), each pinning the node's page and, for a live node, the pages
    /// of its property records. The hit ratio follows the working set's pages against the cache.
    pub fn read_working_set(
        &mut self,
        now: SimTime,
        n_nodes: u64,
        n_reads: u64,
        rng: &mut SimRng,
    ) -> PinRun {
        let before = self.cache.metrics();
        let range = n_nodes.min(self.store(StoreKind::Node).ids().high_id());
        if range > 0 {
            for _ in 0..n_reads {
                let id = rng.below(range);
                self.touch(StoreKind::Node, id, PinMode::Read);
                let props: Vec<u64> = self
                    .node(id)
                    .map(|n| n.props.records.iter().map(|r| r.0).collect())
                    .unwrap_or_default();
                for p in props {
                    self.touch(StoreKind::Property, p, PinMode::Read);
                }
            }
        }
        self.storm_check(now, &before);
        PinRun::from_metrics(&self.cache.metrics().since(&before))
    }

    /// `CALL db.checkpoint()`, run to completion: a checkpoint now without the IOPS limit, completed
    /// at its start plus its duration (after a checkpoint already running, which it waits for, as
    /// the procedure waits for the checkpoint lock). Returns the completion event (also recorded).
    /// A caller on a timeline uses [`Database::start_checkpoint`] and
    /// [`Database::complete_checkpoint`] instead.
    pub fn checkpoint(&mut self, now: SimTime) -> DbEvent {
        self.checkpoint_for(now, CheckpointTrigger::Explicit)
    }

    /// A checkpoint for `trigger`, run to completion as [`Database::checkpoint`] does.
    pub fn checkpoint_for(&mut self, now: SimTime, trigger: CheckpointTrigger) -> DbEvent {
        let mut start = now;
        if let Some(running) = self.running_checkpoint {
            start = start.max(running.completes_at);
            self.complete_checkpoint(running.completes_at);
        }
        let done = self
            .start_checkpoint(start, trigger)
            .expect("no checkpoint is running");
        self.complete_checkpoint(done)
            .expect("the checkpoint just started")
    }

    /// Starts a checkpoint for `trigger` and returns when it completes, or `None` (and does nothing)
    /// while another is running. At its start it flushes every page dirty then and writes the ID
    /// files, and takes the log's position: it covers the transactions committed before it started.
    /// Its duration is estimated from the bytes written (module docs). Until
    /// [`Database::complete_checkpoint`] the database works as usual: transactions committed
    /// meanwhile dirty pages and append to the log, and are left for the next checkpoint.
    pub fn start_checkpoint(
        &mut self,
        now: SimTime,
        trigger: CheckpointTrigger,
    ) -> Option<SimTime> {
        if self.running_checkpoint.is_some() {
            return None;
        }
        let covered = self.log.position();
        self.events.push(DbEvent {
            at: now,
            kind: DbEventKind::CheckpointStarted {
                trigger,
                tx_id: covered.tx_id,
            },
        });
        let flushed = self.cache.flush_all();
        debug_assert_eq!(
            flushed.skipped_pages, 0,
            "the facade holds no pin between calls"
        );
        let id_bytes: u64 = self
            .stores
            .iter_mut()
            .map(|s| s.ids_mut().checkpoint())
            .sum();
        let bytes = flushed.flushed_bytes + id_bytes;
        let mut rate = self.config.device_write_bytes_per_sec.max(1);
        if trigger != CheckpointTrigger::Explicit && self.config.checkpoint_iops_limit > 0 {
            rate = rate.min(self.config.checkpoint_iops_limit * PAGE_BYTES);
        }
        let duration = SimDuration((bytes as u128 * 1_000_000_000 / rate as u128) as u64);
        let running = RunningCheckpoint {
            trigger,
            started_at: now,
            completes_at: now.after(duration),
            pages_flushed: flushed.flushed_pages,
            covered,
            txs: self.txs_since_checkpoint,
            log_bytes: self.log_bytes_since_checkpoint,
        };
        self.running_checkpoint = Some(running);
        Some(running.completes_at)
    }

    /// The database was started at `now` (on a copy, say): the checkpoint policy's time threshold
    /// counts from then, as a freshly started database's does, not from time zero.
    pub fn started_at(&mut self, now: SimTime) {
        self.policy.completed(now);
    }

    /// The checkpoint started by [`Database::start_checkpoint`] and not yet completed.
    pub fn running_checkpoint(&self) -> Option<&RunningCheckpoint> {
        self.running_checkpoint.as_ref()
    }

    /// Completes the running checkpoint at `now` (its [`RunningCheckpoint::completes_at`] on a
    /// timeline): appends its checkpoint entry covering the position taken at its start, prunes logs
    /// per the retention policy, and restarts the policy's count from the transactions committed
    /// while it ran. Returns the completion event (also recorded), or `None` when none is running.
    pub fn complete_checkpoint(&mut self, now: SimTime) -> Option<DbEvent> {
        let running = self.running_checkpoint.take()?;
        let tx_id = self.log.append_checkpoint_at(running.covered);
        let done = DbEvent {
            at: now,
            kind: DbEventKind::CheckpointCompleted {
                trigger: running.trigger,
                tx_id,
                duration_estimate: running.completes_at.since(running.started_at),
                pages_flushed: running.pages_flushed,
            },
        };
        self.events.push(done.clone());
        let pruned = self.log.prune(now);
        if pruned.files > 0 {
            self.events.push(DbEvent {
                at: now,
                kind: DbEventKind::LogsPruned {
                    files: pruned.files,
                    bytes: pruned.bytes,
                },
            });
        }
        self.policy.completed(now);
        self.txs_since_checkpoint -= running.txs;
        self.log_bytes_since_checkpoint -= running.log_bytes;
        Some(done)
    }

    /// What time does: one step of the background evictor, then, unless a checkpoint is running,
    /// the start of one if the policy says one is due. Returns when a checkpoint it started
    /// completes; the caller completes it then ([`Database::complete_checkpoint`]).
    pub fn tick(&mut self, now: SimTime) -> Option<SimTime> {
        self.cache.run_evictor();
        if self.running_checkpoint.is_some() {
            return None;
        }
        let trigger = self.policy.trigger(
            now,
            self.txs_since_checkpoint,
            self.log_bytes_since_checkpoint,
        )?;
        self.start_checkpoint(now, trigger)
    }

    /// A compacted copy (`neo4j-admin database copy --compact-node-store`), see [`crate::copy`].
    pub fn copy_compacted(&self) -> (Database, crate::copy::CopyReport) {
        crate::copy::compact(self)
    }

    /// Live entities, for the copy: nodes as (old id, labels, property records) and relationships as
    /// (from, to, property records), in id order.
    pub(crate) fn live_graph(&self) -> (Vec<LiveNode>, Vec<LiveRel>) {
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.as_ref().map(|n| (i as u64, n.labels, n.props.clone())))
            .collect();
        let rels = self
            .rels
            .iter()
            .filter_map(|r| r.as_ref().map(|r| (r.from, r.to, r.props.clone())))
            .collect();
        (nodes, rels)
    }

    /// Re-creates a node in bulk (the copy's import: no log, no transaction).
    pub(crate) fn import_node(&mut self, labels: u32, chain: &PropChain) -> u64 {
        self.label_tokens = self.label_tokens.max(labels);
        let id = self.create_record(StoreKind::Node);
        let label_records = (0..label_records(labels))
            .map(|_| self.create_record(StoreKind::DynamicArray))
            .collect();
        let props = self.import_chain(chain);
        let idx = id as usize;
        if self.nodes.len() <= idx {
            self.nodes.resize(idx + 1, None);
        }
        self.nodes[idx] = Some(NodeData {
            labels,
            label_records,
            props,
            rels: BTreeSet::new(),
            groups: Vec::new(),
        });
        id
    }

    /// Re-creates a relationship in bulk between already imported nodes.
    pub(crate) fn import_relationship(&mut self, from: u64, to: u64, chain: &PropChain) {
        let id = self.create_record(StoreKind::Relationship);
        let props = self.import_chain(chain);
        let idx = id as usize;
        if self.rels.len() <= idx {
            self.rels.resize(idx + 1, None);
        }
        self.rels[idx] = Some(RelData { from, to, props });
        for node in [from, to] {
            let threshold = self.config.dense_node_threshold;
            let n = self.node_mut(node);
            n.rels.insert(id);
            if n.groups.is_empty() && n.rels.len() as u64 >= threshold {
                let g = self.create_record(StoreKind::RelationshipGroup);
                self.node_mut(node).groups.push(g);
            }
        }
    }

    fn import_chain(&mut self, chain: &PropChain) -> PropChain {
        let mut out = PropChain::default();
        for &(_, b, l) in &chain.records {
            let id = self.create_record(StoreKind::Property);
            out.records.push((id, b, l));
        }
        for &(kind, _) in &chain.dynamic {
            let id = self.create_record(kind);
            out.dynamic.push((kind, id));
        }
        out
    }

    /// Ends a bulk import: every page flushed and the ID files written, as a finished store copy
    /// leaves them (no transaction, so the log keeps just its header).
    pub(crate) fn finish_import(&mut self) {
        self.cache.flush_all();
        for s in &mut self.stores {
            s.ids_mut().checkpoint();
        }
    }

    /// Copies token counts (the copy keeps every token).
    pub(crate) fn import_tokens(&mut self, from: &Database) {
        let mut acct = TxAccount::default();
        self.ensure_tokens(StoreKind::LabelToken, from.label_tokens, &mut acct, true);
        self.ensure_tokens(
            StoreKind::RelationshipTypeToken,
            from.rel_type_tokens,
            &mut acct,
            true,
        );
        self.ensure_tokens(
            StoreKind::PropertyKeyToken,
            from.prop_key_tokens,
            &mut acct,
            true,
        );
    }

    /// The database's files, IDs, logs and cache now.
    pub fn report(&self) -> DbReport {
        let stores: Vec<StoreReport> = self
            .stores
            .iter()
            .map(|s| StoreReport {
                kind: s.kind(),
                file_name: s.kind().file_name(),
                file_bytes: s.file_bytes(),
                id_file_bytes: s.ids().id_file_bytes(),
                high_id: s.ids().high_id(),
                records_in_use: s.n_in_use(),
                reusable_ids: s.ids().reusable(),
                buffered_ids: s.ids().buffered(),
            })
            .collect();
        DbReport {
            store_bytes: stores.iter().map(|s| s.file_bytes).sum(),
            id_file_bytes: stores.iter().map(|s| s.id_file_bytes).sum(),
            stores,
            tx_log_bytes: self.log.total_bytes(),
            tx_log_allocated_bytes: self.log.allocated_bytes(),
            tx_log_files: self.log.n_files(),
            last_tx_id: self.log.last_tx_id(),
            last_checkpoint_tx_id: self.log.last_checkpoint_tx_id(),
            page_cache: self.cache.metrics(),
            page_cache_usage: self.cache.usage(),
            warmed_bytes: self
                .warm_file
                .as_ref()
                .map_or(0, |f| f.n_pages() * PAGE_BYTES),
        }
    }

    /// Checks every store, the cache, and that the graph agrees with the stores.
    ///
    /// # Errors
    /// A message naming the first broken invariant.
    pub fn check_invariants(&self) -> Result<(), String> {
        for s in &self.stores {
            s.check_invariants()?;
        }
        self.cache
            .check_invariants(true)
            .map_err(|e| e.to_string())?;
        let live_nodes = self.nodes.iter().flatten().count() as u64;
        if live_nodes != self.n_nodes() {
            return Err(format!(
                "{live_nodes} live nodes, node store says {}",
                self.n_nodes()
            ));
        }
        for (id, n) in self.nodes.iter().enumerate() {
            let Some(n) = n else { continue };
            if !self.store(StoreKind::Node).is_in_use(id as u64) {
                return Err(format!("node {id} live but its record unused"));
            }
            for r in &n.rels {
                let rel = self.rels.get(*r as usize).and_then(Option::as_ref);
                if rel.is_none_or(|rel| rel.from != id as u64 && rel.to != id as u64) {
                    return Err(format!(
                        "node {id} lists relationship {r} that is not its own"
                    ));
                }
            }
        }
        let live_rels = self.rels.iter().flatten().count() as u64;
        if live_rels != self.n_relationships() {
            return Err(format!(
                "{live_rels} live relationships, store says {}",
                self.n_relationships()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Database {
        Database::new(DatabaseConfig::new(64 * MIB)).unwrap()
    }

    #[test]
    fn packs_properties_into_records_of_four_longs() {
        assert_eq!(pack_props(&[PropValue::Int; 4]).0, vec![(4, 4)]);
        assert_eq!(pack_props(&[PropValue::Int; 5]).0, vec![(4, 4), (1, 1)]);
        assert_eq!(
            pack_props(&[PropValue::Long, PropValue::Long, PropValue::Int]).0,
            vec![(2, 4), (1, 1)]
        );
        let (records, dynamic) = pack_props(&[PropValue::String(300)]);
        assert_eq!(records, vec![(1, 1)]);
        assert_eq!(dynamic, vec![(StoreKind::DynamicString, 3)]);
        assert_eq!(label_records(7), 0);
        assert_eq!(label_records(9), 0, "ids 0..8 fit 4 bits each");
        assert_eq!(label_records(12), 1);
    }

    #[test]
    fn relationships_make_nodes_dense_and_detach_delete_removes_them() {
        let mut d = db();
        let t = SimTime::ZERO;
        d.create_nodes(t, 60, 1, 1).unwrap();
        let pairs: Vec<(u64, u64)> = (1..60).map(|i| (0, i)).collect();
        let s = d.create_relationships(t, &pairs, 0, 1).unwrap();
        assert_eq!(d.n_relationships(), 59);
        assert_eq!(
            d.store(StoreKind::RelationshipGroup).n_in_use(),
            1,
            "node 0 is dense"
        );
        assert!(s.records_changed > 59 * 3);
        d.check_invariants().unwrap();
        assert_eq!(
            d.delete_nodes(t, &[0], false),
            Err(DbError::NodeHasRelationships {
                node: 0,
                n_relationships: 59
            })
        );
        let del = d.delete_nodes(t, &[0], true).unwrap();
        // Node, its property record, its group, 59 relationships with a property each, and 59
        // neighbour node updates (the neighbours keep no other relationship).
        assert_eq!(del.records_changed, 1 + 1 + 1 + 59 * 2 + 59);
        assert_eq!(d.n_relationships(), 0);
        assert_eq!(d.n_nodes(), 59);
        d.check_invariants().unwrap();
        assert_eq!(d.delete_nodes(t, &[0], true), Err(DbError::NoSuchNode(0)));
    }

    #[test]
    fn long_readers_hold_freed_ids_back() {
        let mut d = db();
        let t = SimTime::ZERO;
        d.create_nodes(t, 10, 1, 1).unwrap();
        let reader = d.open_transaction();
        d.delete_nodes(t, &[1, 2], true).unwrap();
        let r = d.report();
        assert_eq!(r.store(StoreKind::Node).buffered_ids, 2);
        d.create_nodes(t, 1, 1, 1).unwrap();
        assert_eq!(
            d.store(StoreKind::Node).ids().high_id(),
            11,
            "buffered IDs are not reused"
        );
        d.close_transaction(reader);
        assert_eq!(d.report().store(StoreKind::Node).reusable_ids, 2);
        d.create_nodes(t, 2, 1, 1).unwrap();
        assert_eq!(
            d.store(StoreKind::Node).ids().high_id(),
            11,
            "freed IDs reused"
        );
        d.check_invariants().unwrap();
    }

    #[test]
    fn memory_limit_terminates_and_rolls_back() {
        let mut cfg = DatabaseConfig::new(64 * MIB);
        cfg.tx_memory_max_bytes = 10 * MIB;
        let mut d = Database::new(cfg).unwrap();
        let t = SimTime::ZERO;
        // (192 + 368) B per node: 10k nodes take 5.3 MiB of state, 20k would take 10.7 MiB.
        assert!(matches!(
            d.create_nodes(t, 20_000, 1, 1),
            Err(DbError::Terminated(_))
        ));
        d.create_nodes(t, 10_000, 1, 1).unwrap();
        d.create_nodes(t, 10_000, 1, 1).unwrap();
        let before = d.report();
        let err = d.delete_all_nodes(t).unwrap_err();
        assert!(matches!(
            err,
            DbError::Terminated(TerminationReason::MemoryLimit { .. })
        ));
        assert_eq!(d.report().store_bytes, before.store_bytes);
        assert_eq!(d.report().tx_log_bytes, before.tx_log_bytes);
        assert_eq!(d.n_nodes(), 20_000);
        let events = d.drain_events();
        assert!(matches!(
            events.last().map(|e| &e.kind),
            Some(DbEventKind::TransactionTerminated { .. })
        ));
        d.delete_nodes(t, &(0..5000).collect::<Vec<_>>(), true)
            .unwrap();
    }

    #[test]
    fn a_refused_state_rolls_back_and_the_first_limit_met_ends_the_transaction() {
        let mut cfg = DatabaseConfig::new(64 * MIB);
        cfg.tx_memory_max_bytes = 10 * MIB;
        let mut d = Database::new(cfg).unwrap();
        let t = SimTime::ZERO;
        let mut asked = Vec::new();
        let mut gate = |bytes: u64| {
            asked.push(bytes);
            if bytes > MIB {
                Err("java.lang.OutOfMemoryError: Java heap space".to_string())
            } else {
                Ok(())
            }
        };
        let small = Tx::CreateNodes {
            n: 1000,
            labels: 1,
            properties: 1,
        };
        d.run_tx(t, small, &mut gate).unwrap();
        let before = d.report();
        // (192 + 368) B per node: 2000 nodes take 1.07 MiB, refused by the gate.
        let err = d.run_tx(
            t,
            Tx::Delete {
                ids: &(0..1000).collect::<Vec<_>>(),
                detach: true,
            },
            &mut gate,
        );
        assert_eq!(err.map(|s| s.tx_state_bytes), Ok(560_000));
        let err = d
            .run_tx(
                t,
                Tx::CreateNodes {
                    n: 2000,
                    labels: 1,
                    properties: 1,
                },
                &mut gate,
            )
            .unwrap_err();
        assert_eq!(
            err,
            DbError::StateRejected {
                state_bytes: 1_120_000,
                reason: "java.lang.OutOfMemoryError: Java heap space".into()
            }
        );
        // Over db.memory.transaction.max (10 MiB): the state meets the gate's 1 MiB first.
        let big = Tx::CreateNodes {
            n: 20_000,
            labels: 1,
            properties: 1,
        };
        let err = d.run_tx(t, big, &mut gate).unwrap_err();
        assert!(matches!(
            err,
            DbError::StateRejected {
                state_bytes: 10_485_760,
                ..
            }
        ));
        assert_eq!(asked, [560_000 + 160 * 2, 560_000, 1_120_000, 10 * MIB]);
        // A gate that takes 10 MiB: the limit is met first, terminated.
        let mut roomy = |bytes: u64| {
            if bytes <= 10 * MIB {
                Ok(())
            } else {
                Err("full".to_string())
            }
        };
        assert!(matches!(
            d.run_tx(t, big, &mut roomy),
            Err(DbError::Terminated(_))
        ));
        let after = d.report();
        assert_eq!(
            after.last_tx_id,
            before.last_tx_id + 1,
            "only the delete committed"
        );
        assert_eq!(after.store(StoreKind::Node).records_in_use, 0);
        d.check_invariants().unwrap();
    }

    #[test]
    fn tick_checkpoints_by_policy_and_prunes() {
        let mut cfg = DatabaseConfig::new(64 * MIB);
        cfg.tx_log.rotation_bytes = 128 * 1024;
        cfg.tx_log.retention = crate::txlog::RetentionPolicy::KeepNone;
        let mut d = Database::new(cfg).unwrap();
        let min = |m: u64| SimTime(m * 60 * 1_000_000_000);
        for m in 0..10 {
            d.create_nodes(min(m), 2000, 1, 1).unwrap();
        }
        assert!(d.report().tx_log_files > 5);
        d.tick(min(10));
        assert!(
            d.drain_events()
                .iter()
                .all(|e| !matches!(e.kind, DbEventKind::CheckpointStarted { .. }))
        );
        let done = d.tick(min(16)).expect("a checkpoint started");
        assert!(d.tick(min(16)).is_none(), "one checkpoint at a time");
        assert!(
            !d.drain_events()
                .iter()
                .any(|e| matches!(e.kind, DbEventKind::LogsPruned { .. })),
            "pruning waits for completion"
        );
        let completed = d.complete_checkpoint(done).unwrap();
        assert_eq!(completed.at, done);
        let events = d.drain_events();
        let text: Vec<String> = events.iter().map(|e| e.to_string()).collect();
        assert!(text[0].starts_with(
            "Checkpoint triggered by \"Scheduled checkpoint for time threshold\" @ txId: 11 checkpoint completed"
        ), "{text:?}");
        assert!(
            events
                .iter()
                .any(|e| matches!(e.kind, DbEventKind::LogsPruned { .. }))
        );
        // keep_none keeps the newest non-empty file: the current one, or the last rotated one if the
        // current file holds no transaction yet.
        assert!(d.report().tx_log_files <= 2);
        d.check_invariants().unwrap();
    }

    #[test]
    fn a_checkpoint_completes_after_its_duration_and_covers_only_what_came_before() {
        let mut cfg = DatabaseConfig::new(64 * MIB);
        cfg.checkpoint = CheckpointPolicy::new(crate::txlog::CheckpointPolicyKind::Continuous);
        let mut d = Database::new(cfg).unwrap();
        let t = SimTime(1_000_000_000);
        d.create_nodes(t, 10_000, 1, 1).unwrap();
        let covered = d.tx_log().last_tx_id();
        let before = d.page_cache().metrics();
        let done = d.tick(t).expect("continuous: something is pending");
        // Flushed at its start: every page the creation dirtied.
        let dirty = d.page_cache().metrics().since(&before).flushes;
        assert!(dirty > 50, "{dirty}");
        // Held to 600 IOs of 8 KiB per second: the dirty pages and the ID files.
        let bytes = dirty * PAGE_BYTES + d.report().id_file_bytes;
        assert_eq!(
            done.since(t).nanos(),
            (bytes as u128 * 1_000_000_000 / (600 * PAGE_BYTES) as u128) as u64
        );
        // A transaction while it runs: its pages are dirty again, and it is not covered.
        let mid = SimTime(t.0 + done.since(t).nanos() / 2);
        d.update_nodes(mid, &[1, 2, 3]).unwrap();
        assert!(d.tick(mid).is_none());
        let completed = d.complete_checkpoint(done).unwrap();
        assert!(matches!(
            completed.kind,
            DbEventKind::CheckpointCompleted { tx_id, pages_flushed, .. }
                if tx_id == covered && pages_flushed == dirty
        ));
        assert_eq!(d.report().last_checkpoint_tx_id, Some(covered));
        // The update is still pending: the next tick starts a checkpoint that covers it and flushes
        // the pages it dirtied.
        let next = d.tick(done).expect("the update is pending");
        assert!(matches!(
            d.complete_checkpoint(next).unwrap().kind,
            DbEventKind::CheckpointCompleted { pages_flushed, .. } if pages_flushed > 0
        ));
        assert_eq!(d.report().last_checkpoint_tx_id, Some(covered + 1));
        assert!(d.tick(next).is_none(), "nothing pending");
        d.check_invariants().unwrap();
    }

    #[test]
    fn random_live_nodes_and_ids_from() {
        let mut d = db();
        let t = SimTime::ZERO;
        let mut rng = SimRng::new(3, 0);
        assert_eq!(d.random_live_node(&mut rng), None);
        d.create_nodes(t, 1000, 1, 1).unwrap();
        d.delete_nodes(t, &(0..999).collect::<Vec<_>>(), false)
            .unwrap();
        // One live node in 1000: the fallback scan finds it.
        for _ in 0..10 {
            assert_eq!(d.random_live_node(&mut rng), Some(999));
        }
        assert!(d.node_ids_from(500).eq([999]));
        assert!(d.node_ids_from(5000).eq([]));
        d.create_nodes(t, 500, 1, 1).unwrap();
        let drawn: BTreeSet<u64> = (0..2000)
            .filter_map(|_| d.random_live_node(&mut rng))
            .collect();
        assert!(drawn.len() > 400, "{}", drawn.len());
        assert!(drawn.iter().all(|id| d.node(*id).is_some()));
    }

    #[test]
    fn warm_faults_new_pages_and_fills_the_cache() {
        let mut cfg = DatabaseConfig::new(PAGE_BYTES * 128);
        cfg.page_cache.grab_bytes = PAGE_BYTES * 16;
        let mut d = Database::new(cfg).unwrap();
        let t = SimTime::ZERO;
        let run = d.warm(t, 100 * PAGE_BYTES - 1);
        assert_eq!((run.pins, run.faults, run.hits), (100, 100, 0));
        assert_eq!(d.page_cache().buffer_bytes(), 112 * PAGE_BYTES, "7 grabs");
        let run = d.warm(t, 100 * PAGE_BYTES);
        assert_eq!(run.faults, 100);
        assert!(run.evictions >= 72, "{run:?}");
        assert_eq!(d.page_cache().buffer_bytes(), 128 * PAGE_BYTES);
        let r = d.report();
        assert_eq!(r.warmed_bytes, 200 * PAGE_BYTES);
        assert_eq!(
            r.store_bytes,
            Database::new(cfg).unwrap().report().store_bytes
        );
        d.check_invariants().unwrap();
    }

    #[test]
    fn updates_rewrite_property_records_and_log_them() {
        let mut d = db();
        let t = SimTime::ZERO;
        d.create_nodes(t, 100, 1, 1).unwrap();
        d.create_nodes(t, 10, 1, 0).unwrap();
        d.checkpoint(t);
        let before = d.report();
        let s = d.update_nodes(t, &[0, 1, 105]).unwrap();
        assert_eq!(s.records_changed, 3);
        let after = d.report();
        assert_eq!(
            after.store_bytes, before.store_bytes,
            "updates write in place"
        );
        let prop = command_bytes(&RecordChange {
            kind: StoreKind::Property,
            op: ChangeOp::Update,
            blocks: 1,
            payload: 1,
        });
        let node = command_bytes(&RecordChange::plain(StoreKind::Node, ChangeOp::Update));
        assert_eq!((prop, node), (97, 71));
        assert_eq!(
            s.log_bytes,
            2 * prop + node + crate::txlog::START_ENTRY_BYTES + crate::txlog::COMMIT_ENTRY_BYTES
        );
        assert_eq!(after.tx_log_bytes - before.tx_log_bytes, s.log_bytes);
        assert_eq!(d.update_nodes(t, &[500]), Err(DbError::NoSuchNode(500)));
        let cp = d.checkpoint(t);
        assert!(matches!(
            cp.kind,
            DbEventKind::CheckpointCompleted { pages_flushed, .. } if pages_flushed == 2
        ));
        d.check_invariants().unwrap();
    }

    #[test]
    fn a_small_cache_under_a_large_working_set_storms() {
        let mut cfg = DatabaseConfig::new(PAGE_BYTES * 64);
        cfg.page_cache.grab_bytes = PAGE_BYTES;
        let mut d = Database::new(cfg).unwrap();
        let t = SimTime::ZERO;
        d.create_nodes(t, 200_000, 1, 1).unwrap();
        d.drain_events();
        let mut rng = SimRng::new(1, 0);
        let run = d.read_working_set(t, 200_000, 10_000, &mut rng);
        assert!(run.hit_ratio() < 0.2, "{run:?}");
        assert!(
            d.drain_events()
                .iter()
                .any(|e| matches!(e.kind, DbEventKind::EvictionStorm { .. }))
        );
        d.check_invariants().unwrap();
    }
}
