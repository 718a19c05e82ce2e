//! Abstract syntax tree. Every node carries the span of the source it came from, so compile
//! and render errors can point at line:col.

use std::fmt::Write as _;

use super::error::Span;
use super::token::BinOp;

/// A sequence of nodes (template body, directive block).
pub type Block = Vec<Node>;

/// A template-level node.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Literal text. `dq`: inside a `"..."` literal, where `""` means `"`.
    Text { span: Span, dq: bool },
    /// `#[[...]]#` content, emitted verbatim.
    Unparsed(Span),
    /// A reference in output position.
    Ref(Reference),
    /// `#set(target = value)`.
    Set {
        target: Reference,
        value: Expr,
        span: Span,
    },
    /// `#if / #elseif / #else / #end`.
    If {
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
        span: Span,
    },
    /// `#foreach($var in iter) ... #end`.
    Foreach {
        var: Name,
        iter: Expr,
        body: Block,
        span: Span,
    },
    /// `#break`.
    Break(Span),
    /// `#stop`.
    Stop(Span),
    /// `#define($name) ... #end`.
    Define { name: Name, body: Block, span: Span },
    /// `#macro(name $p1 $p2) ... #end`.
    Macro {
        name: Name,
        params: Vec<Name>,
        body: Block,
        span: Span,
    },
    /// `#name(args)` for a macro defined in the template.
    MacroCall {
        name: Name,
        args: Vec<Expr>,
        span: Span,
    },
    /// `#include`, `#parse`, `#evaluate`: render nothing (no resource loader).
    Ignored(Span),
}

/// An identifier with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    /// The identifier text.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// `$head.chain...`
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// `$!` form.
    pub quiet: bool,
    /// Variable name.
    pub head: Name,
    /// Property / method / index accesses, in order.
    pub chain: Vec<Access>,
    /// The whole reference source.
    pub span: Span,
}

/// One step of a reference chain.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// `.name`
    Prop(Name),
    /// `.name(args)`
    Method(Name, Vec<Expr>, Span),
    /// `[expr]`
    Index(Expr, Span),
}

impl Access {
    /// Source span of this step.
    pub fn span(&self) -> Span {
        match self {
            Access::Prop(n) => n.span,
            Access::Method(_, _, s) | Access::Index(_, s) => *s,
        }
    }
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Expression kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `true` / `false`
    Bool(bool),
    /// Integer literal (Java int/long/BigInteger range).
    Int(i128),
    /// Decimal literal.
    Float(f64),
    /// String literal without interpolation (already decoded).
    Str(String),
    /// `"..."` with references/directives inside.
    Interp(Block),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `[a..b]`
    Range(Box<Expr>, Box<Expr>),
    /// `{k: v}`
    Map(Vec<(Expr, Expr)>),
    /// A reference.
    Ref(Reference),
    /// `!x` / `not x`
    Not(Box<Expr>),
    /// `-x`
    Neg(Box<Expr>),
    /// Binary operator.
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

/// Indented S-expression-like dump (golden-test format).
pub fn dump(block: &[Node], src: &str) -> String {
    let mut out = String::new();
    dump_block(block, src, 0, &mut out);
    out
}

fn ind(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn dump_block(block: &[Node], src: &str, depth: usize, out: &mut String) {
    for n in block {
        dump_node(n, src, depth, out);
    }
}

fn dump_node(n: &Node, src: &str, d: usize, out: &mut String) {
    ind(out, d);
    match n {
        Node::Text { span, .. } => {
            let _ = writeln!(out, "Text {:?}", span.text(src));
        }
        Node::Unparsed(s) => {
            let _ = writeln!(out, "Unparsed {:?}", s.text(src));
        }
        Node::Ref(r) => {
            let _ = writeln!(out, "Ref {}", reference(r, src));
        }
        Node::Set { target, value, .. } => {
            let _ = writeln!(out, "Set {} = {}", reference(target, src), expr(value, src));
        }
        Node::If {
            branches,
            otherwise,
            ..
        } => {
            for (i, (c, b)) in branches.iter().enumerate() {
                if i > 0 {
                    ind(out, d);
                }
                let kw = if i == 0 { "If" } else { "ElseIf" };
                let _ = writeln!(out, "{kw} {}", expr(c, src));
                dump_block(b, src, d + 1, out);
            }
            if let Some(b) = otherwise {
                ind(out, d);
                out.push_str("Else\n");
                dump_block(b, src, d + 1, out);
            }
        }
        Node::Foreach {
            var, iter, body, ..
        } => {
            let _ = writeln!(out, "Foreach ${} in {}", var.text, expr(iter, src));
            dump_block(body, src, d + 1, out);
        }
        Node::Break(_) => out.push_str("Break\n"),
        Node::Stop(_) => out.push_str("Stop\n"),
        Node::Define { name, body, .. } => {
            let _ = writeln!(out, "Define ${}", name.text);
            dump_block(body, src, d + 1, out);
        }
        Node::Macro {
            name, params, body, ..
        } => {
            let ps: Vec<String> = params.iter().map(|p| format!("${}", p.text)).collect();
            let _ = writeln!(out, "Macro {}({})", name.text, ps.join(" "));
            dump_block(body, src, d + 1, out);
        }
        Node::MacroCall { name, args, .. } => {
            let a: Vec<String> = args.iter().map(|e| expr(e, src)).collect();
            let _ = writeln!(out, "Call {}({})", name.text, a.join(", "));
        }
        Node::Ignored(s) => {
            let _ = writeln!(out, "Ignored {:?}", s.text(src));
        }
    }
}

fn reference(r: &Reference, src: &str) -> String {
    let mut s = format!("${}{}", if r.quiet { "!" } else { "" }, r.head.text);
    for a in &r.chain {
        match a {
            Access::Prop(n) => {
                let _ = write!(s, ".{}", n.text);
            }
            Access::Method(n, args, _) => {
                let a: Vec<String> = args.iter().map(|e| expr(e, src)).collect();
                let _ = write!(s, ".{}({})", n.text, a.join(", "));
            }
            Access::Index(e, _) => {
                let _ = write!(s, "[{}]", expr(e, src));
            }
        }
    }
    s
}

fn expr(e: &Expr, src: &str) -> String {
    match &e.kind {
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => format!("{f:?}"),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Interp(b) => {
            let parts: Vec<String> = dump(b, src).lines().map(|l| l.trim().to_string()).collect();
            format!("Interp[{}]", parts.join("; "))
        }
        ExprKind::List(xs) => {
            let a: Vec<String> = xs.iter().map(|x| expr(x, src)).collect();
            format!("[{}]", a.join(", "))
        }
        ExprKind::Range(a, b) => format!("[{}..{}]", expr(a, src), expr(b, src)),
        ExprKind::Map(kv) => {
            let a: Vec<String> = kv
                .iter()
                .map(|(k, v)| format!("{}: {}", expr(k, src), expr(v, src)))
                .collect();
            format!("{{{}}}", a.join(", "))
        }
        ExprKind::Ref(r) => reference(r, src),
        ExprKind::Not(x) => format!("(! {})", expr(x, src)),
        ExprKind::Neg(x) => format!("(- {})", expr(x, src)),
        ExprKind::Binary(op, a, b) => format!("({op:?} {} {})", expr(a, src), expr(b, src)),
    }
}
