//! Sweeps: parallel and sharded runs give the sequential run's summary, byte for byte, and each
//! point is the run of the scenario with its overrides.

use memsim_engine::RunOptions;
use memsim_scenario::Override;
use memsim_search::{Axis, Grid, Shard, SweepRequest, merge, run_sweep};

fn scenario() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../sims/neo4j-4g6g-steady.toml"
    );
    std::fs::read_to_string(path).expect("the bundled scenario")
}

fn grid() -> Grid {
    Grid::new(vec![
        Axis::parse("jvm.heap.max=4g,6g").unwrap(),
        Axis::parse("page_cache.size=4g,6g,8g").unwrap(),
        Axis::parse("machine.container_limit=7g,12g").unwrap(),
    ])
    .unwrap()
}

#[test]
fn parallel_and_sharded_sweeps_equal_the_sequential_one() {
    let source = scenario();
    let grid = grid();
    let request = |jobs, shard| SweepRequest {
        source: &source,
        file: "sims/neo4j-4g6g-steady.toml",
        grid: &grid,
        shard,
        jobs,
    };
    let sequential = run_sweep(request(1, None)).unwrap();
    assert_eq!(sequential.points.len(), 12);
    // The grid is not trivial: the limit and the settings change the verdicts.
    let verdicts: std::collections::BTreeSet<&str> = sequential
        .points
        .iter()
        .map(|p| p.verdict.as_str())
        .collect();
    assert!(verdicts.len() >= 2, "{verdicts:?}");

    let parallel = run_sweep(request(4, None)).unwrap();
    assert_eq!(parallel.files(), sequential.files());

    let shards: Vec<_> = (0..5)
        .map(|index| run_sweep(request(2, Some(Shard { index, count: 5 }))).unwrap())
        .collect();
    assert!(shards.iter().all(|s| s.shard.is_some()));
    // Merged in any order.
    let mut reversed = shards.clone();
    reversed.reverse();
    let merged = merge(reversed).unwrap();
    assert_eq!(merged.files(), sequential.files());

    // Each point is the standalone run of the scenario with the point's overrides.
    for index in [0, 7, 11] {
        let (scenario, _) = memsim_scenario::parse_with_overrides(
            &source,
            "sims/neo4j-4g6g-steady.toml",
            &grid.overrides(index),
        )
        .unwrap();
        let run = memsim_engine::run(&scenario, RunOptions::default());
        let p = &sequential.points[index];
        assert_eq!(p.index, index);
        assert_eq!(p.peak_resident_bytes, run.peak_resident_bytes);
        assert_eq!(p.limit_bytes, run.limit_bytes);
        assert_eq!(p.verdict, run.verdict.as_str());
    }
}

#[test]
fn a_bad_value_names_its_set_argument_before_anything_runs() {
    let source = scenario();
    let grid = Grid::new(vec![Axis::parse("jvm.heap.max=4g,lots,2g").unwrap()]).unwrap();
    let e = run_sweep(SweepRequest {
        source: &source,
        file: "x.toml",
        grid: &grid,
        shard: None,
        jobs: 2,
    })
    .unwrap_err();
    assert!(
        e.to_string().starts_with("--set jvm.heap.max=lots: "),
        "{e}"
    );
    // Below the file's -Xms: the reader names the initial size, the message names the argument.
    let grid = Grid::new(vec![Axis::parse("jvm.heap.max=2g").unwrap()]).unwrap();
    let e = run_sweep(SweepRequest {
        source: &source,
        file: "x.toml",
        grid: &grid,
        shard: None,
        jobs: 2,
    })
    .unwrap_err();
    assert!(e.to_string().starts_with("--set jvm.heap.max=2g: "), "{e}");
    assert!(
        e.to_string()
            .ends_with(" — to sweep -Xms with -Xmx, write `--set jvm.heap.initial+jvm.heap.max=…`"),
        "{e}"
    );
    let grid = Grid::new(vec![Axis::parse("jvm.heep.max=2g").unwrap()]).unwrap();
    let e = run_sweep(SweepRequest {
        source: &source,
        file: "x.toml",
        grid: &grid,
        shard: None,
        jobs: 2,
    })
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("unknown key `jvm.heep.max` — did you mean `heap`?"),
        "{e}"
    );
    // The scenario's own syntax error: file, line and column, as `memsim run` gives them.
    let broken = source.replacen("[jvm]", "[jvm", 1);
    let grid = Grid::new(vec![Axis::parse("jvm.heap.max=6g").unwrap()]).unwrap();
    let e = run_sweep(SweepRequest {
        source: &broken,
        file: "x.toml",
        grid: &grid,
        shard: None,
        jobs: 2,
    })
    .unwrap_err();
    let line = 1 + source[..source.find("[jvm]").unwrap()].lines().count();
    assert!(
        e.to_string()
            .starts_with(&format!("x.toml:{line}:5: TOML syntax error")),
        "{e}"
    );
    // And an override the reader accepts changes the run.
    let a =
        memsim_scenario::parse_with_overrides(&source, "x", &[Override::new("jvm.heap.max", "6g")])
            .unwrap()
            .0;
    assert_eq!(a.jvm.heap_max, Some(6 << 30));
}
