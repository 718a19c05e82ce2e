//! The admin listener: `GET /metrics` (Prometheus text), `GET /healthz` (the process is alive),
//! `GET /readyz` (200 once the config is compiled and the client listener bound, 503 before
//! that and while draining on shutdown).
//!
//! It runs on its own address, apart from client traffic, and keeps answering while the client
//! listener drains, so `/readyz` can report the drain: the caller fires `shutdown` only after
//! the drain is over.

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::metrics::Metrics;

/// How long open admin connections may take to finish once the listener stops.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Where the process is in its life, as `/readyz` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadinessState {
    /// Config not compiled or client listener not bound yet.
    Starting,
    /// Serving traffic.
    Ready,
    /// Shutting down: in-flight requests finish, new traffic should go elsewhere.
    Draining,
}

/// A shared readiness flag: set ready after the client listener is bound, draining on shutdown.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicU8>);

impl Readiness {
    /// A flag in the `Starting` state.
    pub fn new() -> Self {
        Self::default()
    }

    /// The config is compiled and the client listener bound.
    pub fn set_ready(&self) {
        // Never leave Draining: a late `set_ready` must not re-open a draining process.
        let _ = self
            .0
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Shutdown began.
    pub fn set_draining(&self) {
        self.0.store(2, Ordering::Release);
    }

    /// The current state.
    pub fn state(&self) -> ReadinessState {
        match self.0.load(Ordering::Acquire) {
            0 => ReadinessState::Starting,
            1 => ReadinessState::Ready,
            _ => ReadinessState::Draining,
        }
    }

    /// Whether `/readyz` answers 200.
    pub fn is_ready(&self) -> bool {
        self.state() == ReadinessState::Ready
    }
}

/// Serves the admin endpoints on `listener` until `shutdown` completes, then lets open
/// connections finish (up to a few seconds).
pub async fn serve_admin(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    readiness: Readiness,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let metrics = metrics.clone();
                    let readiness = readiness.clone();
                    let service = service_fn(move |req: Request<Incoming>| {
                        let res = respond(&req, &metrics, &readiness);
                        async move { Ok::<_, Infallible>(res) }
                    });
                    let conn = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    let conn = graceful.watch(conn);
                    tokio::spawn(async move {
                        if let Err(e) = conn.await {
                            tracing::debug!(error = %e, "admin connection ended with an error");
                        }
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "admin accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(CLOSE_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("admin connections still open after the grace period; dropping them");
    }
}

/// The answer to one admin request.
fn respond<B>(req: &Request<B>, metrics: &Metrics, readiness: &Readiness) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    if !matches!(path, "/metrics" | "/healthz" | "/readyz") {
        return text(StatusCode::NOT_FOUND, "not found\n");
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut res = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        res.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    match path {
        "/metrics" => match metrics.encode() {
            Ok(body) => {
                let mut res = Response::new(Full::new(Bytes::from(body)));
                if let Ok(ct) = header::HeaderValue::from_str(metrics.content_type()) {
                    res.headers_mut().insert(header::CONTENT_TYPE, ct);
                }
                res
            }
            Err(e) => {
                tracing::error!(error = %e, "encoding metrics failed");
                text(StatusCode::INTERNAL_SERVER_ERROR, "metrics unavailable\n")
            }
        },
        "/healthz" => text(StatusCode::OK, "ok\n"),
        _ => match readiness.state() {
            ReadinessState::Ready => text(StatusCode::OK, "ready\n"),
            ReadinessState::Starting => text(StatusCode::SERVICE_UNAVAILABLE, "starting\n"),
            ReadinessState::Draining => text(StatusCode::SERVICE_UNAVAILABLE, "draining\n"),
        },
    }
}

fn text(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn get(path: &str) -> Request<()> {
        Request::get(path).body(()).unwrap()
    }

    #[test]
    fn readiness_transitions() {
        let r = Readiness::new();
        assert_eq!(r.state(), ReadinessState::Starting);
        r.set_ready();
        assert!(r.is_ready());
        r.set_draining();
        r.set_ready();
        assert_eq!(r.state(), ReadinessState::Draining);
    }

    #[test]
    fn routes_and_methods() {
        let m = Metrics::new().unwrap();
        let r = Readiness::new();
        assert_eq!(respond(&get("/nope"), &m, &r).status(), 404);
        assert_eq!(respond(&get("/healthz"), &m, &r).status(), 200);
        assert_eq!(respond(&get("/readyz"), &m, &r).status(), 503);
        let post = Request::post("/metrics").body(()).unwrap();
        let res = respond(&post, &m, &r);
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()[header::ALLOW], "GET, HEAD");
        let res = respond(&get("/metrics"), &m, &r);
        assert_eq!(res.status(), 200);
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
    }
}
