//! Typed errors of the VTL engine: what went wrong, in which template, and where (line:col).
//!
//! Compile-time and render-time failures share one type so the gateway maps every template
//! failure the same way (500 + a logged detail) and the CLI prints one readable line.

use std::fmt;

/// A byte range in the template source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets (templates are capped far below `u32::MAX`).
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The source text under this span (empty when out of range).
    pub fn text(self, src: &str) -> &str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    /// Malformed template text (message says what was expected).
    #[error("{0}")]
    Syntax(String),
    /// `#name(` that looks like a misspelt directive.
    #[error("unknown directive #{0}")]
    UnknownDirective(String),
    /// A block directive without its `#end`.
    #[error("#{0} is missing its #end")]
    Unclosed(&'static str),
    /// `#end`, `#else` or `#elseif` with nothing to close.
    #[error("unexpected #{0}")]
    Unexpected(&'static str),
    /// Blocks nested deeper than the parser allows.
    #[error("nesting deeper than {0} levels")]
    NestingTooDeep(usize),
    /// Template source over the size limit.
    #[error("template is {0} bytes; the limit is {1} bytes")]
    TooLarge(usize, usize),
    /// A JSONPath literal that does not parse.
    #[error("invalid JSONPath '{path}': {reason}")]
    JsonPath {
        /// The path text.
        path: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A regex argument that does not compile.
    #[error("invalid regular expression '{0}'")]
    Regex(String),
    /// `#foreach` went past the per-loop iteration cap.
    #[error("#foreach exceeded {0} iterations")]
    LoopLimit(usize),
    /// Rendered output past the size cap.
    #[error("output exceeded {0} bytes")]
    OutputLimit(usize),
    /// The instruction budget ran out (runaway template).
    #[error("template exceeded its instruction budget of {0}")]
    FuelExhausted(u64),
    /// Macro or `#define` recursion too deep.
    #[error("macro recursion deeper than {0}")]
    RecursionLimit(usize),
    /// A string or collection grew past the value-size cap.
    #[error("value exceeded {0} bytes or elements")]
    ValueTooLarge(usize),
    /// A Java method threw (index out of range, bad argument, ...).
    #[error("{0}")]
    Method(String),
    /// `$util.parseJson` of text that is not JSON.
    #[error("parseJson: invalid JSON")]
    InvalidJson,
}

/// A template error: kind, template name and the line:col where it arose.
#[derive(Debug, Clone, PartialEq)]
pub struct VtlError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Name of the template (e.g. its content type `application/json`).
    pub template: String,
    /// Byte span in the template source.
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: u32,
    /// 1-based column (in characters) of `span.start`.
    pub col: u32,
}

impl VtlError {
    /// Builds an error, computing line:col from the source.
    pub fn new(kind: ErrorKind, template: &str, src: &str, span: Span) -> Self {
        let (line, col) = line_col(src, span.start as usize);
        VtlError {
            kind,
            template: template.to_string(),
            span,
            line,
            col,
        }
    }

    /// True for failures found while rendering (limits, method exceptions), as opposed to
    /// compile errors.
    pub fn is_render_time(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::LoopLimit(_)
                | ErrorKind::OutputLimit(_)
                | ErrorKind::FuelExhausted(_)
                | ErrorKind::RecursionLimit(_)
                | ErrorKind::ValueTooLarge(_)
                | ErrorKind::Method(_)
                | ErrorKind::InvalidJson
        )
    }
}

impl fmt::Display for VtlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "template '{}' {}:{}: {}",
            self.template, self.line, self.col, self.kind
        )
    }
}

impl std::error::Error for VtlError {}

/// 1-based line and column (in chars) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before
        .get(line_start..)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line as u32, col as u32)
}

/// An error before the template name is attached (lexer/parser/compiler/VM internals).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawError {
    pub kind: ErrorKind,
    pub span: Span,
}

impl RawError {
    pub(crate) fn new(kind: ErrorKind, span: Span) -> Self {
        RawError { kind, span }
    }

    pub(crate) fn syntax(msg: impl Into<String>, span: Span) -> Self {
        RawError {
            kind: ErrorKind::Syntax(msg.into()),
            span,
        }
    }

    pub(crate) fn attach(self, template: &str, src: &str) -> VtlError {
        VtlError::new(self.kind, template, src, self.span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_reads_like_a_config_error() {
        let src = "a\nb\n  xx #sett($x = 1)";
        let at = src.find("#sett").unwrap_or(0);
        let e = VtlError::new(
            ErrorKind::UnknownDirective("sett".into()),
            "application/json",
            src,
            Span::new(at, at + 5),
        );
        assert_eq!(
            e.to_string(),
            "template 'application/json' 3:6: unknown directive #sett"
        );
    }
}
