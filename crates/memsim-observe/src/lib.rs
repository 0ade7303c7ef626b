//! `memsim observe`: a real process tree recorded the way memsim records a simulated one.
//!
//! This crate is the only place in memsim that reads `/proc` and `/sys/fs/cgroup`, runs `jcmd` and
//! reads the clock for sampling; it is not deterministic (real time). It turns what it sees into a
//! [`memsim_core::RunSummary`] (with [`memsim_core::Observation`] saying it was observed) rendered by
//! `memsim-report`, so every renderer, `memsim report` and `memsim diff` work on it.
//!
//! One concept per module: [`tree`] (the process tree), [`proc_reader`] (one process's RSS split,
//! PSS, threads), [`cgroup`] (the memory cgroup's charge, working set, limit, OOM kills), [`jcmd`]
//! (NMT polled on its own thread), [`gc_log`] (pauses from a unified GC log), [`marks`] (the
//! output's tee and `--mark` events), [`accounts`] (an instant as ledger accounts), [`writer`]
//! (samples appended and flushed, the final set), [`summary`] (the `RunSummary`), [`run`] (the
//! loop, exit status), [`signals`] (SIGINT and SIGTERM caught and forwarded).
#![deny(missing_docs)]

pub mod accounts;
pub mod cgroup;
pub mod gc_log;
pub mod jcmd;
pub mod marks;
pub mod proc_reader;
pub mod run;
pub mod signals;
pub mod summary;
pub mod tree;
pub mod writer;

use std::path::PathBuf;

pub use run::{ObserveConfig, Outcome, observe};

/// Why an observation could not run or finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObserveError {
    /// No command was given.
    #[error("no command to observe (give it after `--`)")]
    NoCommand,
    /// A `--mark` pattern is not a valid regular expression.
    #[error("--mark: {0}")]
    Mark(String),
    /// The command could not be started.
    #[error("cannot start `{program}`: {message}")]
    Spawn {
        /// The program.
        program: String,
        /// The system's reason.
        message: String,
    },
    /// Waiting for the command failed.
    #[error("waiting for the command: {0}")]
    Wait(String),
    /// SIGINT and SIGTERM could not be caught.
    #[error("cannot catch SIGINT and SIGTERM: {0}")]
    Signals(String),
    /// A file of the report set could not be written.
    #[error("{}: {message}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The system's reason.
        message: String,
    },
}
