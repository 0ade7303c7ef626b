//! The stacked bands: one per account that matters at the chart's scale, the small ones folded
//! into one `other (N categories)` band.
//!
//! **Folding rule.** An account outside the configured budget whose resident size never reached
//! [`FOLD_PERCENT`] % of the run's peak resident (at any sample, nor at the peak) is folded into the
//! `other` band: at 2 % of a 12 GiB peak a band is under 2.5 px of a 410 px plot, too thin to see
//! or to tell its colour in a legend. Configured accounts (heap, page cache, …) are never folded:
//! they are the budget the reader set. A single small account is drawn as itself, since folding it
//! alone would only hide its name. The legend lists the bands; the `other` band's tooltip names
//! what it holds. Should more bands remain than the legend has rows for (not the case for any
//! bundled scenario), the chart folds at 5, 10, 25 % and finally everything unconfigured
//! ([`bands_within`]).

use memsim_core::{Account, RunSummary, Sample};

/// Accounts below this share of the peak resident, at every sample, are folded (see module doc).
pub const FOLD_PERCENT: u64 = 2;

/// The `other` band's colour: a neutral grey no account uses.
const OTHER_COLOUR: &str = "#d0d0d0";

/// The fill colour of each account, indexed like [`Account::ALL`]. Fixed, so charts of different
/// runs can be compared at a glance. Reds are kept for the limit and the OOM kill.
const PALETTE: [&str; Account::COUNT] = [
    "#4e79a7", // Java Heap
    "#a0cbe8", // Class
    "#f28e2b", // Thread
    "#ffbe7d", // Code
    "#59a14f", // GC
    "#8cd17d", // Compiler
    "#b6992d", // Internal
    "#f1ce63", // Other
    "#499894", // Page Cache
    "#9467bd", // Netty Direct
    "#c5b0d5", // JDK Direct
    "#79706e", // Symbol
    "#bab0ac", // Native Memory Tracking
    "#d37295", // Shared class space
    "#fabfd2", // Arena Chunk
    "#86bcb6", // Module
    "#d4a6c8", // Synchronization
    "#9d7660", // Metaspace
    "#8c8c8c", // Native (untracked)
    "#d7b5a6", // Libraries (file-backed)
    "#b07aa1", // Mapped files
];

/// One stacked band: an account, or the small accounts folded together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    /// The accounts it stacks (one, or the folded ones in [`Account::ALL`] order).
    pub accounts: Vec<Account>,
    /// The name in the legend: the account's, or `other (N categories)`.
    pub name: String,
    /// Its fill colour.
    pub colour: &'static str,
    /// Whether it is part of the configured budget.
    pub configured: bool,
    /// Its resident bytes at the run's peak.
    pub resident_at_peak: u64,
}

impl Band {
    /// Its resident bytes in `sample`.
    pub(crate) fn resident(&self, sample: &Sample) -> u64 {
        self.accounts
            .iter()
            .map(|a| sample.accounts[a.index()].resident)
            .sum()
    }

    /// The tooltip: the name, and for the `other` band what it holds.
    pub(crate) fn tooltip(&self) -> String {
        if self.accounts.len() == 1 {
            self.name.clone()
        } else {
            let names: Vec<&str> = self.accounts.iter().map(|a| a.name()).collect();
            format!("{}: {}", self.name, names.join(", "))
        }
    }
}

/// The bands of `s`, bottom of the stack first: configured accounts, then the others, each in
/// [`Account::ALL`] order, then the `other` band if any accounts were folded. Accounts never
/// resident are left out.
pub fn bands(s: &RunSummary) -> Vec<Band> {
    bands_folding_at(s, FOLD_PERCENT)
}

/// The bands of `s` at the lowest fold threshold (2, 5, 10, 25 or 100 %) that leaves at most
/// `rows` bands, or at 100 % (every unconfigured account folded) if none does.
pub(crate) fn bands_within(s: &RunSummary, rows: usize) -> Vec<Band> {
    [FOLD_PERCENT, 5, 10, 25]
        .into_iter()
        .map(|p| bands_folding_at(s, p))
        .find(|b| b.len() <= rows)
        .unwrap_or_else(|| bands_folding_at(s, 100))
}

/// The bands of `s`, folding unconfigured accounts that never reached `fold_percent` % of the peak.
fn bands_folding_at(s: &RunSummary, fold_percent: u64) -> Vec<Band> {
    let highest = |a: Account| {
        s.samples
            .iter()
            .map(|x| x.accounts[a.index()].resident)
            .max()
            .unwrap_or(0)
            .max(s.at_peak.get(a).resident)
    };
    let peak_total = s
        .samples
        .iter()
        .map(|x| x.resident_total())
        .max()
        .unwrap_or(0)
        .max(s.peak_resident_bytes);
    let small =
        |a: Account| highest(a).saturating_mul(100) < peak_total.saturating_mul(fold_percent);
    let configured = |a: Account| s.configured_accounts.contains(&a);
    let resident: Vec<Account> = Account::ALL
        .iter()
        .copied()
        .filter(|a| highest(*a) > 0)
        .collect();
    let mut folded: Vec<Account> = resident
        .iter()
        .copied()
        .filter(|a| !configured(*a) && small(*a))
        .collect();
    if folded.len() < 2 {
        folded.clear();
    }
    let single = |a: Account| Band {
        accounts: vec![a],
        name: a.name().to_string(),
        colour: PALETTE[a.index()],
        configured: configured(a),
        resident_at_peak: s.at_peak.get(a).resident,
    };
    let mut out: Vec<Band> = resident
        .iter()
        .copied()
        .filter(|a| configured(*a))
        .chain(
            resident
                .iter()
                .copied()
                .filter(|a| !configured(*a) && !folded.contains(a)),
        )
        .map(single)
        .collect();
    if !folded.is_empty() {
        out.push(Band {
            name: format!("other ({} categories)", folded.len()),
            colour: OTHER_COLOUR,
            configured: false,
            resident_at_peak: folded.iter().map(|a| s.at_peak.get(*a).resident).sum(),
            accounts: folded,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn small_accounts_fold_into_one_band_and_nothing_is_lost() {
        let s = fixture::oom_run();
        let b = bands(&s);
        let other = b.last().unwrap();
        assert!(other.name.starts_with("other ("), "{b:?}");
        assert_eq!(
            other.name,
            format!("other ({} categories)", other.accounts.len())
        );
        // Every resident account is in exactly one band.
        let mut all: Vec<Account> = b.iter().flat_map(|x| x.accounts.clone()).collect();
        all.sort_by_key(|a| a.index());
        let resident: Vec<Account> = Account::ALL
            .iter()
            .copied()
            .filter(|a| {
                s.samples.iter().any(|x| x.accounts[a.index()].resident > 0)
                    || s.at_peak.get(*a).resident > 0
            })
            .collect();
        assert_eq!(all, resident);
        // Folded accounts are all below 2 % of the peak; kept unconfigured ones reached it.
        let peak = s.peak_resident_bytes;
        for a in &other.accounts {
            assert!(s.at_peak.get(*a).resident * 50 < peak, "{a}");
        }
        for band in &b[..b.len() - 1] {
            if !band.configured {
                let a = band.accounts[0];
                let high = s
                    .samples
                    .iter()
                    .map(|x| x.accounts[a.index()].resident)
                    .max()
                    .unwrap()
                    .max(s.at_peak.get(a).resident);
                assert!(high * 50 >= peak, "{a} kept though small");
            }
        }
        // Sum at the peak preserved.
        let sum: u64 = b.iter().map(|x| x.resident_at_peak).sum();
        assert_eq!(sum, s.at_peak.total().resident);
        assert!(other.tooltip().contains(other.accounts[0].name()));
    }

    #[test]
    fn a_legend_short_of_rows_folds_more() {
        let s = fixture::oom_run();
        let all = bands(&s).len();
        assert!(all > 3);
        let few = bands_within(&s, 3);
        assert!(
            few.len() <= 3 || few.iter().filter(|b| !b.configured).count() == 1,
            "{few:?}"
        );
        assert_eq!(bands_within(&s, all), bands(&s));
        let sum: u64 = few.iter().map(|x| x.resident_at_peak).sum();
        assert_eq!(sum, s.at_peak.total().resident);
    }

    #[test]
    fn configured_accounts_are_never_folded_and_one_small_account_stays_itself() {
        let mut s = fixture::oom_run();
        // Only the heap and the page cache are resident, plus one small unconfigured account.
        for x in s.samples.iter_mut() {
            for a in Account::ALL.iter().copied() {
                if ![Account::JavaHeap, Account::PageCache, Account::Symbol].contains(&a) {
                    x.accounts[a.index()].resident = 0;
                }
            }
        }
        for a in Account::ALL.iter().copied() {
            if ![Account::JavaHeap, Account::PageCache, Account::Symbol].contains(&a) {
                let mut u = s.at_peak.get(a);
                u.resident = 0;
                s.at_peak.set(a, u);
            }
        }
        let b = bands(&s);
        let names: Vec<&str> = b.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["Java Heap", "Page Cache", "Symbol"]);
    }
}
