//! Golden tests per compiler stage (tokens, AST, instructions) for representative templates.
//! Expected text lives in `tests/golden/<name>.{tokens,ast,instrs}`; regenerate after an
//! intended change with `UPDATE_GOLDEN=1 cargo test --test vtl_golden` and review the diff.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use apigate::vtl::{ast, lexer, parser, token, Template};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "set_newline",
        "#set($x = 1)\n  #set($y = \"a$x\")\n$y $!missing\n",
    ),
    (
        "foreach_if",
        "[\n#foreach($i in [1..3])\n  $i#if($foreach.hasNext),#end\n#end\n]",
    ),
    (
        "bindings",
        "{\"a\": $input.json('$.a'), \"c\": \"$util.escapeJavaScript($input.path('$.b'))\", \
         \"ip\": \"$context.identity.sourceIp\", \"env\": \"$stageVariables.env\", \
         \"q\": \"$input.params('q')\"}",
    ),
    (
        "macro_define_escape",
        "#macro(tag $x)<$x>#end#define($d)D#end#tag(\"v $d\")\\$x ## note\n#* c *#\
         #[[raw $y]]#",
    ),
    (
        "overrides_map",
        "#set($m = {\"k\": [1, 2.5], 'q': $x.y[0]})#set($context.responseOverride.status = 400)\
         #if($m.k.size() > 1 && !$m.isEmpty())$m#elseif($m)x#{else}y#end",
    ),
];

fn golden(name: &str, ext: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.{ext}"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(actual, want, "golden mismatch for {}", path.display());
}

#[test]
fn tokens() {
    for (name, src) in TEMPLATES {
        let toks = lexer::lex(name, src).unwrap();
        golden(name, "tokens", &token::dump(&toks, src));
    }
}

#[test]
fn ast() {
    for (name, src) in TEMPLATES {
        let block = parser::parse_template(name, src).unwrap();
        golden(name, "ast", &ast::dump(&block, src));
    }
}

#[test]
fn instructions() {
    for (name, src) in TEMPLATES {
        let t = Template::compile(name, src).unwrap();
        golden(name, "instrs", &t.program().dump());
    }
}

#[test]
fn compile_errors_name_the_template_and_position() {
    let cases = [
        ("#if(true)x", "template 't' 1:1: #if is missing its #end"),
        ("a\n  #end", "template 't' 2:3: unexpected #end"),
        (
            "{\n  #sett($x = 1)\n}",
            "template 't' 2:3: unknown directive #sett",
        ),
        (
            "#set($s = \"abc)$s",
            "template 't' 1:11: unterminated string literal",
        ),
        (
            "$input.json('$.a[')",
            "template 't' 1:13: invalid JSONPath '$.a[': expected an integer at offset 4",
        ),
        (
            "#set($input = 1)",
            "template 't' 1:7: $input is built in and cannot be assigned",
        ),
    ];
    for (src, want) in cases {
        let err = Template::compile("t", src).unwrap_err();
        assert_eq!(err.to_string(), want, "for {src:?}");
    }
}
