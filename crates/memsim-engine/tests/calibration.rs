//! memsim against a real JDK 17: every configuration `tools/jvm-calibrate` measured (committed JSON
//! under `tools/jvm-calibrate/results/`) becomes a scenario stating the same workload; memsim's
//! prediction of each NMT category and of RSS is compared with the measurement.
//!
//! `UPDATE_EXPECT=1 cargo test --release -p memsim-engine --test calibration` rewrites
//! `docs/calibration.md`; without it the test checks that file is current, and asserts the
//! agreement the document claims: every NMT category above 8 MiB (committed) and RSS within ±10 %
//! for every configuration not listed in `KNOWN_MISSES` (each with its reason).

use memsim_core::{Account, NmtCategory};
use memsim_engine::{RunOptions, run};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "calibration/jdk21.rs"]
mod jdk21;
#[path = "calibration/report.rs"]
mod report;
#[path = "calibration/validation.rs"]
mod validation;
use report::{Judged, compare_or_explain, hits, write_tables};

const TOLERANCE: f64 = 0.10;
const MIB: f64 = 1048576.0;

/// Configurations memsim does not yet predict within ±10 %, with why.
const KNOWN_MISSES: &[(&str, &str)] = &[
    (
        "g1-1g-20k-hidden",
        "RSS 20 % low: 20k hidden classes leave more heap and native memory than the per-class fit from ordinary classes",
    ),
    (
        "g1-2g-50k-classes-50loaders",
        "RSS 10.5 % high: 50k thin classes in 50 loaders; memsim's heap RSS from the classes' garbage through G1's eden is higher than measured",
    ),
    (
        "cpu32-g1-512m-20t-churn",
        "Code 8.3 MiB against 7.4: at 32 CPUs 5 C1 threads compiled more of the JDK's own start-up methods (7.6 MiB at 2 CPUs), which memsim does not model (RSS within 4 %)",
    ),
    (
        "cpu32-parallel-512m-20t-churn",
        "Code 8.3 MiB against 7.4: the JDK's own start-up compilations by 4 C1 threads at 32 CPUs, as for cpu32-g1-512m-20t-churn (RSS and GC within 3 %)",
    ),
    (
        "arena1-g1-512m-100t-gzip",
        "RSS 69 % low: the gzip rounds' Java garbage (byte arrays; 100–190 MiB of heap RSS depending on when G1 collected) is not stated in the scenario, and 15–24 MiB of zlib memory freed into glibc's arenas stayed resident whatever MALLOC_ARENA_MAX — neither is modelled",
    ),
    (
        "arena2-g1-512m-100t-gzip",
        "RSS 69 % low: as for arena1-g1-512m-100t-gzip",
    ),
    (
        "arenadefault-g1-512m-100t-gzip",
        "RSS 80 % low: as for arena1-g1-512m-100t-gzip",
    ),
    (
        "mech-g1-1g-noxms-drop192m-maxdirect64m-direct100m",
        "Java Heap 11 % low (214 against 240 MiB) after the direct reservation's System.gc() shrank the heap: G1 sizes it from used *regions*, and 1 MiB regions hold only 15 of the workload's 64 KiB arrays (64 MiB live fill 69 regions), a waste memsim, which knows no object sizes, does not count (RSS within 1 %)",
    ),
    (
        "mech-parallel-1g-noxms-drop192m-maxdirect64m-direct100m",
        "RSS 10 % low: the JDK's -Xlog shows 15.5 MiB held in a survivor space and 77 MiB left in eden at the System.gc(), the old generation touched to 168 MiB; memsim promotes at once, so its old and eden high-water marks (heap RSS 256 MiB against 296) differ",
    ),
    (
        "mech-parallel-default-noxms-live128m-churn128m",
        "RSS 19 % high: memsim grows eden at every young collection, the JDK only when from-space lies at the top of the young generation (every second collection, psYoungGen.cpp resize_spaces, seen in -Xlog); modelling that alone raised another fit configuration's heap by 12 %, so it waits for survivor occupancy to be modelled with it",
    ),
    (
        "sweep-g1-4g",
        "RSS 12 % low: idle G1 touches more of its per-region tables at 4g than the 2/512 card-table-and-BOT rule",
    ),
    (
        "realcls-g1-512m-nojar-gc",
        "RSS 19 % low: `System.gc()` after setup (`--system-gc true`, which no scenario key states): G1's full collection left 10.3 MiB more anonymous memory than the same idle JVM without it (RssAnon 33.9 MiB against 23.5 in sweep-classes0; heap RSS +1.1 MiB)",
    ),
    (
        "realcls-g1-512m-all-gc",
        "RSS 16 % low: `System.gc()` after loading, as for realcls-g1-512m-nojar-gc (RssAnon 123.9 MiB against 107.2 in realcls-g1-512m-all, heap RSS equal)",
    ),
    (
        "realcls-g1-512m-all-exercise",
        "RSS 18 % low: `--exercise` constructs 284 of the libraries' objects and calls their `hashCode`/`toString`, application work no scenario key states: RssAnon 127.3 MiB against 107.2 in realcls-g1-512m-all (heap RSS +3.8 MiB, NMT categories +3.1)",
    ),
    (
        "realcls-g1-512m-all-exercise-gc",
        "RSS 16 % low: `--exercise` and `System.gc()`, as for realcls-g1-512m-all-exercise and realcls-g1-512m-all-gc",
    ),
    (
        "realcls-g1-512m-guava1000",
        "RSS 15 % high: memsim's Arena Chunk while loading (10.5 MiB, fitted on 10k–50k classes; not judged) against 5.0 MiB measured after 1000 classes, and heap RSS 24.7 MiB against 20.6",
    ),
    (
        "realcls-serial-256m-lang3-jackson",
        "Metaspace 10 % low: commons-lang3 and jackson cost 1.54 B of metaspace per class-file byte, the fit libraries 1.38 on average; RSS 21 % low: `--exercise` (as for realcls-g1-512m-all-exercise), whose garbage filled Serial's 70 MiB eden (heap RSS 62.5 MiB)",
    ),
];

/// Reported but not judged: NMT's Arena Chunk is the chunk pool of resource arenas, freed by a
/// periodic cleaner, so it depends on when the measurement falls (the same configuration measured
/// 3.2, 9.8 and 9.8 MiB on three runs).
const NOT_JUDGED: &[&str] = &["Arena Chunk"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn size(s: &str) -> u64 {
    memsim_core::ByteSize::parse(s.trim_end_matches("/s"))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .0
}

/// The scenario stating the measured configuration.
fn scenario_for(r: &Value) -> String {
    let flags: Vec<String> = r["jvm_flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let args: Vec<String> = r["workload_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let ram_kb = r["machine"]["mem_total_kb"].as_u64().unwrap();
    let cores = r["machine"]["nproc"].as_u64().unwrap();
    let mut jvm = String::new();
    // The JDK the measurement ran on (`VM.version`: `… | JDK 21.0.8`).
    let major = jdk_major(r);
    if major != 17 {
        let _ = writeln!(jvm, "version = {major}");
    }
    // The measured JVM's own command line, read by the scenario parser (`[jvm] flags`). The CPU
    // count is given with -XX:ActiveProcessorCount: the machine (and glibc, which sizes its arenas
    // from it) keeps `nproc`.
    let quoted: Vec<String> = flags
        .iter()
        .map(|f| f.replace('\\', "\\\\").replace('"', "\\\""))
        .collect();
    let _ = writeln!(jvm, "flags = \"{}\"", quoted.join(" "));
    // The JVM's environment (measure.py --env).
    for (k, v) in r["env"].as_object().into_iter().flatten() {
        match k.as_str() {
            "MALLOC_ARENA_MAX" => {
                let _ = writeln!(jvm, "malloc_arena_max = {}", v.as_str().unwrap());
            }
            _ => panic!(
                "{}: environment {k} has no scenario equivalent",
                r["config"]
            ),
        }
    }
    // The JVM measured `setup_ms` of workload setup plus the settle period after READY: setup work
    // (classes, JIT, buffers, live heap) in a first phase, threads and churn until the measurement.
    let setup_ms = r["workload_info"]["setup_ms"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap()
        .max(1);
    let settle_ms = (r["settle"]["samples"].as_array().unwrap().last().unwrap()["t_s"]
        .as_f64()
        .unwrap()
        * 1000.0) as u64;
    let measure_ms = setup_ms + settle_ms;
    let mut setup = String::new();
    let mut phase = String::new();
    let threads: u64 = arg(&args, "--threads").map_or(0, |v| v.parse().unwrap());
    let _ = writeln!(phase, "threads = {threads}");
    // The workload's threads recurse, then park: the 88 KiB shadow-page floor plus their frames
    // (208 B each, measured) or the bytes asked for.
    let frames: u64 = arg(&args, "--stack-depth").map_or(0, |v| v.parse().unwrap());
    let extra = arg(&args, "--stack-bytes").map_or(frames * 208, size);
    let _ = writeln!(phase, "stack_touched = {}", 88 * 1024 + extra);
    // JDK 21's virtual threads, parked at the bottom of the same recursion: their frames on the heap.
    if let Some(v) = arg(&args, "--virtual-threads") {
        let _ = writeln!(
            phase,
            "virtual_threads = {v}\nvirtual_thread_stack = {}",
            frames * 208
        );
    }
    // Deflaters the threads keep open: zlib's buffers, malloc'd outside NMT.
    if let Some(k) = arg(&args, "--deflaters-kept") {
        let k: u64 = k.parse().unwrap();
        let _ = writeln!(
            phase,
            "malloc_per_thread = {}",
            k * memsim_jvm::native::ZLIB_DEFLATER_BYTES
        );
    }
    // The workload grows its live heap first, at the rate tools/gc-pauses measured for the same
    // 64 KiB arrays (128 MiB in 55 ms, 512 MiB in 260 ms: ~2 GiB/s), so it gets a phase of its own.
    let mut live_phase = String::new();
    if let Some(v) = arg(&args, "--live-heap") {
        let ms = (size(v) / (2 << 20)).clamp(1, setup_ms);
        let _ = write!(
            live_phase,
            "[[phase]]\nname = \"live heap\"\nstart = \"0s\"\nduration = \"{ms}ms\"\nheap_live = \"{v}\"\n"
        );
        // `--drop-live`: the youngest part of it dropped right after it was grown.
        if let Some(d) = arg(&args, "--drop-live") {
            let _ = writeln!(live_phase, "heap_released = \"{d}\"");
        }
    }
    if let Some(v) = arg(&args, "--churn") {
        let _ = writeln!(phase, "heap_churn = \"{}/s\"", size(v));
    }
    // The workload's generated classes are thin; `--jar` loads real libraries' classes, the
    // application profile, at their measured average class-file size.
    let classes: u64 = arg(&args, "--classes").map_or(0, |v| v.parse().unwrap());
    if arg(&args, "--hidden") == Some("true") {
        let _ = writeln!(setup, "hidden_classes = {classes}");
    } else if classes > 0 {
        let _ = writeln!(setup, "classes = {classes}\nclass_profile = \"thin\"");
    }
    if let Some(v) = arg(&args, "--methods-per-class") {
        let _ = writeln!(setup, "methods_per_class = {v}");
    }
    // Real classes whose shape the user does not know (the validation set's jars and programs):
    // the default application profile.
    if let Some(v) = arg(&args, "--app-classes") {
        let _ = writeln!(setup, "classes = {v}");
    }
    if let Some(v) = arg(&args, "--class-file-bytes") {
        let _ = writeln!(setup, "class_file_bytes = {v}");
    }
    if arg(&args, "--jar").is_some() {
        let info = |k: &str| -> u64 { r["workload_info"][k].as_str().unwrap().parse().unwrap() };
        let n = info("jar_classes_loaded");
        let _ = writeln!(
            setup,
            "classes = {n}\nclass_file_bytes = {}",
            info("jar_loaded_class_bytes") / n.max(1)
        );
    }
    if let Some(v) = arg(&args, "--loaders") {
        let _ = writeln!(setup, "class_loaders = {v}");
    }
    // `System.gc()` once at the end of setup.
    if arg(&args, "--system-gc") == Some("true") {
        setup.push_str("system_gc = true\n");
    }
    if let Some(v) = arg(&args, "--hot-methods") {
        let _ = writeln!(setup, "compiled_methods = {v}");
    }
    for (flag, key) in [
        ("--direct", "direct_memory"),
        ("--unsafe", "unsafe_memory"),
        ("--mapped", "mapped_files"),
    ] {
        if let Some(v) = arg(&args, flag) {
            let _ = writeln!(setup, "{key} = {}", size(v));
        }
    }
    format!(
        "[scenario]\nname = \"{name}\"\nduration = \"{total}ms\"\nsample_every = \"10ms\"\n[machine]\nram = {ram}\ncores = {cores}\n[jvm]\n{jvm}\
         [[phase]]\nname = \"until measured\"\nstart = \"0s\"\nduration = \"{measure_ms}ms\"\n{phase}\
         [[phase]]\nname = \"setup\"\nstart = \"0s\"\nduration = \"{setup_ms}ms\"\n{setup}{live_phase}",
        name = r["config"].as_str().unwrap(),
        ram = ram_kb * 1024,
        total = measure_ms + 1000,
    )
}

struct Row {
    config: String,
    cells: Vec<(String, f64, f64)>, // (what, predicted MiB, measured MiB)
}

fn compare(r: &Value) -> Row {
    let text = scenario_for(r);
    let s = memsim_scenario::parse(&text, "calibration.toml")
        .unwrap_or_else(|e| panic!("{}\n{text}", e.render_plain()));
    // Every measured flag has a scenario equivalent: none may be ignored.
    assert!(s.warnings.is_empty(), "{}: {:?}", r["config"], s.warnings);
    let summary = run(
        &s,
        RunOptions {
            seed: None,
            check_invariants: true,
        },
    );
    // The measurement instant: the last sample before the measured phase ends (threads still alive).
    let measure_ns = s.phases[0].end().0;
    let sample = summary
        .samples
        .iter()
        .rev()
        .find(|x| x.at.0 < measure_ns)
        .unwrap();
    let cats = &r["nmt"]["categories"];
    let mut cells = Vec::new();
    for cat in NmtCategory::ALL {
        let mut measured = cats[cat.name()]["committed_kb"].as_f64().unwrap_or(0.0) * 1024.0;
        // JDK 21 reports G1's remembered sets as `GCCardSet`; memsim keeps them in `GC`.
        if cat == NmtCategory::Gc {
            measured += cats["GCCardSet"]["committed_kb"].as_f64().unwrap_or(0.0) * 1024.0;
        }
        let predicted: u64 = Account::ALL
            .iter()
            .filter(|a| a.nmt() == Some(cat))
            .map(|a| sample.accounts[a.index()].committed)
            .sum();
        if measured > 8.0 * MIB || predicted as f64 > 8.0 * MIB {
            cells.push((
                cat.name().to_string(),
                predicted as f64 / MIB,
                measured / MIB,
            ));
        }
    }
    let rss = r["proc_status"]["VmRSS_kb"].as_f64().unwrap() * 1024.0;
    cells.push((
        "RSS".into(),
        sample.resident_total() as f64 / MIB,
        rss / MIB,
    ));
    let file = r["proc_status"]["RssFile_kb"].as_f64().unwrap() * 1024.0;
    let file_pred: u64 = Account::ALL
        .iter()
        .filter(|a| a.backing() == memsim_core::Backing::File)
        .map(|a| sample.accounts[a.index()].resident)
        .sum();
    cells.push(("RssFile".into(), file_pred as f64 / MIB, file / MIB));
    // Address space: every account's reserved bytes against the kernel's VmSize.
    let vm_size = r["proc_status"]["VmSize_kb"].as_f64().unwrap() * 1024.0;
    let reserved: u64 = Account::ALL
        .iter()
        .map(|a| sample.accounts[a.index()].reserved)
        .sum();
    cells.push(("VmSize".into(), reserved as f64 / MIB, vm_size / MIB));
    Row {
        config: r["config"].as_str().unwrap().to_string(),
        cells,
    }
}

/// The feature release a measurement ran on, from its `VM.version` (`… | JDK 21.0.8`).
fn jdk_major(r: &Value) -> u64 {
    let v = r["jdk"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no jdk", r["config"]));
    let after = v
        .rsplit_once("JDK ")
        .unwrap_or_else(|| panic!("{}: jdk {v:?}", r["config"]))
        .1;
    after
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("{}: jdk {v:?}", r["config"]))
}

fn within(p: f64, m: f64) -> bool {
    (p - m).abs() <= TOLERANCE * m
}

fn load_set(dir: &Path) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            serde_json::from_str(&std::fs::read_to_string(f).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()))
        })
        .collect()
}

#[test]
fn memsim_matches_the_real_jvm() {
    let fit_json = load_set(&root().join("tools/jvm-calibrate/results"));
    assert!(
        fit_json.len() >= 12,
        "need at least 12 measured configurations"
    );
    let fit: Vec<Judged> = fit_json
        .iter()
        .map(|r| Judged::Compared(compare(r)))
        .collect();
    let val_json = load_set(&root().join("tools/jvm-calibrate/validation"));
    assert!(
        val_json.len() >= 10,
        "need at least 10 validation configurations"
    );
    assert!(
        val_json.iter().any(|r| r.get("program").is_some()),
        "the validation set must hold a real program"
    );
    let val: Vec<Judged> = val_json
        .iter()
        .map(|r| compare_or_explain(&validation::as_stated(r), compare))
        .collect();
    // `CALIBRATION_SCENARIOS=DIR` writes each expressible validation scenario there, to run with
    // `memsim run` when looking into a miss.
    if let Some(dir) = std::env::var_os("CALIBRATION_SCENARIOS") {
        std::fs::create_dir_all(&dir).unwrap();
        for (r, j) in val_json.iter().zip(&val) {
            if matches!(j, Judged::Compared(_)) {
                let text = scenario_for(&validation::as_stated(r));
                std::fs::write(Path::new(&dir).join(format!("{}.toml", j.config())), text).unwrap();
            }
        }
    }
    let (fit_ok, val_ok) = (hits(&fit), hits(&val));

    let mut doc = String::from(
        "# memsim against a real JDK 17\n\n\
         Generated by `UPDATE_EXPECT=1 cargo test --release -p memsim-engine --test calibration` from two sets of measurements of OpenJDK 17.0.15 on 2 CPUs and 24 GiB (NMT summary and `/proc/<pid>/status` after a settle period; `tools/jvm-calibrate/README.md` says how they were taken):\n\n\
         - the **fit set**, `tools/jvm-calibrate/results/` (`run-all.sh`): the project's own workload (`Workload.java`), on which memsim's fitted constants were fitted;\n\
         - the **validation set**, `tools/jvm-calibrate/validation/` (`validate-all.sh`): workload shapes the fit set does not have — classes of real libraries (`JarLoad` loads and initializes every class of Debian's bcprov, commons-math3 and xerces jars), heaps sized without `-Xms` under live data and churn, two minutes of churn, a direct reservation that fails after class loading left garbage, a C1-only JVM, a small unsegmented code cache, 400 deep threads under Serial — and a real program nobody here wrote, Debian's H2 database server under a JDBC load (`validation/measure_h2.py`). No constant is ever fitted on it: it is only judged.\n\n\
         The fit set's `cpu<N>-*` configurations told the JVM it had N CPUs (`-XX:ActiveProcessorCount=N`; the machine and glibc keep 2); the `arena<N>-*` ones ran with `MALLOC_ARENA_MAX=N` (`jvm.malloc_arena_max`); the `realcls-*` ones load the classes of real libraries (guava, commons-lang3, jackson-databind: `--jar`), stated as `classes` of the default application profile at their measured average class-file size (`class_file_bytes`), the others the workload's generated classes, stated as `class_profile = \"thin\"`; the `mech-*` ones exercise heap mechanisms (Parallel and G1 without `-Xms`, live data dropped, a failing direct reservation); the `c1only-*` ones ran without C2 (`-XX:TieredStopAtLevel=1`), `c2only-*` without C1 (`-XX:-TieredCompilation`).\n\
         Each configuration's JVM flags and workload become a memsim scenario; the tables give memsim's prediction and the measurement, in MiB, of every NMT category whose committed size is over 8 MiB in either, of RSS (`VmRSS`) and of its file-backed part (`RssFile`; judged only when over 8 MiB), and of the address space (`VmSize` against memsim's total reserved: heap, code cache, class space and stacks as reserved, 64 MiB per glibc arena, the mapped jimage).\n\
         A cell is marked ✗ when it is off by more than ±10 %; a configuration is a hit when none of its cells is.\n\
         Arena Chunk is shown but not judged: it is the chunk pool of HotSpot's resource arenas, freed by a periodic cleaner, and the same configuration measured 3.2, 9.8 and 9.8 MiB on three runs.\n\
         The model's rules and the origin of each constant are in the doc comments of `crates/memsim-jvm/src/*.rs`.\n\n",
    );
    let _ = writeln!(
        doc,
        "## Fit and validation side by side\n\n\
         | | fit set | validation set |\n| --- | ---: | ---: |\n\
         | configurations | {} | {} |\n\
         | every judged cell within ±10 % | {fit_ok} | {val_ok} |\n\
         | misses | {} | {} |\n",
        fit.len(),
        val.len(),
        fit.len() - fit_ok,
        val.len() - val_ok
    );
    doc.push_str(
        "Validation configurations (what a scenario states for each: its JVM flags and workload; for jars, the classes NMT counts less the 730 an idle JVM loads; for the real program, the threads, classes, heap live after `GC.run` and allocation rate observed from the process):\n\n\
         | configuration | shape | result |\n| --- | --- | --- |\n",
    );
    for (j, r) in val.iter().zip(&val_json) {
        let misses = j.misses();
        let result = if misses.is_empty() {
            "within ±10 %".to_string()
        } else {
            format!("✗ {}", misses.join("; "))
        };
        let _ = writeln!(
            doc,
            "| `{}` | {} | {result} |",
            j.config(),
            validation::shape(r)
        );
    }
    doc.push_str("\nValidation misses, with what the measurement shows:\n\n");
    for j in &val {
        if j.misses().is_empty() {
            continue;
        }
        let why = validation::VALIDATION_MISSES
            .iter()
            .find(|(c, _)| *c == j.config())
            .map_or_else(|| j.misses().join("; "), |(_, why)| why.to_string());
        let _ = writeln!(doc, "- `{}`: {why}", j.config());
    }
    doc.push_str("\n## Validation set\n\n");
    write_tables(&mut doc, &val, "JDK 17");
    doc.push_str("## Fit set\n\n");
    write_tables(&mut doc, &fit, "JDK 17");
    let _ = writeln!(
        doc,
        "### Fit summary\n\n{fit_ok} of {} configurations have every judged cell within ±10 %.\n",
        fit.len()
    );
    if !KNOWN_MISSES.is_empty() {
        doc.push_str("Known misses:\n\n");
        for (c, why) in KNOWN_MISSES {
            let _ = writeln!(doc, "- `{c}`: {why}");
        }
    }
    // JDK 21's own fit and validation sets, judged the same way (`calibration/jdk21.rs`).
    let jdk21_wrong = jdk21::section(&mut doc);
    let path = root().join("docs/calibration.md");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let unexpected: Vec<String> = fit
        .iter()
        .filter(|j| !KNOWN_MISSES.iter().any(|(c, _)| *c == j.config()))
        .flat_map(|j| {
            j.misses()
                .into_iter()
                .map(move |m| format!("{}: {m}", j.config()))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "off by more than ±10 %:\n{}",
        unexpected.join("\n")
    );
    // Validation: every miss listed with its measured reason (not-expressible ones explain
    // themselves), and no listed configuration that now hits.
    for j in &val {
        let listed = validation::VALIDATION_MISSES
            .iter()
            .any(|(c, _)| *c == j.config());
        let expressible = matches!(j, Judged::Compared(_));
        let misses = j.misses();
        assert!(
            misses.is_empty() || listed || !expressible,
            "validation configuration {} off by more than ±10 % and not in VALIDATION_MISSES:\n{}",
            j.config(),
            misses.join("\n")
        );
        assert!(
            !misses.is_empty() || !listed,
            "validation configuration {} is now within ±10 %: remove it from VALIDATION_MISSES",
            j.config()
        );
    }
    for (c, _) in validation::VALIDATION_MISSES {
        assert!(
            val.iter().any(|j| j.config() == *c),
            "VALIDATION_MISSES names {c}, which is not in the validation set"
        );
    }
    assert!(
        jdk21_wrong.is_empty(),
        "JDK 21 (tests/calibration/jdk21.rs):\n{}",
        jdk21_wrong.join("\n")
    );
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == doc,
        "docs/calibration.md is stale: rerun with UPDATE_EXPECT=1"
    );
    // The README's status line quotes these figures; keep it true.
    let claims = [
        format!("measures {} configurations", fit.len()),
        format!("({fit_ok} match within ±10 %"),
        format!("the {} that do not", fit.len() - fit_ok),
        format!(
            "validation set of {} configurations ({val_ok} within ±10 %",
            val.len()
        ),
    ];
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for claim in &claims {
        assert!(
            readme.contains(claim.as_str()),
            "README.md's status should say `{claim}`"
        );
    }
}

/// The live tests measure one JVM at a time, as the recorded sets were measured.
pub(crate) static LIVE_JVM: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A few small configurations measured now, on this machine's JDK 17 (CI installs it), compared the
/// same way. Fails loudly without java or python3: the comparison is the point.
#[test]
fn small_configurations_measured_live_match() {
    let _one_jvm_at_a_time = LIVE_JVM.lock().unwrap_or_else(|e| e.into_inner());
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("calibration-live");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let configs: &[(&str, &str, &str)] = &[
        (
            "live-g1-256m-50t",
            "-XX:+UseG1GC -Xms256m -Xmx256m",
            "--threads 50 --stack-depth 300 --classes 2000",
        ),
        (
            "live-parallel-512m-direct",
            "-XX:+UseParallelGC -Xms512m -Xmx512m",
            "--threads 20 --direct 64m --unsafe 32m --mapped 32m",
        ),
    ];
    for (name, flags, args) in configs {
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(root().join("tools/jvm-calibrate/measure.py"))
            .args([*name, "--results", out.to_str().unwrap(), "--"])
            .args(flags.split_whitespace())
            .arg("--")
            .args(args.split_whitespace())
            .current_dir(root());
        let status = cmd
            .output()
            .unwrap_or_else(|e| panic!("python3 is needed for the live calibration: {e}"));
        assert!(
            status.status.success(),
            "measuring {name} failed (is a JDK 17 installed? `apt-get install -y openjdk-17-jdk-headless`):\n{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let r: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let row = compare(&r);
        let bad: Vec<String> = row
            .cells
            .iter()
            .filter(|(what, p, m)| {
                (*m > 8.0 || *p > 8.0) && !NOT_JUDGED.contains(&what.as_str()) && !within(*p, *m)
            })
            .map(|(what, p, m)| format!("{what}: memsim {p:.1} MiB vs JDK {m:.1} MiB"))
            .collect();
        assert!(bad.is_empty(), "{name} measured live:\n{}", bad.join("\n"));
    }
}
