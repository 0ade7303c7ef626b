//! Inputs the fuzzer found: each once failed, each must pass its target's check now.

use crate::{check_nmt, check_scenario, check_trace};
use memsim_direct::replay::ReplayOptions;

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
