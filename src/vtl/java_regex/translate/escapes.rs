//! Backslash escapes of Java patterns: literal characters (`\t`, `\0101`, `\x41`, `\u0041`,
//! `\cA`), shorthand and property classes, quoting, anchors and back-references.

use super::super::{classes, RegexError};
use super::Translator;

/// What an escape denotes.
pub(super) enum Atom {
    Char(char),
    /// A bracketed class.
    Set(String),
}

impl Translator<'_> {
    /// An escape outside a class (the backslash is consumed).
    pub(super) fn escape(&mut self) -> Result<(), RegexError> {
        let Some(c) = self.bump() else {
            return Err(self.err("Unexpected internal error"));
        };
        match c {
            '1'..='9' => return self.backref(c),
            'k' => return self.named_backref(),
            'Q' => {
                while let Some(q) = self.bump() {
                    if q == '\\' && self.peek() == Some('E') {
                        self.pos += 1;
                        return Ok(());
                    }
                    self.literal_char(q);
                }
                return Ok(());
            }
            'b' | 'B' if self.peek() == Some('{') => {
                return Err(RegexError::unsupported(self.pattern, "\\b{g}"));
            }
            'b' | 'B' | 'A' | 'z' | 'G' | 'R' | 'Z' => {
                self.not_literal();
                self.has_atom = true;
                match c {
                    'Z' => self.dollar(false),
                    'G' => {
                        self.fancy = true;
                        self.out.push_str(r"\G");
                    }
                    'R' => {
                        // Java's linebreak matcher does not give back the `\n` of a `\r\n`.
                        self.fancy = true;
                        self.out
                            .push_str(r"(?>\r\n|[\n\x0B\x0C\r\x{85}\x{2028}\x{2029}])");
                    }
                    _ => {
                        self.out.push('\\');
                        self.out.push(c);
                    }
                }
                return Ok(());
            }
            'X' | 'N' => {
                return Err(RegexError::unsupported(self.pattern, format!("\\{c}")));
            }
            _ => {}
        }
        match self.escape_common(c)? {
            Atom::Char(ch) => self.literal_char(ch),
            Atom::Set(set) => {
                self.not_literal();
                self.out.push_str(&set);
                self.has_atom = true;
            }
        }
        Ok(())
    }

    /// Escapes valid both inside and outside a class: a single character or a set.
    pub(super) fn escape_common(&mut self, c: char) -> Result<Atom, RegexError> {
        let ch = match c {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'f' => '\x0C',
            'a' => '\x07',
            'e' => '\x1B',
            '0' => self.octal()?,
            'x' => self.hex()?,
            'u' => self.utf16()?,
            'c' => match self.bump() {
                Some(x) => char::from_u32(u32::from(x) ^ 64)
                    .ok_or_else(|| self.err("Illegal control escape sequence"))?,
                None => return Err(self.err("Illegal control escape sequence")),
            },
            'p' | 'P' => return self.property(c == 'P').map(Atom::Set),
            c if c.is_ascii_alphabetic() => {
                return classes::shorthand(c, self.flags.unicode_classes)
                    .map(Atom::Set)
                    .ok_or_else(|| self.err("Illegal/unsupported escape sequence"));
            }
            c if c.is_ascii_digit() => {
                return Err(self.err("Illegal/unsupported escape sequence"));
            }
            c => c,
        };
        Ok(Atom::Char(ch))
    }

    fn octal(&mut self) -> Result<char, RegexError> {
        let digit = |c: Option<char>| c.and_then(|c| c.to_digit(8));
        let Some(n) = digit(self.peek()) else {
            return Err(self.err("Illegal octal escape sequence"));
        };
        self.pos += 1;
        let mut value = n;
        if let Some(m) = digit(self.peek()) {
            self.pos += 1;
            value = value * 8 + m;
            if let (Some(o), true) = (digit(self.peek()), n <= 3) {
                self.pos += 1;
                value = value * 8 + o;
            }
        }
        char::from_u32(value).ok_or_else(|| self.err("Illegal octal escape sequence"))
    }

    fn hex(&mut self) -> Result<char, RegexError> {
        let hex = |c: Option<char>| c.and_then(|c| c.to_digit(16));
        if let (Some(a), Some(b)) = (hex(self.peek()), hex(self.peek_at(1))) {
            self.pos += 2;
            return char::from_u32(a * 16 + b)
                .ok_or_else(|| self.err("Illegal hexadecimal escape sequence"));
        }
        if self.peek() == Some('{') && hex(self.peek_at(1)).is_some() {
            self.pos += 1;
            let mut value: u32 = 0;
            while let Some(d) = hex(self.peek()) {
                self.pos += 1;
                value = value * 16 + d;
                if value > 0x10FFFF {
                    return Err(self.err("Hexadecimal codepoint is too big"));
                }
            }
            if self.bump() != Some('}') {
                return Err(self.err("Unclosed hexadecimal escape sequence"));
            }
            return char::from_u32(value)
                .ok_or_else(|| RegexError::unsupported(self.pattern, "lone surrogate code point"));
        }
        Err(self.err("Illegal hexadecimal escape sequence"))
    }

    /// `\uXXXX`, combining a `\uD8xx\uDCxx` surrogate pair into one character.
    fn utf16(&mut self) -> Result<char, RegexError> {
        let high = self.four_hex()?;
        if (0xD800..0xDC00).contains(&high)
            && self.peek() == Some('\\')
            && self.peek_at(1) == Some('u')
        {
            let save = self.pos;
            self.pos += 2;
            if let Ok(low) = self.four_hex() {
                if (0xDC00..0xE000).contains(&low) {
                    let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    if let Some(c) = char::from_u32(c) {
                        return Ok(c);
                    }
                }
            }
            self.pos = save;
        }
        char::from_u32(high)
            .ok_or_else(|| RegexError::unsupported(self.pattern, "lone surrogate code point"))
    }

    fn four_hex(&mut self) -> Result<u32, RegexError> {
        let mut value = 0;
        for _ in 0..4 {
            let d = self.peek().and_then(|c| c.to_digit(16));
            let Some(d) = d else {
                return Err(self.err("Illegal Unicode escape sequence"));
            };
            self.pos += 1;
            value = value * 16 + d;
        }
        Ok(value)
    }

    fn property(&mut self, negate: bool) -> Result<String, RegexError> {
        let name: String = match self.bump() {
            Some('{') => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c != '}') {
                    self.pos += 1;
                }
                let name = self.chars[start..self.pos].iter().collect();
                if self.bump() != Some('}') {
                    return Err(self.err("Unclosed character family"));
                }
                name
            }
            Some(c) => c.to_string(),
            None => return Err(self.err("Illegal character family escape sequence")),
        };
        classes::property(self.pattern, &name, negate, self.flags.unicode_classes)
    }

    /// `\n`: Java reads further digits only while they still name an existing group.
    fn backref(&mut self, first: char) -> Result<(), RegexError> {
        let mut group = first.to_digit(10).unwrap_or(0) as usize;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            let next = group * 10 + d as usize;
            if next > self.group_count {
                break;
            }
            group = next;
            self.pos += 1;
        }
        if group > self.group_count {
            return Err(self.err(format!("No such group {group}")));
        }
        self.back_reference(&group.to_string());
        Ok(())
    }

    fn named_backref(&mut self) -> Result<(), RegexError> {
        if self.bump() != Some('<') {
            return Err(self.err("\\k is not followed by '<' for named capturing group"));
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if self.bump() != Some('>') {
            return Err(self.err("named capturing group is missing trailing '>'"));
        }
        if !self.group_names.iter().any(|(n, _)| *n == name) {
            return Err(self.err(format!("named capturing group <{name}> does not exist")));
        }
        self.back_reference(&format!("k<{name}>"));
        Ok(())
    }

    fn back_reference(&mut self, reference: &str) {
        self.not_literal();
        self.fancy = true;
        // Wrapped so that following digits are not read as part of the group number.
        self.out.push_str("(?:\\");
        self.out.push_str(reference);
        self.out.push(')');
        self.has_atom = true;
    }
}
