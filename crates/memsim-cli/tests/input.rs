//! Every input file is read with a size limit and as UTF-8 text: endless, huge, binary or
//! malformed input is a clear error with exit 2, never unbounded memory.

mod common;
use common::{memsim, text};

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn scratch(name: &str) -> PathBuf {
    common::scratch_in("input", name)
}

/// Each command that reads `file` as its input.
fn every_reader(file: &str) -> Vec<Vec<String>> {
    let cmds: [&[&str]; 5] = [
        &["check", file],
        &["run", file],
        &["nmt", "parse", file],
        &["nmt", "diff", file, file],
        &["direct", "replay", file],
    ];
    cmds.iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect()
}

fn assert_bad_input(args: &[String], wants: &str) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = memsim(&args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    // One line per bad file (`nmt diff` reads two), each saying what is wrong.
    assert!(stderr.lines().count() >= 1, "{args:?}");
    for line in stderr.lines() {
        assert!(line.contains(wants), "{args:?}: {stderr}");
    }
    assert!(out.stdout.is_empty(), "{args:?}");
}

#[test]
fn dev_zero_is_refused_at_once_by_every_reader() {
    for args in every_reader("/dev/zero") {
        assert_bad_input(&args, "/dev/zero: a NUL byte at byte offset 0 (line 1)");
    }
}

#[test]
fn a_file_over_the_limit_is_refused_unread() {
    let dir = scratch("large");
    // Sparse: 64 MiB + 1 byte for scenarios and NMT, 1 GiB + 1 for traces; never written out.
    for (name, size) in [("big.toml", (64 << 20) + 1), ("big.trace", (1 << 30) + 1)] {
        let f = std::fs::File::create(dir.join(name)).unwrap();
        f.set_len(size).unwrap();
    }
    let big = dir.join("big.toml");
    let big = big.to_str().unwrap();
    for args in &every_reader(big)[..4] {
        assert_bad_input(args, "larger than 64 MiB, the limit for");
    }
    let trace = dir.join("big.trace");
    assert_bad_input(
        &every_reader(trace.to_str().unwrap())[4],
        "larger than 1024 MiB, the limit for an allocation trace",
    );
    // Just under the limit is read (and then judged on its content).
    let ok = dir.join("ok.toml");
    std::fs::write(&ok, "#".repeat(1000)).unwrap();
    let out = memsim(&["check", ok.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !text(&out.stderr).contains("limit"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_endless_pipe_is_cut_off_at_the_limit() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_memsim"))
        .args(["check", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let line = "# a comment line that goes on\n".repeat(1000);
        // 200 MiB at most; memsim stops reading after 64 MiB and the pipe breaks.
        for _ in 0..(200 << 20) / line.len() {
            if stdin.write_all(line.as_bytes()).is_err() {
                return true;
            }
        }
        false
    });
    let out = child.wait_with_output().unwrap();
    assert!(writer.join().unwrap(), "memsim read more than 200 MiB");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("larger than 64 MiB, the limit for a scenario file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn invalid_utf8_is_exit_2_with_its_byte_offset_and_line() {
    let dir = scratch("utf8");
    let cases: [(&str, &[u8], &[&str]); 3] = [
        (
            "bad.toml",
            b"[scenario]\nname = \"caf\xe9\"\n",
            &["check", "run"],
        ),
        (
            "bad.nmt",
            b"Total: reserved=1KB, committed=1KB\n-  J\xffava (reserved=1KB, committed=1KB)\n",
            &["nmt"],
        ),
        ("bad.trace", b"alloc 1 16\nalloc 2 \xc3(\n", &["direct"]),
    ];
    for (name, bytes, cmds) in cases {
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let at = bytes.iter().position(|&b| b >= 0x80).unwrap();
        let file = file.to_str().unwrap();
        for args in every_reader(file) {
            if !cmds.contains(&args[0].as_str()) {
                continue;
            }
            assert_bad_input(
                &args,
                &format!("{file}: invalid UTF-8 at byte offset {at} (line 2)"),
            );
        }
    }
}
