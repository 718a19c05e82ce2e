//! A raw HTTP/1.1 client for end-to-end tests: sends header names exactly as given and reads the
//! response with its header names exactly as the server wrote them (hyper's client would
//! lower-case both, hiding the casing rules these tests check).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as received.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Header lines in order, names as written by the server.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Every value of `name` (case-insensitive).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// All values of `name` joined with `", "`, as a folding client sees them.
    pub fn header(&self, name: &str) -> Option<String> {
        let all = self.header_all(name);
        if all.is_empty() {
            None
        } else {
            Some(all.join(", "))
        }
    }

    pub fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("<non-utf8>")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Sends one request on a new connection (`Connection: close` is not added: the response is read
/// by its framing) and returns the response.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<RawResponse> {
    let mut stream = TcpStream::connect(addr).await?;
    send_on(&mut stream, method, target, headers, body).await
}

/// Sends one request on an existing connection and reads one response.
pub async fn send_on(
    stream: &mut TcpStream,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<RawResponse> {
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    let has_host = headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host"));
    if !has_host {
        head.push_str("Host: localhost\r\n");
    }
    for (n, v) in headers {
        head.push_str(n);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    if let Some(b) = body {
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if let Some(b) = body {
        bytes.extend_from_slice(b);
    }
    stream.write_all(&bytes).await?;
    read_response(stream, method == "HEAD").await
}

/// Reads one response (Content-Length, chunked, or until close) with a generous timeout.
pub async fn read_response<S: AsyncRead + Unpin>(
    stream: &mut S,
    head_request: bool,
) -> std::io::Result<RawResponse> {
    tokio::time::timeout(
        Duration::from_secs(60),
        read_response_inner(stream, head_request),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no response"))?
}

async fn read_response_inner<S: AsyncRead + Unpin>(
    stream: &mut S,
    head_request: bool,
) -> std::io::Result<RawResponse> {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    let (status, headers, head_len) = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed before response",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut hdrs = [httparse::EMPTY_HEADER; 256];
        let mut resp = httparse::Response::new(&mut hdrs);
        match resp.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let status = resp.code.unwrap_or(0);
                let headers = resp
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_string(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect::<Vec<_>>();
                if status == 100 {
                    buf.drain(..len);
                    continue;
                }
                break (status, headers, len);
            }
            Ok(httparse::Status::Partial) => continue,
            Err(e) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    e.to_string(),
                ))
            }
        }
    };
    let mut body = buf.split_off(head_len);
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    if head_request || status == 204 || status == 304 {
        body.clear();
    } else if let Some(len) = find("content-length").and_then(|v| v.trim().parse::<usize>().ok()) {
        while body.len() < len {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        body.truncate(len);
    } else if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut raw = body;
        let mut out = Vec::new();
        loop {
            match httparse::parse_chunk_size(&raw) {
                Ok(httparse::Status::Complete((idx, size))) => {
                    let size = size as usize;
                    if size == 0 {
                        break;
                    }
                    if raw.len() >= idx + size + 2 {
                        out.extend_from_slice(&raw[idx..idx + size]);
                        raw.drain(..idx + size + 2);
                        continue;
                    }
                }
                Ok(httparse::Status::Partial) => {}
                Err(_) => break,
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&chunk[..n]);
        }
        body = out;
    } else {
        stream.read_to_end(&mut body).await?;
    }
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}
