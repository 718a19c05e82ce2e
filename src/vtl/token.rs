//! Tokens produced by the lexer: kinds, spans, and a stable one-line-per-token dump used by
//! the golden tests.

use super::error::Span;

/// Directive keywords the lexer recognises after `#` / `#{`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// `#set`
    Set,
    /// `#if`
    If,
    /// `#elseif`
    ElseIf,
    /// `#else`
    Else,
    /// `#end`
    End,
    /// `#foreach`
    Foreach,
    /// `#break`
    Break,
    /// `#stop`
    Stop,
    /// `#define`
    Define,
    /// `#macro`
    Macro,
    /// `#include`, `#parse`, `#evaluate`: no resource loader in API Gateway, render nothing.
    Ignored,
    /// `#name(...)` where `name` is a macro defined in the template.
    MacroCall,
}

impl Dir {
    /// Looks a directive name up (macro calls are resolved separately).
    pub fn from_name(name: &str) -> Option<Dir> {
        Some(match name {
            "set" => Dir::Set,
            "if" => Dir::If,
            "elseif" => Dir::ElseIf,
            "else" => Dir::Else,
            "end" => Dir::End,
            "foreach" => Dir::Foreach,
            "break" => Dir::Break,
            "stop" => Dir::Stop,
            "define" => Dir::Define,
            "macro" => Dir::Macro,
            "include" | "parse" | "evaluate" => Dir::Ignored,
            _ => return None,
        })
    }

    /// Whether the directive is followed by a parenthesised argument list.
    pub fn takes_args(self) -> bool {
        !matches!(self, Dir::Else | Dir::End | Dir::Break | Dir::Stop)
    }

    /// Display name (for messages).
    pub fn name(self) -> &'static str {
        match self {
            Dir::Set => "set",
            Dir::If => "if",
            Dir::ElseIf => "elseif",
            Dir::Else => "else",
            Dir::End => "end",
            Dir::Foreach => "foreach",
            Dir::Break => "break",
            Dir::Stop => "stop",
            Dir::Define => "define",
            Dir::Macro => "macro",
            Dir::Ignored => "include",
            Dir::MacroCall => "macro call",
        }
    }
}

/// Binary operators (symbol and word forms share a kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `||`, `or`
    Or,
    /// `&&`, `and`
    And,
    /// `==`, `eq`
    Eq,
    /// `!=`, `ne`
    Ne,
    /// `<`, `lt`
    Lt,
    /// `<=`, `le`
    Le,
    /// `>`, `gt`
    Gt,
    /// `>=`, `ge`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
}

/// Token kinds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tok {
    /// Literal template text (span = the text to emit, already gobbled).
    Text,
    /// `$`, `$!`, `${`, `$!{`.
    RefStart {
        /// `$!`
        quiet: bool,
        /// `${`
        formal: bool,
    },
    /// Zero-width end of a reference.
    RefEnd,
    /// An identifier (reference head, property, method, bare word).
    Ident,
    /// A directive keyword (span covers `#name` / `#{name}`).
    Directive(Dir),
    /// `"..."` (span includes quotes).
    DqString,
    /// `'...'` (span includes quotes).
    SqString,
    /// Integer literal.
    Int,
    /// Decimal literal.
    Float,
    /// `true`
    True,
    /// `false`
    False,
    /// `in` (foreach)
    In,
    /// Binary operator.
    Op(BinOp),
    /// `!` / `not`
    Not,
    /// `=`
    Assign,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `##...` or `#*...*#` (kept for the token dump; the parser skips it).
    Comment,
    /// `#[[...]]#` content (span = content).
    Unparsed,
    /// End of input.
    Eof,
}

/// A token: kind + byte span in the template source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Token {
    /// Kind.
    pub kind: Tok,
    /// Source span.
    pub span: Span,
}

/// One line per token: `KIND@line:col "text"` (golden-test format).
pub fn dump(tokens: &[Token], src: &str) -> String {
    let mut out = String::new();
    for t in tokens {
        let (line, col) = super::error::line_col(src, t.span.start as usize);
        let kind = match t.kind {
            Tok::Directive(d) => format!("Directive({})", d.name()),
            Tok::Op(op) => format!("Op({op:?})"),
            Tok::RefStart { quiet, formal } => {
                format!(
                    "RefStart{}{}",
                    if quiet { "!" } else { "" },
                    if formal { "{" } else { "" }
                )
            }
            other => format!("{other:?}"),
        };
        out.push_str(&format!("{kind}@{line}:{col} {:?}\n", t.span.text(src)));
    }
    out
}
