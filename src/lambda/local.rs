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
use std::task::{ready, Context, Poll};
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
    /// Boxed so that taking one for a call and giving it back moves a pointer, and a call's
    /// future holds a pointer rather than the connection and its buffers (hence the `allow`:
    /// the boxes are moved out of the `Vec` and back, which clippy's rule does not consider).
    #[allow(clippy::vec_box)]
    upstreams: RefCell<Vec<Box<Upstream>>>,
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
/// ([`crate::reused_timer`]) instead of a timer registered and removed for every call; outside
/// one, by a timer of its own.
pub(super) fn within<F: Future>(started: Instant, timeout: Duration, fut: F) -> Within<F> {
    Within {
        fut,
        deadline: tokio::time::Instant::from_std(started) + timeout,
        timer: None,
    }
}

pin_project_lite::pin_project! {
    /// [`within`]'s future. Written out rather than as an `async fn` with `select!`: that one's
    /// state held `fut` twice (the argument and its pinned copy), and this future is part of
    /// every request's.
    pub(super) struct Within<F> {
        #[pin]
        fut: F,
        deadline: tokio::time::Instant,
        // The call timer while the call runs: taken from the scope at the first poll that
        // finds the call pending (a call ready at once never touches it) and given back when
        // the call ends. A call dropped midway drops it, and the connection's next call makes
        // another.
        timer: Option<Pin<Box<Sleep>>>,
    }
}

impl<F: Future> Future for Within<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.fut.poll(cx) {
            give_back(this.timer.take());
            return Poll::Ready(Some(out));
        }
        let deadline = *this.deadline;
        let timer = this.timer.get_or_insert_with(|| {
            let kept = LOCAL.try_with(|l| l.timer.take()).ok().flatten();
            // Deliberate: the connection's one call timer, made at its first call (or a
            // call's own, outside a scope).
            kept.unwrap_or_else(|| Box::pin(tokio::time::sleep_until(deadline)))
        });
        let mut until = crate::reused_timer::until(timer.as_mut(), deadline);
        // Polled outside the task's cooperative budget, as `tokio::time::timeout` polls its
        // timer: a call that used the budget up must still time out.
        ready!(Pin::new(&mut tokio::task::unconstrained(&mut until)).poll(cx));
        give_back(this.timer.take());
        Poll::Ready(None)
    }
}

/// Gives the call timer back to the connection (outside a scope, drops it).
fn give_back(timer: Option<Pin<Box<Sleep>>>) {
    if timer.is_some() {
        let _outside = LOCAL.try_with(|l| l.timer.set(timer));
    }
}

/// Takes this client connection's idle connection to `authority`, if any. The caller owns it for
/// the call, so no borrow of the task-local is held across an await.
fn take(authority: &Authority) -> Option<Box<Upstream>> {
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
fn put(mut up: Box<Upstream>, started: Instant) {
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
        None => (connect(connector, uri, authority.clone()).await?, false),
    };
    let reply = match up.call(req).await {
        Ok(reply) => reply,
        // The reused connection broke before the request went out: a new one, once.
        Err(CallError::Unsent(_)) if was_reused => {
            up = connect(connector, uri, authority).await?;
            up.call(req).await.map_err(CallError::into_inner)?
        }
        Err(e) => return Err(e.into_inner()),
    };
    if up.keeps_alive() {
        put(up, started);
    }
    Ok(reply)
}

/// Opens a connection, boxed as [`Local`] keeps it. The connect future is boxed too: it runs
/// once per connection, and inline it would make every call's future (and every future that
/// awaits one) larger by its size, copied at each level on every request.
async fn connect(
    connector: &HttpConnector,
    uri: &http::Uri,
    authority: Authority,
) -> Result<Box<Upstream>, InvokeError> {
    Box::pin(Upstream::connect(connector, uri, authority))
        .await
        .map(Box::new)
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
