//! The parser never panics: random mutations of a good file, checked against the error and
//! scenario invariants. Deterministic (fixed seeds), so a failure reproduces.

use memsim_core::{Dist, SimRng};
use memsim_scenario::{Scenario, ScenarioErrors, parse};

use crate::good::FULL;

const FILE: &str = "sims/fuzz.toml";

/// Iterations per fuzz test: 4000 unless `MEMSIM_FUZZ_ITERS` says otherwise (for longer local runs).
fn iterations() -> u64 {
    std::env::var("MEMSIM_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000)
}

/// Fragments that stress the TOML parser and the value grammars.
const TOKENS: &[&str] = &[
    "\"",
    "'",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    "\n",
    ".",
    "#",
    "-",
    "+",
    "_",
    "0",
    "9",
    " ",
    "\t",
    "\r",
    "é",
    "\u{0}",
    "\u{feff}",
    "\u{1F600}",
    "k",
    "g",
    "t",
    "ms",
    "s",
    "m",
    "/",
    "(",
    ")",
    "e",
    "1e308",
    "nan",
    "inf",
    "-1",
    "0x",
    "true",
    "99999999999999999999",
    "\"\"\"",
    "'''",
    "[[phase]]\n",
    "[phase.requests]\n",
    "uniform(",
    "lognormal(",
    "sigma=",
    "median=",
];

/// Values to put after `key = `.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "9223372036854775807",
    "-9223372036854775808",
    "0xffff_ffff",
    "1.5",
    "-0.0",
    "nan",
    "inf",
    "true",
    "[]",
    "[1, \"a\"]",
    "{}",
    "{ a = 1 }",
    "1979-05-27T07:32:00Z",
    "\"\"",
    "\" \"",
    "\"0\"",
    "\"0s\"",
    "\"1ns\"",
    "\"584y\"",
    "\"99999999999d\"",
    "\"16777215t\"",
    "\"16777216t\"",
    "\"16777215.999999999999999999t\"",
    "\"0/s\"",
    "\"1e3/s\"",
    "\"0.000001/h\"",
    "\"10000000/s\"",
    "\"16777215t/ms\"",
    "\"uniform(0, 16777215.999999999999999999t)\"",
    "\"uniform(5, 4)\"",
    "\"lognormal(median=16t, sigma=10)\"",
    "\"lognormal(sigma=1)\"",
    "\"exp(584y)\"",
    "\"constant()\"",
    "\"uniform(,)\"",
    "\"(\"",
    "\")\"",
    "\"=\"",
    "\"jdk\"",
    "\"G1\"",
    "\"4096\"",
    "65536",
    "1073741824",
    "14",
    "15",
    "100000",
    "65535",
    "\"1g\"",
    "\"64k\"",
    "\"20m\"",
    "\"1ms\"",
    "\"12d\"",
];

fn pick<'a>(rng: &mut SimRng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

fn mutate(rng: &mut SimRng, src: &str) -> String {
    let mut chars: Vec<char> = src.chars().collect();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let n = chars.len() as u64;
        let at = if n == 0 { 0 } else { rng.below(n + 1) as usize };
        match rng.below(6) {
            0 => {
                let end = (at + 1 + rng.below(8) as usize).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            1 => {
                let t: Vec<char> = pick(rng, TOKENS).chars().collect();
                chars.splice(at..at, t);
            }
            2 if at < chars.len() => {
                let t: Vec<char> = pick(rng, TOKENS).chars().collect();
                chars.splice(at..at + 1, t);
            }
            3 => chars.truncate(at),
            _ => {
                // Replace the value of a random `key = value` line.
                let text: String = chars.iter().collect();
                let lines: Vec<&str> = text.lines().collect();
                let li = rng.below(lines.len().max(1) as u64) as usize;
                let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                if let Some(line) = out.get_mut(li) {
                    if let Some((k, _)) = line.split_once('=') {
                        *line = format!("{k}= {}", pick(rng, VALUES));
                    }
                }
                chars = (out.join("\n") + "\n").chars().collect();
            }
        }
    }
    chars.into_iter().collect()
}

fn check_errors(src: &str, e: &ScenarioErrors) {
    assert!(!e.is_empty());
    for err in e.errors() {
        let span = err.span();
        assert!(
            src.get(span.clone()).is_some(),
            "bad span {span:?} for {err}"
        );
        let before = &src[..span.start];
        let line = before.matches('\n').count() + 1;
        let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        assert_eq!((err.line(), err.column()), (line, col), "{err}");
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("{FILE}:{line}:{col}: ")),
            "{shown}"
        );
        assert!(!shown.contains('\n'), "multi-line: {shown:?}");
        if !err.key_path().is_empty() {
            assert!(
                err.message().contains(&format!("`{}`", err.key_path())),
                "{shown}"
            );
        }
    }
    assert_eq!(e.render_plain().lines().count(), e.len());
}

fn check_dist(d: &Dist, rng: &mut SimRng) {
    match *d {
        Dist::Uniform { lo, hi } => assert!(lo <= hi && hi - lo < u64::MAX),
        Dist::LogNormal { sigma, .. } => assert!(sigma.is_finite() && sigma > 0.0 && sigma <= 10.0),
        Dist::Constant(_) | Dist::Exponential { .. } => {}
    }
    for _ in 0..4 {
        d.sample(rng, u64::MAX);
    }
    assert!(d.mean().is_finite());
}

fn check_scenario(s: &Scenario, rng: &mut SimRng) {
    assert!(s.duration.nanos() > 0);
    assert!(s.sample_every.nanos() > 0);
    assert!(s.duration.nanos() / s.sample_every.nanos() <= 1_000_000);
    assert!(s.max_events > 0);
    assert!(!s.name.trim().is_empty());
    assert!(s.machine.ram > 0 && s.machine.os_reserved < s.machine.ram);
    assert!((1..=1024).contains(&s.machine.cores));
    if let (Some(i), Some(m)) = (s.jvm.heap_initial, s.jvm.heap_max) {
        assert!(i <= m);
    }
    assert!(s.netty.page_size.is_power_of_two() && s.netty.page_size >= 4096);
    assert!(s.netty.max_order <= 14);
    assert!(u128::from(s.netty.page_size) << s.netty.max_order <= 1 << 30);
    for p in &s.phases {
        assert!(!p.name.trim().is_empty());
        assert!(p.duration.nanos() > 0);
        assert!(p.end().0 <= s.duration.nanos());
        assert!(p.threads <= 100_000 && p.classes <= 10_000_000);
        assert!((1..=65535).contains(&p.methods_per_class));
        assert!(p.stack_touched <= s.jvm.thread_stack.unwrap_or(1 << 30));
        if let Some(r) = &p.requests {
            assert!(p.threads > 0);
            assert!(r.rate_per_sec > 0.0 && r.rate_per_sec <= 1e7);
            for d in [&r.buffer, &r.hold, &r.heap] {
                check_dist(d, rng);
            }
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    let mut rng = SimRng::new(0x5eed, 0);
    let mut sample_rng = SimRng::new(1, 1);
    let (mut good, mut bad) = (0, 0);
    for _ in 0..iterations() {
        let src = mutate(&mut rng, FULL);
        match parse(&src, FILE) {
            Ok(s) => {
                good += 1;
                check_scenario(&s, &mut sample_rng);
            }
            Err(e) => {
                bad += 1;
                check_errors(&src, &e);
            }
        }
    }
    // The mutations must exercise both outcomes to be worth anything.
    eprintln!("mutations: {good} valid, {bad} rejected");
    assert!(good > 100 && bad > 100, "good {good}, bad {bad}");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = SimRng::new(0xb17e5, 0);
    for _ in 0..iterations() / 2 {
        let len = rng.below(200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.below(128) as u8).collect();
        let src = String::from_utf8_lossy(&bytes).into_owned();
        if let Err(e) = parse(&src, FILE) {
            check_errors(&src, &e);
        }
    }
}

#[test]
fn odd_file_names_and_empty_input() {
    for name in ["", "/", "x", "a/b/.toml", "dir/näme.toml"] {
        let e = parse("", name).unwrap_err();
        assert_eq!(e.len(), 2, "missing [scenario] and [machine]");
        assert_eq!(e.errors()[0].file(), name);
        assert_eq!((e.errors()[0].line(), e.errors()[0].column()), (1, 1));
    }
    let s = parse(crate::BASE, "dir/näme.toml").unwrap();
    assert_eq!(s.name, "näme");
}
