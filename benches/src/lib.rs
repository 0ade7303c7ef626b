//! Criterion benches for memsim; see benches/README.md.
