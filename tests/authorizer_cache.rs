//! The authorize phase end to end against a fake authorizer function: caching (single flight,
//! TTL, capacity, key separation, per-request policy evaluation), failures and input events.
#![allow(clippy::unwrap_used)]

mod authorizer_fixture;

use std::sync::Arc;
use std::time::Duration;

use apigate::authorizer::{authorize, Authorizers, CallError};
use apigate::config::model::{
    ApiKind, AuthorizerId, AuthorizerKind, IdentitySource, PayloadFormat,
};
use apigate::gateway::error::GatewayError;
use authorizer_fixture::*;
use serde_json::json;

const ARN_PREFIX: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/test";

fn rest_api(ttl: Duration) -> Arc<apigate::config::model::Api> {
    build_api(
        rest(),
        vec![
            route("/pets/{id}", "GET", Some(0)),
            route("/{proxy+}", "ANY", Some(0)),
            route("/open", "GET", None),
        ],
        vec![token_authorizer(ttl)],
    )
}

async fn run(
    api: &Arc<apigate::config::model::Api>,
    auth: &Authorizers,
    fake: &Fake,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> Result<apigate::gateway::context::RequestCtx, GatewayError> {
    let headers: Vec<(&str, &str)> = token.map(|t| ("Authorization", t)).into_iter().collect();
    let target = format!("/test{path}");
    let mut ctx = request(
        api,
        method,
        &target,
        &headers,
        1,
        path,
        &[("proxy", &path[1..])],
    );
    authorize(&mut ctx, auth, fake).await.map(|()| ctx)
}

fn status(e: &GatewayError, kind: ApiKind) -> u16 {
    e.classify(kind).status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_for_one_token_make_one_call() {
    let api = rest_api(Duration::from_secs(300));
    let auth = Arc::new(Authorizers::new(&api));
    let mut fake = Fake::allowing("*");
    fake.delay = Duration::from_millis(50);
    let fake = Arc::new(fake);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (api, auth, fake) = (api.clone(), auth.clone(), fake.clone());
        tasks.push(tokio::spawn(async move {
            let path = format!("/item/{i}");
            run(&api, &auth, &fake, "GET", &path, Some("fresh-token")).await
        }));
    }
    for t in tasks {
        let ctx = t.await.unwrap().unwrap();
        assert_eq!(ctx.principal.unwrap().principal_id.as_deref(), Some("user"));
    }
    assert_eq!(fake.calls(), 1);
}

#[tokio::test]
async fn entries_expire_after_the_ttl() {
    let api = rest_api(Duration::from_millis(200));
    let auth = Authorizers::new(&api);
    let fake = Fake::allowing("*");
    run(&api, &auth, &fake, "GET", "/a", Some("tok"))
        .await
        .unwrap();
    run(&api, &auth, &fake, "GET", "/a", Some("tok"))
        .await
        .unwrap();
    assert_eq!(fake.calls(), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    run(&api, &auth, &fake, "GET", "/a", Some("tok"))
        .await
        .unwrap();
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn ttl_zero_calls_every_time() {
    let api = rest_api(Duration::ZERO);
    let auth = Authorizers::new(&api);
    assert!(!auth.cache(AuthorizerId(0)).unwrap().is_enabled());
    let fake = Fake::allowing("*");
    for _ in 0..3 {
        let ctx = run(&api, &auth, &fake, "GET", "/a", Some("tok"))
            .await
            .unwrap();
        assert_eq!(ctx.principal.unwrap().principal_id.as_deref(), Some("user"));
    }
    assert_eq!(fake.calls(), 3);
}

#[tokio::test]
async fn capacity_bounds_the_cache() {
    let mut a = token_authorizer(Duration::from_secs(300));
    a.cache_max_entries = 2;
    let api = build_api(
        rest(),
        vec![
            route("/a", "GET", Some(0)),
            route("/{proxy+}", "ANY", Some(0)),
        ],
        vec![a],
    );
    let auth = Authorizers::new(&api);
    let fake = Fake::allowing("*");
    for i in 0..10 {
        run(&api, &auth, &fake, "GET", "/x", Some(&format!("tok-{i}")))
            .await
            .unwrap();
    }
    assert_eq!(fake.calls(), 10);
    assert!(auth.cache(AuthorizerId(0)).unwrap().entry_count().await <= 2);
    for i in 0..10 {
        run(&api, &auth, &fake, "GET", "/x", Some(&format!("tok-{i}")))
            .await
            .unwrap();
    }
    // At most two of the ten tokens can still be cached.
    assert!(fake.calls() >= 18, "calls: {}", fake.calls());
}

#[tokio::test]
async fn two_tokens_never_share_an_entry() {
    let api = rest_api(Duration::from_secs(300));
    let auth = Authorizers::new(&api);
    let fake = Fake::new(|event| {
        let token = event["authorizationToken"].as_str().unwrap().to_string();
        let effect = if token == "good" { "Allow" } else { "Deny" };
        Outcome::Output(policy(&token, effect, "*"))
    });
    let good = run(&api, &auth, &fake, "GET", "/a", Some("good"))
        .await
        .unwrap();
    assert_eq!(
        good.principal.unwrap().principal_id.as_deref(),
        Some("good")
    );
    let bad = run(&api, &auth, &fake, "GET", "/a", Some("bad"))
        .await
        .unwrap_err();
    assert!(matches!(bad, GatewayError::AccessDenied { explicit: true }));
    // Both are now cached, each under its own token.
    run(&api, &auth, &fake, "GET", "/b", Some("good"))
        .await
        .unwrap();
    let bad = run(&api, &auth, &fake, "GET", "/b", Some("bad"))
        .await
        .unwrap_err();
    assert!(matches!(bad, GatewayError::AccessDenied { explicit: true }));
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn a_cached_narrow_policy_denies_other_resources_without_a_call() {
    let api = rest_api(Duration::from_secs(300));
    let auth = Authorizers::new(&api);
    let fake =
        Fake::new(|event| Outcome::Output(allow_policy("u", event["methodArn"].as_str().unwrap())));
    let ok = run(&api, &auth, &fake, "GET", "/a/1", Some("tok-A"))
        .await
        .unwrap();
    assert_eq!(ok.principal.unwrap().principal_id.as_deref(), Some("u"));
    let denied = run(&api, &auth, &fake, "GET", "/b/2", Some("tok-A"))
        .await
        .unwrap_err();
    assert!(matches!(
        denied,
        GatewayError::AccessDenied { explicit: false }
    ));
    assert_eq!(status(&denied, ApiKind::Rest), 403);
    assert_eq!(fake.calls(), 1);
    // The cached grant still allows the original resource, with zero authorizer latency.
    let again = run(&api, &auth, &fake, "GET", "/a/1", Some("tok-A"))
        .await
        .unwrap();
    assert_eq!(again.principal.unwrap().latency, Duration::ZERO);
    assert_eq!(fake.calls(), 1);
}

#[tokio::test]
async fn slow_authorizer_is_a_500_and_not_cached() {
    let mut a = token_authorizer(Duration::from_secs(300));
    a.timeout = Duration::from_millis(100);
    let api = build_api(
        rest(),
        vec![
            route("/a", "GET", Some(0)),
            route("/{proxy+}", "ANY", Some(0)),
        ],
        vec![a],
    );
    let auth = Authorizers::new(&api);
    let fake = Fake::new(|_| Outcome::Hang);
    for expected_calls in 1..=2 {
        let e = run(&api, &auth, &fake, "GET", "/a", Some("tok"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, GatewayError::AuthorizerConfiguration(_)),
            "{e:?}"
        );
        let c = e.classify(ApiKind::Rest);
        assert_eq!((c.status, c.message), (500, None));
        assert_eq!(fake.calls(), expected_calls);
    }
}

#[tokio::test]
async fn failures_are_never_cached() {
    let outcomes = [
        (
            Outcome::Fail(CallError::Unavailable("connection refused".into())),
            500,
        ),
        (Outcome::Fail(CallError::Timeout), 500),
        (Outcome::Raw(b"<html>garbage"), 500),
        (Outcome::Output(json!({"principalId": "u"})), 500),
        (
            Outcome::Output(
                json!({"principalId": "u", "policyDocument": {"Statement": []},
            "context": {"nested": {"a": 1}}}),
            ),
            500,
        ),
        (
            Outcome::FunctionError(json!({"errorMessage": "Error: Invalid token"})),
            500,
        ),
        (
            Outcome::FunctionError(json!({"errorMessage": "Unauthorized", "errorType": "Error"})),
            401,
        ),
    ];
    for (outcome, expected) in outcomes {
        let api = rest_api(Duration::from_secs(300));
        let auth = Authorizers::new(&api);
        let fake = Fake::new(move |_| outcome.clone());
        for _ in 0..2 {
            let e = run(&api, &auth, &fake, "GET", "/a", Some("tok"))
                .await
                .unwrap_err();
            assert_eq!(status(&e, ApiKind::Rest), expected, "{e:?}");
        }
        assert_eq!(fake.calls(), 2);
        assert_eq!(auth.cache(AuthorizerId(0)).unwrap().entry_count().await, 0);
    }
}

#[tokio::test]
async fn missing_or_invalid_identity_is_401_without_a_call() {
    let mut a = token_authorizer(Duration::from_secs(300));
    a.validation = Some(regex::Regex::new("Bearer [a-z]+").unwrap());
    let api = build_api(
        rest(),
        vec![
            route("/a", "GET", Some(0)),
            route("/{proxy+}", "ANY", Some(0)),
        ],
        vec![a],
    );
    let auth = Authorizers::new(&api);
    let fake = Fake::allowing("*");
    for token in [
        None,
        Some(""),
        Some("Basic abc"),
        Some("Bearer abc!"),
        Some("xBearer abc"),
    ] {
        let e = run(&api, &auth, &fake, "GET", "/a", token)
            .await
            .unwrap_err();
        assert!(
            matches!(e, GatewayError::Unauthorized(_)),
            "{token:?}: {e:?}"
        );
        assert_eq!(status(&e, ApiKind::Rest), 401);
    }
    assert_eq!(fake.calls(), 0);
    run(&api, &auth, &fake, "GET", "/a", Some("Bearer abc"))
        .await
        .unwrap();
    assert_eq!(fake.calls(), 1);
}

#[tokio::test]
async fn routes_without_an_authorizer_are_untouched() {
    let api = rest_api(Duration::from_secs(300));
    let auth = Authorizers::new(&api);
    let fake = Fake::allowing("*");
    let mut ctx = request(&api, "GET", "/test/open", &[], 2, "/open", &[]);
    authorize(&mut ctx, &auth, &fake).await.unwrap();
    assert!(ctx.principal.is_none());
    assert_eq!(fake.calls(), 0);
}

#[tokio::test]
async fn token_event_and_principal() {
    let api = rest_api(Duration::from_secs(300));
    let auth = Authorizers::new(&api);
    let fake = Fake::new(|_| {
        let mut out = allow_policy("user", "*");
        out["context"] = json!({"stringKey": "stringval", "numberKey": 123, "booleanKey": true});
        out["usageIdentifierKey"] = json!("api-key-1");
        Outcome::Output(out)
    });
    let mut ctx = request(
        &api,
        "GET",
        "/test/pets/1",
        &[("authorization", "allow")],
        0,
        "/pets/1",
        &[("id", "1")],
    );
    authorize(&mut ctx, &auth, &fake).await.unwrap();
    assert_eq!(
        fake.last_event(),
        json!({"type": "TOKEN", "authorizationToken": "allow",
               "methodArn": format!("{ARN_PREFIX}/GET/pets/1")})
    );
    let p = ctx.principal.unwrap();
    assert_eq!(p.context["numberKey"], json!(123));
    assert_eq!(p.usage_identifier_key.as_deref(), Some("api-key-1"));
    // Root path: the methodArn ends with '/'.
    let mut root = request(
        &api,
        "GET",
        "/test/",
        &[("Authorization", "x")],
        1,
        "/",
        &[],
    );
    authorize(&mut root, &auth, &fake).await.unwrap();
    assert_eq!(
        fake.last_event()["methodArn"],
        json!(format!("{ARN_PREFIX}/GET/"))
    );
}

fn request_api(ttl: Duration) -> Arc<apigate::config::model::Api> {
    let a = authorizer(
        AuthorizerKind::Request,
        vec![
            IdentitySource::Header("HeaderAuth1".into()),
            IdentitySource::Query("QueryString1".into()),
            IdentitySource::StageVariable("StageVar1".into()),
            IdentitySource::Context("httpMethod".into()),
        ],
        ttl,
    );
    let mut spec = rest();
    spec.stage_variables = vec![("StageVar1".into(), "stageValue1".into())];
    build_api(spec, vec![route("/request", "ANY", Some(0))], vec![a])
}

#[tokio::test]
async fn request_event_and_key_over_all_sources() {
    let api = request_api(Duration::from_secs(300));
    let auth = Authorizers::new(&api);
    let fake = Fake::allowing("*");
    let call = |q: &str, method: &str| {
        let target = format!("/test/request?{q}");
        request(
            &api,
            method,
            &target,
            &[("HeaderAuth1", "headerValue1"), ("User-Agent", "ua")],
            0,
            "/request",
            &[],
        )
    };
    let mut ctx = call("QueryString1=queryValue1&QueryString1=last&x=a+b", "GET");
    authorize(&mut ctx, &auth, &fake).await.unwrap();
    let e = fake.last_event();
    assert_eq!(e["type"], "REQUEST");
    assert_eq!(e["methodArn"], json!(format!("{ARN_PREFIX}/GET/request")));
    assert_eq!(e["resource"], "/request");
    assert_eq!(e["path"], "/request");
    assert_eq!(e["httpMethod"], "GET");
    assert_eq!(e["headers"]["HeaderAuth1"], "headerValue1");
    assert_eq!(
        e["multiValueHeaders"]["HeaderAuth1"],
        json!(["headerValue1"])
    );
    assert_eq!(
        e["queryStringParameters"],
        json!({"QueryString1": "last", "x": "a b"})
    );
    assert_eq!(
        e["multiValueQueryStringParameters"]["QueryString1"],
        json!(["queryValue1", "last"])
    );
    assert_eq!(e["pathParameters"], json!({}));
    assert_eq!(e["stageVariables"], json!({"StageVar1": "stageValue1"}));
    let rc = &e["requestContext"];
    assert_eq!(rc["resourcePath"], "/request");
    assert_eq!(rc["path"], "/test/request");
    assert_eq!(rc["stage"], "test");
    assert_eq!(rc["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(rc["identity"]["userAgent"], "ua");
    assert!(rc.get("authorizer").is_none());
    assert!(e.get("body").is_none());
    // Same values -> cached; a different query value or method -> a new entry.
    authorize(&mut call("QueryString1=last", "GET"), &auth, &fake)
        .await
        .unwrap();
    assert_eq!(fake.calls(), 1);
    authorize(&mut call("QueryString1=other", "GET"), &auth, &fake)
        .await
        .unwrap();
    authorize(&mut call("QueryString1=last", "POST"), &auth, &fake)
        .await
        .unwrap();
    assert_eq!(fake.calls(), 3);
    // A missing query source: 401, no call.
    let e = authorize(&mut call("", "GET"), &auth, &fake)
        .await
        .unwrap_err();
    assert!(matches!(e, GatewayError::Unauthorized(_)));
    assert_eq!(fake.calls(), 3);
}

fn http_api(
    format: PayloadFormat,
    simple: bool,
    sources: Vec<IdentitySource>,
) -> Arc<apigate::config::model::Api> {
    let mut a = authorizer(AuthorizerKind::Request, sources, Duration::from_secs(300));
    a.payload_format = format;
    a.simple_responses = simple;
    let spec = ApiSpec {
        kind: ApiKind::Http,
        id: "h1",
        stage: "$default",
        stage_variables: vec![],
    };
    build_api(
        spec,
        vec![
            route("/request", "GET", Some(0)),
            route("/pets/{id}", "GET", Some(0)),
        ],
        vec![a],
    )
}

#[tokio::test]
async fn http_api_v1_event_joins_identity_values() {
    let api = http_api(
        PayloadFormat::V1,
        false,
        vec![
            IdentitySource::Header("user".into()),
            IdentitySource::Query("id".into()),
        ],
    );
    let auth = Authorizers::new(&api);
    let fake = Fake::allowing("arn:aws:execute-api:us-east-1:123456789012:h1/$default/GET/request");
    let mut ctx = request(
        &api,
        "GET",
        "/request?id=123",
        &[("user", "user1")],
        0,
        "/request",
        &[],
    );
    authorize(&mut ctx, &auth, &fake).await.unwrap();
    let e = fake.last_event();
    assert_eq!(e["version"], "1.0");
    assert_eq!(e["type"], "REQUEST");
    assert_eq!(
        e["methodArn"],
        "arn:aws:execute-api:us-east-1:123456789012:h1/$default/GET/request"
    );
    assert_eq!(e["identitySource"], "user1,123");
    assert_eq!(e["authorizationToken"], "user1,123");
    assert_eq!(e["resource"], "/request");
    // Another route under the same identity: the cached policy does not cover it.
    let mut other = request(
        &api,
        "GET",
        "/pets/1?id=123",
        &[("user", "user1")],
        1,
        "/pets/1",
        &[("id", "1")],
    );
    let denied = authorize(&mut other, &auth, &fake).await.unwrap_err();
    assert_eq!(denied.classify(ApiKind::Http).status, 403);
    assert_eq!(fake.calls(), 1);
}

#[tokio::test]
async fn http_api_v2_simple_responses() {
    let api = http_api(
        PayloadFormat::V2,
        true,
        vec![IdentitySource::Header("Authorization".into())],
    );
    let auth = Authorizers::new(&api);
    let fake = Fake::new(|e| {
        let ok = e["identitySource"][0] == "yes";
        Outcome::Output(json!({"isAuthorized": ok, "context": {"user": {"id": 7}, "roles": ["a"]}}))
    });
    let headers = [
        ("Authorization", "yes"),
        ("X-Multi", "1"),
        ("x-multi", "2"),
        ("Cookie", "a=1; b=2"),
    ];
    let mut ctx = request(
        &api,
        "GET",
        "/pets/9?q=1&q=2",
        &headers,
        1,
        "/pets/9",
        &[("id", "9")],
    );
    authorize(&mut ctx, &auth, &fake).await.unwrap();
    let e = fake.last_event();
    assert_eq!(e["version"], "2.0");
    assert_eq!(e["type"], "REQUEST");
    assert_eq!(
        e["routeArn"],
        "arn:aws:execute-api:us-east-1:123456789012:h1/$default/GET/pets/9"
    );
    assert_eq!(e["identitySource"], json!(["yes"]));
    assert_eq!(e["routeKey"], "GET /pets/{id}");
    assert_eq!(e["rawPath"], "/pets/9");
    assert_eq!(e["rawQueryString"], "q=1&q=2");
    assert_eq!(e["cookies"], json!(["a=1", "b=2"]));
    assert_eq!(e["headers"]["x-multi"], "1,2");
    assert_eq!(e["queryStringParameters"], json!({"q": "1,2"}));
    assert_eq!(e["pathParameters"], json!({"id": "9"}));
    assert_eq!(e["requestContext"]["http"]["method"], "GET");
    assert_eq!(e["requestContext"]["routeKey"], "GET /pets/{id}");
    assert!(e.get("stageVariables").is_none());
    let p = ctx.principal.unwrap();
    assert_eq!(p.principal_id, None);
    assert_eq!(p.context["user"], json!({"id": 7}));
    // isAuthorized false -> 403 Forbidden; cached like any successful result.
    let mut no = request(
        &api,
        "GET",
        "/request",
        &[("authorization", "no")],
        0,
        "/request",
        &[],
    );
    let e = authorize(&mut no, &auth, &fake).await.unwrap_err();
    assert!(matches!(e, GatewayError::AccessDenied { explicit: false }));
    assert_eq!(e.classify(ApiKind::Http).status, 403);
    let mut no = request(
        &api,
        "GET",
        "/request",
        &[("authorization", "no")],
        0,
        "/request",
        &[],
    );
    assert!(authorize(&mut no, &auth, &fake).await.is_err());
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn http_api_errors() {
    let api = http_api(
        PayloadFormat::V2,
        true,
        vec![IdentitySource::Header("Authorization".into())],
    );
    let auth = Authorizers::new(&api);
    let fake = Fake::new(|_| Outcome::Output(json!({"allowed": "yes"})));
    let mut missing = request(&api, "GET", "/request", &[], 0, "/request", &[]);
    let e = authorize(&mut missing, &auth, &fake).await.unwrap_err();
    assert_eq!(e.classify(ApiKind::Http).status, 401);
    assert_eq!(fake.calls(), 0);
    let mut bad = request(
        &api,
        "GET",
        "/request",
        &[("Authorization", "x")],
        0,
        "/request",
        &[],
    );
    let e = authorize(&mut bad, &auth, &fake).await.unwrap_err();
    assert_eq!(e.classify(ApiKind::Http).status, 500);
    assert_eq!(fake.calls(), 1);
}
