//! What the database reports as it runs, and why an operation fails: [`DbEvent`],
//! [`DbEventKind`], [`TerminationReason`], [`DbError`].

use std::fmt;

use memsim_core::SimDuration;
use memsim_core::SimTime;

use crate::txlog::CheckpointTrigger;

/// Why an operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    /// The node does not exist (never created, or deleted).
    #[error("node {0} does not exist")]
    NoSuchNode(u64),
    /// A plain DELETE of a node that still has relationships.
    #[error("node {node} still has {n_relationships} relationships; use DETACH DELETE")]
    NodeHasRelationships {
        /// The node.
        node: u64,
        /// Its relationships.
        n_relationships: u64,
    },
    /// The transaction was terminated (and rolled back).
    #[error("transaction terminated: {0}")]
    Terminated(TerminationReason),
    /// The caller's [`StateGate`](super::StateGate) refused the transaction's state: rolled back, nothing changed.
    #[error("transaction rolled back: its state of {state_bytes} B did not fit: {reason}")]
    StateRejected {
        /// The state it needed.
        state_bytes: u64,
        /// The gate's reason.
        reason: String,
    },
    /// The global transaction memory pool refused the transaction's state (Neo4j's
    /// `MemoryLimitExceededException`, `Neo.TransientError.General.MemoryPoolOutOfMemoryError`):
    /// rolled back before anything changed or was allocated. The message is Neo4j's.
    #[error("{0}")]
    MemoryPoolFull(String),
}

/// Why a transaction was terminated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminationReason {
    /// Its state exceeded a memory limit.
    MemoryLimit {
        /// The setting (`db.memory.transaction.max`).
        setting: &'static str,
        /// The limit.
        limit_bytes: u64,
        /// What the transaction needed.
        needed_bytes: u64,
    },
}

impl fmt::Display for TerminationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TerminationReason::MemoryLimit {
                setting,
                limit_bytes,
                needed_bytes,
            } => write!(
                f,
                "transaction state of {needed_bytes} B would exceed {setting} = {limit_bytes} B"
            ),
        }
    }
}

/// Something the database did that its debug.log or metrics would show.
#[derive(Debug, Clone, PartialEq)]
pub struct DbEvent {
    /// When.
    pub at: SimTime,
    /// What.
    pub kind: DbEventKind,
}

/// The kinds of [`DbEvent`].
#[derive(Debug, Clone, PartialEq)]
pub enum DbEventKind {
    /// A checkpoint started.
    CheckpointStarted {
        /// Why.
        trigger: CheckpointTrigger,
        /// The last transaction it covers.
        tx_id: u64,
    },
    /// A checkpoint completed.
    CheckpointCompleted {
        /// Why it ran.
        trigger: CheckpointTrigger,
        /// The last transaction it covers.
        tx_id: u64,
        /// Its estimated duration (module docs).
        duration_estimate: SimDuration,
        /// Dirty pages it flushed.
        pages_flushed: u64,
    },
    /// The current log file was rotated.
    LogRotated {
        /// The file rotated away from.
        from_version: u64,
        /// Its size.
        bytes: u64,
    },
    /// Log files were pruned after a checkpoint.
    LogsPruned {
        /// Files removed.
        files: u64,
        /// Their bytes.
        bytes: u64,
    },
    /// One operation evicted at least [`DatabaseConfig::eviction_storm_evictions`](super::DatabaseConfig::eviction_storm_evictions) pages.
    EvictionStorm {
        /// Evictions in the operation.
        evictions: u64,
        /// Pins in the operation.
        pins: u64,
        /// Its hit ratio.
        hit_ratio: f64,
    },
    /// A transaction was terminated and rolled back.
    TransactionTerminated {
        /// Why.
        reason: TerminationReason,
    },
    /// A transaction failed with an error and was rolled back (the global memory pool's).
    TransactionFailed {
        /// Neo4j's message.
        message: String,
    },
}

impl fmt::Display for DbEvent {
    /// Checkpoints as Neo4j's debug.log lines; the rest in memsim's words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DbEventKind::CheckpointStarted { trigger, tx_id } => write!(
                f,
                "Checkpoint triggered by \"{}\" @ txId: {tx_id} checkpoint started...",
                trigger.description()
            ),
            DbEventKind::CheckpointCompleted {
                trigger,
                tx_id,
                duration_estimate,
                ..
            } => write!(
                f,
                "Checkpoint triggered by \"{}\" @ txId: {tx_id} checkpoint completed in {}ms",
                trigger.description(),
                duration_estimate.0 / 1_000_000
            ),
            DbEventKind::LogRotated {
                from_version,
                bytes,
            } => write!(
                f,
                "rotated transaction log neostore.transaction.db.{from_version} at {bytes} B"
            ),
            DbEventKind::LogsPruned { files, bytes } => {
                write!(f, "pruned {files} transaction log files ({bytes} B)")
            }
            DbEventKind::EvictionStorm {
                evictions,
                pins,
                hit_ratio,
            } => write!(
                f,
                "eviction storm: {evictions} evictions in {pins} pins (hit ratio {hit_ratio:.3})"
            ),
            DbEventKind::TransactionTerminated { reason } => {
                write!(f, "transaction terminated: {reason}")
            }
            DbEventKind::TransactionFailed { message } => {
                write!(
                    f,
                    "transaction failed (Neo.TransientError.General.MemoryPoolOutOfMemoryError): {message}"
                )
            }
        }
    }
}
