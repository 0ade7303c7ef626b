//! The static formulas `memsim recommend --compare` holds its answer against. Their rules and
//! numbers are documented facts of the tools, restated here (not their code).
//!
//! **Cloud Foundry Java buildpack memory calculator** (github.com/cloudfoundry/java-buildpack-memory-calculator,
//! v4, `README.md` "Algorithm" and `calculator/calculator.go`):
//! `heap = total − (headroom + direct + metaspace + reserved code cache + Xss × threads)`, where
//! headroom = total × head-room % (default 0 %), direct = `-XX:MaxDirectMemorySize` or 10 MiB,
//! metaspace = `-XX:MaxMetaspaceSize` or 5,800 B × loaded classes + 14,000,000 B, reserved code
//! cache = `-XX:ReservedCodeCacheSize` or 240 MiB, Xss = `-Xss` or 1 MiB; the thread count is an
//! input (the Java buildpack passes 250 by default). Flags the user set are kept. It knows nothing
//! of a page cache, GC structures, malloc arenas or Netty's pool beyond the direct cap it sets.
//!
//! **Neo4j `neo4j-admin server memory-recommendation`** (github.com/neo4j/neo4j,
//! `MemoryRecommendationsCommand`): a table of brackets (total GiB → OS reserve GiB, heap GiB):
//! 0.01 → 0.007, 0.002; 1 → 0.65, 0.3; 2 → 1, 0.5; 4 → 1.5, 2; 6 → 2, 3; 8 → 2.5, 3.5;
//! 10 → 3, 4; 12 → 3.5, 4.5; 16 → 4, 5; 24 → 6, 8; 32 → 8, 12; 64 → 12, 24; 128 → 16, 31;
//! 256 → 20, 31; 512 → 24, 31; 1024 → 30, 31. The memory given falls between the first bracket
//! above it and the one before, and OS reserve and heap are interpolated linearly between them
//! (past the last, its values), truncated to whole MiB; page cache = total − OS − heap −
//! off-heap transaction state (0 with `ON_HEAP` transaction state, the default assumed here), at
//! least 8 MiB. `--memory` is the memory given (here: the limit); the tool does not read the
//! container's limit itself.

const MIB: u64 = 1 << 20;
const GIB: f64 = (1u64 << 30) as f64;

/// The calculator's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CfInputs {
    /// `--total-memory`.
    pub total_bytes: u64,
    /// `--head-room`, in percent.
    pub head_room_percent: u64,
    /// `--loaded-class-count`.
    pub loaded_classes: u64,
    /// `--thread-count`.
    pub threads: u64,
    /// `-XX:MaxDirectMemorySize`, if the user set it.
    pub max_direct: Option<u64>,
    /// `-XX:MaxMetaspaceSize`, if set.
    pub max_metaspace: Option<u64>,
    /// `-XX:ReservedCodeCacheSize`, if set.
    pub reserved_code_cache: Option<u64>,
    /// `-Xss`, if set.
    pub thread_stack: Option<u64>,
}

/// What the calculator sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CfResult {
    /// `-Xmx`.
    pub heap: u64,
    /// `-XX:MaxDirectMemorySize`.
    pub max_direct: u64,
    /// `-XX:MaxMetaspaceSize`.
    pub max_metaspace: u64,
    /// `-XX:ReservedCodeCacheSize`.
    pub reserved_code_cache: u64,
    /// `-Xss`.
    pub thread_stack: u64,
}

/// The calculator's answer, or `None` where it fails ("required memory … is greater than …
/// available").
pub fn cf_memory_calculator(i: &CfInputs) -> Option<CfResult> {
    let headroom = (i.total_bytes as f64 * i.head_room_percent as f64 / 100.0) as u64;
    let max_direct = i.max_direct.unwrap_or(10 * MIB);
    let max_metaspace = i
        .max_metaspace
        .unwrap_or(i.loaded_classes * 5800 + 14_000_000);
    let reserved_code_cache = i.reserved_code_cache.unwrap_or(240 * MIB);
    let thread_stack = i.thread_stack.unwrap_or(MIB);
    let overhead = headroom
        .checked_add(max_direct)?
        .checked_add(max_metaspace)?
        .checked_add(reserved_code_cache)?
        .checked_add(thread_stack.checked_mul(i.threads)?)?;
    let heap = i.total_bytes.checked_sub(overhead).filter(|h| *h > 0)?;
    Some(CfResult {
        heap,
        max_direct,
        max_metaspace,
        reserved_code_cache,
        thread_stack,
    })
}

/// (total GiB, OS GiB, heap GiB).
const BRACKETS: [(f64, f64, f64); 16] = [
    (0.01, 0.007, 0.002),
    (1.0, 0.65, 0.3),
    (2.0, 1.0, 0.5),
    (4.0, 1.5, 2.0),
    (6.0, 2.0, 3.0),
    (8.0, 2.5, 3.5),
    (10.0, 3.0, 4.0),
    (12.0, 3.5, 4.5),
    (16.0, 4.0, 5.0),
    (24.0, 6.0, 8.0),
    (32.0, 8.0, 12.0),
    (64.0, 12.0, 24.0),
    (128.0, 16.0, 31.0),
    (256.0, 20.0, 31.0),
    (512.0, 24.0, 31.0),
    (1024.0, 30.0, 31.0),
];

/// What Neo4j's memory recommendation prints for `total_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neo4jRecommendation {
    /// Left to the OS (and, in the tool's words, "the native memory needed by Lucene and Netty").
    pub os: u64,
    /// `server.memory.heap.initial_size` and `max_size`.
    pub heap: u64,
    /// `server.memory.pagecache.size`.
    pub page_cache: u64,
}

/// Neo4j's bracket table applied to `total_bytes` (transaction state on heap).
pub fn neo4j_memory_recommendation(total_bytes: u64) -> Neo4jRecommendation {
    let gib = total_bytes as f64 / GIB;
    let (lower, upper) = (1..BRACKETS.len())
        .find(|i| gib < BRACKETS[*i].0)
        .map_or((BRACKETS[15], BRACKETS[15]), |i| {
            (BRACKETS[i - 1], BRACKETS[i])
        });
    let factor = if lower == upper {
        0.0
    } else {
        (gib - lower.0) / (upper.0 - lower.0)
    };
    let pick = |l: f64, u: f64| ((l + (u - l) * factor) * 1024.0) as u64 * MIB;
    let os = pick(lower.1, upper.1);
    let heap = pick(lower.2, upper.2);
    let page_cache = total_bytes.saturating_sub(os + heap).max(8 * MIB);
    Neo4jRecommendation {
        os,
        heap,
        page_cache,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neo4j_table_at_and_between_brackets() {
        let r = neo4j_memory_recommendation(12 << 30);
        assert_eq!(
            (r.os, r.heap, r.page_cache),
            (3584 * MIB, 4608 * MIB, 4096 * MIB)
        );
        // Half way from 12 to 16 GiB: OS 3.75 GiB, heap 4.75 GiB.
        let r = neo4j_memory_recommendation(14 << 30);
        assert_eq!((r.os, r.heap), (3840 * MIB, 4864 * MIB));
        assert_eq!(r.page_cache, (14 << 30) - 3840 * MIB - 4864 * MIB);
        let r = neo4j_memory_recommendation(2048 << 30);
        assert_eq!(r.heap, 31 << 30);
    }

    #[test]
    fn cf_formula_and_its_readme_example() {
        // README: 1G, 250 threads, no headroom: heap = 1G − (10M + metaspace + 240M + 250M).
        let i = CfInputs {
            total_bytes: 1 << 30,
            head_room_percent: 0,
            loaded_classes: 0,
            threads: 250,
            max_direct: None,
            max_metaspace: Some(100 * MIB),
            reserved_code_cache: None,
            thread_stack: None,
        };
        let r = cf_memory_calculator(&i).unwrap();
        assert_eq!(r.heap, (1024 - 10 - 100 - 240 - 250) * MIB);
        assert_eq!(r.max_direct, 10 * MIB);
        let r = cf_memory_calculator(&CfInputs {
            max_metaspace: None,
            loaded_classes: 10_000,
            ..i
        })
        .unwrap();
        assert_eq!(r.max_metaspace, 10_000 * 5800 + 14_000_000);
        assert!(cf_memory_calculator(&CfInputs { threads: 2000, ..i }).is_none());
    }
}
