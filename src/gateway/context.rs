//! [`RequestCtx`]: everything one request carries through the phases.
//!
//! Built when the request arrives (ids, times, the snapshot), then filled by each phase in order:
//! route (route, path, path parameters), authorize (principal and context), invoke (latencies), so
//! later phases and the access log read one place.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::model::{Api, ApiKind, RouteId};
use crate::message::Request;

/// One request's state across the phases.
#[derive(Debug)]
pub struct RequestCtx {
    /// The compiled API this request is served by (kept for the whole request, even across reloads).
    pub api: Arc<Api>,
    /// The client request.
    pub req: Request,
    /// `requestContext.requestId` / `x-amzn-RequestId`: a UUID v4 (REST) or a short id (HTTP APIs).
    pub request_id: String,
    /// `extendedRequestId` / `x-amz-apigw-id`: a 16-character id ending in `=`.
    pub extended_request_id: String,
    /// The trace identity: `X-Amzn-Trace-Id` (`Root=1-{8 hex}-{24 hex}`, reused from the client
    /// when sent) bridged with W3C `traceparent`.
    pub trace: crate::trace_context::TraceContext,
    /// Wall-clock arrival time in epoch milliseconds (`requestTimeEpoch`).
    pub epoch_ms: u64,
    /// Set by the route phase.
    pub route: Option<RouteMatch>,
    /// Set by the authorize phase when the route has an authorizer.
    pub principal: Option<Principal>,
    /// Time spent in the integration call (`IntegrationLatency`), set by the invoke phase.
    pub integration_latency: Option<Duration>,
    /// The Lambda service's own HTTP status for the call (`$context.integrationStatus`): 200
    /// for a completed invoke (also when the function failed), 202 / 204 for `Event` / `DryRun`,
    /// a proxy call's refusal status, a Function URL's response status; `None` when no answer
    /// came or the status is not known (a refused custom-integration call). Set by the invoke
    /// phase.
    pub lambda_status: Option<u16>,
    /// Whether the authorizer's result came from the cache (`None`: no authorizer consulted).
    pub authorizer_cache_hit: Option<bool>,
}

/// The route phase's result.
#[derive(Debug, Clone)]
pub struct RouteMatch {
    /// The matched route.
    pub route: RouteId,
    /// The request path after the stage prefix (REST `path`; HTTP `rawPath` is the full raw path),
    /// leading slash run collapsed to one, trailing slash and percent-encoding kept.
    pub path: String,
    /// Path parameters in template order, values as matched (not percent-decoded).
    pub params: Vec<(String, String)>,
}

/// What a Lambda authorizer granted, as later phases and the access log see it.
#[derive(Debug, Clone)]
pub struct Principal {
    /// `principalId` (REST; HTTP API IAM responses). Empty for HTTP API simple responses.
    pub principal_id: Option<String>,
    /// The authorizer's `context`, JSON types preserved (REST stringifies them when building events).
    pub context: serde_json::Map<String, serde_json::Value>,
    /// `usageIdentifierKey`, when returned.
    pub usage_identifier_key: Option<String>,
    /// Time spent calling the authorizer (zero on a cache hit).
    pub latency: Duration,
}

impl RequestCtx {
    /// A context for a request that just arrived: fresh ids, arrival time, the given snapshot.
    ///
    /// Never inlined: `benches/callgrind-load.sh` counts requests by its calls (it runs once a
    /// request, so a call costs nothing that matters).
    #[inline(never)]
    pub fn new(api: Arc<Api>, req: Request) -> Self {
        let epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let trace = crate::trace_context::TraceContext::from_headers(&req.headers, epoch_ms / 1000);
        let extended_request_id = crate::gateway::ids::extended_request_id();
        // HTTP APIs have one short id: `requestId`, `extendedRequestId` (payload 1.0) and
        // `apigw-requestid` all carry it. REST and Function URLs use a UUID v4.
        let request_id = match api.kind {
            ApiKind::Http => extended_request_id.clone(),
            ApiKind::Rest | ApiKind::FunctionUrl => crate::gateway::ids::request_uuid(),
        };
        RequestCtx {
            api,
            req,
            request_id,
            extended_request_id,
            trace,
            epoch_ms,
            route: None,
            principal: None,
            integration_latency: None,
            lambda_status: None,
            authorizer_cache_hit: None,
        }
    }

    /// The `X-Amzn-Trace-Id` value this request carries to the function and back.
    pub fn trace_id(&self) -> &str {
        self.trace.amzn_trace_id()
    }

    /// The one `Host` value the function sees: the client's when it is a name or IPv4 address
    /// with an optional port (adapters split it on `:`), else the API's default domain.
    pub fn host(&self) -> &str {
        self.req
            .headers
            .get_first_str("host")
            .map(str::trim)
            .filter(|h| usable_host(h))
            .unwrap_or(&self.api.default_domain)
    }

    /// `domainName`: the host without its port.
    pub fn domain_name(&self) -> &str {
        domain_of(self.host())
    }

    /// `requestTime` / `time`: `dd/MMM/yyyy:HH:mm:ss +0000`.
    pub fn request_time(&self) -> String {
        crate::gateway::clf_time::format(self.epoch_ms)
            .as_str()
            .to_string()
    }

    /// REST `requestContext.path` / `$context.path`: under a stage prefix, `/{stage}` plus the
    /// path after the stage exactly as received (a slash run before the stage collapses);
    /// otherwise the raw path as received.
    pub fn stage_path(&self) -> String {
        let raw = String::from_utf8_lossy(self.req.raw_path());
        if self.api.stage_prefix && self.api.kind == crate::config::model::ApiKind::Rest {
            if let Ok(rest) = crate::gateway::router_template::strip_stage(&raw, &self.api.stage) {
                return format!("/{}{}", self.api.stage, rest);
            }
        }
        raw.into_owned()
    }
}

/// The domain of a [`RequestCtx::host`] value: the host without its port.
pub fn domain_of(host: &str) -> &str {
    host.split(':').next().unwrap_or(host)
}

/// A Host value adapters can split on `:` into host and port: a name or IPv4 address with an
/// optional port. Anything else (IPv6 literals, junk) is replaced by the configured domain.
fn usable_host(h: &str) -> bool {
    !h.is_empty()
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b':' || b == b'_')
        && h.bytes().filter(|&b| b == b':').count() <= 1
}
