//! Unit tests of the pasted-flags reader: word splitting and HotSpot size syntax.
use super::*;

#[test]
fn splits_like_a_shell() {
    let w = |s: &str| {
        split_words(s)
            .unwrap()
            .into_iter()
            .map(|(w, _)| w)
            .collect::<Vec<_>>()
    };
    assert_eq!(w("  -Xmx2g   -Xss1m "), ["-Xmx2g", "-Xss1m"]);
    assert_eq!(
        w("-Dx='a b' \"-Dy=c d\" -Dz=e\\ f"),
        ["-Dx=a b", "-Dy=c d", "-Dz=e f"]
    );
    assert_eq!(w(r#""a\"b\\c\d""#), [r#"a"b\c\d"#]);
    assert_eq!(w(""), Vec::<String>::new());
    let spans = split_words("-Xmx1g 'x y'").unwrap();
    assert_eq!((spans[0].1.clone(), spans[1].1.clone()), (0..6, 7..12));
    assert_eq!(split_words("-Dx='ab"), Err(4));
}

#[test]
fn hotspot_sizes() {
    assert_eq!(jvm_size("2g"), Ok(2 << 30));
    assert_eq!(jvm_size("2G"), Ok(2 << 30));
    assert_eq!(jvm_size("2048k"), Ok(2 << 20));
    assert_eq!(jvm_size("4096"), Ok(4096));
    assert!(jvm_size("2Gi").is_err());
    assert!(jvm_size("2gb").is_err());
    assert!(jvm_size("1.5g").is_err());
    assert!(jvm_size("").is_err());
    assert!(jvm_size("99999999999t").is_err());
    assert!(jvm_size("99999999999999999999999").is_err());
}
