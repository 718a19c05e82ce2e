//! Payload format 2.0 events: HTTP API (spec proxy-auth §5.1) and Function URL (§5.3).
//!
//! Optional keys (`cookies`, `queryStringParameters`, `pathParameters`, `stageVariables`, `body`)
//! are omitted when empty; `headers` and `rawQueryString` are always present (§17.1, §17.2).
//! Header names are lower-cased and repeated values joined with `,`; query values are decoded and
//! joined with `,`. The `cookie` header is folded into `cookies` (split on `;`, trimmed) and
//! removed from `headers`, so adapters that merge both do not see every cookie twice (§17.6;
//! AWS's own choice is unverified, §15.8). `rawPath` and `requestContext.http.path` are both the
//! raw path as received (a named stage's prefix included). With a Lambda authorizer,
//! `requestContext.authorizer.lambda` is its context with JSON types preserved.
//!
//! Function URL differences, from AWS captures: `routeKey`/`stage` are `$default`, `accountId`
//! is `"anonymous"` for auth type NONE (no authenticated caller), and there is no `authorizer`
//! key for NONE.

use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::integration::event_headers::{self, Family, Fields, Synthesized};
use crate::integration::proxy_event::{
    body_mode_textual, domain_prefix, unrouted, write_body, write_clf_time, BodyMode,
};
use crate::integration::proxy_v1::write_map;
use crate::integration::{json_out, query};

/// Writes a payload 2.0 event; `function_url` selects the Function URL variant.
pub fn write(ctx: &RequestCtx, function_url: bool, out: &mut Vec<u8>) -> Result<(), GatewayError> {
    let rm = ctx.route.as_ref().ok_or_else(unrouted)?;
    let api = &ctx.api;
    let route = api.routes.get(rm.route.0).ok_or_else(unrouted)?;
    let syn = Synthesized::new(ctx);
    let family = if function_url {
        Family::FunctionUrl
    } else {
        Family::V2
    };
    let fields = event_headers::collect(ctx, &syn, family);
    let route_key = if function_url {
        "$default"
    } else {
        route.route_key.as_str()
    };
    let stage = if function_url {
        "$default"
    } else {
        api.stage.as_str()
    };
    let raw_path = ctx.req.raw_path();
    let raw_query = ctx.req.raw_query().unwrap_or_default();

    out.extend_from_slice(b"{\"version\":\"2.0\",\"routeKey\":");
    json_out::string(out, route_key);
    out.extend_from_slice(b",\"rawPath\":");
    json_out::bytes(out, raw_path);
    out.extend_from_slice(b",\"rawQueryString\":");
    json_out::bytes(out, raw_query);
    write_cookies(out, &fields);
    out.extend_from_slice(b",\"headers\":");
    write_headers(out, &fields);

    let pairs = query::parse(raw_query);
    if !pairs.is_empty() {
        out.extend_from_slice(b",\"queryStringParameters\":{");
        let mut first = true;
        for i in 0..pairs.len() {
            if !query::is_first_of_key(&pairs, i) {
                continue;
            }
            let key = &pairs[i].0;
            json_out::key(out, &mut first, key.as_bytes());
            out.push(b'"');
            for (j, v) in query::values_of(&pairs, key).enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                json_out::text(out, v.as_bytes());
            }
            out.push(b'"');
        }
        out.push(b'}');
    }
    if !rm.params.is_empty() && !function_url {
        out.extend_from_slice(b",\"pathParameters\":");
        write_map(out, rm.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    if !api.stage_variables.is_empty() && !function_url {
        out.extend_from_slice(b",\"stageVariables\":");
        write_map(
            out,
            api.stage_variables
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
    }

    out.extend_from_slice(b",\"requestContext\":{\"accountId\":");
    json_out::string(
        out,
        if function_url {
            "anonymous"
        } else {
            &api.account_id
        },
    );
    out.extend_from_slice(b",\"apiId\":");
    json_out::string(out, &api.id);
    if let (Some(p), false) = (&ctx.principal, function_url) {
        out.extend_from_slice(b",\"authorizer\":{\"lambda\":");
        // Writing a serde_json map into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &p.context);
        out.push(b'}');
    }
    out.extend_from_slice(b",\"domainName\":");
    json_out::string(out, syn.domain);
    out.extend_from_slice(b",\"domainPrefix\":");
    json_out::string(out, domain_prefix(syn.domain));
    out.extend_from_slice(b",\"http\":{\"method\":");
    json_out::string(out, ctx.req.method.as_str());
    out.extend_from_slice(b",\"path\":");
    json_out::bytes(out, raw_path);
    out.extend_from_slice(b",\"protocol\":");
    json_out::string(out, ctx.req.protocol.as_str());
    out.extend_from_slice(b",\"sourceIp\":");
    json_out::string(out, syn.source_ip.as_str());
    out.extend_from_slice(b",\"userAgent\":");
    json_out::bytes(
        out,
        ctx.req.headers.get("user-agent").map_or(&b""[..], |v| v),
    );
    out.extend_from_slice(b"},\"requestId\":");
    json_out::string(out, &ctx.request_id);
    out.extend_from_slice(b",\"routeKey\":");
    json_out::string(out, route_key);
    out.extend_from_slice(b",\"stage\":");
    json_out::string(out, stage);
    out.extend_from_slice(b",\"time\":");
    write_clf_time(out, ctx.epoch_ms);
    out.extend_from_slice(b",\"timeEpoch\":");
    json_out::uint(out, ctx.epoch_ms);
    out.push(b'}');

    let mode = body_mode_textual(ctx);
    if mode != BodyMode::Absent {
        out.extend_from_slice(b",\"body\":");
    }
    let b64 = match mode {
        BodyMode::Absent => false,
        _ => write_body(out, &ctx.req.body, mode),
    };
    out.extend_from_slice(if b64 {
        b",\"isBase64Encoded\":true}"
    } else {
        b",\"isBase64Encoded\":false}"
    });
    Ok(())
}

fn is_cookie(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"cookie")
}

/// `"cookies":[...]` from every `cookie` header, or nothing when there are none.
fn write_cookies(out: &mut Vec<u8>, fields: &Fields<'_>) {
    let mut first = true;
    for (_, v) in fields.iter().filter(|(n, _)| is_cookie(n)) {
        for c in v.split(|&b| b == b';') {
            let c = c.trim_ascii();
            if c.is_empty() {
                continue;
            }
            if std::mem::take(&mut first) {
                out.extend_from_slice(b",\"cookies\":[");
            } else {
                out.push(b',');
            }
            json_out::bytes(out, c);
        }
    }
    if !first {
        out.push(b']');
    }
}

/// Lower-cased names, repeated values joined with `,`; `cookie` left out (it is in `cookies`).
fn write_headers(out: &mut Vec<u8>, fields: &Fields<'_>) {
    out.push(b'{');
    let mut first = true;
    for i in 0..fields.len() {
        let name = fields[i].0;
        if is_cookie(name) || !event_headers::is_first_of_name(fields, i) {
            continue;
        }
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        json_out::string_lower(out, name);
        out.extend_from_slice(b":\"");
        for (j, v) in event_headers::values_from(fields, i).enumerate() {
            if j > 0 {
                out.push(b',');
            }
            json_out::text(out, v);
        }
        out.push(b'"');
    }
    out.push(b'}');
}
