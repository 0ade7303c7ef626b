//! `memsim recommend`'s answer for the seed story (`sims/neo4j-12g-oom.toml` under 12 GiB): the
//! recommended configuration fits when run on its own, one step more on the binding setting does
//! not, and the floors are floors.

use memsim_engine::RunOptions;
use memsim_scenario::Override;
use memsim_search::{Knob, Objective, Outcome, RecommendRequest, recommend};

const FILE: &str = "sims/neo4j-12g-oom.toml";

fn source() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../sims/neo4j-12g-oom.toml"
    ))
    .unwrap()
}

/// Runs the scenario with the limit and `settings`' overrides, independently of the search.
fn run_alone(source: &str, overrides: &[Override]) -> Outcome {
    let (scenario, _) = memsim_scenario::parse_with_overrides(source, FILE, overrides).unwrap();
    Outcome::of(&memsim_engine::run(&scenario, RunOptions::default()))
}

#[test]
fn the_recommendation_fits_and_one_step_more_does_not() {
    let source = source();
    let request = RecommendRequest {
        source: &source,
        file: FILE,
        limit_bytes: 12 << 30,
        headroom_percent: 10.0,
        vary: vec![Knob::Heap, Knob::PageCache, Knob::MaxDirect],
        objective: Objective::MaxPageCache,
        step_bytes: 64 << 20,
        max_simulations: 60,
        jobs: 2,
        compare: true,
    };
    let r = recommend(&request).unwrap();
    let target = r.target_bytes;
    assert_eq!(target, ((12u64 << 30) as f64 * 0.9) as u64);

    // The recommended scenario, rerun from its overrides: it fits, with no failures.
    let chosen = run_alone(&source, &r.overrides);
    assert_eq!(chosen, r.chosen.outcome);
    assert!(chosen.fits_under(target), "{:?}", chosen.why_not(target));
    // The scenario as given does not (the story's OOM kill).
    let limit_only = [Override::new(
        "machine.container_limit",
        (12u64 << 30).to_string(),
    )];
    assert!(!run_alone(&source, &limit_only).fits_under(target));

    // One step more page cache, the binding setting: does not fit.
    let pc = r.chosen.settings.page_cache.unwrap();
    let mut larger = r.overrides.clone();
    larger.push(Override::new(
        Knob::PageCache.key(),
        (pc + (64 << 20)).to_string(),
    ));
    let larger_outcome = run_alone(&source, &larger);
    assert!(!larger_outcome.fits_under(target));
    assert_eq!(
        r.one_step_larger.as_ref().map(|c| &c.outcome),
        Some(&larger_outcome)
    );
    assert!(
        r.binding.starts_with("page_cache: one step"),
        "{}",
        r.binding
    );

    // Each floor's unit below failed with errors.
    assert_eq!(r.floors.len(), 2);
    for f in &r.floors {
        let below = f.below.as_ref().expect("a failing run below the floor");
        assert!(!below.outcome.failures.is_empty(), "{:?}", f);
        assert_eq!(r.chosen.settings.get(f.knob), Some(f.bytes));
    }

    // The static formulas, run: neither fits this workload under the target.
    assert_eq!(r.comparisons.len(), 2);
    for c in &r.comparisons {
        let o = c.outcome.as_ref().unwrap();
        assert!(!o.fits_under(target), "{}: {:?}", c.name, o);
    }
    // Bounded: far fewer runs than a grid of the settings' steps.
    assert!(r.simulations <= 20, "{}", r.simulations);
    let text = memsim_search::render_recommendation_text(&r);
    assert!(text.contains("server.memory.pagecache.size="), "{text}");
    assert!(text.contains("-XX:MaxDirectMemorySize="), "{text}");
    // The answer's peak is above -Xmx + page cache + direct cap (memsim's `over budget` verdict, as
    // a JVM's always is): the text says it fits, and says why the budget is passed, not that the
    // answer is "over budget".
    assert_eq!(r.chosen.outcome.verdict, memsim_core::Verdict::OverBudget);
    let recommended = text
        .lines()
        .find(|l| l.starts_with("RECOMMENDED:"))
        .unwrap();
    assert!(recommended.ends_with(": fits, no errors"), "{recommended}");
    assert!(!text.contains("fits (over budget)"), "{text}");
    assert!(
        text.contains("above -Xmx + page cache + -XX:MaxDirectMemorySize = ")
            && text.contains("as a JVM's always is"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("memsim recommend "))
        .unwrap();
    assert!(row.ends_with("fits, no errors"), "{row}");
    // Neo4j's table: under the process's limit, over the target: said so, with the amount.
    let neo4j = text
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("neo4j-admin server memory-recommendation ")
        })
        .unwrap();
    assert!(
        neo4j.contains("over the target 10.80 GiB (not OOM-killed: under the process's limit"),
        "{neo4j}"
    );
}

#[test]
fn requests_that_cannot_be_searched_are_refused() {
    let source = source();
    let base = RecommendRequest {
        source: &source,
        file: FILE,
        limit_bytes: 12 << 30,
        headroom_percent: 10.0,
        vary: vec![Knob::Heap],
        objective: Objective::MaxPageCache,
        step_bytes: 64 << 20,
        max_simulations: 60,
        jobs: 2,
        compare: false,
    };
    let e = recommend(&base).unwrap_err();
    assert!(
        e.to_string()
            .contains("grows page_cache, which --vary does not include"),
        "{e}"
    );
    let e = recommend(&RecommendRequest {
        headroom_percent: 100.0,
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.to_string().contains("--headroom"), "{e}");
    // The limit and the step are named as the options they are, not as a `--set`; a step larger
    // than the target leaves nothing to search (exit 3 from the CLI, as for a tiny limit).
    let e = recommend(&RecommendRequest {
        limit_bytes: 0,
        ..base.clone()
    })
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "--limit 0: the container's limit must be above zero"
    );
    let e = recommend(&RecommendRequest {
        step_bytes: 100 << 40,
        vary: vec![Knob::Heap, Knob::PageCache],
        ..base.clone()
    })
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "nothing fits: the target 10.80 GiB (the limit less headroom) is smaller than one --step (102400g), the least the search changes a setting by"
    );
    // A syntax error in the scenario: file, line and column.
    let broken = source.replacen("[jvm]", "[jvm", 1);
    let e = recommend(&RecommendRequest {
        source: &broken,
        vary: vec![Knob::Heap, Knob::PageCache],
        ..base.clone()
    })
    .unwrap_err();
    let line = 1 + source[..source.find("[jvm]").unwrap()].lines().count();
    assert!(
        e.to_string()
            .starts_with(&format!("{FILE}:{line}:5: TOML syntax error")),
        "{e}"
    );
    // A limit nothing fits under.
    let e = recommend(&RecommendRequest {
        limit_bytes: 2 << 30,
        vary: vec![Knob::Heap, Knob::PageCache],
        max_simulations: 30,
        ..base
    })
    .unwrap_err();
    assert!(
        matches!(e, memsim_search::SearchError::NothingFits(_)),
        "{e}"
    );
}

#[test]
fn a_limit_past_what_memsim_models_ends_the_range_at_the_largest_page_cache() {
    // Under 2 TiB the page cache would grow past the 1 TiB the scenario format accepts: the search
    // stops there and says so, instead of failing on a value it chose itself.
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../sims/neo4j-4g6g-steady.toml"
    ))
    .unwrap();
    let r = recommend(&RecommendRequest {
        source: &source,
        file: "sims/neo4j-4g6g-steady.toml",
        limit_bytes: 2 << 40,
        headroom_percent: 10.0,
        vary: vec![Knob::Heap, Knob::PageCache, Knob::MaxDirect],
        objective: Objective::MaxPageCache,
        step_bytes: 64 << 20,
        max_simulations: 60,
        jobs: 2,
        compare: true,
    })
    .unwrap();
    assert_eq!(r.chosen.settings.page_cache, Some(1 << 40));
    // Neo4j's table gives the rest of 2 TiB to the page cache, which memsim does not model: the
    // comparison says the formula chose it, not a `--set`.
    let neo4j = r
        .comparisons
        .iter()
        .find(|c| c.name == "neo4j-admin server memory-recommendation")
        .unwrap();
    let e = neo4j.outcome.as_ref().unwrap_err();
    assert!(
        e.starts_with("page_cache.size=1987g, chosen by the formula, is refused: "),
        "{e}"
    );
    assert!(r.one_step_larger.is_none());
    assert!(
        r.binding
            .contains("page_cache reached the largest value memsim models, 1.00 TiB"),
        "{}",
        r.binding
    );
    assert!(r.chosen.outcome.fits_under(r.target_bytes));
}
