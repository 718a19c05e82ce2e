//! Headers and bodies a function returns, as API Gateway passes them on (spec proxy-auth §4.6,
//! §4.7): reserved names are remapped, values checked, base64 decoded.
//!
//! `Connection`, `Content-Length`, `Date` and `Server` from a function would clash with the ones
//! the server writes, so they reach the client as `x-amzn-Remapped-Connection` etc.;
//! `Transfer-Encoding` is dropped. The same table applies to every API kind, which keeps the
//! server's framing headers its own. A name or value that cannot be written on the wire (control
//! characters, CR/LF) makes the response malformed rather than being passed through.

use std::borrow::Cow;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::gateway::error::GatewayError;
use crate::message::HeaderList;

const REMAPPED: [(&str, &str); 4] = [
    ("connection", "x-amzn-Remapped-Connection"),
    ("content-length", "x-amzn-Remapped-Content-Length"),
    ("date", "x-amzn-Remapped-Date"),
    ("server", "x-amzn-Remapped-Server"),
];

/// Appends one function-returned header, remapped or dropped as API Gateway does.
pub fn push_function_header(
    out: &mut HeaderList,
    name: &str,
    value: &str,
) -> Result<(), GatewayError> {
    if name.eq_ignore_ascii_case("transfer-encoding") {
        return Ok(());
    }
    let name: Cow<'_, str> = match REMAPPED.iter().find(|(n, _)| name.eq_ignore_ascii_case(n)) {
        Some((_, remapped)) => Cow::Borrowed(remapped),
        None => Cow::Borrowed(name),
    };
    // Deliberate copies: header names and values are small, and owning them lets the payload
    // buffer be handed on as the body.
    out.push(
        bytes::Bytes::copy_from_slice(name.as_bytes()),
        bytes::Bytes::copy_from_slice(value.as_bytes()),
    )
    .map_err(|e| GatewayError::MalformedProxyResponse(format!("header '{name}': {e}")))
}

/// Base64 as functions produce it: standard alphabet, padding optional.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes a base64 body.
pub fn decode_base64(text: &[u8]) -> Result<Vec<u8>, base64::DecodeError> {
    LENIENT.decode(text)
}

/// The JSON text with insignificant whitespace removed (number and string spelling untouched);
/// `None` when it already has none, so the caller can reuse the original bytes.
pub fn minify_json(text: &[u8]) -> Option<Vec<u8>> {
    let trimmed = text.trim_ascii();
    let mut in_string = false;
    let mut escape = false;
    let mut out: Option<Vec<u8>> = None;
    for (i, &b) in trimmed.iter().enumerate() {
        let keep = if in_string {
            if escape {
                escape = false;
            } else if b == b'\\' {
                escape = true;
            } else if b == b'"' {
                in_string = false;
            }
            true
        } else {
            if b == b'"' {
                in_string = true;
            }
            !matches!(b, b' ' | b'\t' | b'\n' | b'\r')
        };
        match (&mut out, keep) {
            (Some(o), true) => o.push(b),
            (None, false) => {
                let mut o = Vec::with_capacity(trimmed.len());
                o.extend_from_slice(&trimmed[..i]);
                out = Some(o);
            }
            _ => {}
        }
    }
    if out.is_none() && trimmed.len() != text.len() {
        return Some(trimmed.to_vec());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn remaps_and_drops() {
        let mut h = HeaderList::new();
        push_function_header(&mut h, "content-length", "5").unwrap();
        push_function_header(&mut h, "Server", "x").unwrap();
        push_function_header(&mut h, "Date", "d").unwrap();
        push_function_header(&mut h, "Connection", "close").unwrap();
        push_function_header(&mut h, "Transfer-Encoding", "chunked").unwrap();
        push_function_header(&mut h, "X-Ok", "1").unwrap();
        let names: Vec<_> = h
            .iter()
            .map(|(n, _)| String::from_utf8(n.to_vec()).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "x-amzn-Remapped-Content-Length",
                "x-amzn-Remapped-Server",
                "x-amzn-Remapped-Date",
                "x-amzn-Remapped-Connection",
                "X-Ok"
            ]
        );
        assert!(push_function_header(&mut h, "X-Bad", "a\r\nb").is_err());
        assert!(push_function_header(&mut h, "bad name", "v").is_err());
    }

    #[test]
    fn base64_padding_optional() {
        assert_eq!(decode_base64(b"dGVzdC1kYXRh").unwrap(), b"test-data");
        assert_eq!(decode_base64(b"YQ").unwrap(), b"a");
        assert!(decode_base64(b"not base64!").is_err());
    }

    #[test]
    fn minifies_outside_strings_only() {
        assert_eq!(
            minify_json(b" { \"a b\" : [1, 2.50, \"x\\\" y\"] }\n").unwrap(),
            b"{\"a b\":[1,2.50,\"x\\\" y\"]}"
        );
        assert_eq!(minify_json(b"[\"hello\",3,true]"), None);
        assert_eq!(minify_json(b"3.1\n").unwrap(), b"3.1");
    }
}
