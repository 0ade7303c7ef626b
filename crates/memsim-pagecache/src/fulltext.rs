//! Full-text (Lucene) indexes: files memory-mapped outside the page cache, read through the
//! kernel's page cache, and so reclaimable file pages rather than the database's own memory.
//!
//! Facts (read from the sources, not copied):
//! - Neo4j 4.x opens every Lucene-backed index — the full-text indexes (`fulltext-1.0`) and the
//!   Lucene part of `lucene+native-3.0` schema indexes — through
//!   `org.neo4j.kernel.api.impl.index.storage.DirectoryFactory.PERSISTENT`: `FSDirectory.open` on
//!   the index's directory, wrapped in an `NRTCachingDirectory` (new segments up to 5 MB, 50 MB in
//!   all, kept on the Java heap until they are merged or committed: `max_merge_size_mb`,
//!   `max_cached_mb`). Nothing of it goes through the page cache (`MuninnPageCache`), so
//!   `dbms.memory.pagecache.size` does not bound it.
//! - Lucene's `FSDirectory.open` picks `MMapDirectory` on a 64-bit JVM that can unmap (Linux
//!   x86-64); `MMapDirectory` maps each file it opens for reading whole (in chunks of
//!   `DEFAULT_MAX_CHUNK_SIZE`: 1 GiB on 64-bit in Lucene 8, the version Neo4j 4.x ships, 16 GiB in
//!   Lucene 9; the chunks are not modelled), and writes through ordinary file output streams. An index reader opens every file
//!   of every live segment, so the whole index is mapped (address space, `VmSize`) from the start,
//!   while only the pages queries touch are read in (resident, as file-backed `RssFile`).
//! - Those pages are the kernel's page cache: clean, shared with any other reader of the file,
//!   charged to the memory cgroup of whoever read them first, and reclaimable under its limit —
//!   cold pages first, the ones queries keep using (term dictionaries, hot postings) last, at the
//!   price of refaults. The engine hands them to its kernel model as the `Mapped files` account
//!   (`world/cgroup.rs`).
//! - Segments are immutable: a write adds documents to new segments (and marks deleted ones in
//!   live-docs files), so the index only grows until merges rewrite it.
//!
//! **Approximations**: the index is one aggregate of bytes with a hot share, not files and
//! segments; queries read it at the rate the scenario says, not page by page; each indexed node
//! adds a fixed number of bytes, written (dirty) at the transaction's commit — Neo4j's
//! `NRTCachingDirectory` would keep small new segments on the heap until the index is flushed at a
//! checkpoint (at most 50 MB), which is not modelled; segment merges (Lucene's
//! `TieredMergePolicy`: segments rewritten into larger ones, the old files deleted once no reader
//! holds them, so the index needs up to twice a merge's size meanwhile and its rewritten pages are
//! written again) are not modelled, nor are deletes (which a merge would reclaim).

/// The full-text indexes of a database, as files mapped by Lucene's `MMapDirectory` (module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct FulltextIndex {
    file_bytes: u64,
    read_bytes: u64,
    hot_share: f64,
    bytes_per_node: u64,
}

impl FulltextIndex {
    /// Indexes of `file_bytes` on disk at the start, of which queries keep reading the share
    /// `hot_share` (clamped to 0..=1; not a number counts as 0), each indexed node adding
    /// `bytes_per_node`.
    pub fn new(file_bytes: u64, hot_share: f64, bytes_per_node: u64) -> FulltextIndex {
        FulltextIndex {
            file_bytes,
            read_bytes: 0,
            hot_share: share(hot_share),
            bytes_per_node,
        }
    }

    /// Bytes of index files: all of them mapped (address space) once the readers opened them.
    pub fn mapped_bytes(&self) -> u64 {
        self.file_bytes
    }

    /// Bytes read in (faulted through the mappings, or written) so far: the file pages the index
    /// has put in the kernel's page cache.
    pub fn read_bytes(&self) -> u64 {
        self.read_bytes
    }

    /// Of those, what queries keep reading: the hot share of the index, as far as it was read.
    pub fn hot_bytes(&self) -> u64 {
        part(self.file_bytes, self.hot_share).min(self.read_bytes)
    }

    /// Queries have read the share `read_share` (clamped to 0..=1) of the index as it is now: the
    /// bytes read so far never go down (reading again what was read faults nothing in).
    pub fn read_to(&mut self, read_share: f64) {
        let target = part(self.file_bytes, share(read_share));
        self.read_bytes = self.read_bytes.max(target);
    }

    /// `nodes` nodes were indexed (a committed transaction): their documents are written into new
    /// segment files, whose pages are in the page cache (dirty until written back) and read by
    /// the next searcher. Returns the bytes written.
    pub fn index_nodes(&mut self, nodes: u64) -> u64 {
        let bytes = nodes.saturating_mul(self.bytes_per_node);
        self.file_bytes = self.file_bytes.saturating_add(bytes);
        self.read_bytes = self.read_bytes.saturating_add(bytes);
        bytes
    }
}

/// A share clamped to 0..=1 (not a number: 0).
fn share(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

/// `share` of `bytes`, rounded down (a share of 1 is all of them).
fn part(bytes: u64, share: f64) -> u64 {
    if share >= 1.0 {
        bytes
    } else {
        (bytes as f64 * share) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn mapped_whole_resident_as_read_hot_only_as_far_as_read() {
        let mut ix = FulltextIndex::new(3000 * MIB, 0.2, 0);
        assert_eq!(ix.mapped_bytes(), 3000 * MIB);
        assert_eq!((ix.read_bytes(), ix.hot_bytes()), (0, 0));
        ix.read_to(0.1);
        assert_eq!(ix.read_bytes(), 300 * MIB);
        // The hot share (600 MiB) is not all read yet.
        assert_eq!(ix.hot_bytes(), 300 * MIB);
        ix.read_to(0.5);
        ix.read_to(0.25);
        assert_eq!(ix.read_bytes(), 1500 * MIB, "what was read stays read");
        assert_eq!(ix.hot_bytes(), 600 * MIB);
    }

    #[test]
    fn indexing_grows_the_files_and_writes_their_pages() {
        let mut ix = FulltextIndex::new(0, f64::NAN, 2048);
        assert_eq!(ix.index_nodes(1024), 2 * MIB);
        assert_eq!(ix.mapped_bytes(), 2 * MIB);
        assert_eq!(ix.read_bytes(), 2 * MIB);
        // A share that is not a number counts as none.
        assert_eq!(ix.hot_bytes(), 0);
        let mut all = FulltextIndex::new(u64::MAX, 7.0, 0);
        all.read_to(1.0);
        assert_eq!((all.read_bytes(), all.hot_bytes()), (u64::MAX, u64::MAX));
        // A node count that would overflow saturates instead.
        ix.index_nodes(u64::MAX);
        assert_eq!(ix.mapped_bytes(), u64::MAX);
    }
}
