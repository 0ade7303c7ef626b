//! Full-text (Lucene) indexes: mapped outside the page cache, charged to the container as queries
//! read them, reclaimed (cold pages first) instead of killing anything, and part of the working
//! set only for their hot part.

use memsim_core::{Account, EventKind, Verdict};

use crate::{messages, run_checked, scenario};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

fn neo4j(database: &str, queries: &str) -> String {
    format!(
        r#"
[scenario]
duration = "2m"
sample_every = "1s"
[machine]
ram = "64g"
container_limit = "8g"
[jvm]
heap = {{ initial = "3g", max = "3g" }}
always_pre_touch = true
[page_cache]
size = "1g"
[database]
{database}
[[phase]]
name = "warm"
duration = "10s"
page_cache_touch = "1g"
[[phase]]
name = "queries"
start = "10s"
duration = "1m"
threads = 10
{queries}
"#
    )
}

#[test]
fn an_index_larger_than_the_room_left_is_reclaimed_and_only_its_hot_part_is_in_use() {
    let r = run_checked(&scenario(&neo4j(
        "fulltext_index = \"12g\"\nfulltext_hot = 0.1",
        "fulltext_read = 1.0",
    )));
    assert!(messages(&r, EventKind::OomKilled).is_empty());
    assert_ne!(r.verdict, Verdict::Thrashing);
    assert!(r.pressure.thrashing_since.is_none());
    let last = r.samples.last().unwrap();
    let mapped = last.accounts[Account::MappedFiles as usize];
    // Mapped whole, read whole, and what fits beside 3 GiB of heap, 1 GiB of page cache and the
    // JVM stays resident: the charge is at the limit.
    assert_eq!(mapped.reserved, 12 * GIB);
    assert_eq!(mapped.committed, 12 * GIB);
    assert!(
        mapped.resident > 3 * GIB && mapped.resident < 4 * GIB,
        "{mapped:?}"
    );
    assert_eq!(last.charge.charge_bytes, r.limit_bytes);
    // The working set holds the hot 1.2 GiB, not the cold pages still charged.
    let inactive = last.charge.charge_bytes - last.charge.working_set_bytes;
    assert!(inactive > 2 * GIB, "{:?}", last.charge);
    assert!(
        r.pressure.peak_working_set_bytes < r.limit_bytes - 2 * GIB,
        "{:?}",
        r.pressure
    );
}

#[test]
fn the_index_is_resident_only_as_far_as_queries_read_it() {
    let r = run_checked(&scenario(&neo4j(
        "fulltext_index = \"2g\"",
        "fulltext_read = 0.5",
    )));
    let mapped = |i: usize| r.samples[i].accounts[Account::MappedFiles as usize];
    // Before the queries: mapped (address space), nothing read.
    let before = mapped(5);
    assert_eq!((before.reserved, before.resident), (2 * GIB, 0));
    // Half the index read evenly over the minute: a quarter at its middle, half at its end.
    let mid = mapped(40);
    assert!(mid.resident.abs_diff(GIB / 2) <= 20 * MIB, "{mid:?}");
    let end = r.samples.last().unwrap().accounts[Account::MappedFiles as usize];
    assert_eq!(end.resident, GIB);
    // Under the limit reclaim never scans, so no file page is active yet (even with
    // `fulltext_hot` unset, all of it in use): the 1 GiB read is charged, not in the working set.
    assert!(r.pressure.peak_charge_bytes < r.limit_bytes);
    assert!(
        r.pressure.peak_working_set_bytes + GIB <= r.pressure.peak_charge_bytes,
        "{:?}",
        r.pressure
    );
}

#[test]
fn indexed_nodes_grow_the_index_with_dirty_pages() {
    let text = neo4j("fulltext_per_node = \"4k\"", "").replace(
        "threads = 10\n",
        "threads = 10\ndb = { op = \"create_nodes\", count = 100000, transactions = 10 }\n",
    );
    let r = run_checked(&scenario(&text));
    let end = r.samples.last().unwrap().accounts[Account::MappedFiles as usize];
    // 100,000 nodes × 4 KiB: 390.6 MiB of new segments, written, so in the page cache.
    assert_eq!(end.reserved, 100_000 * 4096);
    assert_eq!(end.resident, 100_000 * 4096);
    assert!(r.samples.iter().any(|s| s.charge.dirty_bytes > 0));
}
