//! Every `proxy-auth.jsonl` case of the gateway kinds (routing, proxy events and responses for
//! REST, HTTP APIs and Function URLs, gateway responses, limits, REST and HTTP authorizers)
//! through the REAL server: the case's config as YAML, `app::run` on `127.0.0.1:0`, the
//! functions on a stub Lambda, the request over TCP with its exact header names, then the
//! stub's calls and the response checked by the §14 matching rules. Multi-step cases run their
//! steps in order against one running gateway (authorizer caching).
#![allow(clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use support::case_api::load_cases;
use support::case_config::{self, Functions, AUTHORIZER, INTEGRATION};
use support::client::{read_response, RawResponse};
use support::expect::{absent, response_match, subset_match};
use support::function_stub::{FunctionStub, Program, ECHO_MARKER};
use support::gateway;
use support::stub_lambda::Reply;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// The case kinds this runner serves (the others need no gateway or another runner).
const KINDS: [&str; 11] = [
    "rest_routing",
    "rest_proxy_event",
    "rest_proxy_response",
    "http_v2_event",
    "http_v2_response",
    "furl_event",
    "furl_response",
    "gateway_response",
    "limits",
    "rest_authorizer",
    "http_authorizer",
];

/// The integration timeout configured for cases whose function never answers: short, so the
/// case runs quickly (and at most half of any `after_ms`, API Gateway's minimum being 50 ms).
const SHORT_TIMEOUT_MS: u64 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_auth_cases_through_the_real_server() {
    let cases = load_cases("proxy-auth.jsonl");
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let kind = case["kind"].as_str().unwrap_or_default();
        if !KINDS.contains(&kind) {
            continue;
        }
        let id = case["id"].as_str().unwrap_or("?").to_string();
        match run_case(case).await {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{id}: {e}")),
        }
    }
    println!("{passed} passed, {} failed", failures.len());
    for f in &failures {
        println!("FAILED {f}");
    }
    assert!(passed > 0, "no case ran");
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Cases of our own in the same schema: authorizer events carry the headers the gateway adds
/// (spec proxy-auth §8.4, §9.1, §3.3), and an identity source on one of them is always present.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizer_events_carry_the_gateway_headers() {
    let rest = |identity: &str| {
        json!({"api": "REST", "region": "us-east-1", "account_id": "123456789012",
            "api_id": "abc123", "stage": "test",
            "routes": [{"resource": "/r", "method": "GET", "auth": "req", "api_key_required": false}],
            "binary_media_types": [], "stage_variables": {}, "payload_format_version": "1.0",
            "gateway_responses": {},
            "authorizers": {"req": {"type": "REQUEST", "identity_source": identity, "ttl": 0}}})
    };
    let allow = json!({"principalId": "u", "policyDocument": {"Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}});
    let cases = [
        json!({"id": "own-rest-auth-xff", "config": rest("method.request.header.X-Forwarded-For"),
            "request": {"method": "GET", "path": "/test/r", "headers": [["X-Forwarded-For", "1.2.3.4"]]},
            "authorizer_output": allow, "lambda_output": {"statusCode": 200, "body": "ok"},
            "expect": {"invoke_authorizer": true, "invoke_integration": true,
                "authorizer_event": {"headers": {"X-Forwarded-For": "1.2.3.4, 127.0.0.1",
                    "X-Forwarded-Proto": "http", "X-Amzn-Trace-Id": "<<TRACE_ID>>"},
                    "multiValueHeaders": {"X-Forwarded-For": ["1.2.3.4, 127.0.0.1"]}},
                "response": {"status": 200}}}),
        json!({"id": "own-rest-auth-xff-absent", "config": rest("method.request.header.X-Forwarded-For"),
            "request": {"method": "GET", "path": "/test/r", "headers": []},
            "authorizer_output": allow, "lambda_output": {"statusCode": 200, "body": "ok"},
            "expect": {"invoke_authorizer": true, "invoke_integration": true,
                "authorizer_event": {"headers": {"X-Forwarded-For": "127.0.0.1"}},
                "response": {"status": 200}}}),
        json!({"id": "own-http-auth-xff",
            "config": {"api": "HTTP", "region": "us-east-1", "account_id": "123456789012",
                "api_id": "h1", "stage": "$default", "payload_format_version": "2.0",
                "stage_variables": {},
                "routes": [{"resource": "/x", "method": "GET", "auth": "lam", "api_key_required": false}],
                "authorizers": {"lam": {"type": "REQUEST", "identity_source": "$request.header.Authorization",
                    "payload_format_version": "2.0", "simple_responses": true, "ttl": 0}}},
            "request": {"method": "GET", "path": "/x",
                "headers": [["Authorization", "t"], ["X-Forwarded-For", "9.9.9.9"]]},
            "authorizer_output": {"isAuthorized": true},
            "lambda_output": {"statusCode": 200, "body": "ok"},
            "expect": {"invoke_authorizer": true, "invoke_integration": true,
                "authorizer_event": {"headers": {"x-forwarded-for": "9.9.9.9, 127.0.0.1",
                    "x-forwarded-proto": "http", "x-amzn-trace-id": "<<TRACE_ID>>"}},
                "response": {"status": 200}}}),
    ];
    for case in &cases {
        if let Err(e) = run_case(case).await {
            panic!("{}: {e}", case["id"]);
        }
    }
}

/// A denied request keeps the authorizer's `principalId` and `context` for its gateway response
/// (spec proxy-auth §10.2, §3.6): the usual way to tell a client why it was refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_responses_see_the_authorizer_context() {
    let template =
        r#"{"reason":"$context.authorizer.reason","pid":"$context.authorizer.principalId"}"#;
    let config = json!({"api": "REST", "region": "us-east-1", "account_id": "123456789012",
        "api_id": "abc123", "stage": "test",
        "routes": [{"resource": "/r", "method": "GET", "auth": "tok", "api_key_required": false}],
        "binary_media_types": [], "stage_variables": {}, "payload_format_version": "1.0",
        "authorizers": {"tok": {"type": "TOKEN", "identity_source": "method.request.header.Authorization",
            "validation_expression": null, "ttl": 300}},
        "gateway_responses": {"ACCESS_DENIED": {"statusCode": null,
            "responseParameters": {"gatewayresponse.header.X-Pid": "context.authorizer.principalId"},
            "responseTemplates": {"application/json": template}}}});
    let deny = |effect: &str| {
        json!({"principalId": "pp", "context": {"reason": "blocked"},
            "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke",
                "Effect": effect, "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/test/GET/other"}]}})
    };
    for (id, effect) in [("explicit", "Deny"), ("implicit", "Allow")] {
        let case = json!({"id": id, "config": config,
            "request": {"method": "GET", "path": "/test/r", "headers": [["Authorization", id]]},
            "authorizer_output": deny(effect),
            "expect": {"invoke_authorizer": true, "invoke_integration": false,
                "response": {"status": 403, "headers": {"X-Pid": "pp"},
                    "body_json": {"reason": "blocked", "pid": "pp"}}}});
        if let Err(e) = run_case(&case).await {
            panic!("{id}: {e}");
        }
    }
}

/// Stage throttling (spec proxy-auth §12.2, `config.throttle`): each route's token bucket starts
/// with `burstLimit` tokens; past them a request is 429 `Too Many Requests` without calling the
/// authorizer or the function, in REST's gateway-response form and HTTP APIs' fixed body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_requests_are_refused_before_any_lambda_call() {
    // A token every 100 s: no refill between the steps.
    let throttle = json!({"rateLimit": 0.01, "burstLimit": 2});
    let ok = json!({"invoke_integration": true, "response": {"status": 200}});
    let rest = json!({"id": "own-rest-throttle",
    "config": {"api": "REST", "region": "us-east-1", "account_id": "123456789012",
        "api_id": "abc123", "stage": "test", "throttle": throttle,
        "routes": [{"resource": "/a", "method": "GET", "auth": "NONE"},
            {"resource": "/b", "method": "GET", "auth": "tok"}],
        "authorizers": {"tok": {"type": "TOKEN",
            "identity_source": "method.request.header.Authorization", "ttl": 0}}},
    "steps": [
        {"request": {"method": "GET", "path": "/test/a", "headers": []},
            "lambda_output": {"statusCode": 200}, "expect": ok},
        {"request": {"method": "GET", "path": "/test/a", "headers": []},
            "lambda_output": {"statusCode": 200}, "expect": ok},
        {"request": {"method": "GET", "path": "/test/a", "headers": []},
            "expect": {"invoke_integration": false, "response": {"status": 429,
                "headers": {"Content-Type": "application/json",
                    "x-amzn-ErrorType": "TooManyRequestsException"},
                "body": "{\"message\":\"Too Many Requests\"}"}}},
        // Another method has a bucket of its own; its authorizer is not called once it is empty.
        {"request": {"method": "GET", "path": "/test/b", "headers": [["Authorization", "t"]]},
            "authorizer_output": {"principalId": "u", "policyDocument": {"Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}},
            "lambda_output": {"statusCode": 200}, "expect": ok},
        {"request": {"method": "GET", "path": "/test/b", "headers": [["Authorization", "u"]]},
            "authorizer_output": {"principalId": "u", "policyDocument": {"Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}},
            "lambda_output": {"statusCode": 200}, "expect": ok},
        {"request": {"method": "GET", "path": "/test/b", "headers": [["Authorization", "v"]]},
            "expect": {"invoke_authorizer": false, "invoke_integration": false,
                "response": {"status": 429}}},
    ]});
    let http = json!({"id": "own-http-throttle",
    "config": {"api": "HTTP", "region": "us-east-1", "account_id": "123456789012",
        "api_id": "h1", "stage": "$default", "payload_format_version": "2.0",
        "throttle": {"rateLimit": 0.01, "burstLimit": 1},
        "routes": [{"resource": "$default", "method": "ANY", "auth": "NONE"}]},
    "steps": [
        {"request": {"method": "GET", "path": "/x", "headers": []},
            "lambda_output": {"statusCode": 200}, "expect": ok},
        {"request": {"method": "POST", "path": "/y", "headers": []},
            "expect": {"invoke_integration": false, "response": {"status": 429,
                "body": "{\"message\":\"Too Many Requests\"}"}}},
    ]});
    for case in [&rest, &http] {
        if let Err(e) = run_case(case).await {
            panic!("{}: {e}", case["id"]);
        }
    }
}

/// REST limit (spec proxy-auth §12.1): the ARN of a method with an authorizer is at most 1600
/// bytes; a longer one (path values make it so) is 414 before the authorizer is called.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorized_method_arn_over_1600_bytes_is_414() {
    let config = json!({"api": "REST", "region": "us-east-1", "account_id": "123456789012",
        "api_id": "abc123", "stage": "test",
        "routes": [{"resource": "/r/{id}", "method": "GET", "auth": "tok"}],
        "authorizers": {"tok": {"type": "TOKEN",
            "identity_source": "method.request.header.Authorization", "ttl": 0}}});
    let allow = json!({"principalId": "u", "policyDocument": {"Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}});
    // `arn:aws:execute-api:us-east-1:123456789012:abc123/test/GET/r/` is 61 bytes.
    let request = |id_len: usize| {
        json!({"method": "GET", "path": format!("/test/r/{}", "a".repeat(id_len)),
            "headers": [["Authorization", "t"]]})
    };
    let case = json!({"id": "own-rest-arn-limit", "config": config, "steps": [
        {"request": request(1539), "authorizer_output": allow,
            "lambda_output": {"statusCode": 200},
            "expect": {"invoke_authorizer": true, "response": {"status": 200}}},
        {"request": request(1540),
            "expect": {"invoke_authorizer": false, "invoke_integration": false,
                "response": {"status": 414}}},
    ]});
    if let Err(e) = run_case(&case).await {
        panic!("{}: {e}", case["id"]);
    }
}

/// The steps of a case: its `steps`, or the case itself as the only step.
fn steps(case: &Value) -> Vec<&Value> {
    match case.get("steps").and_then(Value::as_array) {
        Some(s) => s.iter().collect(),
        None => vec![case],
    }
}

fn is_timeout(error: Option<&Value>) -> bool {
    error
        .and_then(|e| e.get("timeout"))
        .and_then(Value::as_bool)
        == Some(true)
}

async fn run_case(case: &Value) -> Result<(), String> {
    let steps = steps(case);
    let stub = FunctionStub::start().await;
    let timeout = |key: &str| {
        steps
            .iter()
            .filter_map(|s| s.get(key).filter(|e| is_timeout(Some(e))))
            .map(|e| match e.get("after_ms").and_then(Value::as_u64) {
                Some(ms) => (ms / 2).clamp(50, SHORT_TIMEOUT_MS),
                None => SHORT_TIMEOUT_MS,
            })
            .min()
    };
    let yaml = case_config::yaml(
        &case["config"],
        &Functions {
            integration_url: stub.invoke_url(INTEGRATION),
            authorizer_url: stub.invoke_url(AUTHORIZER),
            integration_timeout_ms: timeout("lambda_error"),
            authorizer_timeout_ms: timeout("authorizer_error"),
        },
    );
    let gw = gateway::try_start(&yaml)
        .await
        .map_err(|e| format!("config does not load: {e}\n{yaml}"))?;
    let notes = case["notes"].as_str().unwrap_or_default();
    for (i, step) in steps.iter().enumerate() {
        run_step(&stub, gw.addr, step, notes)
            .await
            .map_err(|e| format!("step {}: {e}", i + 1))?;
    }
    gw.shutdown().await.map_err(|e| format!("shutdown: {e}"))
}

/// The integration's program for a step.
fn integration_program(step: &Value) -> Program {
    if let Some(err) = step.get("lambda_error") {
        return Program::Reply(error_reply(err, &json!({"statusCode": 200})));
    }
    match step.get("lambda_output") {
        Some(out) => Program::Echo(out.clone()),
        // REST routing and event cases call an echo function.
        None => Program::Echo(json!({"statusCode": 200, "body": ECHO_MARKER})),
    }
}

/// The authorizer's program for a step: absent output means it must not be called.
fn authorizer_program(step: &Value) -> Program {
    if let Some(err) = step.get("authorizer_error") {
        return Program::Reply(error_reply(err, &json!({})));
    }
    match step.get("authorizer_output") {
        Some(out) => Program::Echo(out.clone()),
        None => Program::Reply(Reply::service_error(
            500,
            "ServiceException",
            "the test did not expect the authorizer to be called",
        )),
    }
}

/// A `lambda_error` / `authorizer_error`: a function error reply, or no answer in time (then
/// `late`, after `after_ms`, or never).
fn error_reply(err: &Value, late: &Value) -> Reply {
    if !is_timeout(Some(err)) {
        return function_error(err);
    }
    match err.get("after_ms").and_then(Value::as_u64) {
        Some(ms) => Reply::json(late).after(Duration::from_millis(ms)),
        None => Reply::Hang,
    }
}

fn function_error(err: &Value) -> Reply {
    let kind = err["function_error"].as_str().unwrap_or("Unhandled");
    Reply::function_error(kind, &err["payload"])
}

async fn run_step(
    stub: &FunctionStub,
    addr: SocketAddr,
    step: &Value,
    notes: &str,
) -> Result<(), String> {
    stub.set(INTEGRATION, integration_program(step));
    stub.set(AUTHORIZER, authorizer_program(step));
    let integ_before = stub.calls(INTEGRATION).len();
    let auth_before = stub.calls(AUTHORIZER).len();
    let request = &step["request"];
    let response = send_case_request(addr, request)
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let integ: Vec<_> = stub.calls(INTEGRATION).split_off(integ_before);
    let auth: Vec<_> = stub.calls(AUTHORIZER).split_off(auth_before);
    let expect = &step["expect"];
    let ctx = |e: String| {
        format!(
            "{e}\n    response: {} {:?} {}",
            response.status,
            response.headers,
            response.body_str()
        )
    };

    if let Some(want) = expect.get("invoke_integration").and_then(Value::as_bool) {
        if want == integ.is_empty() {
            return Err(ctx(format!(
                "invoke_integration: expected {want}, got {} call(s)",
                integ.len()
            )));
        }
    }
    if let Some(want) = expect.get("invoke_authorizer").and_then(Value::as_bool) {
        if want == auth.is_empty() {
            return Err(ctx(format!(
                "invoke_authorizer: expected {want}, got {} call(s)",
                auth.len()
            )));
        }
    }
    if let Some(want) = expect.get("event") {
        let event =
            last_event(&integ).ok_or_else(|| ctx("event: integration not called".into()))?;
        subset_match(want, &event).map_err(|e| ctx(format!("event: {e}\n    event: {event}")))?;
    }
    if let Some(keys) = expect.get("event_absent_keys").and_then(Value::as_array) {
        let event =
            last_event(&integ).ok_or_else(|| ctx("event: integration not called".into()))?;
        for k in keys.iter().filter_map(Value::as_str) {
            absent(&event, k).map_err(|e| ctx(format!("event_absent_keys: {e}")))?;
        }
    }
    if let Some(want) = expect.get("authorizer_event") {
        let event = last_event(&auth)
            .ok_or_else(|| ctx("authorizer_event: authorizer not called".into()))?;
        subset_match(want, &event)
            .map_err(|e| ctx(format!("authorizer_event: {e}\n    event: {event}")))?;
    }
    if let Some(want) = expect.get("response") {
        let mut want = want.clone();
        if request["method"] == "HEAD" {
            // A response to HEAD has no body on the wire (RFC 9110 9.3.2): only its head is
            // checkable.
            if let Some(w) = want.as_object_mut() {
                for k in ["body", "body_json", "body_base64"] {
                    w.remove(k);
                }
            }
        }
        let want = &want;
        response_match(want, response.status, &response.headers, &response.body).map_err(ctx)?;
        header_name_casing(want, &response, notes).map_err(ctx)?;
    }
    Ok(())
}

fn last_event(calls: &[support::stub_lambda::Received]) -> Option<Value> {
    calls
        .last()
        .map(|c| serde_json::from_slice(&c.body).unwrap_or(Value::Null))
}

/// `Content-Type` or `content-type`: a spelling that says nothing about casing.
fn canonical(name: &str) -> bool {
    let title = name
        .split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-");
    name == name.to_ascii_lowercase() || name == title
}

/// Header names are compared case-insensitively, except a name spelled with deliberate casing
/// (neither lower case nor Title-Case, e.g. `tesT-Multi`, `x-amzn-ErrorType`), or any name when
/// the case's notes ask for exact casing: then a header line with exactly that name must exist.
fn header_name_casing(want: &Value, response: &RawResponse, notes: &str) -> Result<(), String> {
    let all_exact = notes.contains("exact-case") || notes.contains("exact case");
    let Some(Value::Object(headers)) = want.get("headers") else {
        return Ok(());
    };
    for name in headers.keys() {
        if (all_exact || !canonical(name)) && !response.headers.iter().any(|(n, _)| n == name) {
            return Err(format!(
                "header name {name:?}: no line with exactly this casing (have {:?})",
                response.headers.iter().map(|(n, _)| n).collect::<Vec<_>>()
            ));
        }
    }
    Ok(())
}

/// The body a case's request carries: `body`, `body_base64` or `body_size_bytes` synthesized.
fn case_body(req: &Value) -> Option<Vec<u8>> {
    if let Some(t) = req.get("body").and_then(Value::as_str) {
        return Some(t.as_bytes().to_vec());
    }
    if let Some(b) = req.get("body_base64").and_then(Value::as_str) {
        return Some(base64::engine::general_purpose::STANDARD.decode(b).unwrap());
    }
    req.get("body_size_bytes")
        .and_then(Value::as_u64)
        .map(|n| vec![b'a'; n as usize])
}

/// Sends the case's request with its header names and order exactly as written. The body is
/// written concurrently with reading the response, so a gateway that answers before reading a
/// large body (413) is seen rather than deadlocking the writer.
async fn send_case_request(addr: SocketAddr, req: &Value) -> std::io::Result<RawResponse> {
    let method = req["method"].as_str().unwrap_or("GET");
    let mut target = req["path"].as_str().unwrap_or("/").to_string();
    if let Some(q) = req
        .get("query")
        .and_then(Value::as_str)
        .filter(|q| !q.is_empty())
    {
        target.push('?');
        target.push_str(q);
    }
    let headers: Vec<(String, String)> = req
        .get("headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    let body = case_body(req);
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str("Host: localhost\r\n");
    }
    for (n, v) in &headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    let mut wire = Vec::new();
    if chunked {
        // The case names chunked framing: send the body (possibly empty) as chunks.
        head.push_str("\r\n");
        wire.extend_from_slice(head.as_bytes());
        if let Some(b) = body.as_ref().filter(|b| !b.is_empty()) {
            wire.extend_from_slice(format!("{:x}\r\n", b.len()).as_bytes());
            wire.extend_from_slice(b);
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b"0\r\n\r\n");
    } else {
        let has_length = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
        if let Some(b) = body.as_ref().filter(|_| !has_length) {
            head.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        wire.extend_from_slice(head.as_bytes());
        if let Some(b) = &body {
            wire.extend_from_slice(b);
        }
    }
    let stream = TcpStream::connect(addr).await?;
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = write.write_all(&wire).await;
        // Keep the write half open until the response is read.
        write
    });
    let response = read_response(&mut read, method == "HEAD").await;
    writer.abort();
    response
}
