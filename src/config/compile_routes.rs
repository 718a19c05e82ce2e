//! `routes`: paths, methods, route keys, resource ids, references and integrations.
//!
//! Per kind: REST routes have resource paths (no `$default`); HTTP APIs may add a `$default`
//! route; a FUNCTION_URL API has exactly one route, `$default`, to a function reached by
//! `invokeUrl`. Across routes: no two routes match the same requests (same method and path
//! with parameter names erased), and in REST APIs a resource has at most one variable child
//! (API Gateway rejects `/pets/{id}` beside `/pets/{petId}`).

use std::collections::HashMap;
use std::time::Duration;

use crate::config::compile::{stable_id, Lookup, Names};
use crate::config::compile_api::{is_media_type, kind_name, status_code, templates, ApiSettings};
use crate::config::compile_authorizers::payload_format;
use crate::config::error::ErrorSink;
use crate::config::model::{
    ApiKind, AuthorizerId, Function, FunctionId, FunctionTarget, Integration, PayloadFormat,
    ProxyIntegration, Route, RouteMethod,
};
use crate::config::raw::{RawIntegration, RawRoute};
use crate::config::route_path::{PathTemplate, Segment};

/// The HTTP API catch-all route.
pub const DEFAULT_ROUTE: &str = "$default";
const METHODS: &str = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY";

/// Compiles the routes that have no error, in file order.
pub fn compile_routes(
    raw: &[(usize, RawRoute)],
    routes_written: usize,
    api: &ApiSettings,
    functions: &[Function],
    function_names: &Names<'_>,
    authorizer_names: &Names<'_>,
    sink: &mut ErrorSink<'_>,
) -> Vec<Route> {
    if routes_written == 0 {
        sink.at("routes", "at least one route is required");
    }
    if api.kind == ApiKind::FunctionUrl && routes_written > 1 {
        sink.at(
            "routes",
            "a FUNCTION_URL API has exactly one route, with path \"$default\"",
        );
    }
    let refs = Refs {
        api,
        functions,
        function_names,
        authorizer_names,
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut variable_children: HashMap<String, (String, usize)> = HashMap::new();
    let mut resource_ids: HashMap<String, String> = HashMap::new();
    for (i, r) in raw {
        let path = format!("routes[{i}]");
        let before = sink.len();
        let Some((route, template)) = compile_route(r, &path, &refs, sink) else {
            continue;
        };
        // Overlaps with earlier routes.
        let normalized = template
            .as_ref()
            .map_or_else(|| DEFAULT_ROUTE.to_string(), PathTemplate::normalized);
        let method = method_name(&route.method).to_string();
        if let Some(first) = seen.insert((normalized, method), *i) {
            sink.at(
                &path,
                format!(
                    "duplicate route '{}' (same as routes[{first}])",
                    route.route_key
                ),
            );
        }
        if let (ApiKind::Rest, Some(t)) = (api.kind, &template) {
            sibling_variables(t, *i, &path, &mut variable_children, sink);
        }
        if sink.len() == before {
            let resource_id = unique_resource_id(&route.path, &mut resource_ids);
            out.push(Route {
                resource_id,
                ..route
            });
        }
    }
    out
}

struct Refs<'a> {
    api: &'a ApiSettings,
    functions: &'a [Function],
    function_names: &'a Names<'a>,
    authorizer_names: &'a Names<'a>,
}

fn compile_route(
    r: &RawRoute,
    path: &str,
    refs: &Refs<'_>,
    sink: &mut ErrorSink<'_>,
) -> Option<(Route, Option<PathTemplate>)> {
    let kind = refs.api.kind;
    let before = sink.len();
    let Some(route_path) = r.path.as_deref() else {
        sink.at(path, "missing required key 'path'");
        return None;
    };
    let is_default = route_path == DEFAULT_ROUTE;
    let template = if is_default {
        if kind == ApiKind::Rest {
            sink.at(
                &format!("{path}.path"),
                "REST APIs have no $default route (use ANY /{proxy+} and ANY /)",
            );
        }
        None
    } else {
        if kind == ApiKind::FunctionUrl {
            sink.at(
                &format!("{path}.path"),
                "a FUNCTION_URL API's only route has path \"$default\"",
            );
        }
        match PathTemplate::parse(route_path) {
            Ok(t) => Some(t),
            Err(why) => {
                sink.at(&format!("{path}.path"), why);
                None
            }
        }
    };
    let method = match (r.method.as_deref(), is_default) {
        (None, true) => Some(RouteMethod::Any),
        (None, false) => {
            sink.at(path, format!("missing required key 'method' ({METHODS})"));
            None
        }
        (Some(m), _) => match parse_method(m) {
            Some(RouteMethod::One(_)) if is_default => {
                sink.at(
                    &format!("{path}.method"),
                    "the $default route matches every method (omit method or use ANY)",
                );
                None
            }
            Some(m) => Some(m),
            None => {
                sink.at(
                    &format!("{path}.method"),
                    format!("unknown method '{m}' (allowed: {METHODS})"),
                );
                None
            }
        },
    };
    let authorizer = r.authorizer.as_deref().and_then(|a| {
        if kind == ApiKind::FunctionUrl {
            sink.at(
                &format!("{path}.authorizer"),
                "Function URLs have no Lambda authorizers",
            );
            return None;
        }
        match refs.authorizer_names.lookup(a) {
            Lookup::Found(i) => Some(AuthorizerId(i)),
            Lookup::Broken => None,
            Lookup::Unknown => {
                let known = refs.authorizer_names.known();
                sink.at(
                    &format!("{path}.authorizer"),
                    format!("unknown authorizer '{a}' ({known})"),
                );
                None
            }
        }
    });
    let api_key_required = r.api_key_required.unwrap_or(false);
    if api_key_required && kind != ApiKind::Rest {
        sink.at(
            &format!("{path}.apiKeyRequired"),
            "API keys are a REST API feature",
        );
    }
    method_request(r, path, template.as_ref(), refs.api, sink);
    let integration = match &r.integration {
        Some(ri) => compile_integration(ri, &format!("{path}.integration"), refs, sink),
        None => {
            sink.at(path, "missing required key 'integration'");
            None
        }
    };
    if sink.len() != before {
        return None;
    }
    let method = method?;
    let route_key = if is_default {
        DEFAULT_ROUTE.to_string()
    } else {
        format!("{} {route_path}", method_name(&method))
    };
    let route = Route {
        path: route_path.to_string(),
        method,
        route_key,
        resource_id: String::new(),
        authorizer,
        api_key_required,
        integration: integration?,
    };
    Some((route, template))
}

/// `requestValidator`, `requestParameters`, `requestModels` (REST method request settings).
fn method_request(
    r: &RawRoute,
    path: &str,
    template: Option<&PathTemplate>,
    api: &ApiSettings,
    sink: &mut ErrorSink<'_>,
) {
    if api.kind != ApiKind::Rest {
        for (set, key) in [
            (r.request_validator.is_some(), "requestValidator"),
            (
                r.request_parameters
                    .as_ref()
                    .is_some_and(|p| !p.0.is_empty()),
                "requestParameters",
            ),
            (
                r.request_models.as_ref().is_some_and(|p| !p.0.is_empty()),
                "requestModels",
            ),
        ] {
            if set {
                sink.at(
                    &format!("{path}.{key}"),
                    format!("{key} is a REST API feature"),
                );
            }
        }
        return;
    }
    if let Some(v) = &r.request_validator {
        if !api.request_validators.contains(v) {
            let known = crate::config::compile::known_list(
                api.request_validators.iter().map(String::as_str),
            );
            sink.at(
                &format!("{path}.requestValidator"),
                format!("unknown request validator '{v}' ({known})"),
            );
        }
    }
    for (key, _) in r.request_parameters.iter().flat_map(|p| &p.0) {
        let p = format!("{path}.requestParameters.{key}");
        let sources = [
            "querystring",
            "header",
            "path",
            "multivaluequerystring",
            "multivalueheader",
        ];
        let parsed = key
            .strip_prefix("method.request.")
            .and_then(|rest| rest.split_once('.'))
            .filter(|(src, name)| sources.contains(src) && !name.is_empty());
        match parsed {
            None => sink.at(
                &p,
                format!("'{key}' must be method.request.(querystring|header|path).NAME"),
            ),
            Some(("path", name))
                if !template.is_some_and(|t| t.param_names().any(|n| n == name)) =>
            {
                sink.at(&p, format!("the path has no parameter '{name}'"))
            }
            Some(_) => {}
        }
    }
    for (ct, model) in r.request_models.iter().flat_map(|m| &m.0) {
        let p = format!("{path}.requestModels.{ct}");
        if !is_media_type(ct) {
            sink.at(&p, format!("'{ct}' is not a content type (type/subtype)"));
        } else if !api.models.contains(model) {
            let known = crate::config::compile::known_list(api.models.iter().map(String::as_str));
            sink.at(&p, format!("unknown model '{model}' ({known})"));
        }
    }
}

fn compile_integration(
    ri: &RawIntegration,
    path: &str,
    refs: &Refs<'_>,
    sink: &mut ErrorSink<'_>,
) -> Option<Integration> {
    let kind = refs.api.kind;
    let written = ri.kind.as_deref().unwrap_or("AWS_PROXY");
    let ty = written.to_ascii_uppercase();
    if !matches!(ty.as_str(), "AWS_PROXY" | "AWS" | "MOCK") {
        sink.at(
            &format!("{path}.type"),
            format!("unknown integration type '{written}' (allowed: AWS_PROXY, AWS, MOCK)"),
        );
        return None;
    }
    custom_keys(ri, path, &ty, sink);
    let function = match (ri.function.as_deref(), ty.as_str()) {
        (Some(_), "MOCK") => {
            sink.at(
                &format!("{path}.function"),
                "MOCK integrations call no function",
            );
            None
        }
        (None, "MOCK") => None,
        (None, _) => {
            sink.at(path, "missing required key 'function' (a key of functions)");
            None
        }
        (Some(f), _) => match refs.function_names.lookup(f) {
            Lookup::Found(i) => Some(i),
            Lookup::Broken => None,
            Lookup::Unknown => {
                sink.at(
                    &format!("{path}.function"),
                    format!("unknown function '{f}' ({})", refs.function_names.known()),
                );
                None
            }
        },
    };
    if let (Some(i), ApiKind::FunctionUrl) = (function, kind) {
        if matches!(refs.functions[i].target, FunctionTarget::FunctionUrl(_)) {
            sink.at(
                &format!("{path}.function"),
                format!("a FUNCTION_URL API presents a function reached by invokeUrl; '{}' has a functionUrl", refs.functions[i].name),
            );
        }
    }
    let payload = payload(ri, path, kind, sink);
    let timeout = timeout(
        ri,
        path,
        function.map(|i| &refs.functions[i]),
        refs.api,
        sink,
    );
    if ty != "AWS_PROXY" {
        let what = if ty == "AWS" {
            "AWS (custom) integrations"
        } else {
            "MOCK integrations"
        };
        if kind == ApiKind::Rest {
            sink.at(
                &format!("{path}.type"),
                format!("integration type {ty} is not supported by this build yet"),
            );
        } else {
            sink.at(
                &format!("{path}.type"),
                format!(
                    "{what} are a REST API feature ({} APIs use AWS_PROXY)",
                    kind_name(kind)
                ),
            );
        }
        return None;
    }
    Some(Integration::Proxy(ProxyIntegration {
        function: FunctionId(function?),
        payload_format: payload?,
        timeout: timeout?,
    }))
}

fn payload(
    ri: &RawIntegration,
    path: &str,
    kind: ApiKind,
    sink: &mut ErrorSink<'_>,
) -> Option<PayloadFormat> {
    let p = format!("{path}.payloadFormatVersion");
    let Some(v) = &ri.payload_format_version else {
        return Some(if kind == ApiKind::Rest {
            PayloadFormat::V1
        } else {
            PayloadFormat::V2
        });
    };
    match (payload_format(v), kind) {
        (None, _) => sink.at(
            &p,
            format!(
                "'{}' is not a payload format version (\"1.0\" or \"2.0\")",
                v.0
            ),
        ),
        (Some(PayloadFormat::V2), ApiKind::Rest) => {
            sink.at(&p, "REST APIs always use payload format \"1.0\"")
        }
        (Some(PayloadFormat::V1), ApiKind::FunctionUrl) => {
            sink.at(&p, "Function URLs always use payload format \"2.0\"")
        }
        (Some(f), _) => return Some(f),
    }
    None
}

/// Integration's own timeout, else its function's, else the kind's default; within limits.
fn timeout(
    ri: &RawIntegration,
    path: &str,
    function: Option<&Function>,
    api: &ApiSettings,
    sink: &mut ErrorSink<'_>,
) -> Option<Duration> {
    let min = crate::config::compile::MIN_TIMEOUT_MS;
    let max = api.timeout_max_ms;
    let hint = match api.kind {
        ApiKind::Rest if max == crate::config::compile_api::REST_MAX_TIMEOUT_MS => {
            " (raise it up to 300000 with api.maxIntegrationTimeoutInMillis)"
        }
        _ => "",
    };
    if let Some(ms) = ri.timeout_in_millis {
        if !(min..=max).contains(&ms) {
            sink.at(
                &format!("{path}.timeoutInMillis"),
                format!(
                    "{ms} is out of range for a {} API ({min}..={max} ms){hint}",
                    api.kind_name()
                ),
            );
            return None;
        }
        return Some(Duration::from_millis(ms));
    }
    match function.and_then(|f| f.timeout.map(|t| (f, t))) {
        Some((f, t)) if t.as_millis() > u128::from(max) => {
            sink.at(
                path,
                format!(
                    "the timeout {} ms from functions.{}.timeoutInMillis exceeds the {} API limit ({max} ms){hint}; set integration.timeoutInMillis",
                    t.as_millis(),
                    f.name,
                    api.kind_name()
                ),
            );
            None
        }
        Some((_, t)) => Some(t),
        None => Some(Duration::from_millis(api.timeout_default_ms)),
    }
}

/// Keys of custom (AWS / MOCK) integrations: rejected on AWS_PROXY, checked otherwise.
fn custom_keys(ri: &RawIntegration, path: &str, ty: &str, sink: &mut ErrorSink<'_>) {
    if ty == "AWS_PROXY" {
        for (set, key) in [
            (ri.request_parameters.is_some(), "requestParameters"),
            (ri.request_templates.is_some(), "requestTemplates"),
            (ri.passthrough_behavior.is_some(), "passthroughBehavior"),
            (ri.content_handling.is_some(), "contentHandling"),
            (ri.responses.is_some(), "responses"),
        ] {
            if set {
                sink.at(
                    &format!("{path}.{key}"),
                    format!("{key} applies only to AWS and MOCK integrations"),
                );
            }
        }
        return;
    }
    if let Some(pb) = &ri.passthrough_behavior {
        if !["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"]
            .contains(&pb.to_ascii_uppercase().as_str())
        {
            sink.at(
                &format!("{path}.passthroughBehavior"),
                format!("unknown passthroughBehavior '{pb}' (allowed: WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER)"),
            );
        }
    }
    content_handling(
        ri.content_handling.as_deref(),
        &format!("{path}.contentHandling"),
        sink,
    );
    for (key, value) in ri.request_parameters.iter().flat_map(|p| &p.0) {
        let p = format!("{path}.requestParameters.{key}");
        let ok = [
            "integration.request.header.",
            "integration.request.querystring.",
            "integration.request.path.",
        ]
        .iter()
        .any(|pre| key.strip_prefix(pre).is_some_and(|n| !n.is_empty()));
        if !ok {
            sink.at(
                &p,
                format!("'{key}' must be integration.request.(header|querystring|path).NAME"),
            );
        } else if value.trim().is_empty() {
            sink.at(&p, "the source expression is empty");
        }
    }
    let _ = templates(
        ri.request_templates.clone().unwrap_or_default(),
        &format!("{path}.requestTemplates"),
        sink,
    );
    for (pattern, resp) in ri.responses.iter().flat_map(|r| &r.0) {
        let p = format!("{path}.responses.{pattern}");
        if pattern != "default" {
            if let Err(e) = fancy_regex::Regex::new(pattern) {
                sink.at(&p, format!("invalid selection pattern: {e}"));
            }
        }
        match &resp.status_code {
            Some(s) => {
                let _ = status_code(&s.0, &format!("{p}.statusCode"), sink);
            }
            None => sink.at(&p, "missing required key 'statusCode'"),
        }
        for (key, _) in resp.response_parameters.iter().flat_map(|r| &r.0) {
            if !key
                .strip_prefix("method.response.header.")
                .is_some_and(|n| !n.is_empty())
            {
                sink.at(
                    &format!("{p}.responseParameters.{key}"),
                    format!("'{key}' must be method.response.header.NAME"),
                );
            }
        }
        let _ = templates(
            resp.response_templates.clone().unwrap_or_default(),
            &format!("{p}.responseTemplates"),
            sink,
        );
        content_handling(
            resp.content_handling.as_deref(),
            &format!("{p}.contentHandling"),
            sink,
        );
    }
}

fn content_handling(v: Option<&str>, path: &str, sink: &mut ErrorSink<'_>) {
    if let Some(v) = v {
        if !["CONVERT_TO_TEXT", "CONVERT_TO_BINARY"].contains(&v.to_ascii_uppercase().as_str()) {
            sink.at(
                path,
                format!(
                    "unknown contentHandling '{v}' (allowed: CONVERT_TO_TEXT, CONVERT_TO_BINARY)"
                ),
            );
        }
    }
}

/// A method name, case-insensitive.
pub fn parse_method(m: &str) -> Option<RouteMethod> {
    let upper = m.to_ascii_uppercase();
    Some(match upper.as_str() {
        "ANY" => RouteMethod::Any,
        "GET" => RouteMethod::One(http::Method::GET),
        "POST" => RouteMethod::One(http::Method::POST),
        "PUT" => RouteMethod::One(http::Method::PUT),
        "PATCH" => RouteMethod::One(http::Method::PATCH),
        "DELETE" => RouteMethod::One(http::Method::DELETE),
        "HEAD" => RouteMethod::One(http::Method::HEAD),
        "OPTIONS" => RouteMethod::One(http::Method::OPTIONS),
        _ => return None,
    })
}

fn method_name(m: &RouteMethod) -> &str {
    match m {
        RouteMethod::Any => "ANY",
        RouteMethod::One(m) => m.as_str(),
    }
}

/// REST: a resource has at most one variable child path part.
fn sibling_variables(
    t: &PathTemplate,
    index: usize,
    path: &str,
    children: &mut HashMap<String, (String, usize)>,
    sink: &mut ErrorSink<'_>,
) {
    let mut parent = String::new();
    for seg in &t.segments {
        let text = match seg {
            Segment::Literal(l) => l.clone(),
            Segment::Param(n) => format!("{{{n}}}"),
            Segment::Greedy(n) => format!("{{{n}+}}"),
        };
        if !matches!(seg, Segment::Literal(_)) {
            let key = if parent.is_empty() {
                "/".to_string()
            } else {
                parent.clone()
            };
            match children.get(&key) {
                Some((other, first)) if *other != text => {
                    sink.at(
                        &format!("{path}.path"),
                        format!(
                            "resource '{key}' already has the variable child {other} (routes[{first}]); REST APIs allow one variable path part per resource"
                        ),
                    );
                    return;
                }
                Some(_) => {}
                None => {
                    children.insert(key, (text.clone(), index));
                }
            }
        }
        parent.push('/');
        parent.push_str(&text);
    }
}

/// A resource id for `path`, distinct from the ids of other paths.
fn unique_resource_id(path: &str, ids: &mut HashMap<String, String>) -> String {
    let mut salt = 0u32;
    loop {
        let id = if salt == 0 {
            stable_id(path)
        } else {
            stable_id(&format!("{path}#{salt}"))
        };
        match ids.get(&id) {
            Some(owner) if owner != path => salt += 1,
            _ => {
                ids.insert(id.clone(), path.to_string());
                return id;
            }
        }
    }
}
