//! Trace replay: an allocation trace through a modelled Netty allocator ([`ReplayOptions::netty`]:
//! 4.1.48's [`crate::netty41::Netty41Pool`] or 4.1.118's [`crate::netty4118::Netty4118Pool`]),
//! reported with that version's metric names, streamed ([`replay_to`]) so memory stays flat
//! however long the trace.
//!
//! The JSON has the same shape as `tools/netty-replay`'s, which replays the same trace through the
//! real Netty jar of that version; the differential tests compare the two. Threads are created on first use in
//! trace order; `exit t` ends a thread (its cache is returned) and a later use of `t` is a new thread.

mod options;
mod pools;

pub use options::{
    DEFAULT_CHUNK_SIZE, MAX_ARENAS, MAX_CACHE_SIZE, MAX_CHUNK_SIZE, MAX_CORES, MAX_ORDER,
    MIN_PAGE_SIZE, PoolSettings, ReplayError, ReplayOptions,
};
pub(crate) use pools::ReplayPool;

use crate::accounting::{DirectAccounting, NettyCap};
use crate::netty41::Placement;
use crate::trace::{TraceOp, trace_ops};
use crate::{BufHandle, ThreadKey};
use pools::placement_json;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// What one replay pass reports, in trace order.
enum Out<'a> {
    /// An allocation's placement (`None`: the shared empty buffer or an unpooled one).
    Placement(usize, &'a str, Option<Placement>),
    /// A refused allocation, with the real exception text.
    Error(usize, String),
    /// A `metrics` line: the pool as it is now.
    Snapshot(&'a str, &'a dyn ReplayPool),
    /// The end of the trace: the pool as it is left.
    End(&'a dyn ReplayPool),
}

/// Replays the operations of `trace_text` (known to parse) through a fresh pool, handing each
/// placement, error and snapshot to `out` as it happens. Memory: the pool, the live buffers and the
/// threads; the trace is read one line at a time.
fn replay_pass(
    trace_text: &str,
    settings: &PoolSettings,
    cap: NettyCap,
    jvm_max_direct_memory: u64,
    out: &mut dyn FnMut(Out<'_>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut acct = DirectAccounting::new(cap, jvm_max_direct_memory);
    let mut pool = settings.new_pool();
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
            TraceOp::Metrics { label, .. } => out(Out::Snapshot(&label, pool.as_ref()))?,
        }
    }
    out(Out::End(pool.as_ref()))?;
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

/// The label of the `final` snapshot, the pool as the trace leaves it.
pub const FINAL_LABEL: &str = "final";

/// Replays a trace and writes the report to `w` as it is produced: a JSON object with `errors`,
/// `placements`, `snapshots` and `final` (a snapshot of the pool at the end of the trace), pretty-printed as `serde_json` prints it (the report
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
    let (settings, cap) = options.resolve_settings()?;
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
        let mut end = None;
        replay_pass(trace_text, &settings, cap, jvm, &mut |o| {
            let v = match (i, o) {
                (0, Out::End(pool)) => {
                    end = Some(pool.snapshot(FINAL_LABEL));
                    return Ok(());
                }
                (0, Out::Error(line, message)) => json!({"line": line, "message": message}),
                (1, Out::Placement(line, id, p)) => placement_json(line, id, p),
                (2, Out::Snapshot(label, pool)) => pool.snapshot(label),
                _ => return Ok(()),
            };
            write_element(w, first, &v)?;
            first = false;
            Ok(())
        })
        .map_err(io)?;
        w.write_all(if first { b"]" } else { b"\n  ]" })
            .map_err(io)?;
        // `final` sorts between `errors` and `placements`, as `serde_json` orders keys.
        if let Some(end) = end {
            let text = serde_json::to_string_pretty(&end)
                .map_err(std::io::Error::other)
                .map_err(io)?;
            write!(w, ",\n  \"final\": {}", text.replace('\n', "\n  ")).map_err(io)?;
        }
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
mod tests;
