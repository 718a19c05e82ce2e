//! Java character classes: `[...]`, negation, ranges, nested classes and `&&` intersection.

use super::super::RegexError;
use super::escapes::Atom;
use super::{push_escaped, Translator};

impl Translator<'_> {
    /// A character class; the `[` is consumed. Nested classes and `&&` keep their Java meaning,
    /// which the `regex` crate shares (negation applies to the whole class, as in Java 9+).
    pub(super) fn class(&mut self) -> Result<(), RegexError> {
        self.out.push('[');
        if self.peek() == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        let mut first = true;
        loop {
            self.skip_comments();
            let Some(c) = self.bump() else {
                return Err(self.err("Unclosed character class"));
            };
            match c {
                ']' if !first => {
                    self.out.push(']');
                    return Ok(());
                }
                '[' => self.class()?,
                '&' if self.peek() == Some('&') => {
                    self.pos += 1;
                    self.out.push_str("&&");
                }
                '\\' if self.peek() == Some('Q') => {
                    self.pos += 1;
                    while let Some(q) = self.bump() {
                        if q == '\\' && self.peek() == Some('E') {
                            self.pos += 1;
                            break;
                        }
                        push_escaped(&mut self.out, q, true);
                    }
                }
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(self.err("Unclosed character class"));
                    };
                    match self.escape_common(e)? {
                        Atom::Char(ch) => self.class_char(ch)?,
                        Atom::Set(set) => self.out.push_str(&set),
                    }
                }
                c => self.class_char(c)?,
            }
            first = false;
        }
    }

    /// A single character in a class, possibly starting a range `a-z`.
    fn class_char(&mut self, start: char) -> Result<(), RegexError> {
        push_escaped(&mut self.out, start, true);
        if self.peek() != Some('-') || matches!(self.peek_at(1), None | Some(']') | Some('[')) {
            return Ok(());
        }
        self.pos += 1;
        let end = match self.bump() {
            Some('\\') => match self.bump() {
                Some(e) => match self.escape_common(e)? {
                    Atom::Char(ch) => ch,
                    Atom::Set(_) => return Err(self.err("Illegal character range")),
                },
                None => return Err(self.err("Illegal character range")),
            },
            Some(c) => c,
            None => return Err(self.err("Unclosed character class")),
        };
        if end < start {
            return Err(self.err("Illegal character range"));
        }
        self.out.push('-');
        push_escaped(&mut self.out, end, true);
        Ok(())
    }
}
