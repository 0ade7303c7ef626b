//! Polling a JVM's Native Memory Tracking: `jcmd <pid> VM.native_memory summary`, run on its own
//! thread in a loop (one `jcmd` takes a few hundred milliseconds to attach, longer than a sampling
//! interval), its text parsed by [`memsim_report::parse_nmt`]; the sampler takes the latest.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use memsim_report::{NmtSummary, parse_nmt};

/// What NMT said last.
#[derive(Debug, Clone, PartialEq)]
pub enum NmtState {
    /// No answer yet (the JVM is starting, or no JVM was found yet).
    Unknown,
    /// NMT is off in this JVM: categories are not available.
    Off,
    /// The latest summary, when it was taken, and its text as `jcmd` printed it.
    Summary {
        /// When `jcmd` answered.
        at: Instant,
        /// The parsed categories.
        summary: NmtSummary,
        /// The text, for `nmt-summary.txt`.
        text: String,
    },
}

/// What `jcmd` prints when the JVM was started without `-XX:NativeMemoryTracking`.
const NMT_OFF: &str = "Native memory tracking is not enabled";

/// Interprets one `jcmd … VM.native_memory summary` output.
pub fn interpret(text: &str, at: Instant) -> NmtState {
    if text.contains(NMT_OFF) {
        return NmtState::Off;
    }
    // jcmd prints `<pid>:` first; parse_nmt reads from "Native Memory Tracking:".
    match text.find("Native Memory Tracking:") {
        Some(start) => match parse_nmt(&text[start..]) {
            Ok(summary) if !summary.categories.is_empty() => NmtState::Summary {
                at,
                summary,
                text: text[start..].to_string(),
            },
            _ => NmtState::Unknown,
        },
        None => NmtState::Unknown,
    }
}

/// A thread polling `jcmd` for the JVM whose pid is set in `target` (0: none yet).
#[derive(Debug)]
pub struct NmtPoller {
    /// The latest state.
    pub latest: Arc<Mutex<NmtState>>,
    /// The JVM to poll; the sampler sets it once it finds one.
    pub target: Arc<AtomicI32>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl NmtPoller {
    /// Starts polling with `jcmd` (a path or a name on `PATH`).
    pub fn start(jcmd: String) -> NmtPoller {
        let latest = Arc::new(Mutex::new(NmtState::Unknown));
        let target = Arc::new(AtomicI32::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (l, t, s) = (latest.clone(), target.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let pid = t.load(Ordering::Relaxed);
                if pid > 0 {
                    let out = Command::new(&jcmd)
                        .args([pid.to_string().as_str(), "VM.native_memory", "summary"])
                        .output();
                    if let Ok(out) = out {
                        let text = String::from_utf8_lossy(&out.stdout);
                        let state = interpret(&text, Instant::now());
                        let off = state == NmtState::Off;
                        if state != NmtState::Unknown
                            && let Ok(mut g) = l.lock()
                        {
                            *g = state;
                        }
                        if off {
                            return;
                        }
                    }
                }
                // Pacing, not synchronisation: jcmd itself takes most of the period.
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        NmtPoller {
            latest,
            target,
            stop,
            handle: Some(handle),
        }
    }

    /// The latest state.
    pub fn state(&self) -> NmtState {
        self.latest
            .lock()
            .map(|g| g.clone())
            .unwrap_or(NmtState::Unknown)
    }

    /// Stops polling and waits for a `jcmd` under way to return.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_and_on_are_told_apart() {
        let now = Instant::now();
        assert_eq!(
            interpret("12345:\nNative memory tracking is not enabled\n", now),
            NmtState::Off
        );
        assert_eq!(interpret("12345:\n", now), NmtState::Unknown);
        let text = "12345:\n\nNative Memory Tracking:\n\nTotal: reserved=1000KB, committed=500KB\n-                 Java Heap (reserved=800KB, committed=400KB)\n                            (mmap: reserved=800KB, committed=400KB) \n \n";
        match interpret(text, now) {
            NmtState::Summary { summary, .. } => {
                assert_eq!(summary.categories[0].0, "Java Heap");
                assert_eq!(summary.categories[0].1.committed_bytes, 400 * 1024);
            }
            other => panic!("{other:?}"),
        }
    }
}
