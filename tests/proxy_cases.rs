//! Table tests over the proxy conformance cases (routing, events, responses): each case's
//! request goes through `Router::lookup` and `write_event`, its `lambda_output` through
//! `read_response`, and the results are checked against `expect` with the §14 matching rules.
//! The end-to-end run of the same cases through the real server is the lead's harness.
#![allow(clippy::unwrap_used)]

#[path = "support/case_api.rs"]
mod case_api;
#[path = "support/expect.rs"]
mod expect;

use std::sync::Arc;

use apigate::config::model::Integration;
use apigate::gateway::error::GatewayError;
use apigate::integration::{add_response_ids, read_response, write_event, EventFormat};
use bytes::Bytes;
use serde_json::Value;

const KINDS: [&str; 7] = [
    "rest_routing",
    "rest_proxy_event",
    "rest_proxy_response",
    "http_v2_event",
    "http_v2_response",
    "furl_event",
    "furl_response",
];

fn run(case: &Value) -> Result<(), String> {
    let api = Arc::new(case_api::api_from_case(&case["config"]));
    let req = case_api::request_from_case(&case["request"]);
    let mut ctx = case_api::ctx_for(api.clone(), req);
    let expect = &case["expect"];
    let want_status = expect["response"]["status"].as_u64();
    let looked_up = api.router.lookup(&ctx.req.method, ctx.req.raw_path());
    if expect["invoke_integration"] == Value::Bool(false) {
        let Err(e) = looked_up else {
            return Err("routed, but the case expects no integration call".into());
        };
        let status = e.classify(api.kind).status;
        if want_status.is_some_and(|s| s != u64::from(status)) {
            return Err(format!(
                "no-route status {status}, expected {want_status:?}"
            ));
        }
        return Ok(());
    }
    let rm = looked_up.map_err(|e| format!("lookup failed: {e}"))?;
    let Integration::Proxy(p) = &api.route(rm.route).integration else {
        panic!("proxy cases use proxy integrations")
    };
    let format = EventFormat::for_route(api.kind, p.payload_format);
    ctx.route = Some(rm);

    let mut buf = Vec::new();
    write_event(&ctx, format, &mut buf).map_err(|e| format!("write_event: {e}"))?;
    let event: Value = serde_json::from_slice(&buf)
        .map_err(|e| format!("event is not JSON ({e}): {}", String::from_utf8_lossy(&buf)))?;
    if let Some(want) = expect.get("event") {
        expect::subset_match(want, &event).map_err(|e| format!("event {e}\n{event:#}"))?;
    }
    for k in expect["event_absent_keys"].as_array().into_iter().flatten() {
        expect::absent(&event, k.as_str().unwrap()).map_err(|e| format!("event {e}"))?;
    }

    let Some(want) = expect.get("response") else {
        return Ok(());
    };
    if case.get("lambda_error").is_some() {
        // The invoke phase classifies function errors; check the table it uses.
        let status = GatewayError::FunctionError("case".into())
            .classify(api.kind)
            .status;
        return match want_status {
            Some(s) if s != u64::from(status) => Err(format!("function error status {status}")),
            _ => Ok(()),
        };
    }
    let Some(output) = case.get("lambda_output") else {
        return Ok(());
    };
    let payload = Bytes::from(serde_json::to_vec(output).unwrap());
    match read_response(&ctx, format, payload) {
        Ok(mut resp) => {
            add_response_ids(&ctx, &mut resp, true);
            let mut headers: Vec<(String, String)> = resp
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        String::from_utf8_lossy(n).into_owned(),
                        String::from_utf8_lossy(v).into_owned(),
                    )
                })
                .collect();
            // The server adds Content-Length when it writes the response.
            headers.push(("Content-Length".into(), resp.body.len().to_string()));
            expect::response_match(want, resp.status, &headers, &resp.body)
        }
        Err(e) => {
            let status = e.classify(api.kind).status;
            match want_status {
                Some(s) if s == u64::from(status) => Ok(()),
                _ => Err(format!(
                    "read_response: {e} (status {status}), expected {want}"
                )),
            }
        }
    }
}

#[test]
fn proxy_conformance_cases_through_router_event_and_response() {
    let mut ran = 0;
    let mut failures = Vec::new();
    for case in case_api::load_cases("proxy-auth.jsonl") {
        let kind = case["kind"].as_str().unwrap_or_default();
        if !KINDS.contains(&kind) {
            continue;
        }
        ran += 1;
        if let Err(e) = run(&case) {
            failures.push(format!("{}: {e}", case["id"].as_str().unwrap_or("?")));
        }
    }
    assert!(ran >= 40, "only {ran} proxy cases found");
    assert!(
        failures.is_empty(),
        "{} of {ran} failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
