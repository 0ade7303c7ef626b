//! Malformed sizes, durations, rates and byte rates point at the value.

use crate::{base, ok, one};

const G: u64 = 1 << 30;

fn machine(line: &str) -> String {
    base(&format!("{line}\n"))
}

fn phase(lines: &str) -> String {
    base(&format!(
        "[[phase]]\nname = \"p\"\nduration = \"1m\"\nthreads = 2\n{lines}\n"
    ))
}

#[test]
fn sizes_in_every_spelling() {
    for (text, want) in [
        ("\"4g\"", 4 * G),
        ("\"4G\"", 4 * G),
        ("\"4GiB\"", 4 * G),
        ("\"4 GB\"", 4 * G),
        ("\"1.5g\"", 3 * G / 2),
        ("4294967296", 4 * G),
        ("0x1_0000_0000", 4 * G),
    ] {
        let s = ok(&machine(&format!("os_reserved = {text}")));
        assert_eq!(s.machine.os_reserved, want, "{text}");
    }
}

#[test]
fn size_string_overflow() {
    let e = one(
        &machine("container_limit = \"17179869184g\""),
        "machine.container_limit",
        6,
        19,
    );
    assert!(e.message().contains("overflows 64 bits"), "{e}");
}

#[test]
fn size_integer_overflow() {
    let e = one(
        &machine("container_limit = 99999999999999999999999"),
        "machine.container_limit",
        6,
        19,
    );
    assert!(e.message().contains("overflows 64 bits"), "{e}");
}

#[test]
fn negative_size() {
    let e = one(&machine("os_reserved = -1"), "machine.os_reserved", 6, 15);
    assert!(e.message().contains("must not be negative"), "{e}");
    let e = one(
        &machine("os_reserved = \"-1g\""),
        "machine.os_reserved",
        6,
        15,
    );
    assert!(e.message().contains("negative"), "{e}");
}

#[test]
fn unknown_size_unit() {
    let e = one(
        &machine("os_reserved = \"16x\""),
        "machine.os_reserved",
        6,
        15,
    );
    assert!(e.message().contains("unknown size unit `x`"), "{e}");
    assert!(e.hint().unwrap().contains("k = 1024"), "{e}");
}

#[test]
fn bad_durations() {
    let src = "[scenario]\nduration = \"20 minutes\"\n[machine]\nram = \"1g\"\n";
    let e = one(src, "scenario.duration", 2, 12);
    assert!(e.message().contains("invalid duration"), "{e}");
    assert!(e.hint().unwrap().contains("\"250ms\""), "{e}");
    let src = "[scenario]\nduration = \"20m\"\nsample_every = \"-1s\"\n[machine]\nram = \"1g\"\n";
    let e = one(src, "scenario.sample_every", 3, 16);
    assert!(e.message().contains("negative"), "{e}");
}

#[test]
fn rates_in_every_unit() {
    for (text, want) in [
        ("3000/s", 3000.0),
        ("3000/sec", 3000.0),
        ("50/ms", 50_000.0),
        ("90/m", 1.5),
        ("90/min", 1.5),
        ("36/h", 0.01),
        ("0.25/s", 0.25),
        (" 12 / s ", 12.0),
    ] {
        let s = ok(&phase(&format!("requests = {{ rate = \"{text}\" }}")));
        assert_eq!(
            s.phases[0].requests.as_ref().unwrap().rate_per_sec,
            want,
            "{text}"
        );
    }
}

#[test]
fn bad_rate_unit() {
    let e = one(
        &phase("requests = { rate = \"3000/week\" }"),
        "phase[0].requests.rate",
        10,
        21,
    );
    assert!(e.message().contains("unknown time unit `/week`"), "{e}");
    assert!(e.hint().unwrap().contains("/ms"), "{e}");
}

#[test]
fn rate_without_a_number() {
    let e = one(
        &phase("requests = { rate = \"fast\" }"),
        "phase[0].requests.rate",
        10,
        21,
    );
    assert!(e.message().contains("missing the time unit"), "{e}");
}

#[test]
fn byte_rates() {
    let s = ok(&phase("heap_churn = \"200m/s\""));
    assert_eq!(s.phases[0].heap_churn_per_sec, 200 << 20);
    let s = ok(&phase("heap_churn = \"6g/m\""));
    assert_eq!(s.phases[0].heap_churn_per_sec, (6 * G) / 60);
    let s = ok(&phase("heap_churn = \"1k/ms\""));
    assert_eq!(s.phases[0].heap_churn_per_sec, 1024 * 1000);
}

#[test]
fn byte_rate_overflow() {
    let e = one(
        &phase("heap_churn = \"16000000t/ms\""),
        "phase[0].heap_churn",
        10,
        14,
    );
    assert!(e.message().contains("overflows 64 bits"), "{e}");
}

#[test]
fn byte_rate_without_time_unit() {
    let e = one(
        &phase("heap_churn = \"200m\""),
        "phase[0].heap_churn",
        10,
        14,
    );
    assert!(e.message().contains("missing the time unit"), "{e}");
    assert!(e.hint().unwrap().contains("\"200m/s\""), "{e}");
}
