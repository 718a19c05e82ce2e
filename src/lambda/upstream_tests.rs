//! Unit tests of the upstream HTTP/1.1 client: request bytes, reply framing, reuse rules.

#![allow(clippy::unwrap_used)]
use super::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// A one-connection server: returns the address and a handle yielding what the client wrote
/// (up to the first complete head plus `Content-Length` body), after answering `replies` in turn.
async fn serve(
    replies: Vec<&'static [u8]>,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut seen = Vec::new();
        for reply in replies {
            let mut buf = vec![0u8; 65536];
            // Read until a blank line and the declared body.
            let start = seen.len();
            loop {
                let n = sock.read(&mut buf).await.unwrap();
                if n == 0 {
                    return seen;
                }
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen[start..]).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length: "))
                        .map_or(0, |v| v.parse::<usize>().unwrap());
                    if seen.len() - start >= end + 4 + len {
                        break;
                    }
                }
            }
            sock.write_all(reply).await.unwrap();
        }
        // Wait for the client to hang up.
        let mut rest = [0u8; 16];
        let _ = sock.read(&mut rest).await;
        seen
    });
    (addr, task)
}

async fn upstream(addr: std::net::SocketAddr) -> Upstream {
    let uri: Uri = format!("http://{addr}/").parse().unwrap();
    let authority = uri.authority().unwrap().clone();
    Upstream::connect(&HttpConnector::new(), &uri, authority)
        .await
        .unwrap()
}

fn post(addr: std::net::SocketAddr, body: &'static str) -> http::Request<Bytes> {
    http::Request::builder()
        .method(Method::POST)
        .uri(format!(
            "http://{addr}/2015-03-31/functions/f/invocations?q=1"
        ))
        .header("content-type", "application/json")
        .header("content-length", "999")
        .body(Bytes::from_static(body.as_bytes()))
        .unwrap()
}

#[tokio::test]
async fn writes_origin_form_host_and_its_own_length() {
    let (addr, server) = serve(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]).await;
    let mut up = upstream(addr).await;
    let reply = up.call(&post(addr, "{}")).await.unwrap();
    assert_eq!(reply.body.as_ref(), b"ok");
    drop(up);
    let seen = String::from_utf8(server.await.unwrap()).unwrap();
    assert_eq!(
        seen,
        format!(
            "POST /2015-03-31/functions/f/invocations?q=1 HTTP/1.1\r\nhost: {addr}\r\n\
             content-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
        )
    );
}

#[tokio::test]
async fn keeps_the_connection_for_the_next_call() {
    let (addr, server) = serve(vec![
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 1\r\n\r\na",
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nbc\r\n1\r\nd\r\n0\r\n\r\n",
    ])
    .await;
    let mut up = upstream(addr).await;
    let first = up.call(&post(addr, "1")).await.unwrap();
    assert_eq!(first.status, 200);
    let values: Vec<_> = first.get_all("x-a").collect();
    assert_eq!(values, [&b"1"[..], b"2"]);
    assert!(up.keeps_alive() && up.is_reusable());
    let second = up.call(&post(addr, "2")).await.unwrap();
    assert_eq!(second.status, 201);
    assert_eq!(second.body.as_ref(), b"bcd");
    assert!(up.keeps_alive());
    drop(up);
    server.await.unwrap();
}

#[tokio::test]
async fn connection_close_ends_reuse() {
    let (addr, server) = serve(vec![
        b"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nok",
    ])
    .await;
    let mut up = upstream(addr).await;
    let reply = up.call(&post(addr, "x")).await.unwrap();
    assert_eq!(reply.body.as_ref(), b"ok");
    assert!(!up.keeps_alive());
    drop(up);
    server.await.unwrap();
}

/// A reply whose head (status line, a filler field, `X-Last`, `Content-Length`, blank line) is
/// exactly `head_len` bytes long, with a two-byte body.
fn reply_with_head_of(head_len: usize) -> &'static [u8] {
    let head = |filler: &str| {
        format!("HTTP/1.1 200 OK\r\nX-Filler: {filler}\r\nX-Last: end\r\nContent-Length: 2\r\n\r\n")
    };
    let fixed = head("").len();
    let text = head(&"a".repeat(head_len - fixed)) + "ok";
    // Leaked: `serve` takes static replies, and a test process ends soon.
    Box::leak(text.into_bytes().into_boxed_slice())
}

/// Field offsets are 16-bit: the last field of a head of `u16::MAX` bytes reads back whole, and
/// a head one byte longer is refused rather than read with wrapped offsets.
#[tokio::test]
async fn heads_up_to_u16_max_bytes_keep_every_field() {
    let (addr, server) = serve(vec![reply_with_head_of(MAX_HEAD)]).await;
    let mut up = upstream(addr).await;
    let reply = up.call(&post(addr, "x")).await.unwrap();
    assert_eq!(reply.get("x-last"), Some(&b"end"[..]));
    assert_eq!(reply.get("content-length"), Some(&b"2"[..]));
    assert_eq!(reply.body.as_ref(), b"ok");
    drop(up);
    server.await.unwrap();

    let (addr, server) = serve(vec![reply_with_head_of(MAX_HEAD + 1)]).await;
    let mut up = upstream(addr).await;
    let err = up.call(&post(addr, "x")).await.unwrap_err().into_inner();
    assert!(
        matches!(&err, InvokeError::Protocol(m) if m == "response head too large"),
        "{err:?}"
    );
    drop(up);
    server.await.unwrap();
}

#[tokio::test]
async fn a_closed_connection_is_not_reusable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let _ = sock.read(&mut buf).await.unwrap();
        sock.write_all(b"HTTP/1.0 200 OK\r\n\r\nbye").await.unwrap();
    });
    let mut up = upstream(addr).await;
    let reply = up.call(&post(addr, "x")).await.unwrap();
    assert_eq!(reply.version, Version::HTTP_10);
    assert_eq!(reply.body.as_ref(), b"bye");
    assert!(!up.keeps_alive());
    server.await.unwrap();
}

#[test]
fn framing_rules() {
    let reply = |status: u16, fields: &[(&str, &str)]| {
        let mut head = format!("HTTP/1.1 {status} X\r\n");
        for (n, v) in fields {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        parse_head(&mut BytesMut::from(head.as_bytes()))
            .unwrap()
            .unwrap()
    };
    let f = |r: &Reply| framing(r, false);
    assert_eq!(
        f(&reply(204, &[("content-length", "5")])).unwrap(),
        Framing::Empty
    );
    assert_eq!(f(&reply(304, &[])).unwrap(), Framing::Empty);
    assert_eq!(
        framing(&reply(200, &[("content-length", "5")]), true).unwrap(),
        Framing::Empty
    );
    assert_eq!(
        f(&reply(200, &[("content-length", "5")])).unwrap(),
        Framing::Length(5)
    );
    assert_eq!(
        f(&reply(200, &[("content-length", "5, 5")])).unwrap(),
        Framing::Length(5)
    );
    assert!(f(&reply(
        200,
        &[("content-length", "5"), ("content-length", "6")]
    ))
    .is_err());
    assert!(f(&reply(200, &[("content-length", "+5")])).is_err());
    assert!(f(&reply(200, &[("content-length", "")])).is_err());
    let te = [
        ("transfer-encoding", "gzip, chunked"),
        ("content-length", "3"),
    ];
    assert_eq!(f(&reply(200, &te)).unwrap(), Framing::Chunked);
    assert_eq!(
        f(&reply(200, &[("transfer-encoding", "gzip")])).unwrap(),
        Framing::UntilClose
    );
    assert_eq!(f(&reply(200, &[])).unwrap(), Framing::UntilClose);
}

#[test]
fn heads_parse_into_shared_slices() {
    let mut buf = BytesMut::from(&b"HTTP/1.1 502 Bad Gateway\r\nA: b\r\n\r\nrest"[..]);
    let reply = parse_head(&mut buf).unwrap().unwrap();
    assert_eq!(reply.status, 502);
    assert_eq!(reply.get("a"), Some(&b"b"[..]));
    assert_eq!(&buf[..], b"rest");
    let mut partial = BytesMut::from(&b"HTTP/1.1 200 OK\r\nA: b\r\n"[..]);
    assert!(parse_head(&mut partial).unwrap().is_none());
    let mut garbage = BytesMut::from(&b"NOT HTTP\r\n\r\n"[..]);
    assert!(matches!(
        parse_head(&mut garbage),
        Err(InvokeError::Protocol(_))
    ));
}

#[test]
fn bodyless_methods_send_no_length() {
    let req = http::Request::builder()
        .method(Method::GET)
        .uri("http://h/x")
        .body(Bytes::new())
        .unwrap();
    let mut out = Vec::new();
    req.write_head(&mut out, b"h");
    assert_eq!(out, b"GET /x HTTP/1.1\r\nhost: h\r\n\r\n");
    let req = http::Request::builder()
        .method(Method::POST)
        .uri("http://h")
        .body(Bytes::new())
        .unwrap();
    out.clear();
    req.write_head(&mut out, b"h");
    assert_eq!(
        out,
        b"POST / HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\n\r\n"
    );
}

#[test]
fn heads_with_many_fields_parse() {
    let mut head = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..100 {
        head.push_str(&format!("X-F{i}: {i}\r\n"));
    }
    head.push_str("\r\n");
    let mut buf = BytesMut::from(head.as_bytes());
    let reply = parse_head(&mut buf).unwrap().unwrap();
    assert_eq!(reply.fields().count(), 100);
    assert_eq!(reply.get("x-f99"), Some(&b"99"[..]));
    head.insert_str(17, &"X-Y: 1\r\n".repeat(40));
    let mut buf = BytesMut::from(head.as_bytes());
    assert!(matches!(
        parse_head(&mut buf),
        Err(InvokeError::Protocol(_))
    ));
}
