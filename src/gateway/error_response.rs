//! Turns a [`GatewayError`] into the client's response: the one place where errors are rendered.
//!
//! REST APIs go through API Gateway's gateway-response machinery: the type's own customisation,
//! else `DEFAULT_4XX` / `DEFAULT_5XX`, else the built-in body (spec proxy-auth §10.2). HTTP APIs
//! and Function URLs answer with their fixed bodies (§6.2, §11). Error details stay in the logs.

use std::borrow::Cow;

use bytes::Bytes;

use crate::config::model::ApiKind;
use crate::gateway::context::RequestCtx;
use crate::gateway::error::{Classified, GatewayError};
use crate::gateway::gateway_template;
use crate::gateway::responses::{http_api_body, rest_default_body, GatewayResponseSpec};
use crate::message::Response;

/// The response for `err`, and how it was classified (for metrics and the access log).
pub fn respond(ctx: &RequestCtx, err: &GatewayError) -> (Response, Classified) {
    let c = err.classify(ctx.api.kind);
    let response = match ctx.api.kind {
        ApiKind::Rest => rest(ctx, &c),
        ApiKind::Http => http_api(ctx, &c),
        ApiKind::FunctionUrl => function_url(ctx, &c),
    };
    (response, c)
}

fn rest(ctx: &RequestCtx, c: &Classified) -> Response {
    let spec = ctx.api.gateway_responses.lookup(c.response_type);
    let status = spec.and_then(|s| s.status).unwrap_or(c.status);
    let mut resp = Response::new(status, Bytes::new());
    let (content_type, body) = match spec.and_then(|s| gateway_template::render(ctx, c, s)) {
        Some((ct, body)) => (Cow::Owned(ct), Bytes::from(body)),
        None => (
            Cow::Borrowed("application/json"),
            Bytes::from(rest_default_body(c.response_type, &c.message)),
        ),
    };
    resp.body = body;
    let h = &mut resp.headers;
    push(h, "Content-Type", &content_type);
    push(h, "x-amzn-RequestId", &ctx.request_id);
    push(h, "x-amz-apigw-id", &ctx.extended_request_id);
    push(h, "x-amzn-ErrorType", c.response_type.error_type());
    if let Some(spec) = spec {
        custom_headers(ctx, spec, &mut resp);
    }
    resp
}

fn http_api(ctx: &RequestCtx, c: &Classified) -> Response {
    let mut resp = Response::new(
        c.status,
        Bytes::from_static(http_api_body(c.status).as_bytes()),
    );
    push(&mut resp.headers, "Content-Type", "application/json");
    push(&mut resp.headers, "apigw-requestid", &ctx.request_id);
    resp
}

fn function_url(ctx: &RequestCtx, c: &Classified) -> Response {
    // Function URLs answer function failures with a plain-text body (spec proxy-auth §6.2).
    let body: &'static str = if c.status >= 500 {
        "Internal Server Error"
    } else {
        match c.status {
            401 => "Unauthorized",
            403 => "Forbidden",
            413 => "Request Entity Too Large",
            _ => "Bad Request",
        }
    };
    let mut resp = Response::new(c.status, Bytes::from_static(body.as_bytes()));
    push(
        &mut resp.headers,
        "Content-Type",
        "text/plain; charset=utf-8",
    );
    push(&mut resp.headers, "x-amzn-RequestId", &ctx.request_id);
    resp
}

/// `responseParameters` of a customised gateway response: `gatewayresponse.header.X` values.
fn custom_headers(ctx: &RequestCtx, spec: &GatewayResponseSpec, resp: &mut Response) {
    for (name, source) in &spec.headers {
        let Some(value) = gateway_template::resolve_source(ctx, source) else {
            continue;
        };
        if resp.headers.set(name.clone(), value.into_owned()).is_err() {
            tracing::debug!(header = %name, "gateway response header value cannot be sent; dropped");
        }
    }
}

/// Appends a header whose value is known to be valid (ids, constants).
fn push(h: &mut crate::message::HeaderList, name: &'static str, value: &str) {
    h.push_unchecked(
        Bytes::from_static(name.as_bytes()),
        Bytes::copy_from_slice(value.as_bytes()),
    );
}
