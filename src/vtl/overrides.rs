//! `$context.requestOverride` / `$context.responseOverride`: writable maps that survive from
//! the request template render to the response template render of the same request, and
//! that the gateway reads afterwards (status, header and parameter overrides).

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::Value as Json;

use super::value::{Map, Value};

/// Override state of one request. Values are kept as JSON values because templates may store
/// anything (a list for a multi-value header, a number for the status).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `$context.requestOverride.path.*`
    pub request_path: Vec<(String, Json)>,
    /// `$context.requestOverride.header.*`
    pub request_header: Vec<(String, Json)>,
    /// `$context.requestOverride.querystring.*`
    pub request_querystring: Vec<(String, Json)>,
    /// `$context.responseOverride.status`
    pub response_status: Option<Json>,
    /// `$context.responseOverride.header.*`
    pub response_header: Vec<(String, Json)>,
    /// Other keys templates put on `$context.responseOverride` (carried along, unused by AWS).
    pub response_extra: Vec<(String, Json)>,
}

/// A stored override value as header/parameter text: strings as-is, lists joined with `,`.
pub fn override_text(v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        Json::Array(items) => items
            .iter()
            .map(override_text)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

fn texts(list: &[(String, Json)]) -> Vec<(String, String)> {
    list.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), override_text(v)))
        .collect()
}

impl Overrides {
    /// The status override as an HTTP status code, if a template set a valid one.
    pub fn status(&self) -> Option<u16> {
        let v = self.response_status.as_ref()?;
        let n = match v {
            Json::Number(n) => n.as_u64()?,
            Json::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        u16::try_from(n).ok().filter(|s| (100..=599).contains(s))
    }

    /// Integration request header overrides as text.
    pub fn request_headers(&self) -> Vec<(String, String)> {
        texts(&self.request_header)
    }

    /// Integration request path parameter overrides as text.
    pub fn request_paths(&self) -> Vec<(String, String)> {
        texts(&self.request_path)
    }

    /// Integration request query string overrides as text.
    pub fn request_querystrings(&self) -> Vec<(String, String)> {
        texts(&self.request_querystring)
    }

    /// Method response header overrides as text.
    pub fn response_headers(&self) -> Vec<(String, String)> {
        texts(&self.response_header)
    }

    /// Builds the two VM maps (`requestOverride`, `responseOverride`) from the stored state.
    pub(crate) fn to_values<'a>(&self) -> (Value<'a>, Value<'a>) {
        let sub = |list: &[(String, Json)]| {
            Value::map(
                list.iter()
                    .map(|(k, v)| (Value::owned(k.clone()), Value::from_serde(v)))
                    .collect(),
            )
        };
        let req = opaque(vec![
            (Value::Str("path"), sub(&self.request_path)),
            (Value::Str("header"), sub(&self.request_header)),
            (Value::Str("querystring"), sub(&self.request_querystring)),
        ]);
        let mut resp = vec![(Value::Str("header"), sub(&self.response_header))];
        if let Some(s) = &self.response_status {
            resp.push((Value::Str("status"), Value::from_serde(s)));
        }
        for (k, v) in &self.response_extra {
            resp.push((Value::owned(k.clone()), Value::from_serde(v)));
        }
        (req, opaque(resp))
    }

    /// Stores the VM maps back after a render.
    pub(crate) fn store(&mut self, req: &Value<'_>, resp: &Value<'_>) {
        fn list(v: Option<&Value<'_>>) -> Vec<(String, Json)> {
            match v {
                Some(Value::Map(m)) => m
                    .borrow()
                    .entries
                    .iter()
                    .map(|(k, v)| (k.to_java_string(), v.to_serde()))
                    .collect(),
                _ => Vec::new(),
            }
        }
        if let Value::Map(m) = req {
            let m = m.borrow();
            self.request_path = list(m.get_str("path"));
            self.request_header = list(m.get_str("header"));
            self.request_querystring = list(m.get_str("querystring"));
        }
        if let Value::Map(m) = resp {
            let m = m.borrow();
            self.response_header = list(m.get_str("header"));
            self.response_status = m.get_str("status").map(|v| v.to_serde());
            self.response_extra = m
                .entries
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), Some("header" | "status")))
                .map(|(k, v)| (k.to_java_string(), v.to_serde()))
                .collect();
        }
    }
}

fn opaque<'a>(entries: Vec<(Value<'a>, Value<'a>)>) -> Value<'a> {
    Value::Map(Rc::new(RefCell::new(Map {
        entries,
        opaque: true,
        ci: false,
    })))
}
