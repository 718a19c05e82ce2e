//! The parsed request/response body: a simd-json tape, read in place.
//!
//! Why the tape and not `BorrowedValue`: both are zero-copy (strings point into the one
//! mutable copy of the body simd-json needs), but `BorrowedValue` objects are halfbrown maps
//! that lose document order past a handful of keys, while templates observe key order
//! (`{k=v}` rendering, `$input.json`, `keySet()`). The tape is a flat, document-ordered
//! `Vec<Node>`; a value is the slice covering its nodes, so navigation is slicing and
//! iteration is a linear walk with no allocation. Object lookup is a linear scan, which is
//! what small API payloads want anyway.

use simd_json::{Node, StaticNode};
use smallvec::SmallVec;

use super::java_compat;

/// Number of tape nodes a value occupies (itself plus nested nodes).
pub(crate) fn extent(n: &Node<'_>) -> usize {
    match n {
        Node::Object { count, .. } | Node::Array { count, .. } => *count + 1,
        _ => 1,
    }
}

/// The value starting at `j[at]`.
fn value_at<'a>(j: &'a [Node<'a>], at: usize) -> Option<&'a [Node<'a>]> {
    let n = j.get(at)?;
    j.get(at..at + extent(n))
}

pub(crate) fn is_object(j: &[Node<'_>]) -> bool {
    matches!(j.first(), Some(Node::Object { .. }))
}

pub(crate) fn is_array(j: &[Node<'_>]) -> bool {
    matches!(j.first(), Some(Node::Array { .. }))
}

/// Number of members / elements.
pub(crate) fn len(j: &[Node<'_>]) -> usize {
    match j.first() {
        Some(Node::Object { len, .. } | Node::Array { len, .. }) => *len,
        _ => 0,
    }
}

/// Object members in document order.
pub(crate) fn obj_iter<'a>(j: &'a [Node<'a>]) -> impl Iterator<Item = (&'a str, &'a [Node<'a>])> {
    let n = if is_object(j) { len(j) } else { 0 };
    let mut at = 1;
    (0..n).map_while(move |_| {
        let key = match j.get(at)? {
            Node::String(s) => *s,
            _ => return None,
        };
        let v = value_at(j, at + 1)?;
        at += 1 + v.len();
        Some((key, v))
    })
}

/// Array elements in order.
pub(crate) fn arr_iter<'a>(j: &'a [Node<'a>]) -> impl Iterator<Item = &'a [Node<'a>]> {
    let n = if is_array(j) { len(j) } else { 0 };
    let mut at = 1;
    (0..n).map_while(move |_| {
        let v = value_at(j, at)?;
        at += v.len();
        Some(v)
    })
}

/// First member named `key` (JSON allows duplicates; Java parsers keep one, we keep the first).
pub(crate) fn obj_get<'a>(j: &'a [Node<'a>], key: &str) -> Option<&'a [Node<'a>]> {
    // A direct walk (the hot lookup of `$item.field` in loops); same result as `obj_iter`.
    let n = if is_object(j) { len(j) } else { 0 };
    let mut at = 1;
    for _ in 0..n {
        let Node::String(k) = j.get(at)? else {
            return None;
        };
        let end = at + 1 + extent(j.get(at + 1)?);
        if *k == key {
            return j.get(at + 1..end);
        }
        at = end;
    }
    None
}

pub(crate) fn arr_get<'a>(j: &'a [Node<'a>], idx: usize) -> Option<&'a [Node<'a>]> {
    arr_iter(j).nth(idx)
}

/// Writes a JSON string literal.
pub(crate) fn write_string(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut last = 0;
    // Most strings need no escaping at all: plain runs are skipped a word at a time.
    while let Some(i) = next_special(bytes, last) {
        let b = bytes[i];
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            _ => "",
        };
        out.push_str(&s[last..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(esc);
        }
        last = i + 1;
    }
    out.push_str(&s[last..]);
    out.push('"');
}

/// For eight bytes: the high bit of each byte that is `"`, a backslash or a control
/// character (SWAR). Bits above a set bit may be false positives; the lowest is exact, so
/// `trailing_zeros() / 8` is the index of the first such byte, and 0 means none.
pub(crate) fn special_bytes(w: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut word = [0u8; 8];
    word.copy_from_slice(w);
    let w = u64::from_le_bytes(word);
    // One test for control characters and `"`: flipping bit 1 maps `"` (0x22) to 0x20 and
    // keeps 0x00-0x1f among themselves, so exactly those bytes fall below 0x21.
    let x = w ^ (ONES * 0x02);
    let below = x.wrapping_sub(ONES * 0x21) & !x;
    let bs = w ^ (ONES * u64::from(b'\\'));
    let backslash = bs.wrapping_sub(ONES) & !bs;
    (below | backslash) & HIGH
}

/// The index of the first `"`, backslash or control character in `b` at or after `i`, if
/// any: plain bytes are skipped a word at a time ([`special_bytes`]).
#[inline(always)]
pub(crate) fn next_special(b: &[u8], mut i: usize) -> Option<usize> {
    while let Some(w) = b.get(i..i + 8) {
        let m = special_bytes(w);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let tail = b.get(i..)?;
    tail.iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|k| i + k)
}

/// The index just past the closing quote of the JSON string whose source starts at `i`, or
/// `None` at a control character or the end of `b`. At a backslash, `escape` gets the index of
/// the escape's letter and returns the index after the escape, or `None` for one the caller
/// refuses. Inlined: its callers scan many short strings, where a call costs about as much as
/// the scan.
#[inline(always)]
pub(crate) fn string_end(
    b: &[u8],
    mut i: usize,
    escape: impl Fn(&[u8], usize) -> Option<usize>,
) -> Option<usize> {
    loop {
        let at = next_special(b, i)?;
        match b[at] {
            b'"' => return Some(at + 1),
            b'\\' => i = escape(b, at + 1)?,
            _ => return None,
        }
    }
}

fn write_static(n: &StaticNode, out: &mut String) -> bool {
    match n {
        StaticNode::I64(i) => out.push_str(itoa::Buffer::new().format(*i)),
        StaticNode::U64(u) => out.push_str(itoa::Buffer::new().format(*u)),
        StaticNode::F64(f) => java_compat::write_double(*f, out),
        StaticNode::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        StaticNode::Null => return false,
    }
    true
}

/// Compact JSON, key order preserved.
pub(crate) fn write_json(j: &[Node<'_>], out: &mut String) {
    // Iterative walk over the flat tape: a stack of "members left" per open container.
    // Inline for the usual nesting depth: no allocation per call.
    let mut stack: SmallVec<[(bool, usize, bool); 16]> = SmallVec::new(); // (is_object, remaining, first)
    let mut i = 0;
    while i < j.len() {
        if let Some((is_obj, remaining, first)) = stack.last_mut() {
            if *remaining == 0 {
                out.push(if *is_obj { '}' } else { ']' });
                stack.pop();
                continue;
            }
            if !*first {
                out.push(',');
            }
            *first = false;
            *remaining -= 1;
            if *is_obj {
                if let Node::String(k) = &j[i] {
                    write_string(k, out);
                }
                out.push(':');
                i += 1;
            }
        }
        match &j[i] {
            Node::String(s) => write_string(s, out),
            Node::Static(s) => {
                if !write_static(s, out) {
                    out.push_str("null");
                }
            }
            Node::Object { len, .. } => {
                out.push('{');
                stack.push((true, *len, true));
            }
            Node::Array { len, .. } => {
                out.push('[');
                stack.push((false, *len, true));
            }
        }
        i += 1;
        if stack.is_empty() {
            break;
        }
    }
    while let Some((is_obj, _, _)) = stack.pop() {
        out.push(if is_obj { '}' } else { ']' });
    }
}

/// Java `toString()` of a parsed JSON value as API Gateway shows it: objects as `{k=v, ...}`,
/// arrays as compact JSON, strings raw.
pub(crate) fn write_java(j: &[Node<'_>], out: &mut String) {
    write_java_at(j, out, false);
}

fn write_java_at(j: &[Node<'_>], out: &mut String, nested: bool) {
    match j.first() {
        Some(Node::Object { .. }) => {
            out.push('{');
            for (i, (k, v)) in obj_iter_any(j).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                write_java_at(v, out, true);
            }
            out.push('}');
        }
        Some(Node::Array { .. }) => write_json(j, out),
        Some(Node::String(s)) => out.push_str(s),
        Some(Node::Static(s)) => {
            // `write_static` writes nothing for null; nested nulls print as Java does.
            let wrote = write_static(s, out);
            if !wrote && nested {
                out.push_str("null");
            }
        }
        None => {}
    }
}

// `obj_iter` with a lifetime-agnostic signature for the writers.
fn obj_iter_any<'t, 'i>(j: &'t [Node<'i>]) -> impl Iterator<Item = (&'t str, &'t [Node<'i>])> {
    let n = if is_object(j) { len(j) } else { 0 };
    let mut at = 1;
    (0..n).map_while(move |_| {
        let key: &'t str = match j.get(at)? {
            Node::String(s) => s,
            _ => return None,
        };
        let n = j.get(at + 1)?;
        let v = j.get(at + 1..at + 1 + extent(n))?;
        at += 1 + v.len();
        Some((key, v))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tape_keeps_document_order_and_round_trips() {
        let mut keys = String::from("{");
        for i in (0..40).rev() {
            keys.push_str(&format!("\"k{i}\": {i},"));
        }
        keys.push_str("\"z\": [1, {\"a\": \"x\\\"y\"}, null, 1.5, true]}");
        let mut buf = keys.clone().into_bytes();
        let tape = simd_json::to_tape(&mut buf).unwrap();
        let j = &tape.0[..];
        let ks: Vec<&str> = obj_iter(j).map(|(k, _)| k).collect();
        assert_eq!(ks[0], "k39");
        assert_eq!(ks[39], "k0");
        let mut out = String::new();
        write_json(j, &mut out);
        let a: serde_json::Value = serde_json::from_str(&out).unwrap();
        let b: serde_json::Value = serde_json::from_str(&keys).unwrap();
        assert_eq!(a, b);
        let z = obj_get(j, "z").unwrap();
        assert_eq!(len(z), 5);
        let mut s = String::new();
        write_java(arr_get(z, 1).unwrap(), &mut s);
        assert_eq!(s, "{a=x\"y}");
    }

    /// Every byte at every position, after every byte: the lowest flagged byte is exactly the
    /// first one JSON must escape (`"`, backslash, below 0x20), and nothing is flagged without one.
    #[test]
    fn special_bytes_finds_exactly_the_first_byte_to_escape() {
        let escapes = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
        for before in 0..=255u8 {
            for after in 0..=255u8 {
                for at in 0..7 {
                    let mut w = [b'a'; 8];
                    w[at] = before;
                    w[at + 1] = after;
                    let want = w.iter().position(|&b| escapes(b));
                    let mask = special_bytes(&w);
                    let got = (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize);
                    assert_eq!(got, want, "{w:?}");
                }
            }
        }
    }
}
