//! Private fallbacks for Java behaviour the engine needs (`Double.toString`, regex-based
//! `split`/`replaceAll`/`matches`, and the `$util` escapes) until the shared pure modules
//! (`escape`, `java_regex`, `java_number`) land; this file is the single place the engine
//! calls them through, so switching is local.

use base64::Engine as _;

/// Java `Double.toString`: shortest round-trip digits; plain notation for 1e-3 <= |d| < 1e7
/// (always with a fractional part), otherwise `d.dddE[-]n`.
pub(crate) fn write_double(d: f64, out: &mut String) {
    if d.is_nan() {
        out.push_str("NaN");
        return;
    }
    if d.is_infinite() {
        out.push_str(if d > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if d == 0.0 {
        out.push_str(if d.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    // `{:e}` gives the shortest round-trip digits as `d[.ddd]e[-]x`.
    let sci = format!("{:e}", d.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    if d < 0.0 {
        out.push('-');
    }
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&exp.to_string());
    }
}

/// Compiles a Java regex (common subset: the syntax Java and fancy-regex share).
pub(crate) fn regex(pattern: &str) -> Option<fancy_regex::Regex> {
    fancy_regex::RegexBuilder::new(pattern)
        .backtrack_limit(1_000_000)
        .build()
        .ok()
}

/// Java `String.matches`: the whole input must match.
pub(crate) fn matches(s: &str, pattern: &str) -> Option<bool> {
    let re = regex(&format!("^(?:{pattern})$"))?;
    re.is_match(s).ok()
}

/// Java `replaceAll` / `replaceFirst` (`$n` group refs and `\` escapes in the replacement).
pub(crate) fn replace(s: &str, pattern: &str, repl: &str, all: bool) -> Option<String> {
    let re = regex(pattern)?;
    // Translate the Java replacement into fancy-regex syntax.
    let mut r = String::new();
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if n == '$' {
                        r.push_str("$$");
                    } else {
                        r.push(n);
                    }
                }
            }
            '$' => {
                let mut num = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    num.push(*d);
                    chars.next();
                }
                if num.is_empty() {
                    return None; // Java: IllegalArgumentException (illegal group reference)
                }
                r.push_str(&format!("${{{num}}}"));
            }
            c => r.push(c),
        }
    }
    let limit = if all { 0 } else { 1 };
    let out = re.try_replacen(s, limit, r.as_str()).ok()?;
    Some(out.into_owned())
}

/// Java `String.split(regex, limit)`.
pub(crate) fn split(s: &str, pattern: &str, limit: i64) -> Option<Vec<String>> {
    let re = regex(pattern)?;
    let mut parts = Vec::new();
    let mut last = 0;
    let mut at = 0;
    while at <= s.len() {
        if limit > 0 && parts.len() as i64 == limit - 1 {
            break;
        }
        let Ok(Some(m)) = re.find_from_pos(s, at) else {
            break;
        };
        if m.end() == 0 {
            // A zero-width match at the very start never yields a leading empty string.
            at = next_char(s, m.end());
            continue;
        }
        if m.start() == m.end() && m.start() >= s.len() {
            break;
        }
        parts.push(s[last..m.start()].to_string());
        last = m.end();
        at = if m.end() == m.start() {
            next_char(s, m.end())
        } else {
            m.end()
        };
    }
    parts.push(s[last..].to_string());
    if limit == 0 {
        while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        if parts.len() == 1 && parts[0].is_empty() && !s.is_empty() {
            parts.pop();
        }
    }
    Some(parts)
}

fn next_char(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(i + 1, |c| i + c.len_utf8())
}

/// `$util.escapeJavaScript` (Commons-Lang 2 `StringEscapeUtils.escapeJavaScript`).
pub(crate) fn escape_javascript(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04X}", u));
                }
            }
            c => out.push(c),
        }
    }
}

/// `$util.urlEncode` (Java `URLEncoder`, UTF-8).
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{:02X}", b)),
        }
    }
    out
}

/// `$util.urlDecode` (Java `URLDecoder`): `None` on a malformed escape (Java throws).
pub(crate) fn url_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// `$util.base64Encode` over the UTF-8 bytes.
pub(crate) fn base64_encode(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
}

/// `$util.base64Decode`: `None` on invalid input (Java throws).
pub(crate) fn base64_decode(s: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(x: f64) -> String {
        let mut s = String::new();
        write_double(x, &mut s);
        s
    }

    #[test]
    fn java_double_to_string() {
        assert_eq!(d(2.0), "2.0");
        assert_eq!(d(1e10), "1.0E10");
        assert_eq!(d(1e7), "1.0E7");
        assert_eq!(d(1e6), "1000000.0");
        assert_eq!(d(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(d(-2.5), "-2.5");
        assert_eq!(d(0.001), "0.001");
        assert_eq!(d(0.0001), "1.0E-4");
        assert_eq!(d(123.456), "123.456");
    }

    #[test]
    fn java_split() {
        let s = |a: &str, p: &str, l: i64| split(a, p, l).unwrap_or_default();
        assert_eq!(s("a,b,,c,,", ",", 0), ["a", "b", "", "c"]);
        assert_eq!(s("a,b,,", ",", -1), ["a", "b", "", ""]);
        assert_eq!(s("", ",", 0), [""]);
        assert_eq!(s("a1b22c333d", "[0-9]+", 0), ["a", "b", "c", "d"]);
        assert_eq!(s("abc", "", 0), ["a", "b", "c"]);
        assert_eq!(s("a,b,c", ",", 2), ["a", "b,c"]);
    }
}
