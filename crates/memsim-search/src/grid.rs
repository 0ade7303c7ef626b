//! A sweep's grid: axes from `--set KEY=V1,V2,…`, every combination in a fixed order (the first
//! axis slowest, the last fastest, values in the order given), and `--shard I/N`'s contiguous slice
//! of it, so that any machine computes the same points for the same arguments.

use std::ops::Range;

use memsim_scenario::Override;

use crate::SearchError;

/// The most points one sweep may have (each is a simulation).
pub const MAX_POINTS: usize = 100_000;

/// One parameter and the values it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axis {
    /// The key path (`jvm.heap.max`), or several joined by `+` that take the same value together
    /// (`jvm.heap.initial+jvm.heap.max`, for `-Xms` = `-Xmx`).
    pub key: String,
    /// The values, as written.
    pub values: Vec<String>,
}

/// Splits at commas outside parentheses, so a distribution such as
/// `lognormal(median=8k, sigma=1.0)` stays one value.
fn split_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

impl Axis {
    /// Reads `KEY=V1,V2,…`.
    ///
    /// # Errors
    /// [`SearchError::Axis`]: no `=`, an empty key or value, or a value given twice.
    pub fn parse(arg: &str) -> Result<Axis, SearchError> {
        let bad = |message: &str| SearchError::Axis {
            arg: arg.to_string(),
            message: message.to_string(),
        };
        let (key, values) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=V1,V2,…, e.g. `jvm.heap.max=2g,3g,4g`"))?;
        let key = key.trim();
        if key.split('+').any(|k| k.trim().is_empty()) {
            return Err(bad("a key is empty"));
        }
        let values = split_values(values);
        if values.iter().any(String::is_empty) {
            return Err(bad("a value is empty"));
        }
        for (i, v) in values.iter().enumerate() {
            if values[..i].contains(v) {
                return Err(bad(&format!("the value `{v}` is given twice")));
            }
        }
        Ok(Axis {
            key: key.to_string(),
            values,
        })
    }
}

/// Every combination of the axes' values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    axes: Vec<Axis>,
    len: usize,
}

impl Grid {
    /// The grid of `axes` (at least one, keys distinct).
    ///
    /// # Errors
    /// [`SearchError::Axis`] for no axis or a key given twice; [`SearchError::GridTooLarge`] past
    /// [`MAX_POINTS`].
    pub fn new(axes: Vec<Axis>) -> Result<Grid, SearchError> {
        if axes.is_empty() {
            return Err(SearchError::Axis {
                arg: String::new(),
                message: "a sweep needs at least one --set KEY=V1,V2,…".into(),
            });
        }
        // Each key once, counting the keys of `+`-joined axes one by one: a key in two axes would
        // take the later axis's value while the earlier one's column claims otherwise.
        let mut seen: Vec<&str> = Vec::new();
        for a in &axes {
            for key in a.key.split('+').map(str::trim) {
                if seen.contains(&key) {
                    return Err(SearchError::Axis {
                        arg: format!("{}=…", a.key),
                        message: format!(
                            "`{key}` is swept twice; give all its values in one --set"
                        ),
                    });
                }
                seen.push(key);
            }
        }
        let points = axes
            .iter()
            .fold(1u128, |n, a| n.saturating_mul(a.values.len() as u128));
        if points > MAX_POINTS as u128 {
            return Err(SearchError::GridTooLarge {
                points,
                max: MAX_POINTS,
            });
        }
        Ok(Grid {
            axes,
            len: points as usize,
        })
    }

    /// The axes.
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the grid has no point (never: every axis has a value).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The values of point `index` (`index < len()`), one per axis.
    pub fn values(&self, index: usize) -> Vec<String> {
        let mut rest = index;
        let mut out = vec![String::new(); self.axes.len()];
        for (slot, axis) in out.iter_mut().zip(&self.axes).rev() {
            let n = axis.values.len();
            *slot = axis.values[rest % n].clone();
            rest /= n;
        }
        out
    }

    /// The overrides of point `index` (one per key of a `+`-joined axis).
    pub fn overrides(&self, index: usize) -> Vec<Override> {
        self.axes
            .iter()
            .zip(self.values(index))
            .flat_map(|(a, v)| {
                a.key
                    .split('+')
                    .map(move |k| Override::new(k.trim(), v.clone()))
            })
            .collect()
    }
}

/// `--shard I/N`: the `I`th of `N` contiguous slices of a grid, `I` counted from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, from 0.
    pub index: usize,
    /// How many slices.
    pub count: usize,
}

impl Shard {
    /// Reads `I/N`.
    ///
    /// # Errors
    /// [`SearchError::Shard`] unless `0 ≤ I < N`.
    pub fn parse(arg: &str) -> Result<Shard, SearchError> {
        let bad = || SearchError::Shard {
            arg: arg.to_string(),
        };
        let (i, n) = arg.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The points of a grid of `len` points this shard runs: slices differ in size by at most one
    /// and together cover every point once.
    pub fn range(&self, len: usize) -> Range<usize> {
        let at = |i: usize| (len as u128 * i as u128 / self.count as u128) as usize;
        at(self.index)..at(self.index + 1)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_split_at_top_level_commas() {
        let a =
            Axis::parse("phase[1].requests.buffer=lognormal(median=8k, sigma=1.0),16k").unwrap();
        assert_eq!(a.values, ["lognormal(median=8k, sigma=1.0)", "16k"]);
        assert!(Axis::parse("jvm.heap.max").is_err());
        assert!(Axis::parse("jvm.heap.max=2g,,3g").is_err());
        assert!(Axis::parse("jvm.heap.max=2g,2g").is_err());
    }

    #[test]
    fn points_run_the_last_axis_fastest() {
        let g = Grid::new(vec![
            Axis::parse("a=1,2").unwrap(),
            Axis::parse("b=x,y,z").unwrap(),
        ])
        .unwrap();
        assert_eq!(g.len(), 6);
        let all: Vec<Vec<String>> = (0..6).map(|i| g.values(i)).collect();
        assert_eq!(all[0], ["1", "x"]);
        assert_eq!(all[1], ["1", "y"]);
        assert_eq!(all[3], ["2", "x"]);
        assert_eq!(all[5], ["2", "z"]);
        assert!(
            Grid::new(vec![
                Axis::parse("a=1").unwrap(),
                Axis::parse("a=2").unwrap()
            ])
            .is_err()
        );
        // A key of a `+`-joined axis counts too.
        let e = Grid::new(vec![
            Axis::parse("jvm.heap.initial+jvm.heap.max=2g,3g").unwrap(),
            Axis::parse("jvm.heap.max=4g").unwrap(),
        ])
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "--set jvm.heap.max=…: `jvm.heap.max` is swept twice; give all its values in one --set"
        );
        assert!(Grid::new(vec![Axis::parse("a+a=1").unwrap()]).is_err());
    }

    #[test]
    fn shards_cover_every_point_once() {
        for len in [0, 1, 5, 6, 7, 100] {
            for count in 1..=8 {
                let mut seen = Vec::new();
                for index in 0..count {
                    seen.extend(Shard { index, count }.range(len));
                }
                assert_eq!(seen, (0..len).collect::<Vec<_>>(), "{len} {count}");
            }
        }
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1").is_err());
    }
}
