//! Mapped files: ids, the binding word, translation tables, latches and the simulated disk.
//!
//! A translation table is a vector of chunks of `TABLE_CHUNK` entries, and a chunk exists only while
//! one of its pages is cached: it is allocated when a page of it is first published and freed when
//! the file next grows and finds it empty. A file that keeps growing while it is read (the store
//! data `Database::warm` streams through the cache) then costs host memory for the pages cached,
//! not for every page ever read. Absent chunks read as "not cached", exactly as zero entries did.

use std::collections::BTreeMap;
use std::fmt;

use super::{FILE_PAGES_MAX, TABLE_CHUNK};
use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::{Arc, Mutex, RwLock, StatCounter};

/// Identifies a mapped file (the caller's numbering; at most [`FILE_ID_MAX`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

pub(super) fn bind(file: FileId, page_idx: u64) -> u64 {
    ((file.0 as u64 + 1) << 40) | page_idx
}

pub(super) fn unbind(binding: u64) -> Option<(FileId, u64)> {
    (binding != 0).then(|| {
        (
            FileId((binding >> 40) as u32 - 1),
            binding & (FILE_PAGES_MAX - 1),
        )
    })
}

pub(super) struct FileInner {
    pub(super) id: FileId,
    pub(super) file_page_bytes: u64,
    // The file's length in pages; only grows.
    pub(super) n_pages: AtomicU64,
    // Chunks of TABLE_CHUNK entries: 0 = not cached, otherwise frame index + 1; `None`: all 0.
    // Invariant: the vector covers at least n_pages entries.
    pub(super) table: RwLock<Vec<Option<TableChunk>>>,
    pub(super) latches: Box<[Mutex<()>]>,
    // Stamps on "disk"; a page never written holds 0.
    pub(super) disk: Mutex<BTreeMap<u64, u64>>,
}

/// `TABLE_CHUNK` entries of a translation table, and how many of them are bound.
pub(super) struct TableChunk {
    pub(super) entries: Box<[AtomicU32]>,
    // Entries that are not 0. Changed under the table's read lock by the entry's owner; read only
    // under its write lock, to free the chunk (so a plain counter, not a modelled atomic).
    bound: StatCounter,
}

impl TableChunk {
    fn new() -> TableChunk {
        TableChunk {
            entries: (0..TABLE_CHUNK).map(|_| AtomicU32::new(0)).collect(),
            bound: StatCounter::default(),
        }
    }

    /// Entries bound, by the chunk's own count (checked against the entries at quiescent points).
    pub(super) fn bound(&self) -> u64 {
        self.bound.get()
    }

    fn entry(&self, page_idx: u64) -> &AtomicU32 {
        &self.entries[(page_idx % TABLE_CHUNK) as usize]
    }
}

impl FileInner {
    fn chunk_of(page_idx: u64) -> usize {
        (page_idx / TABLE_CHUNK) as usize
    }

    pub(super) fn lookup(&self, page_idx: u64) -> Option<u32> {
        let table = self.table.read();
        let chunk = table.get(Self::chunk_of(page_idx))?.as_ref()?;
        match chunk.entry(page_idx).load(Ordering::Acquire) {
            0 => None,
            f => Some(f - 1),
        }
    }

    /// Binds `page_idx` to `frame_idx` in the table; only the holder of the page's latch does this.
    pub(super) fn publish(&self, page_idx: u64, frame_idx: u32) {
        let c = Self::chunk_of(page_idx);
        {
            let table = self.table.read();
            if let Some(chunk) = &table[c] {
                return self.bind_entry(chunk, page_idx, frame_idx);
            }
        }
        // The first cached page of its chunk: allocate the chunk (another thread may have).
        let mut table = self.table.write();
        let chunk = table[c].get_or_insert_with(TableChunk::new);
        self.bind_entry(chunk, page_idx, frame_idx);
    }

    fn bind_entry(&self, chunk: &TableChunk, page_idx: u64, frame_idx: u32) {
        let prev = chunk.entry(page_idx).swap(frame_idx + 1, Ordering::AcqRel);
        assert_eq!(
            prev, 0,
            "page {page_idx} of {:?} faulted while already cached (in frame {})",
            self.id, prev
        );
        chunk.bound.add(1);
    }

    /// Unbinds `page_idx` from `frame_idx`; only the frame's exclusive holder does this.
    pub(super) fn unpublish(&self, page_idx: u64, frame_idx: u32) {
        let table = self.table.read();
        let chunk = table[Self::chunk_of(page_idx)]
            .as_ref()
            .expect("a bound page's table chunk exists");
        let prev = chunk.entry(page_idx).swap(0, Ordering::AcqRel);
        assert_eq!(
            prev,
            frame_idx + 1,
            "evicting frame {frame_idx} found page {page_idx} of {:?} bound elsewhere",
            self.id
        );
        chunk.bound.sub(1);
    }

    /// Grows the file to `n_pages`, and frees the table chunks that no longer hold a cached page
    /// (under the write lock: no pin, fault or eviction is inside the table meanwhile).
    pub(super) fn grow_to(&self, n_pages: u64) {
        if self.n_pages.load(Ordering::Acquire) >= n_pages {
            return;
        }
        let mut table = self.table.write();
        for slot in table.iter_mut() {
            if slot.as_ref().is_some_and(|c| c.bound.get() == 0) {
                *slot = None;
            }
        }
        let chunks = n_pages.div_ceil(TABLE_CHUNK) as usize;
        if table.len() < chunks {
            table.resize_with(chunks, || None);
        }
        self.n_pages.fetch_max(n_pages, Ordering::AcqRel);
    }

    pub(super) fn disk_stamp(&self, page_idx: u64) -> u64 {
        self.disk.lock().get(&page_idx).copied().unwrap_or(0)
    }

    pub(super) fn write_disk(&self, page_idx: u64, stamp: u64) {
        let mut disk = self.disk.lock();
        if stamp == 0 {
            disk.remove(&page_idx);
        } else {
            disk.insert(page_idx, stamp);
        }
    }
}

/// A file mapped into the cache ([`MuninnPageCache::map_file`]); cheap to clone.
#[derive(Clone)]
pub struct PagedFile(pub(super) Arc<FileInner>);

impl fmt::Debug for PagedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagedFile")
            .field("id", &self.0.id)
            .field("file_page_bytes", &self.0.file_page_bytes)
            .field("n_pages", &self.n_pages())
            .finish()
    }
}

impl PagedFile {
    /// The file's id.
    pub fn id(&self) -> FileId {
        self.0.id
    }
    /// Its file page size.
    pub fn file_page_bytes(&self) -> u64 {
        self.0.file_page_bytes
    }
    /// Its length in pages.
    pub fn n_pages(&self) -> u64 {
        self.0.n_pages.load(Ordering::Acquire)
    }
    /// Grows the file to at least `n_pages` (data already on disk, not cached; files never shrink).
    pub fn grow_to(&self, n_pages: u64) {
        self.0.grow_to(n_pages.min(FILE_PAGES_MAX));
    }
}
