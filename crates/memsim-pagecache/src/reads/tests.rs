//! Query loads against the cache's size: what fits reaches a high hit ratio after warm-up, what is
//! twice the cache evicts for as long as it runs.

use memsim_core::{SimRng, SimTime};

use super::{PageReadLoad, PageReadLoadError, SkewSpec};
use crate::PinRun;
use crate::cache::PAGE_BYTES;
use crate::db::{Database, DatabaseConfig};

const MIB: u64 = 1 << 20;

/// A database with an 8 MiB page cache: 1024 pages.
fn db() -> Database {
    Database::new(DatabaseConfig::new(8 * MIB)).expect("valid")
}

fn rounds(db: &mut Database, load: &PageReadLoad, rounds: usize, pins: u64) -> Vec<PinRun> {
    let mut rng = SimRng::new(11, 3);
    (0..rounds)
        .map(|_| db.read_pages(SimTime::ZERO, load, pins, &mut rng))
        .collect()
}

#[test]
fn a_working_set_that_fits_reaches_a_high_hit_ratio_after_warm_up() {
    let mut db = db();
    // 6 MiB of 8: 768 pages.
    let load = PageReadLoad::new(6 * MIB, SkewSpec::Uniform, 0).expect("valid");
    let runs = rounds(&mut db, &load, 10, 2_000);
    // The first round faults most of the working set in (a coupon collector: 768 pages, 2000 draws).
    assert!(runs[0].hit_ratio() < 0.8, "first round {:?}", runs[0]);
    assert!(runs[0].faults > 600, "{:?}", runs[0]);
    for r in &runs[3..] {
        assert!(r.hit_ratio() > 0.95, "after warm-up {r:?}");
        assert_eq!(r.evictions, 0, "{r:?}");
    }
    let total_faults: u64 = runs.iter().map(|r| r.faults).sum();
    assert!(
        total_faults <= 768,
        "each page faults at most once: {total_faults}"
    );
}

#[test]
fn a_working_set_twice_the_cache_evicts_for_as_long_as_it_runs() {
    let mut db = db();
    let load = PageReadLoad::new(16 * MIB, SkewSpec::Uniform, 0).expect("valid");
    let runs = rounds(&mut db, &load, 10, 4_000);
    for r in &runs[2..] {
        // Uniform over twice the cache: about half the pins hit, every fault evicts (give or take
        // the free pages the background evictor keeps, 30 at most).
        assert!(
            (0.4..0.6).contains(&r.hit_ratio()),
            "hit ratio {} in {r:?}",
            r.hit_ratio()
        );
        assert!(r.evictions.abs_diff(r.faults) <= 30, "{r:?}");
        assert!(r.evictions > 1_500, "{r:?}");
    }
}

#[test]
fn zipf_and_hot_sets_hit_more_than_uniform_on_the_same_cache() {
    let steady = |skew| {
        let mut db = db();
        let load = PageReadLoad::new(16 * MIB, skew, 0).expect("valid");
        let runs = rounds(&mut db, &load, 6, 4_000);
        runs[5].hit_ratio()
    };
    let uniform = steady(SkewSpec::Uniform);
    let zipf = steady(SkewSpec::Zipf(0.99));
    let hot = steady(SkewSpec::HotCold {
        hot_fraction: 0.2,
        hot_permille: 900,
    });
    assert!(zipf > uniform + 0.2, "zipf {zipf} vs uniform {uniform}");
    // 90 % of reads on 410 pages, which stay cached (CLOCK keeps what is used): at least 0.9.
    assert!(hot > 0.9, "hot {hot} vs uniform {uniform}");
}

fn steady_run(write_permille: u32) -> PinRun {
    let mut db = db();
    let load = PageReadLoad::new(16 * MIB, SkewSpec::Uniform, write_permille).expect("valid");
    rounds(&mut db, &load, 4, 4_000)[3]
}

#[test]
fn writes_dirty_pages_that_evictions_flush() {
    let dirty = steady_run(200);
    assert!(dirty.flushes > 0, "{dirty:?}");
    assert!(dirty.flushes < dirty.evictions, "{dirty:?}");
    assert_eq!(steady_run(0).flushes, 0);
}

#[test]
fn a_warm_up_of_the_working_set_makes_the_first_queries_hit() {
    let mut db = db();
    let warm = db.warm(SimTime::ZERO, 6 * MIB);
    assert_eq!(warm.faults, 768);
    let load = PageReadLoad::new(6 * MIB, SkewSpec::Zipf(1.0), 0).expect("valid");
    let first = rounds(&mut db, &load, 1, 1_000)[0];
    assert_eq!(first.faults, 0, "{first:?}");
    // Queries first, then the warm-up: it reads its own bytes and hits where the queries were.
    let mut db2 = self::db();
    let _ = rounds(&mut db2, &load, 1, 5_000);
    let w = db2.warm(SimTime::ZERO, 6 * MIB);
    assert_eq!(w.pins, 768);
    assert!(w.hits > 0, "{w:?}");
}

#[test]
fn the_same_seed_reads_the_same_pages() {
    let run = || {
        let mut db = db();
        let load = PageReadLoad::new(
            12 * MIB,
            SkewSpec::HotCold {
                hot_fraction: 0.1,
                hot_permille: 800,
            },
            50,
        )
        .expect("valid");
        (rounds(&mut db, &load, 3, 3_000), db.page_cache().metrics())
    };
    assert_eq!(run(), run());
}

#[test]
fn bad_loads_are_refused() {
    assert_eq!(
        PageReadLoad::new(0, SkewSpec::Uniform, 0).unwrap_err(),
        PageReadLoadError::EmptyWorkingSet
    );
    assert!(matches!(
        PageReadLoad::new(PAGE_BYTES, SkewSpec::Zipf(-1.0), 0),
        Err(PageReadLoadError::BadExponent(_))
    ));
    assert!(matches!(
        PageReadLoad::new(
            PAGE_BYTES,
            SkewSpec::HotCold {
                hot_fraction: 0.0,
                hot_permille: 500
            },
            0
        ),
        Err(PageReadLoadError::BadHotSet { .. })
    ));
    assert_eq!(
        PageReadLoad::new(PAGE_BYTES, SkewSpec::Uniform, 1001).unwrap_err(),
        PageReadLoadError::BadWriteShare(1001)
    );
    // One byte is one page; a hot fraction rounds up to a page.
    let l = PageReadLoad::new(
        1,
        SkewSpec::HotCold {
            hot_fraction: 0.01,
            hot_permille: 1000,
        },
        0,
    )
    .expect("valid");
    assert_eq!(l.working_set_pages(), 1);
}
