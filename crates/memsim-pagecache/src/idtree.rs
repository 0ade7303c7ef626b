//! The size of a Neo4j 4.x `.id` file: an `IndexedIdGenerator`'s GBPTree of ID ranges.
//!
//! Neo4j 4.0 replaced 3.x's `.id` files (a header and one 8-byte long per free ID) with a GBPTree
//! per store, in pages of the page cache's size (8 KiB). Sources, `neo4j/neo4j` 4.x:
//! `community/id-generator/.../indexed/IndexedIdGenerator.java`, `IdRange.java`,
//! `IdRangeLayout.java`, `IdRangeMarker.java`, and `community/index/.../gbptree/IdSpace.java`,
//! `GBPTree.java`, `TreeNode.java`.
//!
//! - **Entries.** One entry per range of `IDS_PER_ENTRY` = 128 consecutive IDs: an 8-byte key
//!   (the range's index) and a value of an 8-byte generation plus three bit-sets (commit, reuse,
//!   reserved) of 128 bits each: 64 bytes an entry, fixed size.
//! - **What writes an entry.** A delete (`markDeleted`) merges into the range's entry, creating it;
//!   marking an ID used (`markUsed`) only updates an entry that exists (`mergeIfExists`), so IDs
//!   handed out from the high-water mark write nothing. Entries are not removed when their IDs
//!   are reused, so the tree holds every range that ever had a deleted ID.
//! - **Pages.** Page 0 is the meta page, pages 1 and 2 the two alternating state pages, page 3
//!   the first root (a leaf), page 4 the free-list page allocated at creation: an empty `.id`
//!   file is 5 pages, 40 KiB. A tree node's header is 82 bytes (type bytes, generation, key count
//!   and three generation-safe pointer pairs of 24 bytes), so a leaf holds
//!   (8192 − 82) / 64 = 126 entries and an internal node (8192 − 82 − 24) / (8 + 24) + 1 = 253
//!   children.
//!
//! *Approximations* (memsim's): ranges are written in ascending order, and a full node splits at
//! its middle with the left half never refilled, so every node but the rightmost of a level is
//! half full; once the tree has entries, the creation root is replaced by copy-on-write and stays
//! on the free list (one page); pages freed by later copy-on-write are reused, so they add nothing
//! (Neo4j reuses them after the next checkpoint; a tree rewritten at every checkpoint holds a few
//! more).

use crate::cache::PAGE_BYTES;

/// IDs per tree entry (`IndexedIdGenerator.IDS_PER_ENTRY`).
pub const IDS_PER_ENTRY: u64 = 128;
/// Bytes per entry: 8-byte key, 8-byte generation, three 128-bit bit-sets.
pub const ENTRY_BYTES: u64 = 8 + 8 + 3 * (IDS_PER_ENTRY / 8);
/// A tree node's header (`TreeNode`'s base header: 1 + 1 + 4 + 4 bytes and three 24-byte
/// generation-safe pointer pairs).
pub const NODE_HEADER_BYTES: u64 = 10 + 3 * POINTER_PAIR_BYTES;
/// A generation-safe pointer pair: two (4-byte generation, 6-byte page id, 2-byte checksum).
pub const POINTER_PAIR_BYTES: u64 = 24;
/// Entries in a leaf.
pub const LEAF_ENTRIES_MAX: u64 = (PAGE_BYTES - NODE_HEADER_BYTES) / ENTRY_BYTES;
/// Children of an internal node (8-byte keys between 24-byte child pointers).
pub const INTERNAL_CHILDREN_MAX: u64 =
    (PAGE_BYTES - NODE_HEADER_BYTES - POINTER_PAIR_BYTES) / (8 + POINTER_PAIR_BYTES) + 1;
/// Pages outside the tree's nodes: the meta page, two state pages and the free-list page.
pub const FIXED_PAGES: u64 = 4;
/// Pages of an empty ID file (fixed pages and the empty root leaf).
pub const EMPTY_FILE_PAGES: u64 = FIXED_PAGES + 1;

/// Nodes on one level holding `items` when a node holds at most `max` and splits in half
/// (module docs): all but the last hold `(max + 1) / 2`.
fn level_nodes(items: u64, max: u64) -> u64 {
    if items <= max {
        1
    } else {
        1 + (items - max).div_ceil(max.div_ceil(2))
    }
}

/// Tree nodes (leaves and internal nodes) holding `entries` entries.
pub fn tree_nodes(entries: u64) -> u64 {
    gbptree_nodes(entries, LEAF_ENTRIES_MAX, INTERNAL_CHILDREN_MAX)
}

/// Nodes of a GBPTree with fixed-size entries holding `entries`, at most `leaf_max` a leaf and
/// `internal_max` children an internal node, grown by ascending inserts (module docs).
pub fn gbptree_nodes(entries: u64, leaf_max: u64, internal_max: u64) -> u64 {
    let mut level = level_nodes(entries, leaf_max);
    let mut nodes = level;
    while level > 1 {
        level = level_nodes(level, internal_max);
        nodes += level;
    }
    nodes
}

/// Pages of an ID file whose tree holds `entries` entries (module docs).
pub fn file_pages(entries: u64) -> u64 {
    if entries == 0 {
        EMPTY_FILE_PAGES
    } else {
        FIXED_PAGES + tree_nodes(entries) + 1
    }
}

/// Bytes of an ID file whose tree holds `entries` entries.
pub fn file_bytes(entries: u64) -> u64 {
    file_pages(entries) * PAGE_BYTES
}

/// The tree entry (range index) of `id`.
pub fn range_of(id: u64) -> u64 {
    id / IDS_PER_ENTRY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_figures_from_the_sources() {
        assert_eq!(ENTRY_BYTES, 64);
        assert_eq!(NODE_HEADER_BYTES, 82);
        assert_eq!(LEAF_ENTRIES_MAX, 126);
        assert_eq!(INTERNAL_CHILDREN_MAX, 253);
        assert_eq!(file_bytes(0), 40 * 1024, "an empty .id file is 5 pages");
    }

    #[test]
    fn trees_grow_by_half_full_nodes() {
        assert_eq!(tree_nodes(1), 1);
        assert_eq!(tree_nodes(126), 1);
        // 127 entries: two leaves (63 + 64) under a root.
        assert_eq!(tree_nodes(127), 3);
        assert_eq!(tree_nodes(189), 3, "63 + 126");
        assert_eq!(tree_nodes(190), 4, "63 + 63 + 64 and the root");
        // 100 000 deleted IDs: 782 ranges, 12 leaves and a root; 4 fixed pages and the old root.
        assert_eq!(range_of(99_999) + 1, 782);
        assert_eq!(file_pages(782), 4 + 13 + 1);
        // Enough leaves for a second internal level.
        let leaves = 254;
        let entries = LEAF_ENTRIES_MAX + (leaves - 1) * 63;
        assert_eq!(level_nodes(entries, LEAF_ENTRIES_MAX), leaves);
        assert_eq!(tree_nodes(entries), leaves + 2 + 1);
    }
}
