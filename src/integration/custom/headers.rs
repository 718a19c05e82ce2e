//! Header names API Gateway treats specially in custom integrations: integration request
//! headers it refuses to map (500, mapping.md §5.5) and method response headers it renames or
//! drops when mapped (§6.3).

/// Mapping one of these as `integration.request.header.*` fails the request with a 500.
const ILLEGAL_REQUEST_HEADERS: [&str; 7] = [
    "content-length",
    "transfer-encoding",
    "authorization",
    "connection",
    "expect",
    "proxy-authenticate",
    "te",
];

/// Mapped method response headers sent as `x-amzn-Remapped-<Name>`.
const REMAPPED_RESPONSE_HEADERS: [&str; 14] = [
    "authorization",
    "connection",
    "content-length",
    "content-md5",
    "date",
    "expect",
    "host",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "trailer",
    "upgrade",
    "user-agent",
    "www-authenticate",
];

/// Whether API Gateway refuses `name` as a mapped integration request header.
pub fn is_illegal_request_header(name: &str) -> bool {
    ILLEGAL_REQUEST_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// The name a mapped method response header is sent under; `None` when it is dropped.
pub fn response_header_name(name: &str) -> Option<std::borrow::Cow<'_, str>> {
    if name.eq_ignore_ascii_case("transfer-encoding") {
        return None;
    }
    if REMAPPED_RESPONSE_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
    {
        return Some(std::borrow::Cow::Owned(format!("x-amzn-Remapped-{name}")));
    }
    Some(std::borrow::Cow::Borrowed(name))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn illegal_request_headers_are_case_insensitive() {
        for h in [
            "Content-Length",
            "AUTHORIZATION",
            "te",
            "Expect",
            "Connection",
        ] {
            assert!(is_illegal_request_header(h), "{h}");
        }
        assert!(!is_illegal_request_header("X-Amz-Invocation-Type"));
        assert!(!is_illegal_request_header("Accept"));
    }

    #[test]
    fn reserved_response_headers_are_renamed_or_dropped() {
        assert_eq!(
            response_header_name("Date").unwrap(),
            "x-amzn-Remapped-Date"
        );
        assert_eq!(
            response_header_name("WWW-Authenticate").unwrap(),
            "x-amzn-Remapped-WWW-Authenticate"
        );
        assert_eq!(response_header_name("Transfer-Encoding"), None);
        assert_eq!(
            response_header_name("Content-Type").unwrap(),
            "Content-Type"
        );
        assert_eq!(response_header_name("Via").unwrap(), "Via");
        assert_eq!(response_header_name("X-Custom").unwrap(), "X-Custom");
    }
}
