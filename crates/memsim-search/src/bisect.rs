//! The two searches over a setting counted in steps: the smallest value that runs clean
//! ([`smallest_clean`], bracketing upwards by doubling, then bisection) and the largest that fits
//! under the target ([`largest_fitting`], bracketing and bisection guided by interpolating the
//! peaks seen). Each round runs its probes in parallel, as many as the request has threads.

use std::collections::BTreeMap;

use crate::evaluator::Evaluator;
use crate::recommend::Candidate;
use crate::{SearchError, Settings};

/// Evenly spaced points strictly inside `(lo, hi)`, at most `n` (none for `n = 0`: a round whose
/// threads are all taken by its own probes adds none).
pub(crate) fn inner_points(lo: i64, hi: i64, n: usize) -> Vec<i64> {
    let span = hi - lo;
    if span <= 1 || n == 0 {
        return Vec::new();
    }
    let n = (n as i64).min(span - 1).max(1);
    let mut out: Vec<i64> = (1..=n).map(|i| lo + span * i / (n + 1)).collect();
    out.dedup();
    out.retain(|k| *k > lo && *k < hi);
    out
}

/// The smallest `k ≥ 1` (in units) whose configuration runs clean, at most `max_units`; returns it
/// and the run one unit below, if any. The first round runs `start` and the unit below it (a
/// scenario's own value, or what a run had resident, is usually close above the floor); while
/// everything run is clean the bracket gallops downwards (1, 2, 4, … units below the smallest clean
/// value), while nothing is it doubles upwards; then the bracket is bisected. `Err` carries the run
/// at `max_units` when even that fails.
pub(crate) fn smallest_clean(
    ev: &mut Evaluator<'_>,
    start: i64,
    max_units: i64,
    make: &dyn Fn(i64) -> Settings,
) -> Result<Result<(i64, Option<Candidate>), Candidate>, SearchError> {
    let start = start.clamp(1, max_units);
    let jobs = ev.request.jobs.max(1);
    // hi: smallest known clean (max_units + 1: none yet); bad: largest known failing below it
    // (0: none yet, k = 0 being no setting at all).
    let mut hi = max_units + 1;
    let mut bad = 0i64;
    let mut gap = 1i64;
    let mut probes: Vec<i64> = (0..jobs as i64)
        .map(|i| start - i)
        .filter(|k| *k >= 1)
        .collect();
    loop {
        probes.sort_unstable();
        probes.dedup();
        let settings: Vec<Settings> = probes.iter().map(|k| make(*k)).collect();
        let outcomes = ev.run(&settings, &[])?;
        for (k, o) in probes.iter().zip(&outcomes) {
            if o.clean() {
                hi = hi.min(*k);
            }
        }
        for (k, o) in probes.iter().zip(&outcomes) {
            if !o.clean() && *k < hi {
                bad = bad.max(*k);
            }
        }
        if hi > max_units && bad >= max_units {
            // Nothing clean up to the bound.
            let s = make(max_units);
            return Ok(Err(Candidate {
                settings: s,
                outcome: ev.outcome(&s).expect("ran").clone(),
            }));
        }
        if hi - bad <= 1 {
            break;
        }
        probes = if hi > max_units {
            // Nothing clean yet: double upwards from the largest failure.
            (1..=jobs as u32)
                .map(|i| (bad << i).min(max_units))
                .collect()
        } else if bad == 0 && hi > 1 {
            // Nothing failing yet: gallop downwards.
            let p: Vec<i64> = (0..jobs)
                .map(|_| {
                    gap *= 2;
                    (hi - gap / 2).max(1)
                })
                .collect();
            p
        } else {
            inner_points(bad, hi, jobs)
        };
    }
    let below = (bad >= 1).then(|| {
        let s = make(bad);
        Candidate {
            settings: s,
            outcome: ev.outcome(&s).expect("ran").clone(),
        }
    });
    Ok(Ok((hi, below)))
}

/// The largest `k` in `0..=k_max` whose configuration fits under the target, and whether `k + 1`
/// was run (it does not fit) or lies past `k_max`. `guess` is the first probe; `slope` the peak's
/// expected growth per step of `k`. `Err` carries `k = 0`'s run when even it does not fit.
pub(crate) fn largest_fitting(
    ev: &mut Evaluator<'_>,
    k_max: i64,
    guess: i64,
    slope: f64,
    make: &dyn Fn(i64) -> Settings,
) -> Result<Result<i64, Candidate>, SearchError> {
    let target = ev.target;
    // good: largest known fitting (−1: none yet); bad: smallest known not fitting (k_max + 1: none).
    let mut good: i64 = -1;
    let mut bad: i64 = k_max + 1;
    let mut peaks: BTreeMap<i64, u64> = BTreeMap::new();
    let mut last_sides: Option<(bool, bool)> = None;
    while bad - good > 1 {
        let known_good = peaks.get(&good).copied();
        let known_bad = peaks.get(&bad).copied();
        // The interpolated boundary: the largest k predicted to fit.
        let interpolated = match (known_good, known_bad) {
            (Some(pg), Some(pb)) if pb > pg && pb > target => {
                let per_step = (pb - pg) as f64 / (bad - good) as f64;
                Some(good + ((target.saturating_sub(pg)) as f64 / per_step).floor() as i64)
            }
            (Some(pg), _) => Some(good + (target.saturating_sub(pg) as f64 / slope).floor() as i64),
            (None, Some(pb)) if pb > target => {
                Some(bad - ((pb - target) as f64 / slope).ceil() as i64)
            }
            (None, None) => Some(guess),
            _ => None,
        };
        // Fall back to the middle when the last round moved one end only, with both probes.
        let g = match (interpolated, last_sides) {
            (Some(g), None | Some((true, false))) => g,
            _ => good + (bad - good) / 2,
        }
        .clamp(good + 1, bad - 1);
        let mut probes = vec![g];
        if ev.request.jobs >= 2 && g + 1 < bad {
            probes.push(g + 1);
        } else if ev.request.jobs >= 2 && g - 1 > good {
            probes.insert(0, g - 1);
        }
        for extra in inner_points(good, bad, ev.request.jobs.saturating_sub(2)) {
            if !probes.contains(&extra) {
                probes.push(extra);
            }
        }
        probes.sort_unstable();
        let settings: Vec<Settings> = probes.iter().map(|k| make(*k)).collect();
        let outcomes = ev.run(&settings, &[])?;
        let mut any_fit = false;
        let mut any_not = false;
        for (k, o) in probes.iter().zip(&outcomes) {
            peaks.insert(*k, o.peak_resident_bytes);
            if o.fits_under(target) {
                any_fit = true;
                good = good.max(*k);
            }
        }
        for (k, o) in probes.iter().zip(&outcomes) {
            if !o.fits_under(target) && *k > good {
                any_not = true;
                bad = bad.min(*k);
            }
        }
        last_sides = Some((any_fit, any_not));
    }
    if good < 0 {
        let s = make(0);
        return Ok(Err(Candidate {
            settings: s,
            outcome: ev.outcome(&s).expect("ran").clone(),
        }));
    }
    Ok(Ok(good))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_points_are_strictly_inside() {
        assert_eq!(inner_points(0, 10, 1), [5]);
        assert_eq!(inner_points(0, 10, 2), [3, 6]);
        assert_eq!(inner_points(3, 5, 4), [4]);
        assert!(inner_points(3, 4, 2).is_empty());
        // No thread left over: no extra probe (it used to add the midpoint, a third simulation in
        // a round of two on two threads).
        assert!(inner_points(0, 10, 0).is_empty());
    }
}
