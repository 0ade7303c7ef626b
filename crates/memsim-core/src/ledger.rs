//! The ledger: every simulated byte the process reserves, commits or touches, in exactly one account.
//!
//! Accounts follow HotSpot's Native Memory Tracking (NMT) categories as JDK 17's
//! `jcmd <pid> VM.native_memory summary` prints them, in the same order. NMT's **Other** is split
//! into the things memsim can tell apart but NMT cannot (the database page cache, Netty's pooled
//! direct memory, JDK direct buffers, the rest); renderers fold them back into one `Other` when they
//! imitate NMT. Memory NMT never sees (file-backed pages of the JVM's libraries) has its own
//! accounts with [`Account::nmt`] = `None`.
//!
//! Three sizes per account (see `docs/ARCHITECTURE.md`): *reserved* address space, *committed*
//! memory the OS has promised, *resident* pages touched (what the OOM killer counts).

use std::fmt;

/// An NMT category, as JDK 17 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NmtCategory {
    /// `Java Heap`.
    JavaHeap,
    /// `Class`: class space and class-related malloc.
    Class,
    /// `Thread`: thread stacks and per-thread structures.
    Thread,
    /// `Code`: the code cache.
    Code,
    /// `GC`: the collector's own data structures.
    Gc,
    /// `Compiler`: JIT compiler arenas.
    Compiler,
    /// `Internal`.
    Internal,
    /// `Other`: direct buffers and `Unsafe.allocateMemory`.
    Other,
    /// `Symbol`: the symbol table.
    Symbol,
    /// `Native Memory Tracking`: NMT's own overhead.
    NativeMemoryTracking,
    /// `Shared class space`: CDS archive.
    SharedClassSpace,
    /// `Arena Chunk`: the chunk pool of resource arenas.
    ArenaChunk,
    /// `Module`.
    Module,
    /// `Synchronization`.
    Synchronization,
    /// `Metaspace`: non-class metaspace.
    Metaspace,
}

impl NmtCategory {
    /// Every category in the order JDK 17's summary prints them.
    pub const ALL: [NmtCategory; 15] = [
        NmtCategory::JavaHeap,
        NmtCategory::Class,
        NmtCategory::Thread,
        NmtCategory::Code,
        NmtCategory::Gc,
        NmtCategory::Compiler,
        NmtCategory::Internal,
        NmtCategory::Other,
        NmtCategory::Symbol,
        NmtCategory::NativeMemoryTracking,
        NmtCategory::SharedClassSpace,
        NmtCategory::ArenaChunk,
        NmtCategory::Module,
        NmtCategory::Synchronization,
        NmtCategory::Metaspace,
    ];

    /// The name exactly as NMT prints it.
    pub const fn name(self) -> &'static str {
        match self {
            NmtCategory::JavaHeap => "Java Heap",
            NmtCategory::Class => "Class",
            NmtCategory::Thread => "Thread",
            NmtCategory::Code => "Code",
            NmtCategory::Gc => "GC",
            NmtCategory::Compiler => "Compiler",
            NmtCategory::Internal => "Internal",
            NmtCategory::Other => "Other",
            NmtCategory::Symbol => "Symbol",
            NmtCategory::NativeMemoryTracking => "Native Memory Tracking",
            NmtCategory::SharedClassSpace => "Shared class space",
            NmtCategory::ArenaChunk => "Arena Chunk",
            NmtCategory::Module => "Module",
            NmtCategory::Synchronization => "Synchronization",
            NmtCategory::Metaspace => "Metaspace",
        }
    }
}

/// Whether an account's resident pages are anonymous memory or pages of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Anonymous memory (heap, malloc, mmap without a file).
    Anon,
    /// File-backed pages (shared libraries, memory-mapped files).
    File,
}

macro_rules! accounts {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, $nmt:expr, $backing:ident; )*) => {
        /// One line of the ledger. See the module documentation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Account {
            $( $(#[$doc])* $variant, )*
        }

        impl Account {
            /// Every account, in report order (NMT order, memsim's own splits of Other after Other's rest, file-backed last).
            pub const ALL: &'static [Account] = &[ $( Account::$variant, )* ];

            /// The account's name in reports and `report.json`.
            pub const fn name(self) -> &'static str {
                match self { $( Account::$variant => $name, )* }
            }

            /// The NMT category that holds this account's memory, or `None` where NMT cannot see it.
            pub const fn nmt(self) -> Option<NmtCategory> {
                match self { $( Account::$variant => $nmt, )* }
            }

            /// Anonymous or file-backed.
            pub const fn backing(self) -> Backing {
                match self { $( Account::$variant => Backing::$backing, )* }
            }
        }
    };
}

accounts! {
    /// The Java heap (NMT `Java Heap`).
    JavaHeap => "Java Heap", Some(NmtCategory::JavaHeap), Anon;
    /// Class space and class malloc (NMT `Class`).
    Class => "Class", Some(NmtCategory::Class), Anon;
    /// Thread stacks and per-thread structures (NMT `Thread`).
    Thread => "Thread", Some(NmtCategory::Thread), Anon;
    /// The code cache (NMT `Code`).
    Code => "Code", Some(NmtCategory::Code), Anon;
    /// The collector's own structures (NMT `GC`).
    Gc => "GC", Some(NmtCategory::Gc), Anon;
    /// JIT compiler memory (NMT `Compiler`).
    Compiler => "Compiler", Some(NmtCategory::Compiler), Anon;
    /// NMT `Internal`.
    Internal => "Internal", Some(NmtCategory::Internal), Anon;
    /// NMT `Other` minus the parts below: `Unsafe.allocateMemory` by the application.
    Other => "Other", Some(NmtCategory::Other), Anon;
    /// The database's page cache (Neo4j allocates it with `Unsafe`, so NMT counts it in `Other`).
    PageCache => "Page Cache", Some(NmtCategory::Other), Anon;
    /// Netty's direct memory: pooled chunks and huge buffers (NMT `Other`).
    NettyDirect => "Netty Direct", Some(NmtCategory::Other), Anon;
    /// `ByteBuffer.allocateDirect` buffers outside Netty's pool (NMT `Other`).
    JdkDirect => "JDK Direct", Some(NmtCategory::Other), Anon;
    /// The symbol table (NMT `Symbol`).
    Symbol => "Symbol", Some(NmtCategory::Symbol), Anon;
    /// NMT's own bookkeeping.
    NativeMemoryTracking => "Native Memory Tracking", Some(NmtCategory::NativeMemoryTracking), Anon;
    /// The CDS archive (NMT `Shared class space`).
    SharedClassSpace => "Shared class space", Some(NmtCategory::SharedClassSpace), Anon;
    /// NMT `Arena Chunk`.
    ArenaChunk => "Arena Chunk", Some(NmtCategory::ArenaChunk), Anon;
    /// NMT `Module`.
    Module => "Module", Some(NmtCategory::Module), Anon;
    /// NMT `Synchronization`.
    Synchronization => "Synchronization", Some(NmtCategory::Synchronization), Anon;
    /// Non-class metaspace (NMT `Metaspace`).
    Metaspace => "Metaspace", Some(NmtCategory::Metaspace), Anon;
    /// Anonymous native memory NMT does not track: glibc malloc arenas' slack, the C heap of
    /// libraries, JIT compiler scratch that outlives NMT's arenas. In RSS, invisible to NMT.
    NativeUntracked => "Native (untracked)", None, Anon;
    /// File-backed pages of libjvm.so, libc and the jimage: in RSS, invisible to NMT.
    Libraries => "Libraries (file-backed)", None, File;
    /// Touched pages of memory-mapped files (`FileChannel.map`, Lucene indexes): in RSS, invisible to NMT.
    MappedFiles => "Mapped files", None, File;
}

impl Account {
    /// The number of accounts.
    pub const COUNT: usize = Account::ALL.len();

    /// The account's position in [`Account::ALL`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Reserved, committed and resident bytes. Invariant: `resident <= committed <= reserved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Address space reserved.
    pub reserved: u64,
    /// Memory committed (promised by the OS; NMT's `committed`).
    pub committed: u64,
    /// Pages touched and present in RAM (counted by RSS and the OOM killer).
    pub resident: u64,
}

impl Usage {
    /// All three sizes equal, as for malloc'd memory that has been written.
    #[inline]
    pub const fn all(bytes: u64) -> Usage {
        Usage {
            reserved: bytes,
            committed: bytes,
            resident: bytes,
        }
    }

    /// Component-wise sum.
    #[inline]
    pub fn plus(self, other: Usage) -> Usage {
        Usage {
            reserved: self.reserved + other.reserved,
            committed: self.committed + other.committed,
            resident: self.resident + other.resident,
        }
    }

    fn is_ordered(self) -> bool {
        self.resident <= self.committed && self.committed <= self.reserved
    }
}

/// A broken ledger invariant: a bug in a model or the engine, never a user error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// An account's sizes are not ordered resident ≤ committed ≤ reserved.
    #[error("account {account}: sizes out of order {usage:?}")]
    Unordered {
        /// The account.
        account: Account,
        /// Its sizes.
        usage: Usage,
    },
    /// The running total differs from the sum of the accounts.
    #[error("ledger total {total:?} differs from the sum of its accounts {sum:?}")]
    TotalMismatch {
        /// The running total.
        total: Usage,
        /// The recomputed sum.
        sum: Usage,
    },
}

/// Every account's current usage and their running total.
///
/// The total is maintained incrementally on every [`Ledger::set`]; [`Ledger::check_invariants`]
/// recomputes it from the accounts, so a model that bypasses `set` is caught.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    accounts: [Usage; Account::COUNT],
    // Invariant: equals the component-wise sum of `accounts`.
    total: Usage,
    // Invariant: equals the resident sum of the accounts whose backing is `File`.
    resident_file: u64,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            accounts: [Usage::default(); Account::COUNT],
            total: Usage::default(),
            resident_file: 0,
        }
    }
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Replaces an account's usage and adjusts the totals by the difference.
    #[inline]
    pub fn set(&mut self, account: Account, usage: Usage) {
        let old = std::mem::replace(&mut self.accounts[account.index()], usage);
        self.total.reserved = self.total.reserved - old.reserved + usage.reserved;
        self.total.committed = self.total.committed - old.committed + usage.committed;
        self.total.resident = self.total.resident - old.resident + usage.resident;
        if account.backing() == Backing::File {
            self.resident_file = self.resident_file - old.resident + usage.resident;
        }
    }

    /// One account's usage.
    #[inline]
    pub fn get(&self, account: Account) -> Usage {
        self.accounts[account.index()]
    }

    /// All accounts, indexed like [`Account::ALL`].
    #[inline]
    pub fn accounts(&self) -> &[Usage; Account::COUNT] {
        &self.accounts
    }

    /// The sum over all accounts.
    #[inline]
    pub fn total(&self) -> Usage {
        self.total
    }

    /// Resident bytes that are file-backed.
    #[inline]
    pub fn resident_file(&self) -> u64 {
        self.resident_file
    }

    /// Resident bytes that are anonymous.
    #[inline]
    pub fn resident_anon(&self) -> u64 {
        self.total.resident - self.resident_file
    }

    /// The sum of the accounts that NMT folds into `category`.
    pub fn nmt(&self, category: NmtCategory) -> Usage {
        Account::ALL
            .iter()
            .filter(|a| a.nmt() == Some(category))
            .fold(Usage::default(), |sum, a| sum.plus(self.get(*a)))
    }

    /// Recomputes the totals and checks every account's ordering.
    ///
    /// # Errors
    /// [`LedgerError`] naming the first broken invariant.
    pub fn check_invariants(&self) -> Result<(), LedgerError> {
        let mut sum = Usage::default();
        for (usage, account) in self.accounts.iter().zip(Account::ALL) {
            if !usage.is_ordered() {
                return Err(LedgerError::Unordered {
                    account: *account,
                    usage: *usage,
                });
            }
            sum = sum.plus(*usage);
        }
        let file: u64 = Account::ALL
            .iter()
            .filter(|a| a.backing() == Backing::File)
            .map(|a| self.get(*a).resident)
            .sum();
        if sum != self.total || file != self.resident_file {
            return Err(LedgerError::TotalMismatch {
                total: self.total,
                sum,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_indexed_in_order() {
        for (i, a) in Account::ALL.iter().enumerate() {
            assert_eq!(a.index(), i);
        }
    }

    #[test]
    fn total_follows_sets_and_checks() {
        let mut l = Ledger::new();
        l.set(
            Account::JavaHeap,
            Usage {
                reserved: 100,
                committed: 50,
                resident: 10,
            },
        );
        l.set(Account::Libraries, Usage::all(7));
        l.set(
            Account::JavaHeap,
            Usage {
                reserved: 100,
                committed: 60,
                resident: 20,
            },
        );
        assert_eq!(
            l.total(),
            Usage {
                reserved: 107,
                committed: 67,
                resident: 27
            }
        );
        assert_eq!(l.resident_file(), 7);
        assert_eq!(l.resident_anon(), 20);
        l.check_invariants().unwrap();
    }

    #[test]
    fn nmt_other_folds_memsim_splits() {
        let mut l = Ledger::new();
        l.set(Account::PageCache, Usage::all(5));
        l.set(Account::NettyDirect, Usage::all(3));
        l.set(Account::Other, Usage::all(1));
        assert_eq!(l.nmt(NmtCategory::Other), Usage::all(9));
    }

    #[test]
    fn unordered_usage_is_reported() {
        let mut l = Ledger::new();
        l.set(
            Account::Code,
            Usage {
                reserved: 1,
                committed: 2,
                resident: 0,
            },
        );
        assert!(matches!(
            l.check_invariants(),
            Err(LedgerError::Unordered {
                account: Account::Code,
                ..
            })
        ));
    }
}
