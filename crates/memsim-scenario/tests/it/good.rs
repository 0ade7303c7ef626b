//! A full, valid scenario parses to the expected struct; a minimal one gets every default.

use memsim_core::{Dist, SimDuration, SimTime};
use memsim_scenario::{
    ClassProfile, Collector, DirectPath, JvmSettings, NettySettings, PageCacheSettings, Requests,
};

use crate::{BASE, ok};

const K: u64 = 1024;
const M: u64 = 1024 * K;
const G: u64 = 1024 * M;
const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

pub(crate) const FULL: &str = r#"# A Neo4j server with 12 GiB of RAM.
[scenario]
name = "neo4j-12g-oom"
description = "Bolt clients connect"
seed = 7
duration = "20m"
sample_every = "500ms"
max_events = 1_000_000

[machine]
ram = "12g"
container_limit = "12g"
cores = 8
os_reserved = "512m"
max_threads = 4096
address_space = "64g"
cpu_limit = 4

[jvm]
heap = { initial = "4g", max = "4g" }
gc = "G1"
thread_stack = "1m"
max_direct_memory = "6g"
max_metaspace = "512m"
reserved_code_cache = "240m"
compressed_class_space = 1073741824
always_pre_touch = true
active_processor_count = 16
parallel_gc_threads = 6
conc_gc_threads = 2
ci_compiler_count = 4
malloc_arena_max = 2

[netty]
max_direct_memory = 0
page_size = "8k"
max_order = 11
direct_arenas = 16

[page_cache]
size = "6g"

[[phase]]
name = "startup"
duration = "2m"
threads = 50
classes = 20_000
class_profile = "thin"
methods_per_class = 10
compiled_methods = 5000
heap_live = "1g"

[[phase]]
name = "bolt clients connect"
duration = "10m"
threads = 400
stack_touched = "256k"
malloc_per_thread = "262k"
heap_churn = "200m/s"
page_cache_touch = "4g"
requests = { rate = "3000/s", buffer = "lognormal(median=16k, sigma=1.5)", hold = "exp(40ms)", heap = "uniform(1k, 64k)" }

[[phase]]
name = "batch import"
start = "5m"
duration = "14m"
threads = 8

[phase.requests]
rate = "90/m"
buffer = 65536
hold = "2s"
direct = "jdk"

[[phase]]
name = "after import"
duration = "0.5s"
"#;

#[test]
fn full_scenario_parses_to_the_expected_struct() {
    let s = ok(FULL);
    assert_eq!(s.name, "neo4j-12g-oom");
    assert_eq!(s.description, "Bolt clients connect");
    assert_eq!(s.seed, 7);
    assert_eq!(s.duration, SimDuration::from_secs(1200));
    assert_eq!(s.sample_every, SimDuration::from_millis(500));
    assert_eq!(s.max_events, 1_000_000);

    assert_eq!(s.machine.ram, 12 * G);
    assert_eq!(s.machine.container_limit, Some(12 * G));
    assert_eq!(s.machine.cores, 8);
    assert_eq!(s.machine.os_reserved, 512 * M);
    assert_eq!(s.machine.max_threads, Some(4096));
    assert_eq!(s.machine.address_space, Some(64 * G));
    assert_eq!(s.machine.cpu_limit, Some(4));

    assert_eq!(
        s.jvm,
        JvmSettings {
            heap_initial: Some(4 * G),
            heap_max: Some(4 * G),
            thread_stack: Some(M),
            gc: Some(Collector::G1),
            max_direct_memory: Some(6 * G),
            max_metaspace: Some(512 * M),
            reserved_code_cache: Some(240 * M),
            compressed_class_space: Some(G),
            always_pre_touch: true,
            active_processor_count: Some(16),
            parallel_gc_threads: Some(6),
            conc_gc_threads: Some(2),
            ci_compiler_count: Some(4),
            malloc_arena_max: Some(2),
            ..JvmSettings::default()
        }
    );
    assert_eq!(
        s.netty,
        NettySettings {
            max_direct_memory: 0,
            page_size: 8 * K,
            max_order: 11,
            direct_arenas: Some(16),
            use_cache_for_all_threads: true,
            model: memsim_scenario::NettyModel::Netty41,
        }
    );
    assert_eq!(s.page_cache, Some(PageCacheSettings { size: Some(6 * G) }));

    assert_eq!(s.phases.len(), 4);
    let [p0, p1, p2, p3] = &s.phases[..] else {
        unreachable!()
    };
    // Start chaining: each phase starts where the previous one ends unless `start` is given.
    assert_eq!((p0.name.as_str(), p0.start), ("startup", SimTime::ZERO));
    assert_eq!(p0.end(), SimTime(120 * S));
    assert_eq!(p1.start, SimTime(120 * S));
    assert_eq!(p1.end(), SimTime(720 * S));
    assert_eq!(p2.start, SimTime(300 * S));
    assert_eq!(p2.end(), SimTime(1140 * S));
    assert_eq!(
        p3.start,
        SimTime(1140 * S),
        "chains from the phase before it in file order"
    );
    assert_eq!(p3.duration, SimDuration::from_millis(500));

    assert_eq!(p0.threads, 50);
    assert_eq!(p0.classes, 20_000);
    assert_eq!(p0.methods_per_class, 10);
    assert_eq!(p0.compiled_methods, 5000);
    assert_eq!(p0.heap_live, G);
    assert_eq!(p0.stack_touched, 88 * K, "default");
    assert_eq!(p0.heap_churn_per_sec, 0, "default");
    assert_eq!(p0.requests, None);

    assert_eq!(p1.stack_touched, 256 * K);
    assert_eq!(p1.malloc_per_thread, 262 * K);
    assert_eq!(p0.malloc_per_thread, 0, "default");
    assert_eq!(p1.heap_churn_per_sec, 200 * M);
    assert_eq!(p1.page_cache_touch, 4 * G);
    assert_eq!(p1.methods_per_class, 8, "default");
    assert_eq!(p0.class_profile, ClassProfile::Thin);
    assert_eq!(p1.class_profile, ClassProfile::Application, "default");
    assert_eq!(p1.class_file_bytes, 3921, "default");
    assert_eq!(
        p1.requests,
        Some(Requests {
            rate_per_sec: 3000.0,
            buffer: Dist::LogNormal {
                median: 16 * K,
                sigma: 1.5
            },
            hold: Dist::Exponential { mean: 40 * MS },
            heap: Dist::Uniform { lo: K, hi: 64 * K },
            direct: DirectPath::Netty,
            page_reads: None,
        })
    );

    let r2 = p2.requests.as_ref().unwrap();
    assert_eq!(r2.rate_per_sec, 1.5);
    assert_eq!(r2.buffer, Dist::Constant(64 * K));
    assert_eq!(r2.hold, Dist::Constant(2 * S));
    assert_eq!(r2.heap, Dist::Constant(0), "default");
    assert_eq!(r2.direct, DirectPath::Jdk);
}

#[test]
fn minimal_scenario_gets_every_default() {
    let s = ok(BASE);
    assert_eq!(s.name, "test", "the file's stem");
    assert_eq!(s.description, "");
    assert_eq!(s.seed, 1);
    assert_eq!(s.duration, SimDuration::from_secs(1200));
    assert_eq!(s.sample_every, SimDuration::from_secs(1));
    assert_eq!(s.max_events, 50_000_000);
    assert_eq!(s.machine.ram, 16 * G);
    assert_eq!(s.machine.container_limit, None);
    assert_eq!(s.machine.cores, 4);
    assert_eq!(s.machine.os_reserved, 0);
    assert_eq!(s.machine.max_threads, None);
    assert_eq!(s.machine.address_space, None);
    assert_eq!(s.machine.cpu_limit, None);
    assert_eq!(s.jvm, JvmSettings::default());
    assert_eq!(s.netty, NettySettings::default());
    assert_eq!(s.netty.max_direct_memory, -1);
    assert_eq!(s.page_cache, None);
    assert!(s.phases.is_empty());
}

#[test]
fn normal_sub_tables_and_dotted_keys_work_like_inline_tables() {
    let s = ok(&format!(
        "{BASE}[jvm.heap]\ninitial = \"1g\"\nmax = \"2g\"\n\n[page_cache]\n\n[[phase]]\nname = \"a\"\nduration = \"1m\"\nthreads = 1\nrequests.rate = \"10/s\"\n"
    ));
    assert_eq!(s.jvm.heap_initial, Some(G));
    assert_eq!(s.jvm.heap_max, Some(2 * G));
    assert_eq!(s.page_cache, Some(PageCacheSettings { size: None }));
    assert_eq!(s.phases[0].requests.as_ref().unwrap().rate_per_sec, 10.0);
}

#[test]
fn inline_array_of_phase_tables_is_accepted() {
    let s = ok(&format!(
        "phase = [{{ name = \"a\", duration = \"1m\" }}, {{ name = \"b\", duration = \"2m\" }}]\n{BASE}"
    ));
    assert_eq!(s.phases.len(), 2);
    assert_eq!(s.phases[1].start, SimTime(60 * S));
}

#[test]
fn netty_max_direct_memory_accepts_negative_integers_and_sizes() {
    for (text, want) in [
        ("-1", -1),
        ("-5", -5),
        ("0", 0),
        ("1048576", 1 << 20),
        ("\"6g\"", 6 << 30),
    ] {
        let s = ok(&format!("{BASE}[netty]\nmax_direct_memory = {text}\n"));
        assert_eq!(s.netty.max_direct_memory, want, "{text}");
    }
}

#[test]
fn collectors_and_direct_paths_are_case_insensitive() {
    for (gc, want) in [
        ("g1", Collector::G1),
        ("Parallel", Collector::Parallel),
        ("SERIAL", Collector::Serial),
    ] {
        let s = ok(&format!("{BASE}[jvm]\ngc = \"{gc}\"\n"));
        assert_eq!(s.jvm.gc, Some(want));
    }
    let s = ok(&format!(
        "{BASE}[[phase]]\nname = \"a\"\nduration = \"1m\"\nthreads = 1\nrequests = {{ rate = \"1/s\", direct = \"JDK\" }}\n"
    ));
    assert_eq!(
        s.phases[0].requests.as_ref().unwrap().direct,
        DirectPath::Jdk
    );
}

#[test]
fn default_stack_touched_is_capped_by_a_small_thread_stack() {
    let s = ok(&format!(
        "{BASE}[jvm]\nthread_stack = \"64k\"\n\n[[phase]]\nname = \"a\"\nduration = \"1m\"\nthreads = 10\n"
    ));
    assert_eq!(s.phases[0].stack_touched, 64 * K);
}

#[test]
fn limits_are_inclusive() {
    let s = ok(r#"
[scenario]
duration = "1000000s"
max_events = 1

[machine]
ram = 1
cores = 1024

[jvm]
thread_stack = "1g"
reserved_code_cache = "2g"

[netty]
page_size = 4096
max_order = 14
direct_arenas = 1024

[[phase]]
name = "a"
duration = "1000000s"
threads = 100000
classes = 10000000
class_profile = "thin"
methods_per_class = 65535
stack_touched = "1g"
requests = { rate = "10000000/s", buffer = "uniform(0, 0)", heap = "lognormal(median=0, sigma=10)" }
"#);
    assert_eq!(s.machine.cores, 1024);
    assert_eq!(s.netty.max_order, 14);
    assert_eq!(s.netty.page_size << s.netty.max_order, 64 * M);
    assert_eq!(s.phases[0].threads, 100_000);
    assert_eq!(s.phases[0].methods_per_class, 65_535);
    assert_eq!(s.phases[0].requests.as_ref().unwrap().rate_per_sec, 1e7);
}
