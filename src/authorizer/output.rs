//! The authorizer's reply: parsed and validated once into a [`Grant`] (what the cache keeps), and
//! the failures that map to API Gateway's client responses (spec proxy-auth §8.6, §8.8, §9.1).

use serde_json::{Map, Value};

use crate::config::model::{ApiKind, Authorizer, PayloadFormat};
use crate::gateway::error::GatewayError;

use super::call::{AuthorizerReply, CallError};
use super::policy::{Evaluation, Policy};

/// A usable authorizer result: everything a later request with the same identity reuses.
#[derive(Debug, Clone)]
pub struct Grant {
    /// `principalId` (absent for HTTP API simple responses).
    pub principal_id: Option<String>,
    /// How requests are decided.
    pub decision: Decision,
    /// `context`, JSON types preserved.
    pub context: Map<String, Value>,
    /// `usageIdentifierKey`.
    pub usage_identifier_key: Option<String>,
}

/// The decision part of a result.
#[derive(Debug, Clone)]
pub enum Decision {
    /// An IAM policy, re-evaluated against every request's methodArn.
    Policy(Policy),
    /// An HTTP API simple response: `isAuthorized`, the same for every route.
    Simple {
        /// `isAuthorized`.
        authorized: bool,
    },
}

impl Grant {
    /// The decision for one request's methodArn / routeArn.
    pub fn evaluate(&self, arn: &str) -> Evaluation {
        match &self.decision {
            Decision::Policy(p) => p.evaluate(arn),
            Decision::Simple { authorized: true } => Evaluation::Allow,
            Decision::Simple { authorized: false } => Evaluation::ImplicitDeny,
        }
    }
}

/// Why an authorizer produced no usable result. Cheap to clone: a single-flight failure is shared
/// by every request that waited for it. Never cached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The function failed with the message `Unauthorized` -> 401.
    #[error("authorizer answered Unauthorized")]
    Unauthorized,
    /// Any other failure -> 500 (AuthorizerConfigurationException / Internal Server Error).
    #[error("{0}")]
    Configuration(String),
}

impl From<Failure> for GatewayError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Unauthorized => GatewayError::Unauthorized("authorizer returned Unauthorized"),
            Failure::Configuration(detail) => GatewayError::AuthorizerConfiguration(detail),
        }
    }
}

impl From<CallError> for Failure {
    fn from(e: CallError) -> Self {
        Failure::Configuration(e.to_string())
    }
}

/// Parses the invoke result of `authorizer` on an API of `kind`.
pub fn parse(
    kind: ApiKind,
    authorizer: &Authorizer,
    reply: &AuthorizerReply,
) -> Result<Grant, Failure> {
    let value: Value = serde_json::from_slice(&reply.payload)
        .map_err(|e| Failure::Configuration(format!("authorizer output is not JSON: {e}")))?;
    if reply.function_error {
        // `callback("Unauthorized")` / `raise Exception('Unauthorized')`: the exact message only.
        let message = value.get("errorMessage").and_then(Value::as_str);
        return Err(if message == Some("Unauthorized") {
            Failure::Unauthorized
        } else {
            Failure::Configuration(format!(
                "authorizer function error: {}",
                message.unwrap_or("(no errorMessage)")
            ))
        });
    }
    let obj = value
        .as_object()
        .ok_or_else(|| bad("authorizer output is not a JSON object"))?;
    let simple = kind == ApiKind::Http
        && authorizer.payload_format == PayloadFormat::V2
        && authorizer.simple_responses;
    if simple {
        simple_response(obj)
    } else {
        policy_response(kind, obj)
    }
}

/// `{"isAuthorized": bool, "context": {...}}` (HTTP API 2.0 with `enableSimpleResponses`).
fn simple_response(obj: &Map<String, Value>) -> Result<Grant, Failure> {
    let authorized = obj
        .get("isAuthorized")
        .and_then(Value::as_bool)
        .ok_or_else(|| bad("isAuthorized missing or not a boolean"))?;
    Ok(Grant {
        principal_id: None,
        decision: Decision::Simple { authorized },
        context: context(obj, false)?,
        usage_identifier_key: None,
    })
}

/// `principalId` + `policyDocument` (+ `context`, `usageIdentifierKey`).
fn policy_response(kind: ApiKind, obj: &Map<String, Value>) -> Result<Grant, Failure> {
    let principal_id = obj
        .get("principalId")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("principalId missing or not a string"))?;
    let doc = obj
        .get("policyDocument")
        .ok_or_else(|| bad("policyDocument missing"))?;
    let policy = Policy::compile(doc).map_err(|e| Failure::Configuration(e.to_string()))?;
    let usage_identifier_key = match obj.get("usageIdentifierKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(bad("usageIdentifierKey is not a string")),
    };
    Ok(Grant {
        principal_id: Some(principal_id.to_string()),
        decision: Decision::Policy(policy),
        // REST contexts are flat: API Gateway refuses object and array values.
        context: context(obj, kind == ApiKind::Rest)?,
        usage_identifier_key,
    })
}

/// The optional `context` object; `flat` refuses any value that is not a string, number or boolean.
fn context(obj: &Map<String, Value>, flat: bool) -> Result<Map<String, Value>, Failure> {
    match obj.get("context") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => {
            if flat
                && map
                    .values()
                    .any(|v| !matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)))
            {
                return Err(bad("context values must be strings, numbers or booleans"));
            }
            Ok(map.clone())
        }
        Some(_) => Err(bad("context is not an object")),
    }
}

fn bad(detail: &'static str) -> Failure {
    Failure::Configuration(detail.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::model::{AuthorizerKind, FunctionId};
    use bytes::Bytes;
    use serde_json::json;
    use std::time::Duration;

    fn authorizer(format: PayloadFormat, simple: bool) -> Authorizer {
        Authorizer {
            name: "a".into(),
            kind: AuthorizerKind::Request,
            function: FunctionId(0),
            identity_sources: vec![],
            validation: None,
            ttl: Duration::ZERO,
            cache_max_entries: 10,
            payload_format: format,
            simple_responses: simple,
            timeout: Duration::from_secs(1),
        }
    }

    fn reply(v: Value, function_error: bool) -> AuthorizerReply {
        AuthorizerReply {
            payload: Bytes::from(v.to_string()),
            function_error,
        }
    }

    fn rest(v: Value) -> Result<Grant, Failure> {
        parse(
            ApiKind::Rest,
            &authorizer(PayloadFormat::V1, false),
            &reply(v, false),
        )
    }

    #[test]
    fn rest_policy_output() {
        let g = rest(json!({"principalId": "user",
            "policyDocument": {"Version": "2012-10-17", "Statement": []},
            "context": {"s": "v", "n": 1, "b": true}, "usageIdentifierKey": "key"}))
        .unwrap();
        assert_eq!(g.principal_id.as_deref(), Some("user"));
        assert_eq!(g.context["n"], json!(1));
        assert_eq!(g.usage_identifier_key.as_deref(), Some("key"));
    }

    #[test]
    fn rest_refuses_unusable_outputs() {
        let doc = json!({"Statement": []});
        for v in [
            json!({"principalId": "user"}),
            json!({"policyDocument": doc}),
            json!({"principalId": 1, "policyDocument": doc}),
            json!({"principalId": "u", "policyDocument": doc, "context": {"nested": {"a": 1}}}),
            json!({"principalId": "u", "policyDocument": doc, "context": {"list": [1]}}),
            json!({"principalId": "u", "policyDocument": doc, "context": {"n": null}}),
            json!({"principalId": "u", "policyDocument": doc, "context": "x"}),
            json!({"principalId": "u", "policyDocument": "nope"}),
            json!([1]),
        ] {
            assert!(
                matches!(rest(v.clone()), Err(Failure::Configuration(_))),
                "{v}"
            );
        }
        let garbage = AuthorizerReply {
            payload: Bytes::from_static(b"<html>"),
            function_error: false,
        };
        let a = authorizer(PayloadFormat::V1, false);
        assert!(matches!(
            parse(ApiKind::Rest, &a, &garbage),
            Err(Failure::Configuration(_))
        ));
    }

    #[test]
    fn function_errors() {
        let a = authorizer(PayloadFormat::V1, false);
        let unauthorized = reply(
            json!({"errorMessage": "Unauthorized", "errorType": "Error"}),
            true,
        );
        assert_eq!(
            parse(ApiKind::Rest, &a, &unauthorized).unwrap_err(),
            Failure::Unauthorized
        );
        let other = reply(json!({"errorMessage": "Error: Invalid token"}), true);
        assert!(matches!(
            parse(ApiKind::Rest, &a, &other),
            Err(Failure::Configuration(_))
        ));
        let g: GatewayError = Failure::Unauthorized.into();
        assert_eq!(g.classify(ApiKind::Rest).status, 401);
    }

    #[test]
    fn http_simple_responses() {
        let a = authorizer(PayloadFormat::V2, true);
        let ok = reply(
            json!({"isAuthorized": true, "context": {"deep": {"x": [1]}}}),
            false,
        );
        let g = parse(ApiKind::Http, &a, &ok).unwrap();
        assert_eq!(g.evaluate("any"), Evaluation::Allow);
        assert_eq!(g.context["deep"], json!({"x": [1]}));
        let no = reply(json!({"isAuthorized": false}), false);
        assert_eq!(
            parse(ApiKind::Http, &a, &no).unwrap().evaluate("x"),
            Evaluation::ImplicitDeny
        );
        for v in [json!({"allowed": "yes"}), json!({"isAuthorized": "true"})] {
            assert!(parse(ApiKind::Http, &a, &reply(v, false)).is_err());
        }
        // Without simple responses an HTTP API authorizer answers with a policy.
        let p = authorizer(PayloadFormat::V2, false);
        assert!(parse(
            ApiKind::Http,
            &p,
            &reply(json!({"isAuthorized": true}), false)
        )
        .is_err());
    }
}
