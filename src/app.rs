//! The running process: binds the listeners, builds the gateway from a compiled [`Config`] and
//! serves until the shutdown signal, then drains.
//!
//! Everything here takes its dependencies as arguments (listeners, the shutdown future), so
//! tests run the whole gateway on `127.0.0.1:0` and stop it at will.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tokio::net::TcpListener;

use crate::access_log::{AccessLogger, DEFAULT_CAPACITY};
use crate::config::model::Config;
use crate::gateway::snapshot::Snapshot;
use crate::gateway::Gateway;
use crate::lambda::{Invoker, InvokerSettings};
use crate::metrics::Metrics;
use crate::server::admin::{serve_admin, Readiness};
use crate::server::{serve_with_state, ServerState, Workers};

/// The client listener and, when configured, the admin listener.
#[derive(Debug)]
pub struct Listeners {
    /// Client traffic.
    pub client: TcpListener,
    /// `/metrics`, `/healthz`, `/readyz`.
    pub admin: Option<TcpListener>,
}

/// Binds `config.listen` and `config.admin`; an error names the key and the address.
pub async fn bind(config: &Config) -> io::Result<Listeners> {
    let named = |key: &str, addr, e: io::Error| {
        io::Error::new(e.kind(), format!("cannot bind {key} {addr}: {e}"))
    };
    let client = TcpListener::bind(config.listen)
        .await
        .map_err(|e| named("listen", config.listen, e))?;
    let admin = match config.admin {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .map_err(|e| named("admin", addr, e))?,
        ),
        None => None,
    };
    Ok(Listeners { client, admin })
}

/// Serves `config` on `listeners` until `shutdown` completes, then stops accepting, lets
/// in-flight requests finish (up to `server.shutdownGraceMillis`) and returns.
pub async fn run(
    config: Config,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let metrics =
        Arc::new(Metrics::with_recording(config.metrics_enabled).map_err(io::Error::other)?);
    let invoker = Invoker::new(&InvokerSettings::default()).map_err(io::Error::other)?;
    let snapshot = Snapshot::new(config.api.clone(), &metrics);
    let access_log = snapshot.access_log.clone().map(|format| {
        // The writer task ends when the last logger handle is dropped with the gateway.
        let (logger, _writer) = AccessLogger::spawn(
            format,
            tokio::io::stdout(),
            DEFAULT_CAPACITY,
            metrics.access_log_dropped(),
        );
        logger
    });
    let gateway = Arc::new(Gateway::new(snapshot, invoker.clone(), access_log));
    let workers = Arc::new(match config.server.worker_threads {
        Some(n) => Workers::start(n)?,
        None => Workers::per_cpu()?,
    });
    let state = ServerState::new();
    let readiness = Readiness::new();
    let (admin_stop, admin_stopped) = tokio::sync::oneshot::channel::<()>();
    let admin_task = listeners.admin.map(|listener| {
        let metrics = metrics.clone();
        let readiness = readiness.clone();
        tokio::spawn(serve_admin(listener, metrics, readiness, async move {
            let _ = admin_stopped.await;
        }))
    });
    tracing::info!(
        listen = %listeners.client.local_addr()?,
        api = ?config.api.kind,
        routes = config.api.routes.len(),
        "apigate serving"
    );
    readiness.set_ready();
    let draining = readiness.clone();
    let shutdown_at = Arc::new(OnceLock::new());
    let signalled = shutdown_at.clone();
    let result = serve_with_state(
        listeners.client,
        gateway,
        config.server.clone(),
        state,
        Some(workers.clone()),
        async move {
            shutdown.await;
            let _ = signalled.set(Instant::now());
            tracing::info!("shutting down: draining in-flight requests");
            draining.set_draining();
        },
    )
    .await;
    // Asynchronous invocations run on the workers, so they stay up until those are done (or
    // the grace that began at the signal is spent).
    let started = shutdown_at.get().copied().unwrap_or_else(Instant::now);
    invoker
        .drain_events(started + config.server.shutdown_grace)
        .await;
    drop(workers);
    // The admin listener outlives the drain so `/readyz` reports it; stop it last.
    let _ = admin_stop.send(());
    if let Some(task) = admin_task {
        let _ = task.await;
    }
    tracing::info!("apigate stopped");
    result
}

/// Starts the bundled demo functions (`apigate demo`) on every loopback address that the
/// config's `invokeUrl`s point at, so the demo config needs no other process.
pub async fn start_demo_functions(config: &Config) -> io::Result<Vec<crate::demo::DemoHandle>> {
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for f in &config.api.functions {
        if let crate::config::model::FunctionTarget::InvokeUrl(url) = &f.target {
            let host = url.host().unwrap_or_default();
            let port = url.port_u16().unwrap_or(80);
            let Ok(ip) = host.parse::<std::net::IpAddr>() else {
                continue;
            };
            let addr = SocketAddr::new(ip, port);
            if ip.is_loopback() && !addrs.contains(&addr) {
                addrs.push(addr);
            }
        }
    }
    let mut handles = Vec::with_capacity(addrs.len());
    for addr in addrs {
        let listener = TcpListener::bind(addr).await?;
        handles.push(crate::demo::spawn_demo_function(listener).await);
    }
    Ok(handles)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
