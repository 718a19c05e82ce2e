//! One client connection: protocol sniffing, then the HTTP/1.1 request/response loop.
//!
//! The loop reads into one `BytesMut` per connection; heads and `Content-Length` bodies are frozen
//! slices of it, so a request is handed to the handler without copying. Responses are encoded
//! into a second reused buffer and written with at most one vectored write.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant, Sleep};

use super::chunked::{ChunkedDecoder, Progress};
use super::codec::{Framing, Head, HeadError, HeadLimits, HeadParser};
use super::encode::{encode_head, EncodeOpts};
use super::state::Drained;
use super::{h2, Handler, Shared};
use crate::message::{BodyState, Protocol, Request, Response};

/// The HTTP/2 connection preface (RFC 9113 §3.4).
pub(crate) const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Free space kept available before each read.
const READ_CHUNK: usize = 8 * 1024;
/// Bodies up to this size are copied behind the head and sent in one write.
const COALESCE_BODY: usize = 8 * 1024;
/// How long unread request bytes are drained after a closing response, so the client's kernel
/// does not answer our close with a reset that destroys the response it has not read yet.
const LINGER: Duration = Duration::from_secs(2);

/// How reading a body ended.
enum BodyRead {
    Complete(Bytes),
    TooLarge,
    Malformed,
    /// Timeout, EOF or I/O error: the connection is closed without an answer.
    Gone,
}

/// Per-connection state.
struct Conn<H> {
    shared: Arc<Shared<H>>,
    stream: TcpStream,
    buf: BytesMut,
    out: BytesMut,
    parser: HeadParser,
    /// Resolves when the server starts draining.
    drained: Drained,
    /// The connection's one timer for waiting on a request (see [`Conn::wait_for_request`]).
    idle: Pin<Box<Sleep>>,
    remote: SocketAddr,
    local: SocketAddr,
}

/// Serves one accepted connection until it closes.
pub(crate) async fn run<H: Handler>(
    shared: Arc<Shared<H>>,
    stream: TcpStream,
    remote: SocketAddr,
    local: SocketAddr,
) {
    let drained = shared.state.drain_signal().into_wait();
    let first_wait = shared.settings.header_read_timeout;
    // Deliberate per-connection allocation: the connection's one idle timer.
    let idle = Box::pin(tokio::time::sleep(first_wait));
    let mut conn = Conn {
        shared,
        stream,
        buf: BytesMut::with_capacity(READ_CHUNK),
        out: BytesMut::with_capacity(1024),
        parser: HeadParser::new(),
        drained,
        idle,
        remote,
        local,
    };
    if !conn.wait_for_request(first_wait).await {
        return;
    }
    let deadline = Instant::now() + conn.shared.settings.header_read_timeout;
    // Read until the bytes either are the h2 preface or cannot become it.
    while conn.buf.len() < H2_PREFACE.len() && H2_PREFACE.starts_with(&conn.buf) {
        if !conn.read_until(deadline).await {
            return;
        }
    }
    if conn.buf.starts_with(H2_PREFACE) {
        let Conn {
            shared,
            stream,
            buf,
            drained,
            ..
        } = conn;
        h2::serve(shared, stream, buf.freeze(), remote, local, drained).await;
    } else {
        // The connection's requests come one at a time, so their Lambda calls can share
        // upstream connections that belong to this connection alone (see `lambda::local`).
        crate::lambda::local::scope(conn.serve_http1()).await;
    }
}

impl<H: Handler> Conn<H> {
    /// The HTTP/1.x request loop.
    async fn serve_http1(&mut self) {
        let settings = &self.shared.settings;
        let limits = HeadLimits {
            max_header_bytes: settings.max_header_bytes,
            max_headers: settings.max_headers,
        };
        let (header_timeout, idle) = (settings.header_read_timeout, settings.idle_timeout);
        loop {
            if self.buf.is_empty() && !self.wait_for_request(idle).await {
                return;
            }
            // One clock read per request: the head and body deadlines and the arrival time.
            let arrived = Instant::now();
            let deadline = arrived + header_timeout;
            let head = loop {
                match self.parser.parse(&mut self.buf, limits) {
                    Ok(Some(head)) => break head,
                    Ok(None) => {
                        if !self.read_until(deadline).await {
                            return;
                        }
                    }
                    Err(e) => return self.reject(e).await,
                }
            };
            if !self.exchange(head, arrived).await {
                return;
            }
        }
    }

    /// Reads the body, calls the handler and writes its response. Returns whether the
    /// connection stays open.
    async fn exchange(&mut self, head: Head, arrived: Instant) -> bool {
        let (body, body_state) = match self.read_body(&head).await {
            BodyRead::Complete(body) => (body, BodyState::Complete),
            BodyRead::TooLarge => (Bytes::new(), BodyState::TooLarge),
            BodyRead::Malformed => {
                self.reject(HeadError::BadRequest("chunked body")).await;
                return false;
            }
            BodyRead::Gone => return false,
        };
        let too_large = body_state == BodyState::TooLarge;
        let head_request = head.method == Method::HEAD;
        let protocol = head.protocol;
        let req = Request {
            method: head.method,
            target: head.target,
            headers: head.headers,
            body,
            body_state,
            protocol,
            remote: self.remote,
            local: self.local,
            received: arrived.into_std(),
        };
        let resp = self.shared.handler.handle(req).await;
        let close = !head.keep_alive || too_large || self.shared.state.is_draining();
        let opts = EncodeOpts {
            close,
            keep_alive_10: protocol == Protocol::Http10 && !close,
            head_request,
        };
        if let Err(e) = self.write_response(&resp, opts).await {
            tracing::debug!(error = %e, "client connection write failed");
            return false;
        }
        if close {
            self.close(too_large).await;
        }
        !close
    }

    /// Reads the body the head announced, within `maxBodyBytes` and `bodyReadTimeout`.
    async fn read_body(&mut self, head: &Head) -> BodyRead {
        let settings = &self.shared.settings;
        let max = settings.max_body_bytes;
        let body_timeout = settings.body_read_timeout;
        // Set at the first read the body needs: most bodies arrive with their head, and then
        // the clock is not read at all.
        let mut deadline = None;
        let len = match head.framing {
            Framing::Empty => return BodyRead::Complete(Bytes::new()),
            Framing::Length(n) if n > max as u64 => return BodyRead::TooLarge,
            // Fits in usize: it is at most `max`.
            Framing::Length(n) => Some(n as usize),
            Framing::Chunked => None,
        };
        if head.expect_continue && self.buf.is_empty() {
            if let Err(e) = self
                .stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
            {
                tracing::debug!(error = %e, "writing 100 Continue failed");
                return BodyRead::Gone;
            }
        }
        match len {
            Some(n) => {
                while self.buf.len() < n {
                    let missing = n - self.buf.len();
                    self.buf.reserve(missing.min(1 << 20));
                    let by = *deadline.get_or_insert_with(|| Instant::now() + body_timeout);
                    if !self.read_until(by).await {
                        return BodyRead::Gone;
                    }
                }
                BodyRead::Complete(self.buf.split_to(n).freeze())
            }
            None => {
                let mut decoder = ChunkedDecoder::new(settings.max_header_bytes);
                let mut body = BytesMut::new();
                loop {
                    match decoder.decode(&mut self.buf, &mut body, max) {
                        Ok(Progress::Done) => return BodyRead::Complete(body.freeze()),
                        Ok(Progress::TooLarge) => return BodyRead::TooLarge,
                        Ok(Progress::NeedMore) => {
                            let by = *deadline.get_or_insert_with(|| Instant::now() + body_timeout);
                            if !self.read_until(by).await {
                                return BodyRead::Gone;
                            }
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "client sent a malformed chunked body");
                            return BodyRead::Malformed;
                        }
                    }
                }
            }
        }
    }

    /// Waits for the first byte of a request. False: the wait timed out, the peer closed, or
    /// the server is draining (an idle connection is closed at once). The wait is timed by the
    /// connection's one reused timer ([`crate::reused_timer`]).
    async fn wait_for_request(&mut self, wait: Duration) -> bool {
        self.buf.reserve(READ_CHUNK);
        let deadline = Instant::now() + wait;
        tokio::select! {
            biased;
            () = &mut self.drained => false,
            () = crate::reused_timer::until(self.idle.as_mut(), deadline) => false,
            r = self.stream.read_buf(&mut self.buf) => matches!(r, Ok(n) if n > 0),
        }
    }

    /// Reads more bytes before `deadline`. False on timeout, EOF or error.
    async fn read_until(&mut self, deadline: Instant) -> bool {
        if self.buf.capacity() - self.buf.len() < READ_CHUNK / 2 {
            self.buf.reserve(READ_CHUNK);
        }
        matches!(
            timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await,
            Ok(Ok(n)) if n > 0
        )
    }

    /// Answers a malformed or oversized request and closes.
    async fn reject(&mut self, err: HeadError) {
        tracing::debug!(error = %err, remote = %self.remote, "rejected client request");
        let status = err.status();
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        // Error path: a small owned body.
        let mut resp = Response::new(status, format!("{{\"message\":\"{reason}\"}}"));
        resp.headers.push_static("Content-Type", "application/json");
        let opts = EncodeOpts {
            close: true,
            keep_alive_10: false,
            head_request: false,
        };
        if self.write_response(&resp, opts).await.is_ok() {
            self.close(true).await;
        }
    }

    /// Writes the encoded head and the body.
    async fn write_response(&mut self, resp: &Response, opts: EncodeOpts) -> io::Result<()> {
        let with_body = encode_head(&mut self.out, resp, opts);
        if with_body && resp.body.len() <= COALESCE_BODY {
            self.out.extend_from_slice(&resp.body);
            return self.stream.write_all(&self.out).await;
        }
        if !with_body {
            return self.stream.write_all(&self.out).await;
        }
        super::gathered::write(&mut self.stream, &self.out, &resp.body).await
    }

    /// Ends the connection after a closing response; when request bytes may still be in
    /// flight, reads and discards them for a moment first.
    async fn close(&mut self, unread: bool) {
        if self.stream.shutdown().await.is_err() {
            return;
        }
        if !unread && self.buf.is_empty() {
            return;
        }
        let deadline = Instant::now() + LINGER;
        loop {
            self.buf.clear();
            self.buf.reserve(READ_CHUNK);
            match timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
                Ok(Ok(n)) if n > 0 => continue,
                _ => return,
            }
        }
    }
}
