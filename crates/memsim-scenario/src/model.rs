//! The validated scenario: what the engine runs. Every field has passed validation, so the engine
//! never re-checks user input. `None` means "not set in the file": the engine then applies the real
//! system's default (HotSpot ergonomics, Netty's and Neo4j's defaults), so reports can tell what the
//! user configured from what the defaults chose.

use memsim_core::{Dist, JdkVersion, SimDuration, SimTime};

/// A whole scenario file, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `[scenario] name`: shown in reports; defaults to the file's stem.
    pub name: String,
    /// `[scenario] description`: free text for reports; empty by default.
    pub description: String,
    /// `[scenario] seed` (default 1); `memsim run --seed N` overrides it.
    pub seed: u64,
    /// `[scenario] duration`: simulated length of the run (required, > 0).
    pub duration: SimDuration,
    /// `[scenario] sample_every`: time-series interval (default `1s`, > 0, at most 1,000,000 samples per run).
    pub sample_every: SimDuration,
    /// `[scenario] max_events`: the engine stops with an error event after this many simulated events (default 50,000,000).
    pub max_events: u64,
    /// `[machine]`.
    pub machine: Machine,
    /// `[jvm]`.
    pub jvm: JvmSettings,
    /// `[netty]`.
    pub netty: NettySettings,
    /// `[page_cache]`; `None` when the table is absent (a process without a database page cache).
    pub page_cache: Option<PageCacheSettings>,
    /// `[database]`; `None` when absent. A scenario has a database (and a page cache) when it has
    /// `[page_cache]` or `[database]`.
    pub database: Option<crate::database::DatabaseSettings>,
    /// `[[phase]]` tables, in file order.
    pub phases: Vec<Phase>,
    /// What the parser accepted but memsim does not model (JVM flags it ignores, …), in source
    /// order: `memsim check` and `memsim run` print them on stderr.
    pub warnings: Vec<crate::ScenarioError>,
}

/// `[machine]`: where the process runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    /// `ram`: physical memory (required, > 0).
    pub ram: u64,
    /// `container_limit`: a cgroup memory limit (e.g. Kubernetes `limits.memory`); `None` = no container.
    pub container_limit: Option<u64>,
    /// `cores`: CPUs the JVM sees (default 4, 1..=1024); drives ergonomics and Netty's arena count.
    pub cores: u32,
    /// `os_reserved`: memory used by the kernel and other processes, unavailable to this one (default 0).
    pub os_reserved: u64,
    /// `max_threads`: the most threads the process may have (the container's `pids.max`, or
    /// `ulimit -u` for a process alone under its user); `None` = no such limit.
    pub max_threads: Option<u64>,
    /// `cpu_limit`: the container's CPU quota in whole CPUs (quota / period, rounded up), which JDK 17
    /// takes as its processor count; glibc does not see it. `None` = no quota.
    pub cpu_limit: Option<u32>,
    /// `address_space`: the process's address-space limit (`ulimit -v`, `RLIMIT_AS`); `None` = none.
    pub address_space: Option<u64>,
}

/// `class_profile`: the kind of classes a phase loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassProfile {
    /// `"application"`: classes compiled by javac from real code (the default).
    Application,
    /// `"thin"`: tiny generated classes like the calibration workload's (4 int fields,
    /// `methods_per_class` static methods of a few bytes).
    Thin,
}

/// The JVM's garbage collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collector {
    /// `g1` (`-XX:+UseG1GC`).
    G1,
    /// `parallel` (`-XX:+UseParallelGC`).
    Parallel,
    /// `serial` (`-XX:+UseSerialGC`).
    Serial,
}

/// `[jvm]`: HotSpot flags. `None` = the flag was not given; ergonomics decide.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JvmSettings {
    /// `version`: the JDK release modelled, 17 (the default) or 21.
    pub version: JdkVersion,
    /// `heap.initial` (`-Xms`).
    pub heap_initial: Option<u64>,
    /// `heap.max` (`-Xmx`).
    pub heap_max: Option<u64>,
    /// `thread_stack` (`-Xss`), at least 64 KiB.
    pub thread_stack: Option<u64>,
    /// `gc`: `"g1"`, `"parallel"` or `"serial"`.
    pub gc: Option<Collector>,
    /// `max_direct_memory` (`-XX:MaxDirectMemorySize`).
    pub max_direct_memory: Option<u64>,
    /// `max_metaspace` (`-XX:MaxMetaspaceSize`).
    pub max_metaspace: Option<u64>,
    /// `reserved_code_cache` (`-XX:ReservedCodeCacheSize`).
    pub reserved_code_cache: Option<u64>,
    /// `compressed_class_space` (`-XX:CompressedClassSpaceSize`).
    pub compressed_class_space: Option<u64>,
    /// `always_pre_touch` (`-XX:+AlwaysPreTouch`), default false.
    pub always_pre_touch: bool,
    /// `active_processor_count` (`-XX:ActiveProcessorCount`): CPUs the JVM believes it has.
    pub active_processor_count: Option<u32>,
    /// `parallel_gc_threads` (`-XX:ParallelGCThreads`).
    pub parallel_gc_threads: Option<u32>,
    /// `conc_gc_threads` (`-XX:ConcGCThreads`, G1).
    pub conc_gc_threads: Option<u32>,
    /// `ci_compiler_count` (`-XX:CICompilerCount`), at least 2 with tiered compilation.
    pub ci_compiler_count: Option<u32>,
    /// `malloc_arena_max`: the `MALLOC_ARENA_MAX` environment variable of the process (glibc).
    pub malloc_arena_max: Option<u32>,
    /// `-XX:MaxRAMPercentage` (from `flags` / `java_tool_options` only).
    pub max_ram_percentage: Option<f64>,
    /// `-XX:MinRAMPercentage` (flags only).
    pub min_ram_percentage: Option<f64>,
    /// `-XX:InitialRAMPercentage` (flags only).
    pub initial_ram_percentage: Option<f64>,
    /// `-XX:MaxRAM` (flags only).
    pub max_ram: Option<u64>,
    /// `-XX:+/-UseContainerSupport` (flags only); `None` = on, HotSpot's default.
    pub use_container_support: Option<bool>,
    /// `-XX:+/-TieredCompilation` (flags only).
    pub tiered_compilation: Option<bool>,
    /// `-XX:TieredStopAtLevel` 1–4 (flags only; 1–3 = C1 only).
    pub tiered_stop_at_level: Option<u8>,
    /// `-XX:+/-SegmentedCodeCache` (flags only).
    pub segmented_code_cache: Option<bool>,
    /// `-XX:InitialCodeCacheSize` (flags only).
    pub initial_code_cache: Option<u64>,
}

/// `[netty]`: Netty's `io.netty.*` system properties for the pooled allocator (the defaults of
/// the `model`'s version where a key is not set).
#[derive(Debug, Clone, PartialEq)]
pub struct NettySettings {
    /// `max_direct_memory` (`io.netty.maxDirectMemory`): negative (default -1) = Netty's own counter
    /// capped at the JVM's max direct memory; 0 = no Netty counter, JDK `ByteBuffer.allocateDirect`
    /// accounting; positive = Netty's counter capped at this many bytes. Accepts sizes (`"6g"`) or integers.
    pub max_direct_memory: i64,
    /// `page_size` (`io.netty.allocator.pageSize`, default 8192): a power of two ≥ 4096.
    pub page_size: u64,
    /// `max_order` (`io.netty.allocator.maxOrder`, default 11 for 4.1.48, 9 for 4.1.118, at most
    /// 14); chunk = page_size << max_order ≤ 1 GiB.
    pub max_order: u32,
    /// `direct_arenas` (`io.netty.allocator.numDirectArenas`); `None` = Netty's formula.
    pub direct_arenas: Option<u32>,
    /// `use_cache_for_all_threads` (`io.netty.allocator.useCacheForAllThreads`, default true in
    /// 4.1.48, false in 4.1.118).
    pub use_cache_for_all_threads: bool,
    /// `model`: which pool model serves Netty's buffers (default `"4.1.48"`).
    pub model: NettyModel,
}

/// The model of Netty's pooled allocator. `netty.model = "4.2.13"` is read as the variant Netty
/// 4.2.13's default selection gives for `netty.allocator_type` (adaptive with plain threads, or
/// 4.1.118's pooled model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NettyModel {
    /// `"4.1.48"`: Netty 4.1.48's `PooledByteBufAllocator`, exact (checked against the real jar).
    Netty41,
    /// `"4.1.118"` (or `"4.2.13-pooled"`): Netty 4.1.118's `PooledByteBufAllocator`, exact (checked
    /// against the real 4.1.118 and 4.2.13 jars).
    Netty41118,
    /// `"approx"`: the first, approximate pool (first fit, no thread caches); faster, less faithful.
    Approx,
    /// `"4.2.13-adaptive"`: Netty 4.2.13's `AdaptiveByteBufAllocator` (4.2's default allocator),
    /// exact for one operation at a time (checked against the real jar), the phases' threads plain
    /// threads sharing its magazines; `"4.2.13-adaptive-event-loop"`: the same with the threads as
    /// event-loop threads, each with its own thread-local magazines.
    Netty42Adaptive {
        /// The threads are event-loop threads (thread-local magazines).
        event_loop_threads: bool,
    },
}

impl Default for NettySettings {
    fn default() -> Self {
        NettySettings {
            max_direct_memory: -1,
            page_size: 8192,
            max_order: 11,
            direct_arenas: None,
            use_cache_for_all_threads: true,
            model: NettyModel::Netty41,
        }
    }
}

/// `[page_cache]`: the database's own off-heap page cache.
#[derive(Debug, Clone, PartialEq)]
pub struct PageCacheSettings {
    /// `size` (`server.memory.pagecache.size`); `None` = Neo4j's heuristic.
    pub size: Option<u64>,
}

/// Which path a request's direct buffer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectPath {
    /// `"netty"` (default): Netty's pooled allocator.
    Netty,
    /// `"jdk"`: `ByteBuffer.allocateDirect`, one buffer per request, capped by `MaxDirectMemorySize`.
    Jdk,
}

/// `[phase.requests]`: a Poisson stream of requests served by the phase's threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Requests {
    /// `rate`: mean requests per second (`"3000/s"`, `"50/ms"`, `"90/m"`), > 0 and ≤ 10,000,000/s.
    pub rate_per_sec: f64,
    /// `buffer`: direct-buffer bytes each request allocates (a size distribution; default `0` = none).
    pub buffer: Dist,
    /// `hold`: how long the request keeps its buffer and heap (a duration distribution; default `0`).
    pub hold: Dist,
    /// `heap`: heap bytes live while the request is held, garbage afterwards (a size distribution; default `0`).
    pub heap: Dist,
    /// `direct`: `"netty"` or `"jdk"`.
    pub direct: DirectPath,
    /// `page_reads` and its keys: store pages each request reads through the page cache.
    pub page_reads: Option<crate::page_reads::RequestPageReads>,
}

/// `[[phase]]`: one stretch of workload on the timeline. Phases may overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// `name` (required, non-empty).
    pub name: String,
    /// `start`: when the phase begins (default: when the previous phase ends; 0 for the first).
    pub start: SimTime,
    /// `duration` (required, > 0; `start + duration` ≤ the scenario's duration).
    pub duration: SimDuration,
    /// `threads`: application threads alive during the phase (default 0, at most 100,000).
    pub threads: u32,
    /// `stack_touched`: stack bytes each of those threads touches (default 88 KiB, at most its `thread_stack`).
    pub stack_touched: u64,
    /// `heap_live`: bytes added to the live heap over the phase, kept afterwards (default 0).
    pub heap_live: u64,
    /// `heap_released`: live heap bytes that become garbage at the phase's end (default 0; at
    /// most what is live then).
    pub heap_released: u64,
    /// `system_gc`: `System.gc()` at the phase's end, after `heap_released` (default false).
    pub system_gc: bool,
    /// `heap_churn`: short-lived heap allocation rate in bytes per second (`"200m/s"`; default 0).
    pub heap_churn_per_sec: u64,
    /// `classes`: classes loaded over the phase (default 0, at most 10,000,000).
    pub classes: u64,
    /// `methods_per_class` (default 8, 1..=65535): methods of each `thin` class.
    pub methods_per_class: u32,
    /// `class_profile`: what the phase's `classes` look like (default [`ClassProfile::Application`]).
    pub class_profile: ClassProfile,
    /// `class_file_bytes`: the average class-file size of `application` classes (default 3921 B,
    /// the fit libraries'; 256 B..=1 MiB).
    pub class_file_bytes: u64,
    /// `compiled_methods`: methods the JIT compiles over the phase (default 0).
    pub compiled_methods: u64,
    /// `page_cache_touch`: distinct store bytes read into the page cache over the phase (default 0).
    pub page_cache_touch: u64,
    /// `class_loaders`: custom class loaders the phase's `classes` are spread over (default 0: the application loader).
    pub class_loaders: u64,
    /// `hidden_classes`: hidden classes (`Lookup.defineHiddenClass`, lambdas' kind) defined over the phase (default 0).
    pub hidden_classes: u64,
    /// `direct_memory`: bytes allocated with `ByteBuffer.allocateDirect` (1 MiB buffers) over the phase and kept (default 0).
    pub direct_memory: u64,
    /// `unsafe_memory`: bytes allocated with `Unsafe.allocateMemory` and written over the phase, kept (default 0).
    pub unsafe_memory: u64,
    /// `mapped_files`: bytes of memory-mapped files read (touched) over the phase (default 0).
    pub mapped_files: u64,
    /// `mapped_files_hot`: the part of `mapped_files` read again and again (an index's hot part):
    /// the kernel keeps it on the active list, and reclaiming it means thrashing (default 0).
    pub mapped_files_hot: u64,
    /// `mapped_files_written`: whether `mapped_files` are written through a shared mapping
    /// (`FileChannel.map(READ_WRITE)`), so their pages are dirty until written back (default false).
    pub mapped_files_written: bool,
    /// `fulltext_read`: the share (0 to 1) of the database's full-text (Lucene) indexes the phase's
    /// queries read through their memory mappings, spread evenly over the phase (default 0);
    /// reading again what an earlier phase read faults nothing more in (`[database] fulltext_*`).
    pub fulltext_read: f64,
    /// `written_files`: bytes of files written with `write()` over the phase: page cache charged to
    /// the container, dirty until written back, not in RSS (default 0).
    pub written_files: u64,
    /// `malloc_per_thread`: native memory each of the phase's threads keeps malloc'd through libraries
    /// NMT does not see (zlib, JNI code), while the thread lives (default 0).
    pub malloc_per_thread: u64,
    /// `virtual_threads`: JDK 21 virtual threads started at the phase's start, parked until its end
    /// (default 0; needs `jvm.version = 21`).
    pub virtual_threads: u64,
    /// `virtual_thread_stack`: the frames' bytes each of those virtual threads holds while parked,
    /// copied to the heap (default 0: only the thread's own objects).
    pub virtual_thread_stack: u64,
    /// `[phase.requests]`; requires `threads` ≥ 1.
    pub requests: Option<Requests>,
    /// `[phase.db]`: an operation on the database; requires `[page_cache]` or `[database]`.
    pub db: Option<crate::database::PhaseDb>,
}

impl Scenario {
    /// Whether the process has a database (and its page cache).
    pub fn has_database(&self) -> bool {
        self.page_cache.is_some() || self.database.is_some()
    }
}

impl Phase {
    /// When the phase ends.
    pub fn end(&self) -> SimTime {
        self.start.after(self.duration)
    }
}
