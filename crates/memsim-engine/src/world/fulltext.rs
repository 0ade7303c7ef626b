//! The database's full-text (Lucene) indexes in the world: files memory-mapped outside the page
//! cache (`memsim_pagecache::fulltext` has the facts and sources), which the kernel model sees as
//! mapped file pages — charged to the container as read, reclaimable (cold pages first), in the
//! working set only for their hot part.
//!
//! The `Mapped files` account carries them beside a phase's own `mapped_files`: reserved is every
//! index byte (Lucene maps each file whole when a reader opens it), committed what queries and
//! writes have read in, resident what reclaim leaves (`world/limit.rs`).

use memsim_pagecache::FulltextIndex;
use memsim_scenario::Scenario;

use super::World;

/// The full-text indexes a scenario's `[database]` declares (`fulltext_index`, `fulltext_hot`,
/// `fulltext_per_node`), or `None` when it declares none.
pub(super) fn of(s: &Scenario) -> Option<FulltextIndex> {
    let d = s.database.as_ref()?;
    if d.fulltext_index.is_none() && d.fulltext_per_node.is_none() {
        return None;
    }
    Some(FulltextIndex::new(
        d.fulltext_index.unwrap_or(0),
        // Unset: everything queries read stays in use (the working set's upper bound).
        d.fulltext_hot.unwrap_or(1.0),
        d.fulltext_per_node.unwrap_or(0),
    ))
}

impl World<'_> {
    /// Phase `p`'s queries have read their `fulltext_read` share of the indexes in proportion to
    /// the phase's elapsed time (`elapsed_share`, 0 to 1).
    pub(super) fn fulltext_read(&mut self, p: u32, elapsed_share: f64) {
        let read = self.phase(p).fulltext_read;
        if let Some(ix) = self.fulltext.as_mut()
            && read > 0.0
        {
            ix.read_to(read * elapsed_share);
        }
    }

    /// `nodes` created nodes were indexed at their transaction's commit: their new segments'
    /// pages are written (dirty until written back).
    pub(super) fn fulltext_index_nodes(&mut self, nodes: u64) {
        if let Some(ix) = self.fulltext.as_mut() {
            let written = ix.index_nodes(nodes);
            self.newly_dirty = self.newly_dirty.saturating_add(written);
        }
    }

    /// `(mapped, read in, hot)` bytes of the indexes (all 0 without any).
    pub(super) fn fulltext_bytes(&self) -> (u64, u64, u64) {
        self.fulltext.as_ref().map_or((0, 0, 0), |ix| {
            (ix.mapped_bytes(), ix.read_bytes(), ix.hot_bytes())
        })
    }
}
