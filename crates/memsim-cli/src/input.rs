//! Reading input files — scenarios, allocation traces, NMT summaries — with a size limit, as text.
//!
//! Every input goes through [`read_text`], which reads at most the kind's limit (so
//! `memsim check /dev/zero` stops instead of filling memory) and checks as it reads that the bytes
//! are UTF-8 text without NUL bytes, stopping at the first bad byte and naming its offset:
//!
//! | input | limit |
//! | --- | --- |
//! | scenario file | [`SCENARIO_LIMIT`], 64 MiB |
//! | NMT summary | [`NMT_LIMIT`], 64 MiB |
//! | allocation trace | [`TRACE_LIMIT`], 1 GiB |
//! | a run directory's report (`memsim diff`) | [`REPORT_LIMIT`], 1 GiB |
//!
//! A file over its limit, invalid UTF-8 or a NUL byte is bad input ([`InputError::Bad`], exit 2);
//! a file that cannot be opened or read is an I/O failure ([`InputError::Io`], exit 1).
//!
//! The path `-` means standard input, read the same way and named `<stdin>` in messages (a file
//! named `-` is `./-`). Standard input can be read once: a command given `-` twice reads it for
//! the first and is refused for the second (bad input, exit 2).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// The largest scenario file memsim reads: 64 MiB (real ones are a few KiB).
pub(crate) const SCENARIO_LIMIT: u64 = 64 << 20;
/// The largest NMT summary memsim reads: 64 MiB (real ones are a few KiB; `detail` a few MiB).
pub(crate) const NMT_LIMIT: u64 = 64 << 20;
/// The largest allocation trace memsim reads: 1 GiB (tens of millions of lines).
pub(crate) const TRACE_LIMIT: u64 = 1 << 30;

/// Which kind of input, for its limit and for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Scenario,
    Nmt,
    Trace,
}

impl Kind {
    fn limit(self) -> u64 {
        match self {
            Kind::Scenario => SCENARIO_LIMIT,
            Kind::Nmt => NMT_LIMIT,
            Kind::Trace => TRACE_LIMIT,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Scenario => "a scenario file",
            Kind::Nmt => "an NMT summary",
            Kind::Trace => "an allocation trace",
        }
    }
}

/// Why an input was not read.
#[derive(Debug)]
pub(crate) enum InputError {
    /// Not text memsim accepts (exit 2): the message names the file and the offending offset.
    Bad(String),
    /// The file cannot be opened or read (exit 1).
    Io(anyhow::Error),
}

/// The name standard input has in messages.
pub(crate) const STDIN_NAME: &str = "<stdin>";

/// Whether `path` is `-`, standard input.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Whether standard input has been read already.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// `path` as it may appear in a message: `<stdin>` for `-`, else the path with control characters
/// escaped, nothing cut.
pub(crate) fn shown(path: &Path) -> String {
    if is_stdin(path) {
        return STDIN_NAME.to_string();
    }
    memsim_core::quote::escape_controls(&path.display().to_string()).into_owned()
}

/// Reads `path` (or standard input for `-`) as UTF-8 text of at most `kind`'s limit.
///
/// # Errors
/// [`InputError::Bad`] for a file over the limit, invalid UTF-8 or a NUL byte (with its byte
/// offset and line); [`InputError::Io`] when the file cannot be opened or read.
pub(crate) fn read_text(path: &Path, kind: Kind) -> Result<String, InputError> {
    let io =
        |e: std::io::Error| InputError::Io(anyhow::anyhow!("cannot read {}: {e}", shown(path)));
    if is_stdin(path) {
        if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
            return Err(InputError::Bad(format!(
                "{STDIN_NAME}: already read for another input; `-` can stand for only one"
            )));
        }
        return read_bounded(path, kind, std::io::stdin().lock(), None);
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::ErrorKind::IsADirectory.into()));
    }
    // A regular file says its size; anything else (a pipe, a device) is cut off as it is read.
    let len = meta.is_file().then_some(meta.len());
    read_bounded(path, kind, file, len)
}

/// Reads `source` (named `path` in messages) as UTF-8 text of at most `kind`'s limit; `len` is its
/// size when known beforehand.
fn read_bounded(
    path: &Path,
    kind: Kind,
    mut source: impl std::io::Read,
    len: Option<u64>,
) -> Result<String, InputError> {
    let io =
        |e: std::io::Error| InputError::Io(anyhow::anyhow!("cannot read {}: {e}", shown(path)));
    let limit = kind.limit();
    let too_large = || {
        InputError::Bad(format!(
            "{}: larger than {} MiB, the limit for {}",
            shown(path),
            limit >> 20,
            kind.what()
        ))
    };
    if len.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    // Bytes before `checked` are valid UTF-8 without NUL; a character may straddle two reads.
    let mut checked = 0;
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match source.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        if bytes.len() as u64 + n as u64 > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk[..n]);
        checked = check_text(path, &bytes, checked, false)?;
    }
    check_text(path, &bytes, checked, true)?;
    // Checked above: valid UTF-8 throughout.
    String::from_utf8(bytes).map_err(|e| bad_utf8(path, e.as_bytes(), e.utf8_error().valid_up_to()))
}

/// Checks `bytes[from..]`; returns how far it is known good. An incomplete character at the end
/// is only an error at the end of the file.
fn check_text(path: &Path, bytes: &[u8], from: usize, at_end: bool) -> Result<usize, InputError> {
    let rest = &bytes[from..];
    let good = match std::str::from_utf8(rest) {
        Ok(_) => rest.len(),
        Err(e) if e.error_len().is_none() && !at_end => e.valid_up_to(),
        Err(e) => return Err(bad_utf8(path, bytes, from + e.valid_up_to())),
    };
    if let Some(nul) = rest[..good].iter().position(|&b| b == 0) {
        let at = from + nul;
        return Err(InputError::Bad(format!(
            "{}: a NUL byte at byte offset {at} (line {}): not a text file",
            shown(path),
            line_of(bytes, at)
        )));
    }
    Ok(from + good)
}

fn bad_utf8(path: &Path, bytes: &[u8], at: usize) -> InputError {
    InputError::Bad(format!(
        "{}: invalid UTF-8 at byte offset {at} (line {}): the file must be UTF-8 text",
        shown(path),
        line_of(bytes, at)
    ))
}

/// The 1-based line holding byte `at`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_all(bytes: &[u8]) -> Result<usize, String> {
        check_text(Path::new("f"), bytes, 0, true).map_err(|e| match e {
            InputError::Bad(m) => m,
            InputError::Io(e) => e.to_string(),
        })
    }

    #[test]
    fn offsets_and_lines_of_bad_bytes() {
        assert_eq!(check_all("ok\né\n".as_bytes()), Ok(6));
        assert_eq!(
            check_all(b"a\nb\xffc").unwrap_err(),
            "f: invalid UTF-8 at byte offset 3 (line 2): the file must be UTF-8 text"
        );
        assert_eq!(
            check_all(b"a\n\nx\0").unwrap_err(),
            "f: a NUL byte at byte offset 4 (line 3): not a text file"
        );
        // A character cut at the end of the file.
        assert!(check_all(b"ab\xc3").unwrap_err().contains("offset 2"));
    }

    #[test]
    fn a_character_split_across_reads_is_fine() {
        let bytes = "aé".as_bytes();
        let got = check_text(Path::new("f"), &bytes[..2], 0, false);
        assert!(matches!(got, Ok(1)));
        assert!(matches!(check_text(Path::new("f"), bytes, 1, true), Ok(3)));
    }

    #[test]
    fn a_reader_is_cut_off_at_the_limit_and_named() {
        let endless = std::io::repeat(b'a');
        match read_bounded(Path::new("-"), Kind::Scenario, endless, None) {
            Err(InputError::Bad(m)) => assert_eq!(
                m,
                "<stdin>: larger than 64 MiB, the limit for a scenario file"
            ),
            other => panic!("{other:?}"),
        }
        let text = read_bounded(Path::new("-"), Kind::Nmt, &b"ok\n"[..], None);
        assert!(matches!(text, Ok(t) if t == "ok\n"));
    }

    #[test]
    fn paths_with_control_characters_stay_on_one_line() {
        assert_eq!(shown(Path::new("a\nb\u{1b}")), "a\\nb\\u{1b}");
    }
}
