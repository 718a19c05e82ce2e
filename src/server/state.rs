//! [`ServerState`]: what the rest of the process may observe about the client server (draining,
//! open connections), and the drain signal connections listen to.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use tokio::sync::watch;

/// A cheap, cloneable view of a running server: the admin endpoint reads `is_draining` for
/// readiness, metrics read `open_connections`.
#[derive(Debug, Clone)]
pub struct ServerState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    draining: AtomicBool,
    open: AtomicUsize,
    accepted: AtomicUsize,
    drain_tx: watch::Sender<bool>,
}

impl Default for ServerState {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerState {
    /// A state for a server that has not started draining.
    pub fn new() -> Self {
        let (drain_tx, _) = watch::channel(false);
        ServerState {
            inner: Arc::new(Inner {
                draining: AtomicBool::new(false),
                open: AtomicUsize::new(0),
                accepted: AtomicUsize::new(0),
                drain_tx,
            }),
        }
    }

    /// Whether shutdown has begun (no new connections; idle ones are being closed).
    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::Relaxed)
    }

    /// Client connections currently open (HTTP/1 and HTTP/2).
    pub fn open_connections(&self) -> usize {
        self.inner.open.load(Ordering::Relaxed)
    }

    /// Client connections accepted since start.
    pub fn accepted_connections(&self) -> usize {
        self.inner.accepted.load(Ordering::Relaxed)
    }

    /// Marks the server as draining and tells every connection.
    pub(crate) fn start_draining(&self) {
        self.inner.draining.store(true, Ordering::Relaxed);
        self.inner.drain_tx.send_replace(true);
    }

    /// Counts a new connection until the returned guard is dropped (also when its task is
    /// aborted at the end of the grace period).
    pub(crate) fn connection_opened(&self) -> ConnectionGuard {
        self.inner.open.fetch_add(1, Ordering::Relaxed);
        self.inner.accepted.fetch_add(1, Ordering::Relaxed);
        ConnectionGuard {
            inner: Arc::clone(&self.inner),
        }
    }

    /// A receiver for the drain signal.
    pub(crate) fn drain_signal(&self) -> DrainSignal {
        DrainSignal {
            rx: self.inner.drain_tx.subscribe(),
            inner: Arc::clone(&self.inner),
        }
    }
}

/// Decrements the open-connection count when dropped.
#[derive(Debug)]
pub(crate) struct ConnectionGuard {
    inner: Arc<Inner>,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.inner.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The drain signal as one long-lived wait (see [`DrainSignal::into_wait`]).
pub(crate) type Drained = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One connection's view of the drain signal.
#[derive(Debug)]
pub(crate) struct DrainSignal {
    rx: watch::Receiver<bool>,
    inner: Arc<Inner>,
}

impl DrainSignal {
    /// Resolves once draining has begun (at once if it already has).
    pub(crate) async fn wait(&mut self) {
        if self.rx.wait_for(|d| *d).await.is_err() {
            // The state was dropped, so nobody can start a drain any more.
            std::future::pending::<()>().await;
        }
    }

    /// The wait as a future of its own, built once per connection and polled at each idle
    /// wait, so a connection does not register with (and leave) the signal's waiter list for
    /// every request. Deliberate per-connection allocation.
    pub(crate) fn into_wait(self) -> Drained {
        let inner = Arc::clone(&self.inner);
        let mut signal = self;
        Box::pin(DrainWait {
            inner,
            wait: Box::pin(async move { signal.wait().await }),
            registered: None,
        })
    }
}

/// [`DrainSignal::into_wait`]'s future. Once the signal's waiter list holds this task's waker,
/// a poll only reads the draining flag: polling the signal itself takes the lock every
/// connection on every thread shares, at each idle wait. It is polled again only when the
/// task's waker differs from the registered one.
struct DrainWait {
    inner: Arc<Inner>,
    wait: Pin<Box<dyn Future<Output = ()> + Send>>,
    registered: Option<Waker>,
}

impl Future for DrainWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // `start_draining` sets the flag before it wakes the waiters.
        if self.inner.draining.load(Ordering::Relaxed) {
            return Poll::Ready(());
        }
        if self
            .registered
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            return Poll::Pending;
        }
        let polled = self.wait.as_mut().poll(cx);
        if polled.is_pending() {
            self.registered = Some(cx.waker().clone());
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_registered_wait_wakes_when_the_drain_starts() {
        let state = ServerState::new();
        let mut wait = state.drain_signal().into_wait();
        // Polled repeatedly by the same task before the drain: pending each time.
        for _ in 0..3 {
            let polled = std::future::poll_fn(|cx| Poll::Ready(wait.as_mut().poll(cx))).await;
            assert!(polled.is_pending());
        }
        let starter = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            starter.start_draining();
        });
        tokio::time::timeout(std::time::Duration::from_secs(5), wait)
            .await
            .expect("the drain woke the wait");
    }

    #[tokio::test]
    async fn counts_connections_and_signals_drain() {
        let state = ServerState::new();
        let g1 = state.connection_opened();
        let g2 = state.connection_opened();
        assert_eq!(state.open_connections(), 2);
        drop(g1);
        assert_eq!(state.open_connections(), 1);
        assert_eq!(state.accepted_connections(), 2);
        let mut signal = state.drain_signal();
        assert!(!state.is_draining());
        state.start_draining();
        signal.wait().await;
        assert!(state.is_draining());
        // A signal taken after the drain started resolves at once.
        state.drain_signal().wait().await;
        state.drain_signal().into_wait().await;
        drop(g2);
        assert_eq!(state.open_connections(), 0);
    }
}
