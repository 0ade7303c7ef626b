//! Trace replay: an allocation trace through [`Netty41Pool`], reported with Netty's metric names.
//!
//! The JSON has the same shape as `tools/netty-replay`'s, which replays the same trace through the
//! real Netty 4.1.48 jar; the differential tests compare the two. Threads are created on first use in
//! trace order; `exit t` ends a thread (its cache is returned) and a later use of `t` is a new thread.

use crate::accounting::{DirectAccounting, NettyCap};
use crate::netty41::{Netty41Config, Netty41Pool, Placement};
use crate::trace::{TraceOp, parse_trace};
use crate::{BufHandle, ThreadKey};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Netty 4.1.48's default chunk size (`8192 << 11`), which its default arena count uses whatever
/// page size and max order a constructor is given.
pub const DEFAULT_CHUNK_SIZE: u64 = 8192 << 11;

/// Replay settings, named after Netty's; `None` = Netty's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayOptions {
    /// `io.netty.allocator.numDirectArenas`.
    pub arenas: Option<u32>,
    /// `io.netty.allocator.pageSize` (8192).
    pub page_size: Option<u64>,
    /// `io.netty.allocator.maxOrder` (11).
    pub max_order: Option<u32>,
    /// `io.netty.allocator.tinyCacheSize` (512).
    pub tiny_cache_size: Option<u32>,
    /// `io.netty.allocator.smallCacheSize` (256).
    pub small_cache_size: Option<u32>,
    /// `io.netty.allocator.normalCacheSize` (64).
    pub normal_cache_size: Option<u32>,
    /// `io.netty.allocator.useCacheForAllThreads` (true).
    pub use_cache_for_all_threads: Option<bool>,
    /// `io.netty.maxDirectMemory` (−1: Netty's counter capped at the JVM's max direct memory).
    pub max_direct_memory: Option<i64>,
    /// `io.netty.availableProcessors`, which the default arena count uses (2).
    pub cores: u32,
    /// The JVM's `-XX:MaxDirectMemorySize` (1 GiB, as the harness runs the real JVM).
    pub jvm_max_direct_memory: u64,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            arenas: None,
            page_size: None,
            max_order: None,
            tiny_cache_size: None,
            small_cache_size: None,
            normal_cache_size: None,
            use_cache_for_all_threads: None,
            max_direct_memory: None,
            cores: 2,
            jvm_max_direct_memory: 1 << 30,
        }
    }
}

/// Why a replay could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The trace has a syntax error.
    #[error("trace line {line}: {message}")]
    Trace {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An option is out of Netty's range.
    #[error("{0}")]
    Option(String),
}

impl ReplayOptions {
    /// The allocator configuration and the cap, as Netty would resolve them.
    ///
    /// # Errors
    /// [`ReplayError::Option`] with Netty's own complaint for an impossible page size or max order.
    pub fn resolve(&self) -> Result<(Netty41Config, NettyCap), ReplayError> {
        let page_size = self.page_size.unwrap_or(8192);
        let max_order = self.max_order.unwrap_or(11);
        if page_size < 4096 || !page_size.is_power_of_two() {
            return Err(ReplayError::Option(format!(
                "pageSize: {page_size} (expected: a power of 2 ≥ 4096)"
            )));
        }
        if max_order > 14 {
            return Err(ReplayError::Option(format!(
                "maxOrder: {max_order} (expected: 0-14)"
            )));
        }
        if page_size << max_order > 1 << 30 {
            return Err(ReplayError::Option(format!(
                "pageSize ({page_size}) << maxOrder ({max_order}) must not exceed 1073741824"
            )));
        }
        let cap = NettyCap::from_property(
            self.max_direct_memory.unwrap_or(-1),
            self.jvm_max_direct_memory,
        );
        let limit = cap.max_direct_memory(self.jvm_max_direct_memory);
        let default_arenas =
            u64::from(2 * self.cores).min(limit / DEFAULT_CHUNK_SIZE / 2 / 3) as u32;
        let cfg = Netty41Config {
            page_size,
            max_order,
            n_arenas: self.arenas.unwrap_or(default_arenas),
            tiny_cache_size: self.tiny_cache_size.unwrap_or(512),
            small_cache_size: self.small_cache_size.unwrap_or(256),
            normal_cache_size: self.normal_cache_size.unwrap_or(64),
            use_cache_for_all_threads: self.use_cache_for_all_threads.unwrap_or(true),
        };
        Ok((cfg, cap))
    }
}

fn placement_json(line: usize, id: &str, p: Option<Placement>) -> Value {
    match p {
        Some(p) if p.arena.is_some() => json!({
            "line": line, "id": id, "arena": p.arena, "chunk": p.chunk, "offset": p.offset,
            "normSize": p.norm_size, "huge": p.huge,
        }),
        // The shared empty buffer (size 0), or an unpooled buffer of an allocator without arenas.
        _ => {
            json!({"line": line, "id": id, "arena": null, "chunk": null, "offset": null, "normSize": null, "huge": null})
        }
    }
}

fn snapshot_json(label: &str, pool: &Netty41Pool) -> Value {
    let arenas: Vec<Value> = pool
        .arena_metrics()
        .into_iter()
        .map(|a| {
            let lists: Vec<Value> = a
                .chunk_lists
                .iter()
                .map(|(name, chunks)| {
                    let chunks: Vec<Value> = chunks
                        .iter()
                        .map(|c| json!({"id": c.id, "usage": c.usage, "freeBytes": c.free_bytes}))
                        .collect();
                    json!({"name": name, "chunks": chunks})
                })
                .collect();
            json!({
                "index": a.index,
                "numThreadCaches": a.num_thread_caches,
                "numAllocations": a.allocations.iter().sum::<u64>(),
                "numTinyAllocations": a.allocations[0],
                "numSmallAllocations": a.allocations[1],
                "numNormalAllocations": a.allocations[2],
                "numHugeAllocations": a.allocations[3],
                "numDeallocations": a.deallocations.iter().sum::<u64>(),
                "numTinyDeallocations": a.deallocations[0],
                "numSmallDeallocations": a.deallocations[1],
                "numNormalDeallocations": a.deallocations[2],
                "numHugeDeallocations": a.deallocations[3],
                "numActiveAllocations": a.active_allocations,
                "numActiveBytes": a.active_bytes,
                "chunkLists": lists,
            })
        })
        .collect();
    json!({"label": label, "usedDirectMemory": pool.used_direct_memory(), "directArenas": arenas})
}

/// Replays a trace and returns the report as JSON: `errors`, `placements`, `snapshots`.
///
/// # Errors
/// [`ReplayError`] for a trace syntax error or impossible options; allocation failures are not
/// errors here but entries of `errors`, with the real exception text.
pub fn replay_json(trace_text: &str, options: &ReplayOptions) -> Result<Value, ReplayError> {
    let trace = parse_trace(trace_text).map_err(|e| ReplayError::Trace {
        line: e.line,
        message: e.message,
    })?;
    let (cfg, cap) = options.resolve()?;
    let mut acct = DirectAccounting::new(cap, options.jvm_max_direct_memory);
    let mut pool = Netty41Pool::new(cfg);
    let mut threads: BTreeMap<String, ThreadKey> = BTreeMap::new();
    let mut next_thread = 0u32;
    let mut thread = |name: &str, threads: &mut BTreeMap<String, ThreadKey>| -> ThreadKey {
        *threads.entry(name.to_string()).or_insert_with(|| {
            next_thread += 1;
            ThreadKey(next_thread - 1)
        })
    };
    // Live buffers by id; `None` = the empty buffer (nothing to free).
    let mut live: BTreeMap<String, Option<BufHandle>> = BTreeMap::new();
    let (mut errors, mut placements, mut snapshots) = (Vec::new(), Vec::new(), Vec::new());
    for op in &trace.ops {
        match op {
            TraceOp::Alloc {
                line,
                id,
                size,
                thread: t,
            } => {
                let key = thread(t, &mut threads);
                match pool.allocate_placed(&mut acct, key, *size) {
                    Ok(placed) => {
                        placements.push(placement_json(*line, id, placed.map(|p| p.1)));
                        live.insert(id.clone(), placed.map(|p| p.0));
                    }
                    Err(e) => {
                        errors.push(json!({"line": line, "message": e.to_string()}));
                        live.remove(id);
                    }
                }
            }
            TraceOp::Free { id, thread: t, .. } => {
                thread(t, &mut threads);
                if let Some(Some(buf)) = live.remove(id) {
                    pool.release(&mut acct, buf);
                }
            }
            TraceOp::Trim { thread: t, .. } => {
                let key = thread(t, &mut threads);
                pool.trim_thread(&mut acct, key);
            }
            TraceOp::Exit { thread: t, .. } => {
                if let Some(key) = threads.remove(t) {
                    pool.end_thread(&mut acct, key);
                }
            }
            TraceOp::Metrics { label, .. } => snapshots.push(snapshot_json(label, &pool)),
        }
    }
    Ok(json!({"errors": errors, "placements": placements, "snapshots": snapshots}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_arenas_follow_netty_formula() {
        let o = ReplayOptions::default();
        assert_eq!(
            o.resolve().unwrap().0.n_arenas,
            4,
            "min(2·2, 1 GiB / 16 MiB / 6 = 10)"
        );
        let o = ReplayOptions {
            max_direct_memory: Some(48 << 20),
            ..ReplayOptions::default()
        };
        assert_eq!(o.resolve().unwrap().0.n_arenas, 0);
        let o = ReplayOptions {
            page_size: Some(3000),
            ..ReplayOptions::default()
        };
        assert!(o.resolve().is_err());
    }

    #[test]
    fn replays_a_small_trace() {
        let trace = "alloc a 100 thread t0\nalloc b 20000000 thread t1\nfree a thread t1\nmetrics one\nexit t0\nalloc c 0\nmetrics two\n";
        let v = replay_json(
            trace,
            &ReplayOptions {
                arenas: Some(2),
                ..ReplayOptions::default()
            },
        )
        .unwrap();
        assert_eq!(v["placements"][0]["normSize"], 112);
        assert_eq!(v["placements"][1]["arena"], 1);
        assert_eq!(v["placements"][1]["huge"], true);
        assert_eq!(v["placements"][2]["chunk"], Value::Null);
        assert_eq!(
            v["snapshots"][0]["usedDirectMemory"],
            (16 << 20) + 20_000_000
        );
        assert_eq!(v["snapshots"][1]["directArenas"][0]["numThreadCaches"], 0);
        assert_eq!(
            v["snapshots"][1]["directArenas"][0]["numTinyDeallocations"], 1,
            "t0's exit returned the cached buffer"
        );
    }

    #[test]
    fn failures_are_reported_with_netty_text_and_their_frees_skipped() {
        let trace = "alloc a 16777216\nalloc b 16777216\nfree b\nmetrics\n";
        let o = ReplayOptions {
            arenas: Some(1),
            max_direct_memory: Some(16 << 20),
            ..ReplayOptions::default()
        };
        let v = replay_json(trace, &o).unwrap();
        assert_eq!(v["errors"][0]["line"], 2);
        assert_eq!(
            v["errors"][0]["message"],
            "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 16777216 byte(s) of direct memory (used: 16777216, max: 16777216)"
        );
        assert_eq!(v["placements"].as_array().unwrap().len(), 1);
    }
}
