//! The text of a double-quoted string literal, as Velocity 1.7 reads it: `""` is one `"`, and a
//! `\uXXXX` escape is the character it names (UTF-16, so a surrogate pair is one character).
//! Nothing else is an escape: backslashes are kept as they are (`"\\'"` is three characters,
//! which AWS's documented `replaceAll("\\'", "'")` relies on).

use std::borrow::Cow;

/// The decoded text of a literal's contents (between the quotes); borrowed when nothing changes.
pub(crate) fn decode(s: &str) -> Cow<'_, str> {
    if !s.contains("\"\"") && !s.contains("\\u") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("\"\"") {
            out.push('"');
            rest = &rest[2..];
            continue;
        }
        if let Some((ch, used)) = unicode_escape(rest) {
            out.push(ch);
            rest = &rest[used..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// A `\uXXXX` escape (or a surrogate pair of two) at the start of `s`: the character and the
/// bytes it used. A lone surrogate or a short escape is not decoded.
fn unicode_escape(s: &str) -> Option<(char, usize)> {
    let unit = |t: &str| -> Option<u16> {
        let hex = t.strip_prefix("\\u")?.get(..4)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(hex, 16).ok()
    };
    let first = unit(s)?;
    if let Some(c) = char::from_u32(u32::from(first)) {
        return Some((c, 6));
    }
    // A high surrogate: a character only with the low surrogate right after it.
    let second = unit(s.get(6..)?)?;
    let c = char::decode_utf16([first, second]).next()?.ok()?;
    Some((c, 12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_unicode_escapes() {
        assert_eq!(decode("plain"), "plain");
        assert!(matches!(decode("plain \\ text"), Cow::Borrowed(_)));
        assert_eq!(decode("a\"\"b"), "a\"b");
        assert_eq!(decode("a\\u0022b"), "a\"b");
        assert_eq!(decode("\\u00e9t\\u00E9"), "été");
        assert_eq!(decode("\\uD83D\\uDE00!"), "😀!");
        // Not escapes: too short, not hex, a lone surrogate, other backslashes.
        assert_eq!(decode("\\u12"), "\\u12");
        assert_eq!(decode("\\u12zz"), "\\u12zz");
        assert_eq!(decode("\\uD83Dx"), "\\uD83Dx");
        assert_eq!(decode("\\\\'\\n"), "\\\\'\\n");
    }
}
