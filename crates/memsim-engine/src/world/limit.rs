//! The memory limit the process runs under, and how the world applies the kernel's model
//! ([`super::cgroup`]) to the ledger after every event: file-backed accounts shrink to what reclaim
//! leaves, the charge and working set are recorded, and the OOM kill comes when the model says.

use memsim_core::{Account, ByteSize, EventKind, SimTime, Usage};
use memsim_scenario::Scenario;

use super::cgroup::Demand;
use super::{Ev, World, pct};

/// The memory limit the process runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// Bytes of resident memory above which the process is killed.
    pub bytes: u64,
    /// Where it comes from, for people.
    pub source: String,
    /// Whether a container (cgroup) limit or the machine's RAM decides.
    pub cgroup: bool,
}

impl Limit {
    /// The limit of a scenario's machine: the container limit if it is below what the machine has
    /// for this process (RAM less `os_reserved`), else that.
    pub fn of(s: &Scenario) -> Limit {
        let m = &s.machine;
        let machine = m.ram.saturating_sub(m.os_reserved);
        let machine_source = if m.os_reserved > 0 {
            format!(
                "machine RAM {} − {} for the OS",
                ByteSize(m.ram),
                ByteSize(m.os_reserved)
            )
        } else {
            format!("machine RAM {}", ByteSize(m.ram))
        };
        match m.container_limit {
            Some(c) if c <= machine => Limit {
                bytes: c,
                source: format!("container limit {}", ByteSize(c)),
                cgroup: true,
            },
            _ => Limit {
                bytes: machine,
                source: machine_source,
                cgroup: false,
            },
        }
    }
}

impl World<'_> {
    /// Charges the ledger's state to the group (after every event): reclaim shrinks the resident
    /// part of `Libraries` and `Mapped files`, and a kill that has come due runs; one not yet due
    /// is scheduled so that it runs even if nothing else happens.
    pub(super) fn charge_account(&mut self) {
        let libraries = self.ledger.get(Account::Libraries);
        let (fulltext_mapped, fulltext_read, fulltext_hot) = self.fulltext_bytes();
        let mapped = self.mapped_files.saturating_add(fulltext_read);
        let demand = Demand {
            anon: self.ledger.resident_anon(),
            threads: self.jvm.threads(),
            libraries: libraries.committed,
            mapped,
            mapped_hot: self.mapped_hot.saturating_add(fulltext_hot),
            written: self.written_files,
            newly_dirty: std::mem::take(&mut self.newly_dirty),
        };
        let before = self.options.check_invariants.then(|| self.cgroup.clone());
        let kept = self.cgroup.update(self.now, &demand);
        if let Some(before) = before {
            assert!(
                before.recharged_equals(self.now, &demand, &self.cgroup),
                "the cgroup's charge at {} differs from a fresh update's",
                self.now
            );
        }
        self.ledger.set(
            Account::Libraries,
            Usage {
                resident: kept.libraries,
                ..libraries
            },
        );
        self.ledger.set(
            Account::MappedFiles,
            Usage {
                // Full-text index files are mapped whole; a phase's `mapped_files` as touched.
                reserved: self.mapped_files.saturating_add(fulltext_mapped),
                committed: mapped,
                resident: kept.mapped,
            },
        );
        match self.cgroup.kill_due() {
            Some(due) if due <= self.now => {
                if !self.killed {
                    self.kill();
                }
            }
            Some(due) => {
                if self.kill_check_at != Some(due) {
                    self.kill_check_at = Some(due);
                    self.schedule(due, Ev::OomCheck);
                }
            }
            None => self.kill_check_at = None,
        }
    }

    /// When the thrashing the run saw began (for the event log).
    pub(super) fn log_thrashing(&mut self, since: SimTime) {
        let [pinned, limit]: [String; 2] = ByteSize::apart(&[
            self.ledger.resident_anon() + self.cgroup.charge().kernel_bytes,
            self.limit.bytes,
        ])
        .try_into()
        .expect("two sizes");
        self.log(
            EventKind::Thrashing,
            format!(
                "thrashing: reclaim takes the file pages the JVM keeps using (anonymous and kernel memory {pinned} + hot file pages beside the limit {limit}); major faults stall its threads and collections (since {since})",
            ),
        );
    }

    /// The OOM killer: the run stops here.
    fn kill(&mut self) {
        self.killed = true;
        let total = self.ledger.total();
        let kb = |b: u64| b / 1024;
        let mut shares: Vec<(Account, u64)> = Account::ALL
            .iter()
            .map(|a| (*a, self.ledger.get(*a).resident))
            .filter(|(_, r)| *r * 100 >= total.resident)
            .collect();
        shares.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        let shares: Vec<String> = shares
            .iter()
            .map(|(a, r)| {
                format!(
                    "{} {} ({:.0}%)",
                    a.name(),
                    ByteSize(*r),
                    pct(*r, total.resident)
                )
            })
            .collect();
        let who = if self.limit.cgroup {
            "Memory cgroup out of memory"
        } else {
            "Out of memory"
        };
        // The charge sits at the limit: print both with the digits that tell them apart.
        let [limit, charge]: [String; 2] =
            ByteSize::apart(&[self.limit.bytes, self.cgroup.charge().charge_bytes])
                .try_into()
                .expect("two sizes");
        let message = format!(
            "{who}: Killed process (java) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB — anonymous and kernel memory left no room under the limit {limit} after reclaim ({}): {}",
            kb(total.reserved),
            kb(self.ledger.resident_anon()),
            kb(self.ledger.resident_file()),
            self.cgroup.describe(&charge),
            shares.join(", ")
        );
        self.log(EventKind::OomKilled, message);
    }
}
