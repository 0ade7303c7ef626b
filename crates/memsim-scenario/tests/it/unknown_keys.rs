//! Unknown keys point at the key itself, suggest the closest allowed key and list them all.

use crate::{base, errs, one};

#[test]
fn misspelt_jvm_key_suggests_heap() {
    let e = one(&base("\n[jvm]\nhep = \"4g\"\n"), "jvm.hep", 8, 1);
    assert_eq!(e.message(), "unknown key `jvm.hep`");
    assert_eq!(
        e.hint(),
        Some(
            "did you mean `heap`? (expected one of: heap, thread_stack, gc, max_direct_memory, \
             max_metaspace, reserved_code_cache, compressed_class_space, always_pre_touch, \
             active_processor_count, parallel_gc_threads, conc_gc_threads, ci_compiler_count, \
             malloc_arena_max, flags, java_tool_options, version)"
        )
    );
    assert_eq!(
        e.to_string(),
        "sims/test.toml:8:1: unknown key `jvm.hep` — hint: did you mean `heap`? (expected one of: \
         heap, thread_stack, gc, max_direct_memory, max_metaspace, reserved_code_cache, \
         compressed_class_space, always_pre_touch, active_processor_count, parallel_gc_threads, \
         conc_gc_threads, ci_compiler_count, malloc_arena_max, flags, java_tool_options, version)"
    );
    // The span covers exactly the key.
    let src = base("\n[jvm]\nhep = \"4g\"\n");
    assert_eq!(&src[e.span()], "hep");
}

#[test]
fn unknown_top_level_table_points_inside_its_header() {
    let e = one(&base("[jvn]\ngc = \"g1\"\n"), "jvn", 6, 2);
    assert!(e.hint().unwrap().starts_with("did you mean `jvm`?"), "{e}");
    assert!(
        e.hint()
            .unwrap()
            .contains("scenario, machine, jvm, netty, page_cache, database, phase")
    );
}

#[test]
fn unknown_key_inside_an_inline_table() {
    let src = base("[jvm]\nheap = { initial = \"1g\", maximum = \"2g\" }\n");
    let e = one(&src, "jvm.heap.maximum", 7, 26);
    assert_eq!(
        e.hint(),
        Some("did you mean `max`? (expected one of: initial, max)")
    );
}

#[test]
fn unknown_key_in_a_phase_uses_the_phase_index() {
    let src = base(
        "[[phase]]\nname = \"a\"\nduration = \"1m\"\n\n[[phase]]\nname = \"b\"\nduration = \"1m\"\nat = \"30s\"\n",
    );
    let e = one(&src, "phase[1].at", 13, 1);
    assert!(
        e.hint().unwrap().starts_with("did you mean `start`?"),
        "{e}"
    );
}

#[test]
fn unknown_key_in_requests() {
    let src = base(
        "[[phase]]\nname = \"a\"\nduration = \"1m\"\nthreads = 4\n[phase.requests]\nrate = \"1/s\"\nbufer = \"16k\"\n",
    );
    let e = one(&src, "phase[0].requests.bufer", 12, 1);
    assert!(
        e.hint().unwrap().starts_with("did you mean `buffer`?"),
        "{e}"
    );
}

#[test]
fn far_away_key_gets_no_suggestion_but_the_list() {
    let src = "[scenario]\nduration = \"20m\"\nbanana = 1\n[machine]\nram = \"1g\"\n";
    let e = one(src, "scenario.banana", 3, 1);
    assert_eq!(
        e.hint(),
        Some("expected one of: name, description, seed, duration, sample_every, max_events")
    );
}

#[test]
fn case_and_dash_typos_are_suggested() {
    let e = one(&base("thread-stack = 1\n"), "machine.thread-stack", 6, 1);
    assert!(
        e.hint().unwrap().starts_with("expected one of: ram,"),
        "{e}"
    );
    let e = one(&base("Cores = 2\n"), "machine.Cores", 6, 1);
    assert!(
        e.hint().unwrap().starts_with("did you mean `cores`?"),
        "{e}"
    );
}

#[test]
fn quoted_keys_are_quoted_in_the_path() {
    let e = one(
        &base("[netty]\n\"page size\" = 4096\n"),
        "netty.\"page size\"",
        7,
        1,
    );
    assert!(
        e.hint().unwrap().starts_with("did you mean `page_size`?"),
        "{e}"
    );
}

#[test]
fn every_unknown_key_is_reported() {
    let e = errs(&base("cpus = 4\n[jvm]\nheep = \"1g\"\nxmx = \"1g\"\n"));
    let paths: Vec<&str> = e.errors().iter().map(|e| e.key_path()).collect();
    assert_eq!(paths, ["machine.cpus", "jvm.heep", "jvm.xmx"]);
    assert!(
        e.errors()[2]
            .hint()
            .unwrap()
            .starts_with("did you mean `heap`?")
    );
}
