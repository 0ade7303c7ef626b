//! The everyday conventions: shell completions and the man page generated from the command
//! definitions, the scenario format's JSON schema (every bundled scenario valid against it), the
//! progress bar (only on a terminal, only for runs past its delay, never with `-q`), the docs'
//! complete example as a bundled scenario, and the README's install step.

mod common;
use common::{memsim, text, workspace};

use std::process::Command;

/// The subcommands `memsim help` lists (without `help` itself).
fn subcommands() -> Vec<String> {
    let out = memsim(&["help"]);
    let help = text(&out.stdout);
    let list = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .expect("a Commands section");
    let names: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 7, "{names:?}");
    names
}

#[test]
fn completions_for_every_shell_mention_every_subcommand() {
    let subcommands = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = memsim(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for sub in &subcommands {
            assert!(script.contains(sub.as_str()), "{shell} lacks {sub}");
        }
    }
    let out = memsim(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    // bash accepts its script.
    let out = memsim(&["completions", "bash"]);
    let check = Command::new("bash")
        .args(["-n", "-c", &text(&out.stdout)])
        .output()
        .expect("bash runs");
    assert!(check.status.success(), "{}", text(&check.stderr));
}

#[test]
fn the_man_page_is_roff_and_lists_every_subcommand() {
    let out = memsim(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    assert!(page.contains(".TH memsim 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for sub in subcommands() {
        assert!(
            page.contains(&format!("memsim\\-{sub}")),
            "man page lacks {sub}"
        );
    }
}

/// A scenario file as the JSON an editor's TOML support validates against the schema.
fn as_json(path: &std::path::Path) -> serde_json::Value {
    let source = std::fs::read_to_string(path).unwrap();
    let value: toml::Value = toml::from_str(&source).unwrap();
    serde_json::to_value(value).unwrap()
}

#[test]
fn every_bundled_scenario_is_valid_against_the_printed_schema() {
    let out = memsim(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        jsonschema::meta::is_valid(&schema),
        "the schema is a valid draft-07 schema"
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut sims: Vec<_> = std::fs::read_dir(workspace().join("sims"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    sims.sort();
    assert!(sims.len() >= 10);
    for sim in &sims {
        let doc = as_json(sim);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", sim.display());
    }

    // The schema refuses what the parser refuses by key or type.
    let mut doc = as_json(&workspace().join("sims/neo4j-12g-import.toml"));
    doc["jvm"]["hep"] = serde_json::json!("4g");
    assert!(!validator.is_valid(&doc), "an unknown key");
    let mut doc = as_json(&workspace().join("sims/neo4j-12g-import.toml"));
    doc["jvm"]["gc"] = serde_json::json!("zgc");
    assert!(!validator.is_valid(&doc), "an unknown collector");
    doc["jvm"]["gc"] = serde_json::json!(" G1 ");
    assert!(validator.is_valid(&doc), "collectors are read in any case");
    doc["phase"][0]["threads"] = serde_json::json!("50");
    assert!(!validator.is_valid(&doc), "a quoted integer");
    doc["phase"][0]["threads"] = serde_json::json!(50);
    doc["machine"].as_object_mut().unwrap().remove("ram");
    assert!(!validator.is_valid(&doc), "a required key missing");
}

/// Runs memsim under a pseudo-terminal (`script`, util-linux), returning what the terminal got.
fn on_a_terminal(args: &str, progress_after_ms: Option<&str>) -> String {
    let bin = env!("CARGO_BIN_EXE_memsim");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .current_dir(workspace())
        .env_remove("MEMSIM_PROGRESS_AFTER_MS");
    if let Some(ms) = progress_after_ms {
        cmd.env("MEMSIM_PROGRESS_AFTER_MS", ms);
    }
    let out = cmd
        .output()
        .expect("`script` (util-linux, in Debian's bsdutils) runs memsim on a pseudo-terminal");
    text(&out.stdout)
}

#[test]
fn the_progress_bar_shows_on_a_terminal_past_its_delay_only() {
    const BAR: &str = "of 20m00.000s simulated (ETA";
    // Past the delay (set to 0 here: the real one is a second of wall time).
    let tty = on_a_terminal("run --exit-zero sims/neo4j-12g-import.toml", Some("0"));
    assert!(tty.contains(BAR), "{tty}");
    // The summary follows the cleared bar.
    assert!(tty.contains("VERDICT: OOM-KILLED at "), "{tty}");
    // -q silences it.
    let tty = on_a_terminal("run -q --exit-zero sims/neo4j-12g-import.toml", Some("0"));
    assert!(!tty.contains("simulated (ETA"), "{tty}");
    // A run done within the delay never shows one (netty-direct-oom takes ~10 ms).
    let tty = on_a_terminal("run --exit-zero sims/netty-direct-oom.toml", None);
    assert!(!tty.contains("simulated (ETA"), "{tty}");
    assert!(tty.contains("VERDICT: FITS"), "{tty}");
    // Not on a pipe, whatever the delay.
    let out = Command::new(env!("CARGO_BIN_EXE_memsim"))
        .args(["run", "--exit-zero", "sims/neo4j-12g-import.toml"])
        .current_dir(workspace())
        .env("MEMSIM_PROGRESS_AFTER_MS", "0")
        .output()
        .unwrap();
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn the_docs_complete_example_runs_as_the_docs_say() {
    let doc = std::fs::read_to_string(workspace().join("docs/scenario-format.md")).unwrap();
    let section = doc.split("## Complete example").nth(1).unwrap();
    let claimed = section
        .split('`')
        .find(|s| s.starts_with("OOM-KILLED at "))
        .expect("the docs quote the verdict");
    let out = memsim(&["run", "sims/neo4j-12g-import.toml"]);
    assert_eq!(out.status.code(), Some(5));
    let headline = text(&out.stdout).lines().nth(1).unwrap().to_string();
    assert!(
        headline.starts_with(&format!("VERDICT: {claimed} ")),
        "docs say {claimed}, memsim says {headline}"
    );
}

/// The README's install step installs a `memsim` that runs.
#[test]
fn the_readme_install_step_is_the_crate_that_builds_memsim() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let install = "cargo install --locked --path crates/memsim-cli";
    assert!(readme.contains(install), "README lacks `{install}`");
    // `cargo install --path` builds that package's binaries: it must be the one named memsim.
    let manifest =
        std::fs::read_to_string(workspace().join("crates/memsim-cli/Cargo.toml")).unwrap();
    assert!(
        manifest.contains("[[bin]]\nname = \"memsim\""),
        "{manifest}"
    );
    let out = memsim(&["--version"]);
    assert!(text(&out.stdout).starts_with("memsim "));
}
