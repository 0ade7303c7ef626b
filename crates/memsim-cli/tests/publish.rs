//! `--out`: the report set is published as one unit, never through a planted link, never mixed,
//! never leaving litter, and never deleting a user's files.

mod common;
use common::{text, workspace};

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const SIM: &str = "sims/netty-direct-oom.toml";
const REPORTS: [&str; 5] = [
    "chart.png",
    "chart.svg",
    "nmt-summary.txt",
    "report.json",
    "timeseries.csv",
];

fn scratch(name: &str) -> PathBuf {
    common::scratch_in("publish", name)
}

/// `memsim run SIM --seed SEED --out OUT -q`, aborting after publishing step `fault` if given.
fn run(out: &Path, seed: u64, fault: Option<u32>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memsim"));
    // `--exit-zero`: the verdict's exit code (7 here, fits with failures) is verdicts.rs's concern;
    // success here means the set was published.
    cmd.args([
        "run",
        SIM,
        "-q",
        "--exit-zero",
        "--seed",
        &seed.to_string(),
        "--out",
    ])
    .arg(out)
    .current_dir(workspace())
    .env_remove("MEMSIM_FAULT_INJECT_STEP");
    if let Some(k) = fault {
        cmd.env("MEMSIM_FAULT_INJECT_STEP", k.to_string());
    }
    cmd.output().expect("memsim runs")
}

/// Every entry of `dir` (names sorted) with its contents; a link shows as `-> target`.
fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let t = e.file_type().unwrap();
            let body = if t.is_symlink() {
                format!("-> {}", std::fs::read_link(e.path()).unwrap().display()).into_bytes()
            } else if t.is_dir() {
                b"<dir>".to_vec()
            } else {
                std::fs::read(e.path()).unwrap()
            };
            (name, body)
        })
        .collect();
    v.sort();
    v
}

/// The report set a clean run with `seed` writes.
fn reference(seed: u64) -> Vec<(String, Vec<u8>)> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let out = scratch(&format!("reference-{n}")).join("out");
    let o = run(&out, seed, None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let set = listing(&out);
    let names: Vec<&str> = set.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, REPORTS);
    set
}

#[test]
fn reports_replace_the_old_set_and_leave_nothing_beside_it() {
    let (old, new) = (reference(1), reference(2));
    assert_ne!(old, new, "the two seeds must give different reports");
    let parent = scratch("replace");
    let out = parent.join("out");
    for (seed, want) in [(1, &old), (2, &new), (2, &new), (1, &old)] {
        let o = run(&out, seed, None);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(&listing(&out), want);
        let names: Vec<String> = listing(&parent).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["out"], "no litter beside the out directory");
    }
    // The published directory has the permissions of any directory made under this umask (the
    // staging directory is not left owner-only).
    use std::os::unix::fs::PermissionsExt as _;
    let plain = parent.join("plain");
    std::fs::create_dir(&plain).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), mode(&plain));
    std::fs::remove_dir(&plain).unwrap();
    // An empty existing directory is replaced too.
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::create_dir(&out).unwrap();
    assert!(run(&out, 1, None).status.success());
    assert_eq!(listing(&out), old);
}

/// Kills the run after every publishing step in turn, starting from the state `setup` makes, and
/// checks `out` holds the old set or the new one, never a mix; then a clean run leaves no litter.
/// Returns how many steps there were.
fn kill_after_every_step(name: &str, setup: impl Fn(&Path)) -> u32 {
    let new = reference(2);
    for k in 1..=100 {
        let parent = scratch(&format!("{name}-{k}"));
        let out = parent.join("out");
        setup(&out);
        let before = out.exists().then(|| listing(&out));
        let o = run(&out, 2, Some(k));
        if o.status.success() {
            // `k` is past the last step: the run completed.
            assert_eq!(listing(&out), new);
            return k - 1;
        }
        assert_eq!(o.status.code(), None, "step {k}: killed by SIGABRT");
        match out.exists().then(|| listing(&out)) {
            None => assert!(before.is_none(), "step {k}: the old set vanished"),
            Some(now) => assert!(
                Some(&now) == before.as_ref() || now == new,
                "step {k}: a mix of old and new: {:?}",
                now.iter().map(|(n, _)| n).collect::<Vec<_>>()
            ),
        }
        // The next run finishes the job and clears what the killed one left.
        let o = run(&out, 2, None);
        assert!(o.status.success(), "step {k}: {}", text(&o.stderr));
        assert_eq!(listing(&out), new, "step {k}");
        let names: Vec<String> = listing(&parent).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["out"], "step {k}: litter after the next run");
    }
    panic!("more than 100 publishing steps?");
}

#[test]
fn a_kill_between_any_two_steps_leaves_the_old_set_or_the_new() {
    let steps = kill_after_every_step("kill-replace", |out| {
        assert!(run(out, 1, None).status.success());
    });
    // Staging dir, 4 files in 3 steps each, exchange, sync, 4 old files removed, the old dir.
    assert!(steps >= 19, "only {steps} steps");
}

#[test]
fn a_kill_while_creating_the_out_dir_leaves_nothing_or_the_new_set() {
    let steps = kill_after_every_step("kill-create", |_| {});
    assert!(steps >= 14, "only {steps} steps");
}

#[test]
fn a_kill_after_an_earlier_kill_still_leaves_a_whole_set() {
    // An earlier run was killed half-way through writing its staging directory.
    let steps = kill_after_every_step("kill-twice", |out| {
        assert!(run(out, 1, None).status.success());
        assert_eq!(run(out, 3, Some(6)).status.code(), None);
    });
    assert!(steps >= 19, "only {steps} steps");
}

#[test]
fn planted_links_are_never_followed_and_their_targets_stay_untouched() {
    let parent = scratch("links");
    let out = parent.join("out");
    let victims = parent.join("victims");
    std::fs::create_dir(&victims).unwrap();
    // A victim directory holding files with report names, and a victim file.
    let victim_dir = victims.join("dir");
    std::fs::create_dir(&victim_dir).unwrap();
    for r in REPORTS {
        std::fs::write(victim_dir.join(r), "precious").unwrap();
    }
    let victim_file = victims.join("file");
    std::fs::write(&victim_file, "precious").unwrap();
    let victims_before = (listing(&victims), listing(&victim_dir));

    // Beside `out`: every name of the temporary-directory pattern we can guess, the old `.tmp`
    // names, and the names a fallback would use.
    let mut planted = Vec::new();
    for suffix in [
        "",
        "XXXXXXXXXXXX",
        "AAAAAAAAAAAA",
        "000000000000",
        "a",
        "XXXXXXXXXXXX-old",
    ] {
        planted.push(format!(".out.memsim-{suffix}"));
    }
    for r in REPORTS {
        planted.push(format!(".{r}.tmp"));
    }
    planted.extend([".out.tmp".into(), "out.tmp".into(), "out.old".into()]);
    for (i, name) in planted.iter().enumerate() {
        let to = if i % 2 == 0 {
            &victim_dir
        } else {
            &victim_file
        };
        symlink(to, parent.join(name)).unwrap();
    }
    let beside_before = listing(&parent);

    // First into a new `out`, then over an existing one.
    for seed in [1, 2] {
        let o = run(&out, seed, None);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(listing(&out), reference(seed));
        let mut beside = listing(&parent);
        beside.retain(|(n, _)| n != "out");
        let mut want = beside_before.clone();
        want.retain(|(n, _)| n != "out");
        assert_eq!(beside, want, "the planted links are left as they were");
        assert_eq!((listing(&victims), listing(&victim_dir)), victims_before);
    }

    // Inside `out`: a link at each report name, and at each old temporary name. memsim refuses
    // (exit 2) and touches nothing.
    for r in REPORTS {
        for name in [r.to_string(), format!(".{r}.tmp")] {
            let set = scratch(&format!("links-in-{name}"));
            let out = set.join("out");
            assert!(run(&out, 1, None).status.success());
            let link = out.join(&name);
            let _ = std::fs::remove_file(&link);
            symlink(&victim_file, &link).unwrap();
            let before = listing(&out);
            let o = run(&out, 2, None);
            assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o.stderr));
            let stderr = text(&o.stderr);
            assert!(stderr.contains("did not write"), "{stderr}");
            assert_eq!(listing(&out), before, "{name}");
            assert_eq!(std::fs::read(&victim_file).unwrap(), b"precious");
        }
    }

    // `out` itself a link to a directory: refused, the directory untouched.
    let out = parent.join("out-link");
    symlink(&victim_dir, &out).unwrap();
    let o = run(&out, 1, None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("symbolic link"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!((listing(&victims), listing(&victim_dir)), victims_before);
}

#[test]
fn an_out_dir_with_other_files_is_refused_before_the_run_and_kept_whole() {
    let parent = scratch("foreign");
    let out = parent.join("out");
    assert!(run(&out, 1, None).status.success());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir(out.join("sub")).unwrap();
    let before = listing(&out);
    let o = run(&out, 2, None);
    assert_eq!(o.status.code(), Some(2));
    let stderr = text(&o.stderr);
    assert!(
        stderr.starts_with("memsim: --out `")
            && stderr.contains("holds `notes.txt` and 1 more, which memsim did not write"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(listing(&out), before);

    // A file where the directory should be.
    let file = parent.join("file");
    std::fs::write(&file, "mine").unwrap();
    let o = run(&file, 2, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not a directory"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"mine");
}

#[test]
fn leftovers_that_are_not_only_reports_are_left_alone() {
    let parent = scratch("leftover-foreign");
    let out = parent.join("out");
    let odd = parent.join(".out.memsim-userdata");
    std::fs::create_dir(&odd).unwrap();
    std::fs::write(odd.join("report.json"), "x").unwrap();
    std::fs::write(odd.join("mine.txt"), "mine").unwrap();
    let before = listing(&odd);
    assert!(run(&out, 1, None).status.success());
    assert_eq!(listing(&odd), before);
}
