//! The invoker inside `lambda::local::scope` (how the server runs each HTTP/1.1 client
//! connection): calls share one upstream connection per client connection, every failure class
//! is sorted as on the shared pool, and a connection the upstream closed is replaced.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use apigate::config::model::{Function, FunctionTarget};
use apigate::lambda::{local, InvokeError, Invoker, InvokerSettings, MAX_RESULT_BYTES};
use bytes::Bytes;
use support::stub_lambda::{Reply, StubLambda};

const TIMEOUT: Duration = Duration::from_secs(10);
const TRACE: &str = "Root=1-5e1b4151-5ac6c58f5b5dbd0a9c8a1e7f";

fn trace() -> apigate::trace_context::TraceContext {
    apigate::trace_context::TraceContext::from_amzn(TRACE).expect("a valid trace id")
}

fn invoker() -> Invoker {
    Invoker::new(&InvokerSettings::default()).unwrap()
}

fn target(stub: &StubLambda) -> Function {
    Function {
        name: "fn".into(),
        target: FunctionTarget::InvokeUrl(stub.invoke_url("function").parse().unwrap()),
        timeout: None,
    }
}

async fn call(inv: &Invoker, f: &Function, timeout: Duration) -> Result<Bytes, InvokeError> {
    inv.invoke(f, Bytes::from_static(b"{}"), timeout, &trace())
        .await
        .map(|i| i.payload)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_upstream_connection_per_scope() {
    let stub = StubLambda::start(Reply::proxy_ok()).await;
    let f = target(&stub);
    let inv = invoker();
    local::scope(async {
        for _ in 0..20 {
            call(&inv, &f, TIMEOUT).await.unwrap();
        }
    })
    .await;
    assert_eq!(stub.calls(), 20);
    assert_eq!(stub.connections(), 1);
    let req = stub.last_request().unwrap();
    assert_eq!(req.target, "/2015-03-31/functions/function/invocations");
    assert_eq!(req.header("host"), Some(stub.addr().to_string().as_str()));
    assert_eq!(req.header("x-amzn-trace-id"), Some(TRACE));
    // Two scopes at once: a connection each.
    let one = local::scope(async {
        for _ in 0..5 {
            call(&inv, &f, TIMEOUT).await.unwrap();
        }
    });
    let two = local::scope(async {
        for _ in 0..5 {
            call(&inv, &f, TIMEOUT).await.unwrap();
        }
    });
    tokio::join!(one, two);
    assert_eq!(stub.calls(), 30);
    assert_eq!(stub.connections(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_sorted_as_on_the_pool() {
    let inv = invoker();
    let once = |reply: Reply| {
        let inv = inv.clone();
        async move {
            let stub = StubLambda::start(reply).await;
            local::scope(call(&inv, &target(&stub), TIMEOUT)).await
        }
    };
    let err = once(Reply::Close).await.unwrap_err();
    assert!(matches!(err, InvokeError::Io(_)), "{err:?}");
    let err = once(Reply::truncated()).await.unwrap_err();
    assert!(matches!(err, InvokeError::Io(_)), "{err:?}");
    let err = once(Reply::garbage()).await.unwrap_err();
    assert!(matches!(err, InvokeError::Protocol(_)), "{err:?}");
    let err = once(Reply::oversized(MAX_RESULT_BYTES + 1))
        .await
        .unwrap_err();
    assert_eq!(err, InvokeError::ResponseTooLarge);
    let err = once(Reply::oversized_chunked(MAX_RESULT_BYTES + 1))
        .await
        .unwrap_err();
    assert_eq!(err, InvokeError::ResponseTooLarge);
    let ok = once(Reply::oversized(MAX_RESULT_BYTES)).await.unwrap();
    assert_eq!(ok.len(), MAX_RESULT_BYTES);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let refused = Function {
        name: "fn".into(),
        target: FunctionTarget::InvokeUrl(
            format!("http://{addr}/2015-03-31/functions/function/invocations")
                .parse()
                .unwrap(),
        ),
        timeout: None,
    };
    let err = local::scope(call(&inv, &refused, TIMEOUT))
        .await
        .unwrap_err();
    assert!(matches!(err, InvokeError::Connect(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_call_does_not_leave_its_connection_behind() {
    let stub = StubLambda::start(Reply::proxy_ok()).await;
    stub.enqueue([Reply::Hang]);
    let f = target(&stub);
    let inv = invoker();
    local::scope(async {
        let err = call(&inv, &f, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert_eq!(err, InvokeError::Timeout);
        call(&inv, &f, TIMEOUT).await.unwrap();
    })
    .await;
    assert_eq!(stub.calls(), 2);
    assert_eq!(stub.connections(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_closed_by_the_upstream_is_replaced() {
    let stub = StubLambda::start(Reply::proxy_ok()).await;
    let body = r#"{"statusCode":200,"body":"bye"}"#;
    let raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stub.enqueue([Reply::Raw(Bytes::from(raw))]);
    let f = target(&stub);
    let inv = invoker();
    local::scope(async {
        assert_eq!(call(&inv, &f, TIMEOUT).await.unwrap(), body.as_bytes());
        // Lets the upstream's close arrive before the next call; not a timing assertion.
        tokio::time::sleep(Duration::from_millis(50)).await;
        call(&inv, &f, TIMEOUT).await.unwrap();
        call(&inv, &f, TIMEOUT).await.unwrap();
    })
    .await;
    assert_eq!(stub.calls(), 3);
    assert_eq!(stub.connections(), 2);
}
