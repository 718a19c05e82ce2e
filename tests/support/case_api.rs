//! Builds the compiled [`Api`] and the [`Request`] a conformance case describes (spec proxy-auth
//! §14), for tests that drive the library directly rather than through the server.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use apigate::config::media::MediaTypes;
use apigate::config::model::{
    Api, ApiKind, Function, FunctionId, FunctionTarget, Integration, PayloadFormat,
    ProxyIntegration, Route, RouteMethod,
};
use apigate::gateway::router::Router;
use apigate::message::{HeaderList, Request};
use base64::Engine;
use bytes::Bytes;
use serde_json::Value;

#[path = "shared_dir.rs"]
mod shared_dir_lookup;
pub use shared_dir_lookup::shared_dir;

/// Every case of a conformance file, parsed.
pub fn load_cases(file: &str) -> Vec<Value> {
    let path = shared_dir().join("conformance").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn s<'a>(v: &'a Value, k: &str, default: &'a str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or(default)
}

/// The API a case's `config` describes (routes call function 0; authorizers are not wired).
pub fn api_from_case(config: &Value) -> Api {
    let kind = match s(config, "api", "REST") {
        "HTTP" => ApiKind::Http,
        "FURL" => ApiKind::FunctionUrl,
        _ => ApiKind::Rest,
    };
    let id = s(config, "api_id", "abc123").to_string();
    let region = s(config, "region", "us-east-1").to_string();
    let stage = match kind {
        ApiKind::FunctionUrl => "$default".to_string(),
        _ => s(config, "stage", "test").to_string(),
    };
    let payload_format = match (kind, s(config, "payload_format_version", "")) {
        (ApiKind::Rest, _) | (ApiKind::Http, "1.0") => PayloadFormat::V1,
        _ => PayloadFormat::V2,
    };
    let mut routes = Vec::new();
    let default_routes = [serde_json::json!({"resource": "$default", "method": "ANY"})];
    let configured = config.get("routes").and_then(Value::as_array);
    let list: Vec<&Value> = match (kind, configured) {
        (ApiKind::FunctionUrl, _) | (_, None) => default_routes.iter().collect(),
        (_, Some(r)) => r.iter().collect(),
    };
    for (i, r) in list.into_iter().enumerate() {
        let path = s(r, "resource", "/").to_string();
        let method_text = s(r, "method", "ANY");
        let method = if method_text == "ANY" {
            RouteMethod::Any
        } else {
            RouteMethod::One(method_text.parse().unwrap())
        };
        let route_key = if path == "$default" {
            path.clone()
        } else {
            format!("{method_text} {path}")
        };
        routes.push(Route {
            path,
            method,
            route_key,
            resource_id: format!("res{i:03}"),
            authorizer: None,
            api_key_required: false,
            integration: Integration::Proxy(ProxyIntegration {
                function: FunctionId(0),
                payload_format,
                timeout: Duration::from_millis(29_000),
            }),
            method_request: Default::default(),
        });
    }
    let stage_prefix = match kind {
        ApiKind::Rest => true,
        ApiKind::Http => stage != "$default",
        ApiKind::FunctionUrl => false,
    };
    let router = Router::build(kind, &routes, &stage, stage_prefix).unwrap();
    let binary: Vec<String> = config
        .get("binary_media_types")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let stage_variables = config
        .get("stage_variables")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let default_domain = match kind {
        ApiKind::FunctionUrl => format!("{id}.lambda-url.{region}.on.aws"),
        _ => format!("{id}.execute-api.{region}.amazonaws.com"),
    };
    Api {
        kind,
        id,
        account_id: s(config, "account_id", "123456789012").to_string(),
        region,
        stage,
        stage_prefix,
        stage_variables,
        binary_media_types: MediaTypes::compile(&binary).unwrap(),
        default_domain,
        deployment_id: "dep123".into(),
        routes,
        router,
        functions: vec![Function {
            name: "f".into(),
            target: FunctionTarget::InvokeUrl("http://127.0.0.1:9/".parse().unwrap()),
            timeout: None,
        }],
        authorizers: Vec::new(),
        gateway_responses: Default::default(),
        access_log: None,
        throttle: None,
    }
}

/// The request a case's `request` describes, from 203.0.113.7 to local port 8080.
pub fn request_from_case(req: &Value) -> Request {
    let method = s(req, "method", "GET").parse().unwrap();
    let mut target = s(req, "path", "/").to_string();
    let query = s(req, "query", "");
    if !query.is_empty() {
        target.push('?');
        target.push_str(query);
    }
    let mut r = Request::for_test(method, &target);
    r.remote = "203.0.113.7:50000".parse().unwrap();
    let mut headers = HeaderList::new();
    for pair in req
        .get("headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = pair[0].as_str().unwrap().to_string();
        let value = pair[1].as_str().unwrap().to_string();
        headers.push(name, value).unwrap();
    }
    r.headers = headers;
    r.body = match (
        req.get("body").and_then(Value::as_str),
        req.get("body_base64").and_then(Value::as_str),
    ) {
        (Some(t), _) => Bytes::from(t.to_string()),
        (None, Some(b)) => {
            Bytes::from(base64::engine::general_purpose::STANDARD.decode(b).unwrap())
        }
        _ => Bytes::new(),
    };
    r
}

/// A context for `req` against `api`, as the server would create it.
pub fn ctx_for(api: Arc<Api>, req: Request) -> apigate::gateway::context::RequestCtx {
    apigate::gateway::context::RequestCtx::new(api, req)
}
