//! HTTP/2 with prior knowledge (h2c): hyper's server, with requests and responses converted
//! to and from the gateway's message types.
//!
//! HTTP/2 header names are lower-case on the wire, so nothing is lost by going through
//! `http::HeaderMap` here. The connection's first bytes were already read while sniffing the
//! protocol; [`Rewind`] hands them back to hyper before reading the socket again.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, HOST};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::state::Drained;
use super::{Handler, Shared};
use crate::message::{BodyState, HeaderList, Protocol, Request, Response};

/// Serves an h2c connection until it ends or the drain period closes it.
pub(crate) async fn serve<H: Handler>(
    shared: Arc<Shared<H>>,
    stream: TcpStream,
    prefix: Bytes,
    remote: SocketAddr,
    local: SocketAddr,
    mut drained: Drained,
) {
    let io = TokioIo::new(Rewind { prefix, stream });
    let mut builder = http2::Builder::new(TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(shared.settings.max_header_bytes).unwrap_or(u32::MAX));
    let svc_shared = Arc::clone(&shared);
    let service = service_fn(move |req| {
        let shared = Arc::clone(&svc_shared);
        async move { Ok::<_, Infallible>(exchange(shared, req, remote, local).await) }
    });
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        () = &mut drained => {
            // GOAWAY: streams in flight finish, no new ones start.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, %remote, "h2 connection ended with an error");
    }
}

/// One stream: collect the body, call the handler, convert the answer.
async fn exchange<H: Handler>(
    shared: Arc<Shared<H>>,
    req: http::Request<Incoming>,
    remote: SocketAddr,
    local: SocketAddr,
) -> http::Response<Full<Bytes>> {
    let received = std::time::Instant::now();
    let settings = &shared.settings;
    let (parts, body) = req.into_parts();
    let max = settings.max_body_bytes;
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok());
    let (body, body_state) = if declared.is_some_and(|n| n > max as u64) {
        (Bytes::new(), BodyState::TooLarge)
    } else {
        let collect = Limited::new(body, max).collect();
        match tokio::time::timeout(settings.body_read_timeout, collect).await {
            Ok(Ok(collected)) => (collected.to_bytes(), BodyState::Complete),
            Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
                (Bytes::new(), BodyState::TooLarge)
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "h2 request body failed");
                return plain(400);
            }
            Err(_) => {
                tracing::debug!("h2 request body timed out");
                return plain(408);
            }
        }
    };
    let head_request = parts.method == http::Method::HEAD;
    // HTTP/2 carries the target in `:path` and the host in `:authority`; the gateway reads both
    // as HTTP/1.1 fields, so they are copied out (h2 only; HTTP/1.1 stays zero-copy).
    let target = parts
        .uri
        .path_and_query()
        .map(|pq| Bytes::copy_from_slice(pq.as_str().as_bytes()))
        .unwrap_or_else(|| Bytes::from_static(b"/"));
    let mut headers = HeaderList::with_capacity(parts.headers.len() + 1);
    if !parts.headers.contains_key(HOST) {
        if let Some(authority) = parts.uri.authority() {
            headers.push_unchecked(
                Bytes::from_static(b"host"),
                Bytes::copy_from_slice(authority.as_str().as_bytes()),
            );
        }
    }
    for (name, value) in parts.headers.iter() {
        headers.push_unchecked(
            Bytes::copy_from_slice(name.as_str().as_bytes()),
            Bytes::copy_from_slice(value.as_bytes()),
        );
    }
    let req = Request {
        method: parts.method,
        target,
        headers,
        body,
        body_state,
        protocol: Protocol::Http2,
        remote,
        local,
        received,
    };
    let resp = shared.handler.handle(req).await;
    to_http(resp, head_request)
}

/// Converts the gateway's response; names are lower-cased (HTTP/2 requires it) and
/// connection-specific fields, which HTTP/2 forbids, are left out.
fn to_http(resp: Response, head_request: bool) -> http::Response<Full<Bytes>> {
    let status =
        http::StatusCode::from_u16(resp.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = http::Response::new(Full::new(Bytes::new()));
    *out.status_mut() = status;
    let map = out.headers_mut();
    for (name, value) in resp.headers.iter() {
        let Ok(name) = HeaderName::from_bytes(name) else {
            continue;
        };
        if is_connection_specific(&name) {
            continue;
        }
        let Ok(value) = HeaderValue::from_maybe_shared(value.clone()) else {
            continue;
        };
        map.append(name, value);
    }
    if head_request {
        map.insert(CONTENT_LENGTH, HeaderValue::from(resp.body.len()));
    } else {
        *out.body_mut() = Full::new(resp.body);
    }
    out
}

/// RFC 9113 §8.2.2 fields, plus `content-length` (hyper sets it from the body).
fn is_connection_specific(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "upgrade"
            | "te"
            | "content-length"
    )
}

/// A bodiless answer for a stream whose request could not be read.
fn plain(status: u16) -> http::Response<Full<Bytes>> {
    let mut out = http::Response::new(Full::new(Bytes::new()));
    *out.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST);
    out
}

/// A stream that first returns bytes already read from it.
struct Rewind {
    prefix: Bytes,
    stream: TcpStream,
}

impl AsyncRead for Rewind {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn response_names_are_lower_cased_and_connection_fields_dropped() {
        let mut r = Response::new(201, "abc");
        r.headers.push("X-Mixed-Case", "1").unwrap();
        r.headers.push("Connection", "close").unwrap();
        r.headers.push("x-mixed-case", "2").unwrap();
        let out = to_http(r, false);
        assert_eq!(out.status(), 201);
        let vals: Vec<_> = out.headers().get_all("x-mixed-case").iter().collect();
        assert_eq!(vals, ["1", "2"]);
        assert!(!out.headers().contains_key("connection"));
    }

    #[test]
    fn head_answers_carry_the_length_only() {
        let out = to_http(Response::new(200, "hello"), true);
        assert_eq!(out.headers()[CONTENT_LENGTH], "5");
    }
}
