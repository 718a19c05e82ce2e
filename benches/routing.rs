//! Router lookups over 1,000 routes (literal, `{param}` and greedy mixes), one lookup per kind.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use apigate::config::model::{ApiKind, RouteMethod};
use apigate::gateway::router::Router;
use criterion::{criterion_group, criterion_main, Criterion};
use http::Method;

fn routes() -> Vec<(String, RouteMethod)> {
    let get = || RouteMethod::One(Method::GET);
    let mut r = Vec::new();
    for i in 0..300 {
        r.push((format!("/svc{i}/items"), get()));
        r.push((format!("/svc{i}/items/{{id}}"), get()));
    }
    for i in 0..200 {
        r.push((
            format!("/svc{i}/items/{{id}}/parts/{{part}}"),
            RouteMethod::One(Method::POST),
        ));
    }
    for i in 0..199 {
        r.push((format!("/svc{i}/files/{{proxy+}}"), RouteMethod::Any));
    }
    r.push(("/{proxy+}".to_string(), RouteMethod::Any));
    assert_eq!(r.len(), 1000);
    r
}

fn bench(c: &mut Criterion) {
    let rs = routes();
    let router = Router::from_templates(
        ApiKind::Rest,
        rs.iter().map(|(p, m)| (p.as_str(), m)),
        "prod",
        true,
    )
    .unwrap();
    let mut g = c.benchmark_group("router_1000_routes");
    let cases: [(&str, Method, &str); 5] = [
        ("literal", Method::GET, "/prod/svc250/items"),
        ("param", Method::GET, "/prod/svc250/items/12345"),
        (
            "two_params",
            Method::POST,
            "/prod/svc150/items/12345/parts/7",
        ),
        ("greedy", Method::GET, "/prod/svc150/files/a/b/c.txt"),
        (
            "root_greedy_fallback",
            Method::GET,
            "/prod/unknown/deep/path",
        ),
    ];
    for (name, method, path) in cases {
        assert!(router.lookup(&method, path.as_bytes()).is_ok(), "{name}");
        g.bench_function(name, |b| {
            b.iter(|| router.lookup(black_box(&method), black_box(path.as_bytes())))
        });
    }
    g.bench_function("miss_wrong_stage", |b| {
        b.iter(|| router.lookup(black_box(&Method::GET), black_box(b"/dev/svc1/items")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
