//! The teaching part of the HTML report: for every account, in plain words, what the memory is,
//! the mechanism that makes it grow beyond what the flags seem to promise, and where that rule
//! comes from.
//!
//! Sources are cited by project and file (or document), never copied: the reader can open them.
//! Paths are those of jdk17u, Netty 4.1, Neo4j 4.x/5.x, glibc and Linux at the versions memsim
//! models. Every [`memsim_core::Account`] has an entry (tested), so a new account cannot reach
//! the report unexplained.

/// One source of a rule: who publishes it and where to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Source {
    /// The project: `OpenJDK 17`, `Netty 4.1`, `Neo4j`, `glibc`, `Linux`.
    pub(crate) project: &'static str,
    /// The file, class or document, as the project names it.
    pub(crate) location: &'static str,
}

/// What an account is and why it grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Explanation {
    /// What this memory is, in one sentence.
    pub(crate) what: &'static str,
    /// The mechanism: why it is there although no flag seems to ask for it, what bounds it.
    pub(crate) mechanism: &'static str,
    /// What to do about it when it is too large.
    pub(crate) remedy: &'static str,
    /// Where the rule comes from.
    pub(crate) sources: &'static [Source],
}

const fn src(project: &'static str, location: &'static str) -> Source {
    Source { project, location }
}

const JDK: &str = "OpenJDK 17";

/// The explanation of the account named `name` (as in `report.json`), if memsim knows it, for a
/// run whose collector is `collector` (its `-XX:+Use…GC` flag): the GC's structures differ by
/// collector.
pub(crate) fn explanation(name: &str, collector: &str) -> Option<&'static Explanation> {
    if name == "GC" && !collector.contains("G1") {
        return Some(&GC_WITHOUT_REMEMBERED_SETS);
    }
    EXPLANATIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, e)| e)
}

/// The GC's structures under Parallel and Serial, which have no remembered sets.
static GC_WITHOUT_REMEMBERED_SETS: Explanation = Explanation {
    what: "The garbage collector's own data structures, off the heap.",
    mechanism: "Parallel and Serial keep a card table (one byte per 512 bytes of heap) to find old-to-young references, and Parallel's full collections a marking bitmap over the whole heap; Parallel adds the task queues of every GC worker thread (ParallelGCThreads, from the CPU count). These are sized by the heap's maximum and the worker count, so they grow little during a run, but no flag bounds them directly.",
    remedy: "Fewer GC threads (-XX:ParallelGCThreads) shrink the queues; the rest follows -Xmx.",
    sources: &[
        src(JDK, "src/hotspot/share/gc/shared/cardTable.hpp"),
        src(JDK, "src/hotspot/share/gc/parallel/parMarkBitMap.hpp"),
        src(JDK, "src/hotspot/share/gc/shared/taskqueue.hpp"),
    ],
};

/// Every account's explanation, by account name.
static EXPLANATIONS: &[(&str, Explanation)] = &[
    (
        "Java Heap",
        Explanation {
            what: "The objects of the Java program, managed by the garbage collector.",
            mechanism: "The JVM reserves -Xmx of address space at start and commits it as the collector sizes the heap between -Xms and -Xmx (after each collection, from the free-ratio and GC-time goals). Without -Xmx the maximum is a share of the machine's or container's memory (MaxRAMPercentage, 25 % by default). The heap is the one term most people budget for, and it is bounded: it never grows past -Xmx.",
            remedy: "Size -Xmx to the live data plus room for the collector to work; set -Xms equal to it when the memory is reserved for the JVM anyway.",
            sources: &[
                src(
                    JDK,
                    "src/hotspot/share/runtime/arguments.cpp (Arguments::set_heap_size)",
                ),
                src(JDK, "src/hotspot/share/gc/shared/gcArguments.cpp"),
            ],
        },
    ),
    (
        "Netty Direct",
        Explanation {
            what: "Netty's pooled off-heap buffers: chunks (16 MiB in Netty 4.1.48, 8 KiB pages << maxOrder 11; 4 MiB from 4.1.52 on, maxOrder 9) carved into the buffers requests use, plus per-thread caches of recently freed ones.",
            mechanism: "Direct memory is outside the heap, so -Xmx does not bound it. Its own limit, -XX:MaxDirectMemorySize, defaults to the maximum heap size when not set: a 4 GiB heap silently allows another 4 GiB of direct buffers. Netty counts its allocations against io.netty.maxDirectMemory (by default that same limit) and throws OutOfDirectMemoryError past it. A chunk stays allocated while any buffer in it is in use, and thread caches keep freed buffers for reuse, so the pool's footprint follows the peak of concurrent requests, not their average.",
            remedy: "Set -XX:MaxDirectMemorySize (or io.netty.maxDirectMemory) explicitly and count it in the budget; fewer arenas or smaller caches trade speed for memory.",
            sources: &[
                src(
                    JDK,
                    "src/java.base/share/classes/jdk/internal/misc/VM.java (maxDirectMemory)",
                ),
                src(
                    "Netty 4.1",
                    "common/src/main/java/io/netty/util/internal/PlatformDependent.java (incrementMemoryCounter)",
                ),
                src(
                    "Netty 4.1",
                    "buffer/src/main/java/io/netty/buffer/PoolChunk.java, PoolArena.java, PoolThreadCache.java",
                ),
            ],
        },
    ),
    (
        "JDK Direct",
        Explanation {
            what: "ByteBuffer.allocateDirect buffers: native memory owned by small heap objects.",
            mechanism: "Each buffer reserves its size against -XX:MaxDirectMemorySize (which defaults to the maximum heap) and is freed only when the garbage collector finds its owner unreachable and its Cleaner runs. A heap with little garbage collects rarely, so dead buffers' memory lingers; at the limit the JDK calls System.gc() and retries before throwing OutOfMemoryError: Cannot reserve direct buffer memory.",
            remedy: "Set -XX:MaxDirectMemorySize explicitly and count it in the budget; pool and reuse buffers rather than allocating one per request.",
            sources: &[
                src(
                    JDK,
                    "src/java.base/share/classes/java/nio/Bits.java (reserveMemory)",
                ),
                src(
                    JDK,
                    "src/java.base/share/classes/java/nio/Direct-X-Buffer.java.template",
                ),
            ],
        },
    ),
    (
        "Page Cache",
        Explanation {
            what: "The database's own page cache: store files' pages held in memory the database allocates itself.",
            mechanism: "Neo4j allocates its page cache off-heap with Unsafe, outside both -Xmx and MaxDirectMemorySize; NMT shows it under Other. Pages are allocated as they are first read, so the cache fills up to its configured size as the store is warmed and then stays full: it is a configured term, but one that arrives late, after a run has looked fine for a while.",
            remedy: "Count the page cache size fully in the budget; size it to the hot part of the store, not to the store.",
            sources: &[
                src(
                    "Neo4j",
                    "Operations Manual, Performance: Memory configuration (server.memory.pagecache.size)",
                ),
                src("Neo4j", "io/pagecache/impl/muninn/MuninnPageCache.java"),
            ],
        },
    ),
    (
        "Thread",
        Explanation {
            what: "Thread stacks and the JVM's per-thread structures.",
            mechanism: "Every thread reserves -Xss of address space for its stack (1 MiB by default on 64-bit Linux) plus guard pages, but only the pages its deepest call has touched become resident. NMT's reserved size is threads × Xss; the resident part is what the threads used. Thread counts grow with thread pools and connections, and each thread also costs the kernel its own stack and structures.",
            remedy: "Bound thread pools; a smaller -Xss lowers the reservation, not what deep stacks use.",
            sources: &[
                src(
                    JDK,
                    "src/hotspot/os/linux/os_linux.cpp (os::create_thread, stack size)",
                ),
                src(
                    JDK,
                    "src/hotspot/share/runtime/stackOverflow.hpp (guard zones)",
                ),
                src(
                    "Linux",
                    "Documentation/admin-guide/cgroup-v2.rst (memory.stat kernel_stack)",
                ),
            ],
        },
    ),
    (
        "GC",
        Explanation {
            what: "The garbage collector's own data structures, off the heap.",
            mechanism: "G1 keeps a remembered set per heap region recording which other regions point into it, so a region can be evacuated without scanning the whole heap. The more references cross regions (large, well-connected object graphs; many regions), the more cards the sets hold, and they grow during a run. Add the card table, the marking bitmaps (a fixed share of the heap) and the task queues of every GC worker thread. None of it is bounded by a flag.",
            remedy: "Fewer, larger regions (-XX:G1HeapRegionSize) and fewer GC threads shrink it; ParallelGC has no remembered sets.",
            sources: &[
                src(
                    JDK,
                    "src/hotspot/share/gc/g1/heapRegionRemSet.hpp, g1RemSet.cpp",
                ),
                src(
                    JDK,
                    "src/hotspot/share/gc/g1/g1CardTable.hpp, g1ConcurrentMarkBitMap.hpp",
                ),
                src(JDK, "src/hotspot/share/gc/shared/taskqueue.hpp"),
            ],
        },
    ),
    (
        "Metaspace",
        Explanation {
            what: "Class metadata: methods, bytecode, constant pools of every loaded class.",
            mechanism: "Metaspace grows with every class loaded (frameworks, proxies, generated and hidden classes) and is unbounded unless -XX:MaxMetaspaceSize is set. It is committed in granules as loaders need it; the collector unloads classes only when their loader dies, at the Metadata GC Threshold.",
            remedy: "Set -XX:MaxMetaspaceSize as a safety net and count it; look for class-loader leaks when it keeps growing.",
            sources: &[
                src(
                    JDK,
                    "src/hotspot/share/memory/metaspace/ (metaspaceArena.cpp, chunkManager.cpp)",
                ),
                src("OpenJDK", "JEP 387: Elastic Metaspace"),
            ],
        },
    ),
    (
        "Class",
        Explanation {
            what: "The compressed class space (the class structures the heap's objects point to) and class-related native memory.",
            mechanism: "With compressed class pointers the JVM reserves -XX:CompressedClassSpaceSize (1 GiB by default) at start and commits it as classes load: a large reservation, a small resident part that grows with the class count.",
            remedy: "Nothing for the reservation; the resident part follows the classes loaded.",
            sources: &[src(
                JDK,
                "src/hotspot/share/memory/metaspace.cpp (compressed class space)",
            )],
        },
    ),
    (
        "Code",
        Explanation {
            what: "The code cache: machine code the JIT compilers produce.",
            mechanism: "The JVM reserves -XX:ReservedCodeCacheSize (240 MiB with tiered compilation) and commits it as methods are compiled; hot code keeps being compiled for minutes after start. When it fills, compilation stops and the program runs slower, not larger.",
            remedy: "Usually nothing; count ReservedCodeCacheSize as its bound.",
            sources: &[
                src(JDK, "src/hotspot/share/code/codeCache.cpp"),
                src("OpenJDK", "JEP 197: Segmented Code Cache"),
            ],
        },
    ),
    (
        "Compiler",
        Explanation {
            what: "The JIT compilers' working memory while they compile.",
            mechanism: "C1 and C2 build their intermediate representation in arenas that live while a method is being compiled; large methods need tens of MiB briefly. The number of compiler threads (CICompilerCount) follows the CPU count.",
            remedy: "Usually nothing; fewer compiler threads lower the peak.",
            sources: &[src(JDK, "src/hotspot/share/compiler/compileBroker.cpp")],
        },
    ),
    (
        "Symbol",
        Explanation {
            what: "The symbol table: names and signatures of classes, methods and fields, and interned strings' native side.",
            mechanism: "Grows with the classes loaded and is shared by them; it shrinks only when classes unload.",
            remedy: "Follows the class count.",
            sources: &[src(JDK, "src/hotspot/share/classfile/symbolTable.cpp")],
        },
    ),
    (
        "Native (untracked)",
        Explanation {
            what: "Native memory outside NMT's view: glibc malloc arenas' free space, libraries' own mallocs, compiler scratch.",
            mechanism: "glibc gives threads separate malloc arenas to avoid lock contention, up to 8 per CPU on 64-bit (MALLOC_ARENA_MAX), each reserving 64 MiB of address space. Memory freed inside an arena stays there for reuse instead of returning to the kernel, so resident memory keeps the high-water mark of each arena. NMT counts only the JVM's own allocations, so this appears in RSS and nowhere in NMT.",
            remedy: "MALLOC_ARENA_MAX=2 (or 4) caps the arenas; a different allocator (jemalloc) returns memory more readily.",
            sources: &[
                src("glibc", "malloc/arena.c (arena_get2, HEAP_MAX_SIZE)"),
                src("Linux man-pages", "mallopt(3) (M_ARENA_MAX)"),
            ],
        },
    ),
    (
        "Libraries (file-backed)",
        Explanation {
            what: "Pages of libjvm.so, libc, the JDK's modules image and the CDS archive, read from files.",
            mechanism: "These pages are file-backed: the kernel can drop them under pressure and read them back later. That makes them cheap until the limit is near; then the process keeps refaulting the code it runs, which is what thrashing is.",
            remedy: "Nothing to configure; leave headroom under the limit for them.",
            sources: &[
                src(
                    "Linux",
                    "Documentation/admin-guide/cgroup-v2.rst (memory.stat file, active_file)",
                ),
                src("Linux man-pages", "proc(5) (/proc/pid/smaps)"),
            ],
        },
    ),
    (
        "Mapped files",
        Explanation {
            what: "Touched pages of memory-mapped files (FileChannel.map, index files such as Neo4j's full-text (Lucene) indexes, which Lucene's MMapDirectory maps outside the page cache).",
            mechanism: "Mapped pages are the kernel's page cache, charged to the process's memory cgroup. Clean ones are reclaimed before anything is killed, but the pages a program keeps using must stay resident or it thrashes. dbms.memory.pagecache.size does not bound a Lucene index.",
            remedy: "Leave room under the limit for the mapped working set (an index's hot part).",
            sources: &[
                src("Linux", "mm/filemap.c"),
                src(
                    "Apache Lucene",
                    "lucene/core/src/java/org/apache/lucene/store/MMapDirectory.java",
                ),
                src(
                    "Linux",
                    "Documentation/admin-guide/cgroup-v2.rst (memory.stat file_mapped)",
                ),
            ],
        },
    ),
    (
        "Other",
        Explanation {
            what: "Native memory the program allocates with Unsafe.allocateMemory, besides the parts memsim names separately.",
            mechanism: "Unsafe allocations bypass every JVM limit; only the program's own bookkeeping bounds them.",
            remedy: "Find the library that allocates and bound it there.",
            sources: &[src(
                JDK,
                "src/hotspot/share/prims/unsafe.cpp (Unsafe_AllocateMemory0)",
            )],
        },
    ),
    (
        "Internal",
        Explanation {
            what: "The JVM's internal native structures not in another category.",
            mechanism: "Small and proportional to the program's size.",
            remedy: "Nothing.",
            sources: &[src(
                JDK,
                "src/hotspot/share/memory/allocation.hpp (mtInternal)",
            )],
        },
    ),
    (
        "Native Memory Tracking",
        Explanation {
            what: "NMT's own bookkeeping, present only when -XX:NativeMemoryTracking is on.",
            mechanism: "NMT adds a header to every tracked malloc and records call sites in detail mode: the price of seeing the other categories.",
            remedy: "Turn NMT off in production, or use summary rather than detail.",
            sources: &[src(JDK, "src/hotspot/share/services/mallocTracker.hpp")],
        },
    ),
    (
        "Shared class space",
        Explanation {
            what: "The class data sharing (CDS) archive mapped at start.",
            mechanism: "Pre-parsed JDK classes mapped from a file, shared between JVMs on the machine.",
            remedy: "Nothing.",
            sources: &[src(JDK, "src/hotspot/share/cds/filemap.cpp")],
        },
    ),
    (
        "Arena Chunk",
        Explanation {
            what: "Chunks of the JVM's internal arenas (compilers, resource areas), pooled for reuse.",
            mechanism: "Freed chunks wait in a pool that is cleaned periodically, so this follows recent peaks of compilation and resource use.",
            remedy: "Nothing.",
            sources: &[src(JDK, "src/hotspot/share/memory/arena.cpp (ChunkPool)")],
        },
    ),
    (
        "Module",
        Explanation {
            what: "The module system's native structures.",
            mechanism: "Proportional to the modules and packages defined.",
            remedy: "Nothing.",
            sources: &[src(JDK, "src/hotspot/share/classfile/moduleEntry.cpp")],
        },
    ),
    (
        "Synchronization",
        Explanation {
            what: "Inflated monitors: the native side of contended synchronized blocks.",
            mechanism: "A Java lock becomes a native ObjectMonitor when threads contend for it; monitors are deflated periodically.",
            remedy: "Nothing.",
            sources: &[src(JDK, "src/hotspot/share/runtime/objectMonitor.hpp")],
        },
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use memsim_core::Account;

    #[test]
    fn every_account_is_explained_with_a_source() {
        for a in Account::ALL {
            let e = explanation(a.name(), "-XX:+UseG1GC")
                .unwrap_or_else(|| panic!("{} unexplained", a.name()));
            assert!(!e.what.is_empty() && !e.mechanism.is_empty() && !e.remedy.is_empty());
            assert!(!e.sources.is_empty(), "{}", a.name());
        }
        assert_eq!(EXPLANATIONS.len(), Account::COUNT, "one entry per account");
    }

    #[test]
    fn the_mechanisms_the_issue_names_are_explained() {
        let g1 = |name| explanation(name, "-XX:+UseG1GC").unwrap().mechanism;
        assert!(g1("Netty Direct").contains("defaults to the maximum heap"));
        assert!(g1("Thread").contains("only the pages"));
        assert!(g1("GC").contains("remembered set"));
        assert!(g1("Native (untracked)").contains("arenas"));
        let parallel = explanation("GC", "-XX:+UseParallelGC").unwrap().mechanism;
        assert!(!parallel.contains("remembered set") && parallel.contains("card table"));
    }
}
