//! The `[jvm]` table: heap, thread stack, collector, direct memory, metaspace and code cache sizes,
//! thread counts and glibc's arenas, and the pasted command line (read by `jvm_flags`) checked
//! against them.

use super::fields::{nonzero_size, uint_in};
use super::human::human_size;
use super::limits::{MAX_CODE_CACHE, MAX_CORES, MAX_THREAD_STACK, MIN_THREAD_STACK};
use crate::error::excerpt;
use crate::keys;
use crate::model::{Collector, JvmSettings};
use crate::reader::{Ctx, Tab};
use memsim_core::JdkVersion;

pub(super) fn read_jvm(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> JvmSettings {
    let mut j = JvmSettings::default();
    let Some(t) = root.sub_table(cx, "jvm", "a table: `[jvm]` on a line of its own") else {
        return j;
    };
    t.check_keys(cx, keys::JVM);
    if let Some((v, span)) = t.read(cx, "version", Ctx::uint) {
        match JdkVersion::from_major(v) {
            Some(version) => j.version = version,
            None => cx.err(
                "jvm.version",
                span,
                format!("`jvm.version` is {v}; memsim models JDK 17 and JDK 21 only"),
                Some("write `version = 17` or `version = 21` (other releases' memory has not been measured), or remove the key for 17".into()),
            ),
        }
    }
    if let Some(h) = t.sub_table(
        cx,
        "heap",
        "a table such as `heap = { initial = \"4g\", max = \"4g\" }`",
    ) {
        h.check_keys(cx, keys::HEAP);
        let initial = nonzero_size(
            cx,
            &h,
            "initial",
            "set -Xms to a positive size, or remove it for ergonomics",
        );
        let max = nonzero_size(
            cx,
            &h,
            "max",
            "set -Xmx to a positive size, or remove it for ergonomics",
        );
        if let (Some((ini, span)), Some((mx, _))) = (&initial, &max) {
            if ini > mx {
                cx.err(
                    "jvm.heap.initial",
                    span.clone(),
                    format!(
                        "`jvm.heap.initial` ({}) is larger than `jvm.heap.max` ({})",
                        human_size(*ini),
                        human_size(*mx)
                    ),
                    Some("the initial heap (-Xms) must not exceed the maximum heap (-Xmx); HotSpot refuses to start otherwise".into()),
                );
            }
        }
        j.heap_initial = initial.map(|(v, _)| v);
        j.heap_max = max.map(|(v, _)| v);
    }
    if let Some((s, span)) = t.read(cx, "thread_stack", Ctx::size) {
        if !(MIN_THREAD_STACK..=MAX_THREAD_STACK).contains(&s) {
            cx.err(
                "jvm.thread_stack",
                span,
                format!(
                    "`jvm.thread_stack` ({}) is out of range: -Xss must be between 64k and 1g",
                    human_size(s)
                ),
                Some("typical values are \"512k\" or \"1m\" (the Linux x64 default)".into()),
            );
        } else {
            j.thread_stack = Some(s);
        }
    }
    if let Some((g, span)) = t.read(cx, "gc", Ctx::string) {
        match g.trim().to_ascii_lowercase().as_str() {
            "g1" => j.gc = Some(Collector::G1),
            "parallel" => j.gc = Some(Collector::Parallel),
            "serial" => j.gc = Some(Collector::Serial),
            _ => cx.err(
                "jvm.gc",
                span,
                format!("`jvm.gc` has an unknown collector `{}`", excerpt(&g)),
                Some("expected one of: \"g1\", \"parallel\", \"serial\"".into()),
            ),
        }
    }
    j.max_direct_memory = t.read(cx, "max_direct_memory", Ctx::size).map(|(v, _)| v);
    j.max_metaspace = nonzero_size(
        cx,
        &t,
        "max_metaspace",
        "the JVM cannot start without metaspace; remove the key for no limit",
    )
    .map(|(v, _)| v);
    if let Some((c, span)) = nonzero_size(
        cx,
        &t,
        "reserved_code_cache",
        "the JVM cannot start without a code cache; remove the key for the default (240m with tiered compilation)",
    ) {
        if c > MAX_CODE_CACHE {
            cx.err(
                "jvm.reserved_code_cache",
                span,
                format!(
                    "`jvm.reserved_code_cache` ({}) is larger than HotSpot's limit of 2g",
                    human_size(c)
                ),
                Some("-XX:ReservedCodeCacheSize must be at most 2048m".into()),
            );
        } else {
            j.reserved_code_cache = Some(c);
        }
    }
    j.compressed_class_space = nonzero_size(
        cx,
        &t,
        "compressed_class_space",
        "remove the key for the default (1g)",
    )
    .map(|(v, _)| v);
    if let Some((b, _)) = t.read(cx, "always_pre_touch", Ctx::boolean) {
        j.always_pre_touch = b;
    }
    read_jvm_threads(cx, &t, &mut j);
    crate::jvm_flags::read_flags(cx, &t, &mut j);
    if j.ci_compiler_count == Some(1) && crate::jvm_flags::is_tiered(&j) {
        let span = t
            .get("ci_compiler_count")
            .or_else(|| t.get("flags"))
            .or_else(|| t.get("java_tool_options"))
            .map_or(t.span.clone(), |v| v.span());
        cx.err(
            "jvm.ci_compiler_count",
            span,
            "`jvm.ci_compiler_count` is 1: a tiered JVM needs at least 2 compiler threads (one C1 and one C2)",
            Some("HotSpot refuses to start with tiered compilation; 1 is accepted with -XX:TieredStopAtLevel=1 (C1 only) or -XX:-TieredCompilation".into()),
        );
    }
    j
}

/// The `[jvm]` keys for thread counts and glibc's arenas.
fn read_jvm_threads(cx: &mut Ctx<'_>, t: &Tab<'_, '_>, j: &mut JvmSettings) {
    let count = |cx: &mut Ctx<'_>, key: &str, min: u64, hint: &str| {
        uint_in(cx, t, key, (min, MAX_CORES), hint).map(|(n, span)| (n as u32, span))
    };
    j.active_processor_count = count(
        cx,
        "active_processor_count",
        1,
        "-XX:ActiveProcessorCount: the CPUs the JVM sizes its thread pools for",
    )
    .map(|(n, _)| n);
    let parallel = count(
        cx,
        "parallel_gc_threads",
        1,
        "-XX:ParallelGCThreads; remove the key for HotSpot's default from the CPU count",
    );
    let conc = count(
        cx,
        "conc_gc_threads",
        1,
        "-XX:ConcGCThreads; remove the key for HotSpot's default (a quarter of ParallelGCThreads)",
    );
    if let (Some((p, _)), Some((c, span))) = (&parallel, &conc) {
        if c > p {
            cx.err(
                "jvm.conc_gc_threads",
                span.clone(),
                format!("`jvm.conc_gc_threads` ({c}) is more than `jvm.parallel_gc_threads` ({p})"),
                Some("G1 refuses to start with more ConcGCThreads than ParallelGCThreads".into()),
            );
        }
    }
    j.parallel_gc_threads = parallel.map(|(n, _)| n);
    j.conc_gc_threads = conc.map(|(n, _)| n);
    j.ci_compiler_count = count(
        cx,
        "ci_compiler_count",
        1,
        "-XX:CICompilerCount must be at least 2 with tiered compilation (one C1 and one C2 thread), 1 with C1 or C2 only",
    )
    .map(|(n, _)| n);
    j.malloc_arena_max = uint_in(
        cx,
        t,
        "malloc_arena_max",
        (1, 65_536),
        "MALLOC_ARENA_MAX: glibc's most malloc arenas; remove the key for glibc's default (8 per core)",
    )
    .map(|(n, _)| n as u32);
}
