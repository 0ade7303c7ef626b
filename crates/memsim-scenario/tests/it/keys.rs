//! The key table (`memsim_scenario::top_level_keys`, from which the JSON schema is generated) is
//! held to the readers: for every key, a value of its kind's TOML type is never a type error, a
//! value of another type always is, and a choice's values are the ones its reader accepts.

use std::collections::BTreeMap;

use memsim_scenario::{Key, ValueKind, parse, top_level_keys};

/// A scenario with every table, so that any key can be set: `(table path, header, lines)`.
fn base() -> Vec<(&'static str, &'static str, BTreeMap<String, String>)> {
    let t = |lines: &[(&str, &str)]| -> BTreeMap<String, String> {
        lines
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    };
    vec![
        ("scenario", "[scenario]", t(&[("duration", "\"10s\"")])),
        ("machine", "[machine]", t(&[("ram", "\"16g\"")])),
        ("jvm", "[jvm]", t(&[])),
        ("jvm.heap", "[jvm.heap]", t(&[])),
        ("netty", "[netty]", t(&[])),
        ("page_cache", "[page_cache]", t(&[])),
        ("database", "[database]", t(&[])),
        (
            "phase[0]",
            "[[phase]]",
            t(&[("name", "\"p\""), ("duration", "\"1s\""), ("threads", "1")]),
        ),
        (
            "phase[0].requests",
            "[phase.requests]",
            t(&[("rate", "\"1/s\"")]),
        ),
        (
            "phase[0].db",
            "[phase.db]",
            t(&[("op", "\"read\""), ("reads", "1")]),
        ),
    ]
}

/// The base scenario with `key = value` set in the table at `table`.
fn with(table: &str, key: &str, value: &str) -> String {
    let mut tables = base();
    let entry = tables
        .iter_mut()
        .find(|(path, _, _)| *path == table)
        .unwrap_or_else(|| panic!("no table {table}"));
    if table == "phase[0].db" && key != "op" {
        // Each operation takes its own keys: pick one that takes `key`.
        let (op, count) = match key {
            "reads" | "working_set" => ("read", None),
            "type" => ("create_relationships", Some("1")),
            "detach" => ("delete_nodes", Some("1")),
            "warmup" => ("restart", None),
            _ => ("create_nodes", Some("1")),
        };
        entry.2.clear();
        entry.2.insert("op".into(), format!("\"{op}\""));
        if let Some(c) = count {
            entry.2.insert("count".into(), c.into());
        }
        if op == "read" {
            entry.2.insert("reads".into(), "1".into());
        }
    }
    if table == "phase[0].requests"
        && !["rate", "buffer", "hold", "heap", "direct", "page_reads"].contains(&key)
    {
        // The page-read keys are read only when the requests read pages.
        entry.2.insert("page_reads".into(), "1".into());
        entry.2.insert("working_set".into(), "\"1m\"".into());
    }
    entry.2.insert(key.to_string(), value.to_string());
    // A key set inline replaces its own table's header (`heap = …` instead of `[jvm.heap]`).
    let own = format!("{table}.{key}");
    let mut out = String::new();
    for (_, header, lines) in tables.into_iter().filter(|(p, _, _)| *p != own) {
        out.push_str(header);
        out.push('\n');
        for (k, v) in lines {
            out.push_str(&format!("{k} = {v}\n"));
        }
    }
    out
}

/// The messages of parsing `src` (empty when it is valid).
fn messages(src: &str) -> String {
    match parse(src, "sims/test.toml") {
        Ok(_) => String::new(),
        Err(e) => e.render_plain(),
    }
}

/// Values of the kind's TOML type, and one value of another type.
fn samples(kind: ValueKind) -> (Vec<&'static str>, &'static str) {
    match kind {
        ValueKind::Text => (vec!["\"x\""], "1"),
        ValueKind::Choice { .. } => (vec![], "1"),
        ValueKind::Boolean => (vec!["true", "false"], "1"),
        ValueKind::Integer => (vec!["1"], "true"),
        ValueKind::Number => (vec!["1", "0.5"], "\"x\""),
        ValueKind::Size => (vec!["\"1m\"", "1048576"], "true"),
        ValueKind::SignedSize => (vec!["\"1m\"", "-1", "0"], "true"),
        ValueKind::Duration => (vec!["\"1s\""], "1"),
        ValueKind::Rate => (vec!["\"1/s\""], "1"),
        ValueKind::ByteRate => (vec!["\"1m/s\""], "1"),
        ValueKind::SizeDistribution => (vec!["\"1k\"", "1024", "\"uniform(1k, 2k)\""], "true"),
        ValueKind::DurationDistribution => (vec!["\"1ms\"", "\"exp(1ms)\""], "1"),
        ValueKind::Table(_) => (vec![], "1"),
        ValueKind::Tables(_) => (vec![], "1"),
    }
}

/// `(table path, key)` for every key, with the table path of its own sub-table.
fn every_key() -> Vec<(String, Key)> {
    fn walk(path: &str, keys: &'static [Key], out: &mut Vec<(String, Key)>) {
        for k in keys {
            out.push((path.to_string(), *k));
            let sub = if path.is_empty() {
                k.name.to_string()
            } else {
                format!("{path}.{}", k.name)
            };
            match k.kind {
                ValueKind::Table(sub_keys) => walk(&sub, sub_keys, out),
                ValueKind::Tables(sub_keys) => walk(&format!("{sub}[0]"), sub_keys, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk("", top_level_keys(), &mut out);
    out
}

#[test]
fn every_key_takes_its_kinds_type_and_refuses_another() {
    let keys = every_key();
    assert!(keys.len() > 90, "{}", keys.len());
    for (table, key) in keys {
        if table.is_empty() {
            // Top-level tables: `jvm = 1` instead of the `[jvm]` table (and its sub-tables).
            let rest: String = base()
                .into_iter()
                .filter(|(p, _, _)| {
                    *p != key.name
                        && !p.starts_with(&format!("{}.", key.name))
                        && !p.starts_with(&format!("{}[", key.name))
                })
                .map(|(_, h, lines)| {
                    let body: String = lines.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
                    format!("{h}\n{body}")
                })
                .collect();
            let src = format!("{} = 1\n{rest}", key.name);
            let found = messages(&src);
            assert!(
                found.contains(&format!("`{}` must be ", key.name)),
                "{}: {found}",
                key.name
            );
            continue;
        }
        let path = format!("{table}.{}", key.name);
        let type_error = format!("`{path}` must be ");
        let (good, bad) = samples(key.kind);
        for value in good {
            let found = messages(&with(&table, key.name, value));
            assert!(
                !found.contains(&type_error),
                "{path} = {value} is the key table's type, but: {found}"
            );
        }
        let found = messages(&with(&table, key.name, bad));
        assert!(
            found.contains(&type_error),
            "{path} = {bad} is not the key table's type, but: {found}"
        );
        if let ValueKind::Choice {
            values,
            ignore_case,
        } = key.kind
        {
            for v in values {
                let found = messages(&with(&table, key.name, &format!("\" {v} \"")));
                assert!(
                    !found.contains(&format!("`{path}` has an unknown")),
                    "{path} = {v}: {found}"
                );
                let upper = v.to_ascii_uppercase();
                let found = messages(&with(&table, key.name, &format!("\"{upper}\"")));
                assert_eq!(
                    !found.contains(&format!("`{path}` has an unknown")),
                    ignore_case || upper == *v,
                    "{path} = {upper}: {found}"
                );
            }
            let found = messages(&with(&table, key.name, "\"zzz\""));
            assert!(
                found.contains(&format!("`{path}` has an unknown")),
                "{path}: {found}"
            );
            let hint = found.split("expected one of: ").nth(1).unwrap_or("");
            for v in values {
                assert!(hint.contains(v), "{path}: the reader lists {hint}");
            }
        }
    }
}

#[test]
fn required_keys_are_the_readers() {
    for (table, key) in every_key() {
        if table.is_empty() || !key.required {
            continue;
        }
        let mut tables = base();
        let entry = tables.iter_mut().find(|(p, _, _)| *p == table).unwrap();
        assert!(
            entry.2.remove(key.name).is_some(),
            "the base sets required {table}.{}",
            key.name
        );
        let src: String = tables
            .into_iter()
            .map(|(_, h, lines)| {
                let body: String = lines.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
                format!("{h}\n{body}")
            })
            .collect();
        let found = messages(&src);
        assert!(
            found.contains(&format!("missing `{table}.{}`", key.name)),
            "{table}.{}: {found}",
            key.name
        );
    }
}
