//! HTTP/1.1 request heads: bytes in the read buffer -> [`Head`], with RFC 9112 framing rules.
//!
//! The request line is parsed here (httparse refuses non-UTF-8 targets, and API Gateway passes
//! the target's bytes through untouched); the header section is parsed with `httparse`. Names,
//! values and the target end up as zero-copy `Bytes` slices of the frozen head.

use bytes::{Bytes, BytesMut};
use http::Method;

use crate::message::{HeaderList, Protocol};

/// Header slots tried on the stack before falling back to `max_headers` slots on the heap.
/// Clients send a dozen or two; the slots are initialised on every request, so twice that,
/// not more (a request with more fields is parsed again, once).
const STACK_HEADERS: usize = 32;

/// How the request body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    Empty,
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A complete request head.
#[derive(Debug)]
pub struct Head {
    /// The method as sent (extension methods included).
    pub method: Method,
    /// The raw request target.
    pub target: Bytes,
    /// Header fields in order, original casing.
    pub headers: HeaderList,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub protocol: Protocol,
    /// How the body is delimited.
    pub framing: Framing,
    /// Whether the connection may be kept open after this exchange.
    pub keep_alive: bool,
    /// `Expect: 100-continue` on an HTTP/1.1 request.
    pub expect_continue: bool,
}

/// Why a head was refused; each maps to a status and the connection is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    /// Malformed request line, header or framing.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The request line alone is longer than the head limit.
    #[error("request line too long")]
    UriTooLong,
    /// The head is longer than the limit, or has too many fields.
    #[error("header section too large")]
    HeadersTooLarge,
    /// A transfer coding other than `chunked`.
    #[error("unsupported transfer coding")]
    NotImplemented,
}

impl HeadError {
    /// The status answered for this error.
    pub fn status(self) -> u16 {
        match self {
            HeadError::BadRequest(_) => 400,
            HeadError::UriTooLong => 414,
            HeadError::HeadersTooLarge => 431,
            HeadError::NotImplemented => 501,
        }
    }
}

/// Head size limits (`server.maxHeaderBytes`, `server.maxHeaders`).
#[derive(Debug, Clone, Copy)]
pub struct HeadLimits {
    /// Request line plus header section, in bytes.
    pub max_header_bytes: usize,
    /// Most header fields.
    pub max_headers: usize,
}

/// Byte ranges of a parsed head, relative to the start of the head.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

/// Parses request heads; keeps a per-connection scratch vector so a request costs no allocation
/// beyond its `HeaderList`.
#[derive(Debug, Default)]
pub struct HeadParser {
    /// (name, value) ranges of the last parsed head.
    fields: Vec<(Span, Span)>,
}

/// The request line: where its parts are and where the header section starts.
struct RequestLine {
    method: Span,
    target: Span,
    protocol: Protocol,
    headers_start: usize,
}

/// What the framing headers said, gathered while the fields are still borrowed.
#[derive(Default)]
struct Semantics {
    content_length: Option<u64>,
    chunked: bool,
    close: bool,
    keep_alive: bool,
    expect_continue: bool,
}

impl HeadParser {
    /// A parser with an empty scratch vector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a head from the front of `buf`. `Ok(None)`: incomplete, read more. On success the
    /// head's bytes are split off `buf`; what follows (body, pipelined requests) stays in it.
    pub fn parse(
        &mut self,
        buf: &mut BytesMut,
        limits: HeadLimits,
    ) -> Result<Option<Head>, HeadError> {
        let Some(line) = parse_request_line(buf, limits.max_header_bytes)? else {
            return Ok(None);
        };
        let rest = &buf[line.headers_start..];
        let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
        let parsed = if limits.max_headers <= STACK_HEADERS {
            self.parse_fields(rest, &mut stack[..limits.max_headers], line.headers_start)
        } else {
            match self.parse_fields(rest, &mut stack, line.headers_start) {
                Err(HeadError::HeadersTooLarge) => {
                    // Rare: more than `STACK_HEADERS` fields. A heap slot array sized to the limit.
                    let mut heap = vec![httparse::EMPTY_HEADER; limits.max_headers];
                    self.parse_fields(rest, &mut heap, line.headers_start)
                }
                other => other,
            }
        };
        let Some((len, sem)) = parsed? else {
            if buf.len() > limits.max_header_bytes {
                return Err(HeadError::HeadersTooLarge);
            }
            return Ok(None);
        };
        let head_len = line.headers_start + len;
        if head_len > limits.max_header_bytes {
            return Err(HeadError::HeadersTooLarge);
        }
        let framing = framing(&sem, line.protocol)?;
        let method = Method::from_bytes(&buf[line.method.start..line.method.end])
            .map_err(|_| HeadError::BadRequest("method"))?;
        let bytes = buf.split_to(head_len).freeze();
        let mut headers = HeaderList::with_capacity(self.fields.len());
        for (n, v) in &self.fields {
            headers.push_unchecked(bytes.slice(n.start..n.end), bytes.slice(v.start..v.end));
        }
        let keep_alive = match line.protocol {
            Protocol::Http10 => sem.keep_alive && !sem.close,
            _ => !sem.close,
        };
        Ok(Some(Head {
            method,
            target: bytes.slice(line.target.start..line.target.end),
            headers,
            protocol: line.protocol,
            framing,
            keep_alive,
            expect_continue: sem.expect_continue && line.protocol == Protocol::Http11,
        }))
    }

    /// Parses the header section (`rest`, which starts `offset` bytes into the head) into the
    /// scratch ranges. `Ok(None)`: incomplete.
    fn parse_fields<'b>(
        &mut self,
        rest: &'b [u8],
        slots: &mut [httparse::Header<'b>],
        offset: usize,
    ) -> Result<Option<(usize, Semantics)>, HeadError> {
        let (len, fields) = match httparse::parse_headers(rest, slots) {
            Ok(httparse::Status::Complete(done)) => done,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => return Err(HeadError::HeadersTooLarge),
            Err(_) => return Err(HeadError::BadRequest("header field")),
        };
        self.fields.clear();
        let mut sem = Semantics::default();
        for f in fields {
            let name = f.name.as_bytes();
            let (Some(n), Some(v)) = (span_in(rest, name, offset), span_in(rest, f.value, offset))
            else {
                return Err(HeadError::BadRequest("header field"));
            };
            self.fields.push((n, v));
            sem.observe(name, f.value)?;
        }
        Ok(Some((len, sem)))
    }
}

impl Semantics {
    /// Looks at one field; only framing and connection-management fields matter here.
    fn observe(&mut self, name: &[u8], value: &[u8]) -> Result<(), HeadError> {
        match name.len() {
            6 if name.eq_ignore_ascii_case(b"expect") => {
                self.expect_continue = trim(value).eq_ignore_ascii_case(b"100-continue");
            }
            10 if name.eq_ignore_ascii_case(b"connection") => {
                for token in list(value) {
                    self.close |= token.eq_ignore_ascii_case(b"close");
                    self.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
                }
            }
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                for item in value.split(|&b| b == b',') {
                    let n = parse_length(trim(item))?;
                    match self.content_length {
                        Some(prev) if prev != n => {
                            return Err(HeadError::BadRequest("conflicting content-length"))
                        }
                        _ => self.content_length = Some(n),
                    }
                }
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                let mut any = false;
                for coding in list(value) {
                    any = true;
                    if self.chunked {
                        // Anything after `chunked` (even another `chunked`) is invalid framing.
                        return Err(HeadError::BadRequest("coding after chunked"));
                    }
                    let name = trim(coding.split(|&b| b == b';').next().unwrap_or(coding));
                    if name.eq_ignore_ascii_case(b"chunked") {
                        self.chunked = true;
                    } else {
                        return Err(HeadError::NotImplemented);
                    }
                }
                if !any {
                    return Err(HeadError::BadRequest("empty transfer-encoding"));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Where `part` (a subslice of `whole`, as httparse returns) lies, shifted by `offset`; `None`
/// if it is not inside `whole`, which would be an httparse bug, never a reason to panic.
fn span_in(whole: &[u8], part: &[u8], offset: usize) -> Option<Span> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= whole.len()).then_some(Span {
        start: start + offset,
        end: end + offset,
    })
}

/// RFC 9112 §6: both framings present, or a transfer coding from an HTTP/1.0 client, is faulty.
fn framing(sem: &Semantics, protocol: Protocol) -> Result<Framing, HeadError> {
    match (sem.chunked, sem.content_length) {
        (true, Some(_)) => Err(HeadError::BadRequest(
            "content-length with transfer-encoding",
        )),
        (true, None) if protocol == Protocol::Http10 => {
            Err(HeadError::BadRequest("transfer-encoding from HTTP/1.0"))
        }
        (true, None) => Ok(Framing::Chunked),
        (false, Some(0)) | (false, None) => Ok(Framing::Empty),
        (false, Some(n)) => Ok(Framing::Length(n)),
    }
}

/// `1*DIGIT`, no sign, no overflow.
fn parse_length(digits: &[u8]) -> Result<u64, HeadError> {
    if digits.is_empty() || digits.len() > 19 {
        return Err(HeadError::BadRequest("content-length"));
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(HeadError::BadRequest("content-length"));
        }
        n = n * 10 + u64::from(d - b'0');
    }
    Ok(n)
}

/// The non-empty, trimmed elements of a comma-separated list.
fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim)
        .filter(|t| !t.is_empty())
}

/// Strips optional whitespace (SP, HTAB) on both sides.
fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// RFC 9110 `tchar`, as a table: the method is checked byte by byte on every request.
static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        i += 1;
    }
    t
};

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// Target bytes: anything visible, obs-text included (kept raw), never controls, space or DEL.
fn is_target_byte(b: u8) -> bool {
    b > 0x20 && b != 0x7f
}

/// `method SP request-target SP HTTP-version CRLF`, after any empty lines (RFC 9112 §2.2).
fn parse_request_line(buf: &[u8], max: usize) -> Result<Option<RequestLine>, HeadError> {
    let mut start = 0;
    while let Some(&b) = buf.get(start) {
        match (b, buf.get(start + 1)) {
            (b'\n', _) => start += 1,
            (b'\r', Some(b'\n')) => start += 2,
            (b'\r', None) => return Ok(None),
            _ => break,
        }
        if start > max {
            return Err(HeadError::HeadersTooLarge);
        }
    }
    let Some(lf) = memchr::memchr(b'\n', &buf[start..]).map(|i| start + i) else {
        if buf.len() > max {
            return Err(HeadError::UriTooLong);
        }
        return Ok(None);
    };
    if lf > max {
        return Err(HeadError::UriTooLong);
    }
    let end = if lf > start && buf[lf - 1] == b'\r' {
        lf - 1
    } else {
        lf
    };
    let line = &buf[start..end];
    let bad = HeadError::BadRequest("request line");
    let sp1 = line.iter().position(|&b| b == b' ').ok_or(bad)?;
    if sp1 == 0 || !line[..sp1].iter().all(|&b| is_tchar(b)) {
        return Err(bad);
    }
    let after = &line[sp1 + 1..];
    let sp2 = after.iter().position(|&b| b == b' ').ok_or(bad)?;
    if sp2 == 0 || !after[..sp2].iter().all(|&b| is_target_byte(b)) {
        return Err(bad);
    }
    let protocol = match &after[sp2 + 1..] {
        b"HTTP/1.1" => Protocol::Http11,
        b"HTTP/1.0" => Protocol::Http10,
        _ => return Err(HeadError::BadRequest("version")),
    };
    let mut target_start = start + sp1 + 1;
    let target_end = target_start + sp2;
    // Absolute form (`GET http://host/path?q HTTP/1.1`, RFC 9112 §3.2.2): the request is for
    // the path and query after the authority, as a proxy-configured client sends it.
    let target = &after[..sp2];
    let scheme = [&b"http://"[..], b"https://"]
        .into_iter()
        .find(|s| target.len() > s.len() && target[..s.len()].eq_ignore_ascii_case(s));
    if let Some(scheme) = scheme {
        let rest = &target[scheme.len()..];
        let path = rest
            .iter()
            .position(|&b| b == b'/')
            .filter(|&i| !rest[..i].contains(&b'?'))
            .ok_or(HeadError::BadRequest("request target"))?;
        target_start += scheme.len() + path;
    }
    Ok(Some(RequestLine {
        method: Span {
            start,
            end: start + sp1,
        },
        target: Span {
            start: target_start,
            end: target_end,
        },
        protocol,
        headers_start: lf + 1,
    }))
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
