//! The method response of a custom integration (mapping.md §6.2-§6.6): the selected integration
//! response's status, `responseParameters`, response template chosen by `Accept` and rendered,
//! content handling, then `$context.responseOverride` (status and headers) applied last.
//!
//! The response carries `Content-Type` and the mapped/override headers only; the gateway adds
//! the headers every response has (`x-amzn-RequestId`, `x-amz-apigw-id`, `X-Amzn-Trace-Id`).

use base64::Engine as _;
use bytes::Bytes;
use serde_json::Value as Json;

use super::headers::response_header_name;
use super::invoke::IntegrationOutcome;
use super::params::ParamEnv;
use super::{selection, set_param, CustomState};
use crate::config::model::{ContentHandling, CustomIntegration, IntegrationResponse};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::message::{HeaderList, Response};
use crate::vtl::Template;

/// The media type response templates are chosen by when the request has no usable `Accept`.
const DEFAULT_ACCEPT: &str = "application/json";

/// The response template for the request's `Accept` (§6.4): the first media type's exact key,
/// else `application/json`, else the first template by content type; `None` = pass through
/// (no templates, or the chosen one is empty). Returns the key with the template.
pub fn select_response_template<'a>(
    resp: &'a IntegrationResponse,
    accept: Option<&str>,
) -> Option<(&'a str, &'a Template)> {
    let key = accept
        .and_then(|a| a.split(',').next())
        .and_then(|m| m.split(';').next())
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or(DEFAULT_ACCEPT);
    let find = |k: &str| resp.response_templates.iter().find(|(ct, _)| ct == k);
    let (k, t) = find(key)
        .or_else(|| find(DEFAULT_ACCEPT))
        .or_else(|| resp.response_templates.first())?;
    t.as_ref().map(|t| (k.as_str(), t))
}

/// Builds the method response for `outcome` (§6). No matching response and no default is a
/// configuration error (500); a template that fails to render is a 500 too.
pub fn map_response(
    ctx: &RequestCtx,
    integ: &CustomIntegration,
    state: &mut CustomState,
    outcome: IntegrationOutcome,
) -> Result<Response, GatewayError> {
    let Some(selected) = selection::select(integ, &outcome) else {
        return Err(GatewayError::ApiConfiguration(format!(
            "no integration response matches {} and there is no default",
            if outcome.is_error() {
                "the function error"
            } else {
                "the result"
            }
        )));
    };
    let raw = outcome.body();
    let mut headers: Vec<(String, String)> = Vec::new();
    map_parameters(ctx, selected, state, &outcome, &raw, &mut headers);

    let accept = ctx.req.headers.get_str("accept");
    let (mut content_type, body) = match select_response_template(selected, accept) {
        Some((key, template)) => {
            let out = state.render(ctx, template, &raw)?;
            (key.to_string(), Bytes::from(out))
        }
        None => (DEFAULT_ACCEPT.to_string(), raw),
    };
    let body = convert_body(body, selected.content_handling)?;

    let mut status = selected.status;
    if let Some(s) = state.overrides.status() {
        status = s;
    }
    for (name, value) in state.overrides.response_headers() {
        if let Some(n) = response_header_name(&name) {
            set_param(&mut headers, &n, value, true);
        }
    }
    if let Some(pos) = headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        content_type = headers.remove(pos).1;
    }
    let mut out = HeaderList::with_capacity(headers.len() + 1);
    push_header(&mut out, "Content-Type".to_string(), content_type);
    for (n, v) in headers {
        push_header(&mut out, n, v);
    }
    Ok(Response {
        status,
        headers: out,
        body,
    })
}

/// `responseParameters` of the selected response into `headers` (reserved names renamed,
/// `Transfer-Encoding` dropped, missing sources left unset).
fn map_parameters(
    ctx: &RequestCtx,
    selected: &IntegrationResponse,
    state: &CustomState,
    outcome: &IntegrationOutcome,
    raw: &Bytes,
    headers: &mut Vec<(String, String)>,
) {
    if selected.response_parameters.is_empty() {
        return;
    }
    // Parsed only when a mapping reads a body field.
    let response_json: Option<Json> = selected
        .response_parameters
        .iter()
        .any(|(_, s)| s.needs_response_json())
        .then(|| serde_json::from_slice(raw).ok())
        .flatten();
    let request_json: Option<Json> = selected
        .response_parameters
        .iter()
        .any(|(_, s)| s.needs_request_json())
        .then(|| serde_json::from_slice(&ctx.req.body).ok())
        .flatten();
    let env = ParamEnv {
        ctx,
        params: &state.params,
        context: &state.context,
        request_json: request_json.as_ref(),
        response_body: Some(raw),
        response_json: response_json.as_ref(),
        response_is_error: outcome.is_error(),
    };
    for (name, source) in &selected.response_parameters {
        let (Some(value), Some(n)) = (source.evaluate(&env), response_header_name(name)) else {
            continue;
        };
        set_param(headers, &n, value, true);
    }
}

/// Response content handling (§6.4): `CONVERT_TO_BINARY` decodes a base64 result (a JSON
/// string result is decoded from its contents); `CONVERT_TO_TEXT` leaves text unchanged.
fn convert_body(body: Bytes, handling: Option<ContentHandling>) -> Result<Bytes, GatewayError> {
    if handling != Some(ContentHandling::ConvertToBinary) {
        return Ok(body);
    }
    let text = body.trim_ascii();
    let inner = match serde_json::from_slice::<Json>(text) {
        Ok(Json::String(s)) => Some(s),
        _ => None,
    };
    let src = inner.as_deref().map_or(text, str::as_bytes);
    base64::engine::general_purpose::STANDARD
        .decode(src)
        .map(Bytes::from)
        .map_err(|e| {
            GatewayError::ApiConfiguration(format!(
                "CONVERT_TO_BINARY: the integration response is not base64: {e}"
            ))
        })
}

/// Appends a header, skipping (with a debug log) a value that cannot be sent on the wire.
fn push_header(out: &mut HeaderList, name: String, value: String) {
    if let Err(e) = out.push(name, value) {
        tracing::debug!(error = %e, "mapped response header dropped: not a valid header field");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::integration::custom::params::{parse, Side};
    use crate::integration::custom::test_support::{
        api_with, ctx_for, custom, integration, lambda_backend, response, template,
    };

    fn resp_with_templates(keys: &[&str]) -> IntegrationResponse {
        let mut r = response("default", 200);
        r.response_templates = keys
            .iter()
            .map(|k| (k.to_string(), Some(template(k, "x"))))
            .collect();
        r.response_templates.sort_by(|a, b| a.0.cmp(&b.0));
        r
    }

    #[test]
    fn response_template_selection_by_accept() {
        let r = resp_with_templates(&["application/xml", "application/json", "text/html"]);
        let key = |a: Option<&str>| select_response_template(&r, a).map(|(k, _)| k);
        assert_eq!(key(None), Some("application/json"));
        assert_eq!(key(Some("application/xml")), Some("application/xml"));
        assert_eq!(key(Some("text/html, application/xml")), Some("text/html"));
        assert_eq!(key(Some("text/html;q=0.9")), Some("text/html"));
        assert_eq!(key(Some("image/png")), Some("application/json"));
        let r = resp_with_templates(&["text/plain", "application/xml"]);
        assert_eq!(
            select_response_template(&r, Some("image/png")).map(|(k, _)| k),
            Some("application/xml")
        );
        let r = resp_with_templates(&[]);
        assert!(select_response_template(&r, None).is_none());
    }

    #[test]
    fn passthrough_parameters_overrides_and_remapping() {
        let mut i = custom(lambda_backend(), &[]);
        let mut r = response("default", 201);
        for (h, src) in [
            ("X-Lit", "'v'"),
            ("Date", "'d'"),
            ("Transfer-Encoding", "'chunked'"),
            ("X-Body", "integration.response.body.a"),
            ("X-Missing", "integration.response.body.nope"),
            ("X-Q", "method.request.querystring.q"),
        ] {
            r.response_parameters
                .push((h.to_string(), parse(src, Side::Response).unwrap()));
        }
        i.responses.push(r);
        let api = api_with(i);
        let ctx = ctx_for(&api, http::Method::GET, "/p?q=1");
        let integ = integration(&api);
        let mut st = CustomState::new(&ctx);
        let out = map_response(
            &ctx,
            integ,
            &mut st,
            IntegrationOutcome::Result(Bytes::from_static(b"{\"a\":{\"b\":1}}")),
        )
        .unwrap();
        assert_eq!(out.status, 201);
        assert_eq!(&out.body[..], b"{\"a\":{\"b\":1}}");
        let hs: Vec<(String, String)> = out
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        let h = |s: &str, v: &str| (s.to_string(), v.to_string());
        assert_eq!(
            hs,
            vec![
                h("Content-Type", "application/json"),
                h("X-Lit", "v"),
                h("x-amzn-Remapped-Date", "d"),
                h("X-Body", "{\"b\":1}"),
                h("X-Q", "1"),
            ]
        );
    }

    #[test]
    fn mapped_content_type_and_template_key_set_the_content_type() {
        let mut i = custom(lambda_backend(), &[]);
        let mut r = response("default", 200);
        r.response_templates.push((
            "text/html".into(),
            Some(template("t", "<p>$input.path('$.m')</p>")),
        ));
        i.responses.push(r);
        let api = api_with(i);
        let mut ctx = ctx_for(&api, http::Method::GET, "/p");
        ctx.req.headers.push("Accept", "text/html").unwrap();
        let integ = integration(&api);
        let out = map_response(
            &ctx,
            integ,
            &mut CustomState::new(&ctx),
            IntegrationOutcome::Result(Bytes::from_static(b"{\"m\":\"hi\"}")),
        )
        .unwrap();
        assert_eq!(&out.body[..], b"<p>hi</p>");
        assert_eq!(out.headers.get_str("content-type"), Some("text/html"));
    }

    #[test]
    fn response_template_overrides_status_and_headers() {
        let mut i = custom(lambda_backend(), &[]);
        let mut r = response("default", 200);
        r.response_parameters
            .push(("X-A".into(), parse("'mapped'", Side::Response).unwrap()));
        r.response_templates.push((
            "application/json".into(),
            Some(template(
                "t",
                "#set($context.responseOverride.status = 400)#set($context.responseOverride.header.X-A = \"ovr\")ok",
            )),
        ));
        i.responses.push(r);
        let api = api_with(i);
        let ctx = ctx_for(&api, http::Method::GET, "/p");
        let out = map_response(
            &ctx,
            integration(&api),
            &mut CustomState::new(&ctx),
            IntegrationOutcome::Result(Bytes::new()),
        )
        .unwrap();
        assert_eq!(out.status, 400);
        assert_eq!(out.headers.get_str("x-a"), Some("ovr"));
        assert_eq!(&out.body[..], b"ok");
    }

    #[test]
    fn render_errors_and_missing_responses_are_500() {
        let mut i = custom(lambda_backend(), &[]);
        let mut r = response("default", 200);
        r.response_templates.push((
            "application/json".into(),
            Some(template("t", "#foreach($i in [1..5000])x#end")),
        ));
        i.responses.push(r);
        let api = api_with(i);
        let ctx = ctx_for(&api, http::Method::GET, "/p");
        let err = map_response(
            &ctx,
            integration(&api),
            &mut CustomState::new(&ctx),
            IntegrationOutcome::Result(Bytes::new()),
        )
        .unwrap_err();
        let c = err.classify(crate::config::model::ApiKind::Rest);
        assert_eq!(c.status, 500);

        let mut i = custom(lambda_backend(), &[]);
        i.responses.push(response("Invalid.*", 400));
        let api = api_with(i);
        let err = map_response(
            &ctx,
            integration(&api),
            &mut CustomState::new(&ctx),
            IntegrationOutcome::FunctionError {
                payload: Bytes::from_static(b"{\"errorMessage\":\"Malformed\"}"),
                message: Some("Malformed".into()),
            },
        )
        .unwrap_err();
        assert_eq!(
            err.classify(crate::config::model::ApiKind::Rest).status,
            500
        );
    }

    #[test]
    fn convert_to_binary_decodes_results() {
        let b = convert_body(
            Bytes::from_static(b"\"aGk=\""),
            Some(ContentHandling::ConvertToBinary),
        )
        .unwrap();
        assert_eq!(&b[..], b"hi");
        let b = convert_body(
            Bytes::from_static(b"aGk="),
            Some(ContentHandling::ConvertToBinary),
        )
        .unwrap();
        assert_eq!(&b[..], b"hi");
        assert!(convert_body(
            Bytes::from_static(b"{}"),
            Some(ContentHandling::ConvertToBinary)
        )
        .is_err());
        assert_eq!(
            &convert_body(
                Bytes::from_static(b"{}"),
                Some(ContentHandling::ConvertToText)
            )
            .unwrap()[..],
            b"{}"
        );
    }
}
