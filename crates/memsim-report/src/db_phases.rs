//! The page cache's hit ratio per phase and over a rolling window, for the terminal summary and
//! `report.json`: the whole-run figure alone misleads (a warm-up's faults drag down a query load
//! that hits every page after it). Figures come from [`DatabaseRun`]'s phases and samples; nothing
//! here models anything.

use std::io::{self, Write};

use memsim_core::{DatabaseRun, DbPhaseCache};
use serde::Serialize;

use crate::seconds_ms;

/// A ratio with four decimals, computed from integers so it prints the same everywhere; `-` when
/// nothing was pinned.
fn ratio(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".to_string();
    }
    let r = (part as u128 * 10_000 + whole as u128 / 2) / whole as u128;
    format!("{}.{:04}", r / 10_000, r % 10_000)
}

/// A ratio rounded to 4 decimals for JSON (the same on every platform).
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The phases in which something was pinned.
fn pinned(db: &DatabaseRun) -> impl Iterator<Item = &DbPhaseCache> {
    db.phases.iter().filter(|p| p.cache.pins > 0)
}

/// The window's length in whole seconds, for labels.
fn window_s() -> u64 {
    DatabaseRun::HIT_RATIO_WINDOW.nanos() / 1_000_000_000
}

/// The terminal's table of the page cache per phase (nothing when no phase pinned a page).
pub(crate) fn text(db: &DatabaseRun, w: &mut impl Write) -> io::Result<()> {
    if pinned(db).next().is_none() {
        return Ok(());
    }
    let name_width = pinned(db)
        .map(|p| p.phase.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(5, 40);
    let last = format!("last {}s", window_s());
    writeln!(
        w,
        "  page cache by phase (counters over each phase's time span; overlapping phases share pins):"
    )?;
    writeln!(
        w,
        "  {:<name_width$}  {:>17}  {:>11}  {:>9}  {:>9}  {:>11}  {:>11}  {:>9}",
        "phase", "span", "pins", "hit ratio", last, "faults", "evictions", "flushes"
    )?;
    for p in pinned(db) {
        let name: String = p.phase.chars().take(name_width).collect();
        let span = format!(
            "{}-{}s",
            crate::seconds_fixed(p.start),
            crate::seconds_fixed(p.end)
        );
        writeln!(
            w,
            "  {:<name_width$}  {:>17}  {:>11}  {:>9}  {:>9}  {:>11}  {:>11}  {:>9}",
            name,
            span,
            p.cache.pins,
            ratio(p.cache.hits, p.cache.pins),
            ratio(p.last_window.hits, p.last_window.pins),
            p.cache.faults,
            p.cache.evictions,
            p.cache.flushes,
        )?;
    }
    Ok(())
}

/// The terminal's lines for each restart: the warm-up, and when the cache was warm again.
pub(crate) fn restarts_text(db: &DatabaseRun, w: &mut impl Write) -> io::Result<()> {
    for r in &db.restarts {
        let progress = match r.warmup_done_at {
            Some(t) => format!(
                "{} pages loaded by {}s",
                r.pages_loaded,
                crate::seconds_fixed(t)
            ),
            None => format!(
                "{} of {} pages loaded by the end",
                r.pages_loaded, r.pages_to_load
            ),
        };
        let loaded = match (r.warmup.as_str(), r.profile_taken_at) {
            ("profile", Some(at)) => format!(
                "warm-up from the profile taken at {}s: {progress}",
                crate::seconds_fixed(at),
            ),
            ("profile", None) => "no warm-up profile yet: cold".to_string(),
            ("preload", _) => format!("preload: {progress}"),
            _ => "cold".to_string(),
        };
        let warm = match r.target_hit_ratio() {
            None => "no pins before it to compare with".to_string(),
            Some(target) => {
                let before = ratio(r.before.hits, r.before.pins);
                match db.hit_ratio_reached(r.at, target) {
                    Some(t) => format!(
                        "hit ratio {before} in the {}s before; 99 % of it again {}s after (the sample interval ending at {}s)",
                        window_s(),
                        crate::seconds_fixed(memsim_core::SimTime(t.0 - r.at.0)),
                        crate::seconds_fixed(t)
                    ),
                    None => format!(
                        "hit ratio {before} in the {}s before; not reached again by the end of the run",
                        window_s()
                    ),
                }
            }
        };
        writeln!(
            w,
            "  restart at {}s (\"{}\", {} dirty pages flushed at shutdown; {loaded}): {warm}",
            crate::seconds_fixed(r.at),
            r.phase,
            r.flushed_pages,
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
pub(crate) struct RestartJson<'a> {
    phase: &'a str,
    at_seconds: f64,
    warmup: &'a str,
    flushed_pages: u64,
    pages_to_load: u64,
    pages_loaded: u64,
    /// When the warm-up had loaded every page; `null` if it had not by the end (or had none).
    warmup_done_at_seconds: Option<f64>,
    profile_taken_at_seconds: Option<f64>,
    /// Over the window before the restart; `null` when nothing was pinned then.
    hit_ratio_before: Option<f64>,
    /// Seconds from the restart to the end of the first sample interval at 99 % of
    /// `hit_ratio_before`; `null` when never reached (or nothing to compare with).
    seconds_to_warm: Option<f64>,
}

/// `report.json`'s `database.restarts`.
pub(crate) fn restarts_json(db: &DatabaseRun) -> Vec<RestartJson<'_>> {
    db.restarts
        .iter()
        .map(|r| RestartJson {
            phase: &r.phase,
            at_seconds: seconds_ms(r.at),
            warmup: &r.warmup,
            flushed_pages: r.flushed_pages,
            pages_to_load: r.pages_to_load,
            pages_loaded: r.pages_loaded,
            warmup_done_at_seconds: r.warmup_done_at.map(seconds_ms),
            profile_taken_at_seconds: r.profile_taken_at.map(seconds_ms),
            hit_ratio_before: (r.before.pins > 0).then(|| round(r.before.hit_ratio())),
            seconds_to_warm: r
                .target_hit_ratio()
                .and_then(|t| db.hit_ratio_reached(r.at, t))
                .map(|t| seconds_ms(memsim_core::SimTime(t.0 - r.at.0))),
        })
        .collect()
}

#[derive(Serialize)]
pub(crate) struct PhaseJson<'a> {
    phase: &'a str,
    start_seconds: f64,
    end_seconds: f64,
    pins: u64,
    hits: u64,
    faults: u64,
    evictions: u64,
    flushes: u64,
    /// `null` when nothing was pinned.
    hit_ratio: Option<f64>,
    /// Over the phase's last window; `null` when nothing was pinned in it.
    last_window_hit_ratio: Option<f64>,
}

/// `report.json`'s `database.phases`: every phase that started.
pub(crate) fn phases_json(db: &DatabaseRun) -> Vec<PhaseJson<'_>> {
    db.phases
        .iter()
        .map(|p| PhaseJson {
            phase: &p.phase,
            start_seconds: seconds_ms(p.start),
            end_seconds: seconds_ms(p.end),
            pins: p.cache.pins,
            hits: p.cache.hits,
            faults: p.cache.faults,
            evictions: p.cache.evictions,
            flushes: p.cache.flushes,
            hit_ratio: (p.cache.pins > 0).then(|| round(p.cache.hit_ratio())),
            last_window_hit_ratio: (p.last_window.pins > 0)
                .then(|| round(p.last_window.hit_ratio())),
        })
        .collect()
}

#[derive(Serialize)]
pub(crate) struct WindowsJson {
    window_seconds: u64,
    /// `[at_seconds, hit_ratio]` at every sample whose window saw a pin.
    points: Vec<(f64, f64)>,
}

/// `report.json`'s `database.hit_ratio_windows`: the rolling hit ratio at each sample.
pub(crate) fn windows_json(db: &DatabaseRun) -> WindowsJson {
    WindowsJson {
        window_seconds: window_s(),
        points: rolling(db).map(|(at, r)| (at, round(r))).collect(),
    }
}

/// `(seconds, hit ratio)` over the rolling window at each sample whose window saw a pin.
pub(crate) fn rolling(db: &DatabaseRun) -> impl Iterator<Item = (f64, f64)> + '_ {
    (0..db.samples.len()).filter_map(|i| {
        db.window_hit_ratio(i, DatabaseRun::HIT_RATIO_WINDOW)
            .map(|r| (seconds_ms(db.samples[i].at), r))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use memsim_core::{DbCacheMetrics, DbSnapshot, SimTime};

    fn cache(pins: u64, hits: u64) -> DbCacheMetrics {
        DbCacheMetrics {
            hits,
            faults: pins - hits,
            pins,
            unpins: pins,
            evictions: 0,
            flushes: 0,
            pages_in_use: 0,
            max_pages: 100,
        }
    }

    fn run() -> DatabaseRun {
        // A warm-up of 100 faults in the first 5 s, then 100 pins/s all hits.
        let samples: Vec<DbSnapshot> = (0..=30u64)
            .map(|t| {
                let (pins, hits) = if t <= 5 {
                    (t * 20, 0)
                } else {
                    (100 + (t - 5) * 100, (t - 5) * 100)
                };
                DbSnapshot {
                    at: SimTime::ZERO.after(memsim_core::SimDuration::from_secs(t)),
                    stores: Vec::new(),
                    store_bytes: 0,
                    id_file_bytes: 0,
                    store_size_metric_bytes: 0,
                    store_size_metric_at: SimTime::ZERO,
                    translation_table_heap_bytes: 0,
                    tx_pool_used_bytes: 0,
                    tx_log_bytes: 0,
                    tx_log_files: 0,
                    last_tx_id: 0,
                    cache: cache(pins, hits),
                }
            })
            .collect();
        let last = samples.last().expect("samples").clone();
        let phase = |name: &str, from: usize, to: usize, window_from: usize| DbPhaseCache {
            phase: name.to_string(),
            start: samples[from].at,
            end: samples[to].at,
            cache: samples[to].cache.since(&samples[from].cache),
            last_window: samples[to].cache.since(&samples[window_from].cache),
        };
        let phases = vec![
            phase("warm-up", 0, 5, 0),
            phase("queries", 5, 30, 20),
            DbPhaseCache {
                phase: "idle".into(),
                start: samples[0].at,
                end: samples[0].at,
                cache: cache(0, 0),
                last_window: cache(0, 0),
            },
        ];
        DatabaseRun {
            format: "aligned".into(),
            page_cache_bytes: 1 << 20,
            samples,
            steps: Vec::new(),
            last,
            phases,
            restarts: Vec::new(),
        }
    }

    #[test]
    fn phases_and_windows_separate_the_warm_up_from_the_load() {
        let db = run();
        let mut out = Vec::new();
        text(&db, &mut out).expect("write");
        let out = String::from_utf8(out).expect("utf8");
        let rows: Vec<&str> = out.lines().skip(2).collect();
        assert_eq!(rows.len(), 2, "the idle phase pinned nothing:\n{out}");
        assert!(
            rows[0].contains("warm-up") && rows[0].contains("0.0000"),
            "{out}"
        );
        assert!(
            rows[1].contains("queries") && rows[1].contains("1.0000"),
            "{out}"
        );
        let w = windows_json(&db);
        assert_eq!(w.window_seconds, 10);
        // The first sample has no window; the last windows are all hits.
        assert_eq!(w.points.first().map(|p| p.1), Some(0.0));
        assert_eq!(w.points.last(), Some(&(30.0, 1.0)));
        // At 10 s the window is 0..10 s: 100 faults and 500 hits.
        assert!(
            w.points.contains(&(10.0, round(500.0 / 600.0))),
            "{:?}",
            w.points
        );
        let j = phases_json(&db);
        assert_eq!(j[2].hit_ratio, None);
        assert_eq!(j[1].last_window_hit_ratio, Some(1.0));
    }
}
