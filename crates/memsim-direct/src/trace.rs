//! Allocation traces: the input of `memsim direct replay` and of the differential test against the
//! real Netty 4.1.48 allocator (`tools/netty-replay/`, `tests/netty_diff.rs`).
//!
//! A trace is text, one operation per line; `#` starts a comment (to the end of the line), blank
//! lines are ignored, tokens are separated by ASCII whitespace:
//!
//! ```text
//! alloc <id> <size> [thread <t>]   # directBuffer(size, size) on thread t
//! free <id> [thread <t>]           # release() on thread t; an unknown, freed or failed id is skipped
//! trim [thread <t>]                # trimCurrentThreadCache() on thread t
//! exit <t>                         # thread t ends: FastThreadLocal.removeAll() returns its cache
//! metrics [label]                  # a snapshot; the label is the rest of the line, trimmed
//! ```
//!
//! `<id>` and `<t>` are any tokens; without `thread`, the thread is `main`. `<size>` is a decimal
//! number of bytes up to 2^31 − 1 (Netty's `int` capacity). After `exit t`, a later operation naming
//! `t` starts a new thread of that name. [`parse_trace`] checks syntax only; what an operation means
//! at run time (e.g. freeing an id whose allocation failed) is the replayer's business.
//!
//! [`generate`] writes realistic random traces, deterministic from a seed.

use memsim_core::SimRng;
use memsim_core::quote::escape_for_message;
use std::fmt::Write as _;

/// The largest size a trace may request: Netty capacities are Java `int`s.
pub const MAX_SIZE: u64 = (1 << 31) - 1;

/// The thread of an operation that names none.
pub const DEFAULT_THREAD: &str = "main";

/// A parsed trace: its operations in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trace {
    /// The operations, in trace order.
    pub ops: Vec<TraceOp>,
}

/// One operation of a trace; `line` is its 1-based line number in the trace text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceOp {
    /// `alloc <id> <size> [thread <t>]`.
    Alloc {
        /// Line number.
        line: usize,
        /// The buffer's name, used by later frees.
        id: String,
        /// Requested bytes (initial = max capacity), at most [`MAX_SIZE`].
        size: u64,
        /// The allocating thread.
        thread: String,
    },
    /// `free <id> [thread <t>]`.
    Free {
        /// Line number.
        line: usize,
        /// The buffer to release.
        id: String,
        /// The releasing thread.
        thread: String,
    },
    /// `trim [thread <t>]`.
    Trim {
        /// Line number.
        line: usize,
        /// The thread whose cache is trimmed.
        thread: String,
    },
    /// `exit <t>`.
    Exit {
        /// Line number.
        line: usize,
        /// The thread that ends.
        thread: String,
    },
    /// `metrics [label]`.
    Metrics {
        /// Line number.
        line: usize,
        /// The snapshot's label (possibly empty).
        label: String,
    },
}

impl TraceOp {
    /// The operation's line number.
    pub fn line(&self) -> usize {
        match self {
            TraceOp::Alloc { line, .. }
            | TraceOp::Free { line, .. }
            | TraceOp::Trim { line, .. }
            | TraceOp::Exit { line, .. }
            | TraceOp::Metrics { line, .. } => *line,
        }
    }
}

/// A syntax error in a trace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TraceError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> TraceError {
    TraceError {
        line,
        message: message.into(),
    }
}

/// `[]` → `main`, `["thread", t]` → `t`, anything else is an error.
fn thread_suffix(rest: &[&str], line: usize, form: &str) -> Result<String, TraceError> {
    match rest {
        [] => Ok(DEFAULT_THREAD.to_string()),
        ["thread", t] => Ok((*t).to_string()),
        _ => Err(err(
            line,
            format!(
                "expected '{form}' followed by nothing or 'thread <t>', got '{}'",
                escape_for_message(&rest.join(" "))
            ),
        )),
    }
}

fn parse_size(s: &str, line: usize) -> Result<u64, TraceError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(
            line,
            format!(
                "bad size '{}' (expected a non-negative integer of bytes)",
                escape_for_message(s)
            ),
        ));
    }
    let mut v: u64 = 0;
    for b in s.bytes() {
        v = v * 10 + u64::from(b - b'0');
        if v > MAX_SIZE {
            return Err(err(
                line,
                format!(
                    "size {} exceeds {MAX_SIZE} (Netty's int capacity)",
                    escape_for_message(s)
                ),
            ));
        }
    }
    Ok(v)
}

/// Parses a trace. Only syntax is checked: unknown verbs, missing or extra tokens, bad sizes.
///
/// # Errors
/// The first syntax error, with its line number.
pub fn parse_trace(text: &str) -> Result<Trace, TraceError> {
    Ok(Trace {
        ops: trace_ops(text).collect::<Result<_, _>>()?,
    })
}

/// The operations of a trace, parsed one line at a time as they are read: a replay of any length
/// holds one operation at a time. Yields the first syntax error (and anything after it, which a
/// caller stops at).
pub fn trace_ops(text: &str) -> TraceOps<'_> {
    TraceOps {
        lines: text.lines().enumerate(),
    }
}

/// The iterator of [`trace_ops`].
#[derive(Debug, Clone)]
pub struct TraceOps<'a> {
    lines: std::iter::Enumerate<std::str::Lines<'a>>,
}

impl Iterator for TraceOps<'_> {
    type Item = Result<TraceOp, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        for (i, raw) in self.lines.by_ref() {
            if let Some(op) = parse_line(i + 1, raw) {
                return Some(op);
            }
        }
        None
    }
}

/// One line: `None` for a blank or comment line.
fn parse_line(line: usize, raw: &str) -> Option<Result<TraceOp, TraceError>> {
    let body = raw.split_once('#').map_or(raw, |(before, _)| before);
    let tokens: Vec<&str> = body.split_ascii_whitespace().collect();
    let verb = *tokens.first()?;
    Some(parse_op(line, body, verb, &tokens))
}

/// The operation of a line whose first token is `verb`.
fn parse_op(line: usize, body: &str, verb: &str, tokens: &[&str]) -> Result<TraceOp, TraceError> {
    let op = match verb {
        "alloc" => {
            if tokens.len() < 3 {
                return Err(err(line, "expected 'alloc <id> <size> [thread <t>]'"));
            }
            let size = parse_size(tokens[2], line)?;
            TraceOp::Alloc {
                line,
                id: tokens[1].to_string(),
                size,
                thread: thread_suffix(&tokens[3..], line, "alloc <id> <size>")?,
            }
        }
        "free" => {
            if tokens.len() < 2 {
                return Err(err(line, "expected 'free <id> [thread <t>]'"));
            }
            TraceOp::Free {
                line,
                id: tokens[1].to_string(),
                thread: thread_suffix(&tokens[2..], line, "free <id>")?,
            }
        }
        "trim" => TraceOp::Trim {
            line,
            thread: thread_suffix(&tokens[1..], line, "trim")?,
        },
        "exit" => {
            if tokens.len() != 2 {
                return Err(err(line, "expected 'exit <t>'"));
            }
            TraceOp::Exit {
                line,
                thread: tokens[1].to_string(),
            }
        }
        "metrics" => {
            // The verb is the first token, so the label is whatever follows it.
            let after = body.trim_start_matches(|c: char| c.is_ascii_whitespace());
            let label = after["metrics".len()..].trim_matches(|c: char| c.is_ascii_whitespace());
            TraceOp::Metrics {
                line,
                label: label.to_string(),
            }
        }
        other => {
            return Err(err(
                line,
                format!(
                    "unknown verb '{}' (expected alloc, free, trim, exit or metrics)",
                    escape_for_message(other)
                ),
            ));
        }
    };
    Ok(op)
}

/// Knobs of [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenParams {
    /// Operations to emit (allocs, frees, trims, exits; `metrics` lines are extra).
    pub n_ops: usize,
    /// Threads `t0 .. t{n-1}` (at least 1 is used).
    pub n_threads: usize,
    /// At most this many live buffers: at the bound, the next operation frees one.
    pub live_max: usize,
    /// The pool's chunk size (`pageSize << maxOrder`): sizes above it are huge.
    pub chunk_size: u64,
    /// Percent of frees done by a thread other than the allocating one.
    pub cross_thread_free_percent: u32,
    /// Percent of allocations of at least a whole chunk (mostly huge, some exactly a chunk).
    pub huge_percent: u32,
    /// A `metrics` line every this many operations (0 = only at the end).
    pub metrics_every: usize,
    /// Emit occasional `trim thread tK`.
    pub trims: bool,
    /// Emit occasional `exit tK` (the name is reused later by a new thread).
    pub exits: bool,
}

impl Default for GenParams {
    fn default() -> Self {
        GenParams {
            n_ops: 3000,
            n_threads: 4,
            live_max: 200,
            chunk_size: 16 << 20,
            cross_thread_free_percent: 20,
            huge_percent: 1,
            metrics_every: 500,
            trims: true,
            exits: true,
        }
    }
}

/// The RNG stream of the generator (any fixed number; `"trace"` in ASCII).
const GEN_STREAM: u64 = 0x74_72_61_63_65;

/// A log-uniform size in `[lo, hi]`: a uniform power-of-two exponent, then either the exact power
/// of two, a neighbour (±1) or a random point of that doubling.
fn log_uniform(rng: &mut SimRng, lo: u64, hi: u64) -> u64 {
    debug_assert!(lo >= 1 && lo <= hi);
    let e_lo = 63 - lo.leading_zeros();
    let e_hi = 63 - hi.leading_zeros();
    let e = e_lo + rng.below(u64::from(e_hi - e_lo + 1)) as u32;
    let base = 1u64 << e;
    let v = match rng.below(10) {
        0..=2 => base,
        3 => base + 1,
        4 => base - 1,
        _ => base + rng.below(base),
    };
    v.clamp(lo, hi)
}

fn gen_size(rng: &mut SimRng, p: &GenParams) -> u64 {
    let chunk = p.chunk_size.clamp(2, MAX_SIZE);
    if rng.below(100) < u64::from(p.huge_percent) {
        // At least a whole chunk: one in five exactly a chunk (Normal, takes a whole chunk), the
        // rest huge (allocated alone, exact size).
        return if rng.below(5) == 0 {
            chunk
        } else {
            (chunk + 1 + rng.below(chunk)).min(MAX_SIZE)
        };
    }
    match rng.below(100) {
        // Tiny (< 512): 0 (the shared empty buffer), 1, multiples of 16, odd sizes.
        0 => 0,
        1..=2 => 1,
        3..=6 => 16 * (1 + rng.below(31)),
        7..=11 => 1 + rng.below(511),
        // The bulk: 256 B – 64 KiB.
        12..=86 => log_uniform(rng, 256, 64 << 10),
        // Large: 64 KiB up to half a chunk (8 MiB with 16 MiB chunks).
        _ => {
            let hi = (chunk / 2).max(64 << 10);
            log_uniform(rng, 64 << 10, hi)
        }
    }
}

/// A realistic random trace, deterministic from `seed`: mostly 256 B – 64 KiB buffers (powers of
/// two and odd sizes, some tiny ones including 0 and 1), some up to half a chunk, `huge_percent` of
/// at least a chunk; allocations on threads `t0..`, frees mostly by the allocating thread; a bounded
/// live set; occasional trims, thread exits (names reused later), rare frees of unknown or already
/// freed ids (skipped by the replayers), `metrics` every `metrics_every` operations; at the end
/// (for half the seeds) `metrics end` and every live buffer freed; always `metrics final` last.
/// Frees of ids whose allocation failed (e.g. under a small cap) are ordinary frees here; the
/// replayers skip them.
pub fn generate(seed: u64, p: &GenParams) -> String {
    let mut rng = SimRng::new(seed, GEN_STREAM);
    let n_threads = p.n_threads.max(1) as u64;
    let live_max = p.live_max.max(1);
    let mut out = String::new();
    let _ = writeln!(out, "# memsim_direct::trace::generate seed={seed} {p:?}");

    // (id number, allocating thread) of each live buffer.
    let mut live: Vec<(u64, u64)> = Vec::new();
    let mut freed: Vec<u64> = Vec::new();
    let mut next_id: u64 = 0;

    let free_line = |out: &mut String, rng: &mut SimRng, id: u64, owner: u64| {
        let thread = if n_threads > 1 && rng.below(100) < u64::from(p.cross_thread_free_percent) {
            (owner + 1 + rng.below(n_threads - 1)) % n_threads
        } else {
            owner
        };
        let _ = writeln!(out, "free a{id} thread t{thread}");
    };

    for i in 0..p.n_ops {
        if p.metrics_every > 0 && i > 0 && i % p.metrics_every == 0 {
            let _ = writeln!(out, "metrics op {i}");
        }
        let roll = rng.below(1000);
        if live.len() >= live_max || (!live.is_empty() && roll < 380) {
            let k = rng.below(live.len() as u64) as usize;
            let (id, owner) = live.swap_remove(k);
            free_line(&mut out, &mut rng, id, owner);
            freed.push(id);
        } else if p.trims && roll >= 990 {
            let _ = writeln!(out, "trim thread t{}", rng.below(n_threads));
        } else if p.exits && (985..990).contains(&roll) {
            let _ = writeln!(out, "exit t{}", rng.below(n_threads));
        } else if (982..985).contains(&roll) {
            // A free the replayers skip: an id never allocated, or one already freed.
            if freed.is_empty() || rng.below(2) == 0 {
                let _ = writeln!(out, "free nx{i} thread t{}", rng.below(n_threads));
            } else {
                let id = freed[rng.below(freed.len() as u64) as usize];
                let _ = writeln!(out, "free a{id} thread t{}", rng.below(n_threads));
            }
        } else {
            let thread = rng.below(n_threads);
            let size = gen_size(&mut rng, p);
            let _ = writeln!(out, "alloc a{next_id} {size} thread t{thread}");
            live.push((next_id, thread));
            next_id += 1;
        }
    }

    if rng.below(2) == 0 {
        let _ = writeln!(out, "metrics end");
        while !live.is_empty() {
            let k = rng.below(live.len() as u64) as usize;
            let (id, owner) = live.swap_remove(k);
            free_line(&mut out, &mut rng, id, owner);
        }
    }
    let _ = writeln!(out, "metrics final");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> TraceError {
        parse_trace(text).expect_err("should not parse")
    }

    #[test]
    fn parses_every_form() {
        let text = "\
# a comment
alloc a1 100
alloc a2 0 thread t1   # trailing comment
\r
free a1 thread t1
free a2
trim
trim thread t1
exit t1
metrics
metrics   after   warm-up  # not in the label
";
        let t = parse_trace(text).unwrap();
        let s = |x: &str| x.to_string();
        assert_eq!(
            t.ops,
            vec![
                TraceOp::Alloc {
                    line: 2,
                    id: s("a1"),
                    size: 100,
                    thread: s("main")
                },
                TraceOp::Alloc {
                    line: 3,
                    id: s("a2"),
                    size: 0,
                    thread: s("t1")
                },
                TraceOp::Free {
                    line: 5,
                    id: s("a1"),
                    thread: s("t1")
                },
                TraceOp::Free {
                    line: 6,
                    id: s("a2"),
                    thread: s("main")
                },
                TraceOp::Trim {
                    line: 7,
                    thread: s("main")
                },
                TraceOp::Trim {
                    line: 8,
                    thread: s("t1")
                },
                TraceOp::Exit {
                    line: 9,
                    thread: s("t1")
                },
                TraceOp::Metrics {
                    line: 10,
                    label: s("")
                },
                TraceOp::Metrics {
                    line: 11,
                    label: s("after   warm-up")
                },
            ]
        );
        assert_eq!(t.ops[8].line(), 11);
    }

    #[test]
    fn crlf_and_max_size() {
        let t = parse_trace("alloc x 2147483647\r\nfree x\r\n").unwrap();
        assert_eq!(t.ops.len(), 2);
        assert!(matches!(
            &t.ops[0],
            TraceOp::Alloc {
                size: 2_147_483_647,
                ..
            }
        ));
        assert_eq!(parse_trace("").unwrap(), Trace::default());
    }

    #[test]
    fn errors_carry_line_numbers() {
        let e = parse_err("alloc a 1\n\n# c\nallocate a 1\n");
        assert_eq!(e.line, 4);
        assert_eq!(
            e.to_string(),
            "line 4: unknown verb 'allocate' (expected alloc, free, trim, exit or metrics)"
        );

        for (text, line, needle) in [
            ("alloc a", 1, "expected 'alloc <id> <size> [thread <t>]'"),
            ("alloc a -1", 1, "bad size '-1'"),
            ("alloc a +1", 1, "bad size '+1'"),
            ("alloc a 1k", 1, "bad size '1k'"),
            ("\nalloc a 2147483648", 2, "exceeds 2147483647"),
            ("alloc a 99999999999999999999999", 1, "exceeds 2147483647"),
            ("alloc a 1 thread", 1, "'thread <t>'"),
            ("alloc a 1 thread t1 x", 1, "'thread <t>'"),
            ("alloc a 1 on t1", 1, "got 'on t1'"),
            ("free", 1, "expected 'free <id> [thread <t>]'"),
            ("free a b", 1, "'thread <t>'"),
            ("trim t1", 1, "'thread <t>'"),
            ("exit", 1, "expected 'exit <t>'"),
            ("exit t1 t2", 1, "expected 'exit <t>'"),
            ("a\n", 1, "unknown verb 'a'"),
            ("Alloc a 1", 1, "unknown verb 'Alloc'"),
        ] {
            let e = parse_err(text);
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn ids_and_threads_are_any_tokens() {
        let t = parse_trace("alloc é/1:x 5 thread Worker-3\nfree é/1:x thread main\nexit Worker-3")
            .unwrap();
        assert!(
            matches!(&t.ops[0], TraceOp::Alloc { id, thread, .. } if id == "é/1:x" && thread == "Worker-3")
        );
    }

    #[test]
    fn generator_is_deterministic_and_seeded() {
        let p = GenParams::default();
        let a = generate(1, &p);
        assert_eq!(a, generate(1, &p));
        assert_ne!(a, generate(2, &p));
        let small = GenParams {
            n_ops: 50,
            ..GenParams::default()
        };
        assert_eq!(generate(9, &small), generate(9, &small));
    }

    #[test]
    fn generated_traces_parse_and_look_realistic() {
        let p = GenParams::default();
        let mut sizes = Vec::new();
        let mut threads = std::collections::BTreeSet::new();
        let (mut frees, mut trims, mut exits, mut metrics) = (0, 0, 0, 0);
        for seed in 0..20 {
            let text = generate(seed, &p);
            let t = parse_trace(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            let last = t.ops.last().unwrap();
            assert!(
                matches!(last, TraceOp::Metrics { label, .. } if label == "final"),
                "seed {seed}"
            );
            let mut live = std::collections::BTreeSet::new();
            for op in &t.ops {
                match op {
                    TraceOp::Alloc {
                        id, size, thread, ..
                    } => {
                        assert!(*size <= MAX_SIZE);
                        sizes.push(*size);
                        threads.insert(thread.clone());
                        assert!(live.insert(id.clone()), "ids are never reused");
                        assert!(live.len() <= p.live_max);
                    }
                    TraceOp::Free { id, .. } => {
                        live.remove(id);
                        frees += 1;
                    }
                    TraceOp::Trim { .. } => trims += 1,
                    TraceOp::Exit { .. } => exits += 1,
                    TraceOp::Metrics { .. } => metrics += 1,
                }
            }
        }
        let count = |f: &dyn Fn(u64) -> bool| sizes.iter().filter(|&&s| f(s)).count();
        let n = sizes.len();
        assert!(n > 20 * 1000, "{n} allocations");
        assert!(count(&|s| s == 0) > 0 && count(&|s| s == 1) > 0);
        assert!(count(&|s| s < 512) > n / 20);
        assert!(count(&|s| (256..=64 << 10).contains(&s)) > n / 2);
        assert!(count(&|s| s > 64 << 10 && s <= 8 << 20) > n / 20);
        assert!(count(&|s| s > 16 << 20) > 0);
        assert!(count(&|s| s == 16 << 20) > 0);
        assert!(count(&|s| s.is_power_of_two()) > n / 5);
        assert!(count(&|s| s % 2 == 1) > n / 10);
        assert_eq!(threads.len(), 4);
        assert!(frees > n / 2 && trims > 0 && exits > 0 && metrics >= 20 * 6);
    }

    #[test]
    fn generator_respects_switches() {
        let p = GenParams {
            n_ops: 2000,
            n_threads: 1,
            trims: false,
            exits: false,
            huge_percent: 0,
            metrics_every: 0,
            ..GenParams::default()
        };
        let t = parse_trace(&generate(3, &p)).unwrap();
        for op in &t.ops {
            match op {
                TraceOp::Trim { .. } | TraceOp::Exit { .. } => panic!("{op:?}"),
                TraceOp::Alloc { size, thread, .. } => {
                    assert!(*size < 16 << 20);
                    assert_eq!(thread, "t0");
                }
                TraceOp::Free { thread, .. } => assert_eq!(thread, "t0"),
                TraceOp::Metrics { label, .. } => assert!(label == "final" || label == "end"),
            }
        }
    }
}
