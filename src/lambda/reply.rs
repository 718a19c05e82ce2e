//! [`Reply`]: a function endpoint's HTTP/1.1 reply as the hot-path client reads it, and
//! [`Outgoing`]: a request as that client writes it.
//!
//! A reply keeps its head as received (one `Bytes`) and its fields as offsets into it, so reading
//! one costs no header map: the Invoke API path looks up the two or three fields it needs
//! directly. [`Reply::into_http`] builds an `http::Response` for the paths that hand the reply on
//! (a Function URL's response to a forwarded request).

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{StatusCode, Uri, Version};
use smallvec::SmallVec;

use super::InvokeError;

/// Field slots kept inline (a Lambda reply has a handful).
pub(super) const INLINE_FIELDS: usize = 16;

/// Where one field's name and value sit in the head. Sixteen-bit offsets: the client refuses a
/// head longer than `u16::MAX` bytes, and a [`Reply`] is moved through each future that awaits
/// it, so its inline slots are kept small.
#[derive(Debug, Clone, Copy)]
pub(super) struct FieldSpan {
    pub(super) name: u16,
    pub(super) name_len: u16,
    pub(super) value: u16,
    pub(super) value_len: u16,
}

impl FieldSpan {
    fn name_range(&self) -> std::ops::Range<usize> {
        usize::from(self.name)..usize::from(self.name) + usize::from(self.name_len)
    }

    fn value_range(&self) -> std::ops::Range<usize> {
        usize::from(self.value)..usize::from(self.value) + usize::from(self.value_len)
    }
}

/// A complete reply: status, fields (in received order) and body.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    head: Bytes,
    fields: SmallVec<[FieldSpan; INLINE_FIELDS]>,
    /// The whole body, framing removed.
    pub body: Bytes,
}

impl Reply {
    /// A reply from its parsed head; `fields` point into `head` (checked by the parser).
    pub(super) fn new(
        status: StatusCode,
        version: Version,
        head: Bytes,
        fields: SmallVec<[FieldSpan; INLINE_FIELDS]>,
    ) -> Reply {
        Reply {
            status,
            version,
            head,
            fields,
            body: Bytes::new(),
        }
    }

    /// Every field as (name, value), in received order.
    pub fn fields(&self) -> impl DoubleEndedIterator<Item = (&[u8], &[u8])> {
        self.fields.iter().map(|f| {
            let name = &self.head[f.name_range()];
            let value = &self.head[f.value_range()];
            (name, value)
        })
    }

    /// Every value of the (case-insensitive) field `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl DoubleEndedIterator<Item = &'a [u8]> + 'a {
        self.fields()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The first value of the (case-insensitive) field `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The reply as an `http::Response`, values sharing the received head.
    pub fn into_http(self) -> Result<http::Response<Bytes>, InvokeError> {
        let mut reply = http::Response::new(self.body);
        *reply.status_mut() = self.status;
        *reply.version_mut() = self.version;
        let headers = reply.headers_mut();
        headers.reserve(self.fields.len());
        for f in &self.fields {
            let name = &self.head[f.name_range()];
            let name =
                HeaderName::from_bytes(name).map_err(|e| InvokeError::Protocol(e.to_string()))?;
            let value = self.head.slice(f.value_range());
            let value = HeaderValue::from_maybe_shared(value)
                .map_err(|e| InvokeError::Protocol(e.to_string()))?;
            headers.append(name, value);
        }
        Ok(reply)
    }
}

/// A request the hot-path client can write: where it goes, its body, and its head.
pub trait Outgoing {
    /// The absolute `http://` URI (its authority picks the connection).
    fn uri(&self) -> &Uri;
    /// The body, sent as is with a `Content-Length`.
    fn body(&self) -> &Bytes;
    /// Whether this is a `HEAD` request (its reply has no body whatever its fields say).
    fn is_head(&self) -> bool;
    /// Writes the request line and fields, through the blank line. `host` is the connection's
    /// `Host` value, for requests that do not carry their own.
    fn write_head(&self, out: &mut Vec<u8>, host: &[u8]);
}

/// Appends the request line `METHOD target HTTP/1.1` for `uri` in origin form.
pub(super) fn request_line(out: &mut Vec<u8>, method: &str, uri: &Uri) {
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    out.extend_from_slice(if target.is_empty() {
        b"/"
    } else {
        target.as_bytes()
    });
    out.extend_from_slice(b" HTTP/1.1\r\n");
}

/// Appends a `content-length` field for a body of `len` bytes.
pub(super) fn content_length(out: &mut Vec<u8>, len: usize) {
    field(
        out,
        b"content-length",
        itoa::Buffer::new().format(len).as_bytes(),
    );
}

/// Appends one `name: value` field line.
pub(super) fn field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn reply() -> Reply {
        let head = Bytes::from_static(b"HTTP/1.1 200 OK\r\nA: 1\r\nb: 2\r\na: 3\r\n\r\n");
        let span = |name: u16, value: u16| FieldSpan {
            name,
            name_len: 1,
            value,
            value_len: 1,
        };
        let fields = [span(17, 20), span(23, 26), span(29, 32)]
            .into_iter()
            .collect();
        Reply::new(StatusCode::OK, Version::HTTP_11, head, fields)
    }

    #[test]
    fn fields_are_looked_up_without_regard_to_case() {
        let r = reply();
        assert_eq!(r.get("a"), Some(&b"1"[..]));
        assert_eq!(r.get_all("A").collect::<Vec<_>>(), [&b"1"[..], b"3"]);
        assert_eq!(r.get("c"), None);
        let names: Vec<_> = r.fields().map(|(n, _)| n.to_vec()).collect();
        assert_eq!(names, [b"A".to_vec(), b"b".to_vec(), b"a".to_vec()]);
    }

    #[test]
    fn converts_to_an_http_response_in_order() {
        let http = reply().into_http().unwrap();
        assert_eq!(http.status(), 200);
        let all: Vec<_> = http.headers().get_all("a").iter().collect();
        assert_eq!(all, ["1", "3"]);
        assert_eq!(http.headers()["b"], "2");
    }
}
