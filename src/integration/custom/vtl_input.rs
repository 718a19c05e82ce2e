//! The VTL engine's per-request inputs built from a [`RequestCtx`]: `$input.params()` and
//! `$context` (mapping.md §4.1, §4.3). Shared by custom integrations and gateway-response
//! templates, so it only reads what every phase has (a missing route leaves the route fields
//! empty).

use std::borrow::Cow;

use percent_encoding::percent_decode;

use crate::authorizer::event::clf_time;
use crate::authorizer::identity::domain_name;
use crate::gateway::context::RequestCtx;
use crate::vtl::{Authorizer, ContextValues, Identity, RequestParams};

/// `(RequestParams, ContextValues)` for one request: path parameters URL-decoded, query values
/// decoded (last value wins), headers as sent minus the ones API Gateway hides, identity,
/// authorizer principal and context (stringified), ids and times.
pub fn render_input_parts(ctx: &RequestCtx) -> (RequestParams, ContextValues) {
    (request_params(ctx), context_values(ctx))
}

/// `$input.params()` of the request.
pub fn request_params(ctx: &RequestCtx) -> RequestParams {
    let mut p = RequestParams::default();
    if let Some(route) = &ctx.route {
        for (name, value) in &route.params {
            let decoded = percent_decode(value.as_bytes()).decode_utf8_lossy();
            p.push_path(name.as_str(), decoded.into_owned());
        }
    }
    if let Some(raw) = ctx.req.raw_query() {
        for (k, v) in crate::authorizer::query::pairs(raw) {
            p.push_query(k.into_owned(), v.into_owned());
        }
    }
    for (name, value) in ctx.req.headers.iter() {
        p.push_header(
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).into_owned(),
        );
    }
    p
}

/// `$context` of the request (REST API mapping templates).
pub fn context_values(ctx: &RequestCtx) -> ContextValues {
    let api = &*ctx.api;
    let route = ctx.route.as_ref().map(|m| api.route(m.route));
    let domain = domain_name(ctx);
    let domain_prefix = domain.split('.').next().unwrap_or(&domain).to_string();
    let header = |n: &str| {
        ctx.req
            .headers
            .get(n)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    ContextValues {
        request_id: ctx.request_id.clone(),
        extended_request_id: ctx.extended_request_id.clone(),
        request_time: clf_time(ctx.epoch_ms),
        request_time_epoch: i64::try_from(ctx.epoch_ms).unwrap_or(i64::MAX),
        http_method: ctx.req.method.as_str().to_string(),
        resource_path: route.map(|r| r.path.clone()).unwrap_or_default(),
        resource_id: route.map(|r| r.resource_id.clone()).unwrap_or_default(),
        path: String::from_utf8_lossy(ctx.req.raw_path()).into_owned(),
        stage: api.stage.clone(),
        account_id: api.account_id.clone(),
        api_id: api.id.clone(),
        domain_name: domain.into_owned(),
        domain_prefix,
        deployment_id: api.deployment_id.clone(),
        protocol: ctx.req.protocol.as_str().to_string(),
        identity: Identity {
            source_ip: Some(ctx.req.remote.ip().to_string()),
            user_agent: header("user-agent"),
            ..Identity::default()
        },
        authorizer: ctx.principal.as_ref().map(|p| Authorizer {
            principal_id: p.principal_id.clone(),
            entries: p
                .context
                .iter()
                .map(|(k, v)| (k.clone(), stringify(v).into_owned()))
                .collect(),
            claims: Vec::new(),
        }),
        error: None,
    }
}

/// Authorizer context values as REST APIs pass them on: strings as-is, others as JSON text
/// (`1` -> `"1"`, `true` -> `"true"`).
fn stringify(v: &serde_json::Value) -> Cow<'_, str> {
    match v {
        serde_json::Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::integration::custom::test_support::{api_with_route, ctx_for};

    #[test]
    fn params_decode_and_hide_headers() {
        let api = api_with_route("/pets/{id}");
        let mut ctx = ctx_for(&api, http::Method::GET, "/pets/a%20b?q=1&q=x+y&e");
        ctx.req.headers.push("Content-Length", "0").unwrap();
        ctx.req.headers.push("X-Test", "v").unwrap();
        let (p, c) = render_input_parts(&ctx);
        assert_eq!(p.path, vec![("id".to_string(), "a b".to_string())]);
        assert_eq!(p.lookup("q"), Some("x y"));
        assert_eq!(p.lookup("e"), Some(""));
        assert_eq!(p.lookup("x-test"), Some("v"));
        assert!(p.header.iter().all(|(k, _)| k != "Content-Length"));
        assert_eq!(c.resource_path, "/pets/{id}");
        assert_eq!(c.http_method, "GET");
        assert_eq!(c.identity.source_ip.as_deref(), Some("127.0.0.1"));
        assert!(c.authorizer.is_none());
    }

    #[test]
    fn authorizer_context_is_stringified() {
        let api = api_with_route("/p");
        let mut ctx = ctx_for(&api, http::Method::GET, "/p");
        let mut m = serde_json::Map::new();
        m.insert("n".into(), serde_json::json!(1));
        m.insert("b".into(), serde_json::json!(true));
        m.insert("s".into(), serde_json::json!("x"));
        ctx.principal = Some(crate::gateway::context::Principal {
            principal_id: Some("me".into()),
            context: m,
            usage_identifier_key: None,
            latency: std::time::Duration::ZERO,
        });
        let c = context_values(&ctx);
        let a = c.authorizer.unwrap();
        assert_eq!(a.principal_id.as_deref(), Some("me"));
        assert_eq!(
            a.entries,
            vec![
                ("n".to_string(), "1".to_string()),
                ("b".to_string(), "true".to_string()),
                ("s".to_string(), "x".to_string())
            ]
        );
    }
}
