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
//! *Approximations*: the reheat happens at the restart's instant (Neo4j reads the pages in the
//! background, `IO_PARALLELISM` threads, while the database already serves queries; the time that
//! takes is not modelled), and the restart itself takes no time. The JVM is not restarted: the
//! model restarts the database's page cache, the rest of the process goes on.
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

/// What a restart did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestartReport {
    /// Dirty pages the shutdown checkpoint flushed.
    pub flushed_pages: u64,
    /// Pages the warm-up loaded.
    pub pages_loaded: u64,
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

    /// Shuts the database down (a checkpoint flushing every dirty page, waiting for a running one)
    /// and starts it again on an empty page cache, which `warmup` then fills: with `Profile`, the
    /// pages of `profile` (none without one), with `Preload` every page of every file; in both
    /// cases at most `max_pages_loaded` pages and at most the cache's size (module docs).
    pub fn restart(
        &mut self,
        now: SimTime,
        warmup: Warmup,
        profile: Option<&CacheProfile>,
        max_pages_loaded: u64,
    ) -> RestartReport {
        let event = self.checkpoint_for(now, CheckpointTrigger::Shutdown);
        let flushed_pages = match event.kind {
            crate::db::DbEventKind::CheckpointCompleted { pages_flushed, .. } => pages_flushed,
            _ => 0,
        };
        // The store data outside the record stores keeps its length across the restart.
        let data_pages = self.cache.file(WARM_FILE).map_or(0, |f| f.n_pages());
        self.restart_cold();
        if data_pages > 0 {
            let f = self
                .cache
                .map_file(WARM_FILE, PAGE_BYTES)
                .expect("a page-sized file maps");
            f.grow_to(data_pages);
        }
        let limit = max_pages_loaded.min(self.cache.max_pages());
        let pages: Vec<(FileId, u64)> = match (warmup, profile) {
            (Warmup::Cold, _) | (Warmup::Profile, None) => Vec::new(),
            (Warmup::Profile, Some(p)) => p.pages.clone(),
            (Warmup::Preload, _) => {
                let mut all = Vec::new();
                let mut files: Vec<FileId> = (0..=WARM_FILE.0).map(FileId).collect();
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
        let mut pages_loaded = 0;
        for (id, page) in pages.into_iter().take(limit as usize) {
            let Some(file) = self.cache.file(id) else {
                continue;
            };
            // A profiled page past a file's end (a file that shrank cannot: files never shrink).
            if page >= file.n_pages() {
                continue;
            }
            let pin = self
                .cache
                .pin(&file, page, PinMode::Read)
                .expect("a single unpinned-at-rest pin always succeeds");
            self.cache.unpin(pin);
            pages_loaded += 1;
        }
        RestartReport {
            flushed_pages,
            pages_loaded,
            profile_taken_at: profile
                .filter(|_| warmup == Warmup::Profile)
                .map(|p| p.taken_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use memsim_core::{SimDuration, SimRng, SimTime};

    use super::Warmup;
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

    #[test]
    fn a_cold_restart_flushes_and_empties_the_cache() {
        let (mut db, load, mut rng) = warmed();
        let dirty = db.page_cache().metrics();
        assert!(dirty.pages_in_use >= 768);
        let r = db.restart(SimTime::ZERO, Warmup::Cold, None, u64::MAX);
        assert!(r.flushed_pages > 0, "{r:?}");
        assert_eq!(r.pages_loaded, 0);
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
        let r = db.restart(at, Warmup::Profile, Some(&profile), u64::MAX);
        assert_eq!(r.pages_loaded, profile.n_pages());
        assert_eq!(r.profile_taken_at, Some(at));
        assert_eq!(db.page_cache().cached_pages(), before);
        let first = db.read_pages(at, &load, 1_000, &mut rng);
        assert_eq!(first.faults, 0, "{first:?}");
        // A budget limits what is loaded.
        let r = db.restart(at, Warmup::Profile, Some(&profile), 100);
        assert_eq!(r.pages_loaded, 100);
    }

    #[test]
    fn preload_reads_every_file_up_to_the_cache() {
        let (mut db, _, mut rng) = warmed();
        let r = db.restart(SimTime::ZERO, Warmup::Preload, None, u64::MAX);
        // The record stores' few pages, then the query data's 768: all of it fits.
        assert!((769..800).contains(&r.pages_loaded), "{r:?}");
        assert_eq!(db.page_cache().metrics().pages_in_use, r.pages_loaded);
        // Data of 12 MiB (1,536 pages) is more than the cache holds: preload stops at its size.
        let big = PageReadLoad::new(12 * MIB, SkewSpec::Uniform, 0).expect("valid");
        db.read_pages(SimTime::ZERO, &big, 10, &mut rng);
        let r = db.restart(SimTime::ZERO, Warmup::Preload, None, u64::MAX);
        assert_eq!(r.pages_loaded, 1024);
        assert_eq!(db.page_cache().metrics().evictions, 0);
        // No profile: nothing to load.
        let r = db.restart(SimTime::ZERO, Warmup::Profile, None, u64::MAX);
        assert_eq!(r.pages_loaded, 0);
    }
}
