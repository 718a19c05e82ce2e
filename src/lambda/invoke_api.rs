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
use super::InvokeError;

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

/// The Invoke API request for `payload`.
pub fn build_request(
    url: &Uri,
    payload: Bytes,
    trace_id: &str,
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
    set_trace_headers(headers, trace_id);
    Ok(req)
}

/// Sets `X-Amzn-Trace-Id` and the same trace as W3C `traceparent` on a call to a function
/// (Invoke API or Function URL). The trace id is ours or the client's, already a valid header
/// value; one that is not is dropped rather than failing the call.
pub fn set_trace_headers(headers: &mut http::HeaderMap, trace_id: &str) {
    if let Ok(v) = HeaderValue::from_str(trace_id) {
        headers.insert(TRACE_ID_NAME, v);
    }
    // The derived value is ours already: the header value takes it over instead of copying it.
    if let Some(v) = crate::trace_context::traceparent_for(trace_id)
        .and_then(|tp| HeaderValue::from_maybe_shared(Bytes::from(tp)).ok())
    {
        headers.insert(TRACEPARENT_NAME, v);
    }
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
        let req = build_request(&url, Bytes::from_static(b"{}"), "Root=1-a-b").unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.uri(), &url);
        assert_eq!(req.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(req.headers()[INVOCATION_TYPE], "RequestResponse");
        assert_eq!(req.headers()[TRACE_ID], "Root=1-a-b");
        let req = build_request(&url, Bytes::new(), "bad\nvalue").unwrap();
        assert!(req.headers().get(TRACE_ID).is_none());
    }

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
