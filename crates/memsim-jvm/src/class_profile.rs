//! What one loaded class costs, by the kind of class: non-class metaspace (NMT `Metaspace`), class
//! space (NMT `Class`), symbols (NMT `Symbol`), and what loading it keeps and leaves behind on the
//! Java heap.
//!
//! HotSpot's metadata for a class is mostly a parsed copy of its class file: the `ConstantPool` (one
//! 8-byte slot and a tag byte per entry, a `ConstantPoolCache` entry per resolved field and method
//! reference), a `Method` and a `ConstMethod` per method (the bytecode itself, compressed line
//! numbers, local variable and exception tables), annotations, and the `InstanceKlass` in class
//! space with its vtable and itable (jdk17u `InstanceKlass::size`, `ConstMethod::size`,
//! `ConstantPool::size`). The distinct names and signatures of the constant pool become `Symbol`s.
//! So for classes compiled by javac the non-class metadata and the symbols follow the class file's
//! size, while the class-space part (the `InstanceKlass`, vtable and itable) is per class.
//!
//! Two profiles, both measured with `tools/jvm-calibrate` (OpenJDK 17.0.15, NMT summary):
//!
//! - [`ClassShape::Application`], the default: classes of real libraries. Fitted on
//!   `realcls-g1-512m-all` (every class of Debian's guava 31.1, commons-lang3 3.12 and jackson
//!   2.14 core/annotations/databind: 3344 classes, 3921 B of class file on average, 9.8 methods,
//!   120 constant-pool entries, 296 B of bytecode and 2.4 fields per class), loaded, linked and
//!   initialized in a `URLClassLoader`; differences against `realcls-g1-512m-nojar-gc`, per class
//!   loaded from the jars. Loading them also pulled in 0.44 JDK classes per class (NMT counted 4809
//!   more classes), whose cost is inside the figures: `classes` counts the application's classes,
//!   not the JDK's. Per class: 5406 B of Metaspace (1.379 per class-file byte), 995 B of Class,
//!   1176 B of Symbol (0.300 per class-file byte). Guava alone (3205 B per class file) measured 4416
//!   B of Metaspace and 936 of Symbol, the rule says 4420 and 961; commons-lang3 with jackson (5018
//!   B) 7732 and 1649 against 6919 and 1505 (−11 %, −9 %), and 1187 B of Class against 995 (−16 %:
//!   class space follows vtables and itables, and jackson's serializer hierarchies are deep). Real
//!   classes vary beyond their size; the tests in this file hold each fit population to its error.
//! - [`ClassShape::Thin`]: the calibration workload's generated classes (4 int fields, `M` static
//!   methods of 6–9 bytes of bytecode, ~23 + M constant-pool entries, 562 B of class file at 8
//!   methods): Metaspace 693 + 160·M B, Class 570 B, Symbol 114 B per class (sweeps of 10k–40k
//!   classes at 2, 8 and 32 methods). Per class-file byte they cost 2.5× the application figure
//!   because their fixed per-class part (`ConstantPool` and `ConstantPoolCache` headers, the
//!   `Method` array, the `InstanceKlass`) dominates a tiny class file.
//!
//! A cross-check on the shape features HotSpot's sizes depend on: a least-squares fit of non-class
//! metaspace over the six measured populations (guava, commons-lang3 + jackson, both; thin classes
//! at 2, 8 and 32 methods) on methods, constant-pool entries and bytecode bytes per class, with no
//! constant, gives 98 B per method (a 88-byte `Method` and its slot in the methods array), 21 B per
//! constant-pool entry (an 8-byte slot, a tag byte, `ConstantPoolCache` entries for the references)
//! and 7.2 B per bytecode byte (the code, and what grows with it: line-number, local-variable and
//! exception tables, stack maps, annotations), and explains all six within ±5 %: the two profiles
//! are one mechanism at two shapes. Class space holds the `InstanceKlass` with its embedded vtable
//! and itable, 8 B per entry: the thin classes' 520 B are ≈ 480 B of `InstanceKlass` and Object's 5
//! virtual methods; the application classes' 945 B would be that and ≈ 58 vtable and itable entries
//! (inherited and declared), an inference, not a count.
//!
//! The heap: loading keeps the `java.lang.Class` mirror (120 B here), the class loader's
//! per-name lock object (`ClassLoader.getClassLoadingLock`: a `ConcurrentHashMap` node and an
//! `Object`), interned name strings, and whatever the class's static initializer builds; and it
//! allocates garbage: the class file read and inflated from the jar, the parser's and verifier's
//! Java-side objects, the static initializers' temporaries. Measured for the application profile:
//! 3050 B kept per class (`GC.heap_info` after `System.gc()` in `realcls-g1-512m-all-gc` against
//! `realcls-g1-512m-nojar-gc`; a `GC.class_histogram` of the same pair grew 3007 B per class, of
//! which 150 B are mirrors, 216 B lock-map nodes, 249 B strings, the rest the libraries' static
//! state, e.g. 2.4 MB of java.time tables built by one static initializer); and 24 KiB of
//! garbage per class (6.2 per class-file byte: the young collections of `-Xlog:gc` while loading,
//! less what survived). The thin classes keep ~200 B each (`-Xlog:gc` of 10,000 of them: 3 MB
//! after `System.gc()` against 1 MB idle, at the log's 1 MB resolution; 250 B used) and allocate
//! 8700 + 730·M B of garbage each, most of it the workload's class-file generator (the same logs:
//! 144 MB allocated for 10,000 classes of 8 methods, ~320 MB for 32 methods). Earlier versions
//! kept 3532 + 300·M B per thin class as live data, fitted on heap RSS: that is where the issue's
//! "class loading adds heap as if it were live data" came from.

const KIB: u64 = 1024;

/// What the classes of a phase look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassShape {
    /// Classes compiled by javac from real code, `class_file_bytes` each on average.
    Application {
        /// The average size of their class files (uncompressed, as `unzip -l` lists them).
        class_file_bytes: u64,
    },
    /// The calibration workload's generated classes with `methods` tiny static methods each.
    Thin {
        /// Methods per class.
        methods: u32,
    },
}

/// The application profile's average class file: the fit libraries' (13,110,432 B in 3344 classes).
pub const APPLICATION_CLASS_FILE_BYTES: u64 = 3921;

/// What one class costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassCost {
    /// Non-class metaspace (NMT `Metaspace`).
    pub nonclass_bytes: u64,
    /// Class space (NMT `Class`, mmap part).
    pub class_space_bytes: u64,
    /// Class-related malloc (NMT `Class`, malloc part).
    pub malloc_bytes: u64,
    /// Symbols (NMT `Symbol`).
    pub symbol_bytes: u64,
    /// NMT's own overhead (NMT `Native Memory Tracking`: its headers of the class's malloc blocks).
    pub nmt_bytes: u64,
    /// Anonymous native memory NMT does not see (glibc's, libzip's, the libraries' C heap).
    pub untracked_bytes: u64,
    /// File-backed pages of the JDK's jimage (`lib/modules`) read for the JDK classes this class
    /// uses that are not in the CDS archive.
    pub jimage_bytes: u64,
    /// Java heap kept as long as the class is loaded.
    pub heap_kept_bytes: u64,
    /// Java heap allocated while loading and dropped at once (garbage).
    pub heap_garbage_bytes: u64,
}

/// NMT's overhead per thin class: 50k classes measured 6.2 MiB.
const THIN_NMT_BYTES: u64 = 120;
/// Untracked anonymous memory per thin class: RSS outside the heap grew 3563 B per class against
/// 2945 B of NMT in the synthetic sweeps.
const THIN_UNTRACKED_BYTES: u64 = 618;
/// NMT's overhead per application class: 1898 KiB more in `realcls-g1-512m-all` than idle
/// (`sweep-classes0`), 581 B per class (more, smaller malloc blocks per class than a thin one).
const APPLICATION_NMT_BYTES: u64 = 581;
/// Untracked anonymous memory per application class, fitted on `realcls-g1-512m-all` against the
/// idle `sweep-classes0`: anonymous RSS outside the heap grew 14,476 B per class, NMT's categories
/// (but GC, Code and Thread) 11,186 B; the rest (the JDK's native zip buffers reading the jars,
/// glibc's free lists) is set so that memsim's RSS outside the heap meets that run's.
const APPLICATION_UNTRACKED_BYTES: u64 = 3490;

/// The jimage's resident pages per application class: `lib/modules` grew from 1088 KiB resident
/// (idle) to 3648 KiB in `realcls-g1-512m-all` (784 B per class), almost all of it for jackson,
/// which uses `java.sql` and `java.beans` classes the default CDS archive does not hold (guava alone:
/// +192 KiB). An average over the fit libraries: a step per JDK module in reality.
const APPLICATION_JIMAGE_BYTES: u64 = 784;
/// The most the loaded classes add to the jimage's resident pages: what the fit libraries read
/// (3648 − 1088 KiB). Which further JDK modules a larger application uses is not known, so memsim
/// does not extrapolate beyond what was measured.
pub const JIMAGE_MAX_BYTES: u64 = 2560 * KIB;

/// Per-class malloc of the thin fit (`Class` 570 B = 520 B of class space + 50 B malloc).
const MALLOC_PER_CLASS: u64 = 50;

impl ClassShape {
    /// The default: real application classes of the fit libraries' average size.
    pub const APPLICATION: ClassShape = ClassShape::Application {
        class_file_bytes: APPLICATION_CLASS_FILE_BYTES,
    };

    /// What one class of this shape costs.
    pub fn cost(self) -> ClassCost {
        match self {
            ClassShape::Application { class_file_bytes } => ClassCost {
                // 5406 B per class at 3921 B of class file (realcls-g1-512m-all).
                nonclass_bytes: class_file_bytes * 1379 / 1000,
                // 995 B of Class per class, of which the per-class malloc.
                class_space_bytes: 995 - MALLOC_PER_CLASS,
                malloc_bytes: MALLOC_PER_CLASS,
                symbol_bytes: class_file_bytes * 300 / 1000,
                nmt_bytes: APPLICATION_NMT_BYTES,
                untracked_bytes: APPLICATION_UNTRACKED_BYTES,
                jimage_bytes: APPLICATION_JIMAGE_BYTES,
                heap_kept_bytes: 3050,
                heap_garbage_bytes: class_file_bytes * 62 / 10,
            },
            ClassShape::Thin { methods } => ClassCost {
                nonclass_bytes: Self::thin_metadata_bytes(methods),
                class_space_bytes: 570 - MALLOC_PER_CLASS,
                malloc_bytes: MALLOC_PER_CLASS,
                symbol_bytes: 114,
                nmt_bytes: THIN_NMT_BYTES,
                untracked_bytes: THIN_UNTRACKED_BYTES,
                jimage_bytes: 0,
                heap_kept_bytes: 250,
                heap_garbage_bytes: 8700 + 730 * u64::from(methods),
            },
        }
    }

    /// Non-class metadata of one thin class with `methods` methods (the sweeps' fit).
    pub fn thin_metadata_bytes(methods: u32) -> u64 {
        693 + 160 * u64::from(methods)
    }
}

/// A hidden class (`Lookup.defineHiddenClass` of a thin generated class; one loader data each):
/// 1614 B of `Class` and 2584 B of `Metaspace` measured (`sweep-classes10000-hidden`), 4.6 KiB of
/// heap per class kept (fitted on heap RSS; not yet split into kept and garbage).
pub const HIDDEN_CLASS: ClassCost = ClassCost {
    nonclass_bytes: 2584,
    class_space_bytes: 1614 - MALLOC_PER_CLASS,
    malloc_bytes: MALLOC_PER_CLASS,
    symbol_bytes: 114,
    nmt_bytes: THIN_NMT_BYTES,
    untracked_bytes: THIN_UNTRACKED_BYTES,
    jimage_bytes: 0,
    heap_kept_bytes: 4710,
    heap_garbage_bytes: 0,
};

/// The base NMT `Symbol` of a JVM that has loaded no application class.
pub const SYMBOL_BASE_BYTES: u64 = 1180 * KIB;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::path::Path;

    fn result(name: &str) -> Value {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tools/jvm-calibrate/results")
            .join(format!("{name}.json"));
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
    }

    fn committed(r: &Value, cat: &str) -> f64 {
        r["nmt"]["categories"][cat]["committed_kb"]
            .as_f64()
            .unwrap()
            * 1024.0
    }

    fn info(r: &Value, key: &str) -> u64 {
        r["workload_info"][key].as_str().unwrap().parse().unwrap()
    }

    /// The application profile against each fit measurement, stating each one's class-file size:
    /// the guava-only and the commons-lang3 + jackson populations are not the one fitted on, and
    /// show how far real classes stray from the size rule (Class, per class, follows vtables and
    /// itables: jackson's deep serializer hierarchies cost 19 % more than the average).
    #[test]
    fn application_classes_cost_what_the_fit_libraries_measured() {
        let base = result("realcls-g1-512m-nojar-gc");
        for (name, tolerance, class_tolerance) in [
            ("realcls-g1-512m-all", 0.02, 0.02),
            ("realcls-g1-512m-guava", 0.05, 0.02),
            ("realcls-g1-512m-guava1000", 0.07, 0.10),
            ("realcls-serial-256m-lang3-jackson", 0.11, 0.17),
        ] {
            let r = result(name);
            let n = info(&r, "jar_classes_loaded");
            let shape = ClassShape::Application {
                class_file_bytes: info(&r, "jar_loaded_class_bytes") / n,
            };
            let c = shape.cost();
            for (cat, predicted) in [
                ("Metaspace", c.nonclass_bytes),
                ("Class", c.class_space_bytes + c.malloc_bytes),
                ("Symbol", c.symbol_bytes),
            ] {
                let measured = (committed(&r, cat) - committed(&base, cat)) / n as f64;
                let err = (predicted as f64 - measured) / measured;
                let tolerance = if cat == "Class" {
                    class_tolerance
                } else {
                    tolerance
                };
                assert!(
                    err.abs() <= tolerance,
                    "{name} {cat}: {predicted} B per class predicted, {measured:.0} measured ({:+.1} %)",
                    err * 100.0
                );
            }
        }
    }

    /// Thin classes, per class, are what the synthetic sweeps measured; the application profile
    /// costs several times more of every category.
    #[test]
    fn thin_classes_cost_what_the_synthetic_sweeps_measured() {
        let (zero, ten) = (result("sweep-classes0"), result("sweep-classes10000"));
        let c = ClassShape::Thin { methods: 8 }.cost();
        for (cat, predicted) in [
            ("Metaspace", c.nonclass_bytes),
            ("Class", c.class_space_bytes + c.malloc_bytes),
            ("Symbol", c.symbol_bytes),
        ] {
            let measured = (committed(&ten, cat) - committed(&zero, cat)) / 10_000.0;
            assert!(
                (predicted as f64 - measured).abs() / measured < 0.08,
                "{cat}: {predicted} vs {measured:.0}"
            );
        }
        let a = ClassShape::APPLICATION.cost();
        assert!(a.nonclass_bytes > 2 * c.nonclass_bytes);
        assert!(a.symbol_bytes > 10 * c.symbol_bytes);
        assert!(a.class_space_bytes > c.class_space_bytes);
    }

    /// What the application classes keep on the heap: `GC.heap_info` after `System.gc()`, with
    /// and without them.
    #[test]
    fn kept_heap_is_what_survives_a_full_collection() {
        let used_kib = |r: &Value| -> f64 {
            let line = r["heap_info"][0].as_str().unwrap();
            let used = line.split("used ").nth(1).unwrap();
            used.split('K').next().unwrap().parse().unwrap()
        };
        let (with, without) = (
            result("realcls-g1-512m-all-gc"),
            result("realcls-g1-512m-nojar-gc"),
        );
        let per_class = (used_kib(&with) - used_kib(&without)) * 1024.0
            / info(&with, "jar_classes_loaded") as f64;
        let kept = ClassShape::APPLICATION.cost().heap_kept_bytes as f64;
        assert!(
            (kept - per_class).abs() / per_class < 0.05,
            "{kept} vs {per_class:.0}"
        );
    }
}
