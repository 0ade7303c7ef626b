//! The end of a run: the verdict, the configured budget, resolved parameters and counters, as the
//! `RunSummary` the renderers see.

use memsim_core::{Account, Failures, RunSummary, SimTime, Stop, Verdict};
use memsim_direct::NettyCap;
use memsim_scenario::NettyModel;

use super::{Ev, World, db};

impl World<'_> {
    /// The summary of the finished run.
    pub(super) fn finish(self) -> RunSummary {
        let s = self.s;
        let ended_at = self.now;
        let e = *self.jvm.ergonomics();
        let mut configured_terms = vec![(
            if s.jvm.heap_max.is_some() {
                "-Xmx".to_string()
            } else {
                "-Xmx (default)".to_string()
            },
            e.heap_max,
        )];
        let mut configured_accounts = vec![Account::JavaHeap];
        if let Some(st) = &self.db {
            let explicit = s.page_cache.as_ref().is_some_and(|c| c.size.is_some());
            configured_terms.push((
                if explicit {
                    "page cache"
                } else {
                    "page cache (default)"
                }
                .to_string(),
                st.page_cache_bytes(),
            ));
            configured_accounts.push(Account::PageCache);
        }
        let direct_cap = match self.acct.cap() {
            NettyCap::Counter { limit } if s.netty.max_direct_memory > 0 => {
                Some(("io.netty.maxDirectMemory", limit))
            }
            _ => s
                .jvm
                .max_direct_memory
                .map(|m| ("-XX:MaxDirectMemorySize", m)),
        };
        if let Some((name, bytes)) = direct_cap {
            configured_terms.push((name.to_string(), bytes));
            configured_accounts.extend([Account::NettyDirect, Account::JdkDirect]);
        }
        let configured_bytes = configured_terms.iter().map(|(_, b)| *b).sum();
        let pressure = self.cgroup.pressure();
        let judged = if self.killed {
            Verdict::OomKilled
        } else if pressure.thrashing_since.is_some() {
            Verdict::Thrashing
        } else if self.peak > configured_bytes {
            Verdict::OverBudget
        } else {
            Verdict::Fits
        };
        // A bound that stopped the run leaves its end unknown: the judgement covers what ran.
        let stopped_early = self.stopped_by.map(|bound| Stop {
            bound,
            at: ended_at,
            so_far: judged,
        });
        let verdict = if stopped_early.is_some() {
            Verdict::Incomplete
        } else {
            judged
        };
        let failures = Failures::from_events(
            &self.events,
            self.counters.requests_failed,
            self.counters.threads_failed,
        );
        let netty_cap = match self.acct.cap() {
            NettyCap::Counter { limit } => format!("Netty counter, max {limit} bytes"),
            NettyCap::Jdk => "JDK accounting (io.netty.maxDirectMemory=0)".to_string(),
        };
        let mut parameters = vec![
            ("seed".to_string(), self.seed.to_string()),
            ("collector".to_string(), e.collector.flag().to_string()),
            ("Xms".to_string(), e.heap_initial.to_string()),
            ("Xmx".to_string(), e.heap_max.to_string()),
            ("Xss".to_string(), e.thread_stack.to_string()),
            (
                "MaxDirectMemorySize".to_string(),
                e.max_direct_memory.to_string(),
            ),
            (
                "ReservedCodeCacheSize".to_string(),
                e.reserved_code_cache.to_string(),
            ),
            ("AlwaysPreTouch".to_string(), e.always_pre_touch.to_string()),
            ("jvm_threads".to_string(), e.jvm_threads.to_string()),
            (
                "ActiveProcessorCount".to_string(),
                e.active_processors.to_string(),
            ),
            (
                "ParallelGCThreads".to_string(),
                e.parallel_gc_threads.to_string(),
            ),
            ("ConcGCThreads".to_string(), e.conc_gc_threads.to_string()),
            (
                "G1ConcRefinementThreads".to_string(),
                e.refinement_threads.to_string(),
            ),
            (
                "CICompilerCount".to_string(),
                format!(
                    "{} ({} C1 + {} C2)",
                    e.ci_compiler_count, e.c1_threads, e.c2_threads
                ),
            ),
            (
                "malloc_arena_max".to_string(),
                self.jvm.arenas().limit().to_string(),
            ),
            (
                "max_threads".to_string(),
                s.machine
                    .max_threads
                    .map_or("unlimited".to_string(), |n| n.to_string()),
            ),
            (
                "address_space".to_string(),
                s.machine
                    .address_space
                    .map_or("unlimited".to_string(), |n| n.to_string()),
            ),
            ("netty_direct_accounting".to_string(), netty_cap),
            (
                "netty_pool_model".to_string(),
                match s.netty.model {
                    NettyModel::Netty41 => "4.1.48",
                    NettyModel::Netty41118 => "4.1.118",
                    NettyModel::Approx => "approx",
                    NettyModel::Netty42Adaptive {
                        event_loop_threads: false,
                    } => "4.2.13-adaptive",
                    NettyModel::Netty42Adaptive {
                        event_loop_threads: true,
                    } => "4.2.13-adaptive-event-loop",
                }
                .to_string(),
            ),
            (
                "netty_chunk_size".to_string(),
                self.pool_chunk_size.to_string(),
            ),
            (
                "netty_direct_arenas".to_string(),
                self.pool_arenas.to_string(),
            ),
            (
                "page_cache_size".to_string(),
                self.db
                    .as_ref()
                    .map_or(0, db::DbState::page_cache_bytes)
                    .to_string(),
            ),
            ("limit".to_string(), self.limit.bytes.to_string()),
        ];
        // JDK 17 runs keep their parameters (and reports) as before `jvm.version` existed.
        if s.jvm.version != memsim_core::JdkVersion::Jdk17 {
            parameters.insert(1, ("jdk".to_string(), s.jvm.version.to_string()));
        }
        let pc = self.pool.counters();
        let mut counters = vec![
            (
                "requests_started".to_string(),
                self.counters.requests_started,
            ),
            (
                "requests_completed".to_string(),
                self.counters.requests_completed,
            ),
            ("requests_failed".to_string(), self.counters.requests_failed),
            (
                // Arrived during pauses and still waiting for the application to run at the end.
                "requests_waiting_at_end".to_string(),
                self.backlog.count_matching(|e| matches!(e, Ev::Serve(_))),
            ),
            (
                "heap_out_of_memory_errors".to_string(),
                self.counters.heap_oom_errors,
            ),
            (
                "direct_out_of_memory_errors".to_string(),
                self.counters.direct_oom_errors,
            ),
            (
                // `Bits.reserveMemory`'s `System.gc()` before a `Cannot reserve` error.
                "direct_reservation_gcs".to_string(),
                self.counters.direct_reservation_gcs,
            ),
            (
                "direct_reservation_tries".to_string(),
                self.counters.direct_reservation_tries,
            ),
            ("gc_collections".to_string(), self.jvm.heap().collections()),
            ("threads_alive".to_string(), self.jvm.threads()),
            (
                "threads_failed_to_start".to_string(),
                self.counters.threads_failed,
            ),
            (
                "jvm_gc_workers_started".to_string(),
                u64::from(self.jvm.jvm_threads().gc_workers),
            ),
            ("classes_loaded".to_string(), self.jvm.classes()),
            (
                "metadata_gc_threshold_collections".to_string(),
                self.jvm.metadata_gc_collections(),
            ),
            ("methods_compiled".to_string(), self.jvm.compiled()),
            ("netty_allocations".to_string(), pc.allocations),
            ("netty_deallocations".to_string(), pc.deallocations),
            ("netty_chunks_created".to_string(), pc.chunks_created),
            ("netty_chunks_destroyed".to_string(), pc.chunks_destroyed),
            (
                "netty_used_direct_memory".to_string(),
                self.pool.used_memory(),
            ),
            ("netty_active_bytes".to_string(), self.pool.active_bytes()),
            (
                "page_cache_faults".to_string(),
                self.db.as_ref().map_or(0, |st| st.cache_metrics().faults),
            ),
        ];
        if let Some(st) = &self.db
            && db::DbState::needs_tick(s)
        {
            // Over the run, across a copy's replacement of the database.
            let m = st.cache_metrics();
            counters.extend([
                ("page_cache_hits".to_string(), m.hits),
                ("page_cache_pins".to_string(), m.pins),
                ("page_cache_evictions".to_string(), m.evictions),
                ("page_cache_flushes".to_string(), m.flushes),
                ("db_last_tx_id".to_string(), st.db.tx_log().last_tx_id()),
                ("db_operations_skipped".to_string(), st.skipped),
                ("db_tx_state_heap_oom".to_string(), st.tx_state_oom),
            ]);
        }
        RunSummary {
            scenario: s.name.clone(),
            seed: self.seed,
            verdict,
            stopped_early,
            failures,
            limit_bytes: self.limit.bytes,
            limit_source: self.limit.source,
            configured_bytes,
            configured_terms,
            configured_accounts,
            peak_resident_bytes: self.peak,
            peak_at: self.peak_at,
            at_peak: self.at_peak,
            duration: s.duration,
            ended_at,
            events: self.events,
            samples: self.samples,
            n_events: self.n_events,
            parameters,
            counters,
            database: self.db.map(|st| st.finish(self.s, ended_at)),
            gc: self.jvm.gc_summary(self.now.since(SimTime::ZERO)),
            pressure,
            observation: None,
            jdk: self.s.jvm.version,
        }
    }
}
