//! A phase's requests: arrivals drawn on time, each served with its heap and direct-buffer
//! allocations, released when it completes; the JDK's own reservation path for direct buffers.

use memsim_core::{EventKind, SimDuration, Usage};
use memsim_direct::{BufHandle, DirectAllocError, ThreadKey};
use memsim_scenario::DirectPath;

use super::{Ev, Request, World};

impl World<'_> {
    pub(super) fn schedule_arrival(&mut self, p: u32) {
        let phase = self.phase(p);
        let rate = phase.requests.as_ref().expect("requests").rate_per_sec;
        let gap_nanos = self.rngs[p as usize].exponential(1e9 / rate);
        let gap = SimDuration(gap_nanos.min(u64::MAX as f64 / 2.0) as u64);
        let at = self.now.after(gap);
        if at < phase.end() {
            self.schedule(at, Ev::Arrival(p));
        }
    }

    /// A request of phase `p` is read and handled now.
    pub(super) fn serve(&mut self, p: u32) {
        let phase = self.phase(p);
        let req = phase.requests.as_ref().expect("requests");
        let started = self.phases[p as usize].started_threads;
        if started == 0 {
            // Every thread of the phase failed to start: nobody serves the request.
            self.counters.requests_started += 1;
            self.counters.requests_failed += 1;
            let message = format!(
                "request not served: none of phase \"{}\"'s {} threads could start",
                phase.name, phase.threads
            );
            self.log(EventKind::RequestUnserved, message);
            return;
        }
        let rng = &mut self.rngs[p as usize];
        let thread =
            ThreadKey(self.phases[p as usize].first_thread + rng.below(u64::from(started)) as u32);
        let buffer = req.buffer.sample(
            rng,
            i32::MAX as u64, /* a ByteBuf capacity is a Java int */
        );
        let heap = req.heap.sample(rng, u64::MAX / 4);
        let hold = SimDuration(req.hold.sample(rng, u64::MAX / 4));
        self.counters.requests_started += 1;

        let direct = if buffer == 0 {
            None
        } else {
            let r = match req.direct {
                DirectPath::Netty => self
                    .pool
                    .allocate(&mut self.acct, thread, buffer)
                    .map(|h| (DirectPath::Netty, h, buffer)),
                DirectPath::Jdk => self.reserve_jdk_direct(buffer).map(|()| {
                    self.jdk_direct = Usage::all(self.jdk_direct.committed + buffer);
                    (DirectPath::Jdk, BufHandle(u32::MAX), buffer)
                }),
            };
            match r {
                Ok(d) => Some(d),
                Err(e) => {
                    self.counters.requests_failed += 1;
                    self.counters.direct_oom_errors += 1;
                    let kind = match e {
                        DirectAllocError::OutOfDirectMemory { .. } => {
                            EventKind::OutOfDirectMemoryError
                        }
                        DirectAllocError::CannotReserve { .. } => EventKind::OutOfMemoryError,
                    };
                    self.log(kind, e.to_string());
                    return;
                }
            }
        };
        if heap > 0
            && let Err(e) = self.heap_alloc(heap, true)
        {
            self.counters.requests_failed += 1;
            self.counters.heap_oom_errors += 1;
            self.log(EventKind::OutOfMemoryError, e.to_string());
            if let Some(d) = direct {
                self.free_direct(thread, d);
            }
            return;
        }
        // The request's queries read their store pages (`db_reads.rs`).
        self.request_page_reads(p);
        let request = Request {
            phase: p,
            thread,
            direct,
            heap,
        };
        let id = match self.free_requests.pop() {
            Some(i) => {
                self.requests[i as usize] = Some(request);
                i
            }
            None => {
                self.requests.push(Some(request));
                self.requests.len() as u32 - 1
            }
        };
        self.schedule(self.now.after(hold), Ev::Release(id));
    }

    pub(super) fn free_direct(
        &mut self,
        thread: ThreadKey,
        (path, handle, bytes): (DirectPath, BufHandle, u64),
    ) {
        match path {
            DirectPath::Netty => self.pool.free(&mut self.acct, thread, handle),
            DirectPath::Jdk => {
                self.acct.release_jdk(bytes);
                self.jdk_direct = Usage::all(self.jdk_direct.committed - bytes);
            }
        }
    }

    pub(super) fn release(&mut self, id: u32) {
        let r = self.requests[id as usize]
            .take()
            .expect("request released twice");
        self.free_requests.push(id);
        if let Some(d) = r.direct {
            self.free_direct(r.thread, d);
        }
        self.jvm.release(r.heap);
        self.counters.requests_completed += 1;
        debug_assert!((r.phase as usize) < self.phases.len());
    }

    /// `ByteBuffer.allocateDirect`: the JDK's `Bits.reserveMemory`, which runs `System.gc()` and
    /// retries before it gives up (`memsim_direct::bits`). memsim's collections free no direct
    /// memory (buffers are freed when dropped), so the retries fail as the first try did; the
    /// collection itself is real: a full GC that may shrink the heap and touches its mark bitmap.
    pub(super) fn reserve_jdk_direct(&mut self, bytes: u64) -> Result<(), DirectAllocError> {
        let acct = &mut self.acct;
        let attempt = memsim_direct::reserve_memory(|| acct.reserve_jdk(bytes).is_ok(), || {});
        if attempt.reserved {
            return Ok(());
        }
        self.counters.direct_reservation_gcs += u64::from(attempt.system_gcs);
        self.counters.direct_reservation_tries += u64::from(attempt.tries);
        if attempt.system_gcs > 0 {
            self.system_gc();
        }
        // Fails again, with the JDK's message.
        self.acct.reserve_jdk(bytes)
    }
}
