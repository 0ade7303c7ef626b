//! The observation loop: start the command, sample its tree every interval until it exits,
//! forward SIGINT and SIGTERM to it, and write the report set from what was gathered.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use memsim_core::{Event, EventKind, ExitStatus, Observation, RunSummary, Sample, SimTime};
use regex::RegexSet;

use crate::ObserveError;
use crate::accounts::accounts_of;
use crate::cgroup::{MemoryCgroup, machine_ram_bytes};
use crate::gc_log::GcLogReader;
use crate::jcmd::{NmtPoller, NmtState};
use crate::marks::{MarkLine, tee};
use crate::proc_reader::ProcessMemory;
use crate::signals::SignalForwarder;
use crate::summary::{Gathered, build};
use crate::tree::process_tree;
use crate::writer::{ProcRow, SampleWriter};

/// What to observe and how.
#[derive(Debug, Clone)]
pub struct ObserveConfig {
    /// Program and arguments.
    pub command: Vec<String>,
    /// Time between samples.
    pub interval: Duration,
    /// The output directory.
    pub out: PathBuf,
    /// `--mark` patterns.
    pub marks: Vec<String>,
    /// Treat the command as a JVM even when its executable is not named `java`.
    pub jvm: bool,
    /// The JVM's unified GC log.
    pub gc_log: Option<PathBuf>,
    /// The `jcmd` to run.
    pub jcmd: String,
}

/// How an observation ended.
#[derive(Debug)]
pub struct Outcome {
    /// The summary the reports were rendered from.
    pub summary: RunSummary,
    /// How the command ended.
    pub exit: ExitStatus,
    /// A message for people when NMT was off in the JVM.
    pub nmt_hint: Option<String>,
}

/// Runs the command and observes it. The command's output passes through unchanged.
///
/// # Errors
/// [`ObserveError`] when a pattern is invalid, the command cannot start, or a file cannot be
/// written; the files written so far stay complete either way.
pub fn observe(cfg: &ObserveConfig) -> Result<Outcome, ObserveError> {
    let patterns = RegexSet::new(&cfg.marks).map_err(|e| ObserveError::Mark(e.to_string()))?;
    let program = cfg.command.first().ok_or(ObserveError::NoCommand)?;
    let mut writer = SampleWriter::create(&cfg.out)?;

    // Signals first, so a Ctrl-C between spawning and sampling is forwarded too.
    let signals = SignalForwarder::start()?;

    let piped = !cfg.marks.is_empty();
    let mut cmd = Command::new(program);
    cmd.args(&cfg.command[1..]);
    if piped {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = cmd.spawn().map_err(|e| ObserveError::Spawn {
        program: program.clone(),
        message: e.to_string(),
    })?;
    let start = Instant::now();
    let root = child.id() as i32;
    signals.child_pid.store(root, Ordering::SeqCst);
    let (mark_tx, mark_rx) = mpsc::channel::<MarkLine>();
    let mut tees = Vec::new();
    if let Some(out) = child.stdout.take() {
        tees.push(tee(
            out,
            std::io::stdout(),
            patterns.clone(),
            mark_tx.clone(),
        ));
    }
    if let Some(err) = child.stderr.take() {
        tees.push(tee(err, std::io::stderr(), patterns, mark_tx.clone()));
    }
    drop(mark_tx);
    let (exit_tx, exit_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = exit_tx.send(child.wait());
    });

    // Looked up at every sample: the command may move itself into a group (a wrapper script
    // writing `cgroup.procs` before `exec`); OOM kills count from when the group was first seen.
    let mut cgroup: Option<MemoryCgroup> = None;
    let mut oom_kills_before = 0;
    let mut gc_log = cfg.gc_log.clone().map(GcLogReader::new);
    let mut poller: Option<NmtPoller> = None;
    let mut jvm_pid: Option<i32> = None;
    let mut samples: Vec<Sample> = Vec::new();
    let mut pauses = Vec::new();
    let (mut processes_max, mut threads_max, mut pss_max) = (0u64, 0u64, None::<u64>);
    let mut nmt_seen = false;
    let mut nmt_off_by_flags = false;
    let mut nmt_at_peak: Option<(u64, String)> = None;
    let mut next = start;
    let status = loop {
        let tree = process_tree(root);
        if let Some(now_in) = MemoryCgroup::of(root)
            && cgroup.as_ref() != Some(&now_in)
        {
            oom_kills_before = now_in.oom_kills();
            cgroup = Some(now_in);
        }
        if jvm_pid.is_none() {
            jvm_pid = tree
                .iter()
                .find(|p| p.exe_name == "java")
                .map(|p| p.pid)
                .or((cfg.jvm && !tree.is_empty()).then_some(root));
            if let Some(pid) = jvm_pid {
                if nmt_requested(pid) {
                    let p = NmtPoller::start(cfg.jcmd.clone());
                    p.target.store(pid, Ordering::Relaxed);
                    poller = Some(p);
                } else {
                    nmt_off_by_flags = true;
                }
            }
        }
        let mut memory = ProcessMemory::default();
        let mut jvm_memory = None;
        let mut processes = 0u64;
        for p in &tree {
            if let Some(m) = ProcessMemory::read(p.pid) {
                memory = memory.plus(m);
                processes += 1;
                if Some(p.pid) == jvm_pid {
                    jvm_memory = Some(m);
                }
            }
        }
        let heap_resident = match (jvm_pid, poller.as_ref().and_then(NmtPoller::heap_range)) {
            (Some(pid), Some((lo, hi))) => crate::proc_reader::resident_in_range(pid, lo, hi),
            _ => None,
        };
        let now = Instant::now();
        let nmt = poller.as_ref().map(NmtPoller::state);
        let (summary, nmt_age_ms, nmt_text) = match &nmt {
            Some(NmtState::Summary { at, summary, text }) => {
                nmt_seen = true;
                (
                    Some(summary),
                    Some(now.saturating_duration_since(*at).as_millis() as u64),
                    Some(text),
                )
            }
            _ => (None, None, None),
        };
        if processes > 0 {
            let sample = Sample {
                at: SimTime(now.duration_since(start).as_nanos() as u64),
                accounts: accounts_of(memory, jvm_memory, summary, heap_resident),
                charge: cgroup
                    .as_ref()
                    .and_then(MemoryCgroup::charge)
                    .unwrap_or_default(),
            };
            writer.sample(
                &sample,
                &ProcRow {
                    processes,
                    memory,
                    nmt_age_ms,
                },
            )?;
            let resident = sample.resident_total();
            if let Some(text) = nmt_text
                && nmt_at_peak.as_ref().is_none_or(|(r, _)| resident > *r)
            {
                nmt_at_peak = Some((resident, text.clone()));
            }
            processes_max = processes_max.max(processes);
            threads_max = threads_max.max(memory.threads);
            if let Some(p) = memory.pss_bytes {
                pss_max = Some(pss_max.map_or(p, |m: u64| m.max(p)));
            }
            samples.push(sample);
        }
        if let Some(log) = gc_log.as_mut() {
            pauses.extend(log.poll());
        }
        next += cfg.interval;
        let wait = next.saturating_duration_since(Instant::now());
        match exit_rx.recv_timeout(wait) {
            Ok(status) => break status,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Err(std::io::Error::other("the waiting thread ended"));
            }
        }
    };
    let ended_at = SimTime(start.elapsed().as_nanos() as u64);
    // The command's last lines: its output pipes close when it exits, unless a process it left
    // behind still holds them; that one is not waited for longer than a second.
    let mut marks_read: Vec<MarkLine> = Vec::new();
    let pipes_deadline = Instant::now() + Duration::from_secs(1);
    loop {
        match mark_rx.recv_timeout(pipes_deadline.saturating_duration_since(Instant::now())) {
            Ok(m) => marks_read.push(m),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                for t in tees {
                    let _ = t.join();
                }
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => break,
        }
    }
    let interrupted = signals.finish();
    let nmt_state = poller.as_ref().map(NmtPoller::state);
    if let Some(p) = poller {
        p.stop();
    }
    if let Some(log) = gc_log.as_mut() {
        pauses.extend(log.poll());
    }
    let exit = match status {
        Ok(s) => {
            use std::os::unix::process::ExitStatusExt;
            match (s.code(), s.signal()) {
                (Some(c), _) => ExitStatus::Exited(c),
                (None, Some(sig)) => ExitStatus::Signalled(sig),
                (None, None) => ExitStatus::Exited(-1),
            }
        }
        Err(e) => return Err(ObserveError::Wait(e.to_string())),
    };
    let oom_killed = exit == ExitStatus::Signalled(9)
        && cgroup
            .as_ref()
            .is_some_and(|c| c.oom_kills() > oom_kills_before);

    let mut notes = Vec::new();
    let nmt_off = nmt_off_by_flags || matches!(nmt_state, Some(NmtState::Off));
    let nmt_hint = match (jvm_pid, &nmt_state) {
        (Some(pid), _) if nmt_off => Some(format!(
            "NMT is off in JVM {pid}: start java with -XX:NativeMemoryTracking=summary to split its memory by category"
        )),
        (Some(pid), _) if !nmt_seen => Some(format!(
            "jcmd gave no NMT summary of JVM {pid} while it ran (is `{}` the JDK's jcmd?)",
            cfg.jcmd
        )),
        _ => None,
    };
    notes.extend(nmt_hint.clone());
    if cgroup.is_none() {
        notes.push("no memory cgroup with accounting: no charge or working set".into());
    }
    if exit == ExitStatus::Signalled(9) && !oom_killed {
        notes.push("killed by SIGKILL, and no OOM kill recorded in its memory cgroup".into());
    }
    let mut events: Vec<Event> = marks_read
        .into_iter()
        .chain(mark_rx.try_iter())
        .map(|m| Event {
            at: SimTime((m.at.saturating_duration_since(start).as_nanos() as u64).min(ended_at.0)),
            kind: EventKind::Mark,
            message: m.line,
            repeats: 0,
        })
        .collect();
    events.sort_by_key(|e| e.at);
    let limit = match cgroup.as_ref().and_then(MemoryCgroup::limit_bytes) {
        Some(l) => (l, "cgroup memory limit".to_string()),
        None => (
            machine_ram_bytes().unwrap_or(0),
            "machine RAM (MemTotal)".to_string(),
        ),
    };
    let counters = vec![
        ("samples".to_string(), samples.len() as u64),
        ("marks".to_string(), events.len() as u64),
        ("gc_pauses_logged".to_string(), pauses.len() as u64),
    ];
    let collector = gc_log.and_then(|l| l.collector);
    let summary = build(Gathered {
        name: std::path::Path::new(program)
            .file_name()
            .map_or_else(|| program.clone(), |n| n.to_string_lossy().into_owned()),
        samples,
        events,
        pauses,
        collector,
        ended_at,
        limit,
        oom_killed,
        counters,
        observation: Observation {
            command: cfg.command.clone(),
            exit,
            interrupted,
            interval_ms: cfg.interval.as_millis() as u64,
            jvm_pid: jvm_pid.map(|p| p as u32),
            nmt: nmt_seen,
            processes_max,
            threads_max,
            pss_max_bytes: pss_max,
            cgroup: cgroup.map(|c| c.path),
            notes,
        },
    });
    let mut files = memsim_report::write_all_reports(&summary);
    if let Some((_, text)) = nmt_at_peak {
        // NMT's own words at the peak, rather than memsim's rendering of the ledger.
        for (name, bytes) in &mut files {
            if *name == "nmt-summary.txt" {
                *bytes = text.clone().into_bytes();
            }
        }
    }
    writer.finish(&files)?;
    Ok(Outcome {
        summary,
        exit,
        nmt_hint,
    })
}

/// Whether the JVM was started with NMT on: `-XX:NativeMemoryTracking=summary|detail` on its
/// command line (`/proc/<pid>/cmdline`) or in the options variables the JVM reads from its
/// environment (`JDK_JAVA_OPTIONS`, `JAVA_TOOL_OPTIONS`, `_JAVA_OPTIONS`, from
/// `/proc/<pid>/environ`). When unreadable, `jcmd` is asked.
fn nmt_requested(pid: i32) -> bool {
    let on = |text: &str| {
        text.split(|c: char| c == '\0' || c.is_whitespace())
            .filter_map(|a| a.strip_prefix("-XX:NativeMemoryTracking="))
            .next_back()
            .is_some_and(|v| v != "off")
    };
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return true;
    };
    if on(&String::from_utf8_lossy(&cmdline)) {
        return true;
    }
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    String::from_utf8_lossy(&environ).split('\0').any(|kv| {
        ["JDK_JAVA_OPTIONS=", "JAVA_TOOL_OPTIONS=", "_JAVA_OPTIONS="]
            .iter()
            .any(|k| kv.strip_prefix(k).is_some_and(on))
    })
}
