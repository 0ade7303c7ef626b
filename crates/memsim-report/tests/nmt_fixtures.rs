//! `parse_nmt` on real JDK 17 and JDK 21 `jcmd VM.native_memory` outputs (fixtures/nmt/README.md says how each
//! was produced): totals as printed, category counts, diffs' deltas, and categories summing to the total.

use memsim_report::parse_nmt;

fn fixture(name: &str) -> String {
    let p = format!("{}/tests/fixtures/nmt/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// (file, bytes per unit, total reserved, total committed, deltas (reserved, committed), category lines)
type Case = (&'static str, u64, u64, u64, Option<(i64, i64)>, usize);

const CASES: &[Case] = &[
    (
        "g1-1g-200threads-b.summary.txt",
        1,
        2814040916,
        1235049300,
        None,
        20,
    ),
    (
        "g1-1g-200threads-mb.diff.txt",
        1 << 20,
        2685,
        1173,
        Some((13, 7)),
        11,
    ),
    (
        "g1-1g-200threads-mb.summary.txt",
        1 << 20,
        2684,
        1178,
        None,
        11,
    ),
    (
        "g1-1g-200threads.diff.txt",
        1024,
        2749937,
        1201585,
        Some((13173, 6805)),
        18,
    ),
    (
        "g1-1g-200threads.print-nmt-statistics.txt",
        1,
        2589838613,
        1198660885,
        None,
        20,
    ),
    (
        "g1-1g-200threads.summary.txt",
        1024,
        2748072,
        1206088,
        None,
        18,
    ),
    (
        "g1-1g-20k-hidden.diff.txt",
        1024,
        2602804,
        1261008,
        Some((11901, 5645)),
        18,
    ),
    (
        "g1-1g-direct256m-unsafe64m-mapped256m.summary.txt",
        1024,
        2909569,
        1486969,
        None,
        19,
    ),
    (
        "g1-2g-50k-classes-50loaders.summary.txt",
        1024,
        3729193,
        2389733,
        None,
        18,
    ),
    (
        "parallel-2g-100threads-hot2k.summary.txt",
        1024,
        3801072,
        2275552,
        None,
        18,
    ),
    // JDK 21: `GCCardSet`, `Shared class space (…, readonly=0KB)`, `Unknown` printed for its peak.
    (
        "jdk21-g1-256m-idle.summary.txt",
        1024,
        1717089,
        332485,
        None,
        19,
    ),
    (
        "jdk21-g1-256m-idle.diff.txt",
        1024,
        1729502,
        337266,
        Some((14376, 6744)),
        18,
    ),
    (
        "serial-4g-200threads-xss2m.summary.txt",
        1024,
        6040568,
        4521872,
        None,
        18,
    ),
];

#[test]
fn real_jcmd_outputs_parse_to_their_printed_numbers() {
    for (file, unit, reserved, committed, delta, n) in CASES {
        let s = parse_nmt(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(s.total.reserved_bytes, reserved * unit, "{file}");
        assert_eq!(s.total.committed_bytes, committed * unit, "{file}");
        assert_eq!(
            s.total
                .reserved_delta_bytes
                .zip(s.total.committed_delta_bytes),
            delta.map(|(r, c)| (r * *unit as i64, c * *unit as i64)),
            "{file}"
        );
        assert_eq!(s.categories.len(), *n, "{file}");
        if *unit < 1 << 20 {
            // KB and byte files: the categories add up to the total within one unit each.
            let sum: u64 = s.categories.iter().map(|(_, a)| a.committed_bytes).sum();
            assert!(
                sum.abs_diff(s.total.committed_bytes) <= *unit * s.categories.len() as u64,
                "{file}: {sum}"
            );
        }
        let heap = s
            .categories
            .iter()
            .find(|(name, _)| name == "Java Heap")
            .expect("Java Heap");
        assert!(heap.1.committed_bytes > 0, "{file}");
    }
}

#[test]
fn other_holds_direct_and_unsafe_memory() {
    let s = parse_nmt(&fixture(
        "g1-1g-direct256m-unsafe64m-mapped256m.summary.txt",
    ))
    .unwrap();
    let other = s.categories.iter().find(|(n, _)| n == "Other").unwrap().1;
    // 256 MiB of allocateDirect + 64 MiB of Unsafe, to the KB.
    assert_eq!(other.committed_bytes / 1024, 327_682);
}

/// `render_nmt_diff` writes jcmd's `summary.diff` layout: given the baseline a real diff implies
/// (its amounts less its deltas) and its amounts, it reproduces the real diff's lines exactly,
/// except the sub-lines an `NmtSummary` does not hold (malloc, arena, counts, metaspace).
#[test]
fn render_nmt_diff_reproduces_a_real_summary_diff() {
    use memsim_report::{NmtAmounts, NmtSummary, render_nmt_diff};
    for name in ["g1-1g-200threads.diff.txt", "g1-1g-20k-hidden.diff.txt"] {
        let real = fixture(name);
        let b = parse_nmt(&real).unwrap();
        let before = |x: &NmtAmounts| NmtAmounts {
            reserved_bytes: x
                .reserved_bytes
                .checked_add_signed(-x.reserved_delta_bytes.unwrap_or(0))
                .unwrap(),
            committed_bytes: x
                .committed_bytes
                .checked_add_signed(-x.committed_delta_bytes.unwrap_or(0))
                .unwrap(),
            reserved_delta_bytes: None,
            committed_delta_bytes: None,
        };
        let a = NmtSummary {
            total: before(&b.total),
            categories: b
                .categories
                .iter()
                .map(|(n, x)| (n.clone(), before(x)))
                .collect(),
        };
        let ours = render_nmt_diff(&a, &b);
        // The real diff without its `<pid>:` line and the sub-lines memsim does not have.
        let kept: Vec<&str> = real
            .lines()
            .skip(2)
            .filter(|l| {
                !l.starts_with("                           ")
                    || l.trim_start().starts_with("(mmap: reserved=")
            })
            .collect();
        // Of the mmap lines, only Java Heap's: the one right after its category line.
        let kept: Vec<&str> = kept
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                !l.trim_start().starts_with("(mmap:")
                    || kept[i - 1].starts_with("-                 Java Heap")
            })
            .map(|(_, l)| *l)
            .collect();
        let ours: Vec<&str> = ours.lines().collect();
        assert_eq!(ours, kept, "{name}");
    }
}
