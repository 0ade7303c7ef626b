//! The short summary printed on the terminal after `memsim run`: verdict, peak against limit and
//! budget, what lies beyond the configuration, and the errors.

use std::io::{self, BufWriter, Write};

use memsim_core::{ByteSize, RunSummary, SimDuration};

use crate::headline::{Compared, verdict_line};

/// At most this many error lines; the rest are counted in one `… and N more` line.
const ERROR_LINES_MAX: usize = 10;

/// `part` as a percentage of `whole`, with one decimal (`0.0%` when `whole` is zero).
fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.0%".to_string();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// Writes the terminal summary: plain text, no colours, lines ending in `\n`.
///
/// In order: `scenario <name>  seed=<seed>`; a `VERDICT:` line in words (`OOM-KILLED`,
/// `THRASHING`, `OVER BUDGET`, `FITS` or `INCOMPLETE` with the bound that stopped the run and the
/// verdict so far; then, unless the process was killed, the failures it lived through — `but
/// 1,664 OutOfDirectMemoryError; 1,664 requests failed` — and the numbers that decide it: see
/// [`crate::headline`]); the peak resident, the
/// peak charge and working set (the kernel's view), the limit and the
/// configured budget with its terms (`configured 10.00 GiB = -Xmx 4.00 GiB + page cache 6.00 GiB`),
/// these compared sizes printed with enough digits to tell different ones apart;
/// `Beyond configuration (resident at peak, largest first):` with each account's size and share
/// of the peak; `Errors:` with each error event's time and message, followed by `(×N)` where the
/// event stands for N > 1 identical occurrences (N = `repeats + 1`), at most ten lines then
/// `… and N more`; and the number of simulated events processed. A run with a database adds,
/// before the errors, a `Database (…)` line with the page cache's metrics and, when phases drove
/// the database, a table of the stores, ID files, logs and IDs after each of those phases.
///
/// # Errors
/// Any error from `w`.
pub fn render_text_summary(s: &RunSummary, w: &mut impl Write) -> io::Result<()> {
    let mut w = BufWriter::new(w);
    let sizes = Compared::of(s);

    writeln!(w, "scenario {}  seed={}", s.scenario, s.seed)?;
    writeln!(w, "{}", verdict_line(s, &sizes))?;
    writeln!(
        w,
        "  peak resident  {} at {} (anon {}, file {})",
        sizes.peak,
        s.peak_at,
        ByteSize(s.at_peak.resident_anon()),
        ByteSize(s.at_peak.resident_file())
    )?;
    writeln!(
        w,
        "  charge         {} peak, working set {} peak (what the cgroup and `kubectl top` see)",
        sizes.charge, sizes.working_set
    )?;
    writeln!(w, "  limit          {} ({})", sizes.limit, s.limit_source)?;
    if s.configured_terms.is_empty() {
        writeln!(
            w,
            "  configured     {} (nothing set explicitly)",
            sizes.configured
        )?;
    } else {
        let terms: Vec<String> = s
            .configured_terms
            .iter()
            .map(|(name, bytes)| format!("{name} {}", ByteSize(*bytes)))
            .collect();
        writeln!(
            w,
            "  configured     {} = {}",
            sizes.configured,
            terms.join(" + ")
        )?;
    }

    writeln!(w)?;
    let beyond = s.beyond_configuration();
    if beyond.is_empty() {
        writeln!(w, "Beyond configuration: nothing resident")?;
    } else {
        writeln!(w, "Beyond configuration (resident at peak, largest first):")?;
        for (account, resident) in &beyond {
            writeln!(
                w,
                "  {:<24} {:>10}  {:>6} of peak",
                account.name(),
                ByteSize(*resident).to_string(),
                share(*resident, s.peak_resident_bytes)
            )?;
        }
        let sum: u64 = beyond.iter().map(|(_, r)| r).sum();
        writeln!(
            w,
            "  {:<24} {:>10}  {:>6} of peak",
            "total",
            ByteSize(sum).to_string(),
            share(sum, s.peak_resident_bytes)
        )?;
    }

    if let Some(db) = &s.database {
        writeln!(w)?;
        crate::db::text(db, &mut w)?;
    }

    if s.gc.collections() > 0 {
        writeln!(w)?;
        let past_end = if s.gc.pause_past_end > SimDuration::ZERO {
            format!(", the last {} of them past its end", s.gc.pause_past_end)
        } else {
            String::new()
        };
        writeln!(
            w,
            "GC ({}): {} collections, {} paused ({:.1} % of the run stopped{past_end}); pauses simulated, not measured:",
            s.gc.collector,
            s.gc.collections(),
            s.gc.total_pause,
            s.gc.pause_percent
        )?;
        for p in &s.gc.pauses {
            writeln!(
                w,
                "  {:<6} {:>8}×  p50 {:>9}  p90 {:>9}  p99 {:>9}  max {:>9}  total {}",
                p.kind.as_str(),
                p.count,
                ms(p.p50),
                ms(p.p90),
                ms(p.p99),
                ms(p.max),
                p.total
            )?;
        }
    }

    writeln!(w)?;
    let errors: Vec<_> = s.events.iter().filter(|e| e.kind.is_error()).collect();
    if errors.is_empty() {
        writeln!(w, "Errors: none")?;
    } else {
        writeln!(w, "Errors:")?;
        for e in errors.iter().take(ERROR_LINES_MAX) {
            write!(w, "  {:>10}  {}", e.at.to_string(), e.message)?;
            if e.repeats > 0 {
                write!(w, " (×{})", e.repeats + 1)?;
            }
            writeln!(w)?;
        }
        if errors.len() > ERROR_LINES_MAX {
            writeln!(w, "  … and {} more", errors.len() - ERROR_LINES_MAX)?;
        }
    }

    writeln!(w)?;
    writeln!(
        w,
        "{} simulated events processed; stopped at {} of a planned {}.",
        s.n_events, s.ended_at, s.duration
    )?;
    w.flush()
}

/// A pause in milliseconds with three decimals, from integer nanoseconds.
fn ms(d: memsim_core::SimDuration) -> String {
    let us = (d.nanos() + 500) / 1000;
    format!("{}.{:03} ms", us / 1000, us % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use memsim_core::{Event, EventKind, SimTime, Verdict};

    fn render(s: &RunSummary) -> String {
        let mut out = Vec::new();
        render_text_summary(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn thrashing_run_says_from_when() {
        let mut s = fixture::fitting_run();
        s.verdict = Verdict::Thrashing;
        s.pressure.thrashing_since = Some(SimTime(61_500_000_000));
        let text = render(&s);
        assert!(
            text.lines().nth(1).unwrap().starts_with(
                "VERDICT: THRASHING from 1m01.500s to the end — at the limit 24.00 GiB the kernel reclaims"
            ),
            "{text}"
        );
        s.pressure.thrashing_until = Some(SimTime(70_000_000_000));
        assert!(render(&s).contains("THRASHING from 1m01.500s to 1m10.000s"));
    }

    #[test]
    fn oom_run_summary() {
        let s = fixture::oom_run();
        let text = render(&s);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "scenario neo4j-import-oom  seed=42");
        assert_eq!(
            lines[1],
            "VERDICT: OOM-KILLED at 12m03.250s — anonymous and kernel memory left no room under the limit 12.00 GiB after reclaim, thrashing from 12m02.000s"
        );
        assert!(
            lines[3].starts_with("  charge         ")
                && lines[3].contains(" peak, working set ")
                && lines[3].ends_with("(what the cgroup and `kubectl top` see)"),
            "{}",
            lines[3]
        );
        assert!(text.contains("  limit          12.00 GiB (container limit)\n"));
        assert!(
            text.contains("  configured     10.00 GiB = -Xmx 4.00 GiB + page cache 6.00 GiB\n")
        );
        let beyond_at = lines
            .iter()
            .position(|l| *l == "Beyond configuration (resident at peak, largest first):")
            .unwrap();
        assert!(lines[beyond_at + 1].starts_with("  Netty Direct "));
        assert!(lines[beyond_at + 1].ends_with("% of peak"));
        assert!(!text.contains("  Java Heap "));
        assert!(text.contains("(×38)"));
        assert!(text.contains("  11m41.000s  java.lang.OutOfMemoryError: Java heap space (×4)\n"));
        assert!(
            text.contains("  12m03.250s  Memory cgroup out of memory: Killed process 1 (java)")
        );
        assert!(!text.contains("phase `load`"));
        assert!(text.contains(
            "GC (-XX:+UseG1GC): 413 collections, 12.100s paused (1.7 % of the run stopped); pauses simulated, not measured:\n"
        ), "{text}");
        assert!(text.contains(
            "  young       412×  p50  4.500 ms  p90  9.000 ms  p99 20.000 ms  max 31.250 ms  total 2.100s\n"
        ), "{text}");
        assert!(
            text.contains("  full          1×  p50 10000.000 ms"),
            "{text}"
        );
        assert!(text.ends_with(
            "1234567 simulated events processed; stopped at 12m03.250s of a planned 20m00.000s.\n"
        ));
        assert_eq!(text, render(&s));
        // Pauses still running when the run ended are named apart.
        let mut s = s;
        s.gc.pause_past_end = memsim_core::SimDuration::from_millis(2_500);
        assert!(render(&s).contains(
            "12.100s paused (1.7 % of the run stopped, the last 2.500s of them past its end);"
        ));
    }

    #[test]
    fn other_verdicts_and_error_cap() {
        let mut s = fixture::fitting_run();
        let text = render(&s);
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .starts_with("VERDICT: FITS — peak resident ")
        );
        assert!(text.contains("Errors: none\n"));

        s.verdict = Verdict::OverBudget;
        s.configured_bytes = 1 << 30;
        s.events = (0..13)
            .map(|i| Event {
                at: SimTime(i * 1_000_000_000),
                kind: EventKind::CodeCacheFull,
                message: format!("CodeCache is full #{i}"),
                repeats: 0,
            })
            .collect();
        let text = render(&s);
        assert!(text.contains("VERDICT: OVER BUDGET — peak resident "));
        assert!(text.contains(" above the configured 1.00 GiB, "));
        assert!(text.contains("CodeCache is full #9\n"));
        assert!(!text.contains("CodeCache is full #10"));
        assert!(text.contains("  … and 3 more\n"));
    }

    #[test]
    fn shares_are_fixed_precision() {
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(5, 0), "0.0%");
    }
}
