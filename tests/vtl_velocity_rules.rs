//! Velocity 1.7 rules beyond the conformance cases, each output checked on Velocity 1.7's own
//! engine (the Debian `velocity` 1.7 package): conditions of literals and arithmetic, ordering
//! operators on numbers only, negative list indexes, the decimal literal forms, Java method
//! results (`compareTo`, `lastIndexOf`, `subList`, ...), POSIX-looking regex classes and macro
//! calls without an argument list.
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
