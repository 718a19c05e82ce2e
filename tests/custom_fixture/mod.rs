//! Fixtures for custom-integration tests: a config built from JSON (YAML is a superset), a
//! request routed to its first route, the custom phases run in order, and gateway errors turned
//! into the REST client response the way the gateway's error table does.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use apigate::config::model::{Api, Integration, RouteId};
use apigate::gateway::context::{RequestCtx, RouteMatch};
use apigate::gateway::error::GatewayError;
use apigate::gateway::responses::rest_default_body;
use apigate::integration::custom::{request, response, validate, CustomState, IntegrationOutcome};
use apigate::message::{Request, Response};
use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value as Json};

/// Compiles a config given as JSON; panics with every error.
pub fn load(config: &Json) -> Arc<Api> {
    let text = serde_json::to_string_pretty(config).unwrap();
    match apigate::config::load_str("case.yaml", &text) {
        Ok(c) => c.api,
        Err(e) => panic!("config errors:\n{e}\n{text}"),
    }
}

/// A config with one REST route at `path` (method ANY) with this `route` object merged in.
pub fn config(api: Json, path: &str, route: Json) -> Json {
    let mut r = json!({"path": path, "method": "ANY"});
    for (k, v) in route.as_object().unwrap() {
        r[k] = v.clone();
    }
    json!({
        "api": api,
        "functions": {"f": {"invokeUrl": "http://127.0.0.1:9/2015-03-31/functions/function/invocations"}},
        "routes": [r],
    })
}

/// What a test request carries.
#[derive(Debug, Default, Clone)]
pub struct Req {
    pub method: String,
    /// Path parameters in route order (value `""` = present but empty).
    pub path_params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A request routed to the first route of `api` (whose path declares `req.path_params`).
pub fn ctx(api: &Arc<Api>, req: &Req) -> RequestCtx {
    let mut target = String::new();
    for (_, v) in &req.path_params {
        target.push('/');
        target.push_str(&utf8_percent_encode(v, NON_ALPHANUMERIC).to_string());
    }
    if target.is_empty() {
        target.push('/');
    }
    let path = target.clone();
    if !req.query.is_empty() {
        let q: Vec<String> = req
            .query
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, NON_ALPHANUMERIC),
                    utf8_percent_encode(v, NON_ALPHANUMERIC)
                )
            })
            .collect();
        target = format!("{target}?{}", q.join("&"));
    }
    let method = if req.method.is_empty() {
        "GET"
    } else {
        &req.method
    };
    let mut r = Request::for_test(method.parse().unwrap(), &target);
    for (k, v) in &req.headers {
        r.headers.push(k.clone(), v.clone()).unwrap();
    }
    r.body = Bytes::from(req.body.clone());
    let mut ctx = RequestCtx::new(api.clone(), r);
    ctx.route = Some(RouteMatch {
        route: RouteId(0),
        path,
        params: req
            .path_params
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    utf8_percent_encode(v, NON_ALPHANUMERIC).to_string(),
                )
            })
            .collect(),
    });
    ctx
}

/// The REST client response for a gateway error (default gateway responses).
pub fn error_response(e: &GatewayError) -> Response {
    let c = e.classify(apigate::config::model::ApiKind::Rest);
    let mut r = Response::new(c.status, rest_default_body(c.response_type, &c.message));
    r.headers.push("Content-Type", "application/json").unwrap();
    r.headers
        .push("x-amzn-ErrorType", c.response_type.error_type())
        .unwrap();
    r
}

/// Runs validate -> map_request -> `backend(payload)` -> map_response; errors become responses.
/// Also returns the payload the backend received (when it was called).
pub fn run(
    ctx: &RequestCtx,
    backend: impl FnOnce(Bytes) -> Result<IntegrationOutcome, GatewayError>,
) -> (Response, Option<Bytes>) {
    let route = &ctx.api.routes[0];
    let Integration::Custom(integ) = &route.integration else {
        panic!("not a custom integration")
    };
    let mut seen = None;
    let r = (|| {
        validate::validate(ctx, route)?;
        let mut state = CustomState::new(ctx);
        let payload = request::map_request(ctx, integ, &mut state)?;
        seen = Some(payload.clone());
        let outcome = backend(payload)?;
        response::map_response(ctx, integ, &mut state, outcome)
    })();
    (r.unwrap_or_else(|e| error_response(&e)), seen)
}

/// The header value (case-insensitive name).
pub fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
    r.headers.get_str(name)
}

/// JSON equality where an expected string `"..."` matches any value.
pub fn json_matches(expected: &Json, actual: &Json) -> bool {
    match (expected, actual) {
        (Json::String(s), _) if s == "..." => true,
        (Json::Object(e), Json::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|av| json_matches(v, av)))
        }
        (Json::Array(e), Json::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| json_matches(x, y))
        }
        _ => expected == actual,
    }
}
