//! Record stores and their ID files: Neo4j's record storage engine as sizes and IDs.
//!
//! Sources: `shared/reference/neo4j-page-cache-and-store.md` ("Record sizes", "ID files and reuse"),
//! which cites Neo4j's `*RecordFormat` sources and the operations manual's `space-reuse.adoc`.
//!
//! - **Record sizes** (standard and aligned formats, bytes): node 15, relationship 34, property 41
//!   (in-use byte, two 4-byte pointers, four 8-byte blocks), relationship group 25, label token 5,
//!   relationship-type token 5, property-key token 9, dynamic string and array records 128 (120 data
//!   bytes plus a header).
//! - **Pages.** Records never cross an 8 KiB page: records per page = 8192 / record size (node 546,
//!   relationship 240, property 199, group 327, dynamic 64, label token 1638). The *standard* format's
//!   file page is those records back to back (`records_per_page × record size`, e.g. 8190 B for nodes:
//!   "a file's page size is a whole multiple of the record size"); the *aligned* format pads each file
//!   page to 8192 B so file pages line up with cache pages.
//! - **Growth.** A store file grows page by page as its high-water ID grows, and never shrinks:
//!   deletes are logical (the record is marked unused).
//! - **ID files.** A deleted record's ID is buffered in memory until every transaction that overlapped
//!   the delete has finished, then becomes reusable; reusable IDs are handed out (lowest first) before
//!   the high-water mark grows, so a store stops growing while it has free IDs. Buffered and reusable
//!   IDs are written to the store's `.id` file at checkpoint.
//! - **`.id` files** are Neo4j 4.x's: a GBPTree of 128-ID ranges ([`crate::idtree`]), 40 KiB when
//!   empty, growing with the ranges that ever had a deleted ID (marked when the delete commits,
//!   on disk from the next checkpoint), never shrinking. (3.x wrote one long per free ID.)
//!
//! *Approximations*, each stated where it is used: dynamic stores reserve ID 0 (their block-size
//! header record), as does the relationship group store (its header record). The files memsim
//! does not model record by record (metadata, counts, label scan, schema, token names) are in
//! [`crate::files`].

use std::collections::{BTreeSet, VecDeque};
use std::fmt;

use crate::cache::PAGE_BYTES;
use crate::idtree;

/// The record format (`db.format`; `block` is not modelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum RecordFormat {
    /// Records back to back; file pages are `records_per_page × record size` bytes.
    Standard,
    /// Standard plus padding so every file page is 8 KiB (default for new databases before 5.22).
    #[default]
    Aligned,
}

impl RecordFormat {
    /// Records in one page: `8192 / record_bytes` in both formats.
    pub fn records_per_page(self, record_bytes: u64) -> u64 {
        PAGE_BYTES / record_bytes
    }

    /// The store file's page size.
    pub fn file_page_bytes(self, record_bytes: u64) -> u64 {
        match self {
            RecordFormat::Standard => self.records_per_page(record_bytes) * record_bytes,
            RecordFormat::Aligned => PAGE_BYTES,
        }
    }
}

impl fmt::Display for RecordFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordFormat::Standard => "standard",
            RecordFormat::Aligned => "aligned",
        })
    }
}

/// One record store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoreKind {
    /// `neostore.nodestore.db`.
    Node,
    /// `neostore.relationshipstore.db`.
    Relationship,
    /// `neostore.propertystore.db`.
    Property,
    /// `neostore.relationshipgroupstore.db`: one record per relationship type of a dense node.
    RelationshipGroup,
    /// `neostore.labeltokenstore.db`.
    LabelToken,
    /// `neostore.relationshiptypestore.db`.
    RelationshipTypeToken,
    /// `neostore.propertystore.db.index`.
    PropertyKeyToken,
    /// `neostore.propertystore.db.strings`: long string values, 120 data bytes per record.
    DynamicString,
    /// `neostore.propertystore.db.arrays`: long array values (and, approximately, label lists too
    /// long to inline in the node record).
    DynamicArray,
}

impl StoreKind {
    /// Every store, in report order.
    pub const ALL: [StoreKind; 9] = [
        StoreKind::Node,
        StoreKind::Relationship,
        StoreKind::Property,
        StoreKind::RelationshipGroup,
        StoreKind::LabelToken,
        StoreKind::RelationshipTypeToken,
        StoreKind::PropertyKeyToken,
        StoreKind::DynamicString,
        StoreKind::DynamicArray,
    ];

    /// Record size in the standard and aligned formats (the reference's table).
    pub fn record_bytes(self) -> u64 {
        match self {
            StoreKind::Node => 15,
            StoreKind::Relationship => 34,
            StoreKind::Property => 41,
            StoreKind::RelationshipGroup => 25,
            StoreKind::LabelToken | StoreKind::RelationshipTypeToken => 5,
            StoreKind::PropertyKeyToken => 9,
            StoreKind::DynamicString | StoreKind::DynamicArray => 128,
        }
    }

    /// The store file's name.
    pub fn file_name(self) -> &'static str {
        match self {
            StoreKind::Node => "neostore.nodestore.db",
            StoreKind::Relationship => "neostore.relationshipstore.db",
            StoreKind::Property => "neostore.propertystore.db",
            StoreKind::RelationshipGroup => "neostore.relationshipgroupstore.db",
            StoreKind::LabelToken => "neostore.labeltokenstore.db",
            StoreKind::RelationshipTypeToken => "neostore.relationshiptypestore.db",
            StoreKind::PropertyKeyToken => "neostore.propertystore.db.index",
            StoreKind::DynamicString => "neostore.propertystore.db.strings",
            StoreKind::DynamicArray => "neostore.propertystore.db.arrays",
        }
    }

    /// Low IDs reserved for a header record (*approximation*: dynamic stores keep their block size in
    /// record 0, the group store its header; the others reserve none).
    pub fn reserved_ids(self) -> u64 {
        match self {
            StoreKind::DynamicString | StoreKind::DynamicArray | StoreKind::RelationshipGroup => 1,
            _ => 0,
        }
    }

    /// Dense index for per-store arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// The ID generator of one store and its `.id` file.
#[derive(Debug, Clone)]
pub struct IdGenerator {
    // Next never-used ID; only grows. Invariant: every handed-out ID is below it.
    high_id: u64,
    // Free now, handed out lowest first. Invariant: all below high_id, disjoint from buffered.
    reusable: BTreeSet<u64>,
    // (commit sequence of the deleting transaction, IDs it freed), oldest first.
    buffered: VecDeque<(u64, Vec<u64>)>,
    n_buffered: u64,
    // Free IDs written at the last checkpoint, and the file's size (never shrinks).
    id_file_entries: u64,
    id_file_bytes: u64,
    // Tree entries (128-ID ranges) that ever had a deleted ID, and how many the file held at the
    // last checkpoint.
    tree_ranges: BTreeSet<u64>,
    id_file_ranges: u64,
}

impl IdGenerator {
    /// A generator whose first `reserved` IDs are taken by header records.
    pub fn new(reserved: u64) -> IdGenerator {
        IdGenerator {
            high_id: reserved,
            reusable: BTreeSet::new(),
            buffered: VecDeque::new(),
            n_buffered: 0,
            id_file_entries: 0,
            id_file_bytes: idtree::file_bytes(0),
            tree_ranges: BTreeSet::new(),
            id_file_ranges: 0,
        }
    }

    /// The next ID: the lowest reusable one, or the high-water mark (which then grows).
    pub fn next_id(&mut self) -> u64 {
        if let Some(id) = self.reusable.pop_first() {
            return id;
        }
        self.high_id += 1;
        self.high_id - 1
    }

    /// Buffers IDs freed by a transaction that committed at `commit_seq`.
    pub fn free(&mut self, ids: Vec<u64>, commit_seq: u64) {
        debug_assert!(ids.iter().all(|&id| id < self.high_id));
        if ids.is_empty() {
            return;
        }
        debug_assert!(self.buffered.back().is_none_or(|(s, _)| *s <= commit_seq));
        self.n_buffered += ids.len() as u64;
        // The commit marks them deleted in the ID tree (`markDeleted` creates their ranges).
        self.tree_ranges
            .extend(ids.iter().map(|&id| idtree::range_of(id)));
        self.buffered.push_back((commit_seq, ids));
    }

    /// Makes reusable every buffered ID whose delete no open transaction overlapped: one freed at
    /// commit `c` waits while a transaction that started before `c` is open. `oldest_open_start` is
    /// the start sequence of the oldest open transaction.
    pub fn release(&mut self, oldest_open_start: Option<u64>) {
        while let Some((commit_seq, _)) = self.buffered.front() {
            if oldest_open_start.is_some_and(|start| start < *commit_seq) {
                break;
            }
            let (_, ids) = self.buffered.pop_front().expect("front exists");
            self.n_buffered -= ids.len() as u64;
            self.reusable.extend(ids);
        }
    }

    /// Writes the ID tree to the `.id` file (the free IDs, buffered and reusable, among its ranges);
    /// returns the file's size, the bytes a checkpoint writes at most (*approximation*: the whole
    /// file).
    pub fn checkpoint(&mut self) -> u64 {
        self.id_file_entries = self.reusable.len() as u64 + self.n_buffered;
        self.id_file_ranges = self.tree_ranges.len() as u64;
        let size = idtree::file_bytes(self.id_file_ranges);
        self.id_file_bytes = self.id_file_bytes.max(size);
        size
    }

    /// The high-water mark: IDs ever handed out (plus reserved ones).
    pub fn high_id(&self) -> u64 {
        self.high_id
    }
    /// IDs free for reuse now.
    pub fn reusable(&self) -> u64 {
        self.reusable.len() as u64
    }
    /// IDs freed but waiting for overlapping transactions.
    pub fn buffered(&self) -> u64 {
        self.n_buffered
    }
    /// Free IDs the `.id` file held at the last checkpoint.
    pub fn id_file_entries(&self) -> u64 {
        self.id_file_entries
    }
    /// The `.id` file's size.
    pub fn id_file_bytes(&self) -> u64 {
        self.id_file_bytes
    }
    /// ID ranges (tree entries) the `.id` file held at the last checkpoint.
    pub fn id_file_ranges(&self) -> u64 {
        self.id_file_ranges
    }
}

/// One record store: which records are in use, its IDs, and its file's size.
#[derive(Debug, Clone)]
pub struct RecordStore {
    kind: StoreKind,
    format: RecordFormat,
    records_per_page: u64,
    file_page_bytes: u64,
    // Bit per ID below ids.high_id().
    in_use: Vec<u64>,
    n_in_use: u64,
    ids: IdGenerator,
    // Pages the file has; only grows. Invariant: covers every ID below ids.high_id().
    file_pages: u64,
}

impl RecordStore {
    /// An empty store (reserved header records make the file start with one page).
    pub fn new(kind: StoreKind, format: RecordFormat) -> RecordStore {
        let record_bytes = kind.record_bytes();
        let mut store = RecordStore {
            kind,
            format,
            records_per_page: format.records_per_page(record_bytes),
            file_page_bytes: format.file_page_bytes(record_bytes),
            in_use: Vec::new(),
            n_in_use: 0,
            ids: IdGenerator::new(kind.reserved_ids()),
            file_pages: 0,
        };
        if kind.reserved_ids() > 0 {
            store.cover(kind.reserved_ids() - 1);
        }
        store
    }

    /// Which store.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }
    /// Its format.
    pub fn format(&self) -> RecordFormat {
        self.format
    }
    /// Records per page.
    pub fn records_per_page(&self) -> u64 {
        self.records_per_page
    }
    /// The file's page size.
    pub fn file_page_bytes(&self) -> u64 {
        self.file_page_bytes
    }
    /// The page holding record `id`.
    pub fn page_of(&self, id: u64) -> u64 {
        id / self.records_per_page
    }

    fn cover(&mut self, id: u64) {
        self.file_pages = self.file_pages.max(self.page_of(id) + 1);
        let words = (self.ids.high_id().max(id + 1)).div_ceil(64) as usize;
        if self.in_use.len() < words {
            self.in_use.resize(words, 0);
        }
    }

    /// Takes an ID (reused first) and marks its record in use; the file grows to cover it.
    pub fn create(&mut self) -> u64 {
        let id = self.ids.next_id();
        self.cover(id);
        let (w, b) = ((id / 64) as usize, id % 64);
        assert!(
            self.in_use[w] & (1 << b) == 0,
            "{}: ID {id} handed out while in use",
            self.kind
        );
        self.in_use[w] |= 1 << b;
        self.n_in_use += 1;
        id
    }

    /// Marks record `id` unused (a logical delete); its ID is freed when the caller commits.
    pub fn delete(&mut self, id: u64) {
        assert!(
            self.is_in_use(id),
            "{}: deleting unused record {id}",
            self.kind
        );
        self.in_use[(id / 64) as usize] &= !(1 << (id % 64));
        self.n_in_use -= 1;
    }

    /// Whether record `id` is in use.
    pub fn is_in_use(&self, id: u64) -> bool {
        self.in_use
            .get((id / 64) as usize)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Records in use.
    pub fn n_in_use(&self) -> u64 {
        self.n_in_use
    }
    /// The ID generator.
    pub fn ids(&self) -> &IdGenerator {
        &self.ids
    }
    /// The ID generator, mutably.
    pub fn ids_mut(&mut self) -> &mut IdGenerator {
        &mut self.ids
    }
    /// Pages in the file.
    pub fn file_pages(&self) -> u64 {
        self.file_pages
    }
    /// The file's size: whole file pages, never shrinking.
    pub fn file_bytes(&self) -> u64 {
        self.file_pages * self.file_page_bytes
    }

    /// Checks the store's bookkeeping.
    ///
    /// # Errors
    /// A message naming the broken invariant: the in-use count disagrees with the bitmap, an ID at
    /// or above the high-water mark is in use, a reusable or buffered ID is in use, or the file does
    /// not cover the high-water mark.
    pub fn check_invariants(&self) -> Result<(), String> {
        let counted: u64 = self.in_use.iter().map(|w| w.count_ones() as u64).sum();
        if counted != self.n_in_use {
            return Err(format!(
                "{}: {counted} in use, counter {}",
                self.kind, self.n_in_use
            ));
        }
        let high = self.ids.high_id();
        if (high..self.in_use.len() as u64 * 64).any(|id| self.is_in_use(id)) {
            return Err(format!(
                "{}: in-use record at or above high id {high}",
                self.kind
            ));
        }
        let free = self
            .ids
            .reusable
            .iter()
            .chain(self.ids.buffered.iter().flat_map(|(_, v)| v.iter()));
        for &id in free {
            if self.is_in_use(id) || id >= high {
                return Err(format!(
                    "{}: free ID {id} in use or above {high}",
                    self.kind
                ));
            }
        }
        if high > 0 && self.file_pages < self.page_of(high - 1) + 1 {
            return Err(format!("{}: file does not cover high id {high}", self.kind));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_per_page_and_file_pages() {
        let f = RecordFormat::Aligned;
        let rpp: Vec<u64> = [
            StoreKind::Node,
            StoreKind::Relationship,
            StoreKind::Property,
            StoreKind::RelationshipGroup,
            StoreKind::DynamicString,
            StoreKind::LabelToken,
        ]
        .iter()
        .map(|k| f.records_per_page(k.record_bytes()))
        .collect();
        assert_eq!(rpp, [546, 240, 199, 327, 64, 1638]);
        assert_eq!(RecordFormat::Standard.file_page_bytes(15), 8190);
        assert_eq!(RecordFormat::Standard.file_page_bytes(41), 8159);
        assert_eq!(RecordFormat::Aligned.file_page_bytes(41), 8192);
    }

    #[test]
    fn store_grows_by_pages_and_never_shrinks() {
        let mut s = RecordStore::new(StoreKind::Node, RecordFormat::Aligned);
        assert_eq!(s.file_bytes(), 0);
        let ids: Vec<u64> = (0..547).map(|_| s.create()).collect();
        assert_eq!(s.file_pages(), 2);
        for &id in &ids {
            s.delete(id);
        }
        s.ids_mut().free(ids, 1);
        s.ids_mut().release(None);
        assert_eq!(s.file_bytes(), 2 * 8192);
        assert_eq!(s.ids().reusable(), 547);
        assert_eq!(s.create(), 0, "lowest free ID first");
        assert_eq!(s.ids().high_id(), 547);
        s.check_invariants().unwrap();
        let dynamic = RecordStore::new(StoreKind::DynamicString, RecordFormat::Standard);
        assert_eq!(dynamic.file_bytes(), 64 * 128, "header record takes a page");
    }

    #[test]
    fn freed_ids_wait_for_overlapping_transactions() {
        let mut ids = IdGenerator::new(0);
        let a = ids.next_id();
        let b = ids.next_id();
        // A transaction started at sequence 5 is open when the delete commits at 7.
        ids.free(vec![a, b], 7);
        ids.release(Some(5));
        assert_eq!((ids.reusable(), ids.buffered()), (0, 2));
        assert_eq!(ids.next_id(), 2, "buffered IDs are not handed out");
        // One that started after the commit does not hold them back.
        ids.release(Some(8));
        assert_eq!((ids.reusable(), ids.buffered()), (2, 0));
        assert_eq!(
            ids.checkpoint(),
            8192 * 6,
            "an empty tree's 5 pages, and the creation root kept on the free list"
        );
        assert_eq!(ids.id_file_ranges(), 1, "IDs 0 and 1 share a 128-ID range");
        for _ in 0..2000 {
            ids.next_id(); // 0 and 1 reused, then 3..2001
        }
        ids.free((3..2001).collect(), 9);
        // 16 ranges fit one leaf.
        assert_eq!(ids.checkpoint(), 8192 * 6);
        assert_eq!(ids.id_file_ranges(), 16);
        ids.release(None);
        for _ in 0..1998 {
            ids.next_id();
        }
        assert_eq!(ids.high_id(), 2001);
        ids.checkpoint();
        assert_eq!(ids.id_file_entries(), 0);
        assert_eq!(ids.id_file_ranges(), 16, "reused IDs keep their ranges");
        assert_eq!(ids.id_file_bytes(), 8192 * 6, "the .id file keeps its size");
    }
}
