//! Java's predefined character classes (`\d`, `\s`, `\w`, `\h`, `\v`), POSIX and `java*` properties
//! (`\p{Lower}`, `\p{javaLowerCase}`, …) and Unicode properties, spelled as `regex`-crate classes.
//!
//! Java's shorthands are ASCII-only unless the `U` flag (UNICODE_CHARACTER_CLASS) is on, whereas the
//! `regex` crate's are Unicode by default, so every shorthand is written out as an explicit class.
//! Every set is returned bracketed (`[...]`), which nests both at top level and inside a class.

use super::RegexError;

/// `\s` without the `U` flag: `[ \t\n\x0B\f\r]`.
const ASCII_SPACE: &str = r"\t\n\x0B\x0C\r\x20";
/// `\h`: horizontal whitespace (Java 8+).
const HORIZONTAL: &str = r"\x20\t\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}";
/// `\v`: vertical whitespace (Java 8+; Java 7 and earlier read `\v` as `\x0B`).
const VERTICAL: &str = r"\n\x0B\x0C\r\x{85}\x{2028}\x{2029}";

/// Wraps class contents as `[body]` or `[^body]`.
fn set(body: &str, negate: bool) -> String {
    let mut out = String::with_capacity(body.len() + 3);
    out.push('[');
    if negate {
        out.push('^');
    }
    out.push_str(body);
    out.push(']');
    out
}

/// The class for a backslash shorthand letter (`d D s S w W h H v V`); `None` for other letters.
pub(super) fn shorthand(letter: char, unicode_classes: bool) -> Option<String> {
    let negate = letter.is_ascii_uppercase();
    let body = match (letter.to_ascii_lowercase(), unicode_classes) {
        ('d', false) => "0-9",
        ('d', true) => r"\p{Nd}",
        ('s', false) => ASCII_SPACE,
        ('s', true) => r"\p{White_Space}",
        ('w', false) => "a-zA-Z_0-9",
        ('w', true) => r"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}",
        ('h', _) => HORIZONTAL,
        ('v', _) => VERTICAL,
        _ => return None,
    };
    Some(set(body, negate))
}

/// Class body of a POSIX property name (case-sensitive, as in Java), ASCII or Unicode flavour.
fn posix(name: &str, unicode_classes: bool) -> Option<&'static str> {
    let body = if unicode_classes {
        match name {
            "Lower" => r"\p{Lowercase}",
            "Upper" => r"\p{Uppercase}",
            "ASCII" => r"\x00-\x7F",
            "Alpha" => r"\p{Alphabetic}",
            "Digit" => r"\p{Nd}",
            "Alnum" => r"\p{Alphabetic}\p{Nd}",
            "Punct" => r"\p{P}",
            "Graph" => r"[^\p{White_Space}\p{Cc}\p{Cn}]",
            "Print" => r"[^\p{White_Space}\p{Cc}\p{Cn}]\p{Zs}\t&&[^\p{Cc}]",
            "Blank" => r"\p{Zs}\t",
            "Cntrl" => r"\p{Cc}",
            "XDigit" => r"\p{Nd}\p{Hex_Digit}",
            "Space" => r"\p{White_Space}",
            _ => return None,
        }
    } else {
        match name {
            "Lower" => "a-z",
            "Upper" => "A-Z",
            "ASCII" => r"\x00-\x7F",
            "Alpha" => "a-zA-Z",
            "Digit" => "0-9",
            "Alnum" => "a-zA-Z0-9",
            "Punct" => r"\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E",
            "Graph" => r"\x21-\x7E",
            "Print" => r"\x20-\x7E",
            "Blank" => r"\x20\t",
            "Cntrl" => r"\x00-\x1F\x7F",
            "XDigit" => "0-9a-fA-F",
            "Space" => ASCII_SPACE,
            _ => return None,
        }
    };
    Some(body)
}

/// Class body of a `java.lang.Character` method property (`\p{javaLowerCase}` …).
fn java_method(name: &str) -> Option<&'static str> {
    Some(match name {
        "javaLowerCase" => r"\p{Lowercase}",
        "javaUpperCase" => r"\p{Uppercase}",
        "javaTitleCase" => r"\p{Lt}",
        "javaDigit" => r"\p{Nd}",
        "javaLetter" => r"\p{L}",
        "javaLetterOrDigit" => r"\p{L}\p{Nd}",
        "javaAlphabetic" => r"\p{Alphabetic}",
        "javaIdeographic" => r"\p{Ideographic}",
        "javaSpaceChar" => r"\p{Z}",
        "javaMirrored" => r"\p{Bidi_Mirrored}",
        "javaISOControl" => r"\x00-\x1F\x7F-\x{9F}",
        // Character.isWhitespace: space separators except the no-break ones, plus ASCII controls.
        "javaWhitespace" => r"\t\n\x0B\x0C\r\x1C-\x1F[\p{Z}--[\x{A0}\x{2007}\x{202F}]]",
        _ => return None,
    })
}

/// The class for `\p{name}` (or `\P{name}` when `negate`), following Java's name rules:
/// POSIX names, `java*` names, `Is`-prefixed categories/scripts/binary properties, `sc=`/`gc=`
/// keywords and bare general categories. Unicode blocks (`In…`, `blk=`) have no `regex`-crate
/// equivalent and are reported as unsupported.
pub(super) fn property(
    pattern: &str,
    name: &str,
    negate: bool,
    unicode_classes: bool,
) -> Result<String, RegexError> {
    if let Some(body) = posix(name, unicode_classes).or_else(|| java_method(name)) {
        return Ok(set(body, negate));
    }
    let unicode_name = if let Some(rest) = name.strip_prefix("Is") {
        rest.to_owned()
    } else if let Some(rest) = name
        .strip_prefix("sc=")
        .or_else(|| name.strip_prefix("script="))
    {
        format!("sc={rest}")
    } else if let Some(rest) = name
        .strip_prefix("gc=")
        .or_else(|| name.strip_prefix("general_category="))
    {
        format!("gc={rest}")
    } else if name.starts_with("In") || name.starts_with("blk=") || name.starts_with("block=") {
        return Err(RegexError::unsupported(
            pattern,
            format!("Unicode block property \\p{{{name}}}"),
        ));
    } else if is_general_category(name) {
        name.to_owned()
    } else {
        return Err(RegexError::syntax(
            pattern,
            format!("Unknown character property name {{{name}}}"),
        ));
    };
    if unicode_name.is_empty()
        || !unicode_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '=' | '-' | ' '))
    {
        return Err(RegexError::syntax(
            pattern,
            format!("Unknown character property name {{{name}}}"),
        ));
    }
    Ok(set(&format!(r"\p{{{unicode_name}}}"), negate))
}

/// Java accepts bare general-category names (`L`, `Lu`, `Nd`, …) without the `Is` prefix.
fn is_general_category(name: &str) -> bool {
    let mut chars = name.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(major), minor, None) => {
            "LMNPSZC".contains(major) && minor.is_none_or(|c| c.is_ascii_lowercase() || c == 'C')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shorthands_are_ascii_unless_unicode_flag() {
        assert_eq!(shorthand('d', false).unwrap(), "[0-9]");
        assert_eq!(shorthand('D', false).unwrap(), "[^0-9]");
        assert_eq!(shorthand('w', false).unwrap(), "[a-zA-Z_0-9]");
        assert_eq!(shorthand('d', true).unwrap(), r"[\p{Nd}]");
        assert!(shorthand('q', false).is_none());
    }

    #[test]
    fn posix_and_java_names() {
        assert_eq!(property("", "Lower", false, false).unwrap(), "[a-z]");
        assert_eq!(property("", "Alpha", true, false).unwrap(), "[^a-zA-Z]");
        assert_eq!(
            property("", "javaLowerCase", false, false).unwrap(),
            r"[\p{Lowercase}]"
        );
        // POSIX names are case-sensitive in Java.
        assert!(property("", "lower", false, false).is_err());
    }

    #[test]
    fn unicode_names() {
        assert_eq!(
            property("", "IsLatin", false, false).unwrap(),
            r"[\p{Latin}]"
        );
        assert_eq!(property("", "Lu", false, false).unwrap(), r"[\p{Lu}]");
        assert_eq!(property("", "L", true, false).unwrap(), r"[^\p{L}]");
        assert_eq!(
            property("", "sc=Greek", false, false).unwrap(),
            r"[\p{sc=Greek}]"
        );
        assert!(matches!(
            property("", "InGreek", false, false),
            Err(RegexError::Unsupported { .. })
        ));
        assert!(property("", "Latin", false, false).is_err());
    }
}
