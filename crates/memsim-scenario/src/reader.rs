//! Reading typed values out of the spanned TOML tree, recording an error (with key path and span)
//! for every value that is missing, of the wrong type or malformed.

use std::ops::Range;

use memsim_core::{Dist, SimDuration};
use toml::Spanned;
use toml::de::{DeInteger, DeTable, DeValue};

use crate::error::{ScenarioError, excerpt};
use crate::suggest::suggest;
use crate::syntax::{self, DURATION_HINT, Problem, SIZE_HINT, Unit};

/// A spanned TOML value.
pub(crate) type Val<'i> = Spanned<DeValue<'i>>;

/// The error collector: every problem found is pushed here and reading goes on.
#[derive(Debug)]
pub(crate) struct Ctx<'s> {
    pub(crate) src: &'s str,
    pub(crate) file: &'s str,
    pub(crate) errors: Vec<ScenarioError>,
    /// What is accepted but not modelled: reported, never fatal.
    pub(crate) warnings: Vec<ScenarioError>,
}

/// A table being read, with its key path and the span to blame for missing keys.
#[derive(Debug, Clone)]
pub(crate) struct Tab<'a, 'i> {
    pub(crate) path: String,
    pub(crate) span: Range<usize>,
    pub(crate) table: &'a DeTable<'i>,
}

/// Whether a key can be written bare in TOML (and so in a key path).
fn is_bare(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `path.key`, quoting the key when it is not bare; a long key is cut (see [`excerpt`]).
pub(crate) fn join(path: &str, key: &str) -> String {
    let key = if is_bare(key) {
        excerpt(key)
    } else {
        format!("\"{}\"", excerpt(key))
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// The integer's value, if it fits in 128 bits.
fn int_value(i: &DeInteger<'_>) -> Option<i128> {
    i128::from_str_radix(i.as_str(), i.radix()).ok()
}

impl<'a, 'i> Tab<'a, 'i> {
    /// The key path of `key` in this table.
    pub(crate) fn key_path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value of `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Val<'i>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    /// Reports every key not in `allowed`, pointing at the key, with a suggestion.
    pub(crate) fn check_keys(&self, cx: &mut Ctx<'_>, keys: &[crate::keys::Key]) {
        let allowed = crate::keys::names(keys);
        let allowed = allowed.as_slice();
        for (k, _) in self.table.iter() {
            let key = k.get_ref().as_ref();
            if allowed.contains(&key) {
                continue;
            }
            let path = self.key_path(key);
            let list = allowed.join(", ");
            let hint = match suggest(key, allowed) {
                Some(s) => format!("did you mean `{s}`? (expected one of: {list})"),
                None => format!("expected one of: {list}"),
            };
            cx.err(&path, k.span(), format!("unknown key `{path}`"), Some(hint));
        }
    }

    /// Reads `key` with `read`; `None` when absent or invalid (an error is then recorded). Returns
    /// the value's span with it.
    pub(crate) fn read<'s, T>(
        &self,
        cx: &mut Ctx<'s>,
        key: &str,
        read: impl FnOnce(&mut Ctx<'s>, &str, &Val<'_>) -> Option<T>,
    ) -> Option<(T, Range<usize>)> {
        let v = self.get(key)?;
        let path = self.key_path(key);
        read(cx, &path, v).map(|t| (t, v.span()))
    }

    /// Like [`Tab::read`], but a missing key is an error pointing at this table.
    pub(crate) fn require<'s, T>(
        &self,
        cx: &mut Ctx<'s>,
        key: &str,
        hint: &str,
        read: impl FnOnce(&mut Ctx<'s>, &str, &Val<'_>) -> Option<T>,
    ) -> Option<(T, Range<usize>)> {
        if self.get(key).is_none() {
            let path = self.key_path(key);
            let table = if self.path.is_empty() {
                "the file".to_string()
            } else {
                format!("`{}`", self.path)
            };
            cx.err(
                &path,
                self.span.clone(),
                format!("missing `{path}`: {table} must set `{key}`"),
                Some(hint.to_string()),
            );
            return None;
        }
        self.read(cx, key, read)
    }

    /// The sub-table at `key`, if present and a table (otherwise an error is recorded).
    pub(crate) fn sub_table(
        &self,
        cx: &mut Ctx<'_>,
        key: &str,
        example: &str,
    ) -> Option<Tab<'a, 'i>> {
        let v = self.get(key)?;
        let path = self.key_path(key);
        as_table(cx, path, v, example)
    }
}

/// `v` as a table named `path`, or a type error.
pub(crate) fn as_table<'a, 'i>(
    cx: &mut Ctx<'_>,
    path: String,
    v: &'a Val<'i>,
    example: &str,
) -> Option<Tab<'a, 'i>> {
    match v.get_ref() {
        DeValue::Table(t) => Some(Tab {
            path,
            span: v.span(),
            table: t,
        }),
        _ => {
            cx.type_error(&path, v, "a table", Some(format!("write {example}")));
            None
        }
    }
}

impl<'s> Ctx<'s> {
    /// A collector for `src`, read from `file`.
    pub(crate) fn new(src: &'s str, file: &'s str) -> Ctx<'s> {
        Ctx {
            src,
            file,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Records a warning.
    pub(crate) fn warn(
        &mut self,
        path: &str,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let e = ScenarioError::new(self.src, self.file, path, span, message.into(), hint);
        self.warnings.push(e);
    }

    /// Records an error.
    pub(crate) fn err(
        &mut self,
        path: &str,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let e = ScenarioError::new(self.src, self.file, path, span, message.into(), hint);
        self.errors.push(e);
    }

    /// Records a value's [`Problem`].
    pub(crate) fn problem(&mut self, path: &str, span: Range<usize>, p: Problem) {
        self.err(path, span, format!("`{path}`: {}", p.message), p.hint);
    }

    /// `type `text`` of a value, for messages.
    fn found(&self, v: &Val<'_>) -> String {
        let text = self.src.get(v.span()).unwrap_or("");
        let text = text.lines().next().unwrap_or("");
        format!("{} `{}`", v.get_ref().type_str(), excerpt(text))
    }

    /// Records "`path` must be EXPECTED, found TYPE `text`".
    pub(crate) fn type_error(
        &mut self,
        path: &str,
        v: &Val<'_>,
        expected: &str,
        hint: Option<String>,
    ) {
        let found = self.found(v);
        self.err(
            path,
            v.span(),
            format!("`{path}` must be {expected}, found {found}"),
            hint,
        );
    }

    /// A string.
    pub(crate) fn string(&mut self, path: &str, v: &Val<'_>) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.type_error(
                    path,
                    v,
                    "a string",
                    Some("put the text in double quotes".into()),
                );
                None
            }
        }
    }

    /// A name printed in reports and on the terminal: a string without control characters or
    /// bidirectional marks (the reports and the run summary print it as it is).
    pub(crate) fn label(&mut self, path: &str, v: &Val<'_>) -> Option<String> {
        let s = self.string(path, v)?;
        if s.chars().any(memsim_core::quote::needs_escape) {
            self.err(
                path,
                v.span(),
                format!(
                    "`{path}` {} holds control characters; it is printed in reports and on the terminal",
                    memsim_core::quote_for_message(&s)
                ),
                Some("write the name on one line, without escapes such as \\n or \\u001b".into()),
            );
            return None;
        }
        Some(s)
    }

    /// A boolean.
    pub(crate) fn boolean(&mut self, path: &str, v: &Val<'_>) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.type_error(
                    path,
                    v,
                    "a boolean",
                    Some("write true or false, without quotes".into()),
                );
                None
            }
        }
    }

    /// A non-negative integer no larger than `max`.
    pub(crate) fn uint_max(&mut self, path: &str, v: &Val<'_>, max: u64) -> Option<u64> {
        match v.get_ref() {
            DeValue::Integer(i) => match int_value(i) {
                Some(n) if n < 0 => {
                    let found = self.found(v);
                    self.err(
                        path,
                        v.span(),
                        format!("`{path}` must not be negative, found {found}"),
                        None,
                    );
                    None
                }
                Some(n) if n <= i128::from(max) => u64::try_from(n).ok(),
                _ => {
                    self.err(
                        path,
                        v.span(),
                        format!("`{path}` is too large: at most {max}"),
                        None,
                    );
                    None
                }
            },
            DeValue::String(s) if s.trim().parse::<u64>().is_ok() => {
                self.type_error(
                    path,
                    v,
                    "an integer",
                    Some(format!("remove the quotes: {}", s.trim())),
                );
                None
            }
            _ => {
                self.type_error(
                    path,
                    v,
                    "an integer",
                    Some("write a whole number without quotes, e.g. 8".into()),
                );
                None
            }
        }
    }

    /// A non-negative integer that fits in 64 bits.
    pub(crate) fn uint(&mut self, path: &str, v: &Val<'_>) -> Option<u64> {
        self.uint_max(path, v, u64::MAX)
    }

    /// A size: a size string, or a non-negative integer number of bytes, at most
    /// [`syntax::MAX_SIZE_BYTES`] (4 PiB) so that sums and small multiples of sizes stay within 64
    /// bits everywhere downstream.
    pub(crate) fn size(&mut self, path: &str, v: &Val<'_>) -> Option<u64> {
        let n = self.any_size(path, v)?;
        if n > syntax::MAX_SIZE_BYTES {
            self.err(
                path,
                v.span(),
                format!(
                    "`{path}` is {}, more than memsim's limit for any size, 4096t (4 PiB)",
                    crate::build::human_size(n)
                ),
                Some(SIZE_HINT.into()),
            );
            return None;
        }
        Some(n)
    }

    /// A size of any magnitude that fits in 64 bits.
    fn any_size(&mut self, path: &str, v: &Val<'_>) -> Option<u64> {
        match v.get_ref() {
            DeValue::String(s) => match syntax::size(s) {
                Ok(n) => Some(n),
                Err(p) => {
                    self.problem(path, v.span(), p);
                    None
                }
            },
            DeValue::Integer(i) => match int_value(i) {
                Some(n) if n < 0 => {
                    let found = self.found(v);
                    self.err(
                        path,
                        v.span(),
                        format!("`{path}` must not be negative, found {found}"),
                        Some(SIZE_HINT.into()),
                    );
                    None
                }
                Some(n) if u64::try_from(n).is_ok() => u64::try_from(n).ok(),
                _ => {
                    self.err(
                        path,
                        v.span(),
                        format!("`{path}` overflows 64 bits"),
                        Some(SIZE_HINT.into()),
                    );
                    None
                }
            },
            _ => {
                self.type_error(
                    path,
                    v,
                    "a size (a string such as \"4g\" or an integer number of bytes)",
                    Some(SIZE_HINT.into()),
                );
                None
            }
        }
    }

    /// A duration string.
    pub(crate) fn duration(&mut self, path: &str, v: &Val<'_>) -> Option<SimDuration> {
        match v.get_ref() {
            DeValue::String(s) => match syntax::duration(s) {
                Ok(d) => Some(d),
                Err(p) => {
                    self.problem(path, v.span(), p);
                    None
                }
            },
            DeValue::Integer(i) => {
                let n = i.as_str();
                self.type_error(
                    path,
                    v,
                    "a duration string with a unit",
                    Some(format!("write \"{n}s\" or \"{n}ms\" ({DURATION_HINT})")),
                );
                None
            }
            _ => {
                self.type_error(
                    path,
                    v,
                    "a duration string with a unit",
                    Some(DURATION_HINT.into()),
                );
                None
            }
        }
    }

    /// A rate string, in events per second.
    pub(crate) fn rate(&mut self, path: &str, v: &Val<'_>) -> Option<f64> {
        match v.get_ref() {
            DeValue::String(s) => match syntax::rate(s) {
                Ok(r) => Some(r),
                Err(p) => {
                    self.problem(path, v.span(), p);
                    None
                }
            },
            DeValue::Integer(_) | DeValue::Float(_) => {
                let n = self.src.get(v.span()).unwrap_or("").trim().to_string();
                self.type_error(
                    path,
                    v,
                    "a rate string with a time unit",
                    Some(format!(
                        "write \"{}/s\" for {} per second",
                        excerpt(&n),
                        excerpt(&n)
                    )),
                );
                None
            }
            _ => {
                self.type_error(
                    path,
                    v,
                    "a rate string with a time unit",
                    Some("write a rate such as \"3000/s\", \"50/ms\" or \"90/m\"".into()),
                );
                None
            }
        }
    }

    /// A byte-rate string, in bytes per second.
    pub(crate) fn byte_rate(&mut self, path: &str, v: &Val<'_>) -> Option<u64> {
        match v.get_ref() {
            DeValue::String(s) => match syntax::byte_rate(s) {
                Ok(r) => Some(r),
                Err(p) => {
                    self.problem(path, v.span(), p);
                    None
                }
            },
            _ => {
                self.type_error(
                    path,
                    v,
                    "a size-per-time string",
                    Some("write a byte rate such as \"200m/s\" or \"2g/m\"".into()),
                );
                None
            }
        }
    }

    /// A distribution of sizes (`Unit::Bytes`, integers allowed) or durations.
    pub(crate) fn dist(&mut self, path: &str, v: &Val<'_>, unit: Unit) -> Option<Dist> {
        match (v.get_ref(), unit) {
            (DeValue::String(s), _) => match syntax::dist(s, unit) {
                Ok(d) => Some(d),
                Err(p) => {
                    self.problem(path, v.span(), p);
                    None
                }
            },
            (DeValue::Integer(_), Unit::Bytes) => self.size(path, v).map(Dist::Constant),
            (_, Unit::Bytes) => {
                self.type_error(
                    path,
                    v,
                    "a size or a size distribution",
                    Some(unit.dist_hint()),
                );
                None
            }
            (_, Unit::Nanos) => {
                self.type_error(
                    path,
                    v,
                    "a duration or a duration distribution",
                    Some(unit.dist_hint()),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_quote_odd_keys() {
        assert_eq!(join("", "jvm"), "jvm");
        assert_eq!(join("jvm", "heap"), "jvm.heap");
        assert_eq!(join("jvm", "a b"), "jvm.\"a b\"");
        assert_eq!(join("phase[0]", "x.y"), "phase[0].\"x.y\"");
    }

    #[test]
    fn integers_of_every_radix() {
        let t =
            DeTable::parse("a = 0xff\nb = -1_0\nc = 0b101\nd = 99999999999999999999999\n").unwrap();
        let get = |k: &str| match t
            .get_ref()
            .iter()
            .find(|(key, _)| key.get_ref() == k)
            .unwrap()
            .1
            .get_ref()
        {
            DeValue::Integer(i) => int_value(i),
            _ => None,
        };
        assert_eq!(get("a"), Some(255));
        assert_eq!(get("b"), Some(-10));
        assert_eq!(get("c"), Some(5));
        assert_eq!(get("d"), Some(99_999_999_999_999_999_999_999));
    }
}
