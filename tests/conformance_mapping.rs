//! Every `mapping.jsonl` case of the phases pipeline, e2e, selection, validation,
//! template-selection and response-parameters through the REAL server: the case becomes a REST
//! config (one route with an `AWS` or `MOCK` integration), the gateway runs on `127.0.0.1:0`, the
//! function is a stub doing what the case describes (a result, an error, an echo, a sleep), the
//! request goes over TCP, and the response and the function's event are compared per the case's
//! `compare` mode. Prints `N passed, M failed` with each failure's id and difference.

#![allow(clippy::unwrap_used)]

mod support;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value as Json};
use support::case_api::load_cases;
use support::client::RawResponse;
use support::custom_gateway::{event_text, rest_config, start, Behaviour, Target};
use support::stub_lambda::Received;

const PHASES: [&str; 6] = [
    "pipeline",
    "e2e",
    "selection",
    "validation",
    "template-selection",
    "response-parameters",
];

/// The timeout configured for a function described as sleeping past it (API Gateway's minimum
/// is 50 ms; the case's point is the 504, not the duration).
const SHORT_TIMEOUT_MS: u64 = 100;

/// Characters kept as-is in a path segment (RFC 3986 unreserved plus sub-delims API Gateway
/// passes unchanged).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'=')
    .remove(b'+');

fn pairs(v: &Json) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The request a case sends.
struct CaseRequest {
    method: String,
    route_path: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// A placeholder body such as `<payload>` stands for "some payload"; it is sent as a JSON
/// document (its text as a JSON string) so a passthrough to Lambda is a valid event.
fn body_of(input: &Json) -> String {
    let body = input["body"].as_str().unwrap_or("");
    let placeholder = body.len() > 2
        && body.starts_with('<')
        && body.ends_with('>')
        && !body[1..body.len() - 1].contains(['<', '>']);
    if placeholder {
        Json::String(body.to_string()).to_string()
    } else {
        body.to_string()
    }
}

fn request_of(input: &Json) -> CaseRequest {
    let path_params = pairs(&input["path_params"]);
    let (route_path, mut target) = if path_params.is_empty() {
        let p = input["path"].as_str().unwrap_or("/").to_string();
        (p.clone(), p)
    } else {
        let route = path_params
            .iter()
            .map(|(k, _)| format!("/{{{k}}}"))
            .collect();
        let target = path_params
            .iter()
            .map(|(_, v)| format!("/{}", utf8_percent_encode(v, SEGMENT)))
            .collect();
        (route, target)
    };
    let query = pairs(&input["query"]);
    if !query.is_empty() {
        let q: Vec<String> = query
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, NON_ALPHANUMERIC),
                    utf8_percent_encode(v, NON_ALPHANUMERIC)
                )
            })
            .collect();
        target = format!("{target}?{}", q.join("&"));
    }
    CaseRequest {
        method: input["method"].as_str().unwrap_or("GET").to_string(),
        route_path,
        target,
        headers: pairs(&input["headers"]),
        body: body_of(input),
    }
}

/// `integrationResponses` (keyed by status, with `selectionPattern`) as config `responses`
/// (keyed by pattern, `default` for an absent or empty one).
fn responses(v: &Json) -> Json {
    let mut out = Map::new();
    for (_, r) in v.as_object().into_iter().flatten() {
        let key = match r["selectionPattern"].as_str() {
            None | Some("") => "default".to_string(),
            Some(p) => p.to_string(),
        };
        let mut resp = json!({"statusCode": r["statusCode"]});
        for k in ["responseParameters", "responseTemplates", "contentHandling"] {
            if let Some(x) = r.get(k) {
                resp[k] = x.clone();
            }
        }
        out.insert(key, resp);
    }
    if out.is_empty() {
        out.insert("default".into(), json!({"statusCode": "200"}));
    }
    Json::Object(out)
}

/// A model given as a schema, or described as `"Name (a,b required)"`: an object schema with
/// those required properties.
fn model_schema(v: &Json) -> Json {
    if v.is_object() {
        return v.clone();
    }
    let text = v.as_str().unwrap_or_default();
    let required: Vec<&str> = text
        .split_once('(')
        .and_then(|(_, r)| r.split_once("required"))
        .map(|(names, _)| {
            names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    json!({"type": "object", "required": required})
}

/// The function a case describes.
fn behaviour(input: &Json) -> Behaviour {
    if let Some(err) = input.get("lambda_error") {
        return Behaviour::Error(err.to_string());
    }
    if let Some(payload) = input.get("lambda_error_payload") {
        return Behaviour::Error(
            payload
                .as_str()
                .map_or_else(|| payload.to_string(), str::to_string),
        );
    }
    if let Some(res) = input.get("lambda_result") {
        return Behaviour::Result(res.to_string());
    }
    let text = input["lambda"].as_str().unwrap_or("").to_ascii_lowercase();
    if text.contains("sleep") || text.contains("timeout") || text.contains("timed out") {
        Behaviour::Hang
    } else if text.contains("json.dumps(event)") || text.contains("in body") {
        Behaviour::EchoInBody
    } else {
        // "echo-event", or a function the case does not describe: echo what it received.
        Behaviour::Echo
    }
}

/// The route object (path, method ANY, integration and method request) for a case.
fn route_of(case: &Json, req: &CaseRequest) -> (Json, Json) {
    let input = &case["input"];
    let phase = input["phase"].as_str().unwrap_or_default();
    let mut api = json!({});
    if let Some(sv) = input.get("stageVariables").filter(|v| v.is_object()) {
        api["stageVariables"] = sv.clone();
    }
    let mut route = json!({"path": req.route_path, "method": "ANY"});
    let integration = match phase {
        "pipeline" => {
            let mock = input["backend"] == "MOCK";
            let mut default = json!({"statusCode": 200});
            if let Some(t) = input["response_template"].as_str() {
                default["responseTemplates"] = json!({"application/json": t});
            }
            let mut i = json!({
                "type": if mock { "MOCK" } else { "AWS" },
                "responses": {"default": default},
            });
            if let Some(t) = input["request_template"].as_str() {
                i["requestTemplates"] = json!({"application/json": t});
            }
            i
        }
        "template-selection" => {
            // Each template renders its own key, so the event tells which one ran.
            let templates: Map<String, Json> = input["requestTemplates"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .map(|k| (k.to_string(), json!(json!({ "template": k }).to_string())))
                .collect();
            json!({"type": "AWS", "requestTemplates": templates,
                "passthroughBehavior": input["passthroughBehavior"],
                "responses": {"default": {"statusCode": 200}}})
        }
        "validation" => {
            let mut models = Map::new();
            let mut request_models = Map::new();
            for (i, (ct, m)) in input["requestModels"]
                .as_object()
                .into_iter()
                .flatten()
                .enumerate()
            {
                let name = format!("Model{i}");
                models.insert(name.clone(), model_schema(m));
                request_models.insert(ct.clone(), json!(name));
            }
            api["requestValidators"] = json!({"v": input["validator"]});
            api["models"] = Json::Object(models);
            route["requestValidator"] = json!("v");
            route["requestModels"] = Json::Object(request_models);
            // The validator is under test: an AWS integration echoing the event shows a pass.
            json!({"type": "AWS", "responses": {"default": {"statusCode": 200}}})
        }
        "response-parameters" => json!({"type": "AWS", "responses": {"default": {
            "statusCode": 200, "responseParameters": input["responseParameters"]}}}),
        "selection" => {
            json!({"type": "AWS", "responses": responses(&input["integrationResponses"])})
        }
        _ => {
            let integ = input
                .get("integration")
                .cloned()
                .unwrap_or_else(|| json!({}));
            let ty = integ["type"].as_str().unwrap_or("AWS").to_string();
            let mut i = json!({"type": ty, "responses": responses(&integ["integrationResponses"])});
            for k in [
                "requestTemplates",
                "requestParameters",
                "passthroughBehavior",
                "contentHandling",
                "timeoutInMillis",
            ] {
                if let Some(v) = integ.get(k) {
                    i[k] = v.clone();
                }
            }
            i
        }
    };
    let mut integration = integration;
    if integration["type"] != "MOCK" {
        integration["function"] = json!("f");
        if matches!(behaviour(input), Behaviour::Hang)
            && integration.get("timeoutInMillis").is_none()
        {
            integration["timeoutInMillis"] = json!(SHORT_TIMEOUT_MS);
        }
    }
    if let Some(p) = input.get("requestParameters").filter(|p| p.is_object()) {
        route["requestParameters"] = p.clone();
    }
    route["integration"] = integration;
    (api, route)
}

/// JSON equality where an expected string `"..."` matches any value.
fn json_matches(expected: &Json, actual: &Json) -> bool {
    match (expected, actual) {
        (Json::String(s), _) if s == "..." => true,
        (Json::Object(e), Json::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|av| json_matches(v, av)))
        }
        (Json::Array(e), Json::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| json_matches(x, y))
        }
        _ => expected == actual,
    }
}

fn parse_json(text: &str) -> Result<Json, String> {
    serde_json::from_str(text).map_err(|e| format!("not JSON ({e}): {text:?}"))
}

/// Compares a body per `compare`: exact bytes, JSON value, or key set.
fn check_body(want: &Json, got: &str, compare: &str, what: &str) -> Result<(), String> {
    match (want, compare) {
        (Json::String(s), "exact" | "outcome") => (s == got)
            .then_some(())
            .ok_or_else(|| format!("{what}: want {s:?}, got {got:?}")),
        (Json::String(s), "keyset") => keyset(&parse_json(s)?, &parse_json(got)?, what),
        (w, "keyset") => keyset(w, &parse_json(got)?, what),
        (Json::String(s), _) => {
            let w = parse_json(s)?;
            let g = parse_json(got)?;
            json_matches(&w, &g)
                .then_some(())
                .ok_or_else(|| format!("{what}: want {w}, got {g}"))
        }
        (w, _) => {
            let g = parse_json(got)?;
            json_matches(w, &g)
                .then_some(())
                .ok_or_else(|| format!("{what}: want {w}, got {g}"))
        }
    }
}

fn keyset(want: &Json, got: &Json, what: &str) -> Result<(), String> {
    let keys = |v: &Json| -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect();
        k.sort();
        k
    };
    (keys(want) == keys(got))
        .then_some(())
        .ok_or_else(|| format!("{what}: keys want {:?}, got {:?}", keys(want), keys(got)))
}

fn check_headers(want: &Json, r: &RawResponse, errors: &mut Vec<String>) {
    for (k, v) in pairs(want) {
        match r.header(&k) {
            Some(got) if got == v => {}
            got => errors.push(format!("header {k}: want {v:?}, got {got:?}")),
        }
    }
}

/// Everything the case expects, checked against the response and the function's payloads.
fn check(
    case: &Json,
    req: &CaseRequest,
    r: &RawResponse,
    payloads: &[bytes::Bytes],
    last_request: Option<&Received>,
) -> Vec<String> {
    let expected = &case["expected"];
    let compare = case["compare"].as_str().unwrap_or("exact");
    let body = String::from_utf8_lossy(&r.body).into_owned();
    let mut errors = Vec::new();
    if expected.is_string() {
        if let Err(e) = check_body(expected, &body, compare, "body") {
            errors.push(e);
        }
        return errors;
    }
    if let Some(s) = expected["status"].as_u64() {
        if u64::from(r.status) != s {
            errors.push(format!(
                "status: want {s}, got {} (body {body:?})",
                r.status
            ));
        }
    }
    check_headers(&expected["headers"], r, &mut errors);
    check_headers(&expected["method_response_headers"], r, &mut errors);
    if !expected["body"].is_null() {
        if let Err(e) = check_body(&expected["body"], &body, compare, "body") {
            errors.push(e);
        }
    }
    let last = payloads.last();
    if let Some(event) = expected.get("lambda_event") {
        match last {
            None => errors.push("lambda_event: the function was not called".into()),
            Some(p) => match parse_json(&event_text(p)) {
                Ok(seen) if json_matches(event, &seen) => {}
                Ok(seen) => errors.push(format!("lambda_event: want {event}, got {seen}")),
                Err(e) => errors.push(format!("lambda_event: {e}")),
            },
        }
    }
    if let Some(want) = expected.get("integration_request_body") {
        let want = want
            .as_str()
            .map_or_else(|| want.to_string(), str::to_string);
        match last {
            None => errors.push("integration_request_body: the function was not called".into()),
            Some(p) if p[..] == *want.as_bytes() => {}
            Some(p) => errors.push(format!(
                "integration_request_body: want {want:?}, got {:?}",
                String::from_utf8_lossy(p)
            )),
        }
    }
    // Integration request headers as the function's endpoint received them (only the Lambda
    // invocation headers API Gateway forwards, e.g. `X-Amz-Invocation-Type`, can appear).
    for (k, v) in pairs(&expected["integration_request_headers"]) {
        let got = last_request.and_then(|q| q.header(&k));
        if got != Some(v.as_str()) {
            errors.push(format!(
                "integration request header {k}: want {v:?}, got {got:?}"
            ));
        }
    }
    if let Some(outcome) = expected["outcome"].as_str() {
        check_outcome(outcome, expected, req, r, payloads, &mut errors);
    }
    errors
}

/// template-selection outcomes, seen from outside: which payload the function received.
fn check_outcome(
    outcome: &str,
    expected: &Json,
    req: &CaseRequest,
    r: &RawResponse,
    payloads: &[bytes::Bytes],
    errors: &mut Vec<String>,
) {
    let received = payloads
        .last()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    match outcome {
        "transform" => {
            let key = expected["template"].as_str().unwrap_or("application/json");
            let want = json!({ "template": key }).to_string();
            if r.status != 200 || received.as_deref() != Some(want.as_str()) {
                errors.push(format!(
                    "transform with {key}: status {}, function received {received:?}",
                    r.status
                ));
            }
        }
        "passthrough" => {
            if r.status != 200 || received.as_deref() != Some(req.body.as_str()) {
                errors.push(format!(
                    "passthrough: status {}, function received {received:?}, sent {:?}",
                    r.status, req.body
                ));
            }
        }
        "reject" => {
            if !payloads.is_empty() {
                errors.push(format!("reject: the function was called with {received:?}"));
            }
        }
        other => errors.push(format!("unknown outcome {other}")),
    }
}

async fn run_case(case: &Json) -> Vec<String> {
    let input = &case["input"];
    let req = request_of(input);
    let (api, route) = route_of(case, &req);
    let config = rest_config(api, vec![route]);
    let env = start(Target::InvokeApi, behaviour(input), config).await;
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let body = (!req.body.is_empty()).then_some(req.body.as_bytes());
    let r = env.send(&req.method, &req.target, &headers, body).await;
    let requests = env.stub.requests();
    let errors = check(case, &req, &r, &env.payloads(), requests.last());
    env.gw.shutdown().await.unwrap();
    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapping_cases_through_the_real_server() {
    let cases: Vec<Json> = load_cases("mapping.jsonl")
        .into_iter()
        .filter(|c| {
            c["input"]["phase"]
                .as_str()
                .is_some_and(|p| PHASES.contains(&p))
        })
        .collect();
    assert!(!cases.is_empty(), "no mapping cases of the gateway phases");
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("?");
        let errors = run_case(case).await;
        if errors.is_empty() {
            passed += 1;
        } else {
            failures.push(format!("{id}:\n    {}", errors.join("\n    ")));
        }
    }
    println!("{passed} passed, {} failed", failures.len());
    for f in &failures {
        println!("FAILED {f}");
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
