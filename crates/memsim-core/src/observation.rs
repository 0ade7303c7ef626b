//! What `memsim observe` adds to a [`crate::RunSummary`] recorded from a real process: the
//! command, how it ended, and what the observer could and could not see.
//!
//! A simulated run has none ([`crate::RunSummary::observation`] is `None`); `report.json` then has
//! no `observation` key, so simulated reports are unchanged.

/// How the observed command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// It exited with this code.
    Exited(i32),
    /// A signal ended it (`9` for SIGKILL, the OOM killer's signal).
    Signalled(i32),
}

/// The observation of one real process tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The command line as run (program and arguments).
    pub command: Vec<String>,
    /// How it ended.
    pub exit: ExitStatus,
    /// Whether memsim itself was interrupted (SIGINT or SIGTERM, forwarded to the command).
    pub interrupted: bool,
    /// The sampling interval asked for, in milliseconds.
    pub interval_ms: u64,
    /// The JVM whose NMT was polled, when one was found.
    pub jvm_pid: Option<u32>,
    /// Whether `jcmd VM.native_memory summary` answered with categories at least once.
    pub nmt: bool,
    /// The most processes seen at once in the tree.
    pub processes_max: u64,
    /// The most threads seen at once in the tree.
    pub threads_max: u64,
    /// The highest proportional set size of the tree (`smaps_rollup`), when readable.
    pub pss_max_bytes: Option<u64>,
    /// The memory cgroup the command ran in, when it had one with accounting (its path).
    pub cgroup: Option<String>,
    /// Things the observer could not see or had to approximate, for people.
    pub notes: Vec<String>,
}

impl ExitStatus {
    /// The exit code a shell would report: the code, or 128 + the signal.
    pub const fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => c,
            ExitStatus::Signalled(s) => 128 + s,
        }
    }
}
