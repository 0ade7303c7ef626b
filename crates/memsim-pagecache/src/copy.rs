//! Compaction by copy: `neo4j-admin database copy --compact-node-store`.
//!
//! Source: `shared/reference/neo4j-page-cache-and-store.md` ("Compaction and the space reuse
//! walkthrough"): an offline, defragmented copy into a new database; only readable (in-use) records
//! are copied; with `--compact-node-store` nodes get new IDs from 0 (without it they keep theirs —
//! not modelled: this copy always compacts); relationships get new IDs; schema is not copied.
//!
//! The copy is a new [`Database`] with the source's settings: tokens, then live nodes in old-ID order
//! (new IDs 0, 1, …) with their labels and property records, then live relationships between the
//! renumbered nodes, all written as a bulk import (no transaction log beyond the new log file's
//! header) and flushed. Store files therefore hold exactly the live records, and every ID generator
//! starts with no free IDs. The copy is returned as the database started on it finds it: with an
//! empty page cache (neo4j-admin copies through a page cache of its own, in its own process; the
//! database's cache starts cold), so its cache counters start from zero.
//!
//! [`CopyReport::records_scanned`] counts the node and relationship IDs the copy reads (up to each
//! store's high-water mark) and [`CopyReport::unused_records`] those not in use, as StoreCopy's
//! "Copying of N records … Unused Records N" line does; which stores Neo4j's count covers is not
//! documented, so its figure is not reproduced exactly.

use std::collections::BTreeMap;

use crate::db::Database;
use crate::store::StoreKind;

/// What a compaction by copy did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyReport {
    /// Node and relationship IDs read (each store up to its high-water mark).
    pub records_scanned: u64,
    /// Of those, records not in use (skipped).
    pub unused_records: u64,
    /// Nodes copied.
    pub nodes_copied: u64,
    /// Relationships copied.
    pub relationships_copied: u64,
    /// The source's store files.
    pub source_store_bytes: u64,
    /// The copy's store files.
    pub target_store_bytes: u64,
    /// The source's stores, ID files and logs.
    pub source_total_bytes: u64,
    /// The copy's stores, ID files and logs.
    pub target_total_bytes: u64,
}

/// Copies the live records of `source` into a new database (module docs).
pub fn compact(source: &Database) -> (Database, CopyReport) {
    let mut target = Database::new(*source.config()).expect("the source's settings are valid");
    target.import_tokens(source);
    let (nodes, rels) = source.live_graph();
    let mut new_ids = BTreeMap::new();
    for (old, labels, props) in &nodes {
        new_ids.insert(*old, target.import_node(*labels, props));
    }
    for (from, to, props) in &rels {
        target.import_relationship(new_ids[from], new_ids[to], props);
    }
    target.finish_import();
    // The copy is written by neo4j-admin's own page cache; the database opened on it starts cold.
    target.restart_cold();
    let scanned = source.store(StoreKind::Node).ids().high_id()
        + source.store(StoreKind::Relationship).ids().high_id();
    let live = source.n_nodes() + source.n_relationships();
    let (src, dst) = (source.report(), target.report());
    let report = CopyReport {
        records_scanned: scanned,
        unused_records: scanned - live,
        nodes_copied: nodes.len() as u64,
        relationships_copied: rels.len() as u64,
        source_store_bytes: src.store_bytes,
        target_store_bytes: dst.store_bytes,
        source_total_bytes: src.total_bytes(),
        target_total_bytes: dst.total_bytes(),
    };
    (target, report)
}

#[cfg(test)]
mod tests {
    use memsim_core::SimTime;

    use crate::db::{Database, DatabaseConfig};
    use crate::store::StoreKind;

    #[test]
    fn copy_keeps_live_records_with_ids_from_zero() {
        let mut db = Database::new(DatabaseConfig::new(16 << 20)).unwrap();
        let t = SimTime::ZERO;
        db.create_nodes(t, 1000, 2, 3).unwrap();
        let pairs: Vec<(u64, u64)> = (0..999).map(|i| (i, i + 1)).collect();
        db.create_relationships(t, &pairs, 0, 1).unwrap();
        db.delete_nodes(t, &(0..500).collect::<Vec<_>>(), true)
            .unwrap();
        let (copy, report) = db.copy_compacted();
        assert_eq!(report.nodes_copied, 500);
        assert_eq!(report.relationships_copied, 499);
        assert_eq!(report.records_scanned, 1000 + 999);
        assert_eq!(report.unused_records, 500 + 500);
        assert_eq!(copy.store(StoreKind::Node).ids().high_id(), 500);
        assert_eq!(copy.store(StoreKind::Relationship).ids().high_id(), 499);
        assert_eq!(copy.store(StoreKind::Node).ids().reusable(), 0);
        assert_eq!(copy.n_nodes(), 500);
        assert!(report.target_store_bytes < report.source_store_bytes);
        copy.check_invariants().unwrap();
        // Cold: nothing cached, nothing allocated, no counts of the import's pins.
        let m = copy.page_cache().metrics();
        assert_eq!((m.pins, m.pages_in_use, m.flushes), (0, 0, 0));
        assert_eq!(copy.page_cache().buffer_bytes(), 0);
    }
}
