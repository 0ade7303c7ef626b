//! Size and duration distributions for requests.

use memsim_core::Dist;

use crate::{base, ok, one};

const K: u64 = 1024;
const MS: u64 = 1_000_000;

fn requests(inner: &str) -> String {
    base(&format!(
        "[[phase]]\nname = \"p\"\nduration = \"1m\"\nthreads = 2\n[phase.requests]\nrate = \"10/s\"\n{inner}\n"
    ))
}

#[test]
fn every_form() {
    let cases: [(&str, Dist, Dist); 6] = [
        ("\"16k\"", Dist::Constant(16 * K), Dist::Constant(16 * MS)),
        (
            "\"constant( 16k )\"",
            Dist::Constant(16 * K),
            Dist::Constant(16 * MS),
        ),
        (
            "\"uniform(1k, 64k)\"",
            Dist::Uniform { lo: K, hi: 64 * K },
            Dist::Uniform {
                lo: MS,
                hi: 64 * MS,
            },
        ),
        (
            "\"exp(40k)\"",
            Dist::Exponential { mean: 40 * K },
            Dist::Exponential { mean: 40 * MS },
        ),
        (
            "\"exponential(mean = 40k)\"",
            Dist::Exponential { mean: 40 * K },
            Dist::Exponential { mean: 40 * MS },
        ),
        (
            "\"lognormal(median=16k, sigma=1.5)\"",
            Dist::LogNormal {
                median: 16 * K,
                sigma: 1.5,
            },
            Dist::LogNormal {
                median: 16 * MS,
                sigma: 1.5,
            },
        ),
    ];
    for (text, bytes, nanos) in cases {
        let r = ok(&requests(&format!("buffer = {text}\nheap = {text}")));
        let r = r.phases[0].requests.clone().unwrap();
        assert_eq!((r.buffer, r.heap), (bytes, bytes), "{text}");
        let ms = text.replace('k', "ms");
        let r = ok(&requests(&format!("hold = {ms}")));
        assert_eq!(r.phases[0].requests.as_ref().unwrap().hold, nanos, "{ms}");
    }
}

#[test]
fn integer_sizes_are_constants() {
    let r = ok(&requests("buffer = 4096"));
    assert_eq!(
        r.phases[0].requests.as_ref().unwrap().buffer,
        Dist::Constant(4096)
    );
}

#[test]
fn uniform_low_above_high() {
    let e = one(
        &requests("buffer = \"uniform(64k, 1k)\""),
        "phase[0].requests.buffer",
        12,
        10,
    );
    assert!(e.message().contains("low end is above its high end"), "{e}");
    assert_eq!(
        e.hint(),
        Some("write the smaller value first, e.g. \"uniform(1k, 64k)\"")
    );
}

#[test]
fn unknown_form_lists_the_accepted_ones() {
    let e = one(
        &requests("buffer = \"normal(16k, 2k)\""),
        "phase[0].requests.buffer",
        12,
        10,
    );
    assert!(e.message().contains("unknown distribution `normal`"), "{e}");
    let hint = e.hint().unwrap();
    for form in [
        "\"16k\"",
        "constant(16k)",
        "uniform(1k, 64k)",
        "exp(16k)",
        "lognormal(median=16k, sigma=1.5)",
    ] {
        assert!(hint.contains(form), "{hint} lacks {form}");
    }
}

#[test]
fn duration_hint_uses_durations() {
    let e = one(
        &requests("hold = \"exp(40)\""),
        "phase[0].requests.hold",
        12,
        8,
    );
    assert!(
        e.message().contains("invalid distribution `exp(40)`"),
        "{e}"
    );
    assert!(e.hint().unwrap().contains("exp(40ms)"), "{e}");
}

#[test]
fn sigma_out_of_range() {
    for sigma in ["0", "10.01", "-1", "nan", "inf", "x"] {
        let e = one(
            &requests(&format!("heap = \"lognormal(median=16k, sigma={sigma})\"")),
            "phase[0].requests.heap",
            12,
            8,
        );
        assert!(e.message().contains("greater than 0 and at most 10"), "{e}");
    }
}

#[test]
fn hold_as_integer_is_rejected() {
    let e = one(&requests("hold = 40"), "phase[0].requests.hold", 12, 8);
    assert!(
        e.message()
            .contains("must be a duration or a duration distribution"),
        "{e}"
    );
}

#[test]
fn malformed_syntax() {
    for text in [
        "exp(16k",
        "uniform(1k)",
        "uniform(1k,,2k)",
        "exp(mean=1k, mean=2k)",
        "lognormal(16k)",
    ] {
        let e = one(
            &requests(&format!("buffer = \"{text}\"")),
            "phase[0].requests.buffer",
            12,
            10,
        );
        assert!(e.hint().unwrap().starts_with("accepted forms:"), "{e}");
    }
}
