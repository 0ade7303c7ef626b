use super::graph::label_records;
use super::*;
use crate::cache::PAGE_BYTES;
use crate::txlog::{RecordChange, command_bytes};

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
    // Held to 600 IOs of 8 KiB per second: the dirty pages and the modelled stores' ID files.
    let id_files: u64 = d.report().stores.iter().map(|s| s.id_file_bytes).sum();
    let bytes = dirty * PAGE_BYTES + id_files;
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

#[test]
fn the_global_pool_refuses_a_state_that_would_overflow_it_until_others_release_theirs() {
    let mut cfg = DatabaseConfig::new(64 * MIB);
    // 1000 nodes with a property: 1000 × (192 + 368) B, and 2 × 160 B of tokens the first time.
    let one = 560_320;
    // Room for one such transaction, not two.
    cfg.tx_memory_global_max_bytes = one + one / 2;
    let mut d = Database::new(cfg).unwrap();
    let t = SimTime::ZERO;
    let tx = Tx::CreateNodes {
        n: 1000,
        labels: 1,
        properties: 1,
    };
    let mut admitted = 0;
    let mut gate = |b: u64| -> Result<(), String> {
        admitted += b;
        Ok(())
    };
    let first = d.run_tx(t, tx, &mut gate).unwrap();
    assert_eq!(first.tx_state_bytes, one);
    assert_eq!(d.tx_pool_used_bytes(), one);
    let nodes = d.n_nodes();
    // The second, while the first holds its state: Neo4j's error, nothing changed or admitted.
    let err = d.run_tx(t, tx, &mut gate).unwrap_err();
    let DbError::MemoryPoolFull(message) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        message,
        "The allocation of an extra 546.9 KiB would use more than the limit 820.8 KiB. \
         Currently using 547.2 KiB. dbms.memory.transaction.global_max_size threshold reached"
    );
    assert_eq!(d.n_nodes(), nodes);
    assert_eq!(d.tx_pool_used_bytes(), first.tx_state_bytes);
    assert!(d.drain_events().iter().any(|e| matches!(
        &e.kind,
        DbEventKind::TransactionFailed { message: m } if m == message
    )));
    // Once the first ends, the second fits.
    d.release_tx_memory(first.tx_state_bytes);
    let second = d.run_tx(t, tx, &mut gate).unwrap();
    assert_eq!(second.tx_state_bytes, 560_000, "the tokens exist now");
    assert_eq!(admitted, one + second.tx_state_bytes);
    // Plain operations end as they commit: they leave nothing in the pool.
    d.release_tx_memory(second.tx_state_bytes);
    d.create_nodes(t, 10, 1, 1).unwrap();
    assert_eq!(d.tx_pool_used_bytes(), 0);
}
