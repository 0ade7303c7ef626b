//! Byte sizes as users write them: JVM style (`4g`, `512m`, `16777216`), unit style (`1.5GiB`,
//! `8 KiB`) and Kubernetes' binary quantities (`2Gi`, `512Mi`, `1Ki`).
//!
//! Every suffix is binary (k = 1024), as in HotSpot's `-Xmx4g` and Neo4j's `6g`/`6GB`
//! settings; memsim never uses decimal kilobytes. So `GB` and Kubernetes' `G` mean GiB, as the
//! JVM's `g` does (HotSpot itself accepts only `k`, `m`, `g`, `t` in either case): a Kubernetes
//! `limits.memory: 2G` (2·10⁹ bytes) must be written `"2000000000"` here, and Kubernetes' `m`
//! (thousandths of a byte) is not supported: `512m` is 512 MiB, as in `-Xmx512m`. Fractions are allowed when the result is a whole
//! number of bytes after rounding down (`1.5g`), and sizes that do not fit in 64 bits are errors.

use std::fmt;

/// A number of bytes. Simulated sizes are always `u64`, never `usize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub u64);

/// Why a size string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseSizeError {
    /// The string was empty or only white space.
    #[error("empty size")]
    Empty,
    /// The numeric part was not a number.
    #[error("`{}` is not a number", crate::quote::escape_for_message(.0))]
    BadNumber(String),
    /// The suffix is not one memsim knows.
    #[error("unknown size unit `{}` (use b, k, m, g, t, p, or KiB, MiB, GiB, TiB, or Ki, Mi, Gi, Ti)", crate::quote::escape_for_message(.0))]
    BadUnit(String),
    /// The value does not fit in 64 bits.
    #[error("size `{}` overflows 64 bits", crate::quote::escape_for_message(.0))]
    Overflow(String),
    /// A negative size.
    #[error("size `{}` is negative", crate::quote::escape_for_message(.0))]
    Negative(String),
}

const KIB: u64 = 1024;

impl ByteSize {
    /// One kibibyte.
    pub const KIB: ByteSize = ByteSize(KIB);
    /// One mebibyte.
    pub const MIB: ByteSize = ByteSize(KIB * KIB);
    /// One gibibyte.
    pub const GIB: ByteSize = ByteSize(KIB * KIB * KIB);

    /// The number of bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// Parses `4g`, `512m`, `16777216`, `1.5GiB`, `8 KiB`, `64kb`, `2Gi`; every unit is binary.
    ///
    /// # Errors
    /// [`ParseSizeError`] for empty strings, bad numbers, unknown units, negative values and overflow.
    pub fn parse(text: &str) -> Result<ByteSize, ParseSizeError> {
        let s = text.trim();
        if s.is_empty() {
            return Err(ParseSizeError::Empty);
        }
        if s.starts_with('-') {
            return Err(ParseSizeError::Negative(s.to_string()));
        }
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let num: String = num.chars().filter(|c| *c != '_').collect();
        let unit = unit.trim();
        let shift = match unit.to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kb" | "kib" | "ki" => 10,
            "m" | "mb" | "mib" | "mi" => 20,
            "g" | "gb" | "gib" | "gi" => 30,
            "t" | "tb" | "tib" | "ti" => 40,
            "p" | "pb" | "pib" | "pi" => 50,
            _ => return Err(ParseSizeError::BadUnit(unit.to_string())),
        };
        if num.is_empty() || num.starts_with('.') && num.len() == 1 {
            return Err(ParseSizeError::BadNumber(s.to_string()));
        }
        let (whole, frac) = match num.split_once('.') {
            Some((w, f)) => (w, f),
            None => (num.as_str(), ""),
        };
        if frac.contains('.') {
            return Err(ParseSizeError::BadNumber(s.to_string()));
        }
        let overflow = || ParseSizeError::Overflow(s.to_string());
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| {
                if whole.len() > 19 {
                    overflow()
                } else {
                    ParseSizeError::BadNumber(s.to_string())
                }
            })?
        };
        let mut bytes = whole.checked_mul(1u64 << shift).ok_or_else(overflow)?;
        if !frac.is_empty() {
            // Exact decimal fraction of the unit, rounded down to whole bytes, in integers.
            let digits = &frac[..frac.len().min(18)];
            let numer: u128 = digits
                .parse()
                .map_err(|_| ParseSizeError::BadNumber(s.to_string()))?;
            let denom: u128 = 10u128.pow(digits.len() as u32);
            let extra = (numer << shift) / denom;
            bytes = bytes
                .checked_add(u64::try_from(extra).map_err(|_| overflow())?)
                .ok_or_else(overflow)?;
        }
        Ok(ByteSize(bytes))
    }
}

impl fmt::Display for ByteSize {
    /// Human form with binary units and at most two decimals: `4.00 GiB`, `512 B`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.with_decimals(2))
    }
}

/// The most decimals [`ByteSize::apart`] shows before it falls back to exact bytes.
const APART_DECIMALS_MAX: usize = 6;

impl ByteSize {
    /// Binary units with `decimals` decimals (`with_decimals(2)` is the `Display` form); sizes
    /// under 1 KiB are whole bytes (`512 B`).
    pub fn with_decimals(self, decimals: usize) -> String {
        let b = self.0;
        const UNITS: [(&str, u64); 4] = [
            ("TiB", 1 << 40),
            ("GiB", 1 << 30),
            ("MiB", 1 << 20),
            ("KiB", 1 << 10),
        ];
        for (name, unit) in UNITS {
            if b >= unit {
                // Exact below 2^53 bytes (8 PiB): a power-of-two divisor loses nothing.
                return format!("{:.decimals$} {name}", b as f64 / unit as f64);
            }
        }
        format!("{b} B")
    }

    /// Exact bytes with thousands separators: `12,616,466,432 B`.
    pub fn exact(self) -> String {
        format!("{} B", group_thousands(self.0))
    }

    /// Sizes one message compares, printed so that different values never read as equal.
    ///
    /// Each value prints as `Display` does (two decimals) unless two different values would print
    /// the same: those two get more decimals, one at a time up to six, until they differ, and
    /// past that their exact bytes (`12,616,466,432 B`). Equal values print equally. So `resident
    /// 11.75 GiB exceeded the limit 11.75 GiB by 3.90 MiB` becomes `resident 11.754 GiB exceeded
    /// the limit 11.750 GiB by 3.90 MiB`. The result has one string per value, in order.
    pub fn apart(values: &[u64]) -> Vec<String> {
        // Decimals per value; `None` once exact bytes are needed.
        let mut decimals: Vec<Option<usize>> = vec![Some(2); values.len()];
        let render = |v: u64, d: Option<usize>| match d {
            Some(d) => ByteSize(v).with_decimals(d),
            None => ByteSize(v).exact(),
        };
        loop {
            let shown: Vec<String> = values
                .iter()
                .zip(&decimals)
                .map(|(v, d)| render(*v, *d))
                .collect();
            let mut clash = vec![false; values.len()];
            for i in 0..values.len() {
                for j in i + 1..values.len() {
                    if values[i] != values[j] && shown[i] == shown[j] {
                        clash[i] = true;
                        clash[j] = true;
                    }
                }
            }
            if !clash.contains(&true) {
                return shown;
            }
            for (d, clashes) in decimals.iter_mut().zip(clash) {
                if clashes {
                    *d = d.and_then(|d| (d < APART_DECIMALS_MAX).then_some(d + 1));
                }
            }
        }
    }
}

/// `n` with a comma between groups of three digits: `1,664`, `12,616,466,432`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_jvm_and_unit_styles() {
        assert_eq!(ByteSize::parse("4g").unwrap().0, 4 << 30);
        assert_eq!(ByteSize::parse("512m").unwrap().0, 512 << 20);
        assert_eq!(ByteSize::parse("16777216").unwrap().0, 16_777_216);
        assert_eq!(ByteSize::parse("1.5GiB").unwrap().0, 3 << 29);
        assert_eq!(ByteSize::parse("8 KiB").unwrap().0, 8192);
        assert_eq!(ByteSize::parse("64kb").unwrap().0, 65536);
        assert_eq!(ByteSize::parse("1_000").unwrap().0, 1000);
        assert_eq!(ByteSize::parse("0").unwrap().0, 0);
        assert_eq!(ByteSize::parse("0.5k").unwrap().0, 512);
    }

    #[test]
    fn parses_kubernetes_binary_quantities_and_jvm_upper_case() {
        assert_eq!(ByteSize::parse("2Gi").unwrap().0, 2 << 30);
        assert_eq!(ByteSize::parse("512Mi").unwrap().0, 512 << 20);
        assert_eq!(ByteSize::parse("1Ki").unwrap().0, 1024);
        assert_eq!(ByteSize::parse("1Ti").unwrap().0, 1 << 40);
        assert_eq!(ByteSize::parse("1.5Gi").unwrap().0, 3 << 29);
        // `GB`, `G` and `M` are binary, as the JVM's `-Xmx2G`: never Kubernetes' decimal units.
        assert_eq!(ByteSize::parse("2GB").unwrap().0, 2 << 30);
        assert_eq!(ByteSize::parse("2G").unwrap().0, 2 << 30);
        assert_eq!(ByteSize::parse("500M").unwrap().0, 500 << 20);
        assert_eq!(ByteSize::parse("2048K").unwrap().0, 2 << 20);
        assert_eq!(ByteSize::parse("1p").unwrap().0, 1 << 50);
        assert!(matches!(
            ByteSize::parse("16384Pi"),
            Err(ParseSizeError::Overflow(_))
        ));
        assert!(matches!(
            ByteSize::parse("1Ei"),
            Err(ParseSizeError::BadUnit(_))
        ));
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(matches!(ByteSize::parse(""), Err(ParseSizeError::Empty)));
        assert!(matches!(
            ByteSize::parse("4x"),
            Err(ParseSizeError::BadUnit(_))
        ));
        assert!(matches!(
            ByteSize::parse("-1g"),
            Err(ParseSizeError::Negative(_))
        ));
        assert!(matches!(
            ByteSize::parse("g"),
            Err(ParseSizeError::BadNumber(_))
        ));
        assert!(matches!(
            ByteSize::parse("1.2.3m"),
            Err(ParseSizeError::BadNumber(_))
        ));
        assert!(matches!(
            ByteSize::parse("17179869184g"),
            Err(ParseSizeError::Overflow(_))
        ));
        assert!(matches!(
            ByteSize::parse("99999999999999999999999"),
            Err(ParseSizeError::Overflow(_))
        ));
        assert_eq!(ByteSize::parse("16777215t"), Ok(ByteSize(16_777_215 << 40)));
        assert!(matches!(
            ByteSize::parse("16777216t"),
            Err(ParseSizeError::Overflow(_))
        ));
    }

    #[test]
    fn displays_binary_units() {
        assert_eq!(ByteSize(4 << 30).to_string(), "4.00 GiB");
        assert_eq!(ByteSize(1536).to_string(), "1.50 KiB");
        assert_eq!(ByteSize(12).to_string(), "12 B");
        assert_eq!(ByteSize(3 << 29).with_decimals(3), "1.500 GiB");
    }

    #[test]
    fn apart_adds_digits_only_where_two_values_would_read_as_equal() {
        let limit = 11 * (1 << 30) + 768 * (1 << 20); // 11.75 GiB
        let resident = limit + 4_089_446; // 3.90 MiB more
        assert_eq!(
            ByteSize::apart(&[resident, limit, resident - limit]),
            ["11.754 GiB", "11.750 GiB", "3.90 MiB"]
        );
        // Different values that already read differently, and equal values, are left alone.
        assert_eq!(
            ByteSize::apart(&[4 << 30, 6 << 30, 4 << 30]),
            ["4.00 GiB", "6.00 GiB", "4.00 GiB"]
        );
        // 8.00 GiB against 1018.50 KiB less (`mmap-index-container`).
        let eight = 8u64 << 30;
        assert_eq!(
            ByteSize::apart(&[eight - 1_042_944, eight]),
            ["7.999 GiB", "8.000 GiB"]
        );
        // One byte apart: past six decimals, exact bytes.
        assert_eq!(
            ByteSize::apart(&[limit, limit + 1]),
            ["12,616,466,432 B", "12,616,466,433 B"]
        );
        // Three values, two of which clash.
        let got = ByteSize::apart(&[limit, 1 << 20, limit + (1 << 20)]);
        assert_eq!(got, ["11.750 GiB", "1.00 MiB", "11.751 GiB"]);
        assert!(ByteSize::apart(&[]).is_empty());
    }

    #[test]
    fn apart_always_separates_different_values() {
        // Values near each other at every scale: printed apart whenever they differ.
        let mut rng = crate::rng::SimRng::new(7, 1);
        for _ in 0..2000 {
            let scale = 1u64 << rng.below(50);
            let a = scale + rng.below(scale);
            let b = a.saturating_add(rng.below(1 + scale / 1000));
            let shown = ByteSize::apart(&[a, b]);
            assert_eq!(a == b, shown[0] == shown[1], "{a} {b} {shown:?}");
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1664), "1,664");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(u64::MAX), "18,446,744,073,709,551,615");
    }
}
