//! End-to-end tests of `apigate::lambda` against a stub Lambda over real HTTP on port 0: the
//! Invoke API and RIE reply shapes, every failure class, keep-alive reuse, Function URL forwarding,
//! the demo function, and the `lambda_invoke` conformance cases.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use apigate::config::model::{Function, FunctionTarget};
use apigate::gateway::error::GatewayError;
use apigate::lambda::{FunctionErrorKind, InvokeError, Invoker, InvokerSettings, MAX_RESULT_BYTES};
use apigate::message::Request;
use bytes::Bytes;
use http::Method;
use serde_json::{json, Value};
use support::stub_lambda::{Reply, StubLambda};

const TIMEOUT: Duration = Duration::from_secs(10);
const TRACE: &str = "Root=1-5e1b4151-5ac6c58f5b5dbd0a9c8a1e7f";

fn trace() -> apigate::trace_context::TraceContext {
    apigate::trace_context::TraceContext::from_amzn(TRACE).expect("a valid trace id")
}

fn invoker() -> Invoker {
    Invoker::new(&InvokerSettings::default()).unwrap()
}

fn invoke_target(url: &str) -> Function {
    Function {
        name: "fn".into(),
        target: FunctionTarget::InvokeUrl(url.parse().unwrap()),
        timeout: None,
    }
}

fn url_target(url: &str) -> Function {
    Function {
        name: "site".into(),
        target: FunctionTarget::FunctionUrl(url.parse().unwrap()),
        timeout: None,
    }
}

async fn invoke_once(reply: Reply) -> Result<apigate::lambda::Invocation, InvokeError> {
    let stub = StubLambda::start(reply).await;
    let f = invoke_target(&stub.invoke_url("function"));
    invoker()
        .invoke(&f, Bytes::from_static(b"{}"), TIMEOUT, &trace())
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_sends_the_invoke_request_and_returns_the_payload() {
    let stub = StubLambda::start(Reply::proxy_ok()).await;
    let f = invoke_target(&stub.invoke_url("orders"));
    let payload = Bytes::from_static(br#"{"resource":"/x","body":null}"#);
    let inv = invoker()
        .invoke(&f, payload.clone(), TIMEOUT, &trace())
        .await
        .unwrap();
    assert_eq!(inv.function_error, None);
    assert_eq!(inv.payload, support::stub_lambda::PROXY_OK.as_bytes());

    assert_eq!(stub.calls(), 1);
    let req = stub.last_request().unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.target, "/2015-03-31/functions/orders/invocations");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("x-amz-invocation-type"), Some("RequestResponse"));
    assert_eq!(req.header("x-amzn-trace-id"), Some(TRACE));
    assert_eq!(req.header("host"), Some(stub.addr().to_string().as_str()));
    assert_eq!(req.body, payload);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_error_header_unhandled_and_handled() {
    let error = json!({"errorMessage": "boom", "errorType": "Error", "trace": ["Error: boom"]});
    let inv = invoke_once(Reply::function_error("Unhandled", &error))
        .await
        .unwrap();
    assert_eq!(inv.function_error, Some(FunctionErrorKind::Unhandled));
    assert_eq!(inv.error_message().as_deref(), Some("boom"));
    assert_eq!(inv.error_type().as_deref(), Some("Error"));
    assert!(matches!(
        inv.to_gateway_error(),
        Some(GatewayError::FunctionError(_))
    ));

    let inv = invoke_once(Reply::function_error(
        "Handled",
        &json!({"errorMessage": "nope"}),
    ))
    .await
    .unwrap();
    assert_eq!(inv.function_error, Some(FunctionErrorKind::Handled));
    assert_eq!(inv.error_message().as_deref(), Some("nope"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rie_error_body_without_header() {
    let error = json!({"errorType": "NotFound", "errorMessage": "NotFound: order 42"});
    let inv = invoke_once(Reply::rie_error(&error)).await.unwrap();
    assert_eq!(inv.function_error, Some(FunctionErrorKind::ErrorObject));
    assert_eq!(inv.error_message().as_deref(), Some("NotFound: order 42"));
    let v: Value = serde_json::from_slice(&inv.payload).unwrap();
    assert_eq!(v, error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rie_timeout_text_and_empty_body() {
    let inv = invoke_once(Reply::rie_timeout(3)).await.unwrap();
    assert_eq!(inv.function_error, Some(FunctionErrorKind::TimedOut));
    assert_eq!(
        inv.error_message().as_deref(),
        Some("Task timed out after 3.00 seconds")
    );
    let inv = invoke_once(Reply::empty()).await.unwrap();
    assert_eq!(inv.function_error, Some(FunctionErrorKind::EmptyResult));
    assert!(inv.to_gateway_error().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_2xx_is_a_service_error_with_its_type() {
    for (status, error_type) in [
        (404, "ResourceNotFoundException"),
        (429, "TooManyRequestsException"),
        (413, "RequestTooLargeException"),
        (500, "ServiceException"),
    ] {
        let err = invoke_once(Reply::service_error(status, error_type, "x"))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            InvokeError::Service {
                status,
                error_type: Some(error_type.into())
            }
        );
        // A refusal by the Lambda service: API Gateway's 500, not a function's 502.
        assert!(matches!(
            err.to_gateway_error(),
            GatewayError::InvocationRejected(_)
        ));
    }
    let denied = invoke_once(Reply::service_error(403, "AccessDeniedException", "no"))
        .await
        .unwrap_err();
    assert!(matches!(
        denied.to_gateway_error(),
        GatewayError::ApiConfiguration(_)
    ));
    // The RIE's init failure: 502 with a body and no type.
    let init = invoke_once(Reply::http(502, &[], "init failed"))
        .await
        .unwrap_err();
    assert_eq!(
        init,
        InvokeError::Service {
            status: 502,
            error_type: None
        }
    );
    // Lambda reports a runtime that failed to start as a function error: its 502.
    assert!(matches!(
        init.to_gateway_error(),
        GatewayError::FunctionError(_)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let f = invoke_target(&format!(
        "http://{addr}/2015-03-31/functions/function/invocations"
    ));
    let err = invoker()
        .invoke(&f, Bytes::from_static(b"{}"), TIMEOUT, &trace())
        .await
        .unwrap_err();
    assert!(matches!(err, InvokeError::Connect(_)), "{err:?}");
    assert!(matches!(
        err.to_gateway_error(),
        GatewayError::IntegrationFailure(_)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_connections_are_io_errors() {
    let err = invoke_once(Reply::Close).await.unwrap_err();
    assert!(matches!(err, InvokeError::Io(_)), "{err:?}");
    let err = invoke_once(Reply::truncated()).await.unwrap_err();
    assert!(matches!(err, InvokeError::Io(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_a_protocol_error() {
    let err = invoke_once(Reply::garbage()).await.unwrap_err();
    assert!(matches!(err, InvokeError::Protocol(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_within_the_timeout() {
    let stub = StubLambda::start(Reply::Hang).await;
    let f = invoke_target(&stub.invoke_url("function"));
    let inv = invoker();
    let err = inv
        .invoke(&f, Bytes::new(), Duration::from_millis(200), &trace())
        .await
        .unwrap_err();
    assert_eq!(err, InvokeError::Timeout);
    assert!(matches!(
        err.to_gateway_error(),
        GatewayError::IntegrationTimeout
    ));
    // A slow reply is a timeout too; a reply within the timeout is not.
    stub.enqueue([
        Reply::proxy_ok().after(Duration::from_secs(30)),
        Reply::proxy_ok().after(Duration::from_millis(20)),
    ]);
    let err = inv
        .invoke(&f, Bytes::new(), Duration::from_millis(200), &trace())
        .await
        .unwrap_err();
    assert_eq!(err, InvokeError::Timeout);
    let ok = inv
        .invoke(&f, Bytes::new(), TIMEOUT, &trace())
        .await
        .unwrap();
    assert_eq!(ok.function_error, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_over_6_mb_are_refused() {
    let err = invoke_once(Reply::oversized(MAX_RESULT_BYTES + 1))
        .await
        .unwrap_err();
    assert_eq!(err, InvokeError::ResponseTooLarge);
    let err = invoke_once(Reply::oversized_chunked(MAX_RESULT_BYTES + 1))
        .await
        .unwrap_err();
    assert_eq!(err, InvokeError::ResponseTooLarge);
    let inv = invoke_once(Reply::oversized(MAX_RESULT_BYTES))
        .await
        .unwrap();
    assert_eq!(inv.payload.len(), MAX_RESULT_BYTES);
}

/// hyper's pool takes a finished connection back from a background task, so a call issued the
/// instant the previous one returned may race it and open another connection (which then joins
/// the pool). With a pause between calls the pool must reuse exactly one connection; back to back,
/// connections must stay far fewer than calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_invokes_reuse_one_connection() {
    let stub = StubLambda::start(Reply::proxy_ok()).await;
    let f = invoke_target(&stub.invoke_url("function"));
    let inv = invoker();
    for _ in 0..5 {
        inv.invoke(&f, Bytes::from_static(b"{}"), TIMEOUT, &trace())
            .await
            .unwrap();
        // Lets the pool take the connection back (see above); not a timing assertion.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stub.calls(), 5);
    assert_eq!(stub.connections(), 1);
    // Clones share the pool.
    inv.clone()
        .invoke(&f, Bytes::from_static(b"{}"), TIMEOUT, &trace())
        .await
        .unwrap();
    assert_eq!(stub.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_to_back_invokes_keep_connections_alive() {
    let stub = StubLambda::start(Reply::proxy_ok()).await;
    let f = invoke_target(&stub.invoke_url("function"));
    let inv = invoker();
    for _ in 0..50 {
        inv.invoke(&f, Bytes::from_static(b"{}"), TIMEOUT, &trace())
            .await
            .unwrap();
    }
    assert_eq!(stub.calls(), 50);
    assert!(
        stub.connections() < 25,
        "{} connections for 50 calls",
        stub.connections()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_call_replies_and_a_sharded_pool() {
    let stub = StubLambda::with_handler(|req| {
        let event: Value = req.json();
        Reply::json(&json!({"statusCode": 200, "body": event["n"].to_string()}))
    })
    .await;
    stub.enqueue([Reply::rie_error(&json!({"errorMessage": "first"}))]);
    let f = invoke_target(&stub.invoke_url("function"));
    let settings = InvokerSettings {
        pool_shards: 4,
        ..InvokerSettings::default()
    };
    let inv = Invoker::new(&settings).unwrap();
    let first = inv
        .invoke(&f, Bytes::from_static(br#"{"n":1}"#), TIMEOUT, &trace())
        .await
        .unwrap();
    assert_eq!(first.error_message().as_deref(), Some("first"));
    let second = inv
        .invoke(&f, Bytes::from_static(br#"{"n":2}"#), TIMEOUT, &trace())
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&second.payload).unwrap();
    assert_eq!(v["body"], "2");
    assert_eq!(stub.requests().len(), 2);
}

fn client_request(target: &str) -> Request {
    let mut req = Request::for_test(Method::PATCH, target);
    let h = &mut req.headers;
    h.push("Host", "api.example.com").unwrap();
    h.push("Connection", "keep-alive, X-Hop").unwrap();
    h.push("X-Hop", "secret").unwrap();
    h.push("Keep-Alive", "timeout=5").unwrap();
    h.push("Proxy-Authorization", "Basic eA==").unwrap();
    h.push("Upgrade", "websocket").unwrap();
    h.push("X-Forwarded-For", "198.51.100.7").unwrap();
    h.push("Content-Type", "text/plain").unwrap();
    h.push("Content-Length", "5").unwrap();
    h.push("Cookie", "a=1").unwrap();
    req.body = Bytes::from_static(b"hello");
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_url_forwarding() {
    let stub = StubLambda::start(Reply::http(
        201,
        &[
            ("Content-Type", "application/json"),
            ("X-Custom", "yes"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("Connection", "keep-alive"),
            ("Keep-Alive", "timeout=60"),
        ],
        r#"{"created":true}"#,
    ))
    .await;
    let f = url_target(&format!("{}/", stub.base_url()));
    let req = client_request("/orders/a%2Fb?x=1&x=2&y=%20");
    let resp = invoker()
        .forward(&f, &req, Instant::now(), TIMEOUT, &trace())
        .await
        .unwrap();

    assert_eq!(resp.status, 201);
    assert_eq!(resp.body, Bytes::from_static(br#"{"created":true}"#));
    assert_eq!(
        resp.headers.get_str("content-type"),
        Some("application/json")
    );
    assert_eq!(resp.headers.get_str("x-custom"), Some("yes"));
    assert_eq!(resp.headers.get_all("set-cookie").count(), 2);
    for gone in ["connection", "keep-alive", "content-length"] {
        assert!(!resp.headers.contains(gone), "{gone} returned");
    }

    let got = stub.last_request().unwrap();
    assert_eq!(got.method, "PATCH");
    assert_eq!(got.target, "/orders/a%2Fb?x=1&x=2&y=%20");
    assert_eq!(got.header("host"), Some(stub.addr().to_string().as_str()));
    assert_eq!(
        got.header("x-forwarded-for"),
        Some("198.51.100.7, 127.0.0.1")
    );
    assert_eq!(got.header("x-forwarded-proto"), Some("http"));
    assert_eq!(got.header("x-forwarded-host"), Some("api.example.com"));
    assert_eq!(got.header("x-forwarded-port"), Some("8080"));
    assert_eq!(got.header("content-type"), Some("text/plain"));
    assert_eq!(got.header("cookie"), Some("a=1"));
    assert_eq!(got.header("content-length"), Some("5"));
    for gone in ["x-hop", "keep-alive", "proxy-authorization", "upgrade"] {
        assert!(got.header(gone).is_none(), "{gone} forwarded");
    }
    assert_eq!(got.body, Bytes::from_static(b"hello"));
    // The request's trace goes with it, as on Invoke calls.
    assert_eq!(got.header("x-amzn-trace-id"), Some(TRACE));
    assert!(got
        .header("traceparent")
        .is_some_and(|tp| tp.starts_with("00-5e1b41515ac6c58f5b5dbd0a9c8a1e7f-")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_url_base_path_and_invoke_through_the_url() {
    let stub = StubLambda::start(Reply::http(200, &[], "ok")).await;
    let f = url_target(&format!("{}/prefix/", stub.base_url()));
    invoker()
        .forward(
            &f,
            &Request::for_test(Method::GET, "/a/b"),
            Instant::now(),
            TIMEOUT,
            &trace(),
        )
        .await
        .unwrap();
    assert_eq!(stub.last_request().unwrap().target, "/prefix/a/b");

    // invoke through a Function URL: POST of the payload; 2xx = result, 502 = function error.
    let stub = StubLambda::start(Reply::http(200, &[], r#"{"principalId":"u"}"#)).await;
    let f = url_target(&stub.base_url());
    let inv = invoker()
        .invoke(
            &f,
            Bytes::from_static(b"{\"type\":\"TOKEN\"}"),
            TIMEOUT,
            &trace(),
        )
        .await
        .unwrap();
    assert_eq!(inv.function_error, None);
    let got = stub.last_request().unwrap();
    assert_eq!((got.method.as_str(), got.target.as_str()), ("POST", "/"));
    assert_eq!(got.body, Bytes::from_static(b"{\"type\":\"TOKEN\"}"));
    assert_eq!(got.header("x-amzn-trace-id"), Some(TRACE));
    stub.enqueue([Reply::http(502, &[], "Internal Server Error")]);
    let inv = invoker()
        .invoke(&f, Bytes::from_static(b"{}"), TIMEOUT, &trace())
        .await
        .unwrap();
    assert_eq!(inv.function_error, Some(FunctionErrorKind::FunctionUrl));
    stub.enqueue([Reply::http(
        403,
        &[("x-amzn-ErrorType", "AccessDeniedException")],
        r#"{"Message":null}"#,
    )]);
    let err = invoker()
        .invoke(&f, Bytes::from_static(b"{}"), TIMEOUT, &trace())
        .await
        .unwrap_err();
    assert!(err.is_access_denied());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_refuses_an_invoke_url_target() {
    let f = invoke_target("http://127.0.0.1:1/2015-03-31/functions/f/invocations");
    let err = invoker()
        .forward(
            &f,
            &Request::for_test(Method::GET, "/"),
            Instant::now(),
            TIMEOUT,
            &trace(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, InvokeError::Request(_)));
}

mod demo {
    use super::*;
    use apigate::demo::spawn_demo_function;

    async fn call(
        function: &str,
        event: Value,
    ) -> Result<apigate::lambda::Invocation, InvokeError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let demo = spawn_demo_function(listener).await;
        let f = invoke_target(&demo.invoke_url(function));
        let result = invoker()
            .invoke(&f, Bytes::from(event.to_string()), TIMEOUT, &trace())
            .await;
        demo.shutdown().await;
        result
    }

    fn json_of(inv: &apigate::lambda::Invocation) -> Value {
        serde_json::from_slice(&inv.payload).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hello_and_echo_answer_proxy_responses() {
        let event = json!({"version": "2.0", "rawPath": "/hello/ann", "pathParameters": {"name": "ann"},
                           "requestContext": {"http": {"method": "GET"}}});
        let inv = call("hello", event.clone()).await.unwrap();
        let result = json_of(&inv);
        assert_eq!(result["statusCode"], 200);
        let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["message"], "Hello, ann!");
        assert_eq!(body["path"], "/hello/ann");

        let inv = call("echo", event.clone()).await.unwrap();
        let body: Value = serde_json::from_str(json_of(&inv)["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, event);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn authorizer_allows_denies_and_refuses() {
        let arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/orders";
        let allow = call(
            "authorizer",
            json!({"type": "TOKEN", "authorizationToken": "allow", "methodArn": arn}),
        )
        .await
        .unwrap();
        assert_eq!(allow.function_error, None);
        let policy = json_of(&allow);
        assert_eq!(policy["principalId"], "demo-user");
        assert_eq!(policy["policyDocument"]["Statement"][0]["Effect"], "Allow");
        let deny = call(
            "authorizer",
            json!({"type": "TOKEN", "authorizationToken": "deny", "methodArn": arn}),
        )
        .await
        .unwrap();
        assert_eq!(
            json_of(&deny)["policyDocument"]["Statement"][0]["Effect"],
            "Deny"
        );
        let refused = call(
            "authorizer",
            json!({"type": "TOKEN", "authorizationToken": "unauthorized", "methodArn": arn}),
        )
        .await
        .unwrap();
        assert_eq!(refused.function_error, Some(FunctionErrorKind::Unhandled));
        assert_eq!(refused.error_message().as_deref(), Some("Unauthorized"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn orders_returns_json_or_raises_not_found() {
        let found = call("orders", json!({"id": "1"})).await.unwrap();
        assert_eq!(json_of(&found)["item"], "coffee");
        let missing = call("orders", json!({"id": "42"})).await.unwrap();
        assert_eq!(missing.function_error, Some(FunctionErrorKind::Unhandled));
        assert_eq!(
            missing.error_message().as_deref(),
            Some("NotFound: order 42")
        );
        assert_eq!(missing.error_type().as_deref(), Some("NotFound"));
        let unknown = call("nope", json!({})).await.unwrap_err();
        assert_eq!(
            unknown,
            InvokeError::Service {
                status: 404,
                error_type: Some("ResourceNotFoundException".into())
            }
        );
    }
}

use support::case_api::shared_dir;

/// The `lambda_invoke` cases: the stub answers as the case's Lambda/RIE does, and the invoker must
/// report a function error exactly when the case says the function failed, keeping the payload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_lambda_invoke_cases() {
    let text = std::fs::read_to_string(shared_dir().join("conformance/proxy-auth.jsonl")).unwrap();
    let mut ran = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        if case["kind"] != "lambda_invoke" {
            continue;
        }
        let id = case["id"].as_str().unwrap_or("?");
        let expect = &case["expect"]["response"];
        let status = expect["status"].as_u64().unwrap() as u16;
        let headers: Vec<(String, String)> = expect["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let header_refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let body = if expect["body_json"].is_null() {
            expect["body"].as_str().unwrap_or_default().to_owned()
        } else {
            expect["body_json"].to_string()
        };
        let failed = case.get("lambda_error").is_some()
            || headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("x-amz-function-error"));

        let stub = StubLambda::start(Reply::http(status, &header_refs, body.clone())).await;
        let f = invoke_target(&stub.invoke_url("function"));
        let inv = invoker()
            .invoke(&f, Bytes::from_static(b"{}"), TIMEOUT, &trace())
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            inv.is_error(),
            failed,
            "{id}: function error classification"
        );
        assert_eq!(inv.payload, body.as_bytes(), "{id}: payload kept");
        if failed {
            if let Some(msg) = expect["body_json"]["errorMessage"].as_str() {
                assert_eq!(inv.error_message().as_deref(), Some(msg), "{id}");
            }
        }
        ran += 1;
    }
    assert!(ran >= 2, "expected lambda_invoke cases, ran {ran}");
}
