//! The files of a Neo4j 4.x database that memsim does not model record by record, with their
//! sizes in an empty database; and `store.size.total` as Neo4j's metric computes it.
//!
//! Sources, `neo4j/neo4j` 4.x: `DatabaseLayout` and its tests (`storeFilesHaveExpectedNames`,
//! `idFilesHaveExpectedNames`: 17 store files, 15 of them with an `.id` file), `MetaDataStore` /
//! `MetaDataRecordFormat` (9-byte records), `DynamicArrayStore` / `DynamicStringStore` with
//! `GraphDatabaseSettings`' block sizes (labels 60, token names 30, plus an 8-byte record header),
//! `IndexedIdGenerator` ([`crate::idtree`]), `GBPTree` (the counts store, the label scan store and
//! the index statistics store are GBPTrees: 5 pages when empty, as an empty `.id` file), and the
//! enterprise `StoreSizeMetrics` (see [`StoreSizeMetric`]).
//!
//! - **Stores with a header record** take one file page when empty: the metadata store
//!   `neostore` (its fields are records), the node label store `neostore.nodestore.db.labels`
//!   (68-byte records), the token name stores `neostore.labeltokenstore.db.names`,
//!   `neostore.relationshiptypestore.db.names`, `neostore.propertystore.db.index.keys` (38-byte
//!   records). A standard-format file page is the records that fit 8 KiB back to back
//!   ([`RecordFormat::file_page_bytes`]); the page cache writes whole file pages.
//! - **Stores without one** are empty files: the schema store `neostore.schemastore.db`.
//! - **GBPTree files**: `neostore.counts.db`, `neostore.labelscanstore.db`,
//!   `neostore.indexstats.db`, and the `.id` files of the stores above (`neostore.id` included).
//!
//! The record stores memsim models ([`crate::store::StoreKind`]) and their `.id` files are sized by
//! [`crate::store`]; the label scan store grows with labelled nodes (`db/labelscan.rs`, the size
//! here is its empty one). *Not modelled*: the counts store's entries, token names longer than one
//! record, schema rules and schema indexes, and the names stores' growth.

use memsim_core::{SimDuration, SimTime};

use crate::cache::PAGE_BYTES;
use crate::idtree;
use crate::store::RecordFormat;

/// The metadata store's record: an in-use byte and a long.
pub const METADATA_RECORD_BYTES: u64 = 9;
/// A dynamic record's header (in-use and length bytes, next-block pointer).
pub const DYNAMIC_HEADER_BYTES: u64 = 8;
/// Node label store block size (`label_block_size`).
pub const LABEL_BLOCK_BYTES: u64 = 60;
/// Token name store block size (`TokenStore.NAME_STORE_BLOCK_SIZE`).
pub const NAME_BLOCK_BYTES: u64 = 30;

/// What a file is, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// A store file.
    Store,
    /// An `.id` file (a GBPTree).
    IdFile,
}

/// One file of an empty database outside the modelled record stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedFile {
    /// Its name in the database directory.
    pub name: &'static str,
    /// Store or ID file.
    pub role: FileRole,
    /// Its size.
    pub bytes: u64,
}

/// One file page of records of `record_bytes`: a store whose header record is its only record.
fn one_page(format: RecordFormat, record_bytes: u64) -> u64 {
    format.file_page_bytes(record_bytes)
}

/// The files an empty 4.x database has besides the modelled record stores and their `.id` files,
/// in `DatabaseLayout`'s order.
pub fn fixed_files(format: RecordFormat) -> Vec<FixedFile> {
    let store = |name, bytes| FixedFile {
        name,
        role: FileRole::Store,
        bytes,
    };
    let tree = |name, role| FixedFile {
        name,
        role,
        bytes: idtree::file_bytes(0),
    };
    let names = one_page(format, NAME_BLOCK_BYTES + DYNAMIC_HEADER_BYTES);
    vec![
        store("neostore", one_page(format, METADATA_RECORD_BYTES)),
        tree("neostore.id", FileRole::IdFile),
        tree("neostore.counts.db", FileRole::Store),
        tree("neostore.labelscanstore.db", FileRole::Store),
        tree("neostore.indexstats.db", FileRole::Store),
        store("neostore.labeltokenstore.db.names", names),
        tree("neostore.labeltokenstore.db.names.id", FileRole::IdFile),
        store(
            "neostore.nodestore.db.labels",
            one_page(format, LABEL_BLOCK_BYTES + DYNAMIC_HEADER_BYTES),
        ),
        tree("neostore.nodestore.db.labels.id", FileRole::IdFile),
        store("neostore.propertystore.db.index.keys", names),
        tree("neostore.propertystore.db.index.keys.id", FileRole::IdFile),
        store("neostore.relationshiptypestore.db.names", names),
        tree(
            "neostore.relationshiptypestore.db.names.id",
            FileRole::IdFile,
        ),
        store("neostore.schemastore.db", 0),
        tree("neostore.schemastore.db.id", FileRole::IdFile),
    ]
}

/// Neo4j's `store.size.total` and `store.size.database` gauges (enterprise `StoreSizeMetrics`,
/// 4.x): a job scheduled at the database's start with no initial delay and then every
/// `UPDATE_INTERVAL` (10 minutes) sums the file sizes of the database directory (`database`) and of
/// it plus the transaction-log directory (`total`); the gauges return the values of the last run,
/// which is what Neo4j Browser's `:sysinfo` shows. File sizes are the files' lengths, so a
/// preallocated transaction log would count whole (*assumption*: memsim counts the log's content,
/// as a log without preallocation has).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSizeMetric {
    /// `store.size.total` at the last refresh.
    pub total_bytes: u64,
    /// `store.size.database` at the last refresh.
    pub database_bytes: u64,
    /// When it was refreshed.
    pub refreshed_at: SimTime,
}

/// `StoreSizeMetrics.UPDATE_INTERVAL`.
pub const STORE_SIZE_REFRESH: SimDuration = SimDuration::from_secs(600);

/// Bytes of the empty database's fixed files.
pub fn fixed_bytes(format: RecordFormat) -> u64 {
    fixed_files(format).iter().map(|f| f.bytes).sum()
}

const _: () = assert!(PAGE_BYTES == 8192, "file sizes above assume 8 KiB pages");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_database_files() {
        let files = fixed_files(RecordFormat::Standard);
        assert_eq!(files.len(), 15);
        let ids = files.iter().filter(|f| f.role == FileRole::IdFile).count();
        // With the 9 modelled stores' .id files, the 15 of idFilesHaveExpectedNames.
        assert_eq!(ids, 6);
        let size = |n: &str| files.iter().find(|f| f.name == n).unwrap().bytes;
        assert_eq!(size("neostore"), 910 * 9);
        assert_eq!(size("neostore.nodestore.db.labels"), 120 * 68);
        assert_eq!(size("neostore.labeltokenstore.db.names"), 215 * 38);
        assert_eq!(size("neostore.counts.db"), 5 * 8192);
        assert_eq!(
            fixed_bytes(RecordFormat::Standard),
            8190 + 8160 + 3 * 8170 + 9 * 5 * 8192
        );
        assert_eq!(fixed_bytes(RecordFormat::Aligned), 5 * 8192 + 9 * 5 * 8192);
    }
}
