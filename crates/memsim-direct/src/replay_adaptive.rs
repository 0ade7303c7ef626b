//! Trace replay through [`AdaptivePool`] (Netty 4.2.13's `AdaptiveByteBufAllocator`), reported as
//! `tools/netty-replay/AdaptiveReplay.java` reports the real jar, so the differential tests compare
//! the two: `errors`, `placements` (`arena` = magazine group: 0–15 size classes, 16 the buddy group
//! and unpooled buffers), `snapshots` at each `metrics` line with 4.2's `usedDirectMemory`, Netty's
//! counter, the live chunks and every group's magazines and cached chunks, and a `final` snapshot.
//!
//! Thread identity is explicit: a trace thread's id (`Thread.getId()`, which picks its magazine) is
//! its number in order of first mention (`alloc`, `free` or `trim`); `exit` ends it and a later
//! mention of the same name is a new thread with the next number. Threads are plain `Thread`s.
//!
//! The report is built in memory (its size grows with the trace's placements).

use crate::accounting::{DirectAccounting, NettyCap};
use crate::netty42adaptive::{AdaptiveConfig, AdaptivePlacement, AdaptivePool};
use crate::replay::{MAX_CORES, ReplayError};
use crate::trace::{TraceOp, trace_ops};
use crate::{BufHandle, DirectPool, ThreadKey};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Settings of an adaptive replay, as the harness's JVM gets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdaptiveReplayOptions {
    /// `io.netty.availableProcessors` and `-XX:ActiveProcessorCount` (2), 1 to [`MAX_CORES`].
    pub cores: u32,
    /// `Runtime.maxMemory()` in bytes (`-Xmx` with G1; default 1 GiB), for the low-memory switch.
    pub max_heap: u64,
    /// `io.netty.maxDirectMemory` (−1: Netty's counter capped at the JVM's max direct memory).
    pub max_direct_memory: Option<i64>,
    /// `-XX:MaxDirectMemorySize` (1 GiB, as the harness runs).
    pub jvm_max_direct_memory: u64,
    /// Trace threads are event-loop `FastThreadLocalThread`s with thread-local magazines (the
    /// harness's `--event-loop-threads`); else plain threads.
    pub event_loop_threads: bool,
}

impl Default for AdaptiveReplayOptions {
    fn default() -> Self {
        AdaptiveReplayOptions {
            cores: 2,
            max_heap: 1 << 30,
            max_direct_memory: None,
            jvm_max_direct_memory: 1 << 30,
            event_loop_threads: false,
        }
    }
}

impl AdaptiveReplayOptions {
    /// The allocator settings and the cap.
    ///
    /// # Errors
    /// [`ReplayError::Option`] for a processor count out of range or a maximum heap of 0.
    pub fn resolve(&self) -> Result<(AdaptiveConfig, NettyCap), ReplayError> {
        if self.cores == 0 || self.cores > MAX_CORES {
            return Err(ReplayError::Option(format!(
                "availableProcessors: {} (expected: 1-{MAX_CORES})",
                self.cores
            )));
        }
        if self.max_heap == 0 {
            // HotSpot refuses -Xmx0 ("Invalid maximum heap size") and any heap under 2 MiB.
            return Err(ReplayError::Option(
                "--max-heap 0: Runtime.maxMemory() is never 0 (HotSpot refuses -Xmx0); give the JVM's maximum heap"
                    .into(),
            ));
        }
        let cfg = AdaptiveConfig {
            event_loop_threads: self.event_loop_threads,
            ..AdaptiveConfig::for_max_heap(self.cores, self.max_heap)
        };
        let cap = NettyCap::from_property(
            self.max_direct_memory.unwrap_or(-1),
            self.jvm_max_direct_memory,
        );
        Ok((cfg, cap))
    }
}

fn placement_json(line: usize, id: &str, p: Option<AdaptivePlacement>) -> Value {
    match p {
        Some(p) => json!({"line": line, "id": id, "arena": p.group, "chunk": p.chunk,
            "offset": p.offset, "normSize": p.norm_size, "huge": p.huge}),
        None => json!({"line": line, "id": id, "arena": null, "chunk": null,
            "offset": null, "normSize": null, "huge": null}),
    }
}

/// A snapshot with 4.2's metric names (`usedDirectMemory`), the counter, live chunks and groups.
pub fn snapshot_json(label: &str, pool: &AdaptivePool, acct: &DirectAccounting) -> Value {
    let live: Vec<Value> = pool
        .live_chunks()
        .into_iter()
        .map(|(id, capacity)| json!({"id": id, "capacity": capacity}))
        .collect();
    let buddy = pool.group_metrics().len() - 1;
    let groups: Vec<Value> = pool
        .group_metrics()
        .into_iter()
        .map(|g| {
            let mut v = json!({"index": g.index, "segmentSize": g.segment_size,
                "magazines": g.magazines, "cachedChunks": g.cached_chunks});
            if g.index as usize == buddy {
                v["maxChunkSize"] = json!(pool.buddy_max_chunk_size());
            }
            v
        })
        .collect();
    let counter = acct.netty_used().map_or(-1, |u| u as i64);
    json!({"label": label, "usedDirectMemory": pool.used_memory(), "nettyCounter": counter,
        "liveChunks": live, "groups": groups})
}

/// Replays a trace through the adaptive model and returns the report.
///
/// # Errors
/// [`ReplayError::Trace`] for a syntax error, [`ReplayError::Option`] for bad options; allocation
/// failures are entries of `errors`, with the real exception text.
pub fn replay_adaptive_json(
    trace_text: &str,
    options: &AdaptiveReplayOptions,
) -> Result<Value, ReplayError> {
    if let Some(Err(e)) = trace_ops(trace_text).find(Result::is_err) {
        return Err(ReplayError::Trace {
            line: e.line,
            message: e.message,
        });
    }
    let (cfg, cap) = options.resolve()?;
    let mut acct = DirectAccounting::new(cap, options.jvm_max_direct_memory);
    let mut pool = AdaptivePool::new(cfg);
    let (mut errors, mut placements, mut snapshots) = (Vec::new(), Vec::new(), Vec::new());
    let mut threads: BTreeMap<String, ThreadKey> = BTreeMap::new();
    let mut next_thread = 0u32;
    let mut thread = |name: &str, threads: &mut BTreeMap<String, ThreadKey>| -> ThreadKey {
        *threads.entry(name.to_string()).or_insert_with(|| {
            let key = ThreadKey(next_thread);
            next_thread = next_thread.saturating_add(1);
            key
        })
    };
    let mut live: BTreeMap<String, Option<BufHandle>> = BTreeMap::new();
    for op in trace_ops(trace_text) {
        let Ok(op) = op else { break };
        match op {
            TraceOp::Alloc {
                line,
                id,
                size,
                thread: t,
            } => {
                let key = thread(&t, &mut threads);
                match pool.allocate_placed(&mut acct, key, size) {
                    Ok(placed) => {
                        placements.push(placement_json(line, &id, placed.map(|p| p.1)));
                        live.insert(id, placed.map(|p| p.0));
                    }
                    Err(e) => {
                        errors.push(json!({"line": line, "message": e.to_string()}));
                        live.remove(&id);
                    }
                }
            }
            TraceOp::Free { id, thread: t, .. } => {
                let key = thread(&t, &mut threads);
                if let Some(Some(buf)) = live.remove(&id) {
                    pool.release(&mut acct, key, buf);
                }
            }
            TraceOp::Trim { thread: t, .. } => {
                thread(&t, &mut threads);
            }
            TraceOp::Exit { thread: t, .. } => {
                if let Some(key) = threads.remove(&t) {
                    pool.end_thread(&mut acct, key);
                }
            }
            TraceOp::Metrics { label, .. } => snapshots.push(snapshot_json(&label, &pool, &acct)),
        }
    }
    let fin = snapshot_json("final", &pool, &acct);
    Ok(json!({"errors": errors, "placements": placements, "snapshots": snapshots, "final": fin}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_the_readme_example() {
        let trace = "alloc a 100\nalloc b 100\nalloc c 40000 thread t1\nalloc d 2000000\nfree a\nalloc e 50\nmetrics m\nfree c thread t1\n";
        let v = replay_adaptive_json(trace, &AdaptiveReplayOptions::default()).unwrap();
        assert_eq!(v["placements"][1]["offset"], 128);
        assert_eq!(v["placements"][2]["arena"], 16);
        assert_eq!(v["placements"][3]["huge"], true);
        assert_eq!(v["snapshots"][0]["usedDirectMemory"], 2_786_432);
        assert_eq!(v["final"]["groups"][16]["maxChunkSize"], 524_288);
        assert!(matches!(
            replay_adaptive_json(
                "alloc a 1\n",
                &AdaptiveReplayOptions {
                    cores: 0,
                    ..AdaptiveReplayOptions::default()
                }
            ),
            Err(ReplayError::Option(_))
        ));
    }
}
