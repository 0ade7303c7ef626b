//! Reading a published run back: [`RunFiles`], the typed content of a run directory's
//! `report.json`, `timeseries.csv`, `nmt-summary.txt` and `chart.svg`.
//!
//! Renderers that work from a finished run's files (the HTML report, `memsim diff`) read them
//! through this module rather than from a [`memsim_core::RunSummary`], so they work the same on a
//! run rendered a moment ago ([`RunFiles::from_files`] over [`crate::write_all_reports`]'s list,
//! no round trip through disk) and on a directory published earlier (its files read by the caller:
//! this crate reads no files).
//!
//! The reader mirrors the writers exactly: `report.json` is deserialized into
//! [`report::ReportFile`] with unknown keys refused (a key this memsim does not know means the
//! file was written by a newer one, or by something else: [`RunFilesError::UnknownFormat`]),
//! `timeseries.csv`'s header is matched column by column against the layout
//! [`crate::render_csv`] writes, and `nmt-summary.txt` goes through [`crate::parse_nmt`]. Every
//! problem is a [`RunFilesError`] naming the file and, where there is one, the line; nothing here
//! panics on bad input.

pub mod report;
pub mod timeseries;

pub use report::ReportFile;
pub use timeseries::{TimeSeries, TimeSeriesRow};

use crate::nmt_text::{NmtSummary, parse_nmt};

/// The report files [`RunFiles`] reads, in [`crate::write_all_reports`]'s order.
pub const RUN_FILE_NAMES: [&str; 4] = [
    "report.json",
    "timeseries.csv",
    "nmt-summary.txt",
    "chart.svg",
];

/// The typed content of one run's published reports.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFiles {
    /// `report.json`.
    pub report: ReportFile,
    /// `timeseries.csv`, one row per sample.
    pub timeseries: TimeSeries,
    /// `nmt-summary.txt` as written.
    pub nmt_summary_text: String,
    /// `nmt-summary.txt` parsed (categories in bytes, in the order printed).
    pub nmt_summary: NmtSummary,
    /// `chart.svg` as written (a standalone SVG document).
    pub chart_svg: String,
}

/// Why a run's files cannot be read back. Every variant names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunFilesError {
    /// One of [`RUN_FILE_NAMES`] is not there.
    #[error(
        "{file}: missing (a run directory holds report.json, timeseries.csv, nmt-summary.txt and chart.svg)"
    )]
    Missing {
        /// The missing file's name.
        file: &'static str,
    },
    /// The file is not UTF-8 text.
    #[error("{file}: not UTF-8 text (invalid byte at offset {offset})")]
    NotText {
        /// The file's name.
        file: &'static str,
        /// The offset of the first invalid byte.
        offset: usize,
    },
    /// The file is of the right kind but its content is wrong (truncated, edited, a bad number).
    #[error("{file}: line {line}: {message}")]
    Malformed {
        /// The file's name.
        file: &'static str,
        /// 1-based line of the problem (the last line when the file ends too early).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file has a key, column or value this memsim does not know: written by a newer memsim,
    /// or not by memsim at all.
    #[error("{file}: line {line}: {message} (written by a newer memsim, or not a memsim report)")]
    UnknownFormat {
        /// The file's name.
        file: &'static str,
        /// 1-based line of the unknown key, column or value.
        line: usize,
        /// What was not recognised.
        message: String,
    },
    /// Two files disagree: they are not from the same run.
    #[error("{file}: {message} (the files are not from one run)")]
    Inconsistent {
        /// The file found at odds with `report.json`.
        file: &'static str,
        /// What disagrees.
        message: String,
    },
}

impl RunFiles {
    /// Reads the reports from `(file name, bytes)` pairs: [`crate::write_all_reports`]'s list, or
    /// the files of a run directory. Names other than [`RUN_FILE_NAMES`] are ignored (a directory
    /// may hold `report.html`); when a name appears twice, the last wins.
    ///
    /// # Errors
    /// [`RunFilesError`] for the first file that is missing or cannot be read, in
    /// [`RUN_FILE_NAMES`] order, or when the time series has a different number of samples than
    /// the report's run could have (its last sample after the run's end).
    pub fn from_files<'a, I, B>(files: I) -> Result<RunFiles, RunFilesError>
    where
        I: IntoIterator<Item = (&'a str, B)>,
        B: AsRef<[u8]> + 'a,
    {
        let mut found: [Option<B>; 4] = [None, None, None, None];
        for (name, bytes) in files {
            if let Some(i) = RUN_FILE_NAMES.iter().position(|n| *n == name) {
                found[i] = Some(bytes);
            }
        }
        let [json, csv, nmt, svg] = found;
        let json = text(RUN_FILE_NAMES[0], json)?;
        let csv = text(RUN_FILE_NAMES[1], csv)?;
        let nmt = text(RUN_FILE_NAMES[2], nmt)?;
        let svg = text(RUN_FILE_NAMES[3], svg)?;
        let report = report::parse(&json)?;
        let timeseries = timeseries::parse(&csv)?;
        let nmt_summary = parse_nmt(&nmt).map_err(|e| RunFilesError::Malformed {
            file: RUN_FILE_NAMES[2],
            line: e.line,
            message: e.message,
        })?;
        if !svg.trim_start().starts_with("<svg") && !svg.trim_start().starts_with("<?xml") {
            return Err(RunFilesError::Malformed {
                file: RUN_FILE_NAMES[3],
                line: 1,
                message: "not an SVG document (it does not begin with `<svg` or `<?xml`)".into(),
            });
        }
        if timeseries.has_database() != report.database.is_some() {
            return Err(RunFilesError::Inconsistent {
                file: RUN_FILE_NAMES[1],
                message: format!(
                    "the time series {} database columns but report.json {} a database section",
                    if timeseries.has_database() {
                        "has"
                    } else {
                        "has no"
                    },
                    if report.database.is_some() {
                        "has"
                    } else {
                        "has no"
                    },
                ),
            });
        }
        if let Some(last) = timeseries.rows.last()
            && last.at_ms > seconds_to_ms(report.ended_at_seconds)
        {
            return Err(RunFilesError::Inconsistent {
                file: RUN_FILE_NAMES[1],
                message: format!(
                    "its last sample at {}s is after the run's end at {}s",
                    last.time_s, report.ended_at_seconds
                ),
            });
        }
        Ok(RunFiles {
            report,
            timeseries,
            nmt_summary_text: nmt,
            nmt_summary,
            chart_svg: svg,
        })
    }
}

/// Whole milliseconds of a `*_seconds` value (written rounded to milliseconds).
pub(crate) fn seconds_to_ms(seconds: f64) -> u64 {
    (seconds * 1000.0).round().max(0.0) as u64
}

fn text<B: AsRef<[u8]>>(file: &'static str, bytes: Option<B>) -> Result<String, RunFilesError> {
    let bytes = bytes.ok_or(RunFilesError::Missing { file })?;
    match std::str::from_utf8(bytes.as_ref()) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(RunFilesError::NotText {
            file,
            offset: e.valid_up_to(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fixture, write_all_reports};
    use memsim_core::{Account, RunSummary};

    fn files(s: &RunSummary) -> Vec<(&'static str, Vec<u8>)> {
        write_all_reports(s)
    }

    fn read(files: &[(&'static str, Vec<u8>)]) -> Result<RunFiles, RunFilesError> {
        RunFiles::from_files(files.iter().map(|(n, b)| (*n, b.as_slice())))
    }

    fn replace(files: &mut [(&'static str, Vec<u8>)], name: &str, f: impl Fn(&str) -> String) {
        let entry = files.iter_mut().find(|(n, _)| *n == name).unwrap();
        entry.1 = f(std::str::from_utf8(&entry.1).unwrap()).into_bytes();
    }

    #[test]
    fn an_observed_run_says_so_and_reads_back() {
        let simulated = files(&fixture::oom_run());
        assert!(!String::from_utf8_lossy(&simulated[0].1).contains("\"observation\""));
        assert_eq!(read(&simulated).unwrap().report.observation, None);
        let mut s = fixture::oom_run();
        s.observation = Some(memsim_core::Observation {
            command: vec!["java".into(), "-Xmx4g".into(), "Main".into()],
            exit: memsim_core::ExitStatus::Signalled(9),
            interrupted: false,
            interval_ms: 200,
            jvm_pid: Some(4242),
            nmt: true,
            processes_max: 3,
            threads_max: 57,
            pss_max_bytes: Some(123 << 20),
            cgroup: Some("/kubepods/pod1".into()),
            notes: vec!["a note".into()],
        });
        let o = read(&files(&s)).unwrap().report.observation.unwrap();
        assert_eq!(o.source, "observed");
        assert_eq!(o.command, ["java", "-Xmx4g", "Main"]);
        assert_eq!((o.exit_code, o.signal), (None, Some(9)));
        assert_eq!(
            (o.jvm_pid, o.nmt, o.processes_max, o.threads_max),
            (Some(4242), true, 3, 57)
        );
        assert_eq!(o.pss_max_bytes, Some(123 << 20));
        assert_eq!(o.cgroup.as_deref(), Some("/kubepods/pod1"));
        assert_eq!(o.notes, ["a note"]);
    }

    #[test]
    fn the_rendered_files_read_back_to_the_summary_s_values() {
        for s in [fixture::oom_run(), fixture::fitting_run()] {
            let r = read(&files(&s)).unwrap();
            assert_eq!(r.report.scenario, s.scenario);
            assert_eq!(r.report.verdict, s.verdict);
            assert_eq!(r.report.peak_resident_bytes, s.peak_resident_bytes);
            assert_eq!(r.report.configured_bytes, s.configured_bytes);
            assert_eq!(r.report.configured_terms.len(), s.configured_terms.len());
            assert_eq!(r.report.categories_at_peak.len(), Account::COUNT);
            for ((name, c), a) in r.report.categories_at_peak.iter().zip(Account::ALL) {
                assert_eq!(name, a.name());
                assert_eq!(c.resident_bytes, s.at_peak.get(*a).resident);
                assert_eq!(c.committed_bytes, s.at_peak.get(*a).committed);
            }
            let beyond: Vec<(String, u64)> = s
                .beyond_configuration()
                .into_iter()
                .map(|(a, b)| (a.name().to_string(), b))
                .collect();
            let read_beyond: Vec<(String, u64)> = r
                .report
                .beyond_configuration
                .iter()
                .map(|b| (b.category.clone(), b.resident_bytes))
                .collect();
            assert_eq!(read_beyond, beyond);
            assert_eq!(r.report.counters, s.counters);
            assert_eq!(r.report.parameters, s.parameters);
            assert_eq!(r.report.events.len(), s.events.len());
            assert_eq!(r.timeseries.accounts, Account::ALL);
            assert_eq!(r.timeseries.rows.len(), s.samples.len());
            for (row, sample) in r.timeseries.rows.iter().zip(&s.samples) {
                assert_eq!(row.at_ms, (sample.at.0 + 500_000) / 1_000_000);
                assert_eq!(row.resident_total_bytes, sample.resident_total());
                for (i, usage) in sample.accounts.iter().enumerate() {
                    assert_eq!(row.resident_bytes[i], usage.resident);
                    assert_eq!(row.committed_bytes[i], usage.committed);
                }
                assert_eq!(row.charge_bytes, sample.charge.charge_bytes);
            }
            assert_eq!(r.report.database.is_some(), s.database.is_some());
            assert!(
                r.nmt_summary
                    .categories
                    .iter()
                    .any(|(n, _)| n == "Java Heap")
            );
            assert!(r.chart_svg.contains("</svg>"));
        }
    }

    #[test]
    fn a_missing_file_is_named() {
        let mut f = files(&fixture::oom_run());
        f.retain(|(n, _)| *n != "nmt-summary.txt");
        assert_eq!(
            read(&f).unwrap_err(),
            RunFilesError::Missing {
                file: "nmt-summary.txt"
            }
        );
        // Other files are ignored.
        let mut f = files(&fixture::oom_run());
        f.push(("report.html", b"<html>".to_vec()));
        assert!(read(&f).is_ok());
    }

    #[test]
    fn a_newer_format_is_told_from_a_broken_file() {
        let mut f = files(&fixture::oom_run());
        replace(&mut f, "report.json", |t| {
            t.replacen("  \"seed\"", "  \"format_version\": 2,\n  \"seed\"", 1)
        });
        let e = read(&f).unwrap_err();
        assert!(
            matches!(&e, RunFilesError::UnknownFormat { file: "report.json", line: 3, message } if message.contains("format_version")),
            "{e:?}"
        );
        assert!(e.to_string().contains("newer memsim"), "{e}");

        let mut f = files(&fixture::oom_run());
        replace(&mut f, "report.json", |t| {
            t.replacen("\"oom_killed\"", "\"exploded\"", 1)
        });
        assert!(matches!(
            read(&f).unwrap_err(),
            RunFilesError::UnknownFormat {
                file: "report.json",
                ..
            }
        ));

        let mut f = files(&fixture::oom_run());
        replace(&mut f, "report.json", |t| t[..t.len() / 2].to_string());
        let e = read(&f).unwrap_err();
        assert!(
            matches!(
                e,
                RunFilesError::Malformed {
                    file: "report.json",
                    ..
                }
            ),
            "{e:?}"
        );

        let mut f = files(&fixture::oom_run());
        replace(&mut f, "report.json", |t| {
            t.replacen("\"seed\": 42", "\"seed\": -1", 1)
        });
        assert!(matches!(
            read(&f).unwrap_err(),
            RunFilesError::Malformed {
                file: "report.json",
                line: 3,
                ..
            }
        ));
    }

    #[test]
    fn a_broken_time_series_names_its_line_and_column() {
        let mut f = files(&fixture::oom_run());
        replace(&mut f, "timeseries.csv", |t| {
            t.replacen("java_heap_committed", "java_hype_committed", 1)
        });
        let e = read(&f).unwrap_err();
        assert!(
            matches!(&e, RunFilesError::UnknownFormat { file: "timeseries.csv", line: 1, message } if message.contains("java_hype")),
            "{e:?}"
        );

        let mut f = files(&fixture::oom_run());
        replace(&mut f, "timeseries.csv", |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            lines[2] = lines[2].replacen(',', ",x", 2);
            lines.join("\n") + "\n"
        });
        let e = read(&f).unwrap_err();
        assert!(
            matches!(&e, RunFilesError::Malformed { file: "timeseries.csv", line: 3, message } if message.contains("not a whole number")),
            "{e:?}"
        );

        let mut f = files(&fixture::oom_run());
        replace(&mut f, "timeseries.csv", |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            lines[2].push_str(",1");
            lines.join("\n") + "\n"
        });
        assert!(matches!(
            read(&f).unwrap_err(),
            RunFilesError::Malformed {
                file: "timeseries.csv",
                line: 3,
                ..
            }
        ));

        let mut f = files(&fixture::oom_run());
        replace(&mut f, "timeseries.csv", |_| String::new());
        assert!(matches!(
            read(&f).unwrap_err(),
            RunFilesError::Malformed {
                file: "timeseries.csv",
                line: 1,
                ..
            }
        ));
    }

    #[test]
    fn other_files_are_checked_too() {
        let mut f = files(&fixture::oom_run());
        f.iter_mut().find(|(n, _)| *n == "chart.svg").unwrap().1 = vec![b'<', 0xff, b'>'];
        assert_eq!(
            read(&f).unwrap_err(),
            RunFilesError::NotText {
                file: "chart.svg",
                offset: 1
            }
        );
        let mut f = files(&fixture::oom_run());
        replace(&mut f, "nmt-summary.txt", |_| "hello\n".into());
        assert!(matches!(
            read(&f).unwrap_err(),
            RunFilesError::Malformed {
                file: "nmt-summary.txt",
                ..
            }
        ));
        let mut f = files(&fixture::oom_run());
        replace(&mut f, "chart.svg", |_| "PNG".into());
        assert!(matches!(
            read(&f).unwrap_err(),
            RunFilesError::Malformed {
                file: "chart.svg",
                ..
            }
        ));
        // The time series of a longer run beside this run's report.
        let mut f = files(&fixture::fitting_run());
        f[1] = files(&fixture::oom_run())[1].clone();
        assert!(matches!(
            read(&f).unwrap_err(),
            RunFilesError::Inconsistent {
                file: "timeseries.csv",
                ..
            }
        ));
    }
}
