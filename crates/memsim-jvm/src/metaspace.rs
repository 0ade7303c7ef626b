//! Classes: non-class metaspace (NMT `Metaspace`), class space (NMT `Class`) and symbols (NMT `Symbol`).
//!
//! What one class costs is its [`ClassShape`]'s [`ClassCost`] (`crate::class_profile`: real
//! application classes by default, or the calibration workload's thin generated ones); this module
//! adds them up over the granules HotSpot commits. Base figures of a JVM that loaded no application
//! class, from the calibration runs (docs/calibration.md): Metaspace ≈ 640 KiB, Class ≈ 245 KiB,
//! Symbol ≈ 1180 KiB; + ≈ 700 B of Metaspace per JIT-compiled method (MethodData/MethodCounters); a
//! hidden class 1614 B Class + 2584 B Metaspace; a custom loader ≈ 8 KiB of Class (ClassLoaderData
//! and class-space chunk waste) and 1.7 KiB of Metaspace.
//!
//! Class loaders and hidden classes (shared/reference/hotspot-memory.md): each custom loader costs
//! 1.4 KiB of malloc (`ClassLoaderData`, NMT `Class`) plus metaspace chunk waste; a hidden class
//! (non-strong, one loader data each) has a loader data of its own.
//!
//! Committed metaspace grows in 64 KiB commit granules (JDK 16+ elastic metaspace,
//! `Settings::commit_granule_bytes`); reserved non-class metaspace is approximated as committed
//! rounded up to 64 MiB virtual-space nodes. `MaxMetaspaceSize` bounds class + non-class committed;
//! exceeding it throws `OutOfMemoryError: Metaspace`, exceeding the class space
//! `OutOfMemoryError: Compressed class space`. Collections at the metaspace high-water mark are
//! `crate::metaspace_gc`'s.

use crate::class_profile::{ClassCost, SYMBOL_BASE_BYTES};
use memsim_core::Usage;

const KIB: u64 = 1024;
const MIB: u64 = 1 << 20;
const GRANULE: u64 = 64 * KIB;
const NODE: u64 = 64 * MIB;

/// Which metaspace limit an allocation hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaspaceError {
    /// `-XX:MaxMetaspaceSize` reached.
    Metaspace,
    /// `-XX:CompressedClassSpaceSize` reached.
    CompressedClassSpace,
}

/// Loaded classes and what they cost.
#[derive(Debug, Clone)]
pub struct Metaspace {
    max_metaspace: u64,
    class_space_max: u64,
    n_classes: u64,
    // Bytes of non-class metadata used (methods, constant pools, chunk waste, …), excluding the base.
    nonclass_used: u64,
    // Bytes of class space used, excluding the base.
    class_space_used: u64,
    // Class-related malloc (per-class 50 B, ClassLoaderData 1.4 KiB per loader).
    class_malloc: u64,
    // Symbol bytes of the loaded classes, excluding the base.
    symbol_bytes: u64,
}

/// Metaspace chunk waste per class defined by a custom class loader (measured: none beyond the per-loader cost).
const LOADER_WASTE_PER_CLASS: u64 = 0;
/// `ClassLoaderData` and class-space chunk waste per custom loader (NMT `Class`).
const LOADER_MALLOC: u64 = 8 * KIB;
/// Non-class metaspace per custom loader.
const LOADER_METASPACE: u64 = 1741;
/// MethodData and counters per JIT-compiled method.
pub const METHOD_DATA_BYTES: u64 = 700;

fn granules(x: u64) -> u64 {
    x.div_ceil(GRANULE) * GRANULE
}

impl Metaspace {
    /// Metaspace bounded by `MaxMetaspaceSize` and `CompressedClassSpaceSize`.
    pub fn new(max_metaspace: u64, class_space_max: u64) -> Metaspace {
        Metaspace {
            max_metaspace,
            class_space_max,
            n_classes: 0,
            nonclass_used: 0,
            class_space_used: 0,
            class_malloc: 0,
            symbol_bytes: 0,
        }
    }

    fn class_space_committed(used: u64) -> u64 {
        granules(128 * KIB + used)
    }

    fn nonclass_committed(used: u64) -> u64 {
        granules(640 * KIB + used)
    }

    /// Loads one class costing `cost`, by the application loader or a custom one.
    ///
    /// # Errors
    /// [`MetaspaceError`] when a limit would be exceeded; nothing is loaded then.
    pub fn load_class(
        &mut self,
        cost: &ClassCost,
        custom_loader: bool,
    ) -> Result<(), MetaspaceError> {
        let waste = if custom_loader {
            LOADER_WASTE_PER_CLASS
        } else {
            0
        };
        self.add(&ClassCost {
            nonclass_bytes: cost.nonclass_bytes + waste,
            ..*cost
        })
    }

    /// Defines one hidden class (one loader data of its own) costing `cost` (`HIDDEN_CLASS` on
    /// JDK 17).
    ///
    /// # Errors
    /// [`MetaspaceError`] when a limit would be exceeded; nothing is defined then.
    pub fn define_hidden_class(&mut self, cost: &ClassCost) -> Result<(), MetaspaceError> {
        self.add(cost)
    }

    /// A custom class loader was created.
    pub fn add_loader(&mut self) {
        self.class_malloc += LOADER_MALLOC;
        self.nonclass_used += LOADER_METASPACE;
    }

    /// A method was JIT-compiled: its MethodData and counters.
    pub fn add_method_data(&mut self) {
        self.nonclass_used += METHOD_DATA_BYTES;
    }

    fn add(&mut self, cost: &ClassCost) -> Result<(), MetaspaceError> {
        let used = self.nonclass_used + cost.nonclass_bytes;
        let class_committed =
            Self::class_space_committed(self.class_space_used + cost.class_space_bytes);
        if class_committed > self.class_space_max {
            return Err(MetaspaceError::CompressedClassSpace);
        }
        if Self::nonclass_committed(used) + class_committed > self.max_metaspace {
            return Err(MetaspaceError::Metaspace);
        }
        self.n_classes += 1;
        self.nonclass_used = used;
        self.class_space_used += cost.class_space_bytes;
        self.class_malloc += cost.malloc_bytes;
        self.symbol_bytes += cost.symbol_bytes;
        Ok(())
    }

    /// Committed class and non-class metaspace: what `MetaspaceGC` compares with its mark.
    pub fn committed(&self) -> u64 {
        Self::nonclass_committed(self.nonclass_used)
            + Self::class_space_committed(self.class_space_used)
    }

    /// Classes loaded.
    pub fn classes(&self) -> u64 {
        self.n_classes
    }

    /// NMT `Metaspace` (non-class), fully resident once committed.
    pub fn metaspace_usage(&self) -> Usage {
        let committed = Self::nonclass_committed(self.nonclass_used);
        Usage {
            reserved: committed.div_ceil(NODE) * NODE,
            committed,
            resident: committed,
        }
    }

    /// NMT `Class`: class space plus per-class malloc.
    pub fn class_usage(&self) -> Usage {
        let malloc = 117 * KIB + self.class_malloc;
        let committed = Self::class_space_committed(self.class_space_used);
        Usage {
            reserved: self.class_space_max.max(committed) + malloc,
            committed: committed + malloc,
            resident: committed + malloc,
        }
    }

    /// NMT `Symbol`.
    pub fn symbol_usage(&self) -> Usage {
        Usage::all(SYMBOL_BASE_BYTES + self.symbol_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class_profile::ClassShape;

    fn thin(methods: u32) -> ClassCost {
        ClassShape::Thin { methods }.cost()
    }

    #[test]
    fn per_class_costs_match_the_calibration_runs() {
        let mut m = Metaspace::new(u64::MAX, 1 << 30);
        let base = m.metaspace_usage().committed;
        for _ in 0..10_000 {
            m.load_class(&thin(8), false).unwrap();
        }
        let per_class = (m.metaspace_usage().committed - base) as f64 / 10_000.0;
        // Measured (tools/jvm-calibrate sweep-classes10000): 1979 B per class at 8 methods.
        assert!((per_class - 1979.0).abs() / 1979.0 < 0.05, "{per_class}");
        assert_eq!(ClassShape::thin_metadata_bytes(2), 1013);
        assert_eq!(ClassShape::thin_metadata_bytes(32), 5813);
    }

    #[test]
    fn max_metaspace_stops_loading() {
        let mut m = Metaspace::new(8 * MIB, 1 << 30);
        let err = (0..100_000).find_map(|_| m.load_class(&thin(8), false).err());
        assert_eq!(err, Some(MetaspaceError::Metaspace));
        assert!(
            m.metaspace_usage().committed + m.class_usage().committed
                <= 8 * MIB + 117 * KIB + m.classes() * 50
        );
    }

    #[test]
    fn loaders_and_hidden_classes_cost_more() {
        let mut plain = Metaspace::new(u64::MAX, 1 << 30);
        let mut loaders = Metaspace::new(u64::MAX, 1 << 30);
        let mut hidden = Metaspace::new(u64::MAX, 1 << 30);
        for i in 0..10_000 {
            plain.load_class(&thin(8), false).unwrap();
            if i % 50 == 0 {
                loaders.add_loader();
            }
            loaders.load_class(&thin(8), true).unwrap();
            hidden
                .define_hidden_class(&crate::class_profile::HIDDEN_CLASS)
                .unwrap();
        }
        let per = |a: &Metaspace, b: &Metaspace| {
            (a.metaspace_usage().committed as f64 - b.metaspace_usage().committed as f64) / 10_000.0
        };
        // 200 loaders: their fixed costs only.
        assert!(
            (per(&loaders, &plain) * 10_000.0 - 200.0 * LOADER_METASPACE as f64).abs()
                < 128.0 * 1024.0
        );
        assert_eq!(
            loaders.class_usage().committed - plain.class_usage().committed,
            200 * LOADER_MALLOC
        );
        let hidden_class = hidden.class_usage().committed as f64 - (245 * KIB) as f64;
        assert!(
            (hidden_class / 10_000.0 - 1614.0).abs() < 20.0,
            "{hidden_class}"
        );
    }

    #[test]
    fn class_space_limit() {
        let mut m = Metaspace::new(u64::MAX, 2 * MIB);
        assert_eq!(
            (0..100_000).find_map(|_| m.load_class(&thin(2), false).err()),
            Some(MetaspaceError::CompressedClassSpace)
        );
    }
}
