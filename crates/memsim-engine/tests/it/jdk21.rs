//! `jvm.version = 21` end to end: the same scenario on 17 and 21 differs exactly where JDK 21's
//! memory does (`memsim_jvm::jdk21`), the run names its JDK, and JDK 17 runs are unchanged.

use crate::{run_checked, scenario};
use memsim_core::{Account, JdkVersion};

const MIB: u64 = 1 << 20;

fn text(gc: &str, version: Option<u32>) -> String {
    let v = version.map_or(String::new(), |v| format!("version = {v}\n"));
    format!(
        "[scenario]\nname = \"jdk\"\nduration = \"2s\"\nsample_every = \"100ms\"\n\
         [machine]\nram = \"8g\"\ncores = 2\n\
         [jvm]\n{v}gc = \"{gc}\"\nheap = {{ initial = \"1g\", max = \"1g\" }}\n\
         [[phase]]\nname = \"idle\"\nstart = \"0s\"\nduration = \"2s\"\nthreads = 20\n"
    )
}

#[test]
fn jdk21_changes_what_the_measurements_show_and_17_is_the_default() {
    let s17 = run_checked(&scenario(&text("g1", None)));
    let explicit17 = run_checked(&scenario(&text("g1", Some(17))));
    let s21 = run_checked(&scenario(&text("g1", Some(21))));
    assert_eq!(s17.jdk, JdkVersion::Jdk17);
    assert_eq!(s21.jdk, JdkVersion::Jdk21);
    // `version = 17` is the default, to the parameter list.
    assert_eq!(s17.parameters, explicit17.parameters);
    assert!(!s17.parameters.iter().any(|(k, _)| k == "jdk"));
    assert!(
        s21.parameters
            .contains(&("jdk".to_string(), "21".to_string()))
    );
    let gc = |s: &memsim_core::RunSummary| s.at_peak.get(Account::Gc).committed;
    // G1 at 1 GiB: one mark bitmap and no card counts, 1/64 + 1/512 of the heap (18 MiB) less.
    assert_eq!(gc(&s17) - gc(&s21), 18 * MIB);
    let internal = |s: &memsim_core::RunSummary| s.at_peak.get(Account::Internal).committed;
    // One thread fewer (no sweeper) and 1028 KiB more Internal.
    assert!(internal(&s21) > internal(&s17) + 1000 * 1024);
    let threads = |s: &memsim_core::RunSummary| {
        s.counters
            .iter()
            .find(|(k, _)| k == "threads_alive")
            .unwrap()
            .1
    };
    assert_eq!(threads(&s17) - threads(&s21), 1);

    // Parallel: one compaction and promotion manager set (3204 KiB) fewer.
    let p17 = run_checked(&scenario(&text("parallel", None)));
    let p21 = run_checked(&scenario(&text("parallel", Some(21))));
    assert_eq!(gc(&p17) - gc(&p21), 3204 * 1024);

    // The NMT report follows the release's layout.
    let nmt = |s: &memsim_core::RunSummary| {
        let mut out = Vec::new();
        memsim_report::render_nmt_summary(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(nmt(&s21).contains(", readonly=0KB)"));
    assert!(!nmt(&s17).contains("readonly"));
}

/// Parked virtual threads hold their objects and frames as live heap while the phase lasts, start
/// carriers up to the processor count, and leave garbage when it ends.
#[test]
fn virtual_threads_hold_heap_while_parked() {
    let text = "[scenario]\nname = \"vt\"\nduration = \"3s\"\nsample_every = \"100ms\"\n\
         [machine]\nram = \"8g\"\ncores = 2\n\
         [jvm]\nversion = 21\ngc = \"g1\"\nheap = { initial = \"1g\", max = \"1g\" }\n\
         [[phase]]\nname = \"parked\"\nstart = \"0s\"\nduration = \"1s\"\n\
         virtual_threads = 10000\nvirtual_thread_stack = \"20800\"\n";
    let with = run_checked(&scenario(text));
    let without = run_checked(&scenario(&text.replace(
        "virtual_threads = 10000\nvirtual_thread_stack = \"20800\"\n",
        "",
    )));
    let live_at = |s: &memsim_core::RunSummary, ms: u64| -> u64 {
        let t = memsim_core::SimTime::ZERO.after(memsim_core::SimDuration::from_millis(ms));
        let sample = s.samples.iter().rev().find(|x| x.at <= t).unwrap();
        sample.accounts[Account::JavaHeap.index()].resident
    };
    // While parked: 10,000 × (1734 + 1.035 × 20,800) bytes of live heap (the JDK: 224 MiB for 100 frames).
    let held = 10_000 * memsim_jvm::virtual_threads::heap_bytes(20_800);
    assert!(
        live_at(&with, 900) >= live_at(&without, 900) + held,
        "resident heap"
    );
    let count = |s: &memsim_core::RunSummary, name: &str| {
        s.counters.iter().find(|(k, _)| k == name).unwrap().1
    };
    // Two carriers at 2 CPUs, kept after the phase (beside the GC workers the collections started).
    let app = |s: &memsim_core::RunSummary| {
        count(s, "threads_alive") - count(s, "jvm_gc_workers_started")
    };
    assert_eq!(app(&with), app(&without) + 2);
}
