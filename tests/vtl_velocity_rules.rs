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

fn check_err(templates: &[&str]) {
    for template in templates {
        assert!(render(template).is_err(), "{template} should not render");
    }
}

/// A collection holding itself prints as Java's `(this Map)` / `(this Collection)`; a longer
/// cycle (a stack overflow in Java) must not overflow the engine's stack.
#[test]
fn self_containing_collections() {
    check(&[
        (
            r#"#set($v = {"a": 1})#set($v.q = $v)$v"#,
            "{a=1, q=(this Map)}",
        ),
        (
            "#set($x = [2..4])$x.add($x)$x",
            "true[2, 3, 4, (this Collection)]",
        ),
        ("#set($a = {})#set($d = $a.put($a, 1))$a", "{(this Map)=1}"),
        (
            r#"#set($l = [1])#set($d = $l.add($l))$l.toString()|"$l""#,
            r#"[1, (this Collection)]|"[1, (this Collection)]""#,
        ),
        ("#set($a=[])#set($b=[$a])$a.add($b)$a.size()", "true1"),
    ]);
    assert!(render("#set($a=[])#set($b=[$a])$a.add($b)$a").is_ok());
    assert!(render(r#"#set($a=[])#set($b={"k":$a})$a.add($b)$a"#).is_ok());
}

/// Cycles with several ways back to themselves would take exponential work to print or
/// compare (Java overflows its stack on them): printing stops at a byte budget and fails the
/// template on the output cap; comparing two such cycles gives `false` once its budget is spent.
/// Either way the render ends.
#[test]
fn cycles_with_many_paths_end() {
    check_err(&["#set($a=[])#set($b=[$a,$a])#set($d=$a.add($b))#set($d=$a.add($b))$a"]);
    check(&[(
        "#set($a=[])#set($b=[$a])#set($d=$a.add($b))#set($c=[])#set($e=[$c])#set($d=$c.add($e))#if($a == $c)eq#{else}ne#end",
        "ne",
    )]);
}

/// `-1`, `-1.5` and `-.5` are single number tokens in Velocity 1.7, so one right after a
/// value is a second operand, a parse error; `- 1` and `--1` are subtraction.
#[test]
fn negative_literal_after_a_value_is_an_error() {
    check_err(&[
        "#set($b = 2 -1)$b",
        "#set($b = 2-1)$b",
        "#set($a = 1)#set($b = $a -1)$b",
        "#set($a = [5])#set($b = $a.size()-1)$b",
        "#set($b = (1)-1)$b",
        "#set($b = 1 -1.5)$b",
        "#set($b = 1-.5)$b",
        "#if(1 -1)y#end",
        "#set($a = [1,2])$a.get(1 -1)",
    ]);
    check(&[(
        "#set($b = 2 - 1)$b|#set($b = 1 --1)$b|#set($b = 1+-1)$b|#set($b = 3 %-2)$b|#set($b=[1..-1])$b|#set($a=[1,2])$a[-1]",
        "1|2|0|1|[1, 0, -1]|2",
    )]);
    // In a macro call's argument list it starts the next argument.
    check(&[(
        "#macro(mm $a $b)[$a|$b]#end#mm(1 -1)#mm(2-1)#mm(1, -1)",
        "[1|-1][2|-1][1|-1]",
    )]);
    check_err(&["#macro(mm $a)[$a]#end#mm([2 -1])"]);
}

/// `#set(${x} = v)` and `#set($!x = v)` bind no variable in Velocity 1.7 (the value is still
/// computed); with a property or index after the head they assign as usual.
#[test]
fn set_to_a_formal_or_quiet_name_binds_nothing() {
    check(&[
        (
            "#set($s = 1)#set(${s} = 2)${s}|#set($!s = 3)$s|#set($!{s} = 4)$s",
            "1|1|1",
        ),
        (
            "#set($l=[])#set(${s} = $l.add(1))$l|#set($m={})#set(${m.a} = 1)$m",
            "[1]|{a=1}",
        ),
        ("#set(${input} = 1)#set($!util = 2)ok", "ok"),
    ]);
}

/// A `$!` that starts no reference renders as `$`; at the very end it is a lexical error.
#[test]
fn bang_after_a_dangling_dollar_is_dropped() {
    check(&[
        ("$!-|$! x|$!1|x$!\n|$!{|$!!", "$-|$ x|$1|x$\n|$!{|$!"),
        (r#"#set($x = "a$! b")$x"#, "a$ b"),
    ]);
    check_err(&["x$!"]);
}

/// An unclosed `#*` comment runs to the end of the template; a bare `#*`, or one whose last
/// character is `#` or `$`, is a lexical error.
#[test]
fn unclosed_block_comment_runs_to_the_end() {
    check(&[("x#* abc", "x"), ("x#**", "x"), ("a\n#* b\nc", "a\n")]);
    check_err(&["x#*", "x#*#", "x#* a$"]);
}

/// Blanks before `#set` start a new token (and are swallowed) after an escape backslash, an
/// escaped reference or directive, and an unknown `#word`; a dangling `$`, `$!` or `#` before
/// them is folded into the `#set` and renders nothing. After plain text they stay.
#[test]
fn set_swallows_blanks_after_non_text_tokens() {
    check(&[
        (
            r"a\#foreach  #set($x = 1)b|#set($y=1)\$y  #set($x = 1)b",
            "a#foreachb|$yb",
        ),
        (
            "a#x  #set($x = 1)b|#{x}  #set($x = 1)c|#1  #set($x = 1)d",
            "a#xb|#{x}c|#1d",
        ),
        (r"a\  #set($x = 1)b|\\  #set($x = 1)c", r"a\b|\\c"),
        (
            r"a#  #set($x = 1)b|$  #set($x = 1)c|$!  #set($x = 1)d|$$  #set($x = 1)e|\$  #set($x = 1)f",
            "ab|c|d|e|f",
        ),
        (
            "a# #if(true)x#end|$ x  #set($x = 1)b|#x\n  #set($x = 1)c",
            "a# x|$ x  b|#x\n  c",
        ),
    ]);
}
