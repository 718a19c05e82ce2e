//! Render throughput of the perf templates (`shared/perf/`), single-threaded; every render
//! includes parsing the request body. Run: `cargo bench --bench vtl`.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use apigate::vtl::offline::OfflineRequest;
use apigate::vtl::{Overrides, RenderInput, Template};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../tests/support/shared_dir.rs"]
mod shared_dir_lookup;
use shared_dir_lookup::shared_dir;

/// The perf request: params, stage variables and `$context` from `request.json`.
fn request(body: &str) -> OfflineRequest {
    let dir = shared_dir().join("perf");
    let req: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("request.json")).unwrap()).unwrap();
    let p = &req["params"];
    let input = serde_json::json!({
        "method": req["context"]["httpMethod"],
        "path_params": p["path"],
        "query": p["querystring"],
        "headers": p["header"],
        "body": body,
        "context": req["context"],
        "stageVariables": req["stageVariables"],
    });
    OfflineRequest::from_json(&input)
}

fn bench(c: &mut Criterion) {
    let dir = shared_dir().join("perf");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let cases = [
        ("passthrough", "passthrough.vtl", "body.json"),
        ("projection", "projection.vtl", "body.json"),
        ("foreach100", "foreach100.vtl", "body-items.json"),
    ];
    let mut g = c.benchmark_group("vtl");
    g.throughput(Throughput::Elements(1));
    for (name, tpl, body) in cases {
        let template = Template::compile(tpl, &read(tpl)).unwrap();
        let req = request(&read(body));
        let input = RenderInput {
            body: req.body.as_bytes(),
            params: &req.params,
            context: &req.context,
            stage_variables: &req.stage_variables,
        };
        let mut out = String::new();
        let mut ovr = Overrides::default();
        template.render(&input, &mut ovr, &mut out).unwrap();
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(&out);
        assert!(parsed.is_ok(), "{name} must render valid JSON:\n{out}");
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let mut ovr = Overrides::default();
                template
                    .render(black_box(&input), &mut ovr, &mut out)
                    .unwrap();
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
