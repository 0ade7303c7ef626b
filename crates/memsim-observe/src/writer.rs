//! The observation's files: `timeseries.csv` (memsim's layout) and `observed.csv` (what `/proc`
//! said, including what the ledger has no column for: processes, threads, PSS) appended and
//! flushed at every sample, so a crash of memsim or of the command loses nothing taken; at the
//! end, the report set written file by file through a temporary file renamed into place.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use memsim_core::Sample;
use memsim_report::{render_csv_header, render_csv_row};

use crate::ObserveError;
use crate::proc_reader::ProcessMemory;

/// The extra per-sample file's name.
pub const OBSERVED_CSV: &str = "observed.csv";

/// Appends samples to the output directory's CSV files.
#[derive(Debug)]
pub struct SampleWriter {
    dir: PathBuf,
    timeseries: File,
    observed: File,
}

/// What `/proc` said at one sample, beside the ledger.
#[derive(Debug, Clone, Copy)]
pub struct ProcRow {
    /// Processes in the tree.
    pub processes: u64,
    /// The tree's memory.
    pub memory: ProcessMemory,
    /// Milliseconds since the NMT summary used was taken, when one was.
    pub nmt_age_ms: Option<u64>,
}

fn io_error(path: &Path, e: std::io::Error) -> ObserveError {
    ObserveError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

impl SampleWriter {
    /// Creates `dir` when missing and starts both CSV files with their headers (replacing files of
    /// an earlier observation).
    ///
    /// # Errors
    /// [`ObserveError::Write`] when the directory or a file cannot be created.
    pub fn create(dir: &Path) -> Result<SampleWriter, ObserveError> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let open = |name: &str| {
            let path = dir.join(name);
            OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(&path)
                .map_err(|e| io_error(&path, e))
        };
        let mut w = SampleWriter {
            dir: dir.to_path_buf(),
            timeseries: open("timeseries.csv")?,
            observed: open(OBSERVED_CSV)?,
        };
        let mut header = Vec::new();
        render_csv_header(&mut header).expect("writing into a Vec<u8> cannot fail");
        w.append("timeseries.csv", &header)?;
        w.append(
            OBSERVED_CSV,
            b"time_s,processes,threads,rss_anon_bytes,rss_file_bytes,rss_shmem_bytes,pss_bytes,nmt_age_ms\n",
        )?;
        Ok(w)
    }

    fn append(&mut self, name: &str, bytes: &[u8]) -> Result<(), ObserveError> {
        let file = if name == OBSERVED_CSV {
            &mut self.observed
        } else {
            &mut self.timeseries
        };
        file.write_all(bytes)
            .and_then(|()| file.flush())
            .map_err(|e| io_error(&self.dir.join(name), e))
    }

    /// Appends one sample to both files (whole lines, one `write` each).
    ///
    /// # Errors
    /// [`ObserveError::Write`].
    pub fn sample(&mut self, sample: &Sample, proc_row: &ProcRow) -> Result<(), ObserveError> {
        let mut row = Vec::new();
        render_csv_row(sample, &mut row).expect("writing into a Vec<u8> cannot fail");
        self.append("timeseries.csv", &row)?;
        let ms = (sample.at.0 + 500_000) / 1_000_000;
        let m = &proc_row.memory;
        let line = format!(
            "{}.{:03},{},{},{},{},{},{},{}\n",
            ms / 1000,
            ms % 1000,
            proc_row.processes,
            m.threads,
            m.rss_anon_bytes,
            m.rss_file_bytes,
            m.rss_shmem_bytes,
            m.pss_bytes.map(|p| p.to_string()).unwrap_or_default(),
            proc_row
                .nmt_age_ms
                .map(|p| p.to_string())
                .unwrap_or_default(),
        );
        self.append(OBSERVED_CSV, line.as_bytes())
    }

    /// Writes the final report set, each file through a temporary file renamed over it.
    ///
    /// # Errors
    /// [`ObserveError::Write`].
    pub fn finish(self, files: &[(&str, Vec<u8>)]) -> Result<(), ObserveError> {
        for (name, bytes) in files {
            let path = self.dir.join(name);
            let tmp = self.dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, bytes).map_err(|e| io_error(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| io_error(&path, e))?;
        }
        Ok(())
    }
}
