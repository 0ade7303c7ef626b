//! `[phase.db] op = "restart"`: the database shuts down and starts again on an empty page cache,
//! warmed as `warmup` says ([`Database::restart`]), with Neo4j Enterprise's profiles of the cached
//! pages taken every `[database] warmup_profile_interval` (1 minute by default) at the database
//! tick. The run records each restart with the cache's hit ratio over the window before it, so
//! the reports can say when the cache is warm again.
//!
//! [`Database::restart`]: memsim_pagecache::Database::restart

use memsim_core::{DatabaseRun, DbRestart, EventKind, SimDuration, SimTime};
use memsim_pagecache::{CacheProfile, Warmup};
use memsim_scenario::{RestartWarmup, Scenario};

use super::World;
use super::db::DbState;

/// `dbms.memory.pagecache.warmup.profile.interval`'s default.
const DEFAULT_PROFILE_INTERVAL: SimDuration = SimDuration::from_secs(60);

/// Profiles of the cached pages and the restarts.
pub(super) struct Restarts {
    interval: SimDuration,
    next_profile_at: SimTime,
    latest: Option<CacheProfile>,
    pub(super) done: Vec<DbRestart>,
}

impl Restarts {
    pub(super) fn new(s: &Scenario) -> Restarts {
        let interval = s
            .database
            .as_ref()
            .and_then(|d| d.warmup_profile_interval)
            .unwrap_or(DEFAULT_PROFILE_INTERVAL);
        Restarts {
            interval,
            next_profile_at: SimTime::ZERO.after(interval),
            latest: None,
            done: Vec::new(),
        }
    }
}

impl DbState {
    /// The profiler's wake-up: a profile once an interval has passed since the last (or the start).
    pub(super) fn profile_tick(&mut self, now: SimTime) {
        if now >= self.restarts.next_profile_at {
            self.restarts.latest = Some(self.db.cache_profile(now));
            self.restarts.next_profile_at = now.after(self.restarts.interval);
        }
    }
}

impl World<'_> {
    /// Phase `p` restarts the database (no checkpoint is running: `db_phase_op` waited).
    pub(super) fn db_restart(&mut self, p: u32, warmup: RestartWarmup) {
        let left = self.events_left();
        let now = self.now;
        let phase = self.phase(p);
        let Some(st) = self.db.as_mut() else { return };
        let m = st.cache_metrics();
        // The window before: from the latest sample at least a window ago.
        let base = st
            .samples
            .iter()
            .rev()
            .find(|x| x.at.after(DatabaseRun::HIT_RATIO_WINDOW) <= now)
            .or(st.samples.first())
            .map_or(Default::default(), |x| x.cache);
        let before = m.since(&base);
        // The new cache's counters start from 0: the run's keep counting.
        st.carry_counters();
        let model_warmup = match warmup {
            RestartWarmup::Cold => Warmup::Cold,
            RestartWarmup::Profile => Warmup::Profile,
            RestartWarmup::Preload => Warmup::Preload,
        };
        let r = st
            .db
            .restart(now, model_warmup, st.restarts.latest.as_ref(), left);
        // Profiling starts again with the new database.
        st.restarts.latest = None;
        st.restarts.next_profile_at = now.after(st.restarts.interval);
        st.restarts.done.push(DbRestart {
            phase: phase.name.clone(),
            at: now,
            warmup: warmup.name().to_string(),
            flushed_pages: r.flushed_pages,
            pages_loaded: r.pages_loaded,
            profile_taken_at: r.profile_taken_at,
            before,
        });
        let how = match (warmup, r.profile_taken_at) {
            (RestartWarmup::Cold, _) => "cold: the page cache starts empty".to_string(),
            (RestartWarmup::Profile, Some(at)) => format!(
                "page cache warmed from the profile taken at {}s: {} pages loaded",
                at.as_secs_f64(),
                r.pages_loaded
            ),
            (RestartWarmup::Profile, None) => {
                "no warm-up profile yet (one is taken every profile interval): the page cache starts empty".to_string()
            }
            (RestartWarmup::Preload, _) => format!(
                "page cache preloaded with every store file: {} pages loaded",
                r.pages_loaded
            ),
        };
        self.drain_db_events();
        self.log(
            EventKind::DatabaseRestarted,
            format!(
                "database restarted ({} dirty pages flushed at shutdown); {how}",
                r.flushed_pages
            ),
        );
    }
}
