//! Thread-count ergonomics reach the reports and the accounts: CPU count, container quota, flags.

use crate::{run_checked, scenario};
use memsim_core::{Account, RunSummary};

fn param<'a>(r: &'a RunSummary, name: &str) -> &'a str {
    &r.parameters.iter().find(|(n, _)| n == name).unwrap().1
}

fn idle(machine: &str, jvm: &str) -> RunSummary {
    run_checked(&scenario(&format!(
        r#"
[scenario]
duration = "2s"
[machine]
ram = "64g"
{machine}
[jvm]
gc = "g1"
heap = {{ initial = "1g", max = "1g" }}
{jvm}
[[phase]]
name = "idle"
duration = "1s"
threads = 10
"#
    )))
}

#[test]
fn cpu_count_sets_the_pools_and_the_gc_structures() {
    let two = idle("cores = 2", "");
    let many = idle("cores = 2", "active_processor_count = 32");
    assert_eq!(param(&two, "ParallelGCThreads"), "2");
    assert_eq!(param(&many, "ActiveProcessorCount"), "32");
    assert_eq!(param(&many, "ParallelGCThreads"), "23");
    assert_eq!(param(&many, "ConcGCThreads"), "6");
    assert_eq!(param(&many, "G1ConcRefinementThreads"), "23");
    assert_eq!(param(&many, "CICompilerCount"), "15 (5 C1 + 10 C2)");
    // glibc still sees the machine's 2 CPUs.
    assert_eq!(param(&many, "malloc_arena_max"), "16");
    // 21 more workers' task queues, malloc'd at startup (measured 2066 KiB each for G1).
    let gc = |r: &RunSummary| r.at_peak.get(Account::Gc).committed;
    assert_eq!(gc(&many) - gc(&two), 21 * 2066 * 1024);
    // Idle: the same threads (workers start only at collections).
    assert_eq!(
        two.at_peak.get(Account::Thread).committed,
        many.at_peak.get(Account::Thread).committed
    );
}

#[test]
fn container_quota_is_the_jvms_cpu_count_not_glibcs() {
    let r = idle("cores = 64\ncpu_limit = 2", "");
    assert_eq!(param(&r, "ActiveProcessorCount"), "2");
    assert_eq!(param(&r, "ParallelGCThreads"), "2");
    assert_eq!(param(&r, "malloc_arena_max"), "512");
    // The flag wins over the quota; the quota never exceeds the machine.
    let r = idle("cores = 64\ncpu_limit = 2", "active_processor_count = 8");
    assert_eq!(param(&r, "ParallelGCThreads"), "8");
    let r = idle("cores = 4\ncpu_limit = 16", "");
    assert_eq!(param(&r, "ActiveProcessorCount"), "4");
    // MALLOC_ARENA_MAX caps the arenas: 64 MiB of address space each beyond the first.
    let capped = idle("cores = 64", "malloc_arena_max = 2");
    let free = idle("cores = 64", "");
    let reserved = |r: &RunSummary| r.at_peak.get(Account::NativeUntracked).reserved;
    // 10 application + 19 JVM + 1 launcher threads: 30 arenas free, 2 capped.
    assert_eq!(reserved(&free) - reserved(&capped), 28 * (64 << 20));
}

#[test]
fn explicit_flags_win() {
    let r = idle(
        "cores = 32",
        "parallel_gc_threads = 4\nconc_gc_threads = 2\nci_compiler_count = 3",
    );
    assert_eq!(param(&r, "ParallelGCThreads"), "4");
    assert_eq!(param(&r, "ConcGCThreads"), "2");
    assert_eq!(param(&r, "CICompilerCount"), "3 (1 C1 + 2 C2)");
}
