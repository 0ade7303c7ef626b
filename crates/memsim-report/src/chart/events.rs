//! Which events the chart marks, how they look, what their labels say and how many of each the
//! run had.
//!
//! Counts come from the [`RunSummary`] numbers the text summary prints, never from a second tally:
//! errors from [`memsim_core::Failures`] (the headline's `but 1,664 OutOfDirectMemoryError`), full
//! collections from the GC summary (the text's `full  3474×` row), transaction terminations from
//! the failures too; other kinds from the events' own `repeats + 1`.

use memsim_core::size::group_thousands;
use memsim_core::{Event, EventKind, GcKind, RunSummary};

use super::svg::truncate;

pub(crate) const OOM_COLOUR: &str = "#d00000";
pub(crate) const ERROR_COLOUR: &str = "#e6550d";
const PHASE_COLOUR: &str = "#444444";
const OTHER_EVENT_COLOUR: &str = "#888888";

/// Characters of a phase's message kept in its label before the layout elides further.
const LABEL_CHARS_MAX: usize = 32;

/// Lower is more important; `None` for kinds not drawn (heap resizes, phase ends and checkpoint
/// starts are noise at this scale). Error kinds added later are drawn as errors.
pub(crate) fn marker_priority(kind: EventKind) -> Option<u8> {
    match kind {
        EventKind::OomKilled => Some(0),
        k if k.is_error() => Some(1),
        EventKind::Thrashing => Some(1),
        EventKind::PhaseStarted | EventKind::Mark => Some(2),
        EventKind::PageCacheFull
        | EventKind::CheckpointCompleted
        | EventKind::StoreCopied
        | EventKind::EvictionStorm => Some(3),
        EventKind::FullGc => Some(4),
        _ => None,
    }
}

/// The marker line's colour: the OOM kill red, errors and thrashing orange, phases dark grey,
/// the rest light grey.
pub(crate) fn marker_colour(kind: EventKind) -> &'static str {
    match kind {
        EventKind::OomKilled => OOM_COLOUR,
        k if k.is_error() => ERROR_COLOUR,
        EventKind::Thrashing => ERROR_COLOUR,
        EventKind::PhaseStarted | EventKind::Mark => PHASE_COLOUR,
        _ => OTHER_EVENT_COLOUR,
    }
}

/// The marker line's width: the OOM kill stands out.
pub(crate) fn marker_width(kind: EventKind) -> &'static str {
    if kind == EventKind::OomKilled {
        "2"
    } else {
        "1"
    }
}

/// The kind's name in labels and the legend.
pub(crate) fn kind_name(kind: EventKind) -> String {
    match kind {
        EventKind::OomKilled => "OOM kill".to_string(),
        EventKind::OutOfMemoryError => "OutOfMemoryError".to_string(),
        EventKind::OutOfDirectMemoryError => "OutOfDirectMemoryError".to_string(),
        EventKind::CodeCacheFull => "CodeCache full".to_string(),
        EventKind::PageCacheFull => "page cache full".to_string(),
        EventKind::FullGc => "Full GC".to_string(),
        EventKind::PhaseStarted => "phase start".to_string(),
        k => k.as_str().replace('_', " "),
    }
}

/// How many times `kind` happened in the run, from the number the text summary prints.
pub fn occurrences(s: &RunSummary, kind: EventKind) -> u64 {
    match kind {
        EventKind::OutOfMemoryError | EventKind::OutOfDirectMemoryError => s
            .failures
            .errors
            .iter()
            .find(|e| e.kind == kind)
            .map_or(0, |e| e.count),
        EventKind::TransactionTerminated => s.failures.transactions_terminated,
        EventKind::FullGc => {
            s.gc.pauses
                .iter()
                .find(|p| p.kind == GcKind::Full)
                .map_or(0, |p| p.count)
        }
        k => s
            .events
            .iter()
            .filter(|e| e.kind == k)
            .fold(0u64, |n, e| n.saturating_add(e.repeats.saturating_add(1))),
    }
}

/// `×1,664`, or nothing for one.
pub(crate) fn times(n: u64) -> String {
    if n > 1 {
        format!(" ×{}", group_thousands(n))
    } else {
        String::new()
    }
}

/// The label above a marker: a phase's message, or the kind's name; then how many occurrences
/// the marker stands for. When it is the only event of its kind in the log, that is the run's
/// count ([`occurrences`]); otherwise the occurrences folded into this event.
pub(crate) fn marker_label(s: &RunSummary, e: &Event) -> String {
    let base = match e.kind {
        EventKind::PhaseStarted | EventKind::Mark => truncate(&e.message, LABEL_CHARS_MAX),
        k => kind_name(k),
    };
    let records = s.events.iter().filter(|x| x.kind == e.kind).count();
    let n = if records == 1 {
        occurrences(s, e.kind)
    } else {
        e.repeats.saturating_add(1)
    };
    format!("{base}{}", times(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn counts_are_the_summary_numbers() {
        let mut s = fixture::oom_run();
        let direct = s
            .failures
            .errors
            .iter()
            .find(|e| e.kind == EventKind::OutOfDirectMemoryError)
            .map(|e| e.count);
        assert_eq!(
            Some(occurrences(&s, EventKind::OutOfDirectMemoryError)),
            direct
        );
        // A second tally in the log does not change the number.
        s.failures.errors.iter_mut().for_each(|e| e.count = 5000);
        assert_eq!(occurrences(&s, EventKind::OutOfDirectMemoryError), 5000);
        assert_eq!(occurrences(&s, EventKind::OomKilled), 1);
        assert_eq!(times(1), "");
        assert_eq!(times(1664), " ×1,664");
    }
}
