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

/// The Java heap's address range from `jcmd <pid> GC.heap_info`: from the lowest to the highest
/// address it prints (G1 prints its one reservation, Parallel and Serial each generation's).
pub fn heap_range(text: &str) -> Option<(u64, u64)> {
    let addresses: Vec<u64> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|w| u64::from_str_radix(w.strip_prefix("0x")?, 16).ok())
        .collect();
    let (lo, hi) = (*addresses.iter().min()?, *addresses.iter().max()?);
    (hi > lo).then_some((lo, hi))
}

/// A thread polling `jcmd` for the JVM whose pid is set in `target` (0: none yet).
#[derive(Debug)]
pub struct NmtPoller {
    /// The latest state.
    pub latest: Arc<Mutex<NmtState>>,
    /// The Java heap's address range, once `GC.heap_info` gave it (asked once NMT answered).
    pub heap: Arc<Mutex<Option<(u64, u64)>>>,
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
        let heap = Arc::new(Mutex::new(None));
        let (l, t, s, h) = (latest.clone(), target.clone(), stop.clone(), heap.clone());
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
                        if h.lock().is_ok_and(|g| g.is_none()) {
                            let info = Command::new(&jcmd)
                                .args([pid.to_string().as_str(), "GC.heap_info"])
                                .output();
                            if let Ok(info) = info
                                && let Some(range) =
                                    heap_range(&String::from_utf8_lossy(&info.stdout))
                                && let Ok(mut g) = h.lock()
                            {
                                *g = Some(range);
                            }
                        }
                    }
                }
                // Pacing, not synchronisation: jcmd itself takes most of the period.
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        NmtPoller {
            latest,
            heap,
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

    /// The Java heap's address range, when known.
    pub fn heap_range(&self) -> Option<(u64, u64)> {
        self.heap.lock().ok().and_then(|g| *g)
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
    fn heap_ranges_of_g1_and_parallel() {
        let g1 = "27505:\n garbage-first heap   total 131072K, used 83737K [0x00000000f8000000, 0x0000000100000000)\n  region size 1024K\n Metaspace       used 174K, committed 384K, reserved 1114112K\n";
        assert_eq!(heap_range(g1), Some((0xf800_0000, 0x1_0000_0000)));
        let ps = " PSYoungGen      total 38400K, used 15458K [0x00000000fd580000, 0x0000000100000000, 0x0000000100000000)\n  eden space 33280K, 32% used [0x00000000fd580000,0x00000000fe01cb18,0x00000000ff600000)\n ParOldGen       total 87552K, used 27656K [0x00000000f8000000, 0x00000000fd580000, 0x00000000fd580000)\n";
        assert_eq!(heap_range(ps), Some((0xf800_0000, 0x1_0000_0000)));
        assert_eq!(heap_range("12:\nnothing\n"), None);
    }

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
