//! API Gateway's own template variables beyond the conformance cases (spec mapping §4): what
//! `$context`, `$input` and `$util` give back where the AWS developer guide states it.
#![allow(clippy::unwrap_used)]

use apigate::vtl::offline::render_offline_full;
use serde_json::{json, Value};

fn render(template: &str, input: &Value) -> Result<String, String> {
    render_offline_full("t", template, input)
        .map(|o| o.body)
        .map_err(|e| e.to_string())
}

/// "Calling `$context.authorizer.claims` returns null" (mapping template reference, DOC);
/// a claim is still read through `claims.<name>`.
#[test]
fn authorizer_claims_itself_is_null() {
    let input = json!({
        "phase": "request",
        "context": {"authorizer": {"principalId": "me", "claims": {"sub": "abc", "email": "a@b"}}},
    });
    let cases = [
        ("[$context.authorizer.claims]", "[]"),
        ("#if($context.authorizer.claims == $null)null#end", "null"),
        ("#set($c = $context.authorizer.claims)[$c.sub]", "[]"),
        (
            "$context.authorizer.claims.sub $context.authorizer.claims['email']",
            "abc a@b",
        ),
        ("$context.authorizer.principalId", "me"),
    ];
    for (template, want) in cases {
        assert_eq!(render(template, &input).as_deref(), Ok(want), "{template}");
    }
}
