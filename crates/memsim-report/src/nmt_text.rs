//! Reading real NMT text: `jcmd <pid> VM.native_memory summary` (any `scale=`), its `summary.diff`
//! form, and memsim's own `nmt-summary.txt`; and writing a diff of two summaries in `summary.diff`
//! layout.
//!
//! What is read: the `Total:` line and every category line `-  <Name> (reserved=…, committed=…)`,
//! each amount with its unit (`KB`, `MB`, `GB`, `B` or none = bytes) and, in a diff, a signed delta
//! after it (`+133KB`, `-5KB`). Sub-lines in parentheses, headers and memsim's `#` lines are skipped.
//! Amounts are converted to bytes by their unit, so a KB figure is exact to NMT's own rounding
//! (NMT prints `(bytes + 512) / 1024`).

use std::fmt::Write as _;

use memsim_core::quote_for_message;

/// One parsed amount pair, in bytes, with the diff's deltas when the input had them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NmtAmounts {
    /// Reserved bytes.
    pub reserved_bytes: u64,
    /// Committed bytes.
    pub committed_bytes: u64,
    /// Change in reserved bytes (a `summary.diff` input), else `None`.
    pub reserved_delta_bytes: Option<i64>,
    /// Change in committed bytes (a `summary.diff` input), else `None`.
    pub committed_delta_bytes: Option<i64>,
}

/// A parsed NMT summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NmtSummary {
    /// The `Total:` line.
    pub total: NmtAmounts,
    /// Categories in the order printed.
    pub categories: Vec<(String, NmtAmounts)>,
}

/// Why a text is not an NMT summary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct NmtParseError {
    /// 1-based line: the offending line, or the last line when the whole text is at fault (no
    /// `Total:` line by the end).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn unit_bytes(unit: &str) -> Option<u64> {
    Some(match unit {
        "" | "B" => 1,
        "KB" => 1 << 10,
        "MB" => 1 << 20,
        "GB" => 1 << 30,
        _ => return None,
    })
}

/// Parses `123KB` or `-5MB` (sign allowed only when `signed`).
fn amount(s: &str, signed: bool) -> Option<i128> {
    let s = s.trim();
    let (neg, digits) = match s.as_bytes().first()? {
        b'+' if signed => (false, &s[1..]),
        b'-' if signed => (true, &s[1..]),
        _ => (false, s),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let n: i128 = digits[..end].parse().ok()?;
    // Checked: 2^98 + 1 GB wrapped to exactly 1 GiB.
    let v = n.checked_mul(i128::from(unit_bytes(&digits[end..])?))?;
    Some(if neg { -v } else { v })
}

/// Parses `reserved=1KB +2KB, committed=3KB -4KB` (deltas optional).
fn amounts(s: &str) -> Option<NmtAmounts> {
    let (r, c) = s.split_once(", committed=")?;
    let r = r.trim().strip_prefix("reserved=")?;
    // JDK 21 adds the read-only part of the CDS archive to `Shared class space`:
    // `(reserved=16384KB, committed=11968KB, readonly=0KB)`; memsim does not keep it.
    let c = match c.split_once(", ") {
        Some((c, extra)) if extra.trim_start().starts_with("readonly=") => c,
        Some(_) => return None,
        None => c,
    };
    let one = |part: &str| -> Option<(u64, Option<i64>)> {
        let mut words = part.split_whitespace();
        let v = u64::try_from(amount(words.next()?, false)?).ok()?;
        let d = match words.next() {
            Some(d) => Some(i64::try_from(amount(d, true)?).ok()?),
            None => None,
        };
        words.next().is_none().then_some((v, d))
    };
    let (reserved_bytes, reserved_delta_bytes) = one(r)?;
    let (committed_bytes, committed_delta_bytes) = one(c)?;
    Some(NmtAmounts {
        reserved_bytes,
        committed_bytes,
        reserved_delta_bytes,
        committed_delta_bytes,
    })
}

/// Parses NMT summary text.
///
/// # Errors
/// [`NmtParseError`] when there is no `Total:` line, or a `Total:` or category line is malformed.
pub fn parse_nmt(text: &str) -> Result<NmtSummary, NmtParseError> {
    let mut out = NmtSummary::default();
    let mut saw_total = false;
    let mut lines = 0;
    for (i, raw) in text.lines().enumerate() {
        lines = i + 1;
        let line = raw.trim();
        let err = |message: String| NmtParseError {
            line: i + 1,
            message,
        };
        if let Some(rest) = line.strip_prefix("Total:") {
            out.total = amounts(rest)
                .ok_or_else(|| err(format!("malformed Total line {}", quote_for_message(line))))?;
            saw_total = true;
        } else if let Some(rest) = line.strip_prefix('-') {
            let Some(open) = rest.find("(reserved=") else {
                continue;
            };
            let name = rest[..open].trim();
            let inner = rest[open + 1..].trim_end().strip_suffix(')');
            let a = inner.and_then(amounts).ok_or_else(|| {
                err(format!(
                    "malformed category line {}",
                    quote_for_message(line)
                ))
            })?;
            if name.is_empty() {
                return Err(err("category line without a name".into()));
            }
            if name.chars().any(char::is_control) {
                return Err(err(format!(
                    "category name {} holds control characters",
                    quote_for_message(name)
                )));
            }
            out.categories.push((name.to_string(), a));
        }
    }
    if !saw_total {
        return Err(NmtParseError {
            line: lines.max(1),
            message: "reached the end without a `Total: reserved=…, committed=…` line: not a VM.native_memory summary"
                .into(),
        });
    }
    Ok(out)
}

/// The parsed summary as JSON: `{"total": {…}, "categories": {NAME: {…}}}` with `reserved_bytes`,
/// `committed_bytes` and, for a diff input, `reserved_delta_bytes` and `committed_delta_bytes`.
pub fn nmt_json(s: &NmtSummary) -> serde_json::Value {
    let one = |a: &NmtAmounts| {
        let mut m = serde_json::Map::new();
        m.insert("reserved_bytes".into(), a.reserved_bytes.into());
        m.insert("committed_bytes".into(), a.committed_bytes.into());
        if let Some(d) = a.reserved_delta_bytes {
            m.insert("reserved_delta_bytes".into(), d.into());
        }
        if let Some(d) = a.committed_delta_bytes {
            m.insert("committed_delta_bytes".into(), d.into());
        }
        serde_json::Value::Object(m)
    };
    let mut cats = serde_json::Map::new();
    for (name, a) in &s.categories {
        cats.insert(name.clone(), one(a));
    }
    serde_json::json!({"total": one(&s.total), "categories": cats})
}

/// Bytes to KB as NMT rounds, `(bytes + 512) / 1024`, without overflowing near `u64::MAX`.
fn kb(bytes: u64) -> u64 {
    bytes / 1024 + u64::from(bytes % 1024 >= 512)
}

/// `nowKB`, then the signed change from `before` when non-zero (computed in 128 bits).
fn with_delta(now: u64, before: u64) -> String {
    let (n, b) = (i128::from(kb(now)), i128::from(kb(before)));
    match n - b {
        0 => format!("{n}KB"),
        d if d > 0 => format!("{n}KB +{d}KB"),
        d => format!("{n}KB {d}KB"),
    }
}

/// `B − A` in the layout of JDK 17's `jcmd <pid> VM.native_memory summary.diff` (checked against
/// `tests/fixtures/nmt/g1-1g-200threads.diff.txt`): the `(Omitting …)` line, the Total, then each
/// category with B's amounts in KB, each followed by its signed change when non-zero, and a line
/// holding one space after each category, as jcmd prints them. `Java Heap` gets its `(mmap: …)`
/// sub-line (the heap is all mmap); the other sub-lines (malloc, arena, counts) are not in an
/// [`NmtSummary`] and are left out. Categories present in only one summary count as zero in the
/// other; one that is under 1 KB in both is omitted, as jcmd omits it.
pub fn render_nmt_diff(a: &NmtSummary, b: &NmtSummary) -> String {
    let mut names: Vec<&str> = b.categories.iter().map(|(n, _)| n.as_str()).collect();
    for (n, _) in &a.categories {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    let find = |s: &NmtSummary, n: &str| {
        s.categories
            .iter()
            .find(|(x, _)| x == n)
            .map(|(_, v)| *v)
            .unwrap_or_default()
    };
    let mut out = String::from(
        "Native Memory Tracking:\n\n(Omitting categories weighting less than 1KB)\n\n",
    );
    let _ = writeln!(
        out,
        "Total: reserved={}, committed={}\n",
        with_delta(b.total.reserved_bytes, a.total.reserved_bytes),
        with_delta(b.total.committed_bytes, a.total.committed_bytes)
    );
    for n in names {
        let (x, y) = (find(a, n), find(b, n));
        if [
            x.reserved_bytes,
            x.committed_bytes,
            y.reserved_bytes,
            y.committed_bytes,
        ]
        .iter()
        .all(|v| kb(*v) == 0)
        {
            continue;
        }
        let amounts = format!(
            "reserved={}, committed={}",
            with_delta(y.reserved_bytes, x.reserved_bytes),
            with_delta(y.committed_bytes, x.committed_bytes)
        );
        let _ = writeln!(out, "-{n:>26} ({amounts})");
        if n == "Java Heap" {
            let _ = writeln!(out, "{:28}(mmap: {amounts})", "");
        }
        out.push_str(" \n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "Native Memory Tracking:

Total: reserved=3554519KB, committed=542799KB
-                 Java Heap (reserved=2097152KB, committed=372736KB)
                            (mmap: reserved=2097152KB, committed=372736KB)

-                     Class (reserved=1083039KB, committed=38047KB)
                            (classes #5879)
                            (malloc=5791KB #6512)

-    Native Memory Tracking (reserved=1385KB, committed=1385KB)
                            (malloc=121KB #1921)
";

    #[test]
    fn parses_the_articles_summary() {
        let s = parse_nmt(SEED).unwrap();
        assert_eq!(s.total.reserved_bytes, 3_554_519 * 1024);
        assert_eq!(s.total.committed_bytes, 542_799 * 1024);
        let names: Vec<&str> = s.categories.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Java Heap", "Class", "Native Memory Tracking"]);
        assert_eq!(s.categories[1].1.committed_bytes, 38_047 * 1024);
        assert_eq!(s.categories[0].1.reserved_delta_bytes, None);
    }

    #[test]
    fn parses_diff_deltas_and_scales() {
        let text = "Total: reserved=1498856KB +4226KB, committed=203700KB +4418KB\n\
                    -                     Class (reserved=1087638KB +133KB, committed=41718KB -261KB)\n\
                    -                      Code (reserved=245MB, committed=7MB)\n\
                    -                     Other (reserved=100, committed=100)\n";
        let s = parse_nmt(text).unwrap();
        assert_eq!(s.total.committed_delta_bytes, Some(4418 * 1024));
        assert_eq!(s.categories[0].1.committed_delta_bytes, Some(-261 * 1024));
        assert_eq!(s.categories[1].1.reserved_bytes, 245 << 20);
        assert_eq!(s.categories[2].1.committed_bytes, 100);
    }

    #[test]
    fn rejects_what_is_not_nmt() {
        let e = parse_nmt("hello\nworld\n").unwrap_err();
        assert_eq!(
            e.line, 2,
            "the end of the text, where the Total line was still missing"
        );
        assert!(
            e.to_string().starts_with("line 2: reached the end without"),
            "{e}"
        );
        assert_eq!(parse_nmt("").unwrap_err().line, 1);
        let e = parse_nmt("Total: reserved=12XB, committed=1KB\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e =
            parse_nmt("Total: reserved=1KB, committed=1KB\n-  Code (reserved=1KB)\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn echoed_lines_are_quoted_and_bounded() {
        let long = format!(
            "Total: reserved={}XB, committed=1KB\u{1b}[2J",
            "9".repeat(5000)
        );
        let e = parse_nmt(&long).unwrap_err();
        let m = e.to_string();
        assert!(
            m.starts_with("line 1: malformed Total line `Total: reserved=999"),
            "{m}"
        );
        assert!(m.len() < 200 && m.ends_with("bytes)`"), "{m}");
        let e = parse_nmt(
            "Total: reserved=1KB, committed=1KB\n- Co\u{1b}de (reserved=1KB, committed=1KB)\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("`Co\\u{1b}de`"), "{e}");
        // Amounts whose bytes overflow are malformed, not wrapped.
        let huge = format!("Total: reserved={}GB, committed=1KB\n", "9".repeat(37));
        assert_eq!(parse_nmt(&huge).unwrap_err().line, 1);
    }

    #[test]
    fn diff_of_a_shrink_is_negative_and_extremes_do_not_wrap() {
        let amounts = |r: u64, c: u64| NmtAmounts {
            reserved_bytes: r,
            committed_bytes: c,
            ..Default::default()
        };
        let a = NmtSummary {
            total: amounts(10 << 20, u64::MAX),
            categories: vec![("Thread".into(), amounts(5 << 20, 4 << 20))],
        };
        let b = NmtSummary {
            total: amounts(4 << 20, 0),
            categories: vec![("Thread".into(), amounts(1 << 20, 1 << 20))],
        };
        let d = render_nmt_diff(&a, &b);
        assert!(
            d.contains("Total: reserved=4096KB -6144KB, committed=0KB -18014398509481984KB\n"),
            "{d}"
        );
        assert!(
            d.contains("Thread (reserved=1024KB -4096KB, committed=1024KB -3072KB)\n"),
            "{d}"
        );
        let back = render_nmt_diff(&b, &a);
        assert!(
            back.contains("committed=18014398509481984KB +18014398509481984KB"),
            "{back}"
        );
        assert_eq!(kb(u64::MAX), 1 << 54);
        assert_eq!(kb(511), 0);
        assert_eq!(kb(512), 1);
    }

    #[test]
    fn diff_layout_and_round_trip() {
        let a = parse_nmt(SEED).unwrap();
        let mut b = a.clone();
        b.total.committed_bytes += 2048;
        b.categories[1].1.committed_bytes += 2048;
        b.categories.push((
            "Symbol".into(),
            NmtAmounts {
                reserved_bytes: 1024,
                committed_bytes: 1024,
                ..Default::default()
            },
        ));
        let d = render_nmt_diff(&a, &b);
        assert!(
            d.contains("Total: reserved=3554519KB, committed=542801KB +2KB\n"),
            "{d}"
        );
        assert!(
            d.contains(
                "-                     Class (reserved=1083039KB, committed=38049KB +2KB)\n"
            ),
            "{d}"
        );
        assert!(
            d.contains("-                    Symbol (reserved=1KB +1KB, committed=1KB +1KB)\n"),
            "{d}"
        );
        let back = parse_nmt(&d).unwrap();
        assert_eq!(back.categories[1].1.committed_delta_bytes, Some(2048));
        assert_eq!(back.total.committed_bytes, b.total.committed_bytes);
    }
}

#[cfg(test)]
mod round_trip {
    use super::*;
    use memsim_core::NmtCategory;

    #[test]
    fn memsims_own_summary_parses_back_to_the_ledger() {
        let s = crate::fixture::oom_run();
        let mut text = Vec::new();
        crate::render_nmt_summary(&s, &mut text).unwrap();
        let parsed = parse_nmt(&String::from_utf8(text).unwrap()).unwrap();
        let kb_bytes = |b: u64| kb(b) * 1024;
        let mut n = 0;
        for cat in NmtCategory::ALL {
            let u = s.at_peak.nmt(cat);
            if let Some((_, a)) = parsed
                .categories
                .iter()
                .find(|(name, _)| name == cat.name())
            {
                assert_eq!(a.reserved_bytes, kb_bytes(u.reserved), "{}", cat.name());
                assert_eq!(a.committed_bytes, kb_bytes(u.committed), "{}", cat.name());
                n += 1;
            } else {
                assert!(
                    kb(u.reserved) == 0 && kb(u.committed) == 0,
                    "{} missing",
                    cat.name()
                );
            }
        }
        assert!(n >= 8);
    }
}
