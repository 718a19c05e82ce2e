//! Cost of the metrics path: recording one request through pre-resolved handles (on and off,
//! for the overhead comparison), and encoding `/metrics` for a scrape.

use std::hint::black_box;
use std::time::Duration;

use apigate::metrics::{Metrics, UpstreamErrorKind};
use criterion::{criterion_group, criterion_main, Criterion};

fn record(c: &mut Criterion) {
    for (name, recording) in [("record_request", true), ("record_request_off", false)] {
        let m = Metrics::with_recording(recording).expect("registry");
        let route = m.route_handles("a1b2c3", "prod", "/pets/{id}", "GET");
        let auth = m.authorizer_handles("a1b2c3", "prod", "bearer");
        let func = m.function_handles("orders");
        c.bench_function(name, |b| {
            b.iter(|| {
                auth.cache_hit();
                let guard = func.in_flight();
                drop(black_box(guard));
                route.record(
                    black_box(200),
                    black_box(Duration::from_micros(350)),
                    black_box(Some(Duration::from_micros(200))),
                );
            })
        });
    }
}

fn encode(c: &mut Criterion) {
    let m = Metrics::new().expect("registry");
    // A mid-sized API: 50 routes with a few statuses each, 5 authorizers, 10 functions.
    for i in 0..50 {
        let r = m.route_handles("a1b2c3", "prod", &format!("/r{i}/{{id}}"), "GET");
        for status in [200, 404, 502] {
            r.record(
                status,
                Duration::from_millis(2),
                Some(Duration::from_millis(1)),
            );
        }
    }
    for i in 0..5 {
        m.authorizer_handles("a1b2c3", "prod", &format!("auth{i}"))
            .cache_miss(Duration::from_millis(3));
    }
    for i in 0..10 {
        m.function_handles(&format!("fn{i}"))
            .error(UpstreamErrorKind::Timeout);
    }
    c.bench_function("encode_metrics", |b| {
        b.iter(|| black_box(m.encode().expect("encode")))
    });
}

criterion_group!(benches, record, encode);
criterion_main!(benches);
