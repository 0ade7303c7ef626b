//! When the database's background evictor runs, as Neo4j wakes its eviction thread.
//!
//! Neo4j 4.x (`MuninnPageCache.continuouslySweepPages`, `parkUntilEvictionRequired`, `parkEvictor`,
//! `unparkEvictor`, `grabFreeAndExclusivelyLockedPage`): the eviction thread parks for 10 ms at a
//! time; at each wake-up it looks at the free list and, when it holds fewer than `keepFree` pages
//! (`min(pagesToKeepFree = 30, maxPages / 2)`), evicts the shortfall (`evictPages`), then parks
//! again. A faulting thread that finds the free list empty unparks it (if parked) and evicts one
//! page itself (`cooperativelyEvict`).
//!
//! Here one thread drives the database, so both wake-ups are folded into the pins that need them:
//! - **The unpark**: the cache runs the evictor right after a fault's cooperative eviction
//!   ([`crate::cache::CacheConfig::evictor_runs_when_unparked`], set for every database).
//!   *Approximation*: the woken thread refills the free list before the next fault; a real one
//!   needs the scheduler's wake-up latency, during which other faults may evict cooperatively too.
//! - **The 10 ms wake-ups** ([`Database::evictor_wake`]): the free list only shrinks on faults, so
//!   the wake-ups that fall between two pins all find what the first of them found; the one before
//!   a pin at `now` is run when the pin comes (or at the database tick), once per 10 ms at most.
//!
//! Why not only on the engine's one-second database tick, as before: a query load faulting
//! thousands of pages a second empties a 30-page reserve within milliseconds, so with one wake-up a
//! second (or none, for a page cache without `[database]` settings, which had no tick) every
//! eviction but the first 30 of each second was cooperative: `sims/page-cache-query-load.toml`'s
//! twice-the-cache phase counted 589,793 evictions, all cooperative. With Neo4j's wake-ups, one
//! fault in 31 finds the list empty at sustained eviction (see `ARCHITECTURE.md` for the figures).

use memsim_core::{SimDuration, SimTime};

use super::Database;

/// How long Neo4j's eviction thread parks between looks at the free list
/// (`parkUntilEvictionRequired`'s `parkNanos`).
pub(crate) const EVICTOR_PARK: SimDuration = SimDuration::from_millis(10);

impl Database {
    /// The background evictor's own wake-up, if one falls due by `now`: evicts what the free list
    /// lacks of its reserve ([`crate::MuninnPageCache::run_evictor`]). Wake-ups come every
    /// [`EVICTOR_PARK`]; those that fell between the previous call and `now` saw the same free list
    /// (nothing faulted meanwhile), so they are one.
    pub(crate) fn evictor_wake(&mut self, now: SimTime) {
        if now < self.evictor_wakes_at {
            return;
        }
        self.cache.run_evictor();
        let park = EVICTOR_PARK.nanos();
        self.evictor_wakes_at = SimTime((now.0 / park + 1).saturating_mul(park));
    }
}

#[cfg(test)]
mod tests {
    use crate::{Database, DatabaseConfig, PAGE_BYTES, PageReadLoad, SkewSpec};
    use memsim_core::{SimRng, SimTime};

    /// A load of twice the cache, read uniformly: at sustained eviction, the evictor (woken every
    /// 10 ms and whenever a fault finds the free list empty) does nearly all of it; a fault evicts
    /// cooperatively only when it empties the 30-page reserve.
    #[test]
    fn at_sustained_eviction_the_background_evictor_does_the_work() {
        let n_pages = 4096;
        let mut db = Database::new(DatabaseConfig::new(n_pages * PAGE_BYTES)).unwrap();
        let load = PageReadLoad::new(2 * n_pages * PAGE_BYTES, SkewSpec::Uniform, 0).unwrap();
        let mut rng = SimRng::new(7, 0);
        // 200 pins every millisecond for 2 s.
        for ms in 0..2000u64 {
            db.read_pages(SimTime(ms * 1_000_000), &load, 200, &mut rng);
        }
        let m = db.page_cache().metrics();
        assert!(m.evictions > 100_000, "{m:?}");
        // The reserve is refilled after each emptying: one cooperative eviction per 31 evictions.
        let coop = m.cooperative_evictions as f64 / m.evictions as f64;
        assert!(
            (0.02..0.05).contains(&coop),
            "cooperative share {coop}: {m:?}"
        );
        assert!(db.page_cache().free_pages() <= 30);
    }

    /// Without unparking and with no wake-up between faults, every fault past the reserve evicts
    /// cooperatively (what a one-second tick gave a heavy load).
    #[test]
    fn without_the_unpark_every_fault_past_the_reserve_evicts_itself() {
        let n_pages = 4096;
        let mut cfg = DatabaseConfig::new(n_pages * PAGE_BYTES);
        cfg.page_cache.evictor_runs_when_unparked = false;
        let mut db = Database::new(cfg).unwrap();
        let load = PageReadLoad::new(2 * n_pages * PAGE_BYTES, SkewSpec::Uniform, 0).unwrap();
        let mut rng = SimRng::new(7, 0);
        db.read_pages(SimTime::ZERO, &load, 200_000, &mut rng);
        let m = db.page_cache().metrics();
        assert!(m.evictions > 50_000, "{m:?}");
        assert_eq!(m.cooperative_evictions, m.evictions, "{m:?}");
    }
}
