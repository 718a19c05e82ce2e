//! Tests of [`JavaRegex`] against outputs documented for or observed on Java 8+.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::*;

fn re(p: &str) -> JavaRegex {
    JavaRegex::new(p).unwrap()
}

fn split(hay: &str, p: &str, limit: i32) -> Vec<String> {
    re(p)
        .split(hay, limit)
        .unwrap()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn matches(hay: &str, p: &str) -> bool {
    re(p).full_match(hay).unwrap()
}

fn replace_all(hay: &str, p: &str, r: &str) -> String {
    re(p).replace_all(hay, r).unwrap()
}

#[test]
fn split_javadoc_examples() {
    let s = "boo:and:foo";
    assert_eq!(split(s, ":", 2), ["boo", "and:foo"]);
    assert_eq!(split(s, ":", 5), ["boo", "and", "foo"]);
    assert_eq!(split(s, ":", -2), ["boo", "and", "foo"]);
    assert_eq!(split(s, ":", 0), ["boo", "and", "foo"]);
    assert_eq!(split(s, "o", 5), ["b", "", ":and:f", "", ""]);
    assert_eq!(split(s, "o", -2), ["b", "", ":and:f", "", ""]);
    assert_eq!(split(s, "o", 0), ["b", "", ":and:f"]);
}

#[test]
fn split_edge_rules() {
    assert_eq!(split("a,b,,", ",", 0), ["a", "b"]);
    assert_eq!(split("a,b,,", ",", -1), ["a", "b", "", ""]);
    assert_eq!(split("", ",", 0), [""]);
    assert_eq!(split(",", ",", 0), Vec::<String>::new());
    // A positive-width match at index 0 keeps the leading empty string...
    assert_eq!(split(",a", ",", 0), ["", "a"]);
    // ...a zero-width one does not (Java 8+).
    assert_eq!(split("abc", "", 0), ["a", "b", "c"]);
    assert_eq!(split("a1b22c", "\\d+", 0), ["a", "b", "c"]);
    assert_eq!(split("a1b2c3", "\\d", 0), ["a", "b", "c"]);
    assert_eq!(split("a,b,c", ",", 1), ["a,b,c"]);
    assert_eq!(split("Hello World", "(?=o)", 0), ["Hell", "o W", "orld"]);
    assert_eq!(split("x", "x", 0), Vec::<String>::new());
    assert_eq!(split("x", "x", -1), ["", ""]);
}

#[test]
fn replace_all_and_first() {
    assert_eq!(replace_all("Hello,World", "o", "0"), "Hell0,W0rld");
    assert_eq!(replace_all("a  b   c", "\\s+", " "), "a b c");
    assert_eq!(
        replace_all("hello world", "(\\w+) (\\w+)", "$2 $1"),
        "world hello"
    );
    assert_eq!(replace_all("aaa", "a*", "X"), "XX");
    assert_eq!(replace_all("abc", "", "-"), "-a-b-c-");
    assert_eq!(replace_all("a.b", ".", "x"), "xxx");
    assert_eq!(replace_all("cost", "cost", "\\$5"), "$5");
    assert_eq!(replace_all("ab", "(a)|(x)", "[$2]"), "[]b");
    assert_eq!(
        replace_all("2024-01", "(?<y>\\d+)-(?<m>\\d+)", "${m}/${y}"),
        "01/2024"
    );
    assert_eq!(re("a").replace_first("banana", "o").unwrap(), "bonana");
    assert_eq!(replace_all("it's", "\\\\'", "'"), "it's");
    assert_eq!(replace_all("it\\'s", "\\\\'", "'"), "it's");
    let mut out = String::from(">");
    re("b").replace_all_into("abc", "B", &mut out).unwrap();
    assert_eq!(out, ">aBc");
}

#[test]
fn replacement_errors_only_when_something_matches() {
    assert!(matches!(
        re("x").replace_all("x", "$1"),
        Err(RegexError::Replacement(_))
    ));
    assert!(re("x").replace_all("x", "a\\").is_err());
    assert_eq!(re("x").replace_all("y", "$1").unwrap(), "y");
}

#[test]
fn full_match_is_string_matches() {
    assert!(matches("abc", "a|ab|abc"));
    assert!(matches("ab", "a|ab"));
    assert!(!matches("abc", "ab"));
    assert!(matches("abc123", "[a-z]+[0-9]+"));
    assert!(matches("anything four hundred here", ".*four hundred.*"));
    assert!(matches("", ".*"));
    assert!(!matches("", ".+"));
    assert!(matches("abc", "abc$"));
    assert!(!matches("abc\n", "abc$"));
    assert!(matches("abc", "^abc$"));
}

#[test]
fn dot_and_line_terminators() {
    assert!(!matches("a\nb", "a.b"));
    assert!(!matches("a\rb", "a.b"));
    assert!(!matches("a\u{2028}b", "a.b"));
    assert!(!matches("a\u{85}b", "a.b"));
    assert!(matches("a\nb", "(?s)a.b"));
    assert!(matches("a\rb", "(?d)a.b"));
    assert!(!matches("Error:\nline 2", "Error.*"));
}

#[test]
fn dollar_caret_and_z() {
    assert_eq!(replace_all("abc\n", "$", "X"), "abcX\nX");
    assert_eq!(replace_all("a\r\n", "$", "X"), "aX\r\nX");
    assert_eq!(replace_all("abc", "$", "X"), "abcX");
    assert_eq!(replace_all("abc\n", "\\Z", "X"), "abcX\nX");
    assert_eq!(replace_all("abc\n", "\\z", "X"), "abc\nX");
    assert_eq!(replace_all("abc  ", "\\s+$", ""), "abc");
    assert_eq!(replace_all("a\nb", "(?m)^", ">"), ">a\n>b");
    assert_eq!(replace_all("a\n", "(?m)^", ">"), ">a\n");
    assert_eq!(replace_all("", "(?m)^", ">"), "");
    assert_eq!(replace_all("a\nb", "(?m)$", "X"), "aX\nbX");
    assert_eq!(replace_all("a\r\nb", "(?m)$", "X"), "aX\r\nbX");
    assert_eq!(replace_all("ab", "^", ">"), ">ab");
    assert_eq!(replace_all("a b", "\\b", "|"), "|a| |b|");
}

#[test]
fn java_shorthands_are_ascii() {
    assert!(!matches("\u{A0}", "\\s"));
    assert!(!matches("\u{663}", "\\d"));
    assert!(!matches("é", "\\w"));
    assert!(matches("é", "(?U)\\w"));
    assert!(matches("\u{A0}", "\\h"));
    assert!(matches(" \t", "\\h+"));
    assert!(matches("\u{2028}", "\\v"));
    assert!(matches("\r\n", "\\R"));
    assert!(!matches("\r\n", "\\R\\n"));
}

#[test]
fn posix_and_unicode_properties() {
    assert!(matches("abc", "\\p{Alpha}+"));
    assert!(!matches("ab1", "\\p{Alpha}+"));
    assert!(matches("ab1", "\\p{Alnum}+"));
    assert!(matches("abc", "\\p{Lower}+"));
    assert!(matches("ABC", "\\p{Upper}+"));
    assert!(matches("!-/", "\\p{Punct}+"));
    assert!(matches(" \t\n", "\\p{Space}+"));
    assert!(matches("1", "\\P{Alpha}"));
    assert!(matches("x", "[\\p{Digit}x]"));
    assert!(matches("héllo", "\\p{L}+"));
    assert!(matches("héllo", "\\p{IsLatin}+"));
    assert!(matches("É", "\\p{javaUpperCase}"));
    assert!(matches("É", "\\p{Lu}"));
    assert!(matches("A", "\\pL"));
    assert!(JavaRegex::new("\\p{InGreek}").is_err());
}

#[test]
fn quoting_and_escapes() {
    assert!(matches("a.b", "\\Qa.b\\E"));
    assert!(!matches("axb", "\\Qa.b\\E"));
    assert!(matches("a.b*", "\\Qa.b*"));
    assert!(matches("[x]", "[\\Q[]\\Ex]+"));
    assert!(matches("A", "\\0101"));
    assert!(matches("A", "\\x41"));
    assert!(matches("A", "\\u0041"));
    assert!(matches("😀", "\\x{1F600}"));
    assert!(matches("😀", "\\uD83D\\uDE00"));
    assert!(matches("\t\n", "\\t\\n"));
    assert!(matches("\u{1}", "\\cA"));
    assert!(matches("{}", "\\{}"));
    assert!(matches("]", "]"));
    assert!(matches("a#b c", "a#b c"));
}

#[test]
fn groups_flags_and_classes() {
    assert!(matches("ABC", "(?i)abc"));
    assert!(matches("aBC", "a(?i:b)C"));
    assert!(!matches("aBc", "a(?i:b)C"));
    assert!(matches("ab", "(?x) a b # comment"));
    assert!(matches("abab", "(ab)\\1"));
    assert!(matches("abab", "(?<p>ab)\\k<p>"));
    assert!(!matches("aaa", "a*+a"));
    assert!(matches("aaa", "(?>a+)"));
    assert_eq!(replace_all("foobar", "foo(?=bar)", "X"), "Xbar");
    assert_eq!(replace_all("foobar", "(?<=foo)bar", "X"), "fooX");
    assert!(matches("b", "[a-z&&[^aeiou]]"));
    assert!(!matches("a", "[a-z&&[^aeiou]]"));
    assert!(matches("-", "[a-]"));
    assert!(matches("-", "[-a]"));
    assert!(matches("]", "[]a]"));
    assert!(matches("d", "[a[d-f]]"));
    assert!(matches("aa", "a{2}"));
    assert!(matches("aaa", "a{2,}"));
    assert!(!matches("aaaa", "a{1,3}"));
    assert!(matches("a", "a{1,3}?"));
    assert!(matches("~&", "[~&]+"));
}

#[test]
fn invalid_java_patterns() {
    for bad in [
        "{",
        "a{",
        "a{x}",
        "a{2,1}",
        "(",
        ")",
        "*",
        "a**",
        "[a",
        "\\",
        "\\y",
        "(?<1a>x)",
        "(?q)",
        "\\k<n>",
        "[b-a]",
        "(?<n>a)(?<n>b)",
    ] {
        assert!(JavaRegex::new(bad).is_err(), "{bad:?} should be rejected");
    }
}

#[test]
fn literal_fast_path() {
    assert!(matches!(re("\\.").program, Program::Literal(ref l) if &**l == "."));
    assert!(matches!(re("a\\Q|\\E").program, Program::Literal(ref l) if &**l == "a|"));
    assert!(matches!(re("ab*").program, Program::Compiled(_)));
    assert!(matches!(re("(?i)a").program, Program::Compiled(_)));
    assert_eq!(split("a.b.c", "\\.", 0), ["a", "b", "c"]);
    assert_eq!(re(",").find_at("a,b,c", 2).unwrap(), Some((3, 4)));
}

/// Escapes every character that is not alphanumeric, as a Java author would.
fn java_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if !c.is_ascii_alphanumeric() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

proptest! {
    #[test]
    fn literal_patterns_behave_like_str(
        sep in "[ab.,|*$\\\\]{1,3}",
        hay in "[ab.,|*$\\\\]{0,16}",
    ) {
        let quoted = format!("\\Q{sep}\\E");
        for pattern in [java_escape(&sep), quoted] {
            let fast = JavaRegex::new(&pattern).unwrap();
            let slow = JavaRegex::build(&pattern, false).unwrap();
            let expected: Vec<&str> = hay.split(sep.as_str()).collect();
            prop_assert_eq!(fast.split(&hay, -1).unwrap(), expected.clone());
            prop_assert_eq!(slow.split(&hay, -1).unwrap(), expected);
            prop_assert_eq!(fast.split(&hay, 0).unwrap(), slow.split(&hay, 0).unwrap());
            prop_assert_eq!(fast.find(&hay).unwrap().is_some(), hay.contains(sep.as_str()));
            prop_assert_eq!(slow.find(&hay).unwrap().is_some(), hay.contains(sep.as_str()));
            prop_assert_eq!(slow.full_match(&hay).unwrap(), hay == sep);
            prop_assert_eq!(fast.replace_all(&hay, "X").unwrap(), hay.replace(sep.as_str(), "X"));
            prop_assert_eq!(slow.replace_all(&hay, "X").unwrap(), hay.replace(sep.as_str(), "X"));
        }
    }

    #[test]
    fn arbitrary_patterns_never_panic(pattern in "[a-c.()\\[\\]{}*+?|^$\\\\dswpQE0-9,<>=!:&-]{0,12}", hay in "[a-c\\n ,]{0,12}") {
        if let Ok(re) = JavaRegex::new(&pattern) {
            let _ = re.full_match(&hay);
            let _ = re.split(&hay, 0);
            let _ = re.replace_all(&hay, "$0");
            let _ = re.replace_first(&hay, "x");
        }
    }
}

#[test]
fn compiled_regex_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<JavaRegex>();
    let r = re("a$");
    assert_eq!(r.as_str(), "a$");
    // The whole-input program is compiled lazily and reused.
    assert!(r.full_match("a").unwrap());
    assert!(!r.full_match("ab").unwrap());
}
