//! Raw mirror -> compiled [`Config`]: every semantic check, every error collected.
//!
//! Order: listeners and `server`, the `api` section (kind first: most rules depend on it),
//! `functions`, `authorizers`, then `routes`, which refer to the others by name. A name that is
//! in the file but failed to decode or compile is known to later sections, so a broken function
//! yields one error, not one more per route using it.
//!
//! Timeouts (documented in `config/gateway.yaml`): an integration uses its own
//! `timeoutInMillis`, else its function's, else the API kind's default (REST 29000 ms, HTTP
//! 30000 ms, Function URL 300000 ms); limits are REST 50..=29000 (raised up to 300000 by
//! `api.maxIntegrationTimeoutInMillis`), HTTP 50..=30000, Function URL 50..=900000.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::config::compile_api::{compile_api_settings, ApiSettings};
use crate::config::compile_authorizers::compile_authorizers;
use crate::config::compile_routes::compile_routes;
use crate::config::error::ErrorSink;
use crate::config::model::{Api, ApiKind, Config, Function, FunctionTarget, ServerSettings};
use crate::config::raw::{RawConfig, RawFunction, RawServer};

/// Default client listener.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";
/// Lambda's longest function timeout, the upper bound of any configured timeout.
pub const LAMBDA_MAX_TIMEOUT_MS: u64 = 900_000;
/// API Gateway's shortest integration timeout.
pub const MIN_TIMEOUT_MS: u64 = 50;

/// Compiles `raw`; `None` when any error was recorded in `sink` (including decode errors).
pub fn compile(raw: RawConfig, sink: &mut ErrorSink<'_>) -> Option<Config> {
    let listen = socket_addr(
        raw.listen.as_deref().unwrap_or(DEFAULT_LISTEN),
        "listen",
        sink,
    );
    let admin = raw
        .admin
        .as_deref()
        .and_then(|a| socket_addr(a, "admin", sink));
    if let (Some(l), Some(a)) = (listen, admin) {
        // Port 0 picks a free port for each, so only a fixed port can clash.
        if l == a && l.port() != 0 {
            sink.at("admin", format!("{a} is also the listen address"));
        }
    }
    let server = compile_server(raw.server.unwrap_or_default(), sink);
    let logging = compile_logging(raw.logging.unwrap_or_default(), sink);
    let metrics_enabled = raw.metrics.and_then(|m| m.enabled).unwrap_or(true);
    let settings = compile_api_settings(raw.api.unwrap_or_default(), sink);
    let functions = compile_functions(&raw.functions, sink);
    let function_names = Names::new(
        &raw.function_names,
        functions.iter().map(|f| f.name.as_str()),
    );
    let authorizers = compile_authorizers(
        &raw.authorizers,
        &settings,
        &functions,
        &function_names,
        sink,
    );
    let authorizer_names = Names::new(
        &raw.authorizer_names,
        authorizers.iter().map(|a| a.name.as_str()),
    );
    let routes = compile_routes(
        &raw.routes,
        raw.routes_written,
        &settings,
        &functions,
        &function_names,
        &authorizer_names,
        sink,
    );
    if sink.has_errors() {
        return None;
    }
    let listen = listen?;
    let ApiSettings {
        kind,
        id,
        account_id,
        region,
        stage,
        stage_prefix,
        stage_variables,
        binary_media_types,
        domain_name,
        gateway_responses,
        access_log,
        throttle,
        ..
    } = settings;
    let default_domain = domain_name.unwrap_or_else(|| match kind {
        ApiKind::FunctionUrl => format!("{id}.lambda-url.{region}.on.aws"),
        ApiKind::Rest | ApiKind::Http => format!("{id}.execute-api.{region}.amazonaws.com"),
    });
    // Path syntax and duplicates were checked route by route above; the router re-checks the
    // whole table (overlaps only visible together) and reports against `routes`.
    let router = match crate::gateway::router::Router::build(kind, &routes, &stage, stage_prefix) {
        Ok(r) => r,
        Err(e) => {
            sink.at("routes", format!("routes cannot be served together: {e}"));
            return None;
        }
    };
    let api = Api {
        kind,
        router,
        id,
        account_id,
        region,
        stage,
        stage_prefix,
        stage_variables,
        binary_media_types,
        default_domain,
        deployment_id: deployment_id(),
        routes,
        functions,
        authorizers,
        gateway_responses,
        access_log,
        throttle,
    };
    Some(Config {
        listen,
        admin,
        server,
        api: Arc::new(api),
        logging,
        metrics_enabled,
    })
}

/// `logging`: `format` text | json (default text), `level` a tracing filter (default `info`).
fn compile_logging(
    raw: crate::config::raw::RawLogging,
    sink: &mut ErrorSink<'_>,
) -> crate::telemetry::LogSettings {
    let mut settings = crate::telemetry::LogSettings::default();
    if let Some(f) = raw.format {
        match f.parse() {
            Ok(format) => settings.format = format,
            Err(_) => sink.at(
                "logging.format",
                format!("'{f}' is not a log format (text, json)"),
            ),
        }
    }
    if let Some(level) = raw.level {
        match tracing_subscriber::EnvFilter::try_new(&level) {
            Ok(_) => settings.level = level,
            Err(e) => sink.at(
                "logging.level",
                format!("'{level}' is not a log filter: {e}"),
            ),
        }
    }
    settings
}

/// Names of one section: the ones compiled (by index) and every one written in the file.
#[derive(Debug)]
pub struct Names<'a> {
    all: &'a [String],
    compiled: Vec<&'a str>,
}

/// What a reference by name resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The compiled item at this index.
    Found(usize),
    /// In the file, but it has errors of its own (already reported).
    Broken,
    /// Not in the file.
    Unknown,
}

impl<'a> Names<'a> {
    /// `all` as written, `compiled` in index order.
    pub fn new(all: &'a [String], compiled: impl Iterator<Item = &'a str>) -> Self {
        Names {
            all,
            compiled: compiled.collect(),
        }
    }

    /// Resolves `name`.
    pub fn lookup(&self, name: &str) -> Lookup {
        match self.compiled.iter().position(|n| *n == name) {
            Some(i) => Lookup::Found(i),
            None if self.all.iter().any(|n| n == name) => Lookup::Broken,
            None => Lookup::Unknown,
        }
    }

    /// `known: a, b` / `none defined`, for messages.
    pub fn known(&self) -> String {
        known_list(self.all.iter().map(String::as_str))
    }
}

/// `known: a, b`, or `none defined`.
pub fn known_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "none defined".to_string()
    } else {
        format!("known: {}", names.join(", "))
    }
}

fn socket_addr(text: &str, path: &str, sink: &mut ErrorSink<'_>) -> Option<SocketAddr> {
    match text.trim().parse::<SocketAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            sink.at(
                path,
                format!("'{text}' is not a socket address (expected IP:PORT, e.g. 0.0.0.0:8080 or [::1]:8080)"),
            );
            None
        }
    }
}

fn compile_server(raw: RawServer, sink: &mut ErrorSink<'_>) -> ServerSettings {
    let d = ServerSettings::default();
    let mut count = |v: Option<u64>, key: &str, default: usize| -> usize {
        match v {
            None => default,
            Some(0) => {
                sink.at(&format!("server.{key}"), "must be greater than 0");
                default
            }
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        }
    };
    let max_body_bytes = count(raw.max_body_bytes, "maxBodyBytes", d.max_body_bytes);
    let max_header_bytes = count(raw.max_header_bytes, "maxHeaderBytes", d.max_header_bytes);
    let max_headers = count(raw.max_headers, "maxHeaders", d.max_headers);
    let max_connections = count(raw.max_connections, "maxConnections", d.max_connections);
    let worker_threads = match raw.worker_threads {
        None => None,
        Some(n @ 1..=MAX_WORKER_THREADS) => usize::try_from(n).ok(),
        Some(_) => {
            sink.at(
                "server.workerThreads",
                format!("must be between 1 and {MAX_WORKER_THREADS}"),
            );
            None
        }
    };
    let mut millis = |v: Option<u64>, key: &str, default: Duration, zero_ok: bool| -> Duration {
        match v {
            None => default,
            Some(0) if !zero_ok => {
                sink.at(&format!("server.{key}"), "must be greater than 0");
                default
            }
            Some(n) => Duration::from_millis(n),
        }
    };
    ServerSettings {
        max_body_bytes,
        max_header_bytes,
        max_headers,
        header_read_timeout: millis(
            raw.header_read_timeout_millis,
            "headerReadTimeoutMillis",
            d.header_read_timeout,
            false,
        ),
        body_read_timeout: millis(
            raw.body_read_timeout_millis,
            "bodyReadTimeoutMillis",
            d.body_read_timeout,
            false,
        ),
        idle_timeout: millis(
            raw.idle_timeout_millis,
            "idleTimeoutMillis",
            d.idle_timeout,
            false,
        ),
        max_connections,
        // Zero is meaningful: drop connections at once on shutdown.
        shutdown_grace: millis(
            raw.shutdown_grace_millis,
            "shutdownGraceMillis",
            d.shutdown_grace,
            true,
        ),
        worker_threads,
    }
}

/// Most runtime threads `server.workerThreads` may ask for (far past any useful count; a typo
/// such as an extra zero is refused rather than spawning thousands of threads).
const MAX_WORKER_THREADS: u64 = 1024;

fn compile_functions(raw: &[(String, RawFunction)], sink: &mut ErrorSink<'_>) -> Vec<Function> {
    let mut out = Vec::with_capacity(raw.len());
    for (name, f) in raw {
        let path = format!("functions.{name}");
        let errors_before = sink.len();
        let target = match (&f.invoke_url, &f.function_url) {
            (Some(_), Some(_)) => {
                sink.at(
                    &path,
                    "set exactly one of invokeUrl / functionUrl (both are set)",
                );
                None
            }
            (None, None) => {
                sink.at(
                    &path,
                    "missing invokeUrl or functionUrl (exactly one is required)",
                );
                None
            }
            (Some(u), None) => {
                url(u, &format!("{path}.invokeUrl"), sink).map(FunctionTarget::InvokeUrl)
            }
            (None, Some(u)) => {
                url(u, &format!("{path}.functionUrl"), sink).map(FunctionTarget::FunctionUrl)
            }
        };
        let timeout = f.timeout_in_millis.and_then(|ms| {
            if (MIN_TIMEOUT_MS..=LAMBDA_MAX_TIMEOUT_MS).contains(&ms) {
                Some(Duration::from_millis(ms))
            } else {
                sink.at(
                    &format!("{path}.timeoutInMillis"),
                    format!("{ms} is out of range ({MIN_TIMEOUT_MS}..={LAMBDA_MAX_TIMEOUT_MS} ms, Lambda's longest timeout)"),
                );
                None
            }
        });
        if let (Some(target), true) = (target, sink.len() == errors_before) {
            out.push(Function {
                name: name.clone(),
                target,
                timeout,
            });
        }
    }
    out
}

/// An absolute `http://` or `https://` URL.
fn url(text: &str, path: &str, sink: &mut ErrorSink<'_>) -> Option<http::Uri> {
    match text.parse::<http::Uri>() {
        Ok(u) if matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some() => {
            Some(u)
        }
        Ok(_) => {
            sink.at(
                path,
                format!("'{text}' must be an absolute http:// or https:// URL"),
            );
            None
        }
        Err(e) => {
            sink.at(path, format!("'{text}' is not a valid URL: {e}"));
            None
        }
    }
}

/// A fresh deployment id (`requestContext.deploymentId`): 6 lowercase alphanumerics.
fn deployment_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..6)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

/// A stable opaque id for `text` (resource ids): 6 lowercase alphanumerics from FNV-1a, so the
/// same path gets the same id in every load and every build.
pub fn stable_id(text: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (0..6)
        .map(|_| {
            let c = ALPHABET[(h % 36) as usize] as char;
            h /= 36;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_ids_are_short_and_stable() {
        assert_eq!(stable_id("/pets/{id}"), stable_id("/pets/{id}"));
        assert_ne!(stable_id("/pets/{id}"), stable_id("/pets"));
        assert_eq!(stable_id("/").len(), 6);
        assert!(stable_id("/x")
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        let d = deployment_id();
        assert_eq!(d.len(), 6);
    }

    #[test]
    fn names_resolve() {
        let all = vec!["a".to_string(), "b".to_string()];
        let n = Names::new(&all, ["b"].into_iter());
        assert_eq!(n.lookup("b"), Lookup::Found(0));
        assert_eq!(n.lookup("a"), Lookup::Broken);
        assert_eq!(n.lookup("c"), Lookup::Unknown);
        assert_eq!(n.known(), "known: a, b");
        assert_eq!(known_list(std::iter::empty()), "none defined");
    }
}
