//! One plain-HTTP/1.1 keep-alive connection to a function's endpoint, written and read by the
//! task that calls through it.
//!
//! This is the hot path's client: a call writes one request (head and body gathered into one
//! `writev`) and reads the reply with `httparse` into a reused buffer, in the client connection's
//! own task. A general client (hyper's) hands every request to a connection task over channels
//! and builds a header map for the request; here there is nothing between the two sockets but the
//! bytes. The reply's body and header values are slices of the read buffer (`Bytes`), not copies.
//!
//! Framing follows RFC 9112 §6.3: no body after `HEAD`, 1xx, 204 and 304; `Transfer-Encoding`
//! (chunked last) before `Content-Length`; differing `Content-Length`s are an error; otherwise
//! the body runs to the end of the connection. A connection is reused only when the reply said
//! nothing against it (`Connection: close`, HTTP/1.0) and ended exactly where its framing said.

use std::io::ErrorKind;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use http::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use http::uri::Authority;
use http::{Method, StatusCode, Uri, Version};
use hyper_util::client::legacy::connect::HttpConnector;
use smallvec::SmallVec;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tower_service::Service;

use super::reply::{
    content_length, field, request_line, FieldSpan, Outgoing, Reply, INLINE_FIELDS,
};
use super::{error_chain, InvokeError, MAX_RESULT_BYTES};
use crate::server::chunked::{ChunkedDecoder, Progress};

/// Longest reply head accepted (status line and fields): the most that 16-bit field offsets
/// ([`FieldSpan`]) reach. A Lambda reply's head is a few hundred bytes.
const MAX_HEAD: usize = u16::MAX as usize;
/// Most header fields in a reply head.
const MAX_FIELDS: usize = 128;
/// Field slots tried first (a Lambda reply has a handful).
const STACK_FIELDS: usize = INLINE_FIELDS;
/// Read granularity.
const READ_CHUNK: usize = 8 * 1024;

/// A failed call, and whether the request may be sent again elsewhere.
#[derive(Debug)]
pub(super) enum CallError {
    /// The request was not (completely) written, so the upstream cannot have acted on it.
    Unsent(InvokeError),
    /// Anything after the request went out.
    Failed(InvokeError),
}

impl CallError {
    pub(super) fn into_inner(self) -> InvokeError {
        match self {
            CallError::Unsent(e) | CallError::Failed(e) => e,
        }
    }
}

/// One connection; see the module docs.
pub(super) struct Upstream {
    pub(super) authority: Authority,
    /// The `Host` value for every request on it (the port only when it is not 80).
    host: HeaderValue,
    stream: TcpStream,
    /// Read buffer, kept across calls (a reply's slices keep their part alive only as long as
    /// the caller holds them).
    buf: BytesMut,
    /// Write buffer, kept across calls.
    out: Vec<u8>,
    /// Cleared when the last reply said the connection ends with it.
    reusable: bool,
    pub(super) idle_since: Instant,
}

impl Upstream {
    /// Opens a connection to `uri`'s authority with `connector`'s settings (connect timeout,
    /// `TCP_NODELAY`, keepalive).
    pub(super) async fn connect(
        connector: &HttpConnector,
        uri: &Uri,
        authority: Authority,
    ) -> Result<Upstream, InvokeError> {
        let mut connector = connector.clone();
        let io = async {
            std::future::poll_fn(|cx| connector.poll_ready(cx)).await?;
            connector.call(uri.clone()).await
        }
        .await
        .map_err(|e| InvokeError::Connect(error_chain(&e)))?;
        let host = match authority.port_u16() {
            Some(80) | None => HeaderValue::from_str(authority.host()),
            Some(_) => HeaderValue::from_str(authority.as_str()),
        }
        .map_err(|e| InvokeError::Request(e.to_string()))?;
        Ok(Upstream {
            authority,
            host,
            stream: io.into_inner(),
            buf: BytesMut::with_capacity(READ_CHUNK),
            out: Vec::with_capacity(READ_CHUNK),
            reusable: true,
            idle_since: Instant::now(),
        })
    }

    /// Whether an idle connection can take another request: the last reply allowed it and the
    /// upstream has neither closed it nor sent anything since. Costs a syscall only when the
    /// socket was reported readable (which an idle keep-alive connection is not).
    pub(super) fn is_reusable(&self) -> bool {
        if !self.keeps_alive() {
            return false;
        }
        let mut cx = Context::from_waker(Waker::noop());
        match self.stream.poll_read_ready(&mut cx) {
            Poll::Pending => true,
            Poll::Ready(Err(_)) => false,
            Poll::Ready(Ok(())) => {
                let mut probe = [0u8; 1];
                matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == ErrorKind::WouldBlock)
            }
        }
    }

    /// Whether the last reply left the connection open and in step (no syscall).
    pub(super) fn keeps_alive(&self) -> bool {
        self.reusable && self.buf.is_empty()
    }

    /// Sends `req` and reads the whole reply.
    pub(super) async fn call<R: Outgoing>(&mut self, req: &R) -> Result<Reply, CallError> {
        self.write_request(req).await.map_err(CallError::Unsent)?;
        self.read_reply(req.is_head()).await.map_err(|e| {
            self.reusable = false;
            CallError::Failed(e)
        })
    }

    /// Writes the head and the body with one gathering `writev` (more only if the socket takes
    /// part of them); see [`crate::server::gathered`] for why the body is not copied.
    async fn write_request<R: Outgoing>(&mut self, req: &R) -> Result<(), InvokeError> {
        self.out.clear();
        req.write_head(&mut self.out, self.host.as_bytes());
        crate::server::gathered::write(&mut self.stream, &self.out, req.body())
            .await
            .map_err(|e| {
                self.reusable = false;
                InvokeError::Io(e.to_string())
            })
    }

    /// Reads one final reply (skipping 1xx interim ones) and its body.
    async fn read_reply(&mut self, head_request: bool) -> Result<Reply, InvokeError> {
        loop {
            let mut reply = self.read_head().await?;
            let status = reply.status;
            if status.is_informational() {
                if status == StatusCode::SWITCHING_PROTOCOLS {
                    return Err(InvokeError::Protocol(
                        "unexpected 101 Switching Protocols".into(),
                    ));
                }
                continue;
            }
            let framing = framing(&reply, head_request)?;
            if reply.version == Version::HTTP_10 || closes(&reply) {
                self.reusable = false;
            }
            reply.body = self.read_body(framing).await?;
            if !self.buf.is_empty() {
                // Bytes after the reply that nobody asked for: the connection is out of step.
                self.reusable = false;
            }
            return Ok(reply);
        }
    }

    /// Reads until a complete head is buffered and takes it off the buffer.
    async fn read_head(&mut self) -> Result<Reply, InvokeError> {
        loop {
            if !self.buf.is_empty() {
                if let Some(reply) = parse_head(&mut self.buf)? {
                    return Ok(reply);
                }
                if self.buf.len() > MAX_HEAD {
                    return Err(InvokeError::Protocol("response head too large".into()));
                }
            }
            if self.fill().await? == 0 {
                return Err(closed());
            }
        }
    }

    async fn read_body(&mut self, framing: Framing) -> Result<Bytes, InvokeError> {
        match framing {
            Framing::Empty => Ok(Bytes::new()),
            Framing::Length(n) => {
                if n > MAX_RESULT_BYTES as u64 {
                    self.reusable = false;
                    return Err(InvokeError::ResponseTooLarge);
                }
                let n = n as usize;
                while self.buf.len() < n {
                    // Bounded by MAX_RESULT_BYTES above.
                    self.buf.reserve(n - self.buf.len());
                    if self
                        .stream
                        .read_buf(&mut self.buf)
                        .await
                        .map_err(io_error)?
                        == 0
                    {
                        return Err(closed());
                    }
                }
                Ok(self.buf.split_to(n).freeze())
            }
            Framing::Chunked => {
                let mut decoder = ChunkedDecoder::new(MAX_HEAD);
                let mut body = BytesMut::new();
                loop {
                    match decoder.decode(&mut self.buf, &mut body, MAX_RESULT_BYTES) {
                        Ok(Progress::Done) => return Ok(body.freeze()),
                        Ok(Progress::TooLarge) => return Err(InvokeError::ResponseTooLarge),
                        Ok(Progress::NeedMore) => {}
                        Err(e) => return Err(InvokeError::Protocol(e.to_string())),
                    }
                    if self.fill().await? == 0 {
                        return Err(closed());
                    }
                }
            }
            Framing::UntilClose => {
                self.reusable = false;
                loop {
                    if self.buf.len() > MAX_RESULT_BYTES {
                        return Err(InvokeError::ResponseTooLarge);
                    }
                    if self.fill().await? == 0 {
                        return Ok(self.buf.split().freeze());
                    }
                }
            }
        }
    }

    /// One read into the buffer; 0 at the end of the connection.
    async fn fill(&mut self) -> Result<usize, InvokeError> {
        self.buf.reserve(READ_CHUNK);
        self.stream.read_buf(&mut self.buf).await.map_err(io_error)
    }
}

/// How a reply's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

fn framing(reply: &Reply, head_request: bool) -> Result<Framing, InvokeError> {
    let status = reply.status;
    if head_request || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return Ok(Framing::Empty);
    }
    // One pass over the fields for both framing headers.
    let mut last_te = None;
    let mut lengths: SmallVec<[&[u8]; 2]> = SmallVec::new();
    for (name, value) in reply.fields() {
        if name.eq_ignore_ascii_case(TRANSFER_ENCODING.as_str().as_bytes()) {
            last_te = Some(value);
        } else if name.eq_ignore_ascii_case(CONTENT_LENGTH.as_str().as_bytes()) {
            lengths.push(value);
        }
    }
    if let Some(last) = last_te {
        let chunked_last = last
            .rsplit(|&b| b == b',')
            .next()
            .is_some_and(|t| t.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        return Ok(if chunked_last {
            Framing::Chunked
        } else {
            Framing::UntilClose
        });
    }
    let mut length = None;
    for value in lengths {
        for item in value.split(|&b| b == b',') {
            let n = parse_length(item.trim_ascii())
                .ok_or_else(|| InvokeError::Protocol("invalid Content-Length".into()))?;
            if length.is_some_and(|l| l != n) {
                return Err(InvokeError::Protocol("conflicting Content-Length".into()));
            }
            length = Some(n);
        }
    }
    Ok(length.map_or(Framing::UntilClose, Framing::Length))
}

fn parse_length(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Whether `Connection` lists `close`.
fn closes(reply: &Reply) -> bool {
    reply.get_all(CONNECTION.as_str()).any(|v| {
        v.split(|&b| b == b',')
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
    })
}

/// Parses a complete head at the front of `buf` and takes it off; `None` if incomplete.
fn parse_head(buf: &mut BytesMut) -> Result<Option<Reply>, InvokeError> {
    // A small slot array first (zeroing 128 slots on every call would cost more than parsing);
    // a reply with more fields is parsed again with room for all of them.
    let parsed = match parse_head_with::<STACK_FIELDS>(buf) {
        Err(HeadFail::SlotsFull) => parse_head_with::<MAX_FIELDS>(buf),
        other => other,
    };
    parsed.map_err(|fail| match fail {
        HeadFail::SlotsFull => InvokeError::Protocol("too many headers".into()),
        HeadFail::Invalid(e) => e,
    })
}

/// Why [`parse_head_with`] returned no head.
enum HeadFail {
    /// More fields than the slots it was given.
    SlotsFull,
    Invalid(InvokeError),
}

impl From<InvokeError> for HeadFail {
    fn from(e: InvokeError) -> Self {
        HeadFail::Invalid(e)
    }
}

fn parse_head_with<const SLOTS: usize>(buf: &mut BytesMut) -> Result<Option<Reply>, HeadFail> {
    let mut fields = [httparse::EMPTY_HEADER; SLOTS];
    let mut parsed = httparse::Response::new(&mut fields);
    let len = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadFail::SlotsFull),
        Err(e) => return Err(InvokeError::Protocol(e.to_string()).into()),
    };
    let code = parsed.code.unwrap_or_default();
    let status = StatusCode::from_u16(code)
        .map_err(|_| InvokeError::Protocol(format!("invalid status code {code}")))?;
    let version = match parsed.version {
        Some(0) => Version::HTTP_10,
        _ => Version::HTTP_11,
    };
    // Field offsets are 16-bit (`FieldSpan`); `MAX_HEAD` keeps them in range. A head that
    // arrived whole in one read is checked here, as one still incomplete is in `read_head`.
    if len > MAX_HEAD {
        return Err(InvokeError::Protocol("response head too large".into()).into());
    }
    // Offsets, not slices: the field slices borrow `buf`, which is split just below. httparse
    // has checked the names (tokens) and values (no control characters but HTAB).
    let base = buf.as_ptr() as usize;
    let spans: SmallVec<[FieldSpan; INLINE_FIELDS]> = parsed
        .headers
        .iter()
        .map(|f| FieldSpan {
            name: (f.name.as_ptr() as usize - base) as u16,
            name_len: f.name.len() as u16,
            value: (f.value.as_ptr() as usize - base) as u16,
            value_len: f.value.len() as u16,
        })
        .collect();
    let head = buf.split_to(len).freeze();
    Ok(Some(Reply::new(status, version, head, spans)))
}

/// A general request: `Host` comes from the request or the connection; framing fields are the
/// client's own (`Content-Length` from the body; nothing chunked).
impl Outgoing for http::Request<Bytes> {
    fn uri(&self) -> &Uri {
        self.uri()
    }

    fn body(&self) -> &Bytes {
        self.body()
    }

    fn is_head(&self) -> bool {
        self.method() == Method::HEAD
    }

    fn write_head(&self, out: &mut Vec<u8>, host: &[u8]) {
        request_line(out, self.method().as_str(), self.uri());
        if !self.headers().contains_key(HOST) {
            field(out, b"host", host);
        }
        for (name, value) in self.headers() {
            if name == CONTENT_LENGTH || name == TRANSFER_ENCODING || name == CONNECTION {
                continue;
            }
            field(out, name.as_str().as_bytes(), value.as_bytes());
        }
        let body = self.body();
        if !body.is_empty() || !bodyless(self.method()) {
            content_length(out, body.len());
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// Methods whose requests carry no body by convention, so an empty one needs no length.
fn bodyless(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET
            | Method::HEAD
            | Method::DELETE
            | Method::OPTIONS
            | Method::TRACE
            | Method::CONNECT
    )
}

fn io_error(e: std::io::Error) -> InvokeError {
    InvokeError::Io(e.to_string())
}

fn closed() -> InvokeError {
    InvokeError::Io("connection closed before a complete response".into())
}

#[cfg(test)]
#[path = "upstream_tests.rs"]
mod tests;
