//! Durations and sizes written back as a user could write them (`"20m"`, `"4g"`), for messages and
//! hints: the largest unit that divides a value exactly, or a duration rounded up so a hint stays
//! short.

use memsim_core::SimDuration;

/// A duration as the user could write it: the largest unit that divides it exactly.
pub(crate) fn human_duration(d: SimDuration) -> String {
    let n = d.nanos();
    if n == 0 {
        return "0s".into();
    }
    const UNITS: [(u64, &str); 7] = [
        (86_400_000_000_000, "d"),
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ];
    for (unit, name) in UNITS {
        if n % unit == 0 {
            return format!("{}{name}", n / unit);
        }
    }
    format!("{n}ns")
}

/// A size as the user could write it: the largest binary unit that divides it exactly.
pub(crate) fn human_size(b: u64) -> String {
    for (shift, name) in [(40, "t"), (30, "g"), (20, "m"), (10, "k")] {
        if b != 0 && b % (1u64 << shift) == 0 {
            return format!("{}{name}", b >> shift);
        }
    }
    format!("{b}")
}

/// `d` rounded up to a whole number of its largest unit below it, so the hint is short.
pub(super) fn round_up_duration(d: SimDuration) -> SimDuration {
    let n = d.nanos();
    for unit in [1_000_000_000u64, 1_000_000, 1_000] {
        if n >= unit {
            return SimDuration(n.div_ceil(unit).saturating_mul(unit));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_forms() {
        assert_eq!(human_duration(SimDuration::from_secs(1200)), "20m");
        assert_eq!(human_duration(SimDuration::from_secs(90)), "90s");
        assert_eq!(human_duration(SimDuration::from_millis(1500)), "1500ms");
        assert_eq!(human_duration(SimDuration::ZERO), "0s");
        assert_eq!(human_duration(SimDuration(7)), "7ns");
        assert_eq!(human_size(4 << 30), "4g");
        assert_eq!(human_size(1536), "1536");
        assert_eq!(human_size(0), "0");
        assert_eq!(human_size(64 << 10), "64k");
    }

    #[test]
    fn rounding_hints() {
        assert_eq!(
            round_up_duration(SimDuration(2_592_000)),
            SimDuration(3_000_000)
        );
        assert_eq!(
            round_up_duration(SimDuration(1_000_000_001)),
            SimDuration::from_secs(2)
        );
        assert_eq!(round_up_duration(SimDuration(999)), SimDuration(999));
    }
}
