//! Working-set helpers: many pins of a workload's shape, in O(pins).

use memsim_core::SimRng;

use super::{MuninnPageCache, PagedFile, PinError, PinRun};

impl MuninnPageCache {
    /// Working-set model: `n_pins` read pins (each unpinned at once) of pages drawn uniformly from the
    /// first `n_pages` of `file` (grown to that length first, as data already on disk). In steady
    /// state the hit ratio approaches `min(1, cache pages / n_pages)`.
    ///
    /// # Errors
    /// [`PinError`] from a pin (only [`PinError::CacheLiveLock`] when other pins fill the cache).
    pub fn read_uniform(
        &self,
        file: &PagedFile,
        n_pages: u64,
        n_pins: u64,
        rng: &mut SimRng,
    ) -> Result<PinRun, PinError> {
        self.run_pins(file, n_pages, n_pins, |_| false, |r| r.below(n_pages), rng)
    }

    /// As [`MuninnPageCache::read_uniform`], with write pins that each store a new stamp (so pages
    /// become dirty and evictions flush).
    ///
    /// # Errors
    /// As [`MuninnPageCache::read_uniform`].
    pub fn write_uniform(
        &self,
        file: &PagedFile,
        n_pages: u64,
        n_pins: u64,
        rng: &mut SimRng,
    ) -> Result<PinRun, PinError> {
        self.run_pins(file, n_pages, n_pins, |_| true, |r| r.below(n_pages), rng)
    }

    /// A skewed working set: with probability `hot_permille`/1000 a pin goes to the first `hot_pages`
    /// pages, otherwise uniformly to all `n_pages`. A fraction `write_permille`/1000 of pins write.
    ///
    /// # Errors
    /// As [`MuninnPageCache::read_uniform`].
    #[allow(clippy::too_many_arguments)] // each argument is one knob of the workload; a struct would only rename them
    pub fn pin_hot_cold(
        &self,
        file: &PagedFile,
        n_pages: u64,
        hot_pages: u64,
        hot_permille: u64,
        write_permille: u64,
        n_pins: u64,
        rng: &mut SimRng,
    ) -> Result<PinRun, PinError> {
        let hot_pages = hot_pages.clamp(1, n_pages.max(1));
        self.run_pins(
            file,
            n_pages,
            n_pins,
            |r| r.below(1000) < write_permille,
            |r| {
                if r.below(1000) < hot_permille {
                    r.below(hot_pages)
                } else {
                    r.below(n_pages)
                }
            },
            rng,
        )
    }

    /// Reads pages `first_page .. first_page + n_pages` in order (a store scan).
    ///
    /// # Errors
    /// As [`MuninnPageCache::read_uniform`].
    pub fn scan(
        &self,
        file: &PagedFile,
        first_page: u64,
        n_pages: u64,
    ) -> Result<PinRun, PinError> {
        file.grow_to(first_page + n_pages);
        let before = self.metrics();
        for page_idx in first_page..first_page + n_pages {
            let pin = self.pin_read(file, page_idx)?;
            self.unpin(pin);
        }
        Ok(PinRun::from_metrics(&self.metrics().since(&before)))
    }

    fn run_pins(
        &self,
        file: &PagedFile,
        n_pages: u64,
        n_pins: u64,
        mut is_write: impl FnMut(&mut SimRng) -> bool,
        mut page: impl FnMut(&mut SimRng) -> u64,
        rng: &mut SimRng,
    ) -> Result<PinRun, PinError> {
        if n_pages == 0 {
            return Ok(PinRun::default());
        }
        file.grow_to(n_pages);
        let before = self.metrics();
        for _ in 0..n_pins {
            let write = is_write(rng);
            let page_idx = page(rng);
            if write {
                let pin = self.pin_write(file, page_idx)?;
                let stamp = self.read_stamp(&pin) + 1;
                self.write_stamp(&pin, stamp);
                self.unpin(pin);
            } else {
                let pin = self.pin_read(file, page_idx)?;
                self.unpin(pin);
            }
        }
        Ok(PinRun::from_metrics(&self.metrics().since(&before)))
    }
}
