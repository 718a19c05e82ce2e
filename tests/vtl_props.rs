//! Property and randomized tests: JSONPath against direct navigation, arbitrary bytes as
//! templates and bodies (no panic, bounded work via fuel and caps), and the render limits.
#![allow(clippy::unwrap_used)]

use apigate::vtl::jsonpath::JsonPath;
use apigate::vtl::{
    ContextValues, ErrorKind, Limits, Overrides, RenderInput, RequestParams, Template,
};
use proptest::prelude::*;
use serde_json::Value;

fn render(t: &Template, body: &[u8]) -> Result<String, apigate::vtl::VtlError> {
    let params = RequestParams::default();
    let ctx = ContextValues::default();
    let input = RenderInput {
        body,
        params: &params,
        context: &ctx,
        stage_variables: &[],
    };
    t.render_to_string(&input, &mut Overrides::default())
}

fn small_limits() -> Limits {
    Limits {
        max_loop_iterations: 1000,
        max_output_bytes: 64 * 1024,
        max_value_size: 64 * 1024,
        max_recursion: 20,
        fuel: 200_000,
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-z \"\\\\/]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Every definite path to a node of `v`, as (JSONPath text, expected value).
fn paths(v: &Value, prefix: String, out: &mut Vec<(String, Value)>) {
    out.push((prefix.clone(), v.clone()));
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                paths(x, format!("{prefix}['{k}']"), out);
                paths(x, format!("{prefix}.{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                paths(x, format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn jsonpath_definite_paths_match_direct_navigation(doc in json_value()) {
        let text = doc.to_string();
        let mut all = Vec::new();
        paths(&doc, "$".into(), &mut all);
        for (p, want) in all.into_iter().take(40) {
            let t = Template::compile("p", &format!("$input.json(\"{p}\")")).unwrap();
            let got = render(&t, text.as_bytes()).unwrap();
            // JSON null and a missing value both render as nothing only for missing paths.
            let got: Value = serde_json::from_str(&got).unwrap_or(Value::Null);
            prop_assert_eq!(got, want, "path {}", p);
        }
    }

    #[test]
    fn jsonpath_wildcard_counts_children(doc in json_value()) {
        let text = doc.to_string();
        let t = Template::compile("w", "$input.path('$[*]').size()").unwrap();
        let got = render(&t, text.as_bytes()).unwrap();
        let want = match &doc {
            Value::Object(o) => o.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        prop_assert_eq!(got, want.to_string());
    }

    #[test]
    fn jsonpath_parse_never_panics(s in "\\PC{0,40}") {
        let _ = JsonPath::parse(&s);
        let _ = JsonPath::parse(&format!("$.{s}"));
        let _ = JsonPath::parse(&format!("$[?({s})]"));
    }

    #[test]
    fn arbitrary_bytes_as_template_and_body(tpl in prop::collection::vec(any::<u8>(), 0..200),
                                            body in prop::collection::vec(any::<u8>(), 0..200)) {
        let src = String::from_utf8_lossy(&tpl);
        if let Ok(t) = Template::compile("fuzz", &src) {
            let t = t.with_limits(small_limits());
            if let Ok(out) = render(&t, &body) {
                prop_assert!(out.len() <= 64 * 1024);
            }
        }
    }

    #[test]
    fn vtl_token_soup_is_bounded(parts in prop::collection::vec(prop::sample::select(vec![
        "#set($x = ", "$x", "$x.y", "${x}", "$!x", ")", "(", "#if(", "#elseif(", "#else", "#end",
        "#foreach($i in ", "[1..5000]", "[1, 2]", "{'a': 1}", "$foreach.index", "#break", "#stop",
        "#macro(m $a)", "#m($x)", "#define($d)", "$d", "\"s$x\"", "'q'", " ", "\n", "+", "*",
        "==", "&&", "!", "$x.add($x)", "$x.split(',')", "$input.json('$')", "$input.path('$.a')",
        "$util.escapeJavaScript($x)", "$context.requestId", "#set($x = \"$x$x\")", "##c\n",
        "#*c*#", "\\", "#[[r]]#", "1", "2.5",
    ]), 0..40), body in json_value()) {
        let src: String = parts.concat();
        let body = body.to_string();
        if let Ok(t) = Template::compile("soup", &src) {
            let t = t.with_limits(small_limits());
            match render(&t, body.as_bytes()) {
                Ok(out) => prop_assert!(out.len() <= 64 * 1024),
                Err(e) => prop_assert!(e.is_render_time(), "compile-time kind at render: {e}"),
            }
        }
    }
}

fn render_err(src: &str, limits: Limits) -> ErrorKind {
    let t = Template::compile("lim", src).unwrap().with_limits(limits);
    render(&t, b"{}").unwrap_err().kind
}

#[test]
fn foreach_is_capped_at_1000_iterations() {
    let ok = Template::compile("ok", "#foreach($i in [1..1000])#end$i").unwrap();
    assert_eq!(render(&ok, b"").unwrap(), "");
    let kind = render_err("#foreach($i in [1..1001])#end", Limits::default());
    assert_eq!(kind, ErrorKind::LoopLimit(1000));
}

#[test]
fn runaway_nesting_runs_out_of_fuel() {
    let src = "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])\
               #end#end#end";
    assert_eq!(
        render_err(src, small_limits()),
        ErrorKind::FuelExhausted(200_000)
    );
}

#[test]
fn recursion_output_and_value_caps() {
    assert_eq!(
        render_err("#macro(r)#r()#end#r()", small_limits()),
        ErrorKind::RecursionLimit(20)
    );
    let big = "#foreach($a in [1..1000])#foreach($b in [1..100])xxxxxxxxxx#end#end";
    let mut l = small_limits();
    l.fuel = 10_000_000;
    assert_eq!(render_err(big, l), ErrorKind::OutputLimit(64 * 1024));
    assert_eq!(
        render_err(
            "#set($s = \"ab\")#foreach($i in [1..40])#set($s = \"$s$s\")#end",
            small_limits()
        ),
        ErrorKind::ValueTooLarge(64 * 1024)
    );
}

#[test]
fn method_exceptions_are_render_errors() {
    let t = Template::compile("m", "#set($s = 'abc')$s.substring(5)").unwrap();
    let e = render(&t, b"").unwrap_err();
    assert!(e.is_render_time());
    assert!(e.to_string().starts_with("template 'm' 1:"), "{e}");
}
