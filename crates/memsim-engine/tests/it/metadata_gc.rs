//! `Metadata GC Threshold` collections against real `-Xlog:gc` runs (`tests/data/metadata-gc-threshold.log`):
//! 40,000 thin classes under each collector cross the metaspace high-water mark three times, and
//! each collector answers with its own kind of collection.

use super::{run_checked, scenario};
use memsim_core::GcKind;

const LOG: &str = include_str!("../data/metadata-gc-threshold.log");

/// One logged run: its JVM flags, workload arguments and log lines.
struct Logged<'a> {
    flags: Vec<&'a str>,
    args: Vec<&'a str>,
    lines: Vec<&'a str>,
}

fn logged(name: &str) -> Logged<'_> {
    let start = LOG
        .find(&format!("== {name}: java "))
        .unwrap_or_else(|| panic!("{name} not in the log"));
    let block = &LOG[start..];
    let end = block[3..].find("\n== ").map_or(block.len(), |i| i + 3);
    let mut lines = block[..end].lines();
    let cmd = lines.next().unwrap();
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let w = words.iter().position(|w| *w == "Workload").unwrap();
    Logged {
        flags: words[3..w].to_vec(),
        args: words[w + 1..].to_vec(),
        lines: lines.collect(),
    }
}

impl Logged<'_> {
    fn info(&self, key: &str) -> u64 {
        let prefix = format!("INFO {key}=");
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {key}"))
            .parse()
            .unwrap()
    }

    /// `(Pause Young, Pause Full)` collections with cause `Metadata GC Threshold`.
    fn threshold_pauses(&self) -> (u64, u64) {
        let of = |kind: &str| {
            self.lines
                .iter()
                .filter(|l| l.contains(kind) && l.contains("(Metadata GC Threshold)"))
                .count() as u64
        };
        (of("Pause Young"), of("Pause Full"))
    }

    /// The scenario stating this run: its collector and heap, the workload's thin classes loaded
    /// over the logged setup time.
    fn scenario(&self) -> String {
        let gc = if self.flags.contains(&"-XX:+UseG1GC") {
            "g1"
        } else if self.flags.contains(&"-XX:+UseParallelGC") {
            "parallel"
        } else {
            "serial"
        };
        let flag = |p: &str| {
            self.flags
                .iter()
                .find_map(|f| f.strip_prefix(p))
                .unwrap()
                .to_string()
        };
        let i = self.args.iter().position(|a| *a == "--classes").unwrap();
        let classes = self.args[i + 1];
        format!(
            "[scenario]\nname = \"metadata gc\"\nduration = \"3s\"\nsample_every = \"100ms\"\n\
             [machine]\nram = \"24g\"\ncores = 2\n\
             [jvm]\ngc = \"{gc}\"\nheap = {{ initial = \"{xms}\", max = \"{xmx}\" }}\n\
             [[phase]]\nname = \"load\"\nstart = \"0s\"\nduration = \"{ms}ms\"\nthreads = 10\n\
             classes = {classes}\nclass_profile = \"thin\"\n",
            xms = flag("-Xms"),
            xmx = flag("-Xmx"),
            ms = self.info("setup_ms"),
        )
    }
}

#[test]
fn thin_classes_cross_the_metaspace_mark_as_often_as_logged() {
    for (name, kind) in [
        ("g1-512m-thin40000", GcKind::Young),
        ("serial-2g-thin40000", GcKind::Full),
        ("parallel-2g-thin40000", GcKind::Full),
    ] {
        let log = logged(name);
        let (young, full) = log.threshold_pauses();
        // G1: a young collection each; Parallel: a young one then a full one; Serial: a full one.
        let events = if kind == GcKind::Young { young } else { full };
        assert_eq!(events, 3, "{name}: the log's threshold collections");
        if name.starts_with("parallel") {
            assert_eq!(young, full);
        }
        let r = run_checked(&scenario(&log.scenario()));
        let counted = r
            .counters
            .iter()
            .find(|(n, _)| n == "metadata_gc_threshold_collections")
            .unwrap()
            .1;
        assert_eq!(counted, events, "{name}: memsim's threshold collections");
        let of_kind = r.gc.of(kind).map_or(0, |p| p.count);
        assert!(
            of_kind >= events,
            "{name}: {of_kind} {kind:?} collections, at least {events} expected"
        );
        let logged_fulls: u64 = r
            .events
            .iter()
            .filter(|e| e.message == "Pause Full (Metadata GC Threshold)")
            .map(|e| e.repeats + 1)
            .sum();
        if kind == GcKind::Young {
            assert!(r.gc.of(GcKind::Full).is_none(), "{name}: G1 collects young");
            assert_eq!(logged_fulls, 0, "{name}");
        } else {
            assert_eq!(logged_fulls, events, "{name}: the log's full collections");
        }
    }
}
