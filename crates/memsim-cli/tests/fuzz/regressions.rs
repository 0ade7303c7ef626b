//! Inputs the fuzzer found: each once failed, each must pass its target's check now.

use crate::{check_nmt, check_scenario, check_trace};
use memsim_direct::replay::ReplayOptions;
use std::path::Path;

/// Every saved input under `regressions/` passes its target's check (by extension: `.toml` a
/// scenario, `.trace` a trace replayed with Netty's defaults, `.txt` NMT text). The file name says
/// what it once did; `expect_accepted` lists the few that must also be accepted.
#[test]
fn saved_inputs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for path in paths {
        let input = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => check_scenario(&input),
            Some("trace") => check_trace(&input, &ReplayOptions::default()),
            Some("txt") => check_nmt(&input),
            other => panic!("{name}: unknown extension {other:?}"),
        };
        let expected = expected(&name);
        assert_eq!(outcome, Ok(expected), "{name}");
    }
}

/// Whether a saved input must be accepted (`true`) or refused with an error (`false`).
fn expected(name: &str) -> bool {
    match name {
        // `-Xmx` of 2^63 − 1 bytes overflowed G1's table sizing (`heap * 3 / 512`) in an
        // overflow-checked build: sizes are capped at 4096t now.
        "huge-xmx-overflows-g1-tables.toml" => false,
        // 2^98 + 1 GB times 2^30 wrapped (i128) to exactly 1 GiB and parsed as such.
        "nmt-amount-wraps-to-1gib.txt" => false,
        _ => panic!("{name}: say in `expected` whether it is accepted"),
    }
}

/// A replay with `--arenas=4294967295` asked for 1.6 TB and aborted; now an option error.
#[test]
fn replay_with_u32_max_arenas() {
    let o = ReplayOptions {
        arenas: Some(u32::MAX),
        ..ReplayOptions::default()
    };
    assert_eq!(check_trace(b"alloc a 1\nmetrics\n", &o), Ok(false));
}

/// `--page-size` shifted by `--max-order` overflowed to 0 and passed the range check.
#[test]
fn replay_with_a_page_size_that_shifts_to_zero() {
    let o = ReplayOptions {
        page_size: Some(1 << 63),
        max_order: Some(1),
        ..ReplayOptions::default()
    };
    assert_eq!(check_trace(b"alloc a 16\nmetrics\n", &o), Ok(false));
}

/// `2 × cores` overflowed a u32 in the default arena count.
#[test]
fn replay_with_u32_max_cores() {
    let o = ReplayOptions {
        cores: u32::MAX,
        ..ReplayOptions::default()
    };
    assert_eq!(check_trace(b"alloc a 1\n", &o), Ok(false));
}

#[test]
fn empty_inputs() {
    assert_eq!(check_scenario(b""), Ok(false));
    assert_eq!(check_trace(b"", &ReplayOptions::default()), Ok(true));
    assert_eq!(check_nmt(b""), Ok(false));
}

/// The diff's KB rounding added 512 before dividing: near 2^64 bytes it wrapped (an overflow
/// panic in a checked build, `0KB` in a release one).
#[test]
fn nmt_diff_of_amounts_near_2_pow_64() {
    let s = memsim_report::parse_nmt("Total: reserved=18446744073709551615B, committed=1KB\n")
        .expect("a valid summary");
    let diff = memsim_report::render_nmt_diff(&s, &s);
    assert!(diff.contains("reserved=18014398509481984KB"), "{diff}");
}
