//! Unit tests of the request-head parser (kept beside `codec.rs`).
#![allow(clippy::unwrap_used)]

use super::*;
use proptest::prelude::*;

const LIMITS: HeadLimits = HeadLimits {
    max_header_bytes: 1024,
    max_headers: 16,
};

fn parse(wire: &[u8]) -> (Result<Option<Head>, HeadError>, BytesMut) {
    parse_with(wire, LIMITS)
}

fn parse_with(wire: &[u8], limits: HeadLimits) -> (Result<Option<Head>, HeadError>, BytesMut) {
    let mut buf = BytesMut::from(wire);
    let r = HeadParser::new().parse(&mut buf, limits);
    (r, buf)
}

fn head(wire: &[u8]) -> (Head, BytesMut) {
    let (r, rest) = parse(wire);
    (r.unwrap().unwrap(), rest)
}

#[test]
fn parses_a_head_keeping_casing_order_and_the_rest() {
    let (h, rest) = head(
        b"POST /test/a%2Fb?x=1 HTTP/1.1\r\nHost: h\r\ntEsT-HEADeR: v1\r\nX-Dup: 1\r\nx-dup: 2\r\nContent-Length: 4\r\n\r\nbodyNEXT",
    );
    assert_eq!(h.method, Method::POST);
    assert_eq!(&h.target[..], b"/test/a%2Fb?x=1");
    assert_eq!(h.protocol, Protocol::Http11);
    assert_eq!(h.framing, Framing::Length(4));
    assert!(h.keep_alive);
    let names: Vec<_> = h.headers.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names[1], "tEsT-HEADeR");
    assert_eq!(names[2], "X-Dup");
    assert_eq!(names[3], "x-dup");
    assert_eq!(h.headers.get_all("x-dup").count(), 2);
    assert_eq!(&rest[..], b"bodyNEXT");
}

#[test]
fn incomplete_heads_ask_for_more() {
    for wire in [&b""[..], b"GET", b"GET / HTTP/1.1\r\nHost: x\r\n", b"\r"] {
        assert!(matches!(parse(wire).0, Ok(None)), "{wire:?}");
    }
}

#[test]
fn raw_non_utf8_target_and_extension_methods_pass() {
    let (h, _) = head(b"PURGE /caf\xe9/\xff?q=\x80 HTTP/1.1\r\n\r\n");
    assert_eq!(h.method.as_str(), "PURGE");
    assert_eq!(&h.target[..], b"/caf\xe9/\xff?q=\x80");
}

#[test]
fn absolute_form_targets_keep_the_path_and_query() {
    for (wire, want) in [
        (
            &b"GET http://other.example/zz?q=1 HTTP/1.1\r\nHost: h\r\n\r\n"[..],
            &b"/zz?q=1"[..],
        ),
        (b"GET HTTPS://h:8443/a/b HTTP/1.1\r\n\r\n", b"/a/b"),
        (b"GET http://h/ HTTP/1.1\r\n\r\n", b"/"),
    ] {
        let (h, _) = head(wire);
        assert_eq!(&h.target[..], want, "{wire:?}");
    }
    // No path at all: nothing to route.
    for wire in [
        &b"GET http://h HTTP/1.1\r\n\r\n"[..],
        b"GET http://h?x=/y HTTP/1.1\r\n\r\n",
    ] {
        assert!(
            matches!(parse(wire).0, Err(HeadError::BadRequest(_))),
            "{wire:?}"
        );
    }
}

#[test]
fn leading_empty_lines_are_skipped() {
    let (h, _) = head(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    assert_eq!(&h.target[..], b"/");
}

#[test]
fn connection_rules_for_both_versions() {
    let (h, _) = head(b"GET / HTTP/1.0\r\n\r\n");
    assert!(!h.keep_alive);
    assert_eq!(h.protocol, Protocol::Http10);
    let (h, _) = head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    assert!(h.keep_alive);
    let (h, _) = head(b"GET / HTTP/1.1\r\nConnection: foo, CLOSE\r\n\r\n");
    assert!(!h.keep_alive);
    let (h, _) = head(b"POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n");
    assert!(h.expect_continue);
    let (h, _) = head(b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
    assert!(!h.expect_continue);
}

#[test]
fn framing_rules() {
    let (h, _) = head(b"POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n");
    assert_eq!(h.framing, Framing::Chunked);
    let (h, _) = head(b"POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5, 5\r\n\r\n");
    assert_eq!(h.framing, Framing::Length(5));
    let (h, _) = head(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(h.framing, Framing::Empty);

    let bad = [
        &b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: ,\r\n\r\n",
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    ];
    for wire in bad {
        assert_eq!(parse(wire).0.unwrap_err().status(), 400, "{wire:?}");
    }
    let (r, _) = parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    assert_eq!(r.unwrap_err(), HeadError::NotImplemented);
}

#[test]
fn malformed_lines_are_bad_requests() {
    let bad = [
        &b"GET  / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1 \r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET / http/1.1\r\n\r\n",
        b"G(T / HTTP/1.1\r\n\r\n",
        b" / HTTP/1.1\r\n\r\n",
        b"GET /a\x01b HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n",
        b"GET / HTTP/1.1\r\nName : v\r\n\r\n",
        b"GET / HTTP/1.1\r\nName: a\x00b\r\n\r\n",
        b"GET / HTTP/1.1\r\n folded: v\r\n\r\n",
        b"GET / HTTP/1.1\r\nNo-Colon\r\n\r\n",
    ];
    for wire in bad {
        assert_eq!(
            parse(wire).0.unwrap_err().status(),
            400,
            "{}",
            String::from_utf8_lossy(wire)
        );
    }
}

#[test]
fn size_limits() {
    let small = HeadLimits {
        max_header_bytes: 64,
        max_headers: 2,
    };
    let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(100));
    assert_eq!(
        parse_with(long_line.as_bytes(), small).0.unwrap_err(),
        HeadError::UriTooLong
    );
    let partial_line = format!("GET /{}", "a".repeat(100));
    assert_eq!(
        parse_with(partial_line.as_bytes(), small).0.unwrap_err(),
        HeadError::UriTooLong
    );
    let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "v".repeat(100));
    assert_eq!(
        parse_with(big.as_bytes(), small).0.unwrap_err(),
        HeadError::HeadersTooLarge
    );
    let partial = format!("GET / HTTP/1.1\r\nX: {}", "v".repeat(100));
    assert_eq!(
        parse_with(partial.as_bytes(), small).0.unwrap_err(),
        HeadError::HeadersTooLarge
    );
    let many = b"GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n";
    assert_eq!(
        parse_with(many, small).0.unwrap_err(),
        HeadError::HeadersTooLarge
    );
}

#[test]
fn more_than_the_stack_slots_use_the_heap() {
    let mut wire = String::from("GET / HTTP/1.1\r\n");
    for i in 0..100 {
        wire.push_str(&format!("h{i}: {i}\r\n"));
    }
    wire.push_str("\r\n");
    let limits = HeadLimits {
        max_header_bytes: 8192,
        max_headers: 200,
    };
    let h = parse_with(wire.as_bytes(), limits).0.unwrap().unwrap();
    assert_eq!(h.headers.len(), 100);
    assert_eq!(h.headers.get_str("H99"), Some("99"));
    let fewer = HeadLimits {
        max_headers: 99,
        ..limits
    };
    assert_eq!(
        parse_with(wire.as_bytes(), fewer).0.unwrap_err(),
        HeadError::HeadersTooLarge
    );
}

#[test]
fn values_are_trimmed_and_keep_obs_text() {
    let (h, _) = head(b"GET / HTTP/1.1\r\nX:   caf\xe9  \r\n\r\n");
    assert_eq!(&h.headers.get("x").unwrap()[..], b"caf\xe9");
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let limits = HeadLimits { max_header_bytes: 256, max_headers: 8 };
        let mut parser = HeadParser::new();
        let mut buf = BytesMut::new();
        for part in bytes.chunks(13) {
            buf.extend_from_slice(part);
            match parser.parse(&mut buf, limits) {
                Ok(None) => {}
                Ok(Some(h)) => prop_assert!(!h.target.is_empty()),
                Err(_) => break,
            }
        }
    }

    #[test]
    fn request_like_input_never_panics(
        method in "[A-Z]{1,8}",
        target in proptest::collection::vec(any::<u8>(), 1..40),
        fields in proptest::collection::vec((any::<Vec<u8>>(), any::<Vec<u8>>()), 0..6),
    ) {
        let mut wire = Vec::new();
        wire.extend_from_slice(method.as_bytes());
        wire.push(b' ');
        wire.extend_from_slice(&target);
        wire.extend_from_slice(b" HTTP/1.1\r\n");
        for (n, v) in &fields {
            wire.extend_from_slice(n);
            wire.extend_from_slice(b": ");
            wire.extend_from_slice(v);
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b"\r\n");
        let _ = parse(&wire);
    }
}
