//! What one simulation says about a configuration, reduced to what a sweep or a search judges.

use memsim_core::{Account, ByteSize, Failures, RunSummary, SimTime, Verdict};

/// One run's result as the search judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// What failed while the process lived.
    pub failures: Failures,
    /// The highest total resident bytes.
    pub peak_resident_bytes: u64,
    /// When the peak was first reached.
    pub peak_at: SimTime,
    /// The limit the run had.
    pub limit_bytes: u64,
    /// The kernel's charge at its peak (anonymous + page cache + kernel memory).
    pub peak_charge_bytes: u64,
    /// Resident bytes per account at the peak, largest first, empty accounts left out.
    pub composition: Vec<(Account, u64)>,
    /// The most direct memory resident at any sample (Netty's pool and JDK direct buffers).
    pub direct_peak_bytes: u64,
    /// When the run ended.
    pub ended_at: SimTime,
    /// Simulated events.
    pub n_events: u64,
    /// The budget the run's settings configure: max heap + page cache + max direct memory, where
    /// set (the engine's `configured_bytes`; the verdict is `OverBudget` when the peak passes it).
    pub configured_bytes: u64,
    /// Its terms' names joined by ` + ` (`-Xmx + page cache + -XX:MaxDirectMemorySize`).
    pub configured_names: String,
}

impl Outcome {
    /// Reduces a finished run.
    pub fn of(s: &RunSummary) -> Outcome {
        let mut composition: Vec<(Account, u64)> = Account::ALL
            .iter()
            .map(|a| (*a, s.at_peak.get(*a).resident))
            .filter(|(_, b)| *b > 0)
            .collect();
        composition.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let direct = |accounts: &[memsim_core::Usage]| -> u64 {
            Account::ALL
                .iter()
                .zip(accounts)
                .filter(|(a, _)| matches!(a, Account::NettyDirect | Account::JdkDirect))
                .map(|(_, u)| u.resident)
                .sum()
        };
        let direct_peak_bytes = s
            .samples
            .iter()
            .map(|x| direct(&x.accounts))
            .chain(std::iter::once(direct(s.at_peak.accounts())))
            .max()
            .unwrap_or(0);
        Outcome {
            verdict: s.verdict,
            failures: s.failures.clone(),
            peak_resident_bytes: s.peak_resident_bytes,
            peak_at: s.peak_at,
            limit_bytes: s.limit_bytes,
            peak_charge_bytes: s.pressure.peak_charge_bytes,
            composition,
            direct_peak_bytes,
            ended_at: s.ended_at,
            n_events: s.n_events,
            configured_bytes: s.configured_bytes,
            configured_names: s
                .configured_terms
                .iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(" + "),
        }
    }

    /// The process lived to the planned end without errors: not killed, not thrashing, not stopped
    /// by a bound, nothing failed.
    pub fn clean(&self) -> bool {
        matches!(self.verdict, Verdict::Fits | Verdict::OverBudget) && self.failures.is_empty()
    }

    /// [`Outcome::clean`], and the peak at most `target_bytes`.
    pub fn fits_under(&self, target_bytes: u64) -> bool {
        self.clean() && self.peak_resident_bytes <= target_bytes
    }

    /// Why the run does not fit under `target_bytes`, in words (`None` when it fits).
    pub fn why_not(&self, target_bytes: u64) -> Option<String> {
        if !matches!(self.verdict, Verdict::Fits | Verdict::OverBudget) {
            let also = if self.failures.is_empty() {
                String::new()
            } else {
                format!("; before that {}", failures_words(&self.failures))
            };
            return Some(format!(
                "{} (peak {}){also}",
                self.verdict.headline(),
                ByteSize(self.peak_resident_bytes)
            ));
        }
        if !self.failures.is_empty() {
            return Some(failures_words(&self.failures));
        }
        (self.peak_resident_bytes > target_bytes).then(|| {
            let over = format!(
                "peak {}, {} over the target {}",
                ByteSize(self.peak_resident_bytes),
                ByteSize(self.peak_resident_bytes - target_bytes),
                ByteSize(target_bytes)
            );
            if self.peak_resident_bytes <= self.limit_bytes {
                format!(
                    "{over} (not OOM-killed: under the process's limit of {}, but into the headroom)",
                    ByteSize(self.limit_bytes)
                )
            } else {
                over
            }
        })
    }

    /// What a run says of its configuration, in a few words: `does not fit: …` with
    /// [`Outcome::why_not`], or `fits, no errors`.
    pub fn fit_words(&self, target_bytes: u64) -> String {
        match self.why_not(target_bytes) {
            Some(why) => format!("does not fit: {why}"),
            None => "fits, no errors".into(),
        }
    }

    /// Where the peak stands against the budget the settings configure (`-Xmx` + page cache +
    /// direct cap), for people. Above it is memsim's `over budget` verdict, which is not a
    /// failure: a JVM's threads, GC structures, metaspace, code cache and native memory lie
    /// outside those settings, so a JVM's peak is nearly always above their sum.
    pub fn budget_words(&self) -> String {
        if self.peak_resident_bytes > self.configured_bytes {
            format!(
                "{} above {} = {}, as a JVM's always is: threads, GC, metaspace, code cache and native memory lie outside those settings (memsim's verdict calls this `over budget`; it is not a failure)",
                ByteSize(self.peak_resident_bytes - self.configured_bytes),
                self.configured_names,
                ByteSize(self.configured_bytes)
            )
        } else {
            format!(
                "within {} = {}",
                self.configured_names,
                ByteSize(self.configured_bytes)
            )
        }
    }
}

/// `3 OutOfMemoryError, 120 OutOfDirectMemoryError, 40 requests failed`.
pub(crate) fn failures_words(f: &Failures) -> String {
    let mut parts: Vec<String> = f
        .errors
        .iter()
        .map(|e| format!("{} {}", e.count, e.name()))
        .collect();
    if f.requests_failed > 0 {
        parts.push(format!("{} requests failed", f.requests_failed));
    }
    if f.threads_failed > 0 {
        parts.push(format!("{} threads failed to start", f.threads_failed));
    }
    if f.transactions_terminated > 0 {
        parts.push(format!(
            "{} transactions terminated",
            f.transactions_terminated
        ));
    }
    if parts.is_empty() {
        "no failures".into()
    } else {
        parts.join(", ")
    }
}
