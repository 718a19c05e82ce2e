//! End-to-end tests of the client-facing server over real TCP on `127.0.0.1:0`, with a fake handler.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apigate::config::model::ServerSettings;
use apigate::message::{BodyState, Protocol, Request, Response};
use apigate::server::{serve_with_state, Handler, ServerState, Workers};
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;

/// Bounds every wait in these tests so a bug shows up as a failure, not a hang.
const PATIENCE: Duration = Duration::from_secs(10);

/// Records requests and echoes the body; `/slow` waits to be released.
#[derive(Default)]
struct Echo {
    seen: Mutex<Vec<Request>>,
    release: Notify,
    started: Mutex<Option<mpsc::UnboundedSender<()>>>,
}

impl Handler for Echo {
    async fn handle(&self, req: Request) -> Response {
        if req.target.as_ref() == b"/slow" {
            let tx = self.started.lock().unwrap().clone();
            if let Some(tx) = tx {
                tx.send(()).unwrap();
            }
            self.release.notified().await;
        }
        let status = if req.body_state == BodyState::TooLarge {
            413
        } else {
            200
        };
        let mut resp = Response::new(status, req.body.clone());
        resp.headers.push("tesT-Multi", "one").unwrap();
        resp.headers.push("tesT-Multi", "two").unwrap();
        let names: Vec<u8> = req
            .headers
            .iter()
            .flat_map(|(n, _)| n.iter().copied().chain(*b","))
            .collect();
        resp.headers.push("X-Names", names).unwrap();
        self.seen.lock().unwrap().push(req);
        resp
    }
}

struct Server {
    addr: SocketAddr,
    echo: Arc<Echo>,
    state: ServerState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start(settings: ServerSettings) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let echo = Arc::new(Echo::default());
    let state = ServerState::new();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve_with_state(
        listener,
        Arc::clone(&echo),
        settings,
        state.clone(),
        // Two worker threads, as the binary runs: connections move to them after accept.
        Some(Arc::new(Workers::start(2).unwrap())),
        async move {
            let _ = stopped.await;
        },
    ));
    Server {
        addr,
        echo,
        state,
        stop: Some(stop),
        task,
    }
}

fn settings() -> ServerSettings {
    ServerSettings {
        max_body_bytes: 1024,
        max_header_bytes: 2048,
        max_headers: 32,
        ..ServerSettings::default()
    }
}

/// A parsed response.
#[derive(Debug)]
struct Resp {
    status: u16,
    head: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        Client {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// Reads more bytes; false on EOF or reset.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(PATIENCE, self.stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => false,
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(_) => panic!("no answer within {PATIENCE:?}"),
        }
    }

    async fn response(&mut self) -> Resp {
        self.read_response(false).await
    }

    async fn read_response(&mut self, head_request: bool) -> Resp {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            assert!(self.fill().await, "connection closed before a response");
        };
        let head = String::from_utf8(self.buf.drain(..end).collect()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_string(), v.to_string())
            })
            .collect();
        let mut resp = Resp {
            status,
            head,
            headers,
            body: Vec::new(),
        };
        let len: usize = resp
            .header("content-length")
            .map(|v| v.parse().unwrap())
            .unwrap_or(0);
        if !head_request && status != 100 {
            while self.buf.len() < len {
                assert!(self.fill().await, "connection closed inside a body");
            }
            resp.body = self.buf.drain(..len).collect();
        }
        resp
    }

    /// Whether the server closed the connection (EOF or reset) without sending anything more.
    async fn closed(&mut self) -> bool {
        let open = self.fill().await;
        !open && self.buf.is_empty()
    }
}

async fn get_ok(addr: SocketAddr) {
    let mut c = Client::connect(addr).await;
    c.send(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(c.response().await.status, 200);
}

#[tokio::test]
async fn header_casing_and_duplicates_survive_both_ways() {
    let s = start(settings()).await;
    let mut c = Client::connect(s.addr).await;
    c.send(b"GET /p?a=1 HTTP/1.1\r\nHost: x\r\ntEsT-HEADeR: v\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n")
        .await;
    let r = c.response().await;
    assert_eq!(r.status, 200);
    assert!(r.head.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(r
        .head
        .contains("\r\ntesT-Multi: one\r\ntesT-Multi: two\r\n"));
    assert_eq!(r.header("X-Names"), Some("Host,tEsT-HEADeR,X-Dup,x-dup,"));
    assert!(r.header("Date").is_some_and(|d| d.ends_with(" GMT")));
    assert_eq!(r.header("Connection"), None);
    let seen = s.echo.seen.lock().unwrap();
    let values: Vec<_> = seen[0].headers.get_all("x-dup").cloned().collect();
    assert_eq!(values, [Bytes::from("1"), Bytes::from("2")]);
    assert_eq!(seen[0].protocol, Protocol::Http11);
    assert_eq!(&seen[0].target[..], b"/p?a=1");
    assert_eq!(seen[0].local, s.addr);
}

#[tokio::test]
async fn content_length_and_chunked_bodies() {
    let s = start(settings()).await;
    let mut c = Client::connect(s.addr).await;
    c.send(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhel")
        .await;
    c.send(b"lo").await;
    let r = c.response().await;
    assert_eq!(r.body, b"hello");
    c.send(b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        .await;
    c.send(b"4;ext=1\r\ndefg\r\n0\r\nTrailer: t\r\n\r\n").await;
    let r = c.response().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"abcdefg");
    assert_eq!(s.echo.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn expect_continue_gets_100_before_the_body() {
    let s = start(settings()).await;
    let mut c = Client::connect(s.addr).await;
    c.send(b"PUT /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        .await;
    let interim = c.response().await;
    assert_eq!(interim.status, 100);
    assert!(interim.head.starts_with("HTTP/1.1 100 Continue\r\n"));
    c.send(b"xyz").await;
    let r = c.response().await;
    assert_eq!((r.status, r.body.as_slice()), (200, &b"xyz"[..]));
}

#[tokio::test]
async fn keep_alive_and_pipelining_answer_in_order() {
    let s = start(settings()).await;
    let mut c = Client::connect(s.addr).await;
    for i in 0..3 {
        let body = format!("req{i}");
        let req = format!(
            "POST /k HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        c.send(req.as_bytes()).await;
        assert_eq!(c.response().await.body, body.as_bytes());
    }
    let mut pipelined = Vec::new();
    for i in 0..5 {
        let body = format!("p{i}");
        pipelined.extend_from_slice(
            format!("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{body}").as_bytes(),
        );
    }
    c.send(&pipelined).await;
    for i in 0..5 {
        assert_eq!(c.response().await.body, format!("p{i}").as_bytes());
    }
    c.send(b"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    let r = c.response().await;
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(c.closed().await);
}

#[tokio::test]
async fn http_1_0_closes_unless_keep_alive_is_asked() {
    let s = start(settings()).await;
    let mut c = Client::connect(s.addr).await;
    c.send(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .await;
    let r = c.response().await;
    assert!(r.head.starts_with("HTTP/1.1 200 OK"));
    assert_eq!(r.header("Connection"), Some("keep-alive"));
    c.send(b"GET /b HTTP/1.0\r\n\r\n").await;
    let r = c.response().await;
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(c.closed().await);
    assert_eq!(s.echo.seen.lock().unwrap()[1].protocol, Protocol::Http10);
}

#[tokio::test]
async fn head_answers_carry_a_length_but_no_body() {
    let s = start(settings()).await;
    let mut c = Client::connect(s.addr).await;
    c.send(b"HEAD /h HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
        .await;
    c.send(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let r = c.read_response(true).await;
    assert_eq!(r.header("Content-Length"), Some("4"));
    // The next bytes on the wire are the second response's status line, not a body.
    let next = c.response().await;
    assert_eq!(next.status, 200);
    assert!(next.body.is_empty());
}

#[tokio::test]
async fn oversized_bodies_reach_the_handler_as_too_large_then_close() {
    let s = start(settings()).await;
    let mut c = Client::connect(s.addr).await;
    c.send(b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
        .await;
    let r = c.response().await;
    assert_eq!(r.status, 413);
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(c.closed().await);

    let mut c = Client::connect(s.addr).await;
    let mut req = b"POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        req.extend_from_slice(b"200\r\n");
        req.extend_from_slice(&[b'z'; 0x200]);
        req.extend_from_slice(b"\r\n");
    }
    c.send(&req).await;
    let r = c.response().await;
    assert_eq!(r.status, 413);
    assert!(c.closed().await);
    let seen = s.echo.seen.lock().unwrap();
    assert!(seen
        .iter()
        .all(|r| r.body_state == BodyState::TooLarge && r.body.is_empty()));
    assert_eq!(seen.len(), 2);
}

#[tokio::test]
async fn oversized_heads_get_431_and_414() {
    let s = start(settings()).await;
    let mut c = Client::connect(s.addr).await;
    let req = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "v".repeat(3000)
    );
    c.send(req.as_bytes()).await;
    assert_eq!(c.response().await.status, 431);
    assert!(c.closed().await);

    let mut c = Client::connect(s.addr).await;
    let req = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(3000));
    c.send(req.as_bytes()).await;
    assert_eq!(c.response().await.status, 414);
    assert!(s.echo.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn malformed_requests_get_400_and_others_are_still_served() {
    let s = start(settings()).await;
    let bad: [&[u8]; 5] = [
        b"GET / HTTP/1.1 extra\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET /\xff\x00 HTTP/1.1\r\n\r\n",
    ];
    for wire in bad {
        let mut c = Client::connect(s.addr).await;
        c.send(wire).await;
        let r = c.response().await;
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(wire));
        assert_eq!(r.header("Connection"), Some("close"));
        assert!(c.closed().await);
        get_ok(s.addr).await;
    }
    assert_eq!(s.echo.seen.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn non_utf8_targets_reach_the_handler_raw() {
    let s = start(settings()).await;
    let mut c = Client::connect(s.addr).await;
    c.send(b"GET /caf\xe9/%2F\xff?q=\x80 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    assert_eq!(c.response().await.status, 200);
    let seen = s.echo.seen.lock().unwrap();
    assert_eq!(&seen[0].target[..], b"/caf\xe9/%2F\xff?q=\x80");
}

#[tokio::test]
async fn idle_and_slow_heads_are_closed() {
    let s = start(ServerSettings {
        idle_timeout: Duration::from_millis(100),
        header_read_timeout: Duration::from_millis(100),
        ..settings()
    })
    .await;
    let mut c = Client::connect(s.addr).await;
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(c.response().await.status, 200);
    assert!(c.closed().await, "idle keep-alive connection stays open");

    let mut c = Client::connect(s.addr).await;
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n").await;
    assert!(
        c.closed().await,
        "a head that never completes keeps the connection"
    );

    let mut c = Client::connect(s.addr).await;
    assert!(c.closed().await, "a silent connection stays open");
    assert_eq!(s.echo.seen.lock().unwrap().len(), 1);
}

/// The connection's one timer is re-armed lazily: a connection busy for longer than the idle
/// timeout stays open, and once idle it is closed by the idle timeout, not by the (longer)
/// timeout of the first request's wait.
#[tokio::test]
async fn a_busy_connection_outlives_the_idle_timeout_and_an_idle_one_does_not() {
    let s = start(ServerSettings {
        idle_timeout: Duration::from_millis(200),
        header_read_timeout: Duration::from_secs(8),
        ..settings()
    })
    .await;
    let mut c = Client::connect(s.addr).await;
    let busy = std::time::Instant::now();
    while busy.elapsed() < Duration::from_millis(700) {
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(c.response().await.status, 200);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let idle = std::time::Instant::now();
    assert!(c.closed().await, "idle keep-alive connection stays open");
    assert!(
        idle.elapsed() < Duration::from_secs(6),
        "closed by the first wait's 8 s timeout, not the 200 ms idle timeout"
    );
}

#[tokio::test]
async fn a_body_that_stops_arriving_closes_the_connection() {
    let s = start(ServerSettings {
        body_read_timeout: Duration::from_millis(100),
        ..settings()
    })
    .await;
    let mut c = Client::connect(s.addr).await;
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        .await;
    assert!(c.closed().await, "a stalled body keeps the connection");
    let mut c = Client::connect(s.addr).await;
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
        .await;
    assert!(
        c.closed().await,
        "a stalled chunked body keeps the connection"
    );
    assert!(s.echo.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests_and_refuses_new_ones() {
    let mut s = start(settings()).await;
    let (tx, mut started) = mpsc::unbounded_channel();
    *s.echo.started.lock().unwrap() = Some(tx);
    let mut idle = Client::connect(s.addr).await;
    idle.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(idle.response().await.status, 200);

    let mut slow = Client::connect(s.addr).await;
    slow.send(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
    started.recv().await.unwrap();
    assert_eq!(s.state.open_connections(), 2);

    s.stop.take().unwrap().send(()).unwrap();
    assert!(idle.closed().await, "idle connection not closed on drain");
    assert!(s.state.is_draining());
    assert!(TcpStream::connect(s.addr).await.is_err());

    s.echo.release.notify_one();
    let r = slow.response().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(slow.closed().await);
    tokio::time::timeout(PATIENCE, s.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(s.state.open_connections(), 0);
}

#[tokio::test]
async fn h2c_prior_knowledge_is_served() {
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client as HyperClient;
    use hyper_util::rt::TokioExecutor;

    let s = start(settings()).await;
    let client = HyperClient::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http::<Full<Bytes>>();
    let req = http::Request::post(format!("http://{}/h2/path?x=1", s.addr))
        .header("X-Custom", "v")
        .body(Full::new(Bytes::from_static(b"h2 body")))
        .unwrap();
    let resp = tokio::time::timeout(PATIENCE, client.request(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), http::Version::HTTP_2);
    let multi: Vec<_> = resp.headers().get_all("test-multi").iter().collect();
    assert_eq!(multi, ["one", "two"]);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"h2 body");
    let seen = s.echo.seen.lock().unwrap();
    assert_eq!(seen[0].protocol, Protocol::Http2);
    assert_eq!(&seen[0].target[..], b"/h2/path?x=1");
    assert_eq!(seen[0].headers.get_str("x-custom"), Some("v"));
    assert!(seen[0].headers.get_str("host").is_some());
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let s = start(ServerSettings {
        max_connections: 1,
        ..settings()
    })
    .await;
    let mut first = Client::connect(s.addr).await;
    first.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(first.response().await.status, 200);
    // The second connection completes its TCP handshake (backlog) but is served only after
    // the first one closes.
    let mut second = Client::connect(s.addr).await;
    second
        .send(b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    assert_eq!(s.state.open_connections(), 1);
    first
        .send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    assert_eq!(first.response().await.status, 200);
    assert_eq!(second.response().await.status, 200);
    let seen = s.echo.seen.lock().unwrap();
    assert_eq!(&seen.last().unwrap().target[..], b"/second");
}
