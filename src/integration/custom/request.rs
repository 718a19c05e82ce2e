//! The integration request (mapping.md §5): `requestParameters` mapping, content handling,
//! request template selection with the passthrough decision, rendering and request overrides.
//! The result is the payload the function (or the mock) receives.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::Value as Json;

use super::headers::is_illegal_request_header;
use super::params::ParamEnv;
use super::{set_param, CustomState};
use crate::config::media::essence;
use crate::config::model::{
    ContentHandling, CustomBackend, CustomIntegration, PassthroughBehavior, RequestParamTarget,
};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::vtl::Template;

/// The media type templates are selected by when the request has no `Content-Type`.
pub const DEFAULT_CONTENT_TYPE: &str = "application/json";

/// The outcome of request template selection (§5.1, §5.2).
#[derive(Debug, Clone, Copy)]
pub enum TemplateChoice<'a> {
    /// Render this template (the key it was found under, for logs and tests).
    Transform(&'a str, &'a Template),
    /// Send the body unchanged (no template matched and passthrough allows it, or the matched
    /// template is empty).
    Passthrough,
    /// Refuse with 415 Unsupported Media Type.
    Reject,
}

/// The template-selection key of a `Content-Type` value: the media type without parameters,
/// `application/json` when absent or malformed.
pub fn content_type_key(content_type: Option<&str>) -> &str {
    content_type
        .and_then(|v| {
            let mime = v.split(';').next()?.trim();
            essence(mime).map(|_| mime)
        })
        .unwrap_or(DEFAULT_CONTENT_TYPE)
}

/// Chooses the request template for `content_type` (exact, case-sensitive key lookup).
pub fn select_request_template<'a>(
    integ: &'a CustomIntegration,
    content_type: Option<&str>,
) -> TemplateChoice<'a> {
    let key = content_type_key(content_type);
    if let Some((k, t)) = integ.request_templates.iter().find(|(k, _)| k == key) {
        return match t {
            Some(t) => TemplateChoice::Transform(k, t),
            None => TemplateChoice::Passthrough,
        };
    }
    match (integ.passthrough, integ.request_templates.is_empty()) {
        (PassthroughBehavior::WhenNoMatch, _) | (PassthroughBehavior::WhenNoTemplates, true) => {
            TemplateChoice::Passthrough
        }
        (PassthroughBehavior::WhenNoTemplates, false) | (PassthroughBehavior::Never, _) => {
            TemplateChoice::Reject
        }
    }
}

/// Builds the integration request payload: maps parameters (illegal headers -> 500), applies
/// content handling, selects and renders the template (or passes the body through; 415 when
/// not allowed), applies `$context.requestOverride`. For `AWS` integrations the payload must
/// be JSON (or empty), as Lambda's Invoke API requires; otherwise the request fails with 500.
pub fn map_request(
    ctx: &RequestCtx,
    integ: &CustomIntegration,
    state: &mut CustomState,
) -> Result<Bytes, GatewayError> {
    map_parameters(ctx, integ, state)?;
    let content_type = ctx.req.headers.get_str("content-type");
    let binary = content_type.is_some_and(|ct| ctx.api.binary_media_types.matches(ct));
    let body = convert_body(&ctx.req.body, binary, integ.content_handling)?;
    let payload = match select_request_template(integ, content_type) {
        TemplateChoice::Reject => return Err(GatewayError::UnsupportedMediaType),
        TemplateChoice::Passthrough => body,
        TemplateChoice::Transform(_, template) => {
            if binary && integ.content_handling != Some(ContentHandling::ConvertToText) {
                return Err(GatewayError::ApiConfiguration(
                    "a mapping template cannot transform a binary body without CONVERT_TO_TEXT"
                        .into(),
                ));
            }
            Bytes::from(state.render(ctx, template, &body)?)
        }
    };
    apply_request_overrides(state)?;
    if matches!(integ.backend, CustomBackend::Lambda(_)) && !is_json_payload(&payload) {
        return Err(GatewayError::ApiConfiguration(
            "the integration request body is not JSON, which Lambda rejects".into(),
        ));
    }
    Ok(payload)
}

/// Whether Lambda accepts `payload` as an event (valid JSON, or empty: the function sees `{}`).
pub fn is_json_payload(payload: &[u8]) -> bool {
    payload.iter().all(u8::is_ascii_whitespace) || super::json_payload::is_json(payload)
}

/// `requestParameters`: each mapped value into the state's integration request lists.
fn map_parameters(
    ctx: &RequestCtx,
    integ: &CustomIntegration,
    state: &mut CustomState,
) -> Result<(), GatewayError> {
    if integ.request_parameters.is_empty() {
        return Ok(());
    }
    if let Some(p) = integ
        .request_parameters
        .iter()
        .find(|p| p.target == RequestParamTarget::Header && is_illegal_request_header(&p.name))
    {
        return Err(GatewayError::ApiConfiguration(format!(
            "integration.request.header.{} cannot be mapped",
            p.name
        )));
    }
    // Parsed only when a mapping reads a body field (a deliberate allocation, off the common path).
    let request_json: Option<Json> = integ
        .request_parameters
        .iter()
        .any(|p| p.source.needs_request_json())
        .then(|| serde_json::from_slice(&ctx.req.body).ok())
        .flatten();
    let mut mapped = Vec::with_capacity(integ.request_parameters.len());
    {
        let env = ParamEnv {
            ctx,
            params: &state.params,
            context: &state.context,
            request_json: request_json.as_ref(),
            response_body: None,
            response_json: None,
            response_is_error: false,
        };
        for p in &integ.request_parameters {
            if let Some(v) = p.source.evaluate(&env) {
                mapped.push((p.target, p.name.as_str(), v));
            }
        }
    }
    for (target, name, value) in mapped {
        let (list, ci) = match target {
            RequestParamTarget::Header => (&mut state.integration_headers, true),
            RequestParamTarget::QueryString => (&mut state.integration_querystring, false),
            RequestParamTarget::Path => (&mut state.integration_path, false),
        };
        set_param(list, name, value, ci);
    }
    Ok(())
}

/// `$context.requestOverride.*` replaces mapped values after the template ran (§5.4).
fn apply_request_overrides(state: &mut CustomState) -> Result<(), GatewayError> {
    let ovr = &state.overrides;
    if ovr.request_header.is_empty()
        && ovr.request_querystring.is_empty()
        && ovr.request_path.is_empty()
    {
        return Ok(());
    }
    let headers = ovr.request_headers();
    if let Some((name, _)) = headers.iter().find(|(n, _)| is_illegal_request_header(n)) {
        return Err(GatewayError::ApiConfiguration(format!(
            "requestOverride.header.{name} cannot be set"
        )));
    }
    for (n, v) in headers {
        set_param(&mut state.integration_headers, &n, v, true);
    }
    for (n, v) in state.overrides.request_querystrings() {
        set_param(&mut state.integration_querystring, &n, v, false);
    }
    for (n, v) in state.overrides.request_paths() {
        set_param(&mut state.integration_path, &n, v, false);
    }
    Ok(())
}

/// Content handling of the request body (§5.6). Unchanged bodies are the same `Bytes`.
fn convert_body(
    body: &Bytes,
    binary: bool,
    handling: Option<ContentHandling>,
) -> Result<Bytes, GatewayError> {
    match (binary, handling) {
        (false, Some(ContentHandling::ConvertToBinary)) => {
            let text = body.trim_ascii();
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map(Bytes::from)
                .map_err(|e| {
                    GatewayError::ApiConfiguration(format!(
                        "CONVERT_TO_BINARY: the body is not base64: {e}"
                    ))
                })
        }
        (true, Some(ContentHandling::ConvertToText)) => Ok(Bytes::from(
            base64::engine::general_purpose::STANDARD.encode(body),
        )),
        _ => Ok(body.clone()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::integration::custom::test_support::{
        api_with, ctx_for, custom, lambda_backend, mapping, with_templates,
    };

    #[test]
    fn content_type_key_strips_parameters_and_defaults() {
        assert_eq!(content_type_key(None), "application/json");
        assert_eq!(
            content_type_key(Some("application/json; charset=UTF-8")),
            "application/json"
        );
        assert_eq!(content_type_key(Some("text/plain")), "text/plain");
        assert_eq!(content_type_key(Some("garbage")), "application/json");
    }

    #[test]
    fn passthrough_table() {
        use PassthroughBehavior::*;
        let case = |templates: &[&str], pb, ct: Option<&str>| {
            let mut i = with_templates(templates);
            i.passthrough = pb;
            match select_request_template(&i, ct) {
                TemplateChoice::Transform(k, _) => format!("t:{k}"),
                TemplateChoice::Passthrough => "pass".into(),
                TemplateChoice::Reject => "415".into(),
            }
        };
        let json = &["application/json"][..];
        let xml = Some("application/xml");
        assert_eq!(case(json, WhenNoMatch, xml), "pass");
        assert_eq!(case(json, WhenNoTemplates, xml), "415");
        assert_eq!(case(json, Never, xml), "415");
        assert_eq!(case(&[], WhenNoMatch, xml), "pass");
        assert_eq!(case(&[], WhenNoTemplates, xml), "pass");
        assert_eq!(case(&[], Never, xml), "415");
        assert_eq!(case(&[], Never, None), "415");
        assert_eq!(case(json, Never, None), "t:application/json");
        assert_eq!(case(json, Never, Some("Application/JSON")), "415");
    }

    #[test]
    fn empty_template_passes_through() {
        let mut i = with_templates(&[]);
        i.request_templates.push(("application/json".into(), None));
        i.passthrough = PassthroughBehavior::Never;
        assert!(matches!(
            select_request_template(&i, None),
            TemplateChoice::Passthrough
        ));
    }

    #[test]
    fn passthrough_keeps_bytes_and_templates_render() {
        let api = api_with(custom(
            lambda_backend(),
            &[("application/json", "{\"id\": \"$input.params('id')\"}")],
        ));
        let mut ctx = ctx_for(&api, http::Method::POST, "/p?id=7");
        ctx.req.body = Bytes::from_static(b"{\"test\": \"val123\"}");
        let integ = crate::integration::custom::test_support::integration(&api);
        let mut st = CustomState::new(&ctx);
        let out = map_request(&ctx, integ, &mut st).unwrap();
        assert_eq!(&out[..], b"{\"id\": \"7\"}");

        ctx.req.headers.push("Content-Type", "text/plain").unwrap();
        let mut st = CustomState::new(&ctx);
        let out = map_request(&ctx, integ, &mut st).unwrap();
        assert_eq!(&out[..], b"{\"test\": \"val123\"}");
    }

    #[test]
    fn non_json_payload_for_lambda_is_a_500() {
        let api = api_with(custom(
            lambda_backend(),
            &[("application/json", "Action=x")],
        ));
        let ctx = ctx_for(&api, http::Method::GET, "/p");
        let integ = crate::integration::custom::test_support::integration(&api);
        let err = map_request(&ctx, integ, &mut CustomState::new(&ctx)).unwrap_err();
        assert_eq!(
            err.classify(crate::config::model::ApiKind::Rest).status,
            500
        );
        assert!(is_json_payload(b""));
        assert!(is_json_payload(b" {\"a\":1} "));
        assert!(!is_json_payload(b"{"));
    }

    #[test]
    fn illegal_header_mapping_is_a_500_and_others_are_mapped() {
        let mut i = custom(lambda_backend(), &[]);
        i.request_parameters.push(mapping(
            RequestParamTarget::Header,
            "X-Amz-Invocation-Type",
            "'Event'",
        ));
        i.request_parameters.push(mapping(
            RequestParamTarget::QueryString,
            "q",
            "method.request.querystring.a",
        ));
        i.request_parameters.push(mapping(
            RequestParamTarget::Path,
            "p",
            "method.request.body.x.y",
        ));
        let api = api_with(i);
        let mut ctx = ctx_for(&api, http::Method::POST, "/p?a=1");
        ctx.req.body = Bytes::from_static(b"{\"x\":{\"y\":[1]}}");
        let integ = crate::integration::custom::test_support::integration(&api);
        let mut st = CustomState::new(&ctx);
        map_request(&ctx, integ, &mut st).unwrap();
        assert_eq!(
            st.integration_headers,
            vec![("X-Amz-Invocation-Type".to_string(), "Event".to_string())]
        );
        assert_eq!(
            st.integration_querystring,
            vec![("q".to_string(), "1".to_string())]
        );
        assert_eq!(
            st.integration_path,
            vec![("p".to_string(), "[1]".to_string())]
        );

        for h in ["Content-Length", "authorization", "Connection", "Expect"] {
            let mut i = custom(lambda_backend(), &[]);
            i.request_parameters
                .push(mapping(RequestParamTarget::Header, h, "'x'"));
            let api = api_with(i);
            let ctx = ctx_for(&api, http::Method::GET, "/p");
            let integ = crate::integration::custom::test_support::integration(&api);
            let err = map_request(&ctx, integ, &mut CustomState::new(&ctx)).unwrap_err();
            assert_eq!(
                err.classify(crate::config::model::ApiKind::Rest).status,
                500
            );
        }
    }

    #[test]
    fn request_overrides_replace_mapped_values() {
        let mut i = custom(
            lambda_backend(),
            &[(
                "application/json",
                "#set($context.requestOverride.querystring.q = \"o\")#set($context.requestOverride.header.X-H = \"h\"){}",
            )],
        );
        i.request_parameters
            .push(mapping(RequestParamTarget::QueryString, "q", "'m'"));
        let api = api_with(i);
        let ctx = ctx_for(&api, http::Method::GET, "/p");
        let integ = crate::integration::custom::test_support::integration(&api);
        let mut st = CustomState::new(&ctx);
        assert_eq!(&map_request(&ctx, integ, &mut st).unwrap()[..], b"{}");
        assert_eq!(
            st.integration_querystring,
            vec![("q".to_string(), "o".to_string())]
        );
        assert_eq!(
            st.integration_headers,
            vec![("X-H".to_string(), "h".to_string())]
        );
    }

    #[test]
    fn content_handling_conversions() {
        let b = Bytes::from_static(b"aGVsbG8=");
        assert_eq!(
            &convert_body(&b, false, Some(ContentHandling::ConvertToBinary)).unwrap()[..],
            b"hello"
        );
        assert!(convert_body(
            &Bytes::from_static(b"%%"),
            false,
            Some(ContentHandling::ConvertToBinary)
        )
        .is_err());
        let raw = Bytes::from_static(b"\x00\x01");
        assert_eq!(
            &convert_body(&raw, true, Some(ContentHandling::ConvertToText)).unwrap()[..],
            b"AAE="
        );
        assert_eq!(convert_body(&raw, true, None).unwrap(), raw);
        assert_eq!(
            convert_body(&b, false, Some(ContentHandling::ConvertToText)).unwrap(),
            b
        );
    }
}
