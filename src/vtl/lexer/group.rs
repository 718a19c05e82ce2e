//! Expression mode: the tokens inside directive and method parentheses, index brackets and
//! map braces (operators, literals, nested references), up to the matching delimiter, and the
//! Velocity 1.7 rules that only apply there (a negative literal after a value, string and
//! number ends).

use super::{Lexer, MAX_LEX_DEPTH};
use crate::vtl::error::{ErrorKind, RawError, Span};
use crate::vtl::token::{BinOp, Tok};

impl Lexer<'_> {
    /// Expression mode until the delimiter matching the one opened at `open` (already pushed).
    pub(super) fn group(&mut self, close: u8, open: usize) -> Result<(), RawError> {
        self.depth += 1;
        if self.depth > MAX_LEX_DEPTH {
            return Err(RawError::new(
                ErrorKind::NestingTooDeep(MAX_LEX_DEPTH),
                Span::new(open, open + 1),
            ));
        }
        let mut stack = vec![close];
        // Only this group's own level is an argument list; nested groups are expressions.
        let macro_args = std::mem::take(&mut self.macro_args);
        loop {
            while matches!(self.at(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.pos += 1;
            }
            let p = self.pos;
            let Some(&c) = self.at(p) else {
                return self.err(
                    &format!("'{}' is never closed", self.b[open] as char),
                    open,
                    open + 1,
                );
            };
            let two = self.at(p + 1).copied();
            let (kind, len) = match c {
                b'$' => {
                    if !self.reference(true)? {
                        return self.err("expected a reference after '$'", p, p + 1);
                    }
                    continue;
                }
                b'"' | b'\'' => {
                    let e = self.string_end(p, c)?;
                    let k = if c == b'"' {
                        Tok::DqString
                    } else {
                        Tok::SqString
                    };
                    (k, e - p)
                }
                b'0'..=b'9' => {
                    let (k, e) = self.number_end(p);
                    (k, e - p)
                }
                b'(' | b'[' | b'{' => {
                    stack.push(match c {
                        b'(' => b')',
                        b'[' => b']',
                        _ => b'}',
                    });
                    let k = match c {
                        b'(' => Tok::LParen,
                        b'[' => Tok::LBracket,
                        _ => Tok::LBrace,
                    };
                    (k, 1)
                }
                b')' | b']' | b'}' => {
                    if stack.last() != Some(&c) {
                        return self.err(&format!("unexpected '{}'", c as char), p, p + 1);
                    }
                    stack.pop();
                    let k = match c {
                        b')' => Tok::RParen,
                        b']' => Tok::RBracket,
                        _ => Tok::RBrace,
                    };
                    self.push(k, p, p + 1);
                    self.pos = p + 1;
                    if stack.is_empty() {
                        self.depth -= 1;
                        return Ok(());
                    }
                    continue;
                }
                b',' => (Tok::Comma, 1),
                b':' => (Tok::Colon, 1),
                b'.' if two == Some(b'.') => (Tok::DotDot, 2),
                // `.5` where a value starts (Velocity 1.7 reads it as 0.5).
                b'.' if two.is_some_and(|d| d.is_ascii_digit()) && self.value_expected() => {
                    let (k, e) = self.number_end(p);
                    (k, e - p)
                }
                b'.' => (Tok::Dot, 1),
                b'=' if two == Some(b'=') => (Tok::Op(BinOp::Eq), 2),
                b'=' => (Tok::Assign, 1),
                b'!' if two == Some(b'=') => (Tok::Op(BinOp::Ne), 2),
                b'!' => (Tok::Not, 1),
                b'<' if two == Some(b'=') => (Tok::Op(BinOp::Le), 2),
                b'<' => (Tok::Op(BinOp::Lt), 1),
                b'>' if two == Some(b'=') => (Tok::Op(BinOp::Ge), 2),
                b'>' => (Tok::Op(BinOp::Gt), 1),
                b'&' if two == Some(b'&') => (Tok::Op(BinOp::And), 2),
                b'|' if two == Some(b'|') => (Tok::Op(BinOp::Or), 2),
                b'+' => (Tok::Op(BinOp::Add), 1),
                // Velocity 1.7 lexes `-1` / `-1.5` / `-.5` as one (negative) number literal, so
                // after a value (`2 -1`, `$n -1`, `(1)-1`; `$n-1` is the one name `n-1`) it is a
                // second operand: a parse error (in a macro call's argument list, the next
                // argument: `#m(2-1)` passes 2, -1).
                b'-' if !(self.value_expected() || macro_args && stack.len() == 1)
                    && match two {
                        Some(d) if d.is_ascii_digit() => true,
                        Some(b'.') => self.at(p + 2).is_some_and(u8::is_ascii_digit),
                        _ => false,
                    } =>
                {
                    return self.err(
                        "a negative number cannot follow a value (write '- 1')",
                        p,
                        p + 2,
                    );
                }
                b'-' => (Tok::Op(BinOp::Sub), 1),
                b'*' => (Tok::Op(BinOp::Mul), 1),
                b'/' => (Tok::Op(BinOp::Div), 1),
                b'%' => (Tok::Op(BinOp::Mod), 1),
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let e = self.word_end(p);
                    let k = match &self.src[p..e] {
                        "true" => Tok::True,
                        "false" => Tok::False,
                        "in" => Tok::In,
                        "and" => Tok::Op(BinOp::And),
                        "or" => Tok::Op(BinOp::Or),
                        "not" => Tok::Not,
                        "eq" => Tok::Op(BinOp::Eq),
                        "ne" => Tok::Op(BinOp::Ne),
                        "lt" => Tok::Op(BinOp::Lt),
                        "le" => Tok::Op(BinOp::Le),
                        "gt" => Tok::Op(BinOp::Gt),
                        "ge" => Tok::Op(BinOp::Ge),
                        _ => Tok::Ident,
                    };
                    (k, e - p)
                }
                _ => {
                    let ch = self.src[p..].chars().next().unwrap_or('?');
                    return self.err(&format!("unexpected character '{ch}'"), p, p + 1);
                }
            };
            self.push(kind, p, p + len);
            self.pos = p + len;
        }
    }

    /// End (exclusive) of a string literal starting at `p`. `""`/`''` are escaped quotes; a
    /// backslash escapes nothing (Velocity 1.7: `"a\"` is the two characters `a\`).
    pub(super) fn string_end(&self, p: usize, q: u8) -> Result<usize, RawError> {
        let mut i = p + 1;
        while let Some(&c) = self.at(i) {
            if c == q {
                if self.at(i + 1) == Some(&q) {
                    i += 2;
                    continue;
                }
                return Ok(i + 1);
            }
            i += 1;
        }
        self.err("unterminated string literal", p, p + 1)
    }

    /// End of a number literal starting at `p`, as Velocity 1.7's grammar reads them: `12`
    /// is an integer; `1.5`, `5.`, `.5`, `1e3` and `1.5E-2` are decimals. A `.` is not taken
    /// when `..` (a range: `[1..3]`) or a name (`1.foo`) follows it.
    pub(super) fn number_end(&self, p: usize) -> (Tok, usize) {
        let digits = |mut i: usize| {
            while matches!(self.at(i), Some(c) if c.is_ascii_digit()) {
                i += 1;
            }
            i
        };
        let mut e = digits(p);
        let mut float = false;
        // `1.e3` is a decimal too: a letter after the `.` stops it only when it is not an
        // exponent.
        let exponent_after_dot = matches!(self.at(e + 1), Some(b'e' | b'E'))
            && matches!(
                (self.at(e + 2), self.at(e + 3)),
                (Some(d), _) | (Some(b'+' | b'-'), Some(d)) if d.is_ascii_digit()
            );
        if self.at(e) == Some(&b'.')
            && (exponent_after_dot
                || !matches!(self.at(e + 1), Some(&c) if c == b'.' || c == b'_' || c.is_ascii_alphabetic()))
        {
            e = digits(e + 1);
            float = true;
        }
        if matches!(self.at(e), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.at(e + 1), Some(b'+' | b'-')));
            if matches!(self.at(e + 1 + sign), Some(c) if c.is_ascii_digit()) {
                e = digits(e + 1 + sign);
                float = true;
            }
        }
        (if float { Tok::Float } else { Tok::Int }, e)
    }

    /// Whether the next token starts a value: nothing before it in the expression, or an
    /// operator or opening bracket (`.5` there is a number, after a value it is a `.`).
    pub(super) fn value_expected(&self) -> bool {
        matches!(
            self.toks.last().map(|t| t.kind),
            None | Some(
                Tok::Op(_)
                    | Tok::Not
                    | Tok::Assign
                    | Tok::Comma
                    | Tok::Colon
                    | Tok::LParen
                    | Tok::LBracket
                    | Tok::LBrace
                    | Tok::DotDot
                    | Tok::In
            )
        )
    }
}
