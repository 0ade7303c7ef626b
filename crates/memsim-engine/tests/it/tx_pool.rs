//! The global transaction memory pool (`[database] transaction_total_max`): running transactions'
//! states together, and Neo4j's error when one would overflow it.

use crate::{messages, run_checked, scenario};
use memsim_core::{EventKind, RunSummary};

const NODES: &str = "neostore.nodestore.db";

fn counter(r: &RunSummary, name: &str) -> u64 {
    r.counters.iter().find(|(n, _)| n == name).expect(name).1
}

#[test]
fn the_global_transaction_pool_fails_a_transaction_while_another_holds_its_state() {
    // Each transaction of 50k nodes holds 50k × 560 B (26.7 MiB) for its phase; the pool holds 40 MiB.
    let text = r#"
[scenario]
duration = "40s"

[machine]
ram = "8g"

[jvm]
heap = { initial = "1g", max = "1g" }

[database]
transaction_total_max = "40m"

[[phase]]
name = "a long transaction"
duration = "20s"
db = { op = "create_nodes", count = 50_000 }

[[phase]]
name = "a second one meanwhile"
start = "5s"
duration = "5s"
db = { op = "create_nodes", count = 50_000 }

[[phase]]
name = "a third once the first ended"
start = "25s"
duration = "5s"
db = { op = "create_nodes", count = 50_000 }
"#;
    let r = run_checked(&scenario(text));
    let failed = messages(&r, EventKind::TransactionTerminated);
    assert_eq!(
        failed,
        [
            "transaction failed (Neo.TransientError.General.MemoryPoolOutOfMemoryError): The allocation of an extra 26.7 MiB would use more than the limit 40.0 MiB. Currently using 26.7 MiB. dbms.memory.transaction.global_max_size threshold reached"
        ]
    );
    let at = r
        .events
        .iter()
        .find(|e| e.kind == EventKind::TransactionTerminated)
        .unwrap()
        .at;
    assert_eq!(at.0, 5_000_000_000);
    let st: Vec<_> = r
        .database
        .as_ref()
        .unwrap()
        .steps
        .iter()
        .map(|s| &s.snapshot)
        .collect();
    // The second rolled back; the third, after the first returned its state, committed.
    assert_eq!(st[1].store(NODES).unwrap().records_in_use, 50_000);
    assert_eq!(st[1].last_tx_id, st[0].last_tx_id);
    assert_eq!(st[2].store(NODES).unwrap().records_in_use, 100_000);
    assert!(messages(&r, EventKind::OutOfMemoryError).is_empty());
    assert_eq!(counter(&r, "db_operations_skipped"), 0);
}
