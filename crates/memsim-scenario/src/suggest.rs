//! "Did you mean …?" for unknown keys.

/// Well-known names people write for a key, from JVM flags and the design sketch.
const ALIASES: [(&str, &str); 6] = [
    ("at", "start"),
    ("xmx", "heap"),
    ("xms", "heap"),
    ("xss", "thread_stack"),
    ("phases", "phase"),
    ("pagecache", "page_cache"),
];

/// Normalises a key for comparison: lower case, `-` as `_`.
fn norm(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Edit distance with adjacent transpositions (optimal string alignment), over characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The allowed key closest to `key`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let k = norm(key);
    if k.chars().count() > 64 {
        return None;
    }
    let alias = ALIASES
        .iter()
        .find(|(from, _)| *from == k)
        .and_then(|(_, to)| allowed.iter().find(|a| *a == to));
    if let Some(a) = alias {
        return Some(a);
    }
    let limit = k.chars().count().div_ceil(3);
    let close = allowed
        .iter()
        .map(|a| (distance(&k, a), *a))
        .filter(|(d, a)| *d <= limit.max(1) && *d < a.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a);
    // Otherwise a key that starts with the other: `maximum` → `max`, `thread` → `thread_stack`.
    close.or_else(|| {
        allowed
            .iter()
            .filter(|a| {
                (a.len() >= 3 && k.starts_with(**a)) || (k.len() >= 3 && a.starts_with(k.as_str()))
            })
            .max_by_key(|a| a.len())
            .copied()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("hep", "heap"), 1);
        assert_eq!(distance("haep", "heap"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn suggestions() {
        let jvm = ["heap", "thread_stack", "gc", "max_direct_memory"];
        assert_eq!(suggest("hep", &jvm), Some("heap"));
        assert_eq!(suggest("Heap", &jvm), Some("heap"));
        assert_eq!(suggest("thread-stack", &jvm), Some("thread_stack"));
        assert_eq!(suggest("thread_stak", &jvm), Some("thread_stack"));
        assert_eq!(suggest("xss", &jvm), Some("thread_stack"));
        assert_eq!(suggest("banana", &jvm), None);
        assert_eq!(suggest("g", &jvm), Some("gc"));
        assert_eq!(suggest("x", &jvm), None);
        assert_eq!(suggest("at", &["name", "start"]), Some("start"));
        assert_eq!(suggest("at", &jvm), None);
        assert_eq!(suggest("maximum", &["initial", "max"]), Some("max"));
        assert_eq!(suggest("thread", &jvm), Some("thread_stack"));
        assert_eq!(suggest("ma", &["initial", "max"]), Some("max"));
    }
}
