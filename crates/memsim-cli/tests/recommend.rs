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
