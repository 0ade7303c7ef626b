//! Phases: names, durations, start chaining and the end of the scenario.

use memsim_core::SimTime;

use crate::{base, errs, ok, one};

const S: u64 = 1_000_000_000;

#[test]
fn phase_beyond_the_end() {
    let src = base("[[phase]]\nname = \"late\"\nstart = \"15m\"\nduration = \"10m\"\n");
    let e = one(&src, "phase[0].duration", 9, 12);
    assert!(e.message().starts_with("phase beyond the end"), "{e}");
    assert_eq!(
        e.message(),
        "phase beyond the end: `phase[0].duration`: phase `late` runs from 15m to 25m, \
         past the scenario's end at 20m (`scenario.duration`)"
    );
    assert!(!e.hint().unwrap().contains("set `start`"), "{e}");
}

#[test]
fn chained_phase_beyond_the_end() {
    let src = base(
        "[[phase]]\nname = \"a\"\nduration = \"15m\"\n\n[[phase]]\nname = \"b\"\nduration = \"6m\"\n",
    );
    let e = one(&src, "phase[1].duration", 12, 12);
    assert!(
        e.message().contains("phase `b` runs from 15m to 21m"),
        "{e}"
    );
    assert!(
        e.hint()
            .unwrap()
            .contains("starts when the previous one ends"),
        "{e}"
    );
}

#[test]
fn a_phase_may_end_exactly_at_the_end_and_phases_may_overlap() {
    let s = ok(&base(
        "[[phase]]\nname = \"a\"\nduration = \"20m\"\n[[phase]]\nname = \"b\"\nstart = \"0s\"\nduration = \"20m\"\n[[phase]]\nname = \"c\"\nstart = \"19m\"\nduration = \"1m\"\n",
    ));
    assert_eq!(s.phases[1].start, SimTime::ZERO);
    assert_eq!(s.phases[2].start, SimTime(19 * 60 * S));
}

#[test]
fn missing_phase_duration_points_at_the_header() {
    let src = base(
        "[[phase]]\nname = \"a\"\nduration = \"1m\"\n\n[[phase]]\nname = \"b\"\nthreads = 3\n",
    );
    let e = one(&src, "phase[1].duration", 10, 1);
    assert!(e.message().contains("missing `phase[1].duration`"), "{e}");
    assert_eq!(&src[e.span()], "[[phase]]");
}

#[test]
fn zero_phase_duration() {
    let e = one(
        &base("[[phase]]\nname = \"a\"\nduration = \"0ms\"\n"),
        "phase[0].duration",
        8,
        12,
    );
    assert_eq!(e.message(), "`phase[0].duration` is zero");
}

#[test]
fn empty_and_missing_phase_names() {
    let e = one(
        &base("[[phase]]\nname = \"\"\nduration = \"1m\"\n"),
        "phase[0].name",
        7,
        8,
    );
    assert_eq!(e.message(), "`phase[0].name` is empty");
    let e = one(
        &base("[[phase]]\nduration = \"1m\"\n"),
        "phase[0].name",
        6,
        1,
    );
    assert!(e.message().contains("missing `phase[0].name`"), "{e}");
}

#[test]
fn duplicate_phase_names() {
    let src = base(
        "[[phase]]\nname = \"a\"\nduration = \"1m\"\n[[phase]]\nname = \"a\"\nduration = \"1m\"\n",
    );
    let e = one(&src, "phase[1].name", 10, 8);
    assert!(e.message().contains("repeats the phase name `a`"), "{e}");
}

#[test]
fn a_broken_phase_does_not_hide_the_next_ones() {
    // phase[0] has no duration; phase[1] still chains (from phase[0]'s start) and is checked.
    let src = base(
        "[[phase]]\nname = \"a\"\nstart = \"19m\"\n[[phase]]\nname = \"b\"\nduration = \"5m\"\nthreads = -2\n",
    );
    let e = errs(&src);
    let got: Vec<(&str, usize, usize)> = e
        .errors()
        .iter()
        .map(|e| (e.key_path(), e.line(), e.column()))
        .collect();
    assert_eq!(
        got,
        [
            ("phase[0].duration", 6, 1),
            ("phase[1].duration", 11, 12),
            ("phase[1].threads", 12, 11),
        ]
    );
}
