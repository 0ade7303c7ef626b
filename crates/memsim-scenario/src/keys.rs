//! Every key the scenario format accepts, with the kind of value it takes: the one list that the
//! parser checks keys against (unknown keys and "did you mean"), that [`known_keys`] lists for
//! documentation tests, and that [`crate::json_schema`] turns into the format's JSON schema.
//!
//! The kinds say what TOML type a key takes and in which syntax (`docs/scenario-format.md`, "Value
//! syntaxes"); ranges and relations between keys are the readers' (`build.rs`, `database.rs`).
//! `tests/it/keys.rs` holds each kind to its reader: a value of the kind's TOML type is never a type
//! error, a value of another type always is, and a choice's values are the reader's.

/// What a key's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Free text (a TOML string).
    Text,
    /// One of these strings (the readers trim it; all but `netty.model` ignore case).
    Choice {
        /// The accepted values, in lower case.
        values: &'static [&'static str],
        /// Whether upper case is accepted too.
        ignore_case: bool,
    },
    /// `true` or `false`.
    Boolean,
    /// A non-negative TOML integer.
    Integer,
    /// A decimal number: a TOML float, or a decimal integer (`zipf = 1`, `hot_reads = 0.8`).
    Number,
    /// A size string (`"4g"`) or a non-negative integer of bytes.
    Size,
    /// A size string, or any integer, negative ones included (`netty.max_direct_memory`).
    SignedSize,
    /// A duration string with a unit (`"250ms"`).
    Duration,
    /// A rate string (`"3000/s"`).
    Rate,
    /// A byte-rate string (`"200m/s"`).
    ByteRate,
    /// A size distribution string (`"lognormal(median=16k, sigma=1.5)"`) or an integer of bytes.
    SizeDistribution,
    /// A duration distribution string (`"exp(40ms)"`).
    DurationDistribution,
    /// A table with these keys.
    Table(&'static [Key]),
    /// An array of tables with these keys (`[[phase]]`).
    Tables(&'static [Key]),
}

/// One accepted key and its value's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key as written in TOML.
    pub name: &'static str,
    /// What it takes.
    pub kind: ValueKind,
    /// Whether its table must set it.
    pub required: bool,
}

const fn key(name: &'static str, kind: ValueKind) -> Key {
    Key {
        name,
        kind,
        required: false,
    }
}

const fn required(name: &'static str, kind: ValueKind) -> Key {
    Key {
        name,
        kind,
        required: true,
    }
}

const fn choice(values: &'static [&'static str]) -> ValueKind {
    ValueKind::Choice {
        values,
        ignore_case: true,
    }
}

use ValueKind::{
    Boolean, ByteRate, Duration, DurationDistribution, Integer, Number, Rate, SignedSize, Size,
    SizeDistribution, Table, Tables, Text,
};

/// `[scenario]`.
pub(crate) const SCENARIO: &[Key] = &[
    key("name", Text),
    key("description", Text),
    key("seed", Integer),
    required("duration", Duration),
    key("sample_every", Duration),
    key("max_events", Integer),
];

/// `[machine]`.
pub(crate) const MACHINE: &[Key] = &[
    required("ram", Size),
    key("container_limit", Size),
    key("cores", Integer),
    key("os_reserved", Size),
    key("max_threads", Integer),
    key("address_space", Size),
    key("cpu_limit", Integer),
];

/// `jvm.heap`.
pub(crate) const HEAP: &[Key] = &[key("initial", Size), key("max", Size)];

/// `[jvm]`.
pub(crate) const JVM: &[Key] = &[
    key("heap", Table(HEAP)),
    key("thread_stack", Size),
    key("gc", choice(&["g1", "parallel", "serial"])),
    key("max_direct_memory", Size),
    key("max_metaspace", Size),
    key("reserved_code_cache", Size),
    key("compressed_class_space", Size),
    key("always_pre_touch", Boolean),
    key("active_processor_count", Integer),
    key("parallel_gc_threads", Integer),
    key("conc_gc_threads", Integer),
    key("ci_compiler_count", Integer),
    key("malloc_arena_max", Integer),
    key("flags", Text),
    key("java_tool_options", Text),
    key("version", Integer),
];

/// `[netty]`.
pub(crate) const NETTY: &[Key] = &[
    key("max_direct_memory", SignedSize),
    key("page_size", Size),
    key("max_order", Integer),
    key("direct_arenas", Integer),
    key("use_cache_for_all_threads", Boolean),
    key(
        "model",
        ValueKind::Choice {
            values: &[
                "4.1.48",
                "4.1.118",
                "4.2.13-pooled",
                "approx",
                "4.2.13-adaptive",
                "4.2.13-adaptive-event-loop",
                "4.2.13",
            ],
            ignore_case: false,
        },
    ),
    key("allocator_type", Text),
];

/// `[page_cache]`.
pub(crate) const PAGE_CACHE: &[Key] = &[key("size", Size)];

/// `[database]`.
pub(crate) const DATABASE: &[Key] = &[
    key("format", choice(&["aligned", "standard"])),
    key("checkpoint", choice(&["periodic", "volume", "continuous"])),
    key("checkpoint_interval_time", Duration),
    key("checkpoint_interval_tx", Integer),
    key("checkpoint_interval_volume", Size),
    key("checkpoint_iops_limit", Integer),
    key("tx_log_rotation_size", Size),
    key("tx_log_retention", Text),
    key("transaction_max", Size),
    key("transaction_total_max", Size),
    key("warmup_profile_interval", Duration),
    key("fulltext_index", Size),
    key("fulltext_hot", Number),
    key("fulltext_per_node", Size),
];

/// The database operations of `[phase.db]`'s `op`.
pub(crate) const DB_OPS: &[&str] = &[
    "create_nodes",
    "create_relationships",
    "read",
    "update",
    "delete_nodes",
    "detach_delete_all",
    "checkpoint",
    "copy",
    "restart",
    "sysinfo",
];

/// `[phase.db]` (which keys besides `op` an operation takes is the reader's `op_keys`).
pub(crate) const DB_OP: &[Key] = &[
    required("op", choice(DB_OPS)),
    key("count", Integer),
    key("labels", Integer),
    key("properties", Integer),
    key("type", Integer),
    key("reads", Integer),
    key("working_set", Integer),
    key("detach", Boolean),
    key("transactions", Integer),
    key("warmup", choice(&["profile", "cold", "preload"])),
];

/// `[phase.requests]`.
pub(crate) const REQUESTS: &[Key] = &[
    required("rate", Rate),
    key("buffer", SizeDistribution),
    key("hold", DurationDistribution),
    key("heap", SizeDistribution),
    key("direct", choice(&["netty", "jdk"])),
    // `page_reads.rs`'s.
    key("page_reads", Integer),
    key("working_set", Size),
    key("zipf", Number),
    key("hot_set", Number),
    key("hot_reads", Number),
    key("page_writes", Number),
];

/// `[[phase]]`.
pub(crate) const PHASE: &[Key] = &[
    required("name", Text),
    key("start", Duration),
    required("duration", Duration),
    key("threads", Integer),
    key("stack_touched", Size),
    key("heap_live", Size),
    key("heap_released", Size),
    key("system_gc", Boolean),
    key("heap_churn", ByteRate),
    key("classes", Integer),
    key("methods_per_class", Integer),
    key("class_profile", choice(&["application", "thin"])),
    key("class_file_bytes", Size),
    key("compiled_methods", Integer),
    key("page_cache_touch", Size),
    key("class_loaders", Integer),
    key("hidden_classes", Integer),
    key("direct_memory", Size),
    key("unsafe_memory", Size),
    key("mapped_files", Size),
    key("mapped_files_hot", Size),
    key("mapped_files_written", Boolean),
    key("written_files", Size),
    key("fulltext_read", Number),
    key("malloc_per_thread", Size),
    key("virtual_threads", Integer),
    key("virtual_thread_stack", Size),
    key("requests", Table(REQUESTS)),
    key("db", Table(DB_OP)),
];

/// The file's top level.
pub(crate) const TOP: &[Key] = &[
    required("scenario", Table(SCENARIO)),
    required("machine", Table(MACHINE)),
    key("jvm", Table(JVM)),
    key("netty", Table(NETTY)),
    key("page_cache", Table(PAGE_CACHE)),
    key("database", Table(DATABASE)),
    key("phase", Tables(PHASE)),
];

/// The top level of a scenario file: every table, and through [`ValueKind::Table`] every key.
pub fn top_level_keys() -> &'static [Key] {
    TOP
}

/// Every key the parser accepts, as `(table, key)` (`heap` for `jvm.heap`'s keys, `requests` and
/// `db` for a phase's), so that documentation and tooling can be checked against the parser itself.
pub fn known_keys() -> Vec<(&'static str, &'static str)> {
    fn walk(keys: &'static [Key], out: &mut Vec<(&'static str, &'static str)>) {
        for k in keys {
            if let Table(sub) | Tables(sub) = k.kind {
                for s in sub {
                    out.push((k.name, s.name));
                }
            }
        }
        for k in keys {
            if let Table(sub) | Tables(sub) = k.kind {
                walk(sub, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(TOP, &mut out);
    out
}

/// The names of `keys`, for messages.
pub(crate) fn names(keys: &[Key]) -> Vec<&'static str> {
    keys.iter().map(|k| k.name).collect()
}
