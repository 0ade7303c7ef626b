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

impl Compilation {
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
