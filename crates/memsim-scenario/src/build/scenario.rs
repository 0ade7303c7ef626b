//! The `[scenario]` table: the run's name, description, seed, length, sampling interval and event
//! budget, read into a [`Head`] that the phases are then checked against.

use memsim_core::SimDuration;

use super::fields::required_table;
use super::human::{human_duration, round_up_duration};
use super::limits::{
    DEFAULT_MAX_EVENTS, DEFAULT_SAMPLE_EVERY, DEFAULT_SEED, MAX_MAX_EVENTS, MAX_SAMPLES,
};
use crate::keys;
use crate::reader::{Ctx, Tab};

/// `[scenario]`, with `duration` left `None` when missing or invalid.
#[derive(Debug)]
pub(super) struct Head {
    pub(super) name: Option<String>,
    pub(super) description: String,
    pub(super) seed: u64,
    pub(super) duration: Option<SimDuration>,
    pub(super) sample_every: SimDuration,
    pub(super) max_events: u64,
}

pub(super) fn read_scenario(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> Head {
    let mut head = Head {
        name: None,
        description: String::new(),
        seed: DEFAULT_SEED,
        duration: None,
        sample_every: DEFAULT_SAMPLE_EVERY,
        max_events: DEFAULT_MAX_EVENTS,
    };
    let Some(t) = required_table(
        cx,
        root,
        "scenario",
        "add a `[scenario]` table with at least `duration = \"10m\"`",
    ) else {
        return head;
    };
    t.check_keys(cx, keys::SCENARIO);
    if let Some((name, span)) = t.read(cx, "name", Ctx::label) {
        if name.trim().is_empty() {
            cx.err(
                &t.key_path("name"),
                span,
                "`scenario.name` is empty",
                Some("give the scenario a name, or remove the key to use the file's name".into()),
            );
        } else {
            head.name = Some(name);
        }
    }
    if let Some((d, _)) = t.read(cx, "description", Ctx::string) {
        head.description = d;
    }
    if let Some((s, _)) = t.read(cx, "seed", Ctx::uint) {
        head.seed = s;
    }
    if let Some((d, span)) = t.require(
        cx,
        "duration",
        "set the simulated length of the run, e.g. `duration = \"20m\"`",
        Ctx::duration,
    ) {
        if d == SimDuration::ZERO {
            cx.err(
                "scenario.duration",
                span,
                "`scenario.duration` is zero",
                Some("the run must last some time, e.g. `duration = \"20m\"`".into()),
            );
        } else {
            head.duration = Some(d);
        }
    }
    let sample = t.read(cx, "sample_every", Ctx::duration);
    if let Some((s, span)) = &sample {
        if *s == SimDuration::ZERO {
            cx.err(
                "scenario.sample_every",
                span.clone(),
                "`scenario.sample_every` is zero",
                Some("sample at an interval such as \"1s\" (the default)".into()),
            );
        } else {
            head.sample_every = *s;
        }
    }
    if let Some(d) = head.duration {
        let samples = d.nanos() / head.sample_every.nanos();
        if samples > MAX_SAMPLES {
            let min = SimDuration(d.nanos().div_ceil(MAX_SAMPLES));
            let (path, span, what) = match &sample {
                Some((_, span)) => ("scenario.sample_every", span.clone(), "is"),
                None => (
                    "scenario.duration",
                    t.get("duration")
                        .map(|v| v.span())
                        .unwrap_or(t.span.clone()),
                    "with the default `scenario.sample_every` of 1s is",
                ),
            };
            cx.err(
                path,
                span,
                format!(
                    "too many samples: `scenario.duration` ({}) / `scenario.sample_every` ({}) {what} {samples} samples, more than {MAX_SAMPLES}",
                    human_duration(d),
                    human_duration(head.sample_every)
                ),
                Some(format!(
                    "set `scenario.sample_every` to at least \"{}\"",
                    human_duration(round_up_duration(min))
                )),
            );
        }
    }
    if let Some((m, span)) = t.read(cx, "max_events", Ctx::uint) {
        if m == 0 {
            cx.err(
                "scenario.max_events",
                span,
                "`scenario.max_events` is zero",
                Some(format!(
                    "the engine stops after this many events; the default is {DEFAULT_MAX_EVENTS}"
                )),
            );
        } else if m > MAX_MAX_EVENTS {
            cx.err(
                "scenario.max_events",
                span,
                format!("`scenario.max_events` is {m}; it must be at most {MAX_MAX_EVENTS}"),
                Some(format!("the default is {DEFAULT_MAX_EVENTS}")),
            );
        } else {
            head.max_events = m;
        }
    }
    head
}
