//! The payload 1.0 proxy response contract (spec proxy-auth §4.1, §4.5, §4.7; HTTP API 1.0 §6.2).
//!
//! The result must be a JSON object whose keys are among `statusCode, headers,
//! multiValueHeaders, body, isBase64Encoded`; anything else is a malformed response.
//! - `statusCode`: integer or numeric string; missing means 200 on REST and is an error on HTTP
//!   APIs; `null` is not an integer and so malformed.
//! - `headers`: `null` or an object of string / boolean values (`true` -> `"true"`).
//! - `multiValueHeaders`: `null` or an object of arrays of string / boolean values. A name present
//!   in both gives the multi values then the single value (unless equal to one of them), under
//!   the multiValueHeaders casing.
//! - `Content-Type: application/json` is the default when the function sets none.
//! - `body`: string or `null`; `isBase64Encoded`: boolean or `null`. REST decodes base64 only when
//!   the request's first `Accept` media type matches `binaryMediaTypes` (else the text is sent as
//!   is); HTTP APIs always decode.

use std::borrow::Cow;

use bytes::Bytes;
use simd_json::prelude::*;
use simd_json::tape::{Object, Value};
use smallvec::SmallVec;

use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::integration::proxy_response::{malformed, status_of, BodyOut, RESPONSE_ID_FIELDS};
use crate::integration::response_headers::{decode_base64, push_function_header};
use crate::message::{HeaderList, Response};

/// Reads a payload 1.0 result.
pub fn read(ctx: &RequestCtx, http_api: bool, payload: Bytes) -> Result<Response, GatewayError> {
    // No copy when the caller's `Bytes` is uniquely owned.
    let mut buf = Vec::from(payload);
    let (base, len) = (buf.as_ptr() as usize, buf.len());
    let (status, headers, body) = {
        let tape = crate::integration::proxy_response::parse_result(&mut buf)
            .map_err(|_| malformed("result is not JSON"))?;
        let root = tape.as_value();
        let obj = root
            .as_object()
            .ok_or_else(|| malformed("result is not a JSON object"))?;
        parse(ctx, http_api, &obj, base, len)?
    };
    Ok(Response {
        status,
        headers,
        body: body.into_bytes(buf),
    })
}

fn parse(
    ctx: &RequestCtx,
    http_api: bool,
    obj: &Object<'_, '_>,
    base: usize,
    len: usize,
) -> Result<(u16, HeaderList, BodyOut), GatewayError> {
    let mut status = None;
    let mut single: Option<Object<'_, '_>> = None;
    let mut multi: Option<Object<'_, '_>> = None;
    let mut body: Option<&str> = None;
    let mut b64 = false;
    for (k, v) in obj.iter() {
        match k {
            "statusCode" => status = Some(status_of(v)?),
            "headers" => single = object_or_null(v, "headers")?,
            "multiValueHeaders" => multi = object_or_null(v, "multiValueHeaders")?,
            "body" if v.is_null() => body = None,
            "body" => {
                body = Some(
                    v.into_string()
                        .ok_or_else(|| malformed("body is not a string"))?,
                )
            }
            "isBase64Encoded" if v.is_null() => b64 = false,
            "isBase64Encoded" => {
                b64 = v
                    .as_bool()
                    .ok_or_else(|| malformed("isBase64Encoded is not a boolean"))?
            }
            _ => return Err(malformed("unexpected key in the proxy response")),
        }
    }
    let status = match status {
        Some(s) => s,
        None if http_api => return Err(malformed("statusCode is required")),
        None => 200,
    };
    let headers = merge_headers(single.as_ref(), multi.as_ref())?;
    let body = match body {
        None => BodyOut::Empty,
        Some(text) if b64 && decode_due(ctx, http_api) => {
            let bytes = decode_base64(text.as_bytes()).map_err(|_| {
                if http_api {
                    malformed("body is not valid base64")
                } else {
                    GatewayError::ApiConfiguration("proxy response body is not valid base64".into())
                }
            })?;
            BodyOut::Owned(bytes)
        }
        Some(text) => BodyOut::of_str(text, base, len),
    };
    Ok((status, headers, body))
}

/// REST honours `isBase64Encoded` only for a binary `Accept`; HTTP APIs always.
fn decode_due(ctx: &RequestCtx, http_api: bool) -> bool {
    http_api
        || ctx
            .req
            .headers
            .get_first_str("accept")
            .is_some_and(|a| ctx.api.binary_media_types.matches(a))
}

fn object_or_null<'t, 'i>(
    v: Value<'t, 'i>,
    what: &str,
) -> Result<Option<Object<'t, 'i>>, GatewayError> {
    if v.is_null() {
        return Ok(None);
    }
    v.into_object()
        .map(Some)
        .ok_or_else(|| malformed(&format!("{what} is not an object")))
}

/// A header value as API Gateway accepts it: a string, or a boolean rendered as text.
fn header_value<'i>(v: Value<'_, 'i>) -> Result<Cow<'i, str>, GatewayError> {
    if let Some(b) = v.as_bool() {
        return Ok(Cow::Borrowed(if b { "true" } else { "false" }));
    }
    v.into_string()
        .map(Cow::Borrowed)
        .ok_or_else(|| malformed("header value is not a string"))
}

/// One `multiValueHeaders` entry: the name and its values.
type MultiHeader<'i> = (&'i str, SmallVec<[Cow<'i, str>; 2]>);

fn merge_headers(
    single: Option<&Object<'_, '_>>,
    multi: Option<&Object<'_, '_>>,
) -> Result<HeaderList, GatewayError> {
    let mut singles: SmallVec<[(&str, Cow<'_, str>); 16]> = SmallVec::new();
    if let Some(o) = single {
        for (k, v) in o.iter() {
            singles.push((k, header_value(v)?));
        }
    }
    let mut multis: SmallVec<[MultiHeader<'_>; 8]> = SmallVec::new();
    if let Some(o) = multi {
        for (k, v) in o.iter() {
            let arr = v
                .as_array()
                .ok_or_else(|| malformed("multiValueHeaders value is not an array"))?;
            let mut vals = SmallVec::new();
            for item in arr.iter() {
                vals.push(header_value(item)?);
            }
            multis.push((k, vals));
        }
    }
    let mut out = HeaderList::with_capacity(singles.len() + multis.len() + 1 + RESPONSE_ID_FIELDS);
    let has_ct = singles
        .iter()
        .map(|(k, _)| *k)
        .chain(multis.iter().map(|(k, _)| *k))
        .any(|k| k.eq_ignore_ascii_case("content-type"));
    if !has_ct {
        out.push_static("Content-Type", "application/json");
    }
    for (k, v) in &singles {
        if !multis.iter().any(|(m, _)| m.eq_ignore_ascii_case(k)) {
            push_function_header(&mut out, k, v)?;
        }
    }
    for (k, vals) in &multis {
        for v in vals {
            push_function_header(&mut out, k, v)?;
        }
        for (_, v) in singles.iter().filter(|(s, _)| s.eq_ignore_ascii_case(k)) {
            if !vals.iter().any(|m| m == v) {
                push_function_header(&mut out, k, v)?;
            }
        }
    }
    Ok(out)
}
