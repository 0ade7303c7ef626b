//! The plot's frame: which span of time and bytes it shows, tick steps and units, and which
//! samples are drawn.

use memsim_core::RunSummary;

/// Above this many samples, the area is drawn from one sample per bucket (the highest total).
pub(crate) const POINTS_MAX: usize = 1000;

/// The number of decimals needed to print `step` and its multiples exactly (0 to 3).
pub(crate) fn decimals_for(step: f64) -> usize {
    (0..3)
        .find(|d| {
            let scaled = step * [1.0, 10.0, 100.0][*d];
            (scaled - scaled.round()).abs() < 1e-9
        })
        .unwrap_or(3)
}

/// A tick step from a 1-2-2.5-5 series giving at most `ticks_max` intervals up to `max`.
pub(crate) fn nice_step(max: f64, ticks_max: f64) -> f64 {
    const MANTISSAS: [f64; 4] = [1.0, 2.0, 2.5, 5.0];
    let mut scale = 0.001;
    loop {
        for m in MANTISSAS {
            let step = m * scale;
            if max / step <= ticks_max {
                return step;
            }
        }
        scale *= 10.0;
    }
}

/// The byte unit for the y axis: the largest binary unit not above `max_bytes`.
pub(crate) fn byte_unit(max_bytes: u64) -> (f64, &'static str) {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    UNITS
        .iter()
        .find(|(u, _)| max_bytes >= *u)
        .map_or((1.0, "B"), |(u, name)| (*u as f64, *name))
}

/// The time unit for the x axis, from the run's span in seconds.
pub(crate) fn time_unit(span_s: f64) -> (f64, &'static str) {
    if span_s <= 180.0 {
        (1.0, "s")
    } else if span_s <= 3.0 * 3600.0 {
        (60.0, "min")
    } else {
        (3600.0, "h")
    }
}

/// Maps simulated seconds and bytes to SVG coordinates inside the plot rectangle.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub x_max_s: f64,
    pub y_max_bytes: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    pub(crate) fn x(&self, t_s: f64) -> f64 {
        self.left + (t_s / self.x_max_s).clamp(0.0, 1.0) * (self.right - self.left)
    }

    pub(crate) fn y(&self, bytes: f64) -> f64 {
        self.bottom - (bytes / self.y_max_bytes).clamp(0.0, 1.0) * (self.bottom - self.top)
    }
}

/// The axes of a run: the frame, and the ticks each axis prints.
#[derive(Debug, Clone)]
pub(crate) struct Axes {
    pub frame: Frame,
    /// Seconds per time unit and the unit's name.
    pub t_div: f64,
    pub t_unit: &'static str,
    pub t_step: f64,
    pub span_s: f64,
    /// Bytes per byte unit and the unit's name.
    pub b_div: f64,
    pub b_unit: &'static str,
    pub y_step: f64,
    pub n_y_ticks: usize,
    /// The highest working set sampled (0: no working-set line).
    pub max_working_set: u64,
}

impl Axes {
    /// Axes spanning the whole run and every byte figure the chart draws (samples, working set,
    /// peak, limit, configured budget; at least 1 MiB), with 4 % headroom.
    pub(crate) fn of(s: &RunSummary, plot: (f64, f64, f64, f64)) -> Axes {
        let (left, right, top, bottom) = plot;
        let last_sample_s = s.samples.last().map_or(0.0, |x| x.at.as_secs_f64());
        let span_s = last_sample_s.max(s.ended_at.as_secs_f64()).max(1.0);
        let (t_div, t_unit) = time_unit(span_s);
        let t_step = nice_step(span_s / t_div, 10.0);
        let max_total = s
            .samples
            .iter()
            .map(|x| x.resident_total())
            .max()
            .unwrap_or(0);
        let max_working_set = s
            .samples
            .iter()
            .map(|x| x.charge.working_set_bytes)
            .max()
            .unwrap_or(0);
        let y_data_max = max_total
            .max(max_working_set)
            .max(s.peak_resident_bytes)
            .max(s.limit_bytes)
            .max(s.configured_bytes)
            .max(1 << 20);
        let (b_div, b_unit) = byte_unit(y_data_max);
        let y_step = nice_step(y_data_max as f64 * 1.04 / b_div, 8.0);
        let n_y_ticks = (y_data_max as f64 * 1.04 / b_div / y_step).ceil().max(1.0);
        Axes {
            frame: Frame {
                x_max_s: span_s,
                y_max_bytes: n_y_ticks * y_step * b_div,
                left,
                right,
                top,
                bottom,
            },
            t_div,
            t_unit,
            t_step,
            span_s,
            b_div,
            b_unit,
            y_step,
            n_y_ticks: n_y_ticks as usize,
            max_working_set,
        }
    }

    /// The time ticks: values in the time unit.
    pub(crate) fn t_ticks(&self) -> Vec<f64> {
        (0..)
            .map(|i| i as f64 * self.t_step)
            .take_while(|v| v * self.t_div <= self.span_s * (1.0 + 1e-9))
            .collect()
    }
}

/// Sample indices to draw: all of them, or the highest-total sample of each bucket when there are
/// more than [`POINTS_MAX`] (so peaks survive), always with the first and the last.
pub(crate) fn sample_indices(s: &RunSummary) -> Vec<usize> {
    let n = s.samples.len();
    if n <= POINTS_MAX {
        return (0..n).collect();
    }
    let buckets = POINTS_MAX / 2;
    let mut picked = vec![0];
    for b in 0..buckets {
        let (from, to) = (b * n / buckets, ((b + 1) * n / buckets).min(n));
        if let Some(best) =
            (from..to).max_by_key(|i| (s.samples[*i].resident_total(), std::cmp::Reverse(*i)))
        {
            picked.push(best);
        }
    }
    picked.push(n - 1);
    picked.dedup();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_and_units() {
        assert_eq!(nice_step(13.0, 8.0), 2.0);
        assert_eq!(nice_step(12.05, 10.0), 2.0);
        assert_eq!(nice_step(0.3, 8.0), 0.05);
        assert_eq!(decimals_for(2.5), 1);
        assert_eq!(decimals_for(0.05), 2);
        assert_eq!(decimals_for(20.0), 0);
        assert_eq!(byte_unit(12 << 30).1, "GiB");
        assert_eq!(byte_unit(300 << 20).1, "MiB");
        assert_eq!(time_unit(723.0).1, "min");
        assert_eq!(time_unit(100.0).1, "s");
    }
}
