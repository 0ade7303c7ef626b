//! Publishing the report set into `--out DIR` as one unit.
//!
//! The reports are written into a fresh directory beside `DIR` (same parent, so same filesystem),
//! named `.DIR.memsim-XXXXXX` with a random suffix and created exclusively by [`tempfile`]: nothing
//! at a predictable name is ever opened, and every report file inside it is created with
//! `O_CREAT | O_EXCL`, which fails rather than follow a link. The files are synced, then the
//! directory is renamed into place:
//!
//! - `DIR` absent: one `rename` (Linux: `renameat2(RENAME_NOREPLACE)`).
//! - `DIR` present: on Linux one `renameat2(RENAME_EXCHANGE)` swaps the new set and the old in a
//!   single step, then the old set (now at the temporary name) is removed. Where the exchange is not
//!   supported (other systems, or a filesystem that answers `EINVAL`), the old directory is first
//!   renamed aside and the new one renamed into place: a reader may then briefly see no `DIR`, but
//!   never a mix.
//!
//! So a crash or kill at any point leaves `DIR` holding the old complete set or the new one, never a
//! mix. What a killed run leaves beside `DIR` (a `.DIR.memsim-*` directory holding nothing but
//! report files) is removed by the next run into the same `DIR`.
//!
//! **A user's files are never deleted.** An existing `DIR` may hold only memsim's reports (regular
//! files named `report.json`, `timeseries.csv`, `nmt-summary.txt`, `chart.svg`, `chart.png`,
//! `report.html`); if it holds
//! anything else — another file, a subdirectory, a symbolic link, even one named like a report — or
//! `DIR` is itself a symbolic link or not a directory, the run is refused with
//! [`PublishError::Refused`] (exit 2) before anything is simulated or written. Removing an old set
//! removes only regular files with report names and then the (then empty) directory.
//!
//! One run at a time per `DIR`: two concurrent runs into the same `DIR` are not coordinated.
//!
//! **Test hook.** `MEMSIM_FAULT_INJECT_STEP=k` makes the process `abort()` right after step `k`
//! (1-based) of publishing, to test that a kill between any two steps leaves the old or the new
//! set. It exists for memsim's own tests; an unset or unparsable value does nothing.

use std::ffi::OsString;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The names of the files memsim writes into `--out`, and the only names it ever deletes.
pub(crate) const REPORT_NAMES: [&str; 9] = [
    "report.json",
    "timeseries.csv",
    "nmt-summary.txt",
    "chart.svg",
    "chart.png",
    "report.html",
    // `memsim sweep`'s summary.
    "sweep.json",
    "sweep.csv",
    "sweep.svg",
];

/// The environment variable of the fault-injection test hook.
pub(crate) const FAULT_ENV: &str = "MEMSIM_FAULT_INJECT_STEP";

/// Why the reports were not published.
#[derive(Debug)]
pub(crate) enum PublishError {
    /// `--out` names something memsim must not replace (exit 2): the message says what and why.
    Refused(String),
    /// Reading or writing failed (exit 1).
    Io(anyhow::Error),
}

impl From<anyhow::Error> for PublishError {
    fn from(e: anyhow::Error) -> Self {
        PublishError::Io(e)
    }
}

/// Counts publishing steps and aborts after the one named by [`FAULT_ENV`].
#[derive(Debug)]
struct Steps {
    done: u32,
    abort_after: Option<u32>,
}

impl Steps {
    fn from_env() -> Steps {
        Steps {
            done: 0,
            abort_after: std::env::var(FAULT_ENV).ok().and_then(|v| v.parse().ok()),
        }
    }

    /// Steps that never abort: for clean-up after a failure.
    fn inert() -> Steps {
        Steps {
            done: 0,
            abort_after: None,
        }
    }

    /// Marks one step done; the test hook aborts here when asked to.
    fn step(&mut self) {
        self.done += 1;
        if self.abort_after == Some(self.done) {
            std::process::abort();
        }
    }
}

/// Where the report set goes: `DIR` split into its parent and its name.
#[derive(Debug)]
struct Target {
    parent: PathBuf,
    name: OsString,
    path: PathBuf,
}

impl Target {
    fn new(out: &Path) -> Result<Target, PublishError> {
        let out = match out.file_name() {
            Some(_) => out.to_path_buf(),
            // `.`, `..`, `dir/..`: name the directory itself.
            None => fs::canonicalize(out)
                .map_err(|e| anyhow::anyhow!("cannot resolve {}: {e}", out.display()))?,
        };
        let Some(name) = out.file_name().map(OsString::from) else {
            return Err(PublishError::Refused(format!(
                "--out {}: cannot replace the root directory; name a directory to write the reports into",
                out.display()
            )));
        };
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Target {
            parent,
            name,
            path: out,
        })
    }

    /// The prefix of this target's temporary directories: `.DIR.memsim-`.
    fn temp_prefix(&self) -> OsString {
        let mut p = OsString::from(".");
        p.push(&self.name);
        p.push(".memsim-");
        p
    }
}

/// Checks that `out` is absent or a real directory holding nothing but memsim's reports, so that a
/// later [`publish`] may replace it. Called before the simulation runs, and again when publishing.
///
/// # Errors
/// [`PublishError::Refused`] when `out` must not be replaced; [`PublishError::Io`] when it cannot
/// be inspected.
pub(crate) fn check_out_dir(out: &Path) -> Result<(), PublishError> {
    let meta = match fs::symlink_metadata(out) {
        Ok(m) => m,
        // Absent, or under a file: creating it will fail with the reason.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(());
        }
        Err(e) => return Err(anyhow::anyhow!("cannot inspect {}: {e}", out.display()).into()),
    };
    let refuse = |why: String| {
        Err(PublishError::Refused(format!(
            "--out {}: {why}",
            memsim_core::quote_for_message(&out.to_string_lossy())
        )))
    };
    if meta.file_type().is_symlink() {
        return refuse("is a symbolic link; give the directory it points to".into());
    }
    if !meta.is_dir() {
        return refuse("exists and is not a directory".into());
    }
    let foreign = foreign_entries(out)?;
    if let Some(first) = foreign.first() {
        let more = match foreign.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        return refuse(format!(
            "holds {first}{more}, which memsim did not write; memsim replaces the whole directory, so \
             give an empty or new directory (or move those files away)"
        ));
    }
    Ok(())
}

/// Entries of `dir` that are not regular files with a report name, quoted for a message.
fn foreign_entries(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut foreign = Vec::new();
    let entries =
        fs::read_dir(dir).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
        let file_type = entry
            .file_type()
            .map_err(|e| anyhow::anyhow!("cannot inspect {}: {e}", entry.path().display()))?;
        let name = entry.file_name();
        let is_report = name.to_str().is_some_and(|n| REPORT_NAMES.contains(&n));
        if !(is_report && file_type.is_file()) {
            foreign.push(memsim_core::quote_for_message(&name.to_string_lossy()));
        }
    }
    foreign.sort();
    Ok(foreign)
}

/// Removes a report directory: its regular report files, then the directory itself. Anything else
/// in it is left alone, and then so is the directory. Returns whether the directory is gone.
fn remove_report_dir(dir: &Path, steps: &mut Steps) -> bool {
    for name in REPORT_NAMES {
        let path = dir.join(name);
        if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file())
            && fs::remove_file(&path).is_ok()
        {
            steps.step();
        }
    }
    fs::remove_dir(dir).is_ok()
}

/// Removes what killed runs left beside `target`: `.DIR.memsim-*` entries that are real
/// directories holding only report files. Anything else with that prefix is left alone.
fn remove_leftovers(target: &Target, steps: &mut Steps) {
    let prefix = target.temp_prefix();
    let prefix = prefix.as_encoded_bytes();
    let Ok(entries) = fs::read_dir(&target.parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.as_encoded_bytes().starts_with(prefix) {
            continue;
        }
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && foreign_entries(&path).is_ok_and(|f| f.is_empty()) {
            remove_report_dir(&path, steps);
        }
    }
}

/// Writes `files` (each a report name and its bytes) into `out` as one unit, replacing the report
/// set there: see the module documentation for how, and what is refused.
///
/// # Errors
/// [`PublishError::Refused`] when `out` is not memsim's to replace (nothing is written);
/// [`PublishError::Io`] when writing fails (what this call wrote is removed; `out` is unchanged).
pub(crate) fn publish(out: &Path, files: &[(&'static str, Vec<u8>)]) -> Result<(), PublishError> {
    let mut steps = Steps::from_env();
    let target = Target::new(out)?;
    fs::create_dir_all(&target.parent)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", target.parent.display()))?;
    check_out_dir(&target.path)?;
    remove_leftovers(&target, &mut steps);

    let staging = tempfile::Builder::new()
        .prefix(&target.temp_prefix())
        .rand_bytes(12)
        .tempdir_in(&target.parent)
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot create a directory in {}: {e}",
                target.parent.display()
            )
        })?;
    steps.step();
    for (name, bytes) in files {
        debug_assert!(REPORT_NAMES.contains(name));
        let path = staging.path().join(name);
        let failed = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", path.display());
        // `create_new`: O_CREAT | O_EXCL, which fails on anything already there, links included.
        let mut f = fs::File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(failed)?;
        steps.step();
        // Half a file is a step too: a kill mid-write must not show either.
        let half = bytes.len() / 2;
        f.write_all(&bytes[..half]).map_err(failed)?;
        steps.step();
        f.write_all(&bytes[half..]).map_err(failed)?;
        f.sync_all().map_err(failed)?;
        steps.step();
    }
    sync_dir(staging.path());

    // From here on the staging directory must not be removed by `TempDir`'s drop: it is renamed.
    let staged = staging.keep();
    let swapped = match place(&staged, &target.path, &mut steps) {
        Ok(swapped) => swapped,
        Err(e) => {
            remove_report_dir(&staged, &mut Steps::inert());
            return Err(e);
        }
    };
    sync_dir(&target.parent);
    steps.step();
    if let Some(old) = swapped
        && !remove_report_dir(&old, &mut steps)
    {
        eprintln!(
            "memsim: warning: the previous reports are kept in {}: it holds files memsim did not write",
            memsim_core::quote_for_message(&old.to_string_lossy())
        );
    }
    steps.step();
    Ok(())
}

/// Moves the staged directory to `out`. Returns where the old set went, if there was one.
fn place(staged: &Path, out: &Path, steps: &mut Steps) -> Result<Option<PathBuf>, PublishError> {
    match rename_new(staged, out) {
        Ok(()) => {
            steps.step();
            return Ok(None);
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists || is_not_empty(&e) => {}
        Err(e) => {
            return Err(anyhow::anyhow!("cannot rename into {}: {e}", out.display()).into());
        }
    }
    // `out` exists: check again that it holds only reports (files may have appeared during the
    // run), then swap in one step where the system can.
    check_out_dir(out)?;
    match exchange(staged, out) {
        Ok(()) => {
            steps.step();
            Ok(Some(staged.to_path_buf()))
        }
        Err(e) if exchange_unsupported(&e) => {
            // Two renames: a reader may see no `out` in between, never a mix.
            let mut aside = staged.as_os_str().to_owned();
            aside.push("-old");
            let aside = PathBuf::from(aside);
            fs::rename(out, &aside)
                .map_err(|e| anyhow::anyhow!("cannot move {} aside: {e}", out.display()))?;
            steps.step();
            if let Err(e) = fs::rename(staged, out) {
                // Put the old set back rather than leave no `out`.
                let _ = fs::rename(&aside, out);
                return Err(anyhow::anyhow!("cannot rename into {}: {e}", out.display()).into());
            }
            steps.step();
            Ok(Some(aside))
        }
        Err(e) => Err(anyhow::anyhow!("cannot replace {}: {e}", out.display()).into()),
    }
}

fn is_not_empty(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::DirectoryNotEmpty
}

/// Renames `from` to `to`, failing if `to` exists.
#[cfg(target_os = "linux")]
fn rename_new(from: &Path, to: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(e) if exchange_unsupported(&e.into()) => {
            if fs::symlink_metadata(to).is_ok() {
                return Err(std::io::ErrorKind::AlreadyExists.into());
            }
            fs::rename(from, to)
        }
        Err(e) => Err(e.into()),
    }
}

/// Renames `from` to `to`, failing if `to` exists.
#[cfg(not(target_os = "linux"))]
fn rename_new(from: &Path, to: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(to).is_ok() {
        return Err(std::io::ErrorKind::AlreadyExists.into());
    }
    fs::rename(from, to)
}

/// Swaps `a` and `b` atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(Into::into)
}

/// Swaps `a` and `b` atomically: not available here.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Whether the system or filesystem lacks `renameat2`'s flags (old kernels, some filesystems).
fn exchange_unsupported(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Unsupported || matches!(e.raw_os_error(), Some(22 | 38 | 95)) // EINVAL, ENOSYS, EOPNOTSUPP
}

/// Syncs a directory's entries to disk, where the system allows; durability only, so best effort.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
