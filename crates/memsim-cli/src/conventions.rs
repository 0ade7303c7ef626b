//! What every command-line tool is expected to offer, generated from memsim's own definitions so
//! that none of it can fall behind: shell completions and the man page from the clap command
//! (`clap_complete`, `clap_mangen`), and the scenario format's JSON schema from the key table the
//! parser checks keys against (`memsim_scenario::json_schema`).

use std::io::Write as _;
use std::process::ExitCode;

use clap_complete::Shell;

/// `memsim completions SHELL`: the completion script for `SHELL` on stdout.
pub(crate) fn completions(mut command: clap::Command, shell: Shell) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "memsim", &mut out);
    crate::print_bytes(&out)
}

/// `memsim man`: the roff man page `memsim(1)` on stdout, with every subcommand listed; with
/// `--dir DIR`, that page and one per subcommand (`memsim-run.1`, `memsim-nmt-diff.1`, …, the
/// pages `memsim(1)` refers to) written into `DIR`.
pub(crate) fn man(command: clap::Command, dir: Option<&std::path::Path>) -> ExitCode {
    if let Some(dir) = dir {
        return match clap_mangen::generate_to(command, dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!(
                    "memsim: cannot write the man pages into {}: {e}",
                    dir.display()
                );
                ExitCode::from(1)
            }
        };
    }
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(command).render(&mut out) {
        // Rendering writes into memory: an error here is a bug, not bad input.
        panic!("rendering the man page: {e}");
    }
    crate::print_bytes(&out)
}

/// `memsim schema`: the scenario format's JSON schema on stdout.
pub(crate) fn schema() -> ExitCode {
    let mut out =
        serde_json::to_vec_pretty(&memsim_scenario::json_schema()).expect("JSON values serialize");
    writeln!(out).expect("in memory");
    crate::print_bytes(&out)
}
