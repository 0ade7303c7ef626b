//! Requests that read store pages (`sims/page-cache-query-load.toml`): a working set that fits
//! reaches a hit ratio above 0.95 once warm, one twice the cache evicts in every sample interval,
//! a Zipf skew keeps the hot pages; each figure per phase, and the same seed gives the same run.

use memsim_core::{DatabaseRun, RunSummary, SimDuration};
use memsim_engine::{RunOptions, run};

use crate::{bundled, rendered, scenario};

fn query_load() -> RunSummary {
    run(
        &bundled("page-cache-query-load.toml"),
        RunOptions::default(),
    )
}

fn db(s: &RunSummary) -> &DatabaseRun {
    s.database.as_ref().expect("a database")
}

#[test]
fn each_phase_shows_its_own_hit_ratio_and_evictions() {
    let s = query_load();
    let db = db(&s);
    let pages = db.last.cache.max_pages;
    assert_eq!(pages, 32_768);
    let [fits, twice, zipf] = [0, 1, 2].map(|i| &db.phases[i]);
    assert_eq!(fits.phase, "fits: 192m working set");
    // Fits: the cold start faults each of its 24,576 pages once, then every read hits.
    assert_eq!(fits.cache.faults, 24_576);
    assert_eq!(fits.cache.evictions, 0);
    assert!(fits.last_window.hit_ratio() > 0.95, "{fits:?}");
    assert_eq!(fits.last_window.faults, 0, "{fits:?}");
    // Twice the cache, uniform: half the reads hit, and eviction never stops.
    assert!(
        (0.45..0.55).contains(&twice.last_window.hit_ratio()),
        "{twice:?}"
    );
    let in_twice: Vec<usize> = (0..db.samples.len())
        .filter(|&i| {
            let t = db.samples[i].at.as_secs_f64();
            t > 32.0 && t <= 60.0
        })
        .collect();
    assert!(in_twice.len() >= 27);
    for &i in &in_twice {
        let d = db.cache_between(i - 1, i);
        assert!(
            d.evictions > 10_000,
            "sample {i}: only {} evictions",
            d.evictions
        );
    }
    // Zipf over the same 512 MiB: the hot pages stay, and written pages are flushed when evicted.
    assert!(zipf.last_window.hit_ratio() > 0.85, "{zipf:?}");
    assert!(zipf.cache.flushes > 0 && twice.cache.flushes == 0);
    // The rolling window follows: warm at the end of phase 1, low in phase 2.
    let at = |secs: u64| {
        db.samples
            .iter()
            .position(|x| x.at.as_secs_f64() == secs as f64)
            .expect("a sample at every second")
    };
    let w = |secs| {
        db.window_hit_ratio(at(secs), SimDuration::from_secs(10))
            .expect("pins in the window")
    };
    assert!(w(30) > 0.99 && w(55) < 0.55 && w(90) > 0.85);
    // The whole run mixes them all.
    let whole = db.last.cache.hit_ratio();
    assert!(whole < fits.last_window.hit_ratio() && whole > twice.cache.hit_ratio());
}

#[test]
fn the_same_seed_reads_the_same_pages_and_another_does_not() {
    let a = query_load();
    let b = query_load();
    assert_eq!(rendered(&a), rendered(&b));
    let c = run(
        &bundled("page-cache-query-load.toml"),
        RunOptions {
            seed: Some(12),
            check_invariants: false,
        },
    );
    assert_ne!(db(&a).phases[1].cache, db(&c).phases[1].cache);
}

#[test]
fn every_page_pinned_counts_against_max_events() {
    // 100 requests/s × 10 s × 1,000 pages: about 1,000,000 pins, within the budget it parses with.
    let mut s = scenario(
        "[scenario]\nduration = \"10s\"\nmax_events = 2000000\n\n[machine]\nram = \"4g\"\n\n[page_cache]\nsize = \"64m\"\n\n[[phase]]\nname = \"q\"\nduration = \"10s\"\nthreads = 4\nrequests = { rate = \"100/s\", page_reads = 1000, working_set = \"128m\" }\n",
    );
    let full = run(&s, RunOptions::default());
    let pins = db(&full).last.cache.pins;
    assert!((900_000..1_100_000).contains(&pins), "{pins}");
    assert!(full.stopped_early.is_none());
    assert!(
        full.n_events > pins,
        "every pin is an event: {} for {pins}",
        full.n_events
    );
    // A budget a fifth of that stops the run; the pins never pass it.
    s.max_events = 200_000;
    let cut = run(&s, RunOptions::default());
    assert!(cut.stopped_early.is_some());
    let pins = db(&cut).last.cache.pins;
    assert!(pins <= 200_000 && pins > 190_000, "{pins}");
}
