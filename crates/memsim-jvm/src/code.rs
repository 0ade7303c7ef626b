//! The code cache (NMT `Code`).
//!
//! From `shared/reference/hotspot-memory.md`, recalibrated with `tools/jvm-calibrate` (docs/calibration.md):
//! reserved = `ReservedCodeCacheSize` (240 MiB with tiered compilation) + 66 KiB malloc at rest;
//! with a reserved size of 240 MiB or more the cache is segmented and committed starts at 7.3 MiB
//! (three code heaps × 2496 KiB, measured 7.4 MiB), below it one heap starts at 2496 KiB
//! (`InitialCodeCacheSize`; measured 4.4 MiB with 2000 compiled methods in 64 MiB); it grows in 64 KiB steps, ≈ 0.94 KiB committed per compiled tiny method (real methods are larger:
//! an under-estimate until calibrated); resident is what has been written (measured 7.5 MiB committed
//! → 1.6–3.5 MiB resident). When full, HotSpot prints `CodeCache is full. Compiler has been disabled.`
//! and stops compiling.

use memsim_core::Usage;

use crate::compilation::{CodeCacheLayout, Compilation, DEFAULT_INITIAL_CODE_CACHE};

const KIB: u64 = 1024;
const MIB: u64 = 1 << 20;
const STEP: u64 = 64 * KIB;
/// Code-cache bytes used per compiled method (measured with `tools/jvm-calibrate`: 1.6 KiB per
/// tiny method reaching C2; the reference's 0.94 KiB was committed growth past the initial heaps).
pub const BYTES_PER_METHOD: u64 = 1638;
/// Code-cache bytes per method compiled by C1 alone (level 1, no profiling, no C2 copy): fitted
/// on one measurement, `tools/jvm-flags/results/c1only-g1-512m-hot2k` (2000 hot methods with
/// `-XX:TieredStopAtLevel=1`: the one code heap committed 3584 KiB against 2496 KiB idle).
pub const C1_ONLY_BYTES_PER_METHOD: u64 = 557;
/// The non-method code heap (interpreter, stubs, adapters) used before any compilation.
const NON_METHOD_USED: u64 = 2560 * KIB;
const MALLOC: u64 = 66 * KIB;
/// Below this `ReservedCodeCacheSize` HotSpot does not segment the code cache.
const SEGMENTED_MIN: u64 = 240 * MIB;
const RESIDENT_BASE: u64 = 3 * MIB / 2;

/// The code cache.
#[derive(Debug, Clone)]
pub struct CodeCache {
    reserved: u64,
    /// Code heaps when segmented; 1 when not.
    heaps: u64,
    initial_per_heap: u64,
    bytes_per_method: u64,
    compiled: u64,
    full: bool,
}

impl CodeCache {
    /// A tiered JVM's code cache of `ReservedCodeCacheSize` bytes (segmented from 240 MiB).
    pub fn new(reserved: u64) -> CodeCache {
        CodeCache {
            reserved,
            heaps: if reserved >= SEGMENTED_MIN { 3 } else { 1 },
            initial_per_heap: DEFAULT_INITIAL_CODE_CACHE,
            bytes_per_method: BYTES_PER_METHOD,
            compiled: 0,
            full: false,
        }
    }

    /// The code cache HotSpot lays out for the flags: segmented or not, `InitialCodeCacheSize`
    /// per heap, and what a compiled method costs (C1-only: [`C1_ONLY_BYTES_PER_METHOD`]; C2-only
    /// is not measured and costs what tiered does, which keeps a C1 and a C2 copy: an over-estimate).
    pub fn with_layout(l: CodeCacheLayout) -> CodeCache {
        CodeCache {
            reserved: l.reserved,
            heaps: if l.segmented { u64::from(l.heaps) } else { 1 },
            initial_per_heap: l.initial_per_heap,
            bytes_per_method: match l.compilation {
                Compilation::C1Only => C1_ONLY_BYTES_PER_METHOD,
                Compilation::Tiered | Compilation::C2Only => BYTES_PER_METHOD,
            },
            compiled: 0,
            full: false,
        }
    }

    fn used(&self, compiled: u64) -> u64 {
        compiled * self.bytes_per_method
    }

    fn committed(&self) -> u64 {
        let used = (NON_METHOD_USED + self.used(self.compiled)).div_ceil(STEP) * STEP;
        // Segmented: every heap commits InitialCodeCacheSize up front, growing once used past them.
        // Unsegmented: one heap of InitialCodeCacheSize growing with what is used beyond the
        // non-method code (measured with TieredStopAtLevel=1: 2496 KiB idle, 1945 KiB used).
        let c = if self.heaps > 1 {
            (self.heaps * self.initial_per_heap).max(used)
        } else {
            self.initial_per_heap + used.saturating_sub(NON_METHOD_USED)
        };
        c.min(self.reserved)
    }

    /// Compiles one method. Returns `false` once the cache is full (then nothing more is compiled).
    pub fn compile(&mut self) -> bool {
        if self.full {
            return false;
        }
        if NON_METHOD_USED + self.used(self.compiled + 1) > self.reserved {
            self.full = true;
            return false;
        }
        self.compiled += 1;
        true
    }

    /// Methods compiled.
    pub fn compiled(&self) -> u64 {
        self.compiled
    }

    /// NMT `Code`.
    pub fn usage(&self) -> Usage {
        let committed = self.committed();
        let resident = (RESIDENT_BASE + self.used(self.compiled)).min(committed);
        Usage {
            reserved: self.reserved + MALLOC,
            committed: committed + MALLOC,
            resident: resident + MALLOC,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INITIAL: u64 = 3 * DEFAULT_INITIAL_CODE_CACHE;

    #[test]
    fn grows_in_steps_and_fills() {
        assert_eq!(
            CodeCache::new(240 * MIB).usage().committed,
            INITIAL + MALLOC
        );
        let mut c = CodeCache::new(8 * MIB);
        assert_eq!(c.usage().committed, INITIAL / 3 + MALLOC);
        let mut n = 0;
        while c.compile() {
            n += 1;
        }
        assert_eq!(n, (8 * MIB - NON_METHOD_USED) / BYTES_PER_METHOD);
        assert!(!c.compile());
        let u = c.usage();
        assert!(u.committed <= u.reserved && u.resident <= u.committed);
        assert!(u.committed <= 8 * MIB + MALLOC && u.committed > 7 * MIB);
        // 5000 hot methods in the default cache: 10.9 MiB committed measured.
        let mut big = CodeCache::new(240 * MIB);
        (0..5000).for_each(|_| assert!(big.compile()));
        let mib = (big.usage().committed - MALLOC) as f64 / MIB as f64;
        assert!((mib - 10.9).abs() < 0.6, "{mib}");
    }

    /// `tools/jvm-flags/results/c1only-g1-512m-{idle,hot2k}.json` (`-XX:TieredStopAtLevel=1`, NMT
    /// summary): Code reserved 49597 KiB; committed 2577 KiB idle, 3701 KiB after 2000 hot methods.
    #[test]
    fn c1_only_cache_as_measured() {
        use crate::compilation::CodeCacheLayout;
        let l = CodeCacheLayout::resolve(Compilation::C1Only, None, None, None);
        let mut c = CodeCache::with_layout(l);
        let kib = |b: u64| b as f64 / KIB as f64;
        let u = c.usage();
        assert!(
            (kib(u.reserved) - 49597.0).abs() / 49597.0 < 0.01,
            "{}",
            kib(u.reserved)
        );
        assert!(
            (kib(u.committed) - 2577.0).abs() / 2577.0 < 0.02,
            "{}",
            kib(u.committed)
        );
        (0..2000).for_each(|_| assert!(c.compile()));
        let u = c.usage();
        assert!(
            (kib(u.committed) - 3701.0).abs() / 3701.0 < 0.03,
            "{}",
            kib(u.committed)
        );
    }
}
