//! `memsim observe` on real processes: a Java program with NMT held to a `jcmd` taken at about the
//! same moment, a program killed mid-run (and memsim killed mid-run) leaving complete files, a
//! process that forks observed as a tree, and SIGINT forwarded.
//!
//! Synchronisation is on output lines, process exit and the rows memsim appends (polled with a
//! deadline), never on a fixed sleep.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use memsim_core::Account;
use memsim_report::run_files::TimeSeries;
use memsim_report::{RUN_FILE_NAMES, RunFiles, parse_nmt};

fn memsim_observe(out: &Path, args: &[&str], command: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_memsim"))
        .arg("observe")
        .arg("--out")
        .arg(out)
        .args(args)
        .arg("--")
        .args(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("memsim starts")
}

/// Reads the command's output (passed through by memsim) until a line starting with `prefix`.
fn line_starting(out: &mut BufReader<ChildStdout>, prefix: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        let n = out.read_line(&mut line).unwrap();
        assert!(n > 0, "output ended before a line starting with {prefix:?}");
        if line.starts_with(prefix) {
            return line.trim_end().to_string();
        }
    }
}

/// `observed.csv`'s rows as fields.
fn observed_rows(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("observed.csv")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Polls `observed.csv` until `ok` holds for its rows (memsim appends a row per interval).
fn until_rows(dir: &Path, what: &str, ok: impl Fn(&[Vec<String>]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if ok(&observed_rows(dir)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no sample showed {what} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_run(dir: &Path) -> RunFiles {
    let files: Vec<(&str, Vec<u8>)> = RUN_FILE_NAMES
        .iter()
        .map(|n| (*n, std::fs::read(dir.join(n)).unwrap_or_default()))
        .collect();
    RunFiles::from_files(files).expect("the observation's files read back")
}

/// The interpreter itself, not a version manager's shim (pyenv's runs helper processes that
/// would count in the tree).
const PYTHON: &str = "/usr/bin/python3";

const ALLOC_JAVA: &str = r#"
public class Alloc {
    public static void main(String[] args) throws Exception {
        java.util.List<byte[]> keep = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) { keep.add(new byte[64 << 10]); }
        System.out.println("allocated " + keep.size() + " pid " + ProcessHandle.current().pid());
        System.out.flush();
        System.in.read();
        System.out.println("bye " + keep.size());
    }
}
"#;

fn compile_alloc(dir: &Path) {
    std::fs::write(dir.join("Alloc.java"), ALLOC_JAVA).unwrap();
    let javac = Command::new("javac")
        .arg("-d")
        .arg(dir)
        .arg(dir.join("Alloc.java"))
        .output()
        .expect("javac runs (JDK 17)");
    assert!(javac.status.success(), "{}", common::text(&javac.stderr));
}

/// NMT's categories as memsim recorded them agree with a `jcmd` taken while memsim sampled:
/// `Java Heap` exactly (-Xms = -Xmx: its committed size cannot move), every other category within
/// 10 % or 1 MiB (the JVM is idle on `System.in.read()`, but the JIT and GC may still commit a
/// little between the two `jcmd`s).
#[test]
fn java_nmt_categories_match_a_jcmd_taken_at_the_same_moment() {
    let dir = common::scratch_in("observe", "java-nmt");
    compile_alloc(&dir);
    let out = dir.join("o");
    let cp = dir.to_str().unwrap();
    let gc_log = dir.join("gc.log");
    let xlog = format!("-Xlog:gc:file={}", gc_log.display());
    let mut child = memsim_observe(
        &out,
        &[
            "--interval",
            "100ms",
            "--mark",
            "^allocated",
            "--gc-log",
            gc_log.to_str().unwrap(),
        ],
        &[
            "java",
            "-XX:NativeMemoryTracking=summary",
            "-Xms64m",
            "-Xmx64m",
            &xlog,
            "-cp",
            cp,
            "Alloc",
        ],
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let line = line_starting(&mut stdout, "allocated 400 pid ");
    let pid: u32 = line.rsplit(' ').next().unwrap().parse().unwrap();
    // A sample with NMT in it, then our own jcmd, then another sample with a newer NMT summary.
    until_rows(&out, "NMT", |rows| rows.iter().any(|r| !r[7].is_empty()));
    let jcmd = Command::new("jcmd")
        .args([&pid.to_string(), "VM.native_memory", "summary"])
        .output()
        .unwrap();
    let text = common::text(&jcmd.stdout);
    let theirs = parse_nmt(&text[text.find("Native Memory Tracking:").unwrap()..]).unwrap();
    let rows_then = observed_rows(&out).len();
    until_rows(&out, "NMT after our jcmd", |rows| {
        rows.len() > rows_then + 2 && rows.last().is_some_and(|r| !r[7].is_empty())
    });
    drop(child.stdin.take()); // Alloc returns from System.in.read() and exits.
    assert_eq!(
        line_starting(&mut stdout, "bye "),
        "bye 400",
        "output passes through"
    );
    let status = child.wait_with_output().unwrap();
    assert!(status.status.success(), "{}", common::text(&status.stderr));

    let run = read_run(&out);
    let obs = run
        .report
        .observation
        .as_ref()
        .expect("an observed run says so");
    assert_eq!(obs.source, "observed");
    assert_eq!(obs.jvm_pid, Some(pid));
    assert!(obs.nmt);
    assert_eq!(obs.exit_code, Some(0));
    assert!(
        run.report
            .events
            .iter()
            .any(|e| e.kind == "mark" && e.message.starts_with("allocated 400"))
    );
    assert_eq!(run.report.gc.collector, "-XX:+UseG1GC");
    // The last sample carries the newest NMT summary memsim had.
    let last = run.timeseries.rows.last().unwrap();
    let committed = |a: Account| {
        let i = run
            .timeseries
            .accounts
            .iter()
            .position(|x| *x == a)
            .unwrap();
        last.committed_bytes[i]
    };
    let mut compared = 0;
    for (name, amounts) in &theirs.categories {
        let account = memsim_observe::accounts::account_of_nmt(name);
        if account != Account::Internal && account.name() == name {
            let ours = committed(account);
            let theirs = amounts.committed_bytes;
            if account == Account::JavaHeap {
                assert_eq!(ours, theirs, "Java Heap committed");
                assert_eq!(ours, 64 << 20);
            } else {
                let tolerance = (theirs / 10).max(1 << 20);
                assert!(
                    ours.abs_diff(theirs) <= tolerance,
                    "{name}: memsim {ours}, jcmd {theirs}"
                );
            }
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} categories compared");
    // The heap's resident pages are measured (its range from GC.heap_info, its mappings' Rss):
    // the 25 MiB Alloc keeps live are in them, and they are at most the 64 MiB committed.
    let heap = run
        .timeseries
        .accounts
        .iter()
        .position(|a| *a == Account::JavaHeap)
        .unwrap();
    assert!(
        (25 << 20..=64 << 20).contains(&last.resident_bytes[heap]),
        "Java Heap resident {}",
        last.resident_bytes[heap]
    );
    // The ledger's resident total is the process's RSS as /proc said at that sample.
    let proc_last = observed_rows(&out).pop().unwrap();
    let rss: u64 = proc_last[3..6]
        .iter()
        .map(|f| f.parse::<u64>().unwrap())
        .sum();
    assert_eq!(last.resident_total_bytes, rss);
    // nmt-summary.txt is NMT's own text at the peak.
    assert!(run.nmt_summary_text.starts_with("Native Memory Tracking:"));
    assert_eq!(run.nmt_summary.categories[0].1.committed_bytes, 64 << 20);
}

/// Without NMT, memsim says how to turn it on, and still records RSS.
#[test]
fn java_without_nmt_gets_the_flag_to_turn_it_on() {
    let dir = common::scratch_in("observe", "java-no-nmt");
    compile_alloc(&dir);
    let out = dir.join("o");
    let mut child = memsim_observe(
        &out,
        &["--interval", "100ms"],
        &["java", "-Xmx64m", "-cp", dir.to_str().unwrap(), "Alloc"],
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    line_starting(&mut stdout, "allocated 400");
    until_rows(&out, "a sample", |rows| rows.len() >= 2);
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = common::text(&output.stderr);
    assert!(
        stderr.contains("-XX:NativeMemoryTracking=summary"),
        "{stderr}"
    );
    let run = read_run(&out);
    assert!(!run.report.observation.unwrap().nmt);
    assert!(run.report.peak_resident_bytes > 25 << 20);
}

/// A command killed mid-run: complete files, the signal recorded, memsim exiting 128 + 9.
#[test]
fn a_command_killed_mid_run_leaves_a_complete_csv_and_chart() {
    let dir = common::scratch_in("observe", "killed");
    let out = dir.join("o");
    let script = "import os,sys\nb=bytearray(30<<20)\nprint('ready', os.getpid(), flush=True)\nsys.stdin.read()\n";
    let mut child = memsim_observe(&out, &["--interval", "50ms"], &[PYTHON, "-c", script]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let line = line_starting(&mut stdout, "ready ");
    let pid: i32 = line.rsplit(' ').next().unwrap().parse().unwrap();
    until_rows(&out, "the 30 MiB", |rows| {
        rows.len() >= 3
            && rows
                .last()
                .is_some_and(|r| r[3].parse::<u64>().unwrap_or(0) > 30 << 20)
    });
    Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(128 + 9),
        "{}",
        common::text(&output.stderr)
    );
    let run = read_run(&out);
    let obs = run.report.observation.as_ref().unwrap();
    assert_eq!((obs.exit_code, obs.signal), (None, Some(9)));
    assert!(run.timeseries.rows.len() >= 3);
    assert!(run.report.peak_resident_bytes > 30 << 20);
    assert!(run.chart_svg.contains("<svg"));
    assert!(std::fs::metadata(out.join("chart.png")).unwrap().len() > 0);
}

/// memsim itself killed (SIGKILL, nothing to clean up): every row appended so far is whole.
#[test]
fn memsim_killed_mid_run_leaves_a_parseable_csv() {
    let dir = common::scratch_in("observe", "memsim-killed");
    let out = dir.join("o");
    let mut child = memsim_observe(
        &out,
        &["--interval", "20ms"],
        &[
            PYTHON,
            "-c",
            "import sys\nprint('ready', flush=True)\nsys.stdin.read()\n",
        ],
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    line_starting(&mut stdout, "ready");
    until_rows(&out, "five samples", |rows| rows.len() >= 5);
    child.kill().unwrap();
    child.wait().unwrap();
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let series = TimeSeries::parse(&csv).expect("every appended row is whole");
    assert!(series.rows.len() >= 5);
    assert!(series.rows.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    // The python process lost its stdin's writer with the test's handle: it exits on its own.
}

/// SIGINT to memsim is forwarded to the command; the files are finished and the signal recorded.
#[test]
fn sigint_is_forwarded_and_the_files_finished() {
    let dir = common::scratch_in("observe", "sigint");
    let out = dir.join("o");
    let script = "import sys\nprint('ready', flush=True)\nsys.stdin.read()\n";
    let mut child = memsim_observe(&out, &["--interval", "50ms"], &[PYTHON, "-c", script]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    line_starting(&mut stdout, "ready");
    until_rows(&out, "two samples", |rows| rows.len() >= 2);
    // Held open until memsim has exited: the script must end by the signal, not by end of input.
    let stdin = child.stdin.take();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    drop(stdin);
    let run = read_run(&out);
    let obs = run.report.observation.as_ref().unwrap();
    assert!(obs.interrupted);
    // Python turns SIGINT into KeyboardInterrupt, prints the traceback, and ends by SIGINT again.
    assert_eq!(
        (obs.exit_code, obs.signal),
        (None, Some(2)),
        "{}",
        common::text(&output.stderr)
    );
    assert!(common::text(&output.stderr).contains("KeyboardInterrupt"));
    assert_eq!(output.status.code(), Some(128 + 2));
}

/// A command that forks is observed as a tree: the child's memory and the processes counted.
#[test]
fn a_forking_command_is_observed_as_a_tree() {
    let dir = common::scratch_in("observe", "tree");
    let out = dir.join("o");
    let script = "import os,sys\npid=os.fork()\nif pid==0:\n    b=bytearray(40<<20)\n    print('child ready', flush=True)\n    sys.stdin.read()\n    os._exit(0)\nprint('parent ready', flush=True)\nsys.stdin.read()\nos.waitpid(pid,0)\n";
    let mut child = memsim_observe(&out, &["--interval", "50ms"], &[PYTHON, "-c", script]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = [
        line_starting(&mut stdout, ""),
        line_starting(&mut stdout, ""),
    ];
    seen.sort();
    assert_eq!(seen, ["child ready", "parent ready"]);
    until_rows(&out, "two processes holding the child's 40 MiB", |rows| {
        rows.iter()
            .any(|r| r[1] == "2" && r[3].parse::<u64>().unwrap_or(0) > 40 << 20)
    });
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", common::text(&output.stderr));
    let run = read_run(&out);
    let obs = run.report.observation.as_ref().unwrap();
    assert_eq!(obs.processes_max, 2);
    assert_eq!(obs.jvm_pid, None);
    assert!(run.report.peak_resident_bytes > 40 << 20);
    // Without NMT all anonymous memory is unattributed.
    assert!(
        run.report
            .category("Native (untracked)")
            .unwrap()
            .resident_bytes
            > 40 << 20
    );
}

/// A memory cgroup of the test's own with a hard limit (v1 or v2), removed on drop.
struct Group {
    path: std::path::PathBuf,
}

impl Group {
    /// `None` when not root or no memory cgroup is mounted (the test then says so and passes).
    fn new(limit_bytes: u64) -> Option<Group> {
        let v1 = Path::new("/sys/fs/cgroup/memory");
        let v2 = Path::new("/sys/fs/cgroup");
        let root_user = std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        });
        if !root_user {
            return None;
        }
        let name = format!("memsim-observe-test-{}", std::process::id());
        let (path, files): (_, &[&str]) = if v1.join("memory.limit_in_bytes").exists() {
            (
                v1.join(name),
                &["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"],
            )
        } else if v2.join("cgroup.controllers").exists() {
            let _ = std::fs::write(v2.join("cgroup.subtree_control"), "+memory");
            (v2.join(name), &["memory.max", "memory.swap.max"])
        } else {
            return None;
        };
        let _ = std::fs::remove_dir(&path);
        std::fs::create_dir(&path).expect("as root with a memory cgroup, a group can be created");
        for (i, f) in files.iter().enumerate() {
            let value = if i == 1 && f.contains("swap") {
                0
            } else {
                limit_bytes
            };
            if path.join(f).exists() {
                std::fs::write(path.join(f), value.to_string()).unwrap();
            }
        }
        Some(Group { path })
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// A command OOM-killed in its memory cgroup: verdict `oom_killed`, the kill on the timeline, the
/// cgroup's limit as the limit, memsim exiting 128 + 9, and the files complete.
#[test]
fn an_oom_kill_in_a_memory_cgroup_is_the_verdict() {
    let Some(group) = Group::new(96 << 20) else {
        eprintln!("not root, or no memory cgroup: nothing observed");
        return;
    };
    let dir = common::scratch_in("observe", "oom");
    let out = dir.join("o");
    let procs = group.path.join("cgroup.procs");
    // The shell moves itself into the group, then becomes python: the whole command is in it.
    let script = format!(
        "echo $$ > {} && exec {PYTHON} -c \"import sys\nprint('ready', flush=True)\nsys.stdin.readline()\nb=[]\nwhile True: b.append(bytearray(8<<20))\"",
        procs.display()
    );
    let mut child = memsim_observe(&out, &["--interval", "20ms"], &["sh", "-c", &script]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    line_starting(&mut stdout, "ready");
    let rows_then = observed_rows(&out).len();
    until_rows(&out, "the command in its group", |rows| {
        rows.len() > rows_then + 2
    });
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"go\n").unwrap();
    let output = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(
        output.status.code(),
        Some(128 + 9),
        "{}",
        common::text(&output.stderr)
    );
    let run = read_run(&out);
    assert_eq!(run.report.verdict, memsim_core::Verdict::OomKilled);
    assert_eq!(run.report.limit_bytes, 96 << 20);
    assert!(run.report.events.iter().any(|e| e.kind == "oom_killed"));
    let obs = run.report.observation.as_ref().unwrap();
    assert_eq!(obs.signal, Some(9));
    assert!(
        obs.cgroup
            .as_deref()
            .is_some_and(|c| c.ends_with(&format!("memsim-observe-test-{}", std::process::id())))
    );
    // The last sample is the group's charge (the first ones, before the shell moved itself, are
    // the charge of the group memsim runs in).
    let last = run.timeseries.rows.last().unwrap();
    assert!(
        last.charge_bytes > 0 && last.charge_bytes <= 96 << 20,
        "{}",
        last.charge_bytes
    );
}

/// A process the command leaves behind holding its output open does not keep memsim waiting: the
/// command's exit ends the observation, and the marks read by then are kept.
#[test]
fn a_process_left_behind_does_not_hold_memsim() {
    let dir = common::scratch_in("observe", "left-behind");
    let out = dir.join("o");
    let started = Instant::now();
    let child = memsim_observe(
        &out,
        &["--interval", "50ms", "--mark", "^started"],
        &["sh", "-c", "sleep 60 & echo started $!"],
    );
    let output = child.wait_with_output().unwrap();
    let elapsed = started.elapsed();
    let stdout = common::text(&output.stdout);
    let orphan = stdout.trim().rsplit(' ').next().unwrap().to_string();
    Command::new("kill").arg(&orphan).status().unwrap();
    assert!(output.status.success(), "{}", common::text(&output.stderr));
    assert!(
        elapsed < Duration::from_secs(30),
        "memsim waited {elapsed:?} for the orphan"
    );
    let run = read_run(&out);
    assert!(
        run.report
            .events
            .iter()
            .any(|e| e.kind == "mark" && e.message.starts_with("started "))
    );
}
