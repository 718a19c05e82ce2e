//! Configuration errors: each one names the file, the line and column, and the key path.
//!
//! Loading never stops at the first mistake: every stage pushes into an [`ErrorSink`], which
//! resolves a key path (`routes[2].integration.function`) to its position through the
//! [`Positions`] of the parsed file, and the loader returns them all as [`ConfigErrors`].

use std::fmt;

use crate::config::position::{Pos, Positions};

/// One mistake in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file name as given to the loader.
    pub file: String,
    /// 1-based line; 0 when the error is about the whole file (it could not be read).
    pub line: usize,
    /// 1-based column; 0 with `line`.
    pub column: usize,
    /// Dotted key path (`routes[2].integration.type`); empty for YAML syntax errors.
    pub key: String,
    /// What is wrong, for a human.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file)?;
        if self.line > 0 {
            write!(f, "{}:{}:", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, " {}:", self.key)?;
        }
        write!(f, " {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every error found in one file, in the order they were found (then sorted by position).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl ConfigErrors {
    /// The errors, one per line, as `apigate check` prints them.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.0.iter().map(ToString::to_string)
    }

    /// Number of errors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (never true for an `Err` returned by the loader).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Collects errors while a file is decoded and compiled.
#[derive(Debug)]
pub struct ErrorSink<'a> {
    file: &'a str,
    positions: &'a Positions,
    errors: Vec<ConfigError>,
}

impl<'a> ErrorSink<'a> {
    /// A sink for `file`, whose key positions are `positions`.
    pub fn new(file: &'a str, positions: &'a Positions) -> Self {
        ErrorSink {
            file,
            positions,
            errors: Vec::new(),
        }
    }

    /// The positions of the file being loaded.
    pub fn positions(&self) -> &'a Positions {
        self.positions
    }

    /// Records an error at the key `path` (positioned at the key, or its nearest present ancestor).
    pub fn at(&mut self, path: &str, message: impl Into<String>) {
        let pos = self.positions.locate(path);
        self.at_pos(path, pos, message);
    }

    /// Records an error at an explicit position. A wrong-type error about a value that was an
    /// integer out of range (loaded as its text, see [`Positions::quote_oversized`]) says so
    /// instead: the key wanted a number, and that is what is wrong with it. Other errors at the
    /// same key (unknown, duplicate) keep their own message.
    pub fn at_pos(&mut self, path: &str, pos: Pos, message: impl Into<String>) {
        let message = message.into();
        let message = match self.positions.oversized.iter().find(|o| o.path == path) {
            Some(o) if message.starts_with("invalid type: string") => {
                format!("the integer {} is out of range", o.text)
            }
            _ => message,
        };
        self.errors.push(ConfigError {
            file: self.file.to_string(),
            line: pos.line,
            column: pos.column,
            key: path.to_string(),
            message,
        });
    }

    /// Number of errors recorded so far (to tell whether one item added any).
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The errors, ordered by position in the file (stable for errors at one position).
    pub fn finish(mut self) -> ConfigErrors {
        self.errors.sort_by_key(|e| (e.line, e.column));
        ConfigErrors(self.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_the_documented_shape() {
        let e = ConfigError {
            file: "gateway.yaml".into(),
            line: 14,
            column: 5,
            key: "routes[2].integration.function".into(),
            message: "unknown function 'ordrs' (known: orders, site)".into(),
        };
        assert_eq!(
            e.to_string(),
            "gateway.yaml:14:5: routes[2].integration.function: unknown function 'ordrs' (known: orders, site)"
        );
        let syntax = ConfigError {
            key: String::new(),
            message: "did not find expected key".into(),
            ..e.clone()
        };
        assert_eq!(
            syntax.to_string(),
            "gateway.yaml:14:5: did not find expected key"
        );
        let io = ConfigError {
            line: 0,
            column: 0,
            key: String::new(),
            message: "cannot read: not found".into(),
            ..e
        };
        assert_eq!(io.to_string(), "gateway.yaml: cannot read: not found");
    }
}
