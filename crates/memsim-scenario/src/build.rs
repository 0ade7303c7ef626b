//! From the spanned TOML tree to a validated [`Scenario`]: every key, default and limit.

use std::ops::Range;
use std::path::Path;

use memsim_core::{Dist, SimDuration, SimTime};
use toml::de::{DeTable, DeValue};

use crate::error::{ScenarioErrors, excerpt};
use crate::keys;
use crate::model::{
    ClassProfile, Collector, DirectPath, JvmSettings, Machine, NettyModel, NettySettings,
    PageCacheSettings, Phase, Requests, Scenario,
};
use crate::reader::{Ctx, Tab, as_table};
use crate::syntax::Unit;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// Default `[scenario] seed`.
const DEFAULT_SEED: u64 = 1;
/// Default `[scenario] sample_every`.
const DEFAULT_SAMPLE_EVERY: SimDuration = SimDuration::from_secs(1);
/// Default `[scenario] max_events`.
const DEFAULT_MAX_EVENTS: u64 = 50_000_000;
/// Largest `[scenario] max_events`: below 2^40, the most pages a page-cache file may have, so a
/// run's warm-up (one page per event) can never run past a file's end.
const MAX_MAX_EVENTS: u64 = 1_000_000_000_000;
/// Most methods compiled in one phase.
const MAX_COMPILED_METHODS: u64 = 10_000_000;
/// Most samples a run may take.
const MAX_SAMPLES: u64 = 1_000_000;
/// Default `[machine] cores`.
const DEFAULT_CORES: u32 = 4;
/// Most cores.
const MAX_CORES: u64 = 1024;
/// Smallest `-Xss` HotSpot accepts on 64-bit Linux (rounded up to a page).
const MIN_THREAD_STACK: u64 = 64 * KIB;
/// Largest `-Xss` HotSpot accepts (`ThreadStackSize` ≤ 1 GiB).
const MAX_THREAD_STACK: u64 = GIB;
/// Largest `-XX:ReservedCodeCacheSize` HotSpot accepts.
const MAX_CODE_CACHE: u64 = 2 * GIB;
/// Netty: smallest page.
const MIN_PAGE_SIZE: u64 = 4096;
/// Netty: largest `maxOrder`.
const MAX_ORDER: u64 = 14;
/// Netty: largest chunk.
const MAX_CHUNK: u64 = GIB;
/// Most Netty direct arenas.
const MAX_ARENAS: u64 = 1024;
/// Default `stack_touched` (capped at `thread_stack` when that is smaller).
const DEFAULT_STACK_TOUCHED: u64 = 88 * KIB;
/// `stack_touched` limit when `thread_stack` is not set.
const MAX_STACK_TOUCHED: u64 = GIB;
/// Most threads in one phase.
const MAX_THREADS: u64 = 100_000;
/// Most classes in one phase.
const MAX_CLASSES: u64 = 10_000_000;
/// Default `methods_per_class`.
const DEFAULT_METHODS_PER_CLASS: u32 = 8;
/// Default `class_file_bytes`: the fit libraries' average class file (memsim-jvm `class_profile`).
const DEFAULT_CLASS_FILE_BYTES: u64 = 3921;
/// `class_file_bytes` bounds: a class file of a few fields and methods, and the JVM's 1 MiB-ish
/// practical ceiling (64 Ki constant-pool entries, methods of at most 64 KiB of bytecode).
const MIN_CLASS_FILE_BYTES: u64 = 256;
const MAX_CLASS_FILE_BYTES: u64 = MIB;
/// Most methods per class (the class file's `methods_count` is a u2).
const MAX_METHODS_PER_CLASS: u64 = 65_535;
/// Highest request rate, per second.
const MAX_RATE: f64 = 10_000_000.0;

/// A duration as the user could write it: the largest unit that divides it exactly.
pub(crate) fn human_duration(d: SimDuration) -> String {
    let n = d.nanos();
    if n == 0 {
        return "0s".into();
    }
    const UNITS: [(u64, &str); 7] = [
        (86_400_000_000_000, "d"),
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ];
    for (unit, name) in UNITS {
        if n % unit == 0 {
            return format!("{}{name}", n / unit);
        }
    }
    format!("{n}ns")
}

/// A size as the user could write it: the largest binary unit that divides it exactly.
pub(crate) fn human_size(b: u64) -> String {
    for (shift, name) in [(40, "t"), (30, "g"), (20, "m"), (10, "k")] {
        if b != 0 && b % (1u64 << shift) == 0 {
            return format!("{}{name}", b >> shift);
        }
    }
    format!("{b}")
}

/// The scenario's default name: the file's stem.
fn default_name(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "scenario".to_string())
}

/// Parses and validates `source`, read from `file`.
pub(crate) fn parse(source: &str, file: &str) -> Result<Scenario, ScenarioErrors> {
    let mut cx = Ctx::new(source, file);
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    if !syntax_errors.is_empty() {
        for e in syntax_errors {
            let span = e.span().unwrap_or(0..0);
            let mut message = format!("TOML syntax error: {}", e.message());
            let hint = if e.message().starts_with("duplicate key") {
                if let Some(key) = source.get(span.clone()).filter(|k| !k.is_empty()) {
                    message = format!("TOML syntax error: duplicate key `{}`", excerpt(key));
                }
                "each key and each `[table]` may appear only once; use `[[phase]]` for repeated phases"
            } else if e.message().contains("must be quoted") {
                "sizes, durations, rates and names are strings in double quotes, e.g. `duration = \"20m\"`"
            } else {
                "see https://toml.io for the syntax; memsim's keys are in docs/scenario-format.md"
            };
            cx.err("", span, message, Some(hint.into()));
        }
        return Err(ScenarioErrors::new(source, file, cx.errors));
    }
    let root = Tab {
        path: String::new(),
        span: 0..0,
        table: root.get_ref(),
    };
    root.check_keys(&mut cx, keys::TOP);

    let head = read_scenario(&mut cx, &root);
    let machine = read_machine(&mut cx, &root);
    let jvm = read_jvm(&mut cx, &root);
    let netty = read_netty(&mut cx, &root);
    let page_cache = read_page_cache(&mut cx, &root);
    let database = crate::database::read_database(&mut cx, &root);
    // A `[page_cache]` or `[database]` that is present but malformed was reported already: don't
    // blame the phases too.
    let has_page_cache = root.get("page_cache").is_some() || root.get("database").is_some();
    let phases = read_phases(&mut cx, &root, &head, &jvm, has_page_cache);

    if !cx.errors.is_empty() {
        return Err(ScenarioErrors::new(source, file, cx.errors));
    }
    let mut warnings = cx.warnings;
    warnings.sort_by_key(|w| w.span.start);
    Ok(Scenario {
        name: head.name.unwrap_or_else(|| default_name(file)),
        description: head.description,
        seed: head.seed,
        duration: head.duration.unwrap_or(SimDuration::ZERO),
        sample_every: head.sample_every,
        max_events: head.max_events,
        machine,
        jvm,
        netty,
        page_cache,
        database,
        phases,
        warnings,
    })
}

/// `[scenario]`, with `duration` left `None` when missing or invalid.
#[derive(Debug)]
struct Head {
    name: Option<String>,
    description: String,
    seed: u64,
    duration: Option<SimDuration>,
    sample_every: SimDuration,
    max_events: u64,
}

/// A required top-level table.
fn required_table<'a, 'i>(
    cx: &mut Ctx<'_>,
    root: &Tab<'a, 'i>,
    key: &str,
    hint: &str,
) -> Option<Tab<'a, 'i>> {
    if root.get(key).is_none() {
        cx.err(
            key,
            0..0,
            format!("missing table `[{key}]`: every scenario needs one"),
            Some(hint.to_string()),
        );
        return None;
    }
    root.sub_table(cx, key, &format!("a table: `[{key}]` on a line of its own"))
}

fn read_scenario(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> Head {
    let mut head = Head {
        name: None,
        description: String::new(),
        seed: DEFAULT_SEED,
        duration: None,
        sample_every: DEFAULT_SAMPLE_EVERY,
        max_events: DEFAULT_MAX_EVENTS,
    };
    let Some(t) = required_table(
        cx,
        root,
        "scenario",
        "add a `[scenario]` table with at least `duration = \"10m\"`",
    ) else {
        return head;
    };
    t.check_keys(cx, keys::SCENARIO);
    if let Some((name, span)) = t.read(cx, "name", Ctx::label) {
        if name.trim().is_empty() {
            cx.err(
                &t.key_path("name"),
                span,
                "`scenario.name` is empty",
                Some("give the scenario a name, or remove the key to use the file's name".into()),
            );
        } else {
            head.name = Some(name);
        }
    }
    if let Some((d, _)) = t.read(cx, "description", Ctx::string) {
        head.description = d;
    }
    if let Some((s, _)) = t.read(cx, "seed", Ctx::uint) {
        head.seed = s;
    }
    if let Some((d, span)) = t.require(
        cx,
        "duration",
        "set the simulated length of the run, e.g. `duration = \"20m\"`",
        Ctx::duration,
    ) {
        if d == SimDuration::ZERO {
            cx.err(
                "scenario.duration",
                span,
                "`scenario.duration` is zero",
                Some("the run must last some time, e.g. `duration = \"20m\"`".into()),
            );
        } else {
            head.duration = Some(d);
        }
    }
    let sample = t.read(cx, "sample_every", Ctx::duration);
    if let Some((s, span)) = &sample {
        if *s == SimDuration::ZERO {
            cx.err(
                "scenario.sample_every",
                span.clone(),
                "`scenario.sample_every` is zero",
                Some("sample at an interval such as \"1s\" (the default)".into()),
            );
        } else {
            head.sample_every = *s;
        }
    }
    if let Some(d) = head.duration {
        let samples = d.nanos() / head.sample_every.nanos();
        if samples > MAX_SAMPLES {
            let min = SimDuration(d.nanos().div_ceil(MAX_SAMPLES));
            let (path, span, what) = match &sample {
                Some((_, span)) => ("scenario.sample_every", span.clone(), "is"),
                None => (
                    "scenario.duration",
                    t.get("duration")
                        .map(|v| v.span())
                        .unwrap_or(t.span.clone()),
                    "with the default `scenario.sample_every` of 1s is",
                ),
            };
            cx.err(
                path,
                span,
                format!(
                    "too many samples: `scenario.duration` ({}) / `scenario.sample_every` ({}) {what} {samples} samples, more than {MAX_SAMPLES}",
                    human_duration(d),
                    human_duration(head.sample_every)
                ),
                Some(format!(
                    "set `scenario.sample_every` to at least \"{}\"",
                    human_duration(round_up_duration(min))
                )),
            );
        }
    }
    if let Some((m, span)) = t.read(cx, "max_events", Ctx::uint) {
        if m == 0 {
            cx.err(
                "scenario.max_events",
                span,
                "`scenario.max_events` is zero",
                Some(format!(
                    "the engine stops after this many events; the default is {DEFAULT_MAX_EVENTS}"
                )),
            );
        } else if m > MAX_MAX_EVENTS {
            cx.err(
                "scenario.max_events",
                span,
                format!("`scenario.max_events` is {m}; it must be at most {MAX_MAX_EVENTS}"),
                Some(format!("the default is {DEFAULT_MAX_EVENTS}")),
            );
        } else {
            head.max_events = m;
        }
    }
    head
}

/// `d` rounded up to a whole number of its largest unit below it, so the hint is short.
fn round_up_duration(d: SimDuration) -> SimDuration {
    let n = d.nanos();
    for unit in [1_000_000_000u64, 1_000_000, 1_000] {
        if n >= unit {
            return SimDuration(n.div_ceil(unit).saturating_mul(unit));
        }
    }
    d
}

/// A size key that must not be zero.
/// Reads an integer `key`, reporting it (and returning `None`) when it is above `max`.
fn uint_at_most(cx: &mut Ctx<'_>, t: &Tab<'_, '_>, key: &str, max: u64) -> Option<u64> {
    let (n, span) = t.read(cx, key, Ctx::uint)?;
    if n > max {
        let path = t.key_path(key);
        cx.err(
            &path,
            span,
            format!("`{path}` is {n}; it must be at most {max}"),
            None,
        );
        return None;
    }
    Some(n)
}

/// Reads an integer `key` that must lie in `min..=max`, reporting it (with `hint`) otherwise.
fn uint_in(
    cx: &mut Ctx<'_>,
    t: &Tab<'_, '_>,
    key: &str,
    (min, max): (u64, u64),
    hint: &str,
) -> Option<(u64, Range<usize>)> {
    let (n, span) = t.read(cx, key, Ctx::uint)?;
    if !(min..=max).contains(&n) {
        let path = t.key_path(key);
        cx.err(
            &path,
            span,
            format!("`{path}` is {n}; it must be between {min} and {max}"),
            Some(hint.to_string()),
        );
        return None;
    }
    Some((n, span))
}

fn nonzero_size(
    cx: &mut Ctx<'_>,
    t: &Tab<'_, '_>,
    key: &str,
    hint: &str,
) -> Option<(u64, Range<usize>)> {
    let (v, span) = t.read(cx, key, Ctx::size)?;
    if v == 0 {
        let path = t.key_path(key);
        cx.err(
            &path,
            span,
            format!("`{path}` is zero"),
            Some(hint.to_string()),
        );
        return None;
    }
    Some((v, span))
}

fn read_machine(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> Machine {
    let mut m = Machine {
        ram: 0,
        container_limit: None,
        cores: DEFAULT_CORES,
        os_reserved: 0,
        max_threads: None,
        address_space: None,
        cpu_limit: None,
    };
    let Some(t) = required_table(
        cx,
        root,
        "machine",
        "add a `[machine]` table with at least `ram = \"16g\"`",
    ) else {
        return m;
    };
    t.check_keys(cx, keys::MACHINE);
    let ram = t.require(
        cx,
        "ram",
        "set the machine's physical memory, e.g. `ram = \"16g\"`",
        Ctx::size,
    );
    if let Some((r, span)) = &ram {
        if *r == 0 {
            cx.err(
                "machine.ram",
                span.clone(),
                "`machine.ram` is zero",
                Some("set the machine's physical memory, e.g. `ram = \"16g\"`".into()),
            );
        } else {
            m.ram = *r;
        }
    }
    m.container_limit = nonzero_size(
        cx,
        &t,
        "container_limit",
        "a container limit of 0 leaves nothing to run in; remove the key for no container",
    )
    .map(|(v, _)| v);
    if let Some((c, span)) = t.read(cx, "cores", Ctx::uint) {
        if c == 0 || c > MAX_CORES {
            cx.err(
                "machine.cores",
                span,
                format!("`machine.cores` is {c}; it must be between 1 and {MAX_CORES}"),
                Some("the number of CPUs the JVM sees (`-XX:ActiveProcessorCount`)".into()),
            );
        } else {
            m.cores = c as u32;
        }
    }
    if let Some((r, span)) = t.read(cx, "os_reserved", Ctx::size) {
        if m.ram > 0 && r >= m.ram {
            cx.err(
                "machine.os_reserved",
                span,
                format!(
                    "`machine.os_reserved` ({}) leaves no memory for the process: `machine.ram` is {}",
                    human_size(r),
                    human_size(m.ram)
                ),
                Some("os_reserved is memory used by the kernel and other processes; it must be less than ram".into()),
            );
        } else {
            m.os_reserved = r;
        }
    }
    m.max_threads = uint_in(
        cx,
        &t,
        "max_threads",
        (1, 4_194_304),
        "the process's thread limit (`pids.max` of its container, or `ulimit -u`); remove the key for none",
    )
    .map(|(n, _)| n);
    m.cpu_limit = uint_in(
        cx,
        &t,
        "cpu_limit",
        (1, MAX_CORES),
        "the container's CPU quota in whole CPUs, rounded up (Kubernetes `limits.cpu: 1500m` → 2)",
    )
    .map(|(n, _)| n as u32);
    m.address_space = nonzero_size(
        cx,
        &t,
        "address_space",
        "`ulimit -v` of 0 leaves no address space; remove the key for no limit",
    )
    .map(|(v, _)| v);
    m
}

fn read_jvm(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> JvmSettings {
    let mut j = JvmSettings::default();
    let Some(t) = root.sub_table(cx, "jvm", "a table: `[jvm]` on a line of its own") else {
        return j;
    };
    t.check_keys(cx, keys::JVM);
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

/// `netty.max_direct_memory`: any integer, or a size string (positive).
fn netty_max_direct(cx: &mut Ctx<'_>, path: &str, v: &crate::reader::Val<'_>) -> Option<i64> {
    match v.get_ref() {
        DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => match i64::try_from(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    cx.err(
                        path,
                        v.span(),
                        format!("`{path}` does not fit in a signed 64-bit integer"),
                        None,
                    );
                    None
                }
            },
            Err(_) => {
                cx.err(
                    path,
                    v.span(),
                    format!("`{path}` does not fit in a signed 64-bit integer"),
                    None,
                );
                None
            }
        },
        DeValue::String(s) if s.trim().starts_with('-') => {
            cx.err(
                path,
                v.span(),
                format!("`{path}`: a size string cannot be negative"),
                Some(format!(
                    "write the integer without quotes: max_direct_memory = {}",
                    excerpt(s.trim())
                )),
            );
            None
        }
        DeValue::String(_) => {
            let n = cx.size(path, v)?;
            match i64::try_from(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    cx.err(
                        path,
                        v.span(),
                        format!("`{path}` does not fit in a signed 64-bit integer"),
                        None,
                    );
                    None
                }
            }
        }
        _ => {
            cx.type_error(
                path,
                v,
                "a size or an integer",
                Some("-1 (default) = Netty's own counter capped at the JVM's max direct memory, 0 = JDK accounting, or a size such as \"6g\"".into()),
            );
            None
        }
    }
}

fn read_netty(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> NettySettings {
    let mut n = NettySettings::default();
    let Some(t) = root.sub_table(cx, "netty", "a table: `[netty]` on a line of its own") else {
        return n;
    };
    t.check_keys(cx, keys::NETTY);
    if let Some((m, _)) = t.read(cx, "max_direct_memory", netty_max_direct) {
        n.max_direct_memory = m;
    }
    let page = t.read(cx, "page_size", Ctx::size);
    let mut page_ok = true;
    if let Some((p, span)) = &page {
        if *p < MIN_PAGE_SIZE || !p.is_power_of_two() {
            page_ok = false;
            cx.err(
                "netty.page_size",
                span.clone(),
                format!("`netty.page_size` ({p} bytes) must be a power of two and at least 4096"),
                Some(
                    "Netty's default is \"8k\"; other valid values are \"4k\", \"16k\", \"32k\", …"
                        .into(),
                ),
            );
        } else {
            n.page_size = *p;
        }
    }
    let order = t.read(cx, "max_order", Ctx::uint);
    let mut order_ok = true;
    if let Some((o, span)) = &order {
        if *o > MAX_ORDER {
            order_ok = false;
            cx.err(
                "netty.max_order",
                span.clone(),
                format!("`netty.max_order` is {o}; it must be at most {MAX_ORDER}"),
                Some("Netty's default is 11 (16 MiB chunks with 8 KiB pages)".into()),
            );
        } else {
            n.max_order = *o as u32;
        }
    }
    if page_ok && order_ok {
        let chunk = u128::from(n.page_size) << n.max_order;
        if chunk > u128::from(MAX_CHUNK) {
            let (path, span) = match (&order, &page) {
                (Some((_, s)), _) => ("netty.max_order", s.clone()),
                (None, Some((_, s))) => ("netty.page_size", s.clone()),
                (None, None) => ("netty", t.span.clone()),
            };
            cx.err(
                path,
                span,
                format!(
                    "`{path}`: the chunk size `netty.page_size` << `netty.max_order` ({} << {} = {} bytes) is larger than 1 GiB",
                    n.page_size, n.max_order, chunk
                ),
                Some("lower max_order or page_size; Netty refuses chunks larger than 1 GiB".into()),
            );
        }
    }
    if let Some((a, span)) = t.read(cx, "direct_arenas", Ctx::uint) {
        if a > MAX_ARENAS {
            cx.err(
                "netty.direct_arenas",
                span,
                format!("`netty.direct_arenas` is {a}; it must be at most {MAX_ARENAS}"),
                Some("remove the key for Netty's formula (2 × cores, bounded by memory)".into()),
            );
        } else {
            n.direct_arenas = Some(a as u32);
        }
    }
    if let Some((b, _)) = t.read(cx, "use_cache_for_all_threads", Ctx::boolean) {
        n.use_cache_for_all_threads = b;
    }
    if let Some((m, span)) = t.read(cx, "model", Ctx::string) {
        match m.trim() {
            "4.1.48" => n.model = NettyModel::Netty41,
            "approx" => n.model = NettyModel::Approx,
            _ => cx.err(
                "netty.model",
                span,
                format!("`netty.model` has an unknown pool model `{}`", excerpt(&m)),
                Some("expected one of: \"4.1.48\" (exact, the default), \"approx\"".into()),
            ),
        }
    }
    n
}

fn read_page_cache(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> Option<PageCacheSettings> {
    let t = root.sub_table(
        cx,
        "page_cache",
        "a table: `[page_cache]` on a line of its own",
    )?;
    t.check_keys(cx, keys::PAGE_CACHE);
    let size = nonzero_size(
        cx,
        &t,
        "size",
        "remove the key to let the page cache size follow Neo4j's heuristic",
    )
    .and_then(|(v, span)| {
        // Neo4j's 8 KiB pages; the model builds at most 2^27 page frames (memsim_pagecache's
        // FRAMES_MAX), allocating the host's copy of a frame only once a page is read into it.
        const MAX_PAGE_CACHE: u64 = 1024 * GIB;
        if !(8 * KIB..=MAX_PAGE_CACHE).contains(&v) {
            cx.err(
                "page_cache.size",
                span,
                format!(
                    "`page_cache.size` ({}) is out of range: it must be between 8k (one page) and 1t",
                    human_size(v)
                ),
                Some("memsim models the page cache page by page (8 KiB pages), up to 1 TiB; remove the key for Neo4j's heuristic".into()),
            );
            return None;
        }
        Some(v)
    });
    Some(PageCacheSettings { size })
}

fn read_phases(
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

fn read_requests(cx: &mut Ctx<'_>, t: &Tab<'_, '_>) -> Option<Requests> {
    t.check_keys(cx, keys::REQUESTS);
    let mut r = Requests {
        rate_per_sec: 0.0,
        buffer: Dist::Constant(0),
        hold: Dist::Constant(0),
        heap: Dist::Constant(0),
        direct: DirectPath::Netty,
        page_reads: None,
    };
    let mut ok = true;
    match t.require(
        cx,
        "rate",
        "set the mean request rate, e.g. `rate = \"3000/s\"`",
        Ctx::rate,
    ) {
        Some((rate, span)) => {
            let path = t.key_path("rate");
            if rate <= 0.0 {
                ok = false;
                cx.err(
                    &path,
                    span,
                    format!("`{path}` is zero"),
                    Some(
                        "the rate must be positive; remove `requests` for a phase without requests"
                            .into(),
                    ),
                );
            } else if rate > MAX_RATE {
                ok = false;
                cx.err(
                    &path,
                    span,
                    format!("`{path}` is {rate} per second; it must be at most 10,000,000/s"),
                    None,
                );
            } else {
                r.rate_per_sec = rate;
            }
        }
        None => ok = false,
    }
    if let Some((d, _)) = t.read(cx, "buffer", |cx, p, v| cx.dist(p, v, Unit::Bytes)) {
        r.buffer = d;
    }
    if let Some((d, _)) = t.read(cx, "hold", |cx, p, v| cx.dist(p, v, Unit::Nanos)) {
        r.hold = d;
    }
    if let Some((d, _)) = t.read(cx, "heap", |cx, p, v| cx.dist(p, v, Unit::Bytes)) {
        r.heap = d;
    }
    if let Some((d, span)) = t.read(cx, "direct", Ctx::string) {
        match d.trim().to_ascii_lowercase().as_str() {
            "netty" => r.direct = DirectPath::Netty,
            "jdk" => r.direct = DirectPath::Jdk,
            _ => {
                let path = t.key_path("direct");
                cx.err(
                    &path,
                    span,
                    format!("`{path}` has an unknown path `{}`", excerpt(&d)),
                    Some("expected one of: \"netty\" (pooled allocator, the default), \"jdk\" (ByteBuffer.allocateDirect)".into()),
                );
            }
        }
    }
    ok.then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_forms() {
        assert_eq!(human_duration(SimDuration::from_secs(1200)), "20m");
        assert_eq!(human_duration(SimDuration::from_secs(90)), "90s");
        assert_eq!(human_duration(SimDuration::from_millis(1500)), "1500ms");
        assert_eq!(human_duration(SimDuration::ZERO), "0s");
        assert_eq!(human_duration(SimDuration(7)), "7ns");
        assert_eq!(human_size(4 << 30), "4g");
        assert_eq!(human_size(1536), "1536");
        assert_eq!(human_size(0), "0");
        assert_eq!(human_size(64 << 10), "64k");
    }

    #[test]
    fn default_names() {
        assert_eq!(default_name("sims/neo4j-12g.toml"), "neo4j-12g");
        assert_eq!(default_name("x"), "x");
        assert_eq!(default_name(""), "scenario");
        assert_eq!(default_name("/"), "scenario");
    }

    #[test]
    fn rounding_hints() {
        assert_eq!(
            round_up_duration(SimDuration(2_592_000)),
            SimDuration(3_000_000)
        );
        assert_eq!(
            round_up_duration(SimDuration(1_000_000_001)),
            SimDuration::from_secs(2)
        );
        assert_eq!(round_up_duration(SimDuration(999)), SimDuration(999));
    }
}
