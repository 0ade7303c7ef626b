//! Deletes: `DELETE` and `DETACH DELETE` of nodes, with the survivors' updates and freed IDs.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use memsim_core::SimTime;

use crate::cache::PinMode;
use crate::store::StoreKind;
use crate::txlog::ChangeOp;
use crate::txlog::RecordChange;

use super::Database;
use super::event::DbError;
use super::graph::PropChain;
use super::graph::RelData;
use super::report::TxSummary;
use super::tx::AdmitAll;
use super::tx::StateGate;
use super::tx::TxAccount;
impl Database {
    /// Deletes nodes in one transaction; with `detach` (DETACH DELETE) their relationships too.
    ///
    /// # Errors
    /// [`DbError::NoSuchNode`] for a node that does not exist, [`DbError::NodeHasRelationships`] for
    /// a plain delete of a node with relationships (nothing is changed in either case);
    /// [`DbError::Terminated`] when the state exceeds `db.memory.transaction.max`.
    pub fn delete_nodes(
        &mut self,
        now: SimTime,
        ids: &[u64],
        detach: bool,
    ) -> Result<TxSummary, DbError> {
        let r = self.delete_nodes_gated(now, ids, detach, &mut AdmitAll);
        self.ended_at_once(r)
    }

    pub(super) fn delete_nodes_gated(
        &mut self,
        now: SimTime,
        ids: &[u64],
        detach: bool,
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        let doomed: BTreeSet<u64> = ids.iter().copied().collect();
        let mut doomed_rels = BTreeSet::new();
        for &id in &doomed {
            let node = self.node(id).ok_or(DbError::NoSuchNode(id))?;
            if !detach && !node.rels.is_empty() {
                return Err(DbError::NodeHasRelationships {
                    node: id,
                    n_relationships: node.rels.len() as u64,
                });
            }
            doomed_rels.extend(node.rels.iter().copied());
        }
        let before = self.cache.metrics();
        let costs = self.config.tx_state_costs;
        // Plan.
        let mut acct = TxAccount::default();
        for &r in &doomed_rels {
            let rel = self.rels[r as usize].as_ref().expect("live relationship");
            acct.plain(StoreKind::Relationship, ChangeOp::Delete, &costs);
            acct.prop_chain(&rel.props, ChangeOp::Delete, &costs);
            for (kind, _) in self.survivor_ops(rel, &doomed, &doomed_rels) {
                acct.plain(kind, ChangeOp::Update, &costs);
            }
        }
        for &id in &doomed {
            let node = self.node(id).expect("checked");
            acct.plain(StoreKind::Node, ChangeOp::Delete, &costs);
            acct.prop_chain(&node.props, ChangeOp::Delete, &costs);
            for _ in &node.label_records {
                acct.add(
                    RecordChange {
                        kind: StoreKind::DynamicArray,
                        op: ChangeOp::Delete,
                        blocks: 0,
                        payload: 0,
                    },
                    &costs,
                );
            }
            for _ in &node.groups {
                acct.plain(StoreKind::RelationshipGroup, ChangeOp::Delete, &costs);
            }
        }
        self.check_memory(now, &acct, gate)?;

        // Apply.
        let mut freed = BTreeMap::new();
        for &r in &doomed_rels {
            let rel = self.rels[r as usize].take().expect("live relationship");
            self.delete_record(StoreKind::Relationship, r, &mut freed);
            self.delete_chain(&rel.props, &mut freed);
            for (kind, id) in self.survivor_ops(&rel, &doomed, &doomed_rels) {
                self.touch(kind, id, PinMode::Write);
            }
            for node in [rel.from, rel.to] {
                if let Some(Some(n)) = self.nodes.get_mut(node as usize) {
                    n.rels.remove(&r);
                }
            }
        }
        for &id in &doomed {
            let node = self.nodes[id as usize].take().expect("checked");
            self.label_scan_update(id, node.labels, false);
            self.delete_record(StoreKind::Node, id, &mut freed);
            self.delete_chain(&node.props, &mut freed);
            for &l in &node.label_records {
                self.delete_record(StoreKind::DynamicArray, l, &mut freed);
            }
            for &g in &node.groups {
                self.delete_record(StoreKind::RelationshipGroup, g, &mut freed);
            }
        }
        let summary = self.commit(now, acct, freed);
        self.storm_check(now, &before);
        Ok(summary)
    }

    /// DETACH DELETE of every node (`MATCH (n) DETACH DELETE n`).
    ///
    /// # Errors
    /// As [`Database::delete_nodes`].
    pub fn delete_all_nodes(&mut self, now: SimTime) -> Result<TxSummary, DbError> {
        let ids: Vec<u64> = self.node_ids().collect();
        self.delete_nodes(now, &ids, true)
    }

    /// For a deleted relationship, the records updated at its surviving ends: the end's node record
    /// (or group record, once dense), and one relationship of its remaining chain.
    fn survivor_ops(
        &self,
        rel: &RelData,
        doomed: &BTreeSet<u64>,
        doomed_rels: &BTreeSet<u64>,
    ) -> Vec<(StoreKind, u64)> {
        let mut ops = Vec::new();
        let ends = if rel.from == rel.to {
            vec![rel.from]
        } else {
            vec![rel.from, rel.to]
        };
        for node in ends {
            if doomed.contains(&node) {
                continue;
            }
            let Some(data) = self.node(node) else {
                continue;
            };
            match data.groups.first() {
                Some(&g) => ops.push((StoreKind::RelationshipGroup, g)),
                None => ops.push((StoreKind::Node, node)),
            }
            if let Some(&other) = data.rels.iter().find(|r| !doomed_rels.contains(r)) {
                ops.push((StoreKind::Relationship, other));
            }
        }
        ops
    }

    fn delete_chain(&mut self, chain: &PropChain, freed: &mut BTreeMap<StoreKind, Vec<u64>>) {
        for &(id, _, _) in &chain.records {
            self.delete_record(StoreKind::Property, id, freed);
        }
        for &(kind, id) in &chain.dynamic {
            self.delete_record(kind, id, freed);
        }
    }
}
