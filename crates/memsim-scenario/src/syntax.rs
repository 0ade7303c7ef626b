//! The little languages inside scenario strings: sizes, durations, rates, byte rates and
//! distributions. Each function takes the string's text and returns the value or a [`Problem`]; the
//! caller adds the key path and the span.

use memsim_core::time::NANOS_PER_SEC;
use memsim_core::{ByteSize, Dist, SimDuration};

use crate::error::excerpt;

/// What is wrong with a value, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl Problem {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

pub(crate) const SIZE_HINT: &str = "write a size such as \"512m\", \"4g\", \"1.5GiB\" or \"64k\" (binary units: k = 1024), or an integer number of bytes";
pub(crate) const DURATION_HINT: &str = "write a duration such as \"250ms\", \"30s\", \"20m\" or \"1.5h\" (units: ns, us, ms, s, m, h, d)";
const RATE_UNITS: &str = "/s, /ms, /m (per minute), /min, /h";

/// The largest size a scenario may give anywhere (4 PiB, 2^52 bytes): far beyond any machine
/// memsim models, and small enough that the engine's sums and small multiples of sizes never
/// overflow 64 bits.
pub(crate) const MAX_SIZE_BYTES: u64 = 1 << 52;

/// A size string (`"4g"`, `"1.5GiB"`, `"16777216"`), in bytes.
pub(crate) fn size(text: &str) -> Result<u64, Problem> {
    ByteSize::parse(text)
        .map(ByteSize::bytes)
        .map_err(|e| Problem::new(format!("invalid size: {e}"), SIZE_HINT))
}

/// A duration string (`"250ms"`, `"30s"`, `"20m"`).
pub(crate) fn duration(text: &str) -> Result<SimDuration, Problem> {
    SimDuration::parse(text)
        .map_err(|e| Problem::new(format!("invalid duration: {e}"), DURATION_HINT))
}

/// Nanoseconds in one rate time unit (`s`, `ms`, `m`, `min`, `h`).
fn per_unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit.trim().to_ascii_lowercase().as_str() {
        "ms" => 1_000_000,
        "s" | "sec" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Whether `s` is a plain decimal number: digits, at most one dot, underscores between digits.
fn is_decimal(s: &str) -> bool {
    let mut digits = 0;
    let mut dots = 0;
    for c in s.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => dots += 1,
            '_' => {}
            _ => return false,
        }
    }
    digits > 0 && dots <= 1 && !s.starts_with('_') && !s.ends_with('_')
}

/// A request rate (`"3000/s"`, `"50/ms"`, `"90/m"`, `"0.5/s"`), in events per second. The result
/// is finite and non-negative; range checks are the caller's.
pub(crate) fn rate(text: &str) -> Result<f64, Problem> {
    let hint =
        format!("write a rate such as \"3000/s\", \"50/ms\" or \"90/m\" (units: {RATE_UNITS})");
    let s = text.trim();
    let q = excerpt(s);
    let Some((num, unit)) = s.rsplit_once('/') else {
        return Err(Problem::new(
            format!("invalid rate `{q}`: missing the time unit"),
            hint,
        ));
    };
    let num = num.trim();
    let num_q = excerpt(num);
    if num.starts_with('-') {
        return Err(Problem::new(format!("rate `{q}` is negative"), hint));
    }
    if !is_decimal(num) {
        return Err(Problem::new(
            format!("invalid rate `{q}`: `{num_q}` is not a number"),
            hint,
        ));
    }
    let Some(nanos) = per_unit_nanos(unit) else {
        return Err(Problem::new(
            format!(
                "invalid rate `{q}`: unknown time unit `/{}`",
                excerpt(unit.trim())
            ),
            hint,
        ));
    };
    let n: f64 = num.replace('_', "").parse().map_err(|_| {
        Problem::new(
            format!("invalid rate `{q}`: `{num_q}` is not a number"),
            hint.clone(),
        )
    })?;
    let per_sec = n * (1e9 / nanos as f64);
    if !per_sec.is_finite() {
        return Err(Problem::new(format!("rate `{q}` is too large"), hint));
    }
    Ok(per_sec)
}

/// A byte rate (`"200m/s"`, `"1.5g/m"`), in bytes per second, rounded down.
pub(crate) fn byte_rate(text: &str) -> Result<u64, Problem> {
    let hint = format!(
        "write a size per time unit such as \"200m/s\" or \"2g/m\" (units: {RATE_UNITS}; sizes are binary, k = 1024)"
    );
    let s = text.trim();
    let q = excerpt(s);
    let Some((amount, unit)) = s.rsplit_once('/') else {
        return Err(Problem::new(
            format!("invalid byte rate `{q}`: missing the time unit"),
            hint,
        ));
    };
    let bytes = ByteSize::parse(amount)
        .map_err(|e| Problem::new(format!("invalid byte rate `{q}`: {e}"), hint.clone()))?
        .bytes();
    let Some(nanos) = per_unit_nanos(unit) else {
        return Err(Problem::new(
            format!(
                "invalid byte rate `{q}`: unknown time unit `/{}`",
                excerpt(unit.trim())
            ),
            hint,
        ));
    };
    let per_sec = u128::from(bytes) * u128::from(NANOS_PER_SEC) / u128::from(nanos);
    u64::try_from(per_sec)
        .map_err(|_| Problem::new(format!("byte rate `{q}` overflows 64 bits"), hint))
}

/// What a distribution's values measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Sizes: `"16k"`, or integers in bytes.
    Bytes,
    /// Durations: `"40ms"`, in nanoseconds.
    Nanos,
}

impl Unit {
    fn value(self, text: &str) -> Result<u64, Problem> {
        match self {
            Unit::Bytes => size(text),
            Unit::Nanos => duration(text).map(SimDuration::nanos),
        }
    }

    fn example(self) -> &'static str {
        match self {
            Unit::Bytes => "16k",
            Unit::Nanos => "40ms",
        }
    }

    /// The accepted distribution forms, with examples in this unit.
    pub(crate) fn dist_hint(self) -> String {
        let (a, b, c) = match self {
            Unit::Bytes => ("16k", "1k", "64k"),
            Unit::Nanos => ("40ms", "1ms", "100ms"),
        };
        let plain = match self {
            Unit::Bytes => "a plain size (\"16k\" or an integer number of bytes)",
            Unit::Nanos => "a plain duration (\"40ms\")",
        };
        format!(
            "accepted forms: {plain}, \"constant({a})\", \"uniform({b}, {c})\", \"exp({a})\" (the mean), \"lognormal(median={a}, sigma=1.5)\""
        )
    }
}

/// The distribution forms: name(s) and parameter names in positional order.
const FORMS: [(&[&str], &[&str]); 4] = [
    (&["constant"], &["value"]),
    (&["uniform"], &["lo", "hi"]),
    (&["exp", "exponential"], &["mean"]),
    (&["lognormal"], &["median", "sigma"]),
];

/// A distribution string: a plain value, `constant(v)`, `uniform(lo, hi)`, `exp(mean)` /
/// `exponential(mean)`, or `lognormal(median=…, sigma=…)`. Parameters may be positional or named
/// (`name=value`); white space is ignored around every part.
pub(crate) fn dist(text: &str, unit: Unit) -> Result<Dist, Problem> {
    let s = text.trim();
    let q = excerpt(s);
    let problem = |message: String| Problem {
        message,
        hint: Some(unit.dist_hint()),
    };
    let Some(open) = s.find('(') else {
        return unit.value(s).map(Dist::Constant).map_err(|p| Problem {
            message: p.message,
            hint: Some(unit.dist_hint()),
        });
    };
    let name = s[..open].trim().to_ascii_lowercase();
    let name_q = excerpt(&name);
    let Some(inner) = s[open + 1..].strip_suffix(')') else {
        return Err(problem(format!(
            "invalid distribution `{q}`: missing `)` at the end"
        )));
    };
    let Some((_, params)) = FORMS
        .iter()
        .find(|(names, _)| names.contains(&name.as_str()))
    else {
        return Err(problem(format!(
            "unknown distribution `{}` in `{q}`",
            excerpt(s[..open].trim())
        )));
    };
    let mut values: Vec<Option<&str>> = vec![None; params.len()];
    let mut positional = 0;
    let mut seen_named = false;
    let args: Vec<&str> = if inner.trim().is_empty() {
        Vec::new()
    } else {
        inner.split(',').map(str::trim).collect()
    };
    for arg in args {
        if arg.is_empty() {
            return Err(problem(format!(
                "invalid distribution `{q}`: empty parameter"
            )));
        }
        if let Some((pname, pvalue)) = arg.split_once('=') {
            let pname = pname.trim().to_ascii_lowercase();
            let pname_q = excerpt(&pname);
            let Some(slot) = params.iter().position(|p| *p == pname) else {
                return Err(problem(format!(
                    "invalid distribution `{q}`: `{name_q}` has no parameter `{pname_q}` (its parameters: {})",
                    params.join(", ")
                )));
            };
            if values[slot].is_some() {
                return Err(problem(format!(
                    "invalid distribution `{q}`: parameter `{pname_q}` given twice"
                )));
            }
            values[slot] = Some(pvalue.trim());
            seen_named = true;
        } else {
            if seen_named {
                return Err(problem(format!(
                    "invalid distribution `{q}`: positional parameter after a named one"
                )));
            }
            if positional >= params.len() {
                return Err(problem(format!(
                    "invalid distribution `{q}`: `{name_q}` takes {} parameter{} ({})",
                    params.len(),
                    if params.len() == 1 { "" } else { "s" },
                    params.join(", ")
                )));
            }
            values[positional] = Some(arg);
            positional += 1;
        }
    }
    let mut got = Vec::with_capacity(params.len());
    for (p, v) in params.iter().zip(&values) {
        match v {
            Some(v) => got.push(*v),
            None => {
                return Err(problem(format!(
                    "invalid distribution `{q}`: missing parameter `{p}`"
                )));
            }
        }
    }
    let val = |i: usize| {
        unit.value(got[i]).map_err(|p| Problem {
            message: format!("invalid distribution `{q}`: {}", p.message),
            hint: Some(unit.dist_hint()),
        })
    };
    match params[0] {
        "value" => Ok(Dist::Constant(val(0)?)),
        "lo" => {
            let (lo, hi) = (val(0)?, val(1)?);
            if lo > hi {
                return Err(Problem::new(
                    format!("invalid distribution `{q}`: uniform's low end is above its high end"),
                    format!(
                        "write the smaller value first, e.g. \"uniform({}, {})\"",
                        excerpt(got[1]),
                        excerpt(got[0])
                    ),
                ));
            }
            if hi - lo == u64::MAX {
                return Err(problem(format!(
                    "invalid distribution `{q}`: the range is too wide"
                )));
            }
            Ok(Dist::Uniform { lo, hi })
        }
        "mean" => Ok(Dist::Exponential { mean: val(0)? }),
        _ => {
            let median = val(0)?;
            let sigma_text = got[1];
            let sigma: f64 = if is_decimal(sigma_text) {
                sigma_text.replace('_', "").parse().unwrap_or(f64::NAN)
            } else {
                f64::NAN
            };
            if !sigma.is_finite() || sigma <= 0.0 || sigma > 10.0 {
                return Err(Problem::new(
                    format!(
                        "invalid distribution `{q}`: sigma `{}` must be a number greater than 0 and at most 10",
                        excerpt(sigma_text)
                    ),
                    format!(
                        "sigma is the standard deviation of ln(value): 0.5 is narrow, 1.5 heavy-tailed, e.g. \"lognormal(median={}, sigma=1.5)\"",
                        unit.example()
                    ),
                ));
            }
            Ok(Dist::LogNormal { median, sigma })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: u64 = 1024;
    const MS: u64 = 1_000_000;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(size("4g"), Ok(4 << 30));
        assert_eq!(size(" 1.5GiB "), Ok(3 << 29));
        assert!(
            size("4x")
                .unwrap_err()
                .message
                .contains("unknown size unit")
        );
        assert_eq!(duration("250ms"), Ok(SimDuration::from_millis(250)));
        assert!(duration("30").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(rate("3000/s"), Ok(3000.0));
        assert_eq!(rate("50/ms"), Ok(50_000.0));
        assert_eq!(rate("90/m"), Ok(1.5));
        assert_eq!(rate("90 / min"), Ok(1.5));
        assert_eq!(rate("7200/h"), Ok(2.0));
        assert_eq!(rate("0.5/s"), Ok(0.5));
        assert_eq!(rate("1_000/s"), Ok(1000.0));
        assert_eq!(rate("0/s"), Ok(0.0));
        assert!(
            rate("3000")
                .unwrap_err()
                .message
                .contains("missing the time unit")
        );
        assert!(rate("-5/s").unwrap_err().message.contains("negative"));
        assert!(rate("inf/s").unwrap_err().message.contains("not a number"));
        assert!(rate("NaN/s").is_err());
        assert!(rate("1e3/s").is_err());
        assert!(
            rate("5/week")
                .unwrap_err()
                .message
                .contains("unknown time unit")
        );
        assert!(
            rate(&format!("{}/ms", "9".repeat(400)))
                .unwrap_err()
                .message
                .contains("too large")
        );
    }

    #[test]
    fn byte_rates() {
        assert_eq!(byte_rate("200m/s"), Ok(200 << 20));
        assert_eq!(byte_rate("1k/ms"), Ok(1024 * 1000));
        assert_eq!(byte_rate("6k/m"), Ok(6 * 1024 / 60));
        assert_eq!(byte_rate("1.5g/min"), Ok((3 << 29) / 60));
        assert!(byte_rate("200m").is_err());
        assert!(byte_rate("200x/s").is_err());
        assert!(
            byte_rate("16000000t/ms")
                .unwrap_err()
                .message
                .contains("overflows")
        );
        assert!(
            byte_rate("20000000t/s")
                .unwrap_err()
                .message
                .contains("overflows")
        );
    }

    #[test]
    fn distributions_in_bytes() {
        let b = Unit::Bytes;
        assert_eq!(dist("16k", b), Ok(Dist::Constant(16 * K)));
        assert_eq!(dist(" constant( 16k ) ", b), Ok(Dist::Constant(16 * K)));
        assert_eq!(dist("CONSTANT(value=1k)", b), Ok(Dist::Constant(K)));
        assert_eq!(
            dist("uniform(1k, 64k)", b),
            Ok(Dist::Uniform { lo: K, hi: 64 * K })
        );
        assert_eq!(
            dist("uniform(hi=64k, lo=1k)", b),
            Ok(Dist::Uniform { lo: K, hi: 64 * K })
        );
        assert_eq!(
            dist("uniform(2k,2k)", b),
            Ok(Dist::Uniform {
                lo: 2 * K,
                hi: 2 * K
            })
        );
        assert_eq!(dist("exp(16k)", b), Ok(Dist::Exponential { mean: 16 * K }));
        assert_eq!(
            dist("lognormal(median=16k, sigma=1.5)", b),
            Ok(Dist::LogNormal {
                median: 16 * K,
                sigma: 1.5
            })
        );
        assert_eq!(
            dist("lognormal( sigma = 0.25 , median = 1m )", b),
            Ok(Dist::LogNormal {
                median: 1 << 20,
                sigma: 0.25
            })
        );
        assert_eq!(
            dist("lognormal(8k, 10)", b),
            Ok(Dist::LogNormal {
                median: 8 * K,
                sigma: 10.0
            })
        );
    }

    #[test]
    fn distributions_in_time() {
        let t = Unit::Nanos;
        assert_eq!(dist("40ms", t), Ok(Dist::Constant(40 * MS)));
        assert_eq!(
            dist("exp(40ms)", t),
            Ok(Dist::Exponential { mean: 40 * MS })
        );
        assert_eq!(
            dist("exponential(mean=1s)", t),
            Ok(Dist::Exponential { mean: 1000 * MS })
        );
        assert_eq!(
            dist("uniform(1ms,3ms)", t),
            Ok(Dist::Uniform { lo: MS, hi: 3 * MS })
        );
        assert!(dist("exp(40)", t).is_err());
    }

    #[test]
    fn bad_distributions() {
        let b = Unit::Bytes;
        let msg = |s: &str| dist(s, b).unwrap_err().message;
        assert!(msg("uniform(64k, 1k)").contains("low end is above"));
        assert!(msg("normal(1k)").contains("unknown distribution `normal`"));
        assert!(msg("exp(16k").contains("missing `)`"));
        assert!(msg("uniform(1k)").contains("missing parameter `hi`"));
        assert!(msg("uniform(1k, 2k, 3k)").contains("takes 2 parameters"));
        assert!(msg("uniform(lo=1k, 2k)").contains("positional parameter after a named"));
        assert!(msg("uniform(lo=1k, lo=2k)").contains("given twice"));
        assert!(msg("exp(average=1k)").contains("no parameter `average`"));
        assert!(msg("exp(1k,)").contains("empty parameter"));
        assert!(msg("exp()").contains("missing parameter `mean`"));
        assert!(msg("lognormal(median=16k, sigma=0)").contains("sigma"));
        assert!(msg("lognormal(median=16k, sigma=10.5)").contains("sigma"));
        assert!(msg("lognormal(median=16k, sigma=nan)").contains("sigma"));
        assert!(msg("lognormal(median=16k, sigma=inf)").contains("sigma"));
        assert!(msg("lognormal(median=16k, sigma=-1)").contains("sigma"));
        assert!(msg("lognormal(median=16x, sigma=1)").contains("unknown size unit"));
        assert!(msg("16q").contains("unknown size unit"));
        let wide = "uniform(0, 16777215.999999999999999999t)";
        assert!(msg(wide).contains("too wide"));
        assert!(
            dist("16q", b)
                .unwrap_err()
                .hint
                .unwrap()
                .contains("lognormal(median=16k")
        );
    }
}
