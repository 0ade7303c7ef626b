//! Small helpers for writing HTML text: escaping, sizes, times and percentages, all printed with
//! fixed precision so the page's bytes are the same for the same run.

use memsim_core::ByteSize;

/// `text` escaped for HTML element content and double-quoted attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A size as memsim prints it (`1.01 GiB`).
pub(crate) fn size(bytes: u64) -> String {
    ByteSize(bytes).to_string()
}

/// `part` as a percentage of `whole` with one decimal (`8.6 %`), `–` when `whole` is 0.
pub(crate) fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".to_string();
    }
    let tenths = (u128::from(part) * 1000 + u128::from(whole) / 2) / u128::from(whole);
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// Seconds (as `report.json` writes them, to the millisecond) as `13m03.718s` or `4.250s`.
pub(crate) fn time(seconds: f64) -> String {
    let ms = (seconds * 1000.0).round().max(0.0) as u64;
    let (m, s, frac) = (ms / 60_000, (ms / 1000) % 60, ms % 1000);
    if m == 0 {
        format!("{s}.{frac:03}s")
    } else {
        format!("{m}m{s:02}.{frac:03}s")
    }
}

/// A whole number with thousands separators (`1,664`).
pub(crate) fn count(n: u64) -> String {
    memsim_core::size::group_thousands(n)
}

/// A JavaScript/JSON string literal for `text`, safe inside a `<script>` element (no `</`).
pub(crate) fn js_string(text: &str) -> String {
    let json = serde_json::to_string(text).expect("strings serialize");
    json.replace("</", "<\\/").replace("<!--", "<\\!--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_formats() {
        assert_eq!(
            esc("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
        assert_eq!(percent(86, 1000), "8.6 %");
        assert_eq!(percent(1, 0), "–");
        assert_eq!(time(783.718), "13m03.718s");
        assert_eq!(time(4.25), "4.250s");
        assert_eq!(js_string("</script><!--"), "\"<\\/script><\\!--\"");
    }
}
