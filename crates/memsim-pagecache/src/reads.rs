//! Queries that read store pages: a working set of pages, a skew over it, and reads (and a share of
//! writes) that pin its pages one at a time through the page cache's own path, so the hit ratio,
//! faults, evictions and flushes follow the load.
//!
//! # The model
//! - **The pages.** A query load reads the store data [`Database::warm`] reads (the database's data
//!   that memsim does not model record by record, one file of 8 KiB pages): its working set is that
//!   data's first `working_set_pages` pages. A warm-up by `page_cache_touch` therefore reads the
//!   same pages the queries then hit, as Neo4j's store files are the same files whether a warm-up
//!   query or a user query reads them.
//! - **The skew** ([`PageSkew`]): uniform; Zipf, page `k` (from 0) drawn with probability
//!   proportional to `1 / (k + 1)^s` (rank `k` is page `k`, so the hottest pages are the first ones
//!   a warm-up reads); or hot/cold, a fraction of the reads going uniformly to the first pages.
//! - **A read** pins one page and unpins it at once, as a Neo4j page cursor does when it moves on
//!   (`MuninnPageCursor.next()` unpins the current page before it pins the next, so a cursor holds
//!   one page at a time; the pin's CLOCK usage increment and a fault's cooperative eviction are
//!   the cache's own, [`MuninnPageCache::pin`]). A write pins for write and stores a new stamp, so
//!   the page is dirty until a checkpoint or an eviction flushes it. *Approximation*: a query's pages are pinned back to back; the time a query holds a page
//!   (microseconds) is not modelled, so two queries never pin the same page at once.
//! - Deterministic: every draw comes from the caller's [`SimRng`] (the engine passes the phase's
//!   stream).
//!
//! [`MuninnPageCache::pin`]: crate::MuninnPageCache::pin

use memsim_core::{SimRng, SimTime, ZipfRanks};

use crate::cache::{PAGE_BYTES, PinMode, PinRun};
use crate::db::{Database, WARM_FILE};

/// How reads spread over the working set's pages.
#[derive(Debug, Clone, Copy)]
pub enum PageSkew {
    /// Every page equally likely.
    Uniform,
    /// Zipf over pages (page `k` weighs `1 / (k + 1)^s`).
    Zipf(ZipfRanks),
    /// `hot_permille`/1000 of reads go uniformly to the first `hot_pages` pages, the rest uniformly
    /// to the whole working set.
    HotCold {
        /// Pages in the hot set (at least 1, at most the working set).
        hot_pages: u64,
        /// Reads per thousand that go to the hot set.
        hot_permille: u32,
    },
}

/// Why a [`PageReadLoad`] cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PageReadLoadError {
    /// No page to read.
    #[error("the working set has no page")]
    EmptyWorkingSet,
    /// A Zipf exponent below 0 or not finite.
    #[error("the Zipf exponent {0} must be finite and at least 0")]
    BadExponent(f64),
    /// A hot set outside `1..=working set` pages, or a share above 1000 per mille.
    #[error(
        "a hot set of {hot_pages} pages taking {hot_permille}/1000 of reads does not fit a working set of {working_set_pages} pages"
    )]
    BadHotSet {
        /// Pages asked for.
        hot_pages: u64,
        /// Per mille of reads.
        hot_permille: u32,
        /// The working set.
        working_set_pages: u64,
    },
    /// A write share above 1000 per mille.
    #[error("{0}/1000 of reads cannot be writes")]
    BadWriteShare(u32),
}

/// A query load over store pages (module docs).
#[derive(Debug, Clone, Copy)]
pub struct PageReadLoad {
    working_set_pages: u64,
    skew: PageSkew,
    write_permille: u32,
}

/// How a [`PageReadLoad`] skews its reads, before it is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SkewSpec {
    /// Uniform.
    Uniform,
    /// Zipf with this exponent (0 is uniform).
    Zipf(f64),
    /// A hot set: a fraction of the working set's pages (rounded up to a page) and the per mille of
    /// reads that go to it.
    HotCold {
        /// The hot set's share of the working set, in (0, 1].
        hot_fraction: f64,
        /// Reads per thousand that go to the hot set.
        hot_permille: u32,
    },
}

impl PageReadLoad {
    /// A load over the first `working_set_bytes` of store data (rounded up to whole pages), skewed
    /// by `skew`, with `write_permille`/1000 of its pins writes.
    ///
    /// # Errors
    /// [`PageReadLoadError`] for an empty working set, a bad exponent, hot set or write share.
    pub fn new(
        working_set_bytes: u64,
        skew: SkewSpec,
        write_permille: u32,
    ) -> Result<PageReadLoad, PageReadLoadError> {
        let working_set_pages = working_set_bytes.div_ceil(PAGE_BYTES);
        if working_set_pages == 0 {
            return Err(PageReadLoadError::EmptyWorkingSet);
        }
        if write_permille > 1000 {
            return Err(PageReadLoadError::BadWriteShare(write_permille));
        }
        let skew = match skew {
            SkewSpec::Uniform => PageSkew::Uniform,
            SkewSpec::Zipf(s) => PageSkew::Zipf(
                ZipfRanks::new(working_set_pages, s).ok_or(PageReadLoadError::BadExponent(s))?,
            ),
            SkewSpec::HotCold {
                hot_fraction,
                hot_permille,
            } => {
                let hot_pages = if hot_fraction.is_finite() && hot_fraction > 0.0 {
                    ((working_set_pages as f64 * hot_fraction.min(1.0)).ceil() as u64)
                        .clamp(1, working_set_pages)
                } else {
                    0
                };
                if hot_pages == 0 || hot_permille > 1000 {
                    return Err(PageReadLoadError::BadHotSet {
                        hot_pages,
                        hot_permille,
                        working_set_pages,
                    });
                }
                PageSkew::HotCold {
                    hot_pages,
                    hot_permille,
                }
            }
        };
        Ok(PageReadLoad {
            working_set_pages,
            skew,
            write_permille,
        })
    }

    /// Pages in the working set.
    pub fn working_set_pages(&self) -> u64 {
        self.working_set_pages
    }

    /// The skew.
    pub fn skew(&self) -> PageSkew {
        self.skew
    }

    /// The next page to read.
    fn draw_page(&self, rng: &mut SimRng) -> u64 {
        match self.skew {
            PageSkew::Uniform => rng.below(self.working_set_pages),
            PageSkew::Zipf(z) => rng.zipf_rank(&z),
            PageSkew::HotCold {
                hot_pages,
                hot_permille,
            } => {
                if rng.below(1000) < u64::from(hot_permille) {
                    rng.below(hot_pages)
                } else {
                    rng.below(self.working_set_pages)
                }
            }
        }
    }

    /// Whether the next pin writes (no draw when the load never writes).
    fn draw_write(&self, rng: &mut SimRng) -> bool {
        self.write_permille > 0 && rng.below(1000) < u64::from(self.write_permille)
    }
}

impl Database {
    /// `n_pins` page reads of `load` (module docs), each pinned and unpinned through the page
    /// cache: hits, faults with cooperative eviction once no page is free, flushes of dirty pages
    /// evicted. An eviction storm is reported as for any other operation.
    pub fn read_pages(
        &mut self,
        now: SimTime,
        load: &PageReadLoad,
        n_pins: u64,
        rng: &mut SimRng,
    ) -> PinRun {
        self.evictor_wake(now);
        let before = self.cache.metrics();
        // Mapping again returns the file `warm` reads (same id, same page size).
        let file = self
            .cache
            .map_file(WARM_FILE, PAGE_BYTES)
            .expect("a page-sized file maps");
        // The working set is data on disk already: reading it never goes past the end.
        file.grow_to(load.working_set_pages);
        for _ in 0..n_pins {
            let page = load.draw_page(rng);
            let mode = if load.draw_write(rng) {
                PinMode::Write
            } else {
                PinMode::Read
            };
            // One pin at a time, none held at rest: a page to evict always exists.
            let pin = self
                .cache
                .pin(&file, page, mode)
                .expect("a single unpinned-at-rest pin always succeeds");
            if mode == PinMode::Write {
                let stamp = self.cache.read_stamp(&pin) + 1;
                self.cache.write_stamp(&pin, stamp);
            }
            self.cache.unpin(pin);
        }
        self.storm_check(now, &before);
        PinRun::from_metrics(&self.cache.metrics().since(&before))
    }
}

#[cfg(test)]
mod tests;
