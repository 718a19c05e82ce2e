//! The client-facing server: accepts TCP connections, speaks HTTP/1.1 itself (so header-name
//! casing survives in both directions, as API Gateway keeps it) and HTTP/2 with prior knowledge
//! through hyper, and hands each complete request to a [`Handler`].
//!
//! # Layout
//! - this file: [`Handler`], [`serve`] / [`serve_with_state`], the accept loop and shutdown.
//! - [`state`]: [`ServerState`], the draining flag and connection counts others may read.
//! - `conn`: one connection: protocol sniffing, the HTTP/1.1 keep-alive/pipelining loop,
//!   timeouts, body reading, response writing.
//! - [`codec`]: request-head parsing (request line, `httparse` for fields) and framing rules.
//! - [`chunked`]: incremental chunked-body decoding with a size limit.
//! - [`encode`]: response-head encoding with the handler's exact header casing.
//! - [`gathered`]: a head and a body sent with gathering writes, the body uncopied.
//! - [`date`]: the cached `Date` value.
//! - `h2`: HTTP/2 (h2c) via hyper, converting to and from the gateway's message types.
//! - [`workers`]: [`Workers`], the thread-per-core runtimes connections are served on.
//! - [`admin`]: the admin listener: `/metrics`, `/healthz`, `/readyz` on the `admin` address.

pub mod admin;
pub mod chunked;
pub mod codec;
mod conn;
pub mod date;
pub mod encode;
pub mod gathered;
mod h2;
pub mod state;
pub mod workers;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::config::model::ServerSettings;
use crate::message::{Request, Response};

pub use state::ServerState;
pub use workers::Workers;

/// What answers requests: the gateway's request path, or a fake in tests.
pub trait Handler: Send + Sync + 'static {
    /// Answers one complete request. Called for every request, including those whose body was
    /// refused for size (`BodyState::TooLarge`), which the gateway answers with its 413.
    fn handle(&self, req: Request) -> impl Future<Output = Response> + Send;
}

/// What every connection of one server shares.
pub(crate) struct Shared<H> {
    pub(crate) handler: Arc<H>,
    pub(crate) settings: ServerSettings,
    pub(crate) state: ServerState,
}

/// Serves `listener` until `shutdown` resolves, then drains (see [`serve_with_state`]).
pub async fn serve<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    settings: ServerSettings,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    serve_with_state(
        listener,
        handler,
        settings,
        ServerState::new(),
        None,
        shutdown,
    )
    .await
}

/// Serves `listener` until `shutdown` resolves, reporting through `state`.
///
/// With `workers`, each accepted connection is moved to the next worker thread and served
/// there (see [`Workers`]); without, connections are tasks of the calling runtime.
///
/// At most `max_connections` connections are served at once (further accepts wait). On
/// shutdown the listener is closed (new connections are refused), idle keep-alive connections
/// are closed, requests in flight finish and get `Connection: close`; after `shutdown_grace`
/// whatever is left is dropped and this returns.
pub async fn serve_with_state<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    settings: ServerSettings,
    state: ServerState,
    workers: Option<Arc<Workers>>,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let listen_addr = listener.local_addr()?;
    let permits = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let grace = settings.shutdown_grace;
    let shared = Arc::new(Shared {
        handler,
        settings,
        state: state.clone(),
    });
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // Reap finished connections so the set holds only live ones.
        while tasks.try_join_next().is_some() {}
        let permit = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            r = listener.accept() => r,
        };
        let (stream, remote) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                accept_error(e).await;
                continue;
            }
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY failed");
        }
        let local = stream.local_addr().unwrap_or(listen_addr);
        let guard = state.connection_opened();
        let shared = Arc::clone(&shared);
        // The socket leaves this runtime's epoll and joins that of the runtime serving it (a
        // worker's, so its readiness wakes the worker's own thread). Once per connection.
        let stream = match stream.into_std() {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, "handing the connection over failed");
                continue;
            }
        };
        let task = async move {
            let _permit = permit;
            let _guard = guard;
            match tokio::net::TcpStream::from_std(stream) {
                Ok(stream) => conn::run(shared, stream, remote, local).await,
                Err(e) => tracing::warn!(error = %e, "registering a connection failed"),
            }
        };
        match &workers {
            Some(workers) => tasks.spawn_on(task, workers.next_handle()),
            None => tasks.spawn(task),
        };
    }
    drop(listener);
    state.start_draining();
    tracing::info!(
        open = state.open_connections(),
        "draining client connections"
    );
    let deadline = tokio::time::sleep(grace);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => {
                tracing::warn!(left = tasks.len(), "shutdown grace elapsed; dropping connections");
                break;
            }
            next = tasks.join_next() => if next.is_none() { break },
        }
    }
    tasks.shutdown().await;
    Ok(())
}

/// Per-connection accept failures are skipped; resource exhaustion (EMFILE, ENOBUFS) pauses
/// accepting briefly instead of spinning.
async fn accept_error(e: io::Error) {
    match e.kind() {
        io::ErrorKind::ConnectionAborted
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::Interrupted => tracing::debug!(error = %e, "accept failed"),
        _ => {
            tracing::warn!(error = %e, "accept failed; pausing");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
