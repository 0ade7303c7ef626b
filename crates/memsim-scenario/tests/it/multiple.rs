//! Every validation error in a file is reported, in source order.

use crate::errs;

const MANY: &str = r#"[scenario]
duration = "0s"
sample_every = "1s"

[machine]
ram = "16g"
cores = 0
cpus = 2

[jvm]
heap = { initial = "8g", max = "4g" }
thread_stack = "16k"
gc = "shenandoah"

[netty]
page_size = 5000
max_order = 20

[[phase]]
name = ""
duration = "1m"
methods_per_class = 0
requests = { rate = "0/s", buffer = "uniform(2k, 1k)" }
"#;

#[test]
fn all_errors_are_reported_in_source_order() {
    let e = errs(MANY);
    let got: Vec<(&str, usize, usize)> = e
        .errors()
        .iter()
        .map(|e| (e.key_path(), e.line(), e.column()))
        .collect();
    assert_eq!(
        got,
        [
            ("scenario.duration", 2, 12),
            ("machine.cores", 7, 9),
            ("machine.cpus", 8, 1),
            ("jvm.heap.initial", 11, 20),
            ("jvm.thread_stack", 12, 16),
            ("jvm.gc", 13, 6),
            ("netty.page_size", 16, 13),
            ("netty.max_order", 17, 13),
            ("phase[0].name", 20, 8),
            ("phase[0].methods_per_class", 22, 21),
            ("phase[0].requests", 23, 1),
            ("phase[0].requests.rate", 23, 21),
            ("phase[0].requests.buffer", 23, 37),
        ]
    );
    assert_eq!(e.len(), 13);
    assert!(!e.is_empty());
    assert_eq!(e.to_string(), "sims/test.toml: 13 errors in scenario file");
}

#[test]
fn render_plain_has_one_line_per_error() {
    let e = errs(MANY);
    let plain = e.render_plain();
    let lines: Vec<&str> = plain.lines().collect();
    assert_eq!(lines.len(), 13);
    assert!(lines[0].starts_with("sims/test.toml:2:12: `scenario.duration` is zero"));
    assert!(lines[2].starts_with("sims/test.toml:8:1: unknown key `machine.cpus`"));
    for (line, err) in lines.iter().zip(e.errors()) {
        assert_eq!(*line, err.to_string());
        assert!(line.contains(&format!("`{}`", err.key_path())), "{line}");
    }
}

#[test]
fn syntax_errors_stop_before_validation() {
    let e = errs("[scenario]\nduration = \"1m\nbanana = 1\n");
    assert!(!e.is_empty());
    let first = &e.errors()[0];
    assert_eq!(first.key_path(), "");
    assert_eq!((first.line(), first.column()), (2, 15));
    assert!(
        first.message().starts_with("TOML syntax error: "),
        "{first}"
    );
    // No "unknown key `scenario.banana`" or "missing [machine]": validation did not run.
    assert!(e.errors().iter().all(|e| e.key_path().is_empty()));
}

#[test]
fn duplicate_keys_are_syntax_errors() {
    let e = errs("[scenario]\nduration = \"1m\"\nduration = \"2m\"\n[machine]\nram = 1\n");
    assert_eq!(e.len(), 1);
    let err = &e.errors()[0];
    assert_eq!((err.line(), err.column()), (3, 1));
    assert_eq!(err.message(), "TOML syntax error: duplicate key `duration`");
    assert!(err.hint().unwrap().contains("only once"), "{err}");
}

#[test]
fn unquoted_values_get_a_quoting_hint() {
    let e = errs("[scenario]\nduration = 20m\n[machine]\nram = \"1g\"\n");
    let err = &e.errors()[0];
    assert_eq!((err.line(), err.column()), (2, 12));
    assert!(err.hint().unwrap().contains("double quotes"), "{err}");
}
