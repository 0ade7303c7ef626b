//! `memsim recommend`: the best settings whose peak stays under a limit less headroom, for the
//! whole workload, with no Java or Netty errors — found by simulation, not by formula.
//!
//! The search is bounded and deterministic (every run is; batches are placed by index):
//!
//! 1. **Floors.** Each varied setting other than the page cache has a floor: the smallest value
//!    (in units of four steps) at which the workload runs to its end without errors (no
//!    `OutOfMemoryError`, no Netty `OutOfDirectMemoryError`, no failed request or thread; not
//!    killed, not thrashing). The heap's floor is bracketed from the scenario's heap (doubling
//!    upwards while it fails) and bisected, with the page cache at one step and the direct cap
//!    generous, so the limit does not decide it; the direct cap's is bracketed from the direct
//!    memory that run had resident and bisected with the heap at its floor. The page cache's floor
//!    is one step; the stack size's (`threads`) is the deepest stack the workload touches, rounded
//!    up to 64 KiB (the scenario format refuses less, and the model would not fail: deeper stacks
//!    than the scenario's are not covered).
//! 2. **The objective.** The objective's settings grow from their floors in steps (`max-page-cache`:
//!    the page cache; `max-heap`: the heap; `balanced`: both, a step each), the others held at
//!    their floors. The largest number of steps that still fits is bracketed and bisected on the
//!    peak: each round runs a guess interpolated from the peaks seen (regula falsi, starting from
//!    one byte of peak per byte of setting) and the step after it, falling back to the middle of
//!    the bracket when a round does not close it, until the largest fitting count and the one
//!    after it have both run. So the answer fits and one step more on the binding setting was
//!    simulated and does not — the proof is part of the answer.
//!
//! Assumed, and approximate where it fails: a fitting configuration stays error-free with more
//! heap or direct cap, and the peak does not fall as a setting grows (both hold for the models'
//! mechanisms; a non-monotone case could make the answer one that fits but not the largest).
//! Every run is counted against `max_simulations`; the search stops with an error rather than
//! exceed it.

use std::collections::BTreeMap;

use memsim_core::ByteSize;
use memsim_scenario::{Override, OverrideError, Scenario};

use crate::bisect::{largest_fitting, smallest_clean};
pub use crate::compare::Comparison;
use crate::compare::compare;
use crate::evaluator::Evaluator;
use crate::settings::size_text;
use crate::{Knob, Objective, Outcome, SearchError, Settings};

/// What to search.
#[derive(Debug, Clone)]
pub struct RecommendRequest<'a> {
    /// The scenario file's text.
    pub source: &'a str,
    /// Its name as given.
    pub file: &'a str,
    /// The container's memory limit (the scenario runs with `machine.container_limit` set to it).
    pub limit_bytes: u64,
    /// Headroom kept free under the limit, in percent (0 ≤ h < 100).
    pub headroom_percent: f64,
    /// The settings the search may change.
    pub vary: Vec<Knob>,
    /// What it maximizes.
    pub objective: Objective,
    /// The resolution of the objective's settings (floors use four steps).
    pub step_bytes: u64,
    /// At most this many simulations.
    pub max_simulations: usize,
    /// Threads to run simulations on.
    pub jobs: usize,
    /// Also run what the Cloud Foundry calculator and Neo4j's recommendation choose.
    pub compare: bool,
}

/// A configuration and what its run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The settings (unset knobs: the scenario's).
    pub settings: Settings,
    /// The run.
    pub outcome: Outcome,
}

/// A varied setting's floor and the run one unit below it that failed, when there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Floor {
    /// The setting.
    pub knob: Knob,
    /// Its floor.
    pub bytes: u64,
    /// How it was found.
    pub how: String,
    /// The run one unit below, which failed.
    pub below: Option<Candidate>,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct Recommendation {
    /// The scenario file, as given.
    pub file: String,
    /// The scenario as it runs under the limit (before the search's settings).
    pub scenario: Scenario,
    /// The limit.
    pub limit_bytes: u64,
    /// The headroom, in percent.
    pub headroom_percent: f64,
    /// limit − headroom: what the peak must stay under.
    pub target_bytes: u64,
    /// The objective.
    pub objective: Objective,
    /// The varied settings.
    pub vary: Vec<Knob>,
    /// The step.
    pub step_bytes: u64,
    /// The recommended configuration.
    pub chosen: Candidate,
    /// The floors found.
    pub floors: Vec<Floor>,
    /// One step more on the objective's settings, which does not fit; `None` when the search's
    /// range ended first (the setting reached the target on its own).
    pub one_step_larger: Option<Candidate>,
    /// Why that one does not fit, or that the range ended.
    pub binding: String,
    /// Other fitting configurations the search ran, best first.
    pub alternatives: Vec<Candidate>,
    /// The formulas' choices, when asked for.
    pub comparisons: Vec<Comparison>,
    /// Simulations run.
    pub simulations: usize,
    /// Rounds of simulations (each round runs in parallel).
    pub rounds: usize,
    /// The scenario file's text.
    pub original_text: String,
    /// The scenario file's text with the limit and the recommended settings applied.
    pub recommended_text: String,
    /// The overrides that turn one into the other.
    pub overrides: Vec<Override>,
}

fn round_up(bytes: u64, unit: u64) -> u64 {
    bytes.div_ceil(unit).max(1) * unit
}

/// Searches for the best configuration. See the module documentation for how.
///
/// # Errors
/// [`SearchError::Request`] for a request that cannot be searched (headroom out of range, an
/// objective whose settings are not varied, no page cache for a page-cache objective, the
/// simulation cap reached); [`SearchError::Override`] for a scenario that does not read;
/// [`SearchError::NothingFits`] when no configuration in reach runs clean under the target.
pub fn recommend(request: &RecommendRequest<'_>) -> Result<Recommendation, SearchError> {
    if !(0.0..100.0).contains(&request.headroom_percent) {
        return Err(SearchError::Request(format!(
            "--headroom {}%: it must be at least 0 % and below 100 %",
            request.headroom_percent
        )));
    }
    if request.limit_bytes == 0 {
        return Err(SearchError::Request(
            "--limit 0: the container's limit must be above zero".into(),
        ));
    }
    if request.step_bytes < (1 << 20) {
        return Err(SearchError::Request("--step must be at least 1m".into()));
    }
    for k in request.objective.grows() {
        if !request.vary.contains(k) {
            return Err(SearchError::Request(format!(
                "--objective {} grows {}, which --vary does not include (add it to --vary, or choose an --objective that grows a varied setting: max-heap grows heap, max-page-cache page_cache, balanced both)",
                request.objective.name(),
                k
            )));
        }
    }
    let step = request.step_bytes;
    let unit = step * 4;
    let original = crate::sweep::parse_as_written(request.source, request.file)?;
    let mut base = vec![Override::new(
        "machine.container_limit",
        request.limit_bytes.to_string(),
    )];
    if original.machine.ram < request.limit_bytes {
        base.push(Override::new(
            "machine.ram",
            request.limit_bytes.to_string(),
        ));
    }
    // The limit's overrides are `--limit`'s, not a `--set` the user gave: name it.
    let (scenario, _) = memsim_scenario::parse_with_overrides(request.source, request.file, &base)
        .map_err(|e| match e {
            OverrideError::BadValue { message, .. } => SearchError::Request(format!(
                "--limit {}: {message}",
                ByteSize(request.limit_bytes)
            )),
            e => SearchError::Override(e),
        })?;
    if request.vary.contains(&Knob::PageCache) && scenario.page_cache.is_none() {
        return Err(SearchError::Request(
            "--vary page_cache (heap,page_cache,max_direct unless given): the scenario has no [page_cache] (no database); for a JVM without one, give --vary heap,max_direct --objective max-heap".into(),
        ));
    }
    let target = (request.limit_bytes as f64 * (1.0 - request.headroom_percent / 100.0)) as u64;
    if step > target {
        // A tiny limit (nothing fits: exit 3, as for any limit too small) or a huge --step.
        return Err(SearchError::NothingFits(format!(
            "the target {} (the limit less headroom) is smaller than one --step ({}), the least the search changes a setting by",
            ByteSize(target),
            size_text(step)
        )));
    }
    let mut ev = Evaluator {
        request,
        base: base.clone(),
        scenario: scenario.clone(),
        target,
        seen: BTreeMap::new(),
        log: Vec::new(),
        rounds: 0,
    };
    let varies = |k: Knob| request.vary.contains(&k);

    // 1. Floors.
    let mut floors: Vec<Floor> = Vec::new();
    let mut at_floors = Settings::default();
    if varies(Knob::Threads) {
        let deepest = scenario
            .phases
            .iter()
            .map(|p| p.stack_touched)
            .max()
            .unwrap_or(0);
        let xss = round_up(deepest, 64 << 10);
        at_floors.set(Knob::Threads, xss);
        floors.push(Floor {
            knob: Knob::Threads,
            bytes: xss,
            how: format!(
                "the deepest stack the workload touches ({}), rounded up to 64 KiB",
                ByteSize(deepest)
            ),
            below: None,
        });
    }
    if varies(Knob::PageCache) {
        at_floors.set(Knob::PageCache, step);
    }
    let generous_direct = (target / step).max(1) * step;
    if varies(Knob::MaxDirect) {
        at_floors.set(Knob::MaxDirect, generous_direct);
    }
    let max_units = (target / unit).max(1) as i64;
    if varies(Knob::Heap) {
        let start = scenario.jvm.heap_max.unwrap_or(1 << 30).div_ceil(unit) as i64;
        let probe = at_floors;
        let make = |k: i64| probe.with(Knob::Heap, k as u64 * unit);
        match smallest_clean(&mut ev, start, max_units, &make)? {
            Ok((k, below)) => {
                at_floors.set(Knob::Heap, k as u64 * unit);
                floors.push(Floor {
                    knob: Knob::Heap,
                    bytes: k as u64 * unit,
                    how: format!(
                        "the smallest heap, in {} units, that runs without errors (page cache {}, direct cap {})",
                        ByteSize(unit),
                        probe.page_cache.map_or("as the scenario".into(), |b| ByteSize(b).to_string()),
                        probe.max_direct.map_or("as the scenario".into(), |b| ByteSize(b).to_string()),
                    ),
                    below,
                });
            }
            Err(c) => {
                return Err(SearchError::NothingFits(format!(
                    "no heap up to {} runs the workload without errors: {}",
                    ByteSize(c.settings.heap.unwrap_or(0)),
                    c.outcome.why_not(u64::MAX).unwrap_or_default()
                )));
            }
        }
    }
    if varies(Knob::MaxDirect) {
        // Bracketed from the direct memory resident in the last clean run at a generous cap.
        let seen_direct = ev
            .log
            .iter()
            .rev()
            .find(|c| c.outcome.clean() && c.settings.max_direct == Some(generous_direct))
            .map(|c| c.outcome.direct_peak_bytes);
        let seen_direct = match seen_direct {
            Some(d) => d,
            None => ev.run(&[at_floors], &[])?[0].direct_peak_bytes,
        };
        let start = seen_direct.div_ceil(unit).max(1) as i64;
        let probe = at_floors;
        let make = |k: i64| probe.with(Knob::MaxDirect, k as u64 * unit);
        match smallest_clean(&mut ev, start, max_units, &make)? {
            Ok((k, below)) => {
                at_floors.set(Knob::MaxDirect, k as u64 * unit);
                floors.push(Floor {
                    knob: Knob::MaxDirect,
                    bytes: k as u64 * unit,
                    how: format!(
                        "the smallest -XX:MaxDirectMemorySize, in {} units, without direct memory errors (bracketed from the {} of direct memory resident under a generous cap)",
                        ByteSize(unit),
                        ByteSize(seen_direct)
                    ),
                    below,
                });
            }
            Err(c) => {
                return Err(SearchError::NothingFits(format!(
                    "no direct memory cap up to {} runs the workload without errors: {}",
                    ByteSize(c.settings.max_direct.unwrap_or(0)),
                    c.outcome.why_not(u64::MAX).unwrap_or_default()
                )));
            }
        }
    }

    // 2. The objective.
    let grows = request.objective.grows();
    let floor_of = |k: Knob| at_floors.get(k).unwrap_or(step);
    let make = |k: i64| {
        let mut s = at_floors;
        for knob in grows {
            s.set(*knob, floor_of(*knob) + k as u64 * step);
        }
        s
    };
    let grown_at_zero: u64 = grows.iter().map(|k| floor_of(*k)).sum();
    let k_by_target = (target.saturating_sub(grown_at_zero) / step / grows.len() as u64) as i64;
    // A setting's own maximum in the scenario format can end the range first (a 1 TiB page cache
    // under a 2 TiB limit).
    let capped = grows
        .iter()
        .map(|k| {
            let room = k.max_bytes().saturating_sub(floor_of(*k)) / step;
            (room as i64, *k)
        })
        .min();
    let (k_max, capped_by) = match capped {
        Some((room, knob)) if room < k_by_target => (room, Some(knob)),
        _ => (k_by_target, None),
    };
    let slope = (step * grows.len() as u64) as f64;
    // The first guess: from the last clean run, one byte of peak per byte of setting.
    let guess = ev
        .log
        .iter()
        .rev()
        .find(|c| c.outcome.clean())
        .map_or(0, |c| {
            let grown_then: u64 = grows.iter().map(|k| c.settings.get(*k).unwrap_or(0)).sum();
            let peak_at_zero =
                c.outcome.peak_resident_bytes as i128 - grown_then as i128 + grown_at_zero as i128;
            ((target as i128 - peak_at_zero) as f64 / slope).floor() as i64
        });
    let k = match largest_fitting(&mut ev, k_max, guess, slope, &make)? {
        Ok(k) => k,
        Err(c) => {
            return Err(SearchError::NothingFits(format!(
                "even the floors ({}) do not fit under {}: {}",
                describe(&c.settings),
                ByteSize(target),
                c.outcome.why_not(target).unwrap_or_default()
            )));
        }
    };
    let chosen_settings = make(k);
    let chosen = Candidate {
        settings: chosen_settings,
        outcome: ev.outcome(&chosen_settings).expect("ran").clone(),
    };
    let one_step_larger = (k < k_max).then(|| {
        let s = make(k + 1);
        Candidate {
            settings: s,
            outcome: ev.outcome(&s).expect("ran").clone(),
        }
    });
    let grown_names: Vec<&str> = grows.iter().map(|k| k.name()).collect();
    let binding = match &one_step_larger {
        Some(c) => format!(
            "{}: one step ({}{}) more does not fit — {}",
            grown_names.join(" and "),
            ByteSize(step),
            if grows.len() > 1 { " each" } else { "" },
            c.outcome.why_not(target).unwrap_or_default()
        ),
        None => match capped_by {
            Some(knob) => format!(
                "{}: the search's range ended ({} reached the largest value memsim models, {})",
                grown_names.join(" and "),
                knob,
                ByteSize(knob.max_bytes())
            ),
            None => format!(
                "{}: the search's range ended (the setting alone reaches the target {})",
                grown_names.join(" and "),
                ByteSize(target)
            ),
        },
    };

    // Alternatives: the same total moved between heap and page cache, one and two floor units.
    let mut trades: Vec<Settings> = Vec::new();
    let pairs: &[(Knob, Knob)] = match request.objective {
        Objective::MaxPageCache => &[(Knob::PageCache, Knob::Heap)],
        Objective::MaxHeap => &[(Knob::Heap, Knob::PageCache)],
        Objective::Balanced => &[(Knob::PageCache, Knob::Heap), (Knob::Heap, Knob::PageCache)],
    };
    let amounts: &[u64] = if pairs.len() == 1 { &[1, 2] } else { &[1] };
    for (from, to) in pairs {
        if !varies(*from) || !varies(*to) {
            continue;
        }
        for n in amounts {
            let moved = n * unit;
            let (Some(f), Some(t)) = (chosen_settings.get(*from), chosen_settings.get(*to)) else {
                continue;
            };
            if f >= floor_of(*from) + moved && t + moved <= to.max_bytes() {
                trades.push(chosen_settings.with(*from, f - moved).with(*to, t + moved));
            }
        }
    }
    let comparisons = if request.compare {
        compare(&mut ev, &scenario, &trades)?
    } else {
        ev.run(&trades, &[])?;
        Vec::new()
    };
    let alternatives: Vec<Candidate> = trades
        .iter()
        .filter_map(|s| {
            ev.outcome(s).map(|o| Candidate {
                settings: *s,
                outcome: o.clone(),
            })
        })
        .collect();

    let overrides = ev.overrides(&chosen_settings, &[]);
    let recommended_text =
        memsim_scenario::apply_overrides(request.source, request.file, &overrides)?;
    Ok(Recommendation {
        file: request.file.to_string(),
        scenario,
        limit_bytes: request.limit_bytes,
        headroom_percent: request.headroom_percent,
        target_bytes: target,
        objective: request.objective,
        vary: request.vary.clone(),
        step_bytes: step,
        chosen,
        floors,
        one_step_larger,
        binding,
        alternatives,
        comparisons,
        simulations: ev.simulations(),
        rounds: ev.rounds,
        original_text: request.source.to_string(),
        recommended_text,
        overrides,
    })
}

/// `heap 1.50 GiB, page cache 64.00 MiB` for the knobs set.
pub(crate) fn describe(s: &Settings) -> String {
    Knob::ALL
        .iter()
        .filter_map(|k| s.get(*k).map(|v| format!("{} {}", k.name(), size_text(v))))
        .collect::<Vec<_>>()
        .join(", ")
}
