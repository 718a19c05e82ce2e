//! `routes`: paths, methods, route keys, resource ids, references and integrations.
//!
//! Per kind: REST routes have resource paths (no `$default`); HTTP APIs may add a `$default`
//! route; a FUNCTION_URL API has exactly one route, `$default`, to a function reached by
//! `invokeUrl`. Across routes: no two routes match the same requests (same method and path
//! with parameter names erased), and in REST APIs a resource has at most one variable child
//! (API Gateway rejects `/pets/{id}` beside `/pets/{petId}`).

use std::collections::HashMap;

use crate::config::compile::{stable_id, Lookup, Names};
use crate::config::compile_api::{is_media_type, ApiSettings};
use crate::config::compile_integration::compile_integration;
use crate::config::error::ErrorSink;
use crate::config::model::{ApiKind, AuthorizerId, Function, Route, RouteMethod};
use crate::config::raw::RawRoute;
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

/// What routes refer to.
pub(crate) struct Refs<'a> {
    pub(crate) api: &'a ApiSettings,
    pub(crate) functions: &'a [Function],
    pub(crate) function_names: &'a Names<'a>,
    pub(crate) authorizer_names: &'a Names<'a>,
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
    } else if api_key_required {
        // Refused rather than ignored: a route the owner believes protected must not serve
        // requests without the key check.
        sink.at(
            &format!("{path}.apiKeyRequired"),
            "API keys and usage plans are not supported by this build of apigate (set false or remove the key)",
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
        method_request: crate::config::compile_custom::compile_method_request(
            r,
            &refs.api.validator_flags,
            &refs.api.compiled_models,
        ),
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
            // AWS accepts a path parameter the resource path lacks (UpdateMethod adding
            // `method.request.path.issuer` to `/nested/{test}` is recorded); a required one is
            // then always missing, which the validator reports. Worth a warning, not an error.
            Some(("path", name))
                if !template.is_some_and(|t| t.param_names().any(|n| n == name)) =>
            {
                tracing::warn!(key = %p, "the path has no parameter '{name}'; it is always missing");
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
