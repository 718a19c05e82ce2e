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
    if std::str::from_utf8(b).is_ok() {
        escaped(out, b);
    } else {
        let mut buf = [0u8; 4];
        for &byte in b {
            let c = char::from(byte);
            escaped(out, c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// Escaped contents of valid UTF-8 bytes, copied in runs between escapes.
fn escaped(out: &mut Vec<u8>, b: &[u8]) {
    out.reserve(b.len());
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        // Skip eight plain bytes at a time (the VTL writer's test): most text needs no escape.
        if let Some(w) = b.get(i..i + 8) {
            let m = crate::vtl::json::special_bytes(w);
            if m == 0 {
                i += 8;
                continue;
            }
            i += (m.trailing_zeros() / 8) as usize;
        }
        let c = b[i];
        let e = ESCAPE[c as usize];
        i += 1;
        if e == 0 {
            continue;
        }
        out.extend_from_slice(&b[run..i - 1]);
        run = i;
        if e == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(c >> 4) as usize]);
            out.push(HEX[(c & 0xf) as usize]);
        } else {
            out.push(b'\\');
            out.push(e);
        }
    }
    out.extend_from_slice(&b[run..]);
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
