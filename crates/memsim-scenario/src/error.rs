//! Errors that name the file, line, column and key path of every problem in a scenario file.

use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource};

/// One problem in a scenario file: where it is (file, line, column, key path, byte span), what is
/// wrong, and how to fix it.
///
/// `Display` is a single line, `file:line:column: message — hint: …`, and the message always names
/// the key path, so plain-text output is complete. As a [`miette::Diagnostic`] the span is labelled
/// and the hint is the help text; it has no source code of its own: attach a `NamedSource` to
/// render it alone, or render the enclosing [`ScenarioErrors`], which carries the source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Diagnostic)]
#[error("{}", self.one_line())]
pub struct ScenarioError {
    /// The file name as the user gave it.
    pub file: String,
    /// 1-based line of the span's start.
    pub line: usize,
    /// 1-based column (in characters) of the span's start.
    pub column: usize,
    /// Dotted path of the offending key: `jvm.heap.initial`, `phase[2].requests.rate` (phase indices
    /// count from 0, in file order), `scenario` for a whole-table problem; empty for TOML syntax errors.
    pub key_path: String,
    /// What is wrong; always names the key path (except for TOML syntax errors, which have none).
    pub message: String,
    /// How to fix it, when there is something useful to say.
    #[help]
    pub hint: Option<String>,
    /// Byte range in the source: the offending key (unknown keys) or value (bad values), or the
    /// table's header (missing keys).
    #[label("{}", self.label())]
    pub span: Range<usize>,
}

impl ScenarioError {
    /// An error at `span` of `source`; line and column are computed from the span. A message that
    /// does not mention the key path gets it as a prefix.
    pub(crate) fn new(
        source: &str,
        file: &str,
        key_path: &str,
        span: Range<usize>,
        message: String,
        hint: Option<String>,
    ) -> ScenarioError {
        let span = clamp_span(source, span);
        let (line, column) = line_column(source, span.start);
        // Values are quoted where they are echoed; this guards the line structure whatever a
        // message holds.
        let (message, hint) = (one_line(message), hint.map(one_line));
        let message = if key_path.is_empty() || message.contains(&format!("`{key_path}`")) {
            message
        } else {
            format!("`{key_path}`: {message}")
        };
        ScenarioError {
            file: file.to_string(),
            line,
            column,
            key_path: key_path.to_string(),
            message,
            hint,
            span,
        }
    }

    /// The file name as the user gave it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// 1-based line.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column, counted in characters.
    pub fn column(&self) -> usize {
        self.column
    }

    /// Dotted key path, e.g. `phase[2].requests.rate`.
    pub fn key_path(&self) -> &str {
        &self.key_path
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How to fix it.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// Byte range in the source.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The problem as a warning, on one line: `file:line:column: warning: message — hint: …`.
    pub fn render_warning(&self) -> String {
        let mut s = format!(
            "{}:{}:{}: warning: {}",
            self.file, self.line, self.column, self.message
        );
        if let Some(h) = &self.hint {
            s.push_str(" — hint: ");
            s.push_str(h);
        }
        s
    }

    fn one_line(&self) -> String {
        let mut s = format!(
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        );
        if let Some(h) = &self.hint {
            s.push_str(" — hint: ");
            s.push_str(h);
        }
        s
    }

    fn label(&self) -> &'static str {
        if self.key_path.is_empty() {
            "here"
        } else if self.message.starts_with("unknown key") {
            "unknown key"
        } else if self.message.starts_with("missing") {
            "in this table"
        } else {
            "this value"
        }
    }
}

/// Every problem found in one scenario file (at least one), in source order.
///
/// As a [`miette::Diagnostic`] it carries the source text as a [`NamedSource`], and its related
/// diagnostics are the errors, each headed by its message alone (the snippet shows where it is and
/// the help shows the hint), so a graphical report does not repeat them.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}", self.summary())]
pub struct ScenarioErrors {
    file: String,
    #[source_code]
    source_code: Arc<NamedSource<String>>,
    errors: Vec<ScenarioError>,
    #[related]
    shown: Vec<Shown>,
}

/// How one [`ScenarioError`] is shown inside a graphical [`ScenarioErrors`] report.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("{message}")]
struct Shown {
    message: String,
    #[help]
    hint: Option<String>,
    #[label("{label}")]
    span: Range<usize>,
    label: &'static str,
}

impl ScenarioErrors {
    /// Wraps `errors` (sorted into source order) found in `source`, read from `file`.
    pub(crate) fn new(source: &str, file: &str, mut errors: Vec<ScenarioError>) -> ScenarioErrors {
        errors.sort_by(|a, b| {
            (a.span.start, &a.key_path, &a.message).cmp(&(b.span.start, &b.key_path, &b.message))
        });
        errors.dedup();
        let shown = errors
            .iter()
            .map(|e| Shown {
                message: e.message.clone(),
                hint: e.hint.clone(),
                span: e.span.clone(),
                label: e.label(),
            })
            .collect();
        ScenarioErrors {
            file: file.to_string(),
            source_code: Arc::new(NamedSource::new(file, printable(source))),
            errors,
            shown,
        }
    }

    /// The errors, in source order.
    pub fn errors(&self) -> &[ScenarioError] {
        &self.errors
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Always false for an error returned by [`crate::parse`].
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The file name as the user gave it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Every error on its own line (`file:line:column: message — hint: …`), ending with a newline.
    pub fn render_plain(&self) -> String {
        let mut out = String::new();
        for e in &self.errors {
            out.push_str(&e.to_string());
            out.push('\n');
        }
        out
    }

    fn summary(&self) -> String {
        match self.errors.len() {
            1 => format!("{}: 1 error in scenario file", self.file),
            n => format!("{}: {n} errors in scenario file", self.file),
        }
    }
}

impl IntoIterator for ScenarioErrors {
    type Item = ScenarioError;
    type IntoIter = std::vec::IntoIter<ScenarioError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a ScenarioErrors {
    type Item = &'a ScenarioError;
    type IntoIter = std::slice::Iter<'a, ScenarioError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

/// A span inside `source` whose ends lie on character boundaries.
fn clamp_span(source: &str, span: Range<usize>) -> Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start);
    let end = floor(span.end).max(start);
    start..end
}

/// 1-based line and character column of byte offset `at` (a character boundary).
fn line_column(source: &str, at: usize) -> (usize, usize) {
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// `source` as a graphical report may show it on a terminal: every control character other than
/// tab and line ends, and every bidirectional-formatting mark, becomes `?` (one per byte, so spans
/// keep their offsets); an escape sequence in the file cannot reach the terminal.
fn printable(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        let keep = match c {
            '\t' | '\n' => true,
            '\r' => chars.peek() == Some(&'\n'),
            _ => !memsim_core::quote::needs_escape(c),
        };
        if keep {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        }
    }
    out
}

/// `text` with control characters escaped, so it cannot span lines or move the cursor.
fn one_line(text: String) -> String {
    match memsim_core::quote::escape_controls(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(escaped) => escaped,
    }
}

/// User text as a message may repeat it: one line, control characters escaped, cut after 80
/// characters with its length ([`memsim_core::quote::escape_for_message`]; the caller adds the quotes).
pub(crate) fn excerpt(text: &str) -> String {
    memsim_core::quote::escape_for_message(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let src = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 6), (2, 1));
        // `=` after `bé ` is the 4th character but the 5th byte of line 2.
        let eq = src.rfind('=').unwrap();
        assert_eq!(line_column(src, eq), (2, 4));
    }

    #[test]
    fn spans_are_clamped_to_the_source() {
        let src = "é";
        assert_eq!(clamp_span(src, 1..9), 0..2);
        let reversed = std::ops::Range { start: 5, end: 3 };
        assert_eq!(clamp_span(src, reversed), 2..2);
    }

    #[test]
    fn message_gets_key_path_prefix_when_missing() {
        let e = ScenarioError::new("x = 1\n", "f.toml", "x", 4..5, "bad".into(), None);
        assert_eq!(e.to_string(), "f.toml:1:5: `x`: bad");
        let e = ScenarioError::new(
            "x = 1\n",
            "f.toml",
            "x",
            4..5,
            "`x` is bad".into(),
            Some("fix it".into()),
        );
        assert_eq!(e.to_string(), "f.toml:1:5: `x` is bad — hint: fix it");
    }

    #[test]
    fn excerpt_is_single_line_and_short() {
        assert_eq!(excerpt("a\nb"), "a\\nb");
        assert_eq!(excerpt("\"q\""), "\"q\"");
        assert_eq!(excerpt(&"x".repeat(80)), "x".repeat(80));
        assert_eq!(
            excerpt(&"x".repeat(1 << 20)),
            format!("{}… (1048576 bytes)", "x".repeat(80))
        );
    }
}
