//! Request ids and trace ids in API Gateway's formats.
//!
//! - `requestId`: UUID v4 (REST), also sent as `x-amzn-RequestId`.
//! - `extendedRequestId` / HTTP API `requestId`: 16 characters of base64 alphabet ending in `=`.
//! - `X-Amzn-Trace-Id`: `Root=1-{8 hex epoch seconds}-{24 hex}`; a client's `Root=` is reused,
//!   a W3C `traceparent` is bridged (the logic lives in [`crate::trace_context`]).

/// A new UUID v4 in its hyphenated lower-case form.
pub fn request_uuid() -> String {
    // Encoded into a stack buffer: `to_string` goes through the formatting machinery.
    let mut buf = uuid::Uuid::encode_buffer();
    uuid::Uuid::new_v4()
        .hyphenated()
        .encode_lower(&mut buf)
        .to_owned()
}

/// A new 16-character id like API Gateway's `extendedRequestId` (`MIZRNhJtIAMEMDw=`).
pub fn extended_request_id() -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(16);
    for _ in 0..15 {
        s.push(ALPHABET[fastrand::usize(..64)] as char);
    }
    s.push('=');
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formats() {
        let id = request_uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        let e = extended_request_id();
        assert_eq!(e.len(), 16);
        assert!(e.ends_with('='));
    }
}
