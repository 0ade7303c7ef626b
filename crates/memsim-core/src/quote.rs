//! User text made safe to echo in a message: one line, no terminal escapes, bounded length.
//!
//! Every value, key or file name memsim repeats back in an error or warning goes through
//! [`quote_for_message`] (or [`escape_for_message`] where the message already supplies the quotes):
//! control characters (newlines, tabs, ANSI escape sequences' `ESC`, C1 controls) and invisible
//! bidirectional-formatting characters are written as Rust escapes (`\n`, `\u{1b}`), so a message
//! stays on one line and nothing reaches the terminal as a command; text longer than
//! [`MESSAGE_VALUE_CHARS`] characters is cut there, with an ellipsis and its total length in bytes.

/// How many characters of a value a message repeats before cutting it short.
pub const MESSAGE_VALUE_CHARS: usize = 80;

/// Whether `c` must not reach a terminal as itself: controls (newline and tab included) and
/// bidirectional formatting marks.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// `text` on one line: control characters escaped, cut after [`MESSAGE_VALUE_CHARS`] characters
/// with `… (N bytes)` (N = the whole text's length). No quotes are added.
///
/// ```
/// use memsim_core::quote::escape_for_message;
/// assert_eq!(escape_for_message("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
/// let long = "k".repeat(1 << 20);
/// assert_eq!(escape_for_message(&long), format!("{}… (1048576 bytes)", "k".repeat(80)));
/// ```
pub fn escape_for_message(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MESSAGE_VALUE_CHARS {
            out.push_str(&format!("… ({} bytes)", text.len()));
            break;
        }
        if c.is_control() {
            // `\n`, `\t`, `\r`, `\0`, or `\u{…}` for every other control.
            out.extend(c.escape_debug());
        } else if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`) and nothing cut: for text that
/// must stay whole, such as a file name or a message already built from quoted values.
///
/// ```
/// use memsim_core::quote::escape_controls;
/// assert_eq!(escape_controls("a\nb.toml"), "a\\nb.toml");
/// ```
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` in backquotes, made safe as by [`escape_for_message`]: `` `value` ``.
///
/// ```
/// use memsim_core::quote_for_message;
/// assert_eq!(quote_for_message("4 g\n"), "`4 g\\n`");
/// ```
pub fn quote_for_message(text: &str) -> String {
    format!("`{}`", escape_for_message(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_and_no_escape_sequences() {
        let q = quote_for_message("line one\nline two\r\t\u{1b}[2J\u{9b}\u{202e}");
        assert!(!q.chars().any(char::is_control), "{q}");
        assert_eq!(q, "`line one\\nline two\\r\\t\\u{1b}[2J\\u{9b}\\u{202e}`");
    }

    #[test]
    fn long_values_are_cut_with_their_length() {
        let q = quote_for_message(&"é".repeat(100));
        assert_eq!(q, format!("`{}… (200 bytes)`", "é".repeat(80)));
        let exact = "x".repeat(MESSAGE_VALUE_CHARS);
        assert_eq!(
            escape_for_message(&exact),
            exact,
            "80 characters are kept whole"
        );
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        assert_eq!(
            escape_for_message("jvm.heap \"4g\" `x` ü"),
            "jvm.heap \"4g\" `x` ü"
        );
    }
}
