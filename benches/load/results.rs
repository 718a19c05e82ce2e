//! What the bench collected per target: the status, every run of every repetition, and the medians
//! the table, the checks and the JSON are made of.

use serde::Serialize;

use crate::apigate::Memory;
use crate::generator::Measurement;
use crate::stub::Invocations;
use crate::target::TargetKind;

/// One repetition of one target: a closed-loop run, then (unless `--rate 0`) an open-loop run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub rep: usize,
    pub closed: Measurement,
    pub open: Option<Measurement>,
    /// Highest VmRSS sampled during the closed-loop measured window (apigate targets only).
    pub rss_peak_kb: Option<u64>,
    /// VmRSS and VmHWM right after the closed-loop run.
    pub memory_after: Option<Memory>,
    /// apigate's CPU time (user + system) in the closed-loop window per successful request.
    pub cpu_us_per_request: Option<f64>,
    /// Stub invocations during the closed-loop run (the authorizer count shows the cache at work).
    pub invocations: Invocations,
}

/// Whether a target produced numbers.
#[derive(Debug, Clone, Serialize)]
#[serde(
    tag = "status",
    content = "reason",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum Status {
    Measured,
    /// apigate rejected the target's config: the feature is not built yet.
    Skipped(String),
    /// The target could not run or broke during the bench.
    Failed(String),
}

/// Everything about one target.
#[derive(Debug, Clone)]
pub struct TargetResult {
    pub kind: TargetKind,
    pub status: Status,
    pub runs: Vec<Run>,
}

/// The medians over repetitions (each statistic's own median).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    /// Sum over repetitions (measured windows only).
    pub errors: u64,
    pub warmup_errors: u64,
    /// Highest sampled VmRSS over all closed-loop windows, KiB.
    pub rss_peak_kb: Option<u64>,
    /// Highest VmHWM seen, KiB: the process's true peak, including anything between samples.
    pub hwm_kb: Option<u64>,
    /// Median apigate CPU time per request, microseconds (apigate targets only).
    pub cpu_us_per_request: Option<f64>,
    /// Authorizer invocations and successful requests over all closed-loop runs (auth target
    /// only): with the cache at work the first is tiny (often 0, the probe filled the cache).
    pub authorizer_calls: Option<(u64, u64)>,
    /// Open-loop medians, when open-loop runs happened.
    pub open: Option<OpenSummary>,
}

/// The open-loop medians.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct OpenSummary {
    pub achieved_rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub errors: u64,
}

impl TargetResult {
    pub fn is_measured(&self) -> bool {
        matches!(self.status, Status::Measured) && !self.runs.is_empty()
    }

    /// The medians, or `None` when the target has no runs.
    pub fn summary(&self) -> Option<Summary> {
        if self.runs.is_empty() {
            return None;
        }
        let closed =
            |f: fn(&Measurement) -> f64| median(self.runs.iter().map(|run| f(&run.closed)));
        let opens: Vec<&Measurement> = self
            .runs
            .iter()
            .filter_map(|run| run.open.as_ref())
            .collect();
        let open = (!opens.is_empty()).then(|| {
            let stat = |f: fn(&Measurement) -> f64| median(opens.iter().map(|m| f(m)));
            OpenSummary {
                achieved_rps: stat(|m| m.rps),
                p50_us: stat(|m| m.p50_us as f64),
                p99_us: stat(|m| m.p99_us as f64),
                p999_us: stat(|m| m.p999_us as f64),
                errors: opens.iter().map(|m| m.errors).sum(),
            }
        });
        let authorizer_calls: u64 = self.runs.iter().map(|run| run.invocations.authorizer).sum();
        let requests: u64 = self.runs.iter().map(|run| run.closed.requests).sum();
        Some(Summary {
            rps: closed(|m| m.rps),
            p50_us: closed(|m| m.p50_us as f64),
            p99_us: closed(|m| m.p99_us as f64),
            p999_us: closed(|m| m.p999_us as f64),
            errors: self.runs.iter().map(|run| run.closed.errors).sum(),
            warmup_errors: self.runs.iter().map(|run| run.closed.warmup_errors).sum(),
            rss_peak_kb: self.runs.iter().filter_map(|run| run.rss_peak_kb).max(),
            hwm_kb: self
                .runs
                .iter()
                .filter_map(|run| run.memory_after.map(|m| m.hwm_kb))
                .max(),
            cpu_us_per_request: {
                let values: Vec<f64> = self
                    .runs
                    .iter()
                    .filter_map(|run| run.cpu_us_per_request)
                    .collect();
                (!values.is_empty()).then(|| median(values.into_iter()))
            },
            authorizer_calls: (self.kind == TargetKind::Auth)
                .then_some((authorizer_calls, requests)),
            open,
        })
    }

    /// Closed-loop throughput of repetition `rep`, if it ran.
    pub fn rps_of_rep(&self, rep: usize) -> Option<f64> {
        self.runs
            .iter()
            .find(|run| run.rep == rep)
            .map(|run| run.closed.rps)
    }
}

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
