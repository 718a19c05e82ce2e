//! Proxy event building (REST 1.0 and HTTP API 2.0, ~10 headers, 1 KB body) and proxy response
//! parsing (the perf stub's answer and a 1 KB body).
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/case_api.rs"]
mod case_api;

use std::hint::black_box;
use std::sync::Arc;

use apigate::gateway::context::RequestCtx;
use apigate::integration::{read_response, write_event, EventFormat};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};

fn body_1k() -> String {
    let perf = case_api::shared_dir().join("perf/body.json");
    std::fs::read_to_string(perf).unwrap_or_else(|_| {
        let mut s = String::from("{\"items\":[");
        while s.len() < 1000 {
            s.push_str("{\"id\":12345,\"name\":\"widget \\\"x\\\"\"},");
        }
        s.push_str("{}]}");
        s
    })
}

fn ctx(config: Value, path: &str) -> RequestCtx {
    let api = Arc::new(case_api::api_from_case(&config));
    let request = json!({"method": "POST", "path": path, "query": "user=alice&page=2",
        "headers": [
            ["Host", "api.example.test"], ["User-Agent", "perf-kit/1.0"], ["Accept", "application/json"],
            ["Content-Type", "application/json"], ["Authorization", "Bearer tok\"en"],
            ["X-Forwarded-For", "192.0.2.1"], ["Accept-Encoding", "gzip, deflate"],
            ["Cookie", "session=abc; theme=dark"], ["X-Request-Id", "4f6c1b7e"], ["Connection", "keep-alive"]],
        "body": body_1k()});
    let req = case_api::request_from_case(&request);
    let mut c = RequestCtx::new(api.clone(), req);
    c.route = Some(api.router.lookup(&c.req.method, c.req.raw_path()).unwrap());
    c
}

fn bench(c: &mut Criterion) {
    let rest = ctx(
        json!({"api": "REST", "stage": "prod", "routes": [{"resource": "/items/{id}", "method": "POST"}],
               "stage_variables": {"env": "perf", "lambdaAlias": "live"}}),
        "/prod/items/12345",
    );
    let http = ctx(
        json!({"api": "HTTP", "stage": "$default", "payload_format_version": "2.0",
               "routes": [{"resource": "/items/{id}", "method": "POST"}]}),
        "/items/12345",
    );
    let mut g = c.benchmark_group("proxy_event");
    g.throughput(Throughput::Bytes(rest.req.body.len() as u64));
    let mut buf = Vec::new();
    g.bench_function("rest_v1_1kb", |b| {
        b.iter(|| write_event(black_box(&rest), EventFormat::RestV1, &mut buf).unwrap())
    });
    g.bench_function("http_v2_1kb", |b| {
        b.iter(|| write_event(black_box(&http), EventFormat::HttpV2, &mut buf).unwrap())
    });
    g.finish();

    let stub = Bytes::from_static(
        br#"{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}"#,
    );
    let big = Bytes::from(
        serde_json::to_vec(&json!({"statusCode": 200,
            "headers": {"content-type": "application/json", "x-request-id": "4f6c1b7e", "cache-control": "no-store"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": body_1k()}))
        .unwrap(),
    );
    let mut g = c.benchmark_group("proxy_response");
    g.bench_function("rest_v1_stub", |b| {
        b.iter(|| read_response(&rest, EventFormat::RestV1, black_box(stub.clone())).unwrap())
    });
    g.bench_function("rest_v1_1kb", |b| {
        b.iter(|| read_response(&rest, EventFormat::RestV1, black_box(big.clone())).unwrap())
    });
    g.bench_function("http_v2_1kb", |b| {
        b.iter(|| read_response(&http, EventFormat::HttpV2, black_box(big.clone())).unwrap())
    });
    g.finish();

    // The body's JSON string escape alone: the largest single cost of a proxy event.
    let body = body_1k();
    let mut g = c.benchmark_group("json_escape");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("body_1kb", |b| {
        b.iter(|| {
            buf.clear();
            apigate::integration::json_out::bytes(&mut buf, black_box(body.as_bytes()));
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
