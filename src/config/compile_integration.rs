//! `routes[i].integration`: type, function, payload format, timeout, and the keys of custom
//! (AWS / MOCK) integrations.
//!
//! `AWS` and `MOCK` integrations are REST-only, as on AWS; their keys are compiled by
//! [`compile_custom_integration`].

use std::time::Duration;

use crate::config::compile::Lookup;
use crate::config::compile_api::{kind_name, ApiSettings};
use crate::config::compile_authorizers::payload_format;
use crate::config::compile_custom::compile_custom_integration;
use crate::config::compile_routes::Refs;
use crate::config::error::ErrorSink;
use crate::config::model::{
    ApiKind, CustomBackend, Function, FunctionId, FunctionTarget, Integration, PayloadFormat,
    ProxyIntegration,
};
use crate::config::raw::RawIntegration;

pub(crate) fn compile_integration(
    ri: &RawIntegration,
    path: &str,
    refs: &Refs<'_>,
    sink: &mut ErrorSink<'_>,
) -> Option<Integration> {
    let kind = refs.api.kind;
    let written = ri.kind.as_deref().unwrap_or("AWS_PROXY");
    let ty = written.to_ascii_uppercase();
    if !matches!(ty.as_str(), "AWS_PROXY" | "AWS" | "MOCK") {
        sink.at(
            &format!("{path}.type"),
            format!("unknown integration type '{written}' (allowed: AWS_PROXY, AWS, MOCK)"),
        );
        return None;
    }
    custom_keys(ri, path, &ty, sink);
    let function = match (ri.function.as_deref(), ty.as_str()) {
        (Some(_), "MOCK") => {
            sink.at(
                &format!("{path}.function"),
                "MOCK integrations call no function",
            );
            None
        }
        (None, "MOCK") => None,
        (None, _) => {
            sink.at(path, "missing required key 'function' (a key of functions)");
            None
        }
        (Some(f), _) => match refs.function_names.lookup(f) {
            Lookup::Found(i) => Some(i),
            Lookup::Broken => None,
            Lookup::Unknown => {
                sink.at(
                    &format!("{path}.function"),
                    format!("unknown function '{f}' ({})", refs.function_names.known()),
                );
                None
            }
        },
    };
    if let (Some(i), ApiKind::FunctionUrl) = (function, kind) {
        if matches!(refs.functions[i].target, FunctionTarget::FunctionUrl(_)) {
            sink.at(
                &format!("{path}.function"),
                format!("a FUNCTION_URL API presents a function reached by invokeUrl; '{}' has a functionUrl", refs.functions[i].name),
            );
        }
    }
    let payload = payload(ri, path, kind, sink);
    let timeout = timeout(
        ri,
        path,
        function.map(|i| &refs.functions[i]),
        refs.api,
        sink,
    );
    if ty != "AWS_PROXY" {
        if kind != ApiKind::Rest {
            let what = if ty == "AWS" {
                "AWS (custom) integrations"
            } else {
                "MOCK integrations"
            };
            sink.at(
                &format!("{path}.type"),
                format!(
                    "{what} are a REST API feature ({} APIs use AWS_PROXY)",
                    kind_name(kind)
                ),
            );
            return None;
        }
        let backend = if ty == "MOCK" {
            CustomBackend::Mock
        } else {
            CustomBackend::Lambda(FunctionId(function?))
        };
        return match compile_custom_integration(ri, path, backend, timeout?) {
            Ok(c) => Some(Integration::Custom(c)),
            Err(errors) => {
                for (key, message) in errors {
                    sink.at(&key, message);
                }
                None
            }
        };
    }
    Some(Integration::Proxy(ProxyIntegration {
        function: FunctionId(function?),
        payload_format: payload?,
        timeout: timeout?,
    }))
}

fn payload(
    ri: &RawIntegration,
    path: &str,
    kind: ApiKind,
    sink: &mut ErrorSink<'_>,
) -> Option<PayloadFormat> {
    let p = format!("{path}.payloadFormatVersion");
    let Some(v) = &ri.payload_format_version else {
        return Some(if kind == ApiKind::Rest {
            PayloadFormat::V1
        } else {
            PayloadFormat::V2
        });
    };
    match (payload_format(v), kind) {
        (None, _) => sink.at(
            &p,
            format!(
                "'{}' is not a payload format version (\"1.0\" or \"2.0\")",
                v.0
            ),
        ),
        (Some(PayloadFormat::V2), ApiKind::Rest) => {
            sink.at(&p, "REST APIs always use payload format \"1.0\"")
        }
        (Some(PayloadFormat::V1), ApiKind::FunctionUrl) => {
            sink.at(&p, "Function URLs always use payload format \"2.0\"")
        }
        (Some(f), _) => return Some(f),
    }
    None
}

/// Integration's own timeout, else its function's, else the kind's default; within limits.
fn timeout(
    ri: &RawIntegration,
    path: &str,
    function: Option<&Function>,
    api: &ApiSettings,
    sink: &mut ErrorSink<'_>,
) -> Option<Duration> {
    let min = crate::config::compile::MIN_TIMEOUT_MS;
    let max = api.timeout_max_ms;
    let hint = match api.kind {
        ApiKind::Rest if max == crate::config::compile_api::REST_MAX_TIMEOUT_MS => {
            " (raise it up to 300000 with api.maxIntegrationTimeoutInMillis)"
        }
        _ => "",
    };
    if let Some(ms) = ri.timeout_in_millis {
        if !(min..=max).contains(&ms) {
            sink.at(
                &format!("{path}.timeoutInMillis"),
                format!(
                    "{ms} is out of range for a {} API ({min}..={max} ms){hint}",
                    api.kind_name()
                ),
            );
            return None;
        }
        return Some(Duration::from_millis(ms));
    }
    match function.and_then(|f| f.timeout.map(|t| (f, t))) {
        Some((f, t)) if t.as_millis() > u128::from(max) => {
            sink.at(
                path,
                format!(
                    "the timeout {} ms from functions.{}.timeoutInMillis exceeds the {} API limit ({max} ms){hint}; set integration.timeoutInMillis",
                    t.as_millis(),
                    f.name,
                    api.kind_name()
                ),
            );
            None
        }
        Some((_, t)) => Some(t),
        None => Some(Duration::from_millis(api.timeout_default_ms)),
    }
}

/// Keys of custom (AWS / MOCK) integrations are rejected on AWS_PROXY; on AWS / MOCK they are
/// checked by [`compile_custom_integration`].
fn custom_keys(ri: &RawIntegration, path: &str, ty: &str, sink: &mut ErrorSink<'_>) {
    if ty != "AWS_PROXY" {
        return;
    }
    for (set, key) in [
        (ri.request_parameters.is_some(), "requestParameters"),
        (ri.request_templates.is_some(), "requestTemplates"),
        (ri.passthrough_behavior.is_some(), "passthroughBehavior"),
        (ri.content_handling.is_some(), "contentHandling"),
        (ri.responses.is_some(), "responses"),
    ] {
        if set {
            sink.at(
                &format!("{path}.{key}"),
                format!("{key} applies only to AWS and MOCK integrations"),
            );
        }
    }
}
