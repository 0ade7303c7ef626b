//! The database's settings and what a workload asks it to create: [`DatabaseConfig`],
//! [`TxStateCosts`], [`PropValue`], [`NodeSpec`].

use memsim_core::SimDuration;

use crate::cache::CacheConfig;
use crate::store::RecordFormat;
use crate::store::StoreKind;
use crate::txlog::CheckpointPolicy;
use crate::txlog::DYNAMIC_DATA_BYTES;
use crate::txlog::TxLogConfig;

use super::MIB;
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
    pub(super) fn of(&self, kind: StoreKind) -> u64 {
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

/// Settings of a [`Database`](super::Database).
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
    /// The global transaction memory pool, `dbms.memory.transaction.global_max_size` (4.x; 5.x's
    /// `dbms.memory.transaction.total.max`), in bytes; 0 means unlimited (4.x's default).
    /// Transactions run through [`Database::run_tx`](super::Database::run_tx) hold their state in it
    /// until [`Database::release_tx_memory`](super::Database::release_tx_memory).
    pub tx_memory_global_max_bytes: u64,
    /// Heap cost of transaction state.
    pub tx_state_costs: TxStateCosts,
    /// `db.checkpoint.iops.limit` (600 IOs per second of 8 KiB; 0 = unlimited); applies to
    /// scheduled checkpoints, not to `CALL db.checkpoint()`.
    pub checkpoint_iops_limit: u64,
    /// The device's write rate (*assumption*: 200 MiB/s, a SATA SSD's sequential writes).
    pub device_write_bytes_per_sec: u64,
    /// Relationships at which a node becomes dense (50).
    pub dense_node_threshold: u64,
    /// Evictions within one operation that make an [`DbEventKind::EvictionStorm`](super::DbEventKind::EvictionStorm); 0 means the
    /// cache's page count (the operation turned the whole cache over). memsim's own diagnostic.
    pub eviction_storm_evictions: u64,
    /// How often the store-size metric recomputes `store.size.total` (Neo4j's
    /// `StoreSizeMetrics.UPDATE_INTERVAL`, 10 minutes, not a setting; [`crate::files`]).
    pub store_size_refresh: SimDuration,
}

impl DatabaseConfig {
    /// Neo4j's defaults with a page cache of `page_cache_bytes`.
    pub fn new(page_cache_bytes: u64) -> DatabaseConfig {
        DatabaseConfig {
            format: RecordFormat::Aligned,
            // One thread drives a database: the eviction thread runs when a fault unparks it.
            page_cache: CacheConfig {
                evictor_runs_when_unparked: true,
                ..CacheConfig::new(page_cache_bytes)
            },
            tx_log: TxLogConfig::default(),
            checkpoint: CheckpointPolicy::default(),
            tx_memory_max_bytes: 0,
            tx_memory_global_max_bytes: 0,
            tx_state_costs: TxStateCosts::default(),
            checkpoint_iops_limit: 600,
            device_write_bytes_per_sec: 200 * MIB,
            dense_node_threshold: 50,
            eviction_storm_evictions: 0,
            store_size_refresh: crate::files::STORE_SIZE_REFRESH,
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
    pub(super) fn layout(self) -> (u64, Option<(StoreKind, u64)>) {
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
