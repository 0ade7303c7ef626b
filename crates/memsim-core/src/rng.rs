//! The one seeded random number generator of a run, and the distributions scenarios draw from.
//!
//! `SimRng` is ChaCha8 seeded from the scenario's seed (and a stream number, so each workload phase
//! draws from its own stream and adding a phase does not perturb the others). Results are identical
//! for the same seed on the same platform; the floating-point transcendental functions behind the
//! exponential and lognormal draws may differ in the last bit across CPU architectures.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;

/// A seeded, reproducible random stream.
#[derive(Debug, Clone)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl SimRng {
    /// The stream `stream` of the run seeded with `seed`.
    pub fn new(seed: u64, stream: u64) -> SimRng {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream);
        SimRng { inner }
    }

    /// A uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        self.inner.random_range(0..n)
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.inner.random()
    }

    /// An exponentially distributed float with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        if mean <= 0.0 {
            return 0.0;
        }
        let e = rand_distr::Exp1;
        let x: f64 = e.sample(&mut self.inner);
        x * mean
    }

    /// A standard normal float.
    pub fn standard_normal(&mut self) -> f64 {
        rand_distr::StandardNormal.sample(&mut self.inner)
    }

    /// A rank of `zipf`, in `0..zipf.n()` (rank 0 the most frequent).
    pub fn zipf_rank(&mut self, zipf: &ZipfRanks) -> u64 {
        let x: f64 = zipf.inner.sample(&mut self.inner);
        // The sampler returns integral floats in [1, n].
        (x as u64).clamp(1, zipf.n) - 1
    }
}

/// A Zipf distribution over ranks `0..n`: rank `k` drawn with probability proportional to
/// `1 / (k + 1)^exponent` (`rand_distr::Zipf`, rejection-inversion sampling: O(1) per draw whatever
/// `n`). Exponent 0 is uniform.
#[derive(Debug, Clone, Copy)]
pub struct ZipfRanks {
    inner: rand_distr::Zipf<f64>,
    n: u64,
}

impl ZipfRanks {
    /// Ranks `0..n` with `exponent`; `None` for `n = 0` or an exponent that is negative or not finite.
    pub fn new(n: u64, exponent: f64) -> Option<ZipfRanks> {
        if n == 0 || !exponent.is_finite() || exponent < 0.0 {
            return None;
        }
        let inner = rand_distr::Zipf::new(n as f64, exponent).ok()?;
        Some(ZipfRanks { inner, n })
    }

    /// The number of ranks.
    pub fn n(&self) -> u64 {
        self.n
    }
}

/// A distribution of non-negative values in some unit (bytes or nanoseconds), as scenarios write them:
/// `constant(16k)` or just `16k`, `uniform(1k, 64k)`, `exp(40ms)`, `lognormal(median=16k, sigma=1.5)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Constant(u64),
    /// Uniform over `[lo, hi]`.
    Uniform {
        /// Lowest value.
        lo: u64,
        /// Highest value.
        hi: u64,
    },
    /// Exponential with this mean (memoryless: Poisson inter-arrivals, hold times).
    Exponential {
        /// The mean.
        mean: u64,
    },
    /// Lognormal: `ln(X) ~ Normal(ln(median), sigma)`; heavy-tailed like real message sizes.
    LogNormal {
        /// The median (`e^mu`).
        median: u64,
        /// The standard deviation of `ln(X)`.
        sigma: f64,
    },
}

impl Dist {
    /// Draws one value, rounded down to an integer, saturating at `u64::MAX`, and never above `cap`.
    pub fn sample(&self, rng: &mut SimRng, cap: u64) -> u64 {
        let v = match *self {
            Dist::Constant(v) => return v.min(cap),
            Dist::Uniform { lo, hi } => return (lo + rng.below(hi - lo + 1)).min(cap),
            Dist::Exponential { mean } => rng.exponential(mean as f64),
            Dist::LogNormal { median, sigma } => {
                (median as f64) * (sigma * rng.standard_normal()).exp()
            }
        };
        if v.is_finite() && v < cap as f64 {
            v as u64
        } else {
            cap
        }
    }

    /// The distribution's mean, for estimates and documentation.
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Constant(v) => v as f64,
            Dist::Uniform { lo, hi } => (lo as f64 + hi as f64) / 2.0,
            Dist::Exponential { mean } => mean as f64,
            Dist::LogNormal { median, sigma } => median as f64 * (sigma * sigma / 2.0).exp(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = SimRng::new(7, 1);
        let mut b = SimRng::new(7, 1);
        let mut c = SimRng::new(7, 2);
        let xa: Vec<u64> = (0..8).map(|_| a.below(1000)).collect();
        let xb: Vec<u64> = (0..8).map(|_| b.below(1000)).collect();
        let xc: Vec<u64> = (0..8).map(|_| c.below(1000)).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn zipf_ranks_favour_the_first_and_stay_in_range() {
        let z = ZipfRanks::new(1000, 1.0).expect("valid");
        let mut rng = SimRng::new(3, 0);
        let mut first = 0u64;
        let mut last_half = 0u64;
        let n = 100_000;
        for _ in 0..n {
            let r = rng.zipf_rank(&z);
            assert!(r < 1000);
            first += u64::from(r == 0);
            last_half += u64::from(r >= 500);
        }
        // P(rank 0) = 1 / H(1000) = 1 / 7.485 = 0.1336; P(rank >= 500) = (H(1000) - H(500)) / H(1000) = 0.0926.
        let p0 = first as f64 / n as f64;
        let ph = last_half as f64 / n as f64;
        assert!((p0 - 0.1336).abs() < 0.005, "P(rank 0) = {p0}");
        assert!((ph - 0.0926).abs() < 0.005, "P(rank >= 500) = {ph}");
        assert!(ZipfRanks::new(0, 1.0).is_none());
        assert!(ZipfRanks::new(5, -1.0).is_none());
        assert!(ZipfRanks::new(5, f64::NAN).is_none());
    }

    #[test]
    fn sample_means_are_close() {
        let mut rng = SimRng::new(1, 0);
        let n = 200_000u64;
        for d in [
            Dist::Uniform { lo: 1000, hi: 3000 },
            Dist::Exponential { mean: 40_000 },
            Dist::LogNormal {
                median: 16_384,
                sigma: 1.0,
            },
        ] {
            let sum: u64 = (0..n).map(|_| d.sample(&mut rng, u64::MAX)).sum();
            let mean = sum as f64 / n as f64;
            let rel = (mean - d.mean()).abs() / d.mean();
            assert!(rel < 0.02, "{d:?}: sample mean {mean} vs {}", d.mean());
        }
    }

    #[test]
    fn cap_bounds_samples() {
        let mut rng = SimRng::new(3, 0);
        let d = Dist::LogNormal {
            median: 1 << 20,
            sigma: 3.0,
        };
        assert!((0..10_000).all(|_| d.sample(&mut rng, 1 << 22) <= 1 << 22));
    }
}
