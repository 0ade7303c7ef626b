//! `memsim direct replay` across `--netty` values: the same refusals for every version, and
//! `--netty 4.2.13`'s choice of allocator by `--allocator-type` (`io.netty.allocator.type`).

mod common;
use common::{memsim, scratch_in, text};

/// Every `--netty` refuses the same bad input the same way, exit 2 and nothing on stdout: a trace
/// mistake is the trace file's (`FILE: trace line N: …`); an option mistake is the command line's
/// (`memsim: …`), not blamed on the trace; a flag the version does not have names the version.
#[test]
fn direct_replay_blames_options_on_the_command_line_for_every_version() {
    let dir = scratch_in("replay-versions", "blame");
    let trace = dir.join("good.trace");
    std::fs::write(
        &trace,
        "alloc a 10\nfree a\nfree nobody\nalloc b 0\nmetrics\n",
    )
    .unwrap();
    let bad = dir.join("bad.trace");
    std::fs::write(&bad, "alloc a 10\n\nalloc b 10 thread\n").unwrap();
    let (t, b) = (trace.to_str().unwrap(), bad.to_str().unwrap());
    for netty in ["4.1.48", "4.1.118", "4.2.13-pooled", "4.2.13-adaptive"] {
        let out = memsim(&["direct", "replay", "--netty", netty, t]);
        assert!(out.status.success(), "{netty}: {}", text(&out.stderr));
        let out = memsim(&["direct", "replay", "--netty", netty, b]);
        assert_eq!(out.status.code(), Some(2), "{netty}");
        assert!(
            text(&out.stderr).starts_with(&format!("{b}: trace line 3: ")),
            "{netty}: {}",
            text(&out.stderr)
        );
        for cores in ["0", "1025"] {
            let out = memsim(&["direct", "replay", "--netty", netty, "--cores", cores, t]);
            assert_eq!(out.status.code(), Some(2), "{netty}");
            assert_eq!(
                text(&out.stderr),
                format!("memsim: availableProcessors: {cores} (expected: 1-1024)\n"),
                "{netty}"
            );
            assert!(out.stdout.is_empty());
        }
    }
    let out = memsim(&[
        "direct",
        "replay",
        "--netty",
        "4.2.13-pooled",
        "--tiny-cache-size",
        "8",
        t,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "memsim: --tiny-cache-size: Netty 4.1.118 and 4.2.13 have no tiny caches (they went in 4.1.52)\n"
    );
}

/// `--netty 4.2.13` is the allocator Netty 4.2.13 picks: the adaptive one unless
/// `--allocator-type` says `pooled` (or anything unknown, as Netty falls back to pooled, with a
/// note); `unpooled` is refused as not modelled, and `--allocator-type` with another version too.
#[test]
fn netty_4_2_13_selects_its_default_allocator() {
    let dir = scratch_in("replay-versions", "select");
    let trace = dir.join("t.trace");
    std::fs::write(
        &trace,
        "alloc a 100\nalloc b 70000 thread w\nfree a\nmetrics m\n",
    )
    .unwrap();
    let t = trace.to_str().unwrap();
    let replay = |args: &[&str]| {
        let mut all = vec!["direct", "replay", t];
        all.extend_from_slice(args);
        memsim(&all)
    };
    let adaptive = replay(&["--netty", "4.2.13-adaptive"]);
    let pooled = replay(&["--netty", "4.2.13-pooled"]);
    assert!(adaptive.status.success() && pooled.status.success());
    assert_ne!(adaptive.stdout, pooled.stdout);
    for (args, expected) in [
        (&["--netty", "4.2.13"][..], &adaptive),
        (
            &["--netty", "4.2.13", "--allocator-type", "adaptive"][..],
            &adaptive,
        ),
        (&["--netty", "4.2.13", "--max-heap", "1g"][..], &adaptive),
        (
            &["--netty", "4.2.13", "--allocator-type", "pooled"][..],
            &pooled,
        ),
    ] {
        let out = replay(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
        assert_eq!(out.stdout, expected.stdout, "{args:?}");
    }
    let out = replay(&["--netty", "4.2.13", "--allocator-type", "Adaptive"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, pooled.stdout, "Netty compares the name exactly");
    assert!(
        text(&out.stderr).contains("Netty 4.2.13 uses its pooled allocator"),
        "{}",
        text(&out.stderr)
    );
    for (args, needle) in [
        (
            &["--netty", "4.2.13", "--allocator-type", "unpooled"][..],
            "UnpooledByteBufAllocator is not modelled",
        ),
        (
            &["--netty", "4.1.118", "--allocator-type", "pooled"][..],
            "--allocator-type applies to --netty 4.2.13 only",
        ),
        (
            &["--netty", "4.2.13", "--max-heap", "0"][..],
            "--max-heap 0: Runtime.maxMemory() is never 0",
        ),
        (
            &["--netty", "4.2.13", "--arenas", "2"][..],
            "--arenas is a PooledByteBufAllocator setting",
        ),
        (
            &[
                "--netty",
                "4.2.13",
                "--allocator-type",
                "pooled",
                "--max-heap",
                "1g",
            ][..],
            "--max-heap and --event-loop-threads only apply to the adaptive allocator",
        ),
    ] {
        let out = replay(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).starts_with("memsim: ") && text(&out.stderr).contains(needle),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
}
