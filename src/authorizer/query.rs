//! Query string decoding as API Gateway does it for authorizer inputs (spec proxy-auth §3.4).
//!
//! Split on `&`, then on the first `=`; `+` is a space; percent-decoding; a key without `=` has
//! the value `""`. Values borrow from the request target unless decoding changed them.

use std::borrow::Cow;

use percent_encoding::percent_decode;

/// Decoded `(key, value)` pairs of a raw query (without `?`), in order; empty parts are skipped.
pub fn pairs(raw: &[u8]) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    raw.split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.iter().position(|&b| b == b'=') {
            Some(eq) => (decode(&part[..eq]), decode(&part[eq + 1..])),
            None => (decode(part), Cow::Borrowed("")),
        })
}

/// The last decoded value of `key` (REST `queryStringParameters` semantics).
pub fn last<'a>(raw: &'a [u8], key: &str) -> Option<Cow<'a, str>> {
    pairs(raw).filter(|(k, _)| k == key).map(|(_, v)| v).last()
}

/// Every decoded value of `key` joined with `,` (HTTP API `queryStringParameters` semantics).
pub fn joined<'a>(raw: &'a [u8], key: &str) -> Option<Cow<'a, str>> {
    let mut out: Option<Cow<'a, str>> = None;
    for (_, v) in pairs(raw).filter(|(k, _)| k == key) {
        out = Some(match out {
            None => v,
            Some(prev) => Cow::Owned(format!("{prev},{v}")),
        });
    }
    out
}

/// `+` to space, then percent-decoding; invalid UTF-8 is replaced (U+FFFD), as text events need.
fn decode(raw: &[u8]) -> Cow<'_, str> {
    if raw.contains(&b'+') {
        // Deliberate copy: only when the client used `+` for spaces.
        let spaced: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        return Cow::Owned(percent_decode(&spaced).decode_utf8_lossy().into_owned());
    }
    percent_decode(raw).decode_utf8_lossy()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn decodes_like_api_gateway() {
        let q = b"plus=test+alias@gmail.com&email=test%2Balias@gmail.com&flag&a=1&a=2";
        let all: Vec<_> = pairs(q).collect();
        assert_eq!(all[0].1, "test alias@gmail.com");
        assert_eq!(all[1].1, "test+alias@gmail.com");
        assert_eq!(all[2], (Cow::Borrowed("flag"), Cow::Borrowed("")));
        assert_eq!(last(q, "a").unwrap(), "2");
        assert_eq!(joined(q, "a").unwrap(), "1,2");
        assert_eq!(last(q, "missing"), None);
        assert_eq!(last(b"k=a%3Db=c", "k").unwrap(), "a=b=c");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_round_trips_encoded_values(key in "[a-z]{1,8}", value in "\\PC{0,20}") {
            let enc = percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC);
            let raw = format!("{key}={enc}");
            let got = last(raw.as_bytes(), &key);
            proptest::prop_assert_eq!(got.as_deref(), Some(value.as_str()));
        }
    }
}
