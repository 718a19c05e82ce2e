//! [`Request`]: one client request as the front end received it.

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use http::Method;

use super::HeaderList;

/// The client protocol, as API Gateway reports it in `requestContext.protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    Http11,
    /// HTTP/2 (h2c, prior knowledge)
    Http2,
}

impl Protocol {
    /// The text API Gateway uses (`HTTP/1.1`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http10 => "HTTP/1.0",
            Protocol::Http11 => "HTTP/1.1",
            Protocol::Http2 => "HTTP/2.0",
        }
    }
}

/// Whether the body arrived whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyState {
    /// The full body (empty when the request had none).
    Complete,
    /// The body exceeded the configured limit; `body` is empty and the connection will be closed
    /// after the response, since the rest of the body was not read.
    TooLarge,
}

/// A request whose head and body have been read.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method as sent.
    pub method: Method,
    /// The request target exactly as received (`/test/a%2Fb?x=1`): never decoded, since API
    /// Gateway keeps percent-encoding in `path` and decodes only query values.
    pub target: Bytes,
    /// Header fields in arrival order with their original casing.
    pub headers: HeaderList,
    /// The body (`Bytes` end to end for passthrough).
    pub body: Bytes,
    /// Whether the body is complete or was refused for its size.
    pub body_state: BodyState,
    /// Protocol version of the client connection.
    pub protocol: Protocol,
    /// The peer address of the TCP connection (`identity.sourceIp`).
    pub remote: SocketAddr,
    /// The local address the connection was accepted on (`X-Forwarded-Port`).
    pub local: SocketAddr,
    /// When the request head was complete: the start of API Gateway's `Latency`.
    pub received: Instant,
}

impl Request {
    /// The path part of the target (before `?`, and before any `#`), raw bytes.
    pub fn raw_path(&self) -> &[u8] {
        let t = &self.target[..];
        let end = t
            .iter()
            .position(|&b| b == b'?' || b == b'#')
            .unwrap_or(t.len());
        &t[..end]
    }

    /// The query part of the target without `?` (and without any `#fragment`), if a `?` was sent.
    pub fn raw_query(&self) -> Option<&[u8]> {
        let t = &self.target[..];
        let t = &t[..t.iter().position(|&b| b == b'#').unwrap_or(t.len())];
        let q = t.iter().position(|&b| b == b'?')?;
        Some(&t[q + 1..])
    }

    /// A request for tests and tools: the given method and target, no headers, no body.
    pub fn for_test(method: Method, target: &str) -> Self {
        let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 40000));
        Request {
            method,
            target: Bytes::copy_from_slice(target.as_bytes()),
            headers: HeaderList::new(),
            body: Bytes::new(),
            body_state: BodyState::Complete,
            protocol: Protocol::Http11,
            remote: addr,
            local: SocketAddr::from(([127, 0, 0, 1], 8080)),
            received: Instant::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn splits_path_query_and_fragment() {
        let r = Request::for_test(Method::GET, "/test/a%2Fb?x=1&y#frag");
        assert_eq!(r.raw_path(), b"/test/a%2Fb");
        assert_eq!(r.raw_query(), Some(&b"x=1&y"[..]));
        let r = Request::for_test(Method::GET, "/p#f?x");
        assert_eq!(r.raw_path(), b"/p");
        assert_eq!(r.raw_query(), None);
        let r = Request::for_test(Method::GET, "/p?");
        assert_eq!(r.raw_query(), Some(&b""[..]));
    }
}
