//! `[database]` and `[phase.db]`: values, defaults, and every error at once with its key path.

use crate::ok;
use memsim_scenario::{CheckpointKind, DbFormat, DbOp, Retention};

const HEAD: &str = "[scenario]\nduration = \"10m\"\n\n[machine]\nram = \"16g\"\n";

#[test]
fn database_settings_and_ops_parse() {
    let s = ok(&format!(
        "{HEAD}
[database]
format = \"standard\"
checkpoint = \"volume\"
checkpoint_interval_volume = \"100m\"
tx_log_rotation_size = \"1m\"
tx_log_retention = \"2 days 2G\"
transaction_max = \"50m\"
transaction_total_max = \"200m\"

[[phase]]
name = \"load\"
duration = \"1m\"
db = {{ op = \"create_nodes\", count = 1000, labels = 2, transactions = 10 }}

[[phase]]
name = \"read\"
duration = \"1m\"
db = {{ op = \"read\", reads = 5000, working_set = 100 }}

[[phase]]
name = \"cp\"
duration = \"1m\"
db = {{ op = \"checkpoint\" }}

[[phase]]
name = \"browser\"
duration = \"1s\"
db = {{ op = \"sysinfo\" }}
"
    ));
    assert_eq!(s.phases[3].db.as_ref().unwrap().op, DbOp::Sysinfo);
    assert_eq!(DbOp::Sysinfo.name(), "sysinfo");
    let d = s.database.as_ref().unwrap();
    assert_eq!(d.format, DbFormat::Standard);
    assert_eq!(d.checkpoint, CheckpointKind::Volume);
    assert_eq!(d.checkpoint_interval_volume, Some(100 << 20));
    assert_eq!(d.tx_log_rotation_size, Some(1 << 20));
    assert!(matches!(
        d.tx_log_retention,
        Some(Retention::Age {
            size_bytes: Some(2147483648),
            ..
        })
    ));
    assert_eq!(d.transaction_max, Some(50 << 20));
    assert_eq!(d.transaction_total_max, Some(200 << 20));
    assert!(s.has_database());
    let load = s.phases[0].db.as_ref().unwrap();
    assert_eq!(
        load.op,
        DbOp::CreateNodes {
            count: 1000,
            labels: 2,
            properties: 1
        }
    );
    assert_eq!(load.transactions, 10);
    assert_eq!(
        s.phases[1].db.as_ref().unwrap().op,
        DbOp::Read {
            reads: 5000,
            working_set: Some(100)
        }
    );
    assert_eq!(s.phases[2].db.as_ref().unwrap().op, DbOp::Checkpoint);
    assert_eq!(s.phases[2].db.as_ref().unwrap().transactions, 1);
}

#[test]
fn bad_database_input_is_reported_all_at_once() {
    let src = format!(
        "{HEAD}
[database]
format = \"block\"
tx_log_rotation_size = \"64k\"
tx_log_retention = \"2 weeks\"
checkpoint_intervall_tx = 5

[[phase]]
name = \"a\"
duration = \"1m\"
db = {{ op = \"create_node\", count = 5 }}

[[phase]]
name = \"b\"
duration = \"1m\"
db = {{ op = \"checkpoint\", count = 5 }}

[[phase]]
name = \"c\"
duration = \"1m\"
db = {{ op = \"create_nodes\", count = 0, transactions = 3 }}

[[phase]]
name = \"d\"
duration = \"1m\"
db = {{ op = \"read\" }}

[[phase]]
name = \"e\"
duration = \"1m\"
db = {{ op = \"sysinfo\", reads = 5 }}
"
    );
    let errors = memsim_scenario::parse(&src, "x.toml").unwrap_err();
    let lines: Vec<String> = errors.errors().iter().map(|e| e.to_string()).collect();
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(
        has("x.toml:8:10: `database.format` has an unknown value `block`"),
        "{lines:#?}"
    );
    assert!(has(
        "`database.tx_log_rotation_size` (64k) is below Neo4j's minimum of 128k"
    ));
    assert!(has(
        "`database.tx_log_retention` `2 weeks` is not a retention policy"
    ));
    assert!(has(
        "unknown key `database.checkpoint_intervall_tx` — hint: did you mean `checkpoint_interval_tx`?"
    ));
    assert!(has(
        "`phase[0].db.op` has an unknown operation `create_node` — hint: did you mean `create_nodes`?"
    ));
    assert!(has(
        "`phase[1].db.count` does not apply to op `checkpoint` — hint: `checkpoint` takes no other key"
    ));
    assert!(has(
        "`phase[2].db.count` is 0; it must be between 1 and 10000000"
    ));
    assert!(has("missing `phase[3].db.reads`"));
    assert!(has(
        "`phase[4].db.reads` does not apply to op `sysinfo` — hint: `sysinfo` takes no other key"
    ));
    assert_eq!(lines.len(), 9, "{lines:#?}");
}

#[test]
fn db_ops_need_a_database() {
    let src = format!(
        "{HEAD}
[[phase]]
name = \"a\"
duration = \"1m\"
db = {{ op = \"checkpoint\" }}
"
    );
    let errors = memsim_scenario::parse(&src, "x.toml").unwrap_err();
    let e = &errors.errors()[0];
    assert_eq!(e.key_path(), "phase[0].db");
    assert_eq!((e.line(), e.column()), (10, 1));
    assert!(
        e.to_string()
            .contains("neither `[database]` nor `[page_cache]`")
    );
}

#[test]
fn page_cache_size_is_bounded_by_the_model() {
    for (size, ok_) in [
        ("\"4k\"", false),
        ("\"8k\"", true),
        ("\"128g\"", true),
        ("\"512g\"", true),
        ("\"1t\"", true),
        ("\"1025g\"", false),
    ] {
        let src = format!("{HEAD}\n[page_cache]\nsize = {size}\n");
        match memsim_scenario::parse(&src, "x.toml") {
            Ok(_) => assert!(ok_, "{size} accepted"),
            Err(e) => {
                assert!(!ok_, "{size} rejected: {e}");
                let e = &e.errors()[0];
                assert_eq!(e.key_path(), "page_cache.size");
                assert!(
                    e.to_string().contains("between 8k (one page) and 1t"),
                    "{e}"
                );
            }
        }
    }
}

/// The IOPS limit times 8 KiB is a byte rate: bounded so the product cannot overflow.
#[test]
fn checkpoint_iops_limit_is_bounded() {
    let src = |v: &str| format!("{HEAD}[database]\ncheckpoint_iops_limit = {v}\n");
    assert_eq!(
        ok(&src("1000000000"))
            .database
            .unwrap()
            .checkpoint_iops_limit,
        Some(1_000_000_000)
    );
    let e = crate::one(
        &src("18446744073709551615"),
        "database.checkpoint_iops_limit",
        7,
        25,
    );
    assert!(e.message().contains("at most 1000000000"), "{e}");
}

#[test]
fn fulltext_indexes_parse_with_their_defaults() {
    let s = ok(&format!(
        "{HEAD}
[database]
fulltext_index = \"6g\"
fulltext_hot = 0.15
fulltext_per_node = \"2k\"

[[phase]]
name = \"q\"
duration = \"1m\"
fulltext_read = 1

[[phase]]
name = \"idle\"
duration = \"1m\"
"
    ));
    let d = s.database.as_ref().unwrap();
    assert_eq!(d.fulltext_index, Some(6 << 30));
    assert_eq!(d.fulltext_hot, Some(0.15));
    assert_eq!(d.fulltext_per_node, Some(2048));
    assert_eq!(s.phases[0].fulltext_read, 1.0);
    assert_eq!(s.phases[1].fulltext_read, 0.0);
    let bare = ok(&format!("{HEAD}\n[database]\n"));
    let d = bare.database.as_ref().unwrap();
    assert_eq!(
        (d.fulltext_index, d.fulltext_hot, d.fulltext_per_node),
        (None, None, None)
    );
}

#[test]
fn bad_fulltext_input_is_reported_all_at_once() {
    let src = format!(
        "{HEAD}
[database]
fulltext_hot = 1.5

[[phase]]
name = \"q\"
duration = \"1m\"
fulltext_read = -0.5
"
    );
    let lines: Vec<String> = crate::errs(&src)
        .errors()
        .iter()
        .map(|e| e.to_string())
        .collect();
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(
        has("`database.fulltext_hot` is 1.5; it must be from 0 to 1"),
        "{lines:#?}"
    );
    assert!(
        has("`phase[0].fulltext_read` is -0.5; it must be from 0 to 1"),
        "{lines:#?}"
    );
    assert_eq!(lines.len(), 2, "{lines:#?}");
    // Without a database there is no index to read.
    let none = "[scenario]\nduration = \"10m\"\n\n[machine]\nram = \"16g\"\n\n[[phase]]\nname = \"q\"\nduration = \"1m\"\nfulltext_read = 0.5\n";
    let e = crate::one(none, "phase[0].fulltext_read", 10, 1);
    assert!(
        e.to_string()
            .contains("reads full-text indexes, but the scenario has neither"),
        "{e}"
    );
}
