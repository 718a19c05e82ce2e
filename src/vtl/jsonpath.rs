//! JSONPath (Jayway dialect subset, mapping.md §4.1), compiled once and evaluated over the
//! body tape without copying.
//!
//! Supported: `$`, `.name`, `['name']`, `["a b"]`, `['a','b']`, `[0]`, `[-1]`, `[0,2]`,
//! `[1:3]` (and `[:2]`, `[-2:]`, steps), `[*]`, `.*`, `..name`, `..*`, `..[i]`, filters
//! `[?(<expr>)]` with `@`/`$` paths, literals, `== != < <= > >=`, regex matches `=~ /re/flags`,
//! `in` / `nin` a list of literals, `&& || !`, parentheses and existence tests, and a trailing
//! `.length()`. Definite paths (names and single indexes only) yield one value or nothing; any
//! other path yields a list, as Jayway does.
//!
//! This file holds the paths and their evaluation; `jsonpath/filter.rs` the filter expressions.

mod filter;

use simd_json::Node;

use self::filter::{test, Filter};
use super::json;

/// A compiled JSONPath.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    src: String,
    segs: Vec<Seg>,
    definite: bool,
    length: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Child(String),
    Names(Vec<String>),
    Index(i64),
    Indexes(Vec<i64>),
    Slice(Option<i64>, Option<i64>, i64),
    Wildcard,
    Filter(Box<Filter>),
    Deep(Box<Seg>),
}

/// Result of evaluating a path.
#[derive(Debug, Clone)]
pub(crate) enum Found<'a> {
    /// Definite path: the value, if present.
    One(Option<&'a [Node<'a>]>),
    /// Indefinite path: every match in document order.
    Many(Vec<&'a [Node<'a>]>),
    /// `.length()`.
    Length(Option<usize>),
}

/// Deepest filter nesting accepted.
const MAX_DEPTH: usize = 32;

impl JsonPath {
    /// Compiles a path; the error says what is wrong.
    pub fn parse(src: &str) -> Result<JsonPath, String> {
        let mut p = P {
            s: src.trim().as_bytes(),
            i: 0,
            depth: 0,
        };
        if p.peek() != Some(b'$') {
            return Err("a path must start with '$'".into());
        }
        p.i += 1;
        let (segs, length) = p.segments(false)?;
        if p.i < p.s.len() {
            return Err(format!(
                "unexpected '{}' at offset {}",
                p.s[p.i] as char, p.i
            ));
        }
        let definite = segs
            .iter()
            .all(|s| matches!(s, Seg::Child(_) | Seg::Index(_)));
        Ok(JsonPath {
            src: src.to_string(),
            segs,
            definite,
            length,
        })
    }

    /// The path text as written.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Whether the path is `$` itself (the whole document).
    pub(crate) fn is_root(&self) -> bool {
        self.segs.is_empty() && !self.length
    }

    /// Whether the path yields at most one value (no wildcard, slice, union, filter, scan).
    pub fn is_definite(&self) -> bool {
        self.definite
    }

    /// Evaluates against a document.
    pub(crate) fn eval<'a>(&self, root: &'a [Node<'a>]) -> Found<'a> {
        if self.definite {
            // Names and single indexes: at most one value at each step, no lists needed.
            let mut cur = Some(root);
            for s in &self.segs {
                cur = cur.and_then(|v| step_definite(s, v));
            }
            if self.length {
                return Found::Length(cur.map(length_of));
            }
            return Found::One(cur);
        }
        let mut cur = vec![root];
        for s in &self.segs {
            let mut next = Vec::new();
            for v in &cur {
                apply(s, v, root, &mut next);
            }
            cur = next;
        }
        if self.length {
            return Found::Length(Some(cur.len()));
        }
        Found::Many(cur)
    }
}

fn length_of(v: &[Node<'_>]) -> usize {
    match v.first() {
        Some(Node::String(s)) => s.chars().count(),
        _ => json::len(v),
    }
}

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let k = if i < 0 { len + i } else { i };
    (0..len).contains(&k).then_some(k as usize)
}

/// One definite segment (`Child` / `Index`), as `apply` would yield it.
fn step_definite<'a>(s: &Seg, v: &'a [Node<'a>]) -> Option<&'a [Node<'a>]> {
    match s {
        Seg::Child(k) => json::obj_get(v, k),
        Seg::Index(i) => norm_index(*i, json::len(v))
            .filter(|_| json::is_array(v))
            .and_then(|k| json::arr_get(v, k)),
        _ => None,
    }
}

fn apply<'a>(s: &Seg, v: &'a [Node<'a>], root: &'a [Node<'a>], out: &mut Vec<&'a [Node<'a>]>) {
    match s {
        Seg::Child(k) => out.extend(json::obj_get(v, k)),
        Seg::Names(ks) => {
            for k in ks {
                out.extend(json::obj_get(v, k));
            }
        }
        Seg::Index(i) => {
            if let Some(k) = norm_index(*i, json::len(v)).filter(|_| json::is_array(v)) {
                out.extend(json::arr_get(v, k));
            }
        }
        Seg::Indexes(is) => {
            for i in is {
                apply(&Seg::Index(*i), v, root, out);
            }
        }
        Seg::Slice(from, to, step) => {
            if !json::is_array(v) || *step == 0 {
                return;
            }
            let len = json::len(v) as i64;
            let clamp = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
            let a = from.map_or(0, clamp);
            let b = to.map_or(len, clamp);
            let items: Vec<_> = json::arr_iter(v).collect();
            let mut k = a;
            while k < b {
                if let Some(x) = items.get(k as usize) {
                    out.push(x);
                }
                k += step.abs();
            }
        }
        Seg::Wildcard => {
            if json::is_object(v) {
                out.extend(json::obj_iter(v).map(|(_, x)| x));
            } else {
                out.extend(json::arr_iter(v));
            }
        }
        Seg::Filter(f) => {
            if json::is_array(v) {
                out.extend(json::arr_iter(v).filter(|x| test(f, x, root)));
            } else if json::is_object(v) && test(f, v, root) {
                out.push(v);
            }
        }
        Seg::Deep(inner) => {
            // Pre-order walk: the node itself, then its descendants.
            let mut stack = vec![v];
            while let Some(n) = stack.pop() {
                apply(inner, n, root, out);
                let kids: Vec<_> = if json::is_object(n) {
                    json::obj_iter(n).map(|(_, x)| x).collect()
                } else {
                    json::arr_iter(n).collect()
                };
                stack.extend(kids.into_iter().rev());
            }
        }
    }
}

struct P<'s> {
    s: &'s [u8],
    i: usize,
    depth: usize,
}

impl<'s> P<'s> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    /// Segments until the end (or, inside a filter, until a non-path character).
    fn segments(&mut self, in_filter: bool) -> Result<(Vec<Seg>, bool), String> {
        let mut segs = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') if self.s.get(self.i + 1) == Some(&b'.') => {
                    self.i += 2;
                    let inner = match self.peek() {
                        Some(b'[') => self.bracket()?,
                        Some(b'*') => {
                            self.i += 1;
                            Seg::Wildcard
                        }
                        _ => Seg::Child(self.name()?),
                    };
                    segs.push(Seg::Deep(Box::new(inner)));
                }
                Some(b'.') => {
                    self.i += 1;
                    if self.peek() == Some(b'*') {
                        self.i += 1;
                        segs.push(Seg::Wildcard);
                    } else if !in_filter && self.eat("length()") {
                        if self.i != self.s.len() {
                            return Err("length() must end the path".into());
                        }
                        return Ok((segs, true));
                    } else {
                        segs.push(Seg::Child(self.name()?));
                    }
                }
                Some(b'[') => segs.push(self.bracket()?),
                _ => return Ok((segs, false)),
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if matches!(
                c,
                b'.' | b'[' | b']' | b' ' | b')' | b'(' | b'=' | b'<' | b'>' | b'!' | b'&' | b'|'
            ) {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            return Err(format!("expected a property name at offset {start}"));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn quoted(&mut self) -> Result<String, String> {
        let q = self.peek().ok_or("unexpected end")?;
        self.i += 1;
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            if c == b'\\' {
                if let Some(n) = self.peek() {
                    out.push(n);
                    self.i += 1;
                }
                continue;
            }
            if c == q {
                return Ok(String::from_utf8_lossy(&out).into_owned());
            }
            out.push(c);
        }
        Err("unterminated quoted name".into())
    }

    fn int(&mut self) -> Result<i64, String> {
        self.skip_ws();
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("expected an integer at offset {start}"))
    }

    fn bracket(&mut self) -> Result<Seg, String> {
        self.i += 1; // '['
        self.skip_ws();
        let seg = match self.peek() {
            Some(b'*') => {
                self.i += 1;
                Seg::Wildcard
            }
            Some(b'?') => {
                self.i += 1;
                self.skip_ws();
                if !self.eat("(") {
                    return Err("expected '(' after '?'".into());
                }
                let f = self.filter_or()?;
                self.skip_ws();
                if !self.eat(")") {
                    return Err("expected ')' closing the filter".into());
                }
                Seg::Filter(Box::new(f))
            }
            Some(b'\'' | b'"') => {
                let mut names = vec![self.quoted()?];
                loop {
                    self.skip_ws();
                    if !self.eat(",") {
                        break;
                    }
                    self.skip_ws();
                    names.push(self.quoted()?);
                }
                if names.len() == 1 {
                    Seg::Child(names.remove(0))
                } else {
                    Seg::Names(names)
                }
            }
            _ => {
                let from = if self.peek() == Some(b':') {
                    None
                } else {
                    Some(self.int()?)
                };
                self.skip_ws();
                if self.eat(":") {
                    self.skip_ws();
                    let to = if matches!(self.peek(), Some(b']' | b':')) {
                        None
                    } else {
                        Some(self.int()?)
                    };
                    let step = if self.eat(":") { self.int()? } else { 1 };
                    Seg::Slice(from, to, step)
                } else {
                    let first = from.ok_or("expected an index")?;
                    let mut idx = vec![first];
                    while self.eat(",") {
                        idx.push(self.int()?);
                        self.skip_ws();
                    }
                    if idx.len() == 1 {
                        Seg::Index(first)
                    } else {
                        Seg::Indexes(idx)
                    }
                }
            }
        };
        self.skip_ws();
        if !self.eat("]") {
            return Err(format!("expected ']' at offset {}", self.i));
        }
        Ok(seg)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn run(doc: &str, path: &str) -> String {
        let mut buf = doc.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut buf).unwrap();
        let p = JsonPath::parse(path).unwrap();
        let mut out = String::new();
        match p.eval(&tape.0) {
            Found::One(Some(v)) => json::write_json(v, &mut out),
            Found::One(None) => out.push_str("<none>"),
            Found::Many(vs) => {
                out.push('[');
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json::write_json(v, &mut out);
                }
                out.push(']');
            }
            Found::Length(n) => out.push_str(&format!("{n:?}")),
        }
        out
    }

    #[test]
    fn jayway_subset() {
        let d = r#"{"a":{"b":[1,2,3,4]},"s":[{"p":5,"n":"x"},{"p":15,"n":"y"}],"k b":true}"#;
        assert_eq!(run(d, "$"), d);
        assert_eq!(run(d, "$.a.b[0]"), "1");
        assert_eq!(run(d, "$.a.b[-1]"), "4");
        assert_eq!(run(d, "$['k b']"), "true");
        assert_eq!(run(d, "$[\"k b\"]"), "true");
        assert_eq!(run(d, "$.a.b[*]"), "[1,2,3,4]");
        assert_eq!(run(d, "$.a.b[0,2]"), "[1,3]");
        assert_eq!(run(d, "$.a.b[1:3]"), "[2,3]");
        assert_eq!(run(d, "$.a.b[-2:]"), "[3,4]");
        assert_eq!(run(d, "$.s[*].n"), r#"["x","y"]"#);
        assert_eq!(run(d, "$..n"), r#"["x","y"]"#);
        assert_eq!(run(d, "$.s[?(@.p < 10)].n"), r#"["x"]"#);
        assert_eq!(run(d, "$.s[?(@.n == 'y' || @.p == 5)].p"), "[5,15]");
        assert_eq!(run(d, "$.a.b.length()"), "Some(4)");
        assert_eq!(run(d, "$.missing"), "<none>");
        assert!(JsonPath::parse("a.b").is_err());
        assert!(JsonPath::parse("$.a[").is_err());
    }

    /// Jayway's `=~`: a whole-input Java match of the value's text, flags after the slash.
    #[test]
    fn regex_filters() {
        let d = r#"{"l":[{"n":"xa","p":1},{"n":"Ya","p":2.5},{"n":"a/b","t":true},{"p":12}]}"#;
        assert_eq!(run(d, "$.l[?(@.n =~ /x.*/)].n"), r#"["xa"]"#);
        assert_eq!(run(d, "$.l[?(@.n =~ /a/)].n"), "[]");
        assert_eq!(run(d, "$.l[?(@.n =~ /y.*/i)].n"), r#"["Ya"]"#);
        assert_eq!(run(d, "$.l[?(@.n=~/Y.*/)].n"), r#"["Ya"]"#);
        assert_eq!(run(d, r"$.l[?(@.n =~ /a\/b/)].n"), r#"["a/b"]"#);
        assert_eq!(run(d, "$.l[?(@.p =~ /1/)].p"), "[1]");
        assert_eq!(run(d, "$.l[?(@.p =~ /2\\.5/)].p"), "[2.5]");
        assert_eq!(run(d, "$.l[?(@.t =~ /tr.e/)].t"), "[true]");
        assert_eq!(run(d, "$.l[?(@.n =~ /x/ || @.p =~ /12/)].p"), "[12]");
        // Numbers as their parser typed them: `2.0` stays a decimal, big integers keep digits.
        let d = r#"{"l":[{"p":2.0},{"p":9007199254740993},{"p":1e20}]}"#;
        assert_eq!(run(d, r"$.l[?(@.p =~ /2\.0/)].p"), "[2.0]");
        assert_eq!(
            run(d, "$.l[?(@.p =~ /9007199254740993/)].p"),
            "[9007199254740993]"
        );
        assert_eq!(run(d, r"$.l[?(@.p =~ /1\.0E20/)].p"), "[1.0E20]");
        assert!(JsonPath::parse("$.l[?(@.n =~ /[/)]").is_err());
        assert!(JsonPath::parse("$.l[?(@.n =~ /x)]").is_err());
    }

    /// Jayway's `in` / `nin`: equal to one (none) of the listed literals.
    #[test]
    fn in_and_nin_filters() {
        let d = r#"{"l":[{"n":"a","p":1},{"n":"b","p":2},{"n":"c"}]}"#;
        assert_eq!(run(d, "$.l[?(@.n in ['a', 'c'])].n"), r#"["a","c"]"#);
        assert_eq!(run(d, "$.l[?(@.p in [2, 3.0])].n"), r#"["b"]"#);
        assert_eq!(run(d, "$.l[?(@.n nin ['a'])].n"), r#"["b","c"]"#);
        assert_eq!(run(d, "$.l[?(@.n in [])].n"), "[]");
        assert!(JsonPath::parse("$.l[?(@.n in ['a')]").is_err());
        assert!(JsonPath::parse("$.l[?(@.n in [@.p])]").is_err());
    }
}
