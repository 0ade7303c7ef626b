//! [`DbReport`]: the database's files, IDs, logs and cache at one instant, what a committed
//! transaction did ([`TxSummary`]), and the invariants the state keeps.

use memsim_core::Usage;

use crate::cache::CacheMetrics;
use crate::cache::PAGE_BYTES;
use crate::files::{FileRole, StoreSizeMetric};
use crate::store::StoreKind;

use super::Database;
/// What a committed transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxSummary {
    /// Its id.
    pub tx_id: u64,
    /// Records it changed (one command each).
    pub records_changed: u64,
    /// Log bytes it appended (entries included).
    pub log_bytes: u64,
    /// Its peak heap state ([`TxStateCosts`](super::TxStateCosts)).
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
    /// Sum of store files: the modelled stores' and the other files of the database directory
    /// ([`crate::files::fixed_files`]: metadata, counts, label scan, index statistics, schema,
    /// token names).
    pub store_bytes: u64,
    /// Sum of `.id` files, the modelled stores' and the others'.
    pub id_file_bytes: u64,
    /// Of `store_bytes` and `id_file_bytes`, the files outside the modelled stores.
    pub other_file_bytes: u64,
    /// `store.size.total` and `store.size.database` as the metric last computed them.
    pub store_size_metric: StoreSizeMetric,
    /// Java heap of the page cache's translation tables (`db/heap.rs`).
    pub translation_table_heap_bytes: u64,
    /// Transaction state the global transaction memory pool holds (`db/pool.rs`).
    pub tx_pool_used_bytes: u64,
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

    /// Stores, ID files and logs (logical log bytes): `store.size.total` computed now (the
    /// database directory and the transaction-log directory).
    pub fn total_bytes(&self) -> u64 {
        self.database_bytes() + self.tx_log_bytes
    }

    /// The database directory: stores and ID files (`store.size.database` computed now).
    pub fn database_bytes(&self) -> u64 {
        self.store_bytes + self.id_file_bytes
    }
}

impl Database {
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
        let other = self.other_files();
        let other_of = |role| -> u64 {
            other
                .iter()
                .filter(|f| f.role == role)
                .map(|f| f.bytes)
                .sum()
        };
        DbReport {
            store_bytes: stores.iter().map(|s| s.file_bytes).sum::<u64>()
                + other_of(FileRole::Store),
            id_file_bytes: stores.iter().map(|s| s.id_file_bytes).sum::<u64>()
                + other_of(FileRole::IdFile),
            other_file_bytes: other.iter().map(|f| f.bytes).sum(),
            store_size_metric: self.store_size,
            translation_table_heap_bytes: self.translation_table_heap_bytes(),
            tx_pool_used_bytes: self.tx_pool_used_bytes,
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
