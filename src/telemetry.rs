//! Process logging: the `tracing` subscriber, the per-request span, and secret redaction.
//!
//! The level filter comes from `APIGATE_LOG`, else `RUST_LOG`, else the config's
//! `logging.level` (default `info`); the format is text or JSON (`logging.format` or the
//! `--log-format` flag). Every request runs inside one `request` span carrying its request id,
//! method and, once routed, the route template; the raw path and header values are not span
//! fields, so a token in a query string or an `Authorization` header cannot reach the logs
//! through them. Code that must log headers uses [`RedactedHeaders`].

use std::fmt;

use tracing::Span;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::gateway::context::RequestCtx;
use crate::message::HeaderList;

/// Environment variable read first for the level filter.
pub const LOG_ENV: &str = "APIGATE_LOG";

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = TelemetryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(TelemetryError::Format(s.to_owned())),
        }
    }
}

/// The `logging` config key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// `logging.format`.
    pub format: LogFormat,
    /// `logging.level`: the filter used when neither `APIGATE_LOG` nor `RUST_LOG` is set.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            level: "info".to_owned(),
        }
    }
}

/// Logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The level filter does not parse.
    #[error("{origin}: invalid log filter {directive:?}: {detail}")]
    Filter {
        /// Where the filter came from: `APIGATE_LOG`, `RUST_LOG` or `logging.level`.
        origin: &'static str,
        /// The filter text.
        directive: String,
        /// The parser's message.
        detail: String,
    },
    /// Not `text` or `json`.
    #[error("unknown log format {0:?} (expected text or json)")]
    Format(String),
    /// A global subscriber was already installed.
    #[error("logging already initialised: {0}")]
    AlreadySet(String),
}

/// The filter from `APIGATE_LOG`, else `RUST_LOG`, else `default` (env values that are empty
/// count as unset).
pub fn env_filter(default: &str) -> Result<EnvFilter, TelemetryError> {
    let from_env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    choose_filter(from_env(LOG_ENV), from_env("RUST_LOG"), default)
}

fn choose_filter(
    apigate: Option<String>,
    rust: Option<String>,
    default: &str,
) -> Result<EnvFilter, TelemetryError> {
    let origin = match (&apigate, &rust) {
        (Some(_), _) => LOG_ENV,
        (None, Some(_)) => "RUST_LOG",
        (None, None) => "logging.level",
    };
    let directive = apigate.or(rust).unwrap_or_else(|| default.to_owned());
    EnvFilter::try_new(&directive).map_err(|e| TelemetryError::Filter {
        detail: e.to_string(),
        directive,
        origin,
    })
}

/// A subscriber writing `format` lines to `writer`, filtered by `filter` (tests pass a buffer).
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.with_ansi(false).finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
    }
}

/// Installs the process-wide subscriber (stderr; stdout carries the access log).
pub fn init(settings: &LogSettings) -> Result<(), TelemetryError> {
    let filter = env_filter(&settings.level)?;
    let sub = subscriber(settings.format, filter, std::io::stderr);
    tracing::subscriber::set_global_default(sub)
        .map_err(|e| TelemetryError::AlreadySet(e.to_string()))
}

/// The span one request runs in: request id, method, trace id; `route` and `status` are filled
/// by [`record_route`] and [`record_status`].
pub fn request_span(ctx: &RequestCtx) -> Span {
    tracing::info_span!(
        "request",
        request_id = %ctx.request_id,
        method = %ctx.req.method,
        trace_id = %ctx.trace_id(),
        route = tracing::field::Empty,
        status = tracing::field::Empty,
    )
}

/// Records the matched route template (never the raw path) on the request span.
pub fn record_route(span: &Span, template: &str) {
    span.record("route", template);
}

/// Records the response status on the request span.
pub fn record_status(span: &Span, status: u16) {
    span.record("status", status);
}

/// Headers whose values are credentials and are never logged.
pub fn is_sensitive_header(name: &[u8]) -> bool {
    const SENSITIVE: [&[u8]; 7] = [
        b"authorization",
        b"proxy-authorization",
        b"cookie",
        b"set-cookie",
        b"x-api-key",
        b"x-amz-security-token",
        b"x-amz-client-context",
    ];
    SENSITIVE.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Displays a header list with credential values replaced by `<redacted>`; for debug logs.
pub struct RedactedHeaders<'a>(pub &'a HeaderList);

impl fmt::Display for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}: ", String::from_utf8_lossy(name))?;
            if is_sensitive_header(name) {
                f.write_str("<redacted>")?;
            } else {
                write!(f, "{:?}", String::from_utf8_lossy(value))?;
            }
        }
        f.write_str("}")
    }
}

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn filter_precedence() {
        let f = choose_filter(Some("debug".into()), Some("error".into()), "info").unwrap();
        assert_eq!(f.to_string(), "debug");
        let f = choose_filter(None, Some("error".into()), "info").unwrap();
        assert_eq!(f.to_string(), "error");
        let f = choose_filter(None, None, "warn").unwrap();
        assert_eq!(f.to_string(), "warn");
        // The message names where the bad filter came from.
        for (apigate, rust, default, origin) in [
            (Some("[[["), None, "info", "APIGATE_LOG"),
            (None, Some("[[["), "info", "RUST_LOG"),
            (None, None, "[[[", "logging.level"),
        ] {
            let e = choose_filter(apigate.map(Into::into), rust.map(Into::into), default)
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!("{origin}: invalid log filter")),
                "{e}"
            );
        }
    }

    #[test]
    fn formats_parse() {
        assert_eq!("JSON".parse::<LogFormat>().unwrap(), LogFormat::Json);
        assert_eq!("text".parse::<LogFormat>().unwrap(), LogFormat::Text);
        assert!("xml".parse::<LogFormat>().is_err());
    }

    #[test]
    fn credentials_are_redacted() {
        let mut h = HeaderList::new();
        h.push("Authorization", "Bearer s3cr3t").unwrap();
        h.push("X-Api-Key", "k3y").unwrap();
        h.push("Accept", "text/plain").unwrap();
        let s = RedactedHeaders(&h).to_string();
        assert!(!s.contains("s3cr3t") && !s.contains("k3y"), "{s}");
        assert!(s.contains("Accept: \"text/plain\""), "{s}");
        assert!(s.contains("Authorization: <redacted>"), "{s}");
    }
}
