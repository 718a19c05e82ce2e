//! Observability through the real server: traffic of every outcome over TCP to `app::run`,
//! `/metrics` scraped from the admin listener and checked series by series, `/readyz` across a
//! drain with a request in flight. (Logs of real requests: `tests/log_redaction.rs`, a binary of
//! its own, because a thread-scoped subscriber misses events while other tests run.)

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;

use super::support::client;
use super::support::function_stub::{FunctionStub, Program};
use super::support::gateway::{self, RunningGateway};
use super::support::stub_lambda::Reply;
use super::{get, Exposition};

/// The policy the authorizer returns for `effect`, covering every pets resource.
fn policy(effect: &str) -> serde_json::Value {
    json!({
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke", "Effect": effect,
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:obs123/prod/GET/pets/*"
        }]}
    })
}

/// REST API `obs123`, stage `prod`: `GET /pets/{id}` behind a TOKEN authorizer (cached), and
/// `ANY /open/{proxy+}` on `orders` with a 300 ms timeout, `GET /slow` on `slow`.
async fn start(stub: &FunctionStub) -> RunningGateway {
    let yaml = format!(
        r#"
api: {{type: REST, id: obs123, stage: prod}}
functions:
  orders: {{invokeUrl: "{orders}", timeoutInMillis: 300}}
  auth: {{invokeUrl: "{auth}"}}
  slow: {{invokeUrl: "{slow}"}}
authorizers:
  bearer: {{type: TOKEN, function: auth, identitySource: method.request.header.Authorization}}
routes:
  - path: "/pets/{{id}}"
    method: GET
    authorizer: bearer
    integration: {{type: AWS_PROXY, function: orders}}
  - path: "/open/{{proxy+}}"
    method: ANY
    integration: {{type: AWS_PROXY, function: orders}}
  - path: /slow
    method: GET
    integration: {{type: AWS_PROXY, function: slow}}
"#,
        orders = stub.invoke_url("orders"),
        auth = stub.invoke_url("auth"),
        slow = stub.invoke_url("slow"),
    );
    gateway::start(&yaml).await
}

async fn status(addr: SocketAddr, path: &str, auth: Option<&str>) -> u16 {
    let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
    client::send(addr, "GET", path, &headers, None)
        .await
        .unwrap()
        .status
}

fn ok() -> Program {
    Program::Echo(json!({"statusCode": 200, "body": "ok"}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_traffic_is_scraped_with_exact_values_and_readyz_follows_the_drain() {
    let stub = FunctionStub::start().await;
    stub.set("orders", ok());
    let mut gw = start(&stub).await;
    let a = gw.addr;
    assert_eq!(get(gw.admin_addr, "/readyz").await, (200, "ready\n".into()));

    // 2xx on the open route, twice.
    assert_eq!(status(a, "/open/a", None).await, 200);
    assert_eq!(status(a, "/open/b", None).await, 200);
    // 4xx: no route (REST 403), no identity (401, authorizer not asked).
    assert_eq!(status(a, "/nothing", None).await, 403);
    assert_eq!(status(a, "/pets/1", None).await, 401);
    // Authorizer: a miss (called), a hit (cached), a miss that denies.
    stub.set("auth", Program::Echo(policy("Allow")));
    assert_eq!(status(a, "/pets/1", Some("tok-1")).await, 200);
    assert_eq!(status(a, "/pets/2", Some("tok-1")).await, 200);
    stub.set("auth", Program::Echo(policy("Deny")));
    assert_eq!(status(a, "/pets/3", Some("tok-2")).await, 403);
    assert_eq!(stub.calls("auth").len(), 2);
    // 5xx: a function error, garbage, a malformed proxy response, a timeout.
    let err = json!({"errorMessage": "boom", "errorType": "Error"});
    for (reply, want) in [
        (Reply::function_error("Unhandled", &err), 502),
        (Reply::garbage(), 502),
        (Reply::result("\"justAString\""), 502),
        (Reply::Hang, 504),
    ] {
        stub.set("orders", Program::Reply(reply));
        assert_eq!(status(a, "/open/x", None).await, want);
    }

    let (code, body) = get(gw.admin_addr, "/metrics").await;
    assert_eq!(code, 200);
    let x = Exposition::parse(&body);
    let labels = |resource: &'static str, method: &'static str| {
        vec![
            ("api", "obs123"),
            ("stage", "prod"),
            ("resource", resource),
            ("method", method),
        ]
    };
    let with = |mut l: Vec<(&'static str, &'static str)>, k, v| {
        l.push((k, v));
        l
    };
    let open = labels("/open/{proxy+}", "ANY");
    let pets = labels("/pets/{id}", "GET");
    let none = labels("-", "-");
    for (l, requests, e4, e5, latency, integration) in [
        (&open, 6.0, 0.0, 4.0, 6.0, 6.0),
        (&pets, 4.0, 2.0, 0.0, 4.0, 2.0),
        (&none, 1.0, 1.0, 0.0, 1.0, 0.0),
    ] {
        let at = format!("{l:?}");
        assert_eq!(x.get("apigate_requests_total", l), Some(requests), "{at}");
        assert_eq!(x.get("apigate_4xx_errors_total", l), Some(e4), "{at}");
        assert_eq!(x.get("apigate_5xx_errors_total", l), Some(e5), "{at}");
        assert_eq!(
            x.get("apigate_latency_seconds_count", l),
            Some(latency),
            "{at}"
        );
        assert_eq!(
            x.get("apigate_integration_latency_seconds_count", l),
            Some(integration),
            "{at}"
        );
    }
    for (l, code, n) in [
        (&open, "200", 2.0),
        (&open, "502", 3.0),
        (&open, "504", 1.0),
        (&pets, "200", 2.0),
        (&pets, "401", 1.0),
        (&pets, "403", 1.0),
        (&none, "403", 1.0),
    ] {
        let series = with(l.clone(), "status", code);
        assert_eq!(
            x.get("apigate_responses_total", &series),
            Some(n),
            "{series:?}"
        );
    }
    assert_eq!(
        x.get(
            "apigate_responses_total",
            &with(open.clone(), "status", "500")
        ),
        None
    );
    let auth = [
        ("api", "obs123"),
        ("stage", "prod"),
        ("authorizer", "bearer"),
    ];
    assert_eq!(
        x.get("apigate_authorizer_cache_hits_total", &auth),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_authorizer_cache_misses_total", &auth),
        Some(2.0)
    );
    assert_eq!(x.get("apigate_authorizer_errors_total", &auth), Some(0.0));
    assert_eq!(
        x.get("apigate_authorizer_latency_seconds_count", &auth),
        Some(2.0)
    );
    for (function, kind, n) in [
        ("orders", "function_error", 1.0),
        ("orders", "connect", 1.0),
        ("orders", "malformed_response", 1.0),
        ("orders", "timeout", 1.0),
        ("auth", "timeout", 0.0),
        ("auth", "function_error", 0.0),
    ] {
        let l = [("function", function), ("kind", kind)];
        assert_eq!(x.get("apigate_upstream_errors_total", &l), Some(n), "{l:?}");
    }

    // Drain: a slow request in flight keeps the gateway draining; /readyz says so.
    stub.set(
        "slow",
        Program::Reply(Reply::json(&json!({"statusCode": 200})).after(Duration::from_millis(1500))),
    );
    let slow = tokio::spawn(async move { status(a, "/slow", None).await });
    tokio::time::timeout(Duration::from_secs(10), async {
        while stub.calls("slow").is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(get(gw.admin_addr, "/readyz").await, (200, "ready\n".into()));
    gw.begin_shutdown();
    let admin = gw.admin_addr;
    let drained = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let r = get(admin, "/readyz").await;
            if r.0 == 503 {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(drained, (503, "draining\n".into()));
    assert!(
        !slow.is_finished(),
        "the slow request ended before the drain was seen"
    );
    assert_eq!(slow.await.unwrap(), 200);
    gw.join().await.unwrap();
}
