//! Parser: tokens -> AST. Recursive descent with a nesting limit; directive blocks are matched
//! with their `#end` here, so unbalanced templates fail at compile time.

use std::collections::HashSet;

use super::ast::{Access, Block, Expr, ExprKind, Name, Node, Reference};
use super::error::{ErrorKind, RawError, Span};
use super::lexer;
use super::token::{BinOp, Dir, Tok, Token};

/// Deepest block/expression nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// Parses a whole template (errors carry the template name and line:col).
pub fn parse_template(name: &str, src: &str) -> Result<Block, super::error::VtlError> {
    parse(src).map_err(|e| e.attach(name, src))
}

pub(crate) fn parse(src: &str) -> Result<Block, RawError> {
    let macros = lexer::macro_names(src);
    let toks = lexer::lex_range(src, 0, src.len(), &macros, true)?;
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        macros: &macros,
        depth: 0,
        dq: false,
    };
    let (block, _) = p.block(None)?;
    Ok(block)
}

struct Parser<'s> {
    src: &'s str,
    toks: Vec<Token>,
    pos: usize,
    macros: &'s HashSet<String>,
    depth: usize,
    /// Parsing the inside of a `"..."` literal.
    dq: bool,
}

type PResult<T> = Result<T, RawError>;

impl<'s> Parser<'s> {
    fn peek(&self) -> Token {
        self.toks.get(self.pos).copied().unwrap_or(Token {
            kind: Tok::Eof,
            span: Span::new(self.src.len(), self.src.len()),
        })
    }

    fn next(&mut self) -> Token {
        let t = self.peek();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn expect(&mut self, kind: Tok, what: &str) -> PResult<Token> {
        let t = self.next();
        if t.kind == kind {
            Ok(t)
        } else {
            Err(self.unexpected(t, what))
        }
    }

    fn unexpected(&self, t: Token, what: &str) -> RawError {
        let found = if t.kind == Tok::Eof {
            "end of input".to_string()
        } else {
            format!("'{}'", t.span.text(self.src))
        };
        RawError::syntax(format!("expected {what}, found {found}"), t.span)
    }

    fn enter(&mut self, span: Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(RawError::new(ErrorKind::NestingTooDeep(MAX_DEPTH), span));
        }
        Ok(())
    }

    /// Parses nodes until EOF (top level) or a closing directive of `opener`.
    fn block(&mut self, opener: Option<(Dir, Span)>) -> PResult<(Block, Token)> {
        let mut out = Vec::new();
        loop {
            let t = self.next();
            match t.kind {
                Tok::Eof => {
                    if let Some((d, s)) = opener {
                        return Err(RawError::new(ErrorKind::Unclosed(d.name()), s));
                    }
                    return Ok((out, t));
                }
                Tok::Text => out.push(Node::Text {
                    span: t.span,
                    dq: self.dq,
                }),
                Tok::Comment => {}
                Tok::Unparsed => out.push(Node::Unparsed(t.span)),
                Tok::RefStart { .. } => {
                    self.pos -= 1;
                    let r = self.reference()?;
                    out.push(Node::Ref(r));
                }
                Tok::Directive(d) => match d {
                    Dir::End | Dir::Else | Dir::ElseIf => {
                        if opener.is_none() {
                            return Err(RawError::new(ErrorKind::Unexpected(d.name()), t.span));
                        }
                        return Ok((out, t));
                    }
                    _ => out.push(self.directive(d, t.span)?),
                },
                _ => return Err(self.unexpected(t, "template text")),
            }
        }
    }

    fn directive(&mut self, d: Dir, span: Span) -> PResult<Node> {
        self.enter(span)?;
        let node = match d {
            Dir::Set => {
                self.expect(Tok::LParen, "'('")?;
                let target = self.reference()?;
                self.expect(Tok::Assign, "'=' in #set")?;
                let value = self.expr()?;
                let close = self.expect(Tok::RParen, "')' closing #set")?;
                Node::Set {
                    target,
                    value,
                    span: span.to(close.span),
                }
            }
            Dir::If => {
                let mut branches = Vec::new();
                let mut otherwise = None;
                let mut kw = span;
                loop {
                    self.expect(Tok::LParen, "'('")?;
                    let cond = self.expr()?;
                    self.expect(Tok::RParen, "')' closing the condition")?;
                    let (body, term) = self.block(Some((Dir::If, kw)))?;
                    branches.push((cond, body));
                    match term.kind {
                        Tok::Directive(Dir::ElseIf) => kw = term.span,
                        Tok::Directive(Dir::Else) => {
                            let (body, term) = self.block(Some((Dir::If, span)))?;
                            if term.kind != Tok::Directive(Dir::End) {
                                return Err(RawError::syntax(
                                    "#else must be followed by #end",
                                    term.span,
                                ));
                            }
                            otherwise = Some(body);
                            break;
                        }
                        _ => break,
                    }
                }
                Node::If {
                    branches,
                    otherwise,
                    span,
                }
            }
            Dir::Foreach => {
                self.expect(Tok::LParen, "'('")?;
                let var = self.plain_var("a loop variable like $item")?;
                self.expect(Tok::In, "'in'")?;
                let iter = self.expr()?;
                self.expect(Tok::RParen, "')' closing #foreach")?;
                let body = self.end_block(Dir::Foreach, span)?;
                Node::Foreach {
                    var,
                    iter,
                    body,
                    span,
                }
            }
            Dir::Break => Node::Break(span),
            Dir::Stop => Node::Stop(span),
            Dir::Define => {
                self.expect(Tok::LParen, "'('")?;
                let name = self.plain_var("a reference like $name")?;
                self.expect(Tok::RParen, "')' closing #define")?;
                let body = self.end_block(Dir::Define, span)?;
                Node::Define { name, body, span }
            }
            Dir::Macro => {
                self.expect(Tok::LParen, "'('")?;
                let t = self.expect(Tok::Ident, "a macro name")?;
                let name = Name {
                    text: t.span.text(self.src).to_string(),
                    span: t.span,
                };
                let mut params = Vec::new();
                loop {
                    match self.peek().kind {
                        Tok::RParen => {
                            self.next();
                            break;
                        }
                        Tok::Comma => {
                            self.next();
                        }
                        _ => params.push(self.plain_var("a parameter like $x")?),
                    }
                }
                let body = self.end_block(Dir::Macro, span)?;
                Node::Macro {
                    name,
                    params,
                    body,
                    span,
                }
            }
            Dir::MacroCall => {
                let text = span.text(self.src);
                let name = text.trim_start_matches('#').trim_start_matches('{');
                let name = Name {
                    text: name.trim_end_matches('}').to_string(),
                    span,
                };
                let mut args = Vec::new();
                // `#m` is a call without an argument list.
                let mut whole = span;
                if self.peek().kind == Tok::LParen {
                    self.next();
                    let close = loop {
                        match self.peek().kind {
                            Tok::RParen => break self.next(),
                            Tok::Comma => {
                                self.next();
                            }
                            _ => args.push(self.param()?),
                        }
                    };
                    whole = span.to(close.span);
                }
                Node::MacroCall {
                    name,
                    args,
                    span: whole,
                }
            }
            Dir::Ignored => {
                self.expect(Tok::LParen, "'('")?;
                let mut depth = 1;
                while depth > 0 {
                    let t = self.next();
                    match t.kind {
                        Tok::LParen => depth += 1,
                        Tok::RParen => depth -= 1,
                        Tok::Eof => return Err(self.unexpected(t, "')'")),
                        _ => {}
                    }
                }
                Node::Ignored(span)
            }
            Dir::End | Dir::Else | Dir::ElseIf => {
                return Err(RawError::new(ErrorKind::Unexpected(d.name()), span))
            }
        };
        self.depth -= 1;
        Ok(node)
    }

    fn end_block(&mut self, d: Dir, span: Span) -> PResult<Block> {
        let (body, term) = self.block(Some((d, span)))?;
        if term.kind != Tok::Directive(Dir::End) {
            return Err(RawError::syntax(
                format!("#{} cannot take #else/#elseif", d.name()),
                term.span,
            ));
        }
        Ok(body)
    }

    /// `$name` with no chain.
    fn plain_var(&mut self, what: &str) -> PResult<Name> {
        let t = self.peek();
        if !matches!(t.kind, Tok::RefStart { .. }) {
            return Err(self.unexpected(t, what));
        }
        let r = self.reference()?;
        if !r.chain.is_empty() {
            return Err(RawError::syntax(format!("expected {what}"), r.span));
        }
        Ok(r.head)
    }

    fn reference(&mut self) -> PResult<Reference> {
        let start = self.next();
        let Tok::RefStart { quiet, .. } = start.kind else {
            return Err(self.unexpected(start, "a reference"));
        };
        self.enter(start.span)?;
        let h = self.expect(Tok::Ident, "an identifier")?;
        let head = Name {
            text: h.span.text(self.src).to_string(),
            span: h.span,
        };
        let mut chain = Vec::new();
        loop {
            let t = self.next();
            match t.kind {
                Tok::Dot => {
                    let n = self.expect(Tok::Ident, "a property name")?;
                    let name = Name {
                        text: n.span.text(self.src).to_string(),
                        span: n.span,
                    };
                    if self.peek().kind == Tok::LParen {
                        self.next();
                        let mut args = Vec::new();
                        let close = loop {
                            if self.peek().kind == Tok::RParen {
                                break self.next();
                            }
                            args.push(self.param()?);
                            let s = self.next();
                            match s.kind {
                                Tok::Comma => {}
                                Tok::RParen => break s,
                                Tok::Op(_) => {
                                    return Err(RawError::syntax(
                                        "method arguments must be references or literals \
                                         (Velocity 1.7 does not evaluate operators here; \
                                         #set a variable first)",
                                        s.span,
                                    ))
                                }
                                _ => return Err(self.unexpected(s, "',' or ')'")),
                            }
                        };
                        chain.push(Access::Method(name, args, t.span.to(close.span)));
                    } else {
                        chain.push(Access::Prop(name));
                    }
                }
                Tok::LBracket => {
                    let e = self.param()?;
                    let close = self.expect(Tok::RBracket, "']'")?;
                    chain.push(Access::Index(e, t.span.to(close.span)));
                }
                Tok::RBrace => {}
                Tok::RefEnd => {
                    self.depth -= 1;
                    return Ok(Reference {
                        quiet,
                        head,
                        chain,
                        span: start.span.to(t.span),
                    });
                }
                _ => return Err(self.unexpected(t, "the end of the reference")),
            }
        }
    }

    // ---- expressions ----

    fn expr(&mut self) -> PResult<Expr> {
        let s = self.peek().span;
        self.enter(s)?;
        let e = self.binary(0)?;
        self.depth -= 1;
        Ok(e)
    }

    fn binary(&mut self, level: u8) -> PResult<Expr> {
        const LEVELS: [&[BinOp]; 6] = [
            &[BinOp::Or],
            &[BinOp::And],
            &[BinOp::Eq, BinOp::Ne],
            &[BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge],
            &[BinOp::Add, BinOp::Sub],
            &[BinOp::Mul, BinOp::Div, BinOp::Mod],
        ];
        if level as usize >= LEVELS.len() {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        loop {
            let t = self.peek();
            let Tok::Op(op) = t.kind else { break };
            if !LEVELS[level as usize].contains(&op) {
                break;
            }
            self.next();
            let rhs = self.binary(level + 1)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let t = self.peek();
        match t.kind {
            Tok::Not => {
                self.next();
                self.enter(t.span)?;
                let e = self.unary()?;
                self.depth -= 1;
                let span = t.span.to(e.span);
                Ok(Expr {
                    kind: ExprKind::Not(Box::new(e)),
                    span,
                })
            }
            Tok::Op(BinOp::Sub) => {
                self.next();
                self.enter(t.span)?;
                let e = self.unary()?;
                self.depth -= 1;
                let span = t.span.to(e.span);
                let kind = match e.kind {
                    ExprKind::Int(i) => ExprKind::Int(-i),
                    ExprKind::Float(f) => ExprKind::Float(-f),
                    other => ExprKind::Neg(Box::new(Expr {
                        kind: other,
                        span: e.span,
                    })),
                };
                Ok(Expr { kind, span })
            }
            Tok::LParen => {
                self.next();
                let e = self.expr()?;
                self.expect(Tok::RParen, "')'")?;
                Ok(e)
            }
            _ => self.param(),
        }
    }

    /// Velocity 1.7 "parameter": literal, reference, list, range or map (no operators,
    /// except a leading minus on a number).
    fn param(&mut self) -> PResult<Expr> {
        let t = self.next();
        let kind = match t.kind {
            Tok::Int => ExprKind::Int(self.int(t)?),
            Tok::Float => ExprKind::Float(
                t.span
                    .text(self.src)
                    .parse()
                    .map_err(|_| RawError::syntax("invalid number", t.span))?,
            ),
            Tok::Op(BinOp::Sub) => {
                let n = self.next();
                match n.kind {
                    Tok::Int => ExprKind::Int(-self.int(n)?),
                    Tok::Float => ExprKind::Float(
                        -n.span
                            .text(self.src)
                            .parse::<f64>()
                            .map_err(|_| RawError::syntax("invalid number", n.span))?,
                    ),
                    _ => return Err(self.unexpected(n, "a number")),
                }
            }
            Tok::True => ExprKind::Bool(true),
            Tok::False => ExprKind::Bool(false),
            Tok::SqString => {
                let raw = t.span.text(self.src);
                let inner = &raw[1..raw.len() - 1];
                ExprKind::Str(inner.replace("''", "'"))
            }
            Tok::DqString => return self.dq_string(t),
            Tok::RefStart { .. } => {
                self.pos -= 1;
                let r = self.reference()?;
                let span = r.span;
                return Ok(Expr {
                    kind: ExprKind::Ref(r),
                    span,
                });
            }
            Tok::LBracket => return self.list(t),
            Tok::LBrace => return self.map(t),
            _ => return Err(self.unexpected(t, "a value")),
        };
        Ok(Expr { kind, span: t.span })
    }

    fn int(&self, t: Token) -> PResult<i128> {
        t.span
            .text(self.src)
            .parse::<i128>()
            .map_err(|_| RawError::syntax("integer literal out of range", t.span))
    }

    fn dq_string(&mut self, t: Token) -> PResult<Expr> {
        let (s, e) = (t.span.start as usize + 1, t.span.end as usize - 1);
        let inner = &self.src[s..e];
        if !inner.contains(['$', '#']) {
            return Ok(Expr {
                kind: ExprKind::Str(super::string_literal::decode(inner).into_owned()),
                span: t.span,
            });
        }
        self.enter(t.span)?;
        let toks = lexer::lex_range(self.src, s, e, self.macros, false)?;
        let mut sub = Parser {
            src: self.src,
            toks,
            pos: 0,
            macros: self.macros,
            depth: self.depth,
            dq: true,
        };
        let (block, _) = sub.block(None)?;
        self.depth -= 1;
        Ok(Expr {
            kind: ExprKind::Interp(block),
            span: t.span,
        })
    }

    fn list(&mut self, open: Token) -> PResult<Expr> {
        if self.peek().kind == Tok::RBracket {
            let c = self.next();
            return Ok(Expr {
                kind: ExprKind::List(Vec::new()),
                span: open.span.to(c.span),
            });
        }
        self.enter(open.span)?;
        let first = self.param()?;
        if self.peek().kind == Tok::DotDot {
            self.next();
            let second = self.param()?;
            let c = self.expect(Tok::RBracket, "']' closing the range")?;
            self.depth -= 1;
            return Ok(Expr {
                kind: ExprKind::Range(Box::new(first), Box::new(second)),
                span: open.span.to(c.span),
            });
        }
        let mut items = vec![first];
        loop {
            let t = self.next();
            match t.kind {
                Tok::Comma => items.push(self.param()?),
                Tok::RBracket => {
                    self.depth -= 1;
                    return Ok(Expr {
                        kind: ExprKind::List(items),
                        span: open.span.to(t.span),
                    });
                }
                _ => return Err(self.unexpected(t, "',' or ']'")),
            }
        }
    }

    fn map(&mut self, open: Token) -> PResult<Expr> {
        self.enter(open.span)?;
        let mut entries = Vec::new();
        if self.peek().kind == Tok::RBrace {
            let c = self.next();
            self.depth -= 1;
            return Ok(Expr {
                kind: ExprKind::Map(entries),
                span: open.span.to(c.span),
            });
        }
        loop {
            let k = self.param()?;
            self.expect(Tok::Colon, "':'")?;
            let v = self.param()?;
            entries.push((k, v));
            let t = self.next();
            match t.kind {
                Tok::Comma => {}
                Tok::RBrace => {
                    self.depth -= 1;
                    return Ok(Expr {
                        kind: ExprKind::Map(entries),
                        span: open.span.to(t.span),
                    });
                }
                _ => return Err(self.unexpected(t, "',' or '}'")),
            }
        }
    }
}
