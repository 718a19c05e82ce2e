//! Config rules section by section: what each key accepts, and the error (file, line, column,
//! key path) for what it refuses. Loading and error reporting as a whole are in
//! `config_errors.rs`.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use apigate::config::load_str;
use apigate::config::model::{
    ApiKind, AuthorizerKind, CustomBackend, FunctionId, FunctionTarget, IdentitySource,
    Integration, PassthroughBehavior, PayloadFormat, RouteMethod,
};
use support::config_text::{errors, http, one_error, rest, FUNCS};

#[test]
fn valid_rest_api_compiles_with_defaults() {
    let c = load_str(
        "t.yaml",
        &rest("  - {path: \"/pets/{id}\", method: get, integration: {type: aws_proxy, function: f}}\n  - {path: \"/{proxy+}\", method: ANY, integration: {function: f, timeoutInMillis: 1000}}\n"),
    )
    .unwrap();
    assert_eq!(c.listen.to_string(), "0.0.0.0:8080");
    assert!(c.admin.is_none());
    let api = &c.api;
    assert_eq!(
        (api.kind, api.id.as_str(), api.stage.as_str()),
        (ApiKind::Rest, "local", "prod")
    );
    assert_eq!(api.account_id, "123456789012");
    assert_eq!(api.region, "us-east-1");
    assert_eq!(
        api.default_domain,
        "local.execute-api.us-east-1.amazonaws.com"
    );
    assert_eq!(api.deployment_id.len(), 6);
    let r = &api.routes[0];
    assert_eq!(r.method, RouteMethod::One(http::Method::GET));
    assert_eq!(r.route_key, "GET /pets/{id}");
    assert_eq!(r.resource_id.len(), 6);
    assert_ne!(r.resource_id, api.routes[1].resource_id);
    assert_eq!(api.routes[1].route_key, "ANY /{proxy+}");
    let Integration::Proxy(p) = &r.integration else {
        panic!("not a proxy integration")
    };
    assert_eq!(p.payload_format, PayloadFormat::V1);
    assert_eq!(p.timeout, Duration::from_millis(29_000));
    let Integration::Proxy(p) = &api.routes[1].integration else {
        panic!("not a proxy integration")
    };
    assert_eq!(p.timeout, Duration::from_millis(1000));
    // Resource ids are stable across loads; deployment ids are fresh.
    let again = load_str(
        "t.yaml",
        &rest("  - {path: \"/pets/{id}\", method: GET, integration: {function: f}}\n"),
    )
    .unwrap();
    assert_eq!(again.api.routes[0].resource_id, r.resource_id);
}

#[test]
fn valid_http_api_compiles() {
    let text = "\
api: {type: http, id: xyz789, region: eu-west-1}
functions:
  f: {invokeUrl: \"http://127.0.0.1:9001/i\", timeoutInMillis: 5000}
  a: {invokeUrl: \"http://127.0.0.1:9002/i\"}
authorizers:
  lam:
    function: a
    identitySource: [\"$request.header.Authorization\", \"$context.routeKey\"]
    enableSimpleResponses: true
routes:
  - {path: \"/items/{id}\", method: GET, authorizer: lam, integration: {function: f, payloadFormatVersion: \"1.0\"}}
  - path: $default
    integration: {function: f}
";
    let c = load_str("t.yaml", text).unwrap();
    let api = &c.api;
    assert_eq!(api.kind, ApiKind::Http);
    assert_eq!(api.stage, "$default");
    assert_eq!(
        api.default_domain,
        "xyz789.execute-api.eu-west-1.amazonaws.com"
    );
    assert_eq!(api.routes[1].route_key, "$default");
    assert_eq!(api.routes[1].method, RouteMethod::Any);
    let Integration::Proxy(p) = &api.routes[0].integration else {
        panic!("not a proxy integration")
    };
    assert_eq!(p.payload_format, PayloadFormat::V1);
    assert_eq!(p.timeout, Duration::from_millis(5000));
    let Integration::Proxy(p) = &api.routes[1].integration else {
        panic!("not a proxy integration")
    };
    assert_eq!(p.payload_format, PayloadFormat::V2);
    let a = &api.authorizers[0];
    assert_eq!(a.kind, AuthorizerKind::Request);
    assert_eq!(a.payload_format, PayloadFormat::V2);
    assert!(a.simple_responses);
    assert_eq!(a.timeout, Duration::from_secs(10));
    assert_eq!(a.ttl, Duration::from_secs(300));
    assert_eq!(
        a.identity_sources,
        [
            IdentitySource::Header("Authorization".into()),
            IdentitySource::Context("routeKey".into())
        ]
    );
    assert_eq!(api.routes[0].authorizer.map(|x| x.0), Some(0));
}

#[test]
fn valid_function_url_compiles() {
    let text = "api: {type: FUNCTION_URL, id: abcdefg}\nfunctions:\n  f: {invokeUrl: \"http://127.0.0.1:9001/i\"}\nroutes:\n  - path: $default\n    integration: {function: f}\n";
    let c = load_str("t.yaml", text).unwrap();
    assert_eq!(c.api.kind, ApiKind::FunctionUrl);
    assert_eq!(c.api.default_domain, "abcdefg.lambda-url.us-east-1.on.aws");
    let Integration::Proxy(p) = &c.api.routes[0].integration else {
        panic!("not a proxy integration")
    };
    assert_eq!(p.payload_format, PayloadFormat::V2);
    assert_eq!(p.timeout, Duration::from_millis(300_000));
    assert!(matches!(
        c.api.functions[0].target,
        FunctionTarget::InvokeUrl(_)
    ));
}

#[test]
fn function_url_rules() {
    let base = "api: {type: FUNCTION_URL}\nfunctions:\n  f: {invokeUrl: \"http://h/i\"}\n  s: {functionUrl: \"https://s.lambda-url.us-east-1.on.aws/\"}\nroutes:\n";
    one_error(
        &format!("{base}  - {{path: /a, method: GET, integration: {{function: f}}}}\n"),
        "only route has path \"$default\"",
    );
    let two = format!("{base}  - {{path: $default, integration: {{function: f}}}}\n  - {{path: $default, integration: {{function: f}}}}\n");
    assert!(errors(&two)[0].contains("exactly one route"));
    one_error(
        &format!("{base}  - {{path: $default, integration: {{function: s}}}}\n"),
        "reached by invokeUrl",
    );
    one_error(&format!("{base}  - {{path: $default, integration: {{function: f, payloadFormatVersion: \"1.0\"}}}}\n"), "always use payload format \"2.0\"");
}

#[test]
fn rest_rejects_default_route_and_payload_2() {
    one_error(
        &rest("  - {path: $default, integration: {function: f}}\n"),
        "REST APIs have no $default route",
    );
    one_error(&rest("  - {path: /a, method: GET, integration: {function: f, payloadFormatVersion: \"2.0\"}}\n"), "always use payload format \"1.0\"");
    one_error(
        &rest("  - {path: /a, method: GET, integration: {function: f, payloadFormatVersion: 3}}\n"),
        "'3' is not a payload format version",
    );
}

#[test]
fn unquoted_payload_version_is_accepted() {
    assert!(load_str(
        "t.yaml",
        &http(
            "  - {path: /a, method: GET, integration: {function: f, payloadFormatVersion: 1.0}}\n"
        )
    )
    .is_ok());
}

#[test]
fn http_default_route_takes_no_method() {
    one_error(
        &http("  - {path: $default, method: GET, integration: {function: f}}\n"),
        "matches every method",
    );
    assert!(load_str(
        "t.yaml",
        &http("  - {path: $default, method: any, integration: {function: f}}\n")
    )
    .is_ok());
}

#[test]
fn function_target_rules() {
    let r = "routes:\n  - {path: /a, method: GET, integration: {function: f}}\n";
    one_error(
        &format!("functions:\n  f: {{}}\n{r}"),
        "missing invokeUrl or functionUrl",
    );
    one_error(
        &format!("functions:\n  f: {{invokeUrl: \"ftp://x/y\"}}\n{r}"),
        "absolute http:// or https:// URL",
    );
    one_error(
        &format!("functions:\n  f: {{invokeUrl: \"/relative\"}}\n{r}"),
        "absolute http:// or https:// URL",
    );
    one_error(
        &format!("functions:\n  f: {{invokeUrl: \"http://h/i\", timeoutInMillis: 10}}\n{r}"),
        "out of range (50..=900000",
    );
}

#[test]
fn a_broken_function_is_reported_once() {
    let e = errors("functions:\n  f: {invokeUrl: 5, bad: 1}\nroutes:\n  - {path: /a, method: GET, integration: {function: f}}\n");
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(e.iter().all(|l| l.contains("functions.f")), "{e:#?}");
}

#[test]
fn timeouts_follow_the_api_kind() {
    one_error(
        &http("  - {path: /a, method: GET, integration: {function: f, timeoutInMillis: 30001}}\n"),
        "50..=30000",
    );
    assert!(load_str(
        "t.yaml",
        &http("  - {path: /a, method: GET, integration: {function: f, timeoutInMillis: 30000}}\n")
    )
    .is_ok());
    one_error(
        &rest("  - {path: /a, method: GET, integration: {function: f, timeoutInMillis: 49}}\n"),
        "50..=29000",
    );
    let raised = format!(
        "api: {{maxIntegrationTimeoutInMillis: 120000}}\n{}",
        rest("  - {path: /a, method: GET, integration: {function: f, timeoutInMillis: 120000}}\n")
    );
    let c = load_str("t.yaml", &raised).unwrap();
    let Integration::Proxy(p) = &c.api.routes[0].integration else {
        panic!("not a proxy integration")
    };
    assert_eq!(p.timeout, Duration::from_secs(120));
    one_error(
        &format!(
            "api: {{maxIntegrationTimeoutInMillis: 400000}}\n{}",
            rest("  - {path: /a, method: GET, integration: {function: f}}\n")
        ),
        "29000..=300000",
    );
    one_error(&format!("api: {{type: HTTP, maxIntegrationTimeoutInMillis: 60000}}\n{FUNCS}routes:\n  - {{path: /a, method: GET, integration: {{function: f}}}}\n"), "only REST APIs");
    let inherited = "functions:\n  f: {invokeUrl: \"http://h/i\", timeoutInMillis: 60000}\nroutes:\n  - {path: /a, method: GET, integration: {function: f}}\n";
    one_error(
        inherited,
        "from functions.f.timeoutInMillis exceeds the REST API limit",
    );
}

#[test]
fn path_syntax_rules() {
    for (path, why) in [
        ("/a/{proxy+}/b", "must be the last segment"),
        ("/a-{x}", "whole segment"),
        ("/{a}/{a}", "appears twice"),
        ("/a/", "must not end with '/'"),
        ("/{a!}", "invalid parameter name"),
    ] {
        one_error(
            &rest(&format!(
                "  - {{path: \"{path}\", method: GET, integration: {{function: f}}}}\n"
            )),
            why,
        );
    }
}

#[test]
fn duplicate_and_conflicting_routes() {
    let e = errors(&rest("  - {path: /a, method: GET, integration: {function: f}}\n  - {path: /a, method: get, integration: {function: f}}\n"));
    assert_eq!(
        e,
        ["t.yaml:5:5: routes[1]: duplicate route 'GET /a' (same as routes[0])"]
    );
    assert!(load_str("t.yaml", &rest("  - {path: /a, method: GET, integration: {function: f}}\n  - {path: /a, method: ANY, integration: {function: f}}\n")).is_ok());
    one_error(
        &rest("  - {path: \"/p/{id}\", method: GET, integration: {function: f}}\n  - {path: \"/p/{petId}\", method: POST, integration: {function: f}}\n"),
        "already has the variable child {id} (routes[0])",
    );
    one_error(
        &http("  - {path: \"/p/{id}\", method: GET, integration: {function: f}}\n  - {path: \"/p/{petId}\", method: GET, integration: {function: f}}\n"),
        "duplicate route 'GET /p/{petId}'",
    );
}

#[test]
fn method_and_integration_type_names() {
    one_error(
        &rest("  - {path: /a, method: TRACE, integration: {function: f}}\n"),
        "unknown method 'TRACE' (allowed: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY)",
    );
    one_error(
        &rest("  - {path: /a, integration: {function: f}}\n"),
        "missing required key 'method'",
    );
    one_error(
        &rest("  - {path: /a, method: GET, integration: {type: HTTP_PROXY, function: f}}\n"),
        "unknown integration type 'HTTP_PROXY' (allowed: AWS_PROXY, AWS, MOCK)",
    );
    one_error(
        &rest("  - {path: /a, method: GET}\n"),
        "missing required key 'integration'",
    );
    one_error(
        &rest("  - {path: /a, method: GET, integration: {type: AWS_PROXY}}\n"),
        "missing required key 'function'",
    );
}

#[test]
fn custom_and_mock_integrations_compile_and_are_checked() {
    let aws = rest("  - path: /a\n    method: POST\n    integration:\n      type: aws\n      function: f\n      requestTemplates: {application/json: \"{}\"}\n      passthroughBehavior: NEVER\n      responses:\n        default: {statusCode: 200}\n        \".*NotFound.*\": {statusCode: \"404\", responseParameters: {method.response.header.X: \"'y'\"}}\n");
    let c = load_str("t.yaml", &aws).unwrap();
    let Integration::Custom(ci) = &c.api.routes[0].integration else {
        panic!("not a custom integration")
    };
    assert_eq!(ci.backend, CustomBackend::Lambda(FunctionId(0)));
    assert_eq!(ci.passthrough, PassthroughBehavior::Never);
    let statuses: Vec<u16> = ci.responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [404, 200]);
    let c = load_str(
        "t.yaml",
        &rest("  - {path: /a, method: OPTIONS, integration: {type: MOCK}}\n"),
    )
    .unwrap();
    let Integration::Custom(ci) = &c.api.routes[0].integration else {
        panic!("not a custom integration")
    };
    assert_eq!(ci.backend, CustomBackend::Mock);
    let bad = rest("  - path: /a\n    method: POST\n    integration:\n      type: AWS\n      function: f\n      passthroughBehavior: SOMETIMES\n      responses:\n        \"(\": {statusCode: 2000}\n");
    let e = errors(&bad);
    assert_eq!(e.len(), 3, "{e:#?}");
    for want in [
        "unknown passthroughBehavior 'SOMETIMES'",
        "invalid selection pattern",
        "'2000' is not an HTTP status code",
    ] {
        assert!(e.iter().any(|l| l.contains(want)), "{want}: {e:#?}");
    }
    one_error(
        &rest("  - path: /a\n    method: POST\n    integration:\n      type: AWS\n      function: f\n      requestTemplates:\n        application/json: \"{\\n #if($a)\"\n"),
        "routes[0].integration.requestTemplates.application/json",
    );
    one_error(
        &http("  - {path: /a, method: GET, integration: {type: AWS, function: f}}\n"),
        "are a REST API feature",
    );
    one_error(&rest("  - {path: /a, method: GET, integration: {function: f, requestTemplates: {application/json: x}}}\n"), "requestTemplates applies only to AWS and MOCK integrations");
}

#[test]
fn authorizer_rules() {
    let route = "routes:\n  - {path: /a, method: GET, authorizer: z, integration: {function: f}}\n";
    let with = |auth: &str| format!("{FUNCS}authorizers:\n  z: {auth}\n{route}");
    let c = load_str("t.yaml", &with("{type: TOKEN, function: f}")).unwrap();
    let a = &c.api.authorizers[0];
    assert_eq!(
        a.identity_sources,
        [IdentitySource::Header("Authorization".into())]
    );
    assert_eq!(a.timeout, Duration::from_secs(29));
    assert_eq!(a.payload_format, PayloadFormat::V1);
    one_error(
        &with("{type: TOKEN, function: f, authorizerResultTtlInSeconds: 3601}"),
        "out of range (0..=3600",
    );
    one_error(&with("{type: TOKEN, function: f, identitySource: \"method.request.header.A, method.request.header.B\"}"), "exactly one method.request.header.NAME");
    one_error(
        &with("{type: TOKEN, function: f, identitySource: method.request.querystring.t}"),
        "exactly one method.request.header.NAME",
    );
    one_error(
        &with("{type: REQUEST, function: f}"),
        "identitySource is required when caching is enabled",
    );
    assert!(load_str(
        "t.yaml",
        &with("{type: REQUEST, function: f, authorizerResultTtlInSeconds: 0}")
    )
    .is_ok());
    one_error(
        &with("{type: REQUEST, function: f, identitySource: \"$request.header.A\"}"),
        "is not an identity source",
    );
    one_error(
        &with("{type: REQUEST, function: f, identitySource: method.request.path.id}"),
        "path parameters cannot be identity sources",
    );
    let e = errors(&with(
        "{type: TOKEN, function: f, identityValidationExpression: \"^(Bearer\"}",
    ));
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(
        e[0].ends_with(": invalid regular expression \"^(Bearer\": unclosed group"),
        "{}",
        e[0]
    );
    one_error(&with("{type: REQUEST, function: f, identitySource: context.x, identityValidationExpression: \"a\"}"), "for TOKEN authorizers only");
    one_error(&with("{function: f}"), "missing required key 'type'");
    one_error(
        &with("{type: COGNITO_USER_POOLS, function: f}"),
        "unknown authorizer type",
    );
    one_error(
        &with("{type: TOKEN, function: f, enableSimpleResponses: true}"),
        "for HTTP API authorizers only",
    );
    // Full-match validation expression.
    let c = load_str(
        "t.yaml",
        &with("{type: TOKEN, function: f, identityValidationExpression: \"Bearer [a-z]+\"}"),
    )
    .unwrap();
    let re = c.api.authorizers[0].validation.as_ref().unwrap();
    assert!(re.is_match("Bearer abc"));
    assert!(!re.is_match("xBearer abc"));
    assert!(!re.is_match("Bearer abc1"));
    // Unknown reference from a route.
    one_error(
        &format!("{FUNCS}{route}"),
        "routes[0].authorizer: unknown authorizer 'z' (none defined)",
    );
}

#[test]
fn http_authorizer_rules() {
    let route = "routes:\n  - {path: /a, method: GET, authorizer: z, integration: {function: f}}\n";
    let with =
        |auth: &str| format!("api: {{type: HTTP}}\n{FUNCS}authorizers:\n  z: {auth}\n{route}");
    one_error(
        &with("{type: TOKEN, function: f, identitySource: $request.header.A}"),
        "HTTP APIs support only REQUEST",
    );
    one_error(&with("{function: f, identitySource: $request.header.A, authorizerPayloadFormatVersion: \"1.0\", enableSimpleResponses: true}"), "simple responses need authorizerPayloadFormatVersion \"2.0\"");
    one_error(&with("{function: f, identitySource: $request.header.A, authorizerPayloadFormatVersion: \"3.0\"}"), "'3.0' is not a payload format version");
    let c = load_str("t.yaml", &with("{function: f, identitySource: \"$request.querystring.q, $stageVariables.s\", authorizerPayloadFormatVersion: \"1.0\"}")).unwrap();
    assert_eq!(c.api.authorizers[0].payload_format, PayloadFormat::V1);
    assert_eq!(
        c.api.authorizers[0].identity_sources,
        [
            IdentitySource::Query("q".into()),
            IdentitySource::StageVariable("s".into())
        ]
    );
}

#[test]
fn api_section_rules() {
    let r = rest("  - {path: /a, method: GET, integration: {function: f}}\n");
    let with = |api: &str| format!("api:\n{api}\n{r}");
    one_error(
        &with("  type: SOAP"),
        "unknown API type 'SOAP' (allowed: REST, HTTP, FUNCTION_URL)",
    );
    one_error(&with("  accountId: 12345"), "must be 12 digits");
    one_error(&with("  id: \"a b\""), "api.id");
    one_error(&with("  region: US_EAST"), "region name");
    one_error(&with("  stage: \"bad stage\""), "1..=128 letters");
    one_error(
        &with("  stageVariables: {\"bad-name\": x}"),
        "stage variable name 'bad-name'",
    );
    one_error(
        &with(&format!("  stageVariables: {{v: \"{}\"}}", "x".repeat(513))),
        "at most 512 characters",
    );
    one_error(
        &with("  binaryMediaTypes: [\"image/png\", \"nonsense\"]"),
        "api.binaryMediaTypes[1]: 'nonsense' is not a media type",
    );
    one_error(
        &with("  gatewayResponses: {NOT_A_TYPE: {statusCode: 400}}"),
        "unknown gateway response type 'NOT_A_TYPE' (known: ACCESS_DENIED",
    );
    one_error(
        &with("  gatewayResponses: {DEFAULT_4XX: {statusCode: \"4000\"}}"),
        "'4000' is not an HTTP status code",
    );
    one_error(&with("  gatewayResponses: {DEFAULT_4XX: {responseParameters: {method.response.header.X: \"'a'\"}}}"), "must be gatewayresponse.header.NAME");
    one_error(&with("  gatewayResponses: {DEFAULT_4XX: {responseParameters: {gatewayresponse.header.X: \"a\"}}}"), "is not a source");
    one_error(
        &with("  stagePrefix: yes"),
        "api.stagePrefix: invalid type: string \"yes\", expected a boolean",
    );
    one_error(
        &with("  domainName: \"https://x.example.com/\""),
        "is not a host name",
    );
    let c = load_str("t.yaml", &with("  stageVariables: {version: 2, name: blue}\n  gatewayResponses: {UNAUTHORIZED: {statusCode: 401, responseParameters: {gatewayresponse.header.WWW-Authenticate: \"'Bearer'\"}}}\n  domainName: api.example.com")).unwrap();
    assert_eq!(
        c.api.stage_variables,
        [
            ("version".to_string(), "2".to_string()),
            ("name".to_string(), "blue".to_string())
        ]
    );
    assert_eq!(c.api.default_domain, "api.example.com");
    let (ty, spec) = &c.api.gateway_responses.custom[0];
    assert_eq!(ty.name(), "UNAUTHORIZED");
    assert_eq!(spec.status, Some(401));
    assert_eq!(
        spec.headers,
        [("WWW-Authenticate".to_string(), "'Bearer'".to_string())]
    );
    let e = errors(&format!("api: {{type: HTTP, gatewayResponses: {{DEFAULT_4XX: {{}}}}}}\n{FUNCS}routes:\n  - {{path: /a, method: GET, integration: {{function: f}}}}\n"));
    assert!(
        e[0].contains("gatewayResponses are a REST API feature"),
        "{e:#?}"
    );
}

#[test]
fn rest_only_route_features() {
    let r = "  - path: \"/a/{id}\"\n    method: GET\n    requestValidator: nope\n    requestParameters: {method.request.path.x: true, method.request.cookie.c: false}\n    requestModels: {application/json: Missing}\n    integration: {function: f}\n";
    let e = errors(&format!("api:\n  requestValidators: {{all: {{validateRequestBody: true}}}}\n  models: {{Pet: {{type: object}}}}\n{FUNCS}routes:\n{r}"));
    // `method.request.path.x` without `{x}` in the path is accepted, as AWS accepts it.
    assert_eq!(e.len(), 3, "{e:#?}");
    assert!(e[0].contains("unknown request validator 'nope' (known: all)"));
    assert!(e[1].contains("must be method.request.(querystring|header|path).NAME"));
    assert!(e[2].contains("unknown model 'Missing' (known: Pet)"));
    one_error(
        &http("  - {path: /a, method: GET, apiKeyRequired: true, integration: {function: f}}\n"),
        "API keys are a REST API feature",
    );
}

#[test]
fn server_and_listeners() {
    let r = rest("  - {path: /a, method: GET, integration: {function: f}}\n");
    let c = load_str("t.yaml", &format!("listen: \"127.0.0.1:0\"\nadmin: \"[::1]:9901\"\nserver: {{maxBodyBytes: 1024, idleTimeoutMillis: 500, shutdownGraceMillis: 0}}\n{r}")).unwrap();
    assert_eq!(c.listen.port(), 0);
    assert_eq!(c.server.max_body_bytes, 1024);
    assert_eq!(c.server.idle_timeout, Duration::from_millis(500));
    assert_eq!(c.server.shutdown_grace, Duration::ZERO);
    assert_eq!(c.server.max_headers, 200);
    assert_eq!(c.server.worker_threads, None);
    one_error(
        &format!("listen: \"127.0.0.1:17001\"\nadmin: \"127.0.0.1:17001\"\n{r}"),
        "admin: 127.0.0.1:17001 is also the listen address",
    );
    // Port 0 is a fresh free port for each.
    assert!(load_str(
        "t.yaml",
        &format!("listen: \"127.0.0.1:0\"\nadmin: \"127.0.0.1:0\"\n{r}")
    )
    .is_ok());
    let c = load_str("t.yaml", &format!("server: {{workerThreads: 1}}\n{r}")).unwrap();
    assert_eq!(c.server.worker_threads, Some(1));
    for bad in ["0", "5000"] {
        one_error(
            &format!("server: {{workerThreads: {bad}}}\n{r}"),
            "server.workerThreads: must be between 1 and 1024",
        );
    }
    one_error(
        &format!("admin: \"localhost\"\n{r}"),
        "admin: 'localhost' is not a socket address",
    );
    one_error(
        &format!("server: {{maxConnections: 0}}\n{r}"),
        "server.maxConnections: must be greater than 0",
    );
    one_error(
        &format!("server: {{maxConection: 5}}\n{r}"),
        "unknown key 'maxConection' (allowed: maxBodyBytes,",
    );
}
