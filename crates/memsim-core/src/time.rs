//! Simulated time: nanoseconds since the start of the run, never the wall clock.
//!
//! Durations are written `250ms`, `30s`, `20m`, `1.5h`, `2d` (also `ns`, `us`, `min`); a bare `0` is zero.
//! `m` means minutes, as in JVM logs and Neo4j settings; milliseconds are `ms`.

use std::fmt;

/// A point in simulated time, in nanoseconds since the run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseDurationError {
    /// Empty input.
    #[error("empty duration")]
    Empty,
    /// The numeric part was not a number.
    #[error("`{}` is not a number", crate::quote::escape_for_message(.0))]
    BadNumber(String),
    /// No unit, or an unknown one.
    #[error("unknown or missing duration unit in `{}` (use ns, us, ms, s, m, h, d)", crate::quote::escape_for_message(.0))]
    BadUnit(String),
    /// Does not fit in 64 bits of nanoseconds (about 584 years).
    #[error("duration `{}` is too long", crate::quote::escape_for_message(.0))]
    Overflow(String),
    /// A negative duration.
    #[error("duration `{}` is negative", crate::quote::escape_for_message(.0))]
    Negative(String),
}

/// Nanoseconds per second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

impl SimDuration {
    /// Zero length.
    pub const ZERO: SimDuration = SimDuration(0);

    /// From whole seconds.
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s * NANOS_PER_SEC)
    }

    /// From whole milliseconds.
    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms * 1_000_000)
    }

    /// Nanoseconds.
    pub const fn nanos(self) -> u64 {
        self.0
    }

    /// Seconds as a float, for rates and display only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// Parses `250ms`, `30s`, `20m`, `1.5h`, `2d`, `0`.
    ///
    /// # Errors
    /// [`ParseDurationError`] for empty input, bad numbers, missing or unknown units, negatives and overflow.
    pub fn parse(text: &str) -> Result<SimDuration, ParseDurationError> {
        let s = text.trim();
        if s.is_empty() {
            return Err(ParseDurationError::Empty);
        }
        if s.starts_with('-') {
            return Err(ParseDurationError::Negative(s.to_string()));
        }
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let num: String = num.chars().filter(|c| *c != '_').collect();
        let unit_nanos: u64 = match unit.trim() {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" | "sec" => NANOS_PER_SEC,
            "m" | "min" => 60 * NANOS_PER_SEC,
            "h" => 3600 * NANOS_PER_SEC,
            "d" => 86_400 * NANOS_PER_SEC,
            "" if num.chars().all(|c| c == '0') && !num.is_empty() => 1,
            _ => return Err(ParseDurationError::BadUnit(s.to_string())),
        };
        let (whole, frac) = num.split_once('.').unwrap_or((num.as_str(), ""));
        if (whole.is_empty() && frac.is_empty()) || frac.contains('.') {
            return Err(ParseDurationError::BadNumber(s.to_string()));
        }
        let overflow = || ParseDurationError::Overflow(s.to_string());
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| overflow())?
        };
        let mut nanos = whole.checked_mul(unit_nanos).ok_or_else(overflow)?;
        if !frac.is_empty() {
            let digits = &frac[..frac.len().min(18)];
            let numer: u128 = digits
                .parse()
                .map_err(|_| ParseDurationError::BadNumber(s.to_string()))?;
            let extra = numer * unit_nanos as u128 / 10u128.pow(digits.len() as u32);
            nanos = nanos
                .checked_add(u64::try_from(extra).map_err(|_| overflow())?)
                .ok_or_else(overflow)?;
        }
        Ok(SimDuration(nanos))
    }
}

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);

    /// Seconds since the start, as a float, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// `self + d`, saturating at the end of representable time.
    #[inline]
    pub fn after(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    /// The time since `earlier` (zero if `earlier` is later).
    #[inline]
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Display for SimTime {
    /// `12m03.250s` style: minutes and seconds with milliseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1_000_000;
        let (min, ms) = (ms / 60_000, ms % 60_000);
        if min > 0 {
            write!(f, "{min}m{:02}.{:03}s", ms / 1000, ms % 1000)
        } else {
            write!(f, "{}.{:03}s", ms / 1000, ms % 1000)
        }
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        SimTime(self.0).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(
            SimDuration::parse("250ms").unwrap(),
            SimDuration::from_millis(250)
        );
        assert_eq!(
            SimDuration::parse("30s").unwrap(),
            SimDuration::from_secs(30)
        );
        assert_eq!(
            SimDuration::parse("20m").unwrap(),
            SimDuration::from_secs(1200)
        );
        assert_eq!(
            SimDuration::parse("1.5h").unwrap(),
            SimDuration::from_secs(5400)
        );
        assert_eq!(
            SimDuration::parse("2d").unwrap(),
            SimDuration::from_secs(172_800)
        );
        assert_eq!(SimDuration::parse("40us").unwrap(), SimDuration(40_000));
        assert_eq!(SimDuration::parse("0").unwrap(), SimDuration::ZERO);
    }

    #[test]
    fn rejects_bad_durations() {
        assert!(matches!(
            SimDuration::parse("30"),
            Err(ParseDurationError::BadUnit(_))
        ));
        assert!(matches!(
            SimDuration::parse("3 weeks"),
            Err(ParseDurationError::BadUnit(_))
        ));
        assert!(matches!(
            SimDuration::parse("-1s"),
            Err(ParseDurationError::Negative(_))
        ));
        assert!(matches!(
            SimDuration::parse("ms"),
            Err(ParseDurationError::BadNumber(_))
        ));
        assert!(matches!(
            SimDuration::parse("999999999999d"),
            Err(ParseDurationError::Overflow(_))
        ));
    }

    #[test]
    fn displays_minutes_and_seconds() {
        assert_eq!(SimTime(723_250_000_000).to_string(), "12m03.250s");
        assert_eq!(SimTime(1_500_000_000).to_string(), "1.500s");
    }
}
