//! Wrong TOML types say what type was expected and what was found.

use crate::{BASE, base, one};

/// `BASE` with `line` added to the `[machine]` table, as line 6.
fn machine(line: &str) -> String {
    base(&format!("{line}\n"))
}

#[test]
fn cores_as_a_word() {
    let e = one(&machine("cores = \"eight\""), "machine.cores", 6, 9);
    assert_eq!(
        e.message(),
        "`machine.cores` must be an integer, found string `\"eight\"`"
    );
    assert!(e.hint().unwrap().contains("whole number"));
}

#[test]
fn cores_as_a_quoted_number_suggests_removing_the_quotes() {
    let e = one(&machine("cores = \"8\""), "machine.cores", 6, 9);
    assert_eq!(e.hint(), Some("remove the quotes: 8"));
}

#[test]
fn cores_as_a_float() {
    let e = one(&machine("cores = 8.0"), "machine.cores", 6, 9);
    assert!(e.message().contains("found float `8.0`"), "{e}");
}

#[test]
fn size_as_a_boolean() {
    let e = one(&machine("os_reserved = true"), "machine.os_reserved", 6, 15);
    assert!(
        e.message()
            .starts_with("`machine.os_reserved` must be a size"),
        "{e}"
    );
    assert!(e.message().ends_with("found boolean `true`"), "{e}");
}

#[test]
fn boolean_as_a_string() {
    let e = one(
        &base("[jvm]\nalways_pre_touch = \"yes\"\n"),
        "jvm.always_pre_touch",
        7,
        20,
    );
    assert!(e.message().contains("must be a boolean"), "{e}");
}

#[test]
fn string_as_a_number() {
    let e = one(&base("[jvm]\ngc = 1\n"), "jvm.gc", 7, 6);
    assert!(
        e.message().contains("must be a string, found integer `1`"),
        "{e}"
    );
}

#[test]
fn duration_as_a_bare_number() {
    let src = "[scenario]\nduration = 30\n[machine]\nram = \"1g\"\n";
    let e = one(src, "scenario.duration", 2, 12);
    assert!(
        e.message()
            .contains("must be a duration string with a unit"),
        "{e}"
    );
    assert!(
        e.hint().unwrap().starts_with("write \"30s\" or \"30ms\""),
        "{e}"
    );
}

#[test]
fn duration_as_a_datetime() {
    let src = "[scenario]\nduration = 00:20:00\n[machine]\nram = \"1g\"\n";
    let e = one(src, "scenario.duration", 2, 12);
    assert!(e.message().contains("found datetime `00:20:00`"), "{e}");
}

#[test]
fn table_as_a_value() {
    let e = one(&format!("jvm = 5\n{BASE}"), "jvm", 1, 7);
    assert!(e.message().contains("`jvm` must be a table"), "{e}");
}

#[test]
fn heap_as_a_plain_size() {
    let e = one(&base("[jvm]\nheap = \"4g\"\n"), "jvm.heap", 7, 8);
    assert!(
        e.hint()
            .unwrap()
            .contains("heap = { initial = \"4g\", max = \"4g\" }"),
        "{e}"
    );
}

#[test]
fn single_bracket_phase() {
    let e = one(
        &base("[phase]\nname = \"a\"\nduration = \"1m\"\n"),
        "phase",
        6,
        1,
    );
    assert!(
        e.message()
            .contains("must be an array of tables, found table"),
        "{e}"
    );
    assert!(e.hint().unwrap().contains("[[phase]]"), "{e}");
}

#[test]
fn phase_array_of_non_tables() {
    let e = one(
        &format!("phase = [{{ name = \"a\", duration = \"1m\" }}, 2]\n{BASE}"),
        "phase[1]",
        1,
        43,
    );
    assert!(e.message().contains("must be a table"), "{e}");
}

#[test]
fn negative_and_fractional_counts() {
    let phase = |line: &str| {
        base(&format!(
            "[[phase]]\nname = \"a\"\nduration = \"1m\"\n{line}\n"
        ))
    };
    let e = one(&phase("threads = -1"), "phase[0].threads", 9, 11);
    assert!(e.message().contains("must not be negative"), "{e}");
    let e = one(&phase("threads = 1.5"), "phase[0].threads", 9, 11);
    assert!(e.message().contains("must be an integer"), "{e}");
}

#[test]
fn seed_too_large_and_negative() {
    let src = "[scenario]\nduration = \"1m\"\nseed = -7\n[machine]\nram = \"1g\"\n";
    let e = one(src, "scenario.seed", 3, 8);
    assert!(e.message().contains("must not be negative"), "{e}");
    let src =
        "[scenario]\nduration = \"1m\"\nseed = 999999999999999999999\n[machine]\nram = \"1g\"\n";
    let e = one(src, "scenario.seed", 3, 8);
    assert!(e.message().contains("too large"), "{e}");
}

#[test]
fn rate_as_a_number_suggests_per_second() {
    let src = base(
        "[[phase]]\nname = \"a\"\nduration = \"1m\"\nthreads = 1\nrequests = { rate = 3000 }\n",
    );
    let e = one(&src, "phase[0].requests.rate", 10, 21);
    assert_eq!(e.hint(), Some("write \"3000/s\" for 3000 per second"));
}
