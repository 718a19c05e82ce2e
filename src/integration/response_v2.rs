//! The payload 2.0 / Function URL response inference (spec proxy-auth §6.1).
//!
//! - A JSON object with a `statusCode` key is a structured response: `statusCode` (integer or
//!   numeric string), `headers` (single-valued; string, number or boolean values), `cookies`
//!   (one `set-cookie` line each), `body` (string), `isBase64Encoded` (the body is decoded, with
//!   no `Accept` check). Other keys, `multiValueHeaders` included, are ignored.
//! - Any other JSON result is the body of a 200 `application/json` response: a string as its raw
//!   contents (no quotes), anything else as compact JSON (whitespace removed, number and string
//!   spelling exactly as the function wrote them).
//! - `content-type` defaults to `application/json`.

use bytes::Bytes;
use simd_json::prelude::*;
use simd_json::tape::Value;

use crate::gateway::error::GatewayError;
use crate::integration::proxy_response::{malformed, status_of, BodyOut, RESPONSE_ID_FIELDS};
use crate::integration::response_headers::{decode_base64, minify_json, push_function_header};
use crate::message::{HeaderList, Response};

/// Reads a payload 2.0 or Function URL result.
pub fn read(payload: Bytes) -> Result<Response, GatewayError> {
    // The one copy: the tape unescapes strings in place, and the original text is still needed
    // when the result is an unstructured JSON value sent back as written.
    let mut buf = payload.to_vec();
    let (base, len) = (buf.as_ptr() as usize, buf.len());
    enum Shape {
        Structured(u16, HeaderList, BodyOut),
        Text(BodyOut),
        Json,
    }
    let shape = {
        let tape = crate::integration::proxy_response::parse_result(&mut buf)
            .map_err(|_| malformed("result is not JSON"))?;
        let root = tape.as_value();
        if let Some(s) = root.into_string() {
            Shape::Text(BodyOut::of_str(s, base, len))
        } else if root
            .as_object()
            .is_some_and(|o| o.get("statusCode").is_some())
        {
            let (status, headers, body) = structured(root, base, len)?;
            Shape::Structured(status, headers, body)
        } else {
            Shape::Json
        }
    };
    let json_ct = || {
        let mut h = HeaderList::with_capacity(1 + RESPONSE_ID_FIELDS);
        h.push_static("Content-Type", "application/json");
        h
    };
    Ok(match shape {
        Shape::Structured(status, headers, body) => Response {
            status,
            headers,
            body: body.into_bytes(buf),
        },
        Shape::Text(body) => Response {
            status: 200,
            headers: json_ct(),
            body: body.into_bytes(buf),
        },
        Shape::Json => Response {
            status: 200,
            headers: json_ct(),
            body: match minify_json(&payload) {
                Some(v) => Bytes::from(v),
                None => payload,
            },
        },
    })
}

fn structured(
    root: Value<'_, '_>,
    base: usize,
    len: usize,
) -> Result<(u16, HeaderList, BodyOut), GatewayError> {
    let obj = root
        .as_object()
        .ok_or_else(|| malformed("result is not an object"))?;
    let mut status = 200;
    // Room for the function's usual handful of headers, and the ids added later.
    let mut headers = HeaderList::with_capacity(4 + RESPONSE_ID_FIELDS);
    let mut has_ct = false;
    let mut cookies = None;
    let mut body: Option<&str> = None;
    let mut b64 = false;
    for (k, v) in obj.iter() {
        match k {
            "statusCode" => status = status_of(v)?,
            "headers" if v.is_null() => {}
            "headers" => {
                let h = v
                    .as_object()
                    .ok_or_else(|| malformed("headers is not an object"))?;
                for (name, value) in h.iter() {
                    has_ct |= name.eq_ignore_ascii_case("content-type");
                    let mut num = itoa::Buffer::new();
                    let text: &str = if let Some(s) = value.as_str() {
                        s
                    } else if let Some(b) = value.as_bool() {
                        if b {
                            "true"
                        } else {
                            "false"
                        }
                    } else if let Some(n) = value.as_i64() {
                        num.format(n)
                    } else if value.is_null() {
                        continue;
                    } else {
                        return Err(malformed("header value is not a string"));
                    };
                    push_function_header(&mut headers, name, text)?;
                }
            }
            "cookies" if v.is_null() => {}
            "cookies" => {
                cookies = Some(
                    v.as_array()
                        .ok_or_else(|| malformed("cookies is not an array"))?,
                )
            }
            "body" if v.is_null() => body = None,
            "body" => {
                body = Some(
                    v.into_string()
                        .ok_or_else(|| malformed("body is not a string"))?,
                )
            }
            "isBase64Encoded" => b64 = v.as_bool().unwrap_or(false),
            _ => {}
        }
    }
    if !has_ct {
        headers.push_static("Content-Type", "application/json");
    }
    if let Some(arr) = cookies {
        for c in arr.iter() {
            let c = c
                .as_str()
                .ok_or_else(|| malformed("cookie is not a string"))?;
            push_function_header(&mut headers, "set-cookie", c)?;
        }
    }
    let body = match body {
        None => BodyOut::Empty,
        Some(text) if b64 => BodyOut::Owned(
            decode_base64(text.as_bytes()).map_err(|_| malformed("body is not valid base64"))?,
        ),
        Some(text) => BodyOut::of_str(text, base, len),
    };
    Ok((status, headers, body))
}
