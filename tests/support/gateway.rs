//! [`start`]: the real gateway (`apigate::app::run`) in-process on `127.0.0.1:0`, from YAML text,
//! with its admin listener also on `127.0.0.1:0`, and a handle to stop it.
//!
//! The config's own `listen` / `admin` addresses are ignored: tests never use fixed ports.

#![allow(dead_code, clippy::unwrap_used)]

use std::io;
use std::net::SocketAddr;

use apigate::app::{self, Listeners};
use apigate::config::model::Config;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A gateway serving in this process.
pub struct RunningGateway {
    /// Client traffic.
    pub addr: SocketAddr,
    /// `/metrics`, `/healthz`, `/readyz`.
    pub admin_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

/// Loads `yaml` with `config::load_str` (panicking with every error when it is invalid) and
/// serves it.
pub async fn start(yaml: &str) -> RunningGateway {
    match try_start(yaml).await {
        Ok(g) => g,
        Err(e) => panic!("the test config does not load:\n{e}\n---\n{yaml}"),
    }
}

/// Like [`start`], but a config error is returned (as the text `apigate check` prints).
pub async fn try_start(yaml: &str) -> Result<RunningGateway, String> {
    let config = apigate::config::load_str("test.yaml", yaml).map_err(|errors| {
        errors
            .0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    Ok(start_config(config).await)
}

/// Serves an already compiled config.
pub async fn start_config(config: Config) -> RunningGateway {
    let client = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = client.local_addr().unwrap();
    let admin_addr = admin.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let listeners = Listeners {
        client,
        admin: Some(admin),
    };
    let task = tokio::spawn(app::run(config, listeners, async move {
        let _ = stopped.await;
    }));
    RunningGateway {
        addr,
        admin_addr,
        stop: Some(stop),
        task: Some(task),
    }
}

impl RunningGateway {
    /// Starts the shutdown (stop accepting, drain) without waiting for it.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits for `app::run` to return (after [`RunningGateway::begin_shutdown`]).
    pub async fn join(mut self) -> io::Result<()> {
        match self.task.take() {
            Some(task) => task.await.unwrap(),
            None => Ok(()),
        }
    }

    /// Starts the shutdown and waits until the gateway has drained and returned.
    pub async fn shutdown(mut self) -> io::Result<()> {
        self.begin_shutdown();
        self.join().await
    }
}

impl Drop for RunningGateway {
    fn drop(&mut self) {
        // A test that panicked before `shutdown` still stops its gateway.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
