//! What mapping templates see of a request: `$input.params()` and `$context`, built from the
//! [`RequestCtx`]. Shared by gateway-response templates and custom-integration templates.

use crate::gateway::context::RequestCtx;
use crate::integration::query;
use crate::vtl::{Authorizer, ContextValues, ErrorContext, Identity, RequestParams};

/// `$input.params()`: path parameters (URL-decoded), query values (decoded, last wins on lookup),
/// headers (as sent; the ones API Gateway hides are filtered by [`RequestParams::push_header`]).
pub fn request_params(ctx: &RequestCtx) -> RequestParams {
    let mut params = RequestParams::default();
    if let Some(m) = &ctx.route {
        for (name, value) in &m.params {
            let decoded = percent_encoding::percent_decode(value.as_bytes()).decode_utf8_lossy();
            params.push_path(name.clone(), decoded.into_owned());
        }
    }
    if let Some(raw) = ctx.req.raw_query() {
        for (name, value) in query::parse(raw).iter() {
            params.push_query(name.to_string(), value.to_string());
        }
    }
    for (name, value) in ctx.req.headers.iter() {
        params.push_header(
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).into_owned(),
        );
    }
    params
}

/// `$context` for this request (`error` unset; gateway responses add it).
pub fn context_values(ctx: &RequestCtx) -> ContextValues {
    let api = &ctx.api;
    let route = ctx.route.as_ref().map(|m| api.route(m.route));
    let domain = ctx.domain_name();
    ContextValues {
        request_id: ctx.request_id.clone(),
        extended_request_id: ctx.extended_request_id.clone(),
        request_time: ctx.request_time(),
        request_time_epoch: ctx.epoch_ms as i64,
        http_method: ctx.req.method.as_str().to_string(),
        resource_path: route.map(|r| r.path.clone()).unwrap_or_default(),
        resource_id: route.map(|r| r.resource_id.clone()).unwrap_or_default(),
        path: ctx.stage_path(),
        stage: api.stage.clone(),
        account_id: api.account_id.clone(),
        api_id: api.id.clone(),
        domain_prefix: domain.split('.').next().unwrap_or(domain).to_string(),
        domain_name: domain.to_string(),
        deployment_id: api.deployment_id.clone(),
        protocol: ctx.req.protocol.as_str().to_string(),
        identity: Identity {
            source_ip: Some(ctx.req.remote.ip().to_canonical().to_string()),
            user_agent: ctx.req.headers.get_str("user-agent").map(str::to_string),
            ..Identity::default()
        },
        authorizer: ctx.principal.as_ref().map(|p| Authorizer {
            principal_id: p.principal_id.clone(),
            entries: p
                .context
                .iter()
                .map(|(k, v)| (k.clone(), stringify(v)))
                .collect(),
            claims: Vec::new(),
        }),
        error: None,
    }
}

/// `$context.error` for a gateway response.
pub fn error_context(
    message: Option<&str>,
    response_type: &str,
    validation_error: Option<&str>,
) -> ErrorContext {
    ErrorContext {
        message: message.map(str::to_string),
        message_string: Some(match message {
            Some(m) => serde_json::Value::String(m.to_string()).to_string(),
            None => "null".to_string(),
        }),
        response_type: Some(response_type.to_string()),
        validation_error_string: validation_error.map(str::to_string),
    }
}

/// REST stringifies authorizer context values (`123` -> `"123"`, `true` -> `"true"`).
pub fn stringify(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
