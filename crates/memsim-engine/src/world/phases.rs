//! A phase's start and end: the threads, work, requests and database operations it sets going, and
//! what it retires when it ends.

use crate::WORK_TICK;
use memsim_core::EventKind;
use memsim_direct::ThreadKey;
use memsim_jvm::JvmError;
use memsim_jvm::native::threads_within_address_space;
use memsim_scenario::Phase;

use super::{ARENA_COOL_DOWN, Ev, World};

impl<'s> World<'s> {
    /// A phase begins: its threads, requests, database work and continuous work are set going.
    pub(super) fn start_phase(&mut self, p: u32) {
        let phase = self.phase(p);
        self.log(
            EventKind::PhaseStarted,
            format!("phase \"{}\" started", phase.name),
        );
        // Under `ulimit -v` each thread's stack (and, while glibc makes arenas, its arena) must fit.
        let fitting = self
            .s
            .machine
            .address_space
            .map_or(u64::from(phase.threads), |limit| {
                threads_within_address_space(
                    u64::from(phase.threads),
                    limit.saturating_sub(self.ledger.total().reserved),
                    self.jvm.ergonomics().thread_stack,
                    self.jvm.arenas_to_come(),
                )
            });
        let started = self
            .jvm
            .start_threads(fitting, phase.stack_touched, phase.malloc_per_thread)
            as u32;
        let st = &mut self.phases[p as usize];
        st.active = true;
        st.first_thread = self.next_thread;
        st.started_threads = started;
        self.next_thread += started;
        if started < phase.threads {
            let failed = u64::from(phase.threads - started);
            self.counters.threads_failed += failed;
            self.log_n(
                EventKind::OutOfMemoryError,
                JvmError::NativeThread.to_string(),
                failed,
            );
        }
        if phase.virtual_threads > 0 {
            let (bytes, garbage) = self
                .jvm
                .start_virtual_threads(phase.virtual_threads, phase.virtual_thread_stack);
            // Their start's garbage goes through eden first, then what they keep while parked.
            let started = self
                .heap_alloc(garbage, false)
                .and_then(|()| self.heap_alloc(bytes, true));
            match started {
                Ok(()) => self.phases[p as usize].virtual_heap = bytes,
                Err(e) => {
                    self.counters.heap_oom_errors += 1;
                    self.log(EventKind::OutOfMemoryError, e.to_string());
                }
            }
        }
        if phase.classes + phase.hidden_classes > 0 {
            self.jvm.set_loading(true);
        }
        if phase.compiled_methods > 0 {
            self.jvm.set_compiling(true, Self::compile_rate(phase));
        }
        for _ in 0..self.take_budget(phase.class_loaders) {
            self.jvm.add_class_loader();
        }
        self.schedule(phase.end(), Ev::PhaseEnd(p));
        if phase.requests.is_some() {
            self.schedule_arrival(p);
        }
        self.db_phase_start(p);
        // Any continuous work at all (a sum could overflow: each is checked on its own).
        if [
            phase.heap_live,
            phase.heap_churn_per_sec,
            phase.classes,
            phase.compiled_methods,
            phase.page_cache_touch,
            phase.hidden_classes,
            phase.direct_memory,
            phase.unsafe_memory,
            phase.mapped_files,
            phase.written_files,
        ]
        .iter()
        .any(|&v| v > 0)
            || phase.fulltext_read > 0.0
            || matches!(
                phase.db.as_ref().map(|d| &d.op),
                Some(memsim_scenario::DbOp::Read { .. })
            )
        {
            self.schedule(self.now.after(WORK_TICK.min(phase.duration)), Ev::Work(p));
        }
    }

    /// A phase ends: its continuous work is finished exactly and its threads retired.
    pub(super) fn end_phase(&mut self, p: u32) {
        let phase = self.phase(p);
        // Finish continuous work exactly, then retire the threads.
        self.work(p);
        self.db_phase_ended(p);
        if phase.heap_released > 0 {
            self.jvm.release(phase.heap_released);
        }
        // The virtual threads end: their stack chunks and objects become garbage.
        let virtual_heap = std::mem::take(&mut self.phases[p as usize].virtual_heap);
        if virtual_heap > 0 {
            self.jvm.release(virtual_heap);
        }
        if phase.system_gc {
            self.system_gc();
        }
        let st = &mut self.phases[p as usize];
        st.active = false;
        let (first, started) = (st.first_thread, st.started_threads);
        self.jvm.end_threads(
            u64::from(started),
            phase.stack_touched,
            phase.malloc_per_thread,
        );
        for t in first..first + started {
            self.pool.thread_exit(&mut self.acct, ThreadKey(t));
        }
        if phase.classes + phase.hidden_classes > 0 {
            self.schedule(self.now.after(ARENA_COOL_DOWN), Ev::LoadingCooled);
        }
        if phase.compiled_methods > 0 {
            self.jvm.set_compiling(false, Self::compile_rate(phase));
        }
        self.log(
            EventKind::PhaseEnded,
            format!("phase \"{}\" ended", phase.name),
        );
    }

    /// Methods per second a phase compiles (rounded up).
    fn compile_rate(phase: &Phase) -> u64 {
        (u128::from(phase.compiled_methods) * 1_000_000_000)
            .div_ceil(u128::from(phase.duration.nanos().max(1)))
            .min(1 << 40) as u64
    }
}
