//! The pools as the replay drives them ([`ReplayPool`]: Netty's operations on one thread at a
//! time) and reports them (placements and snapshots in the harness's JSON).

use crate::accounting::{DirectAccounting, DirectAllocError};
use crate::netty41::{ArenaMetric, Netty41Pool, Placement};
use crate::netty4118::Netty4118Pool;
use crate::{BufHandle, ThreadKey};
use serde_json::{Value, json};

/// What the replay needs of a modelled allocator. A new version implements it and gets a match
/// arm in `PoolSettings::new_pool`.
pub(crate) trait ReplayPool {
    /// `directBuffer(size, size)` on `thread`: the buffer and where it landed (`None` for size 0).
    fn allocate_placed(
        &mut self,
        acct: &mut DirectAccounting,
        thread: ThreadKey,
        size: u64,
    ) -> Result<Option<(BufHandle, Placement)>, DirectAllocError>;
    /// `release()` of a live buffer.
    fn release(&mut self, acct: &mut DirectAccounting, buf: BufHandle);
    /// `trimCurrentThreadCache()` on `thread`.
    fn trim_thread(&mut self, acct: &mut DirectAccounting, thread: ThreadKey);
    /// `FastThreadLocal.removeAll()` on `thread`, which then ends.
    fn end_thread(&mut self, acct: &mut DirectAccounting, thread: ThreadKey);
    /// A `metrics` line's snapshot, with the version's metric names.
    fn snapshot(&self, label: &str) -> Value;
}

/// Implements [`ReplayPool`] for a pool with the inherent methods of the Netty models.
macro_rules! replay_pool {
    ($pool:ty, $tiny:expr) => {
        impl ReplayPool for $pool {
            fn allocate_placed(
                &mut self,
                acct: &mut DirectAccounting,
                thread: ThreadKey,
                size: u64,
            ) -> Result<Option<(BufHandle, Placement)>, DirectAllocError> {
                <$pool>::allocate_placed(self, acct, thread, size)
            }
            fn release(&mut self, acct: &mut DirectAccounting, buf: BufHandle) {
                <$pool>::release(self, acct, buf)
            }
            fn trim_thread(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
                <$pool>::trim_thread(self, acct, thread)
            }
            fn end_thread(&mut self, acct: &mut DirectAccounting, thread: ThreadKey) {
                <$pool>::end_thread(self, acct, thread)
            }
            fn snapshot(&self, label: &str) -> Value {
                snapshot_json(
                    label,
                    self.used_direct_memory(),
                    self.arena_metrics(),
                    $tiny,
                )
            }
        }
    };
}

replay_pool!(Netty41Pool, true);
replay_pool!(Netty4118Pool, false);

pub(super) fn placement_json(line: usize, id: &str, p: Option<Placement>) -> Value {
    match p {
        Some(p) if p.arena.is_some() => json!({
            "line": line, "id": id, "arena": p.arena, "chunk": p.chunk, "offset": p.offset,
            "normSize": p.norm_size, "huge": p.huge,
        }),
        // The shared empty buffer (size 0), or an unpooled buffer of an allocator without arenas.
        _ => {
            json!({"line": line, "id": id, "arena": null, "chunk": null, "offset": null, "normSize": null, "huge": null})
        }
    }
}

/// A snapshot with `PoolArenaMetric`'s names; the tiny counters only where the version has them.
fn snapshot_json(
    label: &str,
    used_direct_memory: i64,
    metrics: Vec<ArenaMetric>,
    tiny: bool,
) -> Value {
    let arenas: Vec<Value> = metrics
        .into_iter()
        .map(|a| {
            let lists: Vec<Value> = a
                .chunk_lists
                .iter()
                .map(|(name, chunks)| {
                    let chunks: Vec<Value> = chunks
                        .iter()
                        .map(|c| json!({"id": c.id, "usage": c.usage, "freeBytes": c.free_bytes}))
                        .collect();
                    json!({"name": name, "chunks": chunks})
                })
                .collect();
            let mut v = json!({
                "index": a.index,
                "numThreadCaches": a.num_thread_caches,
                "numAllocations": a.allocations.iter().sum::<u64>(),
                "numTinyAllocations": a.allocations[0],
                "numSmallAllocations": a.allocations[1],
                "numNormalAllocations": a.allocations[2],
                "numHugeAllocations": a.allocations[3],
                "numDeallocations": a.deallocations.iter().sum::<u64>(),
                "numTinyDeallocations": a.deallocations[0],
                "numSmallDeallocations": a.deallocations[1],
                "numNormalDeallocations": a.deallocations[2],
                "numHugeDeallocations": a.deallocations[3],
                "numActiveAllocations": a.active_allocations,
                "numActiveBytes": a.active_bytes,
                "chunkLists": lists,
            });
            if !tiny {
                let o = v.as_object_mut().expect("an object");
                for key in ["numTinyAllocations", "numTinyDeallocations"] {
                    o.remove(key);
                }
            }
            v
        })
        .collect();
    json!({"label": label, "usedDirectMemory": used_direct_memory, "directArenas": arenas})
}
