//! `store.size.total` and `store.size.database` as Neo4j's metric reports them: recomputed at the
//! database's start and then every [`DatabaseConfig::store_size_refresh`](super::DatabaseConfig)
//! (Neo4j's `StoreSizeMetrics.UPDATE_INTERVAL`, 10 minutes), cached in between
//! ([`crate::files::StoreSizeMetric`]).

use memsim_core::SimTime;

use crate::files::StoreSizeMetric;

use super::Database;

impl Database {
    /// The metric's job runs at `now`: the directories' sizes now become the gauges' values.
    pub(super) fn refresh_store_size(&mut self, now: SimTime) {
        let r = self.report();
        self.store_size = StoreSizeMetric {
            total_bytes: r.total_bytes(),
            database_bytes: r.database_bytes(),
            refreshed_at: now,
        };
        self.store_size_next = now.after(self.config.store_size_refresh);
    }

    /// Runs the metric's job if it is due at `now` (at most once: a late tick runs it once, as a
    /// fixed-rate job that fell behind would run its missed executions back to back over the same
    /// files). The next run stays on the schedule of the start.
    pub(super) fn store_size_tick(&mut self, now: SimTime) {
        if now < self.store_size_next {
            return;
        }
        let mut next = self.store_size_next;
        while next <= now {
            next = next.after(self.config.store_size_refresh);
        }
        self.refresh_store_size(now);
        self.store_size_next = next;
    }

    /// `store.size.total` and `store.size.database` as the metric last computed them (what
    /// Neo4j Browser's `:sysinfo` shows); [`super::DbReport::total_bytes`] is the exact size now.
    pub fn store_size_metric(&self) -> StoreSizeMetric {
        self.store_size
    }
}
