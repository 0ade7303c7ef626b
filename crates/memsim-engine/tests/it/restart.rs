//! `[phase.db] op = "restart"` (`sims/page-cache-restart.toml`): the shutdown flushes, a profiled
//! warm-up loads the cache at the device's rate and brings the hit ratio back sooner than a cold
//! restart, whose queries fault the pages in themselves.

use memsim_core::RunSummary;
use memsim_engine::{RunOptions, run};

use crate::{bundled, rendered, scenario};

fn restart_run() -> RunSummary {
    run(&bundled("page-cache-restart.toml"), RunOptions::default())
}

#[test]
fn a_profiled_warm_up_is_warm_sooner_than_a_cold_restart() {
    let s = restart_run();
    let db = s.database.as_ref().expect("a database");
    let [warm, cold] = [&db.restarts[0], &db.restarts[1]];
    assert_eq!(
        (warm.warmup.as_str(), cold.warmup.as_str()),
        ("profile", "cold")
    );
    // The profile of 60 s: the cache was full then.
    assert_eq!(warm.profile_taken_at.map(|t| t.as_secs_f64()), Some(60.0));
    // The cache's 32,768 pages less the free ones the background evictor keeps (30 at most), at
    // 25,600 a second: done at the second tick after the restart.
    assert_eq!(warm.pages_to_load, warm.pages_loaded);
    assert!(
        (32_768 - 30..=32_768).contains(&warm.pages_to_load),
        "{}",
        warm.pages_to_load
    );
    assert_eq!(warm.warmup_done_at.map(|t| t.as_secs_f64()), Some(122.0));
    assert_eq!(
        (cold.pages_to_load, cold.pages_loaded, cold.warmup_done_at),
        (0, 0, None)
    );
    assert!(warm.flushed_pages > 0 && cold.flushed_pages > 0);
    let to_warm = |r: &memsim_core::DbRestart, share: f64| {
        let target = r.target_hit_ratio().expect("pins before") * share;
        let t = db.hit_ratio_reached(r.at, target).expect("warm again");
        t.as_secs_f64() - r.at.as_secs_f64()
    };
    // The warm-up's own faults count in the ratio (as in Neo4j's metrics) until it is done; then
    // the profiled cache is near its ratio sooner than the cold one.
    assert!(
        to_warm(warm, 0.95) < to_warm(cold, 0.95) && to_warm(warm, 0.95) <= 4.0,
        "95 %: profile {} s, cold {} s",
        to_warm(warm, 0.95),
        to_warm(cold, 0.95)
    );
    // The last point takes both a few seconds: the warm-up's reloads, added to the queries' own
    // faults, overfill the cache, and the background evictor pushes out profiled pages the queries
    // had not used yet (each pinned once), which they fault back (7 s against 6 s cold since the
    // evictor runs as Neo4j wakes it; 4 s when faults evicted from random pages).
    assert!(
        to_warm(warm, 0.99) <= 8.0 && to_warm(cold, 0.99) <= 8.0,
        "99 %: profile {} s, cold {} s",
        to_warm(warm, 0.99),
        to_warm(cold, 0.99)
    );
    // The counters keep counting over the run; the new cache's pages are the Page Cache account's.
    assert!(db.last.cache.pins > 9_000_000);
    assert!(
        s.events
            .iter()
            .any(|e| e.kind == memsim_core::EventKind::DatabaseRestarted)
    );
    assert_eq!(rendered(&s), rendered(&restart_run()));
}

#[test]
fn a_restart_before_the_first_profile_is_cold_and_preload_reads_every_file() {
    let src = |warmup: &str| {
        format!(
            "[scenario]\nduration = \"20s\"\n\n[machine]\nram = \"4g\"\n\n[page_cache]\nsize = \"64m\"\n\n[[phase]]\nname = \"q\"\nduration = \"20s\"\nthreads = 4\nrequests = {{ rate = \"500/s\", page_reads = 10, working_set = \"32m\" }}\n\n[[phase]]\nname = \"r\"\nstart = \"10s\"\nduration = \"1s\"\ndb = {{ op = \"restart\", warmup = \"{warmup}\" }}\n"
        )
    };
    let profile = run(&scenario(&src("profile")), RunOptions::default());
    let r = &profile.database.as_ref().expect("db").restarts[0];
    assert_eq!((r.pages_loaded, r.profile_taken_at), (0, None));
    let preload = run(&scenario(&src("preload")), RunOptions::default());
    let r = &preload.database.as_ref().expect("db").restarts[0];
    // The 32 MiB of query data (4,096 pages) and the empty record stores' pages, in the first
    // second (25,600 pages a second).
    assert!((4_096..4_200).contains(&r.pages_loaded), "{r:?}");
    assert_eq!(r.pages_loaded, r.pages_to_load);
    assert_eq!(r.warmup_done_at.map(|t| t.as_secs_f64()), Some(11.0));
}
