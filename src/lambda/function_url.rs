//! Lambda Function URLs (`functionUrl` targets): forwarding a client request, and invoking a
//! function through its URL.
//!
//! **Forwarding** (AWS_PROXY with a Function URL upstream; the Function URL builds its own event,
//! spec proxy-auth §7.4): the same method; the request's raw path and query appended to the URL's
//! base path; the body as is; the client's headers minus hop-by-hop fields (`Connection`,
//! `Keep-Alive`, `Proxy-*`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`, and those `Connection`
//! names), minus `Content-Length` and `Expect` (the body is already complete; the client sets its
//! own length). `Host` becomes the URL's host; `X-Forwarded-For` gets the client IP appended;
//! `X-Forwarded-Proto` (`http`: apigate's listener is plain HTTP), `X-Forwarded-Host` (the
//! client's `Host`) and `X-Forwarded-Port` (the local port) are set. The HTTP client sends header
//! names in lower case, which HTTP allows.
//!
//! The upstream response is returned with its status, body and headers, minus hop-by-hop fields
//! and minus `Content-Length` / `Date`, which apigate's server writes itself. Its header names are
//! lower case, as the HTTP client reports them (a Function URL sends lower-case names anyway).
//!
//! **Invoking through a URL** (custom integrations, authorizers): `POST` of the payload to the URL.
//! A 2xx body is the function's result; the Function URL's `502 Internal Server Error` is how it
//! reports a function error; any other status is a service error (403 = access denied).

use bytes::{BufMut, Bytes, BytesMut};
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, HOST};
use http::uri::{Authority, PathAndQuery, Uri};
use http::{HeaderMap, Method};

use super::invoke_api::ERROR_TYPE;
use super::outcome::{service_error_type, FunctionErrorKind, Invocation};
use super::InvokeError;
use crate::message::{HeaderList, Request, Response};
use crate::trace_context::TraceContext;

/// Header fields that describe one connection and never cross a proxy (RFC 9110 §7.6.1), plus
/// those apigate rewrites or that no longer apply to a fully buffered message.
const NOT_FORWARDED: [&str; 9] = [
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "expect",
];

/// The `X-Forwarded-*` fields apigate sets itself.
const FORWARDED: [&str; 4] = [
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-forwarded-port",
];

/// The `POST` that invokes a function through its URL.
pub fn build_invoke_request(
    url: &Uri,
    payload: Bytes,
    trace: &crate::trace_context::TraceContext,
) -> Result<http::Request<Bytes>, InvokeError> {
    let mut req = http::Request::builder()
        .method(Method::POST)
        .uri(url.clone())
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(payload)
        .map_err(|e| InvokeError::Request(e.to_string()))?;
    super::invoke_api::set_trace_headers(req.headers_mut(), trace);
    Ok(req)
}

/// Reads a Function URL's answer to an invoking `POST`.
pub fn classify_invoke_reply(reply: http::Response<Bytes>) -> Result<Invocation, InvokeError> {
    let (parts, body) = reply.into_parts();
    let function_error = match parts.status.as_u16() {
        200..=299 => None,
        502 => Some(FunctionErrorKind::FunctionUrl),
        status => {
            return Err(InvokeError::Service {
                status,
                error_type: service_error_type(
                    parts.headers.get(ERROR_TYPE).map(HeaderValue::as_bytes),
                    &body,
                ),
            })
        }
    };
    Ok(Invocation {
        payload: body,
        function_error,
    })
}

/// The upstream request that forwards `req` to the Function URL `url`. It carries the request's
/// trace (`X-Amzn-Trace-Id` and `traceparent`, replacing the client's), so the function sees
/// the trace id the client gets back.
pub fn build_forward_request(
    url: &Uri,
    req: &Request,
    trace: &TraceContext,
) -> Result<http::Request<Bytes>, InvokeError> {
    let uri = forward_uri(url, req)?;
    let authority = uri
        .authority()
        .ok_or_else(|| InvokeError::Request("the function URL has no host".into()))?;
    let mut headers = HeaderMap::with_capacity(req.headers.len() + 4);
    let named = connection_tokens(&req.headers);
    let mut forwarded_for: Option<String> = None;
    for (name, value) in req.headers.iter() {
        if name.eq_ignore_ascii_case(b"x-forwarded-for") {
            if let Ok(v) = std::str::from_utf8(value) {
                let list = forwarded_for.get_or_insert_with(String::new);
                if !list.is_empty() {
                    list.push_str(", ");
                }
                list.push_str(v.trim());
            }
            continue;
        }
        if is_not_forwarded(name, &named) {
            continue;
        }
        let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name),
            HeaderValue::from_maybe_shared(value.clone()),
        ) else {
            tracing::debug!("header not forwardable to the function URL; dropped");
            continue;
        };
        headers.append(n, v);
    }

    set(&mut headers, HOST, authority.as_str());
    let client_ip = req.remote.ip().to_string();
    let forwarded_for = match forwarded_for {
        Some(list) if !list.is_empty() => format!("{list}, {client_ip}"),
        _ => client_ip,
    };
    set(&mut headers, FORWARDED[0], &forwarded_for);
    set(&mut headers, FORWARDED[1], "http");
    if let Some(host) = req.headers.get("host") {
        if let Ok(v) = HeaderValue::from_maybe_shared(host.clone()) {
            headers.insert(FORWARDED[2], v);
        }
    }
    headers.insert(FORWARDED[3], HeaderValue::from(req.local.port()));
    super::invoke_api::set_trace_headers(&mut headers, trace);

    let mut upstream = http::Request::builder()
        .method(req.method.clone())
        .uri(uri)
        .body(req.body.clone())
        .map_err(|e| InvokeError::Request(e.to_string()))?;
    *upstream.headers_mut() = headers;
    Ok(upstream)
}

/// The upstream response as the gateway's [`Response`].
pub fn into_response(reply: http::Response<Bytes>) -> Response {
    let (parts, body) = reply.into_parts();
    let named: Vec<String> = parts
        .headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let kept = || {
        parts.headers.iter().filter(|(n, _)| {
            let n = n.as_str();
            !(is_hop_by_hop(n.as_bytes())
                || n == "content-length"
                || n == "date"
                || named.iter().any(|t| t == n))
        })
    };
    // One buffer for every name and value, sliced into the list: one allocation, not two per field.
    let size: usize = kept().map(|(n, v)| n.as_str().len() + v.len()).sum();
    let mut buf = BytesMut::with_capacity(size);
    let mut spans = Vec::with_capacity(parts.headers.len());
    for (n, v) in kept() {
        let start = buf.len();
        buf.put_slice(n.as_str().as_bytes());
        let mid = buf.len();
        buf.put_slice(v.as_bytes());
        spans.push((start, mid, buf.len()));
    }
    let buf = buf.freeze();
    let mut headers = HeaderList::with_capacity(spans.len());
    for (start, mid, end) in spans {
        // Names and values come from a parsed HTTP message, so they can be written back as they are.
        headers.push_unchecked(buf.slice(start..mid), buf.slice(mid..end));
    }
    Response {
        status: parts.status.as_u16(),
        headers,
        body,
    }
}

/// The Function URL's scheme and host, its base path without a trailing `/`, then the request's
/// raw path and query (never decoded).
fn forward_uri(url: &Uri, req: &Request) -> Result<Uri, InvokeError> {
    let base = url.path().trim_end_matches('/');
    let raw_path = req.raw_path();
    let query = req.raw_query();
    let mut pq =
        Vec::with_capacity(base.len() + raw_path.len() + query.map_or(0, |q| q.len() + 1) + 1);
    pq.extend_from_slice(base.as_bytes());
    if !raw_path.starts_with(b"/") {
        pq.push(b'/');
    }
    pq.extend_from_slice(raw_path);
    if let Some(q) = query {
        pq.push(b'?');
        pq.extend_from_slice(q);
    }
    let pq = PathAndQuery::from_maybe_shared(Bytes::from(pq))
        .map_err(|e| InvokeError::Request(format!("request target: {e}")))?;
    let authority: Authority = url
        .authority()
        .cloned()
        .ok_or_else(|| InvokeError::Request("the function URL has no host".into()))?;
    Uri::builder()
        .scheme(url.scheme_str().unwrap_or("http"))
        .authority(authority)
        .path_and_query(pq)
        .build()
        .map_err(|e| InvokeError::Request(e.to_string()))
}

/// Whether a header is hop-by-hop (the fixed list and `Proxy-*`).
fn is_hop_by_hop(name: &[u8]) -> bool {
    NOT_FORWARDED[..6]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h.as_bytes()))
        || (name.len() >= 6 && name[..6].eq_ignore_ascii_case(b"proxy-"))
}

/// Whether a client header is left out of the forwarded request.
fn is_not_forwarded(name: &[u8], connection_named: &[Bytes]) -> bool {
    is_hop_by_hop(name)
        || NOT_FORWARDED[6..]
            .iter()
            .chain(FORWARDED[1..].iter())
            .any(|h| name.eq_ignore_ascii_case(h.as_bytes()))
        || connection_named
            .iter()
            .any(|t| name.eq_ignore_ascii_case(t))
}

/// The field names listed in the request's `Connection` headers.
fn connection_tokens(headers: &HeaderList) -> Vec<Bytes> {
    let mut out = Vec::new();
    for value in headers.get_all("connection") {
        for token in value.split(|&b| b == b',') {
            let token = token.trim_ascii();
            if !token.is_empty() {
                out.push(value.slice_ref(token));
            }
        }
    }
    out
}

/// Replaces a header with a value built by apigate (skipped if it cannot be a header value).
fn set(headers: &mut HeaderMap, name: impl http::header::IntoHeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn client_request() -> Request {
        let mut req = Request::for_test(Method::PUT, "/items/a%2Fb?x=1&x=2");
        let h = &mut req.headers;
        h.push("Host", "api.example.com").unwrap();
        h.push("Connection", "keep-alive, X-Secret").unwrap();
        h.push("Keep-Alive", "timeout=5").unwrap();
        h.push("X-Secret", "hop").unwrap();
        h.push("Proxy-Authorization", "Basic x").unwrap();
        h.push("TE", "trailers").unwrap();
        h.push("Upgrade", "h2c").unwrap();
        h.push("X-Forwarded-For", "203.0.113.9").unwrap();
        h.push("X-Forwarded-Proto", "https").unwrap();
        h.push("Content-Length", "3").unwrap();
        h.push("X-Custom", "kept").unwrap();
        h.push("x-custom", "twice").unwrap();
        req.body = Bytes::from_static(b"abc");
        req
    }

    #[test]
    fn forwarded_request_rewrites_and_strips() {
        let url: Uri = "https://abc.lambda-url.us-east-1.on.aws/base/"
            .parse()
            .unwrap();
        let req = client_request();
        let up = build_forward_request(&url, &req, &TraceContext::from_headers(&req.headers, 1))
            .unwrap();
        assert_eq!(up.method(), Method::PUT);
        assert_eq!(
            up.uri().to_string(),
            "https://abc.lambda-url.us-east-1.on.aws/base/items/a%2Fb?x=1&x=2"
        );
        let h = up.headers();
        assert_eq!(h[HOST], "abc.lambda-url.us-east-1.on.aws");
        assert_eq!(h["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
        assert_eq!(h["x-forwarded-proto"], "http");
        assert_eq!(h["x-forwarded-host"], "api.example.com");
        assert_eq!(h["x-forwarded-port"], "8080");
        for gone in [
            "connection",
            "keep-alive",
            "x-secret",
            "proxy-authorization",
            "te",
            "upgrade",
            "content-length",
        ] {
            assert!(h.get(gone).is_none(), "{gone} was forwarded");
        }
        let custom: Vec<_> = h.get_all("x-custom").iter().collect();
        assert_eq!(custom, ["kept", "twice"]);
    }

    #[test]
    fn forwarded_request_carries_the_requests_trace() {
        let url: Uri = "http://127.0.0.1:9000".parse().unwrap();
        let mut req = Request::for_test(Method::GET, "/");
        let client = "Root=1-5e600000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
        req.headers.push("X-Amzn-Trace-Id", client).unwrap();
        req.headers
            .push(
                "traceparent",
                "00-ffffffffffffffffffffffffffffffff-0000000000000001-00",
            )
            .unwrap();
        let trace = TraceContext::from_headers(&req.headers, 1);
        let up = build_forward_request(&url, &req, &trace).unwrap();
        let h = up.headers();
        assert_eq!(h.get_all("x-amzn-trace-id").iter().count(), 1);
        assert_eq!(h["x-amzn-trace-id"], trace.amzn_trace_id());
        assert_eq!(h.get_all("traceparent").iter().count(), 1);
        assert_eq!(h["traceparent"], trace.call_traceparent().as_str());
    }

    #[test]
    fn root_url_and_no_query() {
        let url: Uri = "http://127.0.0.1:9000".parse().unwrap();
        let req = Request::for_test(Method::GET, "/");
        let up = build_forward_request(&url, &req, &TraceContext::from_headers(&req.headers, 1))
            .unwrap();
        assert_eq!(up.uri().to_string(), "http://127.0.0.1:9000/");
        assert_eq!(up.headers()["x-forwarded-for"], "127.0.0.1");
        assert!(up.headers().get("x-forwarded-host").is_none());
    }

    #[test]
    fn response_drops_hop_by_hop_and_framing() {
        let reply = http::Response::builder()
            .status(418)
            .header("Content-Type", "text/plain")
            .header("Connection", "x-hop")
            .header("X-Hop", "1")
            .header("Transfer-Encoding", "chunked")
            .header("Content-Length", "2")
            .header("Date", "Mon, 01 Jan 2024 00:00:00 GMT")
            .header("Set-Cookie", "a=1")
            .header("Set-Cookie", "b=2")
            .body(Bytes::from_static(b"hi"))
            .unwrap();
        let resp = into_response(reply);
        assert_eq!(resp.status, 418);
        assert_eq!(resp.body, Bytes::from_static(b"hi"));
        let names: Vec<_> = resp.headers.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names, ["content-type", "set-cookie", "set-cookie"]);
        assert_eq!(resp.headers.get_first_str("set-cookie"), Some("a=1"));
    }

    #[test]
    fn invoking_through_a_url() {
        let reply = |status: u16, body: &'static str| {
            http::Response::builder()
                .status(status)
                .body(Bytes::from_static(body.as_bytes()))
                .unwrap()
        };
        let ok = classify_invoke_reply(reply(200, r#"{"a":1}"#)).unwrap();
        assert_eq!(ok.function_error, None);
        let failed = classify_invoke_reply(reply(502, "Internal Server Error")).unwrap();
        assert_eq!(failed.function_error, Some(FunctionErrorKind::FunctionUrl));
        let denied = classify_invoke_reply(
            http::Response::builder()
                .status(403)
                .header("x-amzn-ErrorType", "AccessDeniedException")
                .body(Bytes::from_static(br#"{"Message":null}"#))
                .unwrap(),
        )
        .unwrap_err();
        assert!(denied.is_access_denied());
    }
}
