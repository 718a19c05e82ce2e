//! Every `shared/conformance/mapping.jsonl` case of the phases template-selection, selection,
//! validation, response-parameters, pipeline (MOCK / echo-body backends) and e2e (where the
//! function can be described without a network: echo, a fixed result or error) run through the
//! custom-integration phase functions, with the config compiled from YAML. No server: the
//! real-server runs belong to the gateway's conformance harness.

#![allow(clippy::unwrap_used)]

mod custom_fixture;
#[path = "support/shared_dir.rs"]
mod shared_dir_lookup;

use apigate::integration::custom::request::{select_request_template, TemplateChoice};
use apigate::integration::custom::IntegrationOutcome;
use apigate::message::Response;
use bytes::Bytes;
use custom_fixture::{config, ctx, error_response, header, json_matches, load, run, Req};
use serde_json::{json, Map, Value as Json};

const PHASES: [&str; 6] = [
    "template-selection",
    "selection",
    "validation",
    "response-parameters",
    "pipeline",
    "e2e",
];

fn cases() -> Vec<Json> {
    let path = shared_dir_lookup::shared_dir().join("conformance/mapping.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .filter(|c| {
            c["input"]["phase"]
                .as_str()
                .is_some_and(|p| PHASES.contains(&p))
        })
        .collect()
}

fn pairs(v: &Json) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The request of a case; path parameters declared by `requestParameters` but not given are
/// present and empty.
fn req_of(input: &Json) -> Req {
    let mut path_params = pairs(&input["path_params"]);
    for (k, _) in pairs(&input["requestParameters"]) {
        if let Some(n) = k.strip_prefix("method.request.path.") {
            if !path_params.iter().any(|(p, _)| p == n) {
                path_params.push((n.to_string(), String::new()));
            }
        }
    }
    Req {
        method: input["method"].as_str().unwrap_or("GET").to_string(),
        path_params,
        query: pairs(&input["query"]),
        headers: pairs(&input["headers"]),
        body: input["body"].as_str().unwrap_or("").to_string(),
    }
}

fn route_path(req: &Req) -> String {
    if req.path_params.is_empty() {
        "/".into()
    } else {
        req.path_params
            .iter()
            .map(|(k, _)| format!("/{{{k}}}"))
            .collect()
    }
}

/// `integrationResponses` (keyed by status, with `selectionPattern`) as config `responses`
/// (keyed by pattern or `default`).
fn responses(v: &Json) -> Json {
    let mut out = Map::new();
    for (_, r) in v.as_object().into_iter().flatten() {
        let key = match r["selectionPattern"].as_str() {
            None | Some("") => "default".to_string(),
            Some(p) => p.to_string(),
        };
        out.insert(key, json!({"statusCode": r["statusCode"]}));
    }
    if out.is_empty() {
        out.insert("default".into(), json!({"statusCode": "200"}));
    }
    Json::Object(out)
}

/// A case's model description: a schema object, or `"Name (a,b required)"`.
fn model_schema(v: &Json) -> Json {
    if v.is_object() {
        return v.clone();
    }
    let text = v.as_str().unwrap_or_default();
    let required: Vec<&str> = text
        .split_once('(')
        .and_then(|(_, r)| r.split_once(" required"))
        .map(|(names, _)| names.split(',').map(str::trim).collect())
        .unwrap_or_default();
    json!({"type": "object", "required": required})
}

fn check_response(id: &str, expected: &Json, compare: &str, r: &Response) {
    let body = String::from_utf8_lossy(&r.body).into_owned();
    if let Some(text) = expected.as_str() {
        assert_eq!(body, text, "{id}: body");
        return;
    }
    if let Some(s) = expected["status"].as_u64() {
        assert_eq!(u64::from(r.status), s, "{id}: status (body {body})");
    }
    for (k, v) in pairs(&expected["headers"]) {
        assert_eq!(header(r, &k), Some(v.as_str()), "{id}: header {k}");
    }
    for (k, v) in pairs(&expected["method_response_headers"]) {
        assert_eq!(header(r, &k), Some(v.as_str()), "{id}: header {k}");
    }
    match &expected["body"] {
        Json::Null => {}
        Json::String(s) if compare != "json" => assert_eq!(&body, s, "{id}: body"),
        want => {
            let want: Json = match want {
                Json::String(s) => serde_json::from_str(s).unwrap(),
                w => w.clone(),
            };
            let got: Json = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{id}: body is not JSON ({e}): {body}"));
            assert!(json_matches(&want, &got), "{id}: body {got} != {want}");
        }
    }
}

fn template_selection(case: &Json) {
    let id = case["id"].as_str().unwrap();
    let input = &case["input"];
    let templates: Map<String, Json> = input["requestTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k.as_str().unwrap().to_string(), json!("{}")))
        .collect();
    let req = req_of(input);
    let api = load(&config(
        json!({}),
        "/",
        json!({"integration": {
            "type": "AWS", "function": "f",
            "requestTemplates": templates,
            "passthroughBehavior": input["passthroughBehavior"],
            "responses": {"default": {"statusCode": 200}},
        }}),
    ));
    let c = ctx(&api, &req);
    let apigate::config::model::Integration::Custom(integ) = &api.routes[0].integration else {
        panic!()
    };
    let choice = select_request_template(integ, c.req.headers.get_str("content-type"));
    let expected = &case["expected"];
    match expected["outcome"].as_str().unwrap() {
        "transform" => match choice {
            TemplateChoice::Transform(k, _) => {
                assert_eq!(k, expected["template"].as_str().unwrap(), "{id}")
            }
            other => panic!("{id}: {other:?}"),
        },
        "passthrough" => assert!(matches!(choice, TemplateChoice::Passthrough), "{id}"),
        "reject" => {
            assert!(matches!(choice, TemplateChoice::Reject), "{id}");
            let (r, payload) = run(&c, |_| unreachable!("no backend call on 415"));
            assert!(payload.is_none());
            check_response(id, expected, "json", &r);
        }
        other => panic!("{id}: unknown outcome {other}"),
    }
}

fn selection(case: &Json) {
    let id = case["id"].as_str().unwrap();
    let input = &case["input"];
    let api = load(&config(
        json!({}),
        "/",
        json!({"integration": {"type": "AWS", "function": "f",
            "responses": responses(&input["integrationResponses"])}}),
    ));
    let c = ctx(&api, &req_of(input));
    let (r, _) = run(&c, |_| Ok(lambda_outcome(input, Bytes::new())));
    check_response(id, &case["expected"], case["compare"].as_str().unwrap(), &r);
}

/// The function's answer described by a case: a result, an error, or an echo of the event
/// (an empty payload reaches the function as `{}`).
fn lambda_outcome(input: &Json, payload: Bytes) -> IntegrationOutcome {
    if let Some(err) = input.get("lambda_error") {
        return IntegrationOutcome::FunctionError {
            payload: Bytes::from(err.to_string()),
            message: err["errorMessage"].as_str().map(str::to_string),
        };
    }
    if let Some(res) = input.get("lambda_result") {
        return IntegrationOutcome::Result(Bytes::from(res.to_string()));
    }
    if payload.iter().all(u8::is_ascii_whitespace) {
        return IntegrationOutcome::Result(Bytes::from_static(b"{}"));
    }
    IntegrationOutcome::Result(payload)
}

fn validation(case: &Json) {
    let id = case["id"].as_str().unwrap();
    let input = &case["input"];
    let req = req_of(input);
    let mut models = Map::new();
    let mut request_models = Map::new();
    for (i, (ct, m)) in input["requestModels"]
        .as_object()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = format!("M{i}");
        models.insert(name.clone(), model_schema(m));
        request_models.insert(ct.clone(), json!(name));
    }
    let api = load(&config(
        json!({"requestValidators": {"v": input["validator"]}, "models": models}),
        &route_path(&req),
        json!({
            "requestValidator": "v",
            "requestParameters": input["requestParameters"].as_object().cloned().unwrap_or_default(),
            "requestModels": request_models,
            "integration": {"type": "MOCK",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "passthroughBehavior": "NEVER",
                "responses": {"default": {"statusCode": 200}}},
        }),
    ));
    let c = ctx(&api, &req);
    let (r, _) = run(&c, |p| IntegrationOutcome::mock(&p));
    check_response(id, &case["expected"], "json", &r);
}

fn response_parameters(case: &Json) {
    let id = case["id"].as_str().unwrap();
    let input = &case["input"];
    let api = load(&config(
        json!({}),
        "/",
        json!({"integration": {"type": "AWS", "function": "f",
            "responses": {"default": {"statusCode": 200,
                "responseParameters": input["responseParameters"]}}}}),
    ));
    let c = ctx(&api, &req_of(input));
    let payload = input["lambda_error_payload"].as_str().unwrap().to_string();
    let message = serde_json::from_str::<Json>(&payload).unwrap()["errorMessage"]
        .as_str()
        .map(str::to_string);
    let (r, _) = run(&c, |_| {
        Ok(IntegrationOutcome::FunctionError {
            payload: Bytes::from(payload),
            message,
        })
    });
    check_response(id, &case["expected"], "outcome", &r);
}

fn pipeline(case: &Json) {
    let id = case["id"].as_str().unwrap();
    let input = &case["input"];
    let req = req_of(input);
    let mock = input["backend"] == "MOCK";
    let mut default = json!({"statusCode": 200});
    if let Some(t) = input["response_template"].as_str() {
        default["responseTemplates"] = json!({"application/json": t});
    }
    let mut integration = json!({
        "type": if mock { "MOCK" } else { "AWS" },
        "requestTemplates": {"application/json": input["request_template"]},
        "responses": {"default": default},
    });
    if !mock {
        integration["function"] = json!("f");
    }
    let api = load(&config(
        json!({"stageVariables": input["stageVariables"].as_object().cloned().unwrap_or_default()}),
        &route_path(&req),
        json!({"integration": integration}),
    ));
    let c = ctx(&api, &req);
    let (r, _) = run(&c, |p| {
        if mock {
            IntegrationOutcome::mock(&p)
        } else {
            Ok(IntegrationOutcome::Result(p))
        }
    });
    check_response(id, &case["expected"], case["compare"].as_str().unwrap(), &r);
}

/// e2e cases whose function is describable without a network; `None` when not runnable here.
fn e2e(case: &Json) -> Option<()> {
    let id = case["id"].as_str().unwrap();
    let input = &case["input"];
    let integ = input.get("integration")?;
    let req = req_of(input);
    let mut integration = json!({"type": integ["type"], "function": "f",
        "responses": responses(&integ["integrationResponses"])});
    for k in [
        "requestTemplates",
        "requestParameters",
        "passthroughBehavior",
    ] {
        if let Some(v) = integ.get(k) {
            integration[k] = v.clone();
        }
    }
    let api = load(&config(
        json!({}),
        &route_path(&req),
        json!({"integration": integration}),
    ));
    let c = ctx(&api, &req);
    let (r, payload) = run(&c, |p| Ok(lambda_outcome(input, p)));
    let expected = &case["expected"];
    if let Some(event) = expected.get("lambda_event") {
        let p = payload.clone().unwrap();
        let seen: Json = if p.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&p).unwrap()
        };
        assert_eq!(&seen, event, "{id}: lambda event");
    }
    if let Some(body) = expected.get("integration_request_body") {
        assert_eq!(
            String::from_utf8_lossy(&payload.unwrap()),
            body.as_str().unwrap(),
            "{id}: integration request body"
        );
    }
    check_response(id, expected, case["compare"].as_str().unwrap(), &r);
    Some(())
}

#[test]
fn mapping_phase_cases() {
    let cases = cases();
    assert!(
        cases.len() >= 20,
        "expected the mapping cases, found {}",
        cases.len()
    );
    let mut ran = 0;
    let mut skipped = Vec::new();
    for case in &cases {
        match case["input"]["phase"].as_str().unwrap() {
            "template-selection" => template_selection(case),
            "selection" => selection(case),
            "validation" => validation(case),
            "response-parameters" => response_parameters(case),
            "pipeline" => pipeline(case),
            "e2e" => {
                if e2e(case).is_none() {
                    skipped.push(case["id"].as_str().unwrap());
                    continue;
                }
            }
            _ => unreachable!(),
        }
        ran += 1;
    }
    // Only cases that need a live function (a timeout) are left to the server-level harness.
    assert!(skipped.len() <= 1, "skipped: {skipped:?}");
    assert!(ran + skipped.len() == cases.len());
}

#[test]
fn error_responses_are_byte_exact() {
    let r = error_response(&apigate::gateway::error::GatewayError::UnsupportedMediaType);
    assert_eq!(&r.body[..], b"{\"message\": \"Unsupported Media Type\"}");
    assert_eq!(r.status, 415);
    let r = error_response(&apigate::gateway::error::GatewayError::IntegrationTimeout);
    assert_eq!(
        &r.body[..],
        b"{\"message\": \"Endpoint request timed out\"}"
    );
    assert_eq!(r.status, 504);
}
