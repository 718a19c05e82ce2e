//! Offline rendering (`apigate render`, conformance cases): builds a request from a JSON
//! description (a conformance case's `input` object) and renders one template.
//!
//! Input fields: `phase` (`request` default, or `response`: `body` is then the integration
//! response body), `method`, `path`, `path_params`, `query`, `headers`, `body`, `context`
//! (overrides of `$context` fields, nested: `identity.sourceIp`, `authorizer.principalId`,
//! `error.message`...), `stageVariables`, `integration_response_status`; `stage` and
//! `resourcePath` are also accepted at the top level.
//!
//! Defaults for everything not given (fixed, so output is reproducible):
//! `requestId` `00000000-0000-0000-0000-000000000000`, `extendedRequestId` `offline000000000=`,
//! `requestTime` `01/Jan/2024:00:00:00 +0000`, `requestTimeEpoch` `1704067200000`,
//! `httpMethod` = `method` or `GET`, `path` = `path` or `/`, `resourcePath` = `path`,
//! `resourceId` `offline`, `stage` `test`, `accountId` `123456789012`, `apiId` `offline`,
//! `domainName` `offline.execute-api.us-east-1.amazonaws.com`, `domainPrefix` `offline`,
//! `deploymentId` `offline`, `protocol` `HTTP/1.1`, `identity.sourceIp` `127.0.0.1`,
//! `identity.userAgent` = the `User-Agent` header; other identity fields null; no authorizer.

use serde_json::Value as Json;

use super::error::VtlError;
use super::input::{Authorizer, ContextValues, ErrorContext, RenderInput, RequestParams};
use super::overrides::Overrides;
use super::template::Template;

/// The result of an offline render: the text and the override state it left.
#[derive(Debug, Clone, Default)]
pub struct OfflineOutput {
    /// Rendered text.
    pub body: String,
    /// `$context.requestOverride` / `responseOverride` after the render.
    pub overrides: Overrides,
}

/// Renders `template_src` against a conformance-style `input` object.
pub fn render_offline(
    template_name: &str,
    template_src: &str,
    input: &Json,
) -> Result<String, VtlError> {
    render_offline_full(template_name, template_src, input).map(|o| o.body)
}

/// Like [`render_offline`], also returning the override state.
pub fn render_offline_full(
    template_name: &str,
    template_src: &str,
    input: &Json,
) -> Result<OfflineOutput, VtlError> {
    let template = Template::compile(template_name, template_src)?;
    let req = OfflineRequest::from_json(input);
    let mut overrides = Overrides::default();
    let ri = RenderInput {
        body: req.body.as_bytes(),
        params: &req.params,
        context: &req.context,
        stage_variables: &req.stage_variables,
    };
    let body = template.render_to_string(&ri, &mut overrides)?;
    Ok(OfflineOutput { body, overrides })
}

/// Owned request data built from a JSON description.
#[derive(Debug, Clone, Default)]
pub struct OfflineRequest {
    /// Body text.
    pub body: String,
    /// Parameters.
    pub params: RequestParams,
    /// `$context`.
    pub context: ContextValues,
    /// `$stageVariables`.
    pub stage_variables: Vec<(String, String)>,
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        Json::Array(a) => a.last().map(text).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn pairs(v: Option<&Json>) -> Vec<(String, String)> {
    match v {
        Some(Json::Object(o)) => o.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        _ => Vec::new(),
    }
}

impl OfflineRequest {
    /// Builds the request (see the module docs for fields and defaults).
    pub fn from_json(input: &Json) -> OfflineRequest {
        let get = |k: &str| input.get(k);
        let s = |k: &str| get(k).and_then(Json::as_str).map(str::to_string);
        let mut params = RequestParams::default();
        for (k, v) in pairs(get("path_params")) {
            params.push_path(k, v);
        }
        for (k, v) in pairs(get("query")) {
            params.push_query(k, v);
        }
        for (k, v) in pairs(get("headers")) {
            params.push_header(k, v);
        }
        let path = s("path").unwrap_or_else(|| "/".into());
        let user_agent = pairs(get("headers"))
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
            .map(|(_, v)| v);
        let mut ctx = ContextValues {
            request_id: "00000000-0000-0000-0000-000000000000".into(),
            extended_request_id: "offline000000000=".into(),
            request_time: "01/Jan/2024:00:00:00 +0000".into(),
            request_time_epoch: 1_704_067_200_000,
            http_method: s("method").unwrap_or_else(|| "GET".into()),
            resource_path: s("resourcePath").unwrap_or_else(|| path.clone()),
            resource_id: "offline".into(),
            path,
            stage: s("stage").unwrap_or_else(|| "test".into()),
            account_id: "123456789012".into(),
            api_id: "offline".into(),
            domain_name: "offline.execute-api.us-east-1.amazonaws.com".into(),
            domain_prefix: "offline".into(),
            deployment_id: "offline".into(),
            protocol: "HTTP/1.1".into(),
            ..ContextValues::default()
        };
        ctx.identity.source_ip = Some("127.0.0.1".into());
        ctx.identity.user_agent = user_agent;
        if let Some(Json::Object(c)) = get("context") {
            apply_context(&mut ctx, c);
        }
        let body = match get("body") {
            None | Some(Json::Null) => String::new(),
            Some(Json::String(b)) => b.clone(),
            Some(other) => other.to_string(),
        };
        OfflineRequest {
            body,
            params,
            context: ctx,
            stage_variables: pairs(get("stageVariables")),
        }
    }
}

fn apply_context(ctx: &mut ContextValues, c: &serde_json::Map<String, Json>) {
    for (k, v) in c {
        match (k.as_str(), v) {
            ("identity", Json::Object(id)) => {
                for (ik, iv) in id {
                    if let Some(slot) = ctx.identity.get_mut(ik) {
                        *slot = (!iv.is_null()).then(|| text(iv));
                    }
                }
            }
            ("authorizer", Json::Object(a)) => {
                let auth = ctx.authorizer.get_or_insert_with(Authorizer::default);
                for (ak, av) in a {
                    match (ak.as_str(), av) {
                        ("principalId", _) => auth.principal_id = Some(text(av)),
                        ("claims", Json::Object(cl)) => {
                            auth.claims = cl.iter().map(|(k, v)| (k.clone(), text(v))).collect()
                        }
                        _ => auth.entries.push((ak.clone(), text(av))),
                    }
                }
            }
            ("error", Json::Object(e)) => {
                let err = ctx.error.get_or_insert_with(ErrorContext::default);
                for (ek, ev) in e {
                    let v = Some(text(ev));
                    match ek.as_str() {
                        "message" => err.message = v,
                        "messageString" => err.message_string = v,
                        "responseType" => err.response_type = v,
                        "validationErrorString" => err.validation_error_string = v,
                        _ => {}
                    }
                }
            }
            ("requestTimeEpoch", _) => {
                if let Some(n) = v.as_i64().or_else(|| text(v).parse().ok()) {
                    ctx.request_time_epoch = n;
                }
            }
            _ => {
                if let Some(slot) = ctx.string_field_mut(k) {
                    *slot = text(v);
                }
            }
        }
    }
}
