//! Method request validation (mapping.md §7): runs only when the route has a request
//! validator; parameters first (required ones missing or empty), then the body against the
//! model for the request's content type (JSON Schema draft 4; an empty body is `{}`; a body that
//! is not JSON is invalid).

use serde_json::Value as Json;

use crate::config::model::{MethodParameter, ParamLocation, RequestModel, Route};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;

/// Validates the request against `route`'s method request settings.
pub fn validate(ctx: &RequestCtx, route: &Route) -> Result<(), GatewayError> {
    let mr = &route.method_request;
    let Some(v) = mr.validator else {
        return Ok(());
    };
    if v.parameters {
        let missing: Vec<String> = mr
            .parameters
            .iter()
            .filter(|p| p.required && !is_present(ctx, p))
            .map(|p| p.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(GatewayError::BadRequestParameters(missing));
        }
    }
    if v.body {
        let content_type = ctx.req.headers.get_str("content-type");
        if let Some(model) = model_for(&mr.models, content_type) {
            validate_body(&ctx.req.body, model)?;
        }
    }
    Ok(())
}

/// The model for a content type: its exact key, else `$default`.
fn model_for<'a>(
    models: &'a [(String, std::sync::Arc<RequestModel>)],
    content_type: Option<&str>,
) -> Option<&'a RequestModel> {
    let key = crate::integration::custom::request::content_type_key(content_type);
    models
        .iter()
        .find(|(ct, _)| ct == key)
        .or_else(|| models.iter().find(|(ct, _)| ct == "$default"))
        .map(|(_, m)| m.as_ref())
}

/// Validates a body against a model; an empty body is validated as `{}`. The error carries
/// `$context.error.validationErrorString`: every schema violation, in API Gateway's bracketed
/// list form (`[msg1, msg2]`).
pub fn validate_body(body: &[u8], model: &RequestModel) -> Result<(), GatewayError> {
    let doc: Json = if body.iter().all(u8::is_ascii_whitespace) {
        Json::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(body).map_err(|e| {
            GatewayError::BadRequestBody(format!("[Invalid request body: not JSON ({e})]"))
        })?
    };
    let errors: Vec<String> = model
        .schema
        .iter_errors(&doc)
        .map(|e| e.to_string())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(GatewayError::BadRequestBody(format!(
            "[{}]",
            errors.join(", ")
        )))
    }
}

/// Whether a declared parameter is present with a non-empty value.
fn is_present(ctx: &RequestCtx, p: &MethodParameter) -> bool {
    match p.location {
        ParamLocation::Header => ctx
            .req
            .headers
            .get_all(&p.name)
            .last()
            .is_some_and(|v| !v.is_empty()),
        ParamLocation::QueryString => ctx
            .req
            .raw_query()
            .and_then(|q| crate::integration::query::last(q, &p.name))
            .is_some_and(|v| !v.is_empty()),
        ParamLocation::Path => ctx
            .route
            .as_ref()
            .is_some_and(|r| r.params.iter().any(|(n, v)| *n == p.name && !v.is_empty())),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::model::{ApiKind, MethodRequest, RequestValidator};
    use crate::integration::custom::test_support::{api_with_route, ctx_for, model};

    fn param(location: ParamLocation, name: &str) -> MethodParameter {
        MethodParameter {
            location,
            name: name.into(),
            required: true,
        }
    }

    fn message(e: &GatewayError) -> (u16, String) {
        let c = e.classify(ApiKind::Rest);
        (c.status, c.message.unwrap().into_owned())
    }

    #[test]
    fn missing_parameters_in_key_order() {
        let mut api = api_with_route("/r/{issuer}");
        let route = &mut std::sync::Arc::get_mut(&mut api).unwrap().routes[0];
        route.method_request = MethodRequest {
            validator: Some(RequestValidator {
                parameters: true,
                body: true,
            }),
            parameters: vec![
                param(ParamLocation::Header, "x-header-param"),
                param(ParamLocation::Path, "issuer"),
                param(ParamLocation::QueryString, "qs1"),
            ],
            models: vec![],
        };
        let mut ctx = ctx_for(&api, http::Method::POST, "/r/x?qs1=");
        ctx.route.as_mut().unwrap().params = vec![("issuer".into(), String::new())];
        let err = validate(&ctx, &api.routes[0]).unwrap_err();
        assert_eq!(
            message(&err),
            (
                400,
                "Missing required request parameters: [x-header-param, issuer, qs1]".into()
            )
        );
        let mut ctx = ctx_for(&api, http::Method::POST, "/r/x?qs1=a");
        ctx.req.headers.push("X-Header-Param", "v").unwrap();
        validate(&ctx, &api.routes[0]).unwrap();
    }

    #[test]
    fn body_validation_modes() {
        let schema = serde_json::json!({"type": "object", "required": ["a", "b"]});
        for (params, body, expect_err) in [
            (true, true, true),
            (false, true, true),
            (true, false, false),
            (false, false, false),
        ] {
            let mut api = api_with_route("/r");
            let route = &mut std::sync::Arc::get_mut(&mut api).unwrap().routes[0];
            route.method_request = MethodRequest {
                validator: Some(RequestValidator {
                    parameters: params,
                    body,
                }),
                parameters: vec![],
                models: vec![("application/json".into(), model("M", &schema))],
            };
            let ctx = ctx_for(&api, http::Method::GET, "/r");
            let r = validate(&ctx, &api.routes[0]);
            assert_eq!(r.is_err(), expect_err, "{params} {body}");
            if let Err(e) = r {
                assert_eq!(message(&e), (400, "Invalid request body".into()));
            }
        }
    }

    #[test]
    fn bodies_against_a_model() {
        let m = model(
            "M",
            &serde_json::json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}),
        );
        assert!(validate_body(b"{\"a\": \"x\"}", &m).is_ok());
        assert!(validate_body(b"{\"a\": 1}", &m).is_err());
        assert!(validate_body(b"", &m).is_err());
        assert!(validate_body(b"not json", &m).is_err());
        let Err(GatewayError::BadRequestBody(detail)) = validate_body(b"{}", &m) else {
            panic!("the body is invalid")
        };
        assert!(
            detail.starts_with('[') && detail.contains("\"a\""),
            "{detail}"
        );
    }
}
