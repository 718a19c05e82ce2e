//! Access logs as API Gateway writes them: an `accessLogSettings.format` string of `$context`
//! variables, compiled once, rendered to one line per request.
//!
//! [`AccessLogFormat::compile`] turns the format (or a console preset name: `CLF`, `JSON`, `XML`,
//! `CSV`, in the REST or HTTP API flavour) into literal segments and typed variables, refusing
//! unknown variables and formats without `$context.requestId`/`$context.extendedRequestId`, as
//! API Gateway does. [`AccessLogFormat::render`] fills them from an [`AccessLogRecord`]; a value
//! that does not apply renders `-`, as on AWS. Values are inserted as they are (AWS does not
//! escape them either; `$context.error.messageString` is the quoted form), except that control
//! characters become `\n`-style escapes so a line stays one line.
//!
//! [`AccessLogger`] hands rendered lines to a writer task over a bounded channel; when the
//! writer falls behind, lines are dropped and counted, never waited for.

use std::time::Duration;

use prometheus::IntCounter;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::config::model::{ApiKind, Route};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::Classified;
use crate::gateway::responses::ResponseType;

/// Lines that may wait for the writer before new ones are dropped (about 2-5 MB of text).
pub const DEFAULT_CAPACITY: usize = 10_000;

/// The console presets for REST APIs (`CLF`, `JSON`, `XML`, `CSV`).
const REST_PRESETS: [(&str, &str); 4] = [
    (
        "CLF",
        "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime]\"$context.httpMethod $context.resourcePath $context.protocol\" $context.status $context.responseLength $context.requestId $context.extendedRequestId",
    ),
    (
        "JSON",
        "{ \"requestId\":\"$context.requestId\", \"extendedRequestId\":\"$context.extendedRequestId\",\"ip\": \"$context.identity.sourceIp\", \"caller\":\"$context.identity.caller\", \"user\":\"$context.identity.user\", \"requestTime\":\"$context.requestTime\", \"httpMethod\":\"$context.httpMethod\", \"resourcePath\":\"$context.resourcePath\", \"status\":\"$context.status\", \"protocol\":\"$context.protocol\", \"responseLength\":\"$context.responseLength\" }",
    ),
    (
        "XML",
        "<request id=\"$context.requestId\"> <extendedRequestId>$context.extendedRequestId</extendedRequestId> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>",
    ),
    (
        "CSV",
        "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId",
    ),
];

/// The console presets for HTTP APIs (route keys instead of resource paths).
const HTTP_PRESETS: [(&str, &str); 4] = [
    (
        "CLF",
        "$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod $context.routeKey $context.protocol\" $context.status $context.responseLength $context.requestId $context.extendedRequestId",
    ),
    (
        "JSON",
        "{ \"requestId\":\"$context.requestId\", \"ip\": \"$context.identity.sourceIp\", \"requestTime\":\"$context.requestTime\", \"httpMethod\":\"$context.httpMethod\",\"routeKey\":\"$context.routeKey\", \"status\":\"$context.status\",\"protocol\":\"$context.protocol\", \"responseLength\":\"$context.responseLength\", \"extendedRequestId\": \"$context.extendedRequestId\" }",
    ),
    (
        "XML",
        "<request id=\"$context.requestId\"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> <extendedRequestId>$context.extendedRequestId</extendedRequestId> </request>",
    ),
    (
        "CSV",
        "$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId",
    ),
];

/// The preset format text for `name` (`CLF`, `JSON`, `XML`, `CSV`, case-insensitive).
pub fn preset(name: &str, kind: ApiKind) -> Option<&'static str> {
    let table = match kind {
        ApiKind::Rest => &REST_PRESETS,
        ApiKind::Http | ApiKind::FunctionUrl => &HTTP_PRESETS,
    };
    table
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, f)| *f)
}

/// A `$context` variable apigate can fill.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Var {
    AccountId,
    ApiId,
    Stage,
    DomainName,
    DomainPrefix,
    DeploymentId,
    ResourceId,
    RequestId,
    ExtendedRequestId,
    RequestTime,
    RequestTimeEpoch,
    HttpMethod,
    ResourcePath,
    RouteKey,
    Path,
    Protocol,
    SourceIp,
    UserAgent,
    Status,
    ResponseLength,
    ResponseLatency,
    IntegrationLatency,
    IntegrationStatus,
    LambdaStatus,
    ValidationError,
    IntegrationError,
    ErrorMessage,
    ErrorMessageString,
    ErrorResponseType,
    AuthorizerPrincipalId,
    AuthorizerLatency,
    AuthorizerStatus,
    AuthorizerError,
    AuthorizerProperty(String),
    /// An AWS variable with no counterpart here (IAM identity, WAF, X-Ray, Cognito, ...).
    NotApplicable,
}

/// AWS access-log variables that always render `-` in apigate (exact names).
const NOT_APPLICABLE: &[&str] = &[
    "identity.caller",
    "identity.user",
    "identity.userArn",
    "identity.accountId",
    "identity.apiKey",
    "identity.apiKeyId",
    "identity.accessKey",
    "identity.principalOrgId",
    "identity.cognitoAuthenticationProvider",
    "identity.cognitoAuthenticationType",
    "identity.cognitoIdentityId",
    "identity.cognitoIdentityPoolId",
    "identity.sourceVpc",
    "identity.vpceId",
    "identity.vpcId",
    "awsEndpointRequestId",
    "awsEndpointRequestId2",
    "xrayTraceId",
    "wafResponseCode",
    "webaclArn",
    "waf.error",
    "waf.latency",
    "waf.status",
    "dataProcessed",
    "isCanaryRequest",
    "integration.requestId",
    "authorizer.requestId",
    "authorizer.claims",
    "customDomain.basePathMatched",
    "customDomain.routingRuleIdMatched",
];

/// AWS access-log variable families that always render `-` here (prefixes).
const NOT_APPLICABLE_PREFIXES: &[&str] = &[
    "identity.clientCert.",
    "authorizer.claims.",
    "authenticate.",
    "authorize.",
    "requestOverride.",
    "responseOverride.",
];

impl Var {
    fn parse(name: &str) -> Option<Var> {
        use Var as V;
        Some(match name {
            "accountId" => V::AccountId,
            "apiId" => V::ApiId,
            "stage" => V::Stage,
            "domainName" => V::DomainName,
            "domainPrefix" => V::DomainPrefix,
            "deploymentId" => V::DeploymentId,
            "resourceId" => V::ResourceId,
            "requestId" => V::RequestId,
            "extendedRequestId" => V::ExtendedRequestId,
            "requestTime" => V::RequestTime,
            "requestTimeEpoch" => V::RequestTimeEpoch,
            "httpMethod" => V::HttpMethod,
            "resourcePath" => V::ResourcePath,
            "routeKey" => V::RouteKey,
            "path" => V::Path,
            "protocol" => V::Protocol,
            "identity.sourceIp" => V::SourceIp,
            "identity.userAgent" => V::UserAgent,
            "status" => V::Status,
            "responseLength" => V::ResponseLength,
            "responseLatency" => V::ResponseLatency,
            "integrationLatency" | "integration.latency" => V::IntegrationLatency,
            // AWS: `integration.status` is the function's own status code; `integrationStatus`
            // and `integration.integrationStatus` are the Lambda service's (200 for a completed
            // invoke, whatever the function returned).
            "integration.status" => V::IntegrationStatus,
            "integrationStatus" | "integration.integrationStatus" => V::LambdaStatus,
            "integration.error" | "integrationErrorMessage" => V::IntegrationError,
            "error.message" => V::ErrorMessage,
            "error.messageString" => V::ErrorMessageString,
            "error.validationErrorString" => V::ValidationError,
            "error.responseType" => V::ErrorResponseType,
            "authorizer.principalId" => V::AuthorizerPrincipalId,
            "authorizer.latency" | "authorizer.integrationLatency" => V::AuthorizerLatency,
            "authorizer.status" | "authorizer.integrationStatus" => V::AuthorizerStatus,
            "authorizer.error" => V::AuthorizerError,
            n if NOT_APPLICABLE.contains(&n)
                || NOT_APPLICABLE_PREFIXES.iter().any(|p| n.starts_with(p)) =>
            {
                V::NotApplicable
            }
            n => match n.strip_prefix("authorizer.") {
                Some(key) if !key.is_empty() => V::AuthorizerProperty(key.to_owned()),
                _ => return None,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Var(Var),
}

/// A compiled `accessLogSettings.format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogFormat {
    segments: Vec<Segment>,
    /// A guess of a rendered line's length, to size the buffer once.
    size_hint: usize,
}

/// Why a format was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessLogFormatError {
    /// A `$context.x` name that API Gateway does not define.
    #[error("unknown access log variable $context.{0}")]
    UnknownVariable(String),
    /// Neither `$context.requestId` nor `$context.extendedRequestId` appears.
    #[error("the access log format must include $context.requestId or $context.extendedRequestId")]
    NoRequestId,
    /// The format has a line break inside it.
    #[error("the access log format cannot contain line breaks")]
    LineBreak,
}

impl AccessLogFormat {
    /// Compiles `format`, or the preset it names (`CLF`, `JSON`, `XML`, `CSV`) for `kind`.
    pub fn compile(format: &str, kind: ApiKind) -> Result<Self, AccessLogFormatError> {
        let text = preset(format.trim(), kind).unwrap_or(format);
        // A YAML block scalar ends with a newline; that one is not part of the format.
        let text = text.trim_end_matches(['\r', '\n']);
        if text.contains(['\r', '\n']) {
            return Err(AccessLogFormatError::LineBreak);
        }
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("$context.") {
            let after = &rest[at + "$context.".len()..];
            let len = name_len(after);
            if len == 0 {
                literal.push_str(&rest[..at + "$context.".len()]);
                rest = after;
                continue;
            }
            literal.push_str(&rest[..at]);
            if !literal.is_empty() {
                segments.push(Segment::Literal(std::mem::take(&mut literal)));
            }
            let name = &after[..len];
            let var = Var::parse(name)
                .ok_or_else(|| AccessLogFormatError::UnknownVariable(name.to_owned()))?;
            segments.push(Segment::Var(var));
            rest = &after[len..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        let has_id = segments.iter().any(|s| {
            matches!(
                s,
                Segment::Var(Var::RequestId) | Segment::Var(Var::ExtendedRequestId)
            )
        });
        if !has_id {
            return Err(AccessLogFormatError::NoRequestId);
        }
        let size_hint = segments
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => l.len(),
                Segment::Var(_) => 24,
            })
            .sum::<usize>()
            + 1;
        Ok(AccessLogFormat {
            segments,
            size_hint,
        })
    }

    /// Appends the line for `rec` to `out` (without a newline).
    pub fn render(&self, rec: &AccessLogRecord<'_>, out: &mut String) {
        out.reserve(self.size_hint);
        for seg in &self.segments {
            match seg {
                Segment::Literal(l) => out.push_str(l),
                Segment::Var(v) => rec.write_var(v, out),
            }
        }
    }

    /// A rendered line as a new string (tests and tools).
    pub fn render_to_string(&self, rec: &AccessLogRecord<'_>) -> String {
        let mut s = String::new();
        self.render(rec, &mut s);
        s
    }
}

/// The length of a dotted variable name at the start of `s` (`a.b.c`; a trailing `.` is text).
fn name_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut end = 0;
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        if i == start {
            break;
        }
        end = i;
        if i < b.len() && b[i] == b'.' {
            i += 1;
        } else {
            break;
        }
    }
    end
}

/// What one access-log line is made from: the request context plus the response's facts.
#[derive(Debug, Clone, Copy)]
pub struct AccessLogRecord<'a> {
    /// The request, after every phase ran.
    pub ctx: &'a RequestCtx,
    /// The status code sent to the client.
    pub status: u16,
    /// The response body's length in bytes.
    pub response_length: u64,
    /// Time from the complete request head to the response (`responseLatency`).
    pub response_latency: Duration,
    /// The gateway error the response came from, if any (`error.*`, `authorizer.error`).
    pub error: Option<&'a Classified>,
    /// The status the integration (the function's proxy response) returned, if one was called.
    pub integration_status: Option<u16>,
}

impl AccessLogRecord<'_> {
    fn route(&self) -> Option<&Route> {
        let m = self.ctx.route.as_ref()?;
        self.ctx.api.routes.get(m.route.0)
    }

    fn authorizer_failed(&self) -> Option<&Classified> {
        self.error.filter(|e| {
            matches!(
                e.response_type,
                ResponseType::Unauthorized
                    | ResponseType::AccessDenied
                    | ResponseType::AuthorizerConfigurationError
                    | ResponseType::AuthorizerFailure
            )
        })
    }

    fn write_var(&self, var: &Var, out: &mut String) {
        let ctx = self.ctx;
        let api = &ctx.api;
        match var {
            Var::AccountId => text(out, &api.account_id),
            Var::ApiId => text(out, &api.id),
            Var::Stage => text(out, &api.stage),
            Var::DomainName => text(out, self.domain_name()),
            Var::DomainPrefix => {
                let d = self.domain_name();
                text(out, d.split('.').next().unwrap_or(d));
            }
            Var::DeploymentId => text(out, &api.deployment_id),
            Var::ResourceId => opt(out, self.route().map(|r| r.resource_id.as_str())),
            Var::RequestId => text(out, &ctx.request_id),
            Var::ExtendedRequestId => text(out, &ctx.extended_request_id),
            Var::RequestTime => write_request_time(out, ctx.epoch_ms / 1000),
            Var::RequestTimeEpoch => int(out, ctx.epoch_ms),
            Var::HttpMethod => text(out, ctx.req.method.as_str()),
            Var::ResourcePath => opt(out, self.route().map(|r| r.path.as_str())),
            Var::RouteKey => opt(out, self.route().map(|r| r.route_key.as_str())),
            Var::Path => match &ctx.route {
                Some(m) => text(out, &m.path),
                None => text(out, &String::from_utf8_lossy(ctx.req.raw_path())),
            },
            Var::Protocol => text(out, ctx.req.protocol.as_str()),
            Var::SourceIp => {
                use std::fmt::Write;
                let _ = write!(out, "{}", ctx.req.remote.ip());
            }
            Var::UserAgent => opt(out, ctx.req.headers.get_str("user-agent")),
            Var::Status => int(out, self.status),
            Var::ResponseLength => int(out, self.response_length),
            Var::ResponseLatency => int(out, self.response_latency.as_millis()),
            Var::IntegrationLatency => match ctx.integration_latency {
                Some(d) => int(out, d.as_millis()),
                None => out.push('-'),
            },
            Var::IntegrationStatus => match self.integration_status {
                Some(s) => int(out, s),
                None => out.push('-'),
            },
            Var::LambdaStatus => match ctx.lambda_status {
                Some(s) => int(out, s),
                None => out.push('-'),
            },
            Var::IntegrationError => {
                let e = self.error.filter(|e| {
                    matches!(
                        e.response_type,
                        ResponseType::IntegrationTimeout
                            | ResponseType::IntegrationFailure
                            | ResponseType::Default5xx
                    )
                });
                opt(out, e.and_then(|e| e.message.as_deref()));
            }
            Var::ErrorMessage => opt(out, self.error.and_then(|e| e.message.as_deref())),
            Var::ErrorMessageString => match self.error.and_then(|e| e.message.as_deref()) {
                Some(m) => {
                    out.push('"');
                    text(out, m);
                    out.push('"');
                }
                None => out.push('-'),
            },
            Var::ErrorResponseType => opt(out, self.error.map(|e| e.response_type.name())),
            Var::ValidationError => {
                opt(out, self.error.and_then(|e| e.validation_error.as_deref()))
            }
            Var::AuthorizerPrincipalId => opt(
                out,
                ctx.principal
                    .as_ref()
                    .and_then(|p| p.principal_id.as_deref()),
            ),
            Var::AuthorizerLatency => match &ctx.principal {
                Some(p) => int(out, p.latency.as_millis()),
                None => out.push('-'),
            },
            Var::AuthorizerStatus => match (self.authorizer_failed(), &ctx.principal) {
                (Some(e), _) => int(out, e.status),
                (None, Some(_)) => out.push_str("200"),
                (None, None) => out.push('-'),
            },
            Var::AuthorizerError => opt(
                out,
                self.authorizer_failed().and_then(|e| e.message.as_deref()),
            ),
            Var::AuthorizerProperty(key) => {
                match ctx.principal.as_ref().and_then(|p| p.context.get(key)) {
                    Some(serde_json::Value::String(s)) => text(out, s),
                    Some(serde_json::Value::Null) | None => out.push('-'),
                    Some(v) => text(out, &v.to_string()),
                }
            }
            Var::NotApplicable => out.push('-'),
        }
    }

    fn domain_name(&self) -> &str {
        self.ctx.domain_name()
    }
}

/// Writes a value; empty renders `-`; control characters are escaped to keep the line whole.
fn text(out: &mut String, v: &str) {
    if v.is_empty() {
        out.push('-');
        return;
    }
    if !v.bytes().any(|b| b.is_ascii_control()) {
        out.push_str(v);
        return;
    }
    for c in v.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

fn opt(out: &mut String, v: Option<&str>) {
    match v {
        Some(v) => text(out, v),
        None => out.push('-'),
    }
}

fn int(out: &mut String, v: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// `dd/MMM/yyyy:HH:mm:ss +0000`, API Gateway's `requestTime`.
fn write_request_time(out: &mut String, epoch_secs: u64) {
    out.push_str(crate::gateway::clf_time::format(epoch_secs.saturating_mul(1000)).as_str());
}

/// The request path's handle to the access-log writer: renders a line and queues it without
/// waiting. Cloning shares the queue.
#[derive(Debug, Clone)]
pub struct AccessLogger {
    format: std::sync::Arc<AccessLogFormat>,
    tx: mpsc::Sender<String>,
    dropped: IntCounter,
}

impl AccessLogger {
    /// Starts the writer task on the current Tokio runtime, writing lines to `out` (stdout in
    /// production). `capacity` lines may wait; beyond that, lines are dropped and counted in
    /// `dropped`. The task ends, after flushing, once every logger clone is dropped.
    pub fn spawn<W>(
        format: AccessLogFormat,
        out: W,
        capacity: usize,
        dropped: IntCounter,
    ) -> (AccessLogger, tokio::task::JoinHandle<()>)
    where
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let task = tokio::spawn(write_lines(rx, out));
        (
            AccessLogger {
                format: std::sync::Arc::new(format),
                tx,
                dropped,
            },
            task,
        )
    }

    /// Renders and queues the line for `rec`; returns false when it was dropped.
    pub fn log(&self, rec: &AccessLogRecord<'_>) -> bool {
        // One allocation per line, deliberate: the line moves to the writer task.
        let mut line = String::new();
        self.format.render(rec, &mut line);
        line.push('\n');
        match self.tx.try_send(line) {
            Ok(()) => true,
            Err(_) => {
                self.dropped.inc();
                false
            }
        }
    }
}

async fn write_lines<W: AsyncWrite + Unpin>(mut rx: mpsc::Receiver<String>, out: W) {
    let mut out = tokio::io::BufWriter::new(out);
    while let Some(line) = rx.recv().await {
        if let Err(e) = out.write_all(line.as_bytes()).await {
            tracing::warn!(error = %e, "access log write failed");
            continue;
        }
        // Flush when the queue is drained, so lines are batched under load but never linger.
        if rx.is_empty() {
            if let Err(e) = out.flush().await {
                tracing::warn!(error = %e, "access log flush failed");
            }
        }
    }
    let _ = out.flush().await;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn variable_names_end_at_non_name_characters() {
        assert_eq!(name_len("status,"), 6);
        assert_eq!(name_len("identity.sourceIp "), 17);
        assert_eq!(name_len("requestTime]"), 11);
        assert_eq!(name_len("status."), 6);
        assert_eq!(name_len(".x"), 0);
    }

    #[test]
    fn compile_checks_like_api_gateway() {
        assert_eq!(
            AccessLogFormat::compile("$context.status", ApiKind::Rest),
            Err(AccessLogFormatError::NoRequestId)
        );
        assert_eq!(
            AccessLogFormat::compile("$context.requestId $context.bogus", ApiKind::Rest),
            Err(AccessLogFormatError::UnknownVariable("bogus".into()))
        );
        assert_eq!(
            AccessLogFormat::compile("$context.requestId\nx", ApiKind::Rest),
            Err(AccessLogFormatError::LineBreak)
        );
        assert!(AccessLogFormat::compile("$context.requestId\n", ApiKind::Rest).is_ok());
        for name in ["CLF", "json", "XML", "csv"] {
            for kind in [ApiKind::Rest, ApiKind::Http] {
                assert!(AccessLogFormat::compile(name, kind).is_ok(), "{name}");
            }
        }
        let f = AccessLogFormat::compile(
            "$context.requestId $context.authorizer.claims.sub $context.authorizer.tenant $ctx $context.",
            ApiKind::Rest,
        )
        .unwrap();
        assert_eq!(
            f.segments,
            vec![
                Segment::Var(Var::RequestId),
                Segment::Literal(" ".into()),
                Segment::Var(Var::NotApplicable),
                Segment::Literal(" ".into()),
                Segment::Var(Var::AuthorizerProperty("tenant".into())),
                Segment::Literal(" $ctx $context.".into()),
            ]
        );
    }

    #[test]
    fn request_time_format() {
        let mut s = String::new();
        write_request_time(&mut s, 1_583_798_639);
        assert_eq!(s, "10/Mar/2020:00:03:59 +0000");
        let mut s = String::new();
        write_request_time(&mut s, 0);
        assert_eq!(s, "01/Jan/1970:00:00:00 +0000");
    }

    #[test]
    fn values_stay_on_one_line() {
        let mut s = String::new();
        text(&mut s, "a\nb\u{1}");
        assert_eq!(s, "a\\nb\\u0001");
        let mut s = String::new();
        text(&mut s, "");
        assert_eq!(s, "-");
    }

    proptest::proptest! {
        #[test]
        fn compile_never_panics(s in "(\\$context\\.[a-zA-Z.]{0,12}|\\PC{0,6}){0,8}") {
            let _ = AccessLogFormat::compile(&s, ApiKind::Rest);
        }

        #[test]
        fn rendered_values_never_break_the_line(v in "\\PC*|[\\x00-\\x1f]{0,8}") {
            let mut out = String::new();
            text(&mut out, &v);
            proptest::prop_assert!(!out.contains('\n') && !out.contains('\r'));
        }
    }
}
