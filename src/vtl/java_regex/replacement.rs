//! Java `Matcher.appendReplacement` replacement strings: `$n`, `${name}`, and `\x` escapes.
//!
//! The string is parsed once into pieces. Java parses it lazily at each match, so a bad
//! replacement only fails when there is something to replace; callers reproduce that by parsing
//! on the first match.

use super::RegexError;

/// One part of a parsed replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    /// Text copied as is.
    Text(String),
    /// The text of a capturing group (empty when the group did not take part in the match).
    Group(usize),
}

/// Parses a Java replacement string against a pattern with `group_count` capturing groups.
pub(super) fn parse(
    replacement: &str,
    group_count: usize,
    group_names: &[(String, usize)],
) -> Result<Vec<Piece>, RegexError> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => text.push(escaped),
                None => return Err(invalid("character to be escaped is missing")),
            },
            '$' => {
                let group = match chars.next() {
                    None => return Err(invalid("Illegal group reference: group index is missing")),
                    Some('{') => {
                        let mut name = String::new();
                        while let Some(&n) = chars.peek() {
                            if !n.is_ascii_alphanumeric() {
                                break;
                            }
                            name.push(n);
                            chars.next();
                        }
                        if name.is_empty() {
                            return Err(invalid("named capturing group has 0 length name"));
                        }
                        if chars.next() != Some('}') {
                            return Err(invalid("named capturing group is missing trailing '}'"));
                        }
                        if name.starts_with(|c: char| c.is_ascii_digit()) {
                            return Err(invalid(format!(
                                "capturing group name {{{name}}} starts with digit character"
                            )));
                        }
                        group_names
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, g)| *g)
                            .ok_or_else(|| invalid(format!("No group with name {{{name}}}")))?
                    }
                    Some(d) => {
                        let Some(first) = d.to_digit(10) else {
                            return Err(invalid("Illegal group reference"));
                        };
                        // Java takes further digits only while they still name an existing group.
                        let mut group = first as usize;
                        while let Some(next) = chars.peek().and_then(|c| c.to_digit(10)) {
                            let candidate = group * 10 + next as usize;
                            if candidate > group_count {
                                break;
                            }
                            group = candidate;
                            chars.next();
                        }
                        if group > group_count {
                            return Err(invalid(format!("No group {group}")));
                        }
                        group
                    }
                };
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Group(group));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

fn invalid(reason: impl Into<String>) -> RegexError {
    RegexError::Replacement(reason.into())
}

/// Appends the expansion of `pieces` for one match; `group(i)` gives the text of group `i`.
pub(super) fn expand<'h>(
    pieces: &[Piece],
    out: &mut String,
    group: impl Fn(usize) -> Option<&'h str>,
) {
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Group(i) => out.push_str(group(*i).unwrap_or("")),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn names() -> Vec<(String, usize)> {
        vec![("word".to_owned(), 2)]
    }

    #[test]
    fn groups_escapes_and_text() {
        assert_eq!(
            parse(r"<$1|${word}|\$|\\>", 2, &names()).unwrap(),
            vec![
                Piece::Text("<".into()),
                Piece::Group(1),
                Piece::Text("|".into()),
                Piece::Group(2),
                Piece::Text(r"|$|\>".into()),
            ]
        );
    }

    #[test]
    fn multi_digit_group_stops_at_group_count() {
        // With 2 groups `$12` is group 1 followed by the text "2".
        assert_eq!(
            parse("$12", 2, &[]).unwrap(),
            vec![Piece::Group(1), Piece::Text("2".into())]
        );
        assert_eq!(parse("$12", 12, &[]).unwrap(), vec![Piece::Group(12)]);
    }

    #[test]
    fn java_errors() {
        for bad in ["$", "\\", "$a", "${}", "${word", "${1a}", "${nope}", "$3"] {
            assert!(
                matches!(parse(bad, 2, &names()), Err(RegexError::Replacement(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn expand_uses_empty_for_missing_groups() {
        let pieces = parse("[$1-$2]", 2, &[]).unwrap();
        let mut out = String::new();
        expand(&pieces, &mut out, |i| if i == 1 { Some("x") } else { None });
        assert_eq!(out, "[x-]");
    }
}
