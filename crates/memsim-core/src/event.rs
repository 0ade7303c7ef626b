//! Things that happen in a run, in simulated time, for the event log and the chart's markers.

use crate::time::SimTime;

/// What kind of thing happened. `as_str` gives the stable snake_case name used in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// A workload phase began.
    PhaseStarted,
    /// A workload phase ended.
    PhaseEnded,
    /// The heap's committed size grew.
    HeapExpanded,
    /// The heap's committed size shrank.
    HeapShrunk,
    /// A full (stop-the-world, whole-heap) collection ran.
    FullGc,
    /// `java.lang.OutOfMemoryError` of any flavour (heap, metaspace, direct buffer memory, …).
    OutOfMemoryError,
    /// Netty's `io.netty.util.internal.OutOfDirectMemoryError`.
    OutOfDirectMemoryError,
    /// The code cache filled and the JIT stopped compiling.
    CodeCacheFull,
    /// The page cache reached its configured size.
    PageCacheFull,
    /// The kernel (or the container's cgroup) killed the process.
    OomKilled,
    /// At the limit, reclaim began taking the file pages the process keeps using: it thrashes.
    Thrashing,
    /// The engine stopped the run early (its `max_events` budget ran out).
    SimulationStopped,
    /// The database began a checkpoint (debug.log's `checkpoint started...`).
    CheckpointStarted,
    /// The database completed a checkpoint (with its duration).
    CheckpointCompleted,
    /// The current transaction-log file was rotated.
    LogRotated,
    /// Transaction-log files were pruned after a checkpoint.
    LogsPruned,
    /// One database operation turned the whole page cache over.
    EvictionStorm,
    /// A transaction was terminated (over its memory limit) and rolled back; the database goes on.
    TransactionTerminated,
    /// The store was compacted by copy (`neo4j-admin database copy`).
    StoreCopied,
    /// The database restarted on an empty page cache (`[phase.db] op = "restart"`).
    DatabaseRestarted,
    /// A request arrived for a phase none of whose threads could start: nobody served it.
    RequestUnserved,
    /// A line of an observed command's output matched a `memsim observe --mark` pattern (the
    /// message is the line); observed runs only.
    Mark,
}

impl EventKind {
    /// The stable snake_case name used in `report.json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::PhaseStarted => "phase_started",
            EventKind::PhaseEnded => "phase_ended",
            EventKind::HeapExpanded => "heap_expanded",
            EventKind::HeapShrunk => "heap_shrunk",
            EventKind::FullGc => "full_gc",
            EventKind::OutOfMemoryError => "out_of_memory_error",
            EventKind::OutOfDirectMemoryError => "out_of_direct_memory_error",
            EventKind::CodeCacheFull => "code_cache_full",
            EventKind::PageCacheFull => "page_cache_full",
            EventKind::OomKilled => "oom_killed",
            EventKind::Thrashing => "thrashing",
            EventKind::SimulationStopped => "simulation_stopped",
            EventKind::CheckpointStarted => "checkpoint_started",
            EventKind::CheckpointCompleted => "checkpoint_completed",
            EventKind::LogRotated => "log_rotated",
            EventKind::LogsPruned => "logs_pruned",
            EventKind::EvictionStorm => "eviction_storm",
            EventKind::TransactionTerminated => "transaction_terminated",
            EventKind::StoreCopied => "store_copied",
            EventKind::DatabaseRestarted => "database_restarted",
            EventKind::RequestUnserved => "request_unserved",
            EventKind::Mark => "mark",
        }
    }

    /// Whether this kind is an error a person should see in the summary.
    pub const fn is_error(self) -> bool {
        matches!(
            self,
            EventKind::OutOfMemoryError
                | EventKind::OutOfDirectMemoryError
                | EventKind::CodeCacheFull
                | EventKind::OomKilled
                | EventKind::SimulationStopped
                | EventKind::TransactionTerminated
                | EventKind::RequestUnserved
        )
    }
}

/// One logged occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When it happened.
    pub at: SimTime,
    /// What kind of thing it was.
    pub kind: EventKind,
    /// The message, in the wording the real system uses where there is one.
    pub message: String,
    /// How many further identical (kind, message) occurrences were folded into this one.
    pub repeats: u64,
}
