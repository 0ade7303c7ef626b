//! The memory cgroup a process runs in, and what it charges: cgroup v2 `memory.current`,
//! `memory.stat` and `memory.events`, or v1 `memory.usage_in_bytes` and `memory.stat`.
//!
//! The working set is computed as cAdvisor does: usage less inactive file pages.

use std::path::PathBuf;

use memsim_core::Charge;

/// A memory cgroup with accounting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryCgroup {
    /// Its directory under `/sys/fs/cgroup`.
    pub dir: PathBuf,
    /// Its path as `/proc/<pid>/cgroup` names it.
    pub path: String,
    v2: bool,
}

impl MemoryCgroup {
    /// The memory cgroup of `pid`, when it has one whose usage is readable. The root group is
    /// left out (the machine is then the limit; v2's root has no `memory.current`), which also
    /// leaves out an exited process: the kernel moves a dying task to the root group.
    pub fn of(pid: i32) -> Option<MemoryCgroup> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
        for line in text.lines() {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            if path == "/" {
                continue;
            }
            if controllers.is_empty() {
                let dir = PathBuf::from("/sys/fs/cgroup").join(path.trim_start_matches('/'));
                if dir.join("memory.current").exists() {
                    return Some(MemoryCgroup {
                        dir,
                        path: path.to_string(),
                        v2: true,
                    });
                }
            } else if controllers.split(',').any(|c| c == "memory") {
                let dir = PathBuf::from("/sys/fs/cgroup/memory").join(path.trim_start_matches('/'));
                if dir.join("memory.usage_in_bytes").exists() {
                    return Some(MemoryCgroup {
                        dir,
                        path: path.to_string(),
                        v2: false,
                    });
                }
            }
        }
        None
    }

    fn read_u64(&self, file: &str) -> Option<u64> {
        std::fs::read_to_string(self.dir.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    fn stat(&self, file: &str, key: &str) -> Option<u64> {
        let text = std::fs::read_to_string(self.dir.join(file)).ok()?;
        stat_value(&text, key)
    }

    /// The charge now: usage, working set, page cache, dirty and kernel memory.
    pub fn charge(&self) -> Option<Charge> {
        if self.v2 {
            let usage = self.read_u64("memory.current")?;
            let inactive = self.stat("memory.stat", "inactive_file").unwrap_or(0);
            Some(Charge {
                charge_bytes: usage,
                working_set_bytes: usage.saturating_sub(inactive),
                file_bytes: self.stat("memory.stat", "file").unwrap_or(0),
                dirty_bytes: self.stat("memory.stat", "file_dirty").unwrap_or(0),
                kernel_bytes: self.stat("memory.stat", "kernel").unwrap_or_else(|| {
                    self.stat("memory.stat", "kernel_stack").unwrap_or(0)
                        + self.stat("memory.stat", "pagetables").unwrap_or(0)
                        + self.stat("memory.stat", "slab").unwrap_or(0)
                }),
            })
        } else {
            let usage = self.read_u64("memory.usage_in_bytes")?;
            let inactive = self.stat("memory.stat", "total_inactive_file").unwrap_or(0);
            Some(Charge {
                charge_bytes: usage,
                working_set_bytes: usage.saturating_sub(inactive),
                file_bytes: self.stat("memory.stat", "total_cache").unwrap_or(0),
                dirty_bytes: self.stat("memory.stat", "total_dirty").unwrap_or(0),
                kernel_bytes: self.read_u64("memory.kmem.usage_in_bytes").unwrap_or(0),
            })
        }
    }

    /// The cgroup's limit, when one is set (`memory.max` is `max` when not).
    pub fn limit_bytes(&self) -> Option<u64> {
        let v = if self.v2 {
            self.read_u64("memory.max")?
        } else {
            self.read_u64("memory.limit_in_bytes")?
        };
        // v1 writes "no limit" as the largest page-aligned i64.
        (v < (1u64 << 62)).then_some(v)
    }

    /// How many times the OOM killer killed in this cgroup (v2 `memory.events` `oom_kill`, v1
    /// `memory.oom_control` `oom_kill`).
    pub fn oom_kills(&self) -> u64 {
        if self.v2 {
            self.stat("memory.events", "oom_kill").unwrap_or(0)
        } else {
            self.stat("memory.oom_control", "oom_kill").unwrap_or(0)
        }
    }
}

/// The value of `key` in a `key value` per line file (`memory.stat`, `memory.events`).
pub(crate) fn stat_value(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

/// The machine's RAM (`MemTotal`), the limit when there is no cgroup limit.
pub fn machine_ram_bytes() -> Option<u64> {
    use procfs::Current;
    procfs::Meminfo::current().ok().map(|m| m.mem_total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_values_by_exact_key() {
        let text = "anon 4096\nfile 8192\nfile_dirty 12\ninactive_file 100\n";
        assert_eq!(stat_value(text, "file"), Some(8192));
        assert_eq!(stat_value(text, "file_dirty"), Some(12));
        assert_eq!(stat_value(text, "kernel"), None);
    }
}
