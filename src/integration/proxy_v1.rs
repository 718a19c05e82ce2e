//! Payload format 1.0 events: REST `AWS_PROXY` (spec proxy-auth §3) and HTTP API 1.0 (§5.2,
//! the same plus `"version": "1.0"`).
//!
//! Every top-level key is always present; absent maps are `null`. `headers` keeps the last value
//! per (case-insensitive) name under the casing of its first occurrence, `multiValueHeaders` all
//! values in order. `requestContext.authorizer` exists only when an authorizer ran (REST), with
//! every context value stringified plus `principalId` and `integrationLatency` (ms). HTTP API 1.0
//! events carry `{"claims": null, "scopes": null}` when the route has no authorizer (AWS's
//! documented example) and the REST shape when a Lambda authorizer ran \[I\]. HTTP APIs have no
//! `binaryMediaTypes`, so their bodies follow the textual rule of payload 2.0.

use smallvec::SmallVec;

use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::gateway::router_template::strip_stage;
use crate::integration::event_headers::{self, Family, Fields, Synthesized};
use crate::integration::proxy_event::{
    body_mode_rest, body_mode_textual, domain_prefix, unrouted, write_body, write_clf_time,
};
use crate::integration::{json_out, query};

/// Writes a payload 1.0 event; `http_api` selects the HTTP API variant.
pub fn write(ctx: &RequestCtx, http_api: bool, out: &mut Vec<u8>) -> Result<(), GatewayError> {
    let rm = ctx.route.as_ref().ok_or_else(unrouted)?;
    let api = &ctx.api;
    let route = api.routes.get(rm.route.0).ok_or_else(unrouted)?;
    let syn = Synthesized::new(ctx);
    let fields = event_headers::collect(ctx, &syn, Family::V1);
    let method = ctx.req.method.as_str();

    out.push(b'{');
    if http_api {
        out.extend_from_slice(b"\"version\":\"1.0\",");
    }
    out.extend_from_slice(b"\"resource\":");
    json_out::string(out, &route.path);
    out.extend_from_slice(b",\"path\":");
    json_out::string(out, &rm.path);
    out.extend_from_slice(b",\"httpMethod\":");
    json_out::string(out, method);
    write_header_maps(out, &fields);

    let pairs = query::parse(ctx.req.raw_query().unwrap_or_default());
    out.extend_from_slice(b",\"queryStringParameters\":");
    write_query(out, &pairs, false);
    out.extend_from_slice(b",\"multiValueQueryStringParameters\":");
    write_query(out, &pairs, true);

    out.extend_from_slice(b",\"pathParameters\":");
    if rm.params.is_empty() {
        out.extend_from_slice(b"null");
    } else {
        write_map(out, rm.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    out.extend_from_slice(b",\"stageVariables\":");
    if api.stage_variables.is_empty() {
        out.extend_from_slice(b"null");
    } else {
        write_map(
            out,
            api.stage_variables
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
    }

    // requestContext, in the key order AWS emits.
    out.extend_from_slice(b",\"requestContext\":{\"resourceId\":");
    json_out::string(out, &route.resource_id);
    out.extend_from_slice(b",\"resourcePath\":");
    json_out::string(out, &route.path);
    out.extend_from_slice(b",\"httpMethod\":");
    json_out::string(out, method);
    out.extend_from_slice(b",\"extendedRequestId\":");
    json_out::string(out, &ctx.extended_request_id);
    out.extend_from_slice(b",\"requestTime\":");
    write_clf_time(out, ctx.epoch_ms);
    out.extend_from_slice(b",\"path\":");
    write_context_path(ctx, http_api, out);
    out.extend_from_slice(b",\"accountId\":");
    json_out::string(out, &api.account_id);
    out.extend_from_slice(b",\"protocol\":");
    json_out::string(out, ctx.req.protocol.as_str());
    out.extend_from_slice(b",\"stage\":");
    json_out::string(out, &api.stage);
    out.extend_from_slice(b",\"domainPrefix\":");
    json_out::string(out, domain_prefix(syn.domain));
    out.extend_from_slice(b",\"requestTimeEpoch\":");
    json_out::uint(out, ctx.epoch_ms);
    out.extend_from_slice(b",\"requestId\":");
    json_out::string(out, &ctx.request_id);
    write_authorizer(ctx, http_api, out);
    out.extend_from_slice(
        b",\"identity\":{\"cognitoIdentityPoolId\":null,\"accountId\":null,\
          \"cognitoIdentityId\":null,\"caller\":null,\"sourceIp\":",
    );
    json_out::string(out, syn.source_ip.as_str());
    out.extend_from_slice(
        b",\"principalOrgId\":null,\"accessKey\":null,\"cognitoAuthenticationType\":null,\
          \"cognitoAuthenticationProvider\":null,\"userArn\":null,\"userAgent\":",
    );
    match ctx.req.headers.get("user-agent") {
        Some(ua) => json_out::bytes(out, ua),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"user\":null},\"domainName\":");
    json_out::string(out, syn.domain);
    out.extend_from_slice(b",\"deploymentId\":");
    json_out::string(out, &api.deployment_id);
    out.extend_from_slice(b",\"apiId\":");
    json_out::string(out, &api.id);
    out.extend_from_slice(b"},\"body\":");

    let mode = if http_api {
        body_mode_textual(ctx)
    } else {
        body_mode_rest(ctx)
    };
    let b64 = write_body(out, &ctx.req.body, mode);
    out.extend_from_slice(if b64 {
        b",\"isBase64Encoded\":true}"
    } else {
        b",\"isBase64Encoded\":false}"
    });
    Ok(())
}

/// `requestContext.path`: REST under a stage prefix is `/{stage}` plus the path after the stage
/// exactly as received (`/test//hardcoded`; a slash run before the stage collapses); otherwise
/// the raw path as received.
fn write_context_path(ctx: &RequestCtx, http_api: bool, out: &mut Vec<u8>) {
    let raw = ctx.req.raw_path();
    if !http_api && ctx.api.stage_prefix {
        if let Some(rest) = std::str::from_utf8(raw)
            .ok()
            .and_then(|p| strip_stage(p, &ctx.api.stage).ok())
        {
            out.extend_from_slice(b"\"/");
            json_out::text(out, ctx.api.stage.as_bytes());
            json_out::text(out, rest.as_bytes());
            out.push(b'"');
            return;
        }
    }
    json_out::bytes(out, raw);
}

fn write_authorizer(ctx: &RequestCtx, http_api: bool, out: &mut Vec<u8>) {
    let Some(p) = &ctx.principal else {
        if http_api {
            out.extend_from_slice(b",\"authorizer\":{\"claims\":null,\"scopes\":null}");
        }
        return;
    };
    out.extend_from_slice(b",\"authorizer\":{");
    let mut first = true;
    for (k, v) in &p.context {
        if k == "principalId" || k == "integrationLatency" {
            continue;
        }
        json_out::key(out, &mut first, k.as_bytes());
        match v {
            serde_json::Value::String(s) => json_out::string(out, s),
            // Deliberate allocation: non-string context values are rare and stringified once.
            other => json_out::string(out, &other.to_string()),
        }
    }
    if let Some(id) = &p.principal_id {
        json_out::key(out, &mut first, b"principalId");
        json_out::string(out, id);
    }
    json_out::key(out, &mut first, b"integrationLatency");
    json_out::uint(out, p.latency.as_millis() as u64);
    out.push(b'}');
}

/// `,"headers":…,"multiValueHeaders":…`. When every name is distinct (the usual case), each
/// name and value is escaped once: the multi-value map copies the text the first map wrote.
fn write_header_maps(out: &mut Vec<u8>, fields: &Fields<'_>) {
    let distinct = (1..fields.len()).all(|i| event_headers::is_first_of_name(fields, i));
    if fields.is_empty() || !distinct {
        out.extend_from_slice(b",\"headers\":");
        write_headers(out, fields, false);
        out.extend_from_slice(b",\"multiValueHeaders\":");
        write_headers(out, fields, true);
        return;
    }
    // Where each `"name":"value"` entry starts, where its value starts, and where it ends.
    let mut spans: SmallVec<[(usize, usize, usize); 24]> = SmallVec::new();
    out.extend_from_slice(b",\"headers\":{");
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let start = out.len();
        json_out::bytes(out, name);
        out.push(b':');
        let value_start = out.len();
        json_out::bytes(out, value);
        spans.push((start, value_start, out.len()));
    }
    out.extend_from_slice(b"},\"multiValueHeaders\":{");
    for (i, &(start, value_start, end)) in spans.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_within(start..value_start);
        out.push(b'[');
        out.extend_from_within(value_start..end);
        out.push(b']');
    }
    out.push(b'}');
}

/// `headers` (last value per name) or `multiValueHeaders` (all values), `null` when empty.
fn write_headers(out: &mut Vec<u8>, fields: &Fields<'_>, multi: bool) {
    if fields.is_empty() {
        out.extend_from_slice(b"null");
        return;
    }
    out.push(b'{');
    let mut first = true;
    for i in 0..fields.len() {
        if !event_headers::is_first_of_name(fields, i) {
            continue;
        }
        json_out::key(out, &mut first, fields[i].0);
        if multi {
            out.push(b'[');
            for (j, v) in event_headers::values_from(fields, i).enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                json_out::bytes(out, v);
            }
            out.push(b']');
        } else {
            let last = event_headers::values_from(fields, i)
                .last()
                .unwrap_or_default();
            json_out::bytes(out, last);
        }
    }
    out.push(b'}');
}

/// `queryStringParameters` (last value per key) or the multi-value form; `null` when empty.
fn write_query(out: &mut Vec<u8>, pairs: &query::Pairs<'_>, multi: bool) {
    if pairs.is_empty() {
        out.extend_from_slice(b"null");
        return;
    }
    out.push(b'{');
    let mut first = true;
    for i in 0..pairs.len() {
        if !query::is_first_of_key(pairs, i) {
            continue;
        }
        let key = &pairs[i].0;
        json_out::key(out, &mut first, key.as_bytes());
        if multi {
            out.push(b'[');
            for (j, v) in query::values_of(pairs, key).enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                json_out::string(out, v);
            }
            out.push(b']');
        } else {
            json_out::string(out, query::values_of(pairs, key).last().unwrap_or_default());
        }
    }
    out.push(b'}');
}

/// A JSON object of string pairs (keys assumed unique).
pub(crate) fn write_map<'a>(out: &mut Vec<u8>, entries: impl Iterator<Item = (&'a str, &'a str)>) {
    out.push(b'{');
    let mut first = true;
    for (k, v) in entries {
        json_out::key(out, &mut first, k.as_bytes());
        json_out::string(out, v);
    }
    out.push(b'}');
}
