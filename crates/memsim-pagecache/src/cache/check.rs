//! The cache's structural invariants, checked at quiescent points.

use std::collections::BTreeMap;

use super::file::{bind, unbind};
use super::frames::{EXCLUSIVE, FLUSHING, pinned, usage};
use super::{InvariantError, MAX_USAGE_COUNT, MuninnPageCache, TABLE_CHUNK};
use crate::sync::atomic::Ordering;

impl MuninnPageCache {
    /// Checks the cache's structure; meant for quiescent points (no pin, fault or eviction under way
    /// in another thread). With `expect_unpinned`, also checks that no page is pinned.
    ///
    /// # Errors
    /// The first broken invariant: a bound frame missing from its file's table or a table entry
    /// pointing at a frame bound elsewhere, a page bound twice, a free frame that is bound or not
    /// exclusive, a frame in neither state, a usage counter over its cap, a pin left when none is
    /// expected, or a count of bound pages that disagrees with the frames.
    pub fn check_invariants(&self, expect_unpinned: bool) -> Result<(), InvariantError> {
        let err = |m: String| Err(InvariantError(m));
        let free = self.free.lock();
        let n_grabbed = free.n_grabbed;
        if self.n_grabbed.load(Ordering::Acquire) != n_grabbed {
            return err("n_grabbed mirror disagrees".into());
        }
        let mut is_free = vec![false; n_grabbed as usize];
        for &f in &free.list {
            if f >= n_grabbed || std::mem::replace(&mut is_free[f as usize], true) {
                return err(format!("free list holds frame {f} twice or ungrabbed"));
            }
        }
        drop(free);
        let mut seen = BTreeMap::new();
        let mut n_bound = 0u64;
        if self.frames.allocated() < n_grabbed {
            return err(format!(
                "{n_grabbed} frames grabbed, only {} allocated",
                self.frames.allocated()
            ));
        }
        // Frames past the allocated prefix are implied free (frames.rs); the allocated ones are checked
        // (those past the grabbed ones, or on the free list, must be free).
        for idx in 0..self.frames.allocated() as usize {
            let frame = self.frames.get(idx as u32);
            let s = frame.state.load(Ordering::Acquire);
            let b = frame.binding.load(Ordering::Acquire);
            if is_free.get(idx).copied().unwrap_or(true) {
                if s != EXCLUSIVE || b != 0 {
                    return err(format!("free frame {idx} has state {s:#x}, binding {b:#x}"));
                }
                continue;
            }
            if s & (EXCLUSIVE | FLUSHING) != 0 {
                return err(format!(
                    "frame {idx} is locked at a quiescent point ({s:#x})"
                ));
            }
            if usage(s) > MAX_USAGE_COUNT {
                return err(format!("frame {idx} usage {} over the cap", usage(s)));
            }
            if expect_unpinned && pinned(s) {
                return err(format!("frame {idx} still pinned ({s:#x})"));
            }
            let Some((file_id, page_idx)) = unbind(b) else {
                return err(format!("grabbed frame {idx} neither free nor bound"));
            };
            if let Some(other) = seen.insert(b, idx) {
                return err(format!(
                    "page {page_idx} of {file_id:?} bound in frames {other} and {idx}"
                ));
            }
            let Some(file) = self.file(file_id) else {
                return err(format!("frame {idx} bound to unmapped {file_id:?}"));
            };
            if file.0.lookup(page_idx) != Some(idx as u32) {
                return err(format!(
                    "frame {idx} holds page {page_idx} of {file_id:?} but the table says {:?}",
                    file.0.lookup(page_idx)
                ));
            }
            n_bound += 1;
        }
        if n_bound != self.stats.n_bound.get() {
            return err(format!(
                "{n_bound} frames bound, counter says {}",
                self.stats.n_bound.get()
            ));
        }
        for file in self.files.read().iter().flatten() {
            let table = file.0.table.read();
            for (c, chunk) in table.iter().enumerate() {
                let Some(chunk) = chunk else { continue };
                let mut n_entries = 0;
                for (i, entry) in chunk.entries.iter().enumerate() {
                    let v = entry.load(Ordering::Acquire);
                    if v == 0 {
                        continue;
                    }
                    n_entries += 1;
                    let page_idx = c as u64 * TABLE_CHUNK + i as u64;
                    if seen.get(&bind(file.id(), page_idx)) != Some(&(v as usize - 1)) {
                        return err(format!(
                            "table of {:?} maps page {page_idx} to frame {} which holds another page",
                            file.id(),
                            v - 1
                        ));
                    }
                }
                if n_entries != chunk.bound() {
                    return err(format!(
                        "table chunk {c} of {:?} binds {n_entries} pages, its count says {}",
                        file.id(),
                        chunk.bound()
                    ));
                }
            }
        }
        Ok(())
    }
}
