//! `memsim recommend` from the command line: `--compare` (the name for the comparison,
//! on by default) and `--no-compare`, and bad requests refused with exit 2 naming the argument.

mod common;

use common::{memsim, text};

const SIM: &str = "sims/netty-direct-oom.toml";
const SEARCH: [&str; 8] = [
    "recommend",
    SIM,
    "--limit",
    "16Gi",
    "--vary",
    "heap,max_direct",
    "--objective",
    "max-heap",
];

fn recommend(extra: &[&str]) -> std::process::Output {
    let mut args = SEARCH.to_vec();
    args.extend_from_slice(extra);
    memsim(&args)
}

#[test]
fn compare_is_accepted_as_the_explicit_default_and_conflicts_with_no_compare() {
    let explicit = recommend(&["--compare"]);
    assert!(explicit.status.success(), "{}", text(&explicit.stderr));
    let out = text(&explicit.stdout);
    assert!(
        out.contains("Compared with static formulas for the same limit:"),
        "{out}"
    );
    assert!(out.contains("Cloud Foundry memory calculator"), "{out}");
    assert!(
        out.contains("neo4j-admin server memory-recommendation"),
        "{out}"
    );
    // -Xmx grows to the limit (the heap never uses it) beside a 9g direct cap: said, as a caution.
    assert!(
        out.contains("  caution: -Xmx + -XX:MaxDirectMemorySize = ")
            && out.contains("is more than the limit 16.00 GiB; this workload does not use it all"),
        "{out}"
    );
    // The default is the same answer, byte for byte.
    let default = recommend(&[]);
    assert!(default.status.success(), "{}", text(&default.stderr));
    assert_eq!(text(&default.stdout), out);
    // --no-compare leaves the comparison out.
    let without = recommend(&["--no-compare"]);
    assert!(without.status.success(), "{}", text(&without.stderr));
    assert!(!text(&without.stdout).contains("Compared with static formulas"));
    // Both at once is a contradiction: exit 2, naming both.
    let both = recommend(&["--compare", "--no-compare"]);
    assert_eq!(both.status.code(), Some(2));
    let e = text(&both.stderr);
    assert!(e.contains("--compare") && e.contains("--no-compare"), "{e}");
}

#[test]
fn a_scenario_without_a_page_cache_is_told_which_options_fit_it() {
    // The defaults vary and maximize the page cache; a JVM without a database has none.
    let o = memsim(&["recommend", SIM, "--limit", "16Gi"]);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains("the scenario has no [page_cache]")
            && e.contains("give --vary heap,max_direct --objective max-heap"),
        "{e}"
    );
    let o = memsim(&[
        "recommend",
        SIM,
        "--limit",
        "16Gi",
        "--vary",
        "heap,max_direct",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains("which --vary does not include") && e.contains("max-heap grows heap"),
        "{e}"
    );
}

#[test]
fn a_syntax_error_in_the_scenario_on_stdin_gives_line_and_column() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_memsim"))
        .args(["recommend", "-", "--limit", "12Gi"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"[machine\nram = \"4g\"\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "memsim: <stdin>:1:9: TOML syntax error: unclosed table, expected `]` — hint: see https://toml.io for the syntax; memsim's keys are in docs/scenario-format.md\n"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn a_headroom_out_of_range_is_named_whatever_its_sign() {
    for h in ["150%", "-5%", "abc"] {
        let o = memsim(&["recommend", SIM, "--limit", "16Gi", "--headroom", h]);
        assert_eq!(o.status.code(), Some(2), "{h}");
        let e = text(&o.stderr);
        assert!(
            e.contains(&format!(
                "invalid value '{h}' for '--headroom <HEADROOM>': `{h}` is not a percentage from 0 up to 100"
            )),
            "{h}: {e}"
        );
    }
}

#[test]
fn a_limit_smaller_than_one_step_is_nothing_fits() {
    let o = memsim(&["recommend", "sims/neo4j-12g-oom.toml", "--limit", "1m"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stderr),
        "memsim: nothing fits: the target 921.60 KiB (the limit less headroom) is smaller than one --step (64m), the least the search changes a setting by\n"
    );
    assert!(o.stdout.is_empty());
}
