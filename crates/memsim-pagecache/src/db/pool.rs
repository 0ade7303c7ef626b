//! The global transaction memory pool: `dbms.memory.transaction.global_max_size` in Neo4j 4.x
//! (`dbms.memory.transaction.total.max` from 5.0), the heap all running transactions' state may
//! take together; 0 = unlimited, 4.x's default (5.x defaults it to 70 % of the heap).
//!
//! A transaction's state is reserved from the pool as it grows and returned when the transaction
//! ends. An allocation that would take the pool over its limit throws Neo4j's
//! `MemoryLimitExceededException` (status `Neo.TransientError.General.MemoryPoolOutOfMemoryError`)
//! and the transaction fails and rolls back: "The allocation of an extra 2.0 MiB would use more
//! than the limit 716.8 MiB. Currently using 715.0 MiB. dbms.memory.transaction.global_max_size
//! threshold reached" (sizes as Neo4j's `ByteUnit.bytesToString` prints them: bytes below 1 KiB,
//! then one decimal in KiB, MiB, GiB, TiB; the wording as Neo4j's errors and knowledge base show
//! it). *Approximation*: memsim reserves a transaction's whole state in one allocation before it
//! changes anything (Neo4j reserves it chunk by chunk, so the failing allocation is the chunk that
//! crosses the limit, after part of the work).

use super::Database;

/// The setting's 4.x name.
pub(super) const POOL_SETTING: &str = "dbms.memory.transaction.global_max_size";

/// `bytes` as Neo4j's `ByteUnit.bytesToString` prints them.
pub(super) fn neo4j_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The message of the `MemoryLimitExceededException` of an allocation of `requested` that a pool
/// of `limit` with `used` taken refuses.
pub(super) fn pool_exceeded_message(requested: u64, limit: u64, used: u64) -> String {
    format!(
        "The allocation of an extra {} would use more than the limit {}. Currently using {}. {POOL_SETTING} threshold reached",
        neo4j_bytes(requested),
        neo4j_bytes(limit),
        neo4j_bytes(used),
    )
}

impl Database {
    /// Transaction state the pool holds now (transactions that committed through
    /// [`Database::run_tx`] and were not released yet).
    pub fn tx_pool_used_bytes(&self) -> u64 {
        self.tx_pool_used_bytes
    }

    /// A transaction from [`Database::run_tx`] ended: its state (its
    /// [`super::TxSummary::tx_state_bytes`]) goes back to the pool.
    pub fn release_tx_memory(&mut self, bytes: u64) {
        self.tx_pool_used_bytes = self.tx_pool_used_bytes.saturating_sub(bytes);
    }

    /// A plain operation's transaction (not [`Database::run_tx`]) ends as it commits: its state
    /// goes back to the pool at once.
    pub(super) fn ended_at_once(
        &mut self,
        r: Result<super::TxSummary, super::DbError>,
    ) -> Result<super::TxSummary, super::DbError> {
        if let Ok(summary) = &r {
            self.release_tx_memory(summary.tx_state_bytes);
        }
        r
    }

    /// Whether the pool can take `bytes` more; the refusal's message otherwise.
    pub(super) fn pool_check(&self, bytes: u64) -> Result<(), String> {
        let limit = self.config.tx_memory_global_max_bytes;
        if limit > 0 && self.tx_pool_used_bytes.saturating_add(bytes) > limit {
            Err(pool_exceeded_message(bytes, limit, self.tx_pool_used_bytes))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_message_as_neo4j_prints_them() {
        assert_eq!(neo4j_bytes(512), "512 B");
        assert_eq!(neo4j_bytes(2 << 20), "2.0 MiB");
        assert_eq!(neo4j_bytes(716 * (1 << 20) + 800 * 1024), "716.8 MiB");
        assert_eq!(neo4j_bytes(5_690_000_000), "5.3 GiB");
        assert_eq!(
            pool_exceeded_message(2 << 20, 716 * (1 << 20) + 800 * 1024, 715 << 20),
            "The allocation of an extra 2.0 MiB would use more than the limit 716.8 MiB. \
             Currently using 715.0 MiB. dbms.memory.transaction.global_max_size threshold reached"
        );
    }
}
