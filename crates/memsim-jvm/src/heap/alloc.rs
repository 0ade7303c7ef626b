//! Allocation and live/garbage accounting: bytes placed in eden (or, for G1's live data, in old
//! regions), the collections an allocation triggers at their own instants as it fills eden or the
//! heap, `Java heap space` and `GC overhead limit exceeded`, and live bytes released as young or
//! old garbage. The rules are described in the module doc of `heap.rs`.

use super::{AllocOutcome, Heap, HeapError, IHOP_PERCENT};
use crate::ergonomics::Collector;
use memsim_core::SimTime;

/// Less free heap than this after a full collection cannot hold the next objects: allocation fails.
const MIN_ROOM: u64 = 64 << 10;
/// Collections one allocation call simulates one by one; beyond, the rest are recorded in bulk as
/// copies of the last (the heap is then thrashing and nothing changes between them).
const MAX_STEPPED_COLLECTIONS: u64 = 10_000;

impl Heap {
    pub(super) fn put(&mut self, bytes: u64, live: bool, through_eden: bool) {
        if live {
            self.live += bytes;
            self.pending_copy += bytes;
            if through_eden {
                self.eden_live += bytes;
            } else {
                self.old_live += bytes;
                self.g1_direct += bytes;
            }
        } else {
            self.garbage += bytes;
        }
        if through_eden {
            self.eden_used += bytes;
        }
    }

    /// Allocates `bytes` at simulated time `now`; `live` objects stay until [`Heap::release`],
    /// others are garbage at once. The bytes are taken as allocated evenly since the previous call.
    ///
    /// # Errors
    /// [`HeapError::HeapSpace`] when the live set plus `bytes` exceeds the maximum heap (nothing is
    /// allocated); [`HeapError::GcOverheadLimit`] when Parallel's overhead limit is reached.
    pub fn allocate(
        &mut self,
        bytes: u64,
        live: bool,
        now: SimTime,
    ) -> Result<AllocOutcome, HeapError> {
        let start = self.last_alloc.min(now);
        self.last_alloc = now;
        let mut out = AllocOutcome::default();
        let before = self.committed;
        let through_eden = !live || self.collector != Collector::G1;
        let result = self.allocate_steps(bytes, live, through_eden, start, now, &mut out);
        self.update_touched();
        if self.collector == Collector::G1 && self.live * 100 > self.committed * IHOP_PERCENT {
            self.marking_ran = true;
        }
        if self.committed != before {
            out.resized_from = Some(before);
        }
        result.map(|()| out)
    }

    fn allocate_steps(
        &mut self,
        bytes: u64,
        live: bool,
        through_eden: bool,
        start: SimTime,
        now: SimTime,
        out: &mut AllocOutcome,
    ) -> Result<(), HeapError> {
        let span = now.since(start).nanos() as u128;
        let at = |done: u64| {
            SimTime(start.0 + (span * u128::from(done) / u128::from(bytes.max(1))) as u64)
        };
        if live && self.live + bytes > self.usable(self.max) {
            // Even a full collection cannot make room: HotSpot collects, then throws.
            self.full_gc_at(now, self.live, false, out);
            return Err(HeapError::HeapSpace { requested: bytes });
        }
        let mut left = bytes;
        let mut stepped = 0;
        loop {
            let heap_room = self
                .usable(self.committed)
                .saturating_sub(self.live + self.garbage);
            let eden_room = self
                .eden_capacity()
                .saturating_sub(self.eden_used + self.g1_direct);
            if left <= heap_room.min(eden_room) {
                self.put(left, live, through_eden);
                return Ok(());
            }
            let step = heap_room.min(eden_room);
            self.put(step, live, through_eden);
            left -= step;
            let when = at(bytes - left);
            let full = heap_room <= eden_room
                || self.eden_used + self.g1_direct == 0
                || !self.ps_should_scavenge();
            if stepped == MAX_STEPPED_COLLECTIONS && !live {
                // Thrashing: the remaining collections repeat the last one.
                return self.bulk_collections(left, full, when);
            }
            stepped += 1;
            let full = full || {
                self.young_gc(when, out);
                self.ps_full_after_young()
            };
            if full {
                let limit =
                    self.full_gc_at(when, self.live + if live { left } else { 0 }, false, out);
                if limit {
                    return Err(HeapError::GcOverheadLimit { requested: bytes });
                }
                let room = self.usable(self.committed).saturating_sub(self.live);
                if room < MIN_ROOM.min(left) {
                    return Err(HeapError::HeapSpace { requested: bytes });
                }
            }
        }
    }

    /// Live bytes become garbage (a request finished, a cache entry was dropped).
    pub fn release(&mut self, bytes: u64) {
        let bytes = bytes.min(self.live);
        self.live -= bytes;
        self.garbage += bytes;
        // The youngest objects die first: what was allocated since the last young collection is young
        // garbage (from eden, or G1's directly placed data), the rest is old garbage.
        let young = bytes.min(self.pending_copy);
        self.pending_copy -= young;
        let from_eden = young.min(self.eden_live);
        self.eden_live -= from_eden;
        self.old_live -= (bytes - from_eden).min(self.old_live);
        self.old_garbage += bytes - young;
    }
}
