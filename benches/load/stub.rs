//! The stub Lambda: a hyper HTTP/1.1 server speaking the Lambda Invoke API shape.
//!
//! Any `POST /2015-03-31/functions/{name}/invocations` gets a fixed answer: the load recipe's proxy
//! response, or an Allow-all IAM policy for the authorizer function [`AUTHORIZER_FUNCTION`]. It runs on
//! its own tokio runtime with a configurable number of workers, because the bench machine's cores are
//! shared by the load generator, the stub and apigate. It counts invocations per function so the bench
//! can show, for example, that the authorizer route is served from apigate's cache.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

/// The function name the authorizer target's config points at.
pub const AUTHORIZER_FUNCTION: &str = "authfn";

/// The load recipe's Lambda proxy response.
const PROXY_RESPONSE: &[u8] =
    br#"{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}"#;

/// A TOKEN/REQUEST authorizer answer allowing every method of every API (`Resource: "*"`).
const ALLOW_POLICY: &[u8] = br#"{"principalId":"bench","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}"#;

/// What the Invoke API answers for a path that is not an invocation.
const NOT_FOUND: &[u8] = br#"{"Message":"stub Lambda: unknown path","Type":"User"}"#;

const INVOKE_PREFIX: &str = "/2015-03-31/functions/";
const INVOKE_SUFFIX: &str = "/invocations";

/// Invocation counters, read by the bench between runs.
#[derive(Debug, Default)]
pub struct Counters {
    /// Invocations of any function other than the authorizer.
    pub function: AtomicU64,
    /// Invocations of [`AUTHORIZER_FUNCTION`].
    pub authorizer: AtomicU64,
}

/// Invocation counts at one moment; subtract two to get a run's share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Invocations {
    pub function: u64,
    pub authorizer: u64,
}

impl Invocations {
    /// Invocations between `earlier` and `self`.
    pub fn since(self, earlier: Invocations) -> Invocations {
        Invocations {
            function: self.function.saturating_sub(earlier.function),
            authorizer: self.authorizer.saturating_sub(earlier.authorizer),
        }
    }
}

/// A running stub; it serves until the value is dropped (the runtime shuts down with it).
pub struct Stub {
    addr: SocketAddr,
    counters: Arc<Counters>,
    _runtime: Runtime,
}

impl Stub {
    /// Binds `127.0.0.1:port` (0: any free port) and serves on a runtime with `threads` workers.
    pub fn start(threads: usize, port: u16) -> std::io::Result<Stub> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("stub-lambda")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind(("127.0.0.1", port)))?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        runtime.spawn(accept_loop(listener, Arc::clone(&counters)));
        Ok(Stub {
            addr,
            counters,
            _runtime: runtime,
        })
    }

    /// Where the stub listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Invoke API URL of `function` on this stub (what apigate's `invokeUrl` holds).
    pub fn invoke_url(&self, function: &str) -> String {
        format!("http://{}{}", self.addr, invoke_path(function))
    }

    /// The current invocation counts.
    pub fn invocations(&self) -> Invocations {
        Invocations {
            function: self.counters.function.load(Ordering::Relaxed),
            authorizer: self.counters.authorizer.load(Ordering::Relaxed),
        }
    }
}

/// The request path of an invocation of `function`.
pub fn invoke_path(function: &str) -> String {
    format!("{INVOKE_PREFIX}{function}{INVOKE_SUFFIX}")
}

async fn accept_loop(listener: TcpListener, counters: Arc<Counters>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Running out of file descriptors is transient: back off instead of spinning.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        // Small responses on keep-alive connections: Nagle would only add delay.
        let _ = stream.set_nodelay(true);
        let counters = Arc::clone(&counters);
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(request, Arc::clone(&counters)));
            // A client closing mid-request is normal at the end of a run; nothing to report.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    request: Request<Incoming>,
    counters: Arc<Counters>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let function = (request.method() == Method::POST)
        .then(|| function_name(request.uri().path()))
        .flatten()
        .map(str::to_owned);
    // Read the whole event, as a real Invoke endpoint does, so the connection stays reusable.
    request.into_body().collect().await?;
    let (status, body) = match function.as_deref() {
        Some(AUTHORIZER_FUNCTION) => {
            counters.authorizer.fetch_add(1, Ordering::Relaxed);
            (StatusCode::OK, ALLOW_POLICY)
        }
        Some(_) => {
            counters.function.fetch_add(1, Ordering::Relaxed);
            (StatusCode::OK, PROXY_RESPONSE)
        }
        None => (StatusCode::NOT_FOUND, NOT_FOUND),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        "x-amz-executed-version",
        header::HeaderValue::from_static("$LATEST"),
    );
    Ok(response)
}

/// `{name}` of `/2015-03-31/functions/{name}/invocations`, if the path has that shape.
fn function_name(path: &str) -> Option<&str> {
    let name = path
        .strip_prefix(INVOKE_PREFIX)?
        .strip_suffix(INVOKE_SUFFIX)?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}
