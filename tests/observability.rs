//! Observability end to end: metrics recorded through the pre-resolved handles and scraped from
//! the admin listener over real HTTP, `/readyz` across startup and drain, access-log presets,
//! trace-id bridging, and the rule that an `Authorization` value never reaches a log; [`live`]
//! checks metrics, `/readyz` and logs again with real traffic through the real server.
#![allow(clippy::unwrap_used)]

mod support;
use support::log_capture::Captured;
// The same checks through the real server (`app::run` over TCP).
#[path = "observability/live.rs"]
mod live;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use apigate::access_log::{AccessLogFormat, AccessLogRecord, AccessLogger};
use apigate::config::model::{
    Api, ApiKind, Authorizer, AuthorizerId, AuthorizerKind, Function, FunctionId, FunctionTarget,
    IdentitySource, Integration, PayloadFormat, ProxyIntegration, Route, RouteId, RouteMethod,
};
use apigate::gateway::context::{Principal, RequestCtx, RouteMatch};
use apigate::gateway::error::GatewayError;
use apigate::message::{HeaderList, Request};
use apigate::metrics::{Metrics, UpstreamErrorKind};
use apigate::server::admin::{serve_admin, Readiness};
use apigate::telemetry::{self, LogFormat, RedactedHeaders};
use apigate::trace_context::TraceContext;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------- fixtures

fn route(path: &str, method: RouteMethod, key: &str, auth: Option<usize>, f: usize) -> Route {
    Route {
        path: path.into(),
        method,
        route_key: key.into(),
        resource_id: "abc123".into(),
        authorizer: auth.map(AuthorizerId),
        api_key_required: false,
        integration: Integration::Proxy(ProxyIntegration {
            function: FunctionId(f),
            payload_format: PayloadFormat::V1,
            timeout: Duration::from_secs(29),
        }),
        method_request: Default::default(),
    }
}

fn function(name: &str) -> Function {
    Function {
        name: name.into(),
        target: FunctionTarget::InvokeUrl("http://127.0.0.1:9/invoke".parse().unwrap()),
        timeout: None,
    }
}

fn api(kind: ApiKind) -> Api {
    Api {
        kind,
        id: "a1b2c3".into(),
        account_id: "123456789012".into(),
        region: "us-east-1".into(),
        stage: "prod".into(),
        stage_prefix: false,
        stage_variables: vec![],
        binary_media_types: Default::default(),
        default_domain: "a1b2c3.execute-api.us-east-1.amazonaws.com".into(),
        deployment_id: "dep1".into(),
        routes: vec![
            route(
                "/pets/{id}",
                RouteMethod::One(http::Method::GET),
                "GET /pets/{id}",
                Some(0),
                0,
            ),
            route("/{proxy+}", RouteMethod::Any, "ANY /{proxy+}", None, 1),
        ],
        functions: vec![function("orders"), function("auth")],
        authorizers: vec![Authorizer {
            name: "bearer".into(),
            kind: AuthorizerKind::Token,
            function: FunctionId(1),
            identity_sources: vec![IdentitySource::Header("Authorization".into())],
            validation: None,
            ttl: Duration::from_secs(300),
            payload_format: PayloadFormat::V1,
            simple_responses: false,
            timeout: Duration::from_secs(10),
            cache_max_entries: 10_000,
        }],
        gateway_responses: Default::default(),
        access_log: None,
        throttle: None,
        router: apigate::gateway::router::Router::empty(),
    }
}

// ---------------------------------------------------------------- exposition parsing

/// One parsed exposition: `(name, sorted labels) -> value`.
struct Exposition(BTreeMap<(String, Vec<(String, String)>), f64>);

impl Exposition {
    fn parse(text: &str) -> Self {
        let mut samples = BTreeMap::new();
        for line in text.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap();
            let value: f64 = value.parse().unwrap();
            let (name, labels) = match series.split_once('{') {
                None => (series.to_string(), vec![]),
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').unwrap();
                    let mut labels = vec![];
                    let mut rest = body;
                    while !rest.is_empty() {
                        let (k, v) = rest.split_once("=\"").unwrap();
                        // Label values in these tests contain no escaped quotes.
                        let end = v.find('"').unwrap();
                        labels.push((k.to_string(), v[..end].to_string()));
                        rest = v[end + 1..].trim_start_matches(',');
                    }
                    labels.sort();
                    (name.to_string(), labels)
                }
            };
            assert!(
                samples.insert((name, labels), value).is_none(),
                "duplicate series: {line}"
            );
        }
        Exposition(samples)
    }

    /// The value of the series with exactly these labels.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut l: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        l.sort();
        self.0.get(&(name.to_string(), l)).copied()
    }

    fn has_family(&self, name: &str) -> bool {
        self.0.keys().any(|(n, _)| n == name)
    }
}

// ---------------------------------------------------------------- HTTP

async fn start_admin(
    metrics: Arc<Metrics>,
    readiness: Readiness,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve_admin(listener, metrics, readiness, async {
        let _ = rx.await;
    }));
    (addr, tx, task)
}

/// A plain HTTP/1.1 GET; returns status and body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, body.to_string())
}

// ---------------------------------------------------------------- metrics

#[tokio::test]
async fn each_outcome_is_scraped_with_exact_values() {
    let metrics = Arc::new(Metrics::new().unwrap());
    let api = api(ApiKind::Rest);
    let h = metrics.api_handles(&api);
    let ms = Duration::from_millis;

    // 2xx through the authorized route: one authorizer miss, then two cache hits.
    h.authorizers[0].cache_miss(ms(4));
    for _ in 0..3 {
        h.route(Some(RouteId(0))).record(200, ms(3), Some(ms(2)));
    }
    h.authorizers[0].cache_hit();
    h.authorizers[0].cache_hit();
    // 4xx: the authorizer refused one request; one request matched no route.
    h.authorizers[0].cache_miss(ms(1));
    h.route(Some(RouteId(0)))
        .record(401, Duration::from_micros(900), None);
    h.route(None).record(403, Duration::from_micros(40), None);
    // 5xx: a function error and a function timeout on the proxy route; an authorizer failure.
    let err = GatewayError::FunctionError("boom".into());
    h.functions[0].error(UpstreamErrorKind::of(&err).unwrap());
    h.route(Some(RouteId(1))).record(502, ms(12), Some(ms(11)));
    h.functions[0].error(UpstreamErrorKind::of(&GatewayError::IntegrationTimeout).unwrap());
    h.route(Some(RouteId(1)))
        .record(504, Duration::from_secs(29), Some(Duration::from_secs(29)));
    h.authorizers[0].error();
    // One invocation still in flight at scrape time.
    let _in_flight = h.functions[0].in_flight();

    let (addr, stop, task) = start_admin(metrics.clone(), Readiness::new()).await;
    let (status, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    let x = Exposition::parse(&body);

    let pets = [
        ("api", "a1b2c3"),
        ("stage", "prod"),
        ("resource", "/pets/{id}"),
        ("method", "GET"),
    ];
    let proxy = [
        ("api", "a1b2c3"),
        ("stage", "prod"),
        ("resource", "/{proxy+}"),
        ("method", "ANY"),
    ];
    let none = [
        ("api", "a1b2c3"),
        ("stage", "prod"),
        ("resource", "-"),
        ("method", "-"),
    ];
    let with = |base: &[(&'static str, &'static str); 4], k: &'static str, v: &'static str| {
        let mut l = base.to_vec();
        l.push((k, v));
        l
    };

    assert_eq!(x.get("apigate_requests_total", &pets), Some(4.0));
    assert_eq!(x.get("apigate_requests_total", &proxy), Some(2.0));
    assert_eq!(x.get("apigate_requests_total", &none), Some(1.0));
    assert_eq!(x.get("apigate_4xx_errors_total", &pets), Some(1.0));
    assert_eq!(x.get("apigate_4xx_errors_total", &none), Some(1.0));
    assert_eq!(x.get("apigate_4xx_errors_total", &proxy), Some(0.0));
    assert_eq!(x.get("apigate_5xx_errors_total", &proxy), Some(2.0));
    assert_eq!(x.get("apigate_5xx_errors_total", &pets), Some(0.0));
    assert_eq!(
        x.get("apigate_responses_total", &with(&pets, "status", "200")),
        Some(3.0)
    );
    assert_eq!(
        x.get("apigate_responses_total", &with(&pets, "status", "401")),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_responses_total", &with(&proxy, "status", "502")),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_responses_total", &with(&proxy, "status", "504")),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_responses_total", &with(&none, "status", "403")),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_responses_total", &with(&pets, "status", "500")),
        None,
        "status series exist only once seen"
    );

    // Latency histograms: counts and bucket placement.
    assert_eq!(x.get("apigate_latency_seconds_count", &pets), Some(4.0));
    assert_eq!(
        x.get(
            "apigate_latency_seconds_bucket",
            &with(&pets, "le", "0.001")
        ),
        Some(1.0)
    );
    assert_eq!(
        x.get(
            "apigate_latency_seconds_bucket",
            &with(&pets, "le", "0.005")
        ),
        Some(4.0)
    );
    assert_eq!(
        x.get(
            "apigate_latency_seconds_bucket",
            &with(&none, "le", "0.00005")
        ),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_latency_seconds_bucket", &with(&proxy, "le", "15")),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_latency_seconds_bucket", &with(&proxy, "le", "29")),
        Some(2.0)
    );
    assert_eq!(
        x.get(
            "apigate_latency_seconds_bucket",
            &with(&proxy, "le", "+Inf")
        ),
        Some(2.0)
    );
    assert_eq!(
        x.get("apigate_integration_latency_seconds_count", &pets),
        Some(3.0)
    );
    assert_eq!(
        x.get("apigate_integration_latency_seconds_count", &proxy),
        Some(2.0)
    );
    assert_eq!(
        x.get("apigate_integration_latency_seconds_count", &none),
        Some(0.0)
    );
    let sum = x
        .get("apigate_integration_latency_seconds_sum", &pets)
        .unwrap();
    assert!((sum - 0.006).abs() < 1e-9, "{sum}");

    // Authorizer.
    let auth = [
        ("api", "a1b2c3"),
        ("stage", "prod"),
        ("authorizer", "bearer"),
    ];
    assert_eq!(
        x.get("apigate_authorizer_cache_hits_total", &auth),
        Some(2.0)
    );
    assert_eq!(
        x.get("apigate_authorizer_cache_misses_total", &auth),
        Some(2.0)
    );
    assert_eq!(x.get("apigate_authorizer_errors_total", &auth), Some(1.0));
    assert_eq!(
        x.get("apigate_authorizer_latency_seconds_count", &auth),
        Some(2.0)
    );

    // Upstream.
    let kind = |f: &'static str, k: &'static str| [("function", f), ("kind", k)];
    assert_eq!(
        x.get(
            "apigate_upstream_errors_total",
            &kind("orders", "function_error")
        ),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_upstream_errors_total", &kind("orders", "timeout")),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_upstream_errors_total", &kind("orders", "connect")),
        Some(0.0)
    );
    assert_eq!(
        x.get("apigate_upstream_errors_total", &kind("auth", "timeout")),
        Some(0.0)
    );
    assert_eq!(
        x.get(
            "apigate_upstream_in_flight_requests",
            &[("function", "orders")]
        ),
        Some(1.0)
    );
    assert_eq!(
        x.get("apigate_upstream_open_connections", &[("function", "auth")]),
        Some(0.0)
    );
    assert_eq!(
        x.get(
            "apigate_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
    assert_eq!(x.get("apigate_access_log_dropped_total", &[]), Some(0.0));

    stop.send(()).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn recording_off_keeps_the_endpoint_but_records_nothing() {
    let metrics = Arc::new(Metrics::with_recording(false).unwrap());
    let h = metrics.api_handles(&api(ApiKind::Rest));
    h.route(Some(RouteId(0)))
        .record(200, Duration::from_millis(1), None);
    h.authorizers[0].cache_hit();
    let (addr, stop, task) = start_admin(metrics, Readiness::new()).await;
    let (status, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    let x = Exposition::parse(&body);
    assert!(!x.has_family("apigate_requests_total"));
    assert!(!x.has_family("apigate_authorizer_cache_hits_total"));
    assert!(x.has_family("apigate_build_info"));
    stop.send(()).unwrap();
    task.await.unwrap();
}

// ---------------------------------------------------------------- readiness

#[tokio::test]
async fn readyz_follows_startup_and_drain_and_the_listener_stops_on_shutdown() {
    let readiness = Readiness::new();
    let metrics = Arc::new(Metrics::new().unwrap());
    let (addr, stop, task) = start_admin(metrics, readiness.clone()).await;

    assert_eq!(get(addr, "/healthz").await, (200, "ok\n".into()));
    assert_eq!(get(addr, "/readyz").await, (503, "starting\n".into()));
    readiness.set_ready();
    assert_eq!(get(addr, "/readyz").await, (200, "ready\n".into()));
    readiness.set_draining();
    assert_eq!(get(addr, "/readyz").await, (503, "draining\n".into()));
    assert_eq!(get(addr, "/healthz").await, (200, "ok\n".into()));
    assert_eq!(get(addr, "/nope").await.0, 404);

    stop.send(()).unwrap();
    task.await.unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
}

// ---------------------------------------------------------------- access logs

fn ctx_for_logs(kind: ApiKind) -> RequestCtx {
    let mut req = Request::for_test(http::Method::GET, "/pets/42?x=1");
    req.headers.push("Host", "api.example.com").unwrap();
    req.headers.push("User-Agent", "curl/8.0").unwrap();
    req.headers
        .push("Authorization", "Bearer SECRET-TOKEN-123")
        .unwrap();
    let mut ctx = RequestCtx::new(Arc::new(api(kind)), req);
    ctx.request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into();
    ctx.extended_request_id = "MIZRNhJtIAMEMDw=".into();
    ctx.epoch_ms = 1_583_798_639_123;
    ctx.route = Some(RouteMatch {
        route: RouteId(0),
        path: "/pets/42".into(),
        params: vec![("id".into(), "42".into())],
    });
    let mut context = serde_json::Map::new();
    context.insert("tenant".into(), "acme".into());
    context.insert("tier".into(), 3.into());
    ctx.principal = Some(Principal {
        principal_id: Some("user-7".into()),
        context,
        usage_identifier_key: None,
        latency: Duration::from_millis(7),
    });
    ctx.integration_latency = Some(Duration::from_millis(12));
    ctx
}

fn record(ctx: &RequestCtx) -> AccessLogRecord<'_> {
    AccessLogRecord {
        ctx,
        status: 200,
        response_length: 17,
        response_latency: Duration::from_millis(15),
        error: None,
        integration_status: Some(200),
    }
}

#[test]
fn clf_preset_lines() {
    let ctx = ctx_for_logs(ApiKind::Rest);
    let f = AccessLogFormat::compile("CLF", ApiKind::Rest).unwrap();
    assert_eq!(
        f.render_to_string(&record(&ctx)),
        "127.0.0.1 - - [10/Mar/2020:00:03:59 +0000]\"GET /pets/{id} HTTP/1.1\" 200 17 \
         c6af9ac6-7b61-11e6-9a41-93e8deadbeef MIZRNhJtIAMEMDw="
    );
    let ctx = ctx_for_logs(ApiKind::Http);
    let f = AccessLogFormat::compile("clf", ApiKind::Http).unwrap();
    assert_eq!(
        f.render_to_string(&record(&ctx)),
        "127.0.0.1 - - [10/Mar/2020:00:03:59 +0000] \"GET GET /pets/{id} HTTP/1.1\" 200 17 \
         c6af9ac6-7b61-11e6-9a41-93e8deadbeef MIZRNhJtIAMEMDw="
    );
}

#[test]
fn json_preset_lines_parse_as_json() {
    let ctx = ctx_for_logs(ApiKind::Rest);
    let f = AccessLogFormat::compile("JSON", ApiKind::Rest).unwrap();
    let line = f.render_to_string(&record(&ctx));
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "extendedRequestId": "MIZRNhJtIAMEMDw=",
            "ip": "127.0.0.1",
            "caller": "-",
            "user": "-",
            "requestTime": "10/Mar/2020:00:03:59 +0000",
            "httpMethod": "GET",
            "resourcePath": "/pets/{id}",
            "status": "200",
            "protocol": "HTTP/1.1",
            "responseLength": "17"
        })
    );
    let ctx = ctx_for_logs(ApiKind::Http);
    let f = AccessLogFormat::compile("JSON", ApiKind::Http).unwrap();
    let v: serde_json::Value = serde_json::from_str(&f.render_to_string(&record(&ctx))).unwrap();
    assert_eq!(v["routeKey"], "GET /pets/{id}");
    assert_eq!(v["extendedRequestId"], "MIZRNhJtIAMEMDw=");
}

#[test]
fn custom_format_with_authorizer_error_and_latency_variables() {
    let ctx = ctx_for_logs(ApiKind::Rest);
    let f = AccessLogFormat::compile(
        "$context.requestId $context.authorizer.principalId $context.authorizer.tenant \
         $context.authorizer.tier $context.authorizer.missing $context.authorizer.latency \
         $context.integrationLatency $context.responseLatency $context.error.message \
         $context.error.messageString $context.identity.userAgent $context.domainName \
         $context.domainPrefix $context.path $context.stage $context.requestTimeEpoch",
        ApiKind::Rest,
    )
    .unwrap();
    assert_eq!(
        f.render_to_string(&record(&ctx)),
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef user-7 acme 3 - 7 12 15 - - curl/8.0 \
         api.example.com api /pets/42 prod 1583798639123"
    );
    let classified = GatewayError::IntegrationTimeout.classify(ApiKind::Rest);
    let rec = AccessLogRecord {
        status: 504,
        error: Some(&classified),
        integration_status: None,
        ..record(&ctx)
    };
    let f = AccessLogFormat::compile(
        "$context.requestId $context.status $context.error.message|$context.error.messageString|$context.error.responseType|$context.integrationStatus",
        ApiKind::Rest,
    )
    .unwrap();
    assert_eq!(
        f.render_to_string(&rec),
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef 504 Endpoint request timed out|\"Endpoint request timed out\"|INTEGRATION_TIMEOUT|-"
    );
}

/// `integration.status` is the function's status code; `integrationStatus` and
/// `integration.integrationStatus` are the Lambda service's (AWS's REST variable reference).
#[test]
fn integration_status_variables_tell_the_function_from_lambda() {
    let mut ctx = ctx_for_logs(ApiKind::Rest);
    ctx.lambda_status = Some(200);
    let rec = AccessLogRecord {
        status: 201,
        integration_status: Some(201),
        ..record(&ctx)
    };
    let f = AccessLogFormat::compile(
        "$context.requestId $context.integrationStatus $context.integration.integrationStatus $context.integration.status",
        ApiKind::Rest,
    )
    .unwrap();
    assert_eq!(
        f.render_to_string(&rec),
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef 200 200 201"
    );
}

/// A failed body validation logs its detail as `$context.error.validationErrorString`; other
/// requests log `-`.
#[test]
fn validation_error_string_is_logged() {
    let ctx = ctx_for_logs(ApiKind::Rest);
    let classified =
        GatewayError::BadRequestBody("[object has missing required properties (name)]".into())
            .classify(ApiKind::Rest);
    let f = AccessLogFormat::compile(
        "$context.requestId $context.error.responseType $context.error.validationErrorString",
        ApiKind::Rest,
    )
    .unwrap();
    let failed = AccessLogRecord {
        status: 400,
        error: Some(&classified),
        ..record(&ctx)
    };
    assert_eq!(
        f.render_to_string(&failed),
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef BAD_REQUEST_BODY [object has missing required properties (name)]"
    );
    assert!(f.render_to_string(&record(&ctx)).ends_with(" - -"));
}

#[tokio::test]
async fn the_writer_emits_one_line_per_request_and_drops_when_full() {
    let ctx = ctx_for_logs(ApiKind::Rest);
    let metrics = Metrics::new().unwrap();
    let f = AccessLogFormat::compile("CSV", ApiKind::Rest).unwrap();
    let (writer, mut reader) = tokio::io::duplex(64 * 1024);
    // The test runtime is single-threaded: the writer task cannot run until this test awaits,
    // so with room for two lines the third is dropped deterministically.
    let (logger, task) = AccessLogger::spawn(f, writer, 2, metrics.access_log_dropped());
    assert!(logger.log(&record(&ctx)));
    assert!(logger.log(&record(&ctx)));
    assert!(!logger.log(&record(&ctx)));
    drop(logger);
    task.await.unwrap();
    let mut out = String::new();
    reader.read_to_string(&mut out).await.unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        lines[0],
        "127.0.0.1,-,-,10/Mar/2020:00:03:59 +0000,GET,/pets/{id},HTTP/1.1,200,17,\
         c6af9ac6-7b61-11e6-9a41-93e8deadbeef,MIZRNhJtIAMEMDw="
    );
    let x = Exposition::parse(&metrics.encode().unwrap());
    assert_eq!(x.get("apigate_access_log_dropped_total", &[]), Some(1.0));
}

// ---------------------------------------------------------------- trace ids

#[test]
fn trace_ids_bridge_in_both_directions() {
    // X-Ray in: forwarded verbatim, W3C derived for the Invoke request.
    let mut h = HeaderList::new();
    h.push(
        "X-Amzn-Trace-Id",
        "Root=1-5e600000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
    )
    .unwrap();
    let t = TraceContext::from_headers(&h, 1);
    // The Invoke request as the invoker builds it.
    let invoke = apigate::lambda::invoke_api::build_request(
        &"http://127.0.0.1:9/2015-03-31/functions/f/invocations"
            .parse()
            .unwrap(),
        bytes::Bytes::new(),
        &t,
    )
    .unwrap();
    let header = |name: &str| invoke.headers().get(name).and_then(|v| v.to_str().ok());
    assert_eq!(
        header("X-Amzn-Trace-Id"),
        Some("Root=1-5e600000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1")
    );
    assert_eq!(
        header("traceparent"),
        Some("00-5e6000000123456789abcdef01234567-53995c3f42cd8ad8-01")
    );
    let mut resp = HeaderList::new();
    t.apply_to_response(&mut resp);
    assert_eq!(resp.len(), 1, "AWS clients get AWS's header set");

    // W3C in: the root comes from the trace-id, both go back to the W3C client.
    let mut h = HeaderList::new();
    h.push(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    )
    .unwrap();
    let ctx = RequestCtx::new(
        Arc::new(api(ApiKind::Rest)),
        Request {
            headers: h.clone(),
            ..Request::for_test(http::Method::GET, "/")
        },
    );
    assert_eq!(
        ctx.trace_id(),
        "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=0"
    );
    let t = TraceContext::from_headers(&h, 1);
    let mut resp = HeaderList::new();
    t.apply_to_response(&mut resp);
    assert_eq!(resp.get_str("x-amzn-trace-id"), Some(ctx.trace_id()));
    assert_eq!(
        resp.get_str("traceparent"),
        Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
    );

    // Neither: a fresh root, and a valid W3C form of it.
    let t = TraceContext::from_headers(&HeaderList::new(), 0x6000_0000);
    assert!(t.amzn_trace_id().starts_with("Root=1-60000000-"));
    let tp = t.traceparent();
    assert_eq!(&tp[3..11], "60000000");
    assert_eq!(&tp[11..35], &t.amzn_trace_id()[16..40]);
}

// ---------------------------------------------------------------- secrets

#[test]
fn an_authorization_header_never_reaches_the_logs() {
    for format in [LogFormat::Text, LogFormat::Json] {
        let out = Captured::default();
        let filter = tracing_subscriber::EnvFilter::new("trace");
        let sub = telemetry::subscriber(format, filter, out.clone());
        let ctx = ctx_for_logs(ApiKind::Rest);
        tracing::subscriber::with_default(sub, || {
            let span = telemetry::request_span(&ctx);
            let _g = span.enter();
            telemetry::record_route(&span, "/pets/{id}");
            tracing::debug!(headers = %RedactedHeaders(&ctx.req.headers), "request received");
            tracing::debug!(headers = ?RedactedHeaders(&ctx.req.headers), "request (debug form)");
            let err = GatewayError::Unauthorized("authorizer said Unauthorized");
            tracing::debug!(error = %err, "request refused");
            telemetry::record_status(&span, 401);
            tracing::info!("request finished");
        });
        let text = out.text();
        // The capture works: the request id, route and redaction marker are there...
        assert!(text.contains(&ctx.request_id), "{text}");
        assert!(text.contains("/pets/{id}"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
        assert!(text.contains("curl/8.0"), "{text}");
        // ...and the secret is not.
        assert!(!text.contains("SECRET-TOKEN-123"), "{format:?}: {text}");
    }
    // Access logs have no variable that reads the Authorization header.
    let ctx = ctx_for_logs(ApiKind::Rest);
    for preset in ["CLF", "JSON", "XML", "CSV"] {
        let f = AccessLogFormat::compile(preset, ApiKind::Rest).unwrap();
        assert!(!f.render_to_string(&record(&ctx)).contains("SECRET"));
    }
}
