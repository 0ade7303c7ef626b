use super::*;
use memsim_core::SimRng;

fn cache(n_pages: u64) -> MuninnPageCache {
    MuninnPageCache::new(CacheConfig::with_pages(n_pages)).unwrap()
}

#[test]
fn faults_then_hits_and_grabs_lazily() {
    let pc = cache(256);
    assert_eq!(pc.buffer_bytes(), 0);
    assert_eq!(pc.usage(), Usage::all(256 * METADATA_BYTES_PER_PAGE));
    let f = pc.map_file(FileId(3), PAGE_BYTES).unwrap();
    let p = pc.pin_write(&f, 0).unwrap();
    pc.write_stamp(&p, 42);
    pc.unpin(p);
    assert_eq!(pc.buffer_bytes(), GRAB_BYTES);
    let p = pc.pin_read(&f, 0).unwrap();
    assert_eq!(pc.read_stamp(&p), 42);
    pc.unpin(p);
    let m = pc.metrics();
    assert_eq!((m.faults, m.hits, m.pins, m.unpins), (1, 1, 2, 2));
    assert_eq!(m.pages_in_use, 1);
    assert_eq!(f.n_pages(), 1);
    assert!(matches!(
        pc.pin_read(&f, 5),
        Err(PinError::BeyondEndOfFile { n_pages: 1, .. })
    ));
    pc.check_invariants(true).unwrap();
    // 65 distinct pages need a second grab of 64 pages.
    for page in 1..65 {
        let p = pc.pin_write(&f, page).unwrap();
        pc.unpin(p);
    }
    assert_eq!(pc.buffer_bytes(), 2 * GRAB_BYTES);
}

#[test]
fn clock_evicts_and_flushes_dirty_pages_first() {
    let pc = cache(4);
    let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
    for page in 0..8 {
        let p = pc.pin_write(&f, page).unwrap();
        pc.write_stamp(&p, page + 100);
        pc.unpin(p);
    }
    let m = pc.metrics();
    assert_eq!(m.evictions, 4);
    assert_eq!(m.flushes, 4);
    assert_eq!(m.cooperative_evictions, 4);
    for page in 0..8 {
        assert_eq!(pc.page_stamp(&f, page), page + 100);
    }
    let r = pc.flush_all();
    assert_eq!(r.flushed_pages, 4);
    for page in 0..8 {
        assert_eq!(pc.disk_stamp(&f, page), page + 100);
    }
    pc.check_invariants(true).unwrap();
}

#[test]
fn pinned_pages_are_never_evicted_and_a_full_pinned_cache_live_locks() {
    let pc = cache(2);
    let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
    f.grow_to(3);
    let a = pc.pin_write(&f, 0).unwrap();
    let b = pc.pin_read(&f, 1).unwrap();
    assert_eq!(
        pc.pin_read(&f, 0).map(|p| pc.unpin(p)),
        Ok(()),
        "a second pin of a pinned page is a hit"
    );
    assert_eq!(
        pc.pin_read(&f, 2),
        Err(PinError::CacheLiveLock {
            sweeps: LIVE_LOCK_SWEEPS,
            n_pages: 2
        })
    );
    assert_eq!(pc.metrics().eviction_exceptions, 1);
    let report = pc.flush_all();
    assert_eq!(
        report.skipped_pages, 1,
        "the write-pinned page is not flushed"
    );
    assert_eq!(pc.pinned_binding(&a), Some((FileId(0), 0)));
    pc.unpin(a);
    pc.unpin(b);
    let p = pc.pin_read(&f, 2).unwrap();
    pc.unpin(p);
    pc.check_invariants(true).unwrap();
}

#[test]
fn evictor_keeps_the_reserve() {
    let pc = cache(128);
    assert_eq!(pc.keep_free_pages(), 30);
    let f = pc.map_file(FileId(1), PAGE_BYTES).unwrap();
    let mut rng = SimRng::new(1, 0);
    pc.read_uniform(&f, 1000, 5000, &mut rng).unwrap();
    assert_eq!(pc.free_pages(), 0);
    let run = pc.run_evictor();
    assert_eq!(run.evicted, 30);
    assert_eq!(run.free_pages, 30);
    assert_eq!(pc.run_evictor().evicted, 0);
    assert_eq!(cache(8).keep_free_pages(), 4);
    pc.check_invariants(true).unwrap();
}

#[test]
fn hit_ratio_follows_working_set_over_cache_size() {
    for (cache_pages, ws_pages) in [(1000, 500), (1000, 2000), (1000, 4000)] {
        let pc = cache(cache_pages);
        let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
        let mut rng = SimRng::new(7, 0);
        pc.read_uniform(&f, ws_pages, 20 * ws_pages, &mut rng)
            .unwrap();
        let run = pc.read_uniform(&f, ws_pages, 100_000, &mut rng).unwrap();
        let expected = (cache_pages as f64 / ws_pages as f64).min(1.0);
        assert!(
            (run.hit_ratio() - expected).abs() < 0.03,
            "cache {cache_pages} ws {ws_pages}: hit ratio {} vs {expected}",
            run.hit_ratio()
        );
    }
}

#[test]
fn hot_set_beats_uniform_under_clock() {
    let pc = cache(1000);
    let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
    let mut rng = SimRng::new(3, 0);
    pc.pin_hot_cold(&f, 10_000, 500, 900, 100, 50_000, &mut rng)
        .unwrap();
    let run = pc
        .pin_hot_cold(&f, 10_000, 500, 900, 100, 100_000, &mut rng)
        .unwrap();
    // 90% of pins go to 500 hot pages that CLOCK keeps; the cold 10% mostly miss.
    assert!(run.hit_ratio() > 0.85, "{}", run.hit_ratio());
    assert!(run.flushes > 0);
    pc.check_invariants(true).unwrap();
}

#[test]
fn config_errors() {
    assert!(matches!(
        MuninnPageCache::new(CacheConfig::new(100)),
        Err(CacheConfigError::NoPages { .. })
    ));
    assert!(matches!(
        MuninnPageCache::new(CacheConfig::with_pages(FRAMES_MAX + 1)),
        Err(CacheConfigError::TooManyPages { .. })
    ));
    let mut few_sweeps = CacheConfig::with_pages(4);
    few_sweeps.live_lock_sweeps = MAX_USAGE_COUNT as u32;
    assert_eq!(
        MuninnPageCache::new(few_sweeps).unwrap_err(),
        CacheConfigError::LimitTooSmall
    );
    let pc = cache(4);
    assert_eq!(
        pc.map_file(FileId(0), PAGE_BYTES + 1).unwrap_err(),
        MapError::BadFilePageSize {
            file_page_bytes: PAGE_BYTES + 1,
            cache_page_bytes: PAGE_BYTES
        }
    );
    pc.map_file(FileId(0), 8190).unwrap();
    assert!(matches!(
        pc.map_file(FileId(0), 8192),
        Err(MapError::PageSizeMismatch { .. })
    ));
    assert_eq!(pc.map_file(FileId(0), 8190).unwrap().n_pages(), 0);
    assert_eq!(pc.metrics().file_mappings, 1);
}

#[test]
#[cfg(not(memsim_loom))] // loom allocates every frame at construction (sync.rs)
fn frames_are_allocated_as_grabs_reach_them() {
    use super::frames::FRAMES_PER_CHUNK;
    let pc = MuninnPageCache::new(CacheConfig::new(512 << 30)).unwrap();
    assert_eq!(pc.max_pages(), 1 << 26);
    assert_eq!(
        pc.frames.allocated(),
        0,
        "an unread cache allocates no frame"
    );
    assert_eq!(pc.usage(), Usage::all((1 << 26) * METADATA_BYTES_PER_PAGE));
    let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
    let n = u64::from(FRAMES_PER_CHUNK) + 1;
    pc.scan(
        &{
            f.grow_to(n);
            f.clone()
        },
        0,
        n,
    )
    .unwrap();
    assert_eq!(pc.frames.allocated(), 2 * FRAMES_PER_CHUNK);
    assert_eq!(pc.metrics().faults, n);
    pc.check_invariants(true).unwrap();
    // A small cache whose last chunk is partial: filled, evicted, checked.
    let pc = cache(u64::from(FRAMES_PER_CHUNK) + 10);
    let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
    let mut rng = SimRng::new(5, 0);
    pc.read_uniform(&f, 3 * u64::from(FRAMES_PER_CHUNK), 20_000, &mut rng)
        .unwrap();
    assert_eq!(pc.frames.allocated(), FRAMES_PER_CHUNK + 10);
    assert_eq!(pc.free_pages(), 0);
    pc.check_invariants(true).unwrap();
}

#[test]
fn table_chunks_exist_only_while_they_hold_a_cached_page() {
    let pc = cache(64);
    let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
    let chunks = |f: &PagedFile| f.0.table.read().iter().flatten().count();
    let pages = 50 * TABLE_CHUNK;
    f.grow_to(pages);
    assert_eq!(chunks(&f), 0, "growing allocates no table");
    // Stream through the file as warm-up does: grow, read, grow again.
    for step in 0..50 {
        let first = step * TABLE_CHUNK;
        f.grow_to(first + TABLE_CHUNK + pages);
        pc.scan(&f, first, TABLE_CHUNK).unwrap();
        assert!(chunks(&f) <= 2, "{} chunks for 64 cached pages", chunks(&f));
        pc.check_invariants(true).unwrap();
    }
    assert_eq!(pc.metrics().faults, 50 * TABLE_CHUNK);
}
