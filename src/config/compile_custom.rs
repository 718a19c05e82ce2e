//! Compiling custom integrations (`AWS`, `MOCK`) and REST method request settings
//! (validators, declared parameters, models) from the raw mirror into the model.
//!
//! Every error carries its key path (`routes[3].integration.requestTemplates.application/json`);
//! template errors add the VTL line:col. Errors are returned, not recorded, so the caller
//! decides where they go (the config error sink).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use crate::config::compile_api::is_media_type;
use crate::config::model::{
    ContentHandling, CustomBackend, CustomIntegration, IntegrationResponse, MethodParameter,
    MethodRequest, ParamLocation, PassthroughBehavior, RequestModel, RequestParamTarget,
    RequestParameter, RequestValidator,
};
use crate::config::raw::{Entries, RawIntegration, RawIntegrationResponse, RawRoute};
use crate::integration::custom::params::{self, Side};
use crate::vtl::java_regex::JavaRegex;
use crate::vtl::Template;

/// Errors as `(key path, message)`.
pub type KeyErrors = Vec<(String, String)>;

/// The URI under which API Gateway publishes a model, the target of cross-model `$ref`s.
pub fn model_uri(api_id: &str, name: &str) -> String {
    format!("https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}")
}

/// Compiles the custom-integration keys of `ri` (at key path `path`) for `backend`.
pub fn compile_custom_integration(
    ri: &RawIntegration,
    path: &str,
    backend: CustomBackend,
    timeout: Duration,
) -> Result<CustomIntegration, KeyErrors> {
    let mut errs = KeyErrors::new();
    let passthrough = match ri
        .passthrough_behavior
        .as_deref()
        .map(str::to_ascii_uppercase)
    {
        None => PassthroughBehavior::WhenNoMatch,
        Some(p) if p == "WHEN_NO_MATCH" => PassthroughBehavior::WhenNoMatch,
        Some(p) if p == "WHEN_NO_TEMPLATES" => PassthroughBehavior::WhenNoTemplates,
        Some(p) if p == "NEVER" => PassthroughBehavior::Never,
        Some(_) => {
            errs.push((
                format!("{path}.passthroughBehavior"),
                format!(
                    "unknown passthroughBehavior '{}' (allowed: WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER)",
                    ri.passthrough_behavior.as_deref().unwrap_or_default()
                ),
            ));
            PassthroughBehavior::WhenNoMatch
        }
    };
    let content_handling = content_handling(
        ri.content_handling.as_deref(),
        &format!("{path}.contentHandling"),
        &mut errs,
    );
    let request_parameters = request_parameters(ri, path, &mut errs);
    let request_templates = templates(
        ri.request_templates.as_ref(),
        &format!("{path}.requestTemplates"),
        &mut errs,
    );
    let mut responses = Vec::new();
    let mut default_key: Option<&str> = None;
    for (key, raw) in ri.responses.iter().flat_map(|r| &r.0) {
        let p = format!("{path}.responses.{key}");
        let is_default = key == "default" || key.is_empty();
        if is_default {
            if let Some(first) = default_key {
                errs.push((
                    p.clone(),
                    format!("a second default response (the first is '{first}')"),
                ));
            }
            default_key = Some(key);
        }
        if let Some(r) = integration_response(key, raw, &p, is_default, &mut errs) {
            responses.push(r);
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    order_responses(&mut responses);
    Ok(CustomIntegration {
        backend,
        timeout,
        request_parameters,
        request_templates,
        passthrough,
        content_handling,
        responses,
    })
}

/// Puts integration responses in selection order: patterns by ascending status code (ties keep
/// configuration order), then the default response.
pub fn order_responses(responses: &mut [IntegrationResponse]) {
    responses.sort_by_key(|r| (r.pattern.is_none(), r.status));
}

fn request_parameters(
    ri: &RawIntegration,
    path: &str,
    errs: &mut KeyErrors,
) -> Vec<RequestParameter> {
    let mut out = Vec::new();
    for (key, value) in ri.request_parameters.iter().flat_map(|p| &p.0) {
        let p = format!("{path}.requestParameters.{key}");
        let target = [
            ("integration.request.header.", RequestParamTarget::Header),
            (
                "integration.request.querystring.",
                RequestParamTarget::QueryString,
            ),
            ("integration.request.path.", RequestParamTarget::Path),
        ]
        .into_iter()
        .find_map(|(pre, t)| {
            key.strip_prefix(pre)
                .filter(|n| !n.is_empty())
                .map(|n| (t, n))
        });
        let Some((target, name)) = target else {
            errs.push((
                p,
                format!("'{key}' must be integration.request.(header|querystring|path).NAME"),
            ));
            continue;
        };
        match params::parse(value, Side::Request) {
            Ok(source) => out.push(RequestParameter {
                target,
                name: name.to_string(),
                source,
            }),
            Err(e) => errs.push((p, e)),
        }
    }
    out
}

fn integration_response(
    key: &str,
    raw: &RawIntegrationResponse,
    p: &str,
    is_default: bool,
    errs: &mut KeyErrors,
) -> Option<IntegrationResponse> {
    let before = errs.len();
    let pattern = if is_default {
        None
    } else {
        match JavaRegex::new(key) {
            Ok(r) => Some(r),
            Err(e) => {
                errs.push((p.to_string(), format!("invalid selection pattern: {e}")));
                None
            }
        }
    };
    let status = match raw.status_code.as_ref().map(|s| s.0.as_str()) {
        None => {
            errs.push((p.to_string(), "missing required key 'statusCode'".into()));
            None
        }
        Some(t) => match t.parse::<u16>() {
            Ok(n) if t.len() == 3 && (100..=599).contains(&n) => Some(n),
            _ => {
                errs.push((
                    format!("{p}.statusCode"),
                    format!("'{t}' is not an HTTP status code (100..=599)"),
                ));
                None
            }
        },
    };
    let mut response_parameters = Vec::new();
    for (k, v) in raw.response_parameters.iter().flat_map(|r| &r.0) {
        let kp = format!("{p}.responseParameters.{k}");
        let Some(name) = k
            .strip_prefix("method.response.header.")
            .filter(|n| !n.is_empty())
        else {
            errs.push((kp, format!("'{k}' must be method.response.header.NAME")));
            continue;
        };
        match params::parse(v, Side::Response) {
            Ok(src) => response_parameters.push((name.to_string(), src)),
            Err(e) => errs.push((kp, e)),
        }
    }
    let mut response_templates = templates(
        raw.response_templates.as_ref(),
        &format!("{p}.responseTemplates"),
        errs,
    );
    // The spec's "first" template when neither Accept nor application/json matches.
    response_templates.sort_by(|a, b| a.0.cmp(&b.0));
    let content_handling = content_handling(
        raw.content_handling.as_deref(),
        &format!("{p}.contentHandling"),
        errs,
    );
    if errs.len() != before {
        return None;
    }
    Some(IntegrationResponse {
        key: key.to_string(),
        pattern,
        status: status?,
        response_parameters,
        response_templates,
        content_handling,
    })
}

/// Content type -> compiled template; an empty (or blank) template is kept as `None`.
fn templates(
    raw: Option<&Entries<String>>,
    path: &str,
    errs: &mut KeyErrors,
) -> Vec<(String, Option<Template>)> {
    let mut out = Vec::new();
    for (ct, text) in raw.iter().flat_map(|r| &r.0) {
        let p = format!("{path}.{ct}");
        if !is_media_type(ct) {
            errs.push((p, format!("'{ct}' is not a content type (type/subtype)")));
            continue;
        }
        if out.iter().any(|(k, _): &(String, _)| k == ct) {
            errs.push((p, format!("duplicate template for '{ct}'")));
            continue;
        }
        if text.trim().is_empty() {
            out.push((ct.clone(), None));
            continue;
        }
        match Template::compile(&p, text) {
            Ok(t) => out.push((ct.clone(), Some(t))),
            Err(e) => errs.push((p, format!("{}:{}: {}", e.line, e.col, e.kind))),
        }
    }
    out
}

fn content_handling(v: Option<&str>, path: &str, errs: &mut KeyErrors) -> Option<ContentHandling> {
    match v?.to_ascii_uppercase().as_str() {
        "CONVERT_TO_TEXT" => Some(ContentHandling::ConvertToText),
        "CONVERT_TO_BINARY" => Some(ContentHandling::ConvertToBinary),
        _ => {
            errs.push((
                path.to_string(),
                format!(
                    "unknown contentHandling '{}' (allowed: CONVERT_TO_TEXT, CONVERT_TO_BINARY)",
                    v.unwrap_or_default()
                ),
            ));
            None
        }
    }
}

/// Compiles `api.models` (JSON Schema draft 4) for API `api_id`. A model may `$ref` another by
/// its API Gateway URI ([`model_uri`]) or by its bare name (resolved against that URI), and
/// `#/definitions/...` within itself.
pub fn compile_models(
    api_id: &str,
    models: &[(String, Json)],
) -> (Vec<(String, Arc<RequestModel>)>, KeyErrors) {
    let by_uri: Arc<HashMap<String, Json>> = Arc::new(
        models
            .iter()
            .map(|(n, s)| (model_uri(api_id, n), s.clone()))
            .collect(),
    );
    let mut out = Vec::new();
    let mut errs = KeyErrors::new();
    for (name, schema) in models {
        let p = format!("api.models.{name}");
        if !schema.is_object() {
            errs.push((p, "a model must be a JSON Schema object".into()));
            continue;
        }
        let built = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .with_base_uri(model_uri(api_id, name))
            .with_retriever(Models(by_uri.clone()))
            .build(schema);
        match built {
            Ok(v) => out.push((
                name.clone(),
                Arc::new(RequestModel {
                    name: name.clone(),
                    schema: v,
                }),
            )),
            Err(e) => errs.push((p, format!("invalid JSON Schema (draft 4): {e}"))),
        }
    }
    (out, errs)
}

/// Resolves `$ref`s to the API's own models; nothing is fetched from the network.
struct Models(Arc<HashMap<String, Json>>);

impl jsonschema::Retrieve for Models {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Json, Box<dyn std::error::Error + Send + Sync>> {
        let key = uri.as_str().trim_end_matches('#');
        self.0
            .get(key)
            .cloned()
            .ok_or_else(|| format!("'{key}' is not a model of this API").into())
    }
}

/// `api.requestValidators` -> flags by name (missing flags are `false`).
pub fn compile_validators(
    raw: &Entries<crate::config::raw::RawRequestValidator>,
) -> Vec<(String, RequestValidator)> {
    raw.0
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                RequestValidator {
                    parameters: v.validate_request_parameters.unwrap_or(false),
                    body: v.validate_request_body.unwrap_or(false),
                },
            )
        })
        .collect()
}

/// A route's method request settings. Keys were already checked by the routes compiler
/// (unknown validators or models, malformed parameter keys); anything unusable is skipped here.
pub fn compile_method_request(
    r: &RawRoute,
    validators: &[(String, RequestValidator)],
    models: &[(String, Arc<RequestModel>)],
) -> MethodRequest {
    let validator = r
        .request_validator
        .as_deref()
        .and_then(|v| validators.iter().find(|(n, _)| n == v).map(|(_, f)| *f));
    let mut keyed: Vec<(String, MethodParameter)> = Vec::new();
    for (key, required) in r.request_parameters.iter().flat_map(|p| &p.0) {
        let Some((loc, name)) = key
            .strip_prefix("method.request.")
            .and_then(|rest| rest.split_once('.'))
        else {
            continue;
        };
        let location = match loc {
            "header" | "multivalueheader" => ParamLocation::Header,
            "path" => ParamLocation::Path,
            "querystring" | "multivaluequerystring" => ParamLocation::QueryString,
            _ => continue,
        };
        if name.is_empty() {
            continue;
        }
        keyed.push((
            key.clone(),
            MethodParameter {
                location,
                name: name.to_string(),
                required: *required,
            },
        ));
    }
    // AWS lists missing parameters in ascending order of their full key.
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let request_models = r
        .request_models
        .iter()
        .flat_map(|m| &m.0)
        .filter_map(|(ct, name)| {
            models
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, m)| (ct.clone(), m.clone()))
        })
        .collect();
    MethodRequest {
        validator,
        parameters: keyed.into_iter().map(|(_, p)| p).collect(),
        models: request_models,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::raw::Scalar;
    use serde_json::json;

    fn entries<T: Clone>(e: &[(&str, T)]) -> Entries<T> {
        Entries(e.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn resp(status: &str) -> RawIntegrationResponse {
        RawIntegrationResponse {
            status_code: Some(Scalar(status.into())),
            ..Default::default()
        }
    }

    #[test]
    fn compiles_and_orders_responses() {
        let ri = RawIntegration {
            kind: Some("AWS".into()),
            responses: Some(Entries(vec![
                ("default".into(), resp("200")),
                (".+".into(), resp("502")),
                (".*four hundred.*".into(), resp("405")),
            ])),
            request_templates: Some(entries(&[
                (
                    "application/json",
                    "{\"a\": \"$input.params('a')\"}".to_string(),
                ),
                ("text/plain", String::new()),
            ])),
            ..Default::default()
        };
        let c = compile_custom_integration(
            &ri,
            "routes[0].integration",
            CustomBackend::Mock,
            Duration::from_secs(29),
        )
        .unwrap();
        let order: Vec<u16> = c.responses.iter().map(|r| r.status).collect();
        assert_eq!(order, vec![405, 502, 200]);
        assert_eq!(c.default_response().unwrap().status, 200);
        assert!(c.request_templates[0].1.is_some());
        assert!(c.request_templates[1].1.is_none());
        assert_eq!(c.passthrough, PassthroughBehavior::WhenNoMatch);
    }

    #[test]
    fn errors_carry_key_paths_and_line_col() {
        let ri = RawIntegration {
            request_templates: Some(entries(&[(
                "application/json",
                "{\n  #if($a)\n}".to_string(),
            )])),
            request_parameters: Some(entries(&[
                ("integration.request.header.X", "bogus".to_string()),
                ("integration.response.header.X", "'a'".to_string()),
            ])),
            passthrough_behavior: Some("SOMETIMES".into()),
            content_handling: Some("CONVERT".into()),
            responses: Some(Entries(vec![
                ("default".into(), resp("2000")),
                ("(".into(), resp("400")),
                ("".into(), RawIntegrationResponse::default()),
            ])),
            ..Default::default()
        };
        let errs = compile_custom_integration(
            &ri,
            "routes[3].integration",
            CustomBackend::Mock,
            Duration::ZERO,
        )
        .unwrap_err();
        let keys: Vec<&str> = errs.iter().map(|(k, _)| k.as_str()).collect();
        for k in [
            "routes[3].integration.requestTemplates.application/json",
            "routes[3].integration.requestParameters.integration.request.header.X",
            "routes[3].integration.requestParameters.integration.response.header.X",
            "routes[3].integration.passthroughBehavior",
            "routes[3].integration.contentHandling",
            "routes[3].integration.responses.default.statusCode",
            "routes[3].integration.responses.(",
            "routes[3].integration.responses.",
        ] {
            assert!(keys.contains(&k), "{k} not in {keys:?}");
        }
        let tpl = errs
            .iter()
            .find(|(k, _)| k.ends_with("application/json"))
            .unwrap();
        assert!(tpl.1.starts_with(|c: char| c.is_ascii_digit()), "{}", tpl.1);
        assert!(tpl.1.contains(':'));
    }

    #[test]
    fn models_resolve_refs_to_other_models() {
        let models = vec![
            (
                "Pet".to_string(),
                json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
            ),
            (
                "Pets".to_string(),
                json!({"type": "array", "items": {"$ref": model_uri("api1", "Pet")}}),
            ),
            (
                "ByName".to_string(),
                json!({"type": "array", "items": {"$ref": "Pet"}}),
            ),
            (
                "Local".to_string(),
                json!({"definitions": {"n": {"type": "number"}}, "properties": {"a": {"$ref": "#/definitions/n"}}}),
            ),
        ];
        let (compiled, errs) = compile_models("api1", &models);
        assert!(errs.is_empty(), "{errs:?}");
        let get = |n: &str| &compiled.iter().find(|(k, _)| k == n).unwrap().1.schema;
        assert!(get("Pets").is_valid(&json!([{"name": "x"}])));
        assert!(!get("Pets").is_valid(&json!([{"nom": "x"}])));
        assert!(!get("ByName").is_valid(&json!([{}])));
        assert!(!get("Local").is_valid(&json!({"a": "x"})));
        let (_, errs) = compile_models("api1", &[("Bad".into(), json!({"$ref": "Nope"}))]);
        assert_eq!(errs[0].0, "api.models.Bad");
        let (_, errs) = compile_models("api1", &[("Bad".into(), json!([1]))]);
        assert_eq!(errs.len(), 1);
    }

    #[test]
    fn method_request_parameters_are_sorted_by_full_key() {
        let r = RawRoute {
            request_validator: Some("all".into()),
            request_parameters: Some(entries(&[
                ("method.request.querystring.qs1", true),
                ("method.request.path.issuer", true),
                ("method.request.header.x-header-param", true),
                ("method.request.querystring.page", false),
            ])),
            ..Default::default()
        };
        let v = vec![(
            "all".to_string(),
            RequestValidator {
                parameters: true,
                body: false,
            },
        )];
        let mr = compile_method_request(&r, &v, &[]);
        assert_eq!(mr.validator, Some(v[0].1));
        let names: Vec<&str> = mr.parameters.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["x-header-param", "issuer", "page", "qs1"]);
    }
}
