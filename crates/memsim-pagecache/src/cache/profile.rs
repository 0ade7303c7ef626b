//! Which pages are cached: the input of Neo4j's page-cache warm-up profile.
//!
//! Neo4j Enterprise's `PageCacheWarmer` profiles each mapped file with a cursor that does not fault
//! (`PF_NO_FAULT`), writing a bitmap of the file's pages then in memory, one bit per page id
//! (`.cacheprof` files in the database's `profiles` directory). This is that bitmap's content, as a
//! sorted list: reading it neither pins nor changes a usage counter.

use super::{FileId, MuninnPageCache, Ordering, unbind};

impl MuninnPageCache {
    /// The pages bound now, as `(file, page)` sorted by file then page. O(pages ever grabbed).
    pub fn cached_pages(&self) -> Vec<(FileId, u64)> {
        let n = self.n_grabbed.load(Ordering::Acquire);
        let mut pages: Vec<(FileId, u64)> = (0..n)
            .filter_map(|i| unbind(self.frames.get(i).binding.load(Ordering::Acquire)))
            .collect();
        pages.sort_unstable();
        pages
    }
}
