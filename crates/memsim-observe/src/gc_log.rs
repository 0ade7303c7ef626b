//! GC events from a JVM's unified GC log (`-Xlog:gc:file=…`, default decorations
//! `[uptime][level][tags]`), read as it grows.
//!
//! Lines read: `Using G1` (the collector) and `GC(n) Pause Young|Full … <ms>ms` (a stop-the-world
//! pause). G1's `Pause Remark` and `Pause Cleanup` (short pauses of concurrent marking) are not
//! counted, as the simulation does not model them either. The pause's time on the timeline is the
//! JVM's uptime, which starts when the JVM does, a few milliseconds after memsim started the
//! command (**approximation**).

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use memsim_core::{GcKind, SimDuration};

/// One pause read from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcPause {
    /// The JVM's uptime at the pause's log line.
    pub at: SimDuration,
    /// Young (G1's `Pause Young (Mixed)` as mixed) or full.
    pub kind: GcKind,
    /// The pause's duration.
    pub pause: SimDuration,
    /// The line without its decorations, for the event's message.
    pub message: String,
}

/// Reads a GC log as the JVM appends to it.
#[derive(Debug)]
pub struct GcLogReader {
    path: PathBuf,
    offset: u64,
    partial: String,
    /// The collector's flag, once the log named it (`-XX:+UseG1GC`).
    pub collector: Option<String>,
}

impl GcLogReader {
    /// A reader of `path` (which may not exist yet).
    pub fn new(path: PathBuf) -> GcLogReader {
        GcLogReader {
            path,
            offset: 0,
            partial: String::new(),
            collector: None,
        }
    }

    /// The pauses logged since the last call (complete lines only).
    pub fn poll(&mut self) -> Vec<GcPause> {
        let Ok(mut f) = std::fs::File::open(&self.path) else {
            return Vec::new();
        };
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return Vec::new();
        }
        let mut bytes = Vec::new();
        if f.read_to_end(&mut bytes).is_err() {
            return Vec::new();
        }
        self.offset += bytes.len() as u64;
        self.partial.push_str(&String::from_utf8_lossy(&bytes));
        let mut out = Vec::new();
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            if let Some(c) = collector(&line) {
                self.collector = Some(c.to_string());
            }
            out.extend(parse_pause(line.trim_end()));
        }
        out
    }
}

fn collector(line: &str) -> Option<&'static str> {
    let rest = line.split("] Using ").nth(1)?;
    Some(match rest.trim() {
        "G1" => "-XX:+UseG1GC",
        "Parallel" => "-XX:+UseParallelGC",
        "Serial" => "-XX:+UseSerialGC",
        "Shenandoah" => "-XX:+UseShenandoahGC",
        "The Z Garbage Collector" => "-XX:+UseZGC",
        _ => return None,
    })
}

/// One pause line: `[1.234s][info][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(256M) 3.456ms`.
pub(crate) fn parse_pause(line: &str) -> Option<GcPause> {
    let uptime = line.strip_prefix('[')?.split_once("s]")?.0;
    let at_ms = parse_ms(uptime, 1000.0)?;
    let body = line.rsplit("] ").next()?;
    let kind_text = body.split_once(") Pause ")?.1;
    let kind = if kind_text.starts_with("Young (Mixed)") {
        GcKind::Mixed
    } else if kind_text.starts_with("Young") {
        GcKind::Young
    } else if kind_text.starts_with("Full") {
        GcKind::Full
    } else {
        return None;
    };
    let pause_ms = parse_ms(body.rsplit(' ').next()?.strip_suffix("ms")?, 1.0)?;
    Some(GcPause {
        at: SimDuration((at_ms * 1e6).round() as u64),
        kind,
        pause: SimDuration((pause_ms * 1e6).round() as u64),
        message: body.to_string(),
    })
}

/// A decimal number of seconds or milliseconds (`scale` 1000 or 1), in milliseconds.
fn parse_ms(text: &str, scale: f64) -> Option<f64> {
    let v: f64 = text.trim().replace(',', ".").parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_young_mixed_full() {
        let p = parse_pause("[1.234s][info][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(256M) 3.456ms").unwrap();
        assert_eq!(p.kind, GcKind::Young);
        assert_eq!(p.at, SimDuration(1_234_000_000));
        assert_eq!(p.pause, SimDuration(3_456_000));
        assert_eq!(
            p.message,
            "GC(3) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(256M) 3.456ms"
        );
        let m = parse_pause("[9.000s][info][gc] GC(9) Pause Young (Mixed) (G1 Evacuation Pause) 24M->3M(256M) 1.000ms").unwrap();
        assert_eq!(m.kind, GcKind::Mixed);
        let f = parse_pause("[2.5s][info][gc] GC(4) Pause Full (System.gc()) 10M->2M(20M) 12.5ms")
            .unwrap();
        assert_eq!(f.kind, GcKind::Full);
        assert!(parse_pause("[2.5s][info][gc] GC(5) Pause Remark 10M->10M(20M) 1.0ms").is_none());
        assert!(parse_pause("[0.010s][info][gc] Using G1").is_none());
        assert_eq!(
            collector("[0.010s][info][gc] Using G1"),
            Some("-XX:+UseG1GC")
        );
    }
}
