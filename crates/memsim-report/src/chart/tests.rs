use super::*;
use crate::fixture;
use memsim_core::{Event, SimTime};

fn render(s: &RunSummary) -> String {
    let mut out = Vec::new();
    render_chart_svg(s, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// No two texts overlap, and every text lies on the canvas (the layout a reader sees).
fn assert_no_collisions(l: &ChartLayout) {
    let canvas = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: l.size.0,
        y1: l.size.1,
    };
    for (i, (ra, ta, a)) in l.texts.iter().enumerate() {
        assert!(canvas.contains(a), "{ra:?} {ta:?} {a:?} off the canvas");
        for (rb, tb, b) in &l.texts[i + 1..] {
            assert!(
                !a.overlaps(b, 0.0),
                "{ra:?} {ta:?} {a:?} overlaps {rb:?} {tb:?} {b:?}"
            );
        }
        if !matches!(ra, Role::Legend) {
            assert!(
                !a.overlaps(&l.legend, 0.0),
                "{ra:?} {ta:?} overlaps the legend"
            );
        }
    }
}

#[test]
fn thrashing_chart_says_from_when() {
    let mut s = fixture::fitting_run();
    s.verdict = Verdict::Thrashing;
    s.pressure.thrashing_since = Some(SimTime(61_500_000_000));
    let svg = render(&s);
    assert!(svg.contains("THRASHING from 1m01.500s"), "{svg}");
    assert!(svg.contains(&format!(r#"fill="{ERROR_COLOUR}" stroke="none">"#)));
}

#[test]
fn the_title_names_failures_as_the_verdict_line_does() {
    let mut s = fixture::fitting_run();
    s.failures.requests_failed = 1664;
    let l = chart_layout(&s);
    assert!(
        l.title.ends_with("FITS — but 1,664 requests failed"),
        "{}",
        l.title
    );
    let mut text = Vec::new();
    crate::render_text_summary(&s, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    let words = l.title.split_once(" — ").unwrap().1;
    assert!(text.contains(&format!("VERDICT: {words} — ")), "{text}");
    assert!(render(&s).contains("FITS — but 1,664 requests failed</text>"));
}

#[test]
fn oom_chart_has_limit_budget_and_marker() {
    let s = fixture::oom_run();
    let svg = render(&s);
    assert!(svg.starts_with("<svg "));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    assert!(svg.contains(">limit 12.00 GiB</text>"));
    assert!(svg.contains(">configured 10.00 GiB</text>"));
    // The label (the legend's row says `OOM kill` too, in the legend's ink).
    let oom_label = svg
        .lines()
        .find(|l| l.ends_with(">OOM kill</text>") && l.contains(OOM_COLOUR))
        .unwrap();
    assert!(oom_label.contains(&format!(r#"fill="{OOM_COLOUR}""#)));
    assert!(oom_label.contains(r#"font-weight="bold""#));
    assert!(svg.contains("neo4j-import-oom — OOM-KILLED at 12m03.250s"));
    assert!(svg.contains(
        r#"stroke-dasharray="6 3"><title>working set (charge − inactive file pages)</title>"#
    ));
    assert!(svg.contains(">working set</text>"));
    assert!(svg.contains(">OutOfDirectMemoryError ×38</text>"));
    // Heap and page cache are drawn first (at the bottom), the folded band last.
    let heap = svg.find("<title>Java Heap</title>").unwrap();
    let pc = svg.find("<title>Page Cache</title>").unwrap();
    let other = svg.find("<title>other (").unwrap();
    assert!(heap < pc && pc < other);
    // Heap resizes and phase ends are not markers.
    assert!(!svg.contains("heap expanded to"));
    // No feature a renderer lacks: no CSS, no paint-order, no text without its own attributes.
    for banned in [
        "style=",
        "paint-order",
        "dominant-baseline",
        "<style",
        "class=",
    ] {
        assert!(!svg.contains(banned), "{banned}");
    }
    for line in svg.lines().filter(|l| l.contains("<text")) {
        for attr in ["font-family=", "font-size=", "fill=", "stroke=\"none\""] {
            assert!(line.contains(attr), "{attr} missing: {line}");
        }
    }
    assert_eq!(svg, render(&s));
    assert_no_collisions(&chart_layout(&s));
}

#[test]
fn the_legend_lists_only_what_the_run_had() {
    let s = fixture::oom_run();
    let l = chart_layout(&s);
    let kinds: Vec<EventKind> = l.legend_events.iter().map(|e| e.kind).collect();
    // Phase starts, the page cache filling, a full GC, both errors and the kill; no phase end, no
    // heap resize, no database event.
    assert_eq!(
        kinds,
        [
            EventKind::OomKilled,
            EventKind::OutOfDirectMemoryError,
            EventKind::OutOfMemoryError,
            EventKind::PhaseStarted,
            EventKind::PageCacheFull,
            EventKind::FullGc
        ]
    );
    for e in &l.legend_events {
        assert!(s.events.iter().any(|x| x.kind == e.kind));
        assert_eq!(e.count, occurrences(&s, e.kind));
    }
    let legend_words: Vec<&str> = l
        .texts
        .iter()
        .filter(|(r, _, _)| *r == Role::Legend)
        .map(|(_, t, _)| t.as_str())
        .collect();
    assert!(
        legend_words.contains(&"OutOfDirectMemoryError ×38"),
        "{legend_words:?}"
    );
    assert!(
        legend_words.contains(&"OutOfMemoryError ×4"),
        "{legend_words:?}"
    );
    assert!(!legend_words.iter().any(|w| w.contains("database")));
    let mut s = fixture::fitting_run();
    s.events.retain(|e| e.kind == EventKind::PhaseEnded);
    let l = chart_layout(&s);
    assert!(l.legend_events.is_empty());
    assert!(!l.texts.iter().any(|(_, t, _)| t == "events"));
}

#[test]
fn escapes_xml_in_names_and_labels() {
    let s = fixture::fitting_run();
    let svg = render(&s);
    assert!(svg.contains("fits &lt;small&gt; &amp; &quot;quoted&quot; — FITS"));
    assert!(svg.contains("phase &lt;a&amp;b&gt; started"));
    assert!(!svg.contains("<small>"));
    assert!(!svg.contains("<a&b>"));
    let text_without_entities = svg
        .replace("&amp;", "")
        .replace("&lt;", "")
        .replace("&gt;", "")
        .replace("&quot;", "")
        .replace("&apos;", "");
    assert!(!text_without_entities.contains('&'));
}

#[test]
fn crowded_labels_never_overlap_and_markers_are_capped() {
    let mut s = fixture::oom_run();
    for i in 0..40u64 {
        s.events.push(Event {
            at: SimTime(i * 15_000_000_000 + 7_000_000_000),
            kind: EventKind::PhaseStarted,
            message: format!("phase `p{i} with a long name` started"),
            repeats: 0,
        });
    }
    s.events.sort_by_key(|e| e.at);
    let chosen = labels::chosen_events(&s);
    assert_eq!(chosen.len(), labels::MARKERS_MAX);
    // Errors and the OOM kill always make the cut.
    let errors = s.events.iter().filter(|e| e.kind.is_error()).count();
    assert_eq!(chosen.iter().filter(|e| e.kind.is_error()).count(), errors);
    let l = chart_layout(&s);
    assert_no_collisions(&l);
    let labels: Vec<&String> = l
        .texts
        .iter()
        .filter(|(r, _, _)| *r == Role::EventLabel)
        .map(|(_, t, _)| t)
        .collect();
    assert!(labels.contains(&&"OOM kill".to_string()), "{labels:?}");
    // Crowded: some labels were elided or left out, but the markers are all drawn.
    assert!(labels.len() < labels::MARKERS_MAX || labels.iter().any(|t| t.ends_with('…')));
    let svg = render(&s);
    assert_eq!(svg.matches(r#"<g><title>"#).count(), labels::MARKERS_MAX);
}

#[test]
fn empty_and_long_runs_render() {
    let mut s = fixture::oom_run();
    s.samples.clear();
    s.events.clear();
    let svg = render(&s);
    assert!(svg.contains(">no samples</text>"));
    let mut s = fixture::oom_run();
    let base = s.samples.clone();
    s.samples = (0..5000u64)
        .map(|i| {
            let mut x = base[(i as usize) % base.len()].clone();
            x.at = SimTime(i * 1_000_000_000);
            x
        })
        .collect();
    let idx = sample_indices(&s);
    assert!(idx.len() <= axes::POINTS_MAX + 2);
    assert_eq!(idx[0], 0);
    assert_eq!(*idx.last().unwrap(), 4999);
    assert!(idx.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(render(&s), render(&s));
}

#[test]
fn the_png_is_the_chart_at_its_size_and_deterministic() {
    let s = fixture::oom_run();
    let mut a = Vec::new();
    render_chart_png(&s, &mut a).unwrap();
    let mut b = Vec::new();
    render_chart_png(&s, &mut b).unwrap();
    assert_eq!(a, b);
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(&a).unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), (1100, 600));
    // Not blank: many pixels are neither white nor transparent, and the title's area has ink.
    let ink = |x0: u32, y0: u32, x1: u32, y1: u32| {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|(x, y)| {
                let p = pixmap.pixel(*x, *y).unwrap();
                p.alpha() > 0 && (p.red() < 200 || p.green() < 200 || p.blue() < 200)
            })
            .count()
    };
    assert!(ink(0, 0, 1100, 600) > 50_000);
    assert!(ink(80, 10, 400, 32) > 300, "the title is drawn");
}

#[test]
fn names_xml_forbids_still_give_a_png() {
    let mut s = fixture::fitting_run();
    s.scenario = "bell\u{7} nul\u{0} del\u{7f} \u{FFFF} <&>".to_string();
    let svg = render(&s);
    assert!(
        svg.contains("bell\u{FFFD} nul\u{FFFD} del\u{FFFD} \u{FFFD} &lt;&amp;&gt;"),
        "{svg}"
    );
    let mut png = Vec::new();
    render_chart_png(&s, &mut png).unwrap();
    assert!(resvg::tiny_skia::Pixmap::decode_png(&png).is_ok());
}

#[test]
fn a_legend_of_many_large_accounts_still_fits_the_canvas() {
    let mut s = fixture::oom_run();
    // Every account at 5 % of the peak or more: nothing folds at 2 %, and 21 bands need more rows
    // than the legend has.
    let big = s.peak_resident_bytes / 20;
    for a in memsim_core::Account::ALL.iter().copied() {
        let mut u = s.at_peak.get(a);
        u.resident = u.resident.max(big);
        u.committed = u.committed.max(u.resident);
        u.reserved = u.reserved.max(u.committed);
        s.at_peak.set(a, u);
    }
    let l = chart_layout(&s);
    assert!(l.legend.y1 <= l.size.1, "{:?}", l.legend);
    assert_no_collisions(&l);
}
