//! Helpers shared by the differential tests against real Netty jars.

use serde_json::Value;

/// The first place where `a` and `b` differ: (JSON path, a's value, b's value); `<absent>` for a
/// missing key or array element.
pub(crate) fn first_diff(path: &str, a: &Value, b: &Value) -> Option<(String, String, String)> {
    let show = |v: Option<&Value>| v.map_or_else(|| "<absent>".to_string(), |v| v.to_string());
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            // Placements before snapshots: the first wrong placement explains the rest.
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort_by_key(|k| (k.as_str() != "placements", k.as_str()));
            keys.dedup();
            for k in keys {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) => {
                        if let Some(d) = first_diff(&p, va, vb) {
                            return Some(d);
                        }
                    }
                    (va, vb) => return Some((p, show(va), show(vb))),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => {
                        if let Some(d) = first_diff(&p, va, vb) {
                            return Some(d);
                        }
                    }
                    (va, vb) => return Some((p, show(va), show(vb))),
                }
            }
            None
        }
        _ if a == b => None,
        _ => Some((path.to_string(), a.to_string(), b.to_string())),
    }
}
