//! The graph as the store holds it: nodes, relationships and their property chains, and how
//! properties and labels pack into records (the rules are in the module docs of [`super`]).

use std::collections::BTreeSet;

use crate::store::StoreKind;
use crate::txlog::DYNAMIC_DATA_BYTES;

use super::config::PropValue;
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PropChain {
    pub(super) records: Vec<(u64, u8, u8)>,
    pub(super) dynamic: Vec<(StoreKind, u64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NodeData {
    pub(super) labels: u32,
    pub(super) label_records: Vec<u64>,
    pub(super) props: PropChain,
    pub(super) rels: BTreeSet<u64>,
    // Relationship group records (empty unless dense).
    pub(super) groups: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RelData {
    pub(super) from: u64,
    pub(super) to: u64,
    pub(super) props: PropChain,
}

/// Property records as (blocks, longs) each, and dynamic records as (store, count).
type PackedProps = (Vec<(u8, u8)>, Vec<(StoreKind, u64)>);

/// A live node for the copy: (id, labels, property records).
pub(crate) type LiveNode = (u64, u32, PropChain);
/// A live relationship for the copy: (from, to, property records).
pub(crate) type LiveRel = (u64, u64, PropChain);

/// Property records needed for `props`: (blocks, longs) per record, and dynamic records per store.
pub(super) fn pack_props(props: &[PropValue]) -> PackedProps {
    let mut records: Vec<(u8, u8)> = Vec::new();
    let mut dynamic = Vec::new();
    for p in props {
        let (longs, dyn_records) = p.layout();
        match records.last_mut() {
            Some((b, l)) if *l as u64 + longs <= 4 => {
                *b += 1;
                *l += longs as u8;
            }
            _ => records.push((1, longs as u8)),
        }
        if let Some((kind, n)) = dyn_records {
            dynamic.push((kind, n));
        }
    }
    (records, dynamic)
}

/// Dynamic array records holding `labels` labels, 0 when they fit inline (module docs).
pub(super) fn label_records(labels: u32) -> u64 {
    if labels == 0 || (labels <= 36 && (labels as u64 - 1) < 1u64 << (36 / labels)) {
        0
    } else {
        (8 * labels as u64).div_ceil(DYNAMIC_DATA_BYTES)
    }
}
