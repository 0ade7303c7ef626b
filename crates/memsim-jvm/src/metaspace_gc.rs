//! `Metadata GC Threshold`: the collections HotSpot starts when committed metaspace reaches its
//! high-water mark (jdk17u `MetaspaceGC`, `VM_CollectForMetadataAllocation`).
//!
//! The mark, `capacity_until_GC`, starts at `MetaspaceSize` (21 MiB on 64-bit Linux, 22,020,096 B
//! in 17.0.15) once the VM has initialized. When committing a metaspace granule (class or non-class)
//! would pass it, the allocating thread asks for a collection with cause `Metadata GC Threshold`:
//! G1 a young collection that starts concurrent marking (`Pause Young (Concurrent Start)`; none if a
//! cycle is already running) and raises the mark by `MinMetaspaceExpansion` (320 KiB) to go on
//! allocating; Parallel a full collection, preceded by a young one (`ScavengeBeforeFullGC`), so the
//! log shows `Pause Young` then `Pause Full`; Serial a full collection. After a full collection, and
//! at G1's Remark, `MetaspaceGC::compute_new_size` sets the mark to at least committed /
//! (1 − `MinMetaspaceFreeRatio` = 40 %), aligned up to the 64 KiB commit granule, when that raises
//! it by at least `MinMetaspaceExpansion`. Shrinking the mark (`MaxMetaspaceFreeRatio`) only
//! follows class unloading, which memsim does not model.
//!
//! Approximation: G1's Remark is taken to follow its concurrent start at once (on the real JVM a few
//! milliseconds later, while loading goes on: `-Xlog:gc` of 40,000 thin classes showed thresholds
//! at 21,504 K, 36,480 K and 60,928 K of committed metaspace; this rule gives 21,504 K, 35,840 K and
//! ≈ 59,776 K, which are exactly Serial's and Parallel's in the same runs).

const KIB: u64 = 1024;
const GRANULE: u64 = 64 * KIB;
/// `MetaspaceSize` default on 64-bit (`ScaleForWordSize(16m)` aligned to the commit granule).
pub const METASPACE_SIZE: u64 = 21 * 1024 * KIB;
/// `MinMetaspaceExpansion` default (327,680 B).
pub const MIN_EXPANSION: u64 = 320 * KIB;
/// `MinMetaspaceFreeRatio` default, percent.
const MIN_FREE_PERCENT: u64 = 40;

/// Which collection a metadata threshold asks for, by collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdCollection {
    /// G1: a young collection that starts concurrent marking.
    YoungConcurrentStart,
    /// Parallel: a young collection, then a full one.
    YoungThenFull,
    /// Serial: a full collection.
    Full,
}

/// The metaspace high-water mark.
#[derive(Debug, Clone)]
pub struct MetaspaceGc {
    // Invariant: metaspace_size <= capacity_until_gc <= max_metaspace.max(committed at start).
    capacity_until_gc: u64,
    max_metaspace: u64,
    // `MetaspaceSize`, lowered to `MaxMetaspaceSize` when that is smaller (as the JVM's ergonomics do).
    metaspace_size: u64,
    collections: u64,
}

impl MetaspaceGc {
    /// The mark after VM initialization, with `committed` bytes of metaspace then.
    pub fn new(max_metaspace: u64, committed: u64) -> MetaspaceGc {
        let metaspace_size = METASPACE_SIZE.min(max_metaspace);
        MetaspaceGc {
            capacity_until_gc: committed.max(metaspace_size),
            max_metaspace,
            metaspace_size,
            collections: 0,
        }
    }

    /// Whether `committed` bytes of metaspace (class and non-class) pass the mark.
    pub fn exceeded(&self, committed: u64) -> bool {
        committed > self.capacity_until_gc
    }

    /// The mark.
    pub fn capacity_until_gc(&self) -> u64 {
        self.capacity_until_gc
    }

    /// Collections the mark has started.
    pub fn collections(&self) -> u64 {
        self.collections
    }

    /// A threshold collection ran with `committed` bytes of metaspace; `g1` raises the mark to go
    /// on allocating before its Remark resizes it.
    pub fn collected(&mut self, kind: ThresholdCollection, committed: u64) {
        self.collections += 1;
        if kind == ThresholdCollection::YoungConcurrentStart {
            self.raise(MIN_EXPANSION);
        }
        self.compute_new_size(committed);
    }

    /// `inc_capacity_until_GC`: fails (leaves the mark) past `MaxMetaspaceSize`.
    fn raise(&mut self, bytes: u64) {
        let raised = self.capacity_until_gc.saturating_add(bytes);
        if raised <= self.max_metaspace {
            self.capacity_until_gc = raised;
        }
    }

    fn compute_new_size(&mut self, committed: u64) {
        let desired = (committed.saturating_mul(100) / (100 - MIN_FREE_PERCENT))
            .min(self.max_metaspace)
            .max(self.metaspace_size);
        if self.capacity_until_gc < desired {
            let expand = (desired - self.capacity_until_gc).div_ceil(GRANULE) * GRANULE;
            if expand >= MIN_EXPANSION {
                self.raise(expand);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serial and Parallel, `-Xlog:gc,gc+metaspace` of 40,000 thin classes (OpenJDK 17.0.15):
    /// `Metadata GC Threshold` collections at 21,504 K, 35,840 K and 59,776 K committed.
    #[test]
    fn marks_follow_the_free_ratio_as_logged() {
        let mut m = MetaspaceGc::new(u64::MAX, 832 * KIB);
        let mut marks = vec![];
        let mut committed = 832 * KIB;
        while marks.len() < 3 {
            committed += GRANULE;
            if m.exceeded(committed) {
                // The log prints committed before the granule that failed.
                marks.push((committed - GRANULE) / KIB);
                m.collected(ThresholdCollection::Full, committed - GRANULE);
            }
        }
        assert_eq!(marks, vec![21_504, 35_840, 59_776]);
    }

    #[test]
    fn max_metaspace_bounds_the_mark() {
        let mut m = MetaspaceGc::new(8 << 20, 832 * KIB);
        assert_eq!(m.capacity_until_gc(), 8 << 20);
        m.collected(ThresholdCollection::YoungConcurrentStart, 8 << 20);
        assert_eq!(m.capacity_until_gc(), 8 << 20);
        let mut g1 = MetaspaceGc::new(u64::MAX, 832 * KIB);
        g1.collected(ThresholdCollection::YoungConcurrentStart, 21 << 20);
        assert_eq!(g1.capacity_until_gc(), 35_840 * KIB);
        assert_eq!(m.collections(), 1);
    }
}
