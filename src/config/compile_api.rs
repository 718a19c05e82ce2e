//! The `api` section: kind, identity, stage, stage variables, media types, gateway responses,
//! stage throttling, request validators and models.
//!
//! Defaults: `type` REST, `id` `local`, `accountId` `123456789012`, `region` `us-east-1`,
//! `stage` `prod` (REST) or `$default` (HTTP, FUNCTION_URL), `stagePrefix` false.

use crate::config::compile::known_list;
use crate::config::error::ErrorSink;
use crate::config::media::MediaTypes;
use crate::config::model::{ApiKind, Throttle};
use crate::config::raw::{Entries, RawApi, RawGatewayResponse};
use crate::gateway::responses::{GatewayResponseSpec, GatewayResponses, ResponseType};

/// REST integration timeout limit without a raised quota.
pub const REST_MAX_TIMEOUT_MS: u64 = 29_000;
/// REST integration timeout limit with the largest quota increase AWS grants.
pub const REST_RAISED_MAX_TIMEOUT_MS: u64 = 300_000;
/// HTTP API integration timeout limit (and default).
pub const HTTP_MAX_TIMEOUT_MS: u64 = 30_000;
/// Function URL default timeout: the Runtime Interface Emulator's default function timeout.
pub const FUNCTION_URL_DEFAULT_TIMEOUT_MS: u64 = 300_000;
/// Stage variables per stage (API Gateway quota).
const MAX_STAGE_VARIABLES: usize = 100;
/// API Gateway's account-level steady-state rate, requests per second.
const ACCOUNT_RATE_LIMIT: f64 = 10_000.0;
/// API Gateway's account-level burst (token bucket capacity).
const ACCOUNT_BURST_LIMIT: u64 = 5_000;

/// The compiled `api` settings the other sections depend on.
#[derive(Debug)]
pub struct ApiSettings {
    /// `api.type`.
    pub kind: ApiKind,
    /// `api.id`.
    pub id: String,
    /// `api.accountId`.
    pub account_id: String,
    /// `api.region`.
    pub region: String,
    /// `api.stage`.
    pub stage: String,
    /// `api.stagePrefix`.
    pub stage_prefix: bool,
    /// `api.stageVariables`.
    pub stage_variables: Vec<(String, String)>,
    /// `api.binaryMediaTypes`.
    pub binary_media_types: MediaTypes,
    /// `api.domainName`.
    pub domain_name: Option<String>,
    /// `api.gatewayResponses`.
    pub gateway_responses: GatewayResponses,
    /// `api.accessLogSettings.format`, compiled.
    pub access_log: Option<crate::access_log::AccessLogFormat>,
    /// Names of `api.requestValidators`.
    pub request_validators: Vec<String>,
    /// Names of `api.models`.
    pub models: Vec<String>,
    /// `api.requestValidators`, compiled.
    pub validator_flags: Vec<(String, crate::config::model::RequestValidator)>,
    /// `api.models` compiled as JSON Schema validators.
    pub compiled_models: Vec<(String, std::sync::Arc<crate::config::model::RequestModel>)>,
    /// Integration timeout bounds and default, in milliseconds, for this kind.
    pub timeout_max_ms: u64,
    /// See `timeout_max_ms`.
    pub timeout_default_ms: u64,
    /// `api.throttle`, compiled.
    pub throttle: Option<Throttle>,
}

impl ApiSettings {
    /// Display name of the kind as written in the file.
    pub fn kind_name(&self) -> &'static str {
        kind_name(self.kind)
    }
}

/// `REST`, `HTTP`, `FUNCTION_URL`.
pub fn kind_name(kind: ApiKind) -> &'static str {
    match kind {
        ApiKind::Rest => "REST",
        ApiKind::Http => "HTTP",
        ApiKind::FunctionUrl => "FUNCTION_URL",
    }
}

/// Compiles `api`; on errors, records them and keeps a usable default for each bad key so the
/// later sections are still checked.
pub fn compile_api_settings(raw: RawApi, sink: &mut ErrorSink<'_>) -> ApiSettings {
    let kind = match raw.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("REST") => ApiKind::Rest,
        Some("HTTP") => ApiKind::Http,
        Some("FUNCTION_URL") => ApiKind::FunctionUrl,
        Some(_) => {
            let written = raw.kind.as_deref().unwrap_or_default();
            sink.at(
                "api.type",
                format!("unknown API type '{written}' (allowed: REST, HTTP, FUNCTION_URL)"),
            );
            ApiKind::Rest
        }
    };
    let id = checked(raw.id.map(|s| s.0), "local", "api.id", sink, |v| {
        (!v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .then_some(())
            .ok_or("must be letters, digits and '-' (it is part of a domain name and ARNs)")
    });
    let account_id = checked(
        raw.account_id.map(|s| s.0),
        "123456789012",
        "api.accountId",
        sink,
        |v| {
            (v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()))
                .then_some(())
                .ok_or("must be 12 digits (quote it to keep leading zeros)")
        },
    );
    let region = checked(raw.region, "us-east-1", "api.region", sink, |v| {
        (!v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
        .then_some(())
        .ok_or("must be a region name such as us-east-1")
    });
    let default_stage = if kind == ApiKind::Rest {
        "prod"
    } else {
        "$default"
    };
    let stage = checked(
        raw.stage.map(|s| s.0),
        default_stage,
        "api.stage",
        sink,
        |v| {
            if v == "$default" {
                return match kind {
                    ApiKind::Rest => {
                        Err("REST APIs cannot use the $default stage (HTTP APIs only)")
                    }
                    _ => Ok(()),
                };
            }
            (!v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            .then_some(())
            .ok_or("must be 1..=128 letters, digits, '_' or '-' (or $default for HTTP APIs)")
        },
    );
    let stage_prefix = raw.stage_prefix.unwrap_or(false);
    if stage_prefix && (kind == ApiKind::FunctionUrl || stage == "$default") {
        sink.at(
            "api.stagePrefix",
            "stagePrefix needs a named stage (not $default, not a Function URL)",
        );
    }
    let domain_name = raw.domain_name.filter(|d| {
        let ok = !d.is_empty() && !d.contains(['/', ' ', '@', '?', '#']);
        if !ok {
            sink.at(
                "api.domainName",
                format!("'{d}' is not a host name (no scheme, path or spaces)"),
            );
        }
        ok
    });
    let (timeout_max_ms, timeout_default_ms) =
        timeouts(kind, raw.max_integration_timeout_in_millis, sink);
    let stage_variables = stage_variables(raw.stage_variables.unwrap_or_default(), sink);
    let binary_media_types = media_types(raw.binary_media_types.unwrap_or_default(), sink);
    let gateway_responses =
        gateway_responses(kind, raw.gateway_responses.unwrap_or_default(), sink);
    let access_log = raw
        .access_log_settings
        .and_then(|a| a.format)
        .and_then(|f| {
            // A preset name (CLF, JSON, XML, CSV) or a `$context` format string.
            let text = crate::access_log::preset(&f, kind).unwrap_or(&f);
            crate::access_log::AccessLogFormat::compile(text, kind)
                .map_err(|e| sink.at("api.accessLogSettings.format", e.to_string()))
                .ok()
        });
    let throttle = raw.throttle.as_ref().and_then(|t| throttle(kind, t, sink));
    if kind != ApiKind::Rest {
        for key in ["requestValidators", "models"] {
            let present = match key {
                "requestValidators" => raw
                    .request_validators
                    .as_ref()
                    .is_some_and(|v| !v.0.is_empty()),
                _ => raw.models.as_ref().is_some_and(|v| !v.0.is_empty()),
            };
            if present {
                sink.at(
                    &format!("api.{key}"),
                    format!("{key} are a REST API feature"),
                );
            }
        }
    }
    let raw_validators = raw.request_validators.unwrap_or_default();
    let validator_flags = crate::config::compile_custom::compile_validators(&raw_validators);
    let request_validators = validator_flags.iter().map(|(n, _)| n.clone()).collect();
    let raw_models = raw.models.unwrap_or_default().0;
    let models = raw_models.iter().map(|(n, _)| n.clone()).collect();
    let (compiled_models, model_errors) =
        crate::config::compile_custom::compile_models(&id, &raw_models);
    for (key, message) in model_errors {
        sink.at(&key, message);
    }
    ApiSettings {
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
        request_validators,
        models,
        validator_flags,
        compiled_models,
        timeout_max_ms,
        timeout_default_ms,
        throttle,
    }
}

/// `api.throttle`: the stage's default method throttling (spec proxy-auth §12.2). A key left out
/// takes the account-level default (10000 requests/s, burst 5000), as an unset stage setting
/// falls back to the account's limits on AWS. Function URLs have no stage to throttle.
fn throttle(
    kind: ApiKind,
    t: &crate::config::raw::RawThrottle,
    sink: &mut ErrorSink<'_>,
) -> Option<Throttle> {
    if kind == ApiKind::FunctionUrl {
        sink.at(
            "api.throttle",
            "Function URLs have no stage throttling (limit the function's concurrency instead)",
        );
        return None;
    }
    let rate_limit = t.rate_limit.unwrap_or(ACCOUNT_RATE_LIMIT);
    if !rate_limit.is_finite() || rate_limit < 0.0 {
        sink.at(
            "api.throttle.rateLimit",
            "must be a number >= 0 (requests per second)",
        );
        return None;
    }
    Some(Throttle {
        rate_limit,
        burst_limit: t.burst_limit.unwrap_or(ACCOUNT_BURST_LIMIT),
    })
}

/// `value` (or `default`) after `check`; a failed check records an error and yields `default`.
fn checked(
    value: Option<String>,
    default: &str,
    path: &str,
    sink: &mut ErrorSink<'_>,
    check: impl Fn(&str) -> Result<(), &'static str>,
) -> String {
    let Some(v) = value else {
        return default.to_string();
    };
    match check(&v) {
        Ok(()) => v,
        Err(why) => {
            sink.at(path, format!("'{v}': {why}"));
            default.to_string()
        }
    }
}

/// (max, default) integration timeout for the kind.
fn timeouts(kind: ApiKind, raised: Option<u64>, sink: &mut ErrorSink<'_>) -> (u64, u64) {
    let key = "api.maxIntegrationTimeoutInMillis";
    match (kind, raised) {
        (ApiKind::Rest, None) => (REST_MAX_TIMEOUT_MS, REST_MAX_TIMEOUT_MS),
        (ApiKind::Rest, Some(ms))
            if (REST_MAX_TIMEOUT_MS..=REST_RAISED_MAX_TIMEOUT_MS).contains(&ms) =>
        {
            (ms, REST_MAX_TIMEOUT_MS)
        }
        (ApiKind::Rest, Some(ms)) => {
            sink.at(key, format!("{ms} is out of range ({REST_MAX_TIMEOUT_MS}..={REST_RAISED_MAX_TIMEOUT_MS} ms)"));
            (REST_MAX_TIMEOUT_MS, REST_MAX_TIMEOUT_MS)
        }
        (ApiKind::Http, raised) => {
            if raised.is_some() {
                sink.at(key, "only REST APIs can raise the integration timeout (HTTP APIs: at most 30000 ms)");
            }
            (HTTP_MAX_TIMEOUT_MS, HTTP_MAX_TIMEOUT_MS)
        }
        (ApiKind::FunctionUrl, raised) => {
            if raised.is_some() {
                sink.at(key, "only REST APIs can raise the integration timeout");
            }
            (
                crate::config::compile::LAMBDA_MAX_TIMEOUT_MS,
                FUNCTION_URL_DEFAULT_TIMEOUT_MS,
            )
        }
    }
}

fn stage_variables(
    raw: Entries<crate::config::raw::Scalar>,
    sink: &mut ErrorSink<'_>,
) -> Vec<(String, String)> {
    if raw.0.len() > MAX_STAGE_VARIABLES {
        sink.at(
            "api.stageVariables",
            format!("at most {MAX_STAGE_VARIABLES} stage variables are allowed"),
        );
    }
    let mut out = Vec::with_capacity(raw.0.len());
    for (name, value) in raw.0 {
        let path = format!("api.stageVariables.{name}");
        if name.is_empty()
            || name.len() > 64
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            sink.at(
                &path,
                format!("stage variable name '{name}' must be 1..=64 characters of [A-Za-z0-9_]"),
            );
        } else if value.0.chars().count() > 512 {
            sink.at(&path, "stage variable values are at most 512 characters");
        } else {
            out.push((name, value.0));
        }
    }
    out
}

fn media_types(entries: Vec<String>, sink: &mut ErrorSink<'_>) -> MediaTypes {
    let mut ok = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        match MediaTypes::compile(&[e.as_str()]) {
            Ok(_) => ok.push(e),
            Err(why) => sink.at(&format!("api.binaryMediaTypes[{i}]"), why),
        }
    }
    MediaTypes::compile(&ok).unwrap_or_default()
}

/// Whether `s` is `type/subtype` (a template or model key).
pub fn is_media_type(s: &str) -> bool {
    MediaTypes::compile(&[s]).is_ok() && !s.contains([',', ';', ' '])
}

fn gateway_responses(
    kind: ApiKind,
    raw: Entries<RawGatewayResponse>,
    sink: &mut ErrorSink<'_>,
) -> GatewayResponses {
    let mut out = GatewayResponses::default();
    if kind != ApiKind::Rest && !raw.0.is_empty() {
        sink.at(
            "api.gatewayResponses",
            format!(
                "gatewayResponses are a REST API feature ({} APIs have fixed error bodies)",
                kind_name(kind)
            ),
        );
        return out;
    }
    for (name, r) in raw.0 {
        let path = format!("api.gatewayResponses.{name}");
        let before = sink.len();
        let Some(ty) = ResponseType::from_name(&name) else {
            sink.at(
                &path,
                format!(
                    "unknown gateway response type '{name}' ({})",
                    known_list(ResponseType::ALL.iter().map(|t| t.name()))
                ),
            );
            continue;
        };
        let status = r
            .status_code
            .and_then(|s| status_code(&s.0, &format!("{path}.statusCode"), sink));
        let mut headers = Vec::new();
        for (key, value) in r.response_parameters.unwrap_or_default().0 {
            let p = format!("{path}.responseParameters.{key}");
            match key.strip_prefix("gatewayresponse.header.") {
                Some(h) if http::HeaderName::from_bytes(h.as_bytes()).is_ok() => {
                    if is_gateway_response_source(&value) {
                        headers.push((h.to_string(), value));
                    } else {
                        sink.at(
                            &p,
                            format!("'{value}' is not a source ('literal', method.request.header.X, method.request.querystring.X, method.request.path.X, stageVariables.X, context.X)"),
                        );
                    }
                }
                _ => sink.at(
                    &p,
                    format!("'{key}' must be gatewayresponse.header.NAME with a valid header name"),
                ),
            }
        }
        let templates = compile_templates(
            templates(
                r.response_templates.unwrap_or_default(),
                &format!("{path}.responseTemplates"),
                sink,
            ),
            &format!("{path}.responseTemplates"),
            sink,
        );
        if sink.len() == before {
            out.custom.push((
                ty,
                GatewayResponseSpec {
                    status,
                    headers,
                    templates,
                },
            ));
        }
    }
    out
}

/// A `statusCode`: three digits, 100..=599.
pub fn status_code(text: &str, path: &str, sink: &mut ErrorSink<'_>) -> Option<u16> {
    match text.parse::<u16>() {
        Ok(n) if text.len() == 3 && (100..=599).contains(&n) => Some(n),
        _ => {
            sink.at(
                path,
                format!("'{text}' is not an HTTP status code (100..=599)"),
            );
            None
        }
    }
}

/// Content type -> template text, keys checked.
pub fn templates(
    raw: Entries<String>,
    path: &str,
    sink: &mut ErrorSink<'_>,
) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(raw.0.len());
    for (ct, text) in raw.0 {
        if is_media_type(&ct) {
            out.push((ct, text));
        } else {
            sink.at(
                &format!("{path}.{ct}"),
                format!("'{ct}' is not a content type (type/subtype)"),
            );
        }
    }
    out
}

/// Compiles `(content type, VTL source)` pairs; a template error names the key and line:col.
pub fn compile_templates(
    sources: Vec<(String, String)>,
    path: &str,
    sink: &mut ErrorSink<'_>,
) -> Vec<(String, crate::vtl::Template)> {
    let mut out = Vec::with_capacity(sources.len());
    for (ct, text) in sources {
        match crate::vtl::Template::compile(&ct, &text) {
            Ok(t) => out.push((ct, t)),
            Err(e) => sink.at(
                &format!("{path}.{ct}"),
                format!("mapping template error: {e}"),
            ),
        }
    }
    out
}

fn is_gateway_response_source(v: &str) -> bool {
    if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        return true;
    }
    [
        "method.request.header.",
        "method.request.querystring.",
        "method.request.path.",
        "stageVariables.",
        "context.",
    ]
    .iter()
    .any(|p| v.strip_prefix(p).is_some_and(|n| !n.is_empty()))
}
