//! The string functions of API Gateway's `$util`: `escapeJavaScript`, `urlEncode`, `urlDecode`,
//! `base64Encode` and `base64Decode`, with the Java library semantics AWS runs (mapping.md §4.2).
//!
//! Each function appends to a caller-owned buffer so the template VM can reuse its output
//! buffers; `*_string` wrappers allocate for convenience. Null arguments and `toString()` of
//! non-strings are the caller's business.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Why `urlDecode` or `base64Decode` rejected its input (Java throws `IllegalArgumentException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// `%` not followed by two more characters.
    #[error("URLDecoder: Incomplete trailing escape (%) pattern")]
    IncompleteEscape,
    /// `%` followed by characters that are not a hex byte.
    #[error("URLDecoder: Illegal hex characters in escape (%) pattern")]
    IllegalHex,
    /// Not valid base64.
    #[error("invalid base64 input: {0}")]
    Base64(String),
}

/// Commons-Lang 2 `StringEscapeUtils.escapeJavaScript`, appended to `out`.
///
/// `'` `"` `\` `/` get a backslash; `\b \f \n \r \t` their short escapes; other controls below
/// 0x20 and every UTF-16 unit above 0x7F become `\uXXXX` with upper-case hex (so a character
/// outside the BMP becomes two escapes). DEL (0x7F) is copied as is: Commons-Lang tests
/// `ch > 0x7f`, which mapping.md's "> 0x7E" summary does not reflect.
pub fn escape_javascript(s: &str, out: &mut String) {
    out.reserve(s.len());
    // Runs of characters that need no escaping are copied in one piece. The scan is by
    // byte: plain ASCII is most text, and `i` stays on a character boundary because it
    // moves by one only over ASCII bytes.
    let bytes = s.as_bytes();
    let mut plain = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let short = match b {
            b'\'' => "\\'",
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'/' => "\\/",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x20..=0x7f => {
                i += 1;
                continue;
            }
            _ => "",
        };
        out.push_str(s.get(plain..i).unwrap_or(""));
        if short.is_empty() {
            // A control character or a non-ASCII character: UTF-16 `\uXXXX` escapes.
            let Some(c) = s.get(i..).and_then(|t| t.chars().next()) else {
                break;
            };
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                push_unicode_escape(*unit, out);
            }
            i += c.len_utf8();
        } else {
            out.push_str(short);
            i += 1;
        }
        plain = i;
    }
    out.push_str(s.get(plain..).unwrap_or(""));
}

fn push_unicode_escape(unit: u16, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((unit >> shift) & 0xF)]));
    }
}

/// Bytes Java's `URLEncoder` escapes: everything except `A-Z a-z 0-9 . - * _` (space is
/// handled separately as `+`).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'*')
    .remove(b'_');

/// Java `URLEncoder.encode(s, "UTF-8")`, appended to `out`.
pub fn url_encode(s: &str, out: &mut String) {
    out.reserve(s.len());
    for (i, part) in s.split(' ').enumerate() {
        if i > 0 {
            out.push('+');
        }
        out.extend(utf8_percent_encode(part, FORM));
    }
}

/// Java `URLDecoder.decode(s, "UTF-8")`, appended to `out`.
///
/// `+` becomes a space; each run of consecutive `%XX` escapes is decoded as UTF-8 with malformed
/// sequences replaced by U+FFFD (Java's `new String(bytes, UTF_8)`); other characters are
/// copied. A `%` without two following characters, or with two that are not a hex number, is an
/// error as in Java (which, through `Integer.parseInt`, also accepts a `+` sign: `%+A` is 0x0A).
/// On error `out` may hold a partial result.
pub fn url_decode(s: &str, out: &mut String) -> Result<(), DecodeError> {
    out.reserve(s.len());
    let bytes = s.as_bytes();
    // One buffer for all escape runs of this call.
    let mut run: Vec<u8> = Vec::new();
    let mut plain = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push_str(&s[plain..i]);
                out.push(' ');
                i += 1;
                plain = i;
            }
            b'%' => {
                out.push_str(&s[plain..i]);
                run.clear();
                while i + 2 < bytes.len() && bytes.get(i) == Some(&b'%') {
                    run.push(hex_byte(bytes[i + 1], bytes[i + 2])?);
                    i += 3;
                }
                if bytes.get(i) == Some(&b'%') {
                    return Err(DecodeError::IncompleteEscape);
                }
                out.push_str(&String::from_utf8_lossy(&run));
                plain = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[plain..]);
    Ok(())
}

/// `Integer.parseInt(two chars, 16)` restricted to a byte: an optional sign then hex digits.
fn hex_byte(a: u8, b: u8) -> Result<u8, DecodeError> {
    let digit = |c: u8| char::from(c).to_digit(16);
    match (a, digit(a), digit(b)) {
        (_, Some(hi), Some(lo)) => u8::try_from(hi * 16 + lo).map_err(|_| DecodeError::IllegalHex),
        (b'+', None, Some(lo)) => u8::try_from(lo).map_err(|_| DecodeError::IllegalHex),
        // `-0` parses as zero, any other negative number is rejected.
        (b'-', None, Some(0)) => Ok(0),
        _ => Err(DecodeError::IllegalHex),
    }
}

/// `java.util.Base64` basic decoder rules: standard alphabet, no line breaks, padding optional
/// but checked when present, unused trailing bits ignored.
const JAVA_DECODER: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Base64 (standard alphabet, padded, no line breaks) of the UTF-8 bytes of `s`, appended to `out`.
pub fn base64_encode(s: &str, out: &mut String) {
    STANDARD.encode_string(s.as_bytes(), out);
}

/// Decodes standard base64 and appends the bytes read as UTF-8, malformed sequences replaced by
/// U+FFFD (Java's `new String(bytes, UTF_8)`). Input outside the alphabet is an error, as in
/// `java.util.Base64.getDecoder()`.
pub fn base64_decode(s: &str, out: &mut String) -> Result<(), DecodeError> {
    let bytes = JAVA_DECODER
        .decode(s.as_bytes())
        .map_err(|e| DecodeError::Base64(e.to_string()))?;
    match String::from_utf8(bytes) {
        Ok(text) if out.is_empty() => *out = text,
        Ok(text) => out.push_str(&text),
        Err(e) => out.push_str(&String::from_utf8_lossy(e.as_bytes())),
    }
    Ok(())
}

/// [`escape_javascript`] into a new string.
pub fn escape_javascript_string(s: &str) -> String {
    let mut out = String::new();
    escape_javascript(s, &mut out);
    out
}

/// [`url_encode`] into a new string.
pub fn url_encode_string(s: &str) -> String {
    let mut out = String::new();
    url_encode(s, &mut out);
    out
}

/// [`url_decode`] into a new string.
pub fn url_decode_string(s: &str) -> Result<String, DecodeError> {
    let mut out = String::new();
    url_decode(s, &mut out)?;
    Ok(out)
}

/// [`base64_encode`] into a new string.
pub fn base64_encode_string(s: &str) -> String {
    let mut out = String::new();
    base64_encode(s, &mut out);
    out
}

/// [`base64_decode`] into a new string.
pub fn base64_decode_string(s: &str) -> Result<String, DecodeError> {
    let mut out = String::new();
    base64_decode(s, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn js(s: &str) -> String {
        escape_javascript_string(s)
    }

    /// Reads Commons-Lang `escapeJavaScript` output back (test-only inverse).
    fn unescape_javascript(s: &str) -> Option<String> {
        let mut units: Vec<u16> = Vec::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                let mut buf = [0u16; 2];
                units.extend_from_slice(c.encode_utf16(&mut buf));
                continue;
            }
            let unit = match chars.next()? {
                'b' => 8,
                'f' => 12,
                'n' => 10,
                'r' => 13,
                't' => 9,
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    u16::from_str_radix(&hex, 16).ok()?
                }
                c @ ('\'' | '"' | '\\' | '/') => c as u16,
                _ => return None,
            };
            units.push(unit);
        }
        String::from_utf16(&units).ok()
    }

    #[test]
    fn escape_javascript_commons_lang_2() {
        assert_eq!(js("it's"), "it\\'s");
        assert_eq!(js(r#"say "hi""#), r#"say \"hi\""#);
        assert_eq!(js("a\\b/c"), "a\\\\b\\/c");
        assert_eq!(js("\u{8}\u{c}\n\r\t"), "\\b\\f\\n\\r\\t");
        assert_eq!(js("\u{0}\u{1f}"), "\\u0000\\u001F");
        assert_eq!(js("\u{7f}"), "\u{7f}");
        assert_eq!(js("é"), "\\u00E9");
        assert_eq!(js("€"), "\\u20AC");
        assert_eq!(js("😀"), "\\uD83D\\uDE00");
        assert_eq!(js("plain text 123 <>&"), "plain text 123 <>&");
        assert_eq!(js(""), "");
        let mut out = String::from("x=");
        escape_javascript("'", &mut out);
        assert_eq!(out, "x=\\'");
    }

    #[test]
    fn url_encode_java_urlencoder() {
        assert_eq!(
            url_encode_string(r#"{"some": "value"}"#),
            "%7B%22some%22%3A+%22value%22%7D"
        );
        assert_eq!(url_encode_string("a-b_c.d*e~f"), "a-b_c.d*e%7Ef");
        assert_eq!(url_encode_string("é €"), "%C3%A9+%E2%82%AC");
        assert_eq!(url_encode_string("a+b=c&d/e"), "a%2Bb%3Dc%26d%2Fe");
        assert_eq!(url_encode_string("  "), "++");
        assert_eq!(url_encode_string(""), "");
    }

    #[test]
    fn url_decode_java_urldecoder() {
        assert_eq!(url_decode_string("a+b%20c").unwrap(), "a b c");
        assert_eq!(url_decode_string("%C3%A9t%C3%A9").unwrap(), "été");
        assert_eq!(url_decode_string("%c3%a9").unwrap(), "é");
        assert_eq!(url_decode_string("100%25").unwrap(), "100%");
        assert_eq!(url_decode_string("é+x").unwrap(), "é x");
        // Malformed UTF-8 is replaced, not rejected.
        assert_eq!(url_decode_string("%FFa").unwrap(), "\u{FFFD}a");
        // Runs are decoded separately: a split sequence yields two replacements.
        assert_eq!(url_decode_string("%C3x%A9").unwrap(), "\u{FFFD}x\u{FFFD}");
        // Integer.parseInt quirks.
        assert_eq!(url_decode_string("%+A").unwrap(), "\n");
        assert_eq!(url_decode_string("%-0").unwrap(), "\u{0}");
        assert_eq!(url_decode_string("%"), Err(DecodeError::IncompleteEscape));
        assert_eq!(url_decode_string("a%4"), Err(DecodeError::IncompleteEscape));
        assert_eq!(
            url_decode_string("%41%"),
            Err(DecodeError::IncompleteEscape)
        );
        assert_eq!(url_decode_string("%zz"), Err(DecodeError::IllegalHex));
        assert_eq!(url_decode_string("%-1"), Err(DecodeError::IllegalHex));
    }

    #[test]
    fn base64_both_ways() {
        assert_eq!(base64_encode_string("hello"), "aGVsbG8=");
        assert_eq!(base64_encode_string("é"), "w6k=");
        assert_eq!(base64_encode_string(""), "");
        assert_eq!(base64_decode_string("aGVsbG8=").unwrap(), "hello");
        assert_eq!(base64_decode_string("aGVsbG8").unwrap(), "hello");
        assert_eq!(base64_decode_string("/w==").unwrap(), "\u{FFFD}");
        assert!(base64_decode_string("aGVs bG8=").is_err());
        assert!(base64_decode_string("a").is_err());
        assert!(base64_decode_string("aGVsbG8-").is_err());
        let mut out = String::from(">");
        base64_decode("aGk=", &mut out).unwrap();
        assert_eq!(out, ">hi");
    }

    /// `escapeJavaScript` one character at a time, as commons-lang 2 writes it.
    fn js_by_char(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '/' => out.push_str("\\/"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                ' '..='\u{7f}' => out.push(c),
                _ => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{:04X}", u));
                    }
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn escape_javascript_matches_the_per_character_definition(
            s in "[ -~\\x00-\\x1f\\u{80}-\\u{10ffff}]{0,24}",
        ) {
            prop_assert_eq!(js(&s), js_by_char(&s));
        }

        #[test]
        fn escape_javascript_is_ascii_and_reversible(s in any::<String>()) {
            let escaped = js(&s);
            let printable = escaped.bytes().all(|b| (0x20..=0x7f).contains(&b));
            prop_assert!(printable);
            prop_assert_eq!(unescape_javascript(&escaped), Some(s));
        }

        #[test]
        fn url_round_trip(s in any::<String>()) {
            let encoded = url_encode_string(&s);
            prop_assert!(encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-*_+%".contains(&b)));
            prop_assert_eq!(url_decode_string(&encoded).unwrap(), s);
        }

        #[test]
        fn base64_round_trip(s in any::<String>()) {
            prop_assert_eq!(base64_decode_string(&base64_encode_string(&s)).unwrap(), s);
        }

        #[test]
        fn decoders_never_panic(s in "[%+a-fA-F0-9=/é-]{0,12}", t in any::<String>()) {
            let _ = url_decode_string(&s);
            let _ = url_decode_string(&t);
            let _ = base64_decode_string(&s);
            let _ = base64_decode_string(&t);
        }
    }
}
