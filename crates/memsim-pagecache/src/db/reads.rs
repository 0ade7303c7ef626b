//! Reads through the page cache: warming by unmodelled store data, and working-set lookups.

use memsim_core::SimRng;
use memsim_core::SimTime;

use crate::cache::PAGE_BYTES;
use crate::cache::PinMode;
use crate::cache::PinRun;
use crate::store::StoreKind;

use super::Database;
use super::WARM_FILE;
impl Database {
    /// Reads `bytes` more of store data not read before and not modelled record by record (a
    /// database that existed before the run: the engine's `page_cache_touch`): each page is pinned
    /// once, so every pin faults (unless a query load read the page first: `crate::reads`), and
    /// once the cache is full every fault evicts. The bytes are counted across calls and the pages
    /// read are their total rounded up, so a call that ends mid-page reads that page and the next
    /// call starts after it: shares of any size that add up to `n` pages read exactly `n` pages.
    pub fn warm(&mut self, now: SimTime, bytes: u64) -> PinRun {
        self.evictor_wake(now);
        let before = self.cache.metrics();
        let file = match &self.warm_file {
            Some(f) => f.clone(),
            None => {
                let f = self
                    .cache
                    .map_file(WARM_FILE, PAGE_BYTES)
                    .expect("a page-sized file maps");
                self.warm_file = Some(f.clone());
                f
            }
        };
        // Its own count, not the file's length: query reads (`crate::reads`) grow the file too.
        let first = self.warm_bytes.div_ceil(PAGE_BYTES);
        self.warm_bytes = self.warm_bytes.saturating_add(bytes);
        let n = self.warm_bytes.div_ceil(PAGE_BYTES).saturating_sub(first);
        file.grow_to(first + n);
        for page in first..first + n {
            let pin = self
                .cache
                .pin(&file, page, PinMode::Read)
                .expect("a single unpinned-at-rest pin always succeeds");
            self.cache.unpin(pin);
        }
        self.storm_check(now, &before);
        PinRun::from_metrics(&self.cache.metrics().since(&before))
    }

    /// Reads a working set: `n_reads` lookups of nodes drawn uniformly from the first `n_nodes` node
    /// ids (below the high-water mark), each pinning the node's page and, for a live node, the pages
    /// of its property records. The hit ratio follows the working set's pages against the cache.
    pub fn read_working_set(
        &mut self,
        now: SimTime,
        n_nodes: u64,
        n_reads: u64,
        rng: &mut SimRng,
    ) -> PinRun {
        self.evictor_wake(now);
        let before = self.cache.metrics();
        let range = n_nodes.min(self.store(StoreKind::Node).ids().high_id());
        if range > 0 {
            for _ in 0..n_reads {
                let id = rng.below(range);
                self.touch(StoreKind::Node, id, PinMode::Read);
                let props: Vec<u64> = self
                    .node(id)
                    .map(|n| n.props.records.iter().map(|r| r.0).collect())
                    .unwrap_or_default();
                for p in props {
                    self.touch(StoreKind::Property, p, PinMode::Read);
                }
            }
        }
        self.storm_check(now, &before);
        PinRun::from_metrics(&self.cache.metrics().since(&before))
    }
}
