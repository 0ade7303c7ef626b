//! HotSpot (JDK 17) ergonomics: the defaults a JVM picks from the machine when flags are absent.
//!
//! Sources (jdk17u): `Arguments::set_heap_size` (see [`heap_sizes`]: MaxRAMPercentage=25,
//! MinRAMPercentage=50, InitialRAMPercentage=1.5625, MaxRAM 128 GiB, default MaxHeapSize
//! `ScaleForWordSize(96 MiB)`, compressed-oops cap),
//! `GCConfig::select_gc` + `os::is_server_class_machine` (G1 on ≥ 2 CPUs and ≥ 1792 MiB, else Serial),
//! `WorkerPolicy::calc_parallel_worker_threads` (cores ≤ 8 → cores, else 8 + (cores − 8)·5/8),
//! `G1HeapRegion::setup_heap_region_size` (max heap / 2048, a power of two in 1..=32 MiB),
//! `CompilerConfig::ergo_initialize` and `CompilationPolicy::initialize` (see [`Compilation`] and
//! [`CodeCacheLayout`]: ReservedCodeCacheSize 240 MiB with tiered compilation, 48 MiB C1-only or
//! C2-only, segmented only when tiered and ≥ 240 MiB),
//! `-Xss` default 1 MiB on Linux x86_64, `CompressedClassSpaceSize` 1 GiB,
//! `MaxDirectMemorySize` default = `Runtime.maxMemory()` (approximated as the max heap; Parallel and
//! Serial report one survivor space less), JDK 17 being container-aware (a cgroup limit is its RAM).
//!
//! Thread counts (jdk17u, checked against `-XX:ActiveProcessorCount=1…32` measurements in
//! `tools/jvm-calibrate/results/cpu*.json`, which HotSpot printed as 1/2/4/8/13/23 ParallelGCThreads,
//! 1/1/1/2/3/6 ConcGCThreads, 2/2/3/4/12/15 CICompilerCount):
//! - `ParallelGCThreads` (`WorkerPolicy::nof_parallel_worker_threads`, switch point 8, fraction 5/8):
//!   cores ≤ 8 → cores, else 8 + (cores − 8)·5/8; `os::initial_active_processor_count`, so
//!   `-XX:ActiveProcessorCount` decides;
//! - `ConcGCThreads` (G1, `scale_concurrent_worker_threads` in `g1ConcurrentMark.cpp`):
//!   max((ParallelGCThreads + 2) / 4, 1);
//! - `G1ConcRefinementThreads` = `ParallelGCThreads` (`G1Arguments::initialize`);
//! - `CICompilerCount` with tiered compilation (`CompilationPolicy::initialize`,
//!   `CICompilerCountPerCPU`): max(log2(cpus)·log2(max(log2(cpus), 1))·3/2, 2), split C1 =
//!   max(count/3, 1), C2 = count − C1 (the code-cache cap on the count is not modelled: it only
//!   bites with a code cache of a few MiB).

pub use crate::compilation::{CodeCacheLayout, Compilation, DEFAULT_INITIAL_CODE_CACHE};

use memsim_core::JdkVersion;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// The collector, as `-XX:+UseG1GC` / `-XX:+UseParallelGC` / `-XX:+UseSerialGC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collector {
    /// G1 (the JDK 17 default on server-class machines).
    G1,
    /// Parallel (throughput collector).
    Parallel,
    /// Serial.
    Serial,
}

impl Collector {
    /// The HotSpot flag that selects it.
    pub const fn flag(self) -> &'static str {
        match self {
            Collector::G1 => "-XX:+UseG1GC",
            Collector::Parallel => "-XX:+UseParallelGC",
            Collector::Serial => "-XX:+UseSerialGC",
        }
    }
}

/// What the JVM sees of the machine.
#[derive(Debug, Clone, Copy)]
pub struct MachineView {
    /// Physical RAM in bytes.
    pub ram_bytes: u64,
    /// The container's memory limit, if any (JDK 17 uses it instead of RAM).
    pub container_limit_bytes: Option<u64>,
    /// Active processors.
    pub cores: u32,
}

/// Flags as given on the command line; `None` = not given.
#[derive(Debug, Clone, Copy, Default)]
pub struct JvmFlags {
    /// The JDK release (`jvm.version`; JDK 17 by default).
    pub jdk: JdkVersion,
    /// `-Xms`.
    pub heap_initial: Option<u64>,
    /// `-Xmx`.
    pub heap_max: Option<u64>,
    /// `-Xss`.
    pub thread_stack: Option<u64>,
    /// The collector.
    pub collector: Option<Collector>,
    /// `-XX:MaxDirectMemorySize`.
    pub max_direct_memory: Option<u64>,
    /// `-XX:MaxMetaspaceSize`.
    pub max_metaspace: Option<u64>,
    /// `-XX:ReservedCodeCacheSize`.
    pub reserved_code_cache: Option<u64>,
    /// `-XX:CompressedClassSpaceSize`.
    pub compressed_class_space: Option<u64>,
    /// `-XX:+AlwaysPreTouch`.
    pub always_pre_touch: bool,
    /// `-XX:ActiveProcessorCount`: the CPUs the JVM believes it has, instead of the machine's.
    pub active_processor_count: Option<u32>,
    /// `-XX:ParallelGCThreads`.
    pub parallel_gc_threads: Option<u32>,
    /// `-XX:ConcGCThreads` (G1).
    pub conc_gc_threads: Option<u32>,
    /// `-XX:CICompilerCount`.
    pub ci_compiler_count: Option<u32>,
    /// `-XX:MaxRAMPercentage`.
    pub max_ram_percentage: Option<f64>,
    /// `-XX:MinRAMPercentage`.
    pub min_ram_percentage: Option<f64>,
    /// `-XX:InitialRAMPercentage`.
    pub initial_ram_percentage: Option<f64>,
    /// `-XX:MaxRAM`: the memory the heap sizing believes in.
    pub max_ram: Option<u64>,
    /// `-XX:-UseContainerSupport` = `Some(false)`: the host's RAM, not the container limit.
    pub use_container_support: Option<bool>,
    /// `-XX:+/-TieredCompilation`.
    pub tiered_compilation: Option<bool>,
    /// `-XX:TieredStopAtLevel` (1–3: C1 only).
    pub tiered_stop_at_level: Option<u8>,
    /// `-XX:+/-SegmentedCodeCache`.
    pub segmented_code_cache: Option<bool>,
    /// `-XX:InitialCodeCacheSize`.
    pub initial_code_cache: Option<u64>,
}

/// `MaxHeapSize`'s default, `ScaleForWordSize(96 MiB)` on 64-bit: 96 MiB × 1.3, word aligned.
pub const DEFAULT_MAX_HEAP_SIZE: u64 = 130_862_280;
/// `MaxRAM`'s default on Linux x86_64 (server compiler): 128 GiB.
pub const DEFAULT_MAX_RAM: u64 = 128 * GIB;
/// `OldSize + NewSize` = `ScaleForWordSize(4 MiB) + ScaleForWordSize(1 MiB)`: the smallest
/// ergonomic initial heap (measured: 8 MiB after alignment with `-XX:MaxRAM=200m`).
const MIN_ERGONOMIC_INITIAL_HEAP: u64 = 5_452_592 + 1_363_144;
/// The card table's alignment constraint on the heap (512-byte cards × 4 KiB pages): every
/// collector's heap size is a multiple of 2 MiB (measured: `-XX:MaxRAM=400m` gives 126 MiB, not
/// the 125 MiB that G1's 1 MiB regions alone would give).
const CARD_TABLE_ALIGNMENT: u64 = 2 * MIB;

/// HotSpot's heap sizing before alignment (`Arguments::set_heap_size`, jdk17u `arguments.cpp`).
///
/// `os_physical` is `os::physical_memory()`: the container limit when container support is on
/// and a limit is set, else the machine's RAM. The RAM the percentages apply to is `-XX:MaxRAM`
/// when given; else, when any RAM percentage is given, `os_physical` uncapped; else
/// min(`os_physical`, 128 GiB). The maximum heap, unless `-Xmx`: MinRAMPercentage of that RAM
/// when it is below the default MaxHeapSize (small machines), else the larger of
/// MaxRAMPercentage of it and the default MaxHeapSize; capped just under 32 GiB for compressed
/// oops unless a RAM flag was given (HotSpot then turns compressed oops off instead); at least
/// `-Xms`. The initial heap, unless `-Xms`: InitialRAMPercentage of that RAM, at least
/// OldSize + NewSize, at most the maximum heap. Returns (max, initial), before alignment.
pub fn heap_sizes(os_physical: u64, flags: &JvmFlags) -> (u64, u64) {
    let overrides = flags.max_ram_percentage.is_some()
        || flags.min_ram_percentage.is_some()
        || flags.initial_ram_percentage.is_some()
        || flags.max_ram.is_some();
    let ram = match flags.max_ram {
        Some(m) => m,
        None if overrides => os_physical,
        None => os_physical.min(DEFAULT_MAX_RAM),
    };
    let percent = |p: f64| (ram as f64 * p / 100.0) as u64;
    let max = match flags.heap_max {
        Some(m) => m,
        None => {
            let reasonable_min = percent(flags.min_ram_percentage.unwrap_or(50.0));
            let mut v = if reasonable_min < DEFAULT_MAX_HEAP_SIZE {
                reasonable_min
            } else {
                percent(flags.max_ram_percentage.unwrap_or(25.0)).max(DEFAULT_MAX_HEAP_SIZE)
            };
            // Compressed oops cap the ergonomic heap just below 32 GiB.
            if !overrides {
                v = v.min(32 * GIB - 32 * MIB);
            }
            v.max(flags.heap_initial.unwrap_or(0))
        }
    };
    let initial = flags.heap_initial.unwrap_or_else(|| {
        percent(flags.initial_ram_percentage.unwrap_or(1.5625))
            .max(MIN_ERGONOMIC_INITIAL_HEAP.min(max))
            .min(max)
    });
    (max, initial)
}

/// The JVM's resolved configuration: every flag with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ergonomics {
    /// The JDK release whose memory is modelled.
    pub jdk: JdkVersion,
    /// The memory the JVM believes it has (container limit, else RAM).
    pub physical_bytes: u64,
    /// `InitialHeapSize`.
    pub heap_initial: u64,
    /// `MaxHeapSize`.
    pub heap_max: u64,
    /// `MinHeapSize`: the floor a full collection (or G1's Remark) may shrink the heap to. `-Xms`
    /// sets it with `InitialHeapSize`; without it the JVM takes `OldSize + NewSize` (5.2 + 1.3 MiB)
    /// aligned up: 8 MiB with G1 and Parallel in `-XX:+PrintFlagsFinal` here (JDK 17.0.15).
    pub heap_min: u64,
    /// The heap's sizing granule (G1 region size; 2 MiB for the others, approximating the generations' alignment).
    pub heap_alignment: u64,
    /// `ThreadStackSize`.
    pub thread_stack: u64,
    /// The collector.
    pub collector: Collector,
    /// `MaxDirectMemorySize`.
    pub max_direct_memory: u64,
    /// `MaxMetaspaceSize` (`u64::MAX` = unlimited, the default).
    pub max_metaspace: u64,
    /// `ReservedCodeCacheSize`.
    pub reserved_code_cache: u64,
    /// `CompressedClassSpaceSize`.
    pub compressed_class_space: u64,
    /// `AlwaysPreTouch`.
    pub always_pre_touch: bool,
    /// `os::active_processor_count()`: `-XX:ActiveProcessorCount`, else the machine's cores.
    pub active_processors: u32,
    /// `ParallelGCThreads`: the most STW GC workers (0 with Serial, which has none).
    pub parallel_gc_threads: u32,
    /// Whether `ParallelGCThreads` was given: then every worker starts at the first collection
    /// (`WorkerPolicy::calc_active_workers` skips its heuristic).
    pub parallel_gc_threads_explicit: bool,
    /// `ConcGCThreads`: the most concurrent-marking workers (G1; 0 otherwise).
    pub conc_gc_threads: u32,
    /// Whether `ConcGCThreads` was given (then all of them mark).
    pub conc_gc_threads_explicit: bool,
    /// `G1ConcRefinementThreads` (G1; 0 otherwise).
    pub refinement_threads: u32,
    /// `CICompilerCount`: C1 plus C2 compiler threads at most.
    pub ci_compiler_count: u32,
    /// C1 compiler threads at most (a third of `CICompilerCount`, at least 1).
    pub c1_threads: u32,
    /// C2 compiler threads at most (the rest).
    pub c2_threads: u32,
    /// Which JIT compilers run.
    pub compilation: Compilation,
    /// The code cache's shape.
    pub code_cache: CodeCacheLayout,
    /// Threads the JVM itself runs right after startup (VM thread, GC, compiler, signal, reference handler, …);
    /// GC workers and compiler threads are added later on demand (see `threads::JvmThreads`).
    pub jvm_threads: u32,
}

/// `WorkerPolicy::nof_parallel_worker_threads` (5/8 of the CPUs past the eighth).
pub fn default_parallel_gc_threads(cpus: u32) -> u32 {
    let cpus = cpus.max(1);
    if cpus <= 8 {
        cpus
    } else {
        8 + (cpus - 8) * 5 / 8
    }
}

/// G1's default `ConcGCThreads`: a quarter of the STW workers, rounded, at least one.
pub fn default_conc_gc_threads(parallel_gc_threads: u32) -> u32 {
    ((parallel_gc_threads + 2) / 4).max(1)
}

/// Tiered `CICompilerCount`: log2(n)·log2(log2(n))·3/2, at least 2 (integer logarithms, rounded down).
pub fn default_ci_compiler_count(cpus: u32) -> u32 {
    let log = cpus.max(1).ilog2();
    let loglog = log.max(1).ilog2();
    (log * loglog * 3 / 2).max(2)
}

fn align_up(x: u64, a: u64) -> u64 {
    x.div_ceil(a).saturating_mul(a)
}

/// G1's region size for a maximum heap: max/2048 rounded *up* to a power of two, clamped to
/// 1..=32 MiB (measured with `tools/jvm-calibrate`: 3g → 2 MiB, 6028m and 8g → 4 MiB).
pub fn g1_region_size(heap_max: u64) -> u64 {
    (heap_max / 2048).clamp(MIB, 32 * MIB).next_power_of_two()
}

impl Ergonomics {
    /// Resolves the flags against the machine as HotSpot does.
    pub fn resolve(machine: MachineView, flags: JvmFlags) -> Ergonomics {
        let physical = match machine.container_limit_bytes {
            Some(l) if flags.use_container_support != Some(false) => l.min(machine.ram_bytes),
            _ => machine.ram_bytes,
        };
        let cpus = flags.active_processor_count.unwrap_or(machine.cores).max(1);
        let collector = flags
            .collector
            .unwrap_or(if cpus >= 2 && physical >= 1792 * MIB {
                Collector::G1
            } else {
                Collector::Serial
            });
        let (heap_max_raw, heap_initial_raw) = heap_sizes(physical, &flags);
        let alignment = match collector {
            Collector::G1 => g1_region_size(heap_max_raw),
            Collector::Parallel | Collector::Serial => 2 * MIB,
        };
        let size_alignment = alignment.max(CARD_TABLE_ALIGNMENT);
        let heap_max = align_up(heap_max_raw.max(alignment), size_alignment);
        let heap_initial = align_up(heap_initial_raw.max(alignment), size_alignment).min(heap_max);
        let heap_min = match flags.heap_initial {
            Some(_) => heap_initial,
            None => align_up(8 * MIB, size_alignment).min(heap_initial),
        };
        let parallel_gc_threads = match collector {
            Collector::Serial => 0,
            _ => flags
                .parallel_gc_threads
                .unwrap_or_else(|| default_parallel_gc_threads(cpus)),
        };
        let conc_gc_threads = match collector {
            Collector::G1 => flags
                .conc_gc_threads
                .unwrap_or_else(|| default_conc_gc_threads(parallel_gc_threads)),
            _ => 0,
        };
        let refinement_threads = match collector {
            Collector::G1 => parallel_gc_threads,
            _ => 0,
        };
        let compilation =
            Compilation::from_flags(flags.tiered_compilation, flags.tiered_stop_at_level);
        let code_cache = CodeCacheLayout::resolve(
            compilation,
            flags.reserved_code_cache,
            flags.segmented_code_cache,
            flags.initial_code_cache,
        );
        // `CompilationPolicy::initialize`: C1-only and C2-only JVMs give every compiler thread to
        // their one compiler and accept one thread (measured: TieredStopAtLevel=1 with 16 CPUs,
        // CICompilerCount 12 as tiered; with CICompilerCount=1 it starts, tiered refuses).
        let ci_compiler_count = flags
            .ci_compiler_count
            .unwrap_or_else(|| default_ci_compiler_count(cpus))
            .max(if compilation == Compilation::Tiered {
                2
            } else {
                1
            });
        let (c1_threads, c2_threads) = match compilation {
            Compilation::Tiered => {
                let c1 = (ci_compiler_count / 3).max(1);
                (c1, ci_compiler_count - c1)
            }
            Compilation::C1Only => (ci_compiler_count, 0),
            Compilation::C2Only => (0, ci_compiler_count),
        };
        let (c1_start, c2_start) =
            crate::threads::JvmThreads::startup_compilers(compilation, c1_threads, c2_threads);
        let jvm_threads =
            crate::threads::JvmThreads::at_startup(collector) - 2 + c1_start + c2_start
                - crate::jdk21::threads_removed(flags.jdk);
        Ergonomics {
            jdk: flags.jdk,
            physical_bytes: physical,
            heap_initial,
            heap_max,
            heap_min,
            heap_alignment: alignment,
            thread_stack: flags.thread_stack.unwrap_or(MIB),
            collector,
            max_direct_memory: flags.max_direct_memory.unwrap_or(heap_max),
            max_metaspace: flags.max_metaspace.unwrap_or(u64::MAX),
            reserved_code_cache: code_cache.reserved,
            compressed_class_space: flags.compressed_class_space.unwrap_or(GIB),
            always_pre_touch: flags.always_pre_touch,
            active_processors: cpus,
            parallel_gc_threads,
            parallel_gc_threads_explicit: flags.parallel_gc_threads.is_some(),
            conc_gc_threads,
            conc_gc_threads_explicit: flags.conc_gc_threads.is_some(),
            refinement_threads,
            ci_compiler_count,
            c1_threads,
            c2_threads,
            compilation,
            code_cache,
            jvm_threads,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `MinHeapSize`: `-Xms` when given, else 8 MiB (`-XX:+PrintFlagsFinal`, G1 and Parallel).
    #[test]
    fn min_heap_size_is_xms_or_8_mib() {
        let m = MachineView {
            ram_bytes: 24 << 30,
            container_limit_bytes: None,
            cores: 2,
        };
        for c in [Collector::G1, Collector::Parallel] {
            let f = |xms| JvmFlags {
                heap_initial: xms,
                heap_max: Some(1 << 30),
                collector: Some(c),
                ..JvmFlags::default()
            };
            assert_eq!(Ergonomics::resolve(m, f(None)).heap_min, 8 * MIB, "{c:?}");
            assert_eq!(
                Ergonomics::resolve(m, f(Some(256 * MIB))).heap_min,
                256 * MIB
            );
        }
    }

    fn machine(ram: u64, cores: u32) -> MachineView {
        MachineView {
            ram_bytes: ram,
            container_limit_bytes: None,
            cores,
        }
    }

    #[test]
    fn defaults_follow_ram() {
        let e = Ergonomics::resolve(machine(24 * GIB, 2), JvmFlags::default());
        assert_eq!(e.collector, Collector::G1);
        assert_eq!(e.heap_max, 6 * GIB);
        assert_eq!(e.heap_initial, 384 * MIB);
        assert_eq!(e.max_direct_memory, e.heap_max);
        assert_eq!(e.thread_stack, MIB);
        assert_eq!(e.reserved_code_cache, 240 * MIB);
    }

    #[test]
    fn single_cpu_or_small_ram_is_serial() {
        assert_eq!(
            Ergonomics::resolve(machine(8 * GIB, 1), JvmFlags::default()).collector,
            Collector::Serial
        );
        assert_eq!(
            Ergonomics::resolve(machine(GIB, 4), JvmFlags::default()).collector,
            Collector::Serial
        );
    }

    #[test]
    fn container_limit_is_the_ram_jdk17_sees() {
        let m = MachineView {
            ram_bytes: 64 * GIB,
            container_limit_bytes: Some(4 * GIB),
            cores: 4,
        };
        assert_eq!(Ergonomics::resolve(m, JvmFlags::default()).heap_max, GIB);
    }

    #[test]
    fn explicit_flags_win_and_xms_alone_raises_max() {
        let f = JvmFlags {
            heap_initial: Some(8 * GIB),
            ..JvmFlags::default()
        };
        let e = Ergonomics::resolve(machine(12 * GIB, 8), f);
        assert_eq!(e.heap_max, 8 * GIB);
        assert_eq!(e.heap_initial, 8 * GIB);
        assert_eq!(e.parallel_gc_threads, 8);
        let e = Ergonomics::resolve(machine(12 * GIB, 32), JvmFlags::default());
        assert_eq!(e.parallel_gc_threads, 23);
    }

    #[test]
    fn thread_counts_follow_the_cpus_as_measured() {
        // tools/jvm-calibrate/results/cpu{1,2,4,8,16,32}-g1-512m-idle.json: VM.flags -all.
        let measured = [
            (1, 1, 1, 2),
            (2, 2, 1, 2),
            (4, 4, 1, 3),
            (8, 8, 2, 4),
            (16, 13, 3, 12),
            (32, 23, 6, 15),
        ];
        for (cpus, pgc, cgc, ci) in measured {
            let f = JvmFlags {
                active_processor_count: Some(cpus),
                collector: Some(Collector::G1),
                ..JvmFlags::default()
            };
            // The machine's own cores do not matter once ActiveProcessorCount is given.
            let e = Ergonomics::resolve(machine(24 * GIB, 2), f);
            assert_eq!(
                (
                    e.parallel_gc_threads,
                    e.conc_gc_threads,
                    e.refinement_threads,
                    e.ci_compiler_count
                ),
                (pgc, cgc, pgc, ci),
                "{cpus} CPUs"
            );
            assert_eq!(e.c1_threads + e.c2_threads, ci);
            assert_eq!(e.active_processors, cpus);
        }
        let e = Ergonomics::resolve(machine(24 * GIB, 32), JvmFlags::default());
        assert_eq!((e.c1_threads, e.c2_threads), (5, 10));
        assert_eq!(default_parallel_gc_threads(72), 48);
    }

    #[test]
    fn explicit_thread_flags_win() {
        let f = JvmFlags {
            parallel_gc_threads: Some(3),
            conc_gc_threads: Some(2),
            ci_compiler_count: Some(6),
            collector: Some(Collector::G1),
            ..JvmFlags::default()
        };
        let e = Ergonomics::resolve(machine(24 * GIB, 32), f);
        assert_eq!((e.parallel_gc_threads, e.conc_gc_threads), (3, 2));
        assert!(e.parallel_gc_threads_explicit && e.conc_gc_threads_explicit);
        assert_eq!((e.c1_threads, e.c2_threads), (2, 4));
        // ActiveProcessorCount=1 makes a 32-core machine a client-class one: Serial, no GC workers.
        let f = JvmFlags {
            active_processor_count: Some(1),
            ..JvmFlags::default()
        };
        let e = Ergonomics::resolve(machine(24 * GIB, 32), f);
        assert_eq!(e.collector, Collector::Serial);
        assert_eq!((e.parallel_gc_threads, e.conc_gc_threads), (0, 0));
    }

    /// `java -XX:+UseG1GC <flags> -XX:+PrintFlagsFinal -version` on JDK 17.0.15 (2 CPUs, 23.5 GiB
    /// RAM): MaxHeapSize and InitialHeapSize; `tools/jvm-flags/README.md` has the runs.
    #[test]
    fn ram_percentages_as_measured() {
        let host = 25_276_194_816;
        type Case = (
            Option<u64>,
            Option<f64>,
            Option<f64>,
            Option<f64>,
            Option<u64>,
            u64,
            u64,
        );
        let cases: [Case; 11] = [
            // MaxRAM, MaxRAMPercentage, MinRAMPercentage, InitialRAMPercentage, -Xms → max, initial
            (
                Some(4 * GIB),
                None,
                None,
                None,
                None,
                1_073_741_824,
                67_108_864,
            ),
            (
                Some(4 * GIB),
                Some(75.0),
                None,
                None,
                None,
                3_221_225_472,
                67_108_864,
            ),
            // Small RAM: MinRAMPercentage (50 %) of it, below the default MaxHeapSize.
            (
                Some(200 * MIB),
                None,
                None,
                None,
                None,
                104_857_600,
                8_388_608,
            ),
            (
                Some(200 * MIB),
                None,
                Some(25.0),
                None,
                None,
                52_428_800,
                8_388_608,
            ),
            // Half of 400m is above the default MaxHeapSize (124.8 MiB): at least that, 2 MiB aligned.
            (
                Some(400 * MIB),
                None,
                None,
                None,
                None,
                132_120_576,
                8_388_608,
            ),
            // The initial heap is capped at the maximum.
            (
                Some(GIB),
                None,
                None,
                Some(50.0),
                None,
                268_435_456,
                268_435_456,
            ),
            (
                Some(8 * GIB),
                Some(50.0),
                None,
                Some(10.0),
                None,
                4_294_967_296,
                859_832_320,
            ),
            (
                Some(2 * GIB),
                Some(90.0),
                None,
                None,
                None,
                1_933_574_144,
                33_554_432,
            ),
            (
                Some(4 * GIB),
                None,
                None,
                None,
                Some(3 * GIB),
                3_221_225_472,
                3_221_225_472,
            ),
            // A RAM flag lifts the compressed-oops cap (HotSpot turns compressed oops off).
            (
                Some(100 * GIB),
                Some(50.0),
                None,
                None,
                None,
                53_687_091_200,
                1_677_721_600,
            ),
            // No MaxRAM: the machine's RAM.
            (
                None,
                Some(75.0),
                None,
                None,
                None,
                18_958_254_080,
                402_653_184,
            ),
        ];
        for (max_ram, max_pct, min_pct, init_pct, xms, want_max, want_initial) in cases {
            let f = JvmFlags {
                collector: Some(Collector::G1),
                max_ram,
                max_ram_percentage: max_pct,
                min_ram_percentage: min_pct,
                initial_ram_percentage: init_pct,
                heap_initial: xms,
                ..JvmFlags::default()
            };
            let e = Ergonomics::resolve(machine(host, 2), f);
            assert_eq!(
                (e.heap_max, e.heap_initial),
                (want_max, want_initial),
                "{f:?}"
            );
        }
        // Serial, `-XX:MaxRAM=1g -XX:MaxRAMPercentage=33`: 338 MiB and 16 MiB measured.
        let f = JvmFlags {
            collector: Some(Collector::Serial),
            max_ram: Some(GIB),
            max_ram_percentage: Some(33.0),
            ..JvmFlags::default()
        };
        let e = Ergonomics::resolve(machine(host, 2), f);
        assert_eq!((e.heap_max, e.heap_initial), (354_418_688, 16_777_216));
    }

    #[test]
    fn percentages_apply_to_the_container_limit_unless_container_support_is_off() {
        let m = MachineView {
            ram_bytes: 64 * GIB,
            container_limit_bytes: Some(2 * GIB),
            cores: 2,
        };
        let f = JvmFlags {
            max_ram_percentage: Some(75.0),
            ..JvmFlags::default()
        };
        assert_eq!(Ergonomics::resolve(m, f).heap_max, 1536 * MIB);
        let f = JvmFlags {
            use_container_support: Some(false),
            ..f
        };
        assert_eq!(Ergonomics::resolve(m, f).heap_max, 48 * GIB);
        // Without a RAM flag the heap stays under the compressed-oops limit, and MaxRAM (128 GiB) caps RAM.
        let big = machine(512 * GIB, 8);
        assert_eq!(
            Ergonomics::resolve(big, JvmFlags::default()).heap_max,
            32 * GIB - 32 * MIB
        );
    }

    #[test]
    fn g1_regions() {
        assert_eq!(g1_region_size(GIB), MIB);
        assert_eq!(g1_region_size(2 * GIB), MIB);
        assert_eq!(g1_region_size(4 * GIB), 2 * MIB);
        assert_eq!(g1_region_size(31 * GIB), 16 * MIB);
        assert_eq!(g1_region_size(3 * GIB), 2 * MIB);
        assert_eq!(g1_region_size(8 * GIB), 4 * MIB);
        assert_eq!(g1_region_size(1 << 40), 32 * MIB);
    }
}
