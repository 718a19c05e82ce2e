//! A conformance case's `config` (spec proxy-auth §14) as apigate YAML (spec config.md), for
//! running the case through the real server: the integration function is [`INTEGRATION`] and
//! every authorizer calls [`AUTHORIZER`], both reached by `invokeUrl` on a test stub.

#![allow(dead_code, clippy::unwrap_used)]

use serde_json::{json, Map, Value};

/// The function every route integrates with.
pub const INTEGRATION: &str = "integration";
/// The function every authorizer calls.
pub const AUTHORIZER: &str = "authorizer";

/// How the case's functions are reached and how long they may take.
#[derive(Debug, Clone)]
pub struct Functions {
    pub integration_url: String,
    pub authorizer_url: String,
    /// `timeoutInMillis` of the integration function (short for timeout cases).
    pub integration_timeout_ms: Option<u64>,
    /// `timeoutInMillis` of the authorizer function (REST authorizers use it).
    pub authorizer_timeout_ms: Option<u64>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A scalar case value as the string API Gateway keeps.
fn scalar(v: &Value) -> Value {
    match v {
        Value::String(_) => v.clone(),
        other => Value::String(other.to_string()),
    }
}

/// The YAML text for `config`.
pub fn yaml(config: &Value, f: &Functions) -> String {
    serde_yaml_ng::to_string(&document(config, f)).unwrap()
}

/// The config document (JSON value) for `config`.
pub fn document(config: &Value, f: &Functions) -> Value {
    let kind = text(config, "api").unwrap_or("REST");
    let api_type = match kind {
        "FURL" => "FUNCTION_URL",
        "HTTP" => "HTTP",
        _ => "REST",
    };
    let mut api = Map::new();
    api.insert("type".into(), api_type.into());
    for (from, to) in [
        ("api_id", "id"),
        ("account_id", "accountId"),
        ("region", "region"),
    ] {
        if let Some(v) = config.get(from).filter(|v| !v.is_null()) {
            api.insert(to.into(), scalar(v));
        }
    }
    if api_type != "FUNCTION_URL" {
        let default_stage = if api_type == "HTTP" {
            "$default"
        } else {
            "test"
        };
        let stage = text(config, "stage").unwrap_or(default_stage);
        api.insert("stage".into(), stage.into());
        // Case paths carry the stage for REST (and for a named HTTP stage).
        api.insert("stagePrefix".into(), (stage != "$default").into());
    }
    if let Some(b) = config.get("binary_media_types").filter(|v| v.is_array()) {
        api.insert("binaryMediaTypes".into(), b.clone());
    }
    if let Some(Value::Object(vars)) = config.get("stage_variables") {
        if !vars.is_empty() {
            let vars: Map<String, Value> =
                vars.iter().map(|(k, v)| (k.clone(), scalar(v))).collect();
            api.insert("stageVariables".into(), vars.into());
        }
    }
    if let Some(Value::Object(responses)) = config.get("gateway_responses") {
        if !responses.is_empty() {
            api.insert("gatewayResponses".into(), gateway_responses(responses));
        }
    }
    if let Some(t) = config.get("throttle").filter(|v| v.is_object()) {
        api.insert("throttle".into(), t.clone());
    }

    let mut integration_fn = json!({"invokeUrl": f.integration_url});
    if let Some(ms) = f.integration_timeout_ms {
        integration_fn["timeoutInMillis"] = ms.into();
    }
    let mut authorizer_fn = json!({"invokeUrl": f.authorizer_url});
    if let Some(ms) = f.authorizer_timeout_ms {
        authorizer_fn["timeoutInMillis"] = ms.into();
    }
    let mut doc = json!({
        "listen": "127.0.0.1:0",
        "api": api,
        "functions": {
            INTEGRATION: integration_fn,
            AUTHORIZER: authorizer_fn,
        },
    });
    if let Some(Value::Object(auths)) = config.get("authorizers") {
        if !auths.is_empty() && api_type != "FUNCTION_URL" {
            let auths: Map<String, Value> = auths
                .iter()
                .map(|(name, a)| (name.clone(), authorizer(a, api_type)))
                .collect();
            doc["authorizers"] = auths.into();
        }
    }
    doc["routes"] = routes(config, api_type);
    doc
}

fn gateway_responses(responses: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (kind, r) in responses {
        let mut entry = Map::new();
        if let Some(status) = r.get("statusCode").filter(|v| !v.is_null()) {
            entry.insert("statusCode".into(), scalar(status));
        }
        for key in ["responseParameters", "responseTemplates"] {
            if let Some(v) = r.get(key).filter(|v| v.is_object()) {
                entry.insert(key.into(), v.clone());
            }
        }
        out.insert(kind.clone(), entry.into());
    }
    out.into()
}

fn authorizer(a: &Value, api_type: &str) -> Value {
    let mut out = Map::new();
    out.insert(
        "type".into(),
        text(a, "type").unwrap_or("REQUEST").to_string().into(),
    );
    out.insert("function".into(), AUTHORIZER.into());
    if let Some(s) = text(a, "identity_source") {
        out.insert("identitySource".into(), s.into());
    }
    if let Some(s) = text(a, "validation_expression") {
        out.insert("identityValidationExpression".into(), s.into());
    }
    if let Some(ttl) = a.get("ttl").and_then(Value::as_u64) {
        out.insert("authorizerResultTtlInSeconds".into(), ttl.into());
    }
    if api_type == "HTTP" {
        if let Some(v) = a.get("payload_format_version").filter(|v| !v.is_null()) {
            out.insert("authorizerPayloadFormatVersion".into(), scalar(v));
        }
        if let Some(v) = a.get("simple_responses").and_then(Value::as_bool) {
            out.insert("enableSimpleResponses".into(), v.into());
        }
    }
    out.into()
}

fn routes(config: &Value, api_type: &str) -> Value {
    if api_type == "FUNCTION_URL" {
        return json!([{"path": "$default", "integration": {"type": "AWS_PROXY", "function": INTEGRATION}}]);
    }
    let api_format = config
        .get("payload_format_version")
        .filter(|v| !v.is_null());
    let list = config
        .get("routes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let out: Vec<Value> = list
        .iter()
        .map(|r| {
            let path = text(r, "resource").unwrap_or("/");
            let mut route = Map::new();
            route.insert("path".into(), path.into());
            if path != "$default" {
                route.insert("method".into(), text(r, "method").unwrap_or("ANY").into());
            }
            if let Some(auth) = text(r, "auth").filter(|a| *a != "NONE") {
                route.insert("authorizer".into(), auth.into());
            }
            if r.get("api_key_required").and_then(Value::as_bool) == Some(true) {
                route.insert("apiKeyRequired".into(), true.into());
            }
            let mut integration = json!({"type": "AWS_PROXY", "function": INTEGRATION});
            if api_type == "HTTP" {
                let format = r
                    .get("payload_format_version")
                    .filter(|v| !v.is_null())
                    .or(api_format);
                if let Some(v) = format {
                    integration["payloadFormatVersion"] = scalar(v);
                }
            }
            route.insert("integration".into(), integration);
            route.into()
        })
        .collect();
    out.into()
}
