//! [`write_event`]: the Lambda proxy event for a routed request, written as JSON bytes into a
//! reused buffer. The per-format layouts live in `proxy_v1` (payload 1.0: REST and HTTP API) and
//! `proxy_v2` (payload 2.0: HTTP API and Function URL); this file holds what they share (request
//! body encoding, time formats).
//!
//! Hand-written JSON rather than serde structs: the layout is fixed, field order and `null` vs
//! omitted are explicit in the code, and values are escaped straight from the request's `Bytes`
//! without building borrowed structs first.

use base64::Engine;

use crate::config::media;
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::integration::{json_out, proxy_v1, proxy_v2, EventFormat};

/// Writes the event for `ctx` (which must have been routed) into `out`, replacing its contents.
pub fn write_event(
    ctx: &RequestCtx,
    format: EventFormat,
    out: &mut Vec<u8>,
) -> Result<(), GatewayError> {
    out.clear();
    // The body's JSON escape works in room of twice its length (base64 needs 4/3); headers and
    // the fixed parts rarely exceed 2 KB. Reserving it all up front spares a regrowth that would
    // copy the event written so far.
    out.reserve(ctx.req.body.len() * 2 + 2048);
    match format {
        EventFormat::RestV1 => proxy_v1::write(ctx, false, out),
        EventFormat::HttpV1 => proxy_v1::write(ctx, true, out),
        EventFormat::HttpV2 => proxy_v2::write(ctx, false, out),
        EventFormat::FunctionUrl => proxy_v2::write(ctx, true, out),
    }
}

/// The error for an event requested before the route phase ran (a wiring bug, not a client's).
pub(crate) fn unrouted() -> GatewayError {
    GatewayError::ApiConfiguration("proxy event built for an unrouted request".into())
}

/// How the request body goes into the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyMode {
    /// No body: `null` (1.0) or omitted (2.0), `isBase64Encoded: false`.
    Absent,
    /// The body as a JSON string when it is UTF-8; base64 when it is not (a JSON string cannot
    /// carry it), decided while it is escaped.
    Text,
    /// The body base64-encoded, `isBase64Encoded: true`.
    Base64,
}

/// REST rule (§3.5): base64 when `Content-Type` matches `binaryMediaTypes`, or when the body is
/// not UTF-8 (a JSON string cannot carry it otherwise: [`BodyMode::Text`] falls back); text
/// otherwise.
pub(crate) fn body_mode_rest(ctx: &RequestCtx) -> BodyMode {
    let body = &ctx.req.body;
    if body.is_empty() {
        return BodyMode::Absent;
    }
    let binary = ctx
        .req
        .headers
        .get_str("content-type")
        .is_some_and(|ct| ctx.api.binary_media_types.matches(ct));
    if binary {
        BodyMode::Base64
    } else {
        BodyMode::Text
    }
}

/// HTTP API / Function URL rule (§5.1): text only for textual content types with a UTF-8 body
/// (the UTF-8 test is [`BodyMode::Text`]'s fallback); everything else (no content type, forms,
/// multipart, images...) is base64.
pub(crate) fn body_mode_textual(ctx: &RequestCtx) -> BodyMode {
    let body = &ctx.req.body;
    if body.is_empty() {
        return BodyMode::Absent;
    }
    let textual = ctx
        .req
        .headers
        .get_str("content-type")
        .is_some_and(is_textual);
    if textual {
        BodyMode::Text
    } else {
        BodyMode::Base64
    }
}

/// `text/*`, JSON, XML and JavaScript media types.
pub(crate) fn is_textual(content_type: &str) -> bool {
    let Some((ty, sub)) = media::essence(content_type) else {
        return false;
    };
    let sub = sub.to_ascii_lowercase();
    ty.eq_ignore_ascii_case("text")
        || (ty.eq_ignore_ascii_case("application")
            && (sub == "json"
                || sub.ends_with("+json")
                || sub == "xml"
                || sub.ends_with("+xml")
                || sub == "javascript"
                || sub == "x-javascript"
                || sub == "ecmascript"))
}

/// Writes the body value for `mode` (`null` when absent) and returns `isBase64Encoded`.
pub(crate) fn write_body(out: &mut Vec<u8>, body: &[u8], mode: BodyMode) -> bool {
    match mode {
        BodyMode::Absent => {
            out.extend_from_slice(b"null");
            false
        }
        BodyMode::Text if json_out::utf8_string(out, body) => false,
        BodyMode::Text | BodyMode::Base64 => {
            out.push(b'"');
            let start = out.len();
            let len = base64::encoded_len(body.len(), true).unwrap_or(0);
            out.resize(start + len, 0);
            let written = base64::engine::general_purpose::STANDARD
                .encode_slice(body, &mut out[start..])
                .unwrap_or(0);
            out.truncate(start + written);
            out.push(b'"');
            true
        }
    }
}

/// Writes `"dd/MMM/yyyy:HH:mm:ss +0000"` (quoted) for epoch milliseconds, UTC.
pub(crate) fn write_clf_time(out: &mut Vec<u8>, epoch_ms: u64) {
    out.push(b'"');
    out.extend_from_slice(
        crate::gateway::clf_time::format(epoch_ms)
            .as_str()
            .as_bytes(),
    );
    out.push(b'"');
}

/// `domainPrefix`: the first DNS label of the domain.
pub(crate) fn domain_prefix(domain: &str) -> &str {
    domain.split('.').next().unwrap_or(domain)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn textual_types() {
        for t in [
            "text/plain",
            "TEXT/html; charset=utf-8",
            "application/json",
            "application/vnd.api+json",
            "application/xml",
            "application/javascript",
        ] {
            assert!(is_textual(t), "{t}");
        }
        for t in [
            "application/octet-stream",
            "multipart/form-data; boundary=x",
            "image/png",
            "application/x-www-form-urlencoded",
            "",
        ] {
            assert!(!is_textual(t), "{t}");
        }
    }

    #[test]
    fn text_body_falls_back_to_base64_when_not_utf8() {
        let mut o = Vec::new();
        assert!(!write_body(
            &mut o,
            "{\"k\":\"é\"}".as_bytes(),
            BodyMode::Text
        ));
        assert_eq!(o, "\"{\\\"k\\\":\\\"é\\\"}\"".as_bytes());
        // Invalid UTF-8 after a long valid prefix: nothing of the text attempt is left.
        let mut o = b"x".to_vec();
        let mut body = b"\"0123456789abcdef\" ".repeat(3);
        body.push(0xff);
        assert!(write_body(&mut o, &body, BodyMode::Text));
        let mut want = b"x\"".to_vec();
        want.extend_from_slice(
            base64::engine::general_purpose::STANDARD
                .encode(&body)
                .as_bytes(),
        );
        want.push(b'"');
        assert_eq!(o, want);
    }

    #[test]
    fn base64_body() {
        let mut o = Vec::new();
        assert!(write_body(&mut o, b"\x89PNG\r\n\x1a\n", BodyMode::Base64));
        assert_eq!(o, b"\"iVBORw0KGgo=\"");
    }
}
