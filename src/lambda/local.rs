//! Upstream connections owned by one client connection.
//!
//! The server runs each HTTP/1.1 client connection inside [`scope`]. Within it, plain-HTTP calls
//! of the [`super::Invoker`] use a keep-alive connection that belongs to that client connection
//! (one per upstream authority) instead of the shared pool, and drive its I/O in the client
//! connection's own task: a call then costs no pool lock, no hand-off to a connection task and no
//! cross-thread wake-up. A client connection sends one request at a time, so one upstream
//! connection per authority is never contended. Outside a scope (HTTP/2 streams, tests calling
//! the invoker directly) and for `https://` the shared pool is used.
//!
//! The connections are [`Upstream`]s, apigate's own HTTP/1.1 client. The rules of the pool carry
//! over: a connection idle for longer than the pool's idle timeout is not reused, nor one the
//! upstream closed meanwhile (checked from the socket's readiness before reuse); a request that
//! could not be written on a reused connection is retried once on a new one (never one that went
//! out: an invocation is not idempotent); a connection is kept only after its reply was read
//! completely, so one abandoned by a timeout or an error is closed.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::Authority;
use hyper_util::client::legacy::connect::HttpConnector;

use super::upstream::{CallError, Upstream};
use super::InvokeError;

/// Most upstream authorities one client connection keeps a connection to (a route's function
/// and an authorizer's, typically); the oldest is closed past that.
const MAX_PER_CLIENT: usize = 4;

tokio::task_local! {
    static UPSTREAMS: RefCell<Vec<Upstream>>;
}

/// Runs `fut` (one client connection) with its own upstream connections, closed when it ends.
pub async fn scope<F: Future>(fut: F) -> F::Output {
    UPSTREAMS.scope(RefCell::new(Vec::new()), fut).await
}

/// Whether the current task runs inside [`scope`].
pub(super) fn in_scope() -> bool {
    UPSTREAMS.try_with(|_| ()).is_ok()
}

/// Takes this client connection's idle connection to `authority`, if any. The caller owns it for
/// the call, so no borrow of the task-local is held across an await.
fn take(authority: &Authority) -> Option<Upstream> {
    UPSTREAMS
        .try_with(|ups| {
            let mut ups = ups.borrow_mut();
            let at = ups.iter().position(|u| u.authority == *authority)?;
            Some(ups.swap_remove(at))
        })
        .ok()
        .flatten()
}

/// Gives a connection back after a completely read reply.
fn put(mut up: Upstream) {
    up.idle_since = Instant::now();
    let _outside = UPSTREAMS.try_with(|ups| {
        let mut ups = ups.borrow_mut();
        if ups.len() >= MAX_PER_CLIENT {
            ups.remove(0);
        }
        ups.push(up);
    });
}

/// Sends `req` (an absolute `http://` URI) over this client connection's connection to its
/// authority and reads the whole reply (at most [`super::MAX_RESULT_BYTES`]). The caller bounds
/// the whole call with its timeout; a call dropped midway drops (closes) its connection.
pub(super) async fn exchange(
    connector: &HttpConnector,
    idle_timeout: Duration,
    req: http::Request<Bytes>,
) -> Result<http::Response<Bytes>, InvokeError> {
    let uri = req.uri();
    let Some(authority) = uri.authority().cloned() else {
        return Err(InvokeError::Request(format!("{uri} has no host")));
    };
    let reused =
        take(&authority).filter(|up| up.idle_since.elapsed() < idle_timeout && up.is_reusable());
    let (mut up, was_reused) = match reused {
        Some(up) => (up, true),
        None => (
            Upstream::connect(connector, uri, authority.clone()).await?,
            false,
        ),
    };
    let reply = match up.call(&req).await {
        Ok(reply) => reply,
        // The reused connection broke before the request went out: a new one, once.
        Err(CallError::Unsent(_)) if was_reused => {
            up = Upstream::connect(connector, uri, authority).await?;
            up.call(&req).await.map_err(CallError::into_inner)?
        }
        Err(e) => return Err(e.into_inner()),
    };
    if up.keeps_alive() {
        put(up);
    }
    Ok(reply)
}
