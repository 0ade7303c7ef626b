//! Values outside their limits: each error names the key, points at the value and explains.

use crate::{base, errs, ok, one};

fn scenario(lines: &str) -> String {
    format!("[scenario]\n{lines}\n[machine]\nram = \"1g\"\n")
}

fn phase(lines: &str) -> String {
    base(&format!(
        "[[phase]]\nname = \"p\"\nduration = \"1m\"\n{lines}\n"
    ))
}

#[test]
fn heap_initial_above_max() {
    let e = one(
        &base("[jvm]\nheap = { initial = \"8g\", max = \"4g\" }\n"),
        "jvm.heap.initial",
        7,
        20,
    );
    assert_eq!(
        e.message(),
        "`jvm.heap.initial` (8g) is larger than `jvm.heap.max` (4g)"
    );
    let hint = e.hint().unwrap();
    assert!(hint.contains("-Xms") && hint.contains("-Xmx"), "{hint}");
}

#[test]
fn heap_initial_alone_or_equal_is_fine() {
    assert_eq!(
        ok(&base("[jvm]\nheap = { initial = \"8g\" }\n"))
            .jvm
            .heap_initial,
        Some(8 << 30)
    );
    ok(&base(
        "[jvm]\nheap = { initial = \"4g\", max = \"4096m\" }\n",
    ));
}

#[test]
fn zero_heap() {
    let e = one(&base("[jvm]\nheap.max = 0\n"), "jvm.heap.max", 7, 12);
    assert!(e.message().contains("is zero"), "{e}");
}

#[test]
fn missing_scenario_table() {
    let e = one("[machine]\nram = \"1g\"\n", "scenario", 1, 1);
    assert!(e.message().contains("missing table `[scenario]`"), "{e}");
    assert!(e.hint().unwrap().contains("duration"), "{e}");
}

#[test]
fn missing_machine_table_and_ram() {
    let e = one("[scenario]\nduration = \"1m\"\n", "machine", 1, 1);
    assert!(e.message().contains("missing table `[machine]`"), "{e}");
    let e = one(
        "[scenario]\nduration = \"1m\"\n\n[machine]\ncores = 2\n",
        "machine.ram",
        4,
        1,
    );
    assert!(e.message().contains("missing `machine.ram`"), "{e}");
}

#[test]
fn missing_and_zero_scenario_duration() {
    let e = one(&scenario("name = \"x\""), "scenario.duration", 1, 1);
    assert!(e.message().contains("missing `scenario.duration`"), "{e}");
    let e = one(&scenario("duration = \"0s\""), "scenario.duration", 2, 12);
    assert_eq!(e.message(), "`scenario.duration` is zero");
}

#[test]
fn empty_scenario_name() {
    let e = one(
        &scenario("name = \" \"\nduration = \"1m\""),
        "scenario.name",
        2,
        8,
    );
    assert!(e.message().contains("is empty"), "{e}");
}

#[test]
fn sample_every_zero_and_too_fine() {
    let e = one(
        &scenario("duration = \"1m\"\nsample_every = \"0ms\""),
        "scenario.sample_every",
        3,
        16,
    );
    assert!(e.message().contains("is zero"), "{e}");
    let e = one(
        &scenario("duration = \"1h\"\nsample_every = \"1ms\""),
        "scenario.sample_every",
        3,
        16,
    );
    assert!(
        e.message().contains("3600000 samples, more than 1000000"),
        "{e}"
    );
    assert_eq!(
        e.hint(),
        Some("set `scenario.sample_every` to at least \"4ms\"")
    );
    // With the default 1s interval, a very long run blames the duration.
    let e = one(&scenario("duration = \"12d\""), "scenario.duration", 2, 12);
    assert!(
        e.message()
            .contains("default `scenario.sample_every` of 1s"),
        "{e}"
    );
    assert_eq!(
        e.hint(),
        Some("set `scenario.sample_every` to at least \"2s\"")
    );
    // Exactly 1,000,000 samples is allowed.
    ok(&scenario("duration = \"1000s\"\nsample_every = \"1ms\""));
}

#[test]
fn max_events_zero() {
    let e = one(
        &scenario("duration = \"1m\"\nmax_events = 0"),
        "scenario.max_events",
        3,
        14,
    );
    assert!(e.message().contains("is zero"), "{e}");
}

#[test]
fn machine_limits() {
    let m = |line: &str| base(&format!("{line}\n"));
    let e = one(&m("cores = 0"), "machine.cores", 6, 9);
    assert!(e.message().contains("between 1 and 1024"), "{e}");
    one(&m("cores = 1025"), "machine.cores", 6, 9);
    let e = one(
        &m("container_limit = \"0g\""),
        "machine.container_limit",
        6,
        19,
    );
    assert!(e.message().contains("is zero"), "{e}");
    let e = one(&m("os_reserved = \"16g\""), "machine.os_reserved", 6, 15);
    assert!(e.message().contains("leaves no memory"), "{e}");
    let e = one(
        "[scenario]\nduration = \"1m\"\n[machine]\nram = 0\n",
        "machine.ram",
        4,
        7,
    );
    assert!(e.message().contains("is zero"), "{e}");
}

#[test]
fn thread_stack_limits() {
    let e = one(
        &base("[jvm]\nthread_stack = \"32k\"\n"),
        "jvm.thread_stack",
        7,
        16,
    );
    assert!(e.message().contains("between 64k and 1g"), "{e}");
    one(
        &base("[jvm]\nthread_stack = \"2g\"\n"),
        "jvm.thread_stack",
        7,
        16,
    );
    ok(&base("[jvm]\nthread_stack = 65536\n"));
}

#[test]
fn stack_touched_above_thread_stack() {
    let src = base(
        "[jvm]\nthread_stack = \"256k\"\n[[phase]]\nname = \"p\"\nduration = \"1m\"\nthreads = 1\nstack_touched = \"512k\"\n",
    );
    let e = one(&src, "phase[0].stack_touched", 12, 17);
    assert!(
        e.message()
            .contains("(512k) is larger than the thread stack: at most 256k"),
        "{e}"
    );
    let e = one(
        &phase("stack_touched = \"2g\""),
        "phase[0].stack_touched",
        9,
        17,
    );
    assert!(e.message().contains("at most 1g"), "{e}");
}

#[test]
fn netty_limits() {
    let n = |line: &str| base(&format!("[netty]\n{line}\n"));
    let e = one(&n("page_size = 6000"), "netty.page_size", 7, 13);
    assert!(
        e.message().contains("power of two and at least 4096"),
        "{e}"
    );
    one(&n("page_size = \"2k\""), "netty.page_size", 7, 13);
    let e = one(&n("max_order = 15"), "netty.max_order", 7, 13);
    assert!(e.message().contains("at most 14"), "{e}");
    let e = one(
        &n("page_size = \"1m\"\nmax_order = 11"),
        "netty.max_order",
        8,
        13,
    );
    assert!(
        e.message()
            .contains("1048576 << 11 = 2147483648 bytes) is larger than 1 GiB"),
        "{e}"
    );
    let e = one(&n("page_size = \"1m\""), "netty.page_size", 7, 13);
    assert!(e.message().contains("larger than 1 GiB"), "{e}");
    ok(&n("page_size = \"512k\""));
    let e = one(&n("direct_arenas = 1025"), "netty.direct_arenas", 7, 17);
    assert!(e.message().contains("at most 1024"), "{e}");
    one(
        &n("max_direct_memory = \"9000000t\""),
        "netty.max_direct_memory",
        7,
        21,
    );
}

#[test]
fn jvm_sizes() {
    let e = one(
        &base("[jvm]\nreserved_code_cache = \"3g\"\n"),
        "jvm.reserved_code_cache",
        7,
        23,
    );
    assert!(e.message().contains("HotSpot's limit of 2g"), "{e}");
    one(
        &base("[jvm]\nmax_metaspace = 0\n"),
        "jvm.max_metaspace",
        7,
        17,
    );
    one(
        &base("[jvm]\ncompressed_class_space = \"0k\"\n"),
        "jvm.compressed_class_space",
        7,
        26,
    );
    let e = one(&base("[jvm]\ngc = \"zgc\"\n"), "jvm.gc", 7, 6);
    assert!(
        e.hint()
            .unwrap()
            .contains("\"g1\", \"parallel\", \"serial\""),
        "{e}"
    );
    assert_eq!(
        ok(&base("[jvm]\nmax_direct_memory = 0\n"))
            .jvm
            .max_direct_memory,
        Some(0)
    );
}

#[test]
fn page_cache_size_zero() {
    let e = one(&base("[page_cache]\nsize = 0\n"), "page_cache.size", 7, 8);
    assert!(e.message().contains("is zero"), "{e}");
}

#[test]
fn phase_counts() {
    let e = one(&phase("threads = 100001"), "phase[0].threads", 9, 11);
    assert!(e.message().contains("at most 100000"), "{e}");
    let e = one(&phase("classes = 10000001"), "phase[0].classes", 9, 11);
    assert!(e.message().contains("at most 10000000"), "{e}");
    let e = one(
        &phase("class_loaders = 10000001"),
        "phase[0].class_loaders",
        9,
        17,
    );
    assert!(e.message().contains("at most 10000000"), "{e}");
    let e = one(
        &phase("hidden_classes = 10000001"),
        "phase[0].hidden_classes",
        9,
        18,
    );
    assert!(e.message().contains("at most 10000000"), "{e}");
    let e = one(
        &phase("methods_per_class = 0"),
        "phase[0].methods_per_class",
        9,
        21,
    );
    assert!(e.message().contains("between 1 and 65535"), "{e}");
    one(
        &phase("methods_per_class = 65536"),
        "phase[0].methods_per_class",
        9,
        21,
    );
    let e = one(
        &phase("class_file_bytes = 100"),
        "phase[0].class_file_bytes",
        9,
        20,
    );
    assert!(e.message().contains("between 256 B and 1 MiB"), "{e}");
    one(
        &phase("class_file_bytes = \"2m\""),
        "phase[0].class_file_bytes",
        9,
        20,
    );
    let e = one(
        &phase("class_profile = \"fat\""),
        "phase[0].class_profile",
        9,
        17,
    );
    assert!(
        e.hint().unwrap().contains("\"application\", \"thin\""),
        "{e}"
    );
    let p = ok(&phase("class_file_bytes = \"6k\""));
    assert_eq!(p.phases[0].class_file_bytes, 6144);
    let p = ok(&phase("class_profile = \"Thin\"\nmethods_per_class = 3"));
    assert_eq!(p.phases[0].methods_per_class, 3);
    // A shape key of the other profile would be ignored: it is an error.
    let e = one(
        &phase("methods_per_class = 3"),
        "phase[0].methods_per_class",
        9,
        21,
    );
    assert!(e.message().contains("thin generated classes"), "{e}");
    let e = one(
        &phase("class_profile = \"thin\"\nclass_file_bytes = 4000"),
        "phase[0].class_file_bytes",
        10,
        20,
    );
    assert!(e.hint().unwrap().contains("methods_per_class"), "{e}");
}

#[test]
fn request_rate_limits() {
    let r = |rate: &str| phase(&format!("threads = 1\nrequests = {{ rate = \"{rate}\" }}"));
    let e = one(&r("0/s"), "phase[0].requests.rate", 10, 21);
    assert!(e.message().contains("is zero"), "{e}");
    let e = one(&r("10000001/s"), "phase[0].requests.rate", 10, 21);
    assert!(e.message().contains("at most 10,000,000/s"), "{e}");
    one(&r("10001/ms"), "phase[0].requests.rate", 10, 21);
    let e = one(&r("-3/s"), "phase[0].requests.rate", 10, 21);
    assert!(e.message().contains("negative"), "{e}");
    let big = format!("{}/s", "9".repeat(400));
    let e = one(&r(&big), "phase[0].requests.rate", 10, 21);
    assert!(e.message().contains("too large"), "{e}");
}

#[test]
fn requests_without_threads() {
    let e = one(
        &phase("requests = { rate = \"10/s\" }"),
        "phase[0].requests",
        9,
        1,
    );
    assert!(e.message().contains("`phase[0].threads` is 0"), "{e}");
    assert!(e.hint().unwrap().contains("phase.threads"), "{e}");
    one(
        &phase("threads = 0\n[phase.requests]\nrate = \"10/s\""),
        "phase[0].requests",
        10,
        8,
    );
    // An invalid `threads` is reported once, not again as "0 threads".
    let e = errs(&phase("threads = \"many\"\nrequests = { rate = \"10/s\" }"));
    assert_eq!(e.len(), 1, "{}", e.render_plain());
    assert_eq!(e.errors()[0].key_path(), "phase[0].threads");
}

#[test]
fn requests_need_a_rate_and_a_known_path() {
    let e = one(
        &phase("threads = 1\nrequests = { buffer = \"1k\" }"),
        "phase[0].requests.rate",
        10,
        12,
    );
    assert!(
        e.message().contains("missing `phase[0].requests.rate`"),
        "{e}"
    );
    let e = one(
        &phase("threads = 1\nrequests = { rate = \"1/s\", direct = \"unpooled\" }"),
        "phase[0].requests.direct",
        10,
        37,
    );
    assert!(e.hint().unwrap().contains("\"netty\""), "{e}");
}

#[test]
fn page_cache_touch_needs_a_page_cache() {
    let e = one(
        &phase("page_cache_touch = \"1g\""),
        "phase[0].page_cache_touch",
        9,
        20,
    );
    assert!(e.hint().unwrap().contains("[page_cache]"), "{e}");
    ok(&phase("page_cache_touch = 0"));
}

#[test]
fn thread_count_flags_out_of_range() {
    let e = one(
        &base("[jvm]\nci_compiler_count = 1\n"),
        "jvm.ci_compiler_count",
        7,
        21,
    );
    assert_eq!(
        e.message(),
        "`jvm.ci_compiler_count` is 1: a tiered JVM needs at least 2 compiler threads (one C1 and one C2)"
    );
    assert!(e.hint().unwrap().contains("tiered"), "{e}");
    let e = one(
        &base("[jvm]\nparallel_gc_threads = 0\n"),
        "jvm.parallel_gc_threads",
        7,
        23,
    );
    assert!(e.message().contains("between 1 and 1024"), "{e}");
    let e = one(
        &base("[jvm]\nactive_processor_count = 2000\n"),
        "jvm.active_processor_count",
        7,
        26,
    );
    assert!(e.message().contains("is 2000"), "{e}");
    let e = one(
        &base("[jvm]\nmalloc_arena_max = 0\n"),
        "jvm.malloc_arena_max",
        7,
        20,
    );
    assert!(e.hint().unwrap().contains("MALLOC_ARENA_MAX"), "{e}");
}

#[test]
fn more_conc_than_parallel_gc_threads() {
    let e = one(
        &base("[jvm]\nparallel_gc_threads = 2\nconc_gc_threads = 3\n"),
        "jvm.conc_gc_threads",
        8,
        19,
    );
    assert_eq!(
        e.message(),
        "`jvm.conc_gc_threads` (3) is more than `jvm.parallel_gc_threads` (2)"
    );
    ok(&base(
        "[jvm]\nparallel_gc_threads = 2\nconc_gc_threads = 2\n",
    ));
}

#[test]
fn thread_limit_and_malloc_per_thread_bounds() {
    let src = format!("{}max_threads = 0\n", BASE_MACHINE);
    let e = one(&src, "machine.max_threads", 6, 15);
    assert!(e.message().contains("between 1 and 4194304"), "{e}");
    assert!(e.hint().unwrap().contains("pids.max"), "{e}");
    let e = one(
        &phase("malloc_per_thread = \"2g\""),
        "phase[0].malloc_per_thread",
        9,
        21,
    );
    assert_eq!(
        e.message(),
        "`phase[0].malloc_per_thread` (2g) is more than 1g per thread"
    );
}

const BASE_MACHINE: &str = "[scenario]\nduration = \"20m\"\n\n[machine]\nram = \"16g\"\n";

#[test]
fn max_events_has_an_upper_bound() {
    let e = one(
        &scenario("duration = \"1m\"\nmax_events = 1000000000001"),
        "scenario.max_events",
        3,
        14,
    );
    assert!(e.message().contains("at most 1000000000000"), "{e}");
    let s = ok(&scenario("duration = \"1m\"\nmax_events = 1000000000000"));
    assert_eq!(s.max_events, 1_000_000_000_000);
}

#[test]
fn compiled_methods_have_an_upper_bound() {
    let e = errs(&phase("compiled_methods = 10000001"));
    assert!(
        e.render_plain()
            .contains("`phase[0].compiled_methods` is 10000001; it must be at most 10000000"),
        "{}",
        e.render_plain()
    );
}

/// Each page read is a simulated event: a touch beyond `max_events` pages is refused at check
/// time, with the figures, rather than stopped part-way by the engine.
#[test]
fn page_cache_touch_beyond_the_event_budget() {
    let src = |touch: &str, max_events: &str| {
        format!(
            "[scenario]\nduration = \"20m\"\n{max_events}\n[machine]\nram = \"16g\"\n[page_cache]\nsize = \"1g\"\n[[phase]]\nname = \"p\"\nduration = \"1m\"\npage_cache_touch = \"{touch}\"\n"
        )
    };
    let text = errs(&src("4096t", "")).render_plain();
    assert!(
        text.contains("`phase[0].page_cache_touch` is 4096t: 549755813888 page reads of 8 KiB, more than `scenario.max_events` = 50000000"),
        "{text}"
    );
    assert!(text.contains("raise `scenario.max_events`"), "{text}");
    // The 16777215t is past the limit of any size already.
    let text = errs(&src("16777215t", "")).render_plain();
    assert!(
        text.contains("more than memsim's limit for any size, 4096t (4 PiB)"),
        "{text}"
    );
    assert!(
        errs(&src("1t", ""))
            .render_plain()
            .contains("134217728 page reads")
    );
    // 100 pages fit a budget of 100 events; 100 pages and a byte do not.
    ok(&src("800k", "max_events = 100"));
    assert!(
        errs(&src("819201", "max_events = 100"))
            .render_plain()
            .contains("101 page reads")
    );
}

/// Every size is at most 4096t (2^52 bytes), in keys and in pasted flags, so sums and small
/// multiples of sizes cannot overflow 64 bits downstream (a 2^63 − 1 byte `-Xmx` overflowed G1's
/// table sizing).
#[test]
fn sizes_have_an_upper_bound() {
    ok(&base("[jvm]\nheap = { max = \"4096t\" }\n"));
    let e = one(
        &base("[jvm]\nheap = { max = \"9223372036854775807b\" }\n"),
        "jvm.heap.max",
        7,
        16,
    );
    assert_eq!(
        e.message(),
        "`jvm.heap.max` is 9223372036854775807, more than memsim's limit for any size, 4096t (4 PiB)"
    );
    let text =
        errs("[scenario]\nduration = \"1m\"\n[machine]\nram = 4503599627370497\n").render_plain();
    assert!(
        text.contains("`machine.ram` is 4503599627370497, more than"),
        "{text}"
    );
    let text = errs(&base("[jvm]\nflags = \"-Xmx4097t\"\n")).render_plain();
    assert!(
        text.contains(
            "`-Xmx4097t`: `4097t` is more than memsim's limit for any size, 4096t (4 PiB)"
        ),
        "{text}"
    );
}

/// `netty.model = "4.2.13"` is the allocator Netty 4.2.13 picks for `netty.allocator_type`
/// (`io.netty.allocator.type`): adaptive unset or `"adaptive"`; pooled, with 4.1.118's defaults,
/// for `"pooled"` and (warned) for anything else; `"unpooled"` refused; the key refused with
/// any other model.
#[test]
fn netty_4_2_13_picks_its_default_allocator() {
    use memsim_scenario::NettyModel;
    let n = |lines: &str| base(&format!("[netty]\n{lines}\n"));
    let adaptive = NettyModel::Netty42Adaptive {
        event_loop_threads: false,
    };
    for lines in [
        "model = \"4.2.13\"",
        "model = \"4.2.13\"\nallocator_type = \"adaptive\"",
    ] {
        let s = ok(&n(lines));
        assert_eq!(s.netty.model, adaptive, "{lines}");
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }
    let s = ok(&n("model = \"4.2.13\"\nallocator_type = \"pooled\""));
    assert_eq!(s.netty.model, NettyModel::Netty41118);
    assert_eq!(
        (s.netty.max_order, s.netty.use_cache_for_all_threads),
        (9, false)
    );
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let s = ok(&n("model = \"4.2.13\"\nallocator_type = \"Adaptive\""));
    assert_eq!(s.netty.model, NettyModel::Netty41118);
    assert_eq!(s.warnings.len(), 1);
    assert!(
        s.warnings[0]
            .message()
            .contains("Netty 4.2.13 falls back to its pooled allocator"),
        "{}",
        s.warnings[0]
    );
    let e = one(
        &n("model = \"4.2.13\"\nallocator_type = \"unpooled\""),
        "netty.allocator_type",
        8,
        18,
    );
    assert!(e.message().contains("not modelled"), "{e}");
    let e = one(
        &n("model = \"4.1.118\"\nallocator_type = \"pooled\""),
        "netty.allocator_type",
        8,
        18,
    );
    assert!(
        e.message()
            .contains("applies to `netty.model = \"4.2.13\"` only"),
        "{e}"
    );
}

/// The pooled allocator's keys do not apply to the adaptive one: each given is a warning at its
/// value (a sweep across models keeps working), and the pooled models take them without one.
#[test]
fn pooled_keys_are_warned_about_under_the_adaptive_model() {
    let keys = "direct_arenas = 4\nmax_order = 10";
    for model in ["4.2.13-adaptive", "4.2.13-adaptive-event-loop", "4.2.13"] {
        let s = ok(&base(&format!("[netty]\nmodel = \"{model}\"\n{keys}\n")));
        let paths: Vec<&str> = s.warnings.iter().map(|w| w.key_path()).collect();
        assert_eq!(paths, ["netty.direct_arenas", "netty.max_order"], "{model}");
        assert!(
            s.warnings[0]
                .message()
                .contains("the adaptive allocator has no such setting"),
            "{}",
            s.warnings[0]
        );
        assert_eq!((s.warnings[0].line(), s.warnings[1].line()), (8, 9));
    }
    for model in ["4.1.118", "4.2.13-pooled"] {
        let s = ok(&base(&format!("[netty]\nmodel = \"{model}\"\n{keys}\n")));
        assert!(s.warnings.is_empty(), "{model}: {:?}", s.warnings);
    }
}
