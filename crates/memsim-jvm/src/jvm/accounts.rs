//! The JVM's accounts in the ledger: those that move with the heap (written when their inputs
//! change) and those that move only with the JVM's stable version.

use super::{
    C1_ONLY_STORM, C2_ARENA_SLACK, CDS, COMPILER_IDLE, COMPILER_STORM, INTERNAL_BASE, Jvm,
    LIBRARIES_FILE, MODULE, NMT_BASE, UNTRACKED_BASE, UNTRACKED_PER_COMPILED_METHOD,
};
use crate::class_profile::JIMAGE_MAX_BYTES;
use crate::gc::{HeapView, gc_usage_on};
use crate::gc_workers;
use crate::jdk21;
use crate::threads::{INTERNAL_PER_THREAD_BYTES, NMT_PER_THREAD_BYTES, SYNC_PER_THREAD_BYTES};
use memsim_core::{Account, JdkVersion, Ledger, Usage};

/// The inputs of [`Jvm::account_volatile`], compared by an event loop to skip it when they have
/// not changed since it last wrote the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolatileInputs {
    view: HeapView,
    class_jimage: u64,
}

impl Jvm {
    /// Writes every JVM account into the ledger.
    pub fn account(&self, ledger: &mut Ledger) {
        self.account_volatile(ledger);
        self.account_stable(ledger);
    }

    /// What [`Jvm::account_volatile`] writes is a function of: the heap's view (maximum,
    /// committed and touched bytes, whether marking or a full collection ran) and the jimage bytes
    /// the loaded classes read. A request's arrival and release move the heap's live bytes but,
    /// once its pages are touched, none of these: an event loop that re-accounts after every event
    /// needs [`Jvm::account_volatile`] only when they changed (the `Libraries` resident part it
    /// writes is overwritten by the kernel model's charge after each write, so a ledger holding the
    /// charged value is as good as a fresh write for a charge that follows).
    pub fn volatile_inputs(&self) -> VolatileInputs {
        VolatileInputs {
            view: HeapView {
                max: self.heap.max(),
                committed: self.heap.committed(),
                resident: self.heap.resident(),
                marking_ran: self.heap.marking_ran(),
                full_gc_ran: self.heap.pauses().count(memsim_core::GcKind::Full) > 0,
            },
            class_jimage: self.class_jimage,
        }
    }

    /// Writes the accounts that change with the heap, which changes at almost every allocation:
    /// `Java Heap`, `GC` (its structures follow the heap's committed and touched pages), and
    /// `Libraries` (the engine's kernel model lowers its resident part after reclaim, so it is
    /// written afresh before each charge unless [`Jvm::volatile_inputs`] are unchanged).
    pub fn account_volatile(&self, ledger: &mut Ledger) {
        ledger.set(Account::JavaHeap, self.heap.usage());
        let VolatileInputs { view, class_jimage } = self.volatile_inputs();
        let gc = match self.gc_usage_of.get() {
            Some((of, usage)) if of == view => usage,
            _ => {
                let usage = gc_workers::with_workers_on(
                    gc_usage_on(self.ergo.collector, view, self.ergo.jdk),
                    self.ergo.collector,
                    self.ergo.parallel_gc_threads,
                    self.ergo.jdk,
                );
                self.gc_usage_of.set(Some((view, usage)));
                usage
            }
        };
        ledger.set(Account::Gc, gc);
        // The jimage is mapped whole; what the loaded classes read of it becomes resident.
        let resident = LIBRARIES_FILE + class_jimage.min(JIMAGE_MAX_BYTES);
        ledger.set(
            Account::Libraries,
            Usage {
                reserved: LIBRARIES_FILE + jdk21::jimage_mapped_bytes(self.ergo.jdk),
                committed: resident,
                resident,
            },
        );
    }

    /// A number that changes whenever what [`Jvm::account_stable`] writes may have changed
    /// (threads started or ended, a class loaded, a method compiled, a phase loading or compiling,
    /// the JVM's own threads started on demand); allocating and releasing heap leave it alone. A
    /// ledger the stable accounts were written into at one version needs them again only at
    /// another: an event loop that re-accounts after every event skips most of the JVM's accounts.
    pub fn stable_version(&self) -> u64 {
        self.stable_version
    }

    /// Writes the accounts that change only with [`Jvm::stable_version`]: threads, class and
    /// metaspace, symbols, code, compiler, the small fixed categories and untracked native memory.
    pub fn account_stable(&self, ledger: &mut Ledger) {
        let n_threads = self.stacks.count();
        ledger.set(Account::Thread, self.stacks.usage());
        ledger.set(Account::Class, self.metaspace.class_usage());
        ledger.set(Account::Metaspace, self.metaspace.metaspace_usage());
        ledger.set(Account::Symbol, self.metaspace.symbol_usage());
        ledger.set(Account::Code, self.code.usage());
        ledger.set(
            Account::Compiler,
            Usage::all(if self.n_compiling > 0 && self.jvm_threads.c2 > 0 {
                COMPILER_STORM * u64::from(self.jvm_threads.c2)
            } else if self.n_compiling > 0 {
                C1_ONLY_STORM * u64::from(self.jvm_threads.c1)
            } else {
                COMPILER_IDLE
            }),
        );
        ledger.set(
            Account::Internal,
            Usage::all(
                INTERNAL_BASE
                    + n_threads * INTERNAL_PER_THREAD_BYTES
                    + match self.ergo.jdk {
                        JdkVersion::Jdk17 => 0,
                        JdkVersion::Jdk21 => jdk21::INTERNAL_EXTRA_BYTES,
                    },
            ),
        );
        ledger.set(
            Account::NativeMemoryTracking,
            Usage::all(NMT_BASE + n_threads * NMT_PER_THREAD_BYTES + self.class_nmt),
        );
        ledger.set(Account::SharedClassSpace, CDS);
        ledger.set(
            Account::ArenaChunk,
            Usage::all(self.ergo.compilation.arena_chunk_bytes(self.n_loading > 0)),
        );
        ledger.set(Account::Module, Usage::all(MODULE));
        ledger.set(
            Account::Synchronization,
            Usage::all(n_threads * SYNC_PER_THREAD_BYTES),
        );
        let c2_arenas = u64::from(self.c2_peak).min(self.arenas.limit());
        let untracked = UNTRACKED_BASE
            + self.class_untracked
            + self.code.compiled() * UNTRACKED_PER_COMPILED_METHOD
            + (c2_arenas - 1) * C2_ARENA_SLACK
            + self.untracked_malloc;
        let arenas = self.arenas.usage(self.os_threads());
        ledger.set(
            Account::NativeUntracked,
            Usage {
                reserved: untracked + arenas.reserved,
                committed: untracked + arenas.committed,
                resident: untracked + arenas.resident,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ergonomics::{Ergonomics, JvmFlags, MachineView};
    use memsim_core::{SimDuration, SimTime};

    #[test]
    fn stable_accounts_change_only_with_the_stable_version() {
        let m = MachineView {
            ram_bytes: 16 << 30,
            container_limit_bytes: None,
            cores: 4,
        };
        let f = JvmFlags {
            heap_initial: Some(256 << 20),
            heap_max: Some(1 << 30),
            ..JvmFlags::default()
        };
        let mut jvm = Jvm::new(Ergonomics::resolve(m, f));
        let stable = |jvm: &Jvm| {
            let mut l = Ledger::new();
            jvm.account_stable(&mut l);
            l
        };
        // Heap traffic, collections included, with the JVM's threads already started: the heap's
        // accounts move, the stable ones and the version do not.
        let t = SimTime::ZERO.after(SimDuration::from_secs(1));
        jvm.start_threads(10, 64 << 10, 0);
        jvm.allocate(1 << 20, false, t).unwrap();
        let (mut version, mut before) = (jvm.stable_version(), stable(&jvm));
        let mut volatile = Ledger::new();
        jvm.account_volatile(&mut volatile);
        let mut unchanged = 0;
        for i in 0..64u64 {
            jvm.allocate(1 << 20, i % 2 == 0, t).unwrap();
            jvm.release(1 << 19);
            if jvm.stable_version() == version {
                assert_eq!(stable(&jvm), before, "after {i} allocations");
                unchanged += 1;
            } else {
                // A GC worker started on demand: a new version, and the accounts may differ.
                (version, before) = (jvm.stable_version(), stable(&jvm));
            }
        }
        assert!(
            unchanged > 32,
            "{unchanged} of 64 allocations kept the version"
        );
        let mut after = Ledger::new();
        jvm.account_volatile(&mut after);
        assert_ne!(
            after.get(Account::JavaHeap),
            volatile.get(Account::JavaHeap)
        );
        // Every change beyond the heap moves the version.
        let v = jvm.stable_version();
        jvm.start_threads(5, 64 << 10, 1 << 10);
        assert_ne!(jvm.stable_version(), v);
        assert_ne!(stable(&jvm), before);
        let v = jvm.stable_version();
        jvm.set_loading(true);
        assert_ne!(jvm.stable_version(), v);
        let v = jvm.stable_version();
        assert!(jvm.compile(t));
        assert_ne!(jvm.stable_version(), v);
        // `account` is both halves.
        let (mut whole, mut halves) = (Ledger::new(), Ledger::new());
        jvm.account(&mut whole);
        jvm.account_volatile(&mut halves);
        jvm.account_stable(&mut halves);
        assert_eq!(whole, halves);
    }

    #[test]
    fn volatile_accounts_change_only_with_their_inputs() {
        let m = MachineView {
            ram_bytes: 24 << 30,
            container_limit_bytes: None,
            cores: 4,
        };
        let f = JvmFlags {
            heap_initial: Some(64 << 20),
            heap_max: Some(256 << 20),
            ..JvmFlags::default()
        };
        let mut jvm = Jvm::new(Ergonomics::resolve(m, f));
        let volatile = |jvm: &Jvm| {
            let mut l = Ledger::new();
            jvm.account_volatile(&mut l);
            l
        };
        let t = SimTime::ZERO.after(SimDuration::from_secs(1));
        let (mut inputs, mut before) = (jvm.volatile_inputs(), volatile(&jvm));
        let (mut unchanged, mut changed) = (0, 0);
        // Enough traffic to touch the young generation, collect it and grow the heap.
        for i in 0..4096u64 {
            jvm.allocate(64 << 10, i % 3 == 0, t).unwrap();
            jvm.release(32 << 10);
            if jvm.volatile_inputs() == inputs {
                assert_eq!(volatile(&jvm), before, "after {i} allocations");
                unchanged += 1;
            } else {
                (inputs, before) = (jvm.volatile_inputs(), volatile(&jvm));
                changed += 1;
            }
        }
        assert!(unchanged > 1024, "{unchanged} of 4096 kept the inputs");
        assert!(changed > 0, "the heap's view never moved");
        // The jimage bytes a class reads move `Libraries`, and the inputs with them.
        jvm.load_class(crate::class_profile::ClassShape::APPLICATION, false, t)
            .unwrap();
        assert_ne!(jvm.volatile_inputs(), inputs);
        assert_ne!(
            volatile(&jvm).get(Account::Libraries),
            before.get(Account::Libraries)
        );
    }
}
