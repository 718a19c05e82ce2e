//! JSONPath filters (`[?(<expr>)]`): their parsed form, how the path parser reads them and how
//! they are tested against a candidate node, as Jayway evaluates them.
//!
//! Operands are `@`/`$` paths (definite segments only), numbers, strings, booleans and `null`;
//! operators `== != < <= > >=`, regex matches `=~ /re/flags`, `in` / `nin` a list of literals,
//! `&& || !`, parentheses and existence tests.

use std::sync::Arc;

use simd_json::{Node, StaticNode};

use super::{apply, Seg, MAX_DEPTH, P};
use crate::vtl::java_compat;
use crate::vtl::java_regex::JavaRegex;
use crate::vtl::json;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Filter {
    Exists(Operand),
    Cmp(Operand, CmpOp, Operand),
    /// `<operand> =~ /regex/flags`: Jayway's `RegexMatchEvaluator`, a whole-input Java match.
    Match(Operand, Pattern),
    /// `<operand> in [..]` (`nin` is its negation): equal, as `==` is, to one of the literals.
    In(Operand, Vec<Operand>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

/// A compiled `/regex/flags` literal (compared by its source text).
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    src: String,
    re: Arc<JavaRegex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.src == other.src
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Operand {
    /// `@...` (relative) or `$...` (root); definite segments only.
    Path {
        root: bool,
        segs: Vec<Seg>,
    },
    Num(f64),
    Str(String),
    Bool(bool),
    Null,
}

#[derive(Debug, PartialEq)]
pub(super) enum Scalar<'a> {
    Num(f64),
    Str(&'a str),
    Bool(bool),
    Null,
    Other,
}

/// The node a definite `@`/`$` path names, if present.
fn node<'a>(
    from_root: bool,
    segs: &[Seg],
    at: &'a [Node<'a>],
    root: &'a [Node<'a>],
) -> Option<&'a [Node<'a>]> {
    let mut cur = if from_root { root } else { at };
    for s in segs {
        let mut next = Vec::new();
        apply(s, cur, root, &mut next);
        cur = next.first().copied()?;
    }
    Some(cur)
}

pub(super) fn resolve<'a>(
    o: &'a Operand,
    at: &'a [Node<'a>],
    root: &'a [Node<'a>],
) -> Option<Scalar<'a>> {
    Some(match o {
        Operand::Num(n) => Scalar::Num(*n),
        Operand::Str(s) => Scalar::Str(s),
        Operand::Bool(b) => Scalar::Bool(*b),
        Operand::Null => Scalar::Null,
        Operand::Path { root: r, segs } => match node(*r, segs, at, root)?.first()? {
            Node::String(s) => Scalar::Str(s),
            Node::Static(StaticNode::I64(i)) => Scalar::Num(*i as f64),
            Node::Static(StaticNode::U64(u)) => Scalar::Num(*u as f64),
            Node::Static(StaticNode::F64(f)) => Scalar::Num(*f),
            Node::Static(StaticNode::Bool(b)) => Scalar::Bool(*b),
            Node::Static(StaticNode::Null) => Scalar::Null,
            _ => Scalar::Other,
        },
    })
}

pub(super) fn test<'a>(f: &'a Filter, at: &'a [Node<'a>], root: &'a [Node<'a>]) -> bool {
    match f {
        Filter::Exists(o) => resolve(o, at, root).is_some(),
        Filter::And(a, b) => test(a, at, root) && test(b, at, root),
        Filter::Or(a, b) => test(a, at, root) || test(b, at, root),
        Filter::Not(a) => !test(a, at, root),
        Filter::Match(o, p) => {
            // Jayway matches the text of a string, number or boolean; anything else (null,
            // a container, a missing path) is matched as the empty string.
            let mut text = String::new();
            match o {
                // A document number as its parser typed it: integers as digits, decimals as
                // Java's `Double.toString` (`2.0`, `1.0E20`).
                Operand::Path { root: r, segs } => {
                    let scalar = node(*r, segs, at, root)
                        .filter(|n| matches!(n.first(), Some(Node::String(_) | Node::Static(_))));
                    if let Some(n) = scalar {
                        json::write_java(n, &mut text);
                    }
                }
                _ => match resolve(o, at, root) {
                    Some(Scalar::Str(s)) => text.push_str(s),
                    Some(Scalar::Num(n)) => write_number(n, &mut text),
                    Some(Scalar::Bool(b)) => text.push_str(if b { "true" } else { "false" }),
                    _ => {}
                },
            }
            p.re.full_match(&text).unwrap_or(false)
        }
        Filter::In(a, list) => list.iter().any(|b| compare(a, CmpOp::Eq, b, at, root)),
        Filter::Cmp(a, op, b) => compare(a, *op, b, at, root),
    }
}

fn compare<'a>(
    a: &'a Operand,
    op: CmpOp,
    b: &'a Operand,
    at: &'a [Node<'a>],
    root: &'a [Node<'a>],
) -> bool {
    let (Some(x), Some(y)) = (resolve(a, at, root), resolve(b, at, root)) else {
        return op == CmpOp::Ne;
    };
    let ord = match (&x, &y) {
        (Scalar::Num(p), Scalar::Num(q)) => p.partial_cmp(q),
        (Scalar::Str(p), Scalar::Str(q)) => Some(p.cmp(q)),
        _ => {
            let eq = x == y;
            return match op {
                CmpOp::Eq => eq,
                CmpOp::Ne => !eq,
                _ => false,
            };
        }
    };
    let Some(o) = ord else {
        return op == CmpOp::Ne;
    };
    match op {
        CmpOp::Eq => o.is_eq(),
        CmpOp::Ne => o.is_ne(),
        CmpOp::Lt => o.is_lt(),
        CmpOp::Le => o.is_le(),
        CmpOp::Gt => o.is_gt(),
        CmpOp::Ge => o.is_ge(),
    }
}

/// A filter number as text: integral values as digits, others as Java's `Double.toString`.
fn write_number(n: f64, out: &mut String) {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        out.push_str(itoa::Buffer::new().format(n as i64));
    } else {
        java_compat::write_double(n, out);
    }
}

impl P<'_> {
    pub(super) fn filter_or(&mut self) -> Result<Filter, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("filter nested too deeply".into());
        }
        let mut a = self.filter_and()?;
        loop {
            self.skip_ws();
            if !self.eat("||") {
                break;
            }
            let b = self.filter_and()?;
            a = Filter::Or(Box::new(a), Box::new(b));
        }
        self.depth -= 1;
        Ok(a)
    }

    fn filter_and(&mut self) -> Result<Filter, String> {
        let mut a = self.filter_atom()?;
        loop {
            self.skip_ws();
            if !self.eat("&&") {
                break;
            }
            let b = self.filter_atom()?;
            a = Filter::And(Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn filter_atom(&mut self) -> Result<Filter, String> {
        self.skip_ws();
        if self.peek() == Some(b'!') && self.s.get(self.i + 1) != Some(&b'=') {
            self.i += 1;
            return Ok(Filter::Not(Box::new(self.filter_atom()?)));
        }
        if self.eat("(") {
            let f = self.filter_or()?;
            self.skip_ws();
            if !self.eat(")") {
                return Err("expected ')'".into());
            }
            return Ok(f);
        }
        let a = self.operand()?;
        self.skip_ws();
        if self.eat("=~") {
            self.skip_ws();
            return Ok(Filter::Match(a, self.pattern()?));
        }
        if self.eat("nin") {
            return Ok(Filter::Not(Box::new(Filter::In(a, self.literal_list()?))));
        }
        if self.eat("in") {
            return Ok(Filter::In(a, self.literal_list()?));
        }
        let op = if self.eat("==") {
            CmpOp::Eq
        } else if self.eat("!=") {
            CmpOp::Ne
        } else if self.eat("<=") {
            CmpOp::Le
        } else if self.eat(">=") {
            CmpOp::Ge
        } else if self.eat("<") {
            CmpOp::Lt
        } else if self.eat(">") {
            CmpOp::Gt
        } else {
            return Ok(Filter::Exists(a));
        };
        let b = self.operand()?;
        Ok(Filter::Cmp(a, op, b))
    }

    /// `/regex/flags` (Jayway's `PatternNode`): the text between the slashes, where `\/` does
    /// not close it, compiled as a Java regex; flag letters `d i m s u x U` become embedded
    /// flags and other letters are ignored, as in Jayway's `PatternFlag.parseFlags`.
    fn pattern(&mut self) -> Result<Pattern, String> {
        if !self.eat("/") {
            return Err(format!(
                "expected '/' starting a regex at offset {}",
                self.i
            ));
        }
        let start = self.i;
        loop {
            match self.peek() {
                Some(b'\\') => self.i += 2,
                Some(b'/') => break,
                Some(_) => self.i += 1,
                None => return Err("unterminated regex".into()),
            }
        }
        let body = std::str::from_utf8(self.s.get(start..self.i).unwrap_or_default())
            .map_err(|_| "invalid regex".to_string())?;
        self.i += 1;
        let mut flags = String::new();
        while let Some(c) = self.peek().filter(u8::is_ascii_alphabetic) {
            if b"dimsuxU".contains(&c) && !flags.contains(char::from(c)) {
                flags.push(char::from(c));
            }
            self.i += 1;
        }
        let src = if flags.is_empty() {
            body.to_string()
        } else {
            format!("(?{flags}){body}")
        };
        let re = JavaRegex::new(&src).map_err(|e| format!("invalid regex /{body}/: {e}"))?;
        Ok(Pattern {
            src,
            re: Arc::new(re),
        })
    }

    /// `[lit, lit, ...]`, the right side of `in` / `nin`.
    fn literal_list(&mut self) -> Result<Vec<Operand>, String> {
        self.skip_ws();
        if !self.eat("[") {
            return Err(format!("expected '[' at offset {}", self.i));
        }
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if items.is_empty() && self.eat("]") {
                return Ok(items);
            }
            let item = self.operand()?;
            if matches!(item, Operand::Path { .. }) {
                return Err("expected a literal in the list".into());
            }
            items.push(item);
            self.skip_ws();
            if self.eat("]") {
                return Ok(items);
            }
            if !self.eat(",") {
                return Err(format!("expected ',' or ']' at offset {}", self.i));
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        self.skip_ws();
        match self.peek() {
            Some(c @ (b'@' | b'$')) => {
                self.i += 1;
                let (segs, _) = self.segments(true)?;
                if !segs
                    .iter()
                    .all(|s| matches!(s, Seg::Child(_) | Seg::Index(_)))
                {
                    return Err("filter paths must be definite".into());
                }
                Ok(Operand::Path {
                    root: c == b'$',
                    segs,
                })
            }
            Some(b'\'' | b'"') => Ok(Operand::Str(self.quoted()?)),
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while matches!(self.peek(), Some(c) if c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
                {
                    self.i += 1;
                }
                std::str::from_utf8(&self.s[start..self.i])
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .map(Operand::Num)
                    .ok_or_else(|| "invalid number in filter".to_string())
            }
            _ if self.eat("true") => Ok(Operand::Bool(true)),
            _ if self.eat("false") => Ok(Operand::Bool(false)),
            _ if self.eat("null") => Ok(Operand::Null),
            _ => Err(format!("unexpected filter operand at offset {}", self.i)),
        }
    }
}
