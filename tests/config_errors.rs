//! Config loading end to end: valid files compile, and every mistake is reported at once with
//! file, line, column and key path. The rules of each section are in `config_rules.rs`.
#![allow(clippy::unwrap_used)]

mod support;

use apigate::config::model::{ApiKind, Integration, RequestValidator};
use apigate::config::{check, load, load_str, ConfigErrors};
use support::config_text::{errors, one_error, FUNCS};

#[test]
fn example_gateway_yaml_compiles() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/gateway.yaml");
    let c = load(path).unwrap_or_else(|e| panic!("{e}"));
    let api = &c.api;
    assert_eq!(api.kind, ApiKind::Rest);
    assert_eq!(api.id, "abc123");
    assert_eq!(api.routes.len(), 3);
    assert_eq!(api.functions.len(), 3);
    assert_eq!(api.authorizers.len(), 2);
    assert_eq!(c.admin.unwrap().to_string(), "127.0.0.1:9901");
    assert_eq!(api.gateway_responses.custom.len(), 2);
    let summary = check(path).unwrap();
    assert_eq!(
        summary.to_string(),
        "REST API: 3 routes, 3 functions, 2 authorizers"
    );
}

#[test]
fn several_errors_in_different_sections_are_all_reported() {
    let text = "\
listen: \"nowhere\"
api:
  type: REST
  stage: \"$default\"
functions:
  orders:
    invokeUrl: \"http://127.0.0.1:9001/x\"
    functionUrl: \"https://y.lambda-url.us-east-1.on.aws/\"
authorizers:
  bearer:
    type: TOKEN
    function: auht
routes:
  - path: /pets/{id}
    method: FETCH
    integration: {type: AWS_PROXY, function: orders}
  - path: /pets
    method: GET
    integration:
      type: AWS_PROXY
      function: ordrs
      timeoutInMillis: 40000
";
    let e = errors(text);
    let want = [
        "t.yaml:1:1: listen: 'nowhere' is not a socket address",
        "t.yaml:4:3: api.stage: '$default': REST APIs cannot use the $default stage",
        "t.yaml:6:3: functions.orders: set exactly one of invokeUrl / functionUrl",
        "t.yaml:12:5: authorizers.bearer.function: unknown function 'auht' (known: orders)",
        "t.yaml:15:5: routes[0].method: unknown method 'FETCH'",
        "t.yaml:21:7: routes[1].integration.function: unknown function 'ordrs' (known: orders)",
        "t.yaml:22:7: routes[1].integration.timeoutInMillis: 40000 is out of range for a REST API (50..=29000 ms)",
    ];
    assert_eq!(e.len(), want.len(), "{e:#?}");
    for (got, want) in e.iter().zip(want) {
        assert!(got.starts_with(want), "wanted {want:?}, got {got:?}");
    }
}

#[test]
fn shape_errors_and_semantic_errors_together() {
    let text = format!(
        "{FUNCS}routes:\n  - path: /a\n    method: GET\n    integraton: {{function: f}}\n  - path: b\n    method: GET\n    integration: {{function: f}}\nextra: 1\n"
    );
    let e = errors(&text);
    // The route with the unknown key is not checked further (its integration is not missing:
    // it is misspelled), and the next route is still checked.
    assert_eq!(e.len(), 3, "{e:#?}");
    assert!(e[0].starts_with("t.yaml:6:5: routes[0].integraton: unknown key 'integraton' (allowed: path, method, authorizer, apiKeyRequired, requestValidator, requestParameters, requestModels, integration)"), "{}", e[0]);
    assert!(
        e[1].starts_with("t.yaml:7:5: routes[1].path: path 'b' must start with '/'"),
        "{}",
        e[1]
    );
    assert!(
        e[2].starts_with("t.yaml:10:1: extra: unknown key 'extra'"),
        "{}",
        e[2]
    );
}

#[test]
fn yaml_syntax_error_has_line_and_column() {
    let e = errors("api:\n  type: REST\n stage: prod\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("t.yaml:3:"), "{}", e[0]);
    let e = errors("routes: [a, b\n");
    assert!(e[0].starts_with("t.yaml:"), "{}", e[0]);
    assert!(
        e[0].split(':').nth(1).unwrap().parse::<usize>().is_ok(),
        "{}",
        e[0]
    );
}

/// An integer too large for any value (serde_yaml_ng cannot load the file with it) is reported
/// at its key, and the rest of the file is still checked in the same pass.
#[test]
fn out_of_range_integers_do_not_hide_other_errors() {
    let text = "\
server: {maxConnections: -99999999999999999999}
functions:
  f:
    invokeUrl: \"http://127.0.0.1:9001/2015-03-31/functions/function/invocations\"
    timeoutInMillis: 0x1ffffffffffffffff
routes:
  - {path: /a, method: GETT, integration: {type: AWS_PROXY, function: f}}
  - {path: /b, method: GET, integration: {type: AWS_PROXY, function: f, timeoutInMillis: 184467440737095516160}}
";
    let e = errors(text);
    assert_eq!(
        e,
        [
            "t.yaml:1:10: server.maxConnections: the integer -99999999999999999999 is out of range",
            "t.yaml:5:5: functions.f.timeoutInMillis: the integer 0x1ffffffffffffffff is out of range",
            "t.yaml:7:16: routes[0].method: unknown method 'GETT' (allowed: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY)",
            "t.yaml:8:73: routes[1].integration.timeoutInMillis: the integer 184467440737095516160 is out of range",
        ],
        "{e:#?}"
    );
}

/// Another error at the key of an out-of-range integer (an unknown key, a duplicate) keeps its
/// own message.
#[test]
fn out_of_range_integers_keep_other_errors_at_their_key() {
    let body = format!("{FUNCS}routes:\n  - {{path: /a, method: GET, integration: {{type: AWS_PROXY, function: f}}}}\n");
    let e = errors(&format!(
        "server: {{maxConections: 99999999999999999999}}\n{body}"
    ));
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].contains("unknown key 'maxConections'"), "{e:#?}");
    let e = errors(&format!(
        "server: {{maxConnections: 1, maxConnections: 99999999999999999999}}\n{body}"
    ));
    assert_eq!(
        e,
        ["t.yaml:1:29: server.maxConnections: duplicate key 'maxConnections'"]
    );
}

/// A key that takes text takes a long run of digits as it is written.
#[test]
fn long_numbers_are_text_where_text_is_wanted() {
    let config = load_str(
        "t.yaml",
        &format!("api: {{type: REST, id: 123456789012345678901234567890, stage: prod}}\n{FUNCS}routes:\n  - {{path: /a, method: GET, integration: {{type: AWS_PROXY, function: f}}}}\n"),
    )
    .unwrap();
    assert_eq!(config.api.id, "123456789012345678901234567890");
}

#[test]
fn duplicate_keys_are_reported_with_their_path() {
    let e = errors(&format!("{FUNCS}routes:\n  - path: /a\n    path: /b\n"));
    assert_eq!(e, ["t.yaml:5:5: routes[0].path: duplicate key 'path'"]);
}

#[test]
fn unreadable_file_is_an_error_without_position() {
    let e = load("/nonexistent/apigate.yaml").unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(
        e.0[0]
            .to_string()
            .starts_with("/nonexistent/apigate.yaml: cannot read"),
        "{e}"
    );
}

#[test]
fn every_spec_key_is_accepted() {
    // The full example of spec config.md (with its custom integration moved to AWS_PROXY keys
    // that proxy integrations accept) decodes and compiles.
    let text = "\
api:
  requestValidators:
    all: {validateRequestBody: true, validateRequestParameters: true}
  models:
    Pet: {type: object, required: [name], properties: {name: {type: string}}}
functions:
  orders: {invokeUrl: \"http://127.0.0.1:9001/i\", timeoutInMillis: 29000}
routes:
  - path: \"/pets/{id}\"
    method: GET
    apiKeyRequired: false
    requestValidator: all
    requestParameters:
      method.request.querystring.page: false
    requestModels:
      application/json: Pet
    integration:
      type: AWS
      function: orders
      payloadFormatVersion: \"1.0\"
      timeoutInMillis: 29000
      requestParameters: {integration.request.header.X: method.request.querystring.y}
      requestTemplates:
        application/json: |
          {\"id\": \"$input.params('id')\"}
      passthroughBehavior: WHEN_NO_MATCH
      contentHandling: CONVERT_TO_TEXT
      responses:
        default:
          statusCode: \"200\"
          responseParameters: {method.response.header.X: \"'v'\"}
          responseTemplates:
            application/json: \"$input.json('$')\"
          contentHandling: CONVERT_TO_TEXT
        \".*NotFound.*\":
          statusCode: \"404\"
";
    let c = load_str("t.yaml", text).unwrap();
    let r = &c.api.routes[0];
    assert!(matches!(r.integration, Integration::Custom(_)));
    let mr = &r.method_request;
    assert_eq!(
        mr.validator,
        Some(RequestValidator {
            parameters: true,
            body: true
        })
    );
    assert_eq!(mr.parameters.len(), 1);
    assert_eq!(mr.models[0].1.name, "Pet");
}

#[test]
fn errors_display_one_per_line() {
    let e: ConfigErrors = load_str("g.yaml", "lisen: x\nroutez: []\n").unwrap_err();
    let text = e.to_string();
    assert_eq!(text.lines().count(), e.len());
    assert!(text.lines().all(|l| l.starts_with("g.yaml:")), "{text}");
}

#[test]
fn yaml_anchors_and_merge_keys_work() {
    let text = "\
functions:
  f: {invokeUrl: \"http://h/i\"}
x-common: &common
  integration: {function: f}
routes:
  - {<<: *common, path: /a, method: GET}
";
    // `x-common` is not a config key: reported, while the merged route itself is fine.
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].contains("unknown key 'x-common'"), "{e:#?}");
}

#[test]
fn a_file_without_routes_is_an_error() {
    one_error(FUNCS, "routes: at least one route is required");
    one_error("", "routes: at least one route is required");
    one_error("- a\n- b\n", "the file must be a mapping");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any damage to the example (a line removed, a character replaced) yields a config or
    /// positioned errors, never a panic.
    #[test]
    fn damaged_example_files_are_reported_not_panicked(
        line in 0usize..200,
        at in 0usize..8000,
        ch in proptest::sample::select(vec![' ', ':', '-', '{', '[', 'x', '"', '\n', '\t']),
    ) {
        let text = include_str!("../config/gateway.yaml");
        let mut lines: Vec<&str> = text.lines().collect();
        if line < lines.len() {
            lines.remove(line);
        }
        let mut damaged: Vec<char> = lines.join("\n").chars().collect();
        if at < damaged.len() {
            damaged[at] = ch;
        }
        let damaged: String = damaged.into_iter().collect();
        if let Err(e) = load_str("g.yaml", &damaged) {
            proptest::prop_assert!(!e.is_empty());
            for err in &e.0 {
                proptest::prop_assert!(err.line >= 1, "{}", err);
            }
        }
    }
}

#[test]
fn throttle_limits_are_checked() {
    let r = "functions:\n  f: {invokeUrl: \"http://127.0.0.1:9/i\"}\n";
    let route = "routes:\n  - {path: /a, method: GET, integration: {function: f}}\n";
    one_error(
        &format!("api:\n  throttle: {{rateLimit: -1, burstLimit: 5}}\n{r}{route}"),
        "api.throttle.rateLimit: must be a number >= 0",
    );
    one_error(
        &format!("api:\n  type: FUNCTION_URL\n  throttle: {{rateLimit: 1}}\n{r}routes:\n  - {{path: $default, integration: {{function: f}}}}\n"),
        "Function URLs have no stage throttling",
    );
    let ok = format!("api:\n  throttle: {{rateLimit: 0.5}}\n{r}{route}");
    let config = load_str("t.yaml", &ok).unwrap();
    assert_eq!(
        config.api.throttle,
        Some(apigate::config::model::Throttle {
            rate_limit: 0.5,
            burst_limit: 5000
        })
    );
}

#[test]
fn unenforced_protections_are_refused_not_ignored() {
    let r = "functions:\n  f: {invokeUrl: \"http://127.0.0.1:9/i\"}\n";
    one_error(
        &format!("{r}routes:\n  - {{path: /a, method: GET, apiKeyRequired: true, integration: {{function: f}}}}\n"),
        "API keys and usage plans are not supported",
    );
}
