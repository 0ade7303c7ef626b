//! `[phase.requests]`'s page reads: values, defaults, and each error at its key.

use crate::{BASE, errs, ok, one};
use memsim_scenario::{ReadSkew, RequestPageReads};

/// A phase with requests (line 10 holds the `requests` table) over a database.
fn with(requests: &str) -> String {
    format!(
        "{BASE}[page_cache]\nsize = \"1g\"\n\n[[phase]]\nname = \"q\"\nduration = \"1m\"\nthreads = 8\nrequests = {{ rate = \"100/s\", {requests} }}\n"
    )
}

fn reads(requests: &str) -> Option<RequestPageReads> {
    ok(&with(requests)).phases[0]
        .requests
        .as_ref()
        .expect("requests")
        .page_reads
}

#[test]
fn page_reads_parse_with_each_skew() {
    assert_eq!(
        reads("page_reads = 20, working_set = \"2g\""),
        Some(RequestPageReads {
            per_request: 20,
            working_set: 2 << 30,
            skew: ReadSkew::Uniform,
            write_fraction: 0.0,
        })
    );
    assert_eq!(
        reads("page_reads = 5, working_set = \"64m\", zipf = 0.99, page_writes = 0.1")
            .map(|r| (r.skew, r.write_fraction)),
        Some((ReadSkew::Zipf { exponent: 0.99 }, 0.1))
    );
    assert_eq!(
        reads("page_reads = 5, working_set = \"64m\", hot_set = 0.2, hot_reads = 1")
            .map(|r| r.skew),
        Some(ReadSkew::HotCold {
            set_fraction: 0.2,
            read_fraction: 1.0
        })
    );
    // No reads: no page-read part.
    assert_eq!(reads("buffer = \"1k\""), None);
    assert_eq!(reads("page_reads = 0"), None);
}

/// The single error of a phase with `requests`, at `key_path`, on line 13 (the `requests` line)
/// at the column where `at` starts in it.
#[track_caller]
fn one_at(requests: &str, key_path: &str, at: &str) -> memsim_scenario::ScenarioError {
    let line = format!("requests = {{ rate = \"100/s\", {requests} }}");
    let column = line.find(at).expect("the value is in the line") + 1;
    one(&with(requests), key_path, 13, column)
}

#[test]
fn each_bad_value_is_reported_at_its_key() {
    // A missing key points at the table.
    let e = one(
        &with("page_reads = 5"),
        "phase[0].requests.working_set",
        13,
        12,
    );
    assert!(e.to_string().contains("must set `working_set`"), "{e}");
    let e = one_at(
        "page_reads = 5, working_set = \"1m\", zipf = -1",
        "phase[0].requests.zipf",
        "-1",
    );
    assert!(e.to_string().contains("from 0 to 10"), "{e}");
    let e = one_at(
        "page_reads = 5, working_set = \"1m\", zipf = \"1\"",
        "phase[0].requests.zipf",
        "\"1\"",
    );
    assert!(e.to_string().contains("must be a number"), "{e}");
    let e = one_at(
        "page_reads = 5, working_set = \"1m\", hot_set = 0.2",
        "phase[0].requests.hot_set",
        "0.2",
    );
    assert!(
        e.to_string()
            .contains("needs `phase[0].requests.hot_reads`"),
        "{e}"
    );
    let e = one_at(
        "page_reads = 5, working_set = \"1m\", zipf = 1, hot_set = 0.2, hot_reads = 0.5",
        "phase[0].requests.zipf",
        "1, hot",
    );
    assert!(e.to_string().contains("two skews"), "{e}");
    one_at(
        "page_reads = 5, working_set = 0",
        "phase[0].requests.working_set",
        "0 }",
    );
    one_at(
        "page_reads = 5, working_set = \"1m\", page_writes = 1.5",
        "phase[0].requests.page_writes",
        "1.5",
    );
    let e = one_at(
        "page_reads = 2000000, working_set = \"1m\"",
        "phase[0].requests.page_reads",
        "2000000",
    );
    assert!(e.to_string().contains("too large"), "{e}");
    // A key without reads is reported, not ignored.
    let e = one_at("zipf = 1", "phase[0].requests.zipf", "1 }");
    assert!(e.to_string().contains("no effect"), "{e}");
}

#[test]
fn reads_need_a_database_and_a_budget() {
    let src = format!(
        "{BASE}[[phase]]\nname = \"q\"\nduration = \"1m\"\nthreads = 8\nrequests = {{ rate = \"100/s\", page_reads = 5, working_set = \"1m\" }}\n"
    );
    let e = one(&src, "phase[0].requests.page_reads", 10, 43);
    assert!(e.to_string().contains("[page_cache]"), "{e}");
    // 100/s × 60 s × 10,000 pages = 60,000,000 pins, over the default 50,000,000 events.
    let e = errs(&with("page_reads = 10000, working_set = \"1m\""));
    assert!(
        e.render_plain().contains("max_events"),
        "{}",
        e.render_plain()
    );
}

#[test]
fn restart_and_its_warm_up_parse_and_bad_values_are_reported() {
    use memsim_scenario::{DbOp, RestartWarmup};
    let src = |db: &str| {
        format!(
            "{BASE}[database]\nwarmup_profile_interval = \"30s\"\n\n[[phase]]\nname = \"r\"\nduration = \"1s\"\ndb = {{ {db} }}\n"
        )
    };
    let s = ok(&src("op = \"restart\""));
    assert_eq!(
        s.database.as_ref().and_then(|d| d.warmup_profile_interval),
        Some(memsim_core::SimDuration::from_secs(30))
    );
    assert_eq!(
        s.phases[0].db.as_ref().map(|d| d.op.clone()),
        Some(DbOp::Restart {
            warmup: RestartWarmup::Profile
        })
    );
    assert_eq!(
        ok(&src("op = \"restart\", warmup = \"Cold\"")).phases[0]
            .db
            .as_ref()
            .map(|d| d.op.clone()),
        Some(DbOp::Restart {
            warmup: RestartWarmup::Cold
        })
    );
    // Line 12 holds the `db` table.
    let line = "db = { op = \"restart\", warmup = \"lukewarm\" }";
    let e = one(
        &src("op = \"restart\", warmup = \"lukewarm\""),
        "phase[0].db.warmup",
        12,
        line.find("\"lukewarm\"").unwrap() + 1,
    );
    assert!(e.to_string().contains("\"preload\""), "{e}");
    let line = "db = { op = \"checkpoint\", warmup = \"cold\" }";
    one(
        &src("op = \"checkpoint\", warmup = \"cold\""),
        "phase[0].db.warmup",
        12,
        line.find("warmup").unwrap() + 1,
    );
    let e = one(
        &format!("{BASE}[database]\nwarmup_profile_interval = \"0s\"\n"),
        "database.warmup_profile_interval",
        7,
        27,
    );
    assert!(e.to_string().contains("is 0"), "{e}");
}
