//! `--compare`: what the static formulas ([`crate::formulas`]) choose for the same limit, run
//! through memsim in one round, side by side with the search's answer.

use memsim_core::ByteSize;
use memsim_engine::RunOptions;
use memsim_scenario::{Override, Scenario};

use crate::evaluator::{Evaluator, chosen_value_error};
use crate::formulas::{CfInputs, cf_memory_calculator, neo4j_memory_recommendation};
use crate::pool::par_map;
use crate::settings::size_text;
use crate::{Outcome, SearchError, Settings};

/// A static formula's choice and what memsim predicts it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The tool.
    pub name: &'static str,
    /// Its settings as the tool prints them.
    pub prints: Vec<String>,
    /// The settings applied to the scenario.
    pub settings: Settings,
    /// Further overrides (the calculator's metaspace and code cache caps).
    pub extra: Vec<Override>,
    /// The run, or why there is none (the tool itself refuses the inputs).
    pub outcome: Result<Outcome, String>,
    /// What the tool assumed.
    pub note: String,
}

/// Application threads alive at once at most: the largest sum of the threads of the phases
/// running at any phase's start.
fn peak_threads(s: &Scenario) -> u64 {
    s.phases
        .iter()
        .map(|p| {
            s.phases
                .iter()
                .filter(|q| q.start <= p.start && p.start < q.end())
                .map(|q| u64::from(q.threads))
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0)
}

/// Runs what the Cloud Foundry calculator and Neo4j's table choose for the limit, in one round.
///
/// `also` are further configurations of the search (alternatives) run in the same round.
pub(crate) fn compare(
    ev: &mut Evaluator<'_>,
    scenario: &Scenario,
    also: &[Settings],
) -> Result<Vec<Comparison>, SearchError> {
    let r = ev.request;
    let classes: u64 = scenario.phases.iter().map(|p| p.classes).sum();
    let threads = peak_threads(scenario);
    let cf_in = CfInputs {
        total_bytes: r.limit_bytes,
        head_room_percent: r.headroom_percent.round() as u64,
        loaded_classes: classes,
        threads,
        max_direct: scenario.jvm.max_direct_memory,
        max_metaspace: scenario.jvm.max_metaspace,
        reserved_code_cache: scenario.jvm.reserved_code_cache,
        thread_stack: scenario.jvm.thread_stack,
    };
    let cf_note = format!(
        "total {} (the limit), head room {} %, {classes} loaded classes and {threads} threads (the scenario's peak of application threads), flags the scenario sets kept; the page cache is outside its formula and stays as the scenario has it",
        ByteSize(r.limit_bytes),
        cf_in.head_room_percent
    );
    let mut out = Vec::new();
    let mut batch = Vec::new();
    match cf_memory_calculator(&cf_in) {
        Some(cf) => {
            // The calculator prints whole KiB.
            let heap = cf.heap / 1024 * 1024;
            let settings = Settings {
                heap: Some(heap),
                page_cache: None,
                max_direct: Some(cf.max_direct),
                thread_stack: Some(cf.thread_stack),
            };
            let extra = vec![
                Override::new("jvm.max_metaspace", cf.max_metaspace.to_string()),
                Override::new(
                    "jvm.reserved_code_cache",
                    cf.reserved_code_cache.to_string(),
                ),
            ];
            out.push(Comparison {
                name: "Cloud Foundry memory calculator",
                prints: vec![
                    format!("-Xmx{}K", heap / 1024),
                    format!("-XX:MaxDirectMemorySize={}", size_text(cf.max_direct)),
                    format!("-XX:MaxMetaspaceSize={}", cf.max_metaspace),
                    format!(
                        "-XX:ReservedCodeCacheSize={}",
                        size_text(cf.reserved_code_cache)
                    ),
                    format!("-Xss{}", size_text(cf.thread_stack)),
                ],
                settings,
                extra: extra.clone(),
                outcome: Err(String::new()),
                note: cf_note,
            });
            batch.push((settings, extra));
        }
        None => out.push(Comparison {
            name: "Cloud Foundry memory calculator",
            prints: Vec::new(),
            settings: Settings::default(),
            extra: Vec::new(),
            outcome: Err("the calculator refuses: the fixed terms exceed the total memory".into()),
            note: cf_note,
        }),
    }
    let neo = neo4j_memory_recommendation(r.limit_bytes);
    let neo_settings = Settings {
        heap: Some(neo.heap),
        page_cache: scenario.page_cache.as_ref().map(|_| neo.page_cache),
        max_direct: None,
        thread_stack: None,
    };
    out.push(Comparison {
        name: "neo4j-admin server memory-recommendation",
        prints: vec![
            format!("server.memory.heap.initial_size={}", size_text(neo.heap)),
            format!("server.memory.heap.max_size={}", size_text(neo.heap)),
            format!("server.memory.pagecache.size={}", size_text(neo.page_cache)),
        ],
        settings: neo_settings,
        extra: vec![Override::new("jvm.heap.initial", size_text(neo.heap))],
        outcome: Err(String::new()),
        note: format!(
            "--memory {} (the limit; the tool does not read the container's), {} left to the OS, transaction state on heap; other flags as the scenario has them",
            ByteSize(r.limit_bytes),
            ByteSize(neo.os)
        ),
    });
    batch.push((
        neo_settings,
        vec![Override::new("jvm.heap.initial", size_text(neo.heap))],
    ));
    // One round: both configurations and the search's own in parallel.
    let formulas = batch.len();
    batch.extend(also.iter().map(|s| (*s, Vec::new())));
    let mut scenarios = Vec::new();
    for (i, (s, extra)) in batch.iter().enumerate() {
        let who = if i < formulas {
            "the formula"
        } else {
            "the search"
        };
        scenarios.push(
            memsim_scenario::parse_with_overrides(r.source, r.file, &ev.overrides(s, extra))
                .map(|(sc, _)| sc)
                .map_err(|e| chosen_value_error(e, who).to_string()),
        );
    }
    if ev.simulations() + batch.len() > r.max_simulations {
        return Err(SearchError::Request(format!(
            "the comparison needs more than the cap of {} simulations (raise --max-simulations)",
            r.max_simulations
        )));
    }
    let mut outcomes = par_map(&scenarios, r.jobs, |sc| {
        sc.as_ref()
            .map(|sc| Outcome::of(&memsim_engine::run(sc, RunOptions::default())))
            .map_err(Clone::clone)
    });
    ev.rounds += 1;
    let own = outcomes.split_off(formulas);
    for ((s, _), o) in batch[formulas..].iter().zip(own) {
        ev.record(*s, o.map_err(SearchError::Request)?);
    }
    let mut outcomes = outcomes.into_iter();
    for (c, (s, extra)) in out
        .iter_mut()
        .filter(|c| c.outcome == Err(String::new()))
        .zip(&batch[..formulas])
    {
        let o = outcomes.next().expect("one outcome per configuration");
        if let Ok(o) = &o {
            ev.seen.insert((*s, extra.clone()), o.clone());
        }
        c.outcome = o;
    }
    Ok(out)
}
