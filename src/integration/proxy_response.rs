//! [`read_response`]: a function's result (the Invoke response payload) turned into the client
//! response per the proxy contract of the event format; [`add_response_ids`]: the id headers
//! API Gateway adds to every integration response.
//!
//! The payload is parsed once with simd-json's tape (no value tree; strings unescaped in place in
//! the payload buffer). The response body is then a slice of that same buffer whenever possible,
//! so a payload is copied at most once (none when the caller's `Bytes` is uniquely owned).

use std::cell::RefCell;

use bytes::Bytes;
use simd_json::{Buffers, Tape};

use crate::config::model::ApiKind;
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::integration::{response_v1, response_v2, EventFormat};
use crate::message::Response;

/// Reads the function's result `payload` (the Invoke response body of a successful, non-error
/// invocation) as the response the client gets. Contract violations are
/// `MalformedProxyResponse`; a REST base64 body that cannot be decoded is `ApiConfiguration`.
pub fn read_response(
    ctx: &RequestCtx,
    format: EventFormat,
    payload: Bytes,
) -> Result<Response, GatewayError> {
    match format {
        EventFormat::RestV1 => response_v1::read(ctx, false, payload),
        EventFormat::HttpV1 => response_v1::read(ctx, true, payload),
        EventFormat::HttpV2 | EventFormat::FunctionUrl => response_v2::read(payload),
    }
}

/// Results up to this size are parsed with this thread's reused parser buffers; a larger one gets
/// buffers of its own, so one big result does not pin its size in memory per thread.
const REUSED_BUFFERS_UP_TO: usize = 64 * 1024;

thread_local! {
    static BUFFERS: RefCell<Option<Buffers>> = const { RefCell::new(None) };
}

/// Parses a result in place into a tape. The parser's working buffers (its padded copy of the
/// input, structural indexes, stack) are kept per thread and reused: a fresh set costs four
/// allocations per request.
pub(crate) fn parse_result(buf: &mut [u8]) -> simd_json::Result<Tape<'_>> {
    if buf.len() > REUSED_BUFFERS_UP_TO {
        return simd_json::to_tape(buf);
    }
    // Taken out rather than borrowed: nothing else holds it during the parse, and a nested call
    // (not expected) would simply get a fresh set.
    let mut buffers = BUFFERS.with(|b| b.borrow_mut().take()).unwrap_or_default();
    let tape = simd_json::to_tape_with_buffers(buf, &mut buffers);
    BUFFERS.with(|b| *b.borrow_mut() = Some(buffers));
    tape
}

/// Room a proxy response's header list keeps for [`add_response_ids`] (two ids and the two trace
/// headers at most), so adding them does not regrow it.
pub(crate) const RESPONSE_ID_FIELDS: usize = 4;

/// Adds the ids API Gateway puts on integration responses (existing copies are replaced):
/// REST `x-amzn-RequestId` and `x-amz-apigw-id` always, `X-Amzn-Trace-Id` when the integration
/// succeeded; HTTP APIs `apigw-requestid`; Function URLs `x-amzn-RequestId` and, on success,
/// `X-Amzn-Trace-Id` (as real Function URL responses carry).
pub fn add_response_ids(ctx: &RequestCtx, resp: &mut Response, integration_succeeded: bool) {
    let h = &mut resp.headers;
    match ctx.api.kind {
        ApiKind::Rest => {
            set_id(h, "x-amzn-RequestId", &ctx.request_id);
            set_id(h, "x-amz-apigw-id", &ctx.extended_request_id);
            if integration_succeeded {
                ctx.trace.apply_to_response(h);
            }
        }
        ApiKind::Http => set_id(h, "apigw-requestid", &ctx.request_id),
        ApiKind::FunctionUrl => {
            set_id(h, "x-amzn-RequestId", &ctx.request_id);
            if integration_succeeded {
                ctx.trace.apply_to_response(h);
            }
        }
    }
}

/// Replaces `name` with a generated id (always a valid field value).
fn set_id(h: &mut crate::message::HeaderList, name: &'static str, value: &str) {
    h.remove(name.as_bytes());
    h.push_unchecked(
        Bytes::from_static(name.as_bytes()),
        Bytes::copy_from_slice(value.as_bytes()),
    );
}

/// Where a response body comes from once parsing is done.
#[derive(Debug)]
pub(crate) enum BodyOut {
    /// No body.
    Empty,
    /// A byte range of the payload buffer (a string unescaped in place).
    Range(usize, usize),
    /// Bytes made while parsing (base64-decoded, or a string simd-json kept elsewhere).
    Owned(Vec<u8>),
}

impl BodyOut {
    /// Locates `text` in the buffer that starts at address `base` and is `len` long.
    pub(crate) fn of_str(text: &str, base: usize, len: usize) -> BodyOut {
        if text.is_empty() {
            return BodyOut::Empty;
        }
        let start = (text.as_ptr() as usize).wrapping_sub(base);
        if start < len && start + text.len() <= len {
            BodyOut::Range(start, start + text.len())
        } else {
            BodyOut::Owned(text.as_bytes().to_vec())
        }
    }

    /// The body, sharing `buf`'s allocation for a range.
    pub(crate) fn into_bytes(self, buf: Vec<u8>) -> Bytes {
        match self {
            BodyOut::Empty => Bytes::new(),
            BodyOut::Range(s, e) => Bytes::from(buf).slice(s..e),
            BodyOut::Owned(v) => Bytes::from(v),
        }
    }
}

/// `statusCode` as API Gateway accepts it: an integer, or a string holding one, within 100..=599.
pub(crate) fn status_of(v: simd_json::tape::Value<'_, '_>) -> Result<u16, GatewayError> {
    use simd_json::prelude::*;
    let n: Option<i64> = if let Some(n) = v.as_i64() {
        Some(n)
    } else if let Some(n) = v.as_u64() {
        i64::try_from(n).ok()
    } else if let Some(f) = v.as_f64() {
        (f.fract() == 0.0 && f.abs() < 1e6).then_some(f as i64)
    } else if let Some(s) = v.as_str() {
        s.trim().parse::<i64>().ok()
    } else {
        None
    };
    match n {
        Some(n @ 100..=599) => Ok(n as u16),
        _ => Err(malformed("statusCode is not an integer in 100..=599")),
    }
}

pub(crate) fn malformed(why: &str) -> GatewayError {
    GatewayError::MalformedProxyResponse(why.to_string())
}
