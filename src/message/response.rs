//! [`Response`]: what the gateway answers, before the server encodes it.

use bytes::Bytes;

use super::HeaderList;

/// A complete response. The server adds `Content-Length`, `Date` and `Connection` itself; a
/// handler never sets them (a function's own are renamed to `x-amzn-Remapped-*` before this point).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code, 100..=599.
    pub status: u16,
    /// Header fields in order, with the casing to write on the wire.
    pub headers: HeaderList,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// A response with no headers.
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Response {
            status,
            headers: HeaderList::new(),
            body: body.into(),
        }
    }
}
