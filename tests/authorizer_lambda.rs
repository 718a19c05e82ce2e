//! The authorize phase over real HTTP: the production `AuthorizerCall` (the Lambda `Invoker`)
//! against a stub Invoke API / RIE on `127.0.0.1:0`.
#![allow(clippy::unwrap_used)]

mod authorizer_fixture;
mod support;

use std::sync::Arc;
use std::time::Duration;

use apigate::authorizer::{authorize, Authorizers};
use apigate::config::model::{Api, ApiKind, FunctionTarget};
use apigate::gateway::error::GatewayError;
use apigate::lambda::{Invoker, InvokerSettings};
use authorizer_fixture::*;
use serde_json::json;
use support::stub_lambda::{Reply, StubLambda};

fn api_calling(url: &str, timeout: Duration) -> Arc<Api> {
    let mut a = token_authorizer(Duration::from_secs(300));
    a.timeout = timeout;
    let mut api = build_api(rest(), vec![route("/{proxy+}", "ANY", Some(0))], vec![a]);
    Arc::get_mut(&mut api).unwrap().functions[0].target =
        FunctionTarget::InvokeUrl(url.parse().unwrap());
    api
}

async fn run(
    api: &Arc<Api>,
    auth: &Authorizers,
    invoker: &Invoker,
    path: &str,
) -> Result<(), GatewayError> {
    let target = format!("/test{path}");
    let mut ctx = request(
        api,
        "GET",
        &target,
        &[("Authorization", "tok")],
        0,
        path,
        &[],
    );
    authorize(&mut ctx, auth, invoker).await
}

fn invoker() -> Invoker {
    Invoker::new(&InvokerSettings::default()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_through_the_invoke_api_is_cached() {
    let stub = StubLambda::start(Reply::json(&allow_policy("user", "*"))).await;
    let api = api_calling(&stub.invoke_url("auth"), Duration::from_secs(5));
    let auth = Authorizers::new(&api);
    let invoker = invoker();
    run(&api, &auth, &invoker, "/a").await.unwrap();
    run(&api, &auth, &invoker, "/b").await.unwrap();
    let requests = stub.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].json()["type"], "TOKEN");
    assert_eq!(requests[0].json()["authorizationToken"], "tok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_errors_and_failures_map_to_aws_statuses() {
    let cases = [
        (
            Reply::function_error(
                "Unhandled",
                &json!({"errorMessage": "Unauthorized", "errorType": "Error"}),
            ),
            401,
        ),
        (
            Reply::function_error("Unhandled", &json!({"errorMessage": "boom"})),
            500,
        ),
        (
            Reply::rie_error(&json!({"errorMessage": "Unauthorized", "errorType": "Error"})),
            401,
        ),
        (Reply::rie_timeout(3), 500),
        (Reply::empty(), 500),
        (Reply::http(200, &[], "not json"), 500),
        (
            Reply::service_error(404, "ResourceNotFoundException", "no such function"),
            500,
        ),
        (Reply::Hang, 500),
    ];
    for (reply, status) in cases {
        let stub = StubLambda::start(reply).await;
        let api = api_calling(&stub.invoke_url("auth"), Duration::from_millis(300));
        let auth = Authorizers::new(&api);
        let invoker = invoker();
        for _ in 0..2 {
            let e = run(&api, &auth, &invoker, "/a").await.unwrap_err();
            assert_eq!(e.classify(ApiKind::Rest).status, status, "{e:?}");
        }
        // Never cached: both requests reached the function.
        assert_eq!(stub.requests().len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_authorizer_is_a_500() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let url = format!("http://{addr}/2015-03-31/functions/auth/invocations");
    let api = api_calling(&url, Duration::from_secs(2));
    let auth = Authorizers::new(&api);
    let e = run(&api, &auth, &invoker(), "/a").await.unwrap_err();
    assert!(
        matches!(e, GatewayError::AuthorizerConfiguration(_)),
        "{e:?}"
    );
}
