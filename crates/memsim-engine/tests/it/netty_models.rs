//! The same Netty traffic through each exact pool model (`netty.model`): each runs with every
//! invariant checked, reports its own model, chunk size and arena count, and holds what its
//! version holds.

use crate::{run_checked, scenario};
use memsim_core::{Account, RunSummary};

fn traffic(model: &str) -> RunSummary {
    run_checked(&scenario(&format!(
        r#"
[scenario]
duration = "40s"
seed = 7
[machine]
ram = "8g"
cores = 4
[jvm]
heap = {{ initial = "512m", max = "512m" }}
max_direct_memory = "2g"
[netty]
model = "{model}"
[[phase]]
name = "requests with direct buffers"
duration = "30s"
threads = 16
[phase.requests]
rate = "400/s"
buffer = "uniform(1k, 96k)"
hold = "exp(200ms)"
"#
    )))
}

fn parameter(r: &RunSummary, name: &str) -> String {
    r.parameters
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no parameter {name}"))
        .1
        .clone()
}

#[test]
fn netty_4_1_118_runs_with_its_own_defaults() {
    let old = traffic("4.1.48");
    let new = traffic("4.1.118");
    let alias = traffic("4.2.13-pooled");
    assert_eq!(parameter(&new, "netty_pool_model"), "4.1.118");
    assert_eq!(
        parameter(&new, "netty_chunk_size"),
        (4u64 << 20).to_string()
    );
    assert_eq!(
        parameter(&old, "netty_chunk_size"),
        (16u64 << 20).to_string()
    );
    // min(2 · 4 cores, 2 GiB / chunk / 6): 8 arenas either way here.
    assert_eq!(parameter(&new, "netty_direct_arenas"), "8");
    let held = |r: &RunSummary| r.at_peak.get(Account::NettyDirect).committed;
    assert!(held(&new) > 0);
    assert!(
        held(&new) < held(&old),
        "4 MiB chunks hold less than 16 MiB ones for the same small buffers: {} vs {}",
        held(&new),
        held(&old)
    );
    assert_eq!(
        held(&new),
        held(&alias),
        "4.2.13-pooled is the 4.1.118 model"
    );
    assert_eq!(new.failures.requests_failed, 0);
}
