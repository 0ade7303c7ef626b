//! A phase's `requests` table: the request rate and each request's buffer, hold time, heap and
//! direct-memory path (its `page_reads` are read by `page_reads`).

use memsim_core::Dist;

use super::limits::MAX_RATE;
use crate::error::excerpt;
use crate::keys;
use crate::model::{DirectPath, Requests};
use crate::reader::{Ctx, Tab};
use crate::syntax::Unit;

pub(super) fn read_requests(cx: &mut Ctx<'_>, t: &Tab<'_, '_>) -> Option<Requests> {
    t.check_keys(cx, keys::REQUESTS);
    let mut r = Requests {
        rate_per_sec: 0.0,
        buffer: Dist::Constant(0),
        hold: Dist::Constant(0),
        heap: Dist::Constant(0),
        direct: DirectPath::Netty,
        page_reads: None,
    };
    let mut ok = true;
    match t.require(
        cx,
        "rate",
        "set the mean request rate, e.g. `rate = \"3000/s\"`",
        Ctx::rate,
    ) {
        Some((rate, span)) => {
            let path = t.key_path("rate");
            if rate <= 0.0 {
                ok = false;
                cx.err(
                    &path,
                    span,
                    format!("`{path}` is zero"),
                    Some(
                        "the rate must be positive; remove `requests` for a phase without requests"
                            .into(),
                    ),
                );
            } else if rate > MAX_RATE {
                ok = false;
                cx.err(
                    &path,
                    span,
                    format!("`{path}` is {rate} per second; it must be at most 10,000,000/s"),
                    None,
                );
            } else {
                r.rate_per_sec = rate;
            }
        }
        None => ok = false,
    }
    if let Some((d, _)) = t.read(cx, "buffer", |cx, p, v| cx.dist(p, v, Unit::Bytes)) {
        r.buffer = d;
    }
    if let Some((d, _)) = t.read(cx, "hold", |cx, p, v| cx.dist(p, v, Unit::Nanos)) {
        r.hold = d;
    }
    if let Some((d, _)) = t.read(cx, "heap", |cx, p, v| cx.dist(p, v, Unit::Bytes)) {
        r.heap = d;
    }
    if let Some((d, span)) = t.read(cx, "direct", Ctx::string) {
        match d.trim().to_ascii_lowercase().as_str() {
            "netty" => r.direct = DirectPath::Netty,
            "jdk" => r.direct = DirectPath::Jdk,
            _ => {
                let path = t.key_path("direct");
                cx.err(
                    &path,
                    span,
                    format!("`{path}` has an unknown path `{}`", excerpt(&d)),
                    Some("expected one of: \"netty\" (pooled allocator, the default), \"jdk\" (ByteBuffer.allocateDirect)".into()),
                );
            }
        }
    }
    ok.then_some(r)
}
