//! `Database::warm` (the engine's `page_cache_touch`) is exact to the page: shares that end
//! mid-page carry the rest of the page to the next share instead of each reading a page more.

use memsim_core::SimTime;
use memsim_pagecache::cache::PAGE_BYTES;
use memsim_pagecache::{Database, DatabaseConfig};

/// Touching exactly the free part of the cache, in shares of 3,000 bytes (not a divisor of a page),
/// faults exactly that many pages and evicts none. Rounding each share up to a page, as before,
/// read 350 pages for 128 pages' worth of bytes and evicted 222 of them.
#[test]
fn touching_the_cache_size_in_uneven_shares_faults_it_exactly_and_evicts_nothing() {
    let cache_pages = 128;
    let mut d = Database::new(DatabaseConfig::new(cache_pages * PAGE_BYTES)).unwrap();
    let free = d.page_cache().free_pages();
    assert_eq!(free, cache_pages, "an empty database caches no page yet");
    let before = d.page_cache().metrics();
    let mut left = free * PAGE_BYTES;
    let mut shares = 0;
    while left > 0 {
        let share = left.min(3_000);
        d.warm(SimTime::ZERO, share);
        left -= share;
        shares += 1;
    }
    assert_eq!(shares, 350);
    let m = d.page_cache().metrics().since(&before);
    assert_eq!((m.faults, m.hits, m.evictions), (cache_pages, 0, 0));
    assert_eq!(d.page_cache().free_pages(), 0);
    assert_eq!(d.report().warmed_bytes, cache_pages * PAGE_BYTES);
    // One byte more reads one page more: it finds the free list empty, evicts one page itself and
    // unparks the background evictor, which refills its reserve.
    let run = d.warm(SimTime::ZERO, 1);
    let reserve = d.page_cache().keep_free_pages();
    assert_eq!((run.faults, run.evictions), (1, 1 + reserve));
    assert_eq!(d.page_cache().free_pages(), reserve);
    d.check_invariants().unwrap();
}
