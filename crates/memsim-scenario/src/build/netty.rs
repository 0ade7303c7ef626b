//! The `[netty]` table: Netty's pooled allocator's direct-memory limit, page size, chunk order,
//! arena count, thread caches and which pool model simulates it.

use toml::de::DeValue;

use super::limits::{MAX_ARENAS, MAX_CHUNK, MAX_ORDER, MIN_PAGE_SIZE};
use crate::error::excerpt;
use crate::keys;
use crate::model::{NettyModel, NettySettings};
use crate::reader::{Ctx, Tab};

/// `netty.max_direct_memory`: any integer, or a size string (positive).
fn netty_max_direct(cx: &mut Ctx<'_>, path: &str, v: &crate::reader::Val<'_>) -> Option<i64> {
    match v.get_ref() {
        DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => match i64::try_from(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    cx.err(
                        path,
                        v.span(),
                        format!("`{path}` does not fit in a signed 64-bit integer"),
                        None,
                    );
                    None
                }
            },
            Err(_) => {
                cx.err(
                    path,
                    v.span(),
                    format!("`{path}` does not fit in a signed 64-bit integer"),
                    None,
                );
                None
            }
        },
        DeValue::String(s) if s.trim().starts_with('-') => {
            cx.err(
                path,
                v.span(),
                format!("`{path}`: a size string cannot be negative"),
                Some(format!(
                    "write the integer without quotes: max_direct_memory = {}",
                    excerpt(s.trim())
                )),
            );
            None
        }
        DeValue::String(_) => {
            let n = cx.size(path, v)?;
            match i64::try_from(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    cx.err(
                        path,
                        v.span(),
                        format!("`{path}` does not fit in a signed 64-bit integer"),
                        None,
                    );
                    None
                }
            }
        }
        _ => {
            cx.type_error(
                path,
                v,
                "a size or an integer",
                Some("-1 (default) = Netty's own counter capped at the JVM's max direct memory, 0 = JDK accounting, or a size such as \"6g\"".into()),
            );
            None
        }
    }
}

pub(super) fn read_netty(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> NettySettings {
    let mut n = NettySettings::default();
    let Some(t) = root.sub_table(cx, "netty", "a table: `[netty]` on a line of its own") else {
        return n;
    };
    t.check_keys(cx, keys::NETTY);
    // The model first: its version's defaults apply to the keys left unset.
    if let Some((m, span)) = t.read(cx, "model", Ctx::string) {
        match m.trim() {
            "4.1.48" => n.model = NettyModel::Netty41,
            "4.1.118" | "4.2.13-pooled" => {
                n.model = NettyModel::Netty41118;
                n.max_order = 9;
                n.use_cache_for_all_threads = false;
            }
            "approx" => n.model = NettyModel::Approx,
            "4.2.13-adaptive" => {
                n.model = NettyModel::Netty42Adaptive {
                    event_loop_threads: false,
                }
            }
            "4.2.13-adaptive-event-loop" => {
                n.model = NettyModel::Netty42Adaptive {
                    event_loop_threads: true,
                }
            }
            "4.2.13" => netty_4_2_13_default(cx, &t, &mut n),
            _ => cx.err(
                "netty.model",
                span,
                format!("`netty.model` has an unknown pool model `{}`", excerpt(&m)),
                Some(
                    "expected one of: \"4.1.48\" (exact, the default), \"4.1.118\" (exact), \"4.2.13-pooled\" (= 4.1.118), \"approx\", \"4.2.13-adaptive\", \"4.2.13-adaptive-event-loop\", \"4.2.13\" (4.2.13's default, see `allocator_type`)"
                        .into(),
                ),
            ),
        }
    }
    let model_is_4_2_13 = t
        .get("model")
        .and_then(|v| v.get_ref().as_str())
        .is_some_and(|m| m.trim() == "4.2.13");
    if !model_is_4_2_13 {
        if let Some((_, span)) = t.read(cx, "allocator_type", Ctx::string) {
            cx.err(
                "netty.allocator_type",
                span,
                "`netty.allocator_type` (io.netty.allocator.type) applies to `netty.model = \"4.2.13\"` only: the other models name their allocator".to_string(),
                Some("remove the key, or write `model = \"4.2.13\"`".into()),
            );
        }
    }
    if let Some((m, _)) = t.read(cx, "max_direct_memory", netty_max_direct) {
        n.max_direct_memory = m;
    }
    let page = t.read(cx, "page_size", Ctx::size);
    let mut page_ok = true;
    if let Some((p, span)) = &page {
        if *p < MIN_PAGE_SIZE || !p.is_power_of_two() {
            page_ok = false;
            cx.err(
                "netty.page_size",
                span.clone(),
                format!("`netty.page_size` ({p} bytes) must be a power of two and at least 4096"),
                Some(
                    "Netty's default is \"8k\"; other valid values are \"4k\", \"16k\", \"32k\", …"
                        .into(),
                ),
            );
        } else {
            n.page_size = *p;
        }
    }
    let order = t.read(cx, "max_order", Ctx::uint);
    let mut order_ok = true;
    if let Some((o, span)) = &order {
        if *o > MAX_ORDER {
            order_ok = false;
            cx.err(
                "netty.max_order",
                span.clone(),
                format!("`netty.max_order` is {o}; it must be at most {MAX_ORDER}"),
                Some("Netty's default is 11 (16 MiB chunks with 8 KiB pages)".into()),
            );
        } else {
            n.max_order = *o as u32;
        }
    }
    if page_ok && order_ok {
        let chunk = u128::from(n.page_size) << n.max_order;
        if chunk > u128::from(MAX_CHUNK) {
            let (path, span) = match (&order, &page) {
                (Some((_, s)), _) => ("netty.max_order", s.clone()),
                (None, Some((_, s))) => ("netty.page_size", s.clone()),
                (None, None) => ("netty", t.span.clone()),
            };
            cx.err(
                path,
                span,
                format!(
                    "`{path}`: the chunk size `netty.page_size` << `netty.max_order` ({} << {} = {} bytes) is larger than 1 GiB",
                    n.page_size, n.max_order, chunk
                ),
                Some("lower max_order or page_size; Netty refuses chunks larger than 1 GiB".into()),
            );
        }
    }
    if let Some((a, span)) = t.read(cx, "direct_arenas", Ctx::uint) {
        if a > MAX_ARENAS {
            cx.err(
                "netty.direct_arenas",
                span,
                format!("`netty.direct_arenas` is {a}; it must be at most {MAX_ARENAS}"),
                Some("remove the key for Netty's formula (2 × cores, bounded by memory)".into()),
            );
        } else {
            n.direct_arenas = Some(a as u32);
        }
    }
    if let Some((b, _)) = t.read(cx, "use_cache_for_all_threads", Ctx::boolean) {
        n.use_cache_for_all_threads = b;
    }
    if matches!(n.model, NettyModel::Netty42Adaptive { .. }) {
        // A warning, not an error (as `memsim direct replay` has it), so that one file can be
        // swept across pooled and adaptive models.
        for key in [
            "page_size",
            "max_order",
            "direct_arenas",
            "use_cache_for_all_threads",
        ] {
            if let Some(v) = t.get(key) {
                let path = format!("netty.{key}");
                cx.warn(
                    &path,
                    v.span(),
                    format!("`{path}` is a PooledByteBufAllocator setting; the adaptive allocator has no such setting: memsim ignores it"),
                    None,
                );
            }
        }
    }
    n
}

/// `netty.model = "4.2.13"`: the allocator Netty 4.2.13's `ByteBufAllocator.DEFAULT` is for
/// `netty.allocator_type` (`io.netty.allocator.type`, compared exactly as Netty compares it), by
/// the replay's rule ([`memsim_direct::netty42adaptive::selection::default_allocator`], checked
/// against the real jar): the adaptive allocator (plain threads) when unset or `"adaptive"`, the
/// pooled one (4.1.118's model and defaults) for `"pooled"` and, with a warning, for any other
/// value; `"unpooled"` is not modelled.
fn netty_4_2_13_default(cx: &mut Ctx<'_>, t: &Tab<'_, '_>, n: &mut NettySettings) {
    use memsim_direct::netty42adaptive::selection::{AllocatorType, default_allocator};
    let given = t.read(cx, "allocator_type", Ctx::string);
    match default_allocator(given.as_ref().map(|(s, _)| s.as_str())) {
        AllocatorType::Adaptive => {
            n.model = NettyModel::Netty42Adaptive {
                event_loop_threads: false,
            }
        }
        AllocatorType::Pooled => {
            n.model = NettyModel::Netty41118;
            n.max_order = 9;
            n.use_cache_for_all_threads = false;
            if let Some((s, span)) = given.filter(|(s, _)| s != "pooled") {
                cx.warn(
                    "netty.allocator_type",
                    span,
                    format!(
                        "`netty.allocator_type` `{}` is none of \"unpooled\", \"pooled\", \"adaptive\" (compared exactly): Netty 4.2.13 falls back to its pooled allocator, and so does memsim",
                        excerpt(&s)
                    ),
                    None,
                );
            }
        }
        AllocatorType::Unpooled => {
            let span = given.map(|(_, s)| s).unwrap_or_default();
            cx.err(
                "netty.allocator_type",
                span,
                "`netty.allocator_type` \"unpooled\": Netty's UnpooledByteBufAllocator is not modelled".to_string(),
                Some("memsim models the pooled and adaptive allocators: \"pooled\" or \"adaptive\"".into()),
            );
        }
    }
}
