//! Prints `alloc_program(100_000, 3)` (the direct-pool benches' program) as `size keep` lines, for
//! `tools/netty-replay/AllocCost.java` to run the same program on the real Netty jars.

use std::io::Write as _;

fn main() {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (size, keep) in memsim_benches::alloc_program(100_000, 3) {
        if writeln!(out, "{size} {keep}").is_err() {
            std::process::exit(1);
        }
    }
    if out.flush().is_err() {
        std::process::exit(1);
    }
}
