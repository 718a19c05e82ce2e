//! HTTP/1.1 codec throughput: parse a typical request head, encode a typical response head.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use apigate::message::Response;
use apigate::server::codec::{HeadLimits, HeadParser};
use apigate::server::encode::{encode_head, EncodeOpts};
use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const REQUEST: &[u8] = b"POST /prod/pets/123/toys?limit=10&sort=desc HTTP/1.1\r\n\
Host: abc123.execute-api.us-east-1.amazonaws.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\r\n\
Accept: application/json, text/plain, */*\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc\r\n\
Content-Type: application/json\r\n\
Content-Length: 27\r\n\
X-Forwarded-For: 203.0.113.7\r\n\
X-Amzn-Trace-Id: Root=1-5f84c7a9-0e5a1b8f2d3c4b5a69788796\r\n\
Cookie: session=abc; theme=dark\r\n\
\r\n\
{\"name\":\"ball\",\"count\":1}";

const LIMITS: HeadLimits = HeadLimits {
    max_header_bytes: 16 * 1024,
    max_headers: 200,
};

fn response() -> Response {
    let mut r = Response::new(200, &b"{\"id\":\"123\",\"toys\":[\"ball\",\"rope\"]}"[..]);
    r.headers.push("Content-Type", "application/json").unwrap();
    r.headers
        .push("x-amzn-RequestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
        .unwrap();
    r.headers
        .push("x-amz-apigw-id", "BbIDaFwVoAMFkZw=")
        .unwrap();
    r.headers
        .push(
            "X-Amzn-Trace-Id",
            "Root=1-5f84c7a9-0e5a1b8f2d3c4b5a69788796;Sampled=0",
        )
        .unwrap();
    r.headers.push("Set-Cookie", "a=1; Path=/").unwrap();
    r.headers.push("Set-Cookie", "b=2; Path=/").unwrap();
    r
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("http1");
    group.throughput(Throughput::Bytes(REQUEST.len() as u64));
    let mut parser = HeadParser::new();
    let mut buf = BytesMut::with_capacity(8192);
    group.bench_function("parse_head", |b| {
        b.iter(|| {
            buf.clear();
            buf.extend_from_slice(REQUEST);
            let head = parser.parse(&mut buf, LIMITS).unwrap().unwrap();
            black_box(head);
        })
    });
    let resp = response();
    let mut out = BytesMut::with_capacity(1024);
    let opts = EncodeOpts {
        close: false,
        keep_alive_10: false,
        head_request: false,
    };
    group.bench_function("encode_head", |b| {
        b.iter(|| black_box(encode_head(&mut out, black_box(&resp), opts)))
    });
    group.bench_function("parse_and_encode", |b| {
        b.iter(|| {
            buf.clear();
            buf.extend_from_slice(REQUEST);
            let head = parser.parse(&mut buf, LIMITS).unwrap().unwrap();
            black_box(&head);
            black_box(encode_head(&mut out, &resp, opts))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
