//! `docs/scenario-format.md` stays true: its complete example is the bundled
//! `sims/neo4j-12g-import.toml` and parses, and it documents every key.

use std::path::Path;

use crate::ok;

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/scenario-format.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn complete_example_parses() {
    let doc = doc();
    let after = doc
        .split("## Complete example")
        .nth(1)
        .expect("a complete example section");
    let toml = after
        .split("```toml\n")
        .nth(1)
        .and_then(|t| t.split("```").next())
        .expect("a toml block");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sims/neo4j-12g-import.toml");
    let bundled = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        toml, bundled,
        "the docs' complete example is sims/neo4j-12g-import.toml, byte for byte"
    );
    let s = ok(toml);
    assert_eq!(s.name, "neo4j-12g-import");
    assert_eq!(s.phases.len(), 3);
    assert_eq!(s.phases[1].start, s.phases[0].end());
    assert!(s.page_cache.is_some());
}

#[test]
fn every_key_is_documented() {
    let doc = doc();
    // The parser's own key lists: a key it accepts cannot go undocumented.
    let keys = memsim_scenario::known_keys();
    assert!(keys.len() >= 49, "{keys:?}");
    for (table, key) in keys {
        let row = if table == "heap" {
            format!("heap.{key}")
        } else {
            key.to_string()
        };
        assert!(
            doc.contains(&format!("| `{row}` |")),
            "docs lack a row for `{table}.{key}`"
        );
    }
    for table in [
        "`[scenario]`",
        "`[machine]`",
        "`[jvm]`",
        "`[netty]`",
        "`[page_cache]`",
        "`[[phase]]`",
        "`[phase.requests]`",
        "`[database]`",
        "`[phase.db]`",
    ] {
        assert!(
            doc.contains(&format!("### {table}")),
            "docs lack a section for {table}"
        );
    }
}
