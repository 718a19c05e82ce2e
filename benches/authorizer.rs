//! Authorizer hot path: a cache hit (identity, key, moka lookup, policy evaluation, principal)
//! and policy evaluation alone. Target: a cache hit under 2 µs.
#![allow(clippy::unwrap_used)]

#[path = "../tests/authorizer_fixture/mod.rs"]
mod authorizer_fixture;

use std::hint::black_box;
use std::time::Duration;

use apigate::authorizer::policy::Policy;
use apigate::authorizer::{authorize, Authorizers};
use authorizer_fixture::*;
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

fn cache_hit(c: &mut Criterion) {
    let api = build_api(
        rest(),
        vec![route("/pets/{id}", "GET", Some(0))],
        vec![token_authorizer(Duration::from_secs(3600))],
    );
    let auth = Authorizers::new(&api);
    let fake = Fake::new(|_| {
        let mut out = allow_policy("user", "arn:aws:execute-api:*:*:abc123/test/GET/pets/*");
        out["context"] = json!({"tenant": "t1", "tier": 3, "admin": false});
        Outcome::Output(out)
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let token = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl";
    let mut ctx = request(
        &api,
        "GET",
        "/test/pets/42",
        &[
            ("Host", "abc123.execute-api.us-east-1.amazonaws.com"),
            ("Authorization", token),
        ],
        0,
        "/pets/42",
        &[("id", "42")],
    );
    rt.block_on(authorize(&mut ctx, &auth, &fake)).unwrap();
    c.bench_function("authorizer/cache_hit_and_policy", |b| {
        b.iter(|| {
            ctx.principal = None;
            rt.block_on(authorize(&mut ctx, &auth, &fake)).unwrap();
            black_box(&ctx.principal);
        })
    });
    assert_eq!(fake.calls(), 1, "every iteration must be a cache hit");
}

fn policy_only(c: &mut Criterion) {
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Deny",
         "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/test/DELETE/*"},
        {"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": [
            "arn:aws:execute-api:us-east-1:123456789012:abc123/test/POST/orders",
            "arn:aws:execute-api:us-east-1:123456789012:abc123/test/GET/pets/*",
        ]}
    ]});
    let policy = Policy::compile(&doc).unwrap();
    let arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/test/GET/pets/42/photos";
    c.bench_function("authorizer/policy_evaluation", |b| {
        b.iter(|| black_box(policy.evaluate(black_box(arn))))
    });
}

criterion_group!(benches, cache_hit, policy_only);
criterion_main!(benches);
