//! The configuration file as written: a serde mirror of the YAML keys of spec `config.md`.
//!
//! Every struct denies unknown keys and uses the spec's camelCase names. Values stay as written
//! (strings for enumerations, optional where the key is optional); `config::compile` checks and
//! converts them. Keys owned by features built later (throttling, validation, custom
//! integrations) are accepted and kept here so those features only add compile code.
//!
//! The top level, `functions`, `authorizers` and `routes` are decoded item by item by
//! `config::decode`, so these types have no single root struct deriving `Deserialize`.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The whole file after decoding; a section that failed to decode is `None` / left out.
#[derive(Debug, Default)]
pub struct RawConfig {
    /// `listen`.
    pub listen: Option<String>,
    /// `admin`.
    pub admin: Option<String>,
    /// `server` (apigate's connection limits; an addition to the spec).
    pub server: Option<RawServer>,
    /// `logging` (an addition to the spec).
    pub logging: Option<RawLogging>,
    /// `metrics` (an addition to the spec).
    pub metrics: Option<RawMetrics>,
    /// `api`.
    pub api: Option<RawApi>,
    /// `functions`, in file order.
    pub functions: Vec<(String, RawFunction)>,
    /// `authorizers`, in file order.
    pub authorizers: Vec<(String, RawAuthorizer)>,
    /// `routes`, with their index in the file (a route that failed to decode is skipped).
    pub routes: Vec<(usize, RawRoute)>,
    /// How many routes the file lists, including ones that failed to decode.
    pub routes_written: usize,
    /// Names of every function / authorizer key in the file, including ones that failed to
    /// decode, so references to them do not produce a second, misleading error.
    pub function_names: Vec<String>,
    /// See `function_names`.
    pub authorizer_names: Vec<String>,
}

/// `logging`: apigate's own logs (an addition to the spec).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawLogging {
    /// `text` | `json`.
    pub format: Option<String>,
    /// Default level filter when neither `APIGATE_LOG` nor `RUST_LOG` is set.
    pub level: Option<String>,
}

/// `metrics`: Prometheus recording (an addition to the spec).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawMetrics {
    /// `false` keeps `/metrics` answering but records nothing.
    pub enabled: Option<bool>,
}

/// `api.accessLogSettings` (the stage's access logging, as API Gateway configures it).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAccessLogSettings {
    /// A `$context` format string, or a preset name: `CLF`, `JSON`, `XML`, `CSV`.
    pub format: Option<String>,
}

/// `server`: connection-level limits (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawServer {
    pub max_body_bytes: Option<u64>,
    pub max_header_bytes: Option<u64>,
    pub max_headers: Option<u64>,
    pub header_read_timeout_millis: Option<u64>,
    pub body_read_timeout_millis: Option<u64>,
    pub idle_timeout_millis: Option<u64>,
    pub max_connections: Option<u64>,
    pub shutdown_grace_millis: Option<u64>,
    pub worker_threads: Option<u64>,
}

/// `api`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawApi {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub id: Option<Scalar>,
    pub account_id: Option<Scalar>,
    pub region: Option<String>,
    pub stage: Option<Scalar>,
    pub stage_prefix: Option<bool>,
    /// apigate addition: the `domainName` used when a request has no `Host`.
    pub domain_name: Option<String>,
    /// apigate addition: REST APIs' raised integration timeout quota (29000 .. 300000 ms).
    pub max_integration_timeout_in_millis: Option<u64>,
    pub stage_variables: Option<Entries<Scalar>>,
    pub binary_media_types: Option<Vec<String>>,
    pub gateway_responses: Option<Entries<RawGatewayResponse>>,
    /// Access logging; absent = off.
    pub access_log_settings: Option<RawAccessLogSettings>,
    pub throttle: Option<RawThrottle>,
    pub request_validators: Option<Entries<RawRequestValidator>>,
    /// Model name -> JSON Schema (draft 4), kept as JSON.
    pub models: Option<Entries<serde_json::Value>>,
}

/// `api.gatewayResponses.TYPE`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawGatewayResponse {
    pub status_code: Option<Scalar>,
    pub response_parameters: Option<Entries<String>>,
    pub response_templates: Option<Entries<String>>,
}

/// `api.throttle` (stage default).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawThrottle {
    pub rate_limit: Option<f64>,
    pub burst_limit: Option<u64>,
}

/// `api.requestValidators.NAME`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRequestValidator {
    pub validate_request_body: Option<bool>,
    pub validate_request_parameters: Option<bool>,
}

/// `functions.NAME`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawFunction {
    pub invoke_url: Option<String>,
    pub function_url: Option<String>,
    pub timeout_in_millis: Option<u64>,
}

/// `authorizers.NAME`. New keys (cache sizing ...) are added here as `Option`s.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawAuthorizer {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub function: Option<String>,
    pub identity_source: Option<StringOrList>,
    pub identity_validation_expression: Option<String>,
    pub authorizer_result_ttl_in_seconds: Option<u64>,
    pub authorizer_payload_format_version: Option<Scalar>,
    pub enable_simple_responses: Option<bool>,
    /// apigate's addition: most cached results kept for this authorizer (LRU-like eviction).
    pub authorizer_cache_max_entries: Option<u64>,
}

/// `routes[i]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRoute {
    pub path: Option<String>,
    pub method: Option<String>,
    pub authorizer: Option<String>,
    pub api_key_required: Option<bool>,
    pub request_validator: Option<String>,
    /// Method request parameters (`method.request.querystring.page`) -> required.
    pub request_parameters: Option<Entries<bool>>,
    /// Content type -> model name.
    pub request_models: Option<Entries<String>>,
    pub integration: Option<RawIntegration>,
}

/// `routes[i].integration` (the shape of `x-amazon-apigateway-integration`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawIntegration {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub function: Option<String>,
    pub payload_format_version: Option<Scalar>,
    pub timeout_in_millis: Option<u64>,
    /// `integration.request.header.X` -> source expression.
    pub request_parameters: Option<Entries<String>>,
    /// Content type -> VTL template.
    pub request_templates: Option<Entries<String>>,
    pub passthrough_behavior: Option<String>,
    pub content_handling: Option<String>,
    /// Selection pattern (or `default`) -> integration response.
    pub responses: Option<Entries<RawIntegrationResponse>>,
}

/// `routes[i].integration.responses.PATTERN`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawIntegrationResponse {
    pub status_code: Option<Scalar>,
    /// `method.response.header.X` -> source expression.
    pub response_parameters: Option<Entries<String>>,
    /// Content type -> VTL template.
    pub response_templates: Option<Entries<String>>,
    pub content_handling: Option<String>,
}

/// A scalar written as a string, number or boolean, kept as text (`statusCode: 200` and
/// `statusCode: "200"` mean the same; an unquoted `1.0` stays `1.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                // `{:?}` keeps the fraction of whole numbers: 1.0 -> "1.0".
                Ok(Scalar(format!("{v:?}")))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A comma-separated string or a list of strings (`identitySource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringOrList(pub Vec<String>);

impl<'de> Deserialize<'de> for StringOrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringOrList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringOrList, E> {
                Ok(StringOrList(
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                ))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringOrList, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s.trim().to_string());
                }
                Ok(StringOrList(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A mapping kept in file order (`name -> T`), as a list of entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Entries<T>(pub Vec<(String, T)>);

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Entries<T>, E> {
                Ok(Entries(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<T>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<Scalar, T>()? {
                    out.push((k.0, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}
