//! From the spanned TOML tree to a validated [`Scenario`]: every key, default and limit.
//!
//! This file is the orchestration: TOML syntax errors, then each table read in turn by its own
//! module (`scenario`, `machine`, `jvm`, `netty`, `page_cache`, `crate::database`, then `phase`
//! with its `requests`), and the [`Scenario`] assembled once no reader reported an error. The
//! defaults and limits are in `limits`, the readers shared by the tables in `fields`, and the
//! human forms of durations and sizes used in messages in `human`.

mod fields;
mod human;
mod jvm;
mod limits;
mod machine;
mod netty;
mod page_cache;
mod phase;
mod requests;
mod scenario;

use std::path::Path;

use memsim_core::SimDuration;
use toml::de::DeTable;

pub(crate) use human::human_size;

use crate::error::{ScenarioErrors, excerpt};
use crate::keys;
use crate::model::Scenario;
use crate::reader::{Ctx, Tab};
use jvm::read_jvm;
use machine::read_machine;
use netty::read_netty;
use page_cache::read_page_cache;
use phase::read_phases;
use scenario::read_scenario;

/// The scenario's default name: the file's stem.
fn default_name(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "scenario".to_string())
}

/// Parses and validates `source`, read from `file`.
pub(crate) fn parse(source: &str, file: &str) -> Result<Scenario, ScenarioErrors> {
    let mut cx = Ctx::new(source, file);
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    if !syntax_errors.is_empty() {
        for e in syntax_errors {
            let span = e.span().unwrap_or(0..0);
            let mut message = format!("TOML syntax error: {}", e.message());
            let hint = if e.message().starts_with("duplicate key") {
                if let Some(key) = source.get(span.clone()).filter(|k| !k.is_empty()) {
                    message = format!("TOML syntax error: duplicate key `{}`", excerpt(key));
                }
                "each key and each `[table]` may appear only once; use `[[phase]]` for repeated phases"
            } else if e.message().contains("must be quoted") {
                "sizes, durations, rates and names are strings in double quotes, e.g. `duration = \"20m\"`"
            } else {
                "see https://toml.io for the syntax; memsim's keys are in docs/scenario-format.md"
            };
            cx.err("", span, message, Some(hint.into()));
        }
        return Err(ScenarioErrors::new(source, file, cx.errors));
    }
    let root = Tab {
        path: String::new(),
        span: 0..0,
        table: root.get_ref(),
    };
    root.check_keys(&mut cx, keys::TOP);

    let head = read_scenario(&mut cx, &root);
    let machine = read_machine(&mut cx, &root);
    let jvm = read_jvm(&mut cx, &root);
    let netty = read_netty(&mut cx, &root);
    let page_cache = read_page_cache(&mut cx, &root);
    let database = crate::database::read_database(&mut cx, &root);
    // A `[page_cache]` or `[database]` that is present but malformed was reported already: don't
    // blame the phases too.
    let has_page_cache = root.get("page_cache").is_some() || root.get("database").is_some();
    let phases = read_phases(&mut cx, &root, &head, &jvm, has_page_cache);

    if !cx.errors.is_empty() {
        return Err(ScenarioErrors::new(source, file, cx.errors));
    }
    let mut warnings = cx.warnings;
    warnings.sort_by_key(|w| w.span.start);
    Ok(Scenario {
        name: head.name.unwrap_or_else(|| default_name(file)),
        description: head.description,
        seed: head.seed,
        duration: head.duration.unwrap_or(SimDuration::ZERO),
        sample_every: head.sample_every,
        max_events: head.max_events,
        machine,
        jvm,
        netty,
        page_cache,
        database,
        phases,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names() {
        assert_eq!(default_name("sims/neo4j-12g.toml"), "neo4j-12g");
        assert_eq!(default_name("x"), "x");
        assert_eq!(default_name(""), "scenario");
        assert_eq!(default_name("/"), "scenario");
    }
}
