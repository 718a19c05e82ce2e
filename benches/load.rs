//! The load bench (issue 6): apigate measured side by side with a direct baseline.
//!
//! `cargo build --release && cargo bench --bench load -- [FLAGS]` (see `--help`). It starts a stub
//! Lambda (Invoke API shape) in-process, one `apigate serve` subprocess per apigate target (the
//! release binary, on a free loopback port), and drives each target with a built-in load generator:
//! closed loop for throughput and latency, then open loop at a fixed rate for latency at a known load.
//! Repetitions are interleaved across targets (rep 1: all targets, rep 2: all targets, ...) so drift
//! of the machine hits every target alike; the table shows medians and each target's ratio to
//! `direct`, then the acceptance checks as PASS/FAIL/SKIPPED lines. See the README's performance section.

#[path = "load/apigate.rs"]
mod apigate;
#[path = "load/checks.rs"]
mod checks;
#[path = "load/generator.rs"]
mod generator;
#[path = "load/options.rs"]
mod options;
#[path = "load/report.rs"]
mod report;
#[path = "load/results.rs"]
mod results;
#[path = "../tests/support/shared_dir.rs"]
mod shared_dir_lookup;
#[path = "load/stub.rs"]
mod stub;
#[path = "load/target.rs"]
mod target;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bytes::Bytes;

use apigate::{Apigate, NotRunning};
use generator::{Endpoint, LoadSpec, Measurement, Mode};
use options::Options;
use results::{Run, Status, TargetResult};
use stub::Stub;
use target::TargetKind;

/// How often apigate's VmRSS is sampled during a measured window.
const RSS_SAMPLE_INTERVAL: Duration = Duration::from_millis(100);

fn main() -> ExitCode {
    let options = match Options::from_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match bench(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("load bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A target while the bench runs: its results so far, where to send load, and its apigate process.
struct Target {
    result: TargetResult,
    endpoint: Option<Endpoint>,
    process: Option<Apigate>,
}

impl Target {
    fn not_running(kind: TargetKind, why: NotRunning) -> Target {
        let status = match why {
            NotRunning::Skipped(reason) => Status::Skipped(reason),
            NotRunning::Failed(reason) => Status::Failed(reason),
        };
        Target {
            result: TargetResult {
                kind,
                status,
                runs: Vec::new(),
            },
            endpoint: None,
            process: None,
        }
    }

    fn fail(&mut self, reason: String) {
        eprintln!("  {}: FAILED: {reason}", self.result.kind.name());
        self.result.status = Status::Failed(reason);
        self.endpoint = None;
        self.process = None;
    }
}

fn bench(options: &Options) -> Result<(), String> {
    let shared = shared_dir()?;
    let body = Bytes::from(read(&shared.join("perf/body.json"))?);
    let passthrough = String::from_utf8(read(&shared.join("perf/passthrough.vtl"))?)
        .map_err(|_| "passthrough.vtl is not UTF-8".to_string())?;
    let stub = Stub::start(options.stub_threads, options.stub_port)
        .map_err(|error| format!("cannot start the stub Lambda: {error}"))?;
    let binary = apigate::locate(options.apigate.as_deref());
    let apigate_label = match &binary {
        Ok(path) => path.display().to_string(),
        Err(reason) => reason.clone(),
    };
    eprintln!(
        "stub Lambda on {} ({} thread(s)); apigate: {apigate_label}",
        stub.addr(),
        options.stub_threads
    );

    let mut targets: Vec<Target> = options
        .targets
        .iter()
        .map(|&kind| prepare(kind, options, &stub, binary.as_deref(), &passthrough, &body))
        .collect();
    for rep in 1..=options.reps {
        for target in targets
            .iter_mut()
            .filter(|target| target.endpoint.is_some())
        {
            match run_once(target, options, &stub, &body, rep) {
                Ok(run) => {
                    progress(target.result.kind, &run);
                    target.result.runs.push(run);
                }
                Err(reason) => target.fail(reason),
            }
        }
    }
    let totals = stub.invocations();
    eprintln!(
        "stub Lambda totals: {} function and {} authorizer invocations",
        totals.function, totals.authorizer
    );
    // Dropping the targets stops the apigate processes before the report is printed.
    let results: Vec<TargetResult> = targets.into_iter().map(|target| target.result).collect();

    let checks = checks::evaluate(&results, options.rate);
    let machine = report::machine();
    report::print(options, &machine, &results, &checks);
    if let Some(out) = &options.out {
        report::write_json(out, options, &machine, &apigate_label, &results, &checks)?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

/// Starts the target's apigate (if it has one) and checks one request gets a 200.
fn prepare(
    kind: TargetKind,
    options: &Options,
    stub: &Stub,
    binary: Result<&Path, &String>,
    passthrough: &str,
    body: &Bytes,
) -> Target {
    let mut process = None;
    if kind.uses_apigate() {
        let started = binary
            .map_err(|reason| NotRunning::Failed(reason.clone()))
            .and_then(|binary| {
                let listen = apigate::free_port()
                    .map_err(|error| NotRunning::Failed(format!("no free port: {error}")))?;
                let yaml = kind
                    .config_yaml(listen, stub, passthrough)
                    .unwrap_or_else(|| Err("no config for this target".to_string()))
                    .map_err(NotRunning::Failed)?;
                Apigate::start(binary, &yaml, listen)
            });
        match started {
            Ok(apigate) => {
                eprintln!(
                    "  {}: apigate pid {} serving {}",
                    kind.name(),
                    apigate.pid(),
                    apigate.addr()
                );
                process = Some(apigate);
            }
            Err(why) => return Target::not_running(kind, why),
        }
    }
    let front = match kind {
        TargetKind::ReverseProxy => options.reverse_proxy,
        _ => process.as_ref().map(Apigate::addr),
    };
    let endpoint = kind.endpoint(stub, front);
    if let Err(reason) = generator::probe(&endpoint, body.clone()) {
        let log = process
            .as_ref()
            .map(|p| format!("; apigate log: {}", p.log_tail()))
            .unwrap_or_default();
        return Target::not_running(
            kind,
            NotRunning::Failed(format!("probe request failed: {reason}{log}")),
        );
    }
    let result = TargetResult {
        kind,
        status: Status::Measured,
        runs: Vec::new(),
    };
    Target {
        result,
        endpoint: Some(endpoint),
        process,
    }
}

/// One repetition of one target: the closed-loop run, then the open-loop run.
fn run_once(
    target: &mut Target,
    options: &Options,
    stub: &Stub,
    body: &Bytes,
    rep: usize,
) -> Result<Run, String> {
    let endpoint = target
        .endpoint
        .clone()
        .ok_or_else(|| "target is not running".to_string())?;
    let spec = LoadSpec {
        endpoint,
        body: body.clone(),
        connections: options.connections,
        warmup: options.warmup,
        duration: options.duration,
        mode: Mode::Closed,
    };
    let before = stub.invocations();
    let (closed, observed) = measure(spec.clone(), target.process.as_ref())?;
    let invocations = stub.invocations().since(before);
    let memory_after = target.process.as_ref().and_then(Apigate::memory);
    let open = match options.rate {
        0 => None,
        rate => Some(
            measure(
                LoadSpec {
                    mode: Mode::Open { rate },
                    ..spec
                },
                target.process.as_ref(),
            )?
            .0,
        ),
    };
    if let Some(reason) = target.process.as_mut().and_then(Apigate::exited) {
        return Err(reason);
    }
    let cpu_us_per_request = observed
        .cpu
        .filter(|_| closed.requests > 0)
        .map(|cpu| cpu.as_secs_f64() * 1e6 / closed.requests as f64);
    Ok(Run {
        rep,
        closed,
        open,
        rss_peak_kb: observed.rss_peak_kb,
        memory_after,
        cpu_us_per_request,
        invocations,
    })
}

/// What this thread saw of apigate during a measured window.
#[derive(Debug, Default)]
struct Observed {
    /// Highest VmRSS sampled, KiB.
    rss_peak_kb: Option<u64>,
    /// CPU time apigate used inside the window.
    cpu: Option<Duration>,
}

/// Runs the generator on its thread while this thread watches apigate in the measured window:
/// VmRSS every [`RSS_SAMPLE_INTERVAL`], CPU time at the window's edges.
fn measure(spec: LoadSpec, process: Option<&Apigate>) -> Result<(Measurement, Observed), String> {
    // The generator starts its own clock a few microseconds later: negligible against seconds.
    let window_start = Instant::now() + spec.warmup;
    let window_end = window_start + spec.duration;
    let generator = generator::spawn(spec);
    std::thread::sleep(window_start.saturating_duration_since(Instant::now()));
    let cpu_start = process.and_then(Apigate::cpu_time);
    let mut observed = Observed::default();
    while Instant::now() < window_end && !generator.is_finished() {
        if let Some(memory) = process.and_then(Apigate::memory) {
            observed.rss_peak_kb = Some(
                observed
                    .rss_peak_kb
                    .map_or(memory.rss_kb, |kb| kb.max(memory.rss_kb)),
            );
        }
        std::thread::sleep(
            RSS_SAMPLE_INTERVAL.min(window_end.saturating_duration_since(Instant::now())),
        );
    }
    let cpu_end = process.and_then(Apigate::cpu_time);
    observed.cpu = cpu_start
        .zip(cpu_end)
        .map(|(start, end)| end.saturating_sub(start));
    let measurement = generator
        .join()
        .map_err(|_| "the load generator panicked".to_string())??;
    Ok((measurement, observed))
}

fn progress(kind: TargetKind, run: &Run) {
    let open = run.open.as_ref().map_or(String::new(), |open| {
        format!(
            "; open {:.0} req/s p99 {:.3} ms, {} errors",
            open.rps,
            open.p99_us as f64 / 1000.0,
            open.errors
        )
    });
    let rss = run.rss_peak_kb.map_or(String::new(), |kb| {
        format!(", RSS {:.1} MB", kb as f64 / 1024.0)
    });
    eprintln!(
        "  rep {} {:<7} {:>9.0} req/s p50 {:.3} ms p99 {:.3} ms, {} errors{rss}{open}",
        run.rep,
        kind.name(),
        run.closed.rps,
        run.closed.p50_us as f64 / 1000.0,
        run.closed.p99_us as f64 / 1000.0,
        run.closed.errors,
    );
    if let Some(error) = run
        .closed
        .first_error
        .as_ref()
        .or(run.open.as_ref().and_then(|o| o.first_error.as_ref()))
    {
        eprintln!("      first error: {error}");
    }
}

/// The `shared/` directory (see `tests/support/shared_dir.rs`), holding the perf inputs.
fn shared_dir() -> Result<PathBuf, String> {
    shared_dir_lookup::find()
        .filter(|dir| dir.join("perf/body.json").is_file())
        .ok_or_else(|| "cannot find shared/perf/body.json (set APIGATE_SHARED)".to_string())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| format!("reading {}: {error}", path.display()))
}
