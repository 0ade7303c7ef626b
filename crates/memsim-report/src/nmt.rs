//! `nmt-summary.txt`: the ledger at the peak as JDK 17's `jcmd <pid> VM.native_memory summary`
//! prints it, followed by a `#`-prefixed section with what NMT cannot see.
//!
//! Layout facts imitated from JDK 17 (`MemSummaryReporter`): sizes in KB rounded to nearest,
//! `(bytes + 512) / 1024` (`NMTUtil::amount_in_scale`); a category is printed only when its
//! rounded reserved or committed size is non-zero; each category line is `-`, the name
//! right-aligned in 26 columns, then ` (reserved=…KB, committed=…KB)`; sub-lines are indented
//! 28 columns; a blank line closes each category. The `Total` is rounded once from the byte sum,
//! so it can differ from the sum of the rounded category lines by a few KB, as in real output.
//!
//! memsim only knows three sizes per account, not NMT's malloc/mmap/arena split, so sub-lines are
//! printed only where the split is known: `Java Heap` is all mmap, and `Other` is all malloc
//! (`Unsafe.allocateMemory`), broken down into memsim's accounts.
//!
//! With `jvm.version = 21` ([`RunSummary::jdk`]) the layout is JDK 21's (checked against the real
//! outputs in `tests/fixtures/nmt/jdk21-*`): the same order, the Java Heap's mmap sub-line ends in
//! `, at peak` or `, peak=…KB` (NMT 21's own high-water mark; memsim takes the highest of the
//! samples up to the peak and the peak itself — **approximation**: a higher value between two
//! samples is missed), and `Shared class space` carries `readonly=0KB` (what every JDK 21
//! measurement printed). JDK 21's `GCCardSet` (G1's remembered sets) is not printed: memsim keeps it
//! inside `GC` (`memsim_jvm::jdk21`), which the `#` section says; nor is `Unknown`, which JDK 21
//! prints for its peak alone and memsim has no use for.

use std::io::{self, BufWriter, Write};

use memsim_core::{Account, JdkVersion, NmtCategory, RunSummary, Usage};

/// Width of the right-aligned category name column after the leading `-`.
const NAME_WIDTH: usize = 26;

/// Bytes in KB as NMT rounds them.
fn kb(bytes: u64) -> u64 {
    bytes.saturating_add(512) / 1024
}

/// The indentation of NMT's sub-lines: under the opening parenthesis of the category line.
fn sub_indent() -> String {
    " ".repeat(NAME_WIDTH + 2)
}

/// What memsim calls each part of NMT's `Other` in the breakdown sub-lines.
fn other_part_label(account: Account) -> String {
    match account {
        Account::Other => "other unsafe".to_string(),
        a => a.name().to_ascii_lowercase(),
    }
}

/// Writes `nmt-summary.txt`: the ledger at the peak in the layout of JDK 17's
/// `jcmd <pid> VM.native_memory summary` (first line `memsim:` instead of a pid).
///
/// Categories follow [`NmtCategory::ALL`] with the sizes of `s.at_peak.nmt(cat)` (memsim's Page
/// Cache, Netty Direct and JDK Direct fold into `Other`), omitting those that round to 0 KB. The
/// `Total` counts only NMT-visible accounts. Every category line matches
/// `-\s+<Name> \(reserved=(\d+)KB, committed=(\d+)KB\)`. After a blank line, a section whose every
/// line starts with `#` lists the accounts NMT cannot see and every account's resident (RSS) size.
///
/// # Errors
/// Any error from `w`.
pub fn render_nmt_summary(s: &RunSummary, w: &mut impl Write) -> io::Result<()> {
    let mut w = BufWriter::new(w);
    let ledger = &s.at_peak;
    let indent = sub_indent();

    let visible = Account::ALL
        .iter()
        .filter(|a| a.nmt().is_some())
        .fold(Usage::default(), |sum, a| sum.plus(ledger.get(*a)));

    writeln!(w, "memsim:")?;
    writeln!(w)?;
    writeln!(w, "Native Memory Tracking:")?;
    writeln!(w)?;
    writeln!(w, "(Omitting categories weighting less than 1KB)")?;
    writeln!(w)?;
    writeln!(
        w,
        "Total: reserved={}KB, committed={}KB",
        kb(visible.reserved),
        kb(visible.committed)
    )?;
    let jdk21 = s.jdk == JdkVersion::Jdk21;
    for cat in NmtCategory::ALL {
        let u = ledger.nmt(cat);
        if kb(u.reserved) == 0 && kb(u.committed) == 0 {
            continue;
        }
        let readonly = if jdk21 && cat == NmtCategory::SharedClassSpace {
            ", readonly=0KB"
        } else {
            ""
        };
        writeln!(
            w,
            "-{:>NAME_WIDTH$} (reserved={}KB, committed={}KB{readonly})",
            cat.name(),
            kb(u.reserved),
            kb(u.committed)
        )?;
        match cat {
            NmtCategory::JavaHeap => {
                let peak = if jdk21 {
                    match kb(heap_committed_high_water(s)) {
                        p if p <= kb(u.committed) => ", at peak".to_string(),
                        p => format!(", peak={p}KB"),
                    }
                } else {
                    String::new()
                };
                writeln!(
                    w,
                    "{indent}(mmap: reserved={}KB, committed={}KB{peak})",
                    kb(u.reserved),
                    kb(u.committed)
                )?;
            }
            NmtCategory::Other => {
                if u.reserved == u.committed {
                    writeln!(w, "{indent}(malloc={}KB)", kb(u.committed))?;
                }
                for account in Account::ALL.iter().filter(|a| a.nmt() == Some(cat)) {
                    let part = ledger.get(*account);
                    if part.reserved == 0 && part.committed == 0 {
                        continue;
                    }
                    let label = other_part_label(*account);
                    if part.reserved == part.committed {
                        writeln!(w, "{indent}({label}={}KB)", kb(part.committed))?;
                    } else {
                        writeln!(
                            w,
                            "{indent}({label}: reserved={}KB, committed={}KB)",
                            kb(part.reserved),
                            kb(part.committed)
                        )?;
                    }
                }
            }
            _ => {}
        }
        writeln!(w)?;
    }

    // memsim's own section: every line starts with `#`, and none ends in `committed=…KB)`, so
    // an NMT parser skips it.
    writeln!(w)?;
    writeln!(w, "# memsim: memory NMT does not see")?;
    let mut any_invisible = false;
    for account in Account::ALL.iter().filter(|a| a.nmt().is_none()) {
        let u = ledger.get(*account);
        any_invisible = true;
        writeln!(
            w,
            "#{:>NAME_WIDTH$} (reserved={}KB, committed={}KB, resident={}KB)",
            account.name(),
            kb(u.reserved),
            kb(u.committed),
            kb(u.resident)
        )?;
    }
    if !any_invisible {
        writeln!(w, "# (none)")?;
    }
    if jdk21 {
        writeln!(
            w,
            "# JDK 21's GCCardSet (G1's remembered sets) is counted inside GC"
        )?;
    }
    writeln!(w, "#")?;
    writeln!(
        w,
        "# memsim: resident (RSS) at the peak, {} (accounts under 1KB omitted)",
        s.peak_at
    )?;
    for account in Account::ALL {
        let u = ledger.get(*account);
        if kb(u.resident) == 0 {
            continue;
        }
        writeln!(
            w,
            "#{:>NAME_WIDTH$} (resident={}KB)",
            account.name(),
            kb(u.resident)
        )?;
    }
    writeln!(
        w,
        "#{:>NAME_WIDTH$} (resident={}KB: anon={}KB, file={}KB)",
        "Total",
        kb(ledger.total().resident),
        kb(ledger.resident_anon()),
        kb(ledger.resident_file())
    )?;
    writeln!(
        w,
        "#{:>NAME_WIDTH$} (committed={}KB, resident={}KB)",
        "NMT-visible",
        kb(visible.committed),
        kb(visible.resident)
    )?;
    w.flush()
}

/// The Java heap's highest committed size up to the peak: the samples taken until then and the
/// peak's own ledger (NMT 21 prints its high-water mark beside the current size).
fn heap_committed_high_water(s: &RunSummary) -> u64 {
    let at_peak = s.at_peak.get(Account::JavaHeap).committed;
    s.samples
        .iter()
        .filter(|x| x.at <= s.peak_at)
        .map(|x| x.accounts[Account::JavaHeap.index()].committed)
        .fold(at_peak, u64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use regex::Regex;

    fn render(s: &RunSummary) -> String {
        let mut out = Vec::new();
        render_nmt_summary(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    struct Parsed {
        total: (u64, u64),
        categories: Vec<(String, u64, u64)>,
    }

    /// A deliberately simple NMT parser of the kind users write for real `jcmd` output.
    fn parse(text: &str) -> Parsed {
        let total_re = Regex::new(r"^Total: reserved=(\d+)KB, committed=(\d+)KB$").unwrap();
        let cat_re = Regex::new(r"^-\s+(.+?) \(reserved=(\d+)KB, committed=(\d+)KB\)$").unwrap();
        let mut total = None;
        let mut categories = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if let Some(c) = total_re.captures(line) {
                total = Some((c[1].parse().unwrap(), c[2].parse().unwrap()));
            } else if let Some(c) = cat_re.captures(line) {
                categories.push((
                    c[1].to_string(),
                    c[2].parse().unwrap(),
                    c[3].parse().unwrap(),
                ));
            }
        }
        Parsed {
            total: total.unwrap(),
            categories,
        }
    }

    /// JDK 21's layout, held to the real JDK 21 summary in `tests/fixtures/nmt/`: its category lines
    /// in the real output's relative order, the Java Heap's mmap line and `Shared class space`'s
    /// header in the real forms, parseable by `parse_nmt`; JDK 17's layout is untouched by it.
    #[test]
    fn jdk21_layout_follows_the_real_jdk21_summary() {
        let real = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/nmt/jdk21-g1-256m-idle.summary.txt"
        ))
        .unwrap();
        let names = |text: &str| -> Vec<String> {
            let re = Regex::new(r"^-\s+(.+?) \(reserved=").unwrap();
            text.lines()
                .filter_map(|l| re.captures(l).map(|c| c[1].to_string()))
                .collect()
        };
        let mut s = fixture::fitting_run();
        let text17 = render(&s);
        s.jdk = JdkVersion::Jdk21;
        let text = render(&s);
        assert_ne!(text, text17);
        let real_names = names(&real);
        let ours = names(&text);
        // memsim's `Other` (direct memory) is absent from the idle real run; every other category
        // memsim prints is one the real JDK 21 printed, in the same relative order.
        let shared: Vec<&String> = ours.iter().filter(|n| *n != "Other").collect();
        let positions: Vec<usize> = shared
            .iter()
            .map(|n| {
                real_names
                    .iter()
                    .position(|r| r == *n)
                    .unwrap_or_else(|| panic!("{n} is not a JDK 21 category"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{ours:?}");
        let heap_line = Regex::new(
            r"^\s{28}\(mmap: reserved=\d+KB, committed=\d+KB, (at peak|peak=\d+KB)\)\s*$",
        )
        .unwrap();
        for t in [real.as_str(), text.as_str()] {
            let after_heap = t
                .lines()
                .skip_while(|l| !l.contains("Java Heap ("))
                .nth(1)
                .unwrap();
            assert!(heap_line.is_match(after_heap), "{after_heap:?}");
            assert!(
                t.lines()
                    .any(|l| l.starts_with("-        Shared class space (reserved=")
                        && l.ends_with(", readonly=0KB)")),
                "{t}"
            );
        }
        // Both parse back with the same numbers as JDK 17's layout.
        let a = crate::parse_nmt(&text).unwrap();
        let b = crate::parse_nmt(&text17).unwrap();
        assert_eq!(a.categories, b.categories);
        assert_eq!(a.total, b.total);
        assert!(text.contains("GCCardSet"));
        assert!(!text17.contains("GCCardSet"));
    }

    #[test]
    fn regex_parse_gives_back_the_ledger() {
        let s = fixture::oom_run();
        let text = render(&s);
        let parsed = parse(&text);
        let expected: Vec<(String, u64, u64)> = NmtCategory::ALL
            .iter()
            .map(|c| (c, s.at_peak.nmt(*c)))
            .filter(|(_, u)| kb(u.reserved) > 0)
            .map(|(c, u)| (c.name().to_string(), kb(u.reserved), kb(u.committed)))
            .collect();
        assert_eq!(parsed.categories, expected);
        // The fixture's Synchronization (300 bytes) is below 1KB and omitted; everything else is there.
        assert!(!text.contains("Synchronization ("));
        assert_eq!(parsed.categories.len(), NmtCategory::ALL.len() - 1);
        // Other folds Page Cache, Netty Direct and JDK Direct.
        let other = parsed.categories.iter().find(|c| c.0 == "Other").unwrap();
        let folded: u64 = [
            Account::Other,
            Account::PageCache,
            Account::NettyDirect,
            Account::JdkDirect,
        ]
        .iter()
        .map(|a| s.at_peak.get(*a).committed)
        .sum();
        assert_eq!(other.2, kb(folded));

        // Total counts NMT-visible accounts only and equals the category sum within rounding.
        let libs = Account::ALL
            .iter()
            .filter(|a| a.nmt().is_none())
            .fold(memsim_core::Usage::default(), |u, a| {
                u.plus(s.at_peak.get(*a))
            });
        let total = s.at_peak.total();
        assert_eq!(
            parsed.total,
            (
                kb(total.reserved - libs.reserved),
                kb(total.committed - libs.committed)
            )
        );
        let sum_reserved: u64 = parsed.categories.iter().map(|c| c.1).sum();
        let sum_committed: u64 = parsed.categories.iter().map(|c| c.2).sum();
        let slack = NmtCategory::ALL.len() as u64 / 2 + 1;
        assert!(
            parsed.total.0.abs_diff(sum_reserved) <= slack,
            "{:?} vs {sum_reserved}",
            parsed.total
        );
        assert!(
            parsed.total.1.abs_diff(sum_committed) <= slack,
            "{:?} vs {sum_committed}",
            parsed.total
        );
    }

    #[test]
    fn kb_aligned_ledger_totals_exactly() {
        let mut s = fixture::oom_run();
        let mut l = memsim_core::Ledger::new();
        l.set(
            Account::JavaHeap,
            Usage {
                reserved: 4 << 30,
                committed: 1 << 30,
                resident: 1 << 29,
            },
        );
        l.set(Account::PageCache, Usage::all(6 << 30));
        l.set(Account::NettyDirect, Usage::all(64 << 20));
        l.set(
            Account::Thread,
            Usage {
                reserved: 200 << 20,
                committed: 20 << 20,
                resident: 18 << 20,
            },
        );
        l.set(Account::Libraries, Usage::all(21 << 20));
        s.at_peak = l;
        let parsed = parse(&render(&s));
        assert_eq!(parsed.categories.len(), 3);
        assert_eq!(
            parsed.total.0,
            parsed.categories.iter().map(|c| c.1).sum::<u64>()
        );
        assert_eq!(
            parsed.total.1,
            parsed.categories.iter().map(|c| c.2).sum::<u64>()
        );
        assert_eq!(
            parsed.total.1,
            (1 << 20) + (20 << 10) + (6 << 20) + (64 << 10)
        );
    }

    #[test]
    fn layout_matches_jdk17() {
        let text = render(&fixture::oom_run());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..6],
            [
                "memsim:",
                "",
                "Native Memory Tracking:",
                "",
                "(Omitting categories weighting less than 1KB)",
                ""
            ]
        );
        assert!(lines[6].starts_with("Total: reserved="));
        assert!(
            lines[7].starts_with("-                 Java Heap (reserved=4194304KB, committed=")
        );
        assert!(
            lines[8]
                .starts_with("                            (mmap: reserved=4194304KB, committed=")
        );
        assert_eq!(lines[9], "");
        assert!(text.contains("\n-    Native Memory Tracking (reserved="));
        assert!(text.contains("\n-                     Other (reserved="));
        assert!(text.contains("\n                            (page cache=6291456KB)\n"));
        assert!(text.contains("\n                            (netty direct="));
        // The memsim section comes last, after a blank line, and every line of it starts with `#`.
        let start = text
            .find("\n\n# memsim: memory NMT does not see\n")
            .unwrap();
        let tail = &text[start + 2..];
        assert!(tail.lines().all(|l| l.starts_with('#')));
        assert!(tail.contains(
            "#   Libraries (file-backed) (reserved=40960KB, committed=40960KB, resident=21504KB)"
        ));
        assert!(tail.contains("# memsim: resident (RSS) at the peak, 12m03.250s"));
        assert!(tail.contains("#                     Total (resident="));
        assert!(text.ends_with(")\n"));
    }

    #[test]
    fn renders_identically_twice() {
        let s = fixture::oom_run();
        assert_eq!(render(&s), render(&s));
    }
}

/// NMT's view of one instant: the accounts (indexed like [`Account::ALL`]: a sample's, or the
/// ledger's at the peak) folded into [`NmtCategory::ALL`] as `nmt-summary.txt` folds them (page
/// cache and direct memory into `Other`), with the `Total` of the NMT-visible accounts. What NMT
/// cannot see is left out, as real NMT leaves it out. For `summary.diff` between two instants of
/// one run ([`crate::render_nmt_diff`]).
pub fn nmt_summary_of(accounts: &[Usage]) -> crate::NmtSummary {
    let amounts = |u: Usage| crate::NmtAmounts {
        reserved_bytes: u.reserved,
        committed_bytes: u.committed,
        reserved_delta_bytes: None,
        committed_delta_bytes: None,
    };
    let usage_of = |pred: &dyn Fn(Account) -> bool| {
        Account::ALL
            .iter()
            .zip(accounts)
            .filter(|(a, _)| pred(**a))
            .fold(Usage::default(), |sum, (_, u)| sum.plus(*u))
    };
    crate::NmtSummary {
        total: amounts(usage_of(&|a| a.nmt().is_some())),
        categories: NmtCategory::ALL
            .iter()
            .map(|cat| {
                (
                    cat.name().to_string(),
                    amounts(usage_of(&|a| a.nmt() == Some(*cat))),
                )
            })
            .filter(|(_, u)| kb(u.reserved_bytes) > 0 || kb(u.committed_bytes) > 0)
            .collect(),
    }
}

#[cfg(test)]
mod instant_tests {
    use super::*;

    /// At the peak, the instant's summary is what `nmt-summary.txt` prints: the same categories
    /// and the same KB, so a diff against it has no change at all.
    #[test]
    fn the_peak_instant_is_nmt_summary_txt() {
        for s in [crate::fixture::oom_run(), crate::fixture::fitting_run()] {
            let mut text = Vec::new();
            render_nmt_summary(&s, &mut text).unwrap();
            let printed = crate::parse_nmt(std::str::from_utf8(&text).unwrap()).unwrap();
            let accounts: Vec<Usage> = Account::ALL.iter().map(|a| s.at_peak.get(*a)).collect();
            let instant = nmt_summary_of(&accounts);
            let names = |x: &crate::NmtSummary| -> Vec<String> {
                x.categories.iter().map(|(n, _)| n.clone()).collect()
            };
            assert_eq!(names(&instant), names(&printed));
            let diff = crate::render_nmt_diff(&printed, &instant);
            assert!(!diff.contains("KB +") && !diff.contains("KB -"), "{diff}");
            assert!(
                diff.contains("-                     Other (reserved="),
                "{diff}"
            );
        }
    }
}
