//! [`Workers`]: the threads that serve client connections, one single-threaded tokio runtime
//! each (thread per core, as nginx runs one event loop per worker process).
//!
//! The accept loop hands each accepted socket to the next worker, round robin. From then on
//! everything that connection does (reading requests, the gateway's phases, the per-connection
//! upstream to the function, timers, writing responses) runs on that worker's thread and is
//! woken by that worker's own epoll. A multi-threaded runtime shares one I/O driver: the thread
//! that polls it wakes the others with futex calls and tasks migrate between cores. On the load
//! bench those wake-ups and context switches were a visible share of apigate's CPU.
//!
//! The cost is that connections do not move between workers once placed. With keep-alive
//! clients opening many connections that evens out; a single busy connection uses one core,
//! which is also how one HTTP/1.1 connection behaves in nginx.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// A fixed set of connection-serving threads. Dropping it stops them: each thread's runtime
/// finishes (cancelling whatever tasks are left there) on its own thread.
#[derive(Debug)]
pub struct Workers {
    handles: Vec<Handle>,
    /// Dropped with the pool: each worker's `block_on` returns when its sender goes.
    _stops: Vec<oneshot::Sender<()>>,
    next: AtomicUsize,
}

impl Workers {
    /// Starts `n` worker threads (at least one), named `apigate-worker-{i}`.
    pub fn start(n: usize) -> io::Result<Workers> {
        let n = n.max(1);
        let mut handles = Vec::with_capacity(n);
        let mut stops = Vec::with_capacity(n);
        for i in 0..n {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            handles.push(runtime.handle().clone());
            let (stop, stopped) = oneshot::channel::<()>();
            stops.push(stop);
            // Workers log to the subscriber of the code that started them: the global one in
            // the binary, a test's thread-scoped one in tests.
            let dispatch = tracing::dispatcher::get_default(|d| d.clone());
            thread::Builder::new()
                .name(format!("apigate-worker-{i}"))
                .spawn(move || {
                    let _logs = tracing::dispatcher::set_default(&dispatch);
                    // Either a stop or the pool being dropped ends the wait.
                    let _ = runtime.block_on(stopped);
                })?;
        }
        Ok(Workers {
            handles,
            _stops: stops,
            next: AtomicUsize::new(0),
        })
    }

    /// One worker per available CPU (the default of `server.workerThreads`).
    pub fn per_cpu() -> io::Result<Workers> {
        Workers::start(thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// The runtime of the worker the next connection goes to (round robin).
    pub(crate) fn next_handle(&self) -> &Handle {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len();
        &self.handles[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_go_round_robin_over_distinct_threads() {
        let workers = Workers::start(2).expect("workers");
        assert_eq!(workers.handles.len(), 2);
        let names: Vec<String> = (0..4)
            .map(|_| {
                let h = workers.next_handle().clone();
                let (tx, rx) = std::sync::mpsc::channel();
                h.spawn(async move {
                    let name = thread::current().name().unwrap_or_default().to_string();
                    tx.send(name).expect("send");
                });
                rx.recv().expect("worker ran the task")
            })
            .collect();
        assert_eq!(
            names,
            [
                "apigate-worker-0",
                "apigate-worker-1",
                "apigate-worker-0",
                "apigate-worker-1"
            ]
        );
    }

    #[test]
    fn zero_means_one_worker() {
        assert_eq!(Workers::start(0).expect("workers").handles.len(), 1);
    }

    #[test]
    fn dropping_the_pool_stops_its_threads() {
        let workers = Workers::start(1).expect("workers");
        let h = workers.next_handle().clone();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        // A task that never finishes holds the sender; the runtime's shutdown drops it.
        h.spawn(async move {
            let _tx = tx;
            std::future::pending::<()>().await;
        });
        drop(workers);
        assert_eq!(
            rx.recv_timeout(std::time::Duration::from_secs(10)),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected),
            "the task was cancelled when the worker stopped"
        );
    }
}
