//! Which blanks before `#set` it swallows, and what vanishes with them.
//!
//! Velocity 1.7's `#set` token includes the spaces/tabs before it, but only when they start a
//! token: after plain text they belong to the text token. These helpers find the non-text
//! tokens that end right before such blanks (an unknown `#word`, a dangling `$`/`$!`/`#`,
//! which Velocity folds into the `#set` token so they render nothing).

use super::{is_space, Dir, Lexer};

impl Lexer<'_> {
    /// Blanks then `#set` at `q`: where the blanks start (`q`) if so, with at least one blank.
    pub(super) fn blanks_then_set(&self, q: usize) -> Option<usize> {
        let mut e = q;
        while matches!(self.at(e), Some(c) if is_space(*c)) {
            e += 1;
        }
        let set = e > q && matches!(self.directive_at(e), Ok(Some((Dir::Set, _))));
        set.then_some(q)
    }

    /// A run of `$`, `$!` and `#` at `p` that starts no reference or directive, followed by
    /// blanks and `#set`: Velocity 1.7 folds the run into the `#set` token, so it renders
    /// nothing (`a$  #set(...)b` -> `ab`). Returns where the blanks start.
    pub(super) fn dangling_before_set(&self, p: usize) -> Option<usize> {
        let mut q = p;
        loop {
            match self.at(q) {
                Some(b'$') if self.at(q + 1) == Some(&b'!') => q += 2,
                Some(b'$' | b'#') => q += 1,
                _ => break,
            }
        }
        self.blanks_then_set(q)
    }

    /// `#word`, `#{word}` or `#12` that is no directive, followed by blanks and `#set`: the blanks start
    /// a token after the word (Velocity 1.7), so `#set` swallows them. Returns the word end.
    pub(super) fn word_before_set(&self, p: usize) -> Option<usize> {
        let c = *self.at(p + 1)?;
        let w = if c == b'{' {
            // `#{word}`
            let e = self.word_end(p + 2);
            if e == p + 2 || self.at(e) != Some(&b'}') {
                return None;
            }
            e + 1
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'@' {
            let mut q = p + 1;
            while matches!(self.at(q), Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c == b'@')
            {
                q += 1;
            }
            q
        } else if c.is_ascii_digit() {
            self.word_end(p + 1)
        } else {
            return None;
        };
        self.blanks_then_set(w)
    }
}
