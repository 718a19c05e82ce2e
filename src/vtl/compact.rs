//! `$input.json('$')` straight from the body's source bytes.
//!
//! Re-serializing the whole tape (`json::write_json`) decodes and re-escapes every string and
//! re-formats every number. For the common body, the source text minus its insignificant
//! whitespace is already exactly that output, so it can be copied in runs instead. The copy is
//! taken only when that equality is certain; anything the re-serializer would write
//! differently (`\/`, `\u` escapes, raw control characters, exponents, `-0`, numbers Java
//! prints another way) makes [`write_compact`] give up, leaving `out` as it was, and the
//! caller falls back to the tape.
//!
//! The scan also checks the JSON grammar, accepting only a subset of what the body parser
//! accepts (no exponents, short numbers, simple escapes, modest nesting). So when a template
//! reads the body only as `$input.json('$')`, a body the scan accepts needs no parse at all:
//! the parser would accept it too, and re-serializing its tape would give the same bytes.

use smallvec::SmallVec;

use super::java_compat;
use super::json;

/// Nesting the scan follows (the body parser allows 1,024; deeper bodies take the parser).
const MAX_DEPTH: usize = 256;

/// Longest number token copied (longer ones take the parser).
const MAX_NUMBER: usize = 32;

/// Appends the compact form of `src` when `src` is one JSON document of the copyable subset.
/// Returns `false` (and leaves `out` unchanged) when it is not, or when the copy might differ
/// from re-serializing the parsed tape.
pub(crate) fn write_compact(src: &[u8], out: &mut String) -> bool {
    let start = out.len();
    let ok = match std::str::from_utf8(src) {
        Ok(s) => Scan {
            s,
            b: s.as_bytes(),
            i: 0,
            run: 0,
            out,
        }
        .document()
        .is_some(),
        Err(_) => false,
    };
    if !ok {
        out.truncate(start);
    }
    ok
}

/// A single forward pass: `s[run..i]` is source not yet copied to `out`.
struct Scan<'s, 'o> {
    s: &'s str,
    b: &'s [u8],
    i: usize,
    run: usize,
    out: &'o mut String,
}

impl Scan<'_, '_> {
    fn document(&mut self) -> Option<()> {
        self.out.reserve(self.b.len());
        self.ws();
        // Open containers, `true` for objects.
        let mut stack: SmallVec<[bool; 32]> = SmallVec::new();
        'value: loop {
            match *self.b.get(self.i)? {
                c @ (b'{' | b'[') => {
                    let obj = c == b'{';
                    self.i += 1;
                    self.ws();
                    let close = if obj { b'}' } else { b']' };
                    if self.b.get(self.i) == Some(&close) {
                        self.i += 1;
                    } else {
                        if stack.len() >= MAX_DEPTH {
                            return None;
                        }
                        stack.push(obj);
                        if obj {
                            self.key()?;
                        }
                        continue 'value;
                    }
                }
                b'"' => self.i = string_end(self.b, self.i + 1)?,
                b'-' | b'0'..=b'9' => self.number()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => return None,
            }
            // After a value: a separator, closers, or the end of the document.
            loop {
                self.ws();
                let Some(&obj) = stack.last() else {
                    if self.i != self.b.len() {
                        return None;
                    }
                    self.out.push_str(self.s.get(self.run..)?);
                    return Some(());
                };
                match *self.b.get(self.i)? {
                    b',' => {
                        self.i += 1;
                        self.ws();
                        if obj {
                            self.key()?;
                        }
                        continue 'value;
                    }
                    b'}' if obj => {}
                    b']' if !obj => {}
                    _ => return None,
                }
                self.i += 1;
                stack.pop();
            }
        }
    }

    /// Skips whitespace, copying the pending run first when there is any.
    #[inline(always)]
    fn ws(&mut self) {
        // Most bodies have little whitespace between tokens: one test when there is none.
        if self.b.get(self.i).is_some_and(|c| is_ws(*c)) {
            self.skip_ws();
        }
    }

    fn skip_ws(&mut self) {
        let at = self.i;
        while self.b.get(self.i).is_some_and(|c| is_ws(*c)) {
            self.i += 1;
        }
        if self.i != at {
            self.out.push_str(self.s.get(self.run..at).unwrap_or(""));
            self.run = self.i;
        }
    }

    /// `"key"` `:` and the whitespace after it. Inlined, as are [`string_end`] and `ws`: as calls,
    /// their entry and exit cost about as much as their work on a body's short keys and strings.
    #[inline(always)]
    fn key(&mut self) -> Option<()> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i = string_end(self.b, self.i + 1)?;
        self.ws();
        if self.b.get(self.i) != Some(&b':') {
            return None;
        }
        self.i += 1;
        self.ws();
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if !self.b.get(self.i..)?.starts_with(word) {
            return None;
        }
        self.i += word.len();
        Some(())
    }

    fn number(&mut self) -> Option<()> {
        let at = self.i;
        let len = self.b[at..]
            .iter()
            .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
            .unwrap_or(self.b.len() - at);
        let end = at + len;
        let text = self.s.get(at..end)?;
        self.i = end;
        match number_kind(text) {
            Number::Integer => Some(()),
            Number::Decimal(v) => {
                // Written as the tape writer would, then checked against the source.
                self.out.push_str(self.s.get(self.run..at)?);
                let mark = self.out.len();
                java_compat::write_double(v, self.out);
                if self.out.get(mark..) != Some(text) {
                    return None;
                }
                self.run = end;
                Some(())
            }
            Number::Plain => Some(()),
            Number::Other => None,
        }
    }
}
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Index just past the closing quote of the string whose content starts at `i`, when the
/// string's source is what the JSON string writer would write for its decoded value: plain
/// characters and the escapes `\" \\ \n \r \t \b \f` only.
#[inline(always)]
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    json::string_end(b, i, |b, at| {
        matches!(b.get(at)?, b'"' | b'\\' | b'n' | b'r' | b't' | b'b' | b'f').then_some(at + 1)
    })
}

enum Number {
    /// At most 18 digits, not `-0`: an exact `i64`/`u64` the writer prints as written.
    Integer,
    /// A decimal Java prints exactly as written (checked from the text alone).
    Plain,
    /// Another plain decimal (no exponent): printed as written only if Java prints it so.
    Decimal(f64),
    /// Anything else (exponents, long integers, `-0`, not JSON): not copied.
    Other,
}

/// Classifies a number token; anything outside `-?(0|[1-9][0-9]*)(\.[0-9]+)?` is `Other`.
fn number_kind(t: &str) -> Number {
    if t.len() > MAX_NUMBER {
        return Number::Other;
    }
    let digits = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit());
    if !all_digits(int) || (int.len() > 1 && int.starts_with('0')) {
        return Number::Other;
    }
    let Some(frac) = frac else {
        if int.len() <= 18 && t != "-0" {
            return Number::Integer;
        }
        return Number::Other;
    };
    if !all_digits(frac) {
        return Number::Other;
    }
    // Java prints a double in [1e-3, 1e7) plainly, with the shortest digits that read back
    // as it. Two different decimals of at most 15 significant digits are different doubles,
    // so such a decimal's shortest form is itself: no trailing zero, no exponent needed.
    let lead = if int == "0" {
        frac.len() - frac.trim_start_matches('0').len()
    } else {
        0
    };
    let significant = if int == "0" { 0 } else { int.len() } + frac.len() - lead;
    if !frac.ends_with('0') && int.len() <= 7 && lead <= 2 && significant <= 15 {
        return Number::Plain;
    }
    t.parse::<f64>().map_or(Number::Other, Number::Decimal)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

    fn via_tape(doc: &str) -> String {
        let mut buf = doc.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut buf).unwrap();
        let mut out = String::new();
        super::super::json::write_json(&tape.0, &mut out);
        out
    }

    fn compact(doc: &str) -> Option<String> {
        let mut out = String::from("pre");
        if write_compact(doc.as_bytes(), &mut out) {
            Some(out.trim_start_matches("pre").to_string())
        } else {
            assert_eq!(out, "pre");
            None
        }
    }

    #[test]
    fn copies_when_identical_to_the_tape_writer() {
        for doc in [
            "{\"a\": 1, \"b\" : [true, false, null, 1.5, -2, 0, 16.990000000000002]}",
            " { } ",
            "[ [ ], { }, [ { \"a\" : [ ] } ] ]",
            "{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}},\"d\":\"e\"}",
            " { \"s\": \"q\\\"x\\\\y\\n\\t\\r\\b\\f é\" } ",
            "[\n  {\"i\": 0},\n  {\"i\": 1}\n]",
            "\"just a string\"",
            "42",
            "{\"long key with spaces\": \"abcdefghijklmnop\\\"qrstuvwxyz\\\\0123456789\\n\"}",
            "{\"k\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"k\": 0.001}",
        ] {
            assert_eq!(
                compact(doc).as_deref(),
                Some(via_tape(doc).as_str()),
                "{doc}"
            );
        }
    }

    /// What the scan accepts, the body parser accepts, and its tape writes the same bytes.
    fn check_sound(doc: &str) -> Result<(), TestCaseError> {
        if let Some(c) = compact(doc) {
            let mut buf = doc.as_bytes().to_vec();
            prop_assert!(
                simd_json::to_tape(&mut buf).is_ok(),
                "accepted non-JSON {doc:?}"
            );
            prop_assert_eq!(c, via_tape(doc));
        }
        Ok(())
    }

    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            any::<i32>().prop_map(|i| i.to_string()),
            (0u32..100_000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
            any::<f64>().prop_map(|f| f.to_string()),
            "[a-z \"\\\\/]{0,6}".prop_map(|s| format!("{s:?}")),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(" , "))),
                prop::collection::vec(("[a-z]{0,3}", inner), 0..4).prop_map(|v| {
                    let m: Vec<String> = v.iter().map(|(k, x)| format!("\"{k}\" :{x}")).collect();
                    format!("{{ {} }}", m.join(","))
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn accepts_only_what_the_parser_accepts(doc in "[\\[\\]{}\",:0-9.eE+\\- tfrueaslnx\\\\]{0,16}") {
            check_sound(&doc)?;
        }

        #[test]
        fn copies_exactly_what_the_tape_writes(doc in json_text()) {
            check_sound(&doc)?;
        }
    }

    #[test]
    fn declines_what_is_not_json() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        for doc in [
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\":}",
            "01",
            "[01]",
            "tru",
            "nul",
            "truex",
            "1 2",
            "{\"a\":1}}",
            "[1}",
            "{\"a\":1]",
            "\"abc",
            "{1:2}",
            "[1.]",
            "[.5]",
            "[-]",
            "[+1]",
            "[1-2]",
            "{\"a\":1,}",
            "[,1]",
            "{,}",
            "[]]",
            "\u{feff}{}",
            "[\"a\"\"b\"]",
            &deep,
        ] {
            assert_eq!(compact(doc), None, "{doc}");
        }
    }

    #[test]
    fn plain_decimals_are_checked_from_the_text() {
        for doc in [
            "[0.5, -0.5, 0.001, 0.0123, 123.456, 9999999.5, 249.99, 1.25, 3.14159265358979]",
            "[1.0, 100.0, 0.1, 16.990000000000002, 1234567.125]",
        ] {
            assert_eq!(
                compact(doc).as_deref(),
                Some(via_tape(doc).as_str()),
                "{doc}"
            );
        }
        for t in [
            "0.5",
            "0.001",
            "123.456",
            "9999999.5",
            "-2.75",
            "3.14159265358979",
        ] {
            assert!(matches!(number_kind(t), Number::Plain), "{t}");
        }
        for t in [
            "1.0",
            "1.50",
            "0.0001",
            "12345678.5",
            "3.141592653589793",
            "0.0",
        ] {
            assert!(!matches!(number_kind(t), Number::Plain), "{t}");
        }
    }

    #[test]
    fn declines_what_the_tape_writer_rewrites() {
        for doc in [
            "{\"a\": \"x\\/y\"}",
            "{\"a\": \"\\u0041\"}",
            "{\"a\": 1e5}",
            "{\"a\": 1.50}",
            "{\"a\": -0}",
            "{\"a\": 0.0001}",
            "{\"a\": 12345678901234567890123}",
            "   ",
        ] {
            assert_eq!(compact(doc), None, "{doc}");
        }
    }
}
