//! Writes that create or rewrite records: node and relationship creation, node updates.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use memsim_core::SimTime;

use crate::cache::PinMode;
use crate::store::StoreKind;
use crate::txlog::ChangeOp;
use crate::txlog::DYNAMIC_DATA_BYTES;
use crate::txlog::RecordChange;

use super::Database;
use super::config::NodeSpec;
use super::config::PropValue;
use super::event::DbError;
use super::graph::NodeData;
use super::graph::RelData;
use super::graph::label_records;
use super::report::TxSummary;
use super::tx::AdmitAll;
use super::tx::StateGate;
use super::tx::TxAccount;
impl Database {
    /// Creates `n` nodes with `labels` labels and `props_per_node` small (integer) properties in one
    /// transaction (`FOREACH (x IN range(1, n) | CREATE (:L {id: x}))`).
    ///
    /// # Errors
    /// [`DbError::Terminated`] when the transaction's state exceeds `db.memory.transaction.max`.
    pub fn create_nodes(
        &mut self,
        now: SimTime,
        n: u64,
        labels: u32,
        props_per_node: u32,
    ) -> Result<TxSummary, DbError> {
        let spec = NodeSpec {
            labels,
            props: vec![PropValue::Int; props_per_node as usize],
        };
        self.create_nodes_with(now, n, &spec)
    }

    /// Creates `n` nodes as `spec` says in one transaction.
    ///
    /// # Errors
    /// [`DbError::Terminated`] when the transaction's state exceeds `db.memory.transaction.max`.
    pub fn create_nodes_with(
        &mut self,
        now: SimTime,
        n: u64,
        spec: &NodeSpec,
    ) -> Result<TxSummary, DbError> {
        let r = self.create_nodes_gated(now, n, spec, &mut AdmitAll);
        self.ended_at_once(r)
    }

    pub(super) fn create_nodes_gated(
        &mut self,
        now: SimTime,
        n: u64,
        spec: &NodeSpec,
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        let before = self.cache.metrics();
        let costs = self.config.tx_state_costs;
        let n_label_records = label_records(spec.labels);
        let mut per_node = TxAccount::default();
        per_node.plain(StoreKind::Node, ChangeOp::Create, &costs);
        for _ in 0..n_label_records {
            per_node.add(
                RecordChange {
                    kind: StoreKind::DynamicArray,
                    op: ChangeOp::Create,
                    blocks: 0,
                    payload: DYNAMIC_DATA_BYTES as u8,
                },
                &costs,
            );
        }
        per_node.prop_chain(&Self::chain_account(&spec.props), ChangeOp::Create, &costs);
        let mut acct = TxAccount {
            records: per_node.records * n,
            log_bytes: per_node.log_bytes * n,
            state_bytes: per_node.state_bytes * n,
        };
        self.ensure_tokens(StoreKind::LabelToken, spec.labels, &mut acct, false);
        self.ensure_tokens(
            StoreKind::PropertyKeyToken,
            spec.props.len() as u32,
            &mut acct,
            false,
        );
        self.check_memory(now, &acct, gate)?;

        let mut applied = TxAccount::default();
        self.ensure_tokens(StoreKind::LabelToken, spec.labels, &mut applied, true);
        self.ensure_tokens(
            StoreKind::PropertyKeyToken,
            spec.props.len() as u32,
            &mut applied,
            true,
        );
        for _ in 0..n {
            let id = self.create_record(StoreKind::Node);
            let label_records = (0..n_label_records)
                .map(|_| self.create_record(StoreKind::DynamicArray))
                .collect();
            let props = self.create_prop_chain(&spec.props);
            let idx = id as usize;
            if self.nodes.len() <= idx {
                self.nodes.resize(idx + 1, None);
            }
            self.nodes[idx] = Some(NodeData {
                labels: spec.labels,
                label_records,
                props,
                rels: BTreeSet::new(),
                groups: Vec::new(),
            });
            self.label_scan_update(id, spec.labels, true);
        }
        let summary = self.commit(now, acct, BTreeMap::new());
        self.storm_check(now, &before);
        Ok(summary)
    }

    /// Creates one relationship of type `rel_type` per `(from, to)` pair, each with `props_per_rel`
    /// small properties, in one transaction. Each one also updates its end nodes (or their group
    /// records once dense) and the previous first relationship of each chain.
    ///
    /// # Errors
    /// [`DbError::NoSuchNode`] for an end node that does not exist (nothing is changed);
    /// [`DbError::Terminated`] when the state exceeds `db.memory.transaction.max`.
    pub fn create_relationships(
        &mut self,
        now: SimTime,
        pairs: &[(u64, u64)],
        rel_type: u32,
        props_per_rel: u32,
    ) -> Result<TxSummary, DbError> {
        let r = self.create_relationships_gated(now, pairs, rel_type, props_per_rel, &mut AdmitAll);
        self.ended_at_once(r)
    }

    pub(super) fn create_relationships_gated(
        &mut self,
        now: SimTime,
        pairs: &[(u64, u64)],
        rel_type: u32,
        props_per_rel: u32,
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        for &(a, b) in pairs {
            for node in [a, b] {
                if self.node(node).is_none() {
                    return Err(DbError::NoSuchNode(node));
                }
            }
        }
        let before = self.cache.metrics();
        let costs = self.config.tx_state_costs;
        let props = vec![PropValue::Int; props_per_rel as usize];
        let chain = Self::chain_account(&props);
        // Plan: the same walk as below over a copy of the end nodes' degrees and density.
        let mut acct = TxAccount::default();
        self.ensure_tokens(
            StoreKind::RelationshipTypeToken,
            rel_type + 1,
            &mut acct,
            false,
        );
        self.ensure_tokens(StoreKind::PropertyKeyToken, props_per_rel, &mut acct, false);
        let mut degree: BTreeMap<u64, (u64, bool)> = BTreeMap::new();
        for &(a, b) in pairs {
            acct.plain(StoreKind::Relationship, ChangeOp::Create, &costs);
            acct.prop_chain(&chain, ChangeOp::Create, &costs);
            for node in if a == b { vec![a] } else { vec![a, b] } {
                let data = self.node(node).expect("checked above");
                let (deg, dense) = degree
                    .entry(node)
                    .or_insert((data.rels.len() as u64, !data.groups.is_empty()));
                self.end_node_changes(&mut acct, deg, dense);
            }
        }
        self.check_memory(now, &acct, gate)?;

        let mut applied = TxAccount::default();
        self.ensure_tokens(
            StoreKind::RelationshipTypeToken,
            rel_type + 1,
            &mut applied,
            true,
        );
        self.ensure_tokens(
            StoreKind::PropertyKeyToken,
            props_per_rel,
            &mut applied,
            true,
        );
        for &(a, b) in pairs {
            let id = self.create_record(StoreKind::Relationship);
            let props = self.create_prop_chain(&props);
            let idx = id as usize;
            if self.rels.len() <= idx {
                self.rels.resize(idx + 1, None);
            }
            self.rels[idx] = Some(RelData {
                from: a,
                to: b,
                props,
            });
            for node in if a == b { vec![a] } else { vec![a, b] } {
                let data = self.node(node).expect("checked above");
                let mut deg = data.rels.len() as u64;
                let mut dense = !data.groups.is_empty();
                let first_rel = data.rels.iter().next_back().copied();
                let ops =
                    Self::end_node_ops(self.config.dense_node_threshold, &mut deg, &mut dense);
                for (kind, op) in ops {
                    match (kind, op) {
                        (StoreKind::RelationshipGroup, ChangeOp::Create) => {
                            let g = self.create_record(StoreKind::RelationshipGroup);
                            self.node_mut(node).groups.push(g);
                        }
                        (StoreKind::RelationshipGroup, _) => {
                            let g = self.node(node).expect("live").groups[0];
                            self.touch(StoreKind::RelationshipGroup, g, PinMode::Write);
                        }
                        (StoreKind::Relationship, _) => {
                            let r = first_rel.expect("a chain to update");
                            self.touch(StoreKind::Relationship, r, PinMode::Write);
                        }
                        _ => self.touch(StoreKind::Node, node, PinMode::Write),
                    }
                }
                self.node_mut(node).rels.insert(id);
            }
        }
        let summary = self.commit(now, acct, BTreeMap::new());
        self.storm_check(now, &before);
        Ok(summary)
    }

    /// Record changes at an end node gaining a relationship: its node record (or, once dense, its
    /// group record) and the chain's previous first relationship; a node reaching the dense
    /// threshold gets a group record and a node update. Updates `deg` and `dense`.
    fn end_node_ops(threshold: u64, deg: &mut u64, dense: &mut bool) -> Vec<(StoreKind, ChangeOp)> {
        let mut ops = Vec::with_capacity(3);
        if *deg > 0 {
            ops.push((StoreKind::Relationship, ChangeOp::Update));
        }
        if *dense {
            ops.push((StoreKind::RelationshipGroup, ChangeOp::Update));
        } else {
            ops.push((StoreKind::Node, ChangeOp::Update));
        }
        *deg += 1;
        if !*dense && *deg >= threshold {
            *dense = true;
            ops.push((StoreKind::RelationshipGroup, ChangeOp::Create));
        }
        ops
    }

    fn end_node_changes(&self, acct: &mut TxAccount, deg: &mut u64, dense: &mut bool) {
        for (kind, op) in Self::end_node_ops(self.config.dense_node_threshold, deg, dense) {
            acct.plain(kind, op, &self.config.tx_state_costs);
        }
    }

    /// Updates nodes in one transaction (`MATCH (n) WHERE id(n) IN $ids SET n.p = $v`): for each, its
    /// first property record is rewritten (or, for a node without properties, its node record).
    ///
    /// # Errors
    /// [`DbError::NoSuchNode`] for a node that does not exist (nothing is changed);
    /// [`DbError::Terminated`] when the state exceeds `db.memory.transaction.max`.
    pub fn update_nodes(&mut self, now: SimTime, ids: &[u64]) -> Result<TxSummary, DbError> {
        let r = self.update_nodes_gated(now, ids, &mut AdmitAll);
        self.ended_at_once(r)
    }

    pub(super) fn update_nodes_gated(
        &mut self,
        now: SimTime,
        ids: &[u64],
        gate: &mut dyn StateGate,
    ) -> Result<TxSummary, DbError> {
        let costs = self.config.tx_state_costs;
        let mut acct = TxAccount::default();
        let mut targets = Vec::with_capacity(ids.len());
        for &id in ids {
            let node = self.node(id).ok_or(DbError::NoSuchNode(id))?;
            match node.props.records.first() {
                Some(&(record, blocks, longs)) => {
                    acct.add(
                        RecordChange {
                            kind: StoreKind::Property,
                            op: ChangeOp::Update,
                            blocks,
                            payload: longs,
                        },
                        &costs,
                    );
                    targets.push((StoreKind::Property, record));
                }
                None => {
                    acct.plain(StoreKind::Node, ChangeOp::Update, &costs);
                    targets.push((StoreKind::Node, id));
                }
            }
        }
        self.check_memory(now, &acct, gate)?;
        let before = self.cache.metrics();
        for (kind, id) in targets {
            self.touch(kind, id, PinMode::Write);
        }
        let summary = self.commit(now, acct, BTreeMap::new());
        self.storm_check(now, &before);
        Ok(summary)
    }
}
