//! The VTL engine: API Gateway's Velocity Template Language, as a compiler.
//!
//! A mapping template is compiled once at config load ([`Template::compile`]): the lexer
//! turns source into tokens (whitespace gobbling is lexical), the parser builds an AST with
//! spans on every node (unbalanced blocks, bad literals and invalid JSONPath literals fail
//! here, with the template name and line:col), and the compiler lowers it to flat instruction
//! chunks for a stack VM, folding `$context.x.y`, `$stageVariables.x`, `$foreach.x` and
//! `$input.json('<literal>')` into single instructions. [`Template::uses`] reports what the
//! template reads, so the gateway skips unneeded work.
//!
//! Per request the gateway fills a [`RenderInput`] (raw body bytes, [`RequestParams`],
//! [`ContextValues`], stage variables) and calls [`Template::render`] with the request's
//! [`Overrides`] and a reused output buffer. The body is parsed with simd-json only when the
//! template reads it, once, into a document-ordered tape that values borrow from. Loops,
//! output, recursion and total work are capped ([`Limits`]): a runaway template ends in a
//! typed [`VtlError`], never a hang or a panic.
//!
//! # Layout
//! - `error.rs`: [`VtlError`], [`ErrorKind`], [`Span`], line:col.
//! - `token.rs`, `lexer.rs`: tokens and the mode-tracking lexer (gobbling rules;
//!   `lexer/group.rs`: expression mode inside brackets; `lexer/set_blanks.rs`: the blanks
//!   `#set` swallows).
//! - `ast.rs`, `parser.rs`: AST and recursive-descent parser (nesting limit).
//! - `instr.rs`, `compile.rs`: instruction set, program, compiler, usage analysis.
//! - `value.rs`, `ops.rs`, `methods.rs`: runtime values, Java operators and methods.
//! - `vm.rs`: the VM and its limits.
//! - `bindings.rs`: `$input`, `$util`, `$context`, `$stageVariables`.
//! - `json.rs`, `body.rs`, `jsonpath.rs`: body tape access, parsing, JSONPath.
//! - `compact.rs`: `$input.json('$')` copied from the source bytes when that is exact.
//! - `input.rs`, `overrides.rs`: per-request input and override state.
//! - `template.rs`: [`Template`].
//! - `offline.rs`: [`render_offline`] for `apigate render` and conformance cases.
//! - `java_compat.rs`: Java `Double.toString`, regex and `$util` escapes used by the engine.
//! - `escape.rs`, `java_regex.rs`, `java_number.rs`: shared pure Java-compatibility helpers.

pub mod ast;
mod bindings;
mod body;
mod compact;
mod compile;
pub mod error;
pub mod escape;
pub mod input;
pub mod instr;
mod java_compat;
pub mod java_number;
pub mod java_regex;
pub(crate) mod json;
pub mod jsonpath;
pub mod lexer;
mod methods;
pub mod offline;
mod ops;
pub mod overrides;
pub mod parser;
mod string_literal;
pub mod template;
pub mod token;
mod value;
pub mod vm;

pub use error::{ErrorKind, Span, VtlError};
pub use input::{Authorizer, ContextValues, ErrorContext, Identity, RenderInput, RequestParams};
pub use instr::Uses;
pub use offline::render_offline;
pub use overrides::Overrides;
pub use template::Template;
pub use vm::Limits;
