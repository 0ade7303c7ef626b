//! `memsim direct replay --netty 4.2.13-adaptive`: a trace through the model of Netty 4.2.13's
//! `AdaptiveByteBufAllocator` (`memsim_direct::replay_adaptive`), printed as JSON; and how every
//! `--netty` reports a replay it refused.

use crate::input;
use std::path::Path;
use std::process::ExitCode;

/// The flags of `direct replay` that only 4.1's `PooledByteBufAllocator` has, with their names.
pub(crate) fn pooled_only_flags(given: &[(&'static str, bool)]) -> Vec<&'static str> {
    given.iter().filter(|(_, g)| *g).map(|(n, _)| *n).collect()
}

/// Replays `trace` through the adaptive model; exit 0, 1 (output failed) or 2 (bad input).
pub(crate) fn run(
    trace: &Path,
    options: &memsim_direct::replay_adaptive::AdaptiveReplayOptions,
    pooled_flags: &[&'static str],
) -> ExitCode {
    if let Some(first) = pooled_flags.first() {
        eprintln!(
            "memsim: --{first} is a PooledByteBufAllocator setting; --netty 4.2.13-adaptive has no such setting"
        );
        return ExitCode::from(2);
    }
    let text = match input::read_text(trace, input::Kind::Trace) {
        Ok(t) => t,
        Err(e) => return crate::input_failure(e),
    };
    match memsim_direct::replay_adaptive::replay_adaptive_json(&text, options) {
        Ok(v) => {
            let mut s = serde_json::to_string_pretty(&v).expect("JSON values serialize");
            s.push('\n');
            crate::print_out(&s)
        }
        Err(e) => bad_input(trace, &e),
    }
}

/// Exit 2 for a replay refused before it ran: a trace error is the trace file's (`FILE: trace line
/// N: …`), an option error the command line's (`memsim: …`), for every `--netty`.
pub(crate) fn bad_input(trace: &Path, e: &memsim_direct::replay::ReplayError) -> ExitCode {
    match e {
        memsim_direct::replay::ReplayError::Trace { .. } => {
            eprintln!("{}: {e}", input::shown(trace));
        }
        _ => eprintln!("memsim: {e}"),
    }
    ExitCode::from(2)
}
