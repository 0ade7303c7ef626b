//! Transactions: what one does ([`Tx`]), where its state must fit ([`StateGate`]), an open
//! reader ([`TxHandle`]), its change counts, and [`Database::run_tx`].

use memsim_core::SimTime;

use crate::store::StoreKind;
use crate::txlog::ChangeOp;
use crate::txlog::DYNAMIC_DATA_BYTES;
use crate::txlog::RecordChange;
use crate::txlog::command_bytes;

use super::Database;
use super::config::NodeSpec;
use super::config::PropValue;
use super::config::TxStateCosts;
use super::event::DbError;
use super::graph::PropChain;
use super::report::TxSummary;
/// Where a transaction's state must fit besides `db.memory.transaction.max` ([`Database::run_tx`]):
/// asked once per transaction, with its state's bytes, before it changes anything. Closures
/// `FnMut(u64) -> Result<(), String>` are gates; the `Err` text is the reason.
pub trait StateGate {
    /// Takes `state_bytes` of transaction state, or refuses with a reason.
    ///
    /// # Errors
    /// The reason the state does not fit (the transaction is rolled back).
    fn admit(&mut self, state_bytes: u64) -> Result<(), String>;
}

impl<F: FnMut(u64) -> Result<(), String>> StateGate for F {
    fn admit(&mut self, state_bytes: u64) -> Result<(), String> {
        self(state_bytes)
    }
}

/// The gate of the plain operations: state is only held to `db.memory.transaction.max`.
pub(super) struct AdmitAll;

impl StateGate for AdmitAll {
    fn admit(&mut self, _: u64) -> Result<(), String> {
        Ok(())
    }
}

/// One transaction for [`Database::run_tx`], as the plain operations take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tx<'a> {
    /// [`Database::create_nodes`].
    CreateNodes {
        /// Nodes.
        n: u64,
        /// Labels per node.
        labels: u32,
        /// Small properties per node.
        properties: u32,
    },
    /// [`Database::create_relationships`].
    CreateRelationships {
        /// End nodes of each relationship.
        pairs: &'a [(u64, u64)],
        /// Its type.
        rel_type: u32,
        /// Small properties per relationship.
        properties: u32,
    },
    /// [`Database::update_nodes`].
    Update {
        /// The nodes.
        ids: &'a [u64],
    },
    /// [`Database::delete_nodes`].
    Delete {
        /// The nodes.
        ids: &'a [u64],
        /// DETACH DELETE.
        detach: bool,
    },
    /// [`Database::delete_all_nodes`].
    DeleteAll,
}

/// An open transaction from [`Database::open_transaction`].
#[must_use = "close it with close_transaction, or freed IDs stay buffered"]
#[derive(Debug, PartialEq, Eq)]
pub struct TxHandle(pub(super) u64);

/// Counts of one transaction's changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct TxAccount {
    pub(super) records: u64,
    pub(super) log_bytes: u64,
    pub(super) state_bytes: u64,
}

impl TxAccount {
    pub(super) fn add(&mut self, change: RecordChange, costs: &TxStateCosts) {
        self.records += 1;
        self.log_bytes += command_bytes(&change);
        self.state_bytes += costs.of(change.kind);
    }

    pub(super) fn plain(&mut self, kind: StoreKind, op: ChangeOp, costs: &TxStateCosts) {
        self.add(RecordChange::plain(kind, op), costs);
    }

    pub(super) fn prop_chain(&mut self, chain: &PropChain, op: ChangeOp, costs: &TxStateCosts) {
        for &(_, blocks, longs) in &chain.records {
            self.add(
                RecordChange {
                    kind: StoreKind::Property,
                    op,
                    blocks,
                    payload: longs,
                },
                costs,
            );
        }
        for &(kind, _) in &chain.dynamic {
            self.add(
                RecordChange {
                    kind,
                    op,
                    blocks: 0,
                    payload: DYNAMIC_DATA_BYTES as u8,
                },
                costs,
            );
        }
    }
}

impl Database {
    /// Runs `tx` as one transaction whose state must also be admitted by `gate` (the caller's home
    /// for it, e.g. the Java heap), after planning and before any change: all of it, or for a state
    /// over `db.memory.transaction.max` the limit's worth (what it builds before it is
    /// terminated). A refusal rolls the transaction back ([`DbError::StateRejected`]), the database
    /// unchanged. What the gate admitted is the caller's to release: on success when the
    /// transaction ends, on [`DbError::Terminated`] at once.
    ///
    /// # Errors
    /// As the operation's own method, and [`DbError::StateRejected`].
    pub fn run_tx(
        &mut self,
        now: SimTime,
        tx: Tx<'_>,
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        match tx {
            Tx::CreateNodes {
                n,
                labels,
                properties,
            } => {
                let spec = NodeSpec {
                    labels,
                    props: vec![PropValue::Int; properties as usize],
                };
                self.create_nodes_gated(now, n, &spec, gate)
            }
            Tx::CreateRelationships {
                pairs,
                rel_type,
                properties,
            } => self.create_relationships_gated(now, pairs, rel_type, properties, gate),
            Tx::Update { ids } => self.update_nodes_gated(now, ids, gate),
            Tx::Delete { ids, detach } => self.delete_nodes_gated(now, ids, detach, gate),
            Tx::DeleteAll => {
                let ids: Vec<u64> = self.node_ids().collect();
                self.delete_nodes_gated(now, &ids, true, gate)
            }
        }
    }
}
