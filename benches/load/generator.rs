//! The load generator: one OS thread, a current-thread tokio runtime, one task per keep-alive
//! HTTP/1.1 connection (`hyper::client::conn::http1`).
//!
//! Closed loop: each connection sends, awaits the whole response body, records, and sends again;
//! throughput and latency count the responses completing inside the measured window.
//!
//! Open loop: a fixed global rate spread over the connections (connection `i` of `n` owns the send
//! slots `i, i+n, i+2n, ...` of the global schedule). Latency is coordinated-omission correct: when the
//! connection was still busy with the previous response at a slot's intended time, the latency runs
//! from the intended time, so server stalls are charged in full. When the connection was idle, it runs
//! from the actual send, because the only delay then is the generator's own timer (tokio's timer has
//! 1 ms granularity, which would otherwise add up to 1 ms to every sample of every target).

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use hdrhistogram::Histogram;
use http::{header, HeaderMap, HeaderValue, Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio::task::LocalSet;
use tokio::time::Instant;

/// A request that takes longer than this counts as an error (and its connection is replaced).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause after a failed connect so a refusing server does not turn the generator into a busy loop.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);
/// Histogram range in microseconds: 1 µs to a bit over the request timeout.
const HISTOGRAM_MAX_US: u64 = 60_000_000;

/// Where the load goes and what it sends.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub path: String,
    /// Headers beyond Host and Content-Type (e.g. `Authorization` for the authorizer route).
    pub extra_headers: Vec<(&'static str, &'static str)>,
}

/// Closed loop (as fast as the server answers) or open loop at a fixed rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Closed,
    Open { rate: u64 },
}

/// One run of the generator against one endpoint.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub endpoint: Endpoint,
    pub body: Bytes,
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub mode: Mode,
}

/// What one run measured. Latencies are in microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// Successful responses counted in the measured window.
    pub requests: u64,
    /// `requests` divided by the measured window.
    pub rps: f64,
    /// Non-200 responses, IO errors and timeouts in the measured window.
    pub errors: u64,
    /// The same during warm-up (not part of the numbers, but shown: it should be 0 too).
    pub warmup_errors: u64,
    /// Connections the server closed between requests (not errors, but worth seeing).
    pub reconnects: u64,
    pub first_error: Option<String>,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
    pub mean_us: f64,
}

/// Starts the run on its own OS thread; join the handle for the result.
pub fn spawn(spec: LoadSpec) -> JoinHandle<Result<Measurement, String>> {
    std::thread::Builder::new()
        .name("load-generator".to_string())
        .spawn(move || run(&spec))
        .unwrap_or_else(|error| {
            std::thread::spawn(move || Err(format!("cannot start the generator thread: {error}")))
        })
}

/// Runs the load on the calling thread and returns when the window (and in-flight requests) are done.
pub fn run(spec: &LoadSpec) -> Result<Measurement, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot build the generator runtime: {error}"))?;
    let plan = Rc::new(Plan::new(spec)?);
    let recorder = Rc::new(RefCell::new(Recorder::new()?));
    LocalSet::new().block_on(&runtime, async {
        let tasks: Vec<_> = (0..spec.connections)
            .map(|index| {
                let plan = Rc::clone(&plan);
                let recorder = Rc::clone(&recorder);
                tokio::task::spawn_local(async move {
                    match plan.mode {
                        Mode::Closed => closed_loop(&plan, &recorder).await,
                        Mode::Open { rate } => open_loop(&plan, &recorder, index, rate).await,
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await
                .map_err(|error| format!("connection task failed: {error}"))?;
        }
        Ok::<_, String>(())
    })?;
    let recorder = recorder.borrow();
    Ok(recorder.summary(spec.duration))
}

/// Sends one request and checks it gets a 200: a target that fails this is not measured.
pub fn probe(endpoint: &Endpoint, body: Bytes) -> Result<(), String> {
    let spec = LoadSpec {
        endpoint: endpoint.clone(),
        body,
        connections: 1,
        warmup: Duration::ZERO,
        duration: Duration::ZERO,
        mode: Mode::Closed,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot build the probe runtime: {error}"))?;
    let plan = Plan::new(&spec)?;
    let recorder = RefCell::new(Recorder::new()?);
    LocalSet::new().block_on(&runtime, async {
        Connection::new().exchange(&plan, &recorder).await
    })
}

/// The run's fixed inputs and clock, shared by every connection task.
struct Plan {
    addr: SocketAddr,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    mode: Mode,
    connections: usize,
    /// Start of the warm-up (and of the open-loop schedule).
    start: Instant,
    measure_start: Instant,
    end: Instant,
}

impl Plan {
    fn new(spec: &LoadSpec) -> Result<Plan, String> {
        let uri: Uri = spec
            .endpoint
            .path
            .parse()
            .map_err(|error| format!("bad path {:?}: {error}", spec.endpoint.path))?;
        let mut headers = HeaderMap::new();
        let host = HeaderValue::from_str(&spec.endpoint.addr.to_string())
            .map_err(|error| error.to_string())?;
        headers.insert(header::HOST, host);
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in &spec.endpoint.extra_headers {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        let start = Instant::now();
        let measure_start = start + spec.warmup;
        Ok(Plan {
            addr: spec.endpoint.addr,
            uri,
            headers,
            body: spec.body.clone(),
            mode: spec.mode,
            connections: spec.connections,
            start,
            measure_start,
            end: measure_start + spec.duration,
        })
    }

    fn request(&self) -> Request<Full<Bytes>> {
        // Per-request clones of the prepared parts: the cost is the generator's, identical for every target.
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }

    fn in_window(&self, at: Instant) -> bool {
        at >= self.measure_start && at < self.end
    }
}

/// Latencies and counters of one run.
struct Recorder {
    histogram: Histogram<u64>,
    errors: u64,
    warmup_errors: u64,
    reconnects: u64,
    first_error: Option<String>,
}

impl Recorder {
    fn new() -> Result<Recorder, String> {
        let histogram = Histogram::new_with_bounds(1, HISTOGRAM_MAX_US, 3)
            .map_err(|error| error.to_string())?;
        Ok(Recorder {
            histogram,
            errors: 0,
            warmup_errors: 0,
            reconnects: 0,
            first_error: None,
        })
    }

    fn latency(&mut self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.histogram.saturating_record(micros.max(1));
    }

    fn error(&mut self, plan: &Plan, at: Instant, message: String) {
        if plan.in_window(at) {
            self.errors += 1;
        } else if at < plan.measure_start {
            self.warmup_errors += 1;
        }
        self.first_error.get_or_insert(message);
    }

    fn summary(&self, window: Duration) -> Measurement {
        let h = &self.histogram;
        let requests = h.len();
        Measurement {
            requests,
            rps: requests as f64 / window.as_secs_f64(),
            errors: self.errors,
            warmup_errors: self.warmup_errors,
            reconnects: self.reconnects,
            first_error: self.first_error.clone(),
            p50_us: h.value_at_quantile(0.50),
            p90_us: h.value_at_quantile(0.90),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
            mean_us: h.mean(),
        }
    }
}

/// A keep-alive connection, opened on first use and replaced when it breaks.
struct Connection {
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    fn new() -> Connection {
        Connection { sender: None }
    }

    /// A sender ready for the next request, connecting first when there is none.
    async fn ready(
        &mut self,
        plan: &Plan,
        recorder: &RefCell<Recorder>,
    ) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        if let Some(sender) = self.sender.as_mut() {
            if sender.ready().await.is_err() {
                // The server closed the idle connection (e.g. `Connection: close`): open another.
                recorder.borrow_mut().reconnects += 1;
                self.sender = None;
            }
        }
        if self.sender.is_none() {
            match open(plan.addr).await {
                Ok(sender) => self.sender = Some(sender),
                Err(message) => {
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                    return Err(message);
                }
            }
        }
        self.sender
            .as_mut()
            .ok_or_else(|| "connection lost".to_string())
    }

    /// Sends one request and reads the whole response; a broken exchange drops the connection.
    async fn exchange(&mut self, plan: &Plan, recorder: &RefCell<Recorder>) -> Result<(), String> {
        let sender = self.ready(plan, recorder).await?;
        let exchange = async {
            let response = sender
                .send_request(plan.request())
                .await
                .map_err(|error| format!("send: {error}"))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|error| format!("body: {error}"))?
                .to_bytes();
            Ok::<_, String>((status, body))
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(Ok((status, _))) if status == http::StatusCode::OK => Ok(()),
            Ok(Ok((status, body))) => Err(format!(
                "status {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            )),
            Ok(Err(message)) => {
                self.sender = None;
                Err(message)
            }
            Err(_) => {
                self.sender = None;
                Err(format!("timeout after {REQUEST_TIMEOUT:?}"))
            }
        }
    }
}

async fn open(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|error| format!("connect {addr}: {error}"))?;
    stream
        .set_nodelay(true)
        .map_err(|error| format!("set_nodelay: {error}"))?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("handshake: {error}"))?;
    // The connection future drives the socket; it ends when the sender is dropped or the peer closes.
    tokio::task::spawn_local(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

async fn closed_loop(plan: &Plan, recorder: &RefCell<Recorder>) {
    let mut connection = Connection::new();
    while Instant::now() < plan.end {
        let sent = Instant::now();
        let outcome = connection.exchange(plan, recorder).await;
        let done = Instant::now();
        match outcome {
            Ok(()) if plan.in_window(done) => recorder.borrow_mut().latency(done - sent),
            Ok(()) => {}
            Err(message) => recorder.borrow_mut().error(plan, done, message),
        }
    }
}

async fn open_loop(plan: &Plan, recorder: &RefCell<Recorder>, index: usize, rate: u64) {
    let rate = rate.max(1) as f64;
    let interval = Duration::from_secs_f64(plan.connections as f64 / rate);
    // Slot `index + k * connections` of the global schedule, which starts with the warm-up.
    let mut intended = plan.start + Duration::from_secs_f64(index as f64 / rate);
    // Nothing is in flight before the schedule starts.
    let mut previous_done = plan.start;
    let mut connection = Connection::new();
    while intended < plan.end {
        if Instant::now() < intended {
            tokio::time::sleep_until(intended).await;
        }
        let busy_at_slot = previous_done > intended;
        let sent = Instant::now();
        let outcome = connection.exchange(plan, recorder).await;
        let done = Instant::now();
        previous_done = done;
        let origin = if busy_at_slot { intended } else { sent };
        match outcome {
            Ok(()) if plan.in_window(intended) => recorder.borrow_mut().latency(done - origin),
            Ok(()) => {}
            Err(message) => recorder.borrow_mut().error(plan, intended, message),
        }
        intended += interval;
    }
}
