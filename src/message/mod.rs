//! The gateway's own HTTP message types.
//!
//! API Gateway keeps the exact casing of header names in both directions (REST proxy events carry
//! `tEsT-HEADeR` as the client sent it, and a function's `tesT-Multi` reaches the client as written).
//! `http::HeaderMap` lower-cases names, so apigate's front end parses and writes HTTP/1.1 itself and
//! hands the gateway these types: ordered header lists with original-case names, the raw request
//! target, and the body as `Bytes` (zero-copy slices of the connection's read buffer).
//!
//! # Layout
//! - [`headers`]: [`HeaderList`], an ordered, case-preserving, case-insensitively searchable list.
//! - [`request`]: [`Request`], one fully received client request plus its connection facts.
//! - [`response`]: [`Response`], what the gateway answers; the server encodes it.

pub mod headers;
pub mod request;
pub mod response;

pub use headers::{HeaderList, InvalidHeader};
pub use request::{BodyState, Protocol, Request};
pub use response::Response;
