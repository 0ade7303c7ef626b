//! What a run's own settings and counters made of a term: one sentence per account, beside the
//! general explanation ([`super::explain`]), from `report.json`'s `parameters` and `counters`.
//! A term whose figures the run does not carry (a run recorded from a real process may lack
//! them) gets no sentence rather than a guessed one.

use crate::run_files::ReportFile;

use super::markup::{count, percent, size};

/// The run's own figures behind the account named `name`, in one sentence, or `None`.
pub(crate) fn in_this_run(name: &str, r: &ReportFile) -> Option<String> {
    let xmx = r.parameter_bytes("Xmx");
    let configured = |term: &str| r.configured_terms.iter().any(|t| t.name == term);
    let direct_limit = || -> Option<String> {
        let direct = r.parameter_bytes("MaxDirectMemorySize")?;
        Some(if configured("-XX:MaxDirectMemorySize") {
            format!("-XX:MaxDirectMemorySize was set to {}", size(direct))
        } else if Some(direct) == xmx {
            format!(
                "-XX:MaxDirectMemorySize was not set, so it defaulted to the heap's maximum: {} of direct memory allowed on top of the heap",
                size(direct)
            )
        } else {
            format!("direct memory was limited to {}", size(direct))
        })
    };
    match name {
        "Netty Direct" => {
            let mut s = direct_limit()?;
            if let (Some(made), Some(chunk)) = (
                r.counter("netty_chunks_created"),
                r.parameter_bytes("netty_chunk_size"),
            ) {
                s.push_str(&format!(
                    "; Netty made {} chunks of {} ({} released)",
                    count(made),
                    size(chunk),
                    count(r.counter("netty_chunks_destroyed").unwrap_or(0))
                ));
            }
            Some(s + ".")
        }
        "JDK Direct" => {
            let mut s = direct_limit()?;
            if let Some(gcs) = r.counter("direct_reservation_gcs").filter(|n| *n > 0) {
                s.push_str(&format!(
                    "; reserving buffers at the limit ran System.gc() {} times",
                    count(gcs)
                ));
            }
            Some(s + ".")
        }
        "Thread" => {
            let c = r.category("Thread")?;
            let xss = r.parameter_bytes("Xss")?;
            let alive = r
                .counter("threads_alive")
                .map(|n| format!("{} threads alive at the end, ", count(n)))
                .unwrap_or_default();
            Some(format!(
                "{alive}-Xss {}: {} reserved at the peak, {} resident — {} of the reservation touched.",
                size(xss),
                size(c.reserved_bytes),
                size(c.resident_bytes),
                percent(c.resident_bytes, c.reserved_bytes)
            ))
        }
        "GC" => {
            let workers = r.parameter("ParallelGCThreads")?;
            let conc = r
                .parameter("ConcGCThreads")
                .filter(|c| *c != "0")
                .map(|c| format!(", ConcGCThreads {c}"))
                .unwrap_or_default();
            Some(format!(
                "{} with ParallelGCThreads {workers}{conc}; {} collections.",
                r.gc.collector,
                count(r.gc.collections)
            ))
        }
        "Metaspace" | "Class" | "Symbol" => {
            let classes = r.counter("classes_loaded")?;
            let threshold = r
                .counter("metadata_gc_threshold_collections")
                .filter(|n| *n > 0)
                .map(|n| format!("; {} collections at the Metadata GC Threshold", count(n)))
                .unwrap_or_default();
            Some(format!("{} classes loaded{threshold}.", count(classes)))
        }
        "Code" => {
            let reserved = r.parameter_bytes("ReservedCodeCacheSize")?;
            let methods = r
                .counter("methods_compiled")
                .map(|n| format!("{} methods compiled into a ", count(n)))
                .unwrap_or_else(|| "a ".to_string());
            Some(format!(
                "{methods}code cache of {} reserved.",
                size(reserved)
            ))
        }
        "Compiler" => r
            .parameter("CICompilerCount")
            .map(|c| format!("CICompilerCount {c}.")),
        "Native (untracked)" => {
            let arenas = r.parameter("malloc_arena_max")?;
            Some(format!(
                "Up to {arenas} glibc arenas (MALLOC_ARENA_MAX, or 8 per CPU), each 64 MiB of address space."
            ))
        }
        "Page Cache" => {
            let bytes = r.parameter_bytes("page_cache_size")?;
            let faults = r
                .database
                .as_ref()
                .map(|d| format!("; {} pages faulted in", count(d.last.page_cache.faults)))
                .unwrap_or_default();
            Some(format!("Configured at {}{faults}.", size(bytes)))
        }
        _ => None,
    }
}
