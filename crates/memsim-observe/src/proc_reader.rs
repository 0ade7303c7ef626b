//! One process's memory as the kernel reports it: `/proc/<pid>/status` (RssAnon, RssFile,
//! RssShmem, Threads) through `procfs`, and PSS from `/proc/<pid>/smaps_rollup` where readable.

use procfs::process::Process;

/// What `/proc` says about one process's memory, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcessMemory {
    /// Anonymous resident pages (`RssAnon`).
    pub rss_anon_bytes: u64,
    /// Resident pages of files: libraries, mapped files (`RssFile`).
    pub rss_file_bytes: u64,
    /// Resident shared memory: tmpfs, `shm`, shared anonymous mappings (`RssShmem`).
    pub rss_shmem_bytes: u64,
    /// Proportional set size (`Pss` of `smaps_rollup`): shared pages divided among their users;
    /// `None` when unreadable (kernel older than 4.14, or no permission).
    pub pss_bytes: Option<u64>,
    /// Threads (`Threads`).
    pub threads: u64,
}

impl ProcessMemory {
    /// Reads one process; `None` when it is gone (or a zombie with no memory left to read).
    pub fn read(pid: i32) -> Option<ProcessMemory> {
        let status = Process::new(pid).ok()?.status().ok()?;
        let kib = |v: Option<u64>| v.unwrap_or(0).saturating_mul(1024);
        Some(ProcessMemory {
            rss_anon_bytes: kib(status.rssanon),
            rss_file_bytes: kib(status.rssfile),
            rss_shmem_bytes: kib(status.rssshmem),
            pss_bytes: read_pss(pid),
            threads: status.threads,
        })
    }

    /// Component-wise sum (PSS is `None` only when no part had one).
    pub fn plus(self, other: ProcessMemory) -> ProcessMemory {
        ProcessMemory {
            rss_anon_bytes: self.rss_anon_bytes + other.rss_anon_bytes,
            rss_file_bytes: self.rss_file_bytes + other.rss_file_bytes,
            rss_shmem_bytes: self.rss_shmem_bytes + other.rss_shmem_bytes,
            pss_bytes: match (self.pss_bytes, other.pss_bytes) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
            },
            threads: self.threads + other.threads,
        }
    }

    /// `VmRSS`: anonymous + file + shared memory.
    pub fn rss_bytes(&self) -> u64 {
        self.rss_anon_bytes + self.rss_file_bytes + self.rss_shmem_bytes
    }
}

/// Resident bytes of `pid`'s mappings that lie within `[start, end)` (`Rss:` of
/// `/proc/<pid>/smaps`): the Java heap's resident pages, its range given by `GC.heap_info`.
pub fn resident_in_range(pid: i32, start: u64, end: u64) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps")).ok()?;
    Some(parse_resident_in_range(&text, start, end))
}

pub(crate) fn parse_resident_in_range(smaps: &str, start: u64, end: u64) -> u64 {
    let mut inside = false;
    let mut total = 0;
    for line in smaps.lines() {
        let first = line.split(' ').next().unwrap_or("");
        if let Some((lo, hi)) = first.split_once('-')
            && let (Ok(lo), Ok(hi)) = (u64::from_str_radix(lo, 16), u64::from_str_radix(hi, 16))
        {
            inside = lo >= start && hi <= end;
        } else if inside && let Some(rest) = line.strip_prefix("Rss:") {
            let kb: u64 = rest
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0);
            total += kb * 1024;
        }
    }
    total
}

/// `Pss:` of `/proc/<pid>/smaps_rollup`, in bytes (the file prints kB).
fn read_pss(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    parse_pss(&text)
}

/// The `Pss:` line of an `smaps_rollup` text, in bytes.
pub(crate) fn parse_pss(text: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix("Pss:")?;
        let kb: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kb * 1024)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pss_is_read_in_bytes() {
        let text = "55d0a000-7ffd0000 ---p 00000000 00:00 0 [rollup]\nRss:  2048 kB\nPss:  1234 kB\nPss_Anon:  1000 kB\n";
        assert_eq!(parse_pss(text), Some(1234 * 1024));
        assert_eq!(parse_pss("Rss: 1 kB\n"), None);
    }

    #[test]
    fn resident_within_a_range() {
        let smaps = "f8000000-f9000000 rw-p 00000000 00:00 0 \nRss:  4096 kB\nPss:  4096 kB\nf9000000-100000000 ---p 00000000 00:00 0 \nRss:  0 kB\n100000000-100100000 rw-p 00000000 00:00 0 \nRss:  1024 kB\n";
        assert_eq!(
            parse_resident_in_range(smaps, 0xf800_0000, 0x1_0000_0000),
            4096 * 1024
        );
        assert_eq!(parse_resident_in_range(smaps, 0, u64::MAX), 5120 * 1024);
    }

    #[test]
    fn this_process_is_readable() {
        let me = ProcessMemory::read(std::process::id() as i32).unwrap();
        assert!(me.rss_anon_bytes > 0 && me.threads >= 1);
        assert_eq!(
            me.rss_bytes(),
            me.rss_anon_bytes + me.rss_file_bytes + me.rss_shmem_bytes
        );
    }
}
