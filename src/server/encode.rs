//! HTTP/1.1 response heads: [`Response`] -> wire bytes in a reused buffer.
//!
//! Header names are written exactly as the handler cased them. The server owns the framing
//! fields: a handler's `Content-Length`, `Transfer-Encoding` and `Connection` are not written
//! (the gateway renames a function's own before this point), and `Date` is added unless present.

use bytes::{BufMut, BytesMut};

use super::date;
use crate::message::Response;

/// What the connection decided about this response.
#[derive(Debug, Clone, Copy)]
pub struct EncodeOpts {
    /// The connection closes after this response: write `Connection: close`.
    pub close: bool,
    /// An HTTP/1.0 client asked for keep-alive and gets it: write `Connection: keep-alive`.
    pub keep_alive_10: bool,
    /// The request was `HEAD`: announce the length, send no body.
    pub head_request: bool,
}

/// Encodes the status line and header section into `out` (cleared first). Returns whether the
/// body must follow on the wire.
pub fn encode_head(out: &mut BytesMut, resp: &Response, opts: EncodeOpts) -> bool {
    out.clear();
    let status = if (100..=999).contains(&resp.status) {
        resp.status
    } else {
        tracing::error!(status = resp.status, "handler returned an invalid status");
        500
    };
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    out.put_slice(b"HTTP/1.1 ");
    out.put_slice(itoa::Buffer::new().format(status).as_bytes());
    out.put_u8(b' ');
    out.put_slice(reason.as_bytes());
    out.put_slice(b"\r\n");

    let mut has_date = false;
    for (name, value) in resp.headers.iter() {
        if is_framing(name) {
            continue;
        }
        if !writable(name, value) {
            tracing::error!("handler returned a header that cannot be written; dropped");
            continue;
        }
        has_date |= name.eq_ignore_ascii_case(b"date");
        out.put_slice(name);
        out.put_slice(b": ");
        out.put_slice(value);
        out.put_slice(b"\r\n");
    }
    if !has_date {
        out.put_slice(b"Date: ");
        date::with_date(|d| out.put_slice(d));
        out.put_slice(b"\r\n");
    }
    // 1xx and 204 carry no length and no content; 304 announces none here since the body it
    // describes is the selected representation's, which the gateway does not know.
    let bodiless = status < 200 || status == 204 || status == 304;
    if !bodiless {
        out.put_slice(b"Content-Length: ");
        out.put_slice(itoa::Buffer::new().format(resp.body.len()).as_bytes());
        out.put_slice(b"\r\n");
    }
    if opts.close {
        out.put_slice(b"Connection: close\r\n");
    } else if opts.keep_alive_10 {
        out.put_slice(b"Connection: keep-alive\r\n");
    }
    out.put_slice(b"\r\n");
    !bodiless && !opts.head_request && !resp.body.is_empty()
}

/// Fields whose meaning belongs to this connection, not to the handler.
fn is_framing(name: &[u8]) -> bool {
    match name.len() {
        10 => name.eq_ignore_ascii_case(b"connection"),
        14 => name.eq_ignore_ascii_case(b"content-length"),
        17 => name.eq_ignore_ascii_case(b"transfer-encoding"),
        _ => false,
    }
}

/// A field that cannot split the response: no CR, LF or NUL, and a name without `:` or spaces.
fn writable(name: &[u8], value: &[u8]) -> bool {
    !name.is_empty()
        && !name.iter().any(|&b| b <= b' ' || b == b':' || b == 0x7f)
        && memchr::memchr3(b'\r', b'\n', 0, value).is_none()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use bytes::Bytes;

    fn opts() -> EncodeOpts {
        EncodeOpts {
            close: false,
            keep_alive_10: false,
            head_request: false,
        }
    }

    fn text(out: &BytesMut) -> String {
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn keeps_casing_and_order_and_adds_framing() {
        let mut r = Response::new(200, "hello");
        r.headers.push("tesT-Multi", "a").unwrap();
        r.headers.push("tesT-Multi", "b").unwrap();
        r.headers.push("content-length", "999").unwrap();
        let mut out = BytesMut::new();
        assert!(encode_head(&mut out, &r, opts()));
        let s = text(&out);
        assert!(s.starts_with("HTTP/1.1 200 OK\r\ntesT-Multi: a\r\ntesT-Multi: b\r\nDate: "));
        assert!(s.ends_with("GMT\r\nContent-Length: 5\r\n\r\n"), "{s}");
        assert!(!s.contains("999"));
        assert!(!s.contains("Connection"));
    }

    #[test]
    fn head_and_bodiless_statuses() {
        let r = Response::new(200, "hello");
        let mut out = BytesMut::new();
        let o = EncodeOpts {
            head_request: true,
            close: true,
            ..opts()
        };
        assert!(!encode_head(&mut out, &r, o));
        let s = text(&out);
        assert!(s.contains("Content-Length: 5\r\n"));
        assert!(s.ends_with("Connection: close\r\n\r\n"));

        let r = Response::new(204, Bytes::new());
        assert!(!encode_head(&mut out, &r, opts()));
        assert!(!text(&out).contains("Content-Length"));
    }

    #[test]
    fn unknown_status_has_empty_reason_and_date_is_not_doubled() {
        let mut r = Response::new(599, Bytes::new());
        r.headers.push("date", "x").unwrap();
        let mut out = BytesMut::new();
        let o = EncodeOpts {
            keep_alive_10: true,
            ..opts()
        };
        encode_head(&mut out, &r, o);
        let s = text(&out);
        assert!(s.starts_with("HTTP/1.1 599 \r\ndate: x\r\nContent-Length: 0\r\n"));
        assert!(s.ends_with("Connection: keep-alive\r\n\r\n"));
    }

    #[test]
    fn drops_fields_that_would_split_the_response() {
        let mut r = Response::new(200, Bytes::new());
        r.headers.push_unchecked(
            Bytes::from_static(b"X-Bad"),
            Bytes::from_static(b"a\r\nb: c"),
        );
        let mut out = BytesMut::new();
        encode_head(&mut out, &r, opts());
        assert!(!text(&out).contains("X-Bad"));
    }
}
