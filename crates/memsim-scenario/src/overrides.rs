//! `--set KEY=VALUE`: a change to a scenario's TOML document before it is read.
//!
//! An override is applied to the document (through `toml_edit`, which keeps every other line, comment
//! and layout as written), and the edited text is then read by [`crate::parse`] like any file, so an
//! overridden value meets exactly the checks a written one does. The key is checked first against the
//! key table (`keys.rs`): an unknown key is refused with a "did you mean", a table is refused as a
//! value, and the value is typed by the key's [`ValueKind`] (sizes, durations and other unit strings
//! stay strings; integers, numbers and booleans become TOML's own). An error the reader then reports
//! on an overridden key path is an error of the `--set` argument, and [`parse_with_overrides`] says
//! so, naming the argument; errors elsewhere are the file's.
//!
//! Key paths are written as in the reader's messages: `jvm.heap.max`, `page_cache.size`,
//! `phase[2].threads`, `phase[0].requests.rate` (phases counted from 0 in file order).

use std::fmt;

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

use crate::error::ScenarioErrors;
use crate::keys::{self, Key, ValueKind};
use crate::model::Scenario;
use crate::suggest::suggest;

/// One `KEY=VALUE` change to a scenario document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Override {
    /// The key path, e.g. `jvm.heap.max` or `phase[1].threads`.
    pub key: String,
    /// The value as the user wrote it, e.g. `5g`, `400`, `true`.
    pub value: String,
}

impl Override {
    /// An override of `key` with `value`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Override {
        Override {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Reads `KEY=VALUE` (spaces around both trimmed).
    ///
    /// # Errors
    /// [`OverrideError::Syntax`] when there is no `=` or the key or the value is empty.
    pub fn parse(arg: &str) -> Result<Override, OverrideError> {
        match arg.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                Ok(Override::new(k.trim(), v.trim()))
            }
            _ => Err(OverrideError::Syntax {
                arg: arg.to_string(),
            }),
        }
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

/// Why an override could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    /// The argument is not `KEY=VALUE`.
    #[error("--set {arg}: expected KEY=VALUE, e.g. `jvm.heap.max=4g`")]
    Syntax {
        /// The argument as given.
        arg: String,
    },
    /// The key is not one the scenario format knows.
    #[error("--set {key}=…: unknown key `{key}`{hint}")]
    UnknownKey {
        /// The key path.
        key: String,
        /// ` — did you mean …?`, or empty.
        hint: String,
    },
    /// The key names a table, not a value.
    #[error("--set {key}=…: `{key}` is a table; set one of its keys ({keys})")]
    Table {
        /// The key path.
        key: String,
        /// Its keys, comma-separated.
        keys: String,
    },
    /// `phase[N]` names a phase the file does not have.
    #[error("--set {key}=…: the scenario has {phases} phase(s), counted from 0")]
    NoSuchPhase {
        /// The key path.
        key: String,
        /// How many phases the file has.
        phases: usize,
    },
    /// The value is not of the key's type, or the reader refused it.
    #[error("--set {key}={value}: {message}")]
    BadValue {
        /// The key path.
        key: String,
        /// The value as given.
        value: String,
        /// Why (the reader's message when it was the reader's).
        message: String,
    },
    /// The scenario file itself is not valid TOML.
    #[error("{file}: not valid TOML: {message}")]
    Document {
        /// The file name.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// The edited scenario has errors outside the overridden keys (the file's own).
    #[error("{}", .0.render_plain())]
    Scenario(Box<ScenarioErrors>),
}

/// One step of a key path: a key, or a key with a phase index.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    name: String,
    index: Option<usize>,
}

fn split_path(key: &str) -> Option<Vec<Step>> {
    key.split('.')
        .map(|part| {
            if let Some((name, rest)) = part.split_once('[') {
                let index = rest.strip_suffix(']')?.parse().ok()?;
                Some(Step {
                    name: name.to_string(),
                    index: Some(index),
                })
            } else if part.is_empty() {
                None
            } else {
                Some(Step {
                    name: part.to_string(),
                    index: None,
                })
            }
        })
        .collect()
}

/// The key table's entry for `key`, checking each step (a `[[phase]]` needs an index, nothing else
/// takes one).
fn lookup(key: &str) -> Result<(Vec<Step>, &'static Key), OverrideError> {
    let unknown = |hint: String| OverrideError::UnknownKey {
        key: key.to_string(),
        hint,
    };
    let steps = split_path(key).ok_or_else(|| unknown(String::new()))?;
    let mut table: &'static [Key] = keys::TOP;
    let mut found: Option<&'static Key> = None;
    for (i, step) in steps.iter().enumerate() {
        if found.is_some() {
            // A value cannot have keys below it.
            return Err(unknown(String::new()));
        }
        let Some(k) = table.iter().find(|k| k.name == step.name) else {
            let hint = suggest(&step.name, &keys::names(table))
                .map(|s| format!(" — did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(unknown(hint));
        };
        match (k.kind, step.index) {
            (ValueKind::Tables(sub), Some(_)) => table = sub,
            (ValueKind::Tables(_), None) => {
                return Err(unknown(format!(
                    " — a phase is named by its index: `{}[0].…`",
                    step.name
                )));
            }
            (_, Some(_)) => return Err(unknown(String::new())),
            (ValueKind::Table(sub), None) => table = sub,
            (_, None) => found = Some(k),
        }
        if i + 1 == steps.len() && found.is_none() {
            return Err(OverrideError::Table {
                key: key.to_string(),
                keys: keys::names(table).join(", "),
            });
        }
    }
    let found = found.ok_or_else(|| unknown(String::new()))?;
    Ok((steps, found))
}

/// The TOML value a key of `kind` takes for `text`.
fn typed_value(kind: ValueKind, text: &str) -> Result<Value, String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    Ok(match kind {
        ValueKind::Boolean => match text {
            "true" => Value::from(true),
            "false" => Value::from(false),
            _ => return Err("expected `true` or `false`".into()),
        },
        ValueKind::Integer => match text.parse::<i64>() {
            Ok(n) if n >= 0 => Value::from(n),
            _ => return Err("expected a non-negative integer".into()),
        },
        ValueKind::Number => match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Value::from(x),
            _ => return Err("expected a number, e.g. `0.8`".into()),
        },
        ValueKind::Size | ValueKind::SizeDistribution if digits(text) => {
            match text.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => return Err("too large a number of bytes; use a unit, e.g. `4g`".into()),
            }
        }
        ValueKind::SignedSize if digits(text.strip_prefix('-').unwrap_or(text)) => {
            match text.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => return Err("too large a number of bytes; use a unit, e.g. `4g`".into()),
            }
        }
        ValueKind::Table(_) | ValueKind::Tables(_) => return Err("a table takes keys".into()),
        _ => Value::from(text),
    })
}

/// The table-like at `steps` (all but the last), created as a standard table where missing.
fn table_at<'a>(
    root: &'a mut Table,
    steps: &[Step],
    key: &str,
) -> Result<&'a mut dyn TableLike, OverrideError> {
    let mut here: &mut dyn TableLike = root;
    for step in steps {
        if !here.contains_key(&step.name) {
            let mut t = Table::new();
            t.set_implicit(true);
            here.insert(&step.name, Item::Table(t));
        }
        let item = here.get_mut(&step.name).expect("inserted above");
        here = match step.index {
            Some(i) => {
                let phases = match item {
                    Item::ArrayOfTables(a) => a.len(),
                    Item::Value(Value::Array(a)) => a.len(),
                    _ => 0,
                };
                let no_phase = || OverrideError::NoSuchPhase {
                    key: key.to_string(),
                    phases,
                };
                match item {
                    Item::ArrayOfTables(a) => a.get_mut(i).ok_or_else(no_phase)?,
                    Item::Value(Value::Array(a)) => a
                        .get_mut(i)
                        .and_then(Value::as_inline_table_mut)
                        .map(|t| t as &mut dyn TableLike)
                        .ok_or_else(no_phase)?,
                    _ => return Err(no_phase()),
                }
            }
            None => item
                .as_table_like_mut()
                .ok_or_else(|| OverrideError::BadValue {
                    key: key.to_string(),
                    value: String::new(),
                    message: format!("the file sets `{}` to a value, not a table", step.name),
                })?,
        };
    }
    Ok(here)
}

/// Applies `overrides` in order to the scenario text `source` (read from `file`) and returns the
/// edited text; lines not overridden are kept as written.
///
/// # Errors
/// [`OverrideError`]: the text is not TOML, a key is unknown or a table, a phase index is past the
/// last phase, or a value is not of its key's type.
pub fn apply_overrides(
    source: &str,
    file: &str,
    overrides: &[Override],
) -> Result<String, OverrideError> {
    let mut doc: DocumentMut =
        source
            .parse()
            .map_err(|e: toml_edit::TomlError| OverrideError::Document {
                file: file.to_string(),
                message: e.message().to_string(),
            })?;
    for o in overrides {
        let (steps, entry) = lookup(&o.key)?;
        let value =
            typed_value(entry.kind, &o.value).map_err(|message| OverrideError::BadValue {
                key: o.key.clone(),
                value: o.value.clone(),
                message,
            })?;
        let (last, parents) = steps.split_last().expect("a key path has a step");
        let table = table_at(doc.as_table_mut(), parents, &o.key)?;
        match table.get_mut(&last.name) {
            Some(Item::Value(existing)) => {
                let mut decor = existing.decor().clone();
                if let Some(suffix) = stale_comment_suffix(existing) {
                    decor.set_suffix(suffix);
                }
                *existing = value;
                *existing.decor_mut() = decor;
            }
            _ => {
                table.insert(&last.name, Item::Value(value));
            }
        }
    }
    Ok(doc.to_string())
}

/// The comment after a value describes the value it was written for: when an override replaces
/// that value, the comment is kept (it may explain the setting) but prefixed by the value it was
/// written for, so a scenario diff never shows `"9g"  # -XX:MaxDirectMemorySize=6g` as if the
/// comment were about the new value. `None` when the value has no comment after it.
fn stale_comment_suffix(existing: &Value) -> Option<String> {
    let suffix = existing.decor().suffix()?.as_str()?;
    let hash = suffix.find('#')?;
    let (space, comment) = suffix.split_at(hash);
    let text = comment.trim_start_matches('#').trim();
    let mut bare = existing.clone();
    bare.decor_mut().clear();
    let old = bare.to_string();
    let old = old.trim();
    Some(if text.is_empty() {
        format!("{space}# was {old}")
    } else {
        format!("{space}# was {old}: {text}")
    })
}

/// Applies `overrides` to `source` and reads the result as a scenario; returns it with the edited
/// text (what a scenario diff compares with the original).
///
/// # Errors
/// [`OverrideError`]: as [`apply_overrides`], or [`OverrideError::BadValue`] when the reader refuses
/// an overridden value (its message), or [`OverrideError::Scenario`] for the file's own errors.
pub fn parse_with_overrides(
    source: &str,
    file: &str,
    overrides: &[Override],
) -> Result<(Scenario, String), OverrideError> {
    let text = apply_overrides(source, file, overrides)?;
    match crate::parse(&text, file) {
        Ok(s) => Ok((s, text)),
        Err(errors) => {
            for e in errors.errors() {
                // The last override of a key is the one in force.
                // On the overridden key, or a relation broken by it (`jvm.heap.initial` larger than
                // an overridden `jvm.heap.max` is reported on the initial size, naming the max).
                if let Some(o) = overrides.iter().rev().find(|o| {
                    e.key_path() == o.key
                        || e.key_path().starts_with(&format!("{}.", o.key))
                        || e.message().contains(&format!("`{}`", o.key))
                }) {
                    let mut message = e.message().to_string();
                    if let Some(h) = e.hint() {
                        message.push_str(" — hint: ");
                        message.push_str(h);
                    }
                    return Err(OverrideError::BadValue {
                        key: o.key.clone(),
                        value: o.value.clone(),
                        message,
                    });
                }
            }
            Err(OverrideError::Scenario(Box::new(errors)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "\
# a comment that stays
[scenario]
duration = \"1m\"

[machine]
ram = \"8g\"   # the box

[jvm]
heap = { initial = \"1g\", max = \"2g\" }

[[phase]]
name = \"a\"
duration = \"30s\"
threads = 10

[[phase]]
name = \"b\"
duration = \"30s\"
";

    fn apply(key: &str, value: &str) -> Result<String, OverrideError> {
        apply_overrides(SRC, "t.toml", &[Override::new(key, value)])
    }

    #[test]
    fn replaces_a_value_keeping_its_comment_and_the_rest() {
        let out = apply("machine.ram", "12g").unwrap();
        assert!(
            out.contains("ram = \"12g\"   # was \"8g\": the box"),
            "{out}"
        );
        assert!(out.starts_with("# a comment that stays\n"));
        assert_eq!(out.lines().count(), SRC.lines().count());
    }

    #[test]
    fn edits_inline_tables_and_phases_and_adds_missing_keys() {
        let out = apply("jvm.heap.max", "3g").unwrap();
        assert!(out.contains("max = \"3g\""), "{out}");
        let s = crate::parse(&out, "t.toml").unwrap();
        assert_eq!(s.jvm.heap_max, Some(3 << 30));

        let out = apply("phase[1].threads", "77").unwrap();
        let s = crate::parse(&out, "t.toml").unwrap();
        assert_eq!(s.phases[1].threads, 77);
        assert_eq!(s.phases[0].threads, 10);

        let out = apply("page_cache.size", "1g").unwrap();
        let s = crate::parse(&out, "t.toml").unwrap();
        assert_eq!(s.page_cache.map(|p| p.size), Some(Some(1 << 30)));

        let out = apply("machine.container_limit", "4294967296").unwrap();
        assert!(out.contains("container_limit = 4294967296"), "{out}");
    }

    #[test]
    fn unknown_keys_tables_and_phases_are_refused_by_name() {
        let e = apply("jvm.hep.max", "3g").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--set jvm.hep.max=…: unknown key `jvm.hep.max` — did you mean `heap`?"
        );
        let e = apply("jvm.heap", "3g").unwrap_err();
        assert!(matches!(e, OverrideError::Table { .. }), "{e}");
        assert!(e.to_string().contains("initial, max"), "{e}");
        let e = apply("phase[5].threads", "3").unwrap_err();
        assert!(
            matches!(&e, OverrideError::NoSuchPhase { key, phases: 2 } if key == "phase[5].threads"),
            "{e}"
        );
        let e = apply("phase.threads", "3").unwrap_err();
        assert!(e.to_string().contains("phase[0]"), "{e}");
        let e = apply("machine.ram.x", "3").unwrap_err();
        assert!(matches!(e, OverrideError::UnknownKey { .. }), "{e}");
    }

    #[test]
    fn values_are_typed_by_the_key_table_and_checked_by_the_reader() {
        let e = apply("phase[0].threads", "many").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--set phase[0].threads=many: expected a non-negative integer"
        );
        let e = parse_with_overrides(SRC, "t.toml", &[Override::new("machine.ram", "lots")])
            .unwrap_err();
        match &e {
            OverrideError::BadValue { key, value, .. } => {
                assert_eq!((key.as_str(), value.as_str()), ("machine.ram", "lots"));
            }
            other => panic!("{other}"),
        }
        assert!(e.to_string().starts_with("--set machine.ram=lots: "), "{e}");
        // A relation the override breaks, reported by the reader on another key.
        let e = parse_with_overrides(SRC, "t.toml", &[Override::new("jvm.heap.max", "512m")])
            .unwrap_err();
        assert!(
            e.to_string().starts_with("--set jvm.heap.max=512m: "),
            "{e}"
        );
        let ok = parse_with_overrides(SRC, "t.toml", &[Override::new("jvm.gc", "parallel")]);
        assert!(ok.is_ok());
    }

    #[test]
    fn the_argument_form() {
        assert_eq!(
            Override::parse(" jvm.heap.max = 4g ").unwrap(),
            Override::new("jvm.heap.max", "4g")
        );
        assert!(Override::parse("jvm.heap.max").is_err());
        assert!(Override::parse("=4g").is_err());
    }
}
