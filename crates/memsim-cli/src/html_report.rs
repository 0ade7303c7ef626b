//! The teaching report, `report.html`: added to `memsim run --out`'s report set with `--html`, or
//! written into a published run directory by `memsim report DIR`.
//!
//! Both render from [`memsim_report::RunFiles`]: `run` from the report files it just rendered in
//! memory (no round trip through disk), `report` from the directory's files ([`crate::run_dir`]).
//!
//! `memsim report DIR` exits **0** when `DIR/report.html` is written, **2** when `DIR` is not a
//! run directory memsim can read (not a directory, a report file missing, malformed, or from a
//! newer memsim; the message names the file and line), **1** on an I/O failure. The page is
//! written atomically: into a temporary file in `DIR` (created exclusively, with a random name
//! starting `.report.html.`), synced, then renamed over `report.html`, so a reader sees the old
//! page or the new one, never half of one. A kill between the two can leave the temporary file
//! behind; it is not a report name, so a later `memsim run --out DIR` refuses `DIR` until it is
//! removed.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use memsim_report::{RunFiles, render_html};

use crate::run_dir::{RunDirError, read_run_dir};

/// The page's file name.
pub(crate) const HTML_NAME: &str = "report.html";

/// Renders `report.html` from `reports` (as [`memsim_report::write_all_reports`] returns them) and
/// appends it.
///
/// # Errors
/// A message when memsim's own reports do not read back (a bug in memsim, not bad input).
pub(crate) fn add_html(reports: &mut Vec<(&'static str, Vec<u8>)>) -> Result<(), String> {
    let run = RunFiles::from_files(reports.iter().map(|(n, b)| (*n, b.as_slice())))
        .map_err(|e| format!("memsim bug: its own reports do not read back: {e}"))?;
    let mut html = Vec::new();
    render_html(&run, &mut html).map_err(|e| format!("rendering report.html: {e}"))?;
    reports.push((HTML_NAME, html));
    Ok(())
}

/// `memsim report DIR`.
pub(crate) fn report(dir: &Path, quiet: bool) -> ExitCode {
    let run = match read_run_dir(dir) {
        Ok(run) => run,
        Err(RunDirError::Bad(message)) => {
            eprintln!("memsim: {message}");
            return ExitCode::from(2);
        }
        Err(RunDirError::Io(e)) => {
            eprintln!("memsim: {e:#}");
            return ExitCode::from(1);
        }
    };
    let mut html = Vec::new();
    if let Err(e) = render_html(&run, &mut html) {
        eprintln!("memsim: rendering report.html: {e}");
        return ExitCode::from(1);
    }
    let target = dir.join(HTML_NAME);
    if let Err(e) = write_atomically(dir, &target, &html) {
        eprintln!("memsim: cannot write {}: {e}", crate::input::shown(&target));
        return ExitCode::from(1);
    }
    if !quiet {
        println!("{}", crate::input::shown(&target));
    }
    ExitCode::SUCCESS
}

/// Writes `bytes` to `target` (in `dir`) through a synced temporary file renamed into place.
fn write_atomically(dir: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".report.html.")
        .rand_bytes(12)
        .tempfile_in(dir)?;
    // tempfile creates 0600; the page is as readable as the other reports.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    // The rename is durable once the directory is synced; a failure here leaves the page written.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
