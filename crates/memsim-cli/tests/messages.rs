//! What reaches the terminal from bad input: one line per error, no escape sequences, real line
//! numbers for NMT text, signed NMT differences.

mod common;
use common::{memsim, text};

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    common::scratch_in("messages", name)
}

#[test]
fn scenario_errors_are_one_line_each_without_escape_sequences() {
    let dir = scratch("scenario");
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "[scenario]\nduration = \"20m\"\n\n[machine]\nram = \"16\\u001b[2J\\u001b]0;pwned\\u0007g\"\n\n[jvm.heap]\nmax = \"\"\"4g\nrm -rf\"\"\"\n",
    )
    .unwrap();
    for cmd in ["check", "run"] {
        let out = memsim(&[cmd, file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(
            !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
            "{stderr:?}"
        );
        // Raw control characters are TOML syntax errors; escaped ones reach the values.
        assert_eq!(stderr.lines().count(), 2, "{stderr}");
        assert!(stderr.contains("\\u{1b}[2J"), "{stderr}");
        assert!(stderr.contains("g\\nrm -rf"), "{stderr}");
    }
}

#[test]
fn a_file_name_with_a_newline_stays_on_one_line() {
    let dir = scratch("name");
    let file = dir.join("two\nlines.toml");
    std::fs::write(&file, "[jvm]\nhep = 1\n").unwrap();
    let out = memsim(&["check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("two\\nlines.toml:"), "{stderr}");
    for line in stderr.lines() {
        assert!(line.contains("two\\nlines.toml:"), "{stderr}");
    }
}

#[test]
fn nmt_errors_name_real_lines() {
    let dir = scratch("nmt-lines");
    let none = dir.join("none.txt");
    std::fs::write(&none, "Native Memory Tracking:\n\nnothing here\n").unwrap();
    let out = memsim(&["nmt", "parse", none.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("line 0"), "{stderr}");
    assert!(
        stderr.contains(": line 3: reached the end without a `Total:"),
        "{stderr}"
    );

    let bad = dir.join("bad.txt");
    std::fs::write(
        &bad,
        "Total: reserved=2KB, committed=2KB\n\n-  Java Heap (reserved=1KB, committed=1\u{1b}[2JKB)\n",
    )
    .unwrap();
    let out = memsim(&["nmt", "parse", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(": line 3: malformed category line `-  Java Heap"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn nmt_diff_of_a_shrink_is_negative() {
    let dir = scratch("nmt-shrink");
    let (a, b) = (dir.join("a.txt"), dir.join("b.txt"));
    std::fs::write(
        &a,
        "Total: reserved=10240KB, committed=8192KB\n-  Thread (reserved=4096KB, committed=4096KB)\n",
    )
    .unwrap();
    std::fs::write(
        &b,
        "Total: reserved=6144KB, committed=2048KB\n-  Thread (reserved=1024KB, committed=0KB)\n",
    )
    .unwrap();
    let out = memsim(&["nmt", "diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Total: reserved=6144KB -4096KB, committed=2048KB -6144KB\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Thread (reserved=1024KB -3072KB, committed=0KB -4096KB)\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("18446744"),
        "no wrap around 2^64: {stdout}"
    );
}

#[test]
fn trace_errors_quote_and_cut_the_token() {
    let dir = scratch("trace");
    let file = dir.join("bad.trace");
    let verb = format!("\u{1b}[2J{}", "v".repeat(1 << 20));
    std::fs::write(&file, format!("alloc a 16\n{verb} x\n")).unwrap();
    let out = memsim(&["direct", "replay", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.len() < 500, "{} bytes", stderr.len());
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(
        stderr.contains("line 2: unknown verb '\\u{1b}[2Jvvv")
            && stderr.contains("… (1048580 bytes)'"),
        "{stderr}"
    );
}
