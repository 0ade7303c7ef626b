//! `[phase.requests]`'s page reads: each request reads store pages through the database's page
//! cache (`page_reads` pages from a `working_set`, skewed by `zipf` or `hot_set`/`hot_reads`, a
//! share `page_writes` of them writes).

use memsim_core::SimDuration;
use toml::de::DeValue;

use crate::reader::{Ctx, Tab};

/// The keys of `[phase.requests]` this module reads.
pub(crate) const PAGE_READ_KEYS: &[&str] = &[
    "page_reads",
    "working_set",
    "zipf",
    "hot_set",
    "hot_reads",
    "page_writes",
];

/// The most pages one request may read: a large query, far beyond an index lookup's handful.
pub const MAX_PAGE_READS_PER_REQUEST: u64 = 1_000_000;
/// The largest Zipf exponent: above it all but the first few pages are never read.
pub const MAX_ZIPF_EXPONENT: f64 = 10.0;

/// How a request's page reads spread over the working set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReadSkew {
    /// Every page of the working set equally likely (neither `zipf` nor `hot_set`).
    Uniform,
    /// `zipf = s`: page `k` (from 0) read with probability proportional to `1 / (k + 1)^s`.
    Zipf {
        /// `s`, 0 ≤ s ≤ [`MAX_ZIPF_EXPONENT`] (0 is uniform).
        exponent: f64,
    },
    /// `hot_set = f`, `hot_reads = r`: a share `r` of reads goes uniformly to the first `f` of the
    /// working set, the rest uniformly to all of it.
    HotCold {
        /// The hot set's share of the working set, in (0, 1].
        set_fraction: f64,
        /// The share of reads that go to it, in [0, 1].
        read_fraction: f64,
    },
}

/// What each request of a phase reads from the database's store (`page_reads` > 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestPageReads {
    /// `page_reads`: pages each request pins and unpins, one at a time (1..=1,000,000).
    pub per_request: u64,
    /// `working_set`: the store data the reads draw from (rounded up to 8 KiB pages).
    pub working_set: u64,
    /// `zipf` or `hot_set` + `hot_reads` (default uniform).
    pub skew: ReadSkew,
    /// `page_writes`: the share of pins that write (a dirty page to flush), in [0, 1] (default 0).
    pub write_fraction: f64,
}

/// A number: a TOML float or integer.
fn number(cx: &mut Ctx<'_>, path: &str, v: &toml::Spanned<DeValue<'_>>) -> Option<f64> {
    let parsed = match v.get_ref() {
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', "").parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        Some(x) if x.is_finite() => Some(x),
        _ => {
            cx.type_error(
                path,
                v,
                "a number",
                Some("write a decimal number without quotes, e.g. 0.9".into()),
            );
            None
        }
    }
}

/// A number in `lo..=hi` (`lo` excluded when `open_low`).
pub(crate) fn number_in(
    cx: &mut Ctx<'_>,
    t: &Tab<'_, '_>,
    key: &str,
    (lo, hi): (f64, f64),
    open_low: bool,
    hint: &str,
) -> Option<f64> {
    let (x, span) = t.read(cx, key, number)?;
    let low_ok = if open_low { x > lo } else { x >= lo };
    if low_ok && x <= hi {
        return Some(x);
    }
    let path = t.key_path(key);
    let range = if open_low {
        format!("above {lo} and at most {hi}")
    } else {
        format!("from {lo} to {hi}")
    };
    cx.err(
        &path,
        span,
        format!("`{path}` is {x}; it must be {range}"),
        Some(hint.to_string()),
    );
    None
}

/// Reads the page-read keys of `[phase.requests]` table `t`. `None` when the requests read no page
/// (or a key was invalid: the error is recorded). `has_page_cache`: whether the scenario has a
/// database; `rate_per_sec` and `duration` bound the mean pins against `max_events`.
pub(crate) fn read_page_reads(
    cx: &mut Ctx<'_>,
    t: &Tab<'_, '_>,
    has_page_cache: bool,
    rate_per_sec: f64,
    duration: SimDuration,
    max_events: u64,
) -> Option<RequestPageReads> {
    let per_request = t.read(cx, "page_reads", |cx, p, v| {
        cx.uint_max(p, v, MAX_PAGE_READS_PER_REQUEST)
    });
    // An invalid `page_reads` was reported by its reader.
    let reported = t.get("page_reads").is_some() && per_request.is_none();
    let Some((per_request, span)) = per_request.filter(|(n, _)| *n > 0) else {
        // Without reads the other keys would be silently ignored: say so.
        for key in PAGE_READ_KEYS[1..].iter().filter(|_| !reported) {
            if let Some(v) = t.get(key) {
                let path = t.key_path(key);
                cx.err(
                    &path,
                    v.span(),
                    format!("`{path}` has no effect: the requests read no page"),
                    Some(format!(
                        "set `{}` to the pages each request reads, e.g. `page_reads = 20`",
                        t.key_path("page_reads")
                    )),
                );
            }
        }
        return None;
    };
    let path = t.key_path("page_reads");
    let mut ok = true;
    if !has_page_cache {
        ok = false;
        cx.err(
            &path,
            span.clone(),
            format!("`{path}` reads through a page cache, but the scenario has neither `[page_cache]` nor `[database]`"),
            Some("add `[page_cache]` (its `size` defaults to Neo4j's heuristic), or remove `page_reads`".into()),
        );
    }
    // Each page pin is a simulated event: a load the budget cannot cover would stop the run early.
    let mean_pins = rate_per_sec * duration.as_secs_f64() * per_request as f64;
    if rate_per_sec > 0.0 && mean_pins > max_events as f64 {
        ok = false;
        cx.err(
            &path,
            span.clone(),
            format!(
                "`{path}` = {per_request} at the phase's rate and duration is about {mean_pins:.0} page pins, more than `scenario.max_events` = {max_events} (each pin is a simulated event)"
            ),
            Some("lower the rate, the duration or `page_reads`, or raise `scenario.max_events`".into()),
        );
    }
    let working_set = match t.require(
        cx,
        "working_set",
        "set the store data the reads draw from, e.g. `working_set = \"2g\"`",
        Ctx::size,
    ) {
        Some((0, ws_span)) => {
            let ws = t.key_path("working_set");
            cx.err(
                &ws,
                ws_span,
                format!("`{ws}` is 0: there is no page to read"),
                Some("set at least one page, e.g. `working_set = \"8k\"`".into()),
            );
            None
        }
        Some((n, _)) => Some(n),
        None => None,
    };
    let zipf = number_in(
        cx,
        t,
        "zipf",
        (0.0, MAX_ZIPF_EXPONENT),
        false,
        "a Zipf exponent: 0 is uniform, around 1 is typical of web and graph lookups",
    );
    let hot_set = number_in(
        cx,
        t,
        "hot_set",
        (0.0, 1.0),
        true,
        "the hot part of the working set as a fraction, e.g. `hot_set = 0.2`",
    );
    let hot_reads = number_in(
        cx,
        t,
        "hot_reads",
        (0.0, 1.0),
        false,
        "the fraction of reads that go to the hot set, e.g. `hot_reads = 0.8`",
    );
    let page_writes = number_in(
        cx,
        t,
        "page_writes",
        (0.0, 1.0),
        false,
        "the fraction of page pins that write, e.g. `page_writes = 0.05`",
    )
    .unwrap_or(0.0);
    let skew = match (zipf, t.get("zipf"), hot_set, hot_reads) {
        (_, Some(zv), Some(_), _) | (_, Some(zv), _, Some(_)) => {
            ok = false;
            let zp = t.key_path("zipf");
            cx.err(
                &zp,
                zv.span(),
                format!(
                    "`{zp}` and `{}` are two skews: set one",
                    t.key_path("hot_set")
                ),
                Some("a Zipf exponent, or a hot set with the share of reads it takes".into()),
            );
            ReadSkew::Uniform
        }
        (Some(exponent), _, None, None) => ReadSkew::Zipf { exponent },
        (_, _, Some(set_fraction), Some(read_fraction)) => ReadSkew::HotCold {
            set_fraction,
            read_fraction,
        },
        (_, _, Some(_), None) | (_, _, None, Some(_)) => {
            let (given, missing) = if hot_set.is_some() {
                ("hot_set", "hot_reads")
            } else {
                ("hot_reads", "hot_set")
            };
            ok = false;
            let gp = t.key_path(given);
            let span = t.get(given).map(|v| v.span()).unwrap_or(t.span.clone());
            cx.err(
                &gp,
                span,
                format!("`{gp}` needs `{}`", t.key_path(missing)),
                Some("a hot set is its size and the share of reads it takes, e.g. `hot_set = 0.2, hot_reads = 0.8`".into()),
            );
            ReadSkew::Uniform
        }
        _ => ReadSkew::Uniform,
    };
    // An invalid value was reported by its reader, and any error fails the whole scenario.
    let working_set = working_set?;
    ok.then_some(RequestPageReads {
        per_request,
        working_set,
        skew,
        write_fraction: page_writes,
    })
}
