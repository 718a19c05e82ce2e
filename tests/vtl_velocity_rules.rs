//! Velocity 1.7 rules beyond the conformance cases, each output checked on Velocity 1.7's own
//! engine (the Debian `velocity` 1.7 package; where it renders a null reference as its own text,
//! API Gateway renders it empty, spec mapping §3.9): conditions of literals and arithmetic,
//! ordering operators on numbers only, negative list indexes, the decimal literal forms, string
//! literal backslashes and `\uXXXX`, range bounds, Java method results and overloads
//! (`compareTo`, `lastIndexOf`, `subList`, static parsers, ...), POSIX-looking regex classes and
//! macro calls without an argument list.
#![allow(clippy::unwrap_used)]

use apigate::vtl::offline::render_offline_full;
use serde_json::json;

/// Renders `template` as a request template with an empty GET request.
fn render(template: &str) -> Result<String, String> {
    let input =
        json!({"phase": "request", "method": "GET", "path": "/", "body": "{\"a\":[1,2,3]}"});
    render_offline_full("t", template, &input)
        .map(|o| o.body)
        .map_err(|e| e.to_string())
}

fn check(cases: &[(&str, &str)]) {
    for (template, want) in cases {
        assert_eq!(render(template).as_deref(), Ok(*want), "{template}");
    }
}

/// A condition asks its node: references, booleans, comparisons and logic answer from their
/// value (so `""` and `0` in a variable are true), any other node is false unevaluated.
#[test]
fn conditions_follow_the_node_kind() {
    check(&[
        (r#"#set($x="v")#if("$x")T#{else}F#end"#, "F"),
        (
            "#set($n=1)#if($n + 1)T#{else}F#end#if($n)T#{else}F#end",
            "FT",
        ),
        (
            "#if(1)T#{else}F#end#if(1.5)T#{else}F#end#if('a')T#{else}F#end",
            "FFF",
        ),
        (
            "#if([])T#{else}F#end#if({})T#{else}F#end#if([1..2])T#{else}F#end",
            "FFF",
        ),
        (
            r#"#set($e="")#set($z=0)#if($e)T#{else}F#end#if($z)T#{else}F#end"#,
            "TT",
        ),
        (
            r#"#set($x=1)#if($x && "b")T#{else}F#end#if("a" || $x)T#{else}F#end"#,
            "FT",
        ),
        (
            r#"#set($b = !"")$b|#set($c = "x" && true)$c|#set($d = !1.5)$d"#,
            "true|false|true",
        ),
        (
            "#set($n=2)#if(!($n + 1))T#{else}F#end#if($n == 2 && true)T#{else}F#end",
            "TT",
        ),
        (
            r#"#set($s="abc")#if($s.length())T#{else}F#end#if($s.length() + 0)T#{else}F#end"#,
            "TF",
        ),
        // Not evaluated: the method in the arithmetic never runs.
        ("#set($l=[])#if($l.add(1) + 0)#end$l.size()", "0"),
    ]);
}

#[test]
fn ordering_operators_compare_numbers_only() {
    check(&[
        (
            r#"#if("b" >= "a")T#{else}F#end#if("a" <= "b")T#{else}F#end#if("b" > "a")T#{else}F#end"#,
            "FFF",
        ),
        (
            r#"#if("10" > 5)T#{else}F#end#if(true > false)T#{else}F#end"#,
            "FF",
        ),
        (
            "#if(2 > 1)T#{else}F#end#if(2.5 >= 2)T#{else}F#end#if(1 < 1.5)T#{else}F#end",
            "TTT",
        ),
    ]);
}

#[test]
fn negative_indexes_count_from_the_end() {
    check(&[
        ("#set($l=[1,2,3])$l[-1]|$l[-3]|$l[0]", "3|1|1"),
        (r#"#set($s = "x/y/z")#set($p = $s.split("/"))$p[-1]"#, "z"),
        ("#set($a = $input.path('$.a'))$a[-1]", "3"),
        ("#set($l=[1,2,3])#set($l[-1] = 9)$l", "[1, 2, 9]"),
    ]);
    // Out of range either way throws, as `get` does.
    for t in ["#set($l=[1,2,3])$l[3]", "#set($l=[1,2,3])$l[-4]"] {
        let e = render(t).unwrap_err();
        assert!(e.contains("IndexOutOfBoundsException"), "{t}: {e}");
    }
}

#[test]
fn decimal_literal_forms() {
    check(&[
        (
            "#set($x = 1e3)$x|#set($y = 1.5E-2)$y|#set($z = 2E+2)$z",
            "1000.0|0.015|200.0",
        ),
        (
            "#set($x = .5)$x|#set($y = 5.)$y|#set($z = -.5)$z|#set($w = [.5, 1.])$w",
            "0.5|5.0|-0.5|[0.5, 1.0]",
        ),
        // `..` after an integer is still a range.
        (
            "#foreach($i in [1..3])$i#end|#set($r = [3..1])$r",
            "123|[3, 2, 1]",
        ),
    ]);
}

#[test]
fn java_method_results() {
    check(&[
        (
            r#"#set($s="a")$s.compareTo("c")|$s.compareTo("abc")|$s.compareTo("a")"#,
            "-2|-2|0",
        ),
        (
            r#"#set($s="hello")$s.lastIndexOf("l", 2)|$s.lastIndexOf("l", 99)|$s.lastIndexOf("l", -1)"#,
            "2|3|-1",
        ),
        (
            "#set($l=[3,1,2,1])$l.lastIndexOf(1)|$l.subList(0,2)|$l.subList(1,1)",
            "3|[3, 1]|[]",
        ),
        (
            "#set($n=5)$n.compareTo(3)|$n.compareTo(9)|#set($c=300)$c.byteValue()|$c.shortValue()",
            "1|-1|44|300",
        ),
        (
            "#set($d=5.5)$d.isNaN()|$d.isInfinite()|$d.compareTo(1.5)|$d.byteValue()",
            "false|false|1|5",
        ),
    ]);
    let e = render("#set($l=[3,1,2])$l.subList(2,1)").unwrap_err();
    assert!(e.contains("IllegalArgumentException"), "{e}");
}

/// Java has no POSIX classes: `[[:upper:]]` is a class of `:`, `u`, `p`, `e`, `r`.
#[test]
fn posix_looking_classes_are_plain_characters() {
    check(&[
        (
            r#"#set($s = "AbC")$s.matches("[[:upper:]]b[A-Z]")"#,
            "false",
        ),
        (
            r#"#set($s = "u:p")$s.replaceAll("[[:alpha:]]", "X")|$s.replaceAll("(?<=[:])p", "Q")"#,
            "uXX|u:Q",
        ),
    ]);
}

/// A macro is called with or without an argument list.
#[test]
fn macros_are_called_without_parentheses_too() {
    check(&[
        ("#macro(m)in#end#m|#m()|#{m}|#m.|#mx", "in|in|in|in.|#mx"),
        ("#macro(m)in#end#m\n#m\nz", "in\nin\nz"),
        (
            "#macro(m)in#end#if(true)#m#end|#foreach($i in [1..2])#m#end",
            "in|inin",
        ),
        ("#macro(m)in#end\\#m|\\\\#m", "#m|\\in"),
    ]);
}

/// In `"..."` a backslash escapes nothing and `\uXXXX` is decoded; `'...'` keeps both as text.
#[test]
fn string_literal_backslashes() {
    check(&[
        (
            r#"#set($s = "a\")$s|#set($t = "x\y")$t.replace("\", "/")"#,
            r"a\|x/y",
        ),
        (
            r#"#set($s = "a\u0022b")$s|#set($t = "\u00e9t\u00e9")$t.length()"#,
            "a\"b|3",
        ),
        (
            r#"#set($x = 1)#set($u = "v\u0041$x")$u|#set($q = 'a\u0041')$q"#,
            r"vA1|a\u0041",
        ),
    ]);
}

/// Range bounds are numbers (a decimal's integer part); a string bound makes no range.
#[test]
fn range_bounds_are_numbers() {
    check(&[
        (r#"#set($a = "3")#foreach($x in [1..$a])$x#end|"#, "|"),
        ("#set($a = 2.7)#foreach($x in [1..$a])$x#end|#set($b = -1.5)#foreach($x in [$b..1])$x,#end", "12|-1,0,1,"),
    ]);
}

/// An argument of a type no overload takes finds no method: null, rendered empty (as every
/// null in API Gateway), not an error.
#[test]
fn arguments_of_the_wrong_type_find_no_method() {
    check(&[(
        r#"#set($s = "hello")#set($n = "1")[$s.substring($n)][$s.charAt("1")]#set($l = [1, 2])[$l.get("0")][$s.substring(1.0)]"#,
        "[][][][]",
    )]);
}

/// Java's static parsers through a value of the class, and more methods templates use.
#[test]
fn static_parsers_and_more_methods() {
    check(&[
        (
            r#"#set($Integer = 0)$Integer.parseInt("42")|$Integer.valueOf("-7")|$Integer.parseInt("+5")"#,
            "42|-7|5",
        ),
        (
            r#"#set($D = 0.0)$D.parseDouble("1.5")|$D.parseDouble(" 2e3 ")|$D.valueOf("3d")"#,
            "1.5|2000.0|3.0",
        ),
        (
            r#"#set($B = true)$B.parseBoolean("TRUE")|$B.parseBoolean("yes")"#,
            "true|false",
        ),
        (
            r#"#set($m = {"a": 1})$m.getOrDefault("a", 5)|$m.getOrDefault("z", 5)|$m.putIfAbsent("a", 9)|$m.putIfAbsent("b", 2)|$m"#,
            "1|5|1||{a=1, b=2}",
        ),
        (
            r#"#set($s = "hello")$s.startsWith("ll", 2)|$s.startsWith("ll", 3)|$s.compareToIgnoreCase("HELLO")|$s.indexOf(108)|$s.lastIndexOf(108)"#,
            "true|false|0|2|3",
        ),
    ]);
    for t in [
        r#"#set($I = 0)$I.parseInt("4x")"#,
        r#"#set($I = 0)$I.parseInt("2147483648")"#,
        r#"#set($D = 0.0)$D.parseDouble("inf")"#,
    ] {
        let e = render(t).unwrap_err();
        assert!(e.contains("NumberFormatException"), "{t}: {e}");
    }
}

/// An even run of backslashes before `#set` is kept whole (other directives halve it).
#[test]
fn backslashes_before_set() {
    check(&[
        (r"\\#set($x = 1)$x|a\\\\#set($y = 2)$y", r"\\1|a\\\\2"),
        (r"\\#if(true)y#end", r"\y"),
    ]);
}

/// A macro called in a `#foreach` sees that loop's `$foreach`; the loop scope's getter forms
/// (`hasNext()`, `getCount()`, ...) answer as its properties do.
#[test]
fn loop_scope_in_macros_and_getter_forms() {
    check(&[
        (
            r#"#macro(it $x){"v": "$x"}#if($foreach.hasNext),#end#end[#foreach($i in ["a","b"])#it($i)#end]"#,
            r#"[{"v": "a"},{"v": "b"}]"#,
        ),
        ("#macro(m)#foreach($j in [1,2])$foreach.parent.count$foreach.count #end#end#foreach($i in [5,6])#m()#end", "11 12 21 22 "),
        ("#foreach($i in [1..3])$i#if($foreach.hasNext()),#end#end", "1,2,3"),
        (
            "#foreach($i in [1..2])$foreach.getCount()$foreach.getIndex()$foreach.isFirst()$foreach.isLast()$foreach.getHasNext()|#end",
            "10truefalsetrue|21falsetruefalse|",
        ),
        ("#foreach($i in [1..2])#foreach($j in [1])$foreach.getParent().getCount()#end#end", "12"),
    ]);
}

/// Only an integer indexes a list; a string index finds no method.
#[test]
fn lists_take_integer_indexes_only() {
    check(&[
        (r#"#set($l=[1,2,3])[$l["1"]]|$l[1]"#, "[]|2"),
        (
            r#"#set($l=[1,2,3])#set($l["0"] = 9)$l|#set($l[0] = 8)$l"#,
            "[1, 2, 3]|[8, 2, 3]",
        ),
    ]);
}

/// `equalsIgnoreCase` and `compareToIgnoreCase` fold one character at a time, as Java's
/// `String` does: upper case first (`ı` and `ſ` become `I` and `S`), then lower case with the
/// one-character mapping (`İ` becomes `i`); `ß` never equals `SS` (the lengths differ).
#[test]
fn case_insensitive_comparison_is_javas() {
    check(&[(
        r#"#set($a="İ")$a.compareToIgnoreCase("i")|$a.equalsIgnoreCase("i")|#set($b="ı")$b.equalsIgnoreCase("I")|$b.equalsIgnoreCase("i")|#set($c="ſ")$c.equalsIgnoreCase("S")|#set($d="ß")$d.equalsIgnoreCase("SS")|$d.equalsIgnoreCase("ß")|#set($e="Hello")$e.equalsIgnoreCase("hELLO")|$e.equalsIgnoreCase("hell")"#,
        "0|true|true|true|true|false|true|true|false",
    )]);
}

/// Java's one-character case folding, `1.e3`, `Boolean.valueOf(boolean)` and `lastIndexOf` over
/// UTF-16 indexes.
#[test]
fn more_java_and_literal_details() {
    check(&[
        (
            r#"#set($s="straße")$s.compareToIgnoreCase("STRASSE")|#set($t="Hello")$t.compareToIgnoreCase("hello")|$t.compareToIgnoreCase("HELLz")"#,
            "108|0|-11",
        ),
        (
            "#set($x = 1.e3)$x|#set($y = 5.E2)$y|#set($z = 2.e-1)$z",
            "1000.0|500.0|0.2",
        ),
        (
            r#"#set($B=true)$B.valueOf(true)|$B.valueOf(false)|$B.valueOf("TRUE")"#,
            "true|false|true",
        ),
        (
            r#"#set($s="a😀b😀")$s.lastIndexOf("😀", 99)|$s.lastIndexOf("b", 3)|$s.lastIndexOf("b", 2)"#,
            "4|3|-1",
        ),
    ]);
}
