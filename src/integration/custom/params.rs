//! Parameter mapping expressions (mapping.md §5.4, §6.3): the source side of
//! `requestParameters` and `responseParameters`, parsed once at config load and evaluated per
//! request.
//!
//! Sources: `method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.P`,
//! `method.request.body[.PATH]`, `integration.response.{header|multivalueheader}.H`,
//! `integration.response.body[.PATH]`, `stageVariables.V`, `context.V` and `'literal'`.
//! `PATH` is a JSONPath without the leading `$.`; only definite paths (names and indexes) are
//! meaningful for a single header value, so only those are accepted.

use std::borrow::Cow;

use serde_json::Value as Json;

use crate::gateway::context::RequestCtx;
use crate::vtl::{ContextValues, RequestParams};

/// Which mapping a source expression appears in (each side allows different prefixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `requestParameters` of the integration request.
    Request,
    /// `responseParameters` of an integration response.
    Response,
}

/// A parsed source expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamSource {
    /// `'text'`: a static value.
    Literal(String),
    /// `method.request.path.P` (URL-decoded).
    MethodPath(String),
    /// `method.request.querystring.P` (last value).
    MethodQuery(String),
    /// `method.request.multivaluequerystring.P` (all values, comma-joined).
    MethodMultiQuery(String),
    /// `method.request.header.P` (last value, case-insensitive name).
    MethodHeader(String),
    /// `method.request.multivalueheader.P` (all values, comma-joined).
    MethodMultiHeader(String),
    /// `method.request.body` / `method.request.body.PATH`.
    MethodBody(Option<BodyPath>),
    /// `integration.response.header.H` / `multivalueheader.H`: Lambda's Invoke reply headers
    /// are never exposed (mapping.md §6.8), so this yields no value for AWS and MOCK.
    IntegrationHeader(String),
    /// `integration.response.body` / `integration.response.body.PATH`.
    IntegrationBody(Option<BodyPath>),
    /// `stageVariables.V`.
    StageVariable(String),
    /// `context.V` (dotted: `context.identity.sourceIp`, `context.authorizer.claims.sub`).
    Context(String),
}

/// One step of a definite body path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `.name` or `['name']`.
    Key(String),
    /// `[n]` (negative counts from the end).
    Index(i64),
}

/// A definite JSONPath written without `$.` (`petstore.pets[0].name`, `a['b c']`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyPath(pub Vec<Step>);

/// Parses a source expression for `side`; the error says what is accepted.
pub fn parse(expr: &str, side: Side) -> Result<ParamSource, String> {
    let e = expr.trim();
    if e.len() >= 2 && e.starts_with('\'') && e.ends_with('\'') {
        return Ok(ParamSource::Literal(e[1..e.len() - 1].to_string()));
    }
    let name = |rest: &str, what: &str| -> Result<String, String> {
        if rest.is_empty() {
            Err(format!("'{e}' names no {what}"))
        } else {
            Ok(rest.to_string())
        }
    };
    if let Some(rest) = e.strip_prefix("method.request.") {
        if rest == "body" {
            return Ok(ParamSource::MethodBody(None));
        }
        if let Some(p) = rest.strip_prefix("body.") {
            return Ok(ParamSource::MethodBody(Some(BodyPath::parse(p)?)));
        }
        let (loc, n) = rest.split_once('.').unwrap_or((rest, ""));
        let n = name(n, "parameter")?;
        return match loc {
            "path" => Ok(ParamSource::MethodPath(n)),
            "querystring" => Ok(ParamSource::MethodQuery(n)),
            "multivaluequerystring" => Ok(ParamSource::MethodMultiQuery(n)),
            "header" => Ok(ParamSource::MethodHeader(n)),
            "multivalueheader" => Ok(ParamSource::MethodMultiHeader(n)),
            _ => Err(format!(
                "'{e}': expected method.request.(path|querystring|multivaluequerystring|header|multivalueheader|body)"
            )),
        };
    }
    if let Some(rest) = e.strip_prefix("integration.response.") {
        if side == Side::Request {
            return Err(format!(
                "'{e}': integration.response.* is only available in responseParameters"
            ));
        }
        if rest == "body" {
            return Ok(ParamSource::IntegrationBody(None));
        }
        if let Some(p) = rest.strip_prefix("body.") {
            return Ok(ParamSource::IntegrationBody(Some(BodyPath::parse(p)?)));
        }
        let (loc, n) = rest.split_once('.').unwrap_or((rest, ""));
        return match loc {
            "header" | "multivalueheader" => Ok(ParamSource::IntegrationHeader(name(n, "header")?)),
            _ => Err(format!(
                "'{e}': expected integration.response.(header|multivalueheader|body)"
            )),
        };
    }
    if let Some(v) = e.strip_prefix("stageVariables.") {
        return Ok(ParamSource::StageVariable(name(v, "stage variable")?));
    }
    if let Some(v) = e.strip_prefix("context.") {
        return Ok(ParamSource::Context(name(v, "context variable")?));
    }
    let allowed = match side {
        Side::Request => "method.request.*, stageVariables.*, context.* or 'literal'",
        Side::Response => {
            "integration.response.*, method.request.*, stageVariables.*, context.* or 'literal'"
        }
    };
    Err(format!("'{e}' is not a mapping expression ({allowed})"))
}

impl BodyPath {
    /// Parses `a.b[0]['c d']` (a leading `$.` is tolerated).
    pub fn parse(src: &str) -> Result<BodyPath, String> {
        let s = src.strip_prefix("$.").unwrap_or(src);
        let b = s.as_bytes();
        let mut steps = Vec::new();
        let mut i = 0;
        let bad = |why: &str| Err(format!("invalid body path '{src}': {why}"));
        while i < b.len() {
            match b[i] {
                b'.' if !steps.is_empty() => i += 1,
                b'[' => {
                    let Some(close) = s[i..].find(']').map(|c| c + i) else {
                        return bad("unclosed '['");
                    };
                    let inner = s[i + 1..close].trim();
                    let quoted = inner.len() >= 2
                        && ((inner.starts_with('\'') && inner.ends_with('\''))
                            || (inner.starts_with('"') && inner.ends_with('"')));
                    if quoted {
                        steps.push(Step::Key(inner[1..inner.len() - 1].to_string()));
                    } else if let Ok(n) = inner.parse::<i64>() {
                        steps.push(Step::Index(n));
                    } else {
                        return bad("only [n] and ['name'] are supported in a mapping");
                    }
                    i = close + 1;
                    continue;
                }
                _ => {}
            }
            let start = i;
            while i < b.len() && b[i] != b'.' && b[i] != b'[' {
                i += 1;
            }
            let key = &s[start..i];
            if key.is_empty() {
                return bad("empty name");
            }
            if key.contains(['*', '?', '(', ')', '@']) {
                return bad("wildcards, filters and functions are not supported in a mapping");
            }
            steps.push(Step::Key(key.to_string()));
        }
        if steps.is_empty() {
            return bad("empty path");
        }
        Ok(BodyPath(steps))
    }

    /// The value at this path. With `deep_strings`, a string met before the last step that
    /// holds JSON is parsed and walked into (Lambda error bodies, mapping.md §6.3).
    pub fn select<'a>(&self, root: &'a Json, deep_strings: bool) -> Option<Cow<'a, Json>> {
        let mut cur: Cow<'a, Json> = Cow::Borrowed(root);
        for step in &self.0 {
            if deep_strings {
                if let Json::String(s) = cur.as_ref() {
                    // Deliberate parse: only error bodies whose message is itself JSON.
                    let parsed: Json = serde_json::from_str(s).ok()?;
                    cur = Cow::Owned(parsed);
                }
            }
            cur = match cur {
                Cow::Borrowed(v) => Cow::Borrowed(step_into(v, step)?),
                Cow::Owned(v) => Cow::Owned(step_into(&v, step)?.clone()),
            };
        }
        Some(cur)
    }
}

fn step_into<'a>(v: &'a Json, step: &Step) -> Option<&'a Json> {
    match (v, step) {
        (Json::Object(m), Step::Key(k)) => m.get(k),
        (Json::Array(a), Step::Index(n)) => {
            let idx = if *n < 0 {
                a.len().checked_sub(n.unsigned_abs() as usize)?
            } else {
                *n as usize
            };
            a.get(idx)
        }
        _ => None,
    }
}

/// A JSON value as a header/parameter value: strings raw, scalars as written, objects and
/// arrays as compact JSON (document key order kept); `null` is no value.
pub fn json_text(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// What a source expression is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct ParamEnv<'a> {
    /// The request.
    pub ctx: &'a RequestCtx,
    /// The method request parameters as templates see them.
    pub params: &'a RequestParams,
    /// `$context` values.
    pub context: &'a ContextValues,
    /// The method request body, parsed when a mapping reads it (`None`: not JSON).
    pub request_json: Option<&'a Json>,
    /// The integration response body (response side only).
    pub response_body: Option<&'a [u8]>,
    /// The integration response body parsed as JSON (response side, when needed).
    pub response_json: Option<&'a Json>,
    /// Whether the response is a Lambda error (nested JSON in strings is walked into).
    pub response_is_error: bool,
}

impl ParamSource {
    /// Whether evaluating needs the method request body parsed as JSON.
    pub fn needs_request_json(&self) -> bool {
        matches!(self, ParamSource::MethodBody(Some(_)))
    }

    /// Whether evaluating needs the integration response body parsed as JSON.
    pub fn needs_response_json(&self) -> bool {
        matches!(self, ParamSource::IntegrationBody(Some(_)))
    }

    /// The value, or `None` when the source is missing (the target is then not set).
    pub fn evaluate(&self, env: &ParamEnv<'_>) -> Option<String> {
        let ctx = env.ctx;
        match self {
            ParamSource::Literal(s) => Some(s.clone()),
            ParamSource::MethodPath(n) => find(&env.params.path, n, false),
            ParamSource::MethodQuery(n) => find(&env.params.querystring, n, false),
            ParamSource::MethodMultiQuery(n) => {
                let raw = ctx.req.raw_query()?;
                join(
                    crate::integration::query::parse(raw)
                        .into_iter()
                        .filter(|(k, _)| k == n)
                        .map(|(_, v)| v),
                )
            }
            ParamSource::MethodHeader(n) => ctx
                .req
                .headers
                .get_all(n)
                .last()
                .map(|v| String::from_utf8_lossy(v).into_owned()),
            ParamSource::MethodMultiHeader(n) => join(
                ctx.req
                    .headers
                    .get_all(n)
                    .map(|v| String::from_utf8_lossy(v)),
            ),
            ParamSource::MethodBody(None) => {
                Some(String::from_utf8_lossy(&ctx.req.body).into_owned())
            }
            ParamSource::MethodBody(Some(p)) => p
                .select(env.request_json?, false)
                .and_then(|v| json_text(&v)),
            ParamSource::IntegrationHeader(_) => None,
            ParamSource::IntegrationBody(None) => env
                .response_body
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            ParamSource::IntegrationBody(Some(p)) => p
                .select(env.response_json?, env.response_is_error)
                .and_then(|v| json_text(&v)),
            ParamSource::StageVariable(n) => find(&ctx.api.stage_variables, n, false),
            ParamSource::Context(n) => context_value(env.context, n),
        }
    }
}

fn find(list: &[(String, String)], name: &str, ci: bool) -> Option<String> {
    list.iter()
        .find(|(k, _)| {
            if ci {
                k.eq_ignore_ascii_case(name)
            } else {
                k == name
            }
        })
        .map(|(_, v)| v.clone())
}

fn join<'a>(mut values: impl Iterator<Item = Cow<'a, str>>) -> Option<String> {
    let mut out = values.next()?.into_owned();
    for v in values {
        out.push(',');
        out.push_str(&v);
    }
    Some(out)
}

/// `context.V` as a mapping source: the same values `$context.V` renders.
pub fn context_value(c: &ContextValues, name: &str) -> Option<String> {
    if let Some(s) = c.string_field(name) {
        return Some(s.to_string());
    }
    if name == "requestTimeEpoch" {
        return Some(c.request_time_epoch.to_string());
    }
    if let Some(k) = name.strip_prefix("identity.") {
        return c.identity.get(k).map(str::to_string);
    }
    if let Some(k) = name.strip_prefix("authorizer.") {
        let a = c.authorizer.as_ref()?;
        if k == "principalId" {
            return a.principal_id.clone();
        }
        if let Some(claim) = k.strip_prefix("claims.") {
            return find(&a.claims, claim, false);
        }
        return find(&a.entries, k, false);
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_source_form() {
        let p = |s| parse(s, Side::Response).unwrap();
        assert_eq!(p("'a b'"), ParamSource::Literal("a b".into()));
        assert_eq!(p("''"), ParamSource::Literal(String::new()));
        assert_eq!(
            p("method.request.querystring.q"),
            ParamSource::MethodQuery("q".into())
        );
        assert_eq!(
            p("method.request.multivalueheader.X-A"),
            ParamSource::MethodMultiHeader("X-A".into())
        );
        assert_eq!(p("method.request.body"), ParamSource::MethodBody(None));
        assert_eq!(
            p("method.request.body.pets[0].name"),
            ParamSource::MethodBody(Some(BodyPath(vec![
                Step::Key("pets".into()),
                Step::Index(0),
                Step::Key("name".into())
            ])))
        );
        assert_eq!(
            p("integration.response.body.errorMessage"),
            ParamSource::IntegrationBody(Some(BodyPath(vec![Step::Key("errorMessage".into())])))
        );
        assert_eq!(
            p("context.identity.sourceIp"),
            ParamSource::Context("identity.sourceIp".into())
        );
        assert_eq!(
            p("stageVariables.v"),
            ParamSource::StageVariable("v".into())
        );
        assert!(parse("integration.response.body", Side::Request).is_err());
        assert!(parse("method.request.cookie.x", Side::Request).is_err());
        assert!(parse("method.request.header.", Side::Request).is_err());
        assert!(parse("nonsense", Side::Request).is_err());
        assert!(parse("method.request.body.a[*]", Side::Request).is_err());
    }

    #[test]
    fn body_paths_select_and_walk_into_json_strings() {
        let path = BodyPath::parse("a['b c'][-1]").unwrap();
        let doc = json!({"a": {"b c": [1, 2, 3]}});
        assert_eq!(path.select(&doc, false).unwrap().as_ref(), &json!(3));
        let err = json!({"errorMessage": "{\"trace\":{\"function\":\"abc()\",\"line\":1}}"});
        let deep = BodyPath::parse("errorMessage.trace.function").unwrap();
        assert!(deep.select(&err, false).is_none());
        assert_eq!(deep.select(&err, true).unwrap().as_ref(), &json!("abc()"));
        let trace = BodyPath::parse("errorMessage.trace").unwrap();
        assert_eq!(
            json_text(&trace.select(&err, true).unwrap()).unwrap(),
            "{\"function\":\"abc()\",\"line\":1}"
        );
        assert_eq!(json_text(&json!(500)).unwrap(), "500");
        assert_eq!(json_text(&Json::Null), None);
    }
}
