//! The whole JVM: its parts, the small fixed NMT categories, and the errors HotSpot throws.

use std::cell::Cell;

use crate::class_profile::{ClassCost, ClassShape, HIDDEN_CLASS};
use crate::code::CodeCache;
use crate::ergonomics::{Collector, Ergonomics};
use crate::gc::HeapView;
use crate::heap::{AllocOutcome, Heap, HeapError};
use crate::jdk21::{self, ClassKind};
use crate::metaspace::{Metaspace, MetaspaceError};
use crate::metaspace_gc::{MetaspaceGc, ThresholdCollection};
use crate::native::{MallocArenas, ThreadLimit};
use crate::threads::{
    C1_THREAD_STACK_BYTES, C2_THREAD_STACK_BYTES, GC_WORKER_STACK_BYTES, GUARD_BYTES,
    JVM_THREADS_COMMITTED_BYTES, JvmThreads, ThreadStacks, VM_THREAD_STACK_BYTES,
};
use memsim_core::{GcSummary, SimDuration, SimTime, Usage};

mod accounts;

pub use accounts::VolatileInputs;

const KIB: u64 = 1024;
const MIB: u64 = 1 << 20;

// Fixed categories at rest, JDK 17 on 2 CPUs (shared/reference/hotspot-memory.md).
/// CDS archive: 16 MiB reserved, 11.8 MiB committed and resident.
/// Its pages are mapped from `classes.jsa`, so they are file-backed RSS, already inside
/// `LIBRARIES_FILE` (smaps: classes.jsa ≈ 12.9 MiB of it); none of it is anonymous.
const CDS: Usage = Usage {
    reserved: 16 * MIB,
    committed: 12_060 * KIB,
    resident: 0,
};
const INTERNAL_BASE: u64 = 195 * KIB;
const NMT_BASE: u64 = 174 * KIB;
// NMT's own overhead and the untracked native memory per loaded class are the class profile's
// (`ClassCost::nmt_bytes`, `ClassCost::untracked_bytes`).
const MODULE: u64 = 154 * KIB;
const COMPILER_IDLE: u64 = 174 * KIB;
/// C2 arenas during a compile storm, per C2 thread compiling: measured peaks 31–35 MiB with the one
/// C2 thread of 2 CPUs; with 2 C2 threads compiling tiny methods the arena peak doubled (4.8 → 9.4 MiB,
/// `cpu{4,16}-g1-512m-hot2k` against `sweep-hot2000`), so the storm is counted per running C2 thread.
const COMPILER_STORM: u64 = 32 * MIB;
/// Compiler arenas during a compile storm without C2, per C1 thread: fitted on one measurement,
/// `tools/jvm-flags/results/c1only-g1-512m-hot2k` (2000 hot methods, 2 C1 threads, arena peak 1.8 MiB).
const C1_ONLY_STORM: u64 = MIB;
/// Anonymous RSS outside the heap that NMT does not count, fitted on the calibration runs
/// (docs/calibration.md): ~6 MiB at rest (glibc arenas, libc and libjvm C heap), + what each loaded
/// class adds (`ClassCost::untracked_bytes`), + 3.7 KiB per JIT-compiled method (RSS outside the
/// heap grew 3.7 KiB per hot method while NMT barely moved).
const UNTRACKED_BASE: u64 = 6 * MIB;
const UNTRACKED_PER_COMPILED_METHOD: u64 = 1434;
/// Free memory each further C2 thread that compiled leaves in its own glibc arena: its compiler
/// arenas' chunks, freed by HotSpot's chunk-pool cleaner into malloc but kept by glibc. Measured:
/// 2000 hot methods compiled by 2 C2 threads kept 4.7–5.7 MiB more anonymous memory outside the heap
/// than by one (`cpu{4,16}-g1-512m-hot2k` against `sweep-hot2000`; the glibc arena regions' RSS went
/// from 4.8 to 13.6–14.2 MiB), the C2 arena peak of one thread (4.8 MiB there). Threads sharing an arena
/// (`MALLOC_ARENA_MAX` below their number) share this slack; the first thread's is in the per-method fit.
const C2_ARENA_SLACK: u64 = 24 * MIB / 5;
/// Heap per JIT-compiled method (profiling and compilation objects, kept): 1.9–2.9 KiB of heap RSS per hot method measured.
const COMPILE_HEAP_BYTES: u64 = 1946;
/// libjvm.so, the CDS archive, libc, libstdc++ and the jimage: 20.0–21.8 MiB RssFile in every calibration run.
const LIBRARIES_FILE: u64 = 21 * MIB;
/// Stack a virtual-thread carrier touches: the shadow-page floor every parked thread has.
const CARRIER_STACK_TOUCHED: u64 = 88 * KIB;
// Address space of the file mappings beyond what is resident: the JDK's jimage `lib/modules` is
// mapped whole (122.7 MiB in JDK 17.0.15, ~1 MiB of it resident). With it memsim's total reserved
// is within −1.1…+1.6 % of `VmSize` in all 90 calibration runs (−7…−1 % without; docs/calibration.md).
// The size is per release: `jdk21::jimage_mapped_bytes`.

/// An error HotSpot throws to the application; `Display` is the exact text of the JVM's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JvmError {
    /// The live set plus an allocation exceeds `-Xmx`.
    #[error("java.lang.OutOfMemoryError: Java heap space")]
    HeapSpace,
    /// Parallel's `UseGCOverheadLimit`: over 98 % of the time in GC, under 2 % of the heap recovered.
    #[error("java.lang.OutOfMemoryError: GC overhead limit exceeded")]
    GcOverheadLimitExceeded,
    /// `MaxMetaspaceSize` reached.
    #[error("java.lang.OutOfMemoryError: Metaspace")]
    Metaspace,
    /// `CompressedClassSpaceSize` reached.
    #[error("java.lang.OutOfMemoryError: Compressed class space")]
    CompressedClassSpace,
    /// `Thread.start` could not create the OS thread (process or container thread limit; see [`crate::native`]).
    #[error(
        "java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached"
    )]
    NativeThread,
}

/// A simulated HotSpot JVM's memory.
#[derive(Debug, Clone)]
pub struct Jvm {
    ergo: Ergonomics,
    heap: Heap,
    stacks: ThreadStacks,
    metaspace: Metaspace,
    metaspace_gc: MetaspaceGc,
    // What the loaded classes add to NMT's own overhead and to untracked native memory.
    class_nmt: u64,
    class_untracked: u64,
    // Pages of the jimage (`lib/modules`) the JDK classes the loaded classes use were read from.
    class_jimage: u64,
    code: CodeCache,
    // Phases currently loading classes / compiling: they raise Arena Chunk / Compiler.
    n_loading: u32,
    n_compiling: u32,
    // The JVM's on-demand threads (GC workers, compiler threads) as started, and the application's.
    jvm_threads: JvmThreads,
    app_threads: u64,
    // Methods per second being compiled by all compiling phases; the most C2 threads that compiled.
    compile_rate: u64,
    c2_peak: u32,
    // glibc's arenas, the thread limit, and what libraries malloc for the application's threads.
    arenas: MallocArenas,
    thread_limit: ThreadLimit,
    untracked_malloc: u64,
    // JDK 21's virtual threads: the scheduler's carrier threads started so far.
    carriers: u32,
    // Changes whenever an account [`Jvm::account_stable`] writes may have changed (see there).
    stable_version: u64,
    // What `refresh_jvm_threads` last decided from, with the stable version after it: the same
    // inputs in the same state decide the same (nothing to start or stop), so it returns at once.
    refreshed_from: Option<(RefreshInputs, u64)>,
    // The GC's structures as last computed, and the heap they were computed from: the heap's
    // committed and touched sizes change far less often than the account is written.
    gc_usage_of: Cell<Option<(HeapView, Usage)>>,
}

/// What HotSpot's decision to start GC workers and compiler threads reads, besides the threads
/// already started (which change only with [`Jvm::stable_version`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RefreshInputs {
    collected: bool,
    marked: bool,
    compile_rate: u64,
    non_daemon: u64,
    heap_committed: u64,
}

impl Jvm {
    /// A JVM just started with the JVM's own threads.
    pub fn new(ergo: Ergonomics) -> Jvm {
        let mut stacks = ThreadStacks::new();
        let n = u64::from(ergo.jvm_threads);
        // The Java threads are the same whatever the compilers; the rest are native.
        // JDK 21 has no sweeper thread, a Java thread in JDK 17.
        let java = JvmThreads::at_startup(ergo.collector)
            - JvmThreads::native_at_startup(ergo.collector)
            - jdk21::threads_removed(ergo.jdk);
        let native = n - u64::from(java);
        let touched = (JVM_THREADS_COMMITTED_BYTES / n).saturating_sub(GUARD_BYTES);
        stacks.start_native(n - native, ergo.thread_stack, touched);
        stacks.start_native(native, VM_THREAD_STACK_BYTES, touched);
        let mut heap = Heap::new(&ergo);
        heap.set_threads(stacks.count());
        let metaspace = Metaspace::new(ergo.max_metaspace, ergo.compressed_class_space);
        Jvm {
            heap,
            stacks,
            metaspace_gc: MetaspaceGc::new(ergo.max_metaspace, metaspace.committed()),
            metaspace,
            class_nmt: 0,
            class_untracked: 0,
            class_jimage: 0,
            code: CodeCache::with_layout(ergo.code_cache),
            jvm_threads: JvmThreads::new(&ergo),
            app_threads: 0,
            compile_rate: 0,
            c2_peak: 1,
            arenas: MallocArenas::new(ergo.active_processors, None),
            thread_limit: ThreadLimit::default(),
            untracked_malloc: 0,
            carriers: 0,
            stable_version: 0,
            refreshed_from: None,
            gc_usage_of: Cell::new(None),
            ergo,
            n_loading: 0,
            n_compiling: 0,
        }
    }

    /// The same JVM in a process with glibc's `arenas` and a thread limit.
    pub fn with_process(mut self, arenas: MallocArenas, thread_limit: ThreadLimit) -> Jvm {
        self.arenas = arenas;
        self.thread_limit = thread_limit;
        self
    }

    /// glibc's arenas.
    pub fn arenas(&self) -> MallocArenas {
        self.arenas
    }

    /// glibc arenas the next threads will still create (each reserving 64 MiB) before they share.
    pub fn arenas_to_come(&self) -> u64 {
        self.arenas.limit() - self.arenas.arenas(self.os_threads())
    }

    /// OS threads of the process: the JVM's, the application's and the launcher's primordial one.
    pub fn os_threads(&self) -> u64 {
        self.stacks.count() + 1
    }

    /// The JVM's on-demand threads as now started.
    pub fn jvm_threads(&self) -> JvmThreads {
        self.jvm_threads
    }

    /// Starts or stops GC workers and compiler threads as HotSpot would now (see [`JvmThreads`]).
    fn refresh_jvm_threads(&mut self) {
        let inputs = RefreshInputs {
            collected: self.heap.collections() > 0,
            marked: self.ergo.collector == crate::Collector::G1 && self.heap.marking_ran(),
            compile_rate: self.compile_rate,
            non_daemon: self.app_threads + 1, // and `main`
            heap_committed: self.heap.committed(),
        };
        if self.refreshed_from == Some((inputs, self.stable_version)) {
            return;
        }
        self.refresh_jvm_threads_from(inputs);
        self.refreshed_from = Some((inputs, self.stable_version));
    }

    fn refresh_jvm_threads_from(&mut self, inputs: RefreshInputs) {
        let now = self.jvm_threads;
        let want = now.wanted(
            &self.ergo,
            inputs.collected,
            inputs.marked,
            inputs.compile_rate,
            inputs.non_daemon,
            inputs.heap_committed,
        );
        if want == now {
            return;
        }
        self.stable_version += 1;
        // GC workers and compiler threads are native: VMThreadStackSize / CompilerThreadStackSize.
        let stack = VM_THREAD_STACK_BYTES;
        let (stacks, limit) = (&mut self.stacks, self.thread_limit);
        // Threads that cannot be created under the limit are not: HotSpot runs with fewer.
        let mut apply = |from: u32, to: u32, bytes: u64| -> u32 {
            if to > from {
                let n = limit.can_start(stacks.count() + 1, u64::from(to - from));
                stacks.start_worker(n, stack, bytes);
                from + n as u32
            } else {
                if from > to {
                    stacks.end_worker(u64::from(from - to), stack, bytes);
                }
                to
            }
        };
        self.jvm_threads = JvmThreads {
            gc_workers: apply(now.gc_workers, want.gc_workers, GC_WORKER_STACK_BYTES),
            conc_workers: apply(now.conc_workers, want.conc_workers, GC_WORKER_STACK_BYTES),
            c1: apply(now.c1, want.c1, C1_THREAD_STACK_BYTES),
            c2: apply(now.c2, want.c2, C2_THREAD_STACK_BYTES),
        };
        self.c2_peak = self.c2_peak.max(self.jvm_threads.c2);
    }

    /// The resolved configuration.
    pub fn ergonomics(&self) -> &Ergonomics {
        &self.ergo
    }

    /// The heap.
    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    /// Allocates on the heap at simulated time `now` (see [`Heap::allocate`]).
    ///
    /// # Errors
    /// [`JvmError::HeapSpace`] when the live set cannot fit, [`JvmError::GcOverheadLimitExceeded`]
    /// when Parallel's overhead limit is reached.
    pub fn allocate(
        &mut self,
        bytes: u64,
        live: bool,
        now: SimTime,
    ) -> Result<AllocOutcome, JvmError> {
        self.heap.set_threads(self.stacks.count());
        let r = self.heap.allocate(bytes, live, now).map_err(|e| match e {
            HeapError::HeapSpace { .. } => JvmError::HeapSpace,
            HeapError::GcOverheadLimit { .. } => JvmError::GcOverheadLimitExceeded,
        });
        self.refresh_jvm_threads();
        r
    }

    /// The run's pauses so far; `elapsed` is the simulated time the run took (pauses still running
    /// after it are counted apart).
    pub fn gc_summary(&self, elapsed: SimDuration) -> GcSummary {
        let past_end = self.heap.stw_until().since(SimTime::ZERO.after(elapsed));
        self.heap
            .pauses()
            .summary(self.ergo.collector, elapsed, past_end)
    }

    /// When the latest stop-the-world pause ends (see [`Heap::stw_until`]).
    pub fn stw_until(&self) -> SimTime {
        self.heap.stw_until()
    }

    /// `System.gc()` at `now`: a full collection (see [`Heap::full_gc`]).
    pub fn system_gc(&mut self, now: SimTime) -> AllocOutcome {
        let out = self.heap.full_gc(now);
        self.refresh_jvm_threads();
        out
    }

    /// Live heap bytes become garbage.
    pub fn release(&mut self, bytes: u64) {
        self.heap.release(bytes);
    }

    /// Starts `n` application threads touching `touched` bytes of stack each, for each of which
    /// native libraries malloc `malloc` bytes NMT does not see. Returns how many started: those
    /// over the thread limit fail with [`JvmError::NativeThread`] in the application.
    pub fn start_threads(&mut self, n: u64, touched: u64, malloc: u64) -> u64 {
        self.stable_version += 1;
        let started = self.thread_limit.can_start(self.os_threads(), n);
        self.stacks.start(started, self.ergo.thread_stack, touched);
        self.app_threads += started;
        self.untracked_malloc += started * malloc;
        started
    }

    /// Ends `n` application threads started with the same `touched` and `malloc`.
    pub fn end_threads(&mut self, n: u64, touched: u64, malloc: u64) {
        self.stable_version += 1;
        self.stacks.end(n, self.ergo.thread_stack, touched);
        self.app_threads -= n;
        self.untracked_malloc -= n * malloc;
    }

    /// Starts the carrier threads `n` virtual threads need (JDK 21, [`crate::virtual_threads`]):
    /// platform threads touching 88 KiB of stack, up to the processor count, kept once started.
    /// Returns the live heap the virtual threads hold, parked with `stack_bytes` of frames each,
    /// and the garbage their start leaves, for the caller to allocate (the engine, which logs the
    /// collections it causes).
    pub fn start_virtual_threads(&mut self, n: u64, stack_bytes: u64) -> (u64, u64) {
        let want = crate::virtual_threads::carriers(n, self.ergo.active_processors);
        if want > self.carriers {
            let more = u64::from(want - self.carriers);
            self.carriers += self.start_threads(more, CARRIER_STACK_TOUCHED, 0) as u32;
        }
        (
            n.saturating_mul(crate::virtual_threads::heap_bytes(stack_bytes)),
            n.saturating_mul(crate::virtual_threads::START_GARBAGE_BYTES),
        )
    }

    /// Live threads, the JVM's own included.
    pub fn threads(&self) -> u64 {
        self.stacks.count()
    }

    /// Loads a class of the given shape at simulated time `now` (the collections its garbage
    /// starts are timed from it, so G1's heap sizing sees them as far apart as they were).
    ///
    /// # Errors
    /// [`JvmError::Metaspace`] or [`JvmError::CompressedClassSpace`] at the limits.
    pub fn load_class(
        &mut self,
        shape: ClassShape,
        custom_loader: bool,
        now: SimTime,
    ) -> Result<(), JvmError> {
        self.stable_version += 1;
        let cost = jdk21::class_cost(shape.cost(), ClassKind::Ordinary, self.ergo.jdk);
        self.metaspace
            .load_class(&cost, custom_loader)
            .map_err(Self::metaspace_error)?;
        self.class_heap(&cost, now);
        Ok(())
    }

    /// What loading a class does to the heap (`crate::class_profile`): it keeps the class's mirror,
    /// lock object, strings and static state, and drops the garbage its reading and initialization
    /// made; then a `Metadata GC Threshold` collection if committed metaspace passed the mark.
    /// A `HeapSpace` failure here is left to the next allocation to report.
    fn class_heap(&mut self, cost: &ClassCost, now: SimTime) {
        self.class_nmt += cost.nmt_bytes;
        self.class_untracked += cost.untracked_bytes;
        self.class_jimage += cost.jimage_bytes;
        let now = now.max(self.heap.clock());
        let _ = self.heap.allocate(cost.heap_kept_bytes, true, now);
        if cost.heap_garbage_bytes > 0 {
            let _ = self.heap.allocate(cost.heap_garbage_bytes, false, now);
        }
        self.metadata_threshold();
        self.refresh_jvm_threads();
    }

    /// Collects when committed metaspace has passed `MetaspaceGC`'s mark (`crate::metaspace_gc`).
    fn metadata_threshold(&mut self) {
        let committed = self.metaspace.committed();
        if !self.metaspace_gc.exceeded(committed) {
            return;
        }
        let kind = match self.ergo.collector {
            Collector::G1 => ThresholdCollection::YoungConcurrentStart,
            Collector::Parallel => ThresholdCollection::YoungThenFull,
            Collector::Serial => ThresholdCollection::Full,
        };
        let now = self.heap.clock();
        self.heap.metadata_gc(now);
        self.metaspace_gc.collected(kind, committed);
    }

    /// Collections started by `Metadata GC Threshold`.
    pub fn metadata_gc_collections(&self) -> u64 {
        self.metaspace_gc.collections()
    }

    /// Defines a hidden class at simulated time `now`.
    ///
    /// # Errors
    /// [`JvmError::Metaspace`] or [`JvmError::CompressedClassSpace`] at the limits.
    pub fn define_hidden_class(&mut self, now: SimTime) -> Result<(), JvmError> {
        let cost = jdk21::class_cost(HIDDEN_CLASS, ClassKind::Hidden, self.ergo.jdk);
        self.stable_version += 1;
        self.metaspace
            .define_hidden_class(&cost)
            .map_err(Self::metaspace_error)?;
        self.class_heap(&cost, now);
        Ok(())
    }

    /// A custom class loader was created.
    pub fn add_class_loader(&mut self) {
        self.stable_version += 1;
        self.metaspace.add_loader();
    }

    fn metaspace_error(e: MetaspaceError) -> JvmError {
        match e {
            MetaspaceError::Metaspace => JvmError::Metaspace,
            MetaspaceError::CompressedClassSpace => JvmError::CompressedClassSpace,
        }
    }

    /// Classes loaded by the workload (JDK classes from CDS are not counted).
    pub fn classes(&self) -> u64 {
        self.metaspace.classes()
    }

    /// JIT-compiles one method at simulated time `now` (its code, and its MethodData in
    /// metaspace); `false` when the code cache is full.
    pub fn compile(&mut self, now: SimTime) -> bool {
        self.stable_version += 1;
        let ok = self.code.compile();
        if ok {
            self.metaspace.add_method_data();
            let now = now.max(self.heap.clock());
            let _ = self.heap.allocate(COMPILE_HEAP_BYTES, true, now);
            self.metadata_threshold();
            self.refresh_jvm_threads();
        }
        ok
    }

    /// Methods compiled.
    pub fn compiled(&self) -> u64 {
        self.code.compiled()
    }

    /// A phase starts (`+1`) or stops (`-1`) loading classes.
    pub fn set_loading(&mut self, on: bool) {
        self.stable_version += 1;
        self.n_loading = if on {
            self.n_loading + 1
        } else {
            self.n_loading - 1
        };
    }

    /// A phase starts or stops compiling `methods_per_sec` methods per second.
    pub fn set_compiling(&mut self, on: bool, methods_per_sec: u64) {
        self.stable_version += 1;
        (self.n_compiling, self.compile_rate) = if on {
            (self.n_compiling + 1, self.compile_rate + methods_per_sec)
        } else {
            (self.n_compiling - 1, self.compile_rate - methods_per_sec)
        };
        self.refresh_jvm_threads();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ergonomics::{JvmFlags, MachineView};
    use memsim_core::{Account, Ledger};

    #[test]
    fn idle_jvm_is_about_the_measured_size() {
        let m = MachineView {
            ram_bytes: 24 << 30,
            container_limit_bytes: None,
            cores: 2,
        };
        let f = JvmFlags {
            heap_initial: Some(1 << 30),
            heap_max: Some(1 << 30),
            ..JvmFlags::default()
        };
        let jvm = Jvm::new(Ergonomics::resolve(m, f));
        let mut l = Ledger::new();
        jvm.account(&mut l);
        l.check_invariants().unwrap();
        let non_heap = l.total().committed
            - l.get(Account::JavaHeap).committed
            - l.get(Account::Libraries).committed;
        // G1, 1 GiB heap, idle: the JDK measured 102.8 MiB of NMT committed beyond the heap (sweep-g1-1g).
        let mib = non_heap as f64 / MIB as f64;
        assert!(
            (mib - 102.8).abs() < 0.1 * 102.8,
            "non-heap committed {mib} MiB"
        );
        assert_eq!(l.get(Account::Libraries).resident, LIBRARIES_FILE);
        assert_eq!(
            l.get(Account::JavaHeap).resident,
            2 << 20,
            "only what startup touched"
        );
    }

    fn jvm(collector: Collector, heap: u64) -> Jvm {
        let m = MachineView {
            ram_bytes: 24 << 30,
            container_limit_bytes: None,
            cores: 2,
        };
        let f = JvmFlags {
            heap_initial: Some(heap),
            heap_max: Some(heap),
            collector: Some(collector),
            ..JvmFlags::default()
        };
        Jvm::new(Ergonomics::resolve(m, f))
    }

    /// Loading keeps little on the heap: what survives is the classes' kept bytes, the garbage
    /// their loading made is collected (realcls-g1-512m-all-gc: 3 KiB per class after a full GC).
    #[test]
    fn loading_keeps_only_the_kept_bytes_live() {
        for collector in [Collector::G1, Collector::Parallel, Collector::Serial] {
            let mut j = jvm(collector, 512 << 20);
            let before = j.heap().live();
            for _ in 0..3344 {
                j.load_class(ClassShape::APPLICATION, false, SimTime::ZERO)
                    .unwrap();
            }
            let kept = j.heap().live() - before;
            assert_eq!(kept, 3344 * ClassShape::APPLICATION.cost().heap_kept_bytes);
            // The garbage went through eden: the young collections of the log, not a live set.
            assert!(j.heap().collections() > 0, "{collector:?}");
        }
    }

    /// 3344 application classes commit just over `MetaspaceSize` (21 MiB) of metaspace: one
    /// threshold collection, of the collector's kind (the real JVM committed exactly 21,504 K for
    /// them, and its next granule, for JIT profiles, started the collection); thin ones need many
    /// more classes per crossing.
    #[test]
    fn metaspace_mark_starts_one_collection_per_crossing() {
        let mut g1 = jvm(Collector::G1, 512 << 20);
        let mut serial = jvm(Collector::Serial, 2 << 30);
        for _ in 0..3344 {
            g1.load_class(ClassShape::APPLICATION, false, SimTime::ZERO)
                .unwrap();
        }
        assert_eq!(g1.metadata_gc_collections(), 1);
        assert!(
            g1.heap().marking_ran(),
            "G1's threshold collection starts marking"
        );
        for _ in 0..40_000 {
            serial
                .load_class(ClassShape::Thin { methods: 8 }, false, SimTime::ZERO)
                .unwrap();
        }
        // -Xlog:gc of 40,000 thin classes under Serial: three `Pause Full (Metadata GC Threshold)`.
        assert_eq!(serial.metadata_gc_collections(), 3);
        assert!(serial.heap().pauses().collections() >= 3);
    }

    #[test]
    fn error_messages_are_hotspots() {
        assert_eq!(
            JvmError::HeapSpace.to_string(),
            "java.lang.OutOfMemoryError: Java heap space"
        );
        assert_eq!(
            JvmError::GcOverheadLimitExceeded.to_string(),
            "java.lang.OutOfMemoryError: GC overhead limit exceeded"
        );
        assert_eq!(
            JvmError::Metaspace.to_string(),
            "java.lang.OutOfMemoryError: Metaspace"
        );
        assert_eq!(
            JvmError::CompressedClassSpace.to_string(),
            "java.lang.OutOfMemoryError: Compressed class space"
        );
        // As OpenJDK 17.0.15 printed it (see crate::native).
        assert_eq!(
            JvmError::NativeThread.to_string(),
            "java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached"
        );
    }
}
