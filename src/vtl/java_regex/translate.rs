//! Translation of Java `java.util.regex.Pattern` syntax into `regex` / `fancy-regex` syntax.
//!
//! The translator walks the Java pattern once and writes an equivalent pattern, spelling out every
//! construct whose meaning differs between the dialects: `.` and `$` know Java's line terminators,
//! shorthands are ASCII, `\Q…\E` is quoted, embedded flags other than `i` are applied here rather
//! than passed on. It also records whether the result needs the backtracking engine (look-around,
//! back-references, atomic groups, possessive quantifiers, Java's `$`) and whether the pattern is a
//! plain literal, which lets callers skip the regex engine altogether.

use std::fmt::Write as _;

use super::RegexError;

mod class;
mod escapes;

/// Java's flags that change how the translation is written.
#[derive(Clone, Copy, Default)]
struct Flags {
    /// `d`: UNIX_LINES, only `\n` terminates a line.
    unix_lines: bool,
    /// `m`: MULTILINE.
    multiline: bool,
    /// `s`: DOTALL.
    dotall: bool,
    /// `x`: COMMENTS, whitespace and `#` comments are ignored.
    comments: bool,
    /// `U`: UNICODE_CHARACTER_CLASS.
    unicode_classes: bool,
}

/// The result of translating one Java pattern.
#[derive(Debug)]
pub(super) struct Translation {
    /// Pattern text for the `regex` crate (or `fancy-regex` when `fancy`).
    pub(super) source: String,
    /// Needs `fancy-regex` (backtracking features).
    pub(super) fancy: bool,
    /// `Some(text)` when the pattern matches exactly this text and nothing else.
    pub(super) literal: Option<String>,
    /// Capturing groups, not counting group 0.
    pub(super) group_count: usize,
    /// Named groups and their numbers.
    pub(super) group_names: Vec<(String, usize)>,
}

/// Translates `pattern`; with `whole` the result is anchored to match the entire input
/// (Java `Matcher.matches`).
pub(super) fn translate(pattern: &str, whole: bool) -> Result<Translation, RegexError> {
    let mut t = Translator {
        pattern,
        chars: pattern.chars().collect(),
        pos: 0,
        out: String::with_capacity(pattern.len() * 2 + 8),
        flags: Flags::default(),
        stack: Vec::new(),
        fancy: false,
        literal: Some(String::new()),
        group_count: 0,
        group_names: Vec::new(),
        whole,
        has_atom: false,
    };
    t.run()?;
    Ok(Translation {
        source: t.out,
        fancy: t.fancy,
        literal: t.literal,
        group_count: t.group_count,
        group_names: t.group_names,
    })
}

struct Translator<'p> {
    pattern: &'p str,
    chars: Vec<char>,
    pos: usize,
    out: String,
    flags: Flags,
    /// Flags to restore when each open group closes.
    stack: Vec<Flags>,
    fancy: bool,
    literal: Option<String>,
    group_count: usize,
    group_names: Vec<(String, usize)>,
    whole: bool,
    /// Whether a quantifier may follow (Java: "Dangling meta character" otherwise).
    has_atom: bool,
}

impl Translator<'_> {
    fn err(&self, reason: impl Into<String>) -> RegexError {
        RegexError::syntax(self.pattern, reason)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    /// In COMMENTS mode, skips whitespace and `#` comments (Java does this everywhere, classes too).
    fn skip_comments(&mut self) {
        if !self.flags.comments {
            return;
        }
        while let Some(c) = self.peek() {
            if matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r') {
                self.pos += 1;
            } else if c == '#' {
                while let Some(c) = self.bump() {
                    if c == '\n' || (!self.flags.unix_lines && is_terminator(c)) {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    fn not_literal(&mut self) {
        self.literal = None;
    }

    fn run(&mut self) -> Result<(), RegexError> {
        if self.whole {
            self.out.push_str(r"\A(?:");
        }
        loop {
            self.skip_comments();
            let Some(c) = self.bump() else { break };
            match c {
                '\\' => self.escape()?,
                '[' => {
                    self.not_literal();
                    self.class()?;
                    self.has_atom = true;
                }
                '(' => self.open_group()?,
                ')' => self.close_group()?,
                '|' => {
                    self.not_literal();
                    self.out.push('|');
                    self.has_atom = false;
                }
                '.' => {
                    self.not_literal();
                    self.out
                        .push_str(match (self.flags.dotall, self.flags.unix_lines) {
                            (true, _) => "(?s:.)",
                            (false, true) => r"[^\n]",
                            (false, false) => r"[^\n\r\x{85}\x{2028}\x{2029}]",
                        });
                    self.has_atom = true;
                }
                '^' => self.caret(),
                '$' => self.dollar(self.flags.multiline),
                '*' | '+' | '?' => self.quantifier(c)?,
                '{' => self.counted_quantifier()?,
                c => self.literal_char(c),
            }
        }
        if !self.stack.is_empty() {
            return Err(self.err("Unclosed group"));
        }
        if self.whole {
            self.out.push_str(r")\z");
        }
        Ok(())
    }

    fn literal_char(&mut self, c: char) {
        if let Some(lit) = &mut self.literal {
            lit.push(c);
        }
        push_escaped(&mut self.out, c, false);
        self.has_atom = true;
    }

    fn caret(&mut self) {
        self.not_literal();
        self.has_atom = true;
        if !self.flags.multiline {
            self.out.push_str(r"\A");
            return;
        }
        // Java's multiline `^` matches after any line terminator except at the end of input
        // (Perl-compatible), never between `\r` and `\n`.
        self.fancy = true;
        if self.flags.unix_lines {
            self.out.push_str(r"(?:\A|(?<=\n))(?!\z)");
        } else {
            self.out
                .push_str(r"(?:\A|(?<=[\n\x{85}\x{2028}\x{2029}])|(?<=\r)(?!\n))(?!\z)");
        }
    }

    /// `$` (with the current MULTILINE flag) or `\Z` (`multiline == false`).
    fn dollar(&mut self, multiline: bool) {
        self.not_literal();
        self.has_atom = true;
        self.skip_comments();
        // A whole-input match ends at the end of input, so a trailing top-level `$` is just `\z`.
        if self.whole && self.stack.is_empty() && matches!(self.peek(), None | Some('|')) {
            self.out.push_str(r"\z");
            return;
        }
        match (multiline, self.flags.unix_lines) {
            (true, true) => self.out.push_str("(?m:$)"),
            (false, true) => {
                self.fancy = true;
                self.out.push_str(r"(?:\z|(?=\n\z))");
            }
            (true, false) => {
                self.fancy = true;
                self.out
                    .push_str(r"(?:\z|(?=[\r\x{85}\x{2028}\x{2029}])|(?<!\r)(?=\n))");
            }
            (false, false) => {
                // End of input, or before a final line terminator (a final `\r\n` counts as one).
                self.fancy = true;
                self.out.push_str(
                    r"(?:\z|(?=\r\n\z)|(?<!\r)(?=\n\z)|(?=[\r\x{85}\x{2028}\x{2029}]\z))",
                );
            }
        }
    }

    fn quantifier(&mut self, q: char) -> Result<(), RegexError> {
        if !self.has_atom {
            return Err(self.err(format!("Dangling meta character '{q}'")));
        }
        self.not_literal();
        self.out.push(q);
        self.quantifier_suffix();
        Ok(())
    }

    /// Lazy `?` or possessive `+` after a quantifier.
    fn quantifier_suffix(&mut self) {
        self.skip_comments();
        match self.peek() {
            Some('?') => {
                self.pos += 1;
                self.out.push('?');
            }
            Some('+') => {
                self.pos += 1;
                self.fancy = true;
                self.out.push('+');
            }
            _ => {}
        }
        self.has_atom = false;
    }

    fn counted_quantifier(&mut self) -> Result<(), RegexError> {
        if !self.has_atom {
            return Err(self.err("Dangling meta character '{'"));
        }
        let min = self.digits();
        let Some(min) = min else {
            return Err(self.err("Illegal repetition"));
        };
        let mut max = Some(min);
        if self.peek() == Some(',') {
            self.pos += 1;
            max = self.digits();
        }
        if self.bump() != Some('}') {
            return Err(self.err("Unclosed counted closure"));
        }
        if max.is_some_and(|max| max < min) {
            return Err(self.err("Illegal repetition range"));
        }
        self.not_literal();
        match max {
            Some(max) if max == min => self.out.push_str(&format!("{{{min}}}")),
            Some(max) => self.out.push_str(&format!("{{{min},{max}}}")),
            None => self.out.push_str(&format!("{{{min},}}")),
        }
        self.quantifier_suffix();
        Ok(())
    }

    /// A decimal number (bounded to keep arithmetic in range); `None` when no digit follows.
    fn digits(&mut self) -> Option<u32> {
        let mut value: Option<u32> = None;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            self.pos += 1;
            value = Some(value.unwrap_or(0).saturating_mul(10).saturating_add(d));
        }
        value
    }

    fn open_group(&mut self) -> Result<(), RegexError> {
        self.not_literal();
        self.has_atom = false;
        if self.peek() != Some('?') {
            self.group_count += 1;
            self.stack.push(self.flags);
            self.out.push('(');
            return Ok(());
        }
        self.pos += 1;
        let open = match self.bump() {
            Some(':') => "(?:",
            Some('=') => "(?=",
            Some('!') => "(?!",
            Some('>') => "(?>",
            Some('<') if self.peek() == Some('=') => {
                self.pos += 1;
                "(?<="
            }
            Some('<') if self.peek() == Some('!') => {
                self.pos += 1;
                "(?<!"
            }
            Some('<') => return self.named_group(),
            Some(_) => {
                self.pos -= 1;
                return self.inline_flags();
            }
            None => return Err(self.err("Unknown group type")),
        };
        if open != "(?:" {
            self.fancy = true;
        }
        self.stack.push(self.flags);
        self.out.push_str(open);
        Ok(())
    }

    fn named_group(&mut self) -> Result<(), RegexError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(self.err("capturing group name does not start with a Latin letter"));
        }
        if self.bump() != Some('>') {
            return Err(self.err("named capturing group is missing trailing '>'"));
        }
        if self.group_names.iter().any(|(n, _)| *n == name) {
            return Err(self.err(format!("Named capturing group <{name}> is already defined")));
        }
        self.group_count += 1;
        self.out.push_str("(?P<");
        self.out.push_str(&name);
        self.out.push('>');
        self.group_names.push((name, self.group_count));
        self.stack.push(self.flags);
        Ok(())
    }

    /// `(?idmsuxU-idmsuxU)` or `(?idmsuxU-idmsuxU:X)`. Only `i` is handed to the engine; the
    /// others change how later constructs are translated.
    fn inline_flags(&mut self) -> Result<(), RegexError> {
        let mut on = true;
        let mut case: Option<bool> = None;
        let mut flags = self.flags;
        loop {
            match self.bump() {
                Some('-') => on = false,
                Some('i') => case = Some(on),
                Some('d') => flags.unix_lines = on,
                Some('m') => flags.multiline = on,
                Some('s') => flags.dotall = on,
                Some('x') => flags.comments = on,
                Some('U') => flags.unicode_classes = on,
                // UNICODE_CASE and CANON_EQ: Unicode case folding is what the engine does anyway.
                Some('u') | Some('c') => {}
                Some(')') => {
                    self.flags = flags;
                    match case {
                        Some(true) => self.out.push_str("(?i)"),
                        Some(false) => self.out.push_str("(?-i)"),
                        None => {}
                    }
                    return Ok(());
                }
                Some(':') => {
                    self.stack.push(self.flags);
                    self.flags = flags;
                    self.out.push_str(match case {
                        Some(true) => "(?i:",
                        Some(false) => "(?-i:",
                        None => "(?:",
                    });
                    return Ok(());
                }
                _ => return Err(self.err("Unknown inline modifier")),
            }
        }
    }

    fn close_group(&mut self) -> Result<(), RegexError> {
        let Some(saved) = self.stack.pop() else {
            return Err(self.err("Unmatched closing ')'"));
        };
        self.flags = saved;
        self.not_literal();
        self.out.push(')');
        self.has_atom = true;
        Ok(())
    }
}

/// Java's line terminators outside UNIX_LINES mode.
fn is_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Writes `c` so that both engines read it as that literal character.
fn push_escaped(out: &mut String, c: char, in_class: bool) {
    let meta = if in_class {
        matches!(c, '\\' | '[' | ']' | '^' | '-' | '&' | '~')
    } else {
        matches!(
            c,
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
        )
    };
    if meta {
        out.push('\\');
        out.push(c);
    } else if c.is_control() || c == ' ' || c == '#' || (in_class && c == ':') {
        // Control characters, space and `#` as hex escapes so no engine mode can reinterpret them;
        // `:` in a class too, where `[:upper:]` is a POSIX class to the `regex` crate but the
        // characters `:`, `u`, `p`, ... to Java. Writing into a String cannot fail.
        let _ = write!(out, "\\x{{{:X}}}", u32::from(c));
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn engine_choice() {
        assert!(!translate("a.b[0-9]+", false).unwrap().fancy);
        // A trailing `$` in a whole-input match is plain `\z`; elsewhere it needs look-around.
        assert!(!translate("^abc$", true).unwrap().fancy);
        assert!(translate("^abc$", false).unwrap().fancy);
        assert!(!translate("(a)$|b", true).unwrap().fancy);
        assert!(translate("(a$)|b", true).unwrap().fancy);
        assert!(translate("a(?=b)", false).unwrap().fancy);
        assert!(translate("(a)\\1", false).unwrap().fancy);
    }

    #[test]
    fn literal_detection() {
        assert_eq!(
            translate("\\.", false).unwrap().literal.as_deref(),
            Some(".")
        );
        assert_eq!(
            translate("a\\Q*+\\E\\t", false).unwrap().literal.as_deref(),
            Some("a*+\t")
        );
        assert_eq!(translate("ab?", false).unwrap().literal, None);
        assert_eq!(translate("[a]", false).unwrap().literal, None);
    }

    #[test]
    fn groups_are_counted_like_java() {
        let t = translate("(a)(?:b)(?<n>c)(?=d)", false).unwrap();
        assert_eq!(t.group_count, 2);
        assert_eq!(t.group_names, vec![("n".to_owned(), 2)]);
        // `\11` with one group is group 1 followed by a literal `1`.
        assert!(translate("(a)\\11", false)
            .unwrap()
            .source
            .ends_with("(?:\\1)1"));
    }

    #[test]
    fn shorthands_and_dot_are_spelled_out() {
        assert_eq!(translate("\\d", false).unwrap().source, "[0-9]");
        assert_eq!(
            translate(".", false).unwrap().source,
            r"[^\n\r\x{85}\x{2028}\x{2029}]"
        );
        assert_eq!(translate("(?s).", false).unwrap().source, "(?s:.)");
        assert_eq!(translate("a", true).unwrap().source, r"\A(?:a)\z");
    }
}
