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
//! The scope also keeps the connection's call timer (`within`), reused from call to call.
//!
//! The connections are `Upstream`s, apigate's own HTTP/1.1 client. The rules of the pool carry
//! over: a connection idle for longer than the pool's idle timeout is not reused, nor one the
//! upstream closed meanwhile (checked from the socket's readiness before reuse); a request that
//! could not be written on a reused connection is retried once on a new one (never one that went
//! out: an invocation is not idempotent); a connection is kept only after its reply was read
//! completely, so one abandoned by a timeout or an error is closed.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use http::uri::Authority;
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::time::Sleep;

use super::reply::{Outgoing, Reply};
use super::upstream::{CallError, Upstream};
use super::InvokeError;

/// Most upstream authorities one client connection keeps a connection to (a route's function
/// and an authorizer's, typically); the oldest is closed past that.
const MAX_PER_CLIENT: usize = 4;

/// What one client connection keeps for its calls.
struct Local {
    upstreams: RefCell<Vec<Upstream>>,
    /// The connection's call timer, reused from call to call (see [`within`]).
    timer: Cell<Option<Pin<Box<Sleep>>>>,
}

tokio::task_local! {
    static LOCAL: Local;
}

/// Runs `fut` (one client connection) with its own upstream connections, closed when it ends.
pub async fn scope<F: Future>(fut: F) -> F::Output {
    let local = Local {
        upstreams: RefCell::new(Vec::new()),
        timer: Cell::new(None),
    };
    LOCAL.scope(local, fut).await
}

/// Whether the current task runs inside [`scope`].
pub(super) fn in_scope() -> bool {
    LOCAL.try_with(|_| ()).is_ok()
}

/// Runs `fut` for at most `timeout` from `started`; `None` if the time ran out first.
///
/// `started` is the call's one clock read, which [`exchange`] also uses for its connection's
/// idle time (a clock read costs about 55 ns on the VMs this runs on, a few per call add up).
/// Inside a [`scope`] the call is timed by the connection's one reused timer
/// ([`crate::reused_timer`]) instead of a timer registered and removed for every call.
pub(super) async fn within<F: Future>(
    started: Instant,
    timeout: Duration,
    fut: F,
) -> Option<F::Output> {
    let deadline = tokio::time::Instant::from_std(started) + timeout;
    if !in_scope() {
        return tokio::time::timeout_at(deadline, fut).await.ok();
    }
    let kept = LOCAL.try_with(|l| l.timer.take()).ok().flatten();
    // Deliberate: the connection's one call timer, made at its first call.
    let mut timer = kept.unwrap_or_else(|| Box::pin(tokio::time::sleep_until(deadline)));
    let mut fut = std::pin::pin!(fut);
    let out = tokio::select! {
        biased;
        out = &mut fut => Some(out),
        () = crate::reused_timer::until(timer.as_mut(), deadline) => None,
    };
    let _outside = LOCAL.try_with(|l| l.timer.set(Some(timer)));
    out
}

/// Takes this client connection's idle connection to `authority`, if any. The caller owns it for
/// the call, so no borrow of the task-local is held across an await.
fn take(authority: &Authority) -> Option<Upstream> {
    LOCAL
        .try_with(|l| {
            let mut ups = l.upstreams.borrow_mut();
            let at = ups.iter().position(|u| u.authority == *authority)?;
            Some(ups.swap_remove(at))
        })
        .ok()
        .flatten()
}

/// Gives a connection back after a completely read reply. Its idle time is counted from the
/// start of the call that used it, `started`: at most the call's length more than the true idle
/// time, so a connection is never reused past the idle timeout, and no clock is read here.
fn put(mut up: Upstream, started: Instant) {
    up.idle_since = started;
    let _outside = LOCAL.try_with(|l| {
        let mut ups = l.upstreams.borrow_mut();
        if ups.len() >= MAX_PER_CLIENT {
            ups.remove(0);
        }
        ups.push(up);
    });
}

/// Sends `req` (an absolute `http://` URI) over this client connection's connection to its
/// authority and reads the whole reply (at most [`super::MAX_RESULT_BYTES`]). The caller bounds
/// the whole call with its timeout, which started at `started` (see [`within`]); a call
/// dropped midway drops (closes) its connection.
pub(super) async fn exchange<R: Outgoing>(
    connector: &HttpConnector,
    idle_timeout: Duration,
    req: &R,
    started: Instant,
) -> Result<Reply, InvokeError> {
    let uri = req.uri();
    let Some(authority) = uri.authority().cloned() else {
        return Err(InvokeError::Request(format!("{uri} has no host")));
    };
    let reused = take(&authority).filter(|up| {
        started.saturating_duration_since(up.idle_since) < idle_timeout && up.is_reusable()
    });
    let (mut up, was_reused) = match reused {
        Some(up) => (up, true),
        None => (
            Upstream::connect(connector, uri, authority.clone()).await?,
            false,
        ),
    };
    let reply = match up.call(req).await {
        Ok(reply) => reply,
        // The reused connection broke before the request went out: a new one, once.
        Err(CallError::Unsent(_)) if was_reused => {
            up = Upstream::connect(connector, uri, authority).await?;
            up.call(req).await.map_err(CallError::into_inner)?
        }
        Err(e) => return Err(e.into_inner()),
    };
    if up.keeps_alive() {
        put(up, started);
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::time::{sleep, Instant};

    // Real time (the crate does not build tokio's test clock into benches): the margins are
    // wide, and what is checked is which calls time out, not how fast anything runs.

    #[tokio::test]
    async fn the_reused_timer_times_each_call_from_its_own_start() {
        scope(async {
            // Quick calls leave the timer armed at an earlier call's deadline.
            for _ in 0..3 {
                assert_eq!(
                    within(
                        Instant::now().into_std(),
                        Duration::from_millis(400),
                        async { 7 }
                    )
                    .await,
                    Some(7)
                );
                sleep(Duration::from_millis(250)).await;
            }
            // Started 750 ms after the first call, this one still gets its own 400 ms.
            let ok = within(
                Instant::now().into_std(),
                Duration::from_millis(400),
                sleep(Duration::from_millis(250)),
            )
            .await;
            assert_eq!(ok, Some(()));
            let start = Instant::now();
            let slow = within(
                Instant::now().into_std(),
                Duration::from_millis(400),
                sleep(Duration::from_secs(10)),
            )
            .await;
            assert_eq!(slow, None);
            assert!(start.elapsed() >= Duration::from_millis(400));
            assert!(start.elapsed() < Duration::from_secs(5));
            // A shorter timeout than the armed one is honoured.
            let start = Instant::now();
            let short = within(
                Instant::now().into_std(),
                Duration::from_millis(50),
                sleep(Duration::from_secs(10)),
            )
            .await;
            assert_eq!(short, None);
            assert!(start.elapsed() < Duration::from_secs(5));
        })
        .await;
    }

    #[tokio::test]
    async fn outside_a_scope_each_call_has_its_own_timer() {
        let start = Instant::now();
        let slow = within(
            Instant::now().into_std(),
            Duration::from_millis(100),
            sleep(Duration::from_secs(10)),
        )
        .await;
        assert_eq!(slow, None);
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(
            within(
                Instant::now().into_std(),
                Duration::from_millis(100),
                async { 1 }
            )
            .await,
            Some(1)
        );
    }
}
