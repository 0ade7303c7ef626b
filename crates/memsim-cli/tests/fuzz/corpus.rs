//! The seed corpora, read from the repository.

use std::path::{Path, PathBuf};

/// Seeds larger than this are skipped (mutations grow them further).
const MAX_SEED_BYTES: u64 = 256 << 10;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The files of `dir` (relative to the workspace) whose names end with `suffix`, sorted.
fn files(dir: &str, suffix: &str) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .filter(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.len() <= MAX_SEED_BYTES)
        })
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// The ```toml blocks of a Markdown file.
fn toml_blocks(doc: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(root().join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
    text.split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .map(|b| b.as_bytes().to_vec())
        .collect()
}

/// `sims/*.toml` and the scenario format's examples.
pub(crate) fn scenarios() -> Vec<Vec<u8>> {
    let mut out = files("sims", ".toml");
    out.extend(toml_blocks("docs/scenario-format.md"));
    out.extend(toml_blocks("README.md"));
    out
}

/// Generated traces (small, several seeds and shapes) and the format's own example.
pub(crate) fn traces() -> Vec<Vec<u8>> {
    use memsim_direct::trace::{GenParams, generate};
    let mut out = vec![
        b"alloc a1 100\nalloc a2 0 thread t1\n# comment\nfree a1 thread t1\nfree a2\ntrim\ntrim thread t1\nexit t1\nmetrics\nmetrics   after   warm-up  # not in the label\n".to_vec(),
        b"alloc x 2147483647\r\nfree x\r\nmetrics\r\n".to_vec(),
    ];
    for (seed, n_ops, huge) in [(1, 60, 1), (2, 200, 5), (3, 30, 50), (4, 400, 0)] {
        let p = GenParams {
            n_ops,
            huge_percent: huge,
            metrics_every: 50,
            ..GenParams::default()
        };
        out.push(generate(seed, &p).into_bytes());
    }
    out
}

/// The NMT fixtures and the calibration tools' recorded `VM.native_memory` output.
pub(crate) fn nmt() -> Vec<Vec<u8>> {
    let mut out = files("crates/memsim-report/tests/fixtures/nmt", ".txt");
    let raw = "tools/jvm-calibrate/validation/raw";
    out.extend(files(raw, ".summary.txt"));
    out.extend(files(raw, ".diff.txt"));
    out.truncate(64);
    out
}

/// The reports of two small bundled runs, one with a database: the inputs `memsim report DIR`
/// reads back. Each seed is `(file name, bytes)`; `base` gives the other files of a run.
pub(crate) fn run_files() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for sim in ["space-reuse", "container-pids-limit"] {
        for (name, bytes) in run_reports(sim) {
            if matches!(name, "report.json" | "timeseries.csv" | "nmt-summary.txt") {
                out.push((name, bytes));
            }
        }
    }
    out
}

/// The four reports of bundled scenario `sim`, rendered in memory.
pub(crate) fn run_reports(sim: &str) -> Vec<(&'static str, Vec<u8>)> {
    let path = root().join(format!("sims/{sim}.toml"));
    let source = std::fs::read_to_string(&path).unwrap();
    let scenario = memsim_scenario::parse(&source, sim).unwrap();
    let summary = memsim_engine::run(&scenario, memsim_engine::RunOptions::default());
    memsim_report::write_all_reports(&summary)
}
