//! Compaction by copy: the live graph out of a database and imported into a new one
//! ([`crate::copy`] drives it).

use std::collections::BTreeSet;

use crate::store::StoreKind;

use super::Database;
use super::graph::LiveNode;
use super::graph::LiveRel;
use super::graph::NodeData;
use super::graph::PropChain;
use super::graph::RelData;
use super::graph::label_records;
use super::tx::TxAccount;
impl Database {
    /// A compacted copy (`neo4j-admin database copy --compact-node-store`), see [`crate::copy`].
    pub fn copy_compacted(&self) -> (Database, crate::copy::CopyReport) {
        crate::copy::compact(self)
    }

    /// Live entities, for the copy: nodes as (old id, labels, property records) and relationships as
    /// (from, to, property records), in id order.
    pub(crate) fn live_graph(&self) -> (Vec<LiveNode>, Vec<LiveRel>) {
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.as_ref().map(|n| (i as u64, n.labels, n.props.clone())))
            .collect();
        let rels = self
            .rels
            .iter()
            .filter_map(|r| r.as_ref().map(|r| (r.from, r.to, r.props.clone())))
            .collect();
        (nodes, rels)
    }

    /// Re-creates a node in bulk (the copy's import: no log, no transaction).
    pub(crate) fn import_node(&mut self, labels: u32, chain: &PropChain) -> u64 {
        self.label_tokens = self.label_tokens.max(labels);
        let id = self.create_record(StoreKind::Node);
        let label_records = (0..label_records(labels))
            .map(|_| self.create_record(StoreKind::DynamicArray))
            .collect();
        let props = self.import_chain(chain);
        let idx = id as usize;
        if self.nodes.len() <= idx {
            self.nodes.resize(idx + 1, None);
        }
        self.nodes[idx] = Some(NodeData {
            labels,
            label_records,
            props,
            rels: BTreeSet::new(),
            groups: Vec::new(),
        });
        self.label_scan_update(id, labels, true);
        id
    }

    /// Re-creates a relationship in bulk between already imported nodes.
    pub(crate) fn import_relationship(&mut self, from: u64, to: u64, chain: &PropChain) {
        let id = self.create_record(StoreKind::Relationship);
        let props = self.import_chain(chain);
        let idx = id as usize;
        if self.rels.len() <= idx {
            self.rels.resize(idx + 1, None);
        }
        self.rels[idx] = Some(RelData { from, to, props });
        for node in [from, to] {
            let threshold = self.config.dense_node_threshold;
            let n = self.node_mut(node);
            n.rels.insert(id);
            if n.groups.is_empty() && n.rels.len() as u64 >= threshold {
                let g = self.create_record(StoreKind::RelationshipGroup);
                self.node_mut(node).groups.push(g);
            }
        }
    }

    fn import_chain(&mut self, chain: &PropChain) -> PropChain {
        let mut out = PropChain::default();
        for &(_, b, l) in &chain.records {
            let id = self.create_record(StoreKind::Property);
            out.records.push((id, b, l));
        }
        for &(kind, _) in &chain.dynamic {
            let id = self.create_record(kind);
            out.dynamic.push((kind, id));
        }
        out
    }

    /// Ends a bulk import: every page flushed and the ID files written, as a finished store copy
    /// leaves them (no transaction, so the log keeps just its header).
    pub(crate) fn finish_import(&mut self) {
        self.cache.flush_all();
        for s in &mut self.stores {
            s.ids_mut().checkpoint();
        }
    }

    /// Copies token counts (the copy keeps every token).
    pub(crate) fn import_tokens(&mut self, from: &Database) {
        let mut acct = TxAccount::default();
        self.ensure_tokens(StoreKind::LabelToken, from.label_tokens, &mut acct, true);
        self.ensure_tokens(
            StoreKind::RelationshipTypeToken,
            from.rel_type_tokens,
            &mut acct,
            true,
        );
        self.ensure_tokens(
            StoreKind::PropertyKeyToken,
            from.prop_key_tokens,
            &mut acct,
            true,
        );
    }
}
