//! [`Metrics`]: every Prometheus family apigate exports, in one private registry.
//!
//! Names follow API Gateway's CloudWatch metrics so dashboards translate one to one
//! (`Count` -> `apigate_requests_total`, `4XXError` -> `apigate_4xx_errors_total`, ...; the full
//! table is in `docs/observability.md`). Labels are bounded: the API id, the stage, the route
//! *template* and the configured method, never the raw path.
//!
//! The hot path never hashes labels or formats strings: when a config snapshot is compiled, the
//! caller asks for [`ApiMetrics`] once, which holds one pre-resolved [`RouteMetrics`] per route
//! index, one [`AuthorizerMetrics`] per authorizer and one [`FunctionMetrics`] per function.
//! Recording a request is then a handful of atomic adds. A [`Metrics`] built with recording
//! off hands out empty handles whose methods return at once (for the overhead comparison).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::config::model::{Api, RouteMethod};
use crate::gateway::error::GatewayError;

/// Latency buckets in seconds, from 50 µs (a cached, in-memory answer) to 30 s (past API
/// Gateway's 29 s integration timeout), dense below 10 ms where a proxy's own cost lives.
pub const LATENCY_BUCKETS: [f64; 20] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0, 10.0, 15.0, 29.0, 30.0,
];

/// The `resource` and `method` label value of requests that matched no route.
pub const UNMATCHED: &str = "-";

/// Lowest status code with its own pre-resolvable counter; codes outside 100..=599 are clamped.
const STATUS_MIN: u16 = 100;
/// Number of distinct status codes tracked (100..=599).
const STATUS_SLOTS: usize = 500;

/// Why an upstream (function) call failed, as the `kind` label of
/// `apigate_upstream_errors_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamErrorKind {
    /// No answer within the integration timeout.
    Timeout,
    /// The function could not be reached, or its reply could not be read.
    Connect,
    /// The Lambda service refused the invocation (throttled, no such function, too large).
    Rejected,
    /// The function ran and reported an error (`X-Amz-Function-Error`).
    FunctionError,
    /// The reply broke the proxy response contract.
    MalformedResponse,
}

impl UpstreamErrorKind {
    /// Every kind, in label order.
    pub const ALL: [UpstreamErrorKind; 5] = [
        UpstreamErrorKind::Timeout,
        UpstreamErrorKind::Connect,
        UpstreamErrorKind::Rejected,
        UpstreamErrorKind::FunctionError,
        UpstreamErrorKind::MalformedResponse,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamErrorKind::Timeout => "timeout",
            UpstreamErrorKind::Connect => "connect",
            UpstreamErrorKind::Rejected => "rejected",
            UpstreamErrorKind::FunctionError => "function_error",
            UpstreamErrorKind::MalformedResponse => "malformed_response",
        }
    }

    /// The kind of an integration error, or `None` when the error is not the function's.
    pub fn of(err: &GatewayError) -> Option<Self> {
        match err {
            GatewayError::IntegrationTimeout => Some(UpstreamErrorKind::Timeout),
            GatewayError::IntegrationFailure(_) => Some(UpstreamErrorKind::Connect),
            GatewayError::InvocationRejected(_) => Some(UpstreamErrorKind::Rejected),
            GatewayError::FunctionError(_) => Some(UpstreamErrorKind::FunctionError),
            GatewayError::MalformedProxyResponse(_) => Some(UpstreamErrorKind::MalformedResponse),
            _ => None,
        }
    }
}

/// Failure to build or encode the registry (a bug: names and labels are constants).
#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

/// The registry and every metric family.
pub struct Metrics {
    registry: Registry,
    recording: bool,
    requests: IntCounterVec,
    errors_4xx: IntCounterVec,
    errors_5xx: IntCounterVec,
    responses: IntCounterVec,
    latency: HistogramVec,
    integration_latency: HistogramVec,
    authorizer_cache_hits: IntCounterVec,
    authorizer_cache_misses: IntCounterVec,
    authorizer_latency: HistogramVec,
    authorizer_errors: IntCounterVec,
    upstream_errors: IntCounterVec,
    upstream_in_flight: IntGaugeVec,
    upstream_connections: IntGaugeVec,
    access_log_dropped: IntCounter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("recording", &self.recording)
            .finish_non_exhaustive()
    }
}

const ROUTE_LABELS: [&str; 4] = ["api", "stage", "resource", "method"];
const STATUS_LABELS: [&str; 5] = ["api", "stage", "resource", "method", "status"];
const AUTHORIZER_LABELS: [&str; 3] = ["api", "stage", "authorizer"];

impl Metrics {
    /// A registry with every family registered and recording on.
    pub fn new() -> Result<Self, MetricsError> {
        Self::with_recording(true)
    }

    /// A registry with every family registered; with `recording` false, every handle it hands
    /// out is a no-op (the families still exist, so `/metrics` keeps its shape).
    pub fn with_recording(recording: bool) -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| -> Result<IntCounterVec, _> {
            let c = IntCounterVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(c.clone()))?;
            Ok::<_, prometheus::Error>(c)
        };
        let histogram = |name: &str, help: &str, labels: &[&str]| {
            let h = HistogramVec::new(
                HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec()),
                labels,
            )?;
            registry.register(Box::new(h.clone()))?;
            Ok::<_, prometheus::Error>(h)
        };
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(g.clone()))?;
            Ok::<_, prometheus::Error>(g)
        };
        let build_info = gauge(
            "apigate_build_info",
            "apigate build information; the value is always 1.",
            &["version"],
        )?;
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        let access_log_dropped = IntCounter::new(
            "apigate_access_log_dropped_total",
            "Access-log lines dropped because the writer fell behind.",
        )?;
        registry.register(Box::new(access_log_dropped.clone()))?;
        Ok(Metrics {
            recording,
            requests: counter(
                "apigate_requests_total",
                "Requests served (API Gateway Count).",
                &ROUTE_LABELS,
            )?,
            errors_4xx: counter(
                "apigate_4xx_errors_total",
                "Requests answered with a 4xx status (API Gateway 4XXError).",
                &ROUTE_LABELS,
            )?,
            errors_5xx: counter(
                "apigate_5xx_errors_total",
                "Requests answered with a 5xx status (API Gateway 5XXError).",
                &ROUTE_LABELS,
            )?,
            responses: counter(
                "apigate_responses_total",
                "Requests by response status code.",
                &STATUS_LABELS,
            )?,
            latency: histogram(
                "apigate_latency_seconds",
                "Time from a complete request head to the response (API Gateway Latency).",
                &ROUTE_LABELS,
            )?,
            integration_latency: histogram(
                "apigate_integration_latency_seconds",
                "Time spent in the integration call (API Gateway IntegrationLatency).",
                &ROUTE_LABELS,
            )?,
            authorizer_cache_hits: counter(
                "apigate_authorizer_cache_hits_total",
                "Authorizer results served from the cache (API Gateway CacheHitCount).",
                &AUTHORIZER_LABELS,
            )?,
            authorizer_cache_misses: counter(
                "apigate_authorizer_cache_misses_total",
                "Authorizer results not in the cache (API Gateway CacheMissCount).",
                &AUTHORIZER_LABELS,
            )?,
            authorizer_latency: histogram(
                "apigate_authorizer_latency_seconds",
                "Time spent calling the authorizer function (cache misses only).",
                &AUTHORIZER_LABELS,
            )?,
            authorizer_errors: counter(
                "apigate_authorizer_errors_total",
                "Authorizer calls that failed, timed out or returned an unusable result.",
                &AUTHORIZER_LABELS,
            )?,
            upstream_errors: counter(
                "apigate_upstream_errors_total",
                "Failed function invocations by kind.",
                &["function", "kind"],
            )?,
            upstream_in_flight: gauge(
                "apigate_upstream_in_flight_requests",
                "Function invocations in progress.",
                &["function"],
            )?,
            upstream_connections: gauge(
                "apigate_upstream_open_connections",
                "Open client connections to the function's endpoint.",
                &["function"],
            )?,
            access_log_dropped,
            registry,
        })
    }

    /// Whether handles record (false: every handle is a no-op).
    pub fn recording(&self) -> bool {
        self.recording
    }

    /// The Prometheus text exposition (format 0.0.4) of every family.
    pub fn encode(&self) -> Result<String, MetricsError> {
        let mut out = String::with_capacity(16 * 1024);
        TextEncoder::new().encode_utf8(&self.registry.gather(), &mut out)?;
        Ok(out)
    }

    /// The `Content-Type` of [`Metrics::encode`]'s output.
    pub fn content_type(&self) -> &'static str {
        prometheus::TEXT_FORMAT
    }

    /// Pre-resolved handles for every route, authorizer and function of `api`; build once per
    /// compiled snapshot (at load), then index by `RouteId` etc.
    pub fn api_handles(&self, api: &Api) -> ApiMetrics {
        let routes = api
            .routes
            .iter()
            .map(|r| {
                let method = match &r.method {
                    RouteMethod::Any => "ANY",
                    RouteMethod::One(m) => m.as_str(),
                };
                self.route_handles(&api.id, &api.stage, &r.path, method)
            })
            .collect();
        let authorizers = api
            .authorizers
            .iter()
            .map(|a| self.authorizer_handles(&api.id, &api.stage, &a.name))
            .collect();
        let functions = api
            .functions
            .iter()
            .map(|f| self.function_handles(&f.name))
            .collect();
        ApiMetrics {
            routes,
            unmatched: self.route_handles(&api.id, &api.stage, UNMATCHED, UNMATCHED),
            authorizers,
            functions,
        }
    }

    /// Handles for one route's label set.
    pub fn route_handles(
        &self,
        api: &str,
        stage: &str,
        resource: &str,
        method: &str,
    ) -> RouteMetrics {
        if !self.recording {
            return RouteMetrics { inner: None };
        }
        let labels = [api, stage, resource, method];
        let statuses = (0..STATUS_SLOTS).map(|_| OnceLock::new()).collect();
        RouteMetrics {
            inner: Some(Arc::new(RouteInner {
                requests: self.requests.with_label_values(&labels),
                errors_4xx: self.errors_4xx.with_label_values(&labels),
                errors_5xx: self.errors_5xx.with_label_values(&labels),
                latency: self.latency.with_label_values(&labels),
                integration_latency: self.integration_latency.with_label_values(&labels),
                responses: self.responses.clone(),
                labels: labels.map(str::to_owned),
                statuses,
            })),
        }
    }

    /// Handles for one authorizer's label set.
    pub fn authorizer_handles(
        &self,
        api: &str,
        stage: &str,
        authorizer: &str,
    ) -> AuthorizerMetrics {
        if !self.recording {
            return AuthorizerMetrics { inner: None };
        }
        let labels = [api, stage, authorizer];
        AuthorizerMetrics {
            inner: Some(Arc::new(AuthorizerInner {
                hits: self.authorizer_cache_hits.with_label_values(&labels),
                misses: self.authorizer_cache_misses.with_label_values(&labels),
                latency: self.authorizer_latency.with_label_values(&labels),
                errors: self.authorizer_errors.with_label_values(&labels),
            })),
        }
    }

    /// Handles for one function.
    pub fn function_handles(&self, function: &str) -> FunctionMetrics {
        if !self.recording {
            return FunctionMetrics { inner: None };
        }
        FunctionMetrics {
            inner: Some(Arc::new(FunctionInner {
                errors: UpstreamErrorKind::ALL.map(|k| {
                    self.upstream_errors
                        .with_label_values(&[function, k.as_str()])
                }),
                in_flight: self.upstream_in_flight.with_label_values(&[function]),
                connections: self.upstream_connections.with_label_values(&[function]),
            })),
        }
    }

    /// The counter of access-log lines dropped under back-pressure (always counted: a dropped
    /// line must be visible even with recording off).
    pub fn access_log_dropped(&self) -> IntCounter {
        self.access_log_dropped.clone()
    }
}

/// Every pre-resolved handle of one compiled API snapshot.
#[derive(Debug, Clone)]
pub struct ApiMetrics {
    /// One per route, indexed like `Api::routes`.
    pub routes: Vec<RouteMetrics>,
    /// Requests that matched no route (`resource` and `method` are [`UNMATCHED`]).
    pub unmatched: RouteMetrics,
    /// One per authorizer, indexed like `Api::authorizers`.
    pub authorizers: Vec<AuthorizerMetrics>,
    /// One per function, indexed like `Api::functions`.
    pub functions: Vec<FunctionMetrics>,
}

impl ApiMetrics {
    /// The handles of the matched route, or of the unmatched series.
    pub fn route(&self, route: Option<crate::config::model::RouteId>) -> &RouteMetrics {
        route
            .and_then(|r| self.routes.get(r.0))
            .unwrap_or(&self.unmatched)
    }
}

/// One route's pre-resolved series. Cloning shares them.
#[derive(Debug, Clone)]
pub struct RouteMetrics {
    inner: Option<Arc<RouteInner>>,
}

#[derive(Debug)]
struct RouteInner {
    requests: IntCounter,
    errors_4xx: IntCounter,
    errors_5xx: IntCounter,
    latency: Histogram,
    integration_latency: Histogram,
    /// The family, to resolve a status code's series the first time it is seen.
    responses: IntCounterVec,
    labels: [String; 4],
    /// One lazily resolved series per status code 100..=599: after the first request with a
    /// given status, recording it is one atomic load and one add.
    statuses: Box<[OnceLock<IntCounter>]>,
}

impl RouteMetrics {
    /// Records one finished request: its status, total latency, and integration latency when an
    /// integration was called.
    pub fn record(&self, status: u16, latency: Duration, integration_latency: Option<Duration>) {
        let Some(m) = &self.inner else { return };
        m.requests.inc();
        match status {
            400..=499 => m.errors_4xx.inc(),
            500..=599 => m.errors_5xx.inc(),
            _ => {}
        }
        let slot = usize::from(status.clamp(STATUS_MIN, 599) - STATUS_MIN);
        if let Some(cell) = m.statuses.get(slot) {
            cell.get_or_init(|| {
                let code = (slot as u16 + STATUS_MIN).to_string();
                let [a, s, r, me] = &m.labels;
                m.responses.with_label_values(&[a, s, r, me, &code])
            })
            .inc();
        }
        m.latency.observe(latency.as_secs_f64());
        if let Some(d) = integration_latency {
            m.integration_latency.observe(d.as_secs_f64());
        }
    }
}

/// One authorizer's pre-resolved series.
#[derive(Debug, Clone)]
pub struct AuthorizerMetrics {
    inner: Option<Arc<AuthorizerInner>>,
}

#[derive(Debug)]
struct AuthorizerInner {
    hits: IntCounter,
    misses: IntCounter,
    latency: Histogram,
    errors: IntCounter,
}

impl AuthorizerMetrics {
    /// A result was served from the authorizer cache.
    pub fn cache_hit(&self) {
        if let Some(m) = &self.inner {
            m.hits.inc();
        }
    }

    /// The authorizer function was called (no cached result) and took `latency`.
    pub fn cache_miss(&self, latency: Duration) {
        if let Some(m) = &self.inner {
            m.misses.inc();
            m.latency.observe(latency.as_secs_f64());
        }
    }

    /// The authorizer call failed, timed out or returned an unusable result.
    pub fn error(&self) {
        if let Some(m) = &self.inner {
            m.errors.inc();
        }
    }
}

/// One function's pre-resolved series.
#[derive(Debug, Clone)]
pub struct FunctionMetrics {
    inner: Option<Arc<FunctionInner>>,
}

#[derive(Debug)]
struct FunctionInner {
    errors: [IntCounter; 5],
    in_flight: IntGauge,
    connections: IntGauge,
}

impl FunctionMetrics {
    /// Counts one failed invocation.
    pub fn error(&self, kind: UpstreamErrorKind) {
        if let Some(m) = &self.inner {
            let i = UpstreamErrorKind::ALL
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(0);
            m.errors[i].inc();
        }
    }

    /// Marks an invocation in progress until the guard drops (also on cancellation).
    pub fn in_flight(&self) -> GaugeGuard {
        GaugeGuard::new(self.inner.as_ref().map(|m| &m.in_flight))
    }

    /// Marks a client connection to the function's endpoint open until the guard drops; the
    /// invoke client's connector holds one per connection.
    pub fn connection_opened(&self) -> GaugeGuard {
        GaugeGuard::new(self.inner.as_ref().map(|m| &m.connections))
    }
}

/// Increments a gauge on creation and decrements it on drop.
#[derive(Debug)]
#[must_use = "the gauge goes back down when the guard drops"]
pub struct GaugeGuard {
    gauge: Option<IntGauge>,
}

impl GaugeGuard {
    fn new(gauge: Option<&IntGauge>) -> Self {
        let gauge = gauge.cloned();
        if let Some(g) = &gauge {
            g.inc();
        }
        GaugeGuard { gauge }
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        if let Some(g) = &self.gauge {
            g.dec();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn recording_updates_the_pre_resolved_series() {
        let m = Metrics::new().unwrap();
        let r = m.route_handles("api1", "prod", "/pets/{id}", "GET");
        r.record(
            200,
            Duration::from_micros(80),
            Some(Duration::from_micros(40)),
        );
        r.record(404, Duration::from_micros(60), None);
        r.record(
            502,
            Duration::from_millis(3),
            Some(Duration::from_millis(2)),
        );
        let text = m.encode().unwrap();
        let labels = r#"api="api1",method="GET",resource="/pets/{id}",stage="prod""#;
        assert!(
            text.contains(&format!("apigate_requests_total{{{labels}}} 3")),
            "{text}"
        );
        assert!(text.contains(&format!("apigate_4xx_errors_total{{{labels}}} 1")));
        assert!(text.contains(&format!("apigate_5xx_errors_total{{{labels}}} 1")));
        assert!(text.contains(&format!(
            r#"apigate_responses_total{{{labels},status="404"}} 1"#
        )));
        assert!(text.contains(&format!("apigate_latency_seconds_count{{{labels}}} 3")));
        assert!(text.contains(&format!(
            r#"apigate_latency_seconds_bucket{{{labels},le="0.0001"}} 2"#
        )));
        assert!(text.contains(&format!(
            "apigate_integration_latency_seconds_count{{{labels}}} 2"
        )));
        assert!(text.contains(&format!(
            r#"apigate_build_info{{version="{}"}} 1"#,
            env!("CARGO_PKG_VERSION")
        )));
    }

    #[test]
    fn out_of_range_statuses_are_clamped_not_lost() {
        let m = Metrics::new().unwrap();
        let r = m.route_handles("a", "s", "/", "GET");
        r.record(999, Duration::ZERO, None);
        r.record(0, Duration::ZERO, None);
        let text = m.encode().unwrap();
        assert!(text.contains(r#"status="599"} 1"#), "{text}");
        assert!(text.contains(r#"status="100"} 1"#), "{text}");
    }

    #[test]
    fn disabled_handles_record_nothing() {
        let m = Metrics::with_recording(false).unwrap();
        assert!(!m.recording());
        let r = m.route_handles("a", "s", "/", "GET");
        r.record(200, Duration::from_millis(1), None);
        m.authorizer_handles("a", "s", "auth").cache_hit();
        let f = m.function_handles("fn");
        f.error(UpstreamErrorKind::Timeout);
        let _g = f.in_flight();
        let text = m.encode().unwrap();
        assert!(!text.contains("apigate_requests_total{"), "{text}");
        assert!(
            !text.contains("apigate_upstream_in_flight_requests{"),
            "{text}"
        );
        assert!(text.contains("apigate_build_info{"));
    }

    #[test]
    fn gauges_follow_their_guards_and_errors_map_from_gateway_errors() {
        let m = Metrics::new().unwrap();
        let f = m.function_handles("orders");
        let g1 = f.in_flight();
        let g2 = f.in_flight();
        let c = f.connection_opened();
        drop(g1);
        let kind = UpstreamErrorKind::of(&GatewayError::IntegrationTimeout).unwrap();
        f.error(kind);
        assert_eq!(UpstreamErrorKind::of(&GatewayError::NoRoute), None);
        let text = m.encode().unwrap();
        assert!(text.contains(r#"apigate_upstream_in_flight_requests{function="orders"} 1"#));
        assert!(text.contains(r#"apigate_upstream_open_connections{function="orders"} 1"#));
        assert!(
            text.contains(r#"apigate_upstream_errors_total{function="orders",kind="timeout"} 1"#)
        );
        assert!(
            text.contains(r#"apigate_upstream_errors_total{function="orders",kind="connect"} 0"#)
        );
        drop((g2, c));
        let text = m.encode().unwrap();
        assert!(text.contains(r#"apigate_upstream_in_flight_requests{function="orders"} 0"#));
    }
}
