//! Customised REST gateway responses: `responseTemplates` rendered with the VTL engine (with
//! `$context.error.*`), and `responseParameters` sources resolved against the request.

use std::borrow::Cow;

use crate::gateway::context::RequestCtx;
use crate::gateway::error::Classified;
use crate::gateway::responses::GatewayResponseSpec;
use crate::gateway::template_input::{context_values, error_context, request_params};
use crate::integration::query;
use crate::vtl::{Overrides, RenderInput};

/// Renders the customisation's template for this request: the one keyed by the first `Accept`
/// media type, else `application/json`, else the first configured. `None` when the spec has no
/// template or rendering failed (the built-in body is used then; the failure is logged).
pub fn render(
    ctx: &RequestCtx,
    c: &Classified,
    spec: &GatewayResponseSpec,
) -> Option<(String, String)> {
    let accept = ctx
        .req
        .headers
        .get_first_str("accept")
        .and_then(crate::config::media::essence)
        .map(|(t, s)| format!("{t}/{s}"));
    let (content_type, template) = spec
        .templates
        .iter()
        .find(|(ct, _)| {
            accept
                .as_deref()
                .is_some_and(|a| ct.eq_ignore_ascii_case(a))
        })
        .or_else(|| {
            spec.templates
                .iter()
                .find(|(ct, _)| ct == "application/json")
        })
        .or_else(|| spec.templates.first())?;
    let params = request_params(ctx);
    let mut context = context_values(ctx);
    context.error = Some(error_context(
        c.message.as_deref(),
        c.response_type.name(),
        c.validation_error.as_deref(),
    ));
    let input = RenderInput {
        body: &ctx.req.body,
        params: &params,
        context: &context,
        stage_variables: &ctx.api.stage_variables,
    };
    let mut out = String::new();
    match template.render(&input, &mut Overrides::default(), &mut out) {
        Ok(()) => Some((content_type.clone(), out)),
        Err(e) => {
            tracing::warn!(error = %e, "gateway response template failed; sending the default body");
            None
        }
    }
}

/// The value of a `gatewayresponse.header.X` source: `'literal'`, `method.request.header.X`,
/// `method.request.querystring.X`, `method.request.path.X`, `stageVariables.X`, `context.X`.
/// `None` when the request has no such value (the header is then not sent).
pub fn resolve_source<'a>(ctx: &'a RequestCtx, source: &'a str) -> Option<Cow<'a, str>> {
    if let Some(lit) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Some(Cow::Borrowed(lit));
    }
    if let Some(name) = source.strip_prefix("method.request.header.") {
        return ctx.req.headers.get_str(name).map(Cow::Borrowed);
    }
    if let Some(name) = source.strip_prefix("method.request.querystring.") {
        return query::last(ctx.req.raw_query()?, name);
    }
    if let Some(name) = source.strip_prefix("method.request.path.") {
        let m = ctx.route.as_ref()?;
        return m
            .params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Cow::Borrowed(v.as_str()));
    }
    if let Some(name) = source.strip_prefix("stageVariables.") {
        return ctx
            .api
            .stage_variables
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Cow::Borrowed(v.as_str()));
    }
    let name = source.strip_prefix("context.")?;
    let values = context_values(ctx);
    let found = if let Some(key) = name.strip_prefix("identity.") {
        values.identity.get(key).map(str::to_string)
    } else if let Some(key) = name.strip_prefix("authorizer.") {
        values.authorizer.as_ref().and_then(|a| {
            if key == "principalId" {
                a.principal_id.clone()
            } else {
                a.entries
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
            }
        })
    } else if name == "requestTimeEpoch" {
        Some(values.request_time_epoch.to_string())
    } else {
        values.string_field(name).map(str::to_string)
    };
    found.map(Cow::Owned)
}
