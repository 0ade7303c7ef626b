//! A [`Recommendation`] for people (text) and for tools (JSON): the settings as JVM flags,
//! `neo4j.conf` lines and a scenario diff, and why they fit.

use std::fmt::Write as _;

use memsim_core::ByteSize;
use serde_json::{Value, json};

use crate::outcome::failures_words;
use crate::recommend::{Candidate, Comparison, Recommendation, describe};
use crate::settings::size_text;
use crate::{Knob, Outcome, Settings};

/// `neo4j.conf` lines for the settings, in Neo4j 5's names (`server.…`) or 4's (`dbms.…`): the
/// scenario format has no Neo4j version, so both are given.
fn neo4j_conf(r: &Recommendation, s: &Settings, v5: bool) -> Vec<String> {
    let p = if v5 { "server" } else { "dbms" };
    let mut out = Vec::new();
    for flag in s.jvm_flags(&r.scenario) {
        if let Some(v) = flag.strip_prefix("-Xms") {
            out.push(format!("{p}.memory.heap.initial_size={v}"));
        } else if let Some(v) = flag.strip_prefix("-Xmx") {
            out.push(format!("{p}.memory.heap.max_size={v}"));
        } else {
            out.push(format!("{p}.jvm.additional={flag}"));
        }
    }
    if let Some(pc) = s.page_cache {
        out.push(format!("{p}.memory.pagecache.size={}", size_text(pc)));
    }
    out
}

fn diff(r: &Recommendation) -> String {
    similar::TextDiff::from_lines(&r.original_text, &r.recommended_text)
        .unified_diff()
        .context_radius(1)
        .header(&r.file, "recommended")
        .to_string()
}

fn composition_words(o: &Outcome, n: usize) -> String {
    let total = o.peak_resident_bytes.max(1) as f64;
    o.composition
        .iter()
        .take(n)
        .map(|(a, b)| {
            format!(
                "{} {} ({:.1} %)",
                a.name(),
                ByteSize(*b),
                *b as f64 * 100.0 / total
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text `memsim recommend` prints.
pub fn render_recommendation_text(r: &Recommendation) -> String {
    let mut out = String::new();
    let c = &r.chosen;
    let _ = writeln!(
        out,
        "memsim recommend: {} under {} − {}% headroom = {} (objective {}, varying {})",
        r.file,
        ByteSize(r.limit_bytes),
        r.headroom_percent,
        ByteSize(r.target_bytes),
        r.objective.name(),
        r.vary
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "\nRECOMMENDED: {} — peak {} at {:.1} s, {} under the target: {}",
        describe(&c.settings),
        ByteSize(c.outcome.peak_resident_bytes),
        c.outcome.peak_at.as_secs_f64(),
        ByteSize(r.target_bytes - c.outcome.peak_resident_bytes),
        c.outcome.fit_words(r.target_bytes)
    );
    let _ = writeln!(
        out,
        "\nJVM flags:\n  {}",
        c.settings.jvm_flags(&r.scenario).join(" ")
    );
    let _ = writeln!(
        out,
        "\nneo4j.conf (Neo4j 5):\n  {}",
        neo4j_conf(r, &c.settings, true).join("\n  ")
    );
    let _ = writeln!(
        out,
        "neo4j.conf (Neo4j 4):\n  {}",
        neo4j_conf(r, &c.settings, false).join("\n  ")
    );
    let _ = writeln!(out, "\nScenario diff:\n{}", diff(r).trim_end());

    let _ = writeln!(out, "\nWhy it fits:");
    let _ = writeln!(
        out,
        "  peak {} at {:.1} s: {}",
        ByteSize(c.outcome.peak_resident_bytes),
        c.outcome.peak_at.as_secs_f64(),
        composition_words(&c.outcome, 8)
    );
    let _ = writeln!(out, "  the peak is {}", c.outcome.budget_words());
    if c.outcome.configured_bytes > r.limit_bytes {
        let _ = writeln!(
            out,
            "  caution: {} = {} is more than the limit {}; this workload does not use it all, a heavier one could (an -Xmx the heap never grows into is what lets the objective's range end early)",
            c.outcome.configured_names,
            ByteSize(c.outcome.configured_bytes),
            ByteSize(r.limit_bytes)
        );
    }
    let _ = writeln!(out, "  binding: {}", r.binding);
    for f in &r.floors {
        let _ = write!(
            out,
            "  floor of {}: {} — {}",
            f.knob,
            size_text(f.bytes),
            f.how
        );
        match &f.below {
            Some(b) => {
                let _ = writeln!(
                    out,
                    "; {} fails: {}",
                    size_text(b.settings.get(f.knob).unwrap_or(0)),
                    b.outcome.why_not(u64::MAX).unwrap_or_default()
                );
            }
            None => out.push('\n'),
        }
    }
    if !r.alternatives.is_empty() {
        let _ = writeln!(
            out,
            "\nNext best (the same memory moved between heap and page cache):"
        );
        for a in &r.alternatives {
            let _ = writeln!(
                out,
                "  {} — peak {}, {}",
                describe(&a.settings),
                ByteSize(a.outcome.peak_resident_bytes),
                a.outcome.fit_words(r.target_bytes)
            );
        }
    }
    if !r.comparisons.is_empty() {
        let _ = writeln!(out, "\nCompared with static formulas for the same limit:");
        let _ = writeln!(
            out,
            "  {:<42} {:>10} {:>10} {:>10} {:>11}  memsim predicts",
            "", "heap", "page cache", "direct cap", "peak"
        );
        let row = |out: &mut String, name: &str, s: &Settings, o: &Result<Outcome, String>| {
            let cell = |k: Knob| s.get(k).map_or("(scenario)".into(), size_text);
            let (peak, words) = match o {
                Ok(o) => (
                    ByteSize(o.peak_resident_bytes).to_string(),
                    o.fit_words(r.target_bytes),
                ),
                Err(e) => ("-".into(), e.clone()),
            };
            let _ = writeln!(
                out,
                "  {:<42} {:>10} {:>10} {:>10} {:>11}  {}",
                name,
                cell(Knob::Heap),
                cell(Knob::PageCache),
                cell(Knob::MaxDirect),
                peak,
                words
            );
        };
        row(
            &mut out,
            "memsim recommend",
            &c.settings,
            &Ok(c.outcome.clone()),
        );
        for cmp in &r.comparisons {
            row(&mut out, cmp.name, &cmp.settings, &cmp.outcome);
        }
        for cmp in &r.comparisons {
            let _ = writeln!(out, "  {}: {}", cmp.name, cmp.note);
            if !cmp.prints.is_empty() {
                let _ = writeln!(out, "    prints: {}", cmp.prints.join(" "));
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} simulations in {} rounds.",
        r.simulations, r.rounds
    );
    out
}

fn outcome_json(o: &Outcome, target: u64) -> Value {
    json!({
        "verdict": o.verdict.as_str(),
        "failures": if o.failures.is_empty() { Value::Null } else { Value::String(failures_words(&o.failures)) },
        "fits": o.fits_under(target),
        "why_not": o.why_not(target),
        "in_words": o.fit_words(target),
        "configured_bytes": o.configured_bytes,
        "against_configured": o.budget_words(),
        "peak_resident_bytes": o.peak_resident_bytes,
        "peak_at_seconds": o.peak_at.as_secs_f64(),
        "limit_bytes": o.limit_bytes,
        "peak_charge_bytes": o.peak_charge_bytes,
        "composition_at_peak": o.composition.iter().map(|(a, b)| json!({"account": a.name(), "resident_bytes": b})).collect::<Vec<_>>(),
    })
}

fn settings_json(s: &Settings) -> Value {
    let mut m = serde_json::Map::new();
    for k in Knob::ALL {
        if let Some(v) = s.get(k) {
            m.insert(format!("{}_bytes", k.name()), json!(v));
        }
    }
    Value::Object(m)
}

fn candidate_json(c: &Candidate, target: u64) -> Value {
    json!({"settings": settings_json(&c.settings), "outcome": outcome_json(&c.outcome, target)})
}

fn comparison_json(c: &Comparison, target: u64) -> Value {
    json!({
        "name": c.name,
        "prints": c.prints,
        "settings": settings_json(&c.settings),
        "note": c.note,
        "outcome": match &c.outcome { Ok(o) => outcome_json(o, target), Err(e) => json!({"error": e}) },
    })
}

/// `memsim recommend --format json`.
pub fn render_recommendation_json(r: &Recommendation) -> String {
    let t = r.target_bytes;
    let v = json!({
        "file": r.file,
        "limit_bytes": r.limit_bytes,
        "headroom_percent": r.headroom_percent,
        "target_bytes": t,
        "objective": r.objective.name(),
        "vary": r.vary.iter().map(|k| k.name()).collect::<Vec<_>>(),
        "step_bytes": r.step_bytes,
        "recommended": candidate_json(&r.chosen, t),
        "jvm_flags": r.chosen.settings.jvm_flags(&r.scenario),
        "neo4j_conf_5": neo4j_conf(r, &r.chosen.settings, true),
        "neo4j_conf_4": neo4j_conf(r, &r.chosen.settings, false),
        "overrides": r.overrides.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "scenario_diff": diff(r),
        "binding": r.binding,
        "one_step_larger": r.one_step_larger.as_ref().map(|c| candidate_json(c, t)),
        "floors": r.floors.iter().map(|f| json!({
            "setting": f.knob.name(),
            "bytes": f.bytes,
            "how": f.how,
            "below": f.below.as_ref().map(|c| candidate_json(c, t)),
        })).collect::<Vec<_>>(),
        "alternatives": r.alternatives.iter().map(|c| candidate_json(c, t)).collect::<Vec<_>>(),
        "comparisons": r.comparisons.iter().map(|c| comparison_json(c, t)).collect::<Vec<_>>(),
        "simulations": r.simulations,
        "rounds": r.rounds,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("JSON values serialize");
    s.push('\n');
    s
}
