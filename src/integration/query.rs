//! Query strings as API Gateway decodes them for proxy events (spec proxy-auth §3.4, §5.1).
//!
//! Split on `&`, then on the first `=`; keys and values are percent-decoded with `+` as a space
//! (a malformed `%` escape is kept literally); a key without `=` has the value `""`; empty pieces
//! (`a=1&&b=2`) are skipped. Decoded bytes that are not UTF-8 become U+FFFD. Keys are compared
//! exactly (case-sensitive) when grouping repeated keys, in order of first appearance.

use std::borrow::Cow;

use smallvec::SmallVec;

/// Decoded `(key, value)` pairs in arrival order; borrowed from the request when no decoding was
/// needed.
pub type Pairs<'a> = SmallVec<[(Cow<'a, str>, Cow<'a, str>); 8]>;

/// Parses a raw query string (no leading `?`).
pub fn parse(raw: &[u8]) -> Pairs<'_> {
    let mut out = Pairs::new();
    for piece in raw.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (k, v) = match memchr::memchr(b'=', piece) {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &b""[..]),
        };
        out.push((decode(k), decode(v)));
    }
    out
}

/// Percent-decodes one component, `+` as space.
pub fn decode(raw: &[u8]) -> Cow<'_, str> {
    if !raw.iter().any(|&b| b == b'%' || b == b'+') {
        return String::from_utf8_lossy(raw);
    }
    // Deliberate allocation: only components that actually contain escapes.
    let mut buf = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => buf.push(b' '),
            b'%' => match (
                raw.get(i + 1).and_then(|&b| hex(b)),
                raw.get(i + 2).and_then(|&b| hex(b)),
            ) {
                (Some(h), Some(l)) => {
                    buf.push(h << 4 | l);
                    i += 2;
                }
                _ => buf.push(b'%'),
            },
            b => buf.push(b),
        }
        i += 1;
    }
    match String::from_utf8(buf) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The last decoded value of `key` in a raw query (REST `queryStringParameters` semantics).
pub fn last<'a>(raw: &'a [u8], key: &str) -> Option<Cow<'a, str>> {
    parse(raw)
        .into_iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// Every decoded value of `key` joined with `,` (HTTP API `queryStringParameters` semantics).
pub fn joined<'a>(raw: &'a [u8], key: &str) -> Option<Cow<'a, str>> {
    let mut out: Option<Cow<'a, str>> = None;
    for (_, v) in parse(raw).into_iter().filter(|(k, _)| k == key) {
        out = Some(match out {
            None => v,
            // Deliberate allocation: only for repeated keys.
            Some(prev) => Cow::Owned(format!("{prev},{v}")),
        });
    }
    out
}

/// Whether pair `i` is the first with its key (so a grouped writer emits the key once).
pub fn is_first_of_key(pairs: &Pairs<'_>, i: usize) -> bool {
    !pairs[..i].iter().any(|(k, _)| *k == pairs[i].0)
}

/// The values of `key`, in order.
pub fn values_of<'p, 'a>(pairs: &'p Pairs<'a>, key: &'p str) -> impl Iterator<Item = &'p str> + 'p {
    pairs
        .iter()
        .filter(move |(k, _)| k == key)
        .map(|(_, v)| v.as_ref())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        parse(raw.as_bytes())
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn decoding_rules() {
        assert_eq!(
            pairs("plus=test+alias@gmail.com&email=test%2Balias@gmail.com"),
            vec![
                ("plus".into(), "test alias@gmail.com".into()),
                ("email".into(), "test+alias@gmail.com".into())
            ]
        );
        assert_eq!(
            pairs("a&&b=&=c"),
            vec![
                ("a".into(), "".into()),
                ("b".into(), "".into()),
                ("".into(), "c".into())
            ]
        );
        assert_eq!(
            pairs("x=foo bar&y=a=b"),
            vec![("x".into(), "foo bar".into()), ("y".into(), "a=b".into())]
        );
        assert_eq!(
            pairs("bad=%zz%4&u=%C3%A9&bin=%ff"),
            vec![
                ("bad".into(), "%zz%4".into()),
                ("u".into(), "é".into()),
                ("bin".into(), "\u{fffd}".into())
            ]
        );
        assert!(pairs("").is_empty());
    }

    #[test]
    fn grouping_helpers() {
        let p = parse(b"a=1&b=2&a=3");
        assert!(is_first_of_key(&p, 0));
        assert!(!is_first_of_key(&p, 2));
        assert_eq!(values_of(&p, "a").collect::<Vec<_>>(), vec!["1", "3"]);
    }

    proptest! {
        #[test]
        fn never_panics(raw in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = parse(&raw);
        }

        #[test]
        fn simple_keys_round_trip(
            kv in proptest::collection::vec(("[a-zA-Z0-9_]{1,8}", "[a-zA-Z0-9 é&=+%/]{0,8}"), 0..6)
        ) {
            let enc = |s: &str| {
                percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
            };
            let raw = kv.iter().map(|(k, v)| format!("{}={}", k, enc(v))).collect::<Vec<_>>().join("&");
            let got = pairs(&raw);
            prop_assert_eq!(got, kv);
        }
    }
}
