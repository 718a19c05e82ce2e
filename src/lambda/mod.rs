//! How apigate reaches Lambda functions: the [`Invoker`] and what a call yields.
//!
//! A function is reached either through the Lambda Invoke API (`invokeUrl`: AWS's endpoint or a
//! Runtime Interface Emulator) or through a Lambda Function URL (`functionUrl`). The request path
//! calls the invoker for every request, so it holds pooled keep-alive HTTP/1.1 clients (plain TCP
//! for `http://`, rustls with the webpki roots for `https://`) that every clone shares.
//!
//! Calls are **not SigV4-signed**: apigate targets local RIEs and endpoints that accept unsigned
//! calls (Function URLs with auth type `NONE`). If signing is needed later, use a well-kept SigV4
//! crate rather than hand-written signing.
//!
//! # Layout
//! - [`invoke_api`]: the Invoke API request (`POST .../invocations`) and reading its reply.
//! - [`function_url`]: forwarding a client request to a Function URL, and invoking through one.
//! - [`local`]: upstream connections owned by one client connection (the HTTP/1.1 hot path),
//!   each an `upstream::Upstream`: apigate's own HTTP/1.1 client, driven in the caller's task.
//! - [`reply`]: what the hot-path client writes ([`reply::Outgoing`]) and reads
//!   ([`reply::Reply`]: status, fields as spans of the received head, body).
//! - [`outcome`]: [`Invocation`] and the rules that tell a function's result from its error.
//! - [`error`]: [`InvokeError`] and its mapping to [`crate::gateway::error::GatewayError`].

pub mod error;
mod event_invoke;
pub mod function_url;
pub mod invoke_api;
pub mod local;
pub mod outcome;
pub mod reply;
mod upstream;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::{Client, ResponseFuture};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio_util::task::TaskTracker;

use crate::config::model::{Function, FunctionTarget};
use crate::message::{Request, Response};
use crate::trace_context::TraceContext;

pub use error::{InvokeError, TlsSetupError, MAX_EVENT_BYTES, MAX_REQUEST_BYTES, MAX_RESULT_BYTES};
pub use outcome::{FunctionErrorKind, Invocation};

/// Connection-pool settings of the [`Invoker`].
#[derive(Debug, Clone)]
pub struct InvokerSettings {
    /// Most idle keep-alive connections kept per upstream host (per shard).
    pub pool_max_idle_per_host: usize,
    /// How long an idle pooled connection is kept. Shorter than the usual 60 s server-side idle
    /// timeouts, so apigate rarely picks a connection the upstream is about to close.
    pub pool_idle_timeout: Duration,
    /// Time allowed to open a TCP connection (the call's own timeout still bounds the total).
    pub connect_timeout: Duration,
    /// TCP keepalive probes on upstream connections (`None` disables them).
    pub tcp_keepalive: Option<Duration>,
    /// Number of independent connection pools; each call picks one at random. One shared pool
    /// reuses connections best; several spread the pool's lock under heavy concurrency. The load
    /// bench compares the two.
    pub pool_shards: usize,
}

impl Default for InvokerSettings {
    fn default() -> Self {
        InvokerSettings {
            pool_max_idle_per_host: 512,
            pool_idle_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            tcp_keepalive: Some(Duration::from_secs(60)),
            pool_shards: 1,
        }
    }
}

/// Calls functions. Cheap to clone: clones share the same connection pools.
///
/// hyper's pool takes a connection back from a background task once the response has ended, so a
/// call started the instant the previous one returned may open a second connection; that one then
/// joins the pool, so the number of connections follows the peak concurrency, not the call count.
#[derive(Clone)]
pub struct Invoker {
    shards: Arc<[Pools]>,
    /// Opens the per-client-connection upstream connections of [`local`].
    connector: HttpConnector,
    /// How long an idle per-client-connection upstream connection may be reused.
    idle_timeout: Duration,
    /// Asynchronous (`Event`) invocations still running: the client was already answered, so
    /// shutdown waits for them ([`Invoker::drain_events`]) rather than dropping accepted work.
    events: TaskTracker,
}

impl std::fmt::Debug for Invoker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invoker")
            .field("pool_shards", &self.shards.len())
            .finish()
    }
}

/// One shard's clients: plain HTTP and HTTPS (separate so `http://` calls skip the TLS wrapper).
#[derive(Clone)]
struct Pools {
    http: Client<HttpConnector, Full<Bytes>>,
    https: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Invoker {
    /// Builds the clients. Fails only if the TLS configuration cannot be built.
    pub fn new(settings: &InvokerSettings) -> Result<Invoker, TlsSetupError> {
        let shards = (0..settings.pool_shards.max(1))
            .map(|_| Pools::new(settings))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Invoker {
            shards: shards.into(),
            connector: tcp_connector(settings),
            idle_timeout: settings.pool_idle_timeout,
            events: TaskTracker::new(),
        })
    }

    /// Invokes `function` with `payload` and waits at most `timeout` for the complete result.
    ///
    /// - `invokeUrl`: the Invoke API call ([`invoke_api`]); the reply is classified by
    ///   [`outcome::classify_invoke_reply`]. Within a client connection's [`local::scope`], a
    ///   plain-HTTP call is written and read by [`invoke_api::InvokeCall`] on that connection's
    ///   own upstream connection.
    /// - `functionUrl` (custom integrations and authorizers reaching a function through its URL):
    ///   `POST` of the payload to the URL; see [`function_url::classify_invoke_reply`].
    pub async fn invoke(
        &self,
        function: &Function,
        payload: Bytes,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<Invocation, InvokeError> {
        self.invoke_since(std::time::Instant::now(), function, payload, timeout, trace)
            .await
    }

    /// [`Invoker::invoke`], with the call's `timeout` counted from `started`: the caller's own
    /// clock read for the call (its integration latency), so the call reads the clock no more.
    pub async fn invoke_since(
        &self,
        started: std::time::Instant,
        function: &Function,
        payload: Bytes,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<Invocation, InvokeError> {
        if matches!(function.target, FunctionTarget::InvokeUrl(_))
            && payload.len() > MAX_REQUEST_BYTES
        {
            return Err(InvokeError::request_too_large());
        }
        match &function.target {
            FunctionTarget::InvokeUrl(url) if is_plain_http(url) && local::in_scope() => {
                let call = invoke_api::InvokeCall::new(url, payload, trace);
                // Not boxed (unlike `exchange` below): this call's future is small, as its
                // connection is boxed and its connect future too (see `local::connect`), and a
                // box would cost an allocation and a copy of the future on every request.
                let exchange = local::exchange(&self.connector, self.idle_timeout, &call, started);
                let reply = local::within(started, timeout, exchange)
                    .await
                    .unwrap_or(Err(InvokeError::Timeout))?;
                invoke_api::classify(reply)
            }
            FunctionTarget::InvokeUrl(url) => {
                let req = invoke_api::build_request(url, payload, trace)?;
                let reply = self.exchange(req, started, timeout).await?;
                invoke_api::read_reply(reply)
            }
            FunctionTarget::FunctionUrl(url) => {
                let req = function_url::build_invoke_request(url, payload, trace)?;
                let reply = self.exchange(req, started, timeout).await?;
                function_url::classify_invoke_reply(reply)
            }
        }
    }

    /// Forwards a client request to a `functionUrl` target (AWS_PROXY with a Function URL
    /// upstream: the Function URL builds its own event) and returns its response; see
    /// [`function_url`] for exactly what is copied. An `invokeUrl` target is refused with
    /// [`InvokeError::Request`]: the Invoke API needs an event, not a request. The `timeout`
    /// counts from `started`, the caller's clock read for the call (as in
    /// [`Invoker::invoke_since`]).
    pub async fn forward(
        &self,
        function: &Function,
        req: &Request,
        started: std::time::Instant,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<Response, InvokeError> {
        let FunctionTarget::FunctionUrl(url) = &function.target else {
            return Err(InvokeError::Request(format!(
                "function {} has no functionUrl to forward to",
                function.name
            )));
        };
        let upstream = function_url::build_forward_request(url, req, trace)?;
        let reply = self.exchange(upstream, started, timeout).await?;
        Ok(function_url::into_response(reply))
    }

    /// Sends `req` and reads the whole response body (at most [`MAX_RESULT_BYTES`]), all within
    /// `timeout` from `started`.
    async fn exchange(
        &self,
        req: http::Request<Bytes>,
        started: std::time::Instant,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, InvokeError> {
        let call = async {
            if is_plain_http(req.uri()) && local::in_scope() {
                return local::exchange(&self.connector, self.idle_timeout, &req, started)
                    .await
                    .and_then(reply::Reply::into_http);
            }
            let resp = self.send(req.map(Full::new)).await.map_err(client_error)?;
            read_reply(resp).await
        };
        // Boxed: the call's future is kilobytes; inline, every enclosing future (up to the
        // client connection's) would hold it and move it at each level. One allocation instead.
        local::within(started, timeout, Box::pin(call))
            .await
            .unwrap_or(Err(InvokeError::Timeout))
    }

    /// Starts the request on a pool chosen for its scheme.
    fn send(&self, req: http::Request<Full<Bytes>>) -> ResponseFuture {
        let pools = if self.shards.len() == 1 {
            &self.shards[0]
        } else {
            &self.shards[fastrand::usize(..self.shards.len())]
        };
        if req.uri().scheme() == Some(&http::uri::Scheme::HTTPS) {
            pools.https.request(req)
        } else {
            pools.http.request(req)
        }
    }
}

/// Whether `uri` is served by the hot-path client (`http://`; TLS goes through the pool).
fn is_plain_http(uri: &http::Uri) -> bool {
    uri.scheme() == Some(&http::uri::Scheme::HTTP)
}

/// Reads a reply's whole body, at most [`MAX_RESULT_BYTES`].
async fn read_reply(resp: http::Response<Incoming>) -> Result<http::Response<Bytes>, InvokeError> {
    let (parts, body) = resp.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_RESULT_BYTES as u64) {
        return Err(InvokeError::ResponseTooLarge);
    }
    let body = Limited::new(body, MAX_RESULT_BYTES)
        .collect()
        .await
        .map_err(body_error)?
        .to_bytes();
    Ok(http::Response::from_parts(parts, body))
}

/// The TCP connector every upstream connection is opened with.
fn tcp_connector(settings: &InvokerSettings) -> HttpConnector {
    let mut tcp = HttpConnector::new();
    tcp.set_nodelay(true);
    tcp.set_keepalive(settings.tcp_keepalive);
    tcp.set_connect_timeout(Some(settings.connect_timeout));
    tcp
}

impl Pools {
    fn new(settings: &InvokerSettings) -> Result<Pools, TlsSetupError> {
        let tcp = tcp_connector(settings);
        let mut tls_tcp = tcp.clone();
        // The TLS connector hands `https://` URIs to the TCP connector, which must accept them.
        tls_tcp.enforce_http(false);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)?
            .https_only()
            .enable_http1()
            .wrap_connector(tls_tcp);

        let mut builder = Client::builder(TokioExecutor::new());
        builder
            .pool_max_idle_per_host(settings.pool_max_idle_per_host)
            .pool_idle_timeout(settings.pool_idle_timeout)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new());
        Ok(Pools {
            http: builder.build(tcp),
            https: builder.build(tls),
        })
    }
}

/// Sorts a client error into connect / protocol / I/O failures.
fn client_error(e: hyper_util::client::legacy::Error) -> InvokeError {
    let detail = error_chain(&e);
    if e.is_connect() {
        InvokeError::Connect(detail)
    } else if find_hyper_error(&e).is_some_and(is_protocol_error) {
        InvokeError::Protocol(detail)
    } else {
        InvokeError::Io(detail)
    }
}

/// Sorts an error met while reading the body: over the limit, invalid framing, or I/O.
fn body_error(e: Box<dyn std::error::Error + Send + Sync>) -> InvokeError {
    if e.is::<http_body_util::LengthLimitError>() {
        return InvokeError::ResponseTooLarge;
    }
    let detail = error_chain(e.as_ref());
    if find_hyper_error(e.as_ref()).is_some_and(is_protocol_error) {
        InvokeError::Protocol(detail)
    } else {
        InvokeError::Io(detail)
    }
}

fn is_protocol_error(e: &hyper::Error) -> bool {
    e.is_parse() || e.is_parse_status() || e.is_parse_too_large()
}

/// The first `hyper::Error` in an error's source chain.
fn find_hyper_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a hyper::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            return Some(h);
        }
        cur = err.source();
    }
    None
}

/// An error and its sources joined with `": "`, for logs.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(err) = cur {
        out.push_str(": ");
        out.push_str(&err.to_string());
        cur = err.source();
    }
    out
}
