//! Checkpoints: started by policy or `CALL db.checkpoint()`, completed after their duration.

use memsim_core::SimDuration;
use memsim_core::SimTime;

use crate::cache::PAGE_BYTES;
use crate::txlog::CheckpointTrigger;
use crate::txlog::LogPosition;

use super::Database;
use super::event::DbEvent;
use super::event::DbEventKind;
/// A checkpoint between [`Database::start_checkpoint`] and [`Database::complete_checkpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningCheckpoint {
    /// Why it runs.
    pub trigger: CheckpointTrigger,
    /// When it started.
    pub started_at: SimTime,
    /// When it completes: its start plus its estimated duration.
    pub completes_at: SimTime,
    /// Dirty pages it flushed (all those dirty at its start).
    pub pages_flushed: u64,
    /// The log position it covers (the end of the log at its start).
    pub covered: LogPosition,
    // The policy's counts at its start, taken off at completion.
    txs: u64,
    log_bytes: u64,
}

impl Database {
    /// `CALL db.checkpoint()`, run to completion: a checkpoint now without the IOPS limit, completed
    /// at its start plus its duration (after a checkpoint already running, which it waits for, as
    /// the procedure waits for the checkpoint lock). Returns the completion event (also recorded).
    /// A caller on a timeline uses [`Database::start_checkpoint`] and
    /// [`Database::complete_checkpoint`] instead.
    pub fn checkpoint(&mut self, now: SimTime) -> DbEvent {
        self.checkpoint_for(now, CheckpointTrigger::Explicit)
    }

    /// A checkpoint for `trigger`, run to completion as [`Database::checkpoint`] does.
    pub fn checkpoint_for(&mut self, now: SimTime, trigger: CheckpointTrigger) -> DbEvent {
        let mut start = now;
        if let Some(running) = self.running_checkpoint {
            start = start.max(running.completes_at);
            self.complete_checkpoint(running.completes_at);
        }
        let done = self
            .start_checkpoint(start, trigger)
            .expect("no checkpoint is running");
        self.complete_checkpoint(done)
            .expect("the checkpoint just started")
    }

    /// Starts a checkpoint for `trigger` and returns when it completes, or `None` (and does nothing)
    /// while another is running. At its start it flushes every page dirty then and writes the ID
    /// files, and takes the log's position: it covers the transactions committed before it started.
    /// Its duration is estimated from the bytes written (module docs). Until
    /// [`Database::complete_checkpoint`] the database works as usual: transactions committed
    /// meanwhile dirty pages and append to the log, and are left for the next checkpoint.
    pub fn start_checkpoint(
        &mut self,
        now: SimTime,
        trigger: CheckpointTrigger,
    ) -> Option<SimTime> {
        if self.running_checkpoint.is_some() {
            return None;
        }
        let covered = self.log.position();
        self.events.push(DbEvent {
            at: now,
            kind: DbEventKind::CheckpointStarted {
                trigger,
                tx_id: covered.tx_id,
            },
        });
        let flushed = self.cache.flush_all();
        debug_assert_eq!(
            flushed.skipped_pages, 0,
            "the facade holds no pin between calls"
        );
        let id_bytes: u64 = self
            .stores
            .iter_mut()
            .map(|s| s.ids_mut().checkpoint())
            .sum();
        self.label_scan_checkpoint();
        let bytes = flushed.flushed_bytes + id_bytes;
        let mut rate = self.config.device_write_bytes_per_sec.max(1);
        if trigger != CheckpointTrigger::Explicit && self.config.checkpoint_iops_limit > 0 {
            rate = rate.min(self.config.checkpoint_iops_limit * PAGE_BYTES);
        }
        let duration = SimDuration((bytes as u128 * 1_000_000_000 / rate as u128) as u64);
        let running = RunningCheckpoint {
            trigger,
            started_at: now,
            completes_at: now.after(duration),
            pages_flushed: flushed.flushed_pages,
            covered,
            txs: self.txs_since_checkpoint,
            log_bytes: self.log_bytes_since_checkpoint,
        };
        self.running_checkpoint = Some(running);
        Some(running.completes_at)
    }

    /// The database was started at `now` (on a copy, say): the checkpoint policy's time threshold
    /// counts from then, as a freshly started database's does, not from time zero.
    pub fn started_at(&mut self, now: SimTime) {
        self.policy.completed(now);
        self.refresh_store_size(now);
    }

    /// The checkpoint started by [`Database::start_checkpoint`] and not yet completed.
    pub fn running_checkpoint(&self) -> Option<&RunningCheckpoint> {
        self.running_checkpoint.as_ref()
    }

    /// Completes the running checkpoint at `now` (its [`RunningCheckpoint::completes_at`] on a
    /// timeline): appends its checkpoint entry covering the position taken at its start, prunes logs
    /// per the retention policy, and restarts the policy's count from the transactions committed
    /// while it ran. Returns the completion event (also recorded), or `None` when none is running.
    pub fn complete_checkpoint(&mut self, now: SimTime) -> Option<DbEvent> {
        let running = self.running_checkpoint.take()?;
        let tx_id = self.log.append_checkpoint_at(running.covered);
        let done = DbEvent {
            at: now,
            kind: DbEventKind::CheckpointCompleted {
                trigger: running.trigger,
                tx_id,
                duration_estimate: running.completes_at.since(running.started_at),
                pages_flushed: running.pages_flushed,
            },
        };
        self.events.push(done.clone());
        let pruned = self.log.prune(now);
        if pruned.files > 0 {
            self.events.push(DbEvent {
                at: now,
                kind: DbEventKind::LogsPruned {
                    files: pruned.files,
                    bytes: pruned.bytes,
                },
            });
        }
        self.policy.completed(now);
        self.txs_since_checkpoint -= running.txs;
        self.log_bytes_since_checkpoint -= running.log_bytes;
        Some(done)
    }

    /// What time does: one step of the background evictor, the store-size metric's job when due
    /// (`db/size.rs`), then, unless a checkpoint is running,
    /// the start of one if the policy says one is due. Returns when a checkpoint it started
    /// completes; the caller completes it then ([`Database::complete_checkpoint`]).
    pub fn tick(&mut self, now: SimTime) -> Option<SimTime> {
        self.evictor_wake(now);
        self.store_size_tick(now);
        if self.running_checkpoint.is_some() {
            return None;
        }
        let trigger = self.policy.trigger(
            now,
            self.txs_since_checkpoint,
            self.log_bytes_since_checkpoint,
        )?;
        self.start_checkpoint(now, trigger)
    }
}
