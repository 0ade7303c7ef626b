//! Mapped files: ids, the binding word, translation tables, latches and the simulated disk.

use std::collections::BTreeMap;
use std::fmt;

use super::{FILE_PAGES_MAX, TABLE_CHUNK};
use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::{Arc, Mutex, RwLock};

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
    // Chunks of TABLE_CHUNK entries: 0 = not cached, otherwise frame index + 1.
    // Invariant: chunks cover at least n_pages entries.
    pub(super) table: RwLock<Vec<Box<[AtomicU32]>>>,
    pub(super) latches: Box<[Mutex<()>]>,
    // Stamps on "disk"; a page never written holds 0.
    pub(super) disk: Mutex<BTreeMap<u64, u64>>,
}

impl FileInner {
    pub(super) fn lookup(&self, page_idx: u64) -> Option<u32> {
        let table = self.table.read();
        let chunk = table.get((page_idx / TABLE_CHUNK) as usize)?;
        match chunk[(page_idx % TABLE_CHUNK) as usize].load(Ordering::Acquire) {
            0 => None,
            f => Some(f - 1),
        }
    }

    /// Binds `page_idx` to `frame_idx` in the table; only the holder of the page's latch does this.
    pub(super) fn publish(&self, page_idx: u64, frame_idx: u32) {
        let table = self.table.read();
        let entry = &table[(page_idx / TABLE_CHUNK) as usize][(page_idx % TABLE_CHUNK) as usize];
        let prev = entry.swap(frame_idx + 1, Ordering::AcqRel);
        assert_eq!(
            prev, 0,
            "page {page_idx} of {:?} faulted while already cached (in frame {})",
            self.id, prev
        );
    }

    /// Unbinds `page_idx` from `frame_idx`; only the frame's exclusive holder does this.
    pub(super) fn unpublish(&self, page_idx: u64, frame_idx: u32) {
        let table = self.table.read();
        let entry = &table[(page_idx / TABLE_CHUNK) as usize][(page_idx % TABLE_CHUNK) as usize];
        let prev = entry.swap(0, Ordering::AcqRel);
        assert_eq!(
            prev,
            frame_idx + 1,
            "evicting frame {frame_idx} found page {page_idx} of {:?} bound elsewhere",
            self.id
        );
    }

    pub(super) fn grow_to(&self, n_pages: u64) {
        if self.n_pages.load(Ordering::Acquire) >= n_pages {
            return;
        }
        let mut table = self.table.write();
        while (table.len() as u64) * TABLE_CHUNK < n_pages {
            table.push((0..TABLE_CHUNK).map(|_| AtomicU32::new(0)).collect());
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
