//! [`CustomEnv`]: the real gateway (from a config given as JSON, which is YAML) in front of one
//! stub function `f` with a described [`Behaviour`], reached either by the Invoke API or by a
//! Function URL ([`Target`]). For custom-integration tests over real HTTP.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value as Json;

use super::client::{self, RawResponse};
use super::gateway::{self, RunningGateway};
use super::stub_lambda::{Received, Reply, StubLambda};

/// How the stub function is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `functions.f.invokeUrl` (Lambda Invoke API).
    InvokeApi,
    /// `functions.f.functionUrl` (a Lambda Function URL).
    FunctionUrl,
}

/// Both targets, for tests that must hold for each.
pub const TARGETS: [Target; 2] = [Target::InvokeApi, Target::FunctionUrl];

/// What the stub function does with an event.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Returns the event it received (an empty payload reaches a function as `{}`).
    Echo,
    /// Returns `{"statusCode": 200, "body": json.dumps(event)}`.
    EchoInBody,
    /// Returns this result text (a JSON document, or anything for non-JSON tests).
    Result(String),
    /// Fails with this error payload (`X-Amz-Function-Error` / Function URL 502).
    Error(String),
    /// Never answers (the integration times out).
    Hang,
    /// Answers after this delay with `{}`.
    Slow(Duration),
}

/// The event a function sees for a payload: the payload, or `{}` when it is empty.
pub fn event_text(payload: &[u8]) -> String {
    if payload.iter().all(u8::is_ascii_whitespace) {
        "{}".to_string()
    } else {
        String::from_utf8_lossy(payload).into_owned()
    }
}

/// The stub's reply for one event.
pub fn reply(target: Target, behaviour: &Behaviour, payload: &[u8]) -> Reply {
    match behaviour {
        Behaviour::Echo => Reply::result(event_text(payload)),
        Behaviour::EchoInBody => {
            Reply::json(&serde_json::json!({"statusCode": 200, "body": event_text(payload)}))
        }
        Behaviour::Result(text) => Reply::result(text.clone()),
        Behaviour::Error(text) => function_error(target, text),
        Behaviour::Hang => Reply::Hang,
        Behaviour::Slow(d) => Reply::result("{}").after(*d),
    }
}

/// A function error as each target reports it.
pub fn function_error(target: Target, payload: &str) -> Reply {
    let json = ("Content-Type", "application/json");
    match target {
        Target::InvokeApi => Reply::http(
            200,
            &[
                json,
                ("X-Amz-Executed-Version", "$LATEST"),
                ("X-Amz-Function-Error", "Unhandled"),
            ],
            Bytes::from(payload.to_string()),
        ),
        // A Function URL reports a failed function as 502 with the runtime's error object.
        Target::FunctionUrl => Reply::http(502, &[json], Bytes::from(payload.to_string())),
    }
}

/// A running gateway and the stub behind its function `f`.
pub struct CustomEnv {
    pub stub: StubLambda,
    pub gw: RunningGateway,
}

/// Starts the stub and the gateway for `config` (its `functions.f` is set to the stub).
pub async fn start(target: Target, behaviour: Behaviour, mut config: Json) -> CustomEnv {
    let stub =
        StubLambda::with_handler(move |req: &Received| reply(target, &behaviour, &req.body)).await;
    let f = match target {
        Target::InvokeApi => serde_json::json!({"invokeUrl": stub.invoke_url("f")}),
        Target::FunctionUrl => serde_json::json!({"functionUrl": format!("{}/", stub.base_url())}),
    };
    if config.get("functions").is_none() {
        config["functions"] = serde_json::json!({});
    }
    config["functions"]["f"] = f;
    let yaml = serde_json::to_string_pretty(&config).unwrap();
    let gw = gateway::start(&yaml).await;
    CustomEnv { stub, gw }
}

impl CustomEnv {
    /// Sends one request to the gateway.
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> RawResponse {
        client::send(self.gw.addr, method, target, headers, body)
            .await
            .unwrap()
    }

    /// The payloads the function received, in order.
    pub fn payloads(&self) -> Vec<Bytes> {
        self.stub.requests().into_iter().map(|r| r.body).collect()
    }
}

/// A REST API config with these routes (JSON objects, merged as given).
pub fn rest_config(api: Json, routes: Vec<Json>) -> Json {
    let mut a = serde_json::json!({"type": "REST", "id": "abc123", "stage": "prod"});
    for (k, v) in api.as_object().into_iter().flatten() {
        a[k] = v.clone();
    }
    serde_json::json!({"listen": "127.0.0.1:0", "api": a, "routes": routes})
}
