//! An `Authorization` value never reaches the logs of real requests: apigate serves requests
//! over TCP (`app::run`) under a capturing subscriber at `trace` level, for an allowed, an
//! unauthorized and a failed request, all carrying a secret.
//!
//! A test binary of its own with one test on a current-thread runtime: the gateway's worker
//! threads (`server::Workers`) take over the subscriber of the thread that starts them, and no
//! other test thread races tracing's callsite-interest cache (which can hide events from a
//! thread-scoped subscriber).
#![allow(clippy::unwrap_used)]

mod support;
use support::log_capture::Captured;

use std::net::SocketAddr;

use serde_json::json;
use support::client;
use support::function_stub::{FunctionStub, Program};
use support::gateway;
use support::stub_lambda::Reply;

async fn status(addr: SocketAddr, path: &str, auth: &str) -> u16 {
    client::send(addr, "GET", path, &[("Authorization", auth)], None)
        .await
        .unwrap()
        .status
}

#[tokio::test]
async fn real_requests_never_log_the_authorization_value() {
    const SECRET: &str = "SECRET-E2E-TOKEN-42";
    for format in [
        apigate::telemetry::LogFormat::Json,
        apigate::telemetry::LogFormat::Text,
    ] {
        let out = Captured::default();
        let sub = apigate::telemetry::subscriber(
            format,
            tracing_subscriber::EnvFilter::new("trace"),
            out.clone(),
        );
        let guard = tracing::subscriber::set_default(sub);
        let stub = FunctionStub::start().await;
        let yaml = format!(
            r#"
api: {{type: REST, id: log123, stage: prod}}
functions:
  orders: {{invokeUrl: "{orders}"}}
  auth: {{invokeUrl: "{auth}"}}
authorizers:
  bearer: {{type: TOKEN, function: auth, authorizerResultTtlInSeconds: 0}}
routes:
  - path: "/pets/{{id}}"
    method: GET
    authorizer: bearer
    integration: {{type: AWS_PROXY, function: orders}}
  - path: "/open/{{proxy+}}"
    method: ANY
    integration: {{type: AWS_PROXY, function: orders}}
"#,
            orders = stub.invoke_url("orders"),
            auth = stub.invoke_url("auth"),
        );
        let gw = gateway::start(&yaml).await;
        let bearer = format!("Bearer {SECRET}");
        stub.set("orders", Program::Echo(json!({"statusCode": 200})));
        stub.set(
            "auth",
            Program::Echo(json!({
                "principalId": "u",
                "policyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}
            })),
        );
        assert_eq!(status(gw.addr, "/pets/1", &bearer).await, 200);
        stub.set(
            "auth",
            Program::Reply(Reply::function_error(
                "Unhandled",
                &json!({"errorMessage": "Unauthorized"}),
            )),
        );
        assert_eq!(status(gw.addr, "/pets/2", &bearer).await, 401);
        stub.set(
            "orders",
            Program::Reply(Reply::function_error(
                "Unhandled",
                &json!({"errorMessage": "x"}),
            )),
        );
        assert_eq!(status(gw.addr, "/open/x", &bearer).await, 502);
        gw.shutdown().await.unwrap();
        drop(guard);
        // The secret really was sent: the authorizer and the function received it.
        assert_eq!(
            stub.calls("auth")[0].json()["authorizationToken"],
            bearer.as_str()
        );
        assert_eq!(
            stub.calls("orders")[0].json()["headers"]["Authorization"],
            bearer.as_str()
        );

        let text = out.text();
        // The capture saw the requests (route templates, the refusal, the failure)...
        assert!(text.contains("/pets/{id}"), "{format:?}: {text}");
        assert!(text.contains("Unauthorized"), "{format:?}: {text}");
        assert!(
            text.contains("integration call failed"),
            "{format:?}: {text}"
        );
        // ...and never the secret.
        assert!(!text.contains(SECRET), "{format:?}: {text}");
    }
}
