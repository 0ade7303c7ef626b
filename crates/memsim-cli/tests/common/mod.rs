//! Helpers the CLI's test binaries share: the workspace, the built `memsim`, scratch directories.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root, where `sims/` is.
pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs the built `memsim` in the workspace root.
pub(crate) fn memsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_memsim"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("memsim runs")
}

/// Output bytes as text, for messages and assertions.
pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh, empty directory `group/name` under Cargo's scratch space for tests.
pub(crate) fn scratch_in(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
