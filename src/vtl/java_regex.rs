//! Java `java.util.regex.Pattern` semantics on top of the `regex` and `fancy-regex` crates.
//!
//! API Gateway evaluates `selectionPattern` and the VTL string methods `matches`, `replaceAll`,
//! `replaceFirst` and `split` with Java regexes. [`JavaRegex`] translates the Java syntax once
//! (see `translate`), runs it on the `regex` crate when possible and on `fancy-regex` when the
//! pattern needs backtracking, and reproduces Java's `String.matches`, `Matcher.find` iteration,
//! `replaceAll`/`replaceFirst` replacement syntax and `String.split` rules. Patterns that are plain
//! text skip both engines.
//!
//! Known differences from Java, all outside what templates use in practice: positions are UTF-8
//! byte offsets, `(?i)` folds case with Unicode rules even without `(?u)`, `\b` uses Unicode word
//! characters (as Java before 19 does), and Unicode blocks (`\p{InGreek}`), `\X` and `\N{…}` are
//! rejected as unsupported.

mod classes;
mod replacement;
mod translate;

use std::sync::OnceLock;

use replacement::Piece;

/// Why a pattern, a replacement or a match failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegexError {
    /// The pattern is not valid Java syntax (Java: `PatternSyntaxException`).
    #[error("invalid regex {pattern:?}: {reason}")]
    Syntax { pattern: String, reason: String },
    /// Valid Java, but a construct this engine does not implement.
    #[error("unsupported regex construct in {pattern:?}: {construct}")]
    Unsupported { pattern: String, construct: String },
    /// A bad replacement string (Java: `IllegalArgumentException` / `IndexOutOfBoundsException`).
    #[error("invalid replacement: {0}")]
    Replacement(String),
    /// The backtracking engine gave up (Java would run for very long or overflow its stack).
    #[error("regex matching failed: {0}")]
    Runtime(String),
}

impl RegexError {
    fn syntax(pattern: &str, reason: impl Into<String>) -> Self {
        Self::Syntax {
            pattern: pattern.to_owned(),
            reason: reason.into(),
        }
    }

    fn unsupported(pattern: &str, construct: impl Into<String>) -> Self {
        Self::Unsupported {
            pattern: pattern.to_owned(),
            construct: construct.into(),
        }
    }
}

/// A compiled regex program on one of the two engines.
#[derive(Debug)]
enum Engine {
    Fast(regex::Regex),
    Fancy(fancy_regex::Regex),
}

impl Engine {
    fn compile(pattern: &str, whole: bool) -> Result<Self, RegexError> {
        Self::from_translation(pattern, &translate::translate(pattern, whole)?)
    }

    fn from_translation(pattern: &str, t: &translate::Translation) -> Result<Self, RegexError> {
        let reason = |e: &dyn std::fmt::Display| RegexError::syntax(pattern, e.to_string());
        if t.fancy {
            fancy_regex::Regex::new(&t.source)
                .map(Self::Fancy)
                .map_err(|e| reason(&e))
        } else {
            regex::Regex::new(&t.source)
                .map(Self::Fast)
                .map_err(|e| reason(&e))
        }
    }

    fn is_match(&self, hay: &str) -> Result<bool, RegexError> {
        match self {
            Self::Fast(re) => Ok(re.is_match(hay)),
            Self::Fancy(re) => re.is_match(hay).map_err(runtime),
        }
    }

    fn find_at(&self, hay: &str, start: usize) -> Result<Option<(usize, usize)>, RegexError> {
        match self {
            Self::Fast(re) => Ok(re.find_at(hay, start).map(|m| (m.start(), m.end()))),
            Self::Fancy(re) => Ok(re
                .find_from_pos(hay, start)
                .map_err(runtime)?
                .map(|m| (m.start(), m.end()))),
        }
    }

    /// Finds the next match at or after `start`, filling `groups` (index 0 = whole match).
    fn captures_at(
        &self,
        hay: &str,
        start: usize,
        groups: &mut Vec<Option<(usize, usize)>>,
    ) -> Result<bool, RegexError> {
        groups.clear();
        match self {
            Self::Fast(re) => {
                let mut locs = re.capture_locations();
                if re.captures_read_at(&mut locs, hay, start).is_none() {
                    return Ok(false);
                }
                groups.extend((0..locs.len()).map(|i| locs.get(i)));
            }
            Self::Fancy(re) => {
                let Some(caps) = re.captures_from_pos(hay, start).map_err(runtime)? else {
                    return Ok(false);
                };
                groups.extend((0..caps.len()).map(|i| caps.get(i).map(|m| (m.start(), m.end()))));
            }
        }
        Ok(true)
    }
}

fn runtime(e: fancy_regex::Error) -> RegexError {
    RegexError::Runtime(e.to_string())
}

/// How a [`JavaRegex`] matches.
#[derive(Debug)]
enum Program {
    /// The pattern denotes exactly this non-empty text.
    Literal(Box<str>),
    /// Programs on a regex engine.
    Compiled(Box<Compiled>),
}

/// A find program, plus a whole-input program compiled on first use of `full_match`.
#[derive(Debug)]
struct Compiled {
    find: Engine,
    full: OnceLock<Result<Engine, RegexError>>,
}

/// A compiled Java regex. Compile once, share freely (`Send + Sync`).
#[derive(Debug)]
pub struct JavaRegex {
    pattern: Box<str>,
    program: Program,
    group_count: usize,
    group_names: Vec<(String, usize)>,
}

impl JavaRegex {
    /// Compiles a Java pattern (`Pattern.compile(pattern)` with no flags).
    pub fn new(pattern: &str) -> Result<Self, RegexError> {
        Self::build(pattern, true)
    }

    fn build(pattern: &str, allow_literal: bool) -> Result<Self, RegexError> {
        let t = translate::translate(pattern, false)?;
        let program = match t.literal {
            Some(lit) if allow_literal && !lit.is_empty() => Program::Literal(lit.into()),
            _ => Program::Compiled(Box::new(Compiled {
                find: Engine::from_translation(pattern, &t)?,
                full: OnceLock::new(),
            })),
        };
        Ok(Self {
            pattern: pattern.into(),
            program,
            group_count: t.group_count,
            group_names: t.group_names,
        })
    }

    /// The Java source pattern.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Java `String.matches` / `Matcher.matches`: does the pattern match the entire input?
    pub fn full_match(&self, hay: &str) -> Result<bool, RegexError> {
        match &self.program {
            Program::Literal(lit) => Ok(hay == &**lit),
            Program::Compiled(c) => {
                match c.full.get_or_init(|| Engine::compile(&self.pattern, true)) {
                    Ok(engine) => engine.is_match(hay),
                    Err(e) => Err(e.clone()),
                }
            }
        }
    }

    /// Java `Matcher.find` from `start` (a char boundary): the byte span of the next match.
    pub fn find_at(&self, hay: &str, start: usize) -> Result<Option<(usize, usize)>, RegexError> {
        match &self.program {
            Program::Literal(lit) => Ok(hay
                .get(start..)
                .and_then(|rest| rest.find(&**lit))
                .map(|i| (start + i, start + i + lit.len()))),
            Program::Compiled(c) => c.find.find_at(hay, start),
        }
    }

    /// Java `Matcher.find` from the start of the input.
    pub fn find(&self, hay: &str) -> Result<Option<(usize, usize)>, RegexError> {
        self.find_at(hay, 0)
    }

    /// Calls `each` with every match in Java `find` order, as group spans (index 0 = the whole
    /// match; other groups only when `with_groups`); stops early when `each` returns false.
    fn for_each_match(
        &self,
        hay: &str,
        with_groups: bool,
        mut each: impl FnMut(&[Option<(usize, usize)>]) -> Result<bool, RegexError>,
    ) -> Result<(), RegexError> {
        let mut groups = Vec::new();
        let mut pos = 0;
        while pos <= hay.len() {
            let found = match (&self.program, with_groups) {
                (Program::Compiled(c), true) => c.find.captures_at(hay, pos, &mut groups)?,
                _ => {
                    groups.clear();
                    groups.extend(self.find_at(hay, pos)?.map(Some));
                    !groups.is_empty()
                }
            };
            let Some(Some((start, end))) = groups.first().copied().filter(|_| found) else {
                break;
            };
            if !each(&groups)? {
                break;
            }
            // After an empty match Java searches again one character further on.
            pos = if end == start {
                end + hay[end..].chars().next().map_or(1, char::len_utf8)
            } else {
                end
            };
        }
        Ok(())
    }

    /// Java `String.split(regex, limit)`, borrowing the pieces from `hay`.
    ///
    /// `limit > 0`: at most `limit` pieces, the last holding the rest of the input; `limit == 0`:
    /// trailing empty pieces removed; `limit < 0`: all pieces. A zero-width match at index 0
    /// never yields a leading empty piece (Java 8+); a positive-width one does.
    pub fn split<'h>(&self, hay: &'h str, limit: i32) -> Result<Vec<&'h str>, RegexError> {
        let limited = limit > 0;
        let max = usize::try_from(limit).unwrap_or(0);
        let mut pieces: Vec<&'h str> = Vec::new();
        let mut index = 0;
        self.for_each_match(hay, false, |groups| {
            let Some(Some((start, end))) = groups.first().copied() else {
                return Ok(false);
            };
            if !limited || pieces.len() + 1 < max {
                if index == 0 && start == 0 && end == 0 {
                    return Ok(true);
                }
                pieces.push(&hay[index..start]);
                index = end;
                Ok(true)
            } else {
                // The last allowed piece takes the remaining input.
                pieces.push(&hay[index..]);
                index = end;
                Ok(false)
            }
        })?;
        if index == 0 {
            return Ok(vec![hay]);
        }
        if !limited || pieces.len() < max {
            pieces.push(&hay[index..]);
        }
        if limit == 0 {
            while pieces.last().is_some_and(|p| p.is_empty()) {
                pieces.pop();
            }
        }
        Ok(pieces)
    }

    /// Java `String.replaceAll(regex, replacement)`, appending the result to `out`.
    pub fn replace_all_into(
        &self,
        hay: &str,
        replacement: &str,
        out: &mut String,
    ) -> Result<(), RegexError> {
        self.replace_into(hay, replacement, usize::MAX, out)
    }

    /// Java `String.replaceAll(regex, replacement)`.
    pub fn replace_all(&self, hay: &str, replacement: &str) -> Result<String, RegexError> {
        let mut out = String::with_capacity(hay.len());
        self.replace_into(hay, replacement, usize::MAX, &mut out)?;
        Ok(out)
    }

    /// Java `String.replaceFirst(regex, replacement)`.
    pub fn replace_first(&self, hay: &str, replacement: &str) -> Result<String, RegexError> {
        let mut out = String::with_capacity(hay.len());
        self.replace_into(hay, replacement, 1, &mut out)?;
        Ok(out)
    }

    fn replace_into(
        &self,
        hay: &str,
        replacement: &str,
        max: usize,
        out: &mut String,
    ) -> Result<(), RegexError> {
        // Parsed on the first match only: Java accepts any replacement when nothing matches.
        let mut pieces: Option<Vec<Piece>> = None;
        let mut copied = 0;
        let mut count = 0;
        self.for_each_match(hay, replacement.contains('$'), |groups| {
            let Some(Some((start, end))) = groups.first().copied() else {
                return Ok(false);
            };
            let pieces = match &mut pieces {
                Some(p) => p,
                None => pieces.insert(replacement::parse(
                    replacement,
                    self.group_count,
                    &self.group_names,
                )?),
            };
            out.push_str(&hay[copied..start]);
            replacement::expand(pieces, out, |i| {
                groups.get(i).copied().flatten().map(|(s, e)| &hay[s..e])
            });
            copied = end;
            count += 1;
            Ok(count < max)
        })?;
        out.push_str(&hay[copied..]);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
