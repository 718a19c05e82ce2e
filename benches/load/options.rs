//! The load bench's command-line flags (`cargo bench --bench load -- FLAGS`).
//!
//! Parsed by hand from `std::env::args()`: the bench has no harness and criterion is not involved.
//! `--quick` only changes defaults, so `--quick --duration 5` keeps the 5 s.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::target::TargetKind;

/// Everything one bench run is configured with.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keep-alive connections the load generator opens per target.
    pub connections: usize,
    /// Load before the measured window, per run.
    pub warmup: Duration,
    /// The measured window, per run.
    pub duration: Duration,
    /// Repetitions, interleaved across targets.
    pub reps: usize,
    /// Fixed request rate of the open-loop runs (req/s); 0 disables them.
    pub rate: u64,
    /// Targets in the order they run within a repetition.
    pub targets: Vec<TargetKind>,
    /// Where the JSON results go, if anywhere.
    pub out: Option<PathBuf>,
    /// The apigate release binary; `None` means "look in the usual target directories".
    pub apigate: Option<PathBuf>,
    /// Worker threads of the stub Lambda's runtime.
    pub stub_threads: usize,
    /// The stub's port (0: any free port); fixed when an outside reverse proxy must reach it.
    pub stub_port: u16,
    /// A reverse proxy (e.g. nginx) forwarding to the stub: adds the `revproxy` target.
    pub reverse_proxy: Option<SocketAddr>,
    /// Whether `--quick` was given (recorded in the JSON so smoke numbers are not mistaken for real ones).
    pub quick: bool,
}

const USAGE: &str = "\
usage: cargo bench --bench load -- [FLAGS]
  --connections N     keep-alive connections per target (default 64)
  --warmup SECS       warm-up per run (default 3)
  --duration SECS     measured window per run (default 10)
  --reps N            repetitions, interleaved across targets (default 3)
  --rate RPS          open-loop fixed rate, 0 disables open-loop runs (default 5000)
  --targets LIST      comma-separated: direct,proxy,proxy-nometrics,http,custom,auth (the default),
                      and proxy-1t (the proxy route on one runtime thread)
  --out FILE          write the results as JSON
  --apigate PATH      apigate binary (default $CARGO_TARGET_DIR/release/apigate, then target/release/apigate)
  --stub-threads N    worker threads of the stub Lambda (default: one per CPU)
  --stub-port PORT    port of the stub Lambda on 127.0.0.1 (default 0: any free port)
  --reverse-proxy ADDR  also measure a reverse proxy (e.g. nginx) at ADDR that forwards to the
                      stub (`revproxy` target; use with --stub-port)
  --quick             smoke run: 1 s warm-up, 2 s measured, 1 repetition (explicit flags still win)";

impl Options {
    /// Parses the process arguments. `Err` carries a message (or the usage text for `--help`).
    pub fn from_args() -> Result<Self, String> {
        Self::parse(std::env::args().skip(1))
    }

    fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut connections = 64;
        let mut warmup = None;
        let mut duration = None;
        let mut reps = None;
        let mut rate = 5000;
        let mut targets = TargetKind::ALL.to_vec();
        let mut out = None;
        let mut apigate = None;
        // The bench's recipe: a multi-threaded stub, one worker per CPU as in tokio's default
        // runtime (README, "The stub's threads").
        let mut stub_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut stub_port = 0;
        let mut reverse_proxy = None;
        let mut quick = false;

        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            // `cargo bench` passes `--bench` to every bench binary; a filter word may follow `--`.
            if flag == "--bench" || flag == "--" {
                continue;
            }
            let mut value = |name: &str| {
                args.next()
                    .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
            };
            match flag.as_str() {
                "--connections" => connections = positive(&flag, &value(&flag)?)?,
                "--warmup" => warmup = Some(seconds(&flag, &value(&flag)?)?),
                "--duration" => duration = Some(seconds(&flag, &value(&flag)?)?),
                "--reps" => reps = Some(positive(&flag, &value(&flag)?)?),
                "--rate" => rate = number(&flag, &value(&flag)?)?,
                "--targets" => targets = parse_targets(&value(&flag)?)?,
                "--out" => out = Some(PathBuf::from(value(&flag)?)),
                "--apigate" => apigate = Some(PathBuf::from(value(&flag)?)),
                "--stub-threads" => stub_threads = positive(&flag, &value(&flag)?)?,
                "--stub-port" => {
                    let text = value(&flag)?;
                    stub_port = text
                        .parse()
                        .map_err(|_| format!("{flag}: {text:?} is not a port"))?;
                }
                "--reverse-proxy" => {
                    let text = value(&flag)?;
                    let addr = text
                        .parse()
                        .map_err(|_| format!("{flag}: {text:?} is not HOST:PORT"))?;
                    reverse_proxy = Some(addr);
                }
                "--quick" => quick = true,
                "--help" | "-h" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown flag {other:?}\n{USAGE}")),
            }
        }
        let (default_warmup, default_duration, default_reps) =
            if quick { (1.0, 2.0, 1) } else { (3.0, 10.0, 3) };
        let duration = duration.unwrap_or(Duration::from_secs_f64(default_duration));
        if duration.is_zero() {
            return Err("--duration must be > 0".to_string());
        }
        if reverse_proxy.is_some() && !targets.contains(&TargetKind::ReverseProxy) {
            // Right after direct, so the two baselines run back to back in every repetition.
            let at = targets
                .iter()
                .position(|k| *k == TargetKind::Direct)
                .map_or(0, |i| i + 1);
            targets.insert(at, TargetKind::ReverseProxy);
        }
        Ok(Options {
            connections,
            warmup: warmup.unwrap_or(Duration::from_secs_f64(default_warmup)),
            duration,
            reps: reps.unwrap_or(default_reps),
            rate,
            targets,
            out,
            apigate,
            stub_threads,
            stub_port,
            reverse_proxy,
            quick,
        })
    }
}

fn number(flag: &str, text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{flag}: {text:?} is not a whole number"))
}

fn positive(flag: &str, text: &str) -> Result<usize, String> {
    match number(flag, text)? {
        0 => Err(format!("{flag} must be at least 1")),
        n => usize::try_from(n).map_err(|_| format!("{flag}: {n} is too large")),
    }
}

fn seconds(flag: &str, text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{flag}: {text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs)
        .map_err(|_| format!("{flag}: {text:?} is not a valid duration"))
}

fn parse_targets(list: &str) -> Result<Vec<TargetKind>, String> {
    let mut targets = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let kind = TargetKind::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = TargetKind::ALL
                .iter()
                .chain(&TargetKind::OPT_IN)
                .map(|k| k.name())
                .collect();
            format!(
                "--targets: unknown target {name:?} (known: {})",
                known.join(",")
            )
        })?;
        if !targets.contains(&kind) {
            targets.push(kind);
        }
    }
    if targets.is_empty() {
        return Err("--targets: no target given".to_string());
    }
    Ok(targets)
}
