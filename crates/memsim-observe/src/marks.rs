//! `--mark REGEX`: the command's output passed through byte for byte, and a tee of it read line by
//! line; lines matching a pattern become [`memsim_core::EventKind::Mark`] events at the instant
//! they were read.

use std::io::{Read, Write};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Instant;

use regex::RegexSet;

/// A matching line and when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkLine {
    /// When memsim read it.
    pub at: Instant,
    /// The line, without its end of line, lossily decoded as UTF-8.
    pub line: String,
}

/// Longest line kept for matching; longer lines are matched on their first this many bytes (the
/// output itself is passed through whole).
const LINE_BYTES_MAX: usize = 64 * 1024;

/// Copies `from` into `to` as it arrives (flushing each read, so the command's output is not held
/// back) and sends every line matching `patterns` to `marks`. Ends at end of file.
pub fn tee<R, W>(
    mut from: R,
    mut to: W,
    patterns: RegexSet,
    marks: Sender<MarkLine>,
) -> JoinHandle<()>
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        let mut line: Vec<u8> = Vec::new();
        let check = |line: &mut Vec<u8>| {
            let text = String::from_utf8_lossy(line);
            let text = text.trim_end_matches(['\n', '\r']);
            if patterns.is_match(text) {
                let _ = marks.send(MarkLine {
                    at: Instant::now(),
                    line: text.to_string(),
                });
            }
            line.clear();
        };
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            // The reader of memsim's own output may be gone; the command's output is then dropped
            // like a closed pipe drops it, and marks are still read.
            let _ = to.write_all(&buf[..n]).and_then(|()| to.flush());
            for &b in &buf[..n] {
                if b == b'\n' {
                    check(&mut line);
                } else if line.len() < LINE_BYTES_MAX {
                    line.push(b);
                }
            }
        }
        if !line.is_empty() {
            check(&mut line);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_bytes_through_and_marks_matching_lines() {
        let input: &[u8] = b"start\nphase: load\r\nnoise\xff\nphase: done";
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let set = RegexSet::new(["^phase: "]).unwrap();
        tee(input, Shared(out.clone()), set, tx).join().unwrap();
        assert_eq!(out.lock().unwrap().as_slice(), input);
        let lines: Vec<String> = rx.iter().map(|m| m.line).collect();
        assert_eq!(lines, ["phase: load", "phase: done"]);
    }
}
