//! `$input.json('$')` straight from the body's source bytes.
//!
//! Re-serializing the whole tape (`json::write_json`) decodes and re-escapes every string and
//! re-formats every number. For the common body, the source text minus its insignificant
//! whitespace is already exactly that output, so it can be copied in runs instead. The copy is
//! taken only when that equality is certain; anything the re-serializer would write
//! differently (`\/`, `\u` escapes, raw control characters, exponents, `-0`, numbers Java
//! prints another way) makes [`write_compact`] give up, leaving `out` as it was, and the
//! caller falls back to the tape.

use super::java_compat;
use super::json;

/// Appends the compact form of `src`, a document the JSON parser accepted. Returns `false`
/// (and leaves `out` unchanged) when the copy might differ from re-serializing the tape.
pub(crate) fn write_compact(src: &[u8], out: &mut String) -> bool {
    let start = out.len();
    let ok = std::str::from_utf8(src).is_ok_and(|s| copy_runs(s, out));
    if !ok {
        out.truncate(start);
    }
    ok
}

fn copy_runs(s: &str, out: &mut String) -> bool {
    let b = s.as_bytes();
    // Valid JSON needs at least one non-whitespace byte (a blank body reads as `{}`).
    if b.iter().all(|c| is_ws(*c)) {
        return false;
    }
    out.reserve(b.len());
    let mut run = 0;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                out.push_str(s.get(run..i).unwrap_or(""));
                while b.get(i).is_some_and(|c| is_ws(*c)) {
                    i += 1;
                }
                run = i;
            }
            b'"' => match string_end(b, i + 1) {
                Some(end) => i = end,
                None => return false,
            },
            b'-' | b'0'..=b'9' => {
                let end = i + b[i..]
                    .iter()
                    .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .unwrap_or(b.len() - i);
                let text = s.get(i..end).unwrap_or("");
                match number_kind(text) {
                    Number::Integer => {}
                    Number::Decimal(v) => {
                        // Written as the tape writer would, then checked against the source.
                        out.push_str(s.get(run..i).unwrap_or(""));
                        let at = out.len();
                        java_compat::write_double(v, out);
                        if out.get(at..) != Some(text) {
                            return false;
                        }
                        run = end;
                    }
                    Number::Other => return false,
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out.push_str(s.get(run..).unwrap_or(""));
    true
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Index just past the closing quote of the string whose content starts at `i`, when the
/// string's source is what the JSON string writer would write for its decoded value: plain
/// characters and the escapes `\" \\ \n \r \t \b \f` only.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        if let Some(w) = b.get(i..i + 8) {
            let m = json::special_bytes(w);
            if m == 0 {
                i += 8;
                continue;
            }
            i += (m.trailing_zeros() / 8) as usize;
        }
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match b.get(i + 1)? {
                b'"' | b'\\' | b'n' | b'r' | b't' | b'b' | b'f' => i += 2,
                _ => return None,
            },
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

enum Number {
    /// At most 18 digits, not `-0`: an exact `i64`/`u64` the writer prints as written.
    Integer,
    /// A plain decimal (no exponent): printed as written only if Java prints it so.
    Decimal(f64),
    /// Anything else (exponents, long integers, `-0`): not copied.
    Other,
}

fn number_kind(t: &str) -> Number {
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.bytes().all(|c| c.is_ascii_digit()) {
        if !digits.is_empty() && digits.len() <= 18 && t != "-0" {
            return Number::Integer;
        }
        return Number::Other;
    }
    if t.bytes().any(|c| matches!(c, b'e' | b'E' | b'+')) {
        return Number::Other;
    }
    t.parse::<f64>().map_or(Number::Other, Number::Decimal)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
