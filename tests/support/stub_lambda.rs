//! [`StubLambda`]: a programmable stand-in for Lambda on `127.0.0.1:0`, for end-to-end tests and
//! the load bench (`#[path = "../tests/support/stub_lambda.rs"] mod stub_lambda;`).
//!
//! It speaks HTTP/1.1 over raw sockets rather than through an HTTP server library, because tests
//! need replies no conforming server sends: a closed connection, garbage bytes, a truncated body,
//! a reply that never comes. Each reply is encoded to wire bytes once, when it is built, so serving
//! it is one write. Every request is recorded (unless recording is off, for benches) and every
//! call and connection counted, so tests can assert "invoked / not invoked" and inspect events.
//!
//! Limits (it is a stub): request bodies must be sent with `Content-Length` (a chunked request
//! closes the connection); heads are at most 1 MiB.

// Test and bench support: panicking on a broken socket setup is the right failure, and each
// includer uses a different subset of the API.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The proxy result the perf recipe's stub answers (shared/perf/README.md).
pub const PROXY_OK: &str =
    r#"{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}"#;

/// One request the stub received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The method as sent.
    pub method: String,
    /// The request target (path and query) as sent.
    pub target: String,
    /// Header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// Which connection carried it (1 = the first accepted).
    pub connection: usize,
}

impl Received {
    /// The last value of a header (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The path part of the target.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The body parsed as JSON (panics if it is not JSON: tests call it on events).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

/// What the stub does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with this HTTP response (encoded once, at construction).
    Http(Canned),
    /// Wait, then do the inner reply.
    Delayed(Duration, Box<Reply>),
    /// Never answer (the connection stays open until the client gives up).
    Hang,
    /// Close the connection without answering.
    Close,
    /// Write these bytes, then close the connection.
    Raw(Bytes),
}

/// An encoded HTTP/1.1 response: head and body in one buffer.
#[derive(Debug, Clone)]
pub struct Canned {
    wire: Bytes,
    head_len: usize,
}

impl Reply {
    /// Any HTTP response; `Content-Length` is added.
    pub fn http(status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        let body = body.into();
        let mut wire = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (n, v) in headers {
            wire.push_str(&format!("{n}: {v}\r\n"));
        }
        wire.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let head_len = wire.len();
        let mut buf = BytesMut::from(wire.as_bytes());
        buf.extend_from_slice(&body);
        Reply::Http(Canned {
            wire: buf.freeze(),
            head_len,
        })
    }

    /// An Invoke API success: 200 with the payload as the result.
    pub fn result(payload: impl Into<Bytes>) -> Reply {
        Reply::http(
            200,
            &[
                ("Content-Type", "application/json"),
                ("X-Amz-Executed-Version", "$LATEST"),
            ],
            payload,
        )
    }

    /// An Invoke API success with a JSON value as the result.
    pub fn json(value: &serde_json::Value) -> Reply {
        Reply::result(value.to_string())
    }

    /// The perf recipe's proxy result ([`PROXY_OK`]).
    pub fn proxy_ok() -> Reply {
        Reply::result(PROXY_OK)
    }

    /// A function error as Lambda reports it: 200 with `X-Amz-Function-Error: {kind}`.
    pub fn function_error(kind: &str, payload: &serde_json::Value) -> Reply {
        Reply::http(
            200,
            &[
                ("Content-Type", "application/json"),
                ("X-Amz-Executed-Version", "$LATEST"),
                ("X-Amz-Function-Error", kind),
            ],
            payload.to_string(),
        )
    }

    /// A function error as the RIE reports it: the error object with no header.
    pub fn rie_error(payload: &serde_json::Value) -> Reply {
        Reply::http(
            200,
            &[("Content-Type", "application/json")],
            payload.to_string(),
        )
    }

    /// The RIE's plain-text timeout answer.
    pub fn rie_timeout(seconds: u32) -> Reply {
        Reply::http(
            200,
            &[],
            format!("Task timed out after {seconds}.00 seconds"),
        )
    }

    /// 200 with an empty body: the RIE after the runtime process exited.
    pub fn empty() -> Reply {
        Reply::http(200, &[], Bytes::new())
    }

    /// A Lambda service error: status, `x-amzn-ErrorType`, `{"Type":"User","message":...}`.
    pub fn service_error(status: u16, error_type: &str, message: &str) -> Reply {
        let body = serde_json::json!({"Type": "User", "message": message}).to_string();
        Reply::http(
            status,
            &[
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", error_type),
            ],
            body,
        )
    }

    /// A result of `len` bytes (with `Content-Length`).
    pub fn oversized(len: usize) -> Reply {
        Reply::result(vec![b'a'; len])
    }

    /// A result of `len` bytes sent chunked (no `Content-Length`), then the connection closes.
    pub fn oversized_chunked(len: usize) -> Reply {
        let mut wire =
            BytesMut::from(&b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"[..]);
        let chunk = vec![b'a'; 64 * 1024];
        let mut left = len;
        while left > 0 {
            let n = left.min(chunk.len());
            wire.extend_from_slice(format!("{n:x}\r\n").as_bytes());
            wire.extend_from_slice(&chunk[..n]);
            wire.extend_from_slice(b"\r\n");
            left -= n;
        }
        wire.extend_from_slice(b"0\r\n\r\n");
        Reply::Raw(wire.freeze())
    }

    /// A head promising 100 bytes, 11 of them, then the connection closes.
    pub fn truncated() -> Reply {
        Reply::Raw(Bytes::from_static(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\":",
        ))
    }

    /// Bytes that are not HTTP, then the connection closes.
    pub fn garbage() -> Reply {
        Reply::Raw(Bytes::from_static(b"\x00\x01\x02 this is not HTTP\r\n\r\n"))
    }

    /// This reply after a delay.
    pub fn after(self, delay: Duration) -> Reply {
        Reply::Delayed(delay, Box::new(self))
    }
}

/// Chooses the reply for each request.
pub type Handler = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

/// A running stub. Dropping it stops the server and closes its connections.
pub struct StubLambda {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

struct Shared {
    handler: Handler,
    /// Replies used before the handler, in order.
    queue: Mutex<VecDeque<Reply>>,
    /// The queue's length, read without the lock (benches never queue).
    queued: AtomicUsize,
    record: bool,
    received: Mutex<Vec<Received>>,
    calls: AtomicUsize,
    /// Replies whose sending started (counted first, so a caller that has read a reply sees it).
    answered: AtomicUsize,
    connections: AtomicUsize,
}

impl StubLambda {
    /// A stub that answers every request with `reply`.
    pub async fn start(reply: Reply) -> StubLambda {
        StubLambda::with_handler(move |_| reply.clone()).await
    }

    /// A stub that asks `handler` for each reply.
    pub async fn with_handler(
        handler: impl Fn(&Received) -> Reply + Send + Sync + 'static,
    ) -> StubLambda {
        StubLambda::spawn(Arc::new(handler), true).await
    }

    /// For benches: answers every request with `reply` and records nothing (only counts).
    pub async fn unrecorded(reply: Reply) -> StubLambda {
        StubLambda::spawn(Arc::new(move |_: &Received| reply.clone()), false).await
    }

    async fn spawn(handler: Handler, record: bool) -> StubLambda {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            handler,
            queue: Mutex::new(VecDeque::new()),
            queued: AtomicUsize::new(0),
            record,
            received: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
        });
        let accept_shared = shared.clone();
        let task = tokio::spawn(async move {
            // Connections live in this set, so stopping the stub closes them too.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let id = accept_shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
                        connections.spawn(serve(stream, accept_shared.clone(), id));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        StubLambda { addr, shared, task }
    }

    /// Replies to use for the next requests, before the handler is asked again.
    pub fn enqueue(&self, replies: impl IntoIterator<Item = Reply>) {
        let mut q = self.shared.queue.lock().unwrap();
        q.extend(replies);
        self.shared.queued.store(q.len(), Ordering::SeqCst);
    }

    /// The stub's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Invoke API URL of a function (the RIE's is `function`).
    pub fn invoke_url(&self, function: &str) -> String {
        format!(
            "http://{}/2015-03-31/functions/{function}/invocations",
            self.addr
        )
    }

    /// Requests received (complete heads and bodies).
    pub fn calls(&self) -> usize {
        self.shared.calls.load(Ordering::SeqCst)
    }

    /// Requests answered with an HTTP reply (after any delay).
    pub fn answered(&self) -> usize {
        self.shared.answered.load(Ordering::SeqCst)
    }

    /// Connections accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every recorded request, in arrival order.
    pub fn requests(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The last recorded request.
    pub fn last_request(&self) -> Option<Received> {
        self.shared.received.lock().unwrap().last().cloned()
    }
}

impl Drop for StubLambda {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Shared {
    fn next_reply(&self, req: &Received) -> Reply {
        if self.queued.load(Ordering::SeqCst) > 0 {
            let mut q = self.queue.lock().unwrap();
            if let Some(reply) = q.pop_front() {
                self.queued.store(q.len(), Ordering::SeqCst);
                return reply;
            }
        }
        (self.handler)(req)
    }
}

/// Serves one connection: requests in a keep-alive loop until a reply closes it or the peer does.
async fn serve(mut stream: TcpStream, shared: Arc<Shared>, connection: usize) {
    let _ = stream.set_nodelay(true);
    let mut buf = BytesMut::with_capacity(16 * 1024);
    loop {
        let head_end = loop {
            if let Some(i) = memchr::memmem::find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            if buf.len() > 1 << 20 {
                return;
            }
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        };
        let head = buf.split_to(head_end).freeze();
        let Some((method, target, version, headers)) = parse_head(&head) else {
            return;
        };
        let header = |name: &str| {
            headers
                .iter()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        if header("transfer-encoding").is_some() {
            return;
        }
        let len: usize = header("content-length")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let close = version == "HTTP/1.0"
            || header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        while buf.len() < len {
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
        let body = buf.split_to(len).freeze();
        let is_head = method == "HEAD";
        let received = Received {
            method,
            target,
            headers,
            body,
            connection,
        };
        shared.calls.fetch_add(1, Ordering::SeqCst);
        let reply = shared.next_reply(&received);
        if shared.record {
            shared.received.lock().unwrap().push(received);
        }
        if !respond(&mut stream, reply, is_head, &shared.answered).await || close {
            return;
        }
    }
}

/// Carries out a reply; `false` when the connection must close.
async fn respond(
    stream: &mut TcpStream,
    mut reply: Reply,
    is_head: bool,
    answered: &AtomicUsize,
) -> bool {
    loop {
        match reply {
            Reply::Delayed(delay, inner) => {
                tokio::time::sleep(delay).await;
                reply = *inner;
            }
            Reply::Hang => std::future::pending::<()>().await,
            Reply::Close => return false,
            Reply::Raw(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return false;
            }
            Reply::Http(canned) => {
                answered.fetch_add(1, Ordering::SeqCst);
                let bytes = if is_head {
                    &canned.wire[..canned.head_len]
                } else {
                    &canned.wire[..]
                };
                return stream.write_all(bytes).await.is_ok();
            }
        }
    }
}

type Head = (String, String, String, Vec<(String, String)>);

/// Request line and header fields of a request head.
fn parse_head(head: &[u8]) -> Option<Head> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.splitn(3, ' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let version = request_line.next()?.to_owned();
    let headers = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            Some((n.to_owned(), v.trim().to_owned()))
        })
        .collect();
    Some((method, target, version, headers))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
