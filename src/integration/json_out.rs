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
    // Most strings here are ids, paths and names with nothing to escape: copied as they are.
    if is_plain_ascii(s.as_bytes()) {
        out.extend_from_slice(s.as_bytes());
    } else {
        escaped(out, s.as_bytes());
    }
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

/// Writes `b` as a quoted JSON string if it is UTF-8 and returns true; writes nothing and
/// returns false otherwise. Invalid bytes are harmless to the escape, so the check comes after
/// it, and an ASCII body (most JSON) is told by `is_ascii`, much cheaper than full validation.
pub fn utf8_string(out: &mut Vec<u8>, b: &[u8]) -> bool {
    let start = out.len();
    out.push(b'"');
    escaped(out, b);
    if !b.is_ascii() && std::str::from_utf8(b).is_err() {
        out.truncate(start);
        return false;
    }
    out.push(b'"');
    true
}

/// The escaped contents of `b` without quotes (UTF-8 when valid, else ISO-8859-1).
pub fn text(out: &mut Vec<u8>, b: &[u8]) {
    // Most header names and values are printable ASCII with nothing to escape: one pass
    // decides that, and they are copied as they are.
    if is_plain_ascii(b) {
        out.extend_from_slice(b);
    } else if std::str::from_utf8(b).is_ok() {
        escaped(out, b);
    } else {
        let mut buf = [0u8; 4];
        for &byte in b {
            let c = char::from(byte);
            escaped(out, c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// Whether `b` is ASCII with nothing to escape, tested a word at a time (the SWAR test of
/// [`escaped`] plus the high bits).
fn is_plain_ascii(b: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(WORD);
    for w in &mut words {
        let mut word = [0u8; WORD];
        word.copy_from_slice(w);
        if crate::vtl::json::special_bytes(&word) | (u64::from_le_bytes(word) & HIGH) != 0 {
            return false;
        }
    }
    words
        .remainder()
        .iter()
        .all(|&c| c.is_ascii() && ESCAPE[usize::from(c)] == 0)
}

/// Escaped contents of valid UTF-8 bytes (invalid ones are copied as they are: callers that
/// have not validated the bytes yet check before using the output).
///
/// The output is written by index into room made up front (two bytes per input byte, the most
/// that `\\"`-style escapes need, plus one word of slack), so every step is a fixed-size store
/// the compiler inlines: a word with nothing to escape is stored whole; a word with something to
/// escape is stored whole too, the cursor moves past its plain prefix only, the escape is
/// written over what follows, and the scan resumes just after the escaped byte. JSON bodies have
/// an escape every few bytes (each `"`); copying the runs between them with `extend_from_slice`
/// cost a `memcpy` call per escape, and a branch per byte mispredicts at each one.
fn escaped(out: &mut Vec<u8>, b: &[u8]) {
    let start = out.len();
    // Deliberate: zero-filled room for the worst two-byte case; truncated to what was written.
    out.resize(start + 2 * b.len() + WORD, 0);
    let mut pos = start;
    let mut i = 0;
    while let Some(w) = b.get(i..i + WORD) {
        let mut word = [0u8; WORD];
        word.copy_from_slice(w);
        out[pos..pos + WORD].copy_from_slice(&word);
        let mask = crate::vtl::json::special_bytes(&word);
        if mask == 0 {
            pos += WORD;
            i += WORD;
            continue;
        }
        // The lowest flagged byte is exact (the SWAR tests' borrows only flag bytes above it).
        let k = (mask.trailing_zeros() / 8) as usize;
        pos += k;
        i += k;
        pos = escape_at(out, pos, b[i], b.len() - i - 1);
        i += 1;
    }
    for (j, &c) in b.iter().enumerate().skip(i) {
        pos = escape_at(out, pos, c, b.len() - j - 1);
    }
    out.truncate(pos);
}

/// Bytes per step of [`escaped`].
const WORD: usize = 8;

/// Writes `c`, escaped if it must be, at `pos` of the room [`escaped`] made, and returns the
/// position after it; `left` input bytes follow `c`.
#[inline(always)]
fn escape_at(out: &mut Vec<u8>, pos: usize, c: u8, left: usize) -> usize {
    match ESCAPE[c as usize] {
        0 => {
            out[pos] = c;
            pos + 1
        }
        b'u' => control_at(out, pos, c, left),
        e => {
            out[pos..pos + 2].copy_from_slice(&[b'\\', e]);
            pos + 2
        }
    }
}

/// The six-byte `\\u00XX` escape of a control character. It uses more room than [`escaped`]
/// made for it, so the room grows to keep two bytes per byte `left` plus the slack. Rare, so
/// kept out of line.
#[cold]
#[inline(never)]
fn control_at(out: &mut Vec<u8>, pos: usize, c: u8, left: usize) -> usize {
    let need = pos + 6 + 2 * left + WORD;
    if out.len() < need {
        out.resize(need, 0);
    }
    out[pos..pos + 6].copy_from_slice(&[
        b'\\',
        b'u',
        b'0',
        b'0',
        HEX[(c >> 4) as usize],
        HEX[(c & 0xf) as usize],
    ]);
    pos + 6
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
    fn plain_ascii_is_told_from_text_to_escape() {
        assert!(is_plain_ascii(b""));
        assert!(is_plain_ascii(b"application/json; charset=utf-8 \x7f"));
        for bad in [
            &b"0123456789\"x"[..],
            b"abc\\",
            b"01234567\t",
            b"caf\xc3\xa9",
            b"\x80",
        ] {
            assert!(!is_plain_ascii(bad), "{bad:?}");
        }
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
        /// characters among plain ASCII, at every alignment; runs of six-byte escapes included.
        #[test]
        fn escape_dense_text_round_trips(v in "[\"\\\\a-z/\\x00-\\x1fé]{0,80}|[\\x00-\\x1f]{0,40}") {
            let back: String = serde_json::from_str(&s(&v)).unwrap();
            prop_assert_eq!(back, v);
        }

        /// Bytes the eight-byte test can flag falsely (a space or `#` right after a byte to
        /// escape, `!` after a control character), mixed with the ones it must flag.
        #[test]
        fn falsely_flagged_bytes_round_trip(v in "[\"#  !\\\\\\x00-\\x1fa]{0,96}") {
            let back: String = serde_json::from_str(&s(&v)).unwrap();
            prop_assert_eq!(back, v);
        }

        /// `utf8_string` writes exactly what `string` writes for UTF-8, and nothing otherwise,
        /// whatever the position of the invalid or non-ASCII bytes.
        #[test]
        fn utf8_string_agrees_with_validation(v in proptest::collection::vec(
            prop_oneof![Just(b'"'), Just(b'a'), Just(0xc3u8), Just(0xa9u8), Just(0xffu8), Just(b'\n')],
            0..40,
        )) {
            let mut o = b"[".to_vec();
            let ok = utf8_string(&mut o, &v);
            match std::str::from_utf8(&v) {
                Ok(text) => {
                    prop_assert!(ok);
                    let want = s(text);
                    prop_assert_eq!(&o[1..], want.as_bytes());
                }
                Err(_) => {
                    prop_assert!(!ok);
                    prop_assert_eq!(o, b"[".to_vec());
                }
            }
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
