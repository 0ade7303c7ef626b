//! The database part of the reports (only when the run has one): the `database` section of
//! `report.json`, the extra `timeseries.csv` columns, and the terminal's step table.

use std::io::{self, Write};

use memsim_core::{ByteSize, DatabaseRun, DbCacheMetrics, DbSnapshot};
use serde::Serialize;

use crate::seconds_ms;

/// The short name of a store file, for CSV columns and tables: `neostore.nodestore.db` →
/// `nodestore`, `neostore.propertystore.db.strings` → `propertystore_strings`.
pub(crate) fn store_slug(file_name: &str) -> String {
    let name = file_name.strip_prefix("neostore.").unwrap_or(file_name);
    let name = name.replacen(".db", "", 1);
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A ratio with four decimals, computed from integers so it prints the same everywhere.
fn ratio(part: u64, whole: u64) -> String {
    if whole == 0 {
        return String::new();
    }
    let r = (part as u128 * 10_000 + whole as u128 / 2) / whole as u128;
    format!("{}.{:04}", r / 10_000, r % 10_000)
}

/// The CSV header's database columns (each with its leading comma).
pub(crate) fn csv_header(db: &DatabaseRun, w: &mut impl Write) -> io::Result<()> {
    write!(
        w,
        ",page_cache_hit_ratio,page_cache_usage_ratio,page_cache_pins,page_cache_faults,page_cache_evictions,db_store_bytes,db_id_file_bytes,db_tx_log_bytes,db_tx_log_files,db_reusable_ids,db_store_size_metric_bytes"
    )?;
    if let Some(first) = db.samples.first() {
        for s in &first.stores {
            let slug = store_slug(&s.file_name);
            write!(w, ",{slug}_bytes,{slug}_high_id,{slug}_reusable_ids")?;
        }
    }
    Ok(())
}

/// The database columns of sample `i` (hit ratio over the interval since the previous sample,
/// empty when nothing was pinned in it).
pub(crate) fn csv_row(db: &DatabaseRun, i: usize, w: &mut impl Write) -> io::Result<()> {
    let s = &db.samples[i];
    let d = match i.checked_sub(1).map(|j| &db.samples[j].cache) {
        // A copy replaces the cache: counters restart.
        Some(prev) if prev.pins <= s.cache.pins => s.cache.since(prev),
        _ => s.cache,
    };
    write!(
        w,
        ",{},{},{},{},{},{},{},{},{},{},{}",
        ratio(d.hits, d.pins),
        ratio(s.cache.pages_in_use, s.cache.max_pages),
        s.cache.pins,
        s.cache.faults,
        s.cache.evictions,
        s.store_bytes,
        s.id_file_bytes,
        s.tx_log_bytes,
        s.tx_log_files,
        s.reusable_ids(),
        s.store_size_metric_bytes
    )?;
    for st in &s.stores {
        write!(w, ",{},{},{}", st.file_bytes, st.high_id, st.reusable_ids)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct CacheJson {
    hits: u64,
    faults: u64,
    pins: u64,
    unpins: u64,
    evictions: u64,
    flushes: u64,
    hit_ratio: f64,
    usage_ratio: f64,
    pages_in_use: u64,
    max_pages: u64,
}

impl From<&DbCacheMetrics> for CacheJson {
    fn from(m: &DbCacheMetrics) -> CacheJson {
        // Ratios rounded to 4 decimals, so the JSON is the same on every platform.
        let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
        CacheJson {
            hits: m.hits,
            faults: m.faults,
            pins: m.pins,
            unpins: m.unpins,
            evictions: m.evictions,
            flushes: m.flushes,
            hit_ratio: round(m.hit_ratio()),
            usage_ratio: round(m.usage_ratio()),
            pages_in_use: m.pages_in_use,
            max_pages: m.max_pages,
        }
    }
}

#[derive(Serialize)]
struct StoreJson<'a> {
    file: &'a str,
    file_bytes: u64,
    id_file_bytes: u64,
    high_id: u64,
    records_in_use: u64,
    reusable_ids: u64,
    buffered_ids: u64,
}

#[derive(Serialize)]
struct SnapshotJson<'a> {
    at_seconds: f64,
    store_bytes: u64,
    id_file_bytes: u64,
    tx_log_bytes: u64,
    tx_log_files: u64,
    total_bytes: u64,
    store_size_metric_bytes: u64,
    store_size_metric_at_seconds: f64,
    translation_table_heap_bytes: u64,
    tx_pool_used_bytes: u64,
    last_tx_id: u64,
    stores: Vec<StoreJson<'a>>,
    page_cache: CacheJson,
}

impl<'a> From<&'a DbSnapshot> for SnapshotJson<'a> {
    fn from(s: &'a DbSnapshot) -> SnapshotJson<'a> {
        SnapshotJson {
            at_seconds: seconds_ms(s.at),
            store_bytes: s.store_bytes,
            id_file_bytes: s.id_file_bytes,
            tx_log_bytes: s.tx_log_bytes,
            tx_log_files: s.tx_log_files,
            total_bytes: s.total_bytes(),
            store_size_metric_bytes: s.store_size_metric_bytes,
            store_size_metric_at_seconds: seconds_ms(s.store_size_metric_at),
            translation_table_heap_bytes: s.translation_table_heap_bytes,
            tx_pool_used_bytes: s.tx_pool_used_bytes,
            last_tx_id: s.last_tx_id,
            stores: s
                .stores
                .iter()
                .map(|st| StoreJson {
                    file: &st.file_name,
                    file_bytes: st.file_bytes,
                    id_file_bytes: st.id_file_bytes,
                    high_id: st.high_id,
                    records_in_use: st.records_in_use,
                    reusable_ids: st.reusable_ids,
                    buffered_ids: st.buffered_ids,
                })
                .collect(),
            page_cache: CacheJson::from(&s.cache),
        }
    }
}

#[derive(Serialize)]
struct StepJson<'a> {
    phase: &'a str,
    op: &'a str,
    #[serde(flatten)]
    snapshot: SnapshotJson<'a>,
}

/// `report.json`'s `database` section.
#[derive(Serialize)]
pub(crate) struct DatabaseJson<'a> {
    format: &'a str,
    page_cache_bytes: u64,
    steps: Vec<StepJson<'a>>,
    last: SnapshotJson<'a>,
    phases: Vec<crate::db_phases::PhaseJson<'a>>,
    hit_ratio_windows: crate::db_phases::WindowsJson,
    restarts: Vec<crate::db_phases::RestartJson<'a>>,
}

impl<'a> DatabaseJson<'a> {
    pub(crate) fn new(db: &'a DatabaseRun) -> DatabaseJson<'a> {
        DatabaseJson {
            format: &db.format,
            page_cache_bytes: db.page_cache_bytes,
            steps: db
                .steps
                .iter()
                .map(|s| StepJson {
                    phase: &s.phase,
                    op: &s.op,
                    snapshot: SnapshotJson::from(&s.snapshot),
                })
                .collect(),
            last: SnapshotJson::from(&db.last),
            phases: crate::db_phases::phases_json(db),
            hit_ratio_windows: crate::db_phases::windows_json(db),
            restarts: crate::db_phases::restarts_json(db),
        }
    }
}

fn ids(s: &DbSnapshot, file: &str) -> String {
    s.store(file).map_or_else(String::new, |st| {
        format!("{}/{}", st.high_id, st.reusable_ids)
    })
}

/// The terminal's database block: the page cache's metrics, then one row per database phase.
pub(crate) fn text(db: &DatabaseRun, w: &mut impl Write) -> io::Result<()> {
    let m = &db.last.cache;
    writeln!(
        w,
        "Database ({} format, page cache {}): hit ratio {}, usage ratio {} ({} of {} pages in use at the end); {} pins, {} faults, {} evictions, {} flushes",
        db.format,
        ByteSize(db.page_cache_bytes),
        if m.pins == 0 {
            "n/a (no pins)".to_string()
        } else {
            ratio(m.hits, m.pins)
        },
        ratio(m.pages_in_use, m.max_pages),
        m.pages_in_use,
        m.max_pages,
        m.pins,
        m.faults,
        m.evictions,
        m.flushes,
    )?;
    // A copy replaces the database: say so, or the usage ratio reads as the original's.
    if let Some(copy) = db.steps.iter().rev().find(|s| s.op == "copy") {
        writeln!(
            w,
            "  from {}s (\"{}\") the run went on with the compacted copy on a cold page cache: the usage is the copy's; hits, pins and the other counters cover the whole run",
            crate::seconds_fixed(copy.snapshot.at),
            copy.phase,
        )?;
    }
    crate::db_phases::text(db, w)?;
    crate::db_phases::restarts_text(db, w)?;
    if db.steps.is_empty() {
        return Ok(());
    }
    step_table(db, w)
}

/// The step table: after each database phase, the stores, ID files, logs, their total, the
/// `store.size.total` metric as it last ran, and the node, relationship and property IDs as
/// `high-water mark/reusable`.
pub(crate) fn step_table(db: &DatabaseRun, w: &mut impl Write) -> io::Result<()> {
    let name_width = db
        .steps
        .iter()
        .map(|s| s.phase.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, 40);
    writeln!(
        w,
        "  {:<name_width$}  {:>11}  {:>11}  {:>11}  {:>11}  {:>16}  {:>15}  {:>15}  {:>15}",
        "step",
        "stores",
        "ID files",
        "tx logs",
        "total",
        "store.size.total",
        "node IDs",
        "rel IDs",
        "property IDs"
    )?;
    for step in &db.steps {
        let s = &step.snapshot;
        let name: String = step.phase.chars().take(name_width).collect();
        writeln!(
            w,
            "  {:<name_width$}  {:>11}  {:>11}  {:>11}  {:>11}  {:>16}  {:>15}  {:>15}  {:>15}",
            name,
            ByteSize(s.store_bytes).to_string(),
            ByteSize(s.id_file_bytes).to_string(),
            ByteSize(s.tx_log_bytes).to_string(),
            ByteSize(s.total_bytes()).to_string(),
            ByteSize(s.store_size_metric_bytes).to_string(),
            ids(s, "neostore.nodestore.db"),
            ids(s, "neostore.relationshipstore.db"),
            ids(s, "neostore.propertystore.db"),
        )?;
    }
    writeln!(
        w,
        "  (IDs as high-water mark/reusable; total = stores + ID files + tx logs now; store.size.total = Neo4j's metric, the total when it last ran: at the start, then every 10 minutes, as :sysinfo shows it)"
    )
}

/// The chart's database panel: stores + ID files and transaction logs over time as steps (bytes, one
/// shared axis), and the page cache's hit ratio over a rolling window and per phase (0 to 1, right
/// axis; `chart_hit_ratio.rs`), between
/// `top` and `bottom`, with its key at `legend_left`. `x` maps seconds to the main plot's x.
pub(crate) fn chart_panel(
    out: &mut String,
    db: &DatabaseRun,
    x: impl Fn(f64) -> f64,
    (left, right): (f64, f64),
    (top, bottom): (f64, f64),
    legend_left: f64,
) {
    use std::fmt::Write as _;
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    const STORE_COLOUR: &str = "#499894";
    const LOG_COLOUR: &str = "#e15759";
    const INK: &str = "#333333";
    use crate::chart::svg::{Anchor, Text};
    let max = db
        .samples
        .iter()
        .map(|s| (s.store_bytes + s.id_file_bytes).max(s.tx_log_bytes))
        .max()
        .unwrap_or(0)
        .max(1 << 20);
    let mib = max as f64 / (1 << 20) as f64;
    let y = |bytes: u64| bottom - (bytes as f64 / max as f64) * (bottom - top);
    // Every text carries its own attributes (see `chart/svg.rs`: ImageMagick needs that).
    let text = |x: f64, y: f64, words: &str| Text::new(x, y, 11.0, INK, words);
    line("<g>".to_string());
    line(
        Text::new(
            left,
            top - 6.0,
            13.0,
            INK,
            "Database: disk and page-cache hit ratio",
        )
        .bold()
        .to_svg(),
    );
    line(format!(
        r##"<rect x="{left:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#cccccc"/>"##,
        right - left,
        bottom - top
    ));
    line(
        text(left - 6.0, top + 4.0, &format!("{mib:.1} MiB"))
            .anchored(Anchor::End)
            .to_svg(),
    );
    line(
        text(left - 6.0, bottom + 4.0, "0")
            .anchored(Anchor::End)
            .to_svg(),
    );
    line(text(right + 4.0, top + 4.0, "1.0").to_svg());
    line(text(right + 4.0, bottom + 4.0, "0").to_svg());
    let path = |f: &dyn Fn(&DbSnapshot) -> f64| {
        let mut d = String::new();
        // Steps: a value holds until the next sample.
        for (i, s) in db.samples.iter().enumerate() {
            let (sx, sy) = (x(s.at.as_secs_f64()), f(s));
            if i == 0 {
                let _ = write!(d, "M{sx:.1},{sy:.1}");
            } else {
                let _ = write!(d, " H{sx:.1} V{sy:.1}");
            }
        }
        d
    };
    let stores = path(&|s| y(s.store_bytes + s.id_file_bytes));
    let logs = path(&|s| y(s.tx_log_bytes));
    line(format!(
        r##"<path d="{stores}" fill="none" stroke="{STORE_COLOUR}" stroke-width="2"/>"##
    ));
    line(format!(
        r##"<path d="{logs}" fill="none" stroke="{LOG_COLOUR}" stroke-width="2"/>"##
    ));
    let mut ky = top + 10.0;
    for (colour, name) in [
        (STORE_COLOUR, "stores + ID files"),
        (LOG_COLOUR, "transaction logs"),
    ] {
        line(format!(
            r##"<line x1="{legend_left:.1}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="{colour}" stroke-width="2"/>{2}"##,
            ky - 4.0,
            legend_left + 11.0,
            text(legend_left + 17.0, ky, name).to_svg()
        ));
        ky += 15.0;
    }
    // The hit ratio: a rolling window and each phase's (`chart_hit_ratio.rs`).
    let mut hit_ratio = String::new();
    crate::chart_hit_ratio::draw(&mut hit_ratio, db, &x, (top, bottom), (legend_left, ky));
    line(hit_ratio);
    line("</g>".to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_ratios() {
        assert_eq!(store_slug("neostore.nodestore.db"), "nodestore");
        assert_eq!(
            store_slug("neostore.propertystore.db.strings"),
            "propertystore_strings"
        );
        assert_eq!(
            store_slug("neostore.propertystore.db.index"),
            "propertystore_index"
        );
        assert_eq!(ratio(1, 3), "0.3333");
        assert_eq!(ratio(2, 3), "0.6667");
        assert_eq!(ratio(5, 5), "1.0000");
        assert_eq!(ratio(0, 0), "");
    }

    fn snap(t: u64, store: u64, log: u64, pins: u64, hits: u64) -> DbSnapshot {
        DbSnapshot {
            at: memsim_core::SimTime(t * 1_000_000_000),
            stores: vec![memsim_core::DbStoreSnapshot {
                file_name: "neostore.nodestore.db".into(),
                file_bytes: store,
                id_file_bytes: 0,
                high_id: store / 15,
                records_in_use: store / 15,
                reusable_ids: 0,
                buffered_ids: 0,
            }],
            store_bytes: store,
            id_file_bytes: 0,
            store_size_metric_bytes: 0,
            store_size_metric_at: memsim_core::SimTime::ZERO,
            translation_table_heap_bytes: 0,
            tx_pool_used_bytes: 0,
            tx_log_bytes: log,
            tx_log_files: 1,
            last_tx_id: 1,
            cache: DbCacheMetrics {
                hits,
                faults: pins - hits,
                pins,
                unpins: pins,
                evictions: 0,
                flushes: 0,
                pages_in_use: 10,
                max_pages: 40,
            },
        }
    }

    #[test]
    fn the_text_says_when_the_run_went_on_with_a_copy() {
        let step = |op: &str, t| memsim_core::DbStep {
            phase: format!("{op} phase"),
            op: op.into(),
            snapshot: snap(t, 1500, 64, 30, 25),
        };
        let mut db = DatabaseRun {
            format: "standard".into(),
            page_cache_bytes: 40 * 8192,
            samples: vec![],
            steps: vec![step("create_nodes", 1), step("checkpoint", 2)],
            last: snap(3, 1500, 64, 30, 25),
            phases: vec![],
            restarts: vec![],
        };
        let text = |db: &DatabaseRun| {
            let mut v = Vec::new();
            super::text(db, &mut v).unwrap();
            String::from_utf8(v).unwrap()
        };
        let plain = text(&db);
        assert!(
            plain.contains(
                "hit ratio 0.8333, usage ratio 0.2500 (10 of 40 pages in use at the end); 30 pins"
            ),
            "{plain}"
        );
        assert!(!plain.contains("compacted copy"));
        db.steps.push(step("copy", 3));
        let copied = text(&db);
        assert!(
            copied.contains("\n  from 3.000s (\"copy phase\") the run went on with the compacted copy on a cold page cache"),
            "{copied}"
        );
    }

    #[test]
    fn csv_and_panel_follow_the_samples() {
        let db = DatabaseRun {
            format: "aligned".into(),
            page_cache_bytes: 40 * 8192,
            samples: vec![
                snap(0, 0, 64, 0, 0),
                snap(1, 1500, 2 << 20, 10, 5),
                snap(2, 1500, 4 << 20, 30, 25),
            ],
            steps: vec![],
            last: snap(2, 1500, 4 << 20, 30, 25),
            phases: vec![],
            restarts: vec![],
        };
        let mut header = Vec::new();
        csv_header(&db, &mut header).unwrap();
        let header = String::from_utf8(header).unwrap();
        assert!(header.ends_with(",nodestore_bytes,nodestore_high_id,nodestore_reusable_ids"));
        let row = |i| {
            let mut v = Vec::new();
            csv_row(&db, i, &mut v).unwrap();
            String::from_utf8(v).unwrap()
        };
        // Interval hit ratios: none pinned, then 5 of 10, then 20 of 20.
        assert!(row(0).starts_with(",,0.2500,0,"), "{}", row(0));
        assert!(row(1).starts_with(",0.5000,0.2500,10,5,"), "{}", row(1));
        assert!(row(2).starts_with(",1.0000,"), "{}", row(2));
        assert_eq!(
            row(0).split(',').count(),
            header.split(',').count(),
            "one field per column"
        );
        let mut svg = String::new();
        chart_panel(
            &mut svg,
            &db,
            |t| 100.0 + t * 10.0,
            (100.0, 200.0),
            (10.0, 110.0),
            300.0,
        );
        // The log line rises as a step to the top (its maximum, 4 MiB) at t = 2 s.
        assert!(
            svg.contains("M100.0,110.0 H110.0 V60.0 H120.0 V10.0"),
            "{svg}"
        );
        // The rolling hit ratio: 5 of 10 over 0..1 s, then 25 of 30 over 0..2 s (the window is 10 s).
        assert!(svg.contains(r#"d="M110.0,60.0 L120.0,26.7""#), "{svg}");
    }
}
