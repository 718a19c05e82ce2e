//! Custom (`AWS`) and `MOCK` integrations end to end against a stub Lambda on `127.0.0.1:0`,
//! through the real [`Invoker`], with the function reached both by the Invoke API and by a
//! Function URL: passthrough behaviours, function errors matched and unmatched, a timeout, a
//! non-JSON result, invalid template output, validation in each validator mode, a MOCK
//! preflight.

#![allow(clippy::unwrap_used)]

mod custom_fixture;
mod support;

use apigate::config::model::Integration;
use apigate::integration::custom::{invoke, request, response, validate, CustomState};
use apigate::lambda::{Invoker, InvokerSettings};
use apigate::message::Response;
use bytes::Bytes;
use custom_fixture::{config, ctx, error_response, header, load, Req};
use serde_json::{json, Value as Json};
use support::stub_lambda::{Reply, StubLambda};

/// How the stub function is reached.
#[derive(Debug, Clone, Copy)]
enum Target {
    InvokeApi,
    FunctionUrl,
}

const TARGETS: [Target; 2] = [Target::InvokeApi, Target::FunctionUrl];

/// A function error as each target reports it.
fn function_error(target: Target, payload: &Json) -> Reply {
    match target {
        Target::InvokeApi => Reply::function_error("Unhandled", payload),
        // A Function URL reports a failed function as 502 with the runtime's error object.
        Target::FunctionUrl => Reply::http(
            502,
            &[("Content-Type", "application/json")],
            payload.to_string(),
        ),
    }
}

struct Setup {
    stub: StubLambda,
    api: std::sync::Arc<apigate::config::model::Api>,
}

async fn setup(target: Target, reply: Reply, api: Json, route: Json) -> Setup {
    let stub = StubLambda::start(reply).await;
    let mut cfg = config(api, "/", route);
    cfg["functions"]["f"] = match target {
        Target::InvokeApi => json!({"invokeUrl": stub.invoke_url("f")}),
        Target::FunctionUrl => json!({"functionUrl": format!("{}/", stub.base_url())}),
    };
    Setup {
        stub,
        api: load(&cfg),
    }
}

/// The custom phases in the gateway's order, errors turned into client responses.
async fn call(s: &Setup, req: &Req) -> Response {
    let invoker = Invoker::new(&InvokerSettings::default()).unwrap();
    let c = ctx(&s.api, req);
    let route = &s.api.routes[0];
    let Integration::Custom(integ) = &route.integration else {
        panic!("not a custom integration")
    };
    let result = async {
        validate::validate(&c, route)?;
        let mut state = CustomState::new(&c);
        let payload = request::map_request(&c, integ, &mut state)?;
        let outcome = invoke::call(
            &invoker,
            &c,
            integ,
            payload,
            std::time::Instant::now(),
            invoke::InvocationType::RequestResponse,
        )
        .await?;
        response::map_response(&c, integ, &mut state, outcome)
    }
    .await;
    result.unwrap_or_else(|e| error_response(&e))
}

fn body(r: &Response) -> &str {
    std::str::from_utf8(&r.body).unwrap()
}

fn aws(extra: Json) -> Json {
    let mut i = json!({"type": "AWS", "function": "f",
        "responses": {"default": {"statusCode": 200}}});
    for (k, v) in extra.as_object().unwrap() {
        i[k] = v.clone();
    }
    json!({"integration": i})
}

fn post(ct: &str, b: &str) -> Req {
    Req {
        method: "POST".into(),
        headers: vec![("Content-Type".into(), ct.into())],
        body: b.into(),
        ..Req::default()
    }
}

const UNSUPPORTED: &str = "{\"message\": \"Unsupported Media Type\"}";
const INTERNAL: &str = "{\"message\": \"Internal server error\"}";

#[tokio::test]
async fn passthrough_behaviours() {
    for t in TARGETS {
        let json_tpl = json!({"application/json": "{\"t\": true}"});
        // WHEN_NO_MATCH: an unmatched Content-Type passes the body through byte for byte.
        let s = setup(
            t,
            Reply::result("{\"ok\":1}"),
            json!({}),
            aws(json!({"requestTemplates": json_tpl})),
        )
        .await;
        let r = call(&s, &post("application/xml", "{\"x\": 1}")).await;
        assert_eq!((r.status, body(&r)), (200, "{\"ok\":1}"), "{t:?}");
        assert_eq!(&s.stub.last_request().unwrap().body[..], b"{\"x\": 1}");
        let r = call(&s, &post("application/json; charset=UTF-8", "{}")).await;
        assert_eq!(r.status, 200);
        assert_eq!(&s.stub.last_request().unwrap().body[..], b"{\"t\": true}");

        // WHEN_NO_TEMPLATES: 415 when templates exist but none matches; passthrough without any.
        let s = setup(
            t,
            Reply::result("{}"),
            json!({}),
            aws(json!({"requestTemplates": json_tpl, "passthroughBehavior": "WHEN_NO_TEMPLATES"})),
        )
        .await;
        let r = call(&s, &post("application/xml", "{}")).await;
        assert_eq!((r.status, body(&r)), (415, UNSUPPORTED));
        assert_eq!(s.stub.calls(), 0);
        let s = setup(
            t,
            Reply::result("{}"),
            json!({}),
            aws(json!({"passthroughBehavior": "WHEN_NO_TEMPLATES"})),
        )
        .await;
        assert_eq!(call(&s, &post("application/xml", "[1]")).await.status, 200);
        assert_eq!(&s.stub.last_request().unwrap().body[..], b"[1]");

        // NEVER: 415 whenever no template matches, even without templates or a body.
        let s = setup(
            t,
            Reply::result("{}"),
            json!({}),
            aws(json!({"passthroughBehavior": "NEVER"})),
        )
        .await;
        let r = call(&s, &Req::default()).await;
        assert_eq!((r.status, body(&r)), (415, UNSUPPORTED));
        assert_eq!(s.stub.calls(), 0);
    }
}

#[tokio::test]
async fn function_errors_matched_and_unmatched() {
    let routes = |with_default: bool| {
        let mut responses = json!({".*not found.*": {"statusCode": 404, "responseTemplates":
            {"application/json": "{\"error\": \"$input.path('$.errorMessage')\"}"},
            "responseParameters": {"method.response.header.X-Error-Type": "integration.response.body.errorType"}}});
        if with_default {
            responses["default"] = json!({"statusCode": 200});
        }
        aws(json!({"responses": responses}))
    };
    for t in TARGETS {
        let err = json!({"errorMessage": "item not found", "errorType": "NotFound"});
        let s = setup(t, function_error(t, &err), json!({}), routes(true)).await;
        let r = call(&s, &Req::default()).await;
        assert_eq!(
            (r.status, body(&r)),
            (404, "{\"error\": \"item not found\"}"),
            "{t:?}"
        );
        assert_eq!(header(&r, "X-Error-Type"), Some("NotFound"));

        // Unmatched with a default: the error payload comes back with the default status.
        let boom = json!({"errorMessage": "boom", "errorType": "Error"});
        let s = setup(t, function_error(t, &boom), json!({}), routes(true)).await;
        let r = call(&s, &Req::default()).await;
        assert_eq!(r.status, 200);
        assert_eq!(serde_json::from_str::<Json>(body(&r)).unwrap(), boom);

        // Unmatched without a default: API Gateway's 500.
        let s = setup(t, function_error(t, &boom), json!({}), routes(false)).await;
        let r = call(&s, &Req::default()).await;
        assert_eq!((r.status, body(&r)), (500, INTERNAL));
        assert_eq!(
            header(&r, "x-amzn-ErrorType"),
            Some("InternalServerErrorException")
        );

        // A success still selects the default, not the error pattern.
        let s = setup(t, Reply::result("\"Pass\""), json!({}), routes(true)).await;
        let r = call(&s, &Req::default()).await;
        assert_eq!((r.status, body(&r)), (200, "\"Pass\""));
    }
    // An RIE reports the error without a header; it is matched the same way.
    let err = json!({"errorMessage": "item not found", "errorType": "NotFound"});
    let s = setup(
        Target::InvokeApi,
        Reply::rie_error(&err),
        json!({}),
        routes(true),
    )
    .await;
    assert_eq!(call(&s, &Req::default()).await.status, 404);
}

#[tokio::test]
async fn function_timeout_is_504() {
    for t in TARGETS {
        let s = setup(
            t,
            Reply::Hang,
            json!({}),
            aws(json!({"timeoutInMillis": 100})),
        )
        .await;
        let r = call(&s, &Req::default()).await;
        assert_eq!(
            (r.status, body(&r)),
            (504, "{\"message\": \"Endpoint request timed out\"}"),
            "{t:?}"
        );
    }
}

#[tokio::test]
async fn non_json_results_pass_through() {
    for t in TARGETS {
        let s = setup(
            t,
            Reply::result("plain text result"),
            json!({}),
            aws(json!({})),
        )
        .await;
        let r = call(&s, &Req::default()).await;
        assert_eq!((r.status, body(&r)), (200, "plain text result"), "{t:?}");
        assert_eq!(header(&r, "Content-Type"), Some("application/json"));
        let s = setup(t, Reply::result("plain text result"), json!({}), aws(json!({"responses": {"default":
            {"statusCode": 200, "responseTemplates": {"application/json": "[$input.path('$.a')]"}}}}))).await;
        let r = call(&s, &Req::default()).await;
        assert_eq!((r.status, body(&r)), (200, "[]"), "{t:?}");
    }
}

#[tokio::test]
async fn invalid_template_output_is_500_without_a_call() {
    for t in TARGETS {
        // Output Lambda cannot take as an event.
        let s = setup(t, Reply::result("{}"), json!({}),
            aws(json!({"requestTemplates": {"application/json": "Action=SendMessage&x=$input.params('x')"}}))).await;
        let r = call(&s, &Req::default()).await;
        assert_eq!((r.status, body(&r)), (500, INTERNAL), "{t:?}");
        assert_eq!(s.stub.calls(), 0);
        // A template that fails while rendering (loop limit).
        let s = setup(t, Reply::result("{}"), json!({}),
            aws(json!({"requestTemplates": {"application/json": "#foreach($i in [1..2000])$i#end"}}))).await;
        let r = call(&s, &Req::default()).await;
        assert_eq!((r.status, body(&r)), (500, INTERNAL));
        assert_eq!(s.stub.calls(), 0);
        // A response template failing is a 500 too (the function was called).
        let s = setup(t, Reply::result("{}"), json!({}), aws(json!({"responses": {"default":
            {"statusCode": 200, "responseTemplates": {"application/json": "#foreach($i in [1..2000])$i#end"}}}}))).await;
        let r = call(&s, &Req::default()).await;
        assert_eq!((r.status, body(&r)), (500, INTERNAL));
        assert_eq!(s.stub.calls(), 1);
    }
}

#[tokio::test]
async fn validation_in_each_validator_mode() {
    let api = |params: bool, body: bool| {
        json!({"requestValidators": {"v": {"validateRequestParameters": params, "validateRequestBody": body}},
            "models": {"Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}})
    };
    let mut route = aws(json!({}));
    route["requestValidator"] = json!("v");
    route["requestParameters"] =
        json!({"method.request.querystring.q": true, "method.request.header.X-Key": true});
    route["requestModels"] = json!({"application/json": "Pet"});
    let missing = "{\"message\": \"Missing required request parameters: [X-Key, q]\"}";
    let bad_body = "{\"message\": \"Invalid request body\"}";
    let good_params = |mut r: Req| {
        r.query = vec![("q".into(), "1".into())];
        r.headers.push(("X-Key".into(), "k".into()));
        r
    };
    for t in TARGETS {
        for (params, body_flag) in [(true, true), (true, false), (false, true), (false, false)] {
            let s = setup(
                t,
                Reply::result("{}"),
                api(params, body_flag),
                route.clone(),
            )
            .await;
            let r = call(&s, &post("application/json", "{\"name\": 1}")).await;
            let expect = match (params, body_flag) {
                (true, _) => (400, missing),
                (false, true) => (400, bad_body),
                (false, false) => (200, "{}"),
            };
            assert_eq!((r.status, body(&r)), expect, "{t:?} {params} {body_flag}");
            let r = call(&s, &good_params(post("application/json", "{\"name\": 1}"))).await;
            let expect = if body_flag {
                (400, bad_body)
            } else {
                (200, "{}")
            };
            assert_eq!((r.status, body(&r)), expect, "{t:?} {params} {body_flag}");
            let r = call(
                &s,
                &good_params(post("application/json", "{\"name\": \"rex\"}")),
            )
            .await;
            assert_eq!(r.status, 200);
        }
    }
}

#[tokio::test]
async fn mock_preflight_calls_nothing() {
    let s = setup(
        Target::InvokeApi,
        Reply::result("{}"),
        json!({}),
        json!({"integration": {
        "type": "MOCK",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": 204, "responseParameters": {
            "method.response.header.Access-Control-Allow-Origin": "'*'",
            "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'"}}}}}),
    )
    .await;
    let r = call(
        &s,
        &Req {
            method: "OPTIONS".into(),
            ..Req::default()
        },
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(header(&r, "Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(
        header(&r, "Access-Control-Allow-Methods"),
        Some("GET,OPTIONS")
    );
    assert_eq!(r.body, Bytes::new());
    assert_eq!(s.stub.calls(), 0);
}
