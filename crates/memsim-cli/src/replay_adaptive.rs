//! `memsim direct replay --netty 4.2.13-adaptive`: a trace through the model of Netty 4.2.13's
//! `AdaptiveByteBufAllocator` (`memsim_direct::replay_adaptive`), printed as JSON; and how every
//! `--netty` reports a replay it refused.

use crate::input;
use std::path::Path;
use std::process::ExitCode;

/// The model `--netty` names: itself, or for `4.2.13` the allocator Netty 4.2.13's
/// `ByteBufAllocator.DEFAULT` is for `io.netty.allocator.type` (`--allocator-type`), by
/// [`memsim_direct::netty42adaptive::selection::default_allocator`]. An unknown type selects the
/// pooled allocator as Netty does, with a note on stderr (Netty logs it only at debug level).
///
/// # Errors
/// The message for `--allocator-type` with another `--netty`, or `unpooled` (not modelled).
pub(crate) fn selected_allocator<'a>(
    netty: &'a str,
    allocator_type: Option<&str>,
) -> Result<&'a str, String> {
    use memsim_direct::netty42adaptive::selection::{AllocatorType, default_allocator};
    if netty != "4.2.13" {
        return match allocator_type {
            Some(_) => Err(format!(
                "--allocator-type applies to --netty 4.2.13 only (--netty {netty} names its allocator)"
            )),
            None => Ok(netty),
        };
    }
    match default_allocator(allocator_type) {
        AllocatorType::Adaptive => Ok("4.2.13-adaptive"),
        AllocatorType::Pooled => {
            if let Some(t) = allocator_type.filter(|t| *t != "pooled") {
                eprintln!(
                    "memsim: note: io.netty.allocator.type `{}` is none of unpooled, pooled, adaptive: Netty 4.2.13 uses its pooled allocator",
                    memsim_core::quote::escape_for_message(t)
                );
            }
            Ok("4.2.13-pooled")
        }
        AllocatorType::Unpooled => Err(
            "--allocator-type unpooled: Netty's UnpooledByteBufAllocator is not modelled (only the pooled and adaptive allocators are)".into(),
        ),
    }
}

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
            "memsim: --{first} is a PooledByteBufAllocator setting; the adaptive allocator (--netty 4.2.13-adaptive, and --netty 4.2.13 without --allocator-type pooled) has no such setting"
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
