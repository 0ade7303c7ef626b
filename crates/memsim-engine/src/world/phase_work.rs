//! A phase's continuous work, applied up to the present on every work tick: classes loaded,
//! methods compiled, hidden classes, direct, unsafe, mapped and written memory, and the native
//! side of it (threads' malloc, files).

use crate::WORK_TICK;
use memsim_core::{EventKind, Usage};

use memsim_scenario::Phase;

use super::{Ev, World};

impl<'s> World<'s> {
    /// The phase's exact integer share so far of a total: `total × elapsed / duration`, so totals
    /// are reached exactly at the phase's end.
    fn share_so_far(&self, phase: &'s Phase) -> impl Fn(u64) -> u64 + 's {
        let elapsed = self
            .now
            .since(phase.start)
            .nanos()
            .min(phase.duration.nanos());
        move |total: u64| (total as u128 * elapsed as u128 / phase.duration.nanos() as u128) as u64
    }

    /// Applies a phase's continuous work up to now: cumulative targets are exact integers of
    /// `total × elapsed / duration`, so the totals are reached exactly at the phase's end.
    pub(super) fn work(&mut self, p: u32) {
        let phase = self.phase(p);
        if !self.phases[p as usize].active {
            return;
        }
        let frac = self.share_so_far(phase);
        // Saturated: a rate near 2^64 B/s over hours is more than 64 bits of bytes.
        let churn_total = u64::try_from(
            phase.heap_churn_per_sec as u128 * phase.duration.nanos() as u128 / 1_000_000_000,
        )
        .unwrap_or(u64::MAX);
        let st = &self.phases[p as usize];
        let (live, churn) = (
            frac(phase.heap_live) - st.done_live,
            frac(churn_total) - st.done_churn,
        );
        let (classes, compiled) = (
            frac(phase.classes) - st.done_classes,
            frac(phase.compiled_methods) - st.done_compiled,
        );
        let touch = frac(phase.page_cache_touch) - st.done_touch;
        let blocked = st.classes_blocked;

        if live > 0 {
            match self.heap_alloc(live, true) {
                Ok(()) => self.phases[p as usize].done_live += live,
                Err(e) => {
                    self.counters.heap_oom_errors += 1;
                    self.log(EventKind::OutOfMemoryError, e.to_string());
                    // The data that did not fit is dropped; try again with the next tick's share.
                    self.phases[p as usize].done_live += live;
                }
            }
        }
        if churn > 0 {
            if let Err(e) = self.heap_alloc(churn, false) {
                self.counters.heap_oom_errors += 1;
                self.log(EventKind::OutOfMemoryError, e.to_string());
            }
            self.phases[p as usize].done_churn += churn;
        }
        let metadata_before = self.jvm.metadata_gc_collections();
        if classes > 0 && !blocked {
            for _ in 0..classes {
                if self.take_budget(1) == 0 {
                    break;
                }
                if let Err(e) =
                    self.jvm
                        .load_class(class_shape(phase), phase.class_loaders > 0, self.now)
                {
                    self.log(EventKind::OutOfMemoryError, e.to_string());
                    self.phases[p as usize].classes_blocked = true;
                    break;
                }
            }
        }
        self.phases[p as usize].done_classes += classes;
        for _ in 0..compiled {
            if self.take_budget(1) == 0 {
                break;
            }
            if !self.jvm.compile(self.now) {
                self.log(
                    EventKind::CodeCacheFull,
                    "OpenJDK 64-Bit Server VM warning: CodeCache is full. Compiler has been disabled.".to_string(),
                );
                break;
            }
        }
        self.phases[p as usize].done_compiled += compiled;
        self.log_metadata_collections(metadata_before);
        if touch > 0 {
            self.db_warm(touch);
            self.phases[p as usize].done_touch += touch;
        }
        if let Some(memsim_scenario::DbOp::Read { reads, .. }) = phase.db.as_ref().map(|d| &d.op) {
            self.db_reads(p, frac(*reads));
        }
        self.native_work(p);
        let next = self.now.after(WORK_TICK);
        if self.now < phase.end() {
            self.schedule(next.min(phase.end()), Ev::Work(p));
        }
    }

    /// Hidden classes, `allocateDirect` (1 MiB buffers), `Unsafe` memory and mapped files: the
    /// phase's exact share up to now.
    pub(super) fn native_work(&mut self, p: u32) {
        const MIB: u64 = 1 << 20;
        let phase = self.phase(p);
        let frac = self.share_so_far(phase);
        let hidden = frac(phase.hidden_classes) - self.phases[p as usize].done_hidden;
        let metadata_before = self.jvm.metadata_gc_collections();
        for _ in 0..hidden {
            if self.phases[p as usize].classes_blocked || self.take_budget(1) == 0 {
                break;
            }
            if let Err(e) = self.jvm.define_hidden_class(self.now) {
                self.log(EventKind::OutOfMemoryError, e.to_string());
                self.phases[p as usize].classes_blocked = true;
            }
        }
        self.phases[p as usize].done_hidden += hidden;
        self.log_metadata_collections(metadata_before);
        // Whole 1 MiB buffers (the last one may be smaller).
        let target = frac(phase.direct_memory);
        while !self.phases[p as usize].direct_blocked
            && self.phases[p as usize].done_direct < target
        {
            let done = self.phases[p as usize].done_direct;
            let size = MIB.min(phase.direct_memory - done);
            if done + size > target && target < phase.direct_memory {
                break;
            }
            if self.take_budget(1) == 0 {
                break;
            }
            match self.reserve_jdk_direct(size) {
                Ok(()) => {
                    self.jdk_direct = Usage::all(self.jdk_direct.committed.saturating_add(size));
                }
                Err(e) => {
                    self.log(EventKind::OutOfMemoryError, e.to_string());
                    self.phases[p as usize].direct_blocked = true;
                }
            }
            self.phases[p as usize].done_direct += size;
        }
        let unsafe_bytes = frac(phase.unsafe_memory) - self.phases[p as usize].done_unsafe;
        self.phases[p as usize].done_unsafe += unsafe_bytes;
        self.unsafe_memory = self.unsafe_memory.saturating_add(unsafe_bytes);
        let mapped = frac(phase.mapped_files) - self.phases[p as usize].done_mapped;
        self.phases[p as usize].done_mapped += mapped;
        self.mapped_files = self.mapped_files.saturating_add(mapped);
        if phase.mapped_files_written {
            self.newly_dirty = self.newly_dirty.saturating_add(mapped);
        }
        let hot = frac(phase.mapped_files_hot) - self.phases[p as usize].done_mapped_hot;
        self.phases[p as usize].done_mapped_hot += hot;
        self.mapped_hot = self.mapped_hot.saturating_add(hot);
        let elapsed = self
            .now
            .since(phase.start)
            .nanos()
            .min(phase.duration.nanos());
        self.fulltext_read(p, elapsed as f64 / phase.duration.nanos() as f64);
        let written = frac(phase.written_files) - self.phases[p as usize].done_written;
        self.phases[p as usize].done_written += written;
        self.written_files = self.written_files.saturating_add(written);
        self.newly_dirty = self.newly_dirty.saturating_add(written);
    }
}

/// The JVM model's class shape for a phase's `class_profile`.
fn class_shape(phase: &memsim_scenario::Phase) -> memsim_jvm::class_profile::ClassShape {
    use memsim_jvm::class_profile::ClassShape;
    match phase.class_profile {
        memsim_scenario::ClassProfile::Application => ClassShape::Application {
            class_file_bytes: phase.class_file_bytes,
        },
        memsim_scenario::ClassProfile::Thin => ClassShape::Thin {
            methods: phase.methods_per_class,
        },
    }
}
