//! `[jvm] flags` and `java_tool_options`: pasted JVM command lines, their warnings and errors.

use memsim_scenario::{Collector, JvmSettings};

use crate::{BASE, base, errs, ok, one};

const M: u64 = 1 << 20;
const G: u64 = 1 << 30;

#[test]
fn every_modelled_flag_maps_onto_its_setting() {
    let s = ok(&base(
        "[jvm]\nflags = \"-Xms1g -Xmx2g -Xss512k -XX:+UseParallelGC -XX:MaxDirectMemorySize=3g \
         -XX:MaxMetaspaceSize=256m -XX:ReservedCodeCacheSize=64m -XX:CompressedClassSpaceSize=512m \
         -XX:+AlwaysPreTouch -XX:ActiveProcessorCount=8 -XX:ParallelGCThreads=6 -XX:ConcGCThreads=2 \
         -XX:CICompilerCount=4 -XX:MaxRAMPercentage=75.0 -XX:MinRAMPercentage=40 \
         -XX:InitialRAMPercentage=10 -XX:MaxRAM=8g -XX:-UseContainerSupport -XX:TieredStopAtLevel=1 \
         -XX:+SegmentedCodeCache -XX:InitialCodeCacheSize=4m\"\n",
    ));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(
        s.jvm,
        JvmSettings {
            version: memsim_core::JdkVersion::Jdk17,
            heap_initial: Some(G),
            heap_max: Some(2 * G),
            thread_stack: Some(512 << 10),
            gc: Some(Collector::Parallel),
            max_direct_memory: Some(3 * G),
            max_metaspace: Some(256 * M),
            reserved_code_cache: Some(64 * M),
            compressed_class_space: Some(512 * M),
            always_pre_touch: true,
            active_processor_count: Some(8),
            parallel_gc_threads: Some(6),
            conc_gc_threads: Some(2),
            ci_compiler_count: Some(4),
            malloc_arena_max: None,
            max_ram_percentage: Some(75.0),
            min_ram_percentage: Some(40.0),
            initial_ram_percentage: Some(10.0),
            max_ram: Some(8 * G),
            use_container_support: Some(false),
            tiered_compilation: None,
            tiered_stop_at_level: Some(1),
            segmented_code_cache: Some(true),
            initial_code_cache: Some(4 * M),
        }
    );
}

#[test]
fn java_tool_options_then_flags_the_later_wins_and_quotes_split_like_a_shell() {
    let s = ok(&base(
        "[jvm]\njava_tool_options = \"-Xmx1g -XX:ThreadStackSize=256\"\nflags = '''\njava -Xmx3G\n  -XX:-TieredCompilation \"-Dname=a b\"'''\n",
    ));
    assert_eq!(s.jvm.heap_max, Some(3 * G));
    assert_eq!(s.jvm.thread_stack, Some(256 << 10));
    assert_eq!(s.jvm.tiered_compilation, Some(false));
    // The system property is one word, warned about where it is: line 10, column 26.
    assert_eq!(s.warnings.len(), 1);
    let w = &s.warnings[0];
    assert_eq!((w.key_path(), w.line(), w.column()), ("jvm.flags", 10, 26));
    assert_eq!(
        w.render_warning(),
        "sims/test.toml:10:26: warning: `jvm.flags`: the system property `-Dname=a b` is not modelled: memsim ignores it"
    );
}

#[test]
fn unmodelled_flags_are_warned_about_one_by_one_with_positions() {
    let s = ok(&base(
        "[jvm]\nflags = \"-Xmx2g -XX:+HeapDumpOnOutOfMemoryError -XX:MaxGCPauseMillis=100 -Xlog:gc -server\"\n",
    ));
    let found: Vec<(usize, usize, &str)> = s
        .warnings
        .iter()
        .map(|w| (w.line(), w.column(), w.message()))
        .collect();
    assert_eq!(
        found,
        [
            (
                7,
                17,
                "`jvm.flags`: the HotSpot flag `-XX:+HeapDumpOnOutOfMemoryError` is not modelled: memsim ignores it"
            ),
            (
                7,
                49,
                "`jvm.flags`: the HotSpot flag `-XX:MaxGCPauseMillis=100` is not modelled: memsim ignores it"
            ),
            (
                7,
                74,
                "`jvm.flags`: the option `-Xlog:gc` is not modelled: memsim ignores it"
            ),
        ]
    );
    // The application after -jar is one warning, and nothing after it is read.
    let s = ok(&base(
        "[jvm]\nflags = \"-Xmx1g -jar app.jar -Xmx9g --port 80\"\n",
    ));
    assert_eq!(s.jvm.heap_max, Some(G));
    assert_eq!(s.warnings.len(), 1);
    assert!(
        s.warnings[0].message().contains("`-jar`"),
        "{}",
        s.warnings[0]
    );
}

#[test]
fn typos_get_a_did_you_mean_at_their_position() {
    let e = one(
        &base("[jvm]\nflags = \"-Xmx2g -XX:MaxRamPercentage=75\"\n"),
        "jvm.flags",
        7,
        17,
    );
    assert!(
        e.message()
            .contains("`-XX:MaxRamPercentage=75` is not a HotSpot 17 flag"),
        "{e}"
    );
    assert_eq!(
        e.hint(),
        Some(
            "did you mean `-XX:MaxRAMPercentage=<value>`? (HotSpot flag names are case-sensitive)"
        )
    );
    let e = one(
        &base("[jvm]\nflags = \"-XX:+AlwaysPreTuch\"\n"),
        "jvm.flags",
        7,
        10,
    );
    assert!(
        e.hint()
            .unwrap()
            .contains("-XX:+AlwaysPreTouch or -XX:-AlwaysPreTouch"),
        "{e}"
    );
}

#[test]
fn malformed_values_are_errors_with_positions() {
    let cases = [
        ("-Xmx2Gi", 10, "only the units k, m, g, t"),
        ("-Xms1.5g", 10, "not a size HotSpot accepts"),
        (
            "-Xmx1g -XX:MaxRAMPercentage=150",
            17,
            "percentage from 0 to 100",
        ),
        ("-XX:AlwaysPreTouch", 10, "is a boolean flag"),
        ("-XX:+MaxHeapSize", 10, "takes a value"),
        ("-XX:TieredStopAtLevel=7", 10, "the level must be 0 to 4"),
        ("-XX:ParallelGCThreads=x", 10, "whole number"),
        ("-Xfoo", 10, "Unrecognized option"),
        ("-Xmx99999999999999t", 10, "overflows 64 bits"),
        ("-Dx='open", 14, "unterminated quote"),
    ];
    for (flags, column, needle) in cases {
        let e = one(
            &base(&format!("[jvm]\nflags = \"{flags}\"\n")),
            "jvm.flags",
            7,
            column,
        );
        assert!(e.message().contains(needle), "{flags}: {e}");
    }
}

#[test]
fn meaningless_runs_are_refused() {
    for (flags, needle) in [
        ("-XX:+UseZGC", "only G1, Parallel and Serial"),
        ("-XX:+UseShenandoahGC", "only G1, Parallel and Serial"),
        ("-Xint", "interpreter-only"),
        ("-XX:TieredStopAtLevel=0", "interpreter-only"),
    ] {
        let e = one(
            &base(&format!("[jvm]\nflags = \"{flags}\"\n")),
            "jvm.flags",
            7,
            10,
        );
        assert!(e.message().contains(needle), "{flags}: {e}");
    }
}

#[test]
fn a_setting_given_by_a_key_and_a_flag_is_an_error_naming_both() {
    let e = one(
        &base("[jvm]\nheap = { max = \"2g\" }\nflags = \"-Xms1g -Xmx4g\"\n"),
        "jvm.heap.max",
        8,
        17,
    );
    assert_eq!(
        e.message(),
        "`jvm.heap.max` is set twice: by the key and by `-Xmx4g` in the flags"
    );
    let e = one(
        &base("[jvm]\ngc = \"g1\"\njava_tool_options = \"-XX:+UseSerialGC\"\n"),
        "jvm.gc",
        8,
        22,
    );
    assert!(e.message().contains("`-XX:+UseSerialGC`"), "{e}");
}

#[test]
fn hotspot_cross_checks_on_flag_values() {
    let e = one(
        &base("[jvm]\nflags = \"-Xms4g -Xmx2g\"\n"),
        "jvm.flags",
        7,
        10,
    );
    assert!(e.message().contains("larger than the maximum heap"), "{e}");
    let e = one(&base("[jvm]\nflags = \"-Xss16k\"\n"), "jvm.flags", 7, 10);
    assert!(e.message().contains("between 64k and 1g"), "{e}");
    // CICompilerCount=1 is refused tiered, accepted C1-only and C2-only (as HotSpot 17 does).
    let e = errs(&base("[jvm]\nflags = \"-XX:CICompilerCount=1\"\n"));
    assert!(
        e.errors()[0].message().contains("at least 2"),
        "{}",
        e.render_plain()
    );
    ok(&base(
        "[jvm]\nflags = \"-XX:CICompilerCount=1 -XX:TieredStopAtLevel=1\"\n",
    ));
    ok(&base(
        "[jvm]\nflags = \"-XX:CICompilerCount=1 -XX:-TieredCompilation\"\n",
    ));
    ok(&base(
        "[jvm]\nci_compiler_count = 1\nflags = \"-XX:TieredStopAtLevel=1\"\n",
    ));
}

#[test]
fn escaped_strings_point_at_the_whole_value() {
    let src = format!("{BASE}\n[jvm]\nflags = \"-Xmx1g \\u002DXX:Foo=1\"\n");
    let e = one(&src, "jvm.flags", 8, 9);
    assert!(e.message().contains("`-XX:Foo=1`"), "{e}");
}

/// `jvm.version`: 17 by default, 21 accepted, any other release refused with the key's position.
#[test]
fn jvm_version_is_17_or_21() {
    assert_eq!(ok(BASE).jvm.version, memsim_core::JdkVersion::Jdk17);
    let s = ok(&base("[jvm]\nversion = 21\n"));
    assert_eq!(s.jvm.version, memsim_core::JdkVersion::Jdk21);
    let e = one(&base("[jvm]\nversion = 11\n"), "jvm.version", 7, 11);
    assert_eq!(
        e.message(),
        "`jvm.version` is 11; memsim models JDK 17 and JDK 21 only"
    );
    assert!(
        e.hint().unwrap().contains("`version = 21`"),
        "{:?}",
        e.hint()
    );
    // A string is a type error, not a version.
    let e = one(&base("[jvm]\nversion = \"21\"\n"), "jvm.version", 7, 11);
    assert!(e.message().contains("integer"), "{}", e.message());
}

/// `virtual_threads` needs `jvm.version = 21`; with it, the phase keeps both keys.
#[test]
fn virtual_threads_need_jdk21() {
    let phase = "[[phase]]\nname = \"p\"\nduration = \"1s\"\nvirtual_threads = 1000\nvirtual_thread_stack = \"20k\"\n";
    let s = ok(&base(&format!("[jvm]\nversion = 21\n{phase}")));
    assert_eq!(s.phases[0].virtual_threads, 1000);
    assert_eq!(s.phases[0].virtual_thread_stack, 20 << 10);
    let e = one(&base(phase), "phase[0].virtual_threads", 9, 19);
    assert_eq!(
        e.message(),
        "`phase[0].virtual_threads` needs `jvm.version = 21`"
    );
    let e = one(
        &base(
            "[jvm]\nversion = 21\n[[phase]]\nname = \"p\"\nduration = \"1s\"\nvirtual_thread_stack = \"2g\"\n",
        ),
        "phase[0].virtual_thread_stack",
        11,
        24,
    );
    assert!(e.message().contains("more than 1g"), "{}", e.message());
}

/// Pasted flags are checked against the release's own flag list: `-XX:LockingMode` is JDK 21's.
#[test]
fn flags_follow_the_jdk_release() {
    let flags = "flags = \"-Xmx1g -XX:LockingMode=2\"\n";
    let s = ok(&base(&format!("[jvm]\nversion = 21\n{flags}")));
    assert_eq!(s.jvm.heap_max, Some(G));
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    let e = one(&base(&format!("[jvm]\n{flags}")), "jvm.flags", 7, 17);
    assert!(
        e.message().contains("is not a HotSpot 17 flag"),
        "{}",
        e.message()
    );
}

/// A flag the release removed but still ignores (HotSpot 21 prints "Ignoring option
/// G1UsePreventiveGC; support was removed in 21.0" and starts) is a warning, not an error; a
/// flag it no longer knows at all (`UseBiasedLocking`, gone in 18) stays an error quoted as written.
#[test]
fn obsolete_flags_are_ignored_as_hotspot_ignores_them() {
    let flags = "flags = \"-Xmx1g -XX:+G1UsePreventiveGC -XX:G1ConcRefinementGreenZone=4\"\n";
    let s = ok(&base(&format!("[jvm]\nversion = 21\n{flags}")));
    assert_eq!(s.jvm.heap_max, Some(G));
    let messages: Vec<String> = s.warnings.iter().map(|w| w.message().to_string()).collect();
    assert!(
        messages.iter().any(|m| m.contains(
            "`-XX:+G1UsePreventiveGC` is obsolete in HotSpot 21: it ignores it (\"support was removed in 21.0\")"
        )),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`-XX:G1ConcRefinementGreenZone=4` is obsolete in HotSpot 21")),
        "{messages:?}"
    );
    // JDK 17 still has G1UsePreventiveGC as a flag (not modelled, so a warning of its own).
    let s = ok(&base(
        &format!("[jvm]\n{flags}").replace(" -XX:G1ConcRefinementGreenZone=4", ""),
    ));
    assert!(
        s.warnings.iter().all(|w| !w.message().contains("obsolete")),
        "{:?}",
        s.warnings
    );
    let e = one(
        &base("[jvm]\nversion = 21\nflags = \"-XX:+UseBiasedLocking\"\n"),
        "jvm.flags",
        8,
        10,
    );
    assert!(
        e.message()
            .contains("`-XX:+UseBiasedLocking` is not a HotSpot 21 flag"),
        "{e}"
    );
}

/// HotSpot's deprecated alias `DefaultMaxRAMFraction` sets `MaxRAMFraction`, as in both releases.
#[test]
fn deprecated_aliases_set_the_flag_they_name() {
    for version in ["", "version = 21\n"] {
        let s = ok(&base(&format!(
            "[jvm]\n{version}flags = \"-XX:DefaultMaxRAMFraction=4\"\n"
        )));
        assert_eq!(s.jvm.max_ram_percentage, Some(25.0), "{version}");
    }
}
