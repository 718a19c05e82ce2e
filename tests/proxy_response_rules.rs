//! Proxy response rules beyond the conformance cases (spec proxy-auth §4, §6).
#![allow(clippy::unwrap_used)]

#[path = "support/case_api.rs"]
mod case_api;

use std::sync::Arc;

use apigate::gateway::context::RequestCtx;
use apigate::gateway::error::GatewayError;
use apigate::integration::{add_response_ids, read_response, EventFormat};
use apigate::message::Response;
use bytes::Bytes;
use serde_json::{json, Value};

fn ctx(api: &str, headers: Value) -> RequestCtx {
    let cfg = json!({"api": api, "routes": [{"resource": "/{proxy+}", "method": "ANY"}],
                     "binary_media_types": ["image/png"]});
    let api = Arc::new(case_api::api_from_case(&cfg));
    let req = case_api::request_from_case(
        &json!({"method": "GET", "path": "/test/x", "headers": headers}),
    );
    case_api::ctx_for(api, req)
}

fn read(c: &RequestCtx, f: EventFormat, payload: &str) -> Result<Response, GatewayError> {
    read_response(c, f, Bytes::copy_from_slice(payload.as_bytes()))
}

fn lines(r: &Response) -> Vec<(String, String)> {
    r.headers
        .iter()
        .map(|(n, v)| {
            (
                String::from_utf8_lossy(n).into(),
                String::from_utf8_lossy(v).into(),
            )
        })
        .collect()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn rest_validity() {
    let c = ctx("REST", json!([]));
    for bad in [
        r#"{"statusCode": 200, "extra": 1}"#,
        r#""justAString""#,
        r#"[1]"#,
        r#"{"statusCode": "test"}"#,
        r#"{"statusCode": 99}"#,
        r#"{"statusCode": 600}"#,
        r#"{"statusCode": null}"#,
        r#"{"headers": {"a": 1}}"#,
        r#"{"headers": {"a": {"b": 1}}}"#,
        r#"{"headers": []}"#,
        r#"{"multiValueHeaders": {"a": "x"}}"#,
        r#"{"multiValueHeaders": {"a": [1]}}"#,
        r#"{"body": {"a": 1}}"#,
        r#"{"isBase64Encoded": "yes"}"#,
        r#"{"headers": {"X": "a\r\nInjected: 1"}}"#,
        "not json",
        "",
    ] {
        assert!(
            matches!(
                read(&c, EventFormat::RestV1, bad),
                Err(GatewayError::MalformedProxyResponse(_))
            ),
            "{bad}"
        );
    }
    let ok = read(&c, EventFormat::RestV1, r#"{"statusCode": 201.0, "headers": null, "multiValueHeaders": null, "body": null, "isBase64Encoded": null}"#).unwrap();
    assert_eq!(ok.status, 201);
    assert!(ok.body.is_empty());
}

#[test]
fn rest_header_merge_and_remap() {
    let c = ctx("REST", json!([]));
    let r = read(
        &c,
        EventFormat::RestV1,
        r#"{"statusCode": 200,
            "headers": {"content-type": "text/plain", "tEst": "solo", "Dup": "same", "Date": "x", "Content-Length": "9", "Transfer-Encoding": "chunked", "B": false},
            "multiValueHeaders": {"test": ["m1", "m2"], "dup": ["same"], "Set-Cookie": ["a=1", "b=2"]},
            "body": "hi"}"#,
    )
    .unwrap();
    assert_eq!(
        lines(&r),
        pairs(&[
            ("content-type", "text/plain"),
            ("x-amzn-Remapped-Date", "x"),
            ("x-amzn-Remapped-Content-Length", "9"),
            ("B", "false"),
            ("test", "m1"),
            ("test", "m2"),
            ("test", "solo"),
            ("dup", "same"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ])
    );
    assert_eq!(&r.body[..], b"hi");
}

#[test]
fn rest_base64_only_for_binary_accept() {
    let payload = r#"{"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true}"#;
    let text = read(
        &ctx("REST", json!([["Accept", "text/html, image/png"]])),
        EventFormat::RestV1,
        payload,
    )
    .unwrap();
    assert_eq!(&text.body[..], b"dGVzdC1kYXRh");
    let bin = read(
        &ctx("REST", json!([["Accept", "image/png, text/html"]])),
        EventFormat::RestV1,
        payload,
    )
    .unwrap();
    assert_eq!(&bin.body[..], b"test-data");
    let broken = r#"{"statusCode": 200, "body": "***", "isBase64Encoded": true}"#;
    assert!(matches!(
        read(
            &ctx("REST", json!([["Accept", "image/png"]])),
            EventFormat::RestV1,
            broken
        ),
        Err(GatewayError::ApiConfiguration(_))
    ));
}

#[test]
fn http_v1_requires_status_and_always_decodes() {
    let c = ctx("HTTP", json!([]));
    assert!(read(&c, EventFormat::HttpV1, r#"{"body": "x"}"#).is_err());
    let r = read(
        &c,
        EventFormat::HttpV1,
        r#"{"statusCode": 200, "body": "YQ==", "isBase64Encoded": true}"#,
    )
    .unwrap();
    assert_eq!(&r.body[..], b"a");
}

#[test]
fn v2_inference() {
    let c = ctx("HTTP", json!([]));
    let cases = [
        (r#"{"hello": "world"}"#, r#"{"hello":"world"}"#),
        ("  [ \"hello\", 3, true ]\n", r#"["hello",3,true]"#),
        ("3", "3"),
        ("3.10", "3.10"),
        ("true", "true"),
        (r#""hello \"you\"""#, r#"hello "you""#),
        (r#"{"statuscode": 1}"#, r#"{"statuscode":1}"#),
    ];
    for (payload, body) in cases {
        for f in [EventFormat::HttpV2, EventFormat::FunctionUrl] {
            let r = read(&c, f, payload).unwrap();
            assert_eq!(
                (r.status, String::from_utf8_lossy(&r.body).into_owned()),
                (200, body.to_string()),
                "{payload}"
            );
            assert_eq!(lines(&r), pairs(&[("Content-Type", "application/json")]));
        }
    }
    assert!(read(&c, EventFormat::HttpV2, "{oops").is_err());
}

#[test]
fn v2_structured() {
    let c = ctx("HTTP", json!([]));
    let r = read(
        &c,
        EventFormat::HttpV2,
        r#"{"statusCode": "418", "headers": {"X-N": 5, "X-B": true, "Server": "fn"}, "cookies": ["a=1; Path=/", "b=2"],
            "multiValueHeaders": {"ignored": ["x"]}, "body": "teapot \u00e9", "extra": 1}"#,
    )
    .unwrap();
    assert_eq!(r.status, 418);
    assert_eq!(
        lines(&r),
        pairs(&[
            ("X-N", "5"),
            ("X-B", "true"),
            ("x-amzn-Remapped-Server", "fn"),
            ("Content-Type", "application/json"),
            ("set-cookie", "a=1; Path=/"),
            ("set-cookie", "b=2"),
        ])
    );
    assert_eq!(String::from_utf8_lossy(&r.body), "teapot é");
    let b = read(
        &c,
        EventFormat::FunctionUrl,
        r#"{"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true}"#,
    )
    .unwrap();
    assert_eq!(&b.body[..], b"test-data");
    assert!(read(
        &c,
        EventFormat::HttpV2,
        r#"{"statusCode": 200, "body": "%%", "isBase64Encoded": true}"#
    )
    .is_err());
    assert!(read(&c, EventFormat::HttpV2, r#"{"statusCode": 1000}"#).is_err());
}

#[test]
fn response_ids_per_kind() {
    let rest = ctx("REST", json!([]));
    let mut r = Response::new(200, "");
    r.headers.push("x-amzn-requestid", "spoofed").unwrap();
    add_response_ids(&rest, &mut r, true);
    let names: Vec<String> = lines(&r).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["x-amzn-RequestId", "x-amz-apigw-id", "X-Amzn-Trace-Id"]
    );
    assert_eq!(
        r.headers.get_str("x-amzn-requestid"),
        Some(rest.request_id.as_str())
    );
    let mut failed = Response::new(502, "");
    add_response_ids(&rest, &mut failed, false);
    assert!(!failed.headers.contains("x-amzn-trace-id"));
    let http = ctx("HTTP", json!([]));
    let mut h = Response::new(200, "");
    add_response_ids(&http, &mut h, true);
    assert_eq!(
        h.headers.get_str("apigw-requestid"),
        Some(http.request_id.as_str())
    );
    assert_eq!(h.headers.len(), 1);
}

/// REST request ids are UUIDs v4; an HTTP API has one short id (`MIZRNhJtIAMEMDw=`) that is both
/// its `requestId` and its `extendedRequestId` (spec proxy-auth §13, §5.1).
#[test]
fn request_id_formats_per_kind() {
    let rest = ctx("REST", json!([]));
    let id = rest.request_id.as_bytes();
    assert_eq!(id.len(), 36);
    assert_eq!(
        (id[8], id[13], id[14], id[18], id[23]),
        (b'-', b'-', b'4', b'-', b'-')
    );
    assert_ne!(rest.request_id, rest.extended_request_id);
    let http = ctx("HTTP", json!([]));
    assert_eq!(http.request_id.len(), 16);
    assert!(http.request_id.ends_with('='));
    assert_eq!(http.request_id, http.extended_request_id);
    assert!(http.request_id[..15]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'));
}

#[test]
fn body_shares_the_payload_buffer() {
    let c = ctx("REST", json!([]));
    let payload =
        Bytes::from(r#"{"statusCode":200,"body":"0123456789abcdef"}"#.as_bytes().to_vec());
    let start = payload.as_ptr() as usize;
    let end = start + payload.len();
    let r = read_response(&c, EventFormat::RestV1, payload).unwrap();
    let at = r.body.as_ptr() as usize;
    assert!(at >= start && at < end, "body was copied");
    assert_eq!(&r.body[..], b"0123456789abcdef");
}

#[test]
fn results_parse_alike_across_sizes_and_formats() {
    // Small results reuse one thread's parser buffers; one over 64 KB gets its own. Alternating
    // sizes, formats and a malformed result in between must not leave anything behind.
    let c = ctx("REST", json!([]));
    let big = "x\\\"y".repeat(30_000);
    for round in 0..3 {
        for (body, want) in [
            ("small", "small".to_string()),
            (big.as_str(), "x\"y".repeat(30_000)),
        ] {
            let payload = format!(r#"{{"statusCode":201,"body":"{body}"}}"#);
            let r = read(&c, EventFormat::RestV1, &payload).unwrap();
            assert_eq!(
                (r.status, &r.body[..]),
                (201, want.as_bytes()),
                "round {round}"
            );
            let r = read(&c, EventFormat::HttpV2, &payload).unwrap();
            assert_eq!(
                (r.status, &r.body[..]),
                (201, want.as_bytes()),
                "round {round}"
            );
            assert!(read(&c, EventFormat::RestV1, r#"{"statusCode":200,"body":"#).is_err());
        }
    }
}
