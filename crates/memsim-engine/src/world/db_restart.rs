//! `[phase.db] op = "restart"`: the database shuts down and starts again on an empty page cache,
//! warmed as `warmup` says ([`Database::restart`]), with Neo4j Enterprise's profiles of the cached
//! pages taken every `[database] warmup_profile_interval` (1 minute by default) at the database
//! tick. The warm-up loads its pages in the background at the device's rate
//! ([`Database::reheat_pages_per_sec`]): at each database tick (1 s) the pages due by then since
//! the restart, while the queries go on; each page is a pin against `max_events`. The run records each restart with the cache's hit ratio over the window before it, so
//! the reports can say when the cache is warm again.
//!
//! [`Database::restart`]: memsim_pagecache::Database::restart
//! [`Database::reheat_pages_per_sec`]: memsim_pagecache::Database::reheat_pages_per_sec

use memsim_core::{DatabaseRun, DbRestart, EventKind, SimDuration, SimTime};
use memsim_pagecache::{CacheProfile, Reheat, Warmup};
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
    // The warm-up in progress, and the index of its restart in `done`.
    reheat: Option<(Reheat, usize)>,
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
            reheat: None,
            done: Vec::new(),
        }
    }
}

impl DbState {
    /// The database tick's warm-up work: the next second's pages of a warm-up in progress (at most
    /// `budget`), then the profiler's wake-up, a profile once an interval has passed since the last
    /// (or the start).
    pub(super) fn warmup_tick(&mut self, now: SimTime, budget: u64) {
        if let Some((reheat, i)) = self.restarts.reheat.as_mut() {
            let r = &mut self.restarts.done[*i];
            // The pages due by now at the device's rate, less those taken already.
            let elapsed = u128::from(now.0.saturating_sub(r.at.0));
            let due = u128::from(self.db.reheat_pages_per_sec()) * elapsed / 1_000_000_000;
            let taken = r.pages_to_load - reheat.remaining();
            let step = (due.min(u128::from(r.pages_to_load)) as u64).saturating_sub(taken);
            r.pages_loaded += self.db.reheat(reheat, step.min(budget));
            if reheat.is_done() {
                r.warmup_done_at = Some(now);
                self.restarts.reheat = None;
            }
        }
        if now >= self.restarts.next_profile_at {
            self.restarts.latest = Some(self.db.cache_profile(now));
            self.restarts.next_profile_at = now.after(self.restarts.interval);
        }
    }
}

impl World<'_> {
    /// Phase `p` restarts the database (no checkpoint is running: `db_phase_op` waited).
    pub(super) fn db_restart(&mut self, p: u32, warmup: RestartWarmup) {
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
        let (r, reheat) = st
            .db
            .restart(now, model_warmup, st.restarts.latest.as_ref());
        // Profiling starts again with the new database.
        st.restarts.latest = None;
        st.restarts.next_profile_at = now.after(st.restarts.interval);
        st.restarts.done.push(DbRestart {
            phase: phase.name.clone(),
            at: now,
            warmup: warmup.name().to_string(),
            flushed_pages: r.flushed_pages,
            pages_to_load: r.pages_to_load,
            pages_loaded: 0,
            warmup_done_at: None,
            profile_taken_at: r.profile_taken_at,
            before,
        });
        // A warm-up still running is abandoned with its database.
        st.restarts.reheat = (!reheat.is_done()).then(|| (reheat, st.restarts.done.len() - 1));
        let how = match (warmup, r.profile_taken_at) {
            (RestartWarmup::Cold, _) => "cold: the page cache starts empty".to_string(),
            (RestartWarmup::Profile, Some(at)) => format!(
                "warming up from the profile taken at {}s: {} pages to load in the background",
                at.as_secs_f64(),
                r.pages_to_load
            ),
            (RestartWarmup::Profile, None) => {
                "no warm-up profile yet (one is taken every profile interval): the page cache starts empty".to_string()
            }
            (RestartWarmup::Preload, _) => format!(
                "preloading every store file: {} pages to load in the background",
                r.pages_to_load
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
