//! The `[[phase]]` array: each phase's timing within the scenario, threads and stacks, heap,
//! classes and compiled code, off-heap and file memory, page-cache touches, and its `requests`,
//! database and full-text sub-keys, with the checks that tie a phase to `[scenario]`, `[jvm]` and
//! `[page_cache]`.

use memsim_core::{JdkVersion, SimDuration, SimTime};
use toml::de::DeValue;

use super::fields::{uint_at_most, uint_in};
use super::human::{human_duration, human_size};
use super::limits::{
    DEFAULT_CLASS_FILE_BYTES, DEFAULT_METHODS_PER_CLASS, DEFAULT_STACK_TOUCHED, GIB,
    MAX_CLASS_FILE_BYTES, MAX_CLASSES, MAX_COMPILED_METHODS, MAX_METHODS_PER_CLASS,
    MAX_STACK_TOUCHED, MAX_THREADS, MIN_CLASS_FILE_BYTES,
};
use super::requests::read_requests;
use super::scenario::Head;
use crate::error::excerpt;
use crate::keys;
use crate::model::{ClassProfile, JvmSettings, Phase};
use crate::reader::{Ctx, Tab, as_table};

pub(super) fn read_phases(
    cx: &mut Ctx<'_>,
    root: &Tab<'_, '_>,
    head: &Head,
    jvm: &JvmSettings,
    has_page_cache: bool,
) -> Vec<Phase> {
    let Some(v) = root.get("phase") else {
        return Vec::new();
    };
    let items = match v.get_ref() {
        DeValue::Array(a) => a,
        _ => {
            cx.type_error(
                "phase",
                v,
                "an array of tables",
                Some("write `[[phase]]` (two brackets) above each phase".into()),
            );
            return Vec::new();
        }
    };
    let mut phases = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut prev_end = SimTime::ZERO;
    for (i, item) in items.iter().enumerate() {
        let path = format!("phase[{i}]");
        let Some(t) = as_table(cx, path, item, "`[[phase]]` followed by its keys") else {
            continue;
        };
        let p = read_phase(cx, &t, head, jvm, has_page_cache, prev_end);
        prev_end = p.end();
        if !p.name.is_empty() {
            if names.contains(&p.name) {
                let span = t.get("name").map(|v| v.span()).unwrap_or(t.span.clone());
                cx.err(
                    &t.key_path("name"),
                    span,
                    format!(
                        "`{}` repeats the phase name `{}`",
                        t.key_path("name"),
                        excerpt(&p.name)
                    ),
                    Some(
                        "give every phase its own name; reports and events refer to phases by name"
                            .into(),
                    ),
                );
            }
            names.push(p.name.clone());
        }
        phases.push(p);
    }
    phases
}

fn read_phase(
    cx: &mut Ctx<'_>,
    t: &Tab<'_, '_>,
    head: &Head,
    jvm: &JvmSettings,
    has_page_cache: bool,
    prev_end: SimTime,
) -> Phase {
    t.check_keys(cx, keys::PHASE);
    let mut p = Phase {
        name: String::new(),
        start: prev_end,
        duration: SimDuration::ZERO,
        threads: 0,
        stack_touched: DEFAULT_STACK_TOUCHED.min(jvm.thread_stack.unwrap_or(u64::MAX)),
        heap_live: 0,
        heap_released: 0,
        system_gc: false,
        heap_churn_per_sec: 0,
        classes: 0,
        methods_per_class: DEFAULT_METHODS_PER_CLASS,
        class_profile: ClassProfile::Application,
        class_file_bytes: DEFAULT_CLASS_FILE_BYTES,
        compiled_methods: 0,
        page_cache_touch: 0,
        class_loaders: 0,
        hidden_classes: 0,
        direct_memory: 0,
        unsafe_memory: 0,
        mapped_files: 0,
        mapped_files_hot: 0,
        mapped_files_written: false,
        written_files: 0,
        fulltext_read: 0.0,
        malloc_per_thread: 0,
        virtual_threads: 0,
        virtual_thread_stack: 0,
        requests: None,
        db: None,
    };
    if let Some((name, span)) = t.require(
        cx,
        "name",
        "name the phase, e.g. `name = \"warm-up\"`",
        Ctx::label,
    ) {
        if name.trim().is_empty() {
            let path = t.key_path("name");
            cx.err(
                &path,
                span,
                format!("`{path}` is empty"),
                Some("name the phase, e.g. `name = \"warm-up\"`".into()),
            );
        } else {
            p.name = name;
        }
    }
    let start = t.read(cx, "start", Ctx::duration);
    if let Some((s, _)) = start {
        p.start = SimTime(s.nanos());
    }
    let duration = t.require(
        cx,
        "duration",
        "set how long the phase lasts, e.g. `duration = \"5m\"`",
        Ctx::duration,
    );
    if let Some((d, span)) = duration {
        let path = t.key_path("duration");
        if d == SimDuration::ZERO {
            cx.err(
                &path,
                span,
                format!("`{path}` is zero"),
                Some("a phase must last some time, e.g. `duration = \"5m\"`".into()),
            );
        } else {
            p.duration = d;
            if let Some(total) = head.duration {
                let end = u128::from(p.start.0) + u128::from(d.nanos());
                if end > u128::from(total.nanos()) {
                    let end_text = u64::try_from(end)
                        .map(|e| human_duration(SimDuration(e)))
                        .unwrap_or_else(|_| "beyond representable time".into());
                    let hint = if start.is_some() {
                        "shorten the phase, start it earlier, or lengthen `scenario.duration`"
                    } else {
                        "shorten the phase, lengthen `scenario.duration`, or set `start`: without it a phase starts when the previous one ends"
                    };
                    let name = if p.name.is_empty() {
                        String::new()
                    } else {
                        format!(" `{}`", excerpt(&p.name))
                    };
                    cx.err(
                        &path,
                        span,
                        format!(
                            "phase beyond the end: `{path}`: phase{name} runs from {} to {end_text}, past the scenario's end at {} (`scenario.duration`)",
                            human_duration(SimDuration(p.start.0)),
                            human_duration(total)
                        ),
                        Some(hint.into()),
                    );
                }
            }
        }
    }
    let threads = t.read(cx, "threads", Ctx::uint);
    if let Some((n, span)) = threads.clone() {
        if n > MAX_THREADS {
            let path = t.key_path("threads");
            cx.err(
                &path,
                span,
                format!("`{path}` is {n}; it must be at most {MAX_THREADS}"),
                None,
            );
        } else {
            p.threads = n as u32;
        }
    }
    if let Some((s, span)) = t.read(cx, "stack_touched", Ctx::size) {
        let path = t.key_path("stack_touched");
        let (limit, why) = match jvm.thread_stack {
            Some(ts) => (ts, "`jvm.thread_stack`"),
            None => (MAX_STACK_TOUCHED, "1g when `jvm.thread_stack` is not set"),
        };
        if s > limit {
            cx.err(
                &path,
                span,
                format!(
                    "`{path}` ({}) is larger than the thread stack: at most {} ({why})",
                    human_size(s),
                    human_size(limit)
                ),
                Some("a thread cannot touch more stack than it has; raise `jvm.thread_stack` or lower `stack_touched`".into()),
            );
        } else {
            p.stack_touched = s;
        }
    }
    if let Some((v, _)) = t.read(cx, "heap_live", Ctx::size) {
        p.heap_live = v;
    }
    if let Some((v, _)) = t.read(cx, "heap_released", Ctx::size) {
        p.heap_released = v;
    }
    if let Some((b, _)) = t.read(cx, "system_gc", Ctx::boolean) {
        p.system_gc = b;
    }
    if let Some((v, _)) = t.read(cx, "heap_churn", Ctx::byte_rate) {
        p.heap_churn_per_sec = v;
    }
    if let Some(n) = uint_at_most(cx, t, "classes", MAX_CLASSES) {
        p.classes = n;
    }
    let mut methods_span = None;
    if let Some((n, span)) = t.read(cx, "methods_per_class", Ctx::uint) {
        if n == 0 || n > MAX_METHODS_PER_CLASS {
            let path = t.key_path("methods_per_class");
            cx.err(
                &path,
                span,
                format!("`{path}` is {n}; it must be between 1 and {MAX_METHODS_PER_CLASS}"),
                Some(format!(
                    "the default is {DEFAULT_METHODS_PER_CLASS}; a class file holds at most 65535 methods"
                )),
            );
        } else {
            p.methods_per_class = n as u32;
            methods_span = Some(span);
        }
    }
    if let Some((v, span)) = t.read(cx, "class_profile", Ctx::string) {
        match v.trim().to_ascii_lowercase().as_str() {
            "application" => p.class_profile = ClassProfile::Application,
            "thin" => p.class_profile = ClassProfile::Thin,
            _ => {
                let path = t.key_path("class_profile");
                cx.err(
                    &path,
                    span,
                    format!("`{path}` has an unknown profile `{}`", excerpt(&v)),
                    Some("expected one of: \"application\", \"thin\"".into()),
                );
            }
        }
    }
    let mut class_file_span = None;
    if let Some((n, span)) = t.read(cx, "class_file_bytes", Ctx::size) {
        if (MIN_CLASS_FILE_BYTES..=MAX_CLASS_FILE_BYTES).contains(&n) {
            p.class_file_bytes = n;
            class_file_span = Some(span);
        } else {
            let path = t.key_path("class_file_bytes");
            cx.err(
                &path,
                span,
                format!("`{path}` is {n} B; it must be between 256 B and 1 MiB"),
                Some(format!(
                    "the default, {DEFAULT_CLASS_FILE_BYTES} B, is the average class file of guava, commons-lang3 and jackson"
                )),
            );
        }
    }
    // Each shape key describes one profile; a key of the other would be silently ignored.
    match (p.class_profile, methods_span, class_file_span) {
        (ClassProfile::Application, Some(span), _) => {
            let path = t.key_path("methods_per_class");
            cx.err(
                &path,
                span,
                format!("`{path}` describes thin generated classes, and this phase loads `application` classes"),
                Some("add `class_profile = \"thin\"` for generated classes of that many tiny methods, or state real classes' size with `class_file_bytes`".into()),
            );
        }
        (ClassProfile::Thin, _, Some(span)) => {
            let path = t.key_path("class_file_bytes");
            cx.err(
                &path,
                span,
                format!("`{path}` describes application classes, and this phase loads `thin` ones"),
                Some("thin classes are sized by `methods_per_class`; remove `class_profile` for real application classes".into()),
            );
        }
        _ => {}
    }
    if let Some(n) = uint_at_most(cx, t, "compiled_methods", MAX_COMPILED_METHODS) {
        p.compiled_methods = n;
    }
    if let Some(n) = uint_at_most(cx, t, "class_loaders", MAX_CLASSES) {
        p.class_loaders = n;
    }
    if let Some(n) = uint_at_most(cx, t, "hidden_classes", MAX_CLASSES) {
        p.hidden_classes = n;
    }
    if let Some((v, _)) = t.read(cx, "direct_memory", Ctx::size) {
        p.direct_memory = v;
    }
    if let Some((v, _)) = t.read(cx, "unsafe_memory", Ctx::size) {
        p.unsafe_memory = v;
    }
    if let Some((v, _)) = t.read(cx, "mapped_files", Ctx::size) {
        p.mapped_files = v;
    }
    if let Some((v, span)) = t.read(cx, "mapped_files_hot", Ctx::size) {
        if v > p.mapped_files {
            let path = t.key_path("mapped_files_hot");
            cx.err(
                &path,
                span,
                format!(
                    "`{path}` ({}) is more than the phase's `mapped_files` ({})",
                    human_size(v),
                    human_size(p.mapped_files)
                ),
                Some("the hot part is a part of the mapped bytes".into()),
            );
        } else {
            p.mapped_files_hot = v;
        }
    }
    if let Some((b, _)) = t.read(cx, "mapped_files_written", Ctx::boolean) {
        p.mapped_files_written = b;
    }
    if let Some((v, _)) = t.read(cx, "written_files", Ctx::size) {
        p.written_files = v;
    }
    if let Some((v, span)) = t.read(cx, "malloc_per_thread", Ctx::size) {
        if v > GIB {
            let path = t.key_path("malloc_per_thread");
            cx.err(
                &path,
                span,
                format!("`{path}` ({}) is more than 1g per thread", human_size(v)),
                Some("native memory a library keeps for each thread, e.g. \"262k\" per open zlib Deflater".into()),
            );
        } else {
            p.malloc_per_thread = v;
        }
    }
    read_virtual_threads(cx, t, jvm, &mut p);
    if let Some((v, span)) = t.read(cx, "page_cache_touch", Ctx::size) {
        if v > 0 && !has_page_cache {
            let path = t.key_path("page_cache_touch");
            cx.err(
                &path,
                span,
                format!("`{path}` reads into a page cache, but the scenario has neither `[page_cache]` nor `[database]`"),
                Some("add `[page_cache]` (its `size` defaults to Neo4j's heuristic), or remove `page_cache_touch`".into()),
            );
        } else if v.div_ceil(memsim_pagecache::PAGE_BYTES) > head.max_events {
            // Each page read is a simulated event: a touch the budget cannot cover would only
            // stop the run part-way.
            let path = t.key_path("page_cache_touch");
            cx.err(
                &path,
                span,
                format!(
                    "`{path}` is {}: {} page reads of 8 KiB, more than `scenario.max_events` = {} (each page read is a simulated event)",
                    human_size(v),
                    v.div_ceil(memsim_pagecache::PAGE_BYTES),
                    head.max_events
                ),
                Some("touch at most the store's size (a few times the page cache at most), or raise `scenario.max_events`".into()),
            );
        } else {
            p.page_cache_touch = v;
        }
    }
    if let Some(rt) = t.sub_table(
        cx,
        "requests",
        "a table such as `requests = { rate = \"3000/s\", buffer = \"16k\", hold = \"40ms\" }`",
    ) {
        let key_span = t
            .table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == "requests")
            .map(|(k, _)| k.span())
            .unwrap_or(rt.span.clone());
        // An invalid `threads` was reported already; only a missing or zero one is a problem here.
        let zero_threads = match &threads {
            Some((n, _)) => *n == 0,
            None => t.get("threads").is_none(),
        };
        if zero_threads {
            let path = rt.path.clone();
            cx.err(
                &path,
                key_span,
                format!(
                    "`{path}` needs threads to serve them, but `{}` is 0",
                    t.key_path("threads")
                ),
                Some("set phase.threads to the number of threads serving requests, e.g. `threads = 200`".into()),
            );
        }
        p.requests = read_requests(cx, &rt);
        if let Some(r) = p.requests.as_mut() {
            r.page_reads = crate::page_reads::read_page_reads(
                cx,
                &rt,
                has_page_cache,
                r.rate_per_sec,
                p.duration,
                head.max_events,
            );
        }
    }
    p.db = crate::database::read_phase_db(cx, t, has_page_cache);
    if let Some(f) = crate::database::read_fulltext_read(cx, t, has_page_cache) {
        p.fulltext_read = f;
    }
    p
}

/// `virtual_threads` and `virtual_thread_stack`: JDK 21's virtual threads (refused on JDK 17,
/// where they are a preview feature memsim does not model).
fn read_virtual_threads(cx: &mut Ctx<'_>, t: &Tab<'_, '_>, jvm: &JvmSettings, p: &mut Phase) {
    if let Some((n, span)) = uint_in(
        cx,
        t,
        "virtual_threads",
        (0, 100_000_000),
        "virtual threads parked during the phase; each holds its frames on the heap",
    ) {
        if n > 0 && jvm.version != JdkVersion::Jdk21 {
            let path = t.key_path("virtual_threads");
            cx.err(
                &path,
                span,
                format!("`{path}` needs `jvm.version = 21`"),
                Some("virtual threads are final in JDK 21 (a preview in 17, not modelled); add `version = 21` to `[jvm]`".into()),
            );
        } else {
            p.virtual_threads = n;
        }
    }
    if let Some((v, span)) = t.read(cx, "virtual_thread_stack", Ctx::size) {
        if v > GIB {
            let path = t.key_path("virtual_thread_stack");
            cx.err(
                &path,
                span,
                format!("`{path}` ({}) is more than 1g per virtual thread", human_size(v)),
                Some("the bytes of frames a parked virtual thread holds, e.g. \"20k\" for 100 interpreted frames".into()),
            );
        } else {
            p.virtual_thread_stack = v;
        }
    }
}
