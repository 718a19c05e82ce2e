//! Where each key of a YAML file is: a map from key paths to line and column.
//!
//! The file is parsed twice: once here through saphyr-parser's event stream (which carries a
//! [`saphyr_parser::Span`] for every event) to learn positions, and once by serde_yaml_ng for
//! values. Paths are rendered as the rest of the loader names keys: `api.stage`,
//! `routes[2].integration.function`, `functions.orders.invokeUrl`. A map entry is positioned at
//! its key, a sequence item at its first character. This pass also reports what serde_yaml_ng
//! would silently accept or report without a key: duplicate keys and extra documents; and it
//! finds the integers too large for serde_yaml_ng to load at all ([`OversizedInteger`]), which
//! would otherwise end the whole check at the first one.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
}

impl Pos {
    /// The start of the file.
    pub const START: Pos = Pos { line: 1, column: 1 };

    fn from_marker(m: &Marker) -> Pos {
        Pos {
            line: m.line().max(1),
            column: m.col() + 1,
        }
    }
}

/// One node of the document.
#[derive(Debug, Clone)]
pub struct Node {
    /// Where the node is reported: its key for a map entry, else its first character.
    pub pos: Pos,
    /// The map key naming this node, when it is a map entry.
    pub key: Option<String>,
    /// The scalar's text, when the node is a scalar.
    pub scalar: Option<String>,
}

/// A problem the position pass found (syntax, duplicate key, extra document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionIssue {
    /// Key path of the problem (empty for syntax errors).
    pub path: String,
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

/// A plain integer that fits neither `i64` nor `u64`: serde_yaml_ng refuses the whole file for
/// it, so the loader loads a copy of the file with it quoted ([`Positions::quote_oversized`])
/// and an error about its key reports it as out of range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OversizedInteger {
    /// Key path of the value.
    pub path: String,
    /// Where it is reported: its key (or, in a sequence, the value).
    pub pos: Pos,
    /// The integer as written.
    pub text: String,
    /// Character offsets of the scalar in the file.
    start: usize,
    end: usize,
}

/// Whether plain scalar `text` is a YAML integer (decimal, `0x`, `0o`) out of `i64`/`u64` range.
fn is_oversized_integer(text: &str) -> bool {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(d) = unsigned.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = unsigned.strip_prefix("0o") {
        (8, d)
    } else {
        (10, unsigned)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    if negative {
        i64::from_str_radix(&format!("-{digits}"), radix).is_err()
    } else {
        u64::from_str_radix(digits, radix).is_err()
    }
}

/// Key paths of one YAML document and their positions.
#[derive(Debug, Default)]
pub struct Positions {
    nodes: HashMap<String, Node>,
    /// Paths in document order, for searches inside a subtree.
    order: Vec<String>,
    /// Duplicate keys and extra documents (not syntax errors: the file still parsed).
    pub issues: Vec<PositionIssue>,
    /// Integer values out of range, in document order.
    pub oversized: Vec<OversizedInteger>,
}

/// `parent.key` (or `key` at the root).
pub fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[index]`.
pub fn join_index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// Whether `path` is `prefix` or lies below it.
fn is_within(path: &str, prefix: &str) -> bool {
    if prefix.is_empty() {
        return true;
    }
    match path.strip_prefix(prefix) {
        Some("") => true,
        Some(rest) => rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

/// The parent of a path (`a.b[2].c` -> `a.b[2]` -> `a.b` -> `a` -> ``).
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    if path.ends_with(']') {
        if let Some(i) = path.rfind('[') {
            return Some(&path[..i]);
        }
    }
    Some(path.rfind('.').map_or("", |i| &path[..i]))
}

enum Frame {
    Map {
        path: String,
        key: Option<(String, Pos)>,
        seen: HashSet<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
    /// Inside a non-scalar map key (`? [a, b]: x`), which no config key uses.
    ComplexKey {
        depth: usize,
        pos: Pos,
    },
}

impl Positions {
    /// Parses `text`; a syntax error is returned as a positioned issue.
    pub fn parse(text: &str) -> Result<Positions, PositionIssue> {
        let mut out = Positions::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut documents = 0usize;
        for item in Parser::new_from_str(text) {
            let (event, span) = item.map_err(|e| PositionIssue {
                path: String::new(),
                pos: Pos::from_marker(e.marker()),
                message: e.info().to_string(),
            })?;
            let start = Pos::from_marker(&span.start);
            if let Some(Frame::ComplexKey { depth, pos }) = stack.last_mut() {
                match event {
                    Event::MappingStart(..) | Event::SequenceStart(..) => *depth += 1,
                    Event::MappingEnd | Event::SequenceEnd => *depth -= 1,
                    _ => {}
                }
                if *depth == 0 {
                    let pos = *pos;
                    stack.pop();
                    if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                        *key = Some(("<complex key>".to_string(), pos));
                    }
                }
                continue;
            }
            match event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        out.issues.push(PositionIssue {
                            path: String::new(),
                            pos: start,
                            message: "only one YAML document is allowed in a config file".into(),
                        });
                    }
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                Event::Scalar(..)
                | Event::Alias(_)
                | Event::MappingStart(..)
                | Event::SequenceStart(..) => {
                    if documents > 1 {
                        continue;
                    }
                    let scalar = match &event {
                        Event::Scalar(v, ..) => Some(v.to_string()),
                        _ => None,
                    };
                    let is_collection =
                        matches!(event, Event::MappingStart(..) | Event::SequenceStart(..));
                    // A map expecting a key: this node is the key, not a value.
                    if let Some(Frame::Map { path, key, seen }) = stack.last_mut() {
                        if key.is_none() {
                            match scalar {
                                Some(k) => {
                                    if !seen.insert(k.clone()) {
                                        out.issues.push(PositionIssue {
                                            path: join_key(path, &k),
                                            pos: start,
                                            message: format!("duplicate key '{k}'"),
                                        });
                                    }
                                    *key = Some((k, start));
                                }
                                None if is_collection => stack.push(Frame::ComplexKey {
                                    depth: 1,
                                    pos: start,
                                }),
                                None => *key = Some(("<alias key>".to_string(), start)),
                            }
                            continue;
                        }
                    }
                    let (path, pos, key) = match stack.last_mut() {
                        None => (String::new(), start, None),
                        Some(Frame::Map { path, key, .. }) => {
                            let (k, kpos) = key.take().unwrap_or_else(|| (String::new(), start));
                            (join_key(path, &k), kpos, Some(k))
                        }
                        Some(Frame::Seq { path, next }) => {
                            *next += 1;
                            (join_index(path, *next - 1), start, None)
                        }
                        Some(Frame::ComplexKey { .. }) => continue,
                    };
                    if let Event::Scalar(v, ScalarStyle::Plain, ..) = &event {
                        if is_oversized_integer(v) {
                            out.oversized.push(OversizedInteger {
                                path: path.clone(),
                                pos,
                                text: v.to_string(),
                                start: span.start.index(),
                                end: span.end.index(),
                            });
                        }
                    }
                    out.order.push(path.clone());
                    out.nodes
                        .entry(path.clone())
                        .or_insert(Node { pos, key, scalar });
                    match event {
                        Event::MappingStart(..) => stack.push(Frame::Map {
                            path,
                            key: None,
                            seen: HashSet::new(),
                        }),
                        Event::SequenceStart(..) => stack.push(Frame::Seq { path, next: 0 }),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// `text` (the file these positions were read from) with every [`OversizedInteger`] in
    /// double quotes, so that it loads, the values as strings.
    pub fn quote_oversized(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 2 * self.oversized.len());
        let mut next = self.oversized.iter().peekable();
        for (i, c) in text.chars().enumerate() {
            if next.peek().is_some_and(|o| o.start == i) {
                out.push('"');
            }
            if let Some(o) = next.peek() {
                if o.end == i {
                    out.push('"');
                    next.next();
                }
            }
            out.push(c);
        }
        if next.next().is_some() {
            out.push('"');
        }
        out
    }

    /// The node at exactly `path`.
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// The position of `path`, or of its nearest ancestor present in the file.
    pub fn locate(&self, path: &str) -> Pos {
        let mut p = Some(path);
        while let Some(cur) = p {
            if let Some(n) = self.nodes.get(cur) {
                return n.pos;
            }
            p = parent(cur);
        }
        Pos::START
    }

    /// The first map entry named `key` at or below `within`, in document order.
    pub fn find_key(&self, within: &str, key: &str) -> Option<&str> {
        self.find(within, |n| n.key.as_deref() == Some(key))
    }

    /// The first scalar whose text is `text` at or below `within`, in document order.
    pub fn find_scalar(&self, within: &str, text: &str) -> Option<&str> {
        self.find(within, |n| n.scalar.as_deref() == Some(text))
    }

    /// Paths at or below `within`, in document order.
    pub fn paths_within<'s>(&'s self, within: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.order
            .iter()
            .filter(move |p| is_within(p, within))
            .map(String::as_str)
    }

    fn find(&self, within: &str, pred: impl Fn(&Node) -> bool) -> Option<&str> {
        self.order
            .iter()
            .filter(|p| is_within(p, within))
            .find(|p| self.nodes.get(p.as_str()).is_some_and(&pred))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn oversized_integers_are_found_and_quoted() {
        for (text, oversized) in [
            ("18446744073709551615", false),
            ("18446744073709551616", true),
            ("-9223372036854775808", false),
            ("-9223372036854775809", true),
            ("+18446744073709551616", true),
            ("0xffffffffffffffff", false),
            ("0x10000000000000000", true),
            ("0o2000000000000000000000", true),
            ("1e30", false),
            ("12ab", false),
            ("-", false),
        ] {
            assert_eq!(is_oversized_integer(text), oversized, "{text}");
        }
        let text = "a: 99999999999999999999\nb: [1, -99999999999999999999]\nc: 'é' \nd: 0x10000000000000000";
        let p = Positions::parse(text).unwrap();
        let paths: Vec<_> = p.oversized.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(paths, ["a", "b[1]", "d"]);
        assert_eq!(
            p.quote_oversized(text),
            "a: \"99999999999999999999\"\nb: [1, \"-99999999999999999999\"]\nc: 'é' \nd: \"0x10000000000000000\""
        );
    }

    const DOC: &str = "\
listen: \"0.0.0.0:8080\"
api:
  type: REST
routes:
  - path: /a
    integration:
      function: orders
  - {path: /b, method: GET}
functions:
  orders: {invokeUrl: \"http://x\"}
";

    #[test]
    fn keys_and_items_have_positions() {
        let p = Positions::parse(DOC).unwrap();
        let at = |path: &str| {
            let n = p.get(path).unwrap();
            (n.pos.line, n.pos.column)
        };
        assert_eq!(at("listen"), (1, 1));
        assert_eq!(at("api.type"), (3, 3));
        assert_eq!(at("routes[0]"), (5, 5));
        assert_eq!(at("routes[0].integration.function"), (7, 7));
        assert_eq!(at("routes[1].method"), (8, 16));
        assert_eq!(at("functions.orders.invokeUrl"), (10, 12));
        assert_eq!(
            p.get("routes[0].integration.function")
                .unwrap()
                .scalar
                .as_deref(),
            Some("orders")
        );
        // Absent keys fall back to the nearest ancestor.
        assert_eq!(
            p.locate("routes[1].integration.type"),
            Pos { line: 8, column: 5 }
        );
        assert_eq!(p.locate("nothing.here"), Pos::START);
        assert_eq!(p.find_key("routes", "method"), Some("routes[1].method"));
        assert_eq!(
            p.find_scalar("functions", "http://x"),
            Some("functions.orders.invokeUrl")
        );
        assert!(p.issues.is_empty());
    }

    #[test]
    fn duplicate_keys_and_extra_documents_are_issues() {
        let p = Positions::parse("a: 1\nb:\n  c: 1\n  c: 2\n---\nx: 1\n").unwrap();
        assert_eq!(p.issues.len(), 2);
        assert_eq!(p.issues[0].path, "b.c");
        assert_eq!(p.issues[0].pos, Pos { line: 4, column: 3 });
        assert_eq!(p.issues[1].pos.line, 5);
    }

    #[test]
    fn syntax_errors_are_positioned() {
        let e = Positions::parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e:?}");
        let e = Positions::parse("a:\n  b: 1\n c: 2\n").unwrap_err();
        assert_eq!(e.pos.line, 3, "{e:?}");
    }

    #[test]
    fn parents() {
        assert_eq!(parent("a.b[2].c"), Some("a.b[2]"));
        assert_eq!(parent("a.b[2]"), Some("a.b"));
        assert_eq!(parent("a"), Some(""));
        assert_eq!(parent(""), None);
        assert!(is_within("routes[1].x", "routes[1]"));
        assert!(!is_within("routes[10]", "routes[1]"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "[a-z:{}\\[\\], \n\"'&*!|>#-]{0,80}") {
            if let Ok(p) = Positions::parse(&s) {
                let _ = p.locate("a.b[1].c");
            }
        }
    }
}
