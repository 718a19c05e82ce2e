//! apigate as a subprocess: finding the release binary, `apigate check`, `apigate serve` on a free
//! loopback port, waiting for the listener, reading its memory from `/proc`, and stopping it.
//!
//! The bench builds nothing itself: cargo builds the package's binary for a bench, and `--apigate`
//! points at any other build (e.g. a copy, so a concurrent build cannot replace it mid-run). Each
//! apigate target gets its own process, started once and kept for every repetition, so "no
//! slowdown across repetitions" really is about one long-running gateway.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;
use tempfile::TempDir;

/// `apigate check` and `apigate serve` exit with this when the config is invalid (config.md).
const EXIT_CONFIG_ERROR: i32 = 64;
/// How long `serve` may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// Why an apigate target does not run.
#[derive(Debug, Clone)]
pub enum NotRunning {
    /// apigate rejected the config (exit 64): the feature the target needs is not built yet.
    Skipped(String),
    /// Anything else: missing binary, crash, no listener.
    Failed(String),
}

/// The apigate binary: `--apigate`, else the one cargo built for this bench (`cargo bench` builds
/// the package's binaries with the bench profile, i.e. `<target>/release/apigate` from the same
/// sources), else `$CARGO_TARGET_DIR/release/apigate`, else `target/release/apigate`.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = explicit {
        return path
            .is_file()
            .then(|| path.to_path_buf())
            .ok_or_else(|| format!("--apigate {}: no such file", path.display()));
    }
    let mut candidates = vec![PathBuf::from(env!("CARGO_BIN_EXE_apigate"))];
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(dir).join("release/apigate"));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/apigate"));
    let shown: Vec<String> = candidates
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    candidates
        .into_iter()
        .find(|path| path.is_file())
        .ok_or_else(|| {
            format!(
                "no apigate binary (run `cargo build --release`); looked at {}",
                shown.join(", ")
            )
        })
}

/// A free loopback port for apigate's `listen`. Binding port 0, reading the port and dropping the
/// listener leaves a tiny race (another process may take the port before apigate binds it); apigate
/// takes its listen address from the config, so this is the only way, and a lost race shows up as a
/// failed start, never as wrong numbers.
pub fn free_port() -> std::io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

/// Resident memory of a process, from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss_kb: u64,
    /// `VmHWM`: the peak resident size since the process started.
    pub hwm_kb: u64,
}

/// A running `apigate serve`; dropping it kills the process.
pub struct Apigate {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    // Holds the config and the log until the process is gone.
    _dir: TempDir,
}

impl Apigate {
    /// Validates `yaml` with `apigate check`, then runs `apigate serve` and waits until `listen` accepts.
    pub fn start(binary: &Path, yaml: &str, listen: SocketAddr) -> Result<Apigate, NotRunning> {
        let failed =
            |what: &str, error: std::io::Error| NotRunning::Failed(format!("{what}: {error}"));
        let dir = tempfile::Builder::new()
            .prefix("apigate-bench-")
            .tempdir()
            .map_err(|e| failed("temp dir", e))?;
        let config = dir.path().join("apigate.yaml");
        std::fs::write(&config, yaml).map_err(|e| failed("writing the config", e))?;
        check(binary, &config)?;

        let log = dir.path().join("apigate.log");
        let log_file = File::create(&log).map_err(|e| failed("creating the log", e))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| failed("creating the log", e))?;
        let child = Command::new(binary)
            .args(["serve", "--config"])
            .arg(&config)
            .env("APIGATE_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| failed(&format!("spawning {}", binary.display()), e))?;
        let mut apigate = Apigate {
            child,
            addr: listen,
            log,
            _dir: dir,
        };
        apigate.wait_listening()?;
        Ok(apigate)
    }

    /// The address apigate serves on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process's memory now; `None` once it has exited.
    pub fn memory(&self) -> Option<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let field = |name: &str| {
            status.lines().find_map(|line| {
                line.strip_prefix(name)?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse()
                    .ok()
            })
        };
        Some(Memory {
            rss_kb: field("VmRSS:")?,
            hwm_kb: field("VmHWM:")?,
        })
    }

    /// User plus system CPU time the process has used so far; `None` once it has exited.
    pub fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the parenthesised command name start at field 3 (`state`); utime and stime
        // are fields 14 and 15, in clock ticks of USER_HZ, which is 100 on Linux.
        let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
        let utime: u64 = fields.next()?.parse().ok()?;
        let stime: u64 = fields.next()?.parse().ok()?;
        Some(Duration::from_millis((utime + stime) * 10))
    }

    /// `Some(reason)` when the process has exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!(
                "apigate exited ({status}); log: {}",
                self.log_tail()
            )),
            Ok(None) => None,
            Err(error) => Some(format!("cannot wait for apigate: {error}")),
        }
    }

    /// The end of apigate's output, for failure messages.
    pub fn log_tail(&self) -> String {
        tail(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }

    fn wait_listening(&mut self) -> Result<(), NotRunning> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let reason = format!(
                    "apigate serve exited ({status}) before listening: {}",
                    self.log_tail()
                );
                return Err(match status.code() {
                    Some(EXIT_CONFIG_ERROR) => NotRunning::Skipped(reason),
                    _ => NotRunning::Failed(reason),
                });
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(NotRunning::Failed(format!(
                    "apigate did not accept on {} within {START_TIMEOUT:?}: {}",
                    self.addr,
                    self.log_tail()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Apigate {
    fn drop(&mut self) {
        // SIGKILL: the bench has what it needs; draining is tested elsewhere.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `apigate check --config FILE`: exit 0 passes; 64 (config rejected) skips the target.
fn check(binary: &Path, config: &Path) -> Result<(), NotRunning> {
    let output = Command::new(binary)
        .args(["check", "--config"])
        .arg(config)
        .env("APIGATE_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| {
            NotRunning::Failed(format!("running {} check: {error}", binary.display()))
        })?;
    if output.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let reason = format!(
        "apigate check rejected the config ({}): {}",
        output.status,
        tail(&text)
    );
    Err(match output.status.code() {
        Some(EXIT_CONFIG_ERROR) => NotRunning::Skipped(reason),
        _ => NotRunning::Failed(reason),
    })
}

/// The last few lines of `text`, on one line.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let shown = lines[lines.len().saturating_sub(5)..].join(" | ");
    if shown.is_empty() {
        "(no output)".to_string()
    } else {
        shown
    }
}
