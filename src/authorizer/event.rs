//! The authorizer's input events (spec proxy-auth §8.3-§8.5, §9.1) and the methodArn.
//!
//! Built only when the authorizer is actually called (a cache miss), so they favour clarity over
//! allocation: a `serde_json` map in AWS's key order, serialised once into the invoke payload.

use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::config::model::{Api, ApiKind, Authorizer, AuthorizerKind, PayloadFormat};
use crate::gateway::context::{RequestCtx, RouteMatch};

use super::identity::{domain_name, Identity};
use crate::integration::event_headers::{self, Family, Synthesized};
use crate::integration::query;

/// REST quota on the ARN of a method with an authorizer (longer: 414 to the client).
pub const MAX_METHOD_ARN_BYTES: usize = 1600;

/// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path without leading slash}`;
/// the root path gives a trailing `/`. HTTP APIs use the same shape for `routeArn`.
pub fn method_arn(api: &Api, method: &http::Method, path: &str) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    let mut arn = String::with_capacity(
        40 + api.region.len() + api.account_id.len() + api.id.len() + api.stage.len() + path.len(),
    );
    for part in [
        "arn:aws:execute-api:",
        &api.region,
        ":",
        &api.account_id,
        ":",
        &api.id,
        "/",
        &api.stage,
        "/",
        method.as_str(),
        "/",
        path,
    ] {
        arn.push_str(part);
    }
    arn
}

/// `dd/MMM/yyyy:HH:mm:ss +0000` for an epoch-milliseconds time (UTC).
pub fn clf_time(epoch_ms: u64) -> String {
    crate::gateway::clf_time::format(epoch_ms)
        .as_str()
        .to_string()
}

/// The invoke payload for `authorizer` on this request.
pub fn build(
    ctx: &RequestCtx,
    route: &RouteMatch,
    authorizer: &Authorizer,
    identity: &Identity<'_>,
    arn: &str,
) -> Bytes {
    let event = match (ctx.api.kind, authorizer.kind, authorizer.payload_format) {
        (ApiKind::Http, _, PayloadFormat::V2) => http_v2(ctx, route, identity, arn),
        (ApiKind::Http, _, PayloadFormat::V1) => {
            let joined = identity.joined();
            let mut e = Map::new();
            e.insert("version".into(), json!("1.0"));
            e.extend(rest_request(ctx, route, arn));
            e.insert("identitySource".into(), json!(joined));
            e.insert("authorizationToken".into(), json!(joined));
            Value::Object(e)
        }
        (_, AuthorizerKind::Token, _) => json!({
            "type": "TOKEN",
            "authorizationToken": identity.values().first().map(|v| v.as_ref()).unwrap_or(""),
            "methodArn": arn,
        }),
        (_, AuthorizerKind::Request, _) => Value::Object(rest_request(ctx, route, arn)),
    };
    Bytes::from(event.to_string())
}

/// REST `REQUEST` event: the proxy event's request fields without `body`.
fn rest_request(ctx: &RequestCtx, route: &RouteMatch, arn: &str) -> Map<String, Value> {
    let api = &*ctx.api;
    let r = api.route(route.route);
    let (headers, multi_headers) = rest_headers(ctx);
    let (query, multi_query) = match ctx.req.raw_query() {
        Some(raw) if !raw.is_empty() => {
            let mut single = Map::new();
            let mut multi = Map::new();
            for (k, v) in query::parse(raw) {
                single.insert(k.to_string(), json!(v));
                push_multi(&mut multi, &k, &v);
            }
            (Value::Object(single), Value::Object(multi))
        }
        _ => (Value::Null, Value::Null),
    };
    let path_params: Map<String, Value> = route
        .params
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let mut e = Map::new();
    e.insert("type".into(), json!("REQUEST"));
    e.insert("methodArn".into(), json!(arn));
    e.insert("resource".into(), json!(r.path));
    e.insert("path".into(), json!(route.path));
    e.insert("httpMethod".into(), json!(ctx.req.method.as_str()));
    e.insert("headers".into(), headers);
    e.insert("multiValueHeaders".into(), multi_headers);
    e.insert("queryStringParameters".into(), query);
    e.insert("multiValueQueryStringParameters".into(), multi_query);
    e.insert("pathParameters".into(), Value::Object(path_params));
    e.insert("stageVariables".into(), stage_variables(api));
    e.insert("requestContext".into(), rest_request_context(ctx, route));
    e
}

/// `requestContext` as in the proxy event, without `authorizer` (not decided yet).
fn rest_request_context(ctx: &RequestCtx, route: &RouteMatch) -> Value {
    let api = &*ctx.api;
    let r = api.route(route.route);
    let domain = domain_name(ctx);
    let user_agent = ctx
        .req
        .headers
        .get("user-agent")
        .map(|v| String::from_utf8_lossy(v).into_owned());
    json!({
        "accountId": api.account_id,
        "apiId": api.id,
        "deploymentId": api.deployment_id,
        "domainName": domain,
        "domainPrefix": domain.split('.').next().unwrap_or(&domain),
        "extendedRequestId": ctx.extended_request_id,
        "httpMethod": ctx.req.method.as_str(),
        "identity": {
            "accessKey": null, "accountId": null, "caller": null,
            "cognitoAuthenticationProvider": null, "cognitoAuthenticationType": null,
            "cognitoIdentityId": null, "cognitoIdentityPoolId": null, "principalOrgId": null,
            "sourceIp": ctx.req.remote.ip().to_string(),
            "user": null, "userAgent": user_agent, "userArn": null,
        },
        "path": String::from_utf8_lossy(ctx.req.raw_path()),
        "protocol": ctx.req.protocol.as_str(),
        "requestId": ctx.request_id,
        "requestTime": clf_time(ctx.epoch_ms),
        "requestTimeEpoch": ctx.epoch_ms,
        "resourceId": r.resource_id,
        "resourcePath": r.path,
        "stage": api.stage,
    })
}

/// REST header maps: the proxy event's header set (the client's headers without the ones API
/// Gateway drops, `Authorization` / `User-Agent` Pascal-cased, then the gateway's own `Host`,
/// `X-Amzn-Trace-Id` and `X-Forwarded-*`), names in their first casing; the single map keeps the
/// last value.
fn rest_headers(ctx: &RequestCtx) -> (Value, Value) {
    let syn = Synthesized::new(ctx);
    let fields = event_headers::collect(ctx, &syn, Family::V1);
    let mut single = Map::new();
    let mut multi = Map::new();
    for i in 0..fields.len() {
        if !event_headers::is_first_of_name(&fields, i) {
            continue;
        }
        let shown = String::from_utf8_lossy(fields[i].0);
        for value in event_headers::values_from(&fields, i) {
            let value = String::from_utf8_lossy(value);
            single.insert(shown.to_string(), json!(value));
            push_multi(&mut multi, &shown, &value);
        }
    }
    (Value::Object(single), Value::Object(multi))
}

fn push_multi(multi: &mut Map<String, Value>, key: &str, value: &str) {
    match multi.get_mut(key) {
        Some(Value::Array(list)) => list.push(json!(value)),
        _ => {
            multi.insert(key.to_string(), json!([value]));
        }
    }
}

fn stage_variables(api: &Api) -> Value {
    if api.stage_variables.is_empty() {
        return Value::Null;
    }
    Value::Object(
        api.stage_variables
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect(),
    )
}

/// HTTP API payload 2.0 authorizer event.
fn http_v2(ctx: &RequestCtx, route: &RouteMatch, identity: &Identity<'_>, arn: &str) -> Value {
    let api = &*ctx.api;
    let r = api.route(route.route);
    let mut headers = Map::new();
    let mut cookies: Vec<String> = Vec::new();
    // The 2.0 proxy event's header set: the client's, then the gateway's own.
    let syn = Synthesized::new(ctx);
    for (name, value) in event_headers::collect(ctx, &syn, Family::V2) {
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        let value = String::from_utf8_lossy(value);
        if lower == "cookie" {
            cookies.extend(
                value
                    .split("; ")
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
            );
            continue;
        }
        match headers.get_mut(&lower) {
            Some(Value::String(prev)) => {
                prev.push(',');
                prev.push_str(&value);
            }
            _ => {
                headers.insert(lower, json!(value));
            }
        }
    }
    let raw_query = ctx.req.raw_query().unwrap_or_default();
    let mut query = Map::new();
    for (k, v) in query::parse(raw_query) {
        match query.get_mut(k.as_ref()) {
            Some(Value::String(prev)) => {
                prev.push(',');
                prev.push_str(&v);
            }
            _ => {
                query.insert(k.into_owned(), json!(v));
            }
        }
    }
    let raw_path = String::from_utf8_lossy(ctx.req.raw_path());
    let domain = domain_name(ctx);
    let user_agent = ctx
        .req
        .headers
        .get("user-agent")
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    let mut e = Map::new();
    e.insert("version".into(), json!("2.0"));
    e.insert("type".into(), json!("REQUEST"));
    e.insert("routeArn".into(), json!(arn));
    e.insert("identitySource".into(), json!(identity.values()));
    e.insert("routeKey".into(), json!(r.route_key));
    e.insert("rawPath".into(), json!(raw_path));
    e.insert(
        "rawQueryString".into(),
        json!(String::from_utf8_lossy(raw_query)),
    );
    if !cookies.is_empty() {
        e.insert("cookies".into(), json!(cookies));
    }
    e.insert("headers".into(), Value::Object(headers));
    if !query.is_empty() {
        e.insert("queryStringParameters".into(), Value::Object(query));
    }
    e.insert(
        "requestContext".into(),
        json!({
            "accountId": api.account_id,
            "apiId": api.id,
            "domainName": domain,
            "domainPrefix": domain.split('.').next().unwrap_or(&domain),
            "http": {
                "method": ctx.req.method.as_str(),
                "path": raw_path,
                "protocol": ctx.req.protocol.as_str(),
                "sourceIp": ctx.req.remote.ip().to_string(),
                "userAgent": user_agent,
            },
            "requestId": ctx.request_id,
            "routeKey": r.route_key,
            "stage": api.stage,
            "time": clf_time(ctx.epoch_ms),
            "timeEpoch": ctx.epoch_ms,
        }),
    );
    if !route.params.is_empty() {
        let params: Map<String, Value> = route
            .params
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        e.insert("pathParameters".into(), Value::Object(params));
    }
    if !api.stage_variables.is_empty() {
        e.insert("stageVariables".into(), stage_variables(api));
    }
    Value::Object(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clf_time_format() {
        assert_eq!(clf_time(1_583_349_317_000), "04/Mar/2020:19:15:17 +0000");
    }
}
