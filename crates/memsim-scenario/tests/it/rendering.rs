//! What users see: the one-line form, and miette's graphical and narrated reports.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NarratableReportHandler};

use crate::{base, errs};

fn graphical(d: &dyn Diagnostic) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut out, d)
        .unwrap();
    out
}

#[test]
fn diagnostic_parts() {
    let e = errs(&base("[jvm]\nhep = \"4g\"\n"));
    let err = &e.errors()[0];
    let labels: Vec<_> = err.labels().unwrap().collect();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].offset(), err.span().start);
    assert_eq!(labels[0].len(), 3);
    assert_eq!(labels[0].label(), Some("unknown key"));
    assert!(
        err.help()
            .unwrap()
            .to_string()
            .starts_with("did you mean `heap`?")
    );
    assert!(
        e.source_code().is_some(),
        "ScenarioErrors carries the source"
    );
    assert_eq!(e.related().unwrap().count(), 1);
}

#[test]
fn graphical_report_shows_the_file_the_line_and_the_hint() {
    let e = errs(&base("[jvm]\nhep = \"4g\"\n"));
    let out = graphical(&e);
    assert!(
        out.contains("sims/test.toml: 1 error in scenario file"),
        "{out}"
    );
    assert!(out.contains("[sims/test.toml:7:1]"), "{out}");
    assert!(out.contains("hep = \"4g\""), "{out}");
    assert!(out.contains("unknown key"), "{out}");
    assert!(out.contains("help: did you mean `heap`?"), "{out}");
}

#[test]
fn narrated_report_mentions_every_error() {
    let e = errs(&base("cores = 0\n[jvm]\ngc = \"zgc\"\n"));
    let mut out = String::new();
    NarratableReportHandler::new()
        .render_report(&mut out, &e)
        .unwrap();
    assert!(out.contains("`machine.cores` is 0"), "{out}");
    assert!(
        out.contains("`jvm.gc` has an unknown collector `zgc`"),
        "{out}"
    );
}

#[test]
fn errors_can_be_rendered_one_by_one_with_a_named_source() {
    let src = base("[jvm]\nhep = \"4g\"\n");
    let e = errs(&src);
    let err = e.into_iter().next().unwrap();
    let report = miette::Report::new(err)
        .with_source_code(miette::NamedSource::new("sims/test.toml", src.clone()));
    let out = graphical(report.as_ref());
    assert!(out.contains("hep = \"4g\""), "{out}");
}
