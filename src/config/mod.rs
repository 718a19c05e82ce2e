//! Configuration: the YAML file, validated and compiled once into an immutable snapshot.
//!
//! Loading is parse, decode, compile. The text is parsed twice: by saphyr-parser for the
//! position of every key ([`position`]) and by serde_yaml_ng for values. The value tree is
//! decoded into the raw mirror item by item ([`decode`] into [`raw`] types), so that one bad
//! route does not hide another, then compiled ([`compile`] and its section files) into
//! [`model::Config`], checking everything that crosses items (references by name, duplicate
//! routes, limits per API kind). Every error found on the way is returned at once
//! ([`error::ConfigErrors`]), each with file, line, column and key path; `apigate` prints them
//! and exits with code 64 before binding.
//!
//! # Layout
//! - [`model`]: the compiled snapshot ([`model::Config`], [`model::Api`]) the request path reads.
//! - [`media`]: compiled media-type lists (`binaryMediaTypes`).
//! - [`error`]: [`ConfigError`], [`ConfigErrors`] and the sink that collects them.
//! - [`position`]: key path -> line:column, from saphyr-parser's event stream.
//! - [`raw`]: serde mirror of the YAML (camelCase keys of spec `config.md`, unknown keys denied).
//! - [`decode`]: YAML value -> raw types, item by item, locating every shape error.
//! - [`compile`]: raw -> model (listeners, `server`, `functions`), ids and shared helpers.
//! - [`compile_api`]: the `api` section (kind, stage, stage variables, gateway responses ...).
//! - [`compile_authorizers`]: the `authorizers` section.
//! - [`compile_routes`]: the `routes` section.
//! - [`compile_integration`]: each route's `integration`.
//! - [`compile_custom`]: custom (`AWS` / `MOCK`) integrations, validators, models, method requests.
//! - [`route_path`]: route path templates (`/pets/{id}`, `/{proxy+}`).

pub mod compile;
pub mod compile_api;
pub mod compile_authorizers;
pub mod compile_custom;
pub mod compile_integration;
pub mod compile_routes;
pub mod decode;
pub mod error;
pub mod media;
pub mod model;
pub mod position;
pub mod raw;
pub mod route_path;

use std::fmt;
use std::path::Path;

pub use error::{ConfigError, ConfigErrors};

use error::ErrorSink;
use model::{ApiKind, Config};
use position::{Pos, Positions};

/// Reads, validates and compiles the config file at `path`.
pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigErrors> {
    let path = path.as_ref();
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => load_str(&name, &text),
        Err(e) => Err(ConfigErrors(vec![ConfigError {
            file: name,
            line: 0,
            column: 0,
            key: String::new(),
            message: format!("cannot read the config file: {e}"),
        }])),
    }
}

/// Validates and compiles config `text`; `name` is the file name used in errors.
pub fn load_str(name: &str, text: &str) -> Result<Config, ConfigErrors> {
    let positions = match Positions::parse(text) {
        Ok(p) => p,
        Err(issue) => return Err(single(name, issue.pos, issue.message)),
    };
    let mut sink = ErrorSink::new(name, &positions);
    // Duplicate keys and extra documents: serde_yaml_ng would reject the file without a key
    // path, so report them here, precisely, and stop.
    if !positions.issues.is_empty() {
        for issue in &positions.issues {
            sink.at_pos(&issue.path, issue.pos, issue.message.clone());
        }
        return Err(sink.finish());
    }
    // serde_yaml_ng refuses a whole file for one integer it cannot hold: load a copy with such
    // integers quoted, so a key that takes text takes them and every other error is still
    // found; a key that wanted a number reports the integer as out of range (`ErrorSink`).
    let quoted;
    let text = if positions.oversized.is_empty() {
        text
    } else {
        quoted = positions.quote_oversized(text);
        quoted.as_str()
    };
    let mut value: serde_yaml_ng::Value = match serde_yaml_ng::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let pos = e.location().map_or(Pos::START, |l| Pos {
                line: l.line(),
                column: l.column(),
            });
            return Err(single(name, pos, e.to_string()));
        }
    };
    if let Err(e) = value.apply_merge() {
        sink.at("", format!("cannot apply a YAML merge key (<<): {e}"));
        return Err(sink.finish());
    }
    let Some(raw) = decode::decode(value, &mut sink) else {
        return Err(sink.finish());
    };
    match compile::compile(raw, &mut sink) {
        Some(config) if !sink.has_errors() => Ok(config),
        _ => Err(sink.finish()),
    }
}

/// What `apigate check` prints for a valid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `api.type`.
    pub kind: ApiKind,
    /// Number of routes.
    pub routes: usize,
    /// Number of functions.
    pub functions: usize,
    /// Number of authorizers.
    pub authorizers: usize,
}

impl Summary {
    /// The summary of a compiled config.
    pub fn of(config: &Config) -> Summary {
        Summary {
            kind: config.api.kind,
            routes: config.api.routes.len(),
            functions: config.api.functions.len(),
            authorizers: config.api.authorizers.len(),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        write!(
            f,
            "{} API: {}, {}, {}",
            compile_api::kind_name(self.kind),
            plural(self.routes, "route"),
            plural(self.functions, "function"),
            plural(self.authorizers, "authorizer"),
        )
    }
}

/// `apigate check`: loads the file; on success a one-line [`Summary`], else every error (the
/// caller prints them one per line and exits with code 64).
pub fn check(path: impl AsRef<Path>) -> Result<Summary, ConfigErrors> {
    load(path).map(|c| Summary::of(&c))
}

fn single(name: &str, pos: Pos, message: String) -> ConfigErrors {
    ConfigErrors(vec![ConfigError {
        file: name.to_string(),
        line: pos.line,
        column: pos.column,
        key: String::new(),
        message,
    }])
}
