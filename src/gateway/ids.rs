//! Request ids and trace ids in API Gateway's formats.
//!
//! - `requestId`: UUID v4 (REST), also sent as `x-amzn-RequestId`.
//! - `extendedRequestId` / HTTP API `requestId`: 16 characters of base64 alphabet ending in `=`.
//! - `X-Amzn-Trace-Id`: `Root=1-{8 hex epoch seconds}-{24 hex}`; a client's `Root=` is reused.

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

/// The trace id for this request: the client's `X-Amzn-Trace-Id` when it carries a valid `Root=`,
/// else a new one rooted at `epoch_secs`.
pub fn trace_id(headers: &HeaderList, epoch_secs: u64) -> String {
    if let Some(v) = headers.get_str("x-amzn-trace-id") {
        if v.split(';').any(|part| is_valid_root(part.trim())) {
            return v.to_string();
        }
    }
    new_trace_id(epoch_secs)
}

/// `Root=1-{8 hex}-{24 hex}`.
pub fn new_trace_id(epoch_secs: u64) -> String {
    format!(
        "Root=1-{:08x}-{:024x}",
        epoch_secs as u32,
        fastrand::u128(..) & ((1u128 << 96) - 1)
    )
}

fn is_valid_root(part: &str) -> bool {
    let Some(rest) = part.strip_prefix("Root=1-") else {
        return false;
    };
    let b = rest.as_bytes();
    b.len() == 33
        && b[8] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 8 || c.is_ascii_hexdigit())
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
