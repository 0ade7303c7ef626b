//! `memsim run`'s progress bar: simulated time done out of the scenario's duration, on stderr, only
//! when stderr is a terminal, the run is not `--quiet`, and it has already taken a second of wall
//! time (most runs end before and never show one).
//!
//! The engine knows no clock and no terminal: it reports simulated progress through
//! [`memsim_engine::run_with_progress`]'s callback, which only reads, so the reports are the same
//! byte for byte with or without a bar. The wall clock, the delay and the drawing are here.
//! `MEMSIM_PROGRESS_AFTER_MS` overrides the delay (tests draw the bar at once through a
//! pseudo-terminal).

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use memsim_core::SimTime;
use memsim_engine::Progress;

/// How long a run goes on before it gets a bar.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// The bar of one run, created once the run has taken [`SHOW_AFTER`].
#[derive(Debug)]
pub(crate) struct RunProgress {
    enabled: bool,
    started: Instant,
    show_after: Duration,
    bar: Option<ProgressBar>,
}

impl RunProgress {
    /// A bar for a run starting now; `quiet` (or a stderr that is not a terminal) disables it.
    pub(crate) fn new(quiet: bool) -> RunProgress {
        let show_after = std::env::var("MEMSIM_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(SHOW_AFTER, Duration::from_millis);
        RunProgress {
            enabled: !quiet && std::io::stderr().is_terminal(),
            started: Instant::now(),
            show_after,
            bar: None,
        }
    }

    /// The engine's report of how far the run has come.
    pub(crate) fn update(&mut self, p: Progress) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() {
            if self.started.elapsed() < self.show_after {
                return;
            }
            let bar = ProgressBar::with_draw_target(
                Some(p.planned.nanos() / 1_000_000),
                ProgressDrawTarget::stderr(),
            );
            // The bar is late by design: its clock starts with the run.
            let bar = bar.with_elapsed(self.started.elapsed());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed}] {wide_bar} {msg} simulated (ETA {eta})",
                )
                .expect("a valid template"),
            );
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "{} of {}",
                SimTime(p.done.nanos()),
                SimTime(p.planned.nanos())
            ));
            bar.set_position(p.done.nanos() / 1_000_000);
        }
    }

    /// Removes the bar before the summary is printed.
    pub(crate) fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
