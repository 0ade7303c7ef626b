//! Reading a published run directory (`--out`'s report set) back into
//! [`memsim_report::RunFiles`], for commands that work from finished runs (`memsim report`).
//!
//! Each of [`memsim_report::RUN_FILE_NAMES`] is read whole, up to [`REPORT_FILE_LIMIT`]; the
//! library checks the content. A directory or file that cannot be read is an I/O failure (exit
//! 1); a file missing from an existing directory, one over the limit, or content that is not a
//! memsim report is bad input (exit 2).

use std::io::Read as _;
use std::path::Path;

use memsim_report::{RUN_FILE_NAMES, RunFiles};

/// The largest report file read back: 1 GiB (a long run's `timeseries.csv` is tens of MiB).
pub(crate) const REPORT_FILE_LIMIT: u64 = 1 << 30;

/// Why a run directory was not read.
#[derive(Debug)]
pub(crate) enum RunDirError {
    /// Not a memsim run directory, or its files are not memsim's (exit 2).
    Bad(String),
    /// The directory or a file cannot be read (exit 1).
    Io(anyhow::Error),
}

/// Reads `dir`'s report files into [`RunFiles`].
pub(crate) fn read_run_dir(dir: &Path) -> Result<RunFiles, RunDirError> {
    let shown = crate::input::shown(dir);
    let meta = std::fs::metadata(dir)
        .map_err(|e| RunDirError::Io(anyhow::anyhow!("cannot read {shown}: {e}")))?;
    if !meta.is_dir() {
        return Err(RunDirError::Bad(format!(
            "{shown}: not a directory, so not a run directory (give the directory `memsim run --out` wrote)"
        )));
    }
    let mut files: Vec<(&str, Vec<u8>)> = Vec::with_capacity(RUN_FILE_NAMES.len());
    for name in RUN_FILE_NAMES {
        let path = dir.join(name);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            // Missing: the library says which file, and what a run directory holds.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(RunDirError::Io(anyhow::anyhow!(
                    "cannot read {shown}/{name}: {e}"
                )));
            }
        };
        let mut bytes = Vec::new();
        file.take(REPORT_FILE_LIMIT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| RunDirError::Io(anyhow::anyhow!("cannot read {shown}/{name}: {e}")))?;
        if bytes.len() as u64 > REPORT_FILE_LIMIT {
            return Err(RunDirError::Bad(format!(
                "{shown}/{name}: larger than {} (not a memsim report)",
                memsim_core::ByteSize(REPORT_FILE_LIMIT)
            )));
        }
        files.push((name, bytes));
    }
    RunFiles::from_files(files.iter().map(|(n, b)| (*n, b.as_slice())))
        .map_err(|e| RunDirError::Bad(format!("{shown}/{e}")))
}

/// [`read_run_dir`] for a command that stops on a bad directory: the message on stderr, exit 2 for
/// what is not a readable run directory, 1 for an I/O failure.
pub(crate) fn read_run_dir_or_exit(dir: &Path) -> Result<RunFiles, std::process::ExitCode> {
    read_run_dir(dir).map_err(|e| match e {
        RunDirError::Bad(message) => {
            eprintln!("memsim: {message}");
            std::process::ExitCode::from(2)
        }
        RunDirError::Io(e) => crate::io_failure(e),
    })
}
