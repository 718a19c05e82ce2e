//! Unit-test fixtures: a one-route API snapshot and requests routed to it.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use crate::config::media::MediaTypes;
use crate::config::model::{
    Api, ApiKind, CustomBackend, CustomIntegration, Function, FunctionId, FunctionTarget,
    Integration, IntegrationResponse, MethodRequest, PassthroughBehavior, PayloadFormat,
    ProxyIntegration, RequestModel, RequestParamTarget, RequestParameter, Route, RouteId,
    RouteMethod,
};
use crate::gateway::context::{RequestCtx, RouteMatch};
use crate::integration::custom::params::{parse, Side};
use crate::message::Request;
use crate::vtl::java_regex::JavaRegex;
use crate::vtl::Template;

pub(crate) fn lambda_backend() -> CustomBackend {
    CustomBackend::Lambda(FunctionId(0))
}

pub(crate) fn template(name: &str, src: &str) -> Template {
    Template::compile(name, src).unwrap()
}

/// A custom integration with these request templates and no responses.
pub(crate) fn custom(backend: CustomBackend, templates: &[(&str, &str)]) -> CustomIntegration {
    CustomIntegration {
        backend,
        timeout: Duration::from_secs(29),
        request_parameters: vec![],
        request_templates: templates
            .iter()
            .map(|(k, s)| (k.to_string(), Some(template(k, s))))
            .collect(),
        passthrough: PassthroughBehavior::WhenNoMatch,
        content_handling: None,
        responses: vec![],
    }
}

pub(crate) fn with_templates(keys: &[&str]) -> CustomIntegration {
    let t: Vec<(&str, &str)> = keys.iter().map(|k| (*k, "{}")).collect();
    custom(lambda_backend(), &t)
}

pub(crate) fn mapping(target: RequestParamTarget, name: &str, expr: &str) -> RequestParameter {
    RequestParameter {
        target,
        name: name.into(),
        source: parse(expr, Side::Request).unwrap(),
    }
}

/// An integration response; pattern `default` or `""` makes it the default one.
pub(crate) fn response(pattern: &str, status: u16) -> IntegrationResponse {
    IntegrationResponse {
        key: pattern.into(),
        pattern: (!pattern.is_empty() && pattern != "default")
            .then(|| JavaRegex::new(pattern).unwrap()),
        status,
        response_parameters: vec![],
        response_templates: vec![],
        content_handling: None,
    }
}

pub(crate) fn model(name: &str, schema: &serde_json::Value) -> Arc<RequestModel> {
    Arc::new(RequestModel {
        name: name.into(),
        schema: jsonschema::draft4::new(schema).unwrap(),
    })
}

fn api(path: &str, integration: Integration) -> Arc<Api> {
    Arc::new(Api {
        kind: ApiKind::Rest,
        id: "api1".into(),
        account_id: "123456789012".into(),
        region: "us-east-1".into(),
        stage: "test".into(),
        stage_prefix: false,
        stage_variables: vec![("env".into(), "dev".into())],
        binary_media_types: MediaTypes::default(),
        default_domain: "api1.execute-api.us-east-1.amazonaws.com".into(),
        deployment_id: "dep".into(),
        routes: vec![Route {
            path: path.into(),
            method: RouteMethod::Any,
            route_key: format!("ANY {path}"),
            resource_id: "res1".into(),
            authorizer: None,
            api_key_required: false,
            integration,
            method_request: MethodRequest::default(),
        }],
        functions: vec![Function {
            name: "f".into(),
            target: FunctionTarget::InvokeUrl("http://127.0.0.1:9/".parse().unwrap()),
            timeout: None,
        }],
        authorizers: vec![],
        gateway_responses: Default::default(),
        access_log: None,
        throttle: None,
        router: crate::gateway::router::Router::empty(),
    })
}

/// An API whose only route (`/p`) has this custom integration.
pub(crate) fn api_with(integration: CustomIntegration) -> Arc<Api> {
    api("/p", Integration::Custom(integration))
}

/// An API whose only route has `path` and a proxy integration.
pub(crate) fn api_with_route(path: &str) -> Arc<Api> {
    api(
        path,
        Integration::Proxy(ProxyIntegration {
            function: FunctionId(0),
            payload_format: PayloadFormat::V1,
            timeout: Duration::from_secs(29),
        }),
    )
}

/// The custom integration of the API's only route.
pub(crate) fn integration(api: &Api) -> &CustomIntegration {
    match &api.routes[0].integration {
        Integration::Custom(c) => c,
        Integration::Proxy(_) => panic!("not a custom integration"),
    }
}

/// A request routed to the API's only route, path parameters taken from `target`.
pub(crate) fn ctx_for(api: &Arc<Api>, method: http::Method, target: &str) -> RequestCtx {
    let req = Request::for_test(method, target);
    let path = String::from_utf8_lossy(req.raw_path()).into_owned();
    let template = &api.routes[0].path;
    let params = template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, v)| {
            t.strip_prefix('{')
                .and_then(|t| t.strip_suffix('}'))
                .map(|n| (n.trim_end_matches('+').to_string(), v.to_string()))
        })
        .collect();
    let mut ctx = RequestCtx::new(api.clone(), req);
    ctx.route = Some(RouteMatch {
        route: RouteId(0),
        path,
        params,
    });
    ctx
}
