//! Which JIT compilers a JDK 17 runs and the code cache they fill, from the tiered-compilation
//! flags (`-XX:TieredStopAtLevel`, `-XX:-TieredCompilation`, `-XX:+/-SegmentedCodeCache`,
//! `-XX:ReservedCodeCacheSize`, `-XX:InitialCodeCacheSize`).
//!
//! Sources: jdk17u `compilerDefinitions.cpp` (`CompilerConfig::ergo_initialize`, `is_c1_only`),
//! `codeCache.cpp` (`initialize_heaps`), checked with `-XX:+PrintFlagsFinal` on JDK 17.0.15
//! (`tools/jvm-flags/results/printflags.txt`).

const MIB: u64 = 1 << 20;

/// Which JIT compilers run (`CompilerConfig` in jdk17u `compilerDefinitions.cpp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compilation {
    /// Tiered: C1 (levels 1–3) then C2 (level 4), the default.
    Tiered,
    /// C1 only: `-XX:TieredStopAtLevel=1`, `2` or `3` with tiered compilation on.
    C1Only,
    /// C2 only: `-XX:-TieredCompilation`.
    C2Only,
}

/// NMT's Arena Chunk when C2 compiles, at rest: 2.0 MiB in every idle calibration run (tiered).
const ARENA_CHUNK_C2_IDLE: u64 = 2 * MIB;
/// NMT's Arena Chunk when C2 compiles, during and shortly after loading thousands of classes:
/// 9.8–11.3 MiB measured a few seconds after loading 10k–50k classes tiered, 8.7 MiB C2-only
/// (`c2only-g1-512m-classes10000`); freed by a periodic cleaner (the engine ends the state 5 s after
/// loading stops). Time-dependent: the same run measured 3.2 and 9.8 MiB on different tries.
const ARENA_CHUNK_C2_LOADING: u64 = 21 * MIB / 2;
/// NMT's Arena Chunk without C2: 1345 KiB in both the idle C1-only run and the one that loaded
/// 10000 classes (`c1only-g1-512m-{idle,classes10000}`, JDK 17 and 21 alike), the C1 compiler
/// arenas' 1.5 MiB peak given back to the pool. An approximation: after the cleaner's pass it
/// is lower (0.16 MiB on JDK 17 in `c1only-g1-512m-50t-hot1k`, whose JDK 21 run measured 1.75 MiB).
const ARENA_CHUNK_C1_ONLY: u64 = 1345 * 1024;

impl Compilation {
    /// NMT's `Arena Chunk`: the chunk pool, the free chunks HotSpot's resource arenas gave back
    /// (`Chunk::operator delete` pools the four standard chunk sizes; NMT reports the chunks'
    /// malloc minus what arenas hold), trimmed by `ChunkPoolCleaner`, a periodic task every 5 s.
    /// What refills it is C2: its compilations' arenas reach 2–15 MiB (Compiler's arena peak in
    /// the calibration runs), and the pool holds about that peak until the next trim. Loading
    /// classes does not fill it by itself: without C2 (`TieredStopAtLevel` 1–3 with tiered
    /// compilation; `-XX:-TieredCompilation` keeps C2) loading 10000 classes left the pool at
    /// the idle JVM's 1345 KiB, where a tiered JVM had 10.1 MiB and a C2-only one 8.7 MiB
    /// (`tools/jvm-calibrate/results/{c1only,c2only}-g1-512m-classes10000`, `sweep-classes10000`),
    /// because C2 compiles the loading code; an interpreter-only JVM (`-Xint`, not modelled) held
    /// 97 KiB idle and after 10000 classes alike (`tools/jvm-calibrate/README.md`). `loading`: classes are being loaded (or were within
    /// the cleaner's period).
    pub fn arena_chunk_bytes(self, loading: bool) -> u64 {
        match (self, loading) {
            (Compilation::C1Only, _) => ARENA_CHUNK_C1_ONLY,
            (Compilation::Tiered | Compilation::C2Only, true) => ARENA_CHUNK_C2_LOADING,
            (Compilation::Tiered | Compilation::C2Only, false) => ARENA_CHUNK_C2_IDLE,
        }
    }

    /// The mode the flags select: `-XX:-TieredCompilation` wins over `TieredStopAtLevel` (HotSpot's
    /// `is_c1_only` requires `TieredCompilation`); level 0 (interpreter only) is not modelled and is
    /// refused by the scenario parser, so it reads as C1-only here.
    pub fn from_flags(tiered: Option<bool>, stop_at_level: Option<u8>) -> Compilation {
        match (tiered, stop_at_level) {
            (Some(false), _) => Compilation::C2Only,
            (_, Some(l)) if l < 4 => Compilation::C1Only,
            _ => Compilation::Tiered,
        }
    }
}

/// The code cache's shape (`CodeCache::initialize_heaps`): one heap, or segmented into the
/// non-method heap plus the profiled (tiered only) and non-profiled heaps, each committing
/// `InitialCodeCacheSize` up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeCacheLayout {
    /// `ReservedCodeCacheSize`.
    pub reserved: u64,
    /// `SegmentedCodeCache`.
    pub segmented: bool,
    /// Code heaps: 3 segmented and tiered, 2 segmented C1-only or C2-only, else 1.
    pub heaps: u32,
    /// `InitialCodeCacheSize`: what each heap commits at startup (2496 KiB on Linux x86_64).
    pub initial_per_heap: u64,
    /// Which compilers fill it.
    pub compilation: Compilation,
}

/// `InitialCodeCacheSize` on Linux x86_64 (`-XX:+PrintFlagsFinal`: 2555904).
pub const DEFAULT_INITIAL_CODE_CACHE: u64 = 2496 * 1024;

impl CodeCacheLayout {
    /// `CompilerConfig::ergo_initialize` in jdk17u, measured with `-XX:+PrintFlagsFinal` on JDK
    /// 17.0.15 (`tools/jvm-flags/README.md`): ReservedCodeCacheSize defaults to 240 MiB tiered and
    /// 48 MiB otherwise (`-XX:TieredStopAtLevel=1..3`, `-XX:-TieredCompilation`, also with
    /// `+SegmentedCodeCache`); SegmentedCodeCache defaults to true only when tiered with ≥ 240 MiB
    /// (`TieredStopAtLevel=1` with 300 MiB: false; tiered with 200 MiB: false).
    pub fn resolve(
        compilation: Compilation,
        reserved: Option<u64>,
        segmented: Option<bool>,
        initial: Option<u64>,
    ) -> CodeCacheLayout {
        let tiered = compilation == Compilation::Tiered;
        let reserved = reserved.unwrap_or(if tiered { 240 * MIB } else { 48 * MIB });
        let segmented = segmented.unwrap_or(tiered && reserved >= 240 * MIB);
        let heaps = match (segmented, tiered) {
            (false, _) => 1,
            (true, true) => 3,
            (true, false) => 2,
        };
        CodeCacheLayout {
            reserved,
            segmented,
            heaps,
            initial_per_heap: initial.unwrap_or(DEFAULT_INITIAL_CODE_CACHE).min(reserved),
            compilation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ergonomics::{Ergonomics, JvmFlags, MachineView};

    const GIB: u64 = 1 << 30;

    fn machine(ram: u64, cores: u32) -> MachineView {
        MachineView {
            ram_bytes: ram,
            container_limit_bytes: None,
            cores,
        }
    }

    /// The chunk pool follows C2, not class loading: C1-only keeps its idle pool while loading
    /// (`c1only-g1-512m-{idle,classes10000}`), tiered and C2-only fill it.
    #[test]
    fn arena_chunk_follows_c2() {
        let c1 = Compilation::from_flags(None, Some(1));
        assert_eq!(c1.arena_chunk_bytes(true), c1.arena_chunk_bytes(false));
        assert!(c1.arena_chunk_bytes(true) < 2 * MIB);
        for c2 in [
            Compilation::from_flags(None, None),
            Compilation::from_flags(Some(false), Some(1)),
        ] {
            assert_ne!(c2, Compilation::C1Only);
            assert!(c2.arena_chunk_bytes(true) > 4 * c2.arena_chunk_bytes(false));
            assert!(c2.arena_chunk_bytes(false) > c1.arena_chunk_bytes(false));
        }
    }

    /// `-XX:+PrintFlagsFinal` on JDK 17.0.15 (`tools/jvm-flags/README.md`): ReservedCodeCacheSize,
    /// SegmentedCodeCache and CICompilerCount by tiered mode.
    #[test]
    fn tiered_flags_as_measured() {
        let run = |f: JvmFlags| Ergonomics::resolve(machine(24 * GIB, 2), f);
        let c1 = JvmFlags {
            tiered_stop_at_level: Some(1),
            ..JvmFlags::default()
        };
        let e = run(c1);
        assert_eq!(e.compilation, Compilation::C1Only);
        assert_eq!(
            (e.reserved_code_cache, e.code_cache.segmented),
            (48 * MIB, false)
        );
        assert_eq!((e.ci_compiler_count, e.c1_threads, e.c2_threads), (2, 2, 0));
        // The JVM's threads at startup: two C1 threads, as tiered runs one C1 and one C2.
        assert_eq!(e.jvm_threads, run(JvmFlags::default()).jvm_threads);
        for level in [2, 3] {
            let e = run(JvmFlags {
                tiered_stop_at_level: Some(level),
                ..JvmFlags::default()
            });
            assert_eq!(
                (e.compilation, e.reserved_code_cache),
                (Compilation::C1Only, 48 * MIB)
            );
        }
        let e = run(JvmFlags {
            active_processor_count: Some(16),
            ..c1
        });
        assert_eq!(
            (e.ci_compiler_count, e.c1_threads, e.c2_threads),
            (12, 12, 0)
        );
        let e = run(JvmFlags {
            ci_compiler_count: Some(1),
            ..c1
        });
        assert_eq!((e.c1_threads, e.c2_threads), (1, 0));
        let e = run(JvmFlags {
            tiered_compilation: Some(false),
            active_processor_count: Some(16),
            ..JvmFlags::default()
        });
        assert_eq!(e.compilation, Compilation::C2Only);
        assert_eq!(
            (e.reserved_code_cache, e.c1_threads, e.c2_threads),
            (48 * MIB, 0, 12)
        );
        // Segmented only when tiered with ≥ 240 MiB; forced, C1-only has two code heaps.
        let e = run(JvmFlags {
            reserved_code_cache: Some(300 * MIB),
            ..c1
        });
        assert_eq!(
            (e.reserved_code_cache, e.code_cache.segmented),
            (300 * MIB, false)
        );
        let e = run(JvmFlags {
            reserved_code_cache: Some(200 * MIB),
            ..JvmFlags::default()
        });
        assert!(!e.code_cache.segmented);
        let e = run(JvmFlags {
            segmented_code_cache: Some(true),
            ..c1
        });
        assert_eq!((e.reserved_code_cache, e.code_cache.heaps), (48 * MIB, 2));
        let e = run(JvmFlags {
            segmented_code_cache: Some(false),
            ..JvmFlags::default()
        });
        assert_eq!((e.reserved_code_cache, e.code_cache.heaps), (240 * MIB, 1));
        assert_eq!(run(JvmFlags::default()).code_cache.heaps, 3);
    }
}
