//! Unit tests of the replay driver and its options.

use super::*;

#[test]
fn default_arenas_follow_netty_formula() {
    let o = ReplayOptions::default();
    assert_eq!(
        o.resolve().unwrap().0.n_arenas,
        4,
        "min(2·2, 1 GiB / 16 MiB / 6 = 10)"
    );
    let o = ReplayOptions {
        max_direct_memory: Some(48 << 20),
        ..ReplayOptions::default()
    };
    assert_eq!(o.resolve().unwrap().0.n_arenas, 0);
    let o = ReplayOptions {
        page_size: Some(3000),
        ..ReplayOptions::default()
    };
    assert!(o.resolve().is_err());
}

/// The report as the replay built it before it streamed: every element collected in one
/// pass, then the whole value pretty-printed.
fn reference(trace: &str, o: &ReplayOptions) -> String {
    let (settings, cap) = o.resolve_settings().unwrap();
    let (mut errors, mut placements, mut snapshots) = (Vec::new(), Vec::new(), Vec::new());
    let mut end = Value::Null;
    replay_pass(trace, &settings, cap, o.jvm_max_direct_memory, &mut |out| {
        match out {
            Out::Error(line, message) => {
                errors.push(json!({"line": line, "message": message}));
            }
            Out::Placement(line, id, p) => placements.push(placement_json(line, id, p)),
            Out::Snapshot(label, pool) => snapshots.push(pool.snapshot(label)),
            Out::End(pool) => end = pool.snapshot(FINAL_LABEL),
        }
        Ok(())
    })
    .unwrap();
    let v =
        json!({"errors": errors, "final": end, "placements": placements, "snapshots": snapshots});
    let mut text = serde_json::to_string_pretty(&v).unwrap();
    text.push('\n');
    text
}

/// The streamed report is byte for byte the pretty-printed whole, with empty and full
/// sections, failures, huge buffers and thread exits.
#[test]
fn streamed_report_is_byte_identical_to_the_whole() {
    use crate::trace::{GenParams, generate};
    let small_cap = ReplayOptions {
        arenas: Some(1),
        max_direct_memory: Some(20 << 20),
        ..ReplayOptions::default()
    };
    let no_arenas = ReplayOptions {
        arenas: Some(0),
        ..ReplayOptions::default()
    };
    let mut traces = vec![
        String::new(),
        "# nothing\n".to_string(),
        "metrics only\n".to_string(),
        "alloc a 1\n".to_string(),
        "alloc a 16777216\nalloc b 16777216\nfree b\nmetrics\n".to_string(),
    ];
    for seed in 0..4 {
        let p = GenParams {
            n_ops: 300,
            huge_percent: 5,
            metrics_every: 100,
            ..GenParams::default()
        };
        traces.push(generate(seed, &p));
    }
    for trace in &traces {
        for o in [&ReplayOptions::default(), &small_cap, &no_arenas] {
            let mut out = Vec::new();
            replay_to(trace, o, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                reference(trace, o),
                "{trace:?} {o:?}"
            );
        }
    }
}

/// Nothing is written for a bad trace or bad options; a failing writer is an error.
#[test]
fn errors_come_before_any_output() {
    let mut out = Vec::new();
    let e = replay_to(
        "alloc a 1\nalloc b x\n",
        &ReplayOptions::default(),
        &mut out,
    );
    assert!(
        matches!(e, Err(ReplayError::Trace { line: 2, .. })),
        "{e:?}"
    );
    assert!(out.is_empty());
    let o = ReplayOptions {
        arenas: Some(u32::MAX),
        ..ReplayOptions::default()
    };
    assert!(matches!(
        replay_to("alloc a 1\n", &o, &mut out),
        Err(ReplayError::Option(_))
    ));
    assert!(out.is_empty());

    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "disk full",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let e = replay_to("alloc a 1\n", &ReplayOptions::default(), &mut Full);
    assert!(
        matches!(
            &e,
            Err(ReplayError::Write {
                kind: std::io::ErrorKind::StorageFull,
                ..
            })
        ),
        "{e:?}"
    );
}

fn option_error(o: ReplayOptions) -> String {
    match o.resolve() {
        Err(ReplayError::Option(m)) => m,
        other => panic!("expected an option error, got {other:?}"),
    }
}

/// Netty's own bounds, with checked arithmetic: a page size that `<< max_order` would shift
/// to 0 is too large, not 0; arenas, processors and cache sizes are bounded too.
#[test]
fn options_out_of_range_are_errors() {
    let d = ReplayOptions::default;
    let m = option_error(ReplayOptions {
        page_size: Some(1 << 63),
        max_order: Some(1),
        ..d()
    });
    assert_eq!(
        m,
        "pageSize (9223372036854775808) << maxOrder (1) must not exceed 1073741824"
    );
    let m = option_error(ReplayOptions {
        page_size: Some(1 << 40),
        max_order: Some(0),
        ..d()
    });
    assert!(m.contains("must not exceed 1073741824"), "{m}");
    let m = option_error(ReplayOptions {
        page_size: Some(1 << 17),
        max_order: Some(14),
        ..d()
    });
    assert!(m.contains("must not exceed"), "{m}");
    let (cfg, _) = ReplayOptions {
        page_size: Some(1 << 16),
        max_order: Some(14),
        ..d()
    }
    .resolve()
    .unwrap();
    assert_eq!(cfg.chunk_size(), 1 << 30, "exactly 1 GiB is allowed");
    assert_eq!(
        option_error(ReplayOptions {
            max_order: Some(u32::MAX),
            ..d()
        }),
        "maxOrder: 4294967295 (expected: 0-14)"
    );
    assert_eq!(
        option_error(ReplayOptions {
            arenas: Some(u32::MAX),
            ..d()
        }),
        "numDirectArenas: 4294967295 (expected: 0-1024, as scenarios allow)"
    );
    assert_eq!(
        ReplayOptions {
            arenas: Some(1024),
            ..d()
        }
        .resolve()
        .unwrap()
        .0
        .n_arenas,
        1024
    );
    for cores in [0, 1025, u32::MAX] {
        let m = option_error(ReplayOptions { cores, ..d() });
        assert!(m.starts_with("availableProcessors"), "{m}");
    }
    let m = option_error(ReplayOptions {
        small_cache_size: Some(u32::MAX),
        ..d()
    });
    assert!(m.starts_with("smallCacheSize: 4294967295"), "{m}");
    // The largest processor count and direct memory do not overflow the default arena count.
    let o = ReplayOptions {
        cores: 1024,
        jvm_max_direct_memory: u64::MAX,
        ..d()
    };
    assert_eq!(o.resolve().unwrap().0.n_arenas, 2048);
}

#[test]
fn replays_a_small_trace() {
    let trace = "alloc a 100 thread t0\nalloc b 20000000 thread t1\nfree a thread t1\nmetrics one\nexit t0\nalloc c 0\nmetrics two\n";
    let v = replay_json(
        trace,
        &ReplayOptions {
            arenas: Some(2),
            ..ReplayOptions::default()
        },
    )
    .unwrap();
    assert_eq!(v["placements"][0]["normSize"], 112);
    assert_eq!(v["placements"][1]["arena"], 1);
    assert_eq!(v["placements"][1]["huge"], true);
    assert_eq!(v["placements"][2]["chunk"], Value::Null);
    assert_eq!(
        v["snapshots"][0]["usedDirectMemory"],
        (16 << 20) + 20_000_000
    );
    assert_eq!(v["snapshots"][1]["directArenas"][0]["numThreadCaches"], 0);
    assert_eq!(
        v["snapshots"][1]["directArenas"][0]["numTinyDeallocations"], 1,
        "t0's exit returned the cached buffer"
    );
}

#[test]
fn failures_are_reported_with_netty_text_and_their_frees_skipped() {
    let trace = "alloc a 16777216\nalloc b 16777216\nfree b\nmetrics\n";
    let o = ReplayOptions {
        arenas: Some(1),
        max_direct_memory: Some(16 << 20),
        ..ReplayOptions::default()
    };
    let v = replay_json(trace, &o).unwrap();
    assert_eq!(v["errors"][0]["line"], 2);
    assert_eq!(
        v["errors"][0]["message"],
        "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 16777216 byte(s) of direct memory (used: 16777216, max: 16777216)"
    );
    assert_eq!(v["placements"].as_array().unwrap().len(), 1);
}
