//! Judging compared configurations and writing them into `docs/calibration.md`.

use super::{NOT_JUDGED, Row, within};
use std::fmt::Write as _;

/// One configuration of a set: compared with memsim, or not expressible as a scenario yet.
pub(crate) enum Judged {
    Compared(Row),
    /// Why no scenario states it: the first flag or input memsim cannot take.
    NotExpressible {
        config: String,
        why: String,
    },
}

impl Judged {
    pub(crate) fn config(&self) -> &str {
        match self {
            Judged::Compared(r) => &r.config,
            Judged::NotExpressible { config, .. } => config,
        }
    }

    /// The names of the judged cells off by more than ±10 % (`RSS`, `Java Heap`, …); the whole
    /// configuration (`*`) when it cannot be expressed.
    pub(crate) fn missed_cells(&self) -> Vec<String> {
        match self {
            Judged::Compared(row) => row
                .cells
                .iter()
                .filter(|(what, p, m)| judged(what, *p, *m) && !within(*p, *m))
                .map(|(what, _, _)| what.clone())
                .collect(),
            Judged::NotExpressible { .. } => vec!["*".into()],
        }
    }

    /// The judged cells off by more than ±10 %, as `what memsim X MiB vs JDK Y MiB`; a
    /// configuration that cannot be expressed is one miss.
    pub(crate) fn misses(&self) -> Vec<String> {
        match self {
            Judged::Compared(row) => row
                .cells
                .iter()
                .filter(|(what, p, m)| judged(what, *p, *m) && !within(*p, *m))
                .map(|(what, p, m)| format!("{what} memsim {p:.1} MiB vs JDK {m:.1} MiB"))
                .collect(),
            Judged::NotExpressible { why, .. } => vec![why.clone()],
        }
    }
}

/// Whether a cell is judged: over 8 MiB on either side and not a timing-dependent category.
pub(crate) fn judged(what: &str, predicted_mib: f64, measured_mib: f64) -> bool {
    (measured_mib > 8.0 || predicted_mib > 8.0) && !NOT_JUDGED.contains(&what)
}

/// Runs `compare` on one measurement and turns a scenario memsim cannot state (a flag with no
/// scenario equivalent, a key the parser refuses) into [`Judged::NotExpressible`].
pub(crate) fn compare_or_explain(
    r: &serde_json::Value,
    compare: fn(&serde_json::Value) -> Row,
) -> Judged {
    let config = r["config"].as_str().unwrap_or("?").to_string();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compare(r))) {
        Ok(row) => Judged::Compared(row),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let why = match msg.split_once(": flag ") {
                Some((_, rest)) => format!(
                    "not expressible yet: {}",
                    rest.trim_end_matches(" has no scenario equivalent")
                ),
                None => format!(
                    "not expressible yet: {}",
                    msg.lines().next().unwrap_or("the scenario was refused")
                ),
            };
            Judged::NotExpressible { config, why }
        }
    }
}

/// The per-configuration tables, in the order given.
pub(crate) fn write_tables(doc: &mut String, set: &[Judged], jdk: &str) {
    for j in set {
        let _ = writeln!(doc, "### {}\n", j.config());
        let row = match j {
            Judged::Compared(row) => row,
            Judged::NotExpressible { why, .. } => {
                let _ = writeln!(doc, "{why} (counted as a miss).\n");
                continue;
            }
        };
        let _ = write!(
            doc,
            "| what | memsim MiB | {jdk} MiB | error |\n| --- | ---: | ---: | ---: |\n"
        );
        for (what, p, m) in &row.cells {
            let judged = judged(what, *p, *m);
            let err = if *m > 0.0 {
                format!("{:+.1} %", (p - m) / m * 100.0)
            } else {
                "—".into()
            };
            let mark = if !judged {
                " (not judged)"
            } else if within(*p, *m) {
                ""
            } else {
                " ✗"
            };
            let _ = writeln!(doc, "| {what} | {p:.1} | {m:.1} | {err}{mark} |");
        }
        doc.push('\n');
    }
}

/// Configurations of a set with every judged cell within ±10 %.
pub(crate) fn hits(set: &[Judged]) -> usize {
    set.iter().filter(|j| j.misses().is_empty()).count()
}
