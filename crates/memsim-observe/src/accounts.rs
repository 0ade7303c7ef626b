//! One observed instant as memsim's ledger: NMT's categories where NMT answered, and what NMT
//! cannot see from `/proc`.
//!
//! **Approximations**, each because the source does not say more:
//! - NMT prints reserved and committed bytes, not resident ones. When the JVM's anonymous RSS
//!   (`RssAnon`) is at least NMT's committed total, each category's resident bytes are its
//!   committed bytes and the rest of the anonymous RSS is `Native (untracked)`; when it is less
//!   (committed but untouched heap), every category's resident bytes are its committed bytes scaled
//!   by RSS / committed, so the ledger's resident total is the RSS.
//! - JDK 17's small categories the ledger has no account for (`Tracing`, `Logging`, `Arguments`,
//!   `Statistics`, `Object Monitors`, …) are added to `Internal`.
//! - `RssFile` (libraries, the CDS archive's and modules' pages, mapped files: `status` does not
//!   tell them apart) is `Libraries (file-backed)`; `RssShmem` (tmpfs, shared anonymous memory) is
//!   `Mapped files`.
//! - Without NMT (or for the tree's other processes) anonymous RSS is not attributed: it is
//!   `Native (untracked)`.

use memsim_core::{Account, NmtCategory, Usage};
use memsim_report::NmtSummary;

use crate::proc_reader::ProcessMemory;

/// The accounts of one sample.
pub fn accounts_of(
    tree: ProcessMemory,
    jvm: Option<ProcessMemory>,
    nmt: Option<&NmtSummary>,
    heap_resident: Option<u64>,
) -> [Usage; Account::COUNT] {
    let mut accounts = [Usage::default(); Account::COUNT];
    let mut untracked = tree.rss_anon_bytes;
    if let (Some(jvm), Some(nmt)) = (jvm, nmt) {
        let mut by_account = [(0u64, 0u64); Account::COUNT];
        for (name, amounts) in &nmt.categories {
            let account = account_of_nmt(name);
            let slot = &mut by_account[account.index()];
            slot.0 += amounts.reserved_bytes;
            slot.1 += amounts.committed_bytes;
        }
        let heap = Account::JavaHeap.index();
        // The heap's measured resident bytes (never above its committed ones, nor the RSS).
        let heap_resident =
            heap_resident.map(|r| r.min(by_account[heap].1).min(jvm.rss_anon_bytes));
        let scaled_committed: u64 = by_account
            .iter()
            .enumerate()
            .filter(|(i, _)| heap_resident.is_none() || *i != heap)
            .map(|(_, (_, c))| c)
            .sum();
        let anon = jvm.rss_anon_bytes - heap_resident.unwrap_or(0);
        let mut resident_total = heap_resident.unwrap_or(0);
        for (i, (reserved, committed)) in by_account.iter().enumerate() {
            let resident = match heap_resident {
                Some(r) if i == heap => r,
                _ => {
                    let scaled = if scaled_committed <= anon {
                        *committed
                    } else {
                        (u128::from(*committed) * u128::from(anon) / u128::from(scaled_committed))
                            as u64
                    };
                    resident_total += scaled;
                    scaled
                }
            };
            accounts[i] = Usage {
                reserved: (*reserved).max(*committed),
                committed: *committed,
                resident,
            };
        }
        untracked = tree.rss_anon_bytes.saturating_sub(resident_total);
    }
    accounts[Account::NativeUntracked.index()] = Usage::all(untracked);
    accounts[Account::Libraries.index()] = Usage::all(tree.rss_file_bytes);
    accounts[Account::MappedFiles.index()] = Usage::all(tree.rss_shmem_bytes);
    accounts
}

/// The ledger account for an NMT category as `jcmd` names it (JDK 21's `GCCardSet`, G1's
/// remembered sets, in `GC` as memsim's JDK 21 model keeps it; a name memsim does not know in
/// `Internal`).
pub fn account_of_nmt(name: &str) -> Account {
    if name == "GCCardSet" {
        return Account::Gc;
    }
    let category = NmtCategory::ALL.iter().find(|c| c.name() == name);
    match category {
        Some(NmtCategory::JavaHeap) => Account::JavaHeap,
        Some(NmtCategory::Class) => Account::Class,
        Some(NmtCategory::Thread) => Account::Thread,
        Some(NmtCategory::Code) => Account::Code,
        Some(NmtCategory::Gc) => Account::Gc,
        Some(NmtCategory::Compiler) => Account::Compiler,
        Some(NmtCategory::Internal) | None => Account::Internal,
        Some(NmtCategory::Other) => Account::Other,
        Some(NmtCategory::Symbol) => Account::Symbol,
        Some(NmtCategory::NativeMemoryTracking) => Account::NativeMemoryTracking,
        Some(NmtCategory::SharedClassSpace) => Account::SharedClassSpace,
        Some(NmtCategory::ArenaChunk) => Account::ArenaChunk,
        Some(NmtCategory::Module) => Account::Module,
        Some(NmtCategory::Synchronization) => Account::Synchronization,
        Some(NmtCategory::Metaspace) => Account::Metaspace,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdk21_card_sets_are_gc() {
        assert_eq!(account_of_nmt("GCCardSet"), Account::Gc);
        assert_eq!(account_of_nmt("GC"), Account::Gc);
        assert_eq!(account_of_nmt("Object Monitors"), Account::Internal);
    }
    use memsim_report::NmtAmounts;

    fn amounts(reserved: u64, committed: u64) -> NmtAmounts {
        NmtAmounts {
            reserved_bytes: reserved,
            committed_bytes: committed,
            reserved_delta_bytes: None,
            committed_delta_bytes: None,
        }
    }

    fn mem(anon: u64) -> ProcessMemory {
        ProcessMemory {
            rss_anon_bytes: anon,
            rss_file_bytes: 7,
            rss_shmem_bytes: 3,
            pss_bytes: None,
            threads: 1,
        }
    }

    #[test]
    fn resident_total_is_the_rss() {
        let nmt = NmtSummary {
            total: amounts(1000, 600),
            categories: vec![
                ("Java Heap".into(), amounts(800, 400)),
                ("Logging".into(), amounts(10, 10)),
                ("Thread".into(), amounts(190, 190)),
            ],
        };
        // RSS above NMT: the rest is untracked.
        let a = accounts_of(mem(1000), Some(mem(900)), Some(&nmt), None);
        assert_eq!(a[Account::JavaHeap.index()].resident, 400);
        assert_eq!(a[Account::Internal.index()].committed, 10);
        assert_eq!(a[Account::NativeUntracked.index()].resident, 1000 - 600);
        let total: u64 = a.iter().map(|u| u.resident).sum();
        assert_eq!(total, 1000 + 7 + 3);
        // RSS below NMT's committed: scaled, and the total still the RSS.
        let b = accounts_of(mem(300), Some(mem(300)), Some(&nmt), None);
        assert_eq!(b[Account::JavaHeap.index()].resident, 200);
        let total: u64 = b.iter().map(|u| u.resident).sum();
        assert_eq!(total, 300 + 7 + 3);
        assert!(
            b.iter()
                .all(|u| u.resident <= u.committed && u.committed <= u.reserved)
        );
        // The heap measured: the others scaled to what is left (300 - 100 = 200 for 200 committed).
        let h = accounts_of(mem(300), Some(mem(300)), Some(&nmt), Some(100));
        assert_eq!(h[Account::JavaHeap.index()].resident, 100);
        assert_eq!(h[Account::Thread.index()].resident, 190);
        assert_eq!(h[Account::NativeUntracked.index()].resident, 0);
        let total: u64 = h.iter().map(|u| u.resident).sum();
        assert_eq!(total, 300 + 7 + 3);
        // No NMT: everything anonymous is untracked.
        let c = accounts_of(mem(50), None, None, None);
        assert_eq!(c[Account::NativeUntracked.index()].resident, 50);
    }
}
