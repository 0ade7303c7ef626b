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

const KIB: u64 = 1024;
const MIB: u64 = 1 << 20;
const INITIAL: u64 = 3 * 2496 * KIB;
const STEP: u64 = 64 * KIB;
/// Code-cache bytes used per compiled method (measured with `tools/jvm-calibrate`: 1.6 KiB per
/// tiny method reaching C2; the reference's 0.94 KiB was committed growth past the initial heaps).
pub const BYTES_PER_METHOD: u64 = 1638;
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
    compiled: u64,
    full: bool,
}

impl CodeCache {
    /// A code cache of `ReservedCodeCacheSize` bytes.
    pub fn new(reserved: u64) -> CodeCache {
        CodeCache {
            reserved,
            compiled: 0,
            full: false,
        }
    }

    fn used(compiled: u64) -> u64 {
        compiled * BYTES_PER_METHOD
    }

    fn committed(&self) -> u64 {
        let used = (NON_METHOD_USED + Self::used(self.compiled)).div_ceil(STEP) * STEP;
        // Segmented: three heaps of 2496 KiB committed up front, growing once used past them.
        // Unsegmented: one heap of 2496 KiB growing with what is used beyond the non-method code.
        let c = if self.reserved >= SEGMENTED_MIN {
            INITIAL.max(used)
        } else {
            INITIAL / 3 + used.saturating_sub(NON_METHOD_USED)
        };
        c.min(self.reserved)
    }

    /// Compiles one method. Returns `false` once the cache is full (then nothing more is compiled).
    pub fn compile(&mut self) -> bool {
        if self.full {
            return false;
        }
        if NON_METHOD_USED + Self::used(self.compiled + 1) > self.reserved {
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
        let resident = (RESIDENT_BASE + Self::used(self.compiled)).min(committed);
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
}
