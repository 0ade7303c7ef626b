//! `memsim direct replay` streams its report: its memory does not grow with the output. The
//! report used to be built whole in memory (2.5 GiB of RSS for 200 MB of JSON).
#![cfg(target_os = "linux")]

use std::io::Read;
use std::process::{Command, Stdio};

/// The process's peak resident set (`VmHWM`) in KiB, while it runs.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn replay_memory_stays_flat_while_it_writes() {
    use memsim_direct::trace::{GenParams, generate};
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay-memory");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("long.trace");
    let params = GenParams {
        n_ops: 200_000,
        metrics_every: 100,
        ..GenParams::default()
    };
    let text = generate(5, &params);
    std::fs::write(&trace, &text).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_memsim"))
        .args(["direct", "replay", trace.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    // Read the report as it comes; the child blocks on a full pipe between reads, so its peak
    // resident set is sampled while it is writing.
    let (mut total, mut peak) = (0usize, 0u64);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = stdout.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n;
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
    }
    assert!(child.wait().unwrap().success());
    let output_mib = total >> 20;
    assert!(
        output_mib >= 20,
        "the report is {output_mib} MiB: too small to tell"
    );
    // The trace text (a few MiB) and the pool are all the replay holds; the old in-memory report
    // took over ten times the output.
    assert!(peak > 0, "VmHWM was never read");
    assert!(
        peak < 48 << 10,
        "peak RSS {} MiB for a {output_mib} MiB report of a {} MiB trace",
        peak >> 10,
        text.len() >> 20
    );
}
