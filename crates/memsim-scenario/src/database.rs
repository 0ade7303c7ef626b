//! `[database]` and `[phase.db]`: the Neo4j-like database behind the page cache, and the operations
//! phases run against it. Settings keep Neo4j's names in their docs; the engine maps them onto
//! `memsim-pagecache`'s configuration.

use std::ops::Range;

use memsim_core::SimDuration;

use crate::build::human_size;
use crate::error::excerpt;
use crate::reader::{Ctx, Tab};

/// Smallest `db.tx_log.rotation.size` Neo4j accepts.
const MIN_ROTATION: u64 = memsim_pagecache::txlog::ROTATION_BYTES_MIN;
/// Most entities one phase may create, update, delete or read (a bound on the simulator's memory:
/// every node is a few dozen bytes of host memory).
const MAX_COUNT: u64 = 10_000_000;
/// Largest `checkpoint_iops_limit` (8 KiB writes per second; 0 = unlimited).
const MAX_IOPS: u64 = 1_000_000_000;
/// Most reads one phase may do (each is a few pins).
const MAX_READS: u64 = 100_000_000;
/// Most labels, properties or a relationship type id per entity.
const MAX_TOKENS: u64 = 1000;

/// The store's record format (`db.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DbFormat {
    /// `"aligned"` (default): standard records padded so none crosses a page.
    #[default]
    Aligned,
    /// `"standard"`: Neo4j 4.x's default record layout.
    Standard,
}

/// `db.checkpoint`: what triggers checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckpointKind {
    /// `"periodic"` (default): by transaction count or time since the last checkpoint.
    #[default]
    Periodic,
    /// `"volume"`: by transaction-log volume since the last checkpoint.
    Volume,
    /// `"continuous"`: whenever anything is pending.
    Continuous,
}

/// `db.tx_log.rotation.retention_policy`, validated: memsim-pagecache's own type and parser
/// ([`memsim_pagecache::RetentionPolicy::parse`]), so the scenario accepts exactly what the model
/// understands.
pub use memsim_pagecache::RetentionPolicy as Retention;

/// `[database]`: Neo4j settings of the database behind the page cache. `None` = Neo4j's default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatabaseSettings {
    /// `format`: the record format.
    pub format: DbFormat,
    /// `checkpoint` (`db.checkpoint`).
    pub checkpoint: CheckpointKind,
    /// `checkpoint_interval_time` (`db.checkpoint.interval.time`, 15m).
    pub checkpoint_interval_time: Option<SimDuration>,
    /// `checkpoint_interval_tx` (`db.checkpoint.interval.tx`, 100000).
    pub checkpoint_interval_tx: Option<u64>,
    /// `checkpoint_interval_volume` (`db.checkpoint.interval.volume`, 250m).
    pub checkpoint_interval_volume: Option<u64>,
    /// `checkpoint_iops_limit` (`db.checkpoint.iops.limit`, 600; 0 = unlimited).
    pub checkpoint_iops_limit: Option<u64>,
    /// `tx_log_rotation_size` (`db.tx_log.rotation.size`, 256m, at least 128k).
    pub tx_log_rotation_size: Option<u64>,
    /// `tx_log_retention` (`db.tx_log.rotation.retention_policy`, `"2 days 2G"`).
    pub tx_log_retention: Option<Retention>,
    /// `transaction_max` (`db.memory.transaction.max`; 0 = unlimited, the default).
    pub transaction_max: Option<u64>,
    /// `transaction_total_max` (the global transaction memory pool, 4.x's
    /// `dbms.memory.transaction.global_max_size`, 5.x's `dbms.memory.transaction.total.max`; 0 =
    /// unlimited, 4.x's default): all running transactions' state together.
    pub transaction_total_max: Option<u64>,
    /// `warmup_profile_interval` (`dbms.memory.pagecache.warmup.profile.interval`, 1m): how often
    /// the page cache's contents are profiled for a `restart`'s warm-up.
    pub warmup_profile_interval: Option<SimDuration>,
    /// `fulltext_index`: bytes of full-text (Lucene) index files the database has at the start
    /// (0 = none, the default). Neo4j opens them through Lucene's `MMapDirectory`, outside the page
    /// cache: mapped whole, resident as queries read them (`fulltext_read`), reclaimable by the
    /// kernel (`memsim_pagecache::fulltext`).
    pub fulltext_index: Option<u64>,
    /// `fulltext_hot`: the share (0 to 1) of the full-text indexes queries keep reading (term
    /// dictionaries, popular postings): part of the working set once read; `None` = all of it.
    pub fulltext_hot: Option<f64>,
    /// `fulltext_per_node`: bytes each created node adds to the full-text indexes (its indexed
    /// text's postings; 0 = created nodes are not indexed, the default).
    pub fulltext_per_node: Option<u64>,
}

/// What a `restart` loads into the empty page cache (`warmup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartWarmup {
    /// `"profile"` (default): the pages of the latest profile, as Neo4j Enterprise does with
    /// `dbms.memory.pagecache.warmup.enable = true` (its default).
    #[default]
    Profile,
    /// `"cold"`: nothing (Community Edition, or the warm-up disabled).
    Cold,
    /// `"preload"`: every page of every store file up to the cache's size
    /// (`dbms.memory.pagecache.warmup.preload = true`).
    Preload,
}

impl RestartWarmup {
    /// The `warmup` value.
    pub fn name(self) -> &'static str {
        match self {
            RestartWarmup::Profile => "profile",
            RestartWarmup::Cold => "cold",
            RestartWarmup::Preload => "preload",
        }
    }
}

/// What a `[phase.db]` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbOp {
    /// `create_nodes`: `count` nodes with `labels` labels and `properties` small properties each.
    CreateNodes {
        /// Nodes.
        count: u64,
        /// Labels per node.
        labels: u32,
        /// Properties per node.
        properties: u32,
    },
    /// `create_relationships`: `count` relationships between live nodes drawn at random (uniformly
    /// unless nearly all ids are dead).
    CreateRelationships {
        /// Relationships.
        count: u64,
        /// Properties per relationship.
        properties: u32,
        /// The relationship type id.
        rel_type: u32,
    },
    /// `read`: `reads` lookups of nodes drawn uniformly from the first `working_set` node ids.
    Read {
        /// Lookups over the phase.
        reads: u64,
        /// Node ids read; `None` = all (up to the high-water mark).
        working_set: Option<u64>,
    },
    /// `update`: `count` live nodes drawn at random get one property rewritten.
    Update {
        /// Nodes.
        count: u64,
    },
    /// `delete_nodes`: `count` live nodes in ascending id order (each transaction continuing where
    /// the phase's previous one stopped), with `detach` as DETACH DELETE.
    DeleteNodes {
        /// Nodes.
        count: u64,
        /// DETACH DELETE.
        detach: bool,
    },
    /// `detach_delete_all`: `MATCH (n) DETACH DELETE n`.
    DetachDeleteAll,
    /// `checkpoint`: `CALL db.checkpoint()`.
    Checkpoint,
    /// `copy`: `neo4j-admin database copy --compact-node-store`; the run goes on with the copy.
    Copy,
    /// `restart`: the database shuts down (a checkpoint) and starts on an empty page cache, warmed
    /// by `warmup`.
    Restart {
        /// `warmup` (default `"profile"`).
        warmup: RestartWarmup,
    },
    /// `sysinfo`: Neo4j Browser's `:sysinfo` at the phase's start: a step showing the database,
    /// with `store.size.total` as the metric last computed it (it changes nothing).
    Sysinfo,
}

impl DbOp {
    /// The `op` name.
    pub fn name(&self) -> &'static str {
        match self {
            DbOp::CreateNodes { .. } => "create_nodes",
            DbOp::CreateRelationships { .. } => "create_relationships",
            DbOp::Read { .. } => "read",
            DbOp::Update { .. } => "update",
            DbOp::DeleteNodes { .. } => "delete_nodes",
            DbOp::DetachDeleteAll => "detach_delete_all",
            DbOp::Checkpoint => "checkpoint",
            DbOp::Copy => "copy",
            DbOp::Restart { .. } => "restart",
            DbOp::Sysinfo => "sysinfo",
        }
    }
}

/// `[phase.db]`: one database operation, on the phase's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseDb {
    /// `op` and its keys.
    pub op: DbOp,
    /// `transactions`: for `create_nodes`, `create_relationships`, `update` and `delete_nodes`, the
    /// number of equal transactions the work is split into, the k-th at `start + k × duration /
    /// transactions` (default 1: one transaction at the phase's start). Reads are spread over the
    /// phase; the other operations run once at its start.
    pub transactions: u64,
}

const OPS: &[&str] = crate::keys::DB_OPS;

/// The keys each op accepts besides `op`.
fn op_keys(op: &str) -> &'static [&'static str] {
    match op {
        "create_nodes" => &["count", "labels", "properties", "transactions"],
        "create_relationships" => &["count", "properties", "type", "transactions"],
        "read" => &["reads", "working_set"],
        "update" => &["count", "transactions"],
        "delete_nodes" => &["count", "detach", "transactions"],
        "restart" => &["warmup"],
        _ => &[],
    }
}

fn enum_value<T: Copy>(
    cx: &mut Ctx<'_>,
    t: &Tab<'_, '_>,
    key: &str,
    choices: &[(&str, T)],
) -> Option<T> {
    let (v, span) = t.read(cx, key, Ctx::string)?;
    let lower = v.trim().to_ascii_lowercase();
    match choices.iter().find(|(n, _)| *n == lower) {
        Some((_, x)) => Some(*x),
        None => {
            let path = t.key_path(key);
            let list: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            cx.err(
                &path,
                span,
                format!("`{path}` has an unknown value `{}`", excerpt(&v)),
                Some(format!("expected one of: {}", list.join(", "))),
            );
            None
        }
    }
}

fn positive(cx: &mut Ctx<'_>, t: &Tab<'_, '_>, key: &str, max: u64, hint: &str) -> Option<u64> {
    let (n, span) = t.read(cx, key, Ctx::uint)?;
    if n == 0 || n > max {
        let path = t.key_path(key);
        cx.err(
            &path,
            span,
            format!("`{path}` is {n}; it must be between 1 and {max}"),
            Some(hint.to_string()),
        );
        return None;
    }
    Some(n)
}

/// Reads `[database]`.
pub(crate) fn read_database(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> Option<DatabaseSettings> {
    let t = root.sub_table(cx, "database", "a table: `[database]` on a line of its own")?;
    t.check_keys(cx, crate::keys::DATABASE);
    let mut d = DatabaseSettings::default();
    if let Some(f) = enum_value(
        cx,
        &t,
        "format",
        &[
            ("aligned", DbFormat::Aligned),
            ("standard", DbFormat::Standard),
        ],
    ) {
        d.format = f;
    }
    if let Some(k) = enum_value(
        cx,
        &t,
        "checkpoint",
        &[
            ("periodic", CheckpointKind::Periodic),
            ("volume", CheckpointKind::Volume),
            ("continuous", CheckpointKind::Continuous),
        ],
    ) {
        d.checkpoint = k;
    }
    if let Some((v, span)) = t.read(cx, "checkpoint_interval_time", Ctx::duration) {
        if v == SimDuration::ZERO {
            cx.err(
                "database.checkpoint_interval_time",
                span,
                "`database.checkpoint_interval_time` is zero",
                Some("Neo4j's default is \"15m\"; use `checkpoint = \"continuous\"` to checkpoint whenever anything is pending".into()),
            );
        } else {
            d.checkpoint_interval_time = Some(v);
        }
    }
    d.checkpoint_interval_tx = positive(
        cx,
        &t,
        "checkpoint_interval_tx",
        u64::MAX,
        "Neo4j's default is 100000 transactions",
    );
    if let Some((v, span)) = t.read(cx, "checkpoint_interval_volume", Ctx::size) {
        if v == 0 {
            cx.err(
                "database.checkpoint_interval_volume",
                span,
                "`database.checkpoint_interval_volume` is zero",
                Some("Neo4j's default is \"250m\"".into()),
            );
        } else {
            d.checkpoint_interval_volume = Some(v);
        }
    }
    if let Some((v, span)) = t.read(cx, "checkpoint_iops_limit", Ctx::uint) {
        // Times 8 KiB it is a byte rate: bounded so the product stays far within 64 bits.
        if v > MAX_IOPS {
            cx.err(
                "database.checkpoint_iops_limit",
                span,
                format!("`database.checkpoint_iops_limit` is {v}; it must be at most {MAX_IOPS}"),
                Some("0 means unlimited; Neo4j's default is 600".into()),
            );
        } else {
            d.checkpoint_iops_limit = Some(v);
        }
    }
    if let Some((v, span)) = t.read(cx, "tx_log_rotation_size", Ctx::size) {
        if v < MIN_ROTATION {
            cx.err(
                "database.tx_log_rotation_size",
                span,
                format!(
                    "`database.tx_log_rotation_size` ({}) is below Neo4j's minimum of 128k",
                    human_size(v)
                ),
                Some(
                    "db.tx_log.rotation.size must be at least \"128k\"; the default is \"256m\""
                        .into(),
                ),
            );
        } else {
            d.tx_log_rotation_size = Some(v);
        }
    }
    if let Some((text, span)) = t.read(cx, "tx_log_retention", Ctx::string) {
        match Retention::parse(&text) {
            Ok(r) => d.tx_log_retention = Some(r),
            Err(e) => cx.err(
                "database.tx_log_retention",
                span,
                format!(
                    "`database.tx_log_retention` `{}` is not a retention policy: {}",
                    excerpt(&text),
                    e.reason
                ),
                Some("Neo4j's syntax: \"2 days 2G\" (the default), \"12 hours\", \"100 files\", \"500M size\", \"1000 txs\", \"keep_all\" or \"keep_none\"".into()),
            ),
        }
    }
    d.transaction_max = t.read(cx, "transaction_max", Ctx::size).map(|(v, _)| v);
    if let Some((v, span)) = t.read(cx, "warmup_profile_interval", Ctx::duration) {
        if v == SimDuration::ZERO {
            cx.err(
                "database.warmup_profile_interval",
                span,
                "`database.warmup_profile_interval` is 0",
                Some(
                    "how often the page cache is profiled for warm-up; Neo4j's default is \"1m\""
                        .into(),
                ),
            );
        } else {
            d.warmup_profile_interval = Some(v);
        }
    }
    d.transaction_total_max = t
        .read(cx, "transaction_total_max", Ctx::size)
        .map(|(v, _)| v);
    d.fulltext_index = t.read(cx, "fulltext_index", Ctx::size).map(|(v, _)| v);
    d.fulltext_hot = crate::page_reads::number_in(
        cx,
        &t,
        "fulltext_hot",
        (0.0, 1.0),
        false,
        "the share of the full-text indexes queries keep reading, e.g. `fulltext_hot = 0.2`",
    );
    d.fulltext_per_node = t.read(cx, "fulltext_per_node", Ctx::size).map(|(v, _)| v);
    Some(d)
}

/// Reads a phase's `fulltext_read` (the share of the full-text indexes its queries read);
/// `has_database` says whether the scenario has a page cache or database.
pub(crate) fn read_fulltext_read(
    cx: &mut Ctx<'_>,
    phase: &Tab<'_, '_>,
    has_database: bool,
) -> Option<f64> {
    let f = crate::page_reads::number_in(
        cx,
        phase,
        "fulltext_read",
        (0.0, 1.0),
        false,
        "the share of the full-text indexes the phase's queries read, e.g. `fulltext_read = 1.0`",
    )?;
    if !has_database {
        let path = phase.key_path("fulltext_read");
        let span = phase
            .table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == "fulltext_read")
            .map(|(k, _)| k.span())
            .unwrap_or(phase.span.clone());
        cx.err(
            &path,
            span,
            format!("`{path}` reads full-text indexes, but the scenario has neither `[database]` nor `[page_cache]`"),
            Some("set their size with `[database] fulltext_index = \"2g\"` (or `fulltext_per_node`)".into()),
        );
        return None;
    }
    Some(f)
}

/// Reads `[phase.db]`; `has_database` says whether the scenario has a page cache or database.
pub(crate) fn read_phase_db(
    cx: &mut Ctx<'_>,
    phase: &Tab<'_, '_>,
    has_database: bool,
) -> Option<PhaseDb> {
    let t = phase.sub_table(
        cx,
        "db",
        "a table such as `db = { op = \"create_nodes\", count = 100000 }`",
    )?;
    t.check_keys(cx, crate::keys::DB_OP);
    if !has_database {
        let key_span: Range<usize> = phase
            .table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == "db")
            .map(|(k, _)| k.span())
            .unwrap_or(t.span.clone());
        cx.err(
            &t.path,
            key_span,
            format!(
                "`{}` drives a database, but the scenario has neither `[database]` nor `[page_cache]`",
                t.path
            ),
            Some("add `[database]` (its page cache follows Neo4j's size heuristic unless `[page_cache] size` is set)".into()),
        );
    }
    let (op, op_span) = t.require(
        cx,
        "op",
        &format!("name the operation, one of: {}", OPS.join(", ")),
        Ctx::string,
    )?;
    let op = op.trim().to_ascii_lowercase();
    if !OPS.contains(&op.as_str()) {
        let path = t.key_path("op");
        let hint = match crate::suggest::suggest(&op, OPS) {
            Some(s) => format!("did you mean `{s}`? (expected one of: {})", OPS.join(", ")),
            None => format!("expected one of: {}", OPS.join(", ")),
        };
        cx.err(
            &path,
            op_span,
            format!("`{path}` has an unknown operation `{}`", excerpt(&op)),
            Some(hint),
        );
        return None;
    }
    // Keys that exist but do not apply to this op.
    let allowed = op_keys(&op);
    let mut ok = true;
    for (k, _) in t.table.iter() {
        let key = k.get_ref().as_ref();
        if key == "op"
            || !crate::keys::DB_OP.iter().any(|k| k.name == key)
            || allowed.contains(&key)
        {
            continue;
        }
        ok = false;
        let path = t.key_path(key);
        let hint = if allowed.is_empty() {
            format!("`{op}` takes no other key")
        } else {
            format!("`{op}` takes: {}", allowed.join(", "))
        };
        cx.err(
            &path,
            k.span(),
            format!("`{path}` does not apply to op `{op}`"),
            Some(hint),
        );
    }
    let count_hint = "how many entities the operation handles, e.g. `count = 100000`";
    let count = |cx: &mut Ctx<'_>| {
        if t.get("count").is_none() {
            t.require(cx, "count", count_hint, Ctx::uint);
            return None;
        }
        positive(cx, &t, "count", MAX_COUNT, count_hint)
    };
    let small = |cx: &mut Ctx<'_>, key: &str, default: u32| -> Option<u32> {
        match t.read(cx, key, Ctx::uint) {
            None => Some(default).filter(|_| t.get(key).is_none()),
            Some((n, span)) if n > MAX_TOKENS => {
                let path = t.key_path(key);
                cx.err(
                    &path,
                    span,
                    format!("`{path}` is {n}; it must be at most {MAX_TOKENS}"),
                    None,
                );
                None
            }
            Some((n, _)) => Some(n as u32),
        }
    };
    let op_value = match op.as_str() {
        "create_nodes" => {
            let (c, l, p) = (
                count(cx),
                small(cx, "labels", 1),
                small(cx, "properties", 1),
            );
            Some(DbOp::CreateNodes {
                count: c?,
                labels: l?,
                properties: p?,
            })
        }
        "create_relationships" => {
            let (c, p, ty) = (count(cx), small(cx, "properties", 0), small(cx, "type", 0));
            Some(DbOp::CreateRelationships {
                count: c?,
                properties: p?,
                rel_type: ty?,
            })
        }
        "read" => {
            let reads = if t.get("reads").is_none() {
                t.require(
                    cx,
                    "reads",
                    "how many node lookups over the phase, e.g. `reads = 1000000`",
                    Ctx::uint,
                );
                None
            } else {
                positive(cx, &t, "reads", MAX_READS, "node lookups over the phase")
            };
            let ws = if t.get("working_set").is_some() {
                Some(positive(
                    cx,
                    &t,
                    "working_set",
                    u64::MAX,
                    "the node ids read: 0 .. working_set; remove the key to read all nodes",
                ))
            } else {
                None
            };
            match (reads, ws) {
                (Some(reads), None) => Some(DbOp::Read {
                    reads,
                    working_set: None,
                }),
                (Some(reads), Some(Some(w))) => Some(DbOp::Read {
                    reads,
                    working_set: Some(w),
                }),
                _ => None,
            }
        }
        "update" => count(cx).map(|count| DbOp::Update { count }),
        "delete_nodes" => {
            let c = count(cx);
            let detach = match t.read(cx, "detach", Ctx::boolean) {
                Some((b, _)) => Some(b),
                None => Some(false).filter(|_| t.get("detach").is_none()),
            };
            Some(DbOp::DeleteNodes {
                count: c?,
                detach: detach?,
            })
        }
        "detach_delete_all" => Some(DbOp::DetachDeleteAll),
        "checkpoint" => Some(DbOp::Checkpoint),
        "restart" => {
            let choices = [
                ("profile", RestartWarmup::Profile),
                ("cold", RestartWarmup::Cold),
                ("preload", RestartWarmup::Preload),
            ];
            match enum_value(cx, &t, "warmup", &choices) {
                Some(warmup) => Some(DbOp::Restart { warmup }),
                None if t.get("warmup").is_none() => Some(DbOp::Restart {
                    warmup: RestartWarmup::Profile,
                }),
                None => None,
            }
        }
        "sysinfo" => Some(DbOp::Sysinfo),
        _ => Some(DbOp::Copy),
    };
    let mut transactions = 1;
    if allowed.contains(&"transactions") && t.get("transactions").is_some() {
        let op_count = match &op_value {
            Some(
                DbOp::CreateNodes { count, .. }
                | DbOp::CreateRelationships { count, .. }
                | DbOp::Update { count }
                | DbOp::DeleteNodes { count, .. },
            ) => *count,
            _ => MAX_COUNT,
        };
        match positive(
            cx,
            &t,
            "transactions",
            op_count,
            "the work is split into this many equal transactions, at most one per entity",
        ) {
            Some(n) => transactions = n,
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    op_value.map(|op| PhaseDb { op, transactions })
}
