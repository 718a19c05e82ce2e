//! Whether a rendered integration payload is a JSON document, which Lambda requires of an
//! event (mapping.md §5.3: anything else is refused as `InvalidRequestContentException`).
//!
//! The reference answer is serde_json's: the payload parses as one value (`IgnoredAny`),
//! which checks the grammar alone (any nesting, any number size, string bytes other than `"`,
//! `\` and control characters, escapes `\" \\ \/ \b \f \n \r \t \uXXXX`). Asking serde_json
//! costs about twelve instructions a byte, and a custom route checks every payload it sends,
//! a few kilobytes with the body inside. `scan` checks the same grammar faster: strings a
//! word at a time, structure without recursion. It only ever says yes for a document serde_json
//! accepts; for anything else (an error, or nesting deeper than it tracks) serde_json decides,
//! so the answer is serde_json's in every case and only its cost changes.

/// Containers [`scan`] tracks, one bit each; deeper documents are left to serde_json.
const MAX_DEPTH: u32 = 64;

/// Whether `payload` is one JSON value with nothing but whitespace around it.
pub fn is_json(payload: &[u8]) -> bool {
    scan(payload) || serde_json::from_slice::<serde::de::IgnoredAny>(payload).is_ok()
}

/// True when `b` is certainly one JSON value with optional whitespace around it. False when it
/// is not, or when the document nests deeper than [`MAX_DEPTH`].
///
/// Its helpers are inlined into its loop (`#[inline(always)]`): as calls, their entry and exit
/// cost about as much as their work on a typical payload's short strings and whitespace runs
/// (17k instructions against 14k for the bench's 1.9 KB payload; serde_json takes 23k).
fn scan(b: &[u8]) -> bool {
    // One bit per open container, the innermost lowest: set for an object.
    let mut stack: u64 = 0;
    let mut depth = 0u32;
    let mut i = ws(b, 0);
    'value: loop {
        let Some(&c) = b.get(i) else {
            return false;
        };
        match c {
            b'{' | b'[' => {
                let object = c == b'{';
                i = ws(b, i + 1);
                let close = if object { b'}' } else { b']' };
                if b.get(i) != Some(&close) {
                    if depth == MAX_DEPTH {
                        return false;
                    }
                    stack = (stack << 1) | u64::from(object);
                    depth += 1;
                    if object {
                        let Some(at) = key(b, i) else {
                            return false;
                        };
                        i = at;
                    }
                    continue 'value;
                }
                i += 1;
            }
            b'"' => match string_end(b, i + 1) {
                Some(end) => i = end,
                None => return false,
            },
            b'-' | b'0'..=b'9' => match number_end(b, i) {
                Some(end) => i = end,
                None => return false,
            },
            b't' | b'f' | b'n' => {
                let word: &[u8] = match c {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                if !b[i..].starts_with(word) {
                    return false;
                }
                i += word.len();
            }
            _ => return false,
        }
        // After a value: a separator, closers, or the end of the document.
        loop {
            i = ws(b, i);
            if depth == 0 {
                return i == b.len();
            }
            let object = stack & 1 == 1;
            match b.get(i) {
                Some(b',') => {
                    i = ws(b, i + 1);
                    if object {
                        let Some(at) = key(b, i) else {
                            return false;
                        };
                        i = at;
                    }
                    continue 'value;
                }
                Some(b'}') if object => {}
                Some(b']') if !object => {}
                _ => return false,
            }
            i += 1;
            stack >>= 1;
            depth -= 1;
        }
    }
}

/// The index after the whitespace (JSON's four characters) from `i`.
#[inline(always)]
fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// `"name"`, `:` and the whitespace around them, from `i`; the index of the member's value.
#[inline(always)]
fn key(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let i = ws(b, string_end(b, i + 1)?);
    (b.get(i) == Some(&b':')).then(|| ws(b, i + 1))
}

/// The index just past the closing quote of the string whose content starts at `i`; any of
/// JSON's escapes is allowed, a control character is an error.
#[inline(always)]
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    crate::vtl::json::string_end(b, i, escape_end)
}

/// The index after the escape whose letter is at `i` (just after its backslash).
#[inline(always)]
fn escape_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 1),
        b'u' => b
            .get(i + 1..i + 5)?
            .iter()
            .all(u8::is_ascii_hexdigit)
            .then_some(i + 5),
        _ => None,
    }
}

/// The index after the number starting at `i`: `-`? (`0` | a digit run not starting with `0`),
/// then an optional fraction and an optional exponent, each with at least one digit.
#[inline(always)]
fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    if b[i] == b'-' {
        i += 1;
    }
    match *b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits_end(b, i + 1),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i = at_least_one_digit(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = at_least_one_digit(b, i)?;
    }
    Some(i)
}

fn digits_end(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

fn at_least_one_digit(b: &[u8], i: usize) -> Option<usize> {
    let end = digits_end(b, i);
    (end > i).then_some(end)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn serde_says(b: &[u8]) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(b).is_ok()
    }

    #[test]
    fn the_scan_takes_ordinary_documents() {
        for doc in [
            &b"{}"[..],
            b" [ ] ",
            b"0",
            b"-0.5e+10",
            b"\"\"",
            b"true",
            b"null",
            b"{\"a\":1,\"b\":[true,false,null,-1.25E-3,\"x\\\"y\\u00e9\\/\"],\"c\":{}}",
            b"{\n  \"body-json\" : {\"k\":\"hello \\\"world\\\"\"},\n  \"params\" : { }\n}\n",
            "{\"name\":\"Zoë 名前\"}".as_bytes(),
        ] {
            assert!(scan(doc), "{}", String::from_utf8_lossy(doc));
            assert!(is_json(doc));
        }
    }

    #[test]
    fn what_serde_json_refuses_the_scan_refuses() {
        for doc in [
            &b""[..],
            b" ",
            b"{",
            b"[1,]",
            b"{\"a\":1,}",
            b"{\"a\" 1}",
            b"{1:2}",
            b"01",
            b"-",
            b"1.",
            b".5",
            b"1e",
            b"1e+",
            b"+1",
            b"tru",
            b"nul",
            b"\"a",
            b"\"a\\x\"",
            b"\"\\u12G4\"",
            b"\"tab\there\"",
            b"{} {}",
            b"[1 2]",
            b"[}",
            b"Action=x",
        ] {
            assert!(!scan(doc), "{}", String::from_utf8_lossy(doc));
            assert!(!serde_says(doc), "{}", String::from_utf8_lossy(doc));
            assert!(!is_json(doc));
        }
    }

    #[test]
    fn deep_documents_are_left_to_serde_json() {
        let deep = |n: usize| [vec![b'['; n], vec![b']'; n]].concat();
        // An empty innermost container needs no bit of its own.
        assert!(scan(&deep(MAX_DEPTH as usize + 1)));
        assert!(!scan(&deep(MAX_DEPTH as usize + 2)));
        // serde_json takes any depth when it only checks the grammar.
        assert!(is_json(&deep(1000)));
        assert!(!is_json(&deep(1000)[..1999]));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_judged_as_serde_json_judges_them() {
        let doc = b"{\"a\":\"\xff\xfe\"}";
        assert_eq!(is_json(doc), serde_says(doc));
    }

    /// Documents, and near-misses made by changing one byte of them.
    fn json_like() -> impl Strategy<Value = Vec<u8>> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|f| format!("{f:e}")),
            "[a-z\"\\\\/\u{0}\u{1f}é ]{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        ];
        let doc = leaf.prop_recursive(6, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6)
                    .prop_map(|v| format!("[{}]", v.join(" , "))),
                proptest::collection::vec(("[a-z]{0,4}", inner), 0..6).prop_map(|v| {
                    let members: Vec<String> = v
                        .into_iter()
                        .map(|(k, x)| format!("\"{k}\" :\n{x}"))
                        .collect();
                    format!("{{ {} }}", members.join(","))
                }),
            ]
        });
        (
            doc,
            any::<prop::sample::Index>(),
            any::<u8>(),
            any::<bool>(),
        )
            .prop_map(|(doc, at, byte, mutate)| {
                let mut b = doc.into_bytes();
                if mutate && !b.is_empty() {
                    let at = at.index(b.len());
                    b[at] = byte;
                }
                b
            })
    }

    proptest! {
        #[test]
        fn the_answer_is_always_serde_jsons(doc in json_like()) {
            if scan(&doc) {
                prop_assert!(serde_says(&doc), "{}", String::from_utf8_lossy(&doc));
            }
            prop_assert_eq!(is_json(&doc), serde_says(&doc));
        }

        #[test]
        fn well_formed_documents_take_the_fast_path(doc in json_like()) {
            // Within the scan's depth, it agrees with serde_json both ways.
            if doc.iter().filter(|&&c| c == b'[' || c == b'{').count() <= MAX_DEPTH as usize {
                prop_assert_eq!(scan(&doc), serde_says(&doc), "{}", String::from_utf8_lossy(&doc));
            }
        }

        #[test]
        fn arbitrary_bytes_get_serde_jsons_answer(doc in proptest::collection::vec(any::<u8>(), 0..64)) {
            if scan(&doc) {
                prop_assert!(serde_says(&doc));
            }
        }
    }
}
