//! HotSpot's `-XX:` flags per JDK release, with their types: what `[jvm] flags` accepts.
//!
//! The lists are `java -XX:+UnlockDiagnosticVMOptions -XX:+UnlockExperimentalVMOptions
//! -XX:+PrintFlagsFinal -version` of each release (`type Name` a line): JDK 17 drops the flags JDK 21
//! added (`LockingMode`, `GCCardSizeInBytes`, …), JDK 21 those it removed (biased locking's,
//! G1's hot card cache's, `UseSharedSpaces`' siblings…), and HotSpot refuses to start on a name it
//! does not know.

use crate::suggest::distance;
use memsim_core::JdkVersion;

/// The HotSpot 17 flags, from OpenJDK 17.0.15.
const HOTSPOT17: &str = include_str!("hotspot17_flags.txt");
/// The HotSpot 21 flags, from Temurin 21.0.8.
const HOTSPOT21: &str = include_str!("hotspot21_flags.txt");

fn flags(jdk: JdkVersion) -> &'static str {
    match jdk {
        JdkVersion::Jdk17 => HOTSPOT17,
        JdkVersion::Jdk21 => HOTSPOT21,
    }
}

/// The type HotSpot `jdk` gives `name` (`bool`, `size_t`, `double`, …), if it has such a flag.
pub(crate) fn flag_type(name: &str, jdk: JdkVersion) -> Option<&'static str> {
    flags(jdk)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .find(|(_, n)| *n == name)
        .map(|(t, _)| t)
}

/// The flags HotSpot `jdk` no longer has but still accepts, each with the release that removed
/// it: HotSpot prints "Ignoring option …; support was removed in …" and starts. Measured by
/// giving every flag-like name in each release's `libjvm.so` (not in its flag list) to `java
/// -XX:Flags=FILE -version` (OpenJDK 17.0.21, Temurin 21.0.8) and keeping those it ignored.
const OBSOLETE17: &[(&str, &str)] = &[
    ("AssertOnSuspendWaitFailure", "17.0"),
    ("SuspendRetryCount", "17.0"),
    ("SuspendRetryDelay", "17.0"),
    ("TraceSuspendWaitFailures", "17.0"),
];
/// JDK 21's obsolete flags (see [`OBSOLETE17`]).
const OBSOLETE21: &[(&str, &str)] = &[
    ("DumpSharedSpaces", "19.0"),
    ("DynamicDumpSharedSpaces", "19.0"),
    ("EnableWaitForParallelLoad", "21.0"),
    ("G1ConcRSHotCardLimit", "21.0"),
    ("G1ConcRSLogCacheSize", "21.0"),
    ("G1ConcRefinementGreenZone", "20.0"),
    ("G1ConcRefinementRedZone", "20.0"),
    ("G1ConcRefinementServiceIntervalMillis", "20.0"),
    ("G1ConcRefinementThresholdStep", "20.0"),
    ("G1ConcRefinementYellowZone", "20.0"),
    ("G1UseAdaptiveConcRefinement", "20.0"),
    ("G1UsePreventiveGC", "21.0"),
    ("MetaspaceReclaimPolicy", "21.0"),
    ("RefDiscoveryPolicy", "21.0"),
    ("RequireSharedSpaces", "19.0"),
    ("UseSharedSpaces", "19.0"),
];

/// The release that removed `name`, if HotSpot `jdk` ignores it as obsolete rather than refusing
/// to start.
pub(crate) fn obsolete_since(name: &str, jdk: JdkVersion) -> Option<&'static str> {
    let table = match jdk {
        JdkVersion::Jdk17 => OBSOLETE17,
        JdkVersion::Jdk21 => OBSOLETE21,
    };
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// The flag `name` stands for when it is one of HotSpot's deprecated aliases (the same in 17 and
/// 21: HotSpot warns and sets the flag it names), measured as [`OBSOLETE17`].
pub(crate) fn alias_of(name: &str) -> Option<&'static str> {
    match name {
        "DefaultMaxRAMFraction" => Some("MaxRAMFraction"),
        "CreateMinidumpOnCrash" => Some("CreateCoredumpOnCrash"),
        _ => None,
    }
}

/// The HotSpot flag closest to `name` (case first, then spelling), for "did you mean".
pub(crate) fn closest_flag(name: &str, jdk: JdkVersion) -> Option<&'static str> {
    let names = flags(jdk)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' ').map(|(_, n)| n));
    let lower = name.to_ascii_lowercase();
    // A suggestion must be within a quarter of the name's length, so names further apart in
    // length than that are never close: this keeps a 1 MiB "flag" from costing minutes.
    let max = name.len().div_ceil(4).max(1);
    if name.len() > 128 {
        return None;
    }
    let mut best: Option<(usize, &'static str)> = None;
    for n in names {
        if n.len().abs_diff(name.len()) > max {
            continue;
        }
        let d = if n.to_ascii_lowercase() == lower {
            0
        } else {
            distance(&lower, &n.to_ascii_lowercase())
        };
        if best.is_none_or(|(b, _)| d < b) {
            best = Some((d, n));
        }
    }
    best.filter(|(d, _)| *d <= max).map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_names_and_typos() {
        let v = JdkVersion::Jdk17;
        assert_eq!(flag_type("MaxRAMPercentage", v), Some("double"));
        assert_eq!(flag_type("AlwaysPreTouch", v), Some("bool"));
        assert_eq!(flag_type("MaxRamPercentage", v), None);
        assert_eq!(
            closest_flag("MaxRamPercentage", v),
            Some("MaxRAMPercentage")
        );
        assert_eq!(closest_flag("MaxHeapSise", v), Some("MaxHeapSize"));
        assert_eq!(closest_flag("Banana", v), None);
    }

    /// Each release has its own flags: `LockingMode` is JDK 21's, biased locking was removed.
    #[test]
    fn releases_differ() {
        assert_eq!(flag_type("LockingMode", JdkVersion::Jdk21), Some("int"));
        assert_eq!(flag_type("LockingMode", JdkVersion::Jdk17), None);
        assert_eq!(
            flag_type("BiasedLockingStartupDelay", JdkVersion::Jdk17),
            Some("intx")
        );
        assert_eq!(
            flag_type("BiasedLockingStartupDelay", JdkVersion::Jdk21),
            None
        );
        for v in JdkVersion::ALL {
            assert_eq!(flag_type("MaxHeapSize", v), Some("size_t"));
        }
    }

    /// Flags a release removed but still ignores are not unknown to it; the tables name no flag
    /// the release has, and every alias names a flag of both releases.
    #[test]
    fn obsolete_flags_and_aliases() {
        assert_eq!(
            obsolete_since("G1UsePreventiveGC", JdkVersion::Jdk21),
            Some("21.0")
        );
        assert_eq!(obsolete_since("G1UsePreventiveGC", JdkVersion::Jdk17), None);
        assert_eq!(obsolete_since("UseBiasedLocking", JdkVersion::Jdk21), None);
        for v in JdkVersion::ALL {
            let table = match v {
                JdkVersion::Jdk17 => OBSOLETE17,
                JdkVersion::Jdk21 => OBSOLETE21,
            };
            for (name, _) in table {
                assert_eq!(flag_type(name, v), None, "{name} is a flag of {v:?}");
            }
            for alias in ["DefaultMaxRAMFraction", "CreateMinidumpOnCrash"] {
                assert_eq!(flag_type(alias, v), None);
                assert!(flag_type(alias_of(alias).unwrap(), v).is_some());
            }
        }
    }
}
