//! A restart of the database, and the page-cache warm-up that follows it.
//!
//! Facts from Neo4j 4.x's sources (Enterprise's `PageCacheWarmer` and `GraphDatabaseSettings`):
//! - **Shutdown** checkpoints (`CheckpointTrigger::Shutdown`): every dirty page is flushed, so the
//!   store on disk is complete and the new page cache starts empty.
//! - **Profiles.** With `dbms.memory.pagecache.warmup.enable` (default `true`, Enterprise only) a
//!   background job profiles the cache every `dbms.memory.pagecache.warmup.profile.interval`
//!   (default 1 minute): for each mapped file a bitmap of the pages then in memory, read by a
//!   cursor that does not fault ([`MuninnPageCache::cached_pages`]). A restart uses the most recent
//!   profile, so pages cached since it was taken are not reloaded and pages evicted since are.
//! - **Reheat.** At start the warmer loads each file's profiled pages in page-id order
//!   (`PageCacheWarmer.reheat`); with `dbms.memory.pagecache.warmup.preload` (default `false`) it
//!   instead touches every page of every mapped file (`loadAll`/`touchAllPages`), for caches larger
//!   than the store.
//! - Without a profile (Community Edition, warm-up disabled, or a database younger than one
//!   interval) the cache starts cold and warms as queries fault pages in.
//!
//! - **Pace.** The reheat runs in the background (`IO_PARALLELISM` threads, one per processor, with
//!   no rate limit) while the database already serves queries, which fault pages in on their own
//!   meanwhile. [`Database::restart`] returns the pages to load as a [`Reheat`] that the caller
//!   feeds to [`Database::reheat`] as time passes, at [`Database::reheat_pages_per_sec`].
//!
//! *Approximations*: the reheat reads at the device's sequential rate, taken as the
//! [`DatabaseConfig::device_write_bytes_per_sec`] the checkpoint model writes at (200 MiB/s by
//! default; reads are not measured separately); the restart itself takes no time; the JVM is not
//! restarted: the model restarts the database's page cache, the rest of the process goes on.
//!
//! [`DatabaseConfig::device_write_bytes_per_sec`]: crate::DatabaseConfig::device_write_bytes_per_sec
//!
//! [`MuninnPageCache::cached_pages`]: crate::MuninnPageCache::cached_pages

use memsim_core::SimTime;

use crate::cache::{FileId, PAGE_BYTES, PinMode};
use crate::db::{Database, WARM_FILE};
use crate::txlog::CheckpointTrigger;

/// What the restarted database loads into its empty page cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warmup {
    /// Nothing: the cache warms as queries fault pages in.
    Cold,
    /// The pages of the most recent profile (`dbms.memory.pagecache.warmup.enable`).
    Profile,
    /// Every page of every store file, up to the cache's size
    /// (`dbms.memory.pagecache.warmup.preload`).
    Preload,
}

/// A profile of the cached pages (the `.cacheprof` bitmaps' content) and when it was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheProfile {
    /// When it was taken.
    pub taken_at: SimTime,
    pages: Vec<(FileId, u64)>,
}

impl CacheProfile {
    /// Pages in the profile.
    pub fn n_pages(&self) -> u64 {
        self.pages.len() as u64
    }
}

/// The pages a warm-up still has to load, in the order it loads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reheat {
    pages: Vec<(FileId, u64)>,
    next: usize,
}

impl Reheat {
    /// Pages left to load.
    pub fn remaining(&self) -> u64 {
        (self.pages.len() - self.next) as u64
    }

    /// Whether every page was loaded.
    pub fn is_done(&self) -> bool {
        self.next == self.pages.len()
    }
}

/// What a restart did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestartReport {
    /// Dirty pages the shutdown checkpoint flushed.
    pub flushed_pages: u64,
    /// Pages the warm-up is to load (its [`Reheat`]).
    pub pages_to_load: u64,
    /// The profile's age at the restart, when one was used.
    pub profile_taken_at: Option<SimTime>,
}

impl Database {
    /// The pages cached now (`PageCacheWarmer.profile`): reading it pins nothing.
    pub fn cache_profile(&self, now: SimTime) -> CacheProfile {
        CacheProfile {
            taken_at: now,
            pages: self.cache.cached_pages(),
        }
    }

    /// Pages a warm-up loads per second (module docs: the device's rate in 8 KiB pages).
    pub fn reheat_pages_per_sec(&self) -> u64 {
        (self.config.device_write_bytes_per_sec / PAGE_BYTES).max(1)
    }

    /// Loads up to `max_pages` more pages of `reheat` (each a pin: a fault, or a hit for a page a
    /// query faulted in first); returns how many.
    pub fn reheat(&mut self, reheat: &mut Reheat, max_pages: u64) -> u64 {
        let mut loaded = 0;
        while loaded < max_pages && !reheat.is_done() {
            let (id, page) = reheat.pages[reheat.next];
            reheat.next += 1;
            let Some(file) = self.cache.file(id) else {
                continue;
            };
            // A profiled page past a file's end cannot happen (files never shrink); skipped.
            if page >= file.n_pages() {
                continue;
            }
            let pin = self
                .cache
                .pin(&file, page, PinMode::Read)
                .expect("a single unpinned-at-rest pin always succeeds");
            self.cache.unpin(pin);
            loaded += 1;
        }
        loaded
    }

    /// Shuts the database down (a checkpoint flushing every dirty page, waiting for a running one)
    /// and starts it again on an empty page cache, which `warmup` is to fill: with `Profile`, the
    /// pages of `profile` (none without one), with `Preload` every page of every file; in both
    /// cases at most the cache's size. The pages are loaded by [`Database::reheat`] (module docs).
    pub fn restart(
        &mut self,
        now: SimTime,
        warmup: Warmup,
        profile: Option<&CacheProfile>,
    ) -> (RestartReport, Reheat) {
        let event = self.checkpoint_for(now, CheckpointTrigger::Shutdown);
        let flushed_pages = match event.kind {
            crate::db::DbEventKind::CheckpointCompleted { pages_flushed, .. } => pages_flushed,
            _ => 0,
        };
        // The files outside the record stores (the store data `warm` reads, the label scan store)
        // keep their length across the restart, so a profile's pages in them can be loaded.
        let outside: Vec<(FileId, u64)> = self
            .outside_record_files()
            .into_iter()
            .filter_map(|id| self.cache.file(id).map(|f| (id, f.n_pages())))
            .filter(|&(_, n)| n > 0)
            .collect();
        self.restart_cold();
        for (id, n) in outside {
            let f = self
                .cache
                .map_file(id, PAGE_BYTES)
                .expect("a page-sized file maps");
            f.grow_to(n);
            self.remapped(id, f);
        }
        let limit = self.cache.max_pages();
        let pages: Vec<(FileId, u64)> = match (warmup, profile) {
            (Warmup::Cold, _) | (Warmup::Profile, None) => Vec::new(),
            (Warmup::Profile, Some(p)) => p.pages.clone(),
            (Warmup::Preload, _) => {
                let mut all = Vec::new();
                let mut files: Vec<FileId> = (0..WARM_FILE.0).map(FileId).collect();
                files.extend(self.outside_record_files());
                files.retain(|&id| self.cache.file(id).is_some());
                for id in files {
                    let n = self.cache.file(id).map_or(0, |f| f.n_pages());
                    all.extend((0..n).map(|p| (id, p)).take(limit as usize));
                    if all.len() as u64 >= limit {
                        break;
                    }
                }
                all
            }
        };
        let mut pages = pages;
        pages.truncate(limit as usize);
        let report = RestartReport {
            flushed_pages,
            pages_to_load: pages.len() as u64,
            profile_taken_at: profile
                .filter(|_| warmup == Warmup::Profile)
                .map(|p| p.taken_at),
        };
        (report, Reheat { pages, next: 0 })
    }
}

#[cfg(test)]
mod tests {
    use memsim_core::{SimDuration, SimRng, SimTime};

    use super::{CacheProfile, RestartReport, Warmup};
    use crate::db::{Database, DatabaseConfig};
    use crate::reads::{PageReadLoad, SkewSpec};

    const MIB: u64 = 1 << 20;

    /// A database with an 8 MiB cache (1024 pages) that has read a 6 MiB working set (768 pages).
    fn warmed() -> (Database, PageReadLoad, SimRng) {
        let mut db = Database::new(DatabaseConfig::new(8 * MIB)).expect("valid");
        db.create_nodes(SimTime::ZERO, 1000, 1, 1)
            .expect("no limit");
        let load = PageReadLoad::new(6 * MIB, SkewSpec::Uniform, 100).expect("valid");
        let mut rng = SimRng::new(5, 0);
        db.read_pages(SimTime::ZERO, &load, 20_000, &mut rng);
        (db, load, rng)
    }

    /// Restarts and loads everything at once; the report and the pages loaded.
    fn restart_all(
        db: &mut Database,
        warmup: Warmup,
        profile: Option<&CacheProfile>,
    ) -> (RestartReport, u64) {
        let (r, mut reheat) = db.restart(SimTime::ZERO, warmup, profile);
        let loaded = db.reheat(&mut reheat, u64::MAX);
        assert!(reheat.is_done());
        (r, loaded)
    }

    #[test]
    fn a_cold_restart_flushes_and_empties_the_cache() {
        let (mut db, load, mut rng) = warmed();
        assert!(db.page_cache().metrics().pages_in_use >= 768);
        let (r, loaded) = restart_all(&mut db, Warmup::Cold, None);
        assert!(r.flushed_pages > 0, "{r:?}");
        assert_eq!((r.pages_to_load, loaded), (0, 0));
        let m = db.page_cache().metrics();
        assert_eq!((m.pins, m.pages_in_use), (0, 0));
        // The first queries fault again.
        let first = db.read_pages(SimTime::ZERO, &load, 1_000, &mut rng);
        assert!(first.hit_ratio() < 0.5, "{first:?}");
    }

    #[test]
    fn a_profile_restores_the_cached_pages_and_the_hit_ratio() {
        let (mut db, load, mut rng) = warmed();
        let at = SimTime::ZERO.after(SimDuration::from_secs(60));
        let profile = db.cache_profile(at);
        assert_eq!(profile.n_pages(), db.page_cache().metrics().pages_in_use);
        let before = db.page_cache().cached_pages();
        let (r, loaded) = restart_all(&mut db, Warmup::Profile, Some(&profile));
        assert_eq!(
            (r.pages_to_load, loaded),
            (profile.n_pages(), profile.n_pages())
        );
        assert_eq!(r.profile_taken_at, Some(at));
        assert_eq!(db.page_cache().cached_pages(), before);
        let first = db.read_pages(at, &load, 1_000, &mut rng);
        assert_eq!(first.faults, 0, "{first:?}");
        // Loaded a step at a time, as time passes.
        let (_, mut reheat) = db.restart(at, Warmup::Profile, Some(&profile));
        assert_eq!(db.reheat(&mut reheat, 100), 100);
        assert_eq!(reheat.remaining(), profile.n_pages() - 100);
        assert_eq!(db.page_cache().metrics().faults, 100);
        // 200 MiB/s of 8 KiB pages.
        assert_eq!(db.reheat_pages_per_sec(), 25_600);
    }

    #[test]
    fn preload_reads_every_file_up_to_the_cache() {
        let (mut db, _, mut rng) = warmed();
        let (r, loaded) = restart_all(&mut db, Warmup::Preload, None);
        // The record stores' few pages, then the query data's 768: all of it fits.
        assert!((769..800).contains(&loaded), "{r:?}");
        assert_eq!(db.page_cache().metrics().pages_in_use, loaded);
        // Data of 12 MiB (1,536 pages) is more than the cache holds: preload stops at its size.
        let big = PageReadLoad::new(12 * MIB, SkewSpec::Uniform, 0).expect("valid");
        db.read_pages(SimTime::ZERO, &big, 10, &mut rng);
        let (_, loaded) = restart_all(&mut db, Warmup::Preload, None);
        assert_eq!(loaded, 1024);
        assert_eq!(db.page_cache().metrics().evictions, 0);
        // No profile: nothing to load.
        let (r, _) = restart_all(&mut db, Warmup::Profile, None);
        assert_eq!(r.pages_to_load, 0);
    }
}
