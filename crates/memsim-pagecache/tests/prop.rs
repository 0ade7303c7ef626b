//! Random programs of pin / unpin / write / evict / checkpoint against a shadow model (bumpalo's
//! `quickchecks.rs` style).
//!
//! The shadow knows which pages are pinned and how, and each page's latest contents. After every
//! operation it checks the cache: pinned pages are bound to the pinned page and pin counts agree;
//! every page reads as its latest write, whether cached or on disk (dirty data is never lost); a pin
//! of an uncached page fails exactly when every page of the cache is pinned; after a checkpoint every
//! page that is not pinned for write is on disk; the cache's own structure holds.

use std::collections::BTreeMap;

use memsim_pagecache::cache::{
    CacheConfig, FileId, MuninnPageCache, PAGE_BYTES, PagedFile, Pin, PinError, PinMode,
};
use proptest::prelude::*;

const FILE_PAGES: u64 = 12;

#[derive(Debug, Clone)]
enum Op {
    PinRead(u64),
    PinWrite(u64),
    Unpin(usize),
    Write(usize),
    Evictor,
    Checkpoint,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..FILE_PAGES).prop_map(Op::PinRead),
        3 => (0..FILE_PAGES).prop_map(Op::PinWrite),
        4 => any::<usize>().prop_map(Op::Unpin),
        2 => any::<usize>().prop_map(Op::Write),
        1 => Just(Op::Evictor),
        1 => Just(Op::Checkpoint),
    ]
}

struct Shadow {
    // Pins held: (page, mode).
    held: Vec<(Pin, u64, PinMode)>,
    // Latest contents per page.
    stamps: BTreeMap<u64, u64>,
    next_stamp: u64,
}

impl Shadow {
    fn pinned_pages(&self) -> BTreeMap<u64, (u64, u64)> {
        let mut m: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
        for (_, page, mode) in &self.held {
            let e = m.entry(*page).or_default();
            match mode {
                PinMode::Read => e.0 += 1,
                PinMode::Write => e.1 += 1,
            }
        }
        m
    }
}

fn check(cache: &MuninnPageCache, file: &PagedFile, shadow: &Shadow) -> Result<(), TestCaseError> {
    cache
        .check_invariants(false)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    for (pin, page, _) in &shadow.held {
        prop_assert_eq!(cache.pinned_binding(pin), Some((FileId(0), *page)));
        prop_assert!(cache.is_cached(file, *page));
    }
    for page in 0..FILE_PAGES {
        let expected = shadow.stamps.get(&page).copied().unwrap_or(0);
        prop_assert_eq!(cache.page_stamp(file, page), expected, "page {}", page);
        if !cache.is_cached(file, page) {
            prop_assert_eq!(cache.disk_stamp(file, page), expected);
        }
    }
    let m = cache.metrics();
    prop_assert_eq!(m.pins - m.unpins, shadow.held.len() as u64);
    prop_assert!(m.pages_in_use <= m.max_pages);
    prop_assert!(m.pages_in_use >= shadow.pinned_pages().len() as u64);
    Ok(())
}

fn run(n_cache_pages: u64, grab_pages: u64, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut config = CacheConfig::with_pages(n_cache_pages);
    config.grab_bytes = grab_pages * PAGE_BYTES;
    config.live_lock_sweeps = 5;
    let cache = MuninnPageCache::new(config).unwrap();
    let file = cache.map_file(FileId(0), PAGE_BYTES).unwrap();
    file.grow_to(FILE_PAGES);
    let mut shadow = Shadow {
        held: Vec::new(),
        stamps: BTreeMap::new(),
        next_stamp: 1,
    };
    for op in ops {
        match op {
            Op::PinRead(page) | Op::PinWrite(page) => {
                let mode = if matches!(op, Op::PinRead(_)) {
                    PinMode::Read
                } else {
                    PinMode::Write
                };
                let full = shadow.pinned_pages().len() as u64 == n_cache_pages;
                let cached = cache.is_cached(&file, page);
                match cache.pin(&file, page, mode) {
                    Ok(pin) => {
                        prop_assert!(cached || !full, "pinned an uncached page into a full cache");
                        prop_assert_eq!(
                            cache.read_stamp(&pin),
                            shadow.stamps.get(&page).copied().unwrap_or(0)
                        );
                        if mode == PinMode::Write {
                            prop_assert!(cache.pinned_is_dirty(&pin));
                        }
                        shadow.held.push((pin, page, mode));
                    }
                    Err(PinError::CacheLiveLock { .. }) => {
                        prop_assert!(full && !cached, "live lock with an evictable page");
                    }
                    Err(e) => return Err(TestCaseError::fail(e.to_string())),
                }
            }
            Op::Unpin(i) if !shadow.held.is_empty() => {
                let (pin, _, _) = shadow.held.swap_remove(i % shadow.held.len());
                cache.unpin(pin);
            }
            Op::Write(i) if !shadow.held.is_empty() => {
                let (pin, page, mode) = &shadow.held[i % shadow.held.len()];
                if *mode == PinMode::Write {
                    cache.write_stamp(pin, shadow.next_stamp);
                    shadow.stamps.insert(*page, shadow.next_stamp);
                    shadow.next_stamp += 1;
                }
            }
            Op::Unpin(_) | Op::Write(_) => {}
            Op::Evictor => {
                let free_before = cache.free_pages();
                let run = cache.run_evictor();
                let pinned = shadow.pinned_pages().len() as u64;
                let asked = cache.keep_free_pages().saturating_sub(free_before);
                prop_assert_eq!(run.free_pages, free_before + run.evicted);
                // Neo4j's `evictPages`: every evictable visit counts against the pages asked for,
                // evicted or refused (pinned); every loaded page is evictable by its fourth visit, so
                // a single-threaded run always does what it was asked.
                prop_assert_eq!(run.evicted + run.refused, asked);
                prop_assert!(
                    run.refused == 0 || pinned > 0,
                    "a refusal needs a pinned page"
                );
            }
            Op::Checkpoint => {
                let report = cache.flush_all();
                let pinned = shadow.pinned_pages();
                let write_pinned = pinned.values().filter(|(_, w)| *w > 0).count() as u64;
                prop_assert!(report.skipped_pages <= write_pinned);
                for page in 0..FILE_PAGES {
                    if pinned.get(&page).is_some_and(|(_, w)| *w > 0) {
                        continue;
                    }
                    let expected = shadow.stamps.get(&page).copied().unwrap_or(0);
                    prop_assert_eq!(
                        cache.disk_stamp(&file, page),
                        expected,
                        "page {} after checkpoint",
                        page
                    );
                }
            }
        }
        check(&cache, &file, &shadow)?;
    }
    for (pin, _, _) in shadow.held.drain(..) {
        cache.unpin(pin);
    }
    cache
        .check_invariants(true)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn pin_programs_match_the_shadow(
        n_cache_pages in 1u64..6,
        grab_pages in 1u64..4,
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        run(n_cache_pages, grab_pages, ops)?;
    }
}
