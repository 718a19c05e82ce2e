//! Custom (`AWS`) and `MOCK` integrations over real HTTP through the real server (`app::run` on
//! `127.0.0.1:0`), the function a stub reached by the Invoke API and by a Function URL:
//! passthrough behaviours, function errors matched and unmatched, a timeout, a non-JSON result,
//! invalid template output, each validator mode, a MOCK CORS preflight, response overrides, and
//! customised gateway responses (`api.gatewayResponses`) for the errors these produce.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use serde_json::{json, Value as Json};
use support::client::RawResponse;
use support::custom_gateway::{rest_config, start, Behaviour, CustomEnv, Target, TARGETS};

const UNSUPPORTED: &str = "{\"message\": \"Unsupported Media Type\"}";
const INTERNAL: &str = "{\"message\": \"Internal server error\"}";
const TIMED_OUT: &str = "{\"message\": \"Endpoint request timed out\"}";

/// An `AWS` integration of function `f` with a default 200 response, `extra` merged in.
fn aws(extra: Json) -> Json {
    let mut i = json!({"type": "AWS", "function": "f",
        "responses": {"default": {"statusCode": 200}}});
    for (k, v) in extra.as_object().unwrap() {
        i[k] = v.clone();
    }
    i
}

fn route(path: &str, method: &str, integration: Json) -> Json {
    json!({"path": path, "method": method, "integration": integration})
}

/// A gateway with one route `ANY /r` using `integration`.
async fn single(t: Target, b: Behaviour, integration: Json) -> CustomEnv {
    start(
        t,
        b,
        rest_config(json!({}), vec![route("/r", "ANY", integration)]),
    )
    .await
}

async fn post(env: &CustomEnv, path: &str, ct: Option<&str>, body: &str) -> RawResponse {
    let headers: Vec<(&str, &str)> = ct.map(|c| ("Content-Type", c)).into_iter().collect();
    env.send("POST", path, &headers, Some(body.as_bytes()))
        .await
}

async fn get(env: &CustomEnv, path: &str) -> RawResponse {
    env.send("GET", path, &[], None).await
}

fn status_body(r: &RawResponse) -> (u16, &str) {
    (r.status, r.body_str())
}

/// API Gateway's own headers on every response.
fn assert_gateway_headers(r: &RawResponse) {
    assert!(r.header("x-amzn-RequestId").is_some(), "{:?}", r.headers);
    assert!(r.header("x-amz-apigw-id").is_some(), "{:?}", r.headers);
}

#[tokio::test]
async fn passthrough_behaviours() {
    let tpl = json!({"application/json": "{\"t\": \"$input.path('$.x')\"}"});
    for t in TARGETS {
        let routes = vec![
            route("/match", "POST", aws(json!({"requestTemplates": tpl}))),
            route(
                "/when-no-templates",
                "POST",
                aws(json!({"requestTemplates": tpl, "passthroughBehavior": "WHEN_NO_TEMPLATES"})),
            ),
            route(
                "/when-no-templates-none",
                "POST",
                aws(json!({"passthroughBehavior": "WHEN_NO_TEMPLATES"})),
            ),
            route(
                "/never",
                "POST",
                aws(json!({"requestTemplates": tpl, "passthroughBehavior": "NEVER"})),
            ),
            route(
                "/never-none",
                "POST",
                aws(json!({"passthroughBehavior": "NEVER"})),
            ),
        ];
        let env = start(t, Behaviour::Echo, rest_config(json!({}), routes)).await;
        let calls = || env.stub.calls();

        // WHEN_NO_MATCH (default): an unmatched type passes the body through byte for byte;
        // a matching one (parameters ignored) is transformed.
        let r = post(&env, "/match", Some("application/xml"), "{\"x\": 1}").await;
        assert_eq!(status_body(&r), (200, "{\"x\": 1}"), "{t:?}");
        assert_eq!(
            r.header("Content-Type").as_deref(),
            Some("application/json")
        );
        assert_gateway_headers(&r);
        let r = post(
            &env,
            "/match",
            Some("application/json; charset=UTF-8"),
            "{\"x\": 2}",
        )
        .await;
        assert_eq!(status_body(&r), (200, "{\"t\": \"2\"}"), "{t:?}");
        // No Content-Type selects application/json.
        let r = post(&env, "/match", None, "{\"x\": 3}").await;
        assert_eq!(status_body(&r), (200, "{\"t\": \"3\"}"), "{t:?}");

        // WHEN_NO_TEMPLATES: 415 when templates exist but none matches; passthrough without any.
        let before = calls();
        let r = post(&env, "/when-no-templates", Some("application/xml"), "{}").await;
        assert_eq!(status_body(&r), (415, UNSUPPORTED), "{t:?}");
        assert_eq!(
            r.header("x-amzn-ErrorType").as_deref(),
            Some("BadRequestException")
        );
        assert_eq!(calls(), before, "{t:?}: a 415 calls nothing");
        let r = post(
            &env,
            "/when-no-templates",
            Some("application/json"),
            "{\"x\": 4}",
        )
        .await;
        assert_eq!(status_body(&r), (200, "{\"t\": \"4\"}"), "{t:?}");
        let r = post(
            &env,
            "/when-no-templates-none",
            Some("application/xml"),
            "[1]",
        )
        .await;
        assert_eq!(status_body(&r), (200, "[1]"), "{t:?}");

        // NEVER: 415 whenever no template matches, even without templates or a body.
        let before = calls();
        let r = post(&env, "/never", Some("text/plain"), "{}").await;
        assert_eq!(status_body(&r), (415, UNSUPPORTED), "{t:?}");
        let r = env.send("POST", "/never-none", &[], None).await;
        assert_eq!(status_body(&r), (415, UNSUPPORTED), "{t:?}");
        assert_eq!(calls(), before, "{t:?}");
        let r = post(&env, "/never", Some("application/json"), "{\"x\": 5}").await;
        assert_eq!(status_body(&r), (200, "{\"t\": \"5\"}"), "{t:?}");
        env.gw.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn function_errors_matched_and_unmatched() {
    let integration = |with_default: bool| {
        let mut responses = json!({".*not found.*": {"statusCode": 404,
            "responseTemplates": {"application/json": "{\"error\": \"$input.path('$.errorMessage')\"}"},
            "responseParameters": {"method.response.header.X-Error-Type": "integration.response.body.errorType"}}});
        if with_default {
            responses["default"] = json!({"statusCode": 200});
        }
        aws(json!({"responses": responses}))
    };
    let not_found = json!({"errorMessage": "item not found", "errorType": "NotFound"}).to_string();
    let boom = json!({"errorMessage": "boom", "errorType": "Error", "stackTrace": []}).to_string();
    for t in TARGETS {
        // Matched: the pattern's status, template and header mapping.
        let env = single(t, Behaviour::Error(not_found.clone()), integration(true)).await;
        let r = get(&env, "/r").await;
        assert_eq!(
            status_body(&r),
            (404, "{\"error\": \"item not found\"}"),
            "{t:?}"
        );
        assert_eq!(r.header("X-Error-Type").as_deref(), Some("NotFound"));
        assert_eq!(
            r.header("X-Amz-Function-Error"),
            None,
            "Lambda headers never leak"
        );
        assert_gateway_headers(&r);

        // Unmatched with a default: the error payload comes back with the default status.
        let env = single(t, Behaviour::Error(boom.clone()), integration(true)).await;
        let r = get(&env, "/r").await;
        assert_eq!(status_body(&r), (200, boom.as_str()), "{t:?}");

        // Unmatched without a default: API Gateway's 500.
        let env = single(t, Behaviour::Error(boom.clone()), integration(false)).await;
        let r = get(&env, "/r").await;
        assert_eq!(status_body(&r), (500, INTERNAL), "{t:?}");
        assert_eq!(
            r.header("x-amzn-ErrorType").as_deref(),
            Some("InternalServerErrorException")
        );

        // A success selects the default, never an error pattern.
        let env = single(t, Behaviour::Result("\"Pass\"".into()), integration(true)).await;
        assert_eq!(status_body(&get(&env, "/r").await), (200, "\"Pass\""));
    }
}

#[tokio::test]
async fn function_timeout_is_504() {
    for t in TARGETS {
        let env = single(t, Behaviour::Hang, aws(json!({"timeoutInMillis": 100}))).await;
        let r = get(&env, "/r").await;
        assert_eq!(status_body(&r), (504, TIMED_OUT), "{t:?}");
        assert_eq!(
            r.header("Content-Type").as_deref(),
            Some("application/json")
        );
        assert_gateway_headers(&r);
        assert_eq!(env.stub.calls(), 1);
    }
}

#[tokio::test]
async fn non_json_results_pass_through() {
    for t in TARGETS {
        let text = Behaviour::Result("plain text result".into());
        let env = single(t, text.clone(), aws(json!({}))).await;
        let r = get(&env, "/r").await;
        assert_eq!(status_body(&r), (200, "plain text result"), "{t:?}");
        assert_eq!(
            r.header("Content-Type").as_deref(),
            Some("application/json")
        );
        let templated = aws(json!({"responses": {"default": {"statusCode": 200,
            "responseTemplates": {"application/json": "[$input.path('$.a')]"}}}}));
        let env = single(t, text, templated).await;
        assert_eq!(status_body(&get(&env, "/r").await), (200, "[]"), "{t:?}");
    }
}

#[tokio::test]
async fn invalid_template_output_is_500() {
    let loop_limit = "#foreach($i in [1..2000])$i#end";
    for t in TARGETS {
        // Output Lambda cannot take as an event: nothing is called.
        let env = single(
            t,
            Behaviour::Echo,
            aws(json!({"requestTemplates":
            {"application/json": "Action=SendMessage&x=$input.params('x')"}})),
        )
        .await;
        let r = get(&env, "/r?x=1").await;
        assert_eq!(status_body(&r), (500, INTERNAL), "{t:?}");
        assert_eq!(
            r.header("x-amzn-ErrorType").as_deref(),
            Some("InternalServerErrorException")
        );
        assert_eq!(env.stub.calls(), 0);
        // A request template failing while rendering (loop limit).
        let env = single(
            t,
            Behaviour::Echo,
            aws(json!({"requestTemplates":
            {"application/json": loop_limit}})),
        )
        .await;
        assert_eq!(status_body(&get(&env, "/r").await), (500, INTERNAL));
        assert_eq!(env.stub.calls(), 0);
        // A response template failing: a 500 after the function ran.
        let env = single(
            t,
            Behaviour::Echo,
            aws(json!({"responses": {"default":
            {"statusCode": 200, "responseTemplates": {"application/json": loop_limit}}}})),
        )
        .await;
        assert_eq!(status_body(&get(&env, "/r").await), (500, INTERNAL));
        assert_eq!(env.stub.calls(), 1);
    }
}

#[tokio::test]
async fn validation_in_each_validator_mode() {
    let modes = [
        ("both", true, true),
        ("params", true, false),
        ("body", false, true),
    ];
    let mut validators = json!({});
    let mut routes = Vec::new();
    for (name, params, body) in modes {
        validators[name] =
            json!({"validateRequestParameters": params, "validateRequestBody": body});
        let mut r = route(&format!("/{name}"), "POST", aws(json!({})));
        r["requestValidator"] = json!(name);
        r["requestParameters"] =
            json!({"method.request.querystring.q": true, "method.request.header.X-Key": true});
        r["requestModels"] = json!({"application/json": "Pet"});
        routes.push(r);
    }
    let api = json!({"requestValidators": validators, "models": {"Pet": {"type": "object",
        "required": ["name"], "properties": {"name": {"type": "string"}}}}});
    let missing = "{\"message\": \"Missing required request parameters: [X-Key, q]\"}";
    let bad_body = "{\"message\": \"Invalid request body\"}";
    let good = "{\"name\": \"rex\"}";
    for t in TARGETS {
        let env = start(t, Behaviour::Echo, rest_config(api.clone(), routes.clone())).await;
        let json_ct = ("Content-Type", "application/json");
        for (name, params, body) in modes {
            let bare = format!("/{name}");
            let with_q = format!("/{name}?q=1");
            let send = |target: &str, key: bool, b: &str| {
                let mut h = vec![json_ct];
                if key {
                    h.push(("X-Key", "k"));
                }
                let target = target.to_string();
                let b = b.to_string();
                let env = &env;
                async move { env.send("POST", &target, &h, Some(b.as_bytes())).await }
            };
            let r = send(&bare, false, "{\"name\": 1}").await;
            let want = match (params, body) {
                (true, _) => (400, missing),
                (false, _) => (400, bad_body),
            };
            assert_eq!(status_body(&r), want, "{t:?} {name}: nothing valid");
            assert_eq!(
                r.header("x-amzn-ErrorType").as_deref(),
                Some("BadRequestException")
            );
            // An empty query value counts as missing.
            let r = send(&format!("/{name}?q="), true, good).await;
            let want = if params {
                (
                    400,
                    "{\"message\": \"Missing required request parameters: [q]\"}",
                )
            } else {
                (200, good)
            };
            assert_eq!(status_body(&r), want, "{t:?} {name}: empty q");
            let r = send(&with_q, true, "{\"name\": 1}").await;
            let want = if body {
                (400, bad_body)
            } else {
                (200, "{\"name\": 1}")
            };
            assert_eq!(status_body(&r), want, "{t:?} {name}: bad body");
            let r = send(&bare, false, good).await;
            let want = if params { (400, missing) } else { (200, good) };
            assert_eq!(status_body(&r), want, "{t:?} {name}: missing parameters");
            let r = send(&with_q, true, good).await;
            assert_eq!(status_body(&r), (200, good), "{t:?} {name}: all valid");
        }
        env.gw.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn mock_cors_preflight_calls_nothing() {
    let preflight = json!({"type": "MOCK",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": 200,
            "responseParameters": {
                "method.response.header.Access-Control-Allow-Origin": "'*'",
                "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Api-Key'"},
            "responseTemplates": {"application/json": ""}}}});
    for t in TARGETS {
        let routes = vec![
            route("/items", "OPTIONS", preflight.clone()),
            route("/items", "GET", aws(json!({}))),
        ];
        let env = start(
            t,
            Behaviour::Result("[]".into()),
            rest_config(json!({}), routes),
        )
        .await;
        let r = env
            .send(
                "OPTIONS",
                "/items",
                &[
                    ("Origin", "https://example.com"),
                    ("Access-Control-Request-Method", "GET"),
                    ("Access-Control-Request-Headers", "content-type"),
                ],
                None,
            )
            .await;
        assert_eq!(status_body(&r), (200, ""), "{t:?}");
        assert_eq!(
            r.header("Access-Control-Allow-Origin").as_deref(),
            Some("*")
        );
        assert_eq!(
            r.header("Access-Control-Allow-Methods").as_deref(),
            Some("GET,OPTIONS")
        );
        assert_eq!(
            r.header("Access-Control-Allow-Headers").as_deref(),
            Some("Content-Type,X-Api-Key")
        );
        assert_gateway_headers(&r);
        assert_eq!(env.stub.calls(), 0, "{t:?}: a MOCK calls no function");
        assert_eq!(status_body(&get(&env, "/items").await), (200, "[]"));
        assert_eq!(env.stub.calls(), 1);
    }
}

#[tokio::test]
async fn response_overrides_from_request_and_response_templates() {
    let from_request = "#set($context.responseOverride.status = 201)\n\
        #set($context.responseOverride.header.X-From-Request = \"req\")\n{\"a\": 1}";
    let from_response = "#set($context.responseOverride.status = 418)\n\
        #set($context.responseOverride.header.X-Both = \"override\")\n\
        #set($context.responseOverride.header.Content-Type = \"text/plain\")\n\
        seen $input.path('$.a')";
    for t in TARGETS {
        // Set in the request template, no response template: the status and header apply.
        let env = single(
            t,
            Behaviour::Echo,
            aws(json!({"requestTemplates":
            {"application/json": from_request}})),
        )
        .await;
        let r = get(&env, "/r").await;
        assert_eq!(status_body(&r), (201, "{\"a\": 1}"), "{t:?}");
        assert_eq!(r.header("X-From-Request").as_deref(), Some("req"));

        // Set in the response template: they win over responseParameters.
        let env = single(
            t,
            Behaviour::Echo,
            aws(json!({
            "requestTemplates": {"application/json": from_request},
            "responses": {"default": {"statusCode": 200,
                "responseParameters": {"method.response.header.X-Both": "'param'",
                    "method.response.header.X-Param": "'p'"},
                "responseTemplates": {"application/json": from_response}}}})),
        )
        .await;
        let r = get(&env, "/r").await;
        assert_eq!(status_body(&r), (418, "seen 1"), "{t:?}");
        assert_eq!(r.header("X-Both").as_deref(), Some("override"));
        assert_eq!(r.header("X-Param").as_deref(), Some("p"));
        assert_eq!(r.header("X-From-Request").as_deref(), Some("req"));
        assert_eq!(r.header("Content-Type").as_deref(), Some("text/plain"));
    }
}

/// `api.gatewayResponses`: DEFAULT_4XX, DEFAULT_5XX and BAD_REQUEST_BODY customised with
/// literal, request-header and context headers and a template using `$context.error.*`.
fn customised_api() -> Json {
    let template = |kind: &str| {
        format!(
            "{{\"kind\": \"{kind}\", \"message\": $context.error.messageString, \
             \"type\": \"$context.error.responseType\", \"requestId\": \"$context.requestId\", \
             \"validation\": \"$util.escapeJavaScript($context.error.validationErrorString)\"}}"
        )
    };
    let params = |lit: &str| {
        json!({"gatewayresponse.header.X-Gw-Literal": format!("'{lit}'"),
            "gatewayresponse.header.X-Gw-Echo": "method.request.header.X-Trace-Me",
            "gatewayresponse.header.X-Gw-Stage": "context.stage"})
    };
    json!({
        "requestValidators": {"all": {"validateRequestParameters": true, "validateRequestBody": true}},
        "models": {"Pet": {"type": "object", "required": ["name"]}},
        "gatewayResponses": {
            "DEFAULT_4XX": {"responseParameters": params("four"),
                "responseTemplates": {"application/json": template("4xx")}},
            "DEFAULT_5XX": {"responseParameters": params("five"),
                "responseTemplates": {"application/json": template("5xx")}},
            "BAD_REQUEST_BODY": {"statusCode": "422", "responseParameters": params("body"),
                "responseTemplates": {"application/json": template("body")}},
        },
    })
}

/// Checks a customised gateway response; returns its JSON body.
fn customised(r: &RawResponse, status: u16, kind: &str, ty: &str, message: &str) -> Json {
    assert_eq!(r.status, status, "{}", r.body_str());
    let body: Json = serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body_str()));
    assert_eq!(body["kind"], kind, "{body}");
    assert_eq!(body["type"], ty, "{body}");
    assert_eq!(body["message"], message, "{body}");
    let request_id = r.header("x-amzn-RequestId").unwrap();
    assert_eq!(body["requestId"], request_id.as_str(), "$context.requestId");
    let literal = match kind {
        "body" => "body",
        "4xx" => "four",
        _ => "five",
    };
    assert_eq!(r.header("X-Gw-Literal").as_deref(), Some(literal));
    assert_eq!(r.header("X-Gw-Echo").as_deref(), Some("trace-1"));
    assert_eq!(r.header("X-Gw-Stage").as_deref(), Some("prod"));
    assert_eq!(
        r.header("Content-Type").as_deref(),
        Some("application/json")
    );
    body
}

#[tokio::test]
async fn customised_gateway_responses() {
    for t in TARGETS {
        let mut validated = route("/v", "POST", aws(json!({})));
        validated["requestValidator"] = json!("all");
        validated["requestParameters"] = json!({"method.request.querystring.q": true});
        validated["requestModels"] = json!({"application/json": "Pet"});
        let routes = vec![
            route(
                "/never",
                "POST",
                aws(json!({"passthroughBehavior": "NEVER"})),
            ),
            route("/slow", "GET", aws(json!({"timeoutInMillis": 100}))),
            validated,
        ];
        let env = start(t, Behaviour::Hang, rest_config(customised_api(), routes)).await;
        let trace = ("X-Trace-Me", "trace-1");
        let json_ct = ("Content-Type", "application/json");

        // 403 no route -> DEFAULT_4XX.
        let r = env.send("GET", "/nowhere", &[trace], None).await;
        let b = customised(
            &r,
            403,
            "4xx",
            "MISSING_AUTHENTICATION_TOKEN",
            "Missing Authentication Token",
        );
        assert_eq!(
            r.header("x-amzn-ErrorType").as_deref(),
            Some("MissingAuthenticationTokenException")
        );
        assert_eq!(b["validation"], "");

        // 415 from passthrough NEVER -> DEFAULT_4XX.
        let r = env
            .send(
                "POST",
                "/never",
                &[trace, ("Content-Type", "text/plain")],
                Some(b"x"),
            )
            .await;
        customised(
            &r,
            415,
            "4xx",
            "UNSUPPORTED_MEDIA_TYPE",
            "Unsupported Media Type",
        );

        // 400 missing parameter -> DEFAULT_4XX (no validation detail for parameters).
        let r = env
            .send("POST", "/v", &[trace, json_ct], Some(b"{\"name\": \"x\"}"))
            .await;
        customised(
            &r,
            400,
            "4xx",
            "BAD_REQUEST_PARAMETERS",
            "Missing required request parameters: [q]",
        );

        // 400 body -> BAD_REQUEST_BODY (its own status), with the validation detail.
        let r = env
            .send("POST", "/v?q=1", &[trace, json_ct], Some(b"{}"))
            .await;
        let b = customised(&r, 422, "body", "BAD_REQUEST_BODY", "Invalid request body");
        let detail = b["validation"].as_str().unwrap();
        assert!(
            detail.starts_with('[') && detail.contains("name"),
            "{detail}"
        );
        assert_eq!(
            r.header("x-amzn-ErrorType").as_deref(),
            Some("BadRequestException")
        );

        // 504 timeout -> DEFAULT_5XX.
        let r = env.send("GET", "/slow", &[trace], None).await;
        customised(
            &r,
            504,
            "5xx",
            "INTEGRATION_TIMEOUT",
            "Endpoint request timed out",
        );
        assert_eq!(env.stub.calls(), 1, "{t:?}");
        env.gw.shutdown().await.unwrap();
    }
}

/// `X-Amz-Invocation-Type: Event` mapped on the integration request (spec mapping §5.3): the
/// client gets the default integration response with an empty body without waiting for the
/// function (here one that never answers, so a synchronous call could only end in 504), and the
/// function still gets the payload, asked for an `Event` invocation on the Invoke API.
#[tokio::test]
async fn event_invocations_do_not_wait_for_the_function() {
    for t in TARGETS {
        let integ = aws(json!({"timeoutInMillis": 29000,
            "requestParameters": {"integration.request.header.X-Amz-Invocation-Type": "'Event'"}}));
        let env = single(t, Behaviour::Hang, integ).await;
        let r = post(&env, "/r", Some("application/json"), r#"{"a":1}"#).await;
        assert_eq!(status_body(&r), (200, ""), "{t:?}");
        assert_gateway_headers(&r);
        // The call itself runs on its own; wait (bounded) for the stub to see it.
        for _ in 0..500 {
            if env.stub.calls() > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let calls = env.stub.requests();
        assert_eq!(calls.len(), 1, "{t:?}");
        assert_eq!(&calls[0].body[..], br#"{"a":1}"#);
        let invocation = calls[0]
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-invocation-type"))
            .map(|(_, v)| v.as_str());
        if t == Target::InvokeApi {
            assert_eq!(invocation, Some("Event"));
        }
    }
}

/// `DryRun` calls nothing and answers like an accepted call; a value Lambda does not know is
/// API Gateway's 500, also without a call.
#[tokio::test]
async fn dry_run_and_unknown_invocation_types() {
    for (value, status) in [("'DryRun'", 200), ("'event'", 500)] {
        let integ = aws(json!({
            "requestParameters": {"integration.request.header.X-Amz-Invocation-Type": value}}));
        let env = single(Target::InvokeApi, Behaviour::Echo, integ).await;
        let r = post(&env, "/r", Some("application/json"), "{}").await;
        assert_eq!(r.status, status, "{value}: {}", r.body_str());
        assert_eq!(env.stub.calls(), 0, "{value}");
    }
}

/// Lambda answers the queueing call of an `Event` invocation itself: a payload over its 1 MB
/// asynchronous limit is refused (API Gateway's 500) and never queued.
#[tokio::test]
async fn an_event_over_1_mb_is_refused() {
    let integ = aws(json!({
        "requestParameters": {"integration.request.header.X-Amz-Invocation-Type": "'Event'"}}));
    let env = single(Target::InvokeApi, Behaviour::Echo, integ).await;
    let body = format!("{{\"a\":\"{}\"}}", "x".repeat(1024 * 1024));
    let r = post(&env, "/r", Some("application/json"), &body).await;
    assert_eq!(r.status, 500, "{}", r.body_str());
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(env.stub.calls(), 0);
}

/// The client of an `Event` invocation was answered as if Lambda had queued the event, so
/// shutdown waits for the call still running (within the grace) instead of dropping it.
#[tokio::test]
async fn shutdown_waits_for_event_invocations() {
    for t in TARGETS {
        let integ = aws(json!({
            "requestParameters": {"integration.request.header.X-Amz-Invocation-Type": "'Event'"}}));
        let env = single(t, Behaviour::Slow(Duration::from_secs(2)), integ).await;
        let r = post(&env, "/r", Some("application/json"), r#"{"a":1}"#).await;
        assert_eq!(status_body(&r), (200, ""), "{t:?}");
        assert_eq!(env.stub.answered(), 0, "{t:?}: the client did not wait");
        env.gw.shutdown().await.unwrap();
        assert_eq!(env.stub.answered(), 1, "{t:?}: the call ran to its end");
    }
}
