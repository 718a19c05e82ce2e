//! Shared fixtures for the authorizer tests: compiled APIs built directly, requests, and a fake
//! authorizer function that counts its calls and records the events it received.
#![allow(dead_code, clippy::unwrap_used)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apigate::authorizer::{AuthorizerCall, AuthorizerReply, CallError};
use apigate::config::media::MediaTypes;
use apigate::config::model::{
    Api, ApiKind, Authorizer, AuthorizerId, AuthorizerKind, Function, FunctionId, FunctionTarget,
    IdentitySource, Integration, PayloadFormat, ProxyIntegration, Route, RouteId, RouteMethod,
    DEFAULT_AUTHORIZER_CACHE_MAX_ENTRIES,
};
use apigate::gateway::context::{RequestCtx, RouteMatch};
use apigate::message::Request;
use bytes::Bytes;
use serde_json::Value;

/// What the fake authorizer does with one event.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Returns this JSON.
    Output(Value),
    /// Fails with `X-Amz-Function-Error` and this payload.
    FunctionError(Value),
    /// Returns these bytes (not necessarily JSON).
    Raw(&'static [u8]),
    /// The invoke itself fails.
    Fail(CallError),
    /// Never answers within any sane timeout.
    Hang,
}

type Behaviour = Box<dyn Fn(&Value) -> Outcome + Send + Sync>;

/// A fake authorizer function.
pub struct Fake {
    pub calls: AtomicUsize,
    pub events: Mutex<Vec<Value>>,
    pub delay: Duration,
    behave: Behaviour,
}

impl Fake {
    pub fn new(behave: impl Fn(&Value) -> Outcome + Send + Sync + 'static) -> Self {
        Fake {
            calls: AtomicUsize::new(0),
            events: Mutex::new(Vec::new()),
            delay: Duration::ZERO,
            behave: Box::new(behave),
        }
    }

    /// Allows every token whose value starts with `allow`, with a policy for `resource`.
    pub fn allowing(resource: &'static str) -> Self {
        Fake::new(move |_| Outcome::Output(allow_policy("user", resource)))
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn last_event(&self) -> Value {
        self.events.lock().unwrap().last().cloned().unwrap()
    }
}

impl AuthorizerCall for Fake {
    fn call(
        &self,
        _function: &Function,
        event: Bytes,
        _timeout: Duration,
        _trace: &apigate::trace_context::TraceContext,
    ) -> impl Future<Output = Result<AuthorizerReply, CallError>> + Send {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let event: Value = serde_json::from_slice(&event).unwrap();
        let outcome = (self.behave)(&event);
        self.events.lock().unwrap().push(event);
        let delay = self.delay;
        async move {
            tokio::time::sleep(delay).await;
            match outcome {
                Outcome::Output(v) => Ok(AuthorizerReply {
                    payload: Bytes::from(v.to_string()),
                    function_error: false,
                }),
                Outcome::FunctionError(v) => Ok(AuthorizerReply {
                    payload: Bytes::from(v.to_string()),
                    function_error: true,
                }),
                Outcome::Raw(b) => Ok(AuthorizerReply {
                    payload: Bytes::from_static(b),
                    function_error: false,
                }),
                Outcome::Fail(e) => Err(e),
                Outcome::Hang => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Err(CallError::Unavailable("hung".into()))
                }
            }
        }
    }
}

pub fn allow_policy(principal: &str, resource: &str) -> Value {
    policy(principal, "Allow", resource)
}

pub fn policy(principal: &str, effect: &str, resource: &str) -> Value {
    serde_json::json!({
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
        ]}
    })
}

/// An authorizer with sensible test defaults.
pub fn authorizer(kind: AuthorizerKind, sources: Vec<IdentitySource>, ttl: Duration) -> Authorizer {
    Authorizer {
        name: "auth".into(),
        kind,
        function: FunctionId(0),
        identity_sources: sources,
        validation: None,
        ttl,
        cache_max_entries: DEFAULT_AUTHORIZER_CACHE_MAX_ENTRIES,
        payload_format: PayloadFormat::V1,
        simple_responses: false,
        timeout: Duration::from_secs(10),
    }
}

pub fn token_authorizer(ttl: Duration) -> Authorizer {
    authorizer(
        AuthorizerKind::Token,
        vec![IdentitySource::Header("Authorization".into())],
        ttl,
    )
}

/// One route of a test API.
pub struct TestRoute {
    pub path: &'static str,
    pub method: RouteMethod,
    pub authorizer: Option<usize>,
}

pub fn route(path: &'static str, method: &str, authorizer: Option<usize>) -> TestRoute {
    let method = if method == "ANY" {
        RouteMethod::Any
    } else {
        RouteMethod::One(method.parse().unwrap())
    };
    TestRoute {
        path,
        method,
        authorizer,
    }
}

pub struct ApiSpec {
    pub kind: ApiKind,
    pub id: &'static str,
    pub stage: &'static str,
    pub stage_variables: Vec<(String, String)>,
}

pub fn rest() -> ApiSpec {
    ApiSpec {
        kind: ApiKind::Rest,
        id: "abc123",
        stage: "test",
        stage_variables: vec![],
    }
}

pub fn build_api(spec: ApiSpec, routes: Vec<TestRoute>, authorizers: Vec<Authorizer>) -> Arc<Api> {
    let routes = routes
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let method_name = match &r.method {
                RouteMethod::Any => "ANY".to_string(),
                RouteMethod::One(m) => m.to_string(),
            };
            Route {
                path: r.path.into(),
                route_key: if r.path == "$default" {
                    "$default".into()
                } else {
                    format!("{method_name} {}", r.path)
                },
                method: r.method,
                resource_id: format!("res{i}"),
                authorizer: r.authorizer.map(AuthorizerId),
                api_key_required: false,
                integration: Integration::Proxy(ProxyIntegration {
                    function: FunctionId(1),
                    payload_format: PayloadFormat::V1,
                    timeout: Duration::from_secs(29),
                }),
                method_request: Default::default(),
            }
        })
        .collect();
    let function = |name: &str| Function {
        name: name.into(),
        target: FunctionTarget::InvokeUrl("http://127.0.0.1:9/".parse().unwrap()),
        timeout: None,
    };
    Arc::new(Api {
        kind: spec.kind,
        id: spec.id.into(),
        account_id: "123456789012".into(),
        region: "us-east-1".into(),
        stage: spec.stage.into(),
        stage_prefix: spec.kind == ApiKind::Rest,
        stage_variables: spec.stage_variables,
        binary_media_types: MediaTypes::default(),
        default_domain: format!("{}.execute-api.us-east-1.amazonaws.com", spec.id),
        deployment_id: "dep1".into(),
        routes,
        functions: vec![function("auth"), function("app")],
        authorizers,
        gateway_responses: Default::default(),
        access_log: None,
        throttle: None,
        router: apigate::gateway::router::Router::empty(),
    })
}

/// A routed request: `target` is the full target (REST: with the stage prefix), `path` the path
/// after the stage, `route` the index of the matched route.
pub fn request(
    api: &Arc<Api>,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    route: usize,
    path: &str,
    params: &[(&str, &str)],
) -> RequestCtx {
    let mut req = Request::for_test(method.parse().unwrap(), target);
    for (n, v) in headers {
        req.headers.push(n.to_string(), v.to_string()).unwrap();
    }
    let mut ctx = RequestCtx::new(api.clone(), req);
    ctx.route = Some(RouteMatch {
        route: RouteId(route),
        path: path.into(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    });
    ctx
}
