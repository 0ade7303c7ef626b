//! Requests that read store pages (`[phase.requests]`'s `page_reads`), and the page cache over
//! each phase.
//!
//! - A request of a phase with `page_reads` pins that many pages of its working set, one at a
//!   time, through the database's page cache when it is served ([`Database::read_pages`]): the
//!   draws come from the phase's seeded stream, and every pin is a simulated event against
//!   `max_events` (a request that would pass the budget reads what is left of it, and the run stops
//!   at its next event, as `page_cache_touch` does). *Approximation*: the pages are read at the
//!   request's arrival, not spread over its `hold`.
//! - The page cache over each phase ([`DbPhaseCache`]): its counters from the phase's start to its
//!   end, and over the phase's last [`DatabaseRun::HIT_RATIO_WINDOW`], taken from the samples so
//!   the window is the one the reports' rolling figure uses.
//!
//! [`Database::read_pages`]: memsim_pagecache::Database::read_pages

use memsim_core::{DatabaseRun, DbCacheMetrics, DbPhaseCache, SimTime};
use memsim_pagecache::{PageReadLoad, SkewSpec};
use memsim_scenario::{ReadSkew, RequestPageReads, Scenario};

use super::World;
use super::db::DbState;

/// A share in [0, 1] as a count per thousand (the model's resolution).
fn permille(fraction: f64) -> u32 {
    (fraction.clamp(0.0, 1.0) * 1000.0).round() as u32
}

/// The query load of `r`; `None` for one the model refuses (the scenario's checks make that
/// unreachable: a working set of at least one page, an exponent and shares in range).
fn load_of(r: &RequestPageReads) -> Option<PageReadLoad> {
    let skew = match r.skew {
        ReadSkew::Uniform => SkewSpec::Uniform,
        ReadSkew::Zipf { exponent } => SkewSpec::Zipf(exponent),
        ReadSkew::HotCold {
            set_fraction,
            read_fraction,
        } => SkewSpec::HotCold {
            hot_fraction: set_fraction,
            hot_permille: permille(read_fraction),
        },
    };
    PageReadLoad::new(r.working_set, skew, permille(r.write_fraction)).ok()
}

/// The query loads of a scenario's phases and the cache over each phase.
pub(super) struct PhaseReads {
    // By phase: what each request reads, and how many pages.
    loads: Vec<Option<(PageReadLoad, u64)>>,
    // By phase: when it started and the cache's counters then, until it ends.
    open: Vec<Option<(SimTime, DbCacheMetrics)>>,
    done: Vec<(u32, DbPhaseCache)>,
}

impl PhaseReads {
    pub(super) fn new(s: &Scenario) -> PhaseReads {
        PhaseReads {
            loads: s
                .phases
                .iter()
                .map(|p| {
                    let r = p.requests.as_ref()?.page_reads.as_ref()?;
                    Some((load_of(r)?, r.per_request))
                })
                .collect(),
            open: vec![None; s.phases.len()],
            done: Vec::new(),
        }
    }

    /// The cache over each phase that started, in start order (phases still running end at `at`).
    pub(super) fn finish(
        mut self,
        s: &Scenario,
        samples: &[memsim_core::DbSnapshot],
        now: DbCacheMetrics,
        at: SimTime,
    ) -> Vec<DbPhaseCache> {
        for p in 0..self.open.len() {
            self.close(s, p as u32, samples, now, at);
        }
        self.done.sort_by_key(|(p, c)| (c.start, *p));
        self.done.into_iter().map(|(_, c)| c).collect()
    }

    fn close(
        &mut self,
        s: &Scenario,
        p: u32,
        samples: &[memsim_core::DbSnapshot],
        now: DbCacheMetrics,
        at: SimTime,
    ) {
        let Some((start, at_start)) = self.open[p as usize].take() else {
            return;
        };
        // The latest sample at least a window before the end and not before the start.
        let from = samples
            .iter()
            .rev()
            .find(|x| x.at.after(DatabaseRun::HIT_RATIO_WINDOW) <= at && x.at >= start)
            .map_or(at_start, |x| x.cache);
        // The run's counters never go back: a copy or a restart carries them (`DbState`).
        let since = |earlier: &DbCacheMetrics| now.since(earlier);
        self.done.push((
            p,
            DbPhaseCache {
                phase: s.phases[p as usize].name.clone(),
                start,
                end: at,
                cache: since(&at_start),
                last_window: since(&from),
            },
        ));
    }
}

impl DbState {
    /// Phase `p` starts: the cache's counters now.
    pub(super) fn phase_started(&mut self, p: u32, at: SimTime) {
        let m = self.cache_metrics();
        self.reads.open[p as usize] = Some((at, m));
    }

    /// Phase `p` ends: its counters.
    pub(super) fn phase_ended(&mut self, s: &Scenario, p: u32, at: SimTime) {
        let now = self.cache_metrics();
        self.reads.close(s, p, &self.samples, now, at);
    }
}

impl World<'_> {
    /// A request of phase `p` reads its pages (none for a phase without `page_reads`).
    pub(super) fn request_page_reads(&mut self, p: u32) {
        let left = self.events_left();
        let now = self.now;
        let Some(st) = self.db.as_mut() else { return };
        let Some((load, per_request)) = st.reads.loads[p as usize] else {
            return;
        };
        let n = per_request.min(left);
        if n == 0 {
            return;
        }
        st.db.read_pages(now, &load, n, &mut self.rngs[p as usize]);
        self.drain_db_events();
    }

    /// Phase `p` ends: the cache over it.
    pub(super) fn db_phase_ended(&mut self, p: u32) {
        let (s, now) = (self.s, self.now);
        if let Some(st) = self.db.as_mut() {
            st.phase_ended(s, p, now);
        }
    }
}
