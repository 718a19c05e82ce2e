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

/// A new 16-character id like API Gateway's `extendedRequestId` (`MIZRNhJtIAMEMDw=`): the
/// standard base64 of 11 random bytes. AWS's ids are exactly that (every captured one decodes,
/// and its last character before `=` carries two zero bits), so a client that decodes them
/// must not fail on ours.
pub fn extended_request_id() -> String {
    use base64::Engine;
    let mut raw = [0u8; 11];
    raw[..8].copy_from_slice(&fastrand::u64(..).to_le_bytes());
    raw[8..].copy_from_slice(&fastrand::u32(..).to_le_bytes()[..3]);
    base64::engine::general_purpose::STANDARD.encode(raw)
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

    #[test]
    fn extended_ids_are_canonical_base64_of_11_bytes() {
        use base64::Engine;
        // AWS-captured ids decode canonically; a random 15th character would not, 3 times in 4.
        for id in ["MIZRNhJtIAMEMDw=", "JKJaXmPLvHcESHA="]
            .into_iter()
            .map(String::from)
            .chain((0..64).map(|_| extended_request_id()))
        {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(&id)
                .unwrap();
            assert_eq!(raw.len(), 11, "{id}");
        }
    }
}
