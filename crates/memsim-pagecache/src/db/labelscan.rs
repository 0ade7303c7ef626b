//! The label scan store (`neostore.labelscanstore.db`, Neo4j 4.x's `NativeLabelScanStore`): a
//! native index, a GBPTree in the page cache, growing with labelled nodes and not shrinking when
//! they are deleted.
//!
//! Sources, `neo4j/neo4j` 4.x `LabelScanLayout`: a key is a label id (4 bytes) and a node-id range
//! (6 bytes, node id / 64), a value a 64-bit bit-set of the range's nodes with that label: 18
//! bytes an entry, so a leaf holds (8192 − 82) / 18 = 450 entries and an internal node
//! (8192 − 82 − 24) / (10 + 24) + 1 = 238 children ([`crate::idtree`] for the node header).
//! Adding or removing a label writes its entry's leaf through the page cache (a write pin).
//! An entry whose bit-set empties is removed, but the file keeps its pages.
//!
//! *Approximations*: the file grows at checkpoints, to the pages the entries take by
//! [`crate::idtree::gbptree_nodes`]'s rule plus 4 fixed pages, and never shrinks; an entry's leaf
//! is placed by its key's order as if every leaf were half full (ranges of one label in order,
//! labels one after another, each label spanning the node store's ranges).

use std::collections::BTreeMap;

use crate::cache::{FileId, PAGE_BYTES, PinMode};
use crate::idtree::{FIXED_PAGES, NODE_HEADER_BYTES, POINTER_PAIR_BYTES, gbptree_nodes};
use crate::store::StoreKind;

use super::Database;

/// Node ids per entry (the bit-set's width).
pub(super) const NODES_PER_ENTRY: u64 = 64;
/// Bytes per entry: a 10-byte key and an 8-byte bit-set.
pub(super) const ENTRY_BYTES: u64 = 10 + 8;
/// Entries in a leaf.
pub(super) const LEAF_ENTRIES_MAX: u64 = (PAGE_BYTES - NODE_HEADER_BYTES) / ENTRY_BYTES;
/// Children of an internal node.
pub(super) const INTERNAL_CHILDREN_MAX: u64 =
    (PAGE_BYTES - NODE_HEADER_BYTES - POINTER_PAIR_BYTES) / (10 + POINTER_PAIR_BYTES) + 1;
/// The page-cache file id of the label scan store: after the record stores and the warm-up data.
pub(super) const LABEL_SCAN_FILE: FileId = FileId(StoreKind::ALL.len() as u32 + 1);

/// Entries of the label scan store: (label, node range) → labelled nodes in the range.
pub(super) type LabelScanEntries = BTreeMap<(u32, u64), u32>;

/// Pages of a label scan store holding `entries` entries (at least the empty tree's 5).
pub(super) fn label_scan_pages(entries: u64) -> u64 {
    if entries == 0 {
        FIXED_PAGES + 1
    } else {
        FIXED_PAGES + gbptree_nodes(entries, LEAF_ENTRIES_MAX, INTERNAL_CHILDREN_MAX) + 1
    }
}

impl Database {
    /// Node `id` gained (`add`) or lost its labels `0..labels`: each label's entry changes, and its
    /// leaf is written through the page cache.
    pub(super) fn label_scan_update(&mut self, id: u64, labels: u32, add: bool) {
        let range = id / NODES_PER_ENTRY;
        let ranges_per_label =
            (self.stores[StoreKind::Node.index()].ids().high_id() / NODES_PER_ENTRY) + 1;
        for label in 0..labels {
            let key = (label, range);
            if add {
                *self.label_scan.entry(key).or_insert(0) += 1;
            } else if let Some(n) = self.label_scan.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    self.label_scan.remove(&key);
                }
            }
            let rank = label as u64 * ranges_per_label + range;
            let page = FIXED_PAGES + rank / LEAF_ENTRIES_MAX.div_ceil(2);
            self.label_scan_pin(page);
        }
    }

    fn label_scan_pin(&mut self, page: u64) {
        let file = match &self.label_scan_file {
            Some(f) => f.clone(),
            None => {
                let f = self
                    .cache
                    .map_file(LABEL_SCAN_FILE, PAGE_BYTES)
                    .expect("a page-sized file maps");
                self.label_scan_file = Some(f.clone());
                f
            }
        };
        if file.n_pages() <= page {
            file.grow_to(page + 1);
        }
        let pin = self
            .cache
            .pin(&file, page, PinMode::Write)
            .expect("a single unpinned-at-rest pin always succeeds");
        self.cache.unpin(pin);
    }

    /// At a checkpoint the tree's pages reach the file, which never shrinks.
    pub(super) fn label_scan_checkpoint(&mut self) {
        self.label_scan_file_pages = self
            .label_scan_file_pages
            .max(label_scan_pages(self.label_scan.len() as u64));
    }

    /// The label scan store's size on disk.
    pub fn label_scan_store_bytes(&self) -> u64 {
        self.label_scan_file_pages * PAGE_BYTES
    }

    /// Entries in the label scan store now.
    pub fn label_scan_entries(&self) -> u64 {
        self.label_scan.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DatabaseConfig;
    use memsim_core::SimTime;

    #[test]
    fn layout_and_growth_without_shrinking() {
        assert_eq!(LEAF_ENTRIES_MAX, 450);
        assert_eq!(INTERNAL_CHILDREN_MAX, 238);
        let mut d = Database::new(DatabaseConfig::new(64 << 20)).unwrap();
        assert_eq!(d.label_scan_store_bytes(), 5 * 8192);
        let t = SimTime::ZERO;
        d.create_nodes(t, 100_000, 1, 1).unwrap();
        // 1563 ranges of 64 nodes: 4 leaves of 225 and a last one... 1 + ceil(1113 / 225) = 6
        // leaves and a root, 4 fixed pages and the creation root.
        assert_eq!(d.label_scan_entries(), 1563);
        assert_eq!(
            d.label_scan_store_bytes(),
            5 * 8192,
            "on disk at the checkpoint"
        );
        d.checkpoint(t);
        assert_eq!(d.label_scan_store_bytes(), (4 + 7 + 1) * 8192);
        d.delete_all_nodes(t).unwrap();
        d.checkpoint(t);
        assert_eq!(d.label_scan_entries(), 0);
        assert_eq!(
            d.label_scan_store_bytes(),
            (4 + 7 + 1) * 8192,
            "never shrinks"
        );
    }
}
