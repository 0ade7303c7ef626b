//! Java heap the database holds besides transaction state: the page cache's translation tables.
//!
//! Each file mapped in Neo4j's Muninn page cache (`MuninnPagedFile`, 4.x) has a translation table
//! from file page to cache page: an `int[][]` on the Java heap, in chunks of
//! `1 << translationTableChunkSizePower` = 4096 entries (4 bytes per file page, 16 KiB a chunk),
//! grown to cover the file's last page as the file grows, at least one chunk per mapped file and
//! never shrunk while the file is mapped. Every store file and every GBPTree (`.id` files, the
//! counts, label scan and index statistics stores) is mapped: an empty database's 33 files hold
//! 33 chunks, about 0.5 MiB of heap.
//!
//! Sizes: a chunk is an `int[4096]` (a 16-byte array header and 16 KiB), the outer array a 16-byte
//! header and a 4-byte reference per chunk, rounded up to 8 bytes (compressed oops, HotSpot's
//! default below 32 GiB of heap). *Approximation*: memsim's own tables allocate chunks only where
//! pages are cached (its host memory, `cache/file.rs`); the heap figure here follows Neo4j's rule.

use crate::cache::PAGE_BYTES;
use crate::files::FixedFile;
use crate::files::fixed_files;

use super::Database;

/// Entries per translation-table chunk (`1 << translationTableChunkSizePower`, 12).
pub(super) const TABLE_CHUNK_ENTRIES: u64 = 1 << 12;
/// Heap bytes of one chunk: an `int[4096]` with its 16-byte header.
pub(super) const TABLE_CHUNK_HEAP_BYTES: u64 = 16 + 4 * TABLE_CHUNK_ENTRIES;

/// Heap bytes of the translation table of a file of `pages` file pages.
pub(super) fn table_heap_bytes(pages: u64) -> u64 {
    let chunks = pages.div_ceil(TABLE_CHUNK_ENTRIES).max(1);
    chunks * TABLE_CHUNK_HEAP_BYTES + (16 + 4 * chunks).div_ceil(8) * 8
}

impl Database {
    /// The files outside the modelled record stores ([`fixed_files`]), the label scan store at its
    /// current size.
    pub fn other_files(&self) -> Vec<FixedFile> {
        let mut files = fixed_files(self.config.format);
        for f in &mut files {
            if f.name == "neostore.labelscanstore.db" {
                f.bytes = self.label_scan_store_bytes();
            }
        }
        files
    }

    /// Heap bytes of the translation tables of every file the database maps: the modelled stores
    /// and their `.id` files, the other files of [`crate::files`], and the store data
    /// [`Database::warm`] reads.
    pub fn translation_table_heap_bytes(&self) -> u64 {
        let stores: u64 = self
            .stores
            .iter()
            .map(|s| {
                table_heap_bytes(s.file_pages())
                    + table_heap_bytes(s.ids().id_file_bytes() / PAGE_BYTES)
            })
            .sum();
        let others: u64 = self
            .other_files()
            .iter()
            .map(|f| table_heap_bytes(f.bytes.div_ceil(PAGE_BYTES)))
            .sum();
        let warm = self
            .warm_file
            .as_ref()
            .map_or(0, |f| table_heap_bytes(f.n_pages()));
        stores + others + warm
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DatabaseConfig;
    use memsim_core::SimTime;

    #[test]
    fn a_chunk_per_4096_pages_and_at_least_one_per_file() {
        assert_eq!(table_heap_bytes(0), 16_400 + 24);
        assert_eq!(table_heap_bytes(4096), 16_400 + 24);
        assert_eq!(table_heap_bytes(4097), 2 * 16_400 + 24);
        // 10 GiB of 8 KiB pages: 320 chunks, 4 bytes a page and a little.
        let pages = 10 << 17;
        assert_eq!(table_heap_bytes(pages), 320 * 16_400 + 1296);
    }

    #[test]
    fn the_empty_database_maps_33_files_and_tables_grow_with_the_stores() {
        let mut d = Database::new(DatabaseConfig::new(64 << 20)).unwrap();
        let empty = d.translation_table_heap_bytes();
        assert_eq!(empty, 33 * (16_400 + 24));
        // 3M nodes take 5495 node-store pages: a second chunk for the node store.
        d.create_nodes(SimTime::ZERO, 3_000_000, 0, 0).unwrap();
        assert_eq!(d.translation_table_heap_bytes(), empty + 16_400);
    }
}
