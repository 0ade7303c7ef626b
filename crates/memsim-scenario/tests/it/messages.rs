//! Values echoed in messages are quoted, escaped and cut: one error is one line, nothing from the
//! file reaches a terminal as an escape sequence, and a huge key or value is not repeated whole.

use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::{base, errs};

/// Every error of `src`, rendered plain, checked to be one line each without control characters.
#[track_caller]
fn plain(src: &str) -> String {
    let e = errs(src);
    let text = e.render_plain();
    assert_eq!(text.lines().count(), e.len(), "one line per error:\n{text}");
    for e in e.errors() {
        let all = format!("{}{}", e.message(), e.hint().unwrap_or(""));
        assert!(!all.chars().any(char::is_control), "{all:?}");
    }
    text
}

#[test]
fn a_multi_line_value_stays_on_one_line() {
    let text = plain(&base("[jvm.heap]\nmax = \"\"\"4g\nand more\"\"\"\n"));
    assert!(text.contains("g\\nand more"), "{text}");
    let text = plain(&base(
        "[[phase]]\nname = \"p\"\nduration = \"1m\"\n[phase.requests]\nrate = \"\"\"10\n/q\"\"\"\n",
    ));
    assert!(text.contains("`10\\n/q`"), "{text}");
}

#[test]
fn escape_sequences_are_escaped() {
    for value in [
        "\"4\\u001b[31mg\"",
        "\"1\\u001b]0;pwned\\u0007/s\"",
        "\"\\u202e4g\"",
        "\"\\u009b2J\"",
    ] {
        for key in ["jvm.heap.max", "jvm.gc"] {
            let (table, k) = key.rsplit_once('.').unwrap();
            let text = plain(&base(&format!("[{table}]\n{k} = {value}\n")));
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{202e}'),
                "{text}"
            );
        }
    }
    let text = plain(&base("[jvm.heap]\nmax = \"4\\u001b[31mg\"\n"));
    assert!(text.contains("\\u{1b}[31m"), "{text}");
}

#[test]
fn a_huge_key_or_value_is_cut_with_its_length() {
    let key = "k".repeat(1 << 20);
    let text = plain(&base(&format!("[jvm]\n{key} = 1\n")));
    assert!(text.len() < 2000, "{} bytes", text.len());
    assert!(text.contains("… (1048576 bytes)"), "{}", &text[..500]);

    let value = "9".repeat(1 << 20);
    for v in [
        format!("[jvm]\nheap = \"{value}x\"\n"),
        format!("[jvm]\nflags = \"-Xmx{value}x\"\n"),
        format!("[jvm]\nflags = \"-XX:{value}=1\"\n"),
        format!(
            "[[phase]]\nname = \"p\"\nduration = \"1m\"\n[phase.requests]\nrate = \"{value}/q\"\n"
        ),
        format!(
            "[[phase]]\nname = \"p\"\nduration = \"1m\"\n[phase.requests]\nrate = \"10/s\"\nresponse_size = \"lognormal(median=1k, sigma={value})\"\n"
        ),
    ] {
        // Suggestions are not searched for in a huge name: this took 55 s before.
        let started = std::time::Instant::now();
        let text = plain(&base(&v));
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
        assert!(text.len() < 3000, "{} bytes: {}", text.len(), &text[..300]);
    }
}

#[test]
fn the_graphical_report_shows_no_escape_sequence_from_the_file() {
    let src = base("[jvm]\nheap = \"4\u{1b}[2Jg\u{202e}\"\r\nhep = 1\r\n");
    let e = errs(&src);
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut out, &e)
        .unwrap();
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{202e}'),
        "{out}"
    );
    assert!(out.contains("heap = \"4?[2Jg???\""), "{out}");
    assert!(out.contains("hep"), "{out}");
}

#[test]
fn names_printed_on_the_terminal_cannot_hold_control_characters() {
    let e = crate::one(
        "[scenario]\nname = \"x\\u001b[31mred\"\nduration = \"20m\"\n\n[machine]\nram = \"16g\"\n",
        "scenario.name",
        2,
        8,
    );
    assert!(
        e.message()
            .contains("`x\\u{1b}[31mred` holds control characters"),
        "{e}"
    );
    let text = plain(&base(
        "[[phase]]\nname = \"\"\"two\nlines\"\"\"\nduration = \"1m\"\n",
    ));
    assert!(
        text.contains("`phase[0].name` `two\\nlines` holds control characters"),
        "{text}"
    );
    // Ordinary names, Unicode included, are fine.
    crate::ok(&base(
        "[[phase]]\nname = \"Aufwärmen – 1\"\nduration = \"1m\"\n",
    ));
}
