//! Trace replay: an allocation trace through [`Netty41Pool`], reported with Netty's metric names,
//! streamed ([`replay_to`]) so memory stays flat however long the trace.
//!
//! The JSON has the same shape as `tools/netty-replay`'s, which replays the same trace through the
//! real Netty 4.1.48 jar; the differential tests compare the two. Threads are created on first use in
//! trace order; `exit t` ends a thread (its cache is returned) and a later use of `t` is a new thread.

use crate::accounting::{DirectAccounting, NettyCap};
use crate::netty41::{Netty41Config, Netty41Pool, Placement};
use crate::trace::{TraceOp, trace_ops};
use crate::{BufHandle, ThreadKey};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// Netty 4.1.48's default chunk size (`8192 << 11`), which its default arena count uses whatever
/// page size and max order a constructor is given.
pub const DEFAULT_CHUNK_SIZE: u64 = 8192 << 11;

/// Netty's smallest page size (`PoolArena`'s `pageSize` check).
pub const MIN_PAGE_SIZE: u64 = 4096;
/// Netty's largest `maxOrder`.
pub const MAX_ORDER: u32 = 14;
/// Netty's largest chunk, `pageSize << maxOrder` (`PooledByteBufAllocator.MAX_CHUNK_SIZE`).
pub const MAX_CHUNK_SIZE: u64 = 1 << 30;
/// Most direct arenas: the scenarios' limit (Netty has none, but each arena is real memory).
pub const MAX_ARENAS: u32 = 1024;
/// Most processors, as scenarios' `machine.cores`.
pub const MAX_CORES: u32 = 1024;
/// Largest thread-cache size: a Java `int`.
pub const MAX_CACHE_SIZE: u32 = i32::MAX as u32;

/// Replay settings, named after Netty's; `None` = Netty's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayOptions {
    /// `io.netty.allocator.numDirectArenas`, at most [`MAX_ARENAS`].
    pub arenas: Option<u32>,
    /// `io.netty.allocator.pageSize` (8192): a power of two, at least [`MIN_PAGE_SIZE`].
    pub page_size: Option<u64>,
    /// `io.netty.allocator.maxOrder` (11), at most [`MAX_ORDER`]; `pageSize << maxOrder` is at
    /// most [`MAX_CHUNK_SIZE`].
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
    /// `io.netty.availableProcessors`, which the default arena count uses (2), 1 to [`MAX_CORES`].
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
    /// The report could not be written.
    #[error("cannot write the report: {message}")]
    Write {
        /// The I/O error's kind.
        kind: std::io::ErrorKind,
        /// Its text.
        message: String,
    },
}

impl ReplayOptions {
    /// The allocator configuration and the cap, as Netty would resolve them.
    ///
    /// # Errors
    /// [`ReplayError::Option`] with Netty's own complaint for an impossible page size or max order
    /// (checked without overflow), and for arenas, processors or cache sizes out of range.
    pub fn resolve(&self) -> Result<(Netty41Config, NettyCap), ReplayError> {
        let page_size = self.page_size.unwrap_or(8192);
        let max_order = self.max_order.unwrap_or(11);
        if page_size < MIN_PAGE_SIZE || !page_size.is_power_of_two() {
            return Err(ReplayError::Option(format!(
                "pageSize: {page_size} (expected: a power of 2 ≥ {MIN_PAGE_SIZE})"
            )));
        }
        if max_order > MAX_ORDER {
            return Err(ReplayError::Option(format!(
                "maxOrder: {max_order} (expected: 0-{MAX_ORDER})"
            )));
        }
        // `page_size << max_order` without the shift: a page size near 2^64 would shift to 0.
        if page_size > MAX_CHUNK_SIZE >> max_order {
            return Err(ReplayError::Option(format!(
                "pageSize ({page_size}) << maxOrder ({max_order}) must not exceed {MAX_CHUNK_SIZE}"
            )));
        }
        if let Some(n) = self.arenas
            && n > MAX_ARENAS
        {
            return Err(ReplayError::Option(format!(
                "numDirectArenas: {n} (expected: 0-{MAX_ARENAS}, as scenarios allow)"
            )));
        }
        if !(1..=MAX_CORES).contains(&self.cores) {
            return Err(ReplayError::Option(format!(
                "availableProcessors: {} (expected: 1-{MAX_CORES})",
                self.cores
            )));
        }
        for (name, size) in [
            ("tinyCacheSize", self.tiny_cache_size),
            ("smallCacheSize", self.small_cache_size),
            ("normalCacheSize", self.normal_cache_size),
        ] {
            if let Some(size) = size
                && size > MAX_CACHE_SIZE
            {
                return Err(ReplayError::Option(format!(
                    "{name}: {size} (expected: 0-{MAX_CACHE_SIZE}, a Java int)"
                )));
            }
        }
        let cap = NettyCap::from_property(
            self.max_direct_memory.unwrap_or(-1),
            self.jvm_max_direct_memory,
        );
        let limit = cap.max_direct_memory(self.jvm_max_direct_memory);
        // min(2·cores, maxDirectMemory / chunk / 2 / 3): both at most 2048 here.
        let default_arenas = (2 * u64::from(self.cores)).min(limit / DEFAULT_CHUNK_SIZE / 2 / 3);
        let default_arenas = u32::try_from(default_arenas).unwrap_or(u32::MAX);
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

/// What one replay pass reports, in trace order.
enum Out<'a> {
    /// An allocation's placement (`None`: the shared empty buffer or an unpooled one).
    Placement(usize, &'a str, Option<Placement>),
    /// A refused allocation, with the real exception text.
    Error(usize, String),
    /// A `metrics` line: the pool as it is now.
    Snapshot(&'a str, &'a Netty41Pool),
}

/// Replays the operations of `trace_text` (known to parse) through a fresh pool, handing each
/// placement, error and snapshot to `out` as it happens. Memory: the pool, the live buffers and the
/// threads; the trace is read one line at a time.
fn replay_pass(
    trace_text: &str,
    cfg: &Netty41Config,
    cap: NettyCap,
    jvm_max_direct_memory: u64,
    out: &mut dyn FnMut(Out<'_>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut acct = DirectAccounting::new(cap, jvm_max_direct_memory);
    let mut pool = Netty41Pool::new(*cfg);
    let mut threads: BTreeMap<String, ThreadKey> = BTreeMap::new();
    let mut next_thread = 0u32;
    let mut thread = |name: &str, threads: &mut BTreeMap<String, ThreadKey>| -> ThreadKey {
        if let Some(&key) = threads.get(name) {
            return key;
        }
        // Thread keys are never reused: a trace has fewer lines than 2^32 threads in practice,
        // and past that the count saturates (threads then share the last key).
        let key = ThreadKey(next_thread);
        next_thread = next_thread.saturating_add(1);
        threads.insert(name.to_string(), key);
        key
    };
    // Live buffers by id; `None` = the empty buffer (nothing to free).
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
                        out(Out::Placement(line, &id, placed.map(|p| p.1)))?;
                        live.insert(id, placed.map(|p| p.0));
                    }
                    Err(e) => {
                        out(Out::Error(line, e.to_string()))?;
                        live.remove(&id);
                    }
                }
            }
            TraceOp::Free { id, thread: t, .. } => {
                thread(&t, &mut threads);
                if let Some(Some(buf)) = live.remove(&id) {
                    pool.release(&mut acct, buf);
                }
            }
            TraceOp::Trim { thread: t, .. } => {
                let key = thread(&t, &mut threads);
                pool.trim_thread(&mut acct, key);
            }
            TraceOp::Exit { thread: t, .. } => {
                if let Some(key) = threads.remove(&t) {
                    pool.end_thread(&mut acct, key);
                }
            }
            TraceOp::Metrics { label, .. } => out(Out::Snapshot(&label, &pool))?,
        }
    }
    Ok(())
}

/// Writes `v` as an element of a top-level array in `serde_json`'s pretty format (two spaces per
/// level: the element at depth 2), so the streamed report is byte for byte what
/// `serde_json::to_string_pretty` makes of the whole report. Strings in JSON never hold a raw
/// newline, so every newline is structure.
fn write_element(w: &mut dyn Write, first: bool, v: &Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(std::io::Error::other)?;
    w.write_all(if first { b"\n    " } else { b",\n    " })?;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            w.write_all(b"\n    ")?;
        }
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Replays a trace and writes the report to `w` as it is produced: a JSON object with `errors`,
/// `placements` and `snapshots`, pretty-printed as `serde_json` prints it (the report
/// [`replay_json`] returns, byte for byte, with a final newline).
///
/// Memory stays flat however long the trace: the trace is checked first (nothing is written if
/// it has a syntax error, or the options are out of range), then replayed three times, once per
/// section, each element written as it happens. The replay is deterministic, so the three passes
/// see the same run. Output is written in small pieces: give a buffered writer.
///
/// # Errors
/// [`ReplayError::Trace`] and [`ReplayError::Option`] before anything is written;
/// [`ReplayError::Write`] when `w` fails. Allocation failures are not errors here but entries of
/// `errors`, with the real exception text.
pub fn replay_to(
    trace_text: &str,
    options: &ReplayOptions,
    w: &mut dyn Write,
) -> Result<(), ReplayError> {
    if let Some(Err(e)) = trace_ops(trace_text).find(Result::is_err) {
        return Err(ReplayError::Trace {
            line: e.line,
            message: e.message,
        });
    }
    let (cfg, cap) = options.resolve()?;
    let jvm = options.jvm_max_direct_memory;
    let io = |e: std::io::Error| ReplayError::Write {
        kind: e.kind(),
        message: e.to_string(),
    };
    w.write_all(b"{").map_err(io)?;
    for (i, section) in ["errors", "placements", "snapshots"]
        .into_iter()
        .enumerate()
    {
        let prefix = if i == 0 { "\n" } else { ",\n" };
        write!(w, "{prefix}  \"{section}\": [").map_err(io)?;
        let mut first = true;
        replay_pass(trace_text, &cfg, cap, jvm, &mut |o| {
            let v = match (i, o) {
                (0, Out::Error(line, message)) => json!({"line": line, "message": message}),
                (1, Out::Placement(line, id, p)) => placement_json(line, id, p),
                (2, Out::Snapshot(label, pool)) => snapshot_json(label, pool),
                _ => return Ok(()),
            };
            write_element(w, first, &v)?;
            first = false;
            Ok(())
        })
        .map_err(io)?;
        w.write_all(if first { b"]" } else { b"\n  ]" })
            .map_err(io)?;
    }
    w.write_all(b"\n}\n").map_err(io)?;
    w.flush().map_err(io)
}

/// Replays a trace and returns the report as JSON: `errors`, `placements`, `snapshots`. The whole
/// report is held in memory: for long traces, [`replay_to`] streams it.
///
/// # Errors
/// [`ReplayError`] for a trace syntax error or impossible options; allocation failures are not
/// errors here but entries of `errors`, with the real exception text.
pub fn replay_json(trace_text: &str, options: &ReplayOptions) -> Result<Value, ReplayError> {
    let mut out = Vec::new();
    replay_to(trace_text, options, &mut out)?;
    serde_json::from_slice(&out).map_err(|e| ReplayError::Write {
        kind: std::io::ErrorKind::InvalidData,
        message: e.to_string(),
    })
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

    /// The report as the replay built it before it streamed: every element collected in one
    /// pass, then the whole value pretty-printed.
    fn reference(trace: &str, o: &ReplayOptions) -> String {
        let (cfg, cap) = o.resolve().unwrap();
        let (mut errors, mut placements, mut snapshots) = (Vec::new(), Vec::new(), Vec::new());
        replay_pass(trace, &cfg, cap, o.jvm_max_direct_memory, &mut |out| {
            match out {
                Out::Error(line, message) => {
                    errors.push(json!({"line": line, "message": message}));
                }
                Out::Placement(line, id, p) => placements.push(placement_json(line, id, p)),
                Out::Snapshot(label, pool) => snapshots.push(snapshot_json(label, pool)),
            }
            Ok(())
        })
        .unwrap();
        let v = json!({"errors": errors, "placements": placements, "snapshots": snapshots});
        let mut text = serde_json::to_string_pretty(&v).unwrap();
        text.push('\n');
        text
    }

    /// The streamed report is byte for byte the pretty-printed whole, with empty and full
    /// sections, failures, huge buffers and thread exits.
    #[test]
    fn streamed_report_is_byte_identical_to_the_whole() {
        use crate::trace::{GenParams, generate};
        let small_cap = ReplayOptions {
            arenas: Some(1),
            max_direct_memory: Some(20 << 20),
            ..ReplayOptions::default()
        };
        let no_arenas = ReplayOptions {
            arenas: Some(0),
            ..ReplayOptions::default()
        };
        let mut traces = vec![
            String::new(),
            "# nothing\n".to_string(),
            "metrics only\n".to_string(),
            "alloc a 1\n".to_string(),
            "alloc a 16777216\nalloc b 16777216\nfree b\nmetrics\n".to_string(),
        ];
        for seed in 0..4 {
            let p = GenParams {
                n_ops: 300,
                huge_percent: 5,
                metrics_every: 100,
                ..GenParams::default()
            };
            traces.push(generate(seed, &p));
        }
        for trace in &traces {
            for o in [&ReplayOptions::default(), &small_cap, &no_arenas] {
                let mut out = Vec::new();
                replay_to(trace, o, &mut out).unwrap();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    reference(trace, o),
                    "{trace:?} {o:?}"
                );
            }
        }
    }

    /// Nothing is written for a bad trace or bad options; a failing writer is an error.
    #[test]
    fn errors_come_before_any_output() {
        let mut out = Vec::new();
        let e = replay_to(
            "alloc a 1\nalloc b x\n",
            &ReplayOptions::default(),
            &mut out,
        );
        assert!(
            matches!(e, Err(ReplayError::Trace { line: 2, .. })),
            "{e:?}"
        );
        assert!(out.is_empty());
        let o = ReplayOptions {
            arenas: Some(u32::MAX),
            ..ReplayOptions::default()
        };
        assert!(matches!(
            replay_to("alloc a 1\n", &o, &mut out),
            Err(ReplayError::Option(_))
        ));
        assert!(out.is_empty());

        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "disk full",
                ))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let e = replay_to("alloc a 1\n", &ReplayOptions::default(), &mut Full);
        assert!(
            matches!(
                &e,
                Err(ReplayError::Write {
                    kind: std::io::ErrorKind::StorageFull,
                    ..
                })
            ),
            "{e:?}"
        );
    }

    fn option_error(o: ReplayOptions) -> String {
        match o.resolve() {
            Err(ReplayError::Option(m)) => m,
            other => panic!("expected an option error, got {other:?}"),
        }
    }

    /// Netty's own bounds, with checked arithmetic: a page size that `<< max_order` would shift
    /// to 0 is too large, not 0; arenas, processors and cache sizes are bounded too.
    #[test]
    fn options_out_of_range_are_errors() {
        let d = ReplayOptions::default;
        let m = option_error(ReplayOptions {
            page_size: Some(1 << 63),
            max_order: Some(1),
            ..d()
        });
        assert_eq!(
            m,
            "pageSize (9223372036854775808) << maxOrder (1) must not exceed 1073741824"
        );
        let m = option_error(ReplayOptions {
            page_size: Some(1 << 40),
            max_order: Some(0),
            ..d()
        });
        assert!(m.contains("must not exceed 1073741824"), "{m}");
        let m = option_error(ReplayOptions {
            page_size: Some(1 << 17),
            max_order: Some(14),
            ..d()
        });
        assert!(m.contains("must not exceed"), "{m}");
        let (cfg, _) = ReplayOptions {
            page_size: Some(1 << 16),
            max_order: Some(14),
            ..d()
        }
        .resolve()
        .unwrap();
        assert_eq!(cfg.chunk_size(), 1 << 30, "exactly 1 GiB is allowed");
        assert_eq!(
            option_error(ReplayOptions {
                max_order: Some(u32::MAX),
                ..d()
            }),
            "maxOrder: 4294967295 (expected: 0-14)"
        );
        assert_eq!(
            option_error(ReplayOptions {
                arenas: Some(u32::MAX),
                ..d()
            }),
            "numDirectArenas: 4294967295 (expected: 0-1024, as scenarios allow)"
        );
        assert_eq!(
            ReplayOptions {
                arenas: Some(1024),
                ..d()
            }
            .resolve()
            .unwrap()
            .0
            .n_arenas,
            1024
        );
        for cores in [0, 1025, u32::MAX] {
            let m = option_error(ReplayOptions { cores, ..d() });
            assert!(m.starts_with("availableProcessors"), "{m}");
        }
        let m = option_error(ReplayOptions {
            small_cache_size: Some(u32::MAX),
            ..d()
        });
        assert!(m.starts_with("smallCacheSize: 4294967295"), "{m}");
        // The largest processor count and direct memory do not overflow the default arena count.
        let o = ReplayOptions {
            cores: 1024,
            jvm_max_direct_memory: u64::MAX,
            ..d()
        };
        assert_eq!(o.resolve().unwrap().0.n_arenas, 2048);
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
