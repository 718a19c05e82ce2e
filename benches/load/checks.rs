//! The performance budget of issue 6 as PASS/FAIL/SKIPPED lines computed from the medians.
//!
//! The bench never panics on a miss: it prints the verdicts, writes them to the JSON, and exits
//! with status 0 (CI compiles the bench but does not run it; people read the lines).

use serde::Serialize;

use crate::results::{Status, Summary, TargetResult};
use crate::target::TargetKind;

/// Proxy route throughput relative to direct.
const PROXY_MIN_RATIO: f64 = 0.55;
/// Last repetition relative to the first.
const SLOWDOWN_MIN_RATIO: f64 = 0.95;
/// Open-loop p99 budget above direct's, microseconds.
const OPEN_P99_BUDGET_US: f64 = 300.0;
/// apigate's resident memory under the closed-loop load, KiB (50 MB).
const RSS_LIMIT_KB: u64 = 50 * 1024;
/// Authorizer route (cache hit) relative to the proxy route.
const AUTH_MIN_RATIO: f64 = 0.95;
/// Custom-integration route relative to the proxy route.
const CUSTOM_MIN_RATIO: f64 = 0.8;
/// Proxy route relative to the same route with metrics off: the metrics path costs at most 3%.
const METRICS_MIN_RATIO: f64 = 0.97;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Pass,
    Fail,
    Skipped,
}

/// One acceptance line.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub verdict: Verdict,
    pub name: String,
    pub detail: String,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = match self.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skipped => "SKIPPED",
        };
        write!(f, "{verdict:<7} {}: {}", self.name, self.detail)
    }
}

/// Every check, in a fixed order.
pub fn evaluate(results: &[TargetResult], rate: u64) -> Vec<Check> {
    let find = |kind: TargetKind| results.iter().find(|r| r.kind == kind);
    let summary = |kind: TargetKind| Measured::of(find(kind));
    let mut checks = Vec::new();

    let name = format!("proxy route >= {PROXY_MIN_RATIO}x direct throughput, zero errors");
    checks.push(
        match (summary(TargetKind::Proxy), summary(TargetKind::Direct)) {
            (Ok(proxy), Ok(direct)) => {
                let ratio = proxy.rps / direct.rps;
                let detail = format!(
                    "{:.0} / {:.0} req/s = {ratio:.3}x, {} errors",
                    proxy.rps, direct.rps, proxy.errors
                );
                verdict(name, ratio >= PROXY_MIN_RATIO && proxy.errors == 0, detail)
            }
            (proxy, direct) => Absent::first(proxy, direct).check(name),
        },
    );

    let direct = find(TargetKind::Direct).filter(|d| d.is_measured());
    for result in results.iter().filter(|r| r.kind.uses_apigate()) {
        let name = format!(
            "{}: no slowdown across repetitions (last >= {SLOWDOWN_MIN_RATIO}x first)",
            result.kind.name()
        );
        let check = match (
            Measured::of(Some(result)),
            result.runs.first(),
            result.runs.last(),
        ) {
            (Err(absent), _, _) => absent.check(name),
            (Ok(_), Some(first), Some(last)) if result.runs.len() >= 2 => slowdown(
                name,
                direct,
                (first.rep, first.closed.rps),
                (last.rep, last.closed.rps),
            ),
            (Ok(_), _, _) => Absent::Skipped("needs --reps 2 or more".to_string()).check(name),
        };
        checks.push(check);
    }

    let name = format!(
        "at {rate} req/s open loop, proxy p99 <= direct p99 + {:.1} ms",
        OPEN_P99_BUDGET_US / 1000.0
    );
    let open = |kind| {
        summary(kind).and_then(|s| {
            s.open
                .ok_or_else(|| Absent::Skipped("no open-loop runs (--rate 0)".into()))
        })
    };
    checks.push(match (open(TargetKind::Proxy), open(TargetKind::Direct)) {
        (Ok(proxy), Ok(direct)) => {
            let delta = proxy.p99_us - direct.p99_us;
            let detail = format!(
                "p99 {:.3} ms vs {:.3} ms (+{:.3} ms), achieved {:.0} / {:.0} req/s, {} errors",
                proxy.p99_us / 1000.0,
                direct.p99_us / 1000.0,
                delta / 1000.0,
                proxy.achieved_rps,
                direct.achieved_rps,
                proxy.errors
            );
            verdict(
                name,
                delta <= OPEN_P99_BUDGET_US && proxy.errors == 0,
                detail,
            )
        }
        (proxy, direct) => Absent::first(proxy, direct).check(name),
    });

    for result in results.iter().filter(|r| r.kind.uses_apigate()) {
        let name = format!(
            "{}: apigate RSS under load < {} MB",
            result.kind.name(),
            RSS_LIMIT_KB / 1024
        );
        checks.push(match Measured::of(Some(result)) {
            Ok(Summary {
                hwm_kb: Some(hwm),
                rss_peak_kb,
                ..
            }) => {
                let sampled =
                    rss_peak_kb.map_or("-".to_string(), |kb| format!("{:.1}", kb as f64 / 1024.0));
                let detail = format!(
                    "VmHWM {:.1} MB (sampled VmRSS peak {sampled} MB)",
                    hwm as f64 / 1024.0
                );
                verdict(name, hwm < RSS_LIMIT_KB, detail)
            }
            Ok(_) => Absent::Failed("no memory readings".to_string()).check(name),
            Err(absent) => absent.check(name),
        });
    }

    for (kind, min) in [
        (TargetKind::Auth, AUTH_MIN_RATIO),
        (TargetKind::Custom, CUSTOM_MIN_RATIO),
    ] {
        let name = format!("{} route >= {min}x proxy route throughput", kind.name());
        checks.push(match (summary(kind), summary(TargetKind::Proxy)) {
            (Ok(route), Ok(proxy)) => {
                let ratio = route.rps / proxy.rps;
                let detail = format!(
                    "{:.0} / {:.0} req/s = {ratio:.3}x, {} errors",
                    route.rps, proxy.rps, route.errors
                );
                verdict(name, ratio >= min && route.errors == 0, detail)
            }
            (route, proxy) => Absent::first(route, proxy).check(name),
        });
    }

    let name = format!(
        "metrics path costs <= {:.0}%: proxy >= {METRICS_MIN_RATIO}x proxy-nometrics throughput",
        (1.0 - METRICS_MIN_RATIO) * 100.0
    );
    checks.push(
        match (
            summary(TargetKind::Proxy),
            summary(TargetKind::ProxyNoMetrics),
        ) {
            (Ok(proxy), Ok(bare)) => {
                let ratio = proxy.rps / bare.rps;
                let detail = format!(
                    "{:.0} / {:.0} req/s = {ratio:.3}x, {} errors",
                    proxy.rps, bare.rps, bare.errors
                );
                verdict(name, ratio >= METRICS_MIN_RATIO && bare.errors == 0, detail)
            }
            (proxy, bare) => Absent::first(proxy, bare).check(name),
        },
    );
    checks
}

/// Compares the last repetition with the first. With `direct` measured in the same repetitions,
/// each is taken relative to that repetition's `direct` run, so drift of the machine itself (other
/// load, thermal limits) is not blamed on apigate; the raw numbers are shown as well.
fn slowdown(
    name: String,
    direct: Option<&TargetResult>,
    (first_rep, first): (usize, f64),
    (last_rep, last): (usize, f64),
) -> Check {
    let raw = format!(
        "first {first:.0}, last {last:.0} req/s = {:.3}x",
        last / first
    );
    let baselines = direct.and_then(|d| Some((d.rps_of_rep(first_rep)?, d.rps_of_rep(last_rep)?)));
    match baselines {
        Some((direct_first, direct_last)) if direct_first > 0.0 && direct_last > 0.0 => {
            let (first_ratio, last_ratio) = (first / direct_first, last / direct_last);
            let detail = format!(
                "relative to direct: first {first_ratio:.3}, last {last_ratio:.3} = {:.3}x (raw: {raw})",
                last_ratio / first_ratio
            );
            verdict(name, last_ratio >= SLOWDOWN_MIN_RATIO * first_ratio, detail)
        }
        _ => verdict(name, last >= SLOWDOWN_MIN_RATIO * first, raw),
    }
}

/// Why a check has no input.
enum Absent {
    /// The target was skipped (feature not built) or not selected: the check is SKIPPED.
    Skipped(String),
    /// The target broke: the check FAILs.
    Failed(String),
}

impl Absent {
    /// The first missing input of a two-input check (one of them is missing when this is called).
    fn first(a: Result<impl Sized, Absent>, b: Result<impl Sized, Absent>) -> Absent {
        a.err()
            .or(b.err())
            .unwrap_or_else(|| Absent::Failed("no data".to_string()))
    }

    fn check(self, name: String) -> Check {
        match self {
            Absent::Skipped(detail) => Check {
                verdict: Verdict::Skipped,
                name,
                detail,
            },
            Absent::Failed(detail) => Check {
                verdict: Verdict::Fail,
                name,
                detail,
            },
        }
    }
}

/// A target's summary if it was measured, else why not.
struct Measured;

impl Measured {
    fn of(result: Option<&TargetResult>) -> Result<Summary, Absent> {
        let result =
            result.ok_or_else(|| Absent::Skipped("target not selected (--targets)".to_string()))?;
        let name = result.kind.name();
        match (&result.status, result.summary()) {
            (Status::Measured, Some(summary)) if summary.rps > 0.0 => Ok(summary),
            (Status::Measured, _) => Err(Absent::Failed(format!("{name}: no successful requests"))),
            (Status::Skipped(reason), _) => Err(Absent::Skipped(format!("{name}: {reason}"))),
            (Status::Failed(reason), _) => Err(Absent::Failed(format!("{name}: {reason}"))),
        }
    }
}

fn verdict(name: String, pass: bool, detail: String) -> Check {
    Check {
        verdict: if pass { Verdict::Pass } else { Verdict::Fail },
        name,
        detail,
    }
}
