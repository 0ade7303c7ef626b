//! `docs/scenario-format.md` stays true: its complete example parses, and it documents every key.

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
    let s = ok(toml);
    assert_eq!(s.name, "neo4j-12g-oom");
    assert_eq!(s.phases.len(), 3);
    assert_eq!(s.phases[1].start, s.phases[0].end());
    assert!(s.page_cache.is_some());
}

#[test]
fn every_key_is_documented() {
    let doc = doc();
    for key in [
        "name",
        "description",
        "seed",
        "duration",
        "sample_every",
        "max_events",
        "ram",
        "container_limit",
        "cores",
        "os_reserved",
        "heap",
        "heap.initial",
        "heap.max",
        "thread_stack",
        "gc",
        "max_direct_memory",
        "max_metaspace",
        "reserved_code_cache",
        "compressed_class_space",
        "always_pre_touch",
        "page_size",
        "max_order",
        "direct_arenas",
        "use_cache_for_all_threads",
        "model",
        "size",
        "start",
        "threads",
        "stack_touched",
        "heap_live",
        "heap_churn",
        "classes",
        "methods_per_class",
        "compiled_methods",
        "page_cache_touch",
        "class_loaders",
        "hidden_classes",
        "direct_memory",
        "unsafe_memory",
        "mapped_files",
        "requests",
        "rate",
        "buffer",
        "hold",
        "direct",
    ] {
        assert!(
            doc.contains(&format!("| `{key}` |")),
            "docs lack a row for `{key}`"
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
    ] {
        assert!(
            doc.contains(&format!("### {table}")),
            "docs lack a section for {table}"
        );
    }
}
