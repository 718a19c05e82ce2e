//! The engine's single call site for Java behaviour implemented in the shared pure modules
//! (`java_number`, `java_regex`, `escape`): adapts their signatures to what the VM needs
//! (optional results instead of error types, where a Java exception becomes a render error).

use super::escape;
use super::java_number;
use super::java_regex::JavaRegex;

/// Java `Double.toString`.
pub(crate) fn write_double(d: f64, out: &mut String) {
    java_number::double_to_string(d, out);
}

/// Java `String.matches` (whole input). `None`: bad pattern (Java throws).
pub(crate) fn matches(s: &str, pattern: &str) -> Option<bool> {
    JavaRegex::new(pattern).ok()?.full_match(s).ok()
}

/// Java `replaceAll` / `replaceFirst`. `None`: bad pattern or replacement (Java throws).
pub(crate) fn replace(s: &str, pattern: &str, repl: &str, all: bool) -> Option<String> {
    let re = JavaRegex::new(pattern).ok()?;
    if all {
        re.replace_all(s, repl).ok()
    } else {
        re.replace_first(s, repl).ok()
    }
}

/// Java `String.split(regex, limit)`. `None`: bad pattern (Java throws).
pub(crate) fn split(s: &str, pattern: &str, limit: i64) -> Option<Vec<String>> {
    let limit = i32::try_from(limit.clamp(i32::MIN as i64, i32::MAX as i64)).unwrap_or(0);
    let re = JavaRegex::new(pattern).ok()?;
    Some(
        re.split(s, limit)
            .ok()?
            .into_iter()
            .map(str::to_string)
            .collect(),
    )
}

/// `$util.escapeJavaScript`.
pub(crate) fn escape_javascript(s: &str, out: &mut String) {
    escape::escape_javascript(s, out);
}

/// `$util.urlEncode`.
pub(crate) fn url_encode(s: &str) -> String {
    escape::url_encode_string(s)
}

/// `$util.urlDecode`. `None`: malformed escape (Java throws).
pub(crate) fn url_decode(s: &str) -> Option<String> {
    escape::url_decode_string(s).ok()
}

/// `$util.base64Encode`.
pub(crate) fn base64_encode(s: &str) -> String {
    escape::base64_encode_string(s)
}

/// `$util.base64Decode`. `None`: invalid input (Java throws).
pub(crate) fn base64_decode(s: &str) -> Option<String> {
    escape::base64_decode_string(s).ok()
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
    }

    #[test]
    fn java_split() {
        let s = |a: &str, p: &str, l: i64| split(a, p, l).unwrap_or_default();
        assert_eq!(s("a,b,,c,,", ",", 0), ["a", "b", "", "c"]);
        assert_eq!(s("a,b,,", ",", -1), ["a", "b", "", ""]);
        assert_eq!(s("", ",", 0), [""]);
        assert_eq!(s("a1b22c333d", "[0-9]+", 0), ["a", "b", "c", "d"]);
        assert_eq!(s("a,b,c", ",", 2), ["a", "b,c"]);
    }
}
