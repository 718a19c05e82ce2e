//! The JSON text writer the event builders use: quoted, escaped strings straight into a reused
//! `Vec<u8>`, with no intermediate value tree.
//!
//! Strings are escaped as RFC 8259 requires (`"`, `\`, control characters); everything else,
//! non-ASCII UTF-8 included, is copied in runs. Header values that are not UTF-8 (HTTP obs-text)
//! are read as ISO-8859-1, byte for byte, so nothing the client sent is lost or replaced.

/// For each byte: 0 = copy as is, otherwise the escape letter (`u` = `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `s` as a quoted JSON string.
pub fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escaped(out, s.as_bytes());
    out.push(b'"');
}

/// Writes `s` as a quoted JSON string with ASCII letters lower-cased (HTTP API header names).
pub fn string_lower(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    let start = out.len();
    text(out, s);
    out[start..].make_ascii_lowercase();
    out.push(b'"');
}

/// Writes bytes as a quoted JSON string: as UTF-8 when valid, else as ISO-8859-1.
pub fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'"');
    text(out, b);
    out.push(b'"');
}

/// The escaped contents of `b` without quotes (UTF-8 when valid, else ISO-8859-1).
pub fn text(out: &mut Vec<u8>, b: &[u8]) {
    // `is_ascii` first: most header values are ASCII, and it is cheaper than UTF-8 validation
    // on short strings.
    if b.is_ascii() || std::str::from_utf8(b).is_ok() {
        escaped(out, b);
    } else {
        let mut buf = [0u8; 4];
        for &byte in b {
            let c = char::from(byte);
            escaped(out, c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// Escaped contents of valid UTF-8 bytes. Eight bytes at a time: a word with nothing to escape
/// (the VTL writer's SWAR test) is copied whole, with a fixed-size copy the compiler inlines; a
/// word with something to escape goes byte by byte. Copying runs between escapes instead costs a
/// `memcpy` call per escape, and JSON bodies have an escape every few bytes (each `"`).
fn escaped(out: &mut Vec<u8>, b: &[u8]) {
    out.reserve(b.len() + 2);
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(w) else {
            continue;
        };
        if crate::vtl::json::special_bytes(&word) == 0 {
            out.extend_from_slice(&word);
        } else if has_control(word) {
            for c in word {
                escape_byte(out, c);
            }
        } else {
            two_byte_escapes(out, word);
        }
    }
    for &c in words.remainder() {
        escape_byte(out, c);
    }
}

/// Whether a word holds a control character (those take the six-byte `\\u00XX` form).
fn has_control(word: [u8; 8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let w = u64::from_le_bytes(word);
    w.wrapping_sub(ONES * 0x20) & !w & (ONES * 0x80) != 0
}

/// Escapes a word whose escapes are all `\\"` or `\\\\` without a branch per byte: every byte is
/// written as two (the escape, or itself and a spare) and the end moves by one or two. The escapes
/// of a JSON body come every few bytes at no regular place; a branch on each would mispredict.
fn two_byte_escapes(out: &mut Vec<u8>, word: [u8; 8]) {
    let start = out.len();
    out.resize(start + 16, 0);
    let mut end = start;
    for c in word {
        let e = ESCAPE[c as usize];
        let escaped = usize::from(e != 0);
        out[end] = if escaped == 1 { b'\\' } else { c };
        out[end + 1] = e;
        end += 1 + escaped;
    }
    out.truncate(end);
}

#[inline(always)]
fn escape_byte(out: &mut Vec<u8>, c: u8) {
    match ESCAPE[c as usize] {
        0 => out.push(c),
        b'u' => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(c >> 4) as usize],
            HEX[(c & 0xf) as usize],
        ]),
        e => out.extend_from_slice(&[b'\\', e]),
    }
}

/// Writes an unsigned integer.
pub fn uint(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Writes `"key":` preceded by a comma unless `first` (then clears `first`).
pub fn key(out: &mut Vec<u8>, first: &mut bool, k: &[u8]) {
    if !std::mem::take(first) {
        out.push(b',');
    }
    bytes(out, k);
    out.push(b':');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn s(v: &str) -> String {
        let mut o = Vec::new();
        string(&mut o, v);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn escapes() {
        assert_eq!(
            s("a\"b\\c\n\r\t\u{1}\u{1f}é/"),
            r#""a\"b\\c\n\r\t\u0001\u001fé/""#
        );
        let mut o = Vec::new();
        bytes(&mut o, b"caf\xe9");
        assert_eq!(String::from_utf8(o).unwrap(), "\"café\"");
        let mut o = Vec::new();
        string_lower(&mut o, b"X-Multi\"A");
        assert_eq!(String::from_utf8(o).unwrap(), r#""x-multi\"a""#);
    }

    proptest! {
        #[test]
        fn round_trips_through_serde(v in any::<String>()) {
            let back: String = serde_json::from_str(&s(&v)).unwrap();
            prop_assert_eq!(back, v);
        }

        /// Dense in what the eight-byte paths branch on: quotes, backslashes and control
        /// characters among plain ASCII, at every alignment.
        #[test]
        fn escape_dense_text_round_trips(v in "[\"\\\\a-z/\\x00-\\x1fé]{0,80}") {
            let back: String = serde_json::from_str(&s(&v)).unwrap();
            prop_assert_eq!(back, v);
        }

        #[test]
        fn any_bytes_give_valid_json(v in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut o = Vec::new();
            bytes(&mut o, &v);
            let back: String = serde_json::from_slice(&o).unwrap();
            if let Ok(u) = std::str::from_utf8(&v) {
                prop_assert_eq!(back, u);
            } else {
                prop_assert_eq!(back.chars().count(), v.len());
            }
        }
    }
}
