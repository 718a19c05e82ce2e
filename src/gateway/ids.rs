//! Request ids and trace ids in API Gateway's formats.
//!
//! - `requestId`: UUID v4 (REST), also sent as `x-amzn-RequestId`.
//! - `extendedRequestId` / HTTP API `requestId`: 16 characters of base64 alphabet ending in `=`.
//! - `X-Amzn-Trace-Id`: `Root=1-{8 hex epoch seconds}-{24 hex}`; a client's `Root=` is reused,
//!   a W3C `traceparent` is bridged (the logic lives in [`crate::trace_context`]).

use crate::message::HeaderList;

/// A new UUID v4 in its hyphenated lower-case form.
pub fn request_uuid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
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

/// The `X-Amzn-Trace-Id` for this request: the client's when it carries a valid `Root=`, else one
/// bridged from a valid W3C `traceparent`, else a new one rooted at `epoch_secs`
/// (see [`crate::trace_context::TraceContext`], which also gives the W3C form).
pub fn trace_id(headers: &HeaderList, epoch_secs: u64) -> String {
    crate::trace_context::TraceContext::from_headers(headers, epoch_secs)
        .amzn_trace_id()
        .to_owned()
}

/// `Root=1-{8 hex}-{24 hex}`.
pub fn new_trace_id(epoch_secs: u64) -> String {
    let id = crate::trace_context::new_trace_id(epoch_secs);
    format!(
        "Root=1-{:08x}-{:024x}",
        (id >> 96) as u32,
        id & ((1u128 << 96) - 1)
    )
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
        let t = new_trace_id(0x5e60_0000);
        assert!(t.starts_with("Root=1-5e600000-"), "{t}");
        assert_eq!(t.len(), "Root=1-".len() + 33);
    }

    #[test]
    fn reuses_a_valid_client_root() {
        let mut h = HeaderList::new();
        h.push(
            "X-Amzn-Trace-Id",
            "Root=1-5e600000-0123456789abcdef01234567;Sampled=1",
        )
        .unwrap();
        assert_eq!(
            trace_id(&h, 1),
            "Root=1-5e600000-0123456789abcdef01234567;Sampled=1"
        );
        let mut bad = HeaderList::new();
        bad.push("X-Amzn-Trace-Id", "garbage").unwrap();
        assert!(trace_id(&bad, 1).starts_with("Root=1-00000001-"));
    }
}
