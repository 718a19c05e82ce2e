//! Lexer: template source -> flat token stream.
//!
//! Velocity is context-sensitive (text, references, directive arguments), so the lexer tracks
//! the mode itself: plain text until `$`/`#`/`\`, reference chains without whitespace, and
//! expression mode inside directive/method parentheses and index brackets. Whitespace
//! gobbling (Velocity 1.7 rules, mapping.md §3.7) is decided here because it is lexical: the
//! gobbled bytes simply never become `Text` tokens.

use std::collections::HashSet;

use super::error::{ErrorKind, RawError, Span};
use super::token::{BinOp, Dir, Tok, Token};

mod group;
mod set_blanks;

/// Deepest nesting of reference/argument groups the lexer follows.
pub const MAX_LEX_DEPTH: usize = 64;

/// Lexes a whole template (errors carry the template name and line:col).
pub fn lex(name: &str, src: &str) -> Result<Vec<Token>, super::error::VtlError> {
    let macros = macro_names(src);
    lex_range(src, 0, src.len(), &macros, true).map_err(|e| e.attach(name, src))
}

/// Lexes `src[start..end]` as template text (used for interpolated string literals; spans stay
/// relative to the whole source). `strict_end`: a trailing `$`/`#` is an error (Velocity 1.7
/// rejects it at the end of a template).
pub(crate) fn lex_range(
    src: &str,
    start: usize,
    end: usize,
    macros: &HashSet<String>,
    strict_end: bool,
) -> Result<Vec<Token>, RawError> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        pos: start,
        end,
        toks: Vec::new(),
        macros,
        last_text: false,
        macro_args: false,
        depth: 0,
    };
    lx.template(strict_end)?;
    lx.toks.push(Token {
        kind: Tok::Eof,
        span: Span::new(end, end),
    });
    Ok(lx.toks)
}

/// Names of every `#macro(name ...)` in the source, so `#name(` is known to be a call.
pub(crate) fn macro_names(src: &str) -> HashSet<String> {
    let mut set = HashSet::new();
    let b = src.as_bytes();
    let mut from = 0;
    while let Some(i) = src.get(from..).and_then(|s| s.find("macro")) {
        let at = from + i;
        from = at + 5;
        let hash_ok = (at >= 1 && b[at - 1] == b'#') || (at >= 2 && &b[at - 2..at] == b"#{");
        if !hash_ok {
            continue;
        }
        let mut p = at + 5;
        if at >= 2 && b[at - 1] == b'{' {
            if b.get(p) != Some(&b'}') {
                continue;
            }
            p += 1;
        }
        while matches!(b.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        if b.get(p) != Some(&b'(') {
            continue;
        }
        p += 1;
        while matches!(b.get(p), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            p += 1;
        }
        let s = p;
        while matches!(b.get(p), Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-') {
            p += 1;
        }
        if p > s {
            set.insert(src[s..p].to_string());
        }
    }
    set
}

fn ident_start(c: Option<&u8>) -> bool {
    matches!(c, Some(c) if c.is_ascii_alphabetic() || *c == b'_')
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

struct Lexer<'s> {
    src: &'s str,
    b: &'s [u8],
    pos: usize,
    end: usize,
    toks: Vec<Token>,
    macros: &'s HashSet<String>,
    /// The last emitted token was `Text` (decides whether `#set` eats leading blanks).
    last_text: bool,
    /// The next `group` is a macro call's argument list (whitespace-separated arguments).
    macro_args: bool,
    depth: usize,
}

impl<'s> Lexer<'s> {
    fn at(&self, p: usize) -> Option<&u8> {
        if p < self.end {
            self.b.get(p)
        } else {
            None
        }
    }

    fn push(&mut self, kind: Tok, s: usize, e: usize) {
        self.toks.push(Token {
            kind,
            span: Span::new(s, e),
        });
        self.last_text = kind == Tok::Text;
    }

    fn flush(&mut self, s: usize, e: usize) {
        if e > s {
            self.push(Tok::Text, s, e);
        }
    }

    fn err<T>(&self, msg: &str, s: usize, e: usize) -> Result<T, RawError> {
        Err(RawError::syntax(msg, Span::new(s, e)))
    }

    /// `[A-Za-z_][A-Za-z0-9_-]*` with trailing dashes trimmed (`$env-$x` ends at `env`).
    fn ident_dash_end(&self, p: usize) -> usize {
        let mut q = p;
        while matches!(self.at(q), Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
        {
            q += 1;
        }
        while q > p + 1 && self.b[q - 1] == b'-' {
            q -= 1;
        }
        q
    }

    fn word_end(&self, p: usize) -> usize {
        let mut q = p;
        while matches!(self.at(q), Some(c) if c.is_ascii_alphanumeric() || *c == b'_') {
            q += 1;
        }
        q
    }

    /// Could a reference start at `p` (`$`, optional `!`, optional `{`, identifier start)?
    fn ref_start_ok(&self, p: usize) -> bool {
        let mut q = p + 1;
        if self.at(q) == Some(&b'!') {
            q += 1;
        }
        if self.at(q) == Some(&b'{') {
            q += 1;
        }
        ident_start(self.at(q))
    }

    /// If a directive (or macro call) starts at `p` (a `#`): its kind, the end of `#name` /
    /// `#{name}`, and the name span.
    fn directive_at(&self, p: usize) -> Result<Option<(Dir, usize)>, RawError> {
        let braced = self.at(p + 1) == Some(&b'{');
        let ns = if braced { p + 2 } else { p + 1 };
        if !ident_start(self.at(ns)) {
            return Ok(None);
        }
        let ne = self.word_end(ns);
        let mut end = ne;
        if braced {
            if self.at(ne) != Some(&b'}') {
                return Ok(None);
            }
            end += 1;
        }
        let name = &self.src[ns..ne];
        if let Some(d) = Dir::from_name(name) {
            return Ok(Some((d, end)));
        }
        // A macro is called with or without an argument list (`#m()`, `#m`), as in Velocity 1.7.
        if self.macros.contains(name) {
            return Ok(Some((Dir::MacroCall, end)));
        }
        let mut q = end;
        while matches!(self.at(q), Some(c) if is_space(*c)) {
            q += 1;
        }
        if self.at(q) == Some(&b'(') && near_miss(name) {
            return Err(RawError::new(
                ErrorKind::UnknownDirective(name.to_string()),
                Span::new(p, end),
            ));
        }
        Ok(None)
    }

    fn template(&mut self, strict_end: bool) -> Result<(), RawError> {
        let mut text_start = self.pos;
        while self.pos < self.end {
            let c = self.b[self.pos];
            match c {
                b'\\' => {
                    let p = self.pos;
                    let mut q = p;
                    while self.at(q) == Some(&b'\\') {
                        q += 1;
                    }
                    let n = q - p;
                    let is_ref = self.at(q) == Some(&b'$') && self.ref_start_ok(q);
                    let dir = if self.at(q) == Some(&b'#') {
                        self.directive_at(q)?
                    } else {
                        None
                    };
                    if !is_ref && dir.is_none() {
                        // `\$  #set`: the backslashes belong to the dangling `$` token, and
                        // vanish with it.
                        if self.at(q) == Some(&b'$') {
                            if let Some(blanks) = self.dangling_before_set(q) {
                                self.flush(text_start, p);
                                self.pos = blanks;
                                text_start = blanks;
                                self.last_text = false;
                                continue;
                            }
                        }
                        self.pos = q;
                        continue;
                    }
                    // Backslashes pair up; an odd one escapes the reference/directive. Before a
                    // `#set` Velocity 1.7 keeps an even run whole (`\\#set` renders `\\`).
                    let kept = match dir {
                        Some((Dir::Set, _)) if n % 2 == 0 => n,
                        _ => n / 2,
                    };
                    self.flush(text_start, p + kept);
                    self.pos = q;
                    if n % 2 == 1 {
                        if is_ref {
                            let mark = self.toks.len();
                            let ok = self.reference(false)?;
                            self.toks.truncate(mark);
                            if !ok {
                                self.pos = q + 1;
                            }
                        } else if let Some((_, e)) = dir {
                            self.pos = e;
                        }
                        self.push(Tok::Text, q, self.pos);
                        // An escaped reference/directive is its own token in Velocity 1.7:
                        // blanks after it start a new one, which `#set` swallows.
                        self.last_text = false;
                    }
                    text_start = self.pos;
                }
                b'$' => {
                    if self.pos + 1 >= self.end {
                        if strict_end {
                            return self.err("'$' at the end of the template", self.pos, self.end);
                        }
                        self.pos += 1;
                        continue;
                    }
                    if !self.ref_start_ok(self.pos) {
                        if let Some(blanks) = self.dangling_before_set(self.pos) {
                            self.flush(text_start, self.pos);
                            self.pos = blanks;
                            text_start = blanks;
                            self.last_text = false;
                            continue;
                        }
                    }
                    if self.at(self.pos + 1) == Some(&b'!')
                        && !self.ref_start_ok(self.pos)
                        && self.at(self.pos + 2) != Some(&b'{')
                    {
                        // A `$!` that starts no reference renders as `$`: Velocity 1.7 keeps
                        // only the `$` of the unfinished `$!` token (`$! x` -> `$ x`), and a
                        // `$!` at the very end is a lexical error, as `$` is.
                        if self.pos + 2 >= self.end && strict_end {
                            return self.err("'$!' at the end of the template", self.pos, self.end);
                        }
                        self.flush(text_start, self.pos + 1);
                        self.pos += 2;
                        text_start = self.pos;
                        continue;
                    }
                    if self.ref_start_ok(self.pos) {
                        let p = self.pos;
                        let mark = self.toks.len();
                        let was_text = self.last_text;
                        self.flush(text_start, p);
                        if self.reference(false)? {
                            text_start = self.pos;
                        } else {
                            self.toks.truncate(mark);
                            self.last_text = was_text;
                            self.pos = p + 1;
                        }
                    } else {
                        self.pos += 1;
                    }
                }
                b'#' => {
                    let p = self.pos;
                    match self.at(p + 1) {
                        None => {
                            if strict_end {
                                return self.err("'#' at the end of the template", p, p + 1);
                            }
                            self.pos += 1;
                        }
                        Some(b'#') => {
                            self.flush(text_start, p);
                            let mut q = p + 2;
                            while q < self.end && self.b[q] != b'\n' && self.b[q] != b'\r' {
                                q += 1;
                            }
                            q = self.skip_newline(q);
                            self.push(Tok::Comment, p, q);
                            self.pos = q;
                            text_start = q;
                        }
                        Some(b'*') => {
                            self.flush(text_start, p);
                            // An unclosed block comment runs to the end of the template, as in
                            // Velocity 1.7, unless it ends in `$`/`#` (a token still open at
                            // the end there: a lexical error), as a bare `#*` does.
                            let q = match self.src[p + 2..self.end].find("*#") {
                                Some(i) => p + 2 + i + 2,
                                None if p + 2 < self.end
                                    && !matches!(self.b[self.end - 1], b'$' | b'#') =>
                                {
                                    self.end
                                }
                                None => return self.err("unterminated comment '#*'", p, p + 2),
                            };
                            self.push(Tok::Comment, p, q);
                            self.pos = q;
                            text_start = q;
                        }
                        Some(b'[') if self.at(p + 2) == Some(&b'[') => {
                            self.flush(text_start, p);
                            let Some(i) = self.src[p + 3..self.end].find("]]#") else {
                                return self.err("unterminated '#[['", p, p + 3);
                            };
                            self.push(Tok::Unparsed, p + 3, p + 3 + i);
                            self.last_text = false;
                            self.pos = p + 3 + i + 3;
                            text_start = self.pos;
                        }
                        _ => match self.directive_at(p)? {
                            Some((dir, name_end)) => {
                                self.directive(dir, p, name_end, text_start)?;
                                text_start = self.pos;
                            }
                            None => {
                                if let Some(blanks) = self.dangling_before_set(p) {
                                    self.flush(text_start, p);
                                    self.pos = blanks;
                                    text_start = blanks;
                                    self.last_text = false;
                                } else if let Some(w) = self.word_before_set(p) {
                                    self.flush(text_start, w);
                                    self.pos = w;
                                    text_start = w;
                                    self.last_text = false;
                                } else {
                                    self.pos += 1;
                                }
                            }
                        },
                    }
                }
                _ => self.pos += 1,
            }
        }
        self.flush(text_start, self.end);
        Ok(())
    }

    /// Skips one newline (`\n`, `\r\n`, `\r`) at `q` if present.
    fn skip_newline(&self, q: usize) -> usize {
        match self.at(q) {
            Some(b'\n') => q + 1,
            Some(b'\r') if self.at(q + 1) == Some(&b'\n') => q + 2,
            Some(b'\r') => q + 1,
            _ => q,
        }
    }

    fn directive(
        &mut self,
        dir: Dir,
        p: usize,
        name_end: usize,
        text_start: usize,
    ) -> Result<(), RawError> {
        let mut flush_end = p;
        // `#set` swallows the blanks before it when they start a token (Velocity 1.7's
        // SET_DIRECTIVE token includes leading spaces/tabs; after text they belong to the text).
        if dir == Dir::Set {
            let mut k = p;
            while k > text_start && is_space(self.b[k - 1]) {
                k -= 1;
            }
            // A backslash is a token of its own (an escape), so blanks after it are too.
            if (k == text_start && !self.last_text) || (k > text_start && self.b[k - 1] == b'\\') {
                flush_end = k;
            }
        }
        self.flush(text_start, flush_end);
        self.push(Tok::Directive(dir), p, name_end);
        self.pos = name_end;
        if dir.takes_args() {
            let mut q = self.pos;
            while matches!(self.at(q), Some(c) if is_space(*c)) {
                q += 1;
            }
            if dir == Dir::MacroCall && self.at(q) != Some(&b'(') {
                // `#m` without arguments: nothing more to lex, and the line goes on as text.
                self.last_text = false;
                return Ok(());
            }
            if self.at(q) != Some(&b'(') {
                return self.err(&format!("expected '(' after #{}", dir.name()), p, name_end);
            }
            self.push(Tok::LParen, q, q + 1);
            self.pos = q + 1;
            self.macro_args = dir == Dir::MacroCall;
            self.group(b')', q)?;
        }
        // A newline right after the directive (after blanks) is eaten (Velocity 1.7).
        let mut q = self.pos;
        while matches!(self.at(q), Some(c) if is_space(*c)) {
            q += 1;
        }
        let nl = self.skip_newline(q);
        if nl > q {
            self.pos = nl;
        }
        self.last_text = false;
        Ok(())
    }

    /// Lexes a reference at `self.pos` (a `$`). Returns false (position unchanged, nothing
    /// emitted) when the text is not a reference after all (e.g. an unclosed `${`).
    fn reference(&mut self, _in_expr: bool) -> Result<bool, RawError> {
        let start = self.pos;
        let mut p = start + 1;
        let quiet = self.at(p) == Some(&b'!');
        if quiet {
            p += 1;
        }
        let formal = self.at(p) == Some(&b'{');
        if formal {
            p += 1;
        }
        if !ident_start(self.at(p)) {
            return Ok(false);
        }
        self.depth += 1;
        if self.depth > MAX_LEX_DEPTH {
            return Err(RawError::new(
                ErrorKind::NestingTooDeep(MAX_LEX_DEPTH),
                Span::new(start, p),
            ));
        }
        let mark = self.toks.len();
        self.push(Tok::RefStart { quiet, formal }, start, p);
        let e = self.ident_dash_end(p);
        self.push(Tok::Ident, p, e);
        self.pos = e;
        loop {
            match self.at(self.pos) {
                Some(b'.') if ident_start(self.at(self.pos + 1)) => {
                    let d = self.pos;
                    let ne = self.ident_dash_end(d + 1);
                    self.push(Tok::Dot, d, d + 1);
                    self.push(Tok::Ident, d + 1, ne);
                    self.pos = ne;
                    if self.at(ne) == Some(&b'(') {
                        self.push(Tok::LParen, ne, ne + 1);
                        self.pos = ne + 1;
                        self.group(b')', ne)?;
                    }
                }
                Some(b'[') => {
                    let save_pos = self.pos;
                    let save_len = self.toks.len();
                    self.push(Tok::LBracket, save_pos, save_pos + 1);
                    self.pos += 1;
                    let ok = self.group(b']', save_pos).is_ok() && self.simple_index(save_len);
                    if !ok {
                        self.toks.truncate(save_len);
                        self.pos = save_pos;
                        break;
                    }
                }
                _ => break,
            }
        }
        if formal {
            if self.at(self.pos) == Some(&b'}') {
                self.push(Tok::RBrace, self.pos, self.pos + 1);
                self.pos += 1;
            } else {
                self.toks.truncate(mark);
                self.pos = start;
                self.depth -= 1;
                return Ok(false);
            }
        }
        self.push(Tok::RefEnd, self.pos, self.pos);
        self.depth -= 1;
        Ok(true)
    }

    /// Index content must be one integer (optionally negative), one string or one reference.
    fn simple_index(&self, from: usize) -> bool {
        let inner = &self.toks[from + 1..self.toks.len() - 1];
        match inner {
            [t] => matches!(t.kind, Tok::Int | Tok::DqString | Tok::SqString),
            [a, b] => a.kind == Tok::Op(BinOp::Sub) && b.kind == Tok::Int,
            [first, .., last] => {
                if !matches!(first.kind, Tok::RefStart { .. }) || last.kind != Tok::RefEnd {
                    return false;
                }
                let mut depth = 0i32;
                for (i, t) in inner.iter().enumerate() {
                    match t.kind {
                        Tok::RefStart { .. } => depth += 1,
                        Tok::RefEnd => {
                            depth -= 1;
                            if depth == 0 && i != inner.len() - 1 {
                                return false;
                            }
                        }
                        _ => {}
                    }
                }
                true
            }
            _ => false,
        }
    }
}

/// `#name(` one edit away from a directive name reads as a typo, not as text.
fn near_miss(name: &str) -> bool {
    const NAMES: [&str; 10] = [
        "set", "if", "elseif", "else", "end", "foreach", "break", "stop", "define", "macro",
    ];
    name.len() >= 3 && NAMES.iter().any(|d| edit_distance_is_one(name, d))
}

fn edit_distance_is_one(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let mut i = 0;
    while i < short.len() && short[i] == long[i] {
        i += 1;
    }
    if short.len() == long.len() {
        i < short.len() && short[i + 1..] == long[i + 1..]
    } else {
        short[i..] == long[i + 1..]
    }
}
