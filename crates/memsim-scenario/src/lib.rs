//! Scenario files: TOML → validated [`Scenario`], with errors that name file, line, column and key.
#![deny(missing_docs)]

mod model;

pub use model::*;
