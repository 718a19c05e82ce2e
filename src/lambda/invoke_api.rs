//! The Lambda Invoke API call (`invokeUrl`): `POST /2015-03-31/functions/{name}/invocations`.
//!
//! The payload is sent as is with `Content-Type: application/json`,
//! `X-Amz-Invocation-Type: RequestResponse` and the request's `X-Amzn-Trace-Id` (spec proxy-auth
//! §7.1). The same request works against AWS's endpoint (where unsigned calls are refused) and a
//! Runtime Interface Emulator (§7.3), which ignores the function name and the invocation type.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{Method, Uri};

use super::outcome::{classify_invoke_reply, Invocation};
use super::reply::{content_length, field, request_line, Outgoing, Reply};
use super::InvokeError;
use crate::trace_context::TraceContext;

/// `X-Amz-Invocation-Type`: wait for the result.
pub const INVOCATION_TYPE: &str = "x-amz-invocation-type";
/// `X-Amz-Function-Error`: present only when the function failed.
pub const FUNCTION_ERROR: &str = "x-amz-function-error";
/// `x-amzn-ErrorType`: the AWS error type of a service error.
pub const ERROR_TYPE: &str = "x-amzn-errortype";
/// `X-Amzn-Trace-Id`.
pub const TRACE_ID: &str = "x-amzn-trace-id";

// The names inserted on every call, built at compile time: inserting a `&str` name that is not
// one of the http crate's standard headers allocates a copy of it each time.
const INVOCATION_TYPE_NAME: HeaderName = HeaderName::from_static(INVOCATION_TYPE);
const TRACE_ID_NAME: HeaderName = HeaderName::from_static(TRACE_ID);
const TRACEPARENT_NAME: HeaderName = HeaderName::from_static(crate::trace_context::TRACEPARENT);

/// The Invoke API request for `payload`, for the pooled client (HTTPS, or outside a client
/// connection); [`InvokeCall`] writes the same request on the hot path.
pub fn build_request(
    url: &Uri,
    payload: Bytes,
    trace: &TraceContext,
) -> Result<http::Request<Bytes>, InvokeError> {
    // Built in place rather than through `http::request::Builder`, whose checks (re-validating
    // a method, URI and header names that are constants or already parsed) cost on every call.
    let mut req = http::Request::new(payload);
    *req.method_mut() = Method::POST;
    *req.uri_mut() = url.clone();
    let headers = req.headers_mut();
    headers.reserve(4);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        INVOCATION_TYPE_NAME,
        HeaderValue::from_static("RequestResponse"),
    );
    set_trace_headers(headers, trace);
    Ok(req)
}

/// Sets `X-Amzn-Trace-Id` and the same trace as W3C `traceparent` (see
/// [`TraceContext::call_traceparent`]) on a call to a function (Invoke API or Function URL). The
/// trace id is ours or the client's, already a valid header value; one that is not is dropped
/// rather than failing the call.
pub fn set_trace_headers(headers: &mut http::HeaderMap, trace: &TraceContext) {
    if let Ok(v) = HeaderValue::from_str(trace.amzn_trace_id()) {
        headers.insert(TRACE_ID_NAME, v);
    }
    if let Ok(v) = HeaderValue::from_str(trace.call_traceparent().as_str()) {
        headers.insert(TRACEPARENT_NAME, v);
    }
}

/// The Invoke API request on the hot path: the same head as [`build_request`]'s, written
/// straight into the connection's buffer with no header map in between.
pub struct InvokeCall<'a> {
    url: &'a Uri,
    payload: Bytes,
    trace: &'a TraceContext,
}

impl<'a> InvokeCall<'a> {
    /// The call of `url` with `payload`, carrying `trace`.
    pub fn new(url: &'a Uri, payload: Bytes, trace: &'a TraceContext) -> Self {
        InvokeCall {
            url,
            payload,
            trace,
        }
    }
}

impl Outgoing for InvokeCall<'_> {
    fn uri(&self) -> &Uri {
        self.url
    }

    fn body(&self) -> &Bytes {
        &self.payload
    }

    fn is_head(&self) -> bool {
        false
    }

    fn write_head(&self, out: &mut Vec<u8>, host: &[u8]) {
        request_line(out, "POST", self.url);
        field(out, b"host", host);
        out.extend_from_slice(
            b"content-type: application/json\r\nx-amz-invocation-type: RequestResponse\r\n",
        );
        let amzn = self.trace.amzn_trace_id().as_bytes();
        // The rule `HeaderValue::from_str` applies on the general path.
        if crate::message::headers::is_field_value(amzn) {
            field(out, TRACE_ID.as_bytes(), amzn);
        }
        field(
            out,
            TRACEPARENT_NAME.as_str().as_bytes(),
            self.trace.call_traceparent().as_str().as_bytes(),
        );
        content_length(out, self.payload.len());
        out.extend_from_slice(b"\r\n");
    }
}

/// Classifies the hot path's reply (see [`classify_invoke_reply`]).
pub fn classify(mut reply: Reply) -> Result<Invocation, InvokeError> {
    // The body moves out (the field lookups borrow only the head), no reference count taken.
    let body = std::mem::take(&mut reply.body);
    classify_invoke_reply(
        reply.status.as_u16(),
        reply.get(FUNCTION_ERROR),
        reply.get(ERROR_TYPE),
        body,
    )
}

/// Classifies the Invoke API's reply (see [`classify_invoke_reply`]).
pub fn read_reply(reply: http::Response<Bytes>) -> Result<Invocation, InvokeError> {
    let (parts, body) = reply.into_parts();
    classify_invoke_reply(
        parts.status.as_u16(),
        parts.headers.get(FUNCTION_ERROR).map(HeaderValue::as_bytes),
        parts.headers.get(ERROR_TYPE).map(HeaderValue::as_bytes),
        body,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::lambda::FunctionErrorKind;

    #[test]
    fn request_carries_the_invoke_headers() {
        let url: Uri = "http://127.0.0.1:9001/2015-03-31/functions/function/invocations"
            .parse()
            .unwrap();
        let trace = TraceContext::from_amzn(TRACE).unwrap();
        let req = build_request(&url, Bytes::from_static(b"{}"), &trace).unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.uri(), &url);
        assert_eq!(req.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(req.headers()[INVOCATION_TYPE], "RequestResponse");
        assert_eq!(req.headers()[TRACE_ID], TRACE);
        assert_eq!(
            req.headers()["traceparent"],
            "00-5e1b41515ac6c58f5b5dbd0a9c8a1e7f-53995c3f42cd8ad8-01"
        );
        let bad = TraceContext::from_amzn(&format!("{TRACE};Note=\u{1}")).unwrap();
        let req = build_request(&url, Bytes::new(), &bad).unwrap();
        assert!(req.headers().get(TRACE_ID).is_none());
        assert!(req.headers().get("traceparent").is_some());
    }

    #[test]
    fn the_hot_path_writes_the_same_head() {
        let url: Uri = "http://127.0.0.1:9001/2015-03-31/functions/function/invocations"
            .parse()
            .unwrap();
        let trace = TraceContext::from_amzn(TRACE).unwrap();
        let call = InvokeCall::new(&url, Bytes::from_static(b"{}"), &trace);
        let mut fast = Vec::new();
        call.write_head(&mut fast, b"127.0.0.1:9001");
        let req = build_request(&url, Bytes::from_static(b"{}"), &trace).unwrap();
        let mut general = Vec::new();
        req.write_head(&mut general, b"127.0.0.1:9001");
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            String::from_utf8(general).unwrap()
        );
        // A trace id that is no header value is left out by both.
        let bad = TraceContext::from_amzn(&format!("{TRACE};Note=\u{1}")).unwrap();
        let mut fast = Vec::new();
        InvokeCall::new(&url, Bytes::new(), &bad).write_head(&mut fast, b"h");
        let mut general = Vec::new();
        build_request(&url, Bytes::new(), &bad)
            .unwrap()
            .write_head(&mut general, b"h");
        assert_eq!(fast, general);
        assert!(!String::from_utf8(fast).unwrap().contains("x-amzn-trace-id"));
        assert_eq!(call.body().as_ref(), b"{}");
        assert!(!call.is_head());
    }

    const TRACE: &str =
        "Root=1-5e1b4151-5ac6c58f5b5dbd0a9c8a1e7f;Parent=53995c3f42cd8ad8;Sampled=1";

    #[test]
    fn reads_the_function_error_header() {
        let reply = http::Response::builder()
            .status(200)
            .header("X-Amz-Function-Error", "Unhandled")
            .body(Bytes::from_static(br#"{"errorMessage":"x"}"#))
            .unwrap();
        let inv = read_reply(reply).unwrap();
        assert_eq!(inv.function_error, Some(FunctionErrorKind::Unhandled));
        let reply = http::Response::builder()
            .status(429)
            .header("x-amzn-ErrorType", "TooManyRequestsException")
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        assert_eq!(
            read_reply(reply).unwrap_err(),
            InvokeError::Service {
                status: 429,
                error_type: Some("TooManyRequestsException".into())
            }
        );
    }
}
