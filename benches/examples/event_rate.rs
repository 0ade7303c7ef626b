//! Simulated events per second on one core, outside criterion: for a profiler (callgrind counts
//! the instructions per event whatever else the machine runs; perf samples where they go) and for
//! `docs/performance.md`'s table.
//!
//! ```text
//! cargo build --release -p memsim-benches --example event_rate
//! target/release/examples/event_rate engine 100    # the request load of the engine bench, 100 s
//! target/release/examples/event_rate bare 2000000  # the bare event loop, as many events
//! target/release/examples/event_rate file sims/neo4j-12g-oom.toml
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/event_rate bare 2000000
//! ```
//!
//! Each prints the simulated events (`RunSummary::n_events`, what `report.json` calls `n_events`:
//! see `benches/benches/engine_run.rs`), the best wall time of `--repeat N` runs (default 5) and
//! their rate.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let repeat = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(5u32);
    let (what, arg) = match (args.first(), args.get(1)) {
        (Some(w), Some(a)) => (w.as_str(), a.as_str()),
        _ => {
            eprintln!(
                "usage: event_rate engine SECONDS | bare EVENTS | file SCENARIO [--repeat N]"
            );
            std::process::exit(2);
        }
    };
    let run: Box<dyn Fn() -> u64> = match what {
        "engine" => {
            let scenario = memsim_benches::request_scenario(arg.parse().expect("seconds"));
            Box::new(move || memsim_engine::run(&scenario, Default::default()).n_events)
        }
        "bare" => {
            let n: u64 = arg.parse().expect("events");
            Box::new(move || {
                std::hint::black_box(memsim_benches::bare_event_loop(n));
                n
            })
        }
        "file" => {
            let text = std::fs::read_to_string(arg).expect("a readable scenario");
            let scenario = memsim_scenario::parse(&text, arg).expect("a valid scenario");
            Box::new(move || memsim_engine::run(&scenario, Default::default()).n_events)
        }
        other => {
            eprintln!("unknown load {other:?}: engine, bare or file");
            std::process::exit(2);
        }
    };
    let mut best = f64::INFINITY;
    let mut events = 0;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        events = run();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{what} {arg}: {events} simulated events, best of {repeat}: {:.1} ms, {:.2} M events/s",
        best * 1e3,
        events as f64 / best / 1e6
    );
}
