//! The memsim binary.
fn main() {}
