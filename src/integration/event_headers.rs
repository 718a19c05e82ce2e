//! The header set a proxy event carries: the client's headers minus the ones API Gateway drops,
//! plus the ones it adds (spec proxy-auth §2.4, §3.3, §5.3, §17.3).
//!
//! - Dropped for payload 1.0 (REST and HTTP API 1.0): `Connection, Content-Length, Content-MD5,
//!   Expect, Max-Forwards, Proxy-Authenticate, Server, TE, Trailer, Transfer-Encoding, Upgrade,
//!   WWW-Authenticate`. Payload 2.0 / Function URL events keep `content-length` (AWS captures
//!   show it) and drop only the hop-by-hop fields.
//! - Replaced by the gateway's own value: `Host` (exactly one, §17.3), `X-Amzn-Trace-Id`,
//!   `X-Forwarded-For` (incoming values, then the client IP), `X-Forwarded-Port` and
//!   `X-Forwarded-Proto`. Port and proto describe this hop as it really is: the local port the
//!   connection was accepted on and `http`, since the sidecar speaks plain HTTP (AWS says `443`
//!   and `https` because its front end terminates TLS).
//! - Function URL events also carry `x-amzn-tls-version` / `x-amzn-tls-cipher-suite`: every event
//!   a real Function URL produces has them (URLs are HTTPS-only) and functions or adapters may
//!   read them, so they are present with the values AWS reports for a TLS 1.2 client (as peer
//!   emulators do); client-sent copies are dropped so they cannot be spoofed.
//! - Payload 1.0 Pascal-cases `Authorization` and `User-Agent`, as CloudFront does on AWS.

use std::borrow::Cow;

use smallvec::SmallVec;

use super::stack_text::StackText;
use crate::gateway::context::RequestCtx;

/// Header fields for an event, in output order; names and values borrowed.
pub type Fields<'a> = SmallVec<[(&'a [u8], &'a [u8]); 24]>;

/// Which event family the set is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Payload 1.0 (REST, HTTP API 1.0).
    V1,
    /// Payload 2.0 (HTTP API).
    V2,
    /// Function URL (2.0 plus TLS headers).
    FunctionUrl,
}

const DROPPED_V1: [&str; 12] = crate::message::headers::API_GATEWAY_DROPPED;

const DROPPED_V2: [&str; 9] = [
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

const REPLACED: [&str; 5] = [
    "host",
    "x-amzn-trace-id",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-proto",
];

const TLS: [&str; 2] = ["x-amzn-tls-version", "x-amzn-tls-cipher-suite"];

/// Values the gateway computes for one request, owned here so [`Fields`] can borrow them.
#[derive(Debug)]
pub struct Synthesized<'a> {
    /// The one `Host` value the function sees.
    pub host: &'a str,
    /// `domainName`: the host without a port.
    pub domain: &'a str,
    /// The client IP (`sourceIp`), IPv4-mapped addresses shown as IPv4.
    pub source_ip: StackText,
    /// `X-Forwarded-For` when the client sent one (its values, then the client IP); without
    /// one the value is the client IP alone.
    xff: Option<String>,
    port: StackText,
}

impl<'a> Synthesized<'a> {
    /// Computes the host, domain, client IP and forwarding values for `ctx`.
    pub fn new(ctx: &'a RequestCtx) -> Self {
        let host = ctx.host();
        let domain = crate::gateway::context::domain_of(host);
        let source_ip = StackText::ip(ctx.req.remote.ip());
        let mut xff: Option<String> = None;
        for v in ctx.req.headers.get_all("x-forwarded-for") {
            let v = String::from_utf8_lossy(v);
            let v = v.trim();
            if !v.is_empty() {
                // Deliberate: the joined value exists nowhere in the request.
                let x = xff.get_or_insert_with(String::new);
                x.push_str(v);
                x.push_str(", ");
            }
        }
        if let Some(x) = &mut xff {
            x.push_str(source_ip.as_str());
        }
        Synthesized {
            host,
            domain,
            source_ip,
            xff,
            port: StackText::uint(u64::from(ctx.req.local.port())),
        }
    }
}

/// The value an event shows for header `name` when the gateway sets it (`Host`,
/// `X-Amzn-Trace-Id`, `X-Forwarded-For`, `X-Forwarded-Port`, `X-Forwarded-Proto`); `None` for
/// any other header. Authorizer identity sources read these as the events show them.
pub fn gateway_value<'a>(ctx: &'a RequestCtx, name: &str) -> Option<Cow<'a, str>> {
    let is = |h: &str| name.eq_ignore_ascii_case(h);
    if is("host") {
        return Some(Cow::Borrowed(ctx.host()));
    }
    if is("x-amzn-trace-id") {
        return Some(Cow::Borrowed(ctx.trace_id()));
    }
    if is("x-forwarded-proto") {
        return Some(Cow::Borrowed("http"));
    }
    if !is("x-forwarded-for") && !is("x-forwarded-port") {
        return None;
    }
    let syn = Synthesized::new(ctx);
    Some(Cow::Owned(if is("x-forwarded-port") {
        syn.port.as_str().to_string()
    } else {
        syn.xff
            .unwrap_or_else(|| syn.source_ip.as_str().to_string())
    }))
}

fn is_in(name: &[u8], list: &[&str]) -> bool {
    list.iter().any(|l| name.eq_ignore_ascii_case(l.as_bytes()))
}

/// The event's header fields, client order first, then the gateway's own.
pub fn collect<'a>(ctx: &'a RequestCtx, syn: &'a Synthesized<'a>, family: Family) -> Fields<'a> {
    let mut out = Fields::new();
    let dropped: &[&str] = match family {
        Family::V1 => &DROPPED_V1,
        Family::V2 | Family::FunctionUrl => &DROPPED_V2,
    };
    for (name, value) in ctx.req.headers.iter() {
        let n = &name[..];
        if is_in(n, dropped) || is_in(n, &REPLACED) {
            continue;
        }
        if family == Family::FunctionUrl && is_in(n, &TLS) {
            continue;
        }
        let n: &[u8] = if family == Family::V1 && n.eq_ignore_ascii_case(b"authorization") {
            b"Authorization"
        } else if family == Family::V1 && n.eq_ignore_ascii_case(b"user-agent") {
            b"User-Agent"
        } else {
            n
        };
        out.push((n, &value[..]));
    }
    out.push((b"Host", syn.host.as_bytes()));
    out.push((b"X-Amzn-Trace-Id", ctx.trace_id().as_bytes()));
    let xff = syn.xff.as_deref().unwrap_or(syn.source_ip.as_str());
    out.push((b"X-Forwarded-For", xff.as_bytes()));
    out.push((b"X-Forwarded-Port", syn.port.as_str().as_bytes()));
    out.push((b"X-Forwarded-Proto", b"http"));
    if family == Family::FunctionUrl {
        out.push((b"x-amzn-tls-version", b"TLSv1.2"));
        out.push((b"x-amzn-tls-cipher-suite", b"ECDHE-RSA-AES128-GCM-SHA256"));
    }
    out
}

/// Whether field `i` is the first with its (case-insensitive) name.
pub fn is_first_of_name(fields: &Fields<'_>, i: usize) -> bool {
    let name = fields[i].0;
    !fields[..i]
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// Every value named like field `i`, from `i` on (earlier ones have other names when `i` is first).
pub fn values_from<'f, 'a>(
    fields: &'f Fields<'a>,
    i: usize,
) -> impl Iterator<Item = &'a [u8]> + 'f {
    let name = fields[i].0;
    fields[i..]
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}
