//! Re-enacts `shared/seeds/neo4j-space-reuse.txt` (Neo4j's operations manual, "Space reuse"):
//! 100k labelled nodes with one property, checkpoint, `MATCH (n) DETACH DELETE n`, checkpoint,
//! `neo4j-admin copy`; then a second run that re-creates 100k nodes after the delete.
//!
//! # Figures: the document's, and this model's
//! The run is from Neo4j 4.2 (2020), so the store uses the `standard` record format.
//!
//! | step | document (`:sysinfo` store size) | model (stores + `.id` files + log content) |
//! |---|---|---|
//! | 100k nodes, checkpoint | 791.92 KiB; IDs node 100000, property 100000 | 17.86 MiB (stores 5.39 MiB, log 12.40 MiB); IDs 100000 / 100000 |
//! | DETACH DELETE, checkpoint | **31.01 MiB**; IDs unchanged | **31.79 MiB** (+2.5 %); IDs unchanged |
//! | copy | 800.68 KiB; IDs 0 / 0 | 0.11 MiB; IDs 0 / 0 |
//!
//! - **31.01 MiB** is compared (within 10 %): record sizes (node 15 B, property 41 B) give the
//!   stores, 5.39 MiB, and the approximate command sizes of `txlog` (130 B of log per node created
//!   and again per node deleted: node command 46 B + property command 84 B) give the two
//!   transactions' log, 24.80 MiB. The comparison assumes `:sysinfo` counted the transaction logs'
//!   content, which the document does not say; with `db.tx_log.preallocate` the current log file
//!   would take 256 MiB on disk, so the figure cannot count allocated log space.
//! - **791.92 KiB cannot be reproduced from record sizes**: the node and property stores of 100k
//!   records alone take 100 000 × (15 + 41) B = 5.34 MiB. The figure matches the size of an
//!   *empty* database (the copy with no records is 800.68 KiB), so `:sysinfo` most likely showed a
//!   size measured before the nodes were created (a hypothesis: memsim does not model how the
//!   Browser's figure is refreshed). The reference's note that the Neo4j 4.0 knowledge-base version
//!   of the same run showed 18.6 MiB after the creation agrees with this model's 17.86 MiB (−4 %),
//!   which the test also checks.
//! - **800.68 KiB and 791.92 KiB as absolute sizes depend on files not modelled**: the metadata
//!   store, count store, label scan store, schema store, index files, token name stores and the
//!   GBPTree `.id` files of an empty 4.x database (this model's empty database is 96 KiB: dynamic
//!   stores' header pages and `.id` header pages). What the model reproduces is the relation: the
//!   copy is the size of an empty database plus its two token pages, whatever the original held.
//! - **"Copying of 100704 records … Unused Records 100704 (100%)"** depends on which stores
//!   StoreCopy counts and how far it scans, which is not documented; the model scans the node and
//!   relationship stores to their high-water marks: 100 000 records, all unused.

use memsim_core::SimTime;
use memsim_pagecache::db::{Database, DatabaseConfig, DbEventKind, DbReport};
use memsim_pagecache::store::{RecordFormat, StoreKind};

const MIB: f64 = 1024.0 * 1024.0;

fn neo4j_4_2() -> Database {
    let mut config = DatabaseConfig::new(512 << 20);
    config.format = RecordFormat::Standard;
    Database::new(config).unwrap()
}

fn within(actual: u64, expected: f64, tolerance: f64) -> bool {
    (actual as f64 - expected).abs() <= expected * tolerance
}

fn ids(r: &DbReport) -> (u64, u64) {
    (
        r.store(StoreKind::Node).high_id,
        r.store(StoreKind::Property).high_id,
    )
}

#[test]
fn walkthrough_delete_grows_disk_and_copy_compacts() {
    let mut db = neo4j_4_2();
    let t = SimTime::ZERO;
    let empty = db.report();

    // foreach (x in range(1,100000) | create (n:testnode1 {id:x}))
    // "Added 100000 nodes, Set 100000 properties, Added 100000 labels"
    let created = db.create_nodes(t, 100_000, 1, 1).unwrap();
    // 100k node records, 100k property records, one label token, one property-key token.
    assert_eq!(created.records_changed, 200_002);
    db.checkpoint(t);
    let after_create = db.report();
    assert_eq!(
        ids(&after_create),
        (100_000, 100_000),
        "ID allocation after creation"
    );
    assert!(
        db.node_ids().take(5).eq(0..5),
        "IDs 0, 1, 2, 3, 4 as the document lists"
    );
    // Stores from record sizes: ceil(100000/546) pages of 8190 B + ceil(100000/199) of 8159 B.
    assert_eq!(after_create.store(StoreKind::Node).file_bytes, 184 * 8190);
    assert_eq!(
        after_create.store(StoreKind::Property).file_bytes,
        503 * 8159
    );
    // The 4.0 knowledge-base run's 18.6 MiB for this step (the reference file's note).
    assert!(
        within(after_create.total_bytes(), 18.6 * MIB, 0.10),
        "{} B",
        after_create.total_bytes()
    );

    // Match (n) detach delete n; call db.checkpoint();
    let deleted = db.delete_all_nodes(t).unwrap();
    assert_eq!(
        deleted.records_changed, 200_000,
        "every node and property record"
    );
    db.checkpoint(t);
    let after_delete = db.report();
    // The store files do not shrink; the log grew by a command per deleted record; so the disk
    // usage grew after deleting everything.
    assert_eq!(after_delete.store_bytes, after_create.store_bytes);
    assert!(after_delete.tx_log_bytes > after_create.tx_log_bytes + 12_000_000);
    assert!(after_delete.total_bytes() > after_create.total_bytes());
    // "ID Allocation: Node ID 100000, Property ID 100000" — unchanged by the delete.
    assert_eq!(ids(&after_delete), (100_000, 100_000));
    assert_eq!(after_delete.store(StoreKind::Node).records_in_use, 0);
    assert_eq!(after_delete.store(StoreKind::Node).reusable_ids, 100_000);
    // The document's 31.01 MiB.
    assert!(
        within(after_delete.total_bytes(), 31.01 * MIB, 0.10),
        "{} B",
        after_delete.total_bytes()
    );

    // neo4j-admin copy --to-database=neo4jcopy1 --from-database=neo4j
    let (copy, report) = db.copy_compacted();
    assert_eq!(report.records_scanned, 100_000);
    assert_eq!(report.unused_records, 100_000, "Unused Records (100%)");
    let copied = copy.report();
    // "ID Allocation: Node ID 0, Property ID 0".
    assert_eq!(ids(&copied), (0, 0));
    // The copy is the size of an empty database plus its label and property-key token pages.
    assert_eq!(copied.store_bytes, empty.store_bytes + 2 * 8190);
    assert!(within(
        copied.total_bytes(),
        empty.total_bytes() as f64,
        0.20
    ));
    assert!(copied.total_bytes() * 100 < after_delete.total_bytes());
    // The document's copy (800.68 KiB) is 8.76 KiB (1.1 %) larger than its 791.92 KiB original;
    // here the copy is two token pages larger than the empty original.
    assert_eq!(copied.total_bytes() - empty.total_bytes(), 2 * 8190);
    copy.check_invariants().unwrap();
    db.check_invariants().unwrap();

    // The checkpoints appear as debug.log shows them.
    let lines: Vec<String> = db.drain_events().iter().map(|e| e.to_string()).collect();
    assert!(lines.iter().any(|l| l.starts_with(
        "Checkpoint triggered by \"Call to db.checkpoint() procedure\" @ txId: 3 checkpoint completed in"
    )));
}

#[test]
fn recreating_after_the_delete_reuses_ids_without_growth() {
    let mut db = neo4j_4_2();
    let t = SimTime::ZERO;
    db.create_nodes(t, 100_000, 1, 1).unwrap();
    db.checkpoint(t);
    db.delete_all_nodes(t).unwrap();
    db.checkpoint(t);
    let after_delete = db.report();
    assert_eq!(after_delete.store(StoreKind::Node).reusable_ids, 100_000);
    // 200k freed IDs written to the .id files at the checkpoint.
    let id_bytes = after_delete.id_file_bytes;
    assert!(id_bytes > 200_000 * 8);

    db.create_nodes(t, 100_000, 1, 1).unwrap();
    db.checkpoint(t);
    let again = db.report();
    assert_eq!(
        again.store_bytes, after_delete.store_bytes,
        "no store growth"
    );
    assert_eq!(
        ids(&again),
        (100_000, 100_000),
        "high-water marks unchanged"
    );
    assert_eq!(
        again.store(StoreKind::Node).reusable_ids,
        0,
        "freed IDs reused"
    );
    assert_eq!(again.store(StoreKind::Property).reusable_ids, 0);
    // The .id files drained (no free ID left) but, as files, kept their size.
    assert_eq!(db.store(StoreKind::Node).ids().id_file_entries(), 0);
    assert_eq!(again.id_file_bytes, id_bytes);
    // The log grew by a third transaction of about 12.4 MiB.
    assert!(within(
        again.tx_log_bytes - after_delete.tx_log_bytes,
        12.4 * MIB,
        0.02
    ));
    db.check_invariants().unwrap();
}

#[test]
fn a_reader_open_across_the_delete_defers_reuse_until_it_finishes() {
    let mut db = neo4j_4_2();
    let t = SimTime::ZERO;
    db.create_nodes(t, 100_000, 1, 1).unwrap();
    let reader = db.open_transaction();
    db.delete_all_nodes(t).unwrap();
    db.checkpoint(t);
    let r = db.report();
    assert_eq!(r.store(StoreKind::Node).buffered_ids, 100_000);
    assert_eq!(r.store(StoreKind::Node).reusable_ids, 0);
    // Creating while the reader is open grows the store past the old high-water mark.
    db.create_nodes(t, 1000, 1, 1).unwrap();
    assert_eq!(db.report().store(StoreKind::Node).high_id, 101_000);
    db.close_transaction(reader);
    db.create_nodes(t, 1000, 1, 1).unwrap();
    assert_eq!(db.report().store(StoreKind::Node).high_id, 101_000);
    db.check_invariants().unwrap();
}

#[test]
fn detach_delete_state_can_exceed_the_transaction_memory_limit() {
    // The document warns that DETACH DELETE of many nodes needs large in-memory transaction state:
    // with db.memory.transaction.max = 50 MiB the 100k-node delete (53.4 MiB by memsim's estimate)
    // is terminated, while deleting in batches of 50k succeeds.
    let mut config = DatabaseConfig::new(512 << 20);
    config.format = RecordFormat::Standard;
    config.tx_memory_max_bytes = 50 << 20;
    let mut db = Database::new(config).unwrap();
    let t = SimTime::ZERO;
    db.create_nodes(t, 50_000, 1, 1).unwrap();
    db.create_nodes(t, 50_000, 1, 1).unwrap();
    assert!(db.delete_all_nodes(t).is_err());
    assert!(
        db.drain_events()
            .iter()
            .any(|e| matches!(e.kind, DbEventKind::TransactionTerminated { .. }))
    );
    assert_eq!(db.n_nodes(), 100_000);
    db.delete_nodes(t, &(0..50_000).collect::<Vec<_>>(), true)
        .unwrap();
    db.delete_nodes(t, &(50_000..100_000).collect::<Vec<_>>(), true)
        .unwrap();
    assert_eq!(db.n_nodes(), 0);
}
