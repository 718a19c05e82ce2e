//! [`TraceContext`]: one request's trace identity, in AWS X-Ray and W3C Trace Context form.
//!
//! API Gateway accepts a client's `X-Amzn-Trace-Id` when it carries a valid `Root=` and creates
//! one otherwise (`Root=1-{8 hex epoch seconds}-{24 hex}`), passes it to the function and
//! returns it. apigate also speaks W3C `traceparent`, bridged the way X-Ray's W3C support maps
//! the two: the 32 hex digits of a W3C trace-id are the X-Ray root's 8 + 24 digits, `Parent=` is
//! the W3C parent-id, and `Sampled=` is the sampled flag.
//!
//! Precedence: a valid `X-Amzn-Trace-Id` wins (forwarded verbatim, as AWS does); else a valid
//! `traceparent` gives the root; else a new root is made. `RequestCtx::trace` holds it.

use std::borrow::Cow;

use crate::message::HeaderList;

/// The AWS header name, in API Gateway's casing.
pub const AMZN_TRACE_ID: &str = "X-Amzn-Trace-Id";
/// The W3C header name.
pub const TRACEPARENT: &str = "traceparent";

/// A request's trace identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// 128-bit trace id: the X-Ray root's epoch seconds in the top 32 bits, then 96 random bits.
    trace_id: u128,
    /// The caller's span (`Parent=` / W3C parent-id), or a span id made up for this hop so the
    /// derived `traceparent` is valid.
    parent: u64,
    /// Whether `parent` is the caller's (else each call to a function gets a span id of its own).
    caller_parent: bool,
    /// `Sampled=` / the W3C sampled flag, when the client decided.
    sampled: Option<bool>,
    /// The `X-Amzn-Trace-Id` value to forward and return.
    amzn: String,
    /// The client's valid `traceparent`, verbatim.
    client_traceparent: Option<String>,
}

impl TraceContext {
    /// The trace identity of a request with these headers, arriving at `epoch_secs`.
    pub fn from_headers(headers: &HeaderList, epoch_secs: u64) -> Self {
        let client_traceparent = headers
            .get_str(TRACEPARENT)
            .map(str::trim)
            .filter(|v| parse_traceparent(v).is_some())
            .map(str::to_owned);
        if let Some(mut t) = headers.get_str("x-amzn-trace-id").and_then(Self::from_amzn) {
            t.client_traceparent = client_traceparent;
            return t;
        }
        if let Some(tp) = client_traceparent.as_deref().and_then(parse_traceparent) {
            let mut amzn = format_root(tp.trace_id);
            amzn.push_str(";Parent=");
            push_hex16(&mut amzn, tp.parent);
            amzn.push_str(if tp.sampled {
                ";Sampled=1"
            } else {
                ";Sampled=0"
            });
            return TraceContext {
                trace_id: tp.trace_id,
                parent: tp.parent,
                caller_parent: true,
                sampled: Some(tp.sampled),
                amzn,
                client_traceparent,
            };
        }
        let trace_id = new_trace_id(epoch_secs);
        TraceContext {
            trace_id,
            parent: new_span_id(),
            caller_parent: false,
            sampled: None,
            amzn: format_root(trace_id),
            client_traceparent: None,
        }
    }

    /// The trace identity of a valid `X-Amzn-Trace-Id` value (forwarded verbatim); `None` when it
    /// has no valid `Root=`.
    pub fn from_amzn(value: &str) -> Option<Self> {
        let parsed = parse_amzn(value)?;
        Some(TraceContext {
            trace_id: parsed.trace_id,
            parent: parsed.parent.unwrap_or_else(new_span_id),
            caller_parent: parsed.parent.is_some(),
            sampled: parsed.sampled,
            amzn: value.to_owned(),
            client_traceparent: None,
        })
    }

    /// The `X-Amzn-Trace-Id` value (`Root=1-…[;Parent=…][;Sampled=…]`).
    pub fn amzn_trace_id(&self) -> &str {
        &self.amzn
    }

    /// The `traceparent` value: the client's own when it sent a valid one, else derived.
    pub fn traceparent(&self) -> Cow<'_, str> {
        match &self.client_traceparent {
            Some(tp) => Cow::Borrowed(tp),
            None => Cow::Owned(
                W3cText::new(self.trace_id, self.parent, self.sampled == Some(true))
                    .as_str()
                    .to_owned(),
            ),
        }
    }

    /// The 32 lower-case hex digits of the trace id (for log fields).
    pub fn trace_id_hex(&self) -> String {
        let mut out = String::with_capacity(32);
        push_hex16(&mut out, (self.trace_id >> 64) as u64);
        push_hex16(&mut out, self.trace_id as u64);
        out
    }

    /// The client's sampling decision, if it made one.
    pub fn sampled(&self) -> Option<bool> {
        self.sampled
    }

    /// Whether the client sent a valid `traceparent` (then responses echo one).
    pub fn client_sent_traceparent(&self) -> bool {
        self.client_traceparent.is_some()
    }

    /// The W3C `traceparent` of an outgoing call (the Invoke API or a Function URL) for the same
    /// trace as `X-Amzn-Trace-Id`: the caller's parent-id when it sent one, else a new span id
    /// for this call; the sampled flag when the caller set it. Written on the stack: it goes on
    /// every call.
    pub fn call_traceparent(&self) -> W3cText {
        let parent = if self.caller_parent {
            self.parent
        } else {
            new_span_id()
        };
        W3cText::new(self.trace_id, parent, self.sampled == Some(true))
    }

    /// Sets the trace headers of a client response: `X-Amzn-Trace-Id` as API Gateway returns it,
    /// and `traceparent` only to clients that sent one, so AWS-shaped clients see AWS's exact
    /// header set. (Which responses carry the AWS header is the response phase's rule.)
    pub fn apply_to_response(&self, headers: &mut HeaderList) {
        self.set(headers, AMZN_TRACE_ID, &self.amzn);
        if let Some(tp) = &self.client_traceparent {
            self.set(headers, TRACEPARENT, tp);
        }
    }

    fn set(&self, headers: &mut HeaderList, name: &'static str, value: &str) {
        // Values are built from validated hex, or are a client's header value the request
        // parser already accepted (no CR, LF or NUL), so they need no second check.
        headers.remove(name.as_bytes());
        headers.push_unchecked(
            bytes::Bytes::from_static(name.as_bytes()),
            bytes::Bytes::copy_from_slice(value.as_bytes()),
        );
    }
}

/// A version-00 `traceparent` value (55 ASCII bytes) held inline.
#[derive(Clone, Copy)]
pub struct W3cText([u8; 55]);

impl W3cText {
    fn new(trace_id: u128, parent: u64, sampled: bool) -> Self {
        let mut b = [b'0'; 55];
        b[2] = b'-';
        b[3..19].copy_from_slice(&hex16((trace_id >> 64) as u64));
        b[19..35].copy_from_slice(&hex16(trace_id as u64));
        b[35] = b'-';
        b[36..52].copy_from_slice(&hex16(parent));
        b[52] = b'-';
        b[54] = if sampled { b'1' } else { b'0' };
        W3cText(b)
    }

    /// The value as text.
    pub fn as_str(&self) -> &str {
        // Every byte written by `new` is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The 16 lower-case hex digits of `v`, zero-padded, from a byte-pair table: trace ids are
/// formatted on every request and every call to a function.
fn hex16(v: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (pair, byte) in out.chunks_exact_mut(2).zip(v.to_be_bytes()) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
    }
    out
}

/// Appends the 16 hex digits of `v` (see [`hex16`]).
fn push_hex16(out: &mut String, v: u64) {
    // The digits are ASCII.
    out.push_str(std::str::from_utf8(&hex16(v)).unwrap_or_default());
}

/// The two lower-case hex digits of every byte value.
static HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [HEX[i >> 4], HEX[i & 0xf]];
        i += 1;
    }
    t
};

/// `Root=1-{8 hex}-{24 hex}` for a 128-bit trace id.
fn format_root(trace_id: u128) -> String {
    let mut b = *b"Root=1-00000000-000000000000000000000000";
    let high = hex16((trace_id >> 64) as u64);
    b[7..15].copy_from_slice(&high[..8]);
    b[16..24].copy_from_slice(&high[8..]);
    b[24..40].copy_from_slice(&hex16(trace_id as u64));
    // Sized for the parent and sampled fields the caller may append.
    let mut out = String::with_capacity(64);
    // Every byte is ASCII.
    out.push_str(std::str::from_utf8(&b).unwrap_or_default());
    out
}

/// A new trace id rooted at `epoch_secs`.
pub fn new_trace_id(epoch_secs: u64) -> u128 {
    (u128::from(epoch_secs as u32) << 96) | (fastrand::u128(..) & ((1u128 << 96) - 1))
}

/// A new non-zero 64-bit span id.
fn new_span_id() -> u64 {
    fastrand::u64(1..)
}

/// The fields of a valid `X-Amzn-Trace-Id`.
struct AmznFields {
    trace_id: u128,
    parent: Option<u64>,
    sampled: Option<bool>,
}

/// Parses `X-Amzn-Trace-Id`; `None` unless some field is a valid `Root=1-{8 hex}-{24 hex}`.
fn parse_amzn(value: &str) -> Option<AmznFields> {
    // Bytes, not `str` patterns: this runs on every call to a function.
    let mut root = None;
    let mut parent = None;
    let mut sampled = None;
    for part in value.as_bytes().split(|&b| b == b';') {
        let part = part.trim_ascii();
        let Some(eq) = part.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (key, val) = (&part[..eq], &part[eq + 1..]);
        match key {
            b"Root" if root.is_none() => root = parse_root(val),
            b"Parent" if val.len() == 16 => {
                parent = hex_value(val).map(|p| p as u64).filter(|p| *p != 0);
            }
            b"Sampled" => {
                sampled = match val {
                    b"1" => Some(true),
                    b"0" => Some(false),
                    _ => None,
                }
            }
            _ => {}
        }
    }
    Some(AmznFields {
        trace_id: root?,
        parent,
        sampled,
    })
}

/// `1-{8 hex}-{24 hex}` -> the 128-bit trace id.
fn parse_root(val: &[u8]) -> Option<u128> {
    let rest = val.strip_prefix(b"1-")?;
    if rest.len() != 8 + 1 + 24 || rest[8] != b'-' {
        return None;
    }
    let time = hex_value(&rest[..8])?;
    let unique = hex_value(&rest[9..])?;
    Some((time << 96) | unique)
}

/// The value of up to 32 hex digits (either case); `None` if any byte is not one.
fn hex_value(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |v, &c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        Some((v << 4) | u128::from(d))
    })
}

/// The fields of a valid `traceparent`.
struct W3cFields {
    trace_id: u128,
    parent: u64,
    sampled: bool,
}

/// Parses a W3C `traceparent` (`{2 hex version}-{32 hex}-{16 hex}-{2 hex flags}`): lower-case
/// hex only, version `ff` and all-zero ids invalid; a future version may append fields.
fn parse_traceparent(value: &str) -> Option<W3cFields> {
    let b = value.as_bytes();
    if b.len() < 55 || b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
        return None;
    }
    let version = value.get(0..2)?;
    let trace = value.get(3..35)?;
    let parent = value.get(36..52)?;
    let flags = value.get(53..55)?;
    if ![version, trace, parent, flags].iter().all(|s| lower_hex(s)) || version == "ff" {
        return None;
    }
    // Version 00 is exactly 55 characters; later versions may only extend after a '-'.
    if (version == "00" && b.len() != 55) || (b.len() > 55 && b[55] != b'-') {
        return None;
    }
    let trace_id = u128::from_str_radix(trace, 16).ok().filter(|t| *t != 0)?;
    let parent = u64::from_str_radix(parent, 16).ok().filter(|p| *p != 0)?;
    let flags = u8::from_str_radix(flags, 16).ok()?;
    Some(W3cFields {
        trace_id,
        parent,
        sampled: flags & 1 == 1,
    })
}

fn lower_hex(s: &str) -> bool {
    s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderList {
        let mut h = HeaderList::new();
        for (n, v) in pairs {
            h.push(n.to_string(), v.to_string()).unwrap();
        }
        h
    }

    #[test]
    fn a_new_trace_is_rooted_at_the_arrival_second() {
        let t = TraceContext::from_headers(&HeaderList::new(), 0x5e60_0000);
        assert!(t.amzn_trace_id().starts_with("Root=1-5e600000-"));
        assert_eq!(t.amzn_trace_id().len(), "Root=1-".len() + 33);
        let tp = t.traceparent();
        assert!(tp.starts_with("00-5e600000"), "{tp}");
        assert!(tp.ends_with("-00"));
        assert!(parse_traceparent(&tp).is_some());
        assert!(!t.client_sent_traceparent());
    }

    #[test]
    fn amzn_header_is_kept_verbatim_and_bridged() {
        let v = "Root=1-5e600000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
        let t = TraceContext::from_headers(&headers(&[("X-Amzn-Trace-Id", v)]), 1);
        assert_eq!(t.amzn_trace_id(), v);
        assert_eq!(
            t.traceparent(),
            "00-5e6000000123456789abcdef01234567-53995c3f42cd8ad8-01"
        );
        assert_eq!(t.sampled(), Some(true));
    }

    #[test]
    fn traceparent_alone_gives_the_root() {
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t = TraceContext::from_headers(&headers(&[("traceparent", tp)]), 1);
        assert_eq!(
            t.amzn_trace_id(),
            "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1"
        );
        assert_eq!(t.traceparent(), tp);
        assert!(t.client_sent_traceparent());
    }

    #[test]
    fn invalid_values_are_ignored() {
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "garbage",
        ] {
            assert!(parse_traceparent(bad).is_none(), "{bad}");
        }
        assert!(
            parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x")
                .is_some()
        );
        assert!(parse_amzn("Root=1-5e60-0123").is_none());
        assert!(parse_amzn("Self=1-5e600000-0123456789abcdef01234567").is_none());
        assert!(parse_amzn("Root=1-5e60000g-0123456789abcdef01234567").is_none());
        assert!(parse_amzn("Root=1-5e600000+0123456789abcdef01234567").is_none());
        // A signed or non-hex parent is no parent; the root still counts.
        let f = parse_amzn("Root=1-5e600000-0123456789abcdef01234567;Parent=+3f067aa0ba902b7")
            .expect("root");
        assert_eq!(f.parent, None);
    }

    #[test]
    fn amzn_fields_in_any_order_and_case_of_hex() {
        let f = parse_amzn(
            " Sampled=1 ; Parent=53995C3F42CD8AD8;Root=1-5E600000-0123456789ABCDEF01234567",
        )
        .expect("fields");
        assert_eq!(f.trace_id, 0x5e600000_0123456789abcdef01234567);
        assert_eq!(f.parent, Some(0x53995c3f42cd8ad8));
        assert_eq!(f.sampled, Some(true));
    }

    #[test]
    fn calls_carry_the_callers_parent_or_a_span_of_their_own() {
        let v = "Root=1-5e600000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
        let t = TraceContext::from_amzn(v).unwrap();
        assert_eq!(
            t.call_traceparent().as_str(),
            "00-5e6000000123456789abcdef01234567-53995c3f42cd8ad8-01"
        );
        let t = TraceContext::from_amzn("Root=1-5e600000-0123456789abcdef01234567").unwrap();
        let (a, b) = (t.call_traceparent(), t.call_traceparent());
        assert_ne!(a.as_str(), b.as_str());
        for tp in [a, b] {
            let f = parse_traceparent(tp.as_str()).unwrap();
            assert_eq!(f.trace_id, 0x5e600000_0123456789abcdef01234567);
            assert!(!f.sampled);
        }
        assert!(TraceContext::from_amzn("Root=1-x").is_none());
        // No trace from the client: a new span per call under the request's trace id.
        let t = TraceContext::from_headers(&HeaderList::new(), 1);
        let (a, b) = (t.call_traceparent(), t.call_traceparent());
        let (a, b) = (
            parse_traceparent(a.as_str()).unwrap(),
            parse_traceparent(b.as_str()).unwrap(),
        );
        assert_eq!((a.trace_id, b.trace_id), (t.trace_id, t.trace_id));
        assert_ne!(a.parent, b.parent);
        // A W3C client's parent is passed on as it came.
        let mut h = HeaderList::new();
        h.push(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .unwrap();
        let t = TraceContext::from_headers(&h, 1);
        assert_eq!(
            t.call_traceparent().as_str(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
    }

    #[test]
    fn response_echoes_traceparent_only_to_w3c_clients() {
        let t = TraceContext::from_headers(&HeaderList::new(), 1);
        let mut out = HeaderList::new();
        t.apply_to_response(&mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out.get_str("x-amzn-trace-id"), Some(t.amzn_trace_id()));
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,80}") {
            let _ = parse_traceparent(&s);
            let _ = parse_amzn(&s);
        }

        #[test]
        fn w3c_and_xray_forms_round_trip(
            trace in 1u128..,
            parent in 1u64..,
            sampled: bool,
        ) {
            let tp = format!("00-{trace:032x}-{parent:016x}-{}", if sampled { "01" } else { "00" });
            let mut h = HeaderList::new();
            h.push("traceparent", tp.clone()).unwrap();
            let t = TraceContext::from_headers(&h, 1);
            // X-Ray header -> the same W3C value.
            let mut h2 = HeaderList::new();
            h2.push("X-Amzn-Trace-Id", t.amzn_trace_id().to_owned()).unwrap();
            let back = TraceContext::from_headers(&h2, 1);
            proptest::prop_assert_eq!(back.traceparent(), tp);
        }
    }
}
