//! What the kernel's memory accounting sees, beside RSS: the memory cgroup's charge, the working
//! set, the page cache of files and the kernel's own memory per thread, and whether the process was
//! thrashing.
//!
//! The charge is what `memory.usage_in_bytes` (cgroup v1) or `memory.current` (v2) shows and what
//! the OOM killer compares with the limit: anonymous pages, page cache (file pages, mapped or not,
//! first touched by the process) and kernel memory (stacks, task structures, page tables). It is
//! not RSS: it has page cache that no mapping holds and kernel memory, and lacks shared pages
//! charged to another group. The working set is the charge less the inactive file pages, what
//! cAdvisor and `kubectl top` show.

use crate::time::SimTime;

/// The kernel's view of the process at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Charge {
    /// Bytes charged to the memory cgroup (anonymous + page cache + kernel), at most the limit.
    pub charge_bytes: u64,
    /// The charge less inactive file pages (cAdvisor's `container_memory_working_set_bytes`).
    pub working_set_bytes: u64,
    /// Page cache charged, mapped or not (v1 `memory.stat` `cache`, v2 `file`).
    pub file_bytes: u64,
    /// Page cache that is dirty (written, not yet written back).
    pub dirty_bytes: u64,
    /// Kernel memory charged: kernel stacks and task structures per thread, page tables.
    pub kernel_bytes: u64,
}

/// Whether and when the process thrashed: reclaim took the pages it keeps using (its own
/// libraries, CDS archive and module image, the hot part of its mapped files), which it faults
/// back in from disk while its threads and collections stall.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pressure {
    /// When thrashing first began, if it did.
    pub thrashing_since: Option<SimTime>,
    /// When the process last stopped thrashing (`None` while it still thrashed at the end).
    pub thrashing_until: Option<SimTime>,
    /// The highest charge seen.
    pub peak_charge_bytes: u64,
    /// The highest working set seen.
    pub peak_working_set_bytes: u64,
    /// Nanoseconds writers waited for writeback of dirty page cache that had to be reclaimed.
    pub writeback_wait_nanos: u64,
}
