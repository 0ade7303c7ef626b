//! Runs a search's configurations: each once (remembered by its settings), a batch at a time on
//! all cores (one round), counted against the request's cap.

use std::collections::BTreeMap;

use memsim_engine::RunOptions;
use memsim_scenario::{Override, OverrideError, Scenario};

use crate::pool::par_map;
use crate::recommend::{Candidate, RecommendRequest};
use crate::{Outcome, SearchError, Settings};

/// An override's error when `who` chose the value (the search, a formula), not a `--set` the user
/// gave: said so, without the `--set` the scenario reader's message starts with.
pub(crate) fn chosen_value_error(e: OverrideError, who: &str) -> SearchError {
    match e {
        OverrideError::BadValue {
            key,
            value,
            message,
        } => SearchError::Request(format!(
            "{key}={value}, chosen by {who}, is refused: {message}"
        )),
        e => SearchError::Override(e),
    }
}

/// Runs configurations, once each, in parallel batches, within the budget.
pub(crate) struct Evaluator<'a> {
    pub(crate) request: &'a RecommendRequest<'a>,
    /// The limit's overrides, applied before every configuration's.
    pub(crate) base: Vec<Override>,
    pub(crate) scenario: Scenario,
    pub(crate) target: u64,
    pub(crate) seen: BTreeMap<(Settings, Vec<Override>), Outcome>,
    /// Every configuration run, in the order run.
    pub(crate) log: Vec<Candidate>,
    pub(crate) rounds: usize,
}

impl Evaluator<'_> {
    pub(crate) fn overrides(&self, settings: &Settings, extra: &[Override]) -> Vec<Override> {
        let mut all = self.base.clone();
        all.extend(settings.overrides(&self.scenario));
        all.extend_from_slice(extra);
        all
    }

    /// Runs what has not run yet of `batch` (with `extra` overrides for all), in one round.
    pub(crate) fn run(
        &mut self,
        batch: &[Settings],
        extra: &[Override],
    ) -> Result<Vec<Outcome>, SearchError> {
        let mut todo: Vec<Settings> = Vec::new();
        for s in batch {
            if !self.seen.contains_key(&(*s, extra.to_vec())) && !todo.contains(s) {
                todo.push(*s);
            }
        }
        if !todo.is_empty() {
            if self.simulations() + todo.len() > self.request.max_simulations {
                return Err(SearchError::Request(format!(
                    "the search needs more than its cap of {} simulations (raise --max-simulations, or vary fewer settings)",
                    self.request.max_simulations
                )));
            }
            let mut scenarios = Vec::with_capacity(todo.len());
            for s in &todo {
                let (scenario, _) = memsim_scenario::parse_with_overrides(
                    self.request.source,
                    self.request.file,
                    &self.overrides(s, extra),
                )
                .map_err(|e| chosen_value_error(e, "the search"))?;
                scenarios.push(scenario);
            }
            let outcomes = par_map(&scenarios, self.request.jobs, |sc| {
                Outcome::of(&memsim_engine::run(sc, RunOptions::default()))
            });
            self.rounds += 1;
            for (s, o) in todo.into_iter().zip(outcomes) {
                if extra.is_empty() {
                    self.log.push(Candidate {
                        settings: s,
                        outcome: o.clone(),
                    });
                }
                self.seen.insert((s, extra.to_vec()), o);
            }
        }
        Ok(batch
            .iter()
            .map(|s| self.seen[&(*s, extra.to_vec())].clone())
            .collect())
    }

    /// Records a run of `settings` (without extra overrides) made elsewhere in a round.
    pub(crate) fn record(&mut self, settings: Settings, outcome: Outcome) {
        self.log.push(Candidate {
            settings,
            outcome: outcome.clone(),
        });
        self.seen.insert((settings, Vec::new()), outcome);
    }

    pub(crate) fn simulations(&self) -> usize {
        self.seen.len()
    }

    pub(crate) fn outcome(&self, s: &Settings) -> Option<&Outcome> {
        self.seen.get(&(*s, Vec::new()))
    }
}
