//! Event rules the conformance cases do not pin down one by one (spec proxy-auth §3, §5, §17).
#![allow(clippy::unwrap_used)]

#[path = "support/case_api.rs"]
mod case_api;

use std::sync::Arc;
use std::time::Duration;

use apigate::config::model::Integration;
use apigate::gateway::context::Principal;
use apigate::integration::{write_event, EventFormat};
use serde_json::{json, Value};

fn rest_config() -> Value {
    json!({"api": "REST", "api_id": "abc123", "stage": "test",
           "routes": [{"resource": "/{proxy+}", "method": "ANY"}, {"resource": "/items/{id}", "method": "GET"}],
           "binary_media_types": ["image/*"], "stage_variables": {}})
}

fn http_config(payload: &str) -> Value {
    json!({"api": "HTTP", "api_id": "h1", "stage": "$default", "payload_format_version": payload,
           "routes": [{"resource": "/items/{id}", "method": "GET"}, {"resource": "$default", "method": "ANY"}]})
}

fn event_with(config: &Value, request: Value, principal: Option<Principal>) -> Value {
    let api = Arc::new(case_api::api_from_case(config));
    let req = case_api::request_from_case(&request);
    let mut ctx = case_api::ctx_for(api.clone(), req);
    let rm = api
        .router
        .lookup(&ctx.req.method, ctx.req.raw_path())
        .unwrap();
    let Integration::Proxy(p) = &api.route(rm.route).integration else {
        panic!("proxy cases use proxy integrations")
    };
    let format = EventFormat::for_route(api.kind, p.payload_format);
    ctx.route = Some(rm);
    ctx.principal = principal;
    let mut buf = b"stale".to_vec();
    write_event(&ctx, format, &mut buf).unwrap();
    serde_json::from_slice(&buf).unwrap()
}

fn event(config: &Value, request: Value) -> Value {
    event_with(config, request, None)
}

fn principal() -> Principal {
    let context = json!({"user": "alice", "n": 123, "ok": true, "obj": {"a": 1}});
    Principal {
        principal_id: Some("user|alice".into()),
        context: context.as_object().unwrap().clone(),
        usage_identifier_key: None,
        latency: Duration::from_millis(42),
    }
}

#[test]
fn rest_query_rules() {
    let e = event(
        &rest_config(),
        json!({"method": "GET", "path": "/test/x",
               "query": "plus=test+alias@gmail.com&email=test%2Balias@gmail.com&c=electronics&c=books&flag&sp=foo%20bar"}),
    );
    assert_eq!(
        e["queryStringParameters"],
        json!({"plus": "test alias@gmail.com", "email": "test+alias@gmail.com", "c": "books", "flag": "", "sp": "foo bar"})
    );
    assert_eq!(
        e["multiValueQueryStringParameters"]["c"],
        json!(["electronics", "books"])
    );
    assert_eq!(e["multiValueQueryStringParameters"]["flag"], json!([""]));
}

#[test]
fn rest_forwarding_headers_and_host() {
    let e = event(
        &rest_config(),
        json!({"method": "GET", "path": "/test/x", "headers": [
            ["X-Forwarded-For", "198.51.100.1"], ["x-forwarded-proto", "https"],
            ["Host", "api.example.test:8443"], ["host", "second.example"],
            ["X-Amzn-Trace-Id", "Root=1-5e600000-0123456789abcdef01234567"],
            ["aUThorization", "tok"], ["user-agent", "ua/1"], ["Content-Length", "0"]]}),
    );
    let h = &e["headers"];
    assert_eq!(h["X-Forwarded-For"], "198.51.100.1, 203.0.113.7");
    assert_eq!(h["X-Forwarded-Proto"], "http");
    assert_eq!(h["X-Forwarded-Port"], "8080");
    assert_eq!(h["Host"], "api.example.test:8443");
    assert_eq!(
        e["multiValueHeaders"]["Host"],
        json!(["api.example.test:8443"])
    );
    assert_eq!(
        h["X-Amzn-Trace-Id"],
        "Root=1-5e600000-0123456789abcdef01234567"
    );
    assert_eq!(h["Authorization"], "tok");
    assert_eq!(h["User-Agent"], "ua/1");
    assert!(h.get("x-forwarded-proto").is_none());
    assert!(h.get("Content-Length").is_none());
    assert_eq!(e["requestContext"]["domainName"], "api.example.test");
    assert_eq!(e["requestContext"]["domainPrefix"], "api");
    assert_eq!(e["requestContext"]["identity"]["userAgent"], "ua/1");
}

#[test]
fn header_maps_with_and_without_repeated_names() {
    // Distinct names (each escaped once, then copied into the multi-value map) ...
    let e = event(
        &rest_config(),
        json!({"method": "GET", "path": "/test/x", "headers": [
            ["X-Quote", "a \"b\" \\ c"], ["X-Plain", "v"], ["X-Latin", "caf\u{e9}"]]}),
    );
    assert_eq!(e["headers"]["X-Quote"], "a \"b\" \\ c");
    assert_eq!(e["multiValueHeaders"]["X-Quote"], json!(["a \"b\" \\ c"]));
    assert_eq!(e["multiValueHeaders"]["X-Latin"], json!(["caf\u{e9}"]));
    assert_eq!(e["headers"]["X-Plain"], "v");
    let mv = e["multiValueHeaders"].as_object().unwrap();
    assert_eq!(mv.len(), e["headers"].as_object().unwrap().len());
    // ... and a repeated one: the last value, all values under the first casing.
    let e = event(
        &rest_config(),
        json!({"method": "GET", "path": "/test/x", "headers": [
            ["X-Rep", "1"], ["X-Plain", "v"], ["x-rep", "2\""]]}),
    );
    assert_eq!(e["headers"]["X-Rep"], "2\"");
    assert_eq!(e["multiValueHeaders"]["X-Rep"], json!(["1", "2\""]));
    assert_eq!(e["multiValueHeaders"]["X-Plain"], json!(["v"]));
    assert!(e["headers"].get("x-rep").is_none());
}

#[test]
fn host_falls_back_to_the_configured_domain() {
    for req in [
        json!({"method": "GET", "path": "/test/x"}),
        json!({"method": "GET", "path": "/test/x", "headers": [["Host", "[::1]:8080"]]}),
    ] {
        let e = event(&rest_config(), req);
        assert_eq!(
            e["headers"]["Host"],
            "abc123.execute-api.us-east-1.amazonaws.com"
        );
        assert_eq!(
            e["requestContext"]["domainName"],
            "abc123.execute-api.us-east-1.amazonaws.com"
        );
    }
}

#[test]
fn rest_bodies() {
    let png = event(
        &rest_config(),
        json!({"method": "POST", "path": "/test/x", "headers": [["Content-Type", "image/png; q=1"]], "body": "abc"}),
    );
    assert_eq!(
        (png["body"].clone(), png["isBase64Encoded"].clone()),
        (json!("YWJj"), json!(true))
    );
    let bad_utf8 = event(
        &rest_config(),
        json!({"method": "POST", "path": "/test/x", "headers": [["Content-Type", "text/plain"]], "body_base64": "/w=="}),
    );
    assert_eq!(
        (
            bad_utf8["body"].clone(),
            bad_utf8["isBase64Encoded"].clone()
        ),
        (json!("/w=="), json!(true))
    );
    let text = event(
        &rest_config(),
        json!({"method": "POST", "path": "/test/x", "body": "{\"a\":\"é\\n\"}"}),
    );
    assert_eq!(text["body"], "{\"a\":\"é\\n\"}");
    assert_eq!(text["isBase64Encoded"], false);
}

#[test]
fn rest_authorizer_stringifies_context() {
    let e = event_with(
        &rest_config(),
        json!({"method": "GET", "path": "/test/items/7"}),
        Some(principal()),
    );
    assert_eq!(
        e["requestContext"]["authorizer"],
        json!({"user": "alice", "n": "123", "ok": "true", "obj": "{\"a\":1}",
               "principalId": "user|alice", "integrationLatency": 42})
    );
    assert_eq!(e["pathParameters"], json!({"id": "7"}));
    assert_eq!(e["resource"], "/items/{id}");
}

#[test]
fn http_v1_event() {
    let e = event(
        &http_config("1.0"),
        json!({"method": "GET", "path": "/items/9", "query": "a=1&a=2"}),
    );
    assert_eq!(e["version"], "1.0");
    assert_eq!(
        e["requestContext"]["authorizer"],
        json!({"claims": null, "scopes": null})
    );
    assert_eq!(e["pathParameters"], json!({"id": "9"}));
    assert_eq!(e["multiValueQueryStringParameters"]["a"], json!(["1", "2"]));
    assert_eq!(e["requestContext"]["path"], "/items/9");
}

#[test]
fn http_v2_event_rules() {
    let e = event_with(
        &http_config("2.0"),
        json!({"method": "POST", "path": "/other", "headers": [
            ["Cookie", "a=1; b=2"], ["cookie", "c=3"], ["X-A", "1"], ["x-a", "2"],
            ["Content-Type", "application/x-www-form-urlencoded"], ["Content-Length", "3"]], "body": "a=b"}),
        Some(principal()),
    );
    assert_eq!(e["routeKey"], "$default");
    assert_eq!(e["cookies"], json!(["a=1", "b=2", "c=3"]));
    assert!(e["headers"].get("cookie").is_none());
    assert_eq!(e["headers"]["x-a"], "1,2");
    assert_eq!(e["headers"]["content-length"], "3");
    assert_eq!(e["rawQueryString"], "");
    assert_eq!(e["isBase64Encoded"], true);
    assert_eq!(e["body"], "YT1i");
    assert_eq!(
        e["requestContext"]["authorizer"],
        json!({"lambda": {"user": "alice", "n": 123, "ok": true, "obj": {"a": 1}}})
    );
    for k in [
        "pathParameters",
        "stageVariables",
        "queryStringParameters",
        "multiValueHeaders",
    ] {
        assert!(e.get(k).is_none(), "{k}");
    }
}

#[test]
fn function_url_event_shape() {
    let cfg = json!({"api": "FURL", "api_id": "urlid123", "auth_type": "NONE"});
    let e = event(
        &cfg,
        json!({"method": "GET", "path": "/any/path/", "headers": [["x-amzn-tls-version", "spoof"]]}),
    );
    assert_eq!(e["rawPath"], "/any/path/");
    assert_eq!(e["requestContext"]["http"]["path"], "/any/path/");
    assert_eq!(e["requestContext"]["accountId"], "anonymous");
    assert_eq!(e["headers"]["x-amzn-tls-version"], "TLSv1.2");
    assert!(e["requestContext"].get("authorizer").is_none());
    assert!(e.get("body").is_none());
    assert_eq!(e["headers"]["host"], "urlid123.lambda-url.us-east-1.on.aws");
}

#[test]
fn buffer_is_reused_and_replaced() {
    let api = Arc::new(case_api::api_from_case(&rest_config()));
    let req = case_api::request_from_case(&json!({"method": "GET", "path": "/test/x"}));
    let mut ctx = case_api::ctx_for(api.clone(), req);
    let mut buf = Vec::new();
    assert!(
        write_event(&ctx, EventFormat::RestV1, &mut buf).is_err(),
        "unrouted"
    );
    ctx.route = Some(
        api.router
            .lookup(&ctx.req.method, ctx.req.raw_path())
            .unwrap(),
    );
    write_event(&ctx, EventFormat::RestV1, &mut buf).unwrap();
    let first = buf.clone();
    write_event(&ctx, EventFormat::RestV1, &mut buf).unwrap();
    assert_eq!(first, buf);
}
