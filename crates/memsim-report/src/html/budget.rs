//! The budget arithmetic of the HTML report: what the configuration adds up to, what was resident
//! at the peak and where the difference went, and the worst case the flags allow.
//!
//! The worst case adds each term's bound as the JVM computes it (the run's `parameters` carry the
//! values the engine used, defaults applied): the heap's `-Xmx`; direct memory's
//! `MaxDirectMemorySize`, which defaults to the heap's maximum when not set; the page cache;
//! thread stacks as threads × `-Xss`; the code cache's `ReservedCodeCacheSize`. Terms no flag
//! bounds (metaspace without `MaxMetaspaceSize`, GC structures, glibc arenas' slack, the rest) are
//! counted at their peak and marked unbounded, so the sum is a floor of the worst case, never a
//! ceiling. Thread stacks are counted at their reservation: an upper bound of what they can make
//! resident.

use std::fmt::Write as _;

use crate::run_files::ReportFile;

use super::markup::{esc, percent, size};

/// One row of the worst-case table.
struct Row {
    term: String,
    set_by: String,
    bound_bytes: u64,
    bounded: bool,
    at_peak_bytes: u64,
}

/// Resident bytes of the named accounts at the peak.
fn resident(r: &ReportFile, names: &[&str]) -> u64 {
    names
        .iter()
        .filter_map(|n| r.category(n))
        .map(|c| c.resident_bytes)
        .sum()
}

fn configured(r: &ReportFile, term: &str) -> bool {
    r.configured_terms.iter().any(|t| t.name == term)
}

/// The worst case's rows, from the run's parameters.
fn worst_case_rows(r: &ReportFile) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut counted: Vec<&str> = Vec::new();
    let xmx = r.parameter_bytes("Xmx");
    if let Some(xmx) = xmx {
        rows.push(Row {
            term: "Java heap".into(),
            set_by: "-Xmx".into(),
            bound_bytes: xmx,
            bounded: true,
            at_peak_bytes: resident(r, &["Java Heap"]),
        });
        counted.push("Java Heap");
    }
    if let Some(direct) = r.parameter_bytes("MaxDirectMemorySize") {
        let set_by = if configured(r, "-XX:MaxDirectMemorySize") {
            "-XX:MaxDirectMemorySize".to_string()
        } else if Some(direct) == xmx {
            "-XX:MaxDirectMemorySize not set: defaults to the maximum heap".to_string()
        } else {
            "-XX:MaxDirectMemorySize (default)".to_string()
        };
        rows.push(Row {
            term: "Direct memory (Netty and JDK)".into(),
            set_by,
            bound_bytes: direct,
            bounded: true,
            at_peak_bytes: resident(r, &["Netty Direct", "JDK Direct"]),
        });
        counted.extend(["Netty Direct", "JDK Direct"]);
    }
    if let Some(pc) = r.parameter_bytes("page_cache_size").filter(|b| *b > 0) {
        rows.push(Row {
            term: "Database page cache".into(),
            set_by: "page cache size".into(),
            bound_bytes: pc,
            bounded: true,
            at_peak_bytes: resident(r, &["Page Cache"]),
        });
        counted.push("Page Cache");
    }
    if let Some(xss) = r.parameter_bytes("Xss") {
        let limit = r
            .parameter("max_threads")
            .and_then(|m| m.parse::<u64>().ok());
        let alive = r.counter("threads_alive");
        let (threads, how) = match (limit, alive) {
            (Some(max), _) => (max, "the thread limit"),
            (None, Some(n)) => (n, "threads alive at the end"),
            (None, None) => (0, "threads"),
        };
        rows.push(Row {
            term: "Thread stacks".into(),
            set_by: format!(
                "{} {how} × -Xss {}",
                crate::html::markup::count(threads),
                size(xss)
            ),
            bound_bytes: threads.saturating_mul(xss),
            bounded: limit.is_some(),
            at_peak_bytes: resident(r, &["Thread"]),
        });
        counted.push("Thread");
    }
    if let Some(code) = r.parameter_bytes("ReservedCodeCacheSize") {
        rows.push(Row {
            term: "Code cache".into(),
            set_by: "-XX:ReservedCodeCacheSize".into(),
            bound_bytes: code,
            bounded: true,
            at_peak_bytes: resident(r, &["Code"]),
        });
        counted.push("Code");
    }
    let unbounded: [(&str, &[&str], &str); 4] = [
        (
            "Metaspace and class space",
            &["Metaspace", "Class"],
            "no -XX:MaxMetaspaceSize: grows with classes",
        ),
        (
            "GC structures",
            &["GC"],
            "no flag: grows with the heap and references",
        ),
        (
            "Native, untracked (glibc arenas)",
            &["Native (untracked)"],
            "MALLOC_ARENA_MAX arenas of 64 MiB address space",
        ),
        (
            "Mapped and library files",
            &["Libraries (file-backed)", "Mapped files"],
            "reclaimable file pages",
        ),
    ];
    for (term, names, set_by) in unbounded {
        let at_peak = resident(r, names);
        counted.extend(names.iter().copied());
        if at_peak > 0 {
            rows.push(Row {
                term: term.into(),
                set_by: set_by.into(),
                bound_bytes: at_peak,
                bounded: false,
                at_peak_bytes: at_peak,
            });
        }
    }
    let rest: u64 = r
        .categories_at_peak
        .iter()
        .filter(|(n, _)| !counted.contains(&n.as_str()))
        .map(|(_, c)| c.resident_bytes)
        .sum();
    if rest > 0 {
        rows.push(Row {
            term: "Everything else (symbols, compiler, NMT, …)".into(),
            set_by: "no flag".into(),
            bound_bytes: rest,
            bounded: false,
            at_peak_bytes: rest,
        });
    }
    rows
}

/// Writes the budget section.
pub(crate) fn section(r: &ReportFile, out: &mut String) {
    let configured_resident: u64 = r
        .categories_at_peak
        .iter()
        .filter(|(_, c)| c.configured)
        .map(|(_, c)| c.resident_bytes)
        .sum();
    let beyond: u64 = r
        .beyond_configuration
        .iter()
        .map(|b| b.resident_bytes)
        .sum();
    let _ = writeln!(
        out,
        "<section id=\"budget\"><h2>The budget, term by term</h2>"
    );
    let terms: Vec<String> = r
        .configured_terms
        .iter()
        .map(|t| format!("{} {}", esc(&t.name), size(t.bytes)))
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"sum\">configured <b>{}</b> = {}</p>",
        size(r.configured_bytes),
        if terms.is_empty() {
            "nothing set explicitly".to_string()
        } else {
            terms.join(" + ")
        }
    );
    let _ = writeln!(
        out,
        "<p class=\"sum\">peak resident <b>{}</b> = {} in the configured accounts + <b>{}</b> beyond the configuration ({} of the peak)</p>",
        size(r.peak_resident_bytes),
        size(configured_resident),
        size(beyond),
        percent(beyond, r.peak_resident_bytes)
    );
    let (word, gap) = if r.peak_resident_bytes > r.limit_bytes {
        ("over the limit by", r.peak_resident_bytes - r.limit_bytes)
    } else {
        ("under the limit by", r.limit_bytes - r.peak_resident_bytes)
    };
    let _ = writeln!(
        out,
        "<p class=\"sum\">limit <b>{}</b> ({}): the peak is {word} <b>{}</b></p>",
        size(r.limit_bytes),
        esc(&r.limit_source),
        size(gap)
    );

    let rows = worst_case_rows(r);
    if rows.is_empty() {
        let _ = writeln!(out, "</section>");
        return;
    }
    let _ = writeln!(
        out,
        "<h3>The worst case the flags allow</h3>\n<p>Each term at the bound its flag (or the flag's default) allows; terms no flag bounds are counted at their peak, so the total is the least the worst case can be.</p>"
    );
    let _ = writeln!(
        out,
        "<table class=\"num\" id=\"worst-case\"><thead><tr><th>term</th><th>set by</th><th>bound</th><th>resident at the peak</th></tr></thead><tbody>"
    );
    let mut total = 0u64;
    let mut any_unbounded = false;
    for row in &rows {
        total = total.saturating_add(row.bound_bytes);
        any_unbounded |= !row.bounded;
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
            esc(&row.term),
            esc(&row.set_by),
            if row.bounded { "" } else { "≥ " },
            size(row.bound_bytes),
            size(row.at_peak_bytes)
        );
    }
    let verdict = if total > r.limit_bytes {
        format!(
            "<span class=\"bad\">{} more than the limit allows</span>",
            size(total - r.limit_bytes)
        )
    } else {
        format!("{} under the limit", size(r.limit_bytes - total))
    };
    let _ = writeln!(
        out,
        "</tbody><tfoot><tr><th colspan=\"2\">worst case</th><th>{}{}</th><th>{}</th></tr></tfoot></table>",
        if any_unbounded { "≥ " } else { "" },
        size(total),
        size(r.peak_resident_bytes)
    );
    let _ = writeln!(
        out,
        "<p class=\"sum\">worst case {}{} against the limit {}: {verdict}.</p>\n</section>",
        if any_unbounded { "≥ " } else { "" },
        size(total),
        size(r.limit_bytes)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_files::RunFiles;
    use crate::{fixture, write_all_reports};

    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;

    /// The fixture's report with the parameters a real run carries (sizes in bytes).
    fn report(params: &[(&str, u64)], threads: &str) -> ReportFile {
        let files = write_all_reports(&fixture::oom_run());
        let mut r = RunFiles::from_files(files.iter().map(|(n, b)| (*n, b.as_slice())))
            .unwrap()
            .report;
        r.parameters = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        r.parameters
            .push(("max_threads".to_string(), threads.to_string()));
        r
    }

    #[test]
    fn the_worst_case_adds_each_flag_s_bound_and_defaults_direct_memory_to_the_heap() {
        let r = report(
            &[
                ("Xmx", 4 * GIB),
                ("MaxDirectMemorySize", 4 * GIB),
                ("Xss", MIB),
                ("ReservedCodeCacheSize", 240 * MIB),
                ("page_cache_size", 6 * GIB),
            ],
            "100",
        );
        let rows = worst_case_rows(&r);
        let row = |term: &str| rows.iter().find(|x| x.term.starts_with(term)).unwrap();
        assert_eq!(row("Java heap").bound_bytes, 4 * GIB);
        let direct = row("Direct memory");
        assert_eq!(direct.bound_bytes, 4 * GIB);
        assert!(
            direct.set_by.contains("defaults to the maximum heap"),
            "{}",
            direct.set_by
        );
        let threads = row("Thread stacks");
        assert_eq!((threads.bound_bytes, threads.bounded), (100 * MIB, true));
        assert_eq!(row("Code cache").bound_bytes, 240 * MIB);
        assert_eq!(row("Database page cache").bound_bytes, 6 * GIB);
        // Every account's resident bytes are counted once: bounded terms by their flag, the rest
        // at their peak.
        let at_peak: u64 = rows.iter().map(|x| x.at_peak_bytes).sum();
        assert_eq!(at_peak, r.peak_resident_bytes);
        let mut out = String::new();
        section(&r, &mut out);
        let total: u64 = rows.iter().map(|x| x.bound_bytes).sum();
        assert!(
            out.contains(&format!("worst case ≥ {}", size(total))),
            "{out}"
        );
    }

    #[test]
    fn an_explicit_direct_limit_is_named_and_unlimited_threads_are_a_floor() {
        let mut r = report(
            &[("Xmx", 4 * GIB), ("MaxDirectMemorySize", GIB), ("Xss", MIB)],
            "unlimited",
        );
        r.configured_terms
            .push(crate::run_files::report::ConfiguredTerm {
                name: "-XX:MaxDirectMemorySize".into(),
                bytes: GIB,
            });
        r.counters.push(("threads_alive".into(), 527));
        let rows = worst_case_rows(&r);
        let direct = rows.iter().find(|x| x.term.starts_with("Direct")).unwrap();
        assert_eq!(direct.set_by, "-XX:MaxDirectMemorySize");
        let threads = rows.iter().find(|x| x.term == "Thread stacks").unwrap();
        assert_eq!((threads.bound_bytes, threads.bounded), (527 * MIB, false));
        assert!(threads.set_by.starts_with("527 threads alive at the end"));
    }
}
