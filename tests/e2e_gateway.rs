//! The gateway end to end over real TCP (`app::run` on `127.0.0.1:0`, stub Lambdas on
//! `127.0.0.1:0`): the three upstream shapes (Invoke API, RIE, Function URL), FUNCTION_URL mode,
//! bad client input and bad Lambda answers (each with AWS's status and body, and the gateway
//! still serving afterwards), the 6 MB result limit, graceful drain, and h2c.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use support::client::{self, read_response, RawResponse};
use support::function_stub::{FunctionStub, Program};
use support::gateway::{self, RunningGateway};
use support::stub_lambda::{Reply, StubLambda};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A REST API (stage `prod`, no stage prefix) whose `/ok` and `/fn/{proxy+}` call `fn` on
/// `stub`; `/fn` calls time out after `timeout_ms`.
fn rest_yaml(stub: &FunctionStub, timeout_ms: u64) -> String {
    format!(
        r#"
listen: "127.0.0.1:0"
api:
  type: REST
  id: "e2e123"
  stage: prod
functions:
  ok:
    invokeUrl: "{ok}"
  fn:
    invokeUrl: "{f}"
    timeoutInMillis: {timeout_ms}
  rie:
    invokeUrl: "{rie}"
routes:
  - path: /ok
    method: ANY
    integration: {{type: AWS_PROXY, function: ok}}
  - path: "/fn/{{proxy+}}"
    method: ANY
    integration: {{type: AWS_PROXY, function: fn}}
  - path: "/rie"
    method: POST
    integration: {{type: AWS_PROXY, function: rie}}
"#,
        ok = stub.invoke_url("ok"),
        f = stub.invoke_url("fn"),
        rie = stub.invoke_url("function"),
    )
}

/// A gateway over a stub whose `ok` function answers 200 `fine`.
async fn rest_gateway(timeout_ms: u64) -> (FunctionStub, RunningGateway) {
    let stub = FunctionStub::start().await;
    stub.set(
        "ok",
        Program::Echo(json!({"statusCode": 200, "body": "fine"})),
    );
    let gw = gateway::start(&rest_yaml(&stub, timeout_ms)).await;
    (stub, gw)
}

async fn get(addr: SocketAddr, target: &str) -> RawResponse {
    client::send(addr, "GET", target, &[], None).await.unwrap()
}

/// The gateway still answers a good request.
async fn still_serving(addr: SocketAddr) {
    let r = get(addr, "/ok").await;
    assert_eq!((r.status, r.body_str()), (200, "fine"), "{r:?}");
}

/// Writes raw bytes on a new connection and reads one response.
async fn raw(addr: SocketAddr, bytes: &[u8]) -> RawResponse {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    read_response(&mut s, false).await.unwrap()
}

fn assert_rest_error(r: &RawResponse, status: u16, error_type: &str, body: Value) {
    assert_eq!(r.status, status, "{r:?}");
    assert_eq!(
        r.header("x-amzn-ErrorType").as_deref(),
        Some(error_type),
        "{r:?}"
    );
    assert_eq!(
        r.header("Content-Type").as_deref(),
        Some("application/json")
    );
    assert_eq!(r.json(), body, "{r:?}");
}

fn internal_error() -> Value {
    json!({"message": "Internal server error"})
}

// ---------------------------------------------------------------- upstream shapes

#[tokio::test]
async fn invoke_api_result_and_function_error() {
    let (stub, gw) = rest_gateway(2000).await;
    let r = client::send(
        gw.addr,
        "POST",
        "/ok?x=1",
        &[("X-Test", "yes")],
        Some(b"hi"),
    )
    .await
    .unwrap();
    assert_eq!((r.status, r.body_str()), (200, "fine"));
    let call = stub.calls("ok").pop().unwrap();
    assert_eq!(call.method, "POST");
    assert_eq!(call.path(), "/2015-03-31/functions/ok/invocations");
    let event = call.json();
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["path"], "/ok");
    assert_eq!(event["body"], "hi");
    assert_eq!(event["headers"]["X-Test"], "yes");
    assert_eq!(event["queryStringParameters"], json!({"x": "1"}));

    stub.set(
        "fn",
        Program::Reply(Reply::function_error(
            "Unhandled",
            &json!({"errorMessage": "boom", "errorType": "Error"}),
        )),
    );
    let r = get(gw.addr, "/fn/x").await;
    assert_rest_error(&r, 502, "InternalServerErrorException", internal_error());
    gw.shutdown().await.unwrap();
}

#[tokio::test]
async fn rie_errors_are_recognised_by_their_body() {
    let (stub, gw) = rest_gateway(2000).await;
    // The RIE's error: the error object with no X-Amz-Function-Error header.
    stub.set(
        "function",
        Program::Reply(Reply::rie_error(&json!({
            "errorType": "Error", "errorMessage": "failure", "trace": ["Error: failure"]
        }))),
    );
    let r = client::send(gw.addr, "POST", "/rie", &[], Some(b"{}"))
        .await
        .unwrap();
    assert_rest_error(&r, 502, "InternalServerErrorException", internal_error());
    assert_eq!(
        stub.calls("function")[0].path(),
        "/2015-03-31/functions/function/invocations"
    );
    // Its timeout text and its empty answer after a runtime exit are errors too.
    for reply in [Reply::rie_timeout(3), Reply::empty()] {
        stub.set("function", Program::Reply(reply));
        let r = client::send(gw.addr, "POST", "/rie", &[], Some(b"{}"))
            .await
            .unwrap();
        assert_rest_error(&r, 502, "InternalServerErrorException", internal_error());
    }
    // A proxy result from the RIE goes through.
    stub.set(
        "function",
        Program::Echo(json!({"statusCode": 202, "body": "accepted"})),
    );
    let r = client::send(gw.addr, "POST", "/rie", &[], Some(b"{}"))
        .await
        .unwrap();
    assert_eq!((r.status, r.body_str()), (202, "accepted"));
    gw.shutdown().await.unwrap();
}

#[tokio::test]
async fn function_url_upstream_gets_the_request_forwarded() {
    let upstream = StubLambda::start(Reply::http(
        201,
        &[("Content-Type", "text/plain"), ("X-From", "url")],
        "created",
    ))
    .await;
    let yaml = format!(
        r#"
api: {{type: REST, id: "e2e123", stage: prod}}
functions:
  site: {{functionUrl: "{base}/base/"}}
routes:
  - path: "/{{proxy+}}"
    method: ANY
    integration: {{type: AWS_PROXY, function: site}}
"#,
        base = upstream.base_url()
    );
    let gw = gateway::start(&yaml).await;
    let r = client::send(
        gw.addr,
        "PUT",
        "/a/b%2Fc?q=1&q=2",
        &[
            ("Host", "api.example.com"),
            ("X-Custom", "v"),
            ("Connection", "keep-alive"),
            ("X-Forwarded-For", "198.51.100.1"),
        ],
        Some(b"payload"),
    )
    .await
    .unwrap();
    assert_eq!((r.status, r.body_str()), (201, "created"), "{r:?}");
    assert_eq!(r.header("x-from").as_deref(), Some("url"));
    assert_eq!(r.header("content-type").as_deref(), Some("text/plain"));

    let got = upstream.last_request().unwrap();
    assert_eq!(got.method, "PUT");
    assert_eq!(got.target, "/base/a/b%2Fc?q=1&q=2");
    assert_eq!(&got.body[..], b"payload");
    assert_eq!(
        got.header("host"),
        Some(upstream.addr().to_string().as_str())
    );
    assert_eq!(got.header("x-custom"), Some("v"));
    assert_eq!(
        got.header("x-forwarded-for"),
        Some("198.51.100.1, 127.0.0.1")
    );
    assert_eq!(got.header("x-forwarded-proto"), Some("http"));
    assert_eq!(got.header("x-forwarded-host"), Some("api.example.com"));
    assert_eq!(
        got.header("x-forwarded-port"),
        Some(gw.addr.port().to_string().as_str())
    );
    assert!(got.header("connection").is_none_or(|v| v != "keep-alive"));
    gw.shutdown().await.unwrap();
}

#[tokio::test]
async fn function_url_mode_in_front_of_an_invoke_url_function() {
    let stub = FunctionStub::start().await;
    let yaml = format!(
        r#"
api: {{type: FUNCTION_URL, id: "urlid123"}}
functions:
  f: {{invokeUrl: "{url}"}}
routes:
  - path: "$default"
    integration: {{type: AWS_PROXY, function: f}}
"#,
        url = stub.invoke_url("f")
    );
    let gw = gateway::start(&yaml).await;
    stub.set(
        "f",
        Program::Echo(json!({
            "statusCode": 201, "headers": {"X-Out": "1"}, "cookies": ["a=1", "b=2"], "body": "made"
        })),
    );
    let r = client::send(
        gw.addr,
        "POST",
        "/any/path?a=1&a=2",
        &[("Content-Type", "text/plain")],
        Some(b"in"),
    )
    .await
    .unwrap();
    assert_eq!((r.status, r.body_str()), (201, "made"), "{r:?}");
    assert_eq!(r.header_all("set-cookie"), ["a=1", "b=2"]);
    assert_eq!(r.header("x-out").as_deref(), Some("1"));
    let event = stub.calls("f").pop().unwrap().json();
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["rawPath"], "/any/path");
    assert_eq!(event["rawQueryString"], "a=1&a=2");
    assert_eq!(event["queryStringParameters"], json!({"a": "1,2"}));
    assert_eq!(event["body"], "in");
    assert_eq!(event["requestContext"]["apiId"], "urlid123");
    assert_eq!(event["requestContext"]["http"]["method"], "POST");

    // A function error: the Function URL's 502 text.
    stub.set(
        "f",
        Program::Reply(Reply::function_error(
            "Unhandled",
            &json!({"errorMessage": "x"}),
        )),
    );
    let r = get(gw.addr, "/").await;
    assert_eq!(
        (r.status, r.body_str()),
        (502, "Internal Server Error"),
        "{r:?}"
    );
    gw.shutdown().await.unwrap();
}

// ---------------------------------------------------------------- bad client input

#[tokio::test]
async fn malformed_requests_get_400_and_the_gateway_keeps_serving() {
    let (_stub, gw) = rest_gateway(2000).await;
    for bad in [
        &b"THIS IS NOT HTTP\r\n\r\n"[..],
        b"GET /ok HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n",
        b"GET /ok HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
        b"GET /ok HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    ] {
        let r = raw(gw.addr, bad).await;
        assert_eq!(r.status, 400, "{:?}: {r:?}", String::from_utf8_lossy(bad));
        still_serving(gw.addr).await;
    }
    gw.shutdown().await.unwrap();
}

/// A body under the gateway's 10 MB limit whose event is over Lambda's 6 MB request limit: the
/// Invoke API refuses it (413 `RequestTooLargeException`) before the function runs, which a
/// REST proxy integration answers as any refusal by the Lambda service (500, not the 502 of a
/// function error), whatever is behind the URL.
#[tokio::test]
async fn an_event_over_lambdas_6_mb_never_reaches_the_function() {
    let (stub, gw) = rest_gateway(2000).await;
    let body = vec![b'a'; 6 * 1024 * 1024];
    let r = client::send(
        gw.addr,
        "POST",
        "/ok",
        &[("Content-Type", "text/plain")],
        Some(&body),
    )
    .await
    .unwrap();
    assert_rest_error(&r, 500, "InternalServerErrorException", internal_error());
    assert!(stub.calls("ok").is_empty());
    still_serving(gw.addr).await;
    gw.shutdown().await.unwrap();
}

#[tokio::test]
async fn oversized_body_gets_awss_413() {
    let (stub, gw) = rest_gateway(2000).await;
    let body = vec![b'a'; 10 * 1024 * 1024 + 1];
    let head = format!(
        "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let stream = TcpStream::connect(gw.addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    // Written while the response is read: the gateway may answer before taking the whole body.
    let writer = tokio::spawn(async move {
        let _ = write.write_all(head.as_bytes()).await;
        let _ = write.write_all(&body).await;
        write
    });
    let r = read_response(&mut read, false).await.unwrap();
    writer.abort();
    assert_rest_error(
        &r,
        413,
        "RequestTooLargeException",
        json!({"message": "Request Too Long"}),
    );
    assert!(stub.calls("ok").is_empty());
    still_serving(gw.addr).await;
    gw.shutdown().await.unwrap();
}

#[tokio::test]
async fn oversized_headers_get_431() {
    let (_stub, gw) = rest_gateway(2000).await;
    let big = "v".repeat(20 * 1024);
    let r = client::send(gw.addr, "GET", "/ok", &[("X-Big", &big)], None)
        .await
        .unwrap();
    assert_eq!(r.status, 431, "{r:?}");
    still_serving(gw.addr).await;
    gw.shutdown().await.unwrap();
}

#[tokio::test]
async fn non_utf8_path_and_query_bytes_do_not_break_the_gateway() {
    let (stub, gw) = rest_gateway(2000).await;
    stub.set(
        "fn",
        Program::Echo(json!({"statusCode": 200, "body": "fn"})),
    );
    // Raw non-UTF-8 path bytes match no resource (API Gateway keeps paths percent-encoded, so
    // no such resource can exist): the REST API's answer for an unknown path.
    let r = raw(gw.addr, b"GET /fn/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_rest_error(
        &r,
        403,
        "MissingAuthenticationTokenException",
        json!({"message": "Missing Authentication Token"}),
    );
    assert!(stub.calls("fn").is_empty());
    still_serving(gw.addr).await;
    let r = raw(gw.addr, b"GET /fn/x?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n").await;
    // Raw non-UTF-8 query bytes: the request is served; the value is decoded lossily, as
    // percent-encoded invalid UTF-8 is.
    assert_eq!((r.status, r.body_str()), (200, "fn"), "{r:?}");
    let event = stub.calls("fn").pop().unwrap().json();
    assert_eq!(
        event["queryStringParameters"],
        json!({"q": "\u{FFFD}\u{FFFD}"})
    );
    still_serving(gw.addr).await;
    // Percent-encoded non-UTF-8 bytes are valid on the wire and reach the function as sent.
    let r = get(gw.addr, "/fn/%FF%FE?q=%FF").await;
    assert_eq!((r.status, r.body_str()), (200, "fn"), "{r:?}");
    let event = stub.calls("fn").pop().unwrap().json();
    assert_eq!(event["path"], "/fn/%FF%FE");
    still_serving(gw.addr).await;
    gw.shutdown().await.unwrap();
}

// ---------------------------------------------------------------- bad Lambda answers

#[tokio::test]
async fn bad_lambda_answers_get_awss_5xx_and_the_gateway_keeps_serving() {
    let (stub, gw) = rest_gateway(300).await;
    for reply in [
        Reply::garbage(),
        Reply::Close,
        Reply::truncated(),
        Reply::result("not json at all"),
    ] {
        stub.set("fn", Program::Reply(reply.clone()));
        let r = get(gw.addr, "/fn/x").await;
        assert_rest_error(&r, 502, "InternalServerErrorException", internal_error());
        still_serving(gw.addr).await;
    }
    // Never answers: the integration timeout (300 ms here).
    stub.set("fn", Program::Reply(Reply::Hang));
    let r = get(gw.addr, "/fn/x").await;
    assert_rest_error(
        &r,
        504,
        "InternalServerErrorException",
        json!({"message": "Endpoint request timed out"}),
    );
    still_serving(gw.addr).await;
    gw.shutdown().await.unwrap();
}

/// A refusal by the Lambda service (an error status with an AWS error type: throttled, no such
/// function, ...) is API Gateway's 500, where a failed function is its 502 (Lambda developer
/// guide, "Handling Lambda errors with an API Gateway API"); its gateway response type is
/// INTEGRATION_FAILURE. A typeless 502, how an RIE reports a runtime that failed to start (a
/// function error on Lambda), stays a function error's 502 (`DEFAULT_5XX`).
#[tokio::test]
async fn lambda_service_refusals_get_500() {
    let stub = FunctionStub::start().await;
    let yaml = format!(
        r#"
listen: "127.0.0.1:0"
api:
  type: REST
  id: "e2e123"
  stage: prod
  gatewayResponses:
    INTEGRATION_FAILURE:
      responseParameters: {{gatewayresponse.header.X-Failure: "'integration'"}}
      responseTemplates:
        application/json: '{{"type":"$context.error.responseType"}}'
functions:
  fn: {{invokeUrl: "{f}"}}
routes:
  - path: "/fn/{{proxy+}}"
    method: ANY
    integration: {{type: AWS_PROXY, function: fn}}
"#,
        f = stub.invoke_url("fn"),
    );
    let gw = gateway::start(&yaml).await;
    for (status, error_type) in [
        (429, "TooManyRequestsException"),
        (404, "ResourceNotFoundException"),
        (500, "ServiceException"),
    ] {
        stub.set(
            "fn",
            Program::Reply(Reply::service_error(status, error_type, "refused")),
        );
        let r = get(gw.addr, "/fn/x").await;
        assert_rest_error(
            &r,
            500,
            "InternalServerErrorException",
            json!({"type": "INTEGRATION_FAILURE"}),
        );
        assert_eq!(r.header("X-Failure").as_deref(), Some("integration"));
    }
    let crashed = r#"{"errorMessage":"boom","errorType":"Runtime.ExitError"}"#;
    stub.set(
        "fn",
        Program::Reply(Reply::http(
            502,
            &[("Content-Type", "application/json")],
            crashed,
        )),
    );
    let r = get(gw.addr, "/fn/x").await;
    assert_rest_error(&r, 502, "InternalServerErrorException", internal_error());
    assert_eq!(r.header("X-Failure"), None);
    gw.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_result_over_6_mb_is_a_502() {
    let (stub, gw) = rest_gateway(29_000).await;
    // A valid proxy response, so only its size is wrong.
    let big = json!({"statusCode": 200, "body": "a".repeat(6 * 1024 * 1024)});
    stub.set("fn", Program::Echo(big));
    let r = get(gw.addr, "/fn/x").await;
    assert_rest_error(&r, 502, "InternalServerErrorException", internal_error());
    // Just under the limit goes through.
    let body = "b".repeat(5 * 1024 * 1024);
    stub.set(
        "fn",
        Program::Echo(json!({"statusCode": 200, "body": body})),
    );
    let r = get(gw.addr, "/fn/x").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), body.len());
    still_serving(gw.addr).await;
    gw.shutdown().await.unwrap();
}

// ---------------------------------------------------------------- drain, h2c

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_finishes_in_flight_requests_and_refuses_new_connections() {
    let (stub, mut gw) = rest_gateway(29_000).await;
    stub.set(
        "fn",
        Program::Reply(
            Reply::json(&json!({"statusCode": 200, "body": "slow"}))
                .after(Duration::from_millis(1500)),
        ),
    );
    let addr = gw.addr;
    let in_flight = tokio::spawn(async move { get(addr, "/fn/slow").await });
    // Wait until the slow request reached the function.
    tokio::time::timeout(Duration::from_secs(10), async {
        while stub.calls("fn").is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    gw.begin_shutdown();
    // New connections are refused once the listener closes (before the slow call returns).
    tokio::time::timeout(Duration::from_secs(10), async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the listener still accepts during drain");
    assert!(
        !in_flight.is_finished(),
        "the slow request ended before the drain was seen"
    );
    let r = in_flight.await.unwrap();
    assert_eq!((r.status, r.body_str()), (200, "slow"), "{r:?}");
    gw.join().await.unwrap();
}

#[tokio::test]
async fn h2c_requests_go_through_the_gateway() {
    use http_body_util::{BodyExt, Full};
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let (stub, gw) = rest_gateway(2000).await;
    let stream = TcpStream::connect(gw.addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = http::Request::post(format!("http://{}/ok?h=2", gw.addr))
        .header("x-proto", "h2")
        .body(Full::new(bytes::Bytes::from_static(b"over h2")))
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"fine");
    let event = stub.calls("ok").pop().unwrap().json();
    assert_eq!(event["body"], "over h2");
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["queryStringParameters"], json!({"h": "2"}));
    assert_eq!(event["requestContext"]["protocol"], "HTTP/2.0");
    gw.shutdown().await.unwrap();
}

/// W3C `traceparent` is bridged to `X-Amzn-Trace-Id` (same 128-bit trace id) for the event and
/// the Invoke call, and echoed back to a client that sent one; a client without one sees AWS's
/// header set only.
#[tokio::test]
async fn traceparent_is_bridged_to_the_function_and_back() {
    let (stub, gw) = rest_gateway(2_000).await;
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let r = client::send(gw.addr, "GET", "/ok", &[("traceparent", tp)], None)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("traceparent").as_deref(), Some(tp));
    let amzn = r.header("X-Amzn-Trace-Id").unwrap();
    assert!(
        amzn.starts_with("Root=1-4bf92f35-77b34da6a3ce929d0e0e4736"),
        "{amzn}"
    );
    let call = stub.calls("ok").pop().unwrap();
    let event: Value = serde_json::from_slice(&call.body).unwrap();
    assert_eq!(
        event["headers"]["X-Amzn-Trace-Id"].as_str(),
        Some(amzn.as_str())
    );
    let sent = |name: &str| {
        call.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(sent("x-amzn-trace-id").as_deref(), Some(amzn.as_str()));
    assert!(
        sent("traceparent").is_some_and(|v| v.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")),
        "{:?}",
        call.headers
    );

    let plain = get(gw.addr, "/ok").await;
    assert!(plain.header("traceparent").is_none(), "{plain:?}");
    assert!(plain.header("X-Amzn-Trace-Id").is_some());
    gw.shutdown().await.unwrap();
}
