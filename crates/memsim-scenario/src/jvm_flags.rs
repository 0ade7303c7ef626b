//! `[jvm] flags` and `[jvm] java_tool_options`: a JVM command line, as pasted, read into the same
//! settings the `[jvm]` keys give.
//!
//! The string is split as a POSIX shell splits words (white space; `'…'` literal; `"…"` with `\"`
//! and `\\`; `\` outside quotes escapes the next character). Each word is a JVM option. HotSpot's
//! own rules decide what is an error: an `-XX:` name the release's HotSpot (17 or 21, `crate::hotspot_flags`) does not have (it refuses to start:
//! "Unrecognized VM option"), a boolean flag without `+`/`-`, a valued flag without `=`, a
//! malformed size (HotSpot accepts digits with one of `k`, `m`, `g`, `t`, either case) are errors;
//! a real option memsim does not model is a warning naming it; an option that would make the
//! simulation meaningless (another collector, an interpreter-only JVM) is an error. Every message
//! points at the word in the file (when the TOML string has escapes, at the whole value).
//! `java_tool_options` is read first and `flags` second; a later option wins, as in HotSpot.

use std::ops::Range;

use crate::model::{Collector, JvmSettings};
use crate::reader::{Ctx, Tab};
use memsim_core::JdkVersion;

use crate::hotspot_flags::{alias_of, closest_flag, flag_type, obsolete_since};

/// Where a flag's setting lives among the `[jvm]` keys, to refuse setting it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    HeapInitial,
    HeapMax,
    ThreadStack,
    Gc,
    MaxDirectMemory,
    MaxMetaspace,
    ReservedCodeCache,
    CompressedClassSpace,
    AlwaysPreTouch,
    ActiveProcessorCount,
    ParallelGcThreads,
    ConcGcThreads,
    CiCompilerCount,
    /// Settings only flags give.
    FlagsOnly,
}

impl Key {
    /// The key path, and how to find the key in the `[jvm]` table (sub-table, key).
    fn path(self) -> Option<(&'static str, Option<&'static str>, &'static str)> {
        Some(match self {
            Key::HeapInitial => ("jvm.heap.initial", Some("heap"), "initial"),
            Key::HeapMax => ("jvm.heap.max", Some("heap"), "max"),
            Key::ThreadStack => ("jvm.thread_stack", None, "thread_stack"),
            Key::Gc => ("jvm.gc", None, "gc"),
            Key::MaxDirectMemory => ("jvm.max_direct_memory", None, "max_direct_memory"),
            Key::MaxMetaspace => ("jvm.max_metaspace", None, "max_metaspace"),
            Key::ReservedCodeCache => ("jvm.reserved_code_cache", None, "reserved_code_cache"),
            Key::CompressedClassSpace => {
                ("jvm.compressed_class_space", None, "compressed_class_space")
            }
            Key::AlwaysPreTouch => ("jvm.always_pre_touch", None, "always_pre_touch"),
            Key::ActiveProcessorCount => {
                ("jvm.active_processor_count", None, "active_processor_count")
            }
            Key::ParallelGcThreads => ("jvm.parallel_gc_threads", None, "parallel_gc_threads"),
            Key::ConcGcThreads => ("jvm.conc_gc_threads", None, "conc_gc_threads"),
            Key::CiCompilerCount => ("jvm.ci_compiler_count", None, "ci_compiler_count"),
            Key::FlagsOnly => return None,
        })
    }

    fn given_as_key(self, t: &Tab<'_, '_>) -> bool {
        match self.path() {
            None => false,
            Some((_, None, key)) => t.get(key).is_some(),
            Some((_, Some(sub), key)) => match t.get(sub).map(|v| v.get_ref()) {
                Some(toml::de::DeValue::Table(h)) => {
                    h.iter().any(|(k, _)| k.get_ref().as_ref() == key)
                }
                _ => false,
            },
        }
    }
}

/// A word of the flags string, unquoted, with its byte span in the scenario file.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    span: Range<usize>,
}

/// Splits `s` as a shell does; `Err` = an unterminated quote, at its byte offset in `s`.
fn split_words(s: &str) -> Result<Vec<(String, Range<usize>)>, usize> {
    let mut words = Vec::new();
    let mut cur: Option<(String, usize)> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some((w, start)) = cur.take() {
                    words.push((w, start..i));
                }
            }
            '\'' | '"' => {
                let (w, _) = cur.get_or_insert_with(|| (String::new(), i));
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == c {
                        closed = true;
                        break;
                    }
                    if c == '"' && d == '\\' {
                        if let Some(&(_, e)) = chars.peek() {
                            if matches!(e, '"' | '\\' | '$' | '`') {
                                w.push(e);
                                chars.next();
                                continue;
                            }
                        }
                    }
                    w.push(d);
                }
                if !closed {
                    return Err(i);
                }
            }
            '\\' => {
                let (w, _) = cur.get_or_insert_with(|| (String::new(), i));
                if let Some((_, e)) = chars.next() {
                    w.push(e);
                }
            }
            c => cur.get_or_insert_with(|| (String::new(), i)).0.push(c),
        }
    }
    if let Some((w, start)) = cur {
        words.push((w, start..s.len()));
    }
    Ok(words)
}

/// The byte offset in the file of the string's first character, when the TOML string's text is
/// the file's text (no escapes); `None` otherwise.
fn body_start(src: &str, span: &Range<usize>, value: &str) -> Option<usize> {
    let raw = src.get(span.clone())?;
    let (open, escapes) = if raw.starts_with("'''") {
        (3, false)
    } else if raw.starts_with("\"\"\"") {
        (3, true)
    } else if raw.starts_with('\'') {
        (1, false)
    } else {
        (1, true)
    };
    let mut start = span.start + open;
    if open == 3 {
        // TOML drops a newline right after the opening delimiter.
        if src[start..].starts_with("\r\n") {
            start += 2;
        } else if src[start..].starts_with('\n') {
            start += 1;
        }
    }
    let body = src.get(start..start + value.len())?;
    (body == value && !(escapes && body.contains('\\'))).then_some(start)
}

/// A size as HotSpot reads it: decimal digits and an optional `k`, `m`, `g` or `t` (either case).
fn jvm_size(text: &str) -> Result<u64, String> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let shown = crate::error::excerpt(text);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("`{shown}` is not a size HotSpot accepts"));
    }
    let shift = match unit {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        _ => {
            return Err(format!(
                "`{shown}`: HotSpot accepts only the units k, m, g, t in flags (not `{}`)",
                crate::error::excerpt(unit)
            ));
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{shown}` overflows 64 bits"))?;
    let bytes = n
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("`{shown}` overflows 64 bits"))?;
    if bytes > crate::syntax::MAX_SIZE_BYTES {
        return Err(format!(
            "`{shown}` is more than memsim's limit for any size, 4096t (4 PiB)"
        ));
    }
    Ok(bytes)
}

const SIZE_HINT: &str = "HotSpot sizes are digits with an optional k, m, g or t: -Xmx2g, -Xss512k, -XX:MaxRAM=4294967296";

/// `-X` options (`java -X`) memsim ignores, as prefixes.
const X_IGNORED: &[&str] = &[
    "-Xbatch",
    "-Xbootclasspath",
    "-Xcheck:",
    "-Xcomp",
    "-Xdebug",
    "-Xdiag",
    "-Xfuture",
    "-Xinternalversion",
    "-Xlog",
    "-Xloggc:",
    "-Xmn",
    "-Xnoclassgc",
    "-Xrs",
    "-Xshare:",
    "-XshowSettings",
    "-Xverify",
];

/// Options that take the next word as their argument.
const TAKES_ARGUMENT: &[&str] = &[
    "-cp",
    "-classpath",
    "--class-path",
    "-p",
    "--module-path",
    "--upgrade-module-path",
    "--add-modules",
    "--add-opens",
    "--add-exports",
    "--add-reads",
    "--patch-module",
    "--limit-modules",
];

/// Reads a flags string into `f`, recording which settings it gave.
struct Reader<'c, 's> {
    cx: &'c mut Ctx<'s>,
    // The release whose flags are HotSpot's (`jvm.version`).
    jdk: JdkVersion,
    path: String,
    f: JvmSettings,
    given: Vec<(Key, String, Range<usize>)>,
}

impl Reader<'_, '_> {
    fn err(&mut self, w: &Word, message: String, hint: Option<String>) {
        let message = format!("`{}`: {message}", self.path);
        self.cx
            .err(&self.path.clone(), w.span.clone(), message, hint);
    }

    fn warn_ignored(&mut self, w: &Word, what: &str) {
        let path = self.path.clone();
        self.cx.warn(
            &path,
            w.span.clone(),
            format!(
                "`{path}`: {what} `{}` is not modelled: memsim ignores it",
                crate::error::excerpt(&w.text)
            ),
            None,
        );
    }

    fn set(&mut self, key: Key, w: &Word) {
        self.given.push((key, w.text.clone(), w.span.clone()));
    }

    fn size(&mut self, w: &Word, value: &str) -> Option<u64> {
        match jvm_size(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(
                    w,
                    format!("`{}`: {e}", crate::error::excerpt(&w.text)),
                    Some(SIZE_HINT.into()),
                );
                None
            }
        }
    }

    fn count(&mut self, w: &Word, value: &str, (min, max): (u32, u32)) -> Option<u32> {
        match value.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.err(
                    w,
                    format!(
                        "`{}`: the value must be a whole number in {min}..={max}",
                        crate::error::excerpt(&w.text)
                    ),
                    None,
                );
                None
            }
        }
    }

    fn percent(&mut self, w: &Word, value: &str) -> Option<f64> {
        match value.parse::<f64>() {
            Ok(p) if (0.0..=100.0).contains(&p) => Some(p),
            _ => {
                self.err(
                    w,
                    format!(
                        "`{}`: the value must be a percentage from 0 to 100",
                        crate::error::excerpt(&w.text)
                    ),
                    Some("e.g. -XX:MaxRAMPercentage=75 or 75.0".into()),
                );
                None
            }
        }
    }

    /// One word; returns false when the rest are the application's arguments.
    fn word(&mut self, w: &Word, next: Option<&Word>, skip_next: &mut bool) -> bool {
        let t = w.text.as_str();
        if let Some(rest) = t.strip_prefix("-XX:") {
            self.xx(w, rest);
        } else if let Some(v) = t.strip_prefix("-Xmx") {
            if let Some(v) = self.size(w, v) {
                self.f.heap_max = Some(v);
                self.set(Key::HeapMax, w);
            }
        } else if let Some(v) = t.strip_prefix("-Xms") {
            if let Some(v) = self.size(w, v) {
                self.f.heap_initial = Some(v);
                self.set(Key::HeapInitial, w);
            }
        } else if let Some(v) = t.strip_prefix("-Xss") {
            if let Some(v) = self.size(w, v) {
                self.f.thread_stack = Some(v);
                self.set(Key::ThreadStack, w);
            }
        } else if let Some(v) = t.strip_prefix("-Xmaxjitcodesize") {
            if let Some(v) = self.size(w, v) {
                self.f.reserved_code_cache = Some(v);
                self.set(Key::ReservedCodeCache, w);
            }
        } else if t == "-Xint" {
            self.err(
                w,
                "`-Xint` (an interpreter-only JVM) is not modelled: memsim's phases compile methods".into(),
                Some("remove it; memsim models tiered, C1-only (-XX:TieredStopAtLevel=1) and C2-only (-XX:-TieredCompilation) JVMs".into()),
            );
        } else if t == "-Xmixed" || t == "-server" || t == "-d64" {
            // The default on a 64-bit JDK 17: nothing to do.
        } else if X_IGNORED.iter().any(|p| t.starts_with(p)) {
            self.warn_ignored(w, "the option");
        } else if t.starts_with("-X") {
            self.err(
                w,
                format!(
                    "`{t}` is not a JVM option (HotSpot refuses to start: \"Unrecognized option\")"
                ),
                Some("the -X options are listed by `java -X`".into()),
            );
        } else if t.starts_with("-D") {
            self.warn_ignored(w, "the system property");
        } else if t == "-jar" || !t.starts_with('-') {
            let path = self.path.clone();
            self.cx.warn(
                &path,
                w.span.clone(),
                format!(
                    "`{path}`: `{}` and the words after it are the application and its arguments: memsim ignores them",
                    crate::error::excerpt(t)
                ),
                Some("paste only the JVM's options".into()),
            );
            return false;
        } else if TAKES_ARGUMENT.contains(&t) {
            self.warn_ignored(w, "the option");
            *skip_next = next.is_some();
        } else {
            self.warn_ignored(w, "the option");
        }
        true
    }

    fn xx(&mut self, w: &Word, rest: &str) {
        let (name, value) = match rest.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (rest, None),
        };
        let (name, switch) = match name.strip_prefix('+') {
            Some(n) => (n, Some(true)),
            None => match name.strip_prefix('-') {
                Some(n) => (n, Some(false)),
                None => (name, None),
            },
        };
        let jdk = self.jdk;
        let name = alias_of(name).unwrap_or(name);
        if let Some(since) = obsolete_since(name, jdk) {
            let path = self.path.clone();
            let shown = crate::error::excerpt(&w.text);
            let message = format!(
                "`{path}`: `{shown}` is obsolete in HotSpot {}: it ignores it (\"support was removed in {since}\") and so does memsim",
                jdk.major()
            );
            self.cx.warn(&path, w.span.clone(), message, None);
            return;
        }
        let Some(ty) = flag_type(name, jdk) else {
            let shown = crate::error::excerpt(&w.text);
            let hint = closest_flag(name, jdk).map(|n| {
                let form = if flag_type(n, jdk) == Some("bool") {
                    format!("-XX:+{n} or -XX:-{n}")
                } else {
                    format!("-XX:{n}=<value>")
                };
                format!("did you mean `{form}`? (HotSpot flag names are case-sensitive)")
            });
            self.err(
                w,
                format!("`{shown}` is not a HotSpot {} flag (HotSpot refuses to start: \"Unrecognized VM option\")", jdk.major()),
                hint.or(Some("`java -XX:+PrintFlagsFinal -version` lists HotSpot's flags".into())),
            );
            return;
        };
        let is_bool = ty == "bool";
        match (is_bool, switch, value) {
            (true, Some(_), None) | (false, None, Some(_)) => {}
            (true, _, _) => {
                self.err(
                    w,
                    format!("`-XX:{name}` is a boolean flag: write -XX:+{name} or -XX:-{name}"),
                    None,
                );
                return;
            }
            (false, _, _) => {
                self.err(
                    w,
                    format!("`-XX:{name}` takes a value: write -XX:{name}=<value>"),
                    None,
                );
                return;
            }
        }
        let on = switch.unwrap_or(false);
        let v = value.unwrap_or("");
        match name {
            "MaxHeapSize" => {
                if let Some(n) = self.size(w, v) {
                    self.f.heap_max = Some(n);
                    self.set(Key::HeapMax, w);
                }
            }
            "InitialHeapSize" => {
                if let Some(n) = self.size(w, v) {
                    self.f.heap_initial = Some(n);
                    self.set(Key::HeapInitial, w);
                }
            }
            "ThreadStackSize" => {
                // In KiB: -XX:ThreadStackSize=1024 is -Xss1m (and =1m is 1 GiB).
                if let Some(n) = self.size(w, v) {
                    match n.checked_mul(1024) {
                        Some(b) => {
                            self.f.thread_stack = Some(b);
                            self.set(Key::ThreadStack, w);
                        }
                        None => self.err(
                            w,
                            format!("`{}` overflows 64 bits", crate::error::excerpt(&w.text)),
                            None,
                        ),
                    }
                }
            }
            "UseG1GC" | "UseParallelGC" | "UseSerialGC" if on => {
                self.f.gc = Some(match name {
                    "UseG1GC" => Collector::G1,
                    "UseParallelGC" => Collector::Parallel,
                    _ => Collector::Serial,
                });
                self.set(Key::Gc, w);
            }
            "UseZGC" | "UseShenandoahGC" | "UseEpsilonGC" if on => self.err(
                w,
                format!("`-XX:+{name}`: memsim models only G1, Parallel and Serial; the heap and GC figures would be meaningless"),
                Some("use -XX:+UseG1GC, -XX:+UseParallelGC or -XX:+UseSerialGC".into()),
            ),
            "MaxDirectMemorySize" => {
                if let Some(n) = self.size(w, v) {
                    self.f.max_direct_memory = Some(n);
                    self.set(Key::MaxDirectMemory, w);
                }
            }
            "MaxMetaspaceSize" => {
                if let Some(n) = self.size(w, v) {
                    self.f.max_metaspace = Some(n);
                    self.set(Key::MaxMetaspace, w);
                }
            }
            "ReservedCodeCacheSize" => {
                if let Some(n) = self.size(w, v) {
                    self.f.reserved_code_cache = Some(n);
                    self.set(Key::ReservedCodeCache, w);
                }
            }
            "CompressedClassSpaceSize" => {
                if let Some(n) = self.size(w, v) {
                    self.f.compressed_class_space = Some(n);
                    self.set(Key::CompressedClassSpace, w);
                }
            }
            "AlwaysPreTouch" => {
                self.f.always_pre_touch = on;
                self.set(Key::AlwaysPreTouch, w);
            }
            "ActiveProcessorCount" => {
                if let Some(n) = self.count(w, v, (1, 1024)) {
                    self.f.active_processor_count = Some(n);
                    self.set(Key::ActiveProcessorCount, w);
                }
            }
            "ParallelGCThreads" => {
                if let Some(n) = self.count(w, v, (1, 1024)) {
                    self.f.parallel_gc_threads = Some(n);
                    self.set(Key::ParallelGcThreads, w);
                }
            }
            "ConcGCThreads" => {
                if let Some(n) = self.count(w, v, (1, 1024)) {
                    self.f.conc_gc_threads = Some(n);
                    self.set(Key::ConcGcThreads, w);
                }
            }
            "CICompilerCount" => {
                if let Some(n) = self.count(w, v, (1, 1024)) {
                    self.f.ci_compiler_count = Some(n);
                    self.set(Key::CiCompilerCount, w);
                }
            }
            "MaxRAMPercentage" | "MinRAMPercentage" | "InitialRAMPercentage" => {
                if let Some(p) = self.percent(w, v) {
                    *self.percentage(name) = Some(p);
                    self.set(Key::FlagsOnly, w);
                }
            }
            "MaxRAMFraction" | "MinRAMFraction" | "InitialRAMFraction" => {
                // Deprecated in JDK 10, still honoured by 17: the percentage is 100 / fraction.
                if let Some(n) = self.count(w, v, (1, u32::MAX)) {
                    let pct = name.replace("Fraction", "Percentage");
                    *self.percentage(&pct) = Some(100.0 / f64::from(n));
                    self.set(Key::FlagsOnly, w);
                }
            }
            "MaxRAM" => {
                if let Some(n) = self.size(w, v) {
                    self.f.max_ram = Some(n);
                    self.set(Key::FlagsOnly, w);
                }
            }
            "UseContainerSupport" => self.f.use_container_support = Some(on),
            "TieredCompilation" => self.f.tiered_compilation = Some(on),
            "SegmentedCodeCache" => self.f.segmented_code_cache = Some(on),
            "TieredStopAtLevel" => match v.parse::<u8>() {
                Ok(0) => self.err(
                    w,
                    "`-XX:TieredStopAtLevel=0` (an interpreter-only JVM) is not modelled: memsim's phases compile methods".into(),
                    Some("use 1 for a C1-only JVM".into()),
                ),
                Ok(l @ 1..=4) => self.f.tiered_stop_at_level = Some(l),
                _ => self.err(
                    w,
                    format!(
                        "`{}`: the level must be 0 to 4",
                        crate::error::excerpt(&w.text)
                    ),
                    None,
                ),
            },
            "InitialCodeCacheSize" => {
                if let Some(n) = self.size(w, v) {
                    self.f.initial_code_cache = Some(n);
                }
            }
            // NMT on is what memsim's categories are; unlocking changes nothing by itself.
            "NativeMemoryTracking" if v == "summary" || v == "detail" => {}
            "UnlockDiagnosticVMOptions" | "UnlockExperimentalVMOptions" => {}
            _ => self.warn_ignored(w, "the HotSpot flag"),
        }
    }

    fn percentage(&mut self, name: &str) -> &mut Option<f64> {
        match name {
            "MaxRAMPercentage" => &mut self.f.max_ram_percentage,
            "MinRAMPercentage" => &mut self.f.min_ram_percentage,
            _ => &mut self.f.initial_ram_percentage,
        }
    }

    fn read(&mut self, t: &Tab<'_, '_>, key: &str) {
        let Some((text, span)) = t.read(self.cx, key, Ctx::string) else {
            return;
        };
        self.path = t.key_path(key);
        let start = body_start(self.cx.src, &span, &text);
        let at = |r: Range<usize>| match start {
            Some(s) => s + r.start..s + r.end,
            None => span.clone(),
        };
        let words = match split_words(&text) {
            Ok(w) => w,
            Err(i) => {
                let w = Word {
                    text: String::new(),
                    span: at(i..text.len()),
                };
                self.err(
                    &w,
                    "unterminated quote".into(),
                    Some("close the quote, or escape it with a backslash".into()),
                );
                return;
            }
        };
        let words: Vec<Word> = words
            .into_iter()
            .map(|(text, r)| Word { text, span: at(r) })
            .collect();
        let mut skip = false;
        for (i, w) in words.iter().enumerate() {
            if skip {
                skip = false;
                continue;
            }
            if i == 0 && (w.text == "java" || w.text.ends_with("/java")) {
                continue;
            }
            if !self.word(w, words.get(i + 1), &mut skip) {
                break;
            }
        }
    }
}

/// Reads `java_tool_options` then `flags` from `[jvm]` into `j`: a setting also given by its key
/// is an error naming both; the combined settings are checked as HotSpot checks them.
pub(crate) fn read_flags(cx: &mut Ctx<'_>, t: &Tab<'_, '_>, j: &mut JvmSettings) {
    if t.get("flags").is_none() && t.get("java_tool_options").is_none() {
        return;
    }
    let mut r = Reader {
        cx,
        jdk: j.version,
        path: String::new(),
        f: JvmSettings::default(),
        given: Vec::new(),
    };
    r.read(t, "java_tool_options");
    r.read(t, "flags");
    let Reader { cx, f, given, .. } = r;
    let mut conflict = false;
    for (key, word, span) in &given {
        if let Some((path, _, _)) = key.path().filter(|_| key.given_as_key(t)) {
            conflict = true;
            cx.err(
                path,
                span.clone(),
                format!(
                    "`{path}` is set twice: by the key and by `{}` in the flags",
                    crate::error::excerpt(word)
                ),
                Some(format!(
                    "keep one: remove `{path}` or remove `{}`",
                    crate::error::excerpt(word)
                )),
            );
        }
    }
    if conflict {
        return;
    }
    let span_of = |k: Key| {
        given
            .iter()
            .rev()
            .find(|(g, _, _)| *g == k)
            .map(|(_, w, s)| (w.clone(), s.clone()))
    };
    check(cx, &f, &span_of);
    macro_rules! take {
        ($($field:ident),*) => { $( if f.$field.is_some() { j.$field = f.$field; } )* };
    }
    take!(
        heap_initial,
        heap_max,
        thread_stack,
        gc,
        max_direct_memory,
        max_metaspace,
        reserved_code_cache,
        compressed_class_space,
        active_processor_count,
        parallel_gc_threads,
        conc_gc_threads,
        ci_compiler_count,
        max_ram_percentage,
        min_ram_percentage,
        initial_ram_percentage,
        max_ram,
        use_container_support,
        tiered_compilation,
        tiered_stop_at_level,
        segmented_code_cache,
        initial_code_cache
    );
    if span_of(Key::AlwaysPreTouch).is_some() {
        j.always_pre_touch = f.always_pre_touch;
    }
}

/// The limits HotSpot enforces on values the flags gave (the keys' own are checked where read).
fn check(
    cx: &mut Ctx<'_>,
    f: &JvmSettings,
    span_of: &dyn Fn(Key) -> Option<(String, Range<usize>)>,
) {
    let mut bad = |k: Key, message: &str, hint: &str| {
        if let Some((w, span)) = span_of(k) {
            let w = crate::error::excerpt(&w);
            cx.err(
                "jvm.flags",
                span,
                format!("`{w}`: {message}"),
                Some(hint.to_string()),
            );
        }
    };
    if let (Some(i), Some(m)) = (f.heap_initial, f.heap_max) {
        if i > m {
            bad(
                Key::HeapInitial,
                "the initial heap is larger than the maximum heap",
                "HotSpot refuses to start: make -Xms at most -Xmx",
            );
        }
    }
    if matches!(f.heap_max, Some(0)) {
        bad(
            Key::HeapMax,
            "the maximum heap is zero",
            "remove it for ergonomics",
        );
    }
    if f.thread_stack
        .is_some_and(|s| !(64 << 10..=1 << 30).contains(&s))
    {
        bad(
            Key::ThreadStack,
            "the thread stack must be between 64k and 1g",
            "typical values are -Xss512k or -Xss1m (the Linux x64 default)",
        );
    }
    if f.reserved_code_cache.is_some_and(|c| c == 0 || c > 2 << 30) {
        bad(
            Key::ReservedCodeCache,
            "the code cache must be more than 0 and at most 2g",
            "-XX:ReservedCodeCacheSize must be at most 2048m",
        );
    }
    if matches!(f.max_metaspace, Some(0)) {
        bad(
            Key::MaxMetaspace,
            "the JVM cannot start without metaspace",
            "remove it for no limit",
        );
    }
    if matches!(f.compressed_class_space, Some(0)) {
        bad(
            Key::CompressedClassSpace,
            "the compressed class space is zero",
            "remove it for the default (1g)",
        );
    }
    if let (Some(p), Some(c)) = (f.parallel_gc_threads, f.conc_gc_threads) {
        if c > p {
            bad(
                Key::ConcGcThreads,
                "more ConcGCThreads than ParallelGCThreads",
                "G1 refuses to start with more ConcGCThreads than ParallelGCThreads",
            );
        }
    }
}

/// Whether the settings compile with C1 and C2 (tiered): `CICompilerCount` must then be ≥ 2.
pub(crate) fn is_tiered(j: &JvmSettings) -> bool {
    j.tiered_compilation != Some(false) && j.tiered_stop_at_level.is_none_or(|l| l >= 4)
}

#[cfg(test)]
mod tests;
