//! `authorizers`: Lambda authorizers, REST (TOKEN / REQUEST) and HTTP API (REQUEST).
//!
//! Defaults (spec proxy-auth §8.1, §9.1): `authorizerResultTtlInSeconds` 300 (0..=3600, 0 = no
//! cache); TOKEN `identitySource` `method.request.header.Authorization`; HTTP APIs: `type`
//! REQUEST (TOKEN is REST-only), `authorizerPayloadFormatVersion` "2.0",
//! `enableSimpleResponses` false (true needs 2.0). A caching authorizer needs an identity
//! source. Timeout: HTTP APIs 10 s (API Gateway's fixed authorizer timeout); REST the function's
//! `timeoutInMillis`, else 29 s, capped at the API's integration limit.

use std::time::Duration;

use crate::config::compile::{Lookup, Names};
use crate::config::compile_api::ApiSettings;
use crate::config::error::ErrorSink;
use crate::config::model::{
    ApiKind, Authorizer, AuthorizerKind, Function, IdentitySource, PayloadFormat,
};
use crate::config::raw::{RawAuthorizer, Scalar};

/// Default and largest `authorizerResultTtlInSeconds`.
const DEFAULT_TTL_SECS: u64 = 300;
const MAX_TTL_SECS: u64 = 3600;
/// HTTP API Lambda authorizer timeout.
const HTTP_AUTHORIZER_TIMEOUT: Duration = Duration::from_secs(10);
/// REST authorizer timeout when the function has none.
const REST_AUTHORIZER_TIMEOUT_MS: u64 = 29_000;

/// Compiles every authorizer that has no error.
pub fn compile_authorizers(
    raw: &[(String, RawAuthorizer)],
    api: &ApiSettings,
    functions: &[Function],
    function_names: &Names<'_>,
    sink: &mut ErrorSink<'_>,
) -> Vec<Authorizer> {
    if api.kind == ApiKind::FunctionUrl && !raw.is_empty() {
        sink.at(
            "authorizers",
            "Function URLs have no Lambda authorizers (their AuthType is NONE)",
        );
        return Vec::new();
    }
    raw.iter()
        .filter_map(|(name, a)| {
            let path = format!("authorizers.{name}");
            let before = sink.len();
            let compiled = compile_one(name, a, &path, api, functions, function_names, sink);
            compiled.filter(|_| sink.len() == before)
        })
        .collect()
}

fn compile_one(
    name: &str,
    a: &RawAuthorizer,
    path: &str,
    api: &ApiSettings,
    functions: &[Function],
    function_names: &Names<'_>,
    sink: &mut ErrorSink<'_>,
) -> Option<Authorizer> {
    let http = api.kind == ApiKind::Http;
    let kind = match a.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("TOKEN") if http => {
            sink.at(
                &format!("{path}.type"),
                "HTTP APIs support only REQUEST Lambda authorizers",
            );
            None
        }
        Some("TOKEN") => Some(AuthorizerKind::Token),
        Some("REQUEST") => Some(AuthorizerKind::Request),
        None if http => Some(AuthorizerKind::Request),
        None => {
            sink.at(path, "missing required key 'type' (TOKEN or REQUEST)");
            None
        }
        Some(_) => {
            let written = a.kind.as_deref().unwrap_or_default();
            sink.at(
                &format!("{path}.type"),
                format!("unknown authorizer type '{written}' (allowed: TOKEN, REQUEST)"),
            );
            None
        }
    };
    let function = match a.function.as_deref() {
        None => {
            sink.at(path, "missing required key 'function' (a key of functions)");
            None
        }
        Some(f) => match function_names.lookup(f) {
            Lookup::Found(i) => Some(i),
            Lookup::Broken => None,
            Lookup::Unknown => {
                sink.at(
                    &format!("{path}.function"),
                    format!("unknown function '{f}' ({})", function_names.known()),
                );
                None
            }
        },
    };
    let ttl = a
        .authorizer_result_ttl_in_seconds
        .unwrap_or(DEFAULT_TTL_SECS);
    if ttl > MAX_TTL_SECS {
        sink.at(
            &format!("{path}.authorizerResultTtlInSeconds"),
            format!("{ttl} is out of range (0..={MAX_TTL_SECS}; 0 disables caching)"),
        );
    }
    let sources_path = format!("{path}.identitySource");
    let written: Vec<String> = match (&a.identity_source, kind) {
        (Some(s), _) => s.0.clone(),
        (None, Some(AuthorizerKind::Token)) => {
            vec!["method.request.header.Authorization".to_string()]
        }
        (None, _) => Vec::new(),
    };
    let mut identity_sources = Vec::with_capacity(written.len());
    for s in &written {
        match identity_source(s, api.kind) {
            Ok(src) => identity_sources.push(src),
            Err(why) => sink.at(&sources_path, why),
        }
    }
    let one_header =
        written.len() == 1 && matches!(identity_sources.first(), Some(IdentitySource::Header(_)));
    match kind {
        Some(AuthorizerKind::Token) if !one_header => sink.at(
            &sources_path,
            "a TOKEN authorizer takes exactly one method.request.header.NAME",
        ),
        Some(AuthorizerKind::Request) if written.is_empty() && ttl > 0 => sink.at(
            path,
            "identitySource is required when caching is enabled (authorizerResultTtlInSeconds > 0)",
        ),
        _ => {}
    }
    let validation = match (&a.identity_validation_expression, kind) {
        (None, _) => None,
        (Some(_), Some(AuthorizerKind::Request)) => {
            sink.at(
                &format!("{path}.identityValidationExpression"),
                "identityValidationExpression is for TOKEN authorizers only",
            );
            None
        }
        // API Gateway applies the expression to the whole value: anchor it. Errors are about
        // the expression as written, on one line.
        (Some(expr), _) => match regex::Regex::new(expr)
            .and_then(|_| regex::Regex::new(&format!("^(?:{expr})$")))
        {
            Ok(r) => Some(r),
            Err(e) => {
                sink.at(
                    &format!("{path}.identityValidationExpression"),
                    format!("invalid regular expression {expr:?}: {}", one_line(&e)),
                );
                None
            }
        },
    };
    let (payload_format, simple_responses) = http_options(a, path, http, sink);
    let cache_max_entries = match a.authorizer_cache_max_entries {
        None => Some(crate::config::model::DEFAULT_AUTHORIZER_CACHE_MAX_ENTRIES),
        Some(0) => {
            sink.at(
                &format!("{path}.authorizerCacheMaxEntries"),
                "must be at least 1 (use authorizerResultTtlInSeconds: 0 to disable caching)"
                    .to_string(),
            );
            None
        }
        Some(n) => Some(n),
    };
    let timeout = if http {
        HTTP_AUTHORIZER_TIMEOUT
    } else {
        let own = function.and_then(|i| functions[i].timeout);
        let ms = own.map_or(REST_AUTHORIZER_TIMEOUT_MS, |d| d.as_millis() as u64);
        Duration::from_millis(ms.min(api.timeout_max_ms))
    };
    Some(Authorizer {
        name: name.to_string(),
        kind: kind?,
        function: crate::config::model::FunctionId(function?),
        identity_sources,
        validation,
        ttl: Duration::from_secs(ttl.min(MAX_TTL_SECS)),
        payload_format,
        simple_responses,
        timeout,
        cache_max_entries: cache_max_entries?,
    })
}

/// (`authorizerPayloadFormatVersion`, `enableSimpleResponses`); REST keeps 1.0 / false.
fn http_options(
    a: &RawAuthorizer,
    path: &str,
    http: bool,
    sink: &mut ErrorSink<'_>,
) -> (PayloadFormat, bool) {
    if !http {
        for (set, key) in [
            (
                a.authorizer_payload_format_version.is_some(),
                "authorizerPayloadFormatVersion",
            ),
            (a.enable_simple_responses.is_some(), "enableSimpleResponses"),
        ] {
            if set {
                sink.at(
                    &format!("{path}.{key}"),
                    format!("{key} is for HTTP API authorizers only"),
                );
            }
        }
        return (PayloadFormat::V1, false);
    }
    let format = match &a.authorizer_payload_format_version {
        None => PayloadFormat::V2,
        Some(v) => payload_format(v).unwrap_or_else(|| {
            sink.at(
                &format!("{path}.authorizerPayloadFormatVersion"),
                format!(
                    "'{}' is not a payload format version (\"1.0\" or \"2.0\")",
                    v.0
                ),
            );
            PayloadFormat::V2
        }),
    };
    let simple = a.enable_simple_responses.unwrap_or(false);
    if simple && format == PayloadFormat::V1 {
        sink.at(
            &format!("{path}.enableSimpleResponses"),
            "simple responses need authorizerPayloadFormatVersion \"2.0\"",
        );
    }
    (format, simple)
}

/// `"1.0"` / `"2.0"` (an unquoted YAML `1.0` arrives as the same text).
pub fn payload_format(v: &Scalar) -> Option<PayloadFormat> {
    match v.0.as_str() {
        "1.0" => Some(PayloadFormat::V1),
        "2.0" => Some(PayloadFormat::V2),
        _ => None,
    }
}

/// An identity source prefix and the variant it builds.
type SourceForm = (&'static str, fn(String) -> IdentitySource);

/// One identity source expression in the syntax of the API kind.
pub fn identity_source(s: &str, kind: ApiKind) -> Result<IdentitySource, String> {
    let forms: [SourceForm; 4] = if kind == ApiKind::Http {
        [
            ("$request.header.", IdentitySource::Header),
            ("$request.querystring.", IdentitySource::Query),
            ("$stageVariables.", IdentitySource::StageVariable),
            ("$context.", IdentitySource::Context),
        ]
    } else {
        [
            ("method.request.header.", IdentitySource::Header),
            ("method.request.querystring.", IdentitySource::Query),
            ("stageVariables.", IdentitySource::StageVariable),
            ("context.", IdentitySource::Context),
        ]
    };
    for (prefix, make) in forms {
        if let Some(name) = s.strip_prefix(prefix) {
            let valid = match prefix.ends_with("header.") {
                true => http::HeaderName::from_bytes(name.as_bytes()).is_ok(),
                false => !name.is_empty() && !name.contains(char::is_whitespace),
            };
            return if valid {
                Ok(make(name.to_string()))
            } else {
                Err(format!("'{s}' has no valid name after '{prefix}'"))
            };
        }
    }
    if s.contains(".path.") {
        return Err(format!("'{s}': path parameters cannot be identity sources"));
    }
    let allowed = forms
        .iter()
        .map(|(p, _)| format!("{p}NAME"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(format!(
        "'{s}' is not an identity source (allowed: {allowed})"
    ))
}

/// The gist of a `regex` error on one line: its `error:` line (the crate's message also repeats
/// the pattern with a caret under the fault, over several lines).
fn one_line(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn identity_sources_follow_the_api_kind() {
        assert_eq!(
            identity_source("method.request.header.Authorization", ApiKind::Rest).unwrap(),
            IdentitySource::Header("Authorization".into())
        );
        assert_eq!(
            identity_source("$request.querystring.token", ApiKind::Http).unwrap(),
            IdentitySource::Query("token".into())
        );
        assert_eq!(
            identity_source("stageVariables.v", ApiKind::Rest).unwrap(),
            IdentitySource::StageVariable("v".into())
        );
        assert_eq!(
            identity_source("$context.routeKey", ApiKind::Http).unwrap(),
            IdentitySource::Context("routeKey".into())
        );
        assert!(identity_source("$request.header.Authorization", ApiKind::Rest).is_err());
        assert!(identity_source("method.request.header.Authorization", ApiKind::Http).is_err());
        assert!(identity_source("method.request.header.", ApiKind::Rest).is_err());
        assert!(identity_source("method.request.header.Bad Name", ApiKind::Rest).is_err());
        let e = identity_source("method.request.path.id", ApiKind::Rest).unwrap_err();
        assert!(e.contains("path parameters"), "{e}");
    }

    #[test]
    fn payload_formats() {
        assert_eq!(
            payload_format(&Scalar("1.0".into())),
            Some(PayloadFormat::V1)
        );
        assert_eq!(
            payload_format(&Scalar("2.0".into())),
            Some(PayloadFormat::V2)
        );
        assert_eq!(payload_format(&Scalar("2".into())), None);
    }
}
