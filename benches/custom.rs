//! Custom integration hot path: `map_request` with the console's "Method Request passthrough"
//! template (shared/perf/passthrough.vtl, body.json, request.json) including the per-request
//! template inputs, the check that its payload is JSON, and `map_response` with a small response
//! template.
#![allow(clippy::unwrap_used)]

#[path = "../tests/custom_fixture/mod.rs"]
mod custom_fixture;
#[path = "../tests/support/shared_dir.rs"]
mod shared_dir_lookup;

use std::hint::black_box;

use apigate::config::model::Integration;
use apigate::integration::custom::{
    json_payload, request, response, CustomState, IntegrationOutcome,
};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use custom_fixture::{config, ctx, load, Req};
use serde_json::{json, Value as Json};

fn read(name: &str) -> String {
    let p = shared_dir_lookup::shared_dir().join("perf").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"))
}

fn pairs(v: &Json) -> Vec<(String, String)> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn custom_paths(c: &mut Criterion) {
    let template = read("passthrough.vtl");
    let body = read("body.json");
    let request: Json = serde_json::from_str(&read("request.json")).unwrap();
    let params = &request["params"];
    let api = load(&config(
        json!({"stage": request["context"]["stage"], "stageVariables": request["stageVariables"]}),
        "/{id}",
        json!({"integration": {"type": "AWS", "function": "f",
            "requestTemplates": {"application/json": template},
            "responses": {"default": {"statusCode": 200, "responseTemplates": {
                "application/json": "{\"ok\": $input.path('$.ok'), \"id\": \"$input.params('id')\", \"requestId\": \"$context.requestId\"}"}}}}}),
    ));
    let req = Req {
        method: "POST".into(),
        path_params: pairs(&params["path"]),
        query: pairs(&params["querystring"]),
        headers: pairs(&params["header"]),
        body,
    };
    let ctx = ctx(&api, &req);
    let Integration::Custom(integ) = &api.routes[0].integration else {
        panic!()
    };
    let payload = request::map_request(&ctx, integ, &mut CustomState::new(&ctx)).unwrap();
    serde_json::from_slice::<Json>(&payload).expect("the passthrough payload is JSON");

    c.bench_function("custom/map_request_passthrough_vtl", |b| {
        b.iter(|| {
            let mut state = CustomState::new(&ctx);
            black_box(request::map_request(&ctx, integ, &mut state).unwrap());
        })
    });

    // The payload check every Lambda-bound payload gets, against serde_json alone (the answer
    // both give; json_payload only changes the cost).
    c.bench_function("custom/payload_json_check", |b| {
        b.iter(|| black_box(json_payload::is_json(black_box(&payload))))
    });
    c.bench_function("custom/payload_json_check_serde", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&payload)).is_ok())
        })
    });

    let result = Bytes::from_static(b"{\"ok\":true}");
    c.bench_function("custom/map_response_small_template", |b| {
        let mut state = CustomState::new(&ctx);
        b.iter(|| {
            let outcome = IntegrationOutcome::Result(result.clone());
            black_box(response::map_response(&ctx, integ, &mut state, outcome).unwrap());
        })
    });
}

criterion_group!(benches, custom_paths);
criterion_main!(benches);
