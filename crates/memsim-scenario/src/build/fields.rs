//! Readers shared by the tables: a required top-level table, and integer and size keys checked
//! against a range or against zero, each reporting the key by its path when it is out of bounds.

use std::ops::Range;

use crate::reader::{Ctx, Tab};

/// A required top-level table.
pub(super) fn required_table<'a, 'i>(
    cx: &mut Ctx<'_>,
    root: &Tab<'a, 'i>,
    key: &str,
    hint: &str,
) -> Option<Tab<'a, 'i>> {
    if root.get(key).is_none() {
        cx.err(
            key,
            0..0,
            format!("missing table `[{key}]`: every scenario needs one"),
            Some(hint.to_string()),
        );
        return None;
    }
    root.sub_table(cx, key, &format!("a table: `[{key}]` on a line of its own"))
}

/// Reads an integer `key`, reporting it (and returning `None`) when it is above `max`.
pub(super) fn uint_at_most(cx: &mut Ctx<'_>, t: &Tab<'_, '_>, key: &str, max: u64) -> Option<u64> {
    let (n, span) = t.read(cx, key, Ctx::uint)?;
    if n > max {
        let path = t.key_path(key);
        cx.err(
            &path,
            span,
            format!("`{path}` is {n}; it must be at most {max}"),
            None,
        );
        return None;
    }
    Some(n)
}

/// Reads an integer `key` that must lie in `min..=max`, reporting it (with `hint`) otherwise.
pub(super) fn uint_in(
    cx: &mut Ctx<'_>,
    t: &Tab<'_, '_>,
    key: &str,
    (min, max): (u64, u64),
    hint: &str,
) -> Option<(u64, Range<usize>)> {
    let (n, span) = t.read(cx, key, Ctx::uint)?;
    if !(min..=max).contains(&n) {
        let path = t.key_path(key);
        cx.err(
            &path,
            span,
            format!("`{path}` is {n}; it must be between {min} and {max}"),
            Some(hint.to_string()),
        );
        return None;
    }
    Some((n, span))
}

/// A size key that must not be zero.
pub(super) fn nonzero_size(
    cx: &mut Ctx<'_>,
    t: &Tab<'_, '_>,
    key: &str,
    hint: &str,
) -> Option<(u64, Range<usize>)> {
    let (v, span) = t.read(cx, key, Ctx::size)?;
    if v == 0 {
        let path = t.key_path(key);
        cx.err(
            &path,
            span,
            format!("`{path}` is zero"),
            Some(hint.to_string()),
        );
        return None;
    }
    Some((v, span))
}
