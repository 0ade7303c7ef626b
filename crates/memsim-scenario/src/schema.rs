//! The scenario format's JSON schema (draft-07, the draft editors support most widely), for
//! editors that complete and check TOML through one (Taplo, the VS Code "Even Better TOML"
//! extension): generated from the key table the parser itself checks keys against
//! ([`crate::keys`]), so the two cannot drift apart.
//!
//! The schema says which keys exist, which are required, and each value's TOML type with its
//! syntax in the description; the values of a choice are listed. It does not repeat the parser's
//! ranges and relations between keys (`heap.initial` at most `heap.max`, which `[phase.db]` keys an
//! operation takes): a file the schema accepts may still be refused by `memsim check`, never the
//! other way round.

use serde_json::{Map, Value, json};

use crate::keys::{Key, TOP, ValueKind};

/// The JSON schema of a scenario file, as a JSON value (print it with `serde_json`).
pub fn json_schema() -> Value {
    let mut schema = table(TOP);
    let object = schema.as_object_mut().expect("a table is an object");
    object.insert(
        "$schema".into(),
        json!("http://json-schema.org/draft-07/schema#"),
    );
    object.insert("title".into(), json!("memsim scenario"));
    object.insert(
        "description".into(),
        json!(
            "A memsim scenario file (TOML): a machine, JVM flags, Netty and page-cache settings and a timeline of workload phases. Every key is documented in docs/scenario-format.md; `memsim check FILE` checks ranges and relations this schema does not."
        ),
    );
    schema
}

fn table(keys: &[Key]) -> Value {
    let mut properties = Map::new();
    for k in keys {
        properties.insert(k.name.to_string(), value(k.kind));
    }
    let required: Vec<&str> = keys.iter().filter(|k| k.required).map(|k| k.name).collect();
    let mut t = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        t["required"] = json!(required);
    }
    t
}

fn described(mut schema: Value, description: &str) -> Value {
    schema["description"] = json!(description);
    schema
}

const SIZE: &str = "A size: a string with binary units (\"512m\", \"4g\", \"1.5GiB\", \"64k\"; k = 1024) or a non-negative integer of bytes.";
const DURATION: &str = "A duration string with a unit: \"250ms\", \"30s\", \"20m\", \"1.5h\" (ns, us, ms, s, m = minutes, h, d).";

/// The schema of one value.
fn value(kind: ValueKind) -> Value {
    match kind {
        ValueKind::Text => json!({ "type": "string" }),
        ValueKind::Choice {
            values,
            ignore_case,
        } => {
            let exact = json!({ "type": "string", "enum": values });
            if !ignore_case {
                return exact;
            }
            // The readers trim and lower-case: editors complete from the `enum`, the pattern
            // accepts the rest.
            let alternatives: Vec<String> = values.iter().map(|v| any_case(v)).collect();
            json!({
                "type": "string",
                "anyOf": [
                    exact,
                    { "pattern": format!("^\\s*(?:{})\\s*$", alternatives.join("|")) },
                ],
            })
        }
        ValueKind::Boolean => json!({ "type": "boolean" }),
        ValueKind::Integer => json!({ "type": "integer", "minimum": 0 }),
        ValueKind::Number => json!({ "type": "number" }),
        ValueKind::Size => described(
            json!({ "anyOf": [{ "type": "string" }, { "type": "integer", "minimum": 0 }] }),
            SIZE,
        ),
        ValueKind::SignedSize => described(
            json!({ "anyOf": [{ "type": "string" }, { "type": "integer" }] }),
            "A size string (\"6g\"), or an integer of bytes; a negative integer means Netty's default (the JVM's max direct memory), 0 the JDK's accounting.",
        ),
        ValueKind::Duration => described(json!({ "type": "string" }), DURATION),
        ValueKind::Rate => described(
            json!({ "type": "string" }),
            "Events per time unit: \"3000/s\", \"50/ms\", \"90/m\" (per minute), \"/h\".",
        ),
        ValueKind::ByteRate => described(
            json!({ "type": "string" }),
            "A size per time unit: \"200m/s\", \"2g/m\", \"1k/ms\".",
        ),
        ValueKind::SizeDistribution => described(
            json!({ "anyOf": [{ "type": "string" }, { "type": "integer", "minimum": 0 }] }),
            "A size, or a distribution of sizes: \"constant(16k)\", \"uniform(1k, 64k)\", \"exp(16k)\", \"lognormal(median=16k, sigma=1.5)\".",
        ),
        ValueKind::DurationDistribution => described(
            json!({ "type": "string" }),
            "A duration, or a distribution of durations: \"constant(40ms)\", \"uniform(1ms, 100ms)\", \"exp(40ms)\", \"lognormal(median=40ms, sigma=1.5)\".",
        ),
        ValueKind::Table(keys) => table(keys),
        ValueKind::Tables(keys) => json!({ "type": "array", "items": table(keys) }),
    }
}

/// A regular expression matching `s` in any case (`g1` → `[gG]1`), other characters escaped.
fn any_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else if c.is_ascii_alphanumeric() || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_case_escapes_what_is_not_a_letter() {
        assert_eq!(any_case("g1"), "[gG]1");
        assert_eq!(any_case("a.b"), "[aA]\\.[bB]");
    }

    #[test]
    fn the_schema_has_every_known_key() {
        let schema = json_schema();
        for (table, key) in crate::known_keys() {
            let t = match table {
                "heap" => &schema["properties"]["jvm"]["properties"]["heap"],
                "requests" | "db" => &schema["properties"]["phase"]["items"]["properties"][table],
                "phase" => &schema["properties"]["phase"]["items"],
                t => &schema["properties"][t],
            };
            assert!(
                t["properties"][key].is_object(),
                "{table}.{key} missing from {t}"
            );
            assert_eq!(t["additionalProperties"], json!(false));
        }
        assert_eq!(schema["required"], json!(["scenario", "machine"]));
    }
}
