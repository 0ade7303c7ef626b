//! Transaction logs: command sizes, rotation, retention and pruning, and checkpoint policies.
//!
//! Sources: `shared/reference/neo4j-page-cache-and-store.md` ("Transaction logs and checkpoints"),
//! the operations manual's `transaction-logs.adoc` and `checkpointing.adoc` pages it names, and
//! figures from Neo4j 4.2's log command serialization (`LogCommandSerializationV4_2`).
//!
//! # Command sizes (*approximations*, with their basis)
//! Every transaction writes a start entry, one command per changed record carrying the record's
//! *before* and *after* images, and a commit entry. The sizes below add up the field widths of Neo4j
//! 4.2's command layout (1-byte command type, 8-byte record ID, then each image: a flags byte and,
//! for an in-use record, its fields at full width: 8-byte references, 4-byte type ids, a 4-byte
//! count of dynamic records):
//!
//! | record | in-use image | unused image | create / delete command | update command |
//! |---|---|---|---|---|
//! | node | 30 B | 5 B | 1 + 8 + 5 + 30 = 44 B | 69 B |
//! | relationship | 62 B | 5 B | 76 B | 133 B |
//! | property, `b` blocks of `l` longs | 30 + 5b + 8l B | 30 B | 69 + 5b + 8l B (43 B image for one small value: 82 B) | 39 + 2(30 + 5b + 8l) B |
//! | relationship group | 43 B | 43 B | 95 B | 95 B |
//! | label / relationship-type token | 9 B | 9 B | 1 + 4 + 9 + 9 = 23 B | 23 B |
//! | property-key token | 13 B | 13 B | 31 B | 31 B |
//! | dynamic record (inside its property command) | 21 B + data | 9 B | create 141 B (full block), delete 9 B | — |
//!
//! plus 2 bytes of log-entry header per command, a 26-byte start entry and a 22-byte commit entry per
//! transaction (8-byte timestamps and transaction ids, 4-byte checksums), an 18-byte checkpoint entry,
//! and a 64-byte header per log file (Neo4j 4.x's `LOG_HEADER_SIZE_4_0`). Token name records, count
//! store updates and index commands are not modelled. Neo4j 5's formats differ in detail.
//!
//! # Rotation, retention, pruning
//! - A log file is rotated once a commit leaves it at or past `db.tx_log.rotation.size` (256 MiB by
//!   default, at least 128 KiB); a transaction is never split across files.
//! - `db.tx_log.preallocate=true` (default) allocates each new file at the rotation size on disk;
//!   [`TxLog::allocated_bytes`] counts the current file that way (*approximation*: rotated files
//!   count their content).
//! - `db.tx_log.rotation.retention_policy` ([`RetentionPolicy::parse`]): `2 days 2G` by default.
//! - Pruning runs only after a checkpoint completes, and only removes rotated files wholly before the
//!   file that holds the newest checkpoint's covered position, the end of the log when it started
//!   ("at least one checkpoint must have happened in a more recent log file"; a file rotated away
//!   while the checkpoint ran may hold transactions it does not cover, so it stays); of those, it
//!   removes the ones the retention policy does not keep.
//!
//! # Checkpoint policies
//! [`CheckpointPolicy`]: PERIODIC (default: when `db.checkpoint.interval.tx` = 100000 transactions or
//! `db.checkpoint.interval.time` = 15 min have passed since the last checkpoint, if anything is
//! pending), VOLUME (`db.checkpoint.interval.volume` = 250 MiB of log since the last checkpoint) and
//! CONTINUOUS (whenever anything is pending). *Approximation*: Neo4j's periodic policy looks every
//! 10 minutes; here the caller decides how often to ask.

use std::collections::VecDeque;
use std::fmt;

use memsim_core::{SimDuration, SimTime};

use crate::store::StoreKind;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// Bytes of a log file's header (Neo4j 4.x).
pub const LOG_HEADER_BYTES: u64 = 64;
/// Bytes of a transaction's start entry (*approximation*, see the module docs).
pub const START_ENTRY_BYTES: u64 = 26;
/// Bytes of a transaction's commit entry (*approximation*).
pub const COMMIT_ENTRY_BYTES: u64 = 22;
/// Bytes of log-entry header before each command (*approximation*).
pub const COMMAND_ENTRY_HEADER_BYTES: u64 = 2;
/// Bytes of a checkpoint entry (*approximation*).
pub const CHECKPOINT_ENTRY_BYTES: u64 = 18;
/// Default `db.tx_log.rotation.size`.
pub const ROTATION_BYTES_DEFAULT: u64 = 256 * MIB;
/// Smallest accepted `db.tx_log.rotation.size`.
pub const ROTATION_BYTES_MIN: u64 = 128 * KIB;
/// Data bytes in one dynamic record.
pub const DYNAMIC_DATA_BYTES: u64 = 120;

/// What a transaction did to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeOp {
    /// The record came into use.
    Create,
    /// An in-use record changed.
    Update,
    /// The record was marked unused.
    Delete,
}

/// One changed record of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordChange {
    /// The store.
    pub kind: StoreKind,
    /// What happened.
    pub op: ChangeOp,
    /// For property records: property blocks in the record (0 otherwise).
    pub blocks: u8,
    /// For property records: 8-byte longs those blocks hold; for dynamic records: data bytes.
    pub payload: u8,
}

impl RecordChange {
    /// A change of a record that has no payload to describe.
    pub fn plain(kind: StoreKind, op: ChangeOp) -> RecordChange {
        RecordChange {
            kind,
            op,
            blocks: 0,
            payload: 0,
        }
    }
}

fn image_bytes(change: &RecordChange, in_use: bool) -> u64 {
    let (b, l) = (change.blocks as u64, change.payload as u64);
    match (change.kind, in_use) {
        (StoreKind::Node, true) => 30,
        (StoreKind::Node, false) => 5,
        (StoreKind::Relationship, true) => 62,
        (StoreKind::Relationship, false) => 5,
        (StoreKind::Property, true) => 30 + 5 * b + 8 * l,
        (StoreKind::Property, false) => 30,
        (StoreKind::RelationshipGroup, _) => 43,
        (StoreKind::LabelToken | StoreKind::RelationshipTypeToken, _) => 9,
        (StoreKind::PropertyKeyToken, _) => 13,
        (StoreKind::DynamicString | StoreKind::DynamicArray, true) => 21 + l,
        (StoreKind::DynamicString | StoreKind::DynamicArray, false) => 9,
    }
}

/// Log bytes of one record change (module docs' table, entry header included).
pub fn command_bytes(change: &RecordChange) -> u64 {
    let (before, after) = match change.op {
        ChangeOp::Create => (false, true),
        ChangeOp::Update => (true, true),
        ChangeOp::Delete => (true, false),
    };
    match change.kind {
        // Dynamic records travel inside their property command: only the created or deleted image.
        StoreKind::DynamicString | StoreKind::DynamicArray => {
            image_bytes(change, change.op != ChangeOp::Delete)
        }
        kind => {
            let id_bytes = match kind {
                StoreKind::LabelToken
                | StoreKind::RelationshipTypeToken
                | StoreKind::PropertyKeyToken => 4,
                _ => 8,
            };
            COMMAND_ENTRY_HEADER_BYTES
                + 1
                + id_bytes
                + image_bytes(change, before)
                + image_bytes(change, after)
        }
    }
}

/// `db.tx_log.rotation.retention_policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionPolicy {
    /// `true` / `keep_all`: never prune.
    KeepAll,
    /// `false` / `keep_none`: keep only the most recent non-empty log.
    KeepNone,
    /// `N files`: the N most recent files.
    Files(u64),
    /// `N size`: at least N bytes of the most recent files.
    Size(u64),
    /// `N txs` / `N entries`: files holding at least the N most recent transactions.
    Txs(u64),
    /// `N hours` / `N days`, optionally followed by a size: files holding any transaction committed within `max_age`, and
    /// (with a size) within that many bytes.
    Age {
        /// How far back to keep.
        max_age: SimDuration,
        /// The optional space restriction.
        size_bytes: Option<u64>,
    },
}

impl Default for RetentionPolicy {
    /// `2 days 2G`.
    fn default() -> RetentionPolicy {
        RetentionPolicy::Age {
            max_age: SimDuration::from_secs(2 * 86_400),
            size_bytes: Some(2 * GIB),
        }
    }
}

/// Why a retention policy string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad retention policy `{input}`: {reason}")]
pub struct RetentionParseError {
    /// The text.
    pub input: String,
    /// What is wrong.
    pub reason: String,
}

/// A count with Neo4j's optional binary suffix (`500k`): ASCII digits only (no sign), the suffix
/// in either case.
fn parse_count(text: &str) -> Option<u64> {
    let (digits, mult) = match text.chars().last()? {
        'k' | 'K' => (&text[..text.len() - 1], KIB),
        'm' | 'M' => (&text[..text.len() - 1], MIB),
        'g' | 'G' => (&text[..text.len() - 1], GIB),
        _ => (text, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(mult)
}

impl RetentionPolicy {
    /// Parses Neo4j's syntax (case-insensitive): `true`/`keep_all`, `false`/`keep_none`, or
    /// `<number>[K|M|G] <files|size|txs|entries|hours|days> [<size>[K|M|G]]`, the trailing space
    /// restriction only after `hours` or `days` (`2 days 2G`). Units multiply by 1024, 1024², 1024³
    /// (Neo4j's binary units; its docs write `500k txs` without saying which, so counts use them too).
    /// This is memsim's one parser of the syntax: the scenario format (`tx_log_retention`) uses it
    /// and words its errors around [`RetentionParseError::reason`].
    ///
    /// # Errors
    /// [`RetentionParseError`] for anything else, and for a zero count.
    pub fn parse(text: &str) -> Result<RetentionPolicy, RetentionParseError> {
        let err = |reason: String| RetentionParseError {
            input: text.to_string(),
            reason,
        };
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "true" | "keep_all" => return Ok(RetentionPolicy::KeepAll),
            "false" | "keep_none" => return Ok(RetentionPolicy::KeepNone),
            _ => {}
        }
        let words: Vec<&str> = lower.split_whitespace().collect();
        if !(2..=3).contains(&words.len()) {
            return Err(err(
                "expected `<number> <type> [<size>]`, `keep_all` or `keep_none`".into(),
            ));
        }
        let n =
            parse_count(words[0]).ok_or_else(|| err("the count is not a whole number".into()))?;
        if n == 0 {
            return Err(err("the count must be positive".into()));
        }
        let size = match words.get(2) {
            None => None,
            Some(w) if matches!(words[1], "hours" | "days") => Some(
                parse_count(w)
                    .ok_or_else(|| err("the space restriction is not a size such as 2G".into()))?,
            ),
            Some(_) => {
                return Err(err(
                    "only `hours` and `days` take a space restriction".into()
                ));
            }
        };
        Ok(match words[1] {
            "files" => RetentionPolicy::Files(n),
            "size" => RetentionPolicy::Size(n),
            "txs" | "entries" => RetentionPolicy::Txs(n),
            "hours" | "days" => RetentionPolicy::Age {
                max_age: SimDuration(
                    n.checked_mul(if words[1] == "hours" { 3600 } else { 86_400 })
                        .and_then(|s| s.checked_mul(1_000_000_000))
                        .ok_or_else(|| err("too long".into()))?,
                ),
                size_bytes: size,
            },
            // The caller quotes the input; the reason need not repeat it.
            _ => {
                return Err(err(
                    "the type is not one of files, size, txs, entries, hours, days".into(),
                ));
            }
        })
    }

    /// How many of `files` (newest first) this policy keeps, at least one.
    fn files_kept(&self, newest_first: &[&LogFile], now: SimTime) -> usize {
        let n = newest_first.len();
        let until = |mut reached: Box<dyn FnMut(&LogFile) -> bool + '_>| {
            // Keep files up to and including the one at which the threshold is reached.
            newest_first
                .iter()
                .position(|f| reached(f))
                .map_or(n, |i| i + 1)
        };
        let kept = match *self {
            RetentionPolicy::KeepAll => n,
            RetentionPolicy::KeepNone => until(Box::new(|f| f.n_txs > 0)),
            RetentionPolicy::Files(k) => k.min(n as u64) as usize,
            RetentionPolicy::Size(limit) => {
                let mut acc = 0;
                until(Box::new(move |f| {
                    acc += f.bytes;
                    acc >= limit
                }))
            }
            RetentionPolicy::Txs(limit) => {
                let mut acc = 0;
                until(Box::new(move |f| {
                    acc += f.n_txs;
                    acc >= limit
                }))
            }
            RetentionPolicy::Age {
                max_age,
                size_bytes,
            } => {
                let mut acc = 0;
                let too_old =
                    |f: &LogFile| f.last_commit_at.is_some_and(|t| now.since(t) > max_age);
                match newest_first.iter().position(|f| too_old(f)) {
                    Some(i) => i,
                    None => n,
                }
                .min(size_bytes.map_or(n, |limit| {
                    until(Box::new(move |f| {
                        acc += f.bytes;
                        acc >= limit
                    }))
                }))
            }
        };
        kept.max(1)
    }
}

impl fmt::Display for RetentionPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RetentionPolicy::KeepAll => write!(f, "keep_all"),
            RetentionPolicy::KeepNone => write!(f, "keep_none"),
            RetentionPolicy::Files(n) => write!(f, "{n} files"),
            RetentionPolicy::Size(n) => write!(f, "{n} size"),
            RetentionPolicy::Txs(n) => write!(f, "{n} txs"),
            RetentionPolicy::Age {
                max_age,
                size_bytes,
            } => {
                let secs = max_age.0 / 1_000_000_000;
                if secs % 86_400 == 0 {
                    write!(f, "{} days", secs / 86_400)?;
                } else {
                    write!(f, "{} hours", secs / 3600)?;
                }
                match size_bytes {
                    Some(b) if b % GIB == 0 => write!(f, " {}G", b / GIB),
                    Some(b) => write!(f, " {b}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Transaction-log settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxLogConfig {
    /// `db.tx_log.rotation.size` (256 MiB; at least 128 KiB).
    pub rotation_bytes: u64,
    /// `db.tx_log.rotation.retention_policy` (`2 days 2G`).
    pub retention: RetentionPolicy,
    /// `db.tx_log.preallocate` (true).
    pub preallocate: bool,
}

impl Default for TxLogConfig {
    fn default() -> TxLogConfig {
        TxLogConfig {
            rotation_bytes: ROTATION_BYTES_DEFAULT,
            retention: RetentionPolicy::default(),
            preallocate: true,
        }
    }
}

/// One log file (`neostore.transaction.db.<version>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    /// Its version (file number).
    pub version: u64,
    /// Bytes written (header included).
    pub bytes: u64,
    /// Transactions in it.
    pub n_txs: u64,
    /// The first and last transaction ids in it.
    pub tx_range: Option<(u64, u64)>,
    /// When its last transaction committed.
    pub last_commit_at: Option<SimTime>,
}

/// A rotation done by [`TxLog::append_transaction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// The version of the file rotated away from.
    pub from_version: u64,
    /// Its final size.
    pub bytes: u64,
}

/// A place in the log: a file and the last transaction written before it ([`TxLog::position`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogPosition {
    /// The file's version.
    pub version: u64,
    /// The last committed transaction's id.
    pub tx_id: u64,
}

/// Files removed by [`TxLog::prune`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Files removed.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// The transaction log of one database.
#[derive(Debug, Clone)]
pub struct TxLog {
    config: TxLogConfig,
    // Oldest first; the last one is the current file. Invariant: never empty, versions ascending.
    files: VecDeque<LogFile>,
    last_tx_id: u64,
    // (version of the file holding it, last transaction id it covers).
    last_checkpoint: Option<(u64, u64)>,
}

/// Neo4j's transaction ids start after this base (`TransactionIdStore.BASE_TX_ID`).
pub const BASE_TX_ID: u64 = 1;

impl TxLog {
    /// A log with one empty file. The rotation size is raised to its 128 KiB minimum if below.
    pub fn new(mut config: TxLogConfig) -> TxLog {
        config.rotation_bytes = config.rotation_bytes.max(ROTATION_BYTES_MIN);
        TxLog {
            config,
            files: VecDeque::from([LogFile {
                version: 0,
                bytes: LOG_HEADER_BYTES,
                n_txs: 0,
                tx_range: None,
                last_commit_at: None,
            }]),
            last_tx_id: BASE_TX_ID,
            last_checkpoint: None,
        }
    }

    /// The settings.
    pub fn config(&self) -> &TxLogConfig {
        &self.config
    }

    /// Appends a committed transaction of `command_bytes`; returns its id, the bytes appended and
    /// the rotation it caused, if any.
    pub fn append_transaction(
        &mut self,
        now: SimTime,
        command_bytes: u64,
    ) -> (u64, u64, Option<Rotation>) {
        self.last_tx_id += 1;
        let tx_id = self.last_tx_id;
        let bytes = START_ENTRY_BYTES + command_bytes + COMMIT_ENTRY_BYTES;
        let current = self.files.back_mut().expect("a current file");
        current.bytes += bytes;
        current.n_txs += 1;
        current.tx_range = Some((current.tx_range.map_or(tx_id, |(first, _)| first), tx_id));
        current.last_commit_at = Some(now);
        let mut rotation = None;
        if current.bytes >= self.config.rotation_bytes {
            rotation = Some(Rotation {
                from_version: current.version,
                bytes: current.bytes,
            });
            let version = current.version + 1;
            self.files.push_back(LogFile {
                version,
                bytes: LOG_HEADER_BYTES,
                n_txs: 0,
                tx_range: None,
                last_commit_at: None,
            });
        }
        (tx_id, bytes, rotation)
    }

    /// Where the log ends now: the current file and the last committed transaction. A checkpoint
    /// covers the position as of its start.
    pub fn position(&self) -> LogPosition {
        LogPosition {
            version: self.files.back().expect("a current file").version,
            tx_id: self.last_tx_id,
        }
    }

    /// Appends a checkpoint entry covering every committed transaction; returns the last one's id.
    pub fn append_checkpoint(&mut self) -> u64 {
        self.append_checkpoint_at(self.position())
    }

    /// Appends a checkpoint entry (to the current file) covering the transactions up to `covered`,
    /// a position taken when the checkpoint started; returns its last transaction's id. Transactions
    /// committed after that position wait for the next checkpoint, and pruning keeps the file that
    /// holds `covered` and every later one.
    pub fn append_checkpoint_at(&mut self, covered: LogPosition) -> u64 {
        let current = self.files.back_mut().expect("a current file");
        assert!(
            covered.version <= current.version && covered.tx_id <= self.last_tx_id,
            "a checkpoint covers a position already written"
        );
        current.bytes += CHECKPOINT_ENTRY_BYTES;
        self.last_checkpoint = Some((covered.version, covered.tx_id));
        covered.tx_id
    }

    /// Prunes after a checkpoint: removes the rotated files wholly before the file holding the
    /// newest checkpoint's covered position that the retention policy does not keep.
    pub fn prune(&mut self, now: SimTime) -> Pruned {
        let Some((checkpoint_version, _)) = self.last_checkpoint else {
            return Pruned::default();
        };
        let newest_first: Vec<&LogFile> = self.files.iter().rev().collect();
        let kept = self.config.retention.files_kept(&newest_first, now);
        let mut pruned = Pruned::default();
        let n_prunable = self.files.len() - kept;
        for _ in 0..n_prunable {
            let oldest = self.files.front().expect("more files than kept");
            if oldest.version >= checkpoint_version {
                break;
            }
            pruned.files += 1;
            pruned.bytes += oldest.bytes;
            self.files.pop_front();
        }
        pruned
    }

    /// The last committed transaction's id.
    pub fn last_tx_id(&self) -> u64 {
        self.last_tx_id
    }
    /// The last transaction the newest checkpoint covers.
    pub fn last_checkpoint_tx_id(&self) -> Option<u64> {
        self.last_checkpoint.map(|(_, tx)| tx)
    }
    /// The files, oldest first.
    pub fn files(&self) -> impl Iterator<Item = &LogFile> {
        self.files.iter()
    }
    /// Number of files.
    pub fn n_files(&self) -> u64 {
        self.files.len() as u64
    }
    /// Bytes written in all files.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
    /// Bytes on disk: with preallocation the current file takes at least the rotation size.
    pub fn allocated_bytes(&self) -> u64 {
        let current = self.files.back().expect("a current file");
        let current_alloc = if self.config.preallocate {
            current.bytes.max(self.config.rotation_bytes)
        } else {
            current.bytes
        };
        self.total_bytes() - current.bytes + current_alloc
    }
}

/// `db.checkpoint`: which policy triggers checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckpointPolicyKind {
    /// By transaction count or time since the last checkpoint (default).
    #[default]
    Periodic,
    /// By log volume since the last checkpoint.
    Volume,
    /// Whenever anything is pending (Enterprise).
    Continuous,
}

/// Why a checkpoint ran, worded as Neo4j's debug.log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointTrigger {
    /// `CALL db.checkpoint()`.
    Explicit,
    /// `db.checkpoint.interval.time` reached.
    TimeThreshold,
    /// `db.checkpoint.interval.tx` reached.
    TxCountThreshold,
    /// `db.checkpoint.interval.volume` reached.
    VolumeThreshold,
    /// The continuous policy.
    Continuous,
    /// Database shutdown.
    Shutdown,
}

impl CheckpointTrigger {
    /// The reason as debug.log quotes it (the volume wording follows the others' pattern; the docs
    /// show no example of it).
    pub fn description(self) -> &'static str {
        match self {
            CheckpointTrigger::Explicit => "Call to db.checkpoint() procedure",
            CheckpointTrigger::TimeThreshold => "Scheduled checkpoint for time threshold",
            CheckpointTrigger::TxCountThreshold => "Scheduled checkpoint for tx count threshold",
            CheckpointTrigger::VolumeThreshold => "Scheduled checkpoint for volume threshold",
            CheckpointTrigger::Continuous => "Scheduled checkpoint for continuous threshold",
            CheckpointTrigger::Shutdown => "Database shutdown",
        }
    }
}

/// A checkpoint policy and when it last ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointPolicy {
    /// `db.checkpoint`.
    pub kind: CheckpointPolicyKind,
    /// `db.checkpoint.interval.time` (15 min).
    pub interval_time: SimDuration,
    /// `db.checkpoint.interval.tx` (100000).
    pub interval_tx: u64,
    /// `db.checkpoint.interval.volume` (250 MiB).
    pub interval_volume_bytes: u64,
    last_checkpoint_at: SimTime,
}

impl Default for CheckpointPolicy {
    fn default() -> CheckpointPolicy {
        CheckpointPolicy::new(CheckpointPolicyKind::Periodic)
    }
}

impl CheckpointPolicy {
    /// `kind` with Neo4j's default intervals, last run at time zero.
    pub fn new(kind: CheckpointPolicyKind) -> CheckpointPolicy {
        CheckpointPolicy {
            kind,
            interval_time: SimDuration::from_secs(15 * 60),
            interval_tx: 100_000,
            interval_volume_bytes: 250 * MIB,
            last_checkpoint_at: SimTime::ZERO,
        }
    }

    /// The trigger of a checkpoint due at `now`, given the transactions and log bytes committed
    /// since the last one; `None` when nothing is pending or no threshold is reached.
    pub fn trigger(
        &self,
        now: SimTime,
        txs_since: u64,
        bytes_since: u64,
    ) -> Option<CheckpointTrigger> {
        if txs_since == 0 {
            return None;
        }
        match self.kind {
            CheckpointPolicyKind::Periodic if txs_since >= self.interval_tx => {
                Some(CheckpointTrigger::TxCountThreshold)
            }
            CheckpointPolicyKind::Periodic
                if now.since(self.last_checkpoint_at) >= self.interval_time =>
            {
                Some(CheckpointTrigger::TimeThreshold)
            }
            CheckpointPolicyKind::Volume if bytes_since >= self.interval_volume_bytes => {
                Some(CheckpointTrigger::VolumeThreshold)
            }
            CheckpointPolicyKind::Continuous => Some(CheckpointTrigger::Continuous),
            _ => None,
        }
    }

    /// Whether a checkpoint is due ([`CheckpointPolicy::trigger`] is `Some`).
    pub fn due(&self, now: SimTime, txs_since: u64, bytes_since: u64) -> bool {
        self.trigger(now, txs_since, bytes_since).is_some()
    }

    /// Records a checkpoint completed at `now`.
    pub fn completed(&mut self, now: SimTime) {
        self.last_checkpoint_at = now;
    }

    /// When the last checkpoint completed.
    pub fn last_checkpoint_at(&self) -> SimTime {
        self.last_checkpoint_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_sizes() {
        use ChangeOp::*;
        let node = |op| command_bytes(&RecordChange::plain(StoreKind::Node, op));
        assert_eq!((node(Create), node(Update), node(Delete)), (46, 71, 46));
        let prop = |op| {
            command_bytes(&RecordChange {
                kind: StoreKind::Property,
                op,
                blocks: 1,
                payload: 1,
            })
        };
        assert_eq!((prop(Create), prop(Delete)), (84, 84));
        let rel = command_bytes(&RecordChange::plain(StoreKind::Relationship, Create));
        assert_eq!(rel, 78);
        let dynamic = RecordChange {
            kind: StoreKind::DynamicString,
            op: Create,
            blocks: 0,
            payload: 120,
        };
        assert_eq!(command_bytes(&dynamic), 141);
    }

    #[test]
    fn parses_retention_policies() {
        let p = |s| RetentionPolicy::parse(s).unwrap();
        assert_eq!(p("2 days 2G"), RetentionPolicy::default());
        assert_eq!(p("100 files"), RetentionPolicy::Files(100));
        assert_eq!(p("1G size"), RetentionPolicy::Size(GIB));
        assert_eq!(p("300M size"), RetentionPolicy::Size(300 * MIB));
        assert_eq!(p("500k txs"), RetentionPolicy::Txs(500 * 1024));
        assert_eq!(p("10 entries"), RetentionPolicy::Txs(10));
        assert_eq!(p("keep_all"), RetentionPolicy::KeepAll);
        assert_eq!(p("TRUE"), RetentionPolicy::KeepAll);
        assert_eq!(p("keep_none"), RetentionPolicy::KeepNone);
        assert_eq!(p("false"), RetentionPolicy::KeepNone);
        assert_eq!(
            p("10 hours"),
            RetentionPolicy::Age {
                max_age: SimDuration::from_secs(36_000),
                size_bytes: None
            }
        );
        for bad in [
            "",
            "2 weeks",
            "0 days",
            "+1 files",
            "k files",
            "-1 files",
            "files",
            "0 files",
            "1G files 2G",
            "x days",
            "2 days 2Q",
        ] {
            assert!(RetentionPolicy::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(p("2 days 2G").to_string(), "2 days 2G");
    }

    fn log(retention: &str) -> TxLog {
        TxLog::new(TxLogConfig {
            rotation_bytes: ROTATION_BYTES_MIN,
            retention: RetentionPolicy::parse(retention).unwrap(),
            preallocate: false,
        })
    }

    /// Appends transactions of 40 KiB each, one per hour: 41 008 B each with their entries, so a
    /// 128 KiB file rotates after its 4th.
    fn fill(log: &mut TxLog, from_hour: u64, n: u64) -> Vec<Rotation> {
        let mut rotations = Vec::new();
        for h in from_hour..from_hour + n {
            let now = SimTime(h * 3600 * 1_000_000_000);
            rotations.extend(log.append_transaction(now, 40 * KIB).2);
        }
        rotations
    }

    #[test]
    fn rotates_by_size_and_prunes_only_after_a_checkpoint() {
        let mut l = log("keep_none");
        let rotations = fill(&mut l, 0, 10);
        assert_eq!(rotations.len(), 2);
        assert_eq!(rotations[0].bytes, LOG_HEADER_BYTES + 4 * 41_008);
        assert_eq!(l.n_files(), 3);
        let now = SimTime(10 * 3600 * 1_000_000_000);
        assert_eq!(l.prune(now), Pruned::default(), "no checkpoint yet");
        assert_eq!(l.append_checkpoint(), BASE_TX_ID + 10);
        assert_eq!(l.prune(now).files, 2);
        assert_eq!(l.n_files(), 1);
    }

    #[test]
    fn only_files_wholly_before_the_checkpoint_are_pruned() {
        let mut l = log("keep_none");
        fill(&mut l, 0, 9); // files 0 and 1 hold 4 each, file 2 one
        l.append_checkpoint();
        fill(&mut l, 9, 7); // file 2 rotates after its 4th; file 3 holds 4, file 4 none
        assert_eq!(l.n_files(), 5);
        // The newest checkpoint is in file 2: files 0 and 1 go, 2 and later stay whatever the policy.
        assert_eq!(l.prune(SimTime::ZERO).files, 2);
        assert_eq!(l.files().next().map(|f| f.version), Some(2));
    }

    #[test]
    fn a_checkpoint_covers_its_start_position_and_pruning_keeps_its_file() {
        let mut l = log("keep_none");
        fill(&mut l, 0, 5); // file 0 holds 4 and rotated, file 1 holds one
        let start = l.position();
        assert_eq!(
            start,
            LogPosition {
                version: 1,
                tx_id: BASE_TX_ID + 5
            }
        );
        fill(&mut l, 5, 8); // committed while the checkpoint runs: files 1 and 2 rotate
        assert_eq!(l.n_files(), 4);
        assert_eq!(l.append_checkpoint_at(start), BASE_TX_ID + 5);
        assert_eq!(l.last_checkpoint_tx_id(), Some(BASE_TX_ID + 5));
        // Only file 0 is wholly before the covered position: files 1 and 2 hold uncovered work.
        assert_eq!(l.prune(SimTime::ZERO).files, 1);
        assert_eq!(l.files().next().map(|f| f.version), Some(1));
    }

    #[test]
    fn retention_thresholds() {
        // 30 transactions at hours 0..29: files 0..=6 hold 4 each (the last commit of file k at hour
        // 4k + 3), file 7 (current) holds hours 28 and 29.
        let prune_with = |policy: &str| {
            let mut l = log(policy);
            fill(&mut l, 0, 30);
            l.append_checkpoint();
            (
                l.prune(SimTime(30 * 3600 * 1_000_000_000)).files,
                l.n_files(),
            )
        };
        assert_eq!(prune_with("keep_all"), (0, 8));
        assert_eq!(prune_with("keep_none"), (7, 1));
        assert_eq!(prune_with("3 files"), (5, 3));
        // 82 080 B (file 7) + 164 096 B (file 6) < 250 KiB, with file 5 it is reached: 3 kept.
        assert_eq!(prune_with("250k size"), (5, 3));
        assert_eq!(prune_with("6 txs"), (6, 2), "2 + 4 transactions");
        // Within 12 hours of hour 30: files whose last commit is at hour 18 or later (4..=7).
        assert_eq!(prune_with("12 hours"), (4, 4));
        // 1 day would keep files 1..=7; 200 KiB stops at file 6.
        assert_eq!(prune_with("1 days 200k"), (6, 2));
    }

    #[test]
    fn preallocation_counts_the_current_file_at_rotation_size() {
        let mut l = TxLog::new(TxLogConfig::default());
        l.append_transaction(SimTime::ZERO, 1000);
        assert_eq!(l.total_bytes(), LOG_HEADER_BYTES + 26 + 1000 + 22);
        assert_eq!(l.allocated_bytes(), ROTATION_BYTES_DEFAULT);
    }

    #[test]
    fn checkpoint_policies() {
        let min = |m: u64| SimTime(m * 60 * 1_000_000_000);
        let mut p = CheckpointPolicy::default();
        assert_eq!(p.trigger(min(20), 0, 0), None, "nothing pending");
        assert_eq!(p.trigger(min(5), 10, 0), None);
        assert_eq!(
            p.trigger(min(15), 10, 0),
            Some(CheckpointTrigger::TimeThreshold)
        );
        assert_eq!(
            p.trigger(min(1), 100_000, 0),
            Some(CheckpointTrigger::TxCountThreshold)
        );
        p.completed(min(15));
        assert!(!p.due(min(20), 10, 0));
        let v = CheckpointPolicy::new(CheckpointPolicyKind::Volume);
        assert!(!v.due(min(100), 10, 250 * MIB - 1));
        assert!(v.due(min(0), 1, 250 * MIB));
        let c = CheckpointPolicy::new(CheckpointPolicyKind::Continuous);
        assert_eq!(c.trigger(min(0), 1, 0), Some(CheckpointTrigger::Continuous));
        assert_eq!(
            CheckpointTrigger::Explicit.description(),
            "Call to db.checkpoint() procedure"
        );
    }
}
