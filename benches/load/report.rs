//! The bench's output: the machine line, the closed- and open-loop tables (medians, ratio to
//! direct, apigate's memory), what each target measures, the acceptance lines, and the JSON file.

use std::path::Path;

use serde_json::{json, Value};

use crate::checks::Check;
use crate::options::Options;
use crate::results::{Status, TargetResult};
use crate::target::TargetKind;

/// The machine the numbers come from.
pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu_model": model,
        "kernel": kernel.trim(),
    })
}

/// Prints the tables, the target descriptions and the checks to stdout.
pub fn print(options: &Options, machine: &Value, results: &[TargetResult], checks: &[Check]) {
    println!();
    println!(
        "machine: {} x {}, Linux {}",
        machine["nproc"],
        machine["cpu_model"].as_str().unwrap_or("?"),
        machine["kernel"].as_str().unwrap_or("?")
    );
    println!(
        "closed loop: POST body.json, {} keep-alive connections, 1 generator thread, {:?} warm-up + {:?} measured, \
         {} repetition(s) interleaved, medians{}",
        options.connections,
        options.warmup,
        options.duration,
        options.reps,
        if options.quick { " (--quick: smoke numbers)" } else { "" }
    );
    let direct_rps = results
        .iter()
        .find(|r| r.kind == TargetKind::Direct)
        .and_then(TargetResult::summary)
        .map(|s| s.rps);
    println!(
        "{:<15} {:>10} {:>8} {:>8} {:>9} {:>7} {:>9} {:>12} {:>11}",
        "target",
        "req/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "errors",
        "x direct",
        "RSS/HWM MB",
        "CPU us/req"
    );
    for result in results {
        let Some(summary) = result.summary().filter(|_| result.is_measured()) else {
            println!("{:<15} {}", result.kind.name(), status_text(&result.status));
            continue;
        };
        let ratio = direct_rps
            .filter(|d| *d > 0.0)
            .map_or("-".to_string(), |d| format!("{:.3}", summary.rps / d));
        let memory = match (summary.rss_peak_kb, summary.hwm_kb) {
            (Some(rss), Some(hwm)) => format!("{}/{}", mb(rss), mb(hwm)),
            _ => "-".to_string(),
        };
        let cpu = summary
            .cpu_us_per_request
            .map_or("-".to_string(), |us| format!("{us:.1}"));
        println!(
            "{:<15} {:>10.0} {:>8.3} {:>8.3} {:>9.3} {:>7} {:>9} {:>12} {:>11}",
            result.kind.name(),
            summary.rps,
            ms(summary.p50_us),
            ms(summary.p99_us),
            ms(summary.p999_us),
            summary.errors,
            ratio,
            memory,
            cpu
        );
    }
    let rps = |kind| {
        let result = results.iter().find(|r| r.kind == kind && r.is_measured())?;
        result.summary().map(|s| s.rps)
    };
    if let (Some(revproxy), Some(proxy)) = (rps(TargetKind::ReverseProxy), rps(TargetKind::Proxy)) {
        println!(
            "apigate proxy route / reverse proxy: {:.3}x",
            proxy / revproxy
        );
    }
    if options.rate > 0 {
        print_open(options, results);
    }
    println!();
    for result in results {
        println!("  {:<15} {}", result.kind.name(), result.kind.description());
        if let Some((calls, requests)) = result.summary().and_then(|s| s.authorizer_calls) {
            println!(
                "           authorizer invoked {calls} time(s) in the closed-loop runs ({requests} measured requests; the rest: cache hits)"
            );
        }
    }
    println!();
    for check in checks {
        println!("{check}");
    }
}

fn print_open(options: &Options, results: &[TargetResult]) {
    println!();
    println!(
        "open loop: {} req/s over {} connections, latency from the intended send time when queued",
        options.rate, options.connections
    );
    println!(
        "{:<15} {:>10} {:>8} {:>8} {:>9} {:>7} {:>13}",
        "target", "achieved", "p50 ms", "p99 ms", "p99.9 ms", "errors", "p99 - direct"
    );
    let direct_p99 = results
        .iter()
        .find(|r| r.kind == TargetKind::Direct)
        .and_then(TargetResult::summary)
        .and_then(|s| s.open)
        .map(|o| o.p99_us);
    for result in results.iter().filter(|r| r.is_measured()) {
        let Some(open) = result.summary().and_then(|s| s.open) else {
            continue;
        };
        let delta = direct_p99.map_or("-".to_string(), |d| {
            format!("{:+.3} ms", ms(open.p99_us - d))
        });
        println!(
            "{:<15} {:>10.0} {:>8.3} {:>8.3} {:>9.3} {:>7} {:>13}",
            result.kind.name(),
            open.achieved_rps,
            ms(open.p50_us),
            ms(open.p99_us),
            ms(open.p999_us),
            open.errors,
            delta
        );
    }
}

/// Writes everything (options, machine, per-run numbers, medians, checks) as pretty JSON.
pub fn write_json(
    path: &Path,
    options: &Options,
    machine: &Value,
    apigate: &str,
    results: &[TargetResult],
    checks: &[Check],
) -> Result<(), String> {
    let direct_rps = results
        .iter()
        .find(|r| r.kind == TargetKind::Direct)
        .and_then(TargetResult::summary)
        .map(|s| s.rps);
    let targets: Vec<Value> = results
        .iter()
        .map(|result| {
            let summary = result.summary();
            json!({
                "name": result.kind.name(),
                "description": result.kind.description(),
                "status": result.status,
                "median": summary,
                "ratio_to_direct": summary.zip(direct_rps).filter(|(_, d)| *d > 0.0).map(|(s, d)| s.rps / d),
                "runs": result.runs,
            })
        })
        .collect();
    let document = json!({
        "bench": "load",
        "options": {
            "connections": options.connections,
            "warmup_s": options.warmup.as_secs_f64(),
            "duration_s": options.duration.as_secs_f64(),
            "reps": options.reps,
            "rate": options.rate,
            "stub_threads": options.stub_threads,
            "quick": options.quick,
            "targets": options.targets.iter().map(|k| k.name()).collect::<Vec<_>>(),
        },
        "machine": machine,
        "apigate": apigate,
        "latency_unit": "microseconds",
        "targets": targets,
        "checks": checks,
    });
    let text = serde_json::to_string_pretty(&document).map_err(|error| error.to_string())?;
    std::fs::write(path, text + "\n")
        .map_err(|error| format!("writing {}: {error}", path.display()))
}

fn status_text(status: &Status) -> String {
    match status {
        Status::Measured => "no runs".to_string(),
        Status::Skipped(reason) => format!("SKIPPED: {reason}"),
        Status::Failed(reason) => format!("FAILED: {reason}"),
    }
}

fn ms(micros: f64) -> f64 {
    micros / 1000.0
}

fn mb(kb: u64) -> String {
    format!("{:.1}", kb as f64 / 1024.0)
}
