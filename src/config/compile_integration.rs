//! `routes[i].integration`: type, function, payload format, timeout, and the keys of custom
//! (AWS / MOCK) integrations.
//!
//! This build serves `AWS_PROXY` only ([`Integration`] has no other variant): `AWS` and `MOCK`
//! are fully checked (so the issue that builds them only adds compile code) and then rejected
//! as not supported yet. They are REST-only, as on AWS.

use std::time::Duration;

use crate::config::compile::Lookup;
use crate::config::compile_api::{kind_name, status_code, templates, ApiSettings};
use crate::config::compile_authorizers::payload_format;
use crate::config::compile_routes::Refs;
use crate::config::error::ErrorSink;
use crate::config::model::{
    ApiKind, Function, FunctionId, FunctionTarget, Integration, PayloadFormat, ProxyIntegration,
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
        let what = if ty == "AWS" {
            "AWS (custom) integrations"
        } else {
            "MOCK integrations"
        };
        if kind == ApiKind::Rest {
            sink.at(
                &format!("{path}.type"),
                format!("integration type {ty} is not supported by this build yet"),
            );
        } else {
            sink.at(
                &format!("{path}.type"),
                format!(
                    "{what} are a REST API feature ({} APIs use AWS_PROXY)",
                    kind_name(kind)
                ),
            );
        }
        return None;
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

/// Keys of custom (AWS / MOCK) integrations: rejected on AWS_PROXY, checked otherwise.
fn custom_keys(ri: &RawIntegration, path: &str, ty: &str, sink: &mut ErrorSink<'_>) {
    if ty == "AWS_PROXY" {
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
        return;
    }
    if let Some(pb) = &ri.passthrough_behavior {
        if !["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"]
            .contains(&pb.to_ascii_uppercase().as_str())
        {
            sink.at(
                &format!("{path}.passthroughBehavior"),
                format!("unknown passthroughBehavior '{pb}' (allowed: WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER)"),
            );
        }
    }
    content_handling(
        ri.content_handling.as_deref(),
        &format!("{path}.contentHandling"),
        sink,
    );
    for (key, value) in ri.request_parameters.iter().flat_map(|p| &p.0) {
        let p = format!("{path}.requestParameters.{key}");
        let ok = [
            "integration.request.header.",
            "integration.request.querystring.",
            "integration.request.path.",
        ]
        .iter()
        .any(|pre| key.strip_prefix(pre).is_some_and(|n| !n.is_empty()));
        if !ok {
            sink.at(
                &p,
                format!("'{key}' must be integration.request.(header|querystring|path).NAME"),
            );
        } else if value.trim().is_empty() {
            sink.at(&p, "the source expression is empty");
        }
    }
    let _ = templates(
        ri.request_templates.clone().unwrap_or_default(),
        &format!("{path}.requestTemplates"),
        sink,
    );
    for (pattern, resp) in ri.responses.iter().flat_map(|r| &r.0) {
        let p = format!("{path}.responses.{pattern}");
        if pattern != "default" {
            if let Err(e) = fancy_regex::Regex::new(pattern) {
                sink.at(&p, format!("invalid selection pattern: {e}"));
            }
        }
        match &resp.status_code {
            Some(s) => {
                let _ = status_code(&s.0, &format!("{p}.statusCode"), sink);
            }
            None => sink.at(&p, "missing required key 'statusCode'"),
        }
        for (key, _) in resp.response_parameters.iter().flat_map(|r| &r.0) {
            if key
                .strip_prefix("method.response.header.")
                .is_none_or(str::is_empty)
            {
                sink.at(
                    &format!("{p}.responseParameters.{key}"),
                    format!("'{key}' must be method.response.header.NAME"),
                );
            }
        }
        let _ = templates(
            resp.response_templates.clone().unwrap_or_default(),
            &format!("{p}.responseTemplates"),
            sink,
        );
        content_handling(
            resp.content_handling.as_deref(),
            &format!("{p}.contentHandling"),
            sink,
        );
    }
}

fn content_handling(v: Option<&str>, path: &str, sink: &mut ErrorSink<'_>) {
    if let Some(v) = v {
        if !["CONVERT_TO_TEXT", "CONVERT_TO_BINARY"].contains(&v.to_ascii_uppercase().as_str()) {
            sink.at(
                path,
                format!(
                    "unknown contentHandling '{v}' (allowed: CONVERT_TO_TEXT, CONVERT_TO_BINARY)"
                ),
            );
        }
    }
}
