//! The `[page_cache]` table: the database page cache's size, checked against the page-by-page
//! model's bounds (one 8 KiB page to 1 TiB), or left to Neo4j's heuristic.

use super::fields::nonzero_size;
use super::human::human_size;
use super::limits::{GIB, KIB};
use crate::keys;
use crate::model::PageCacheSettings;
use crate::reader::{Ctx, Tab};

pub(super) fn read_page_cache(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> Option<PageCacheSettings> {
    let t = root.sub_table(
        cx,
        "page_cache",
        "a table: `[page_cache]` on a line of its own",
    )?;
    t.check_keys(cx, keys::PAGE_CACHE);
    let size = nonzero_size(
        cx,
        &t,
        "size",
        "remove the key to let the page cache size follow Neo4j's heuristic",
    )
    .and_then(|(v, span)| {
        // Neo4j's 8 KiB pages; the model builds at most 2^27 page frames (memsim_pagecache's
        // FRAMES_MAX), allocating the host's copy of a frame only once a page is read into it.
        const MAX_PAGE_CACHE: u64 = 1024 * GIB;
        if !(8 * KIB..=MAX_PAGE_CACHE).contains(&v) {
            cx.err(
                "page_cache.size",
                span,
                format!(
                    "`page_cache.size` ({}) is out of range: it must be between 8k (one page) and 1t",
                    human_size(v)
                ),
                Some("memsim models the page cache page by page (8 KiB pages), up to 1 TiB; remove the key for Neo4j's heuristic".into()),
            );
            return None;
        }
        Some(v)
    });
    Some(PageCacheSettings { size })
}
