//! The `rest_authorizer` / `http_authorizer` conformance cases, run against the authorize phase
//! alone (the lead's end-to-end run covers the HTTP server): authorizer called or not, its input
//! event, and the status / body / error type the error table produces, step by step for caching.
#![allow(clippy::unwrap_used)]

mod authorizer_fixture;

use std::sync::Arc;
use std::time::Duration;

use apigate::authorizer::{authorize, Authorizers};
use apigate::config::model::{Api, ApiKind, AuthorizerKind, IdentitySource, PayloadFormat};
use apigate::gateway::responses::{http_api_body, rest_default_body};
use authorizer_fixture::*;
use serde_json::Value;

#[path = "support/shared_dir.rs"]
mod shared_dir_lookup;
use shared_dir_lookup::shared_dir;

fn identity_sources(spec: &str) -> Vec<IdentitySource> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let s = s.trim_start_matches('$');
            let pick = |p: &str| s.strip_prefix(p).map(str::to_string);
            if let Some(n) = pick("method.request.header.").or_else(|| pick("request.header.")) {
                IdentitySource::Header(n)
            } else if let Some(n) =
                pick("method.request.querystring.").or_else(|| pick("request.querystring."))
            {
                IdentitySource::Query(n)
            } else if let Some(n) = pick("stageVariables.") {
                IdentitySource::StageVariable(n)
            } else {
                IdentitySource::Context(pick("context.").unwrap())
            }
        })
        .collect()
}

fn build(config: &Value) -> (Arc<Api>, Vec<(String, Option<http::Method>)>) {
    let kind = if config["api"] == "HTTP" {
        ApiKind::Http
    } else {
        ApiKind::Rest
    };
    let names: Vec<String> = config["authorizers"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let authorizers = names
        .iter()
        .map(|n| {
            let a = &config["authorizers"][n];
            let kind = if a["type"] == "TOKEN" {
                AuthorizerKind::Token
            } else {
                AuthorizerKind::Request
            };
            let ttl = Duration::from_secs(a["ttl"].as_u64().unwrap_or(300));
            let mut auth = authorizer(
                kind,
                identity_sources(a["identity_source"].as_str().unwrap()),
                ttl,
            );
            auth.name = n.clone();
            auth.validation = a["validation_expression"]
                .as_str()
                .map(|r| regex::Regex::new(r).unwrap());
            auth.payload_format = if a["payload_format_version"] == "1.0" {
                PayloadFormat::V1
            } else {
                PayloadFormat::V2
            };
            auth.simple_responses = a["simple_responses"].as_bool().unwrap_or(false);
            auth
        })
        .collect();
    let mut table = Vec::new();
    let routes = config["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let path: &'static str =
                Box::leak(r["resource"].as_str().unwrap().to_string().into_boxed_str());
            let method = r["method"].as_str().unwrap();
            let auth = r["auth"]
                .as_str()
                .and_then(|a| names.iter().position(|n| n == a));
            table.push((
                path.to_string(),
                (method != "ANY").then(|| method.parse().unwrap()),
            ));
            route(path, method, auth)
        })
        .collect();
    let spec = ApiSpec {
        kind,
        id: Box::leak(
            config["api_id"]
                .as_str()
                .unwrap()
                .to_string()
                .into_boxed_str(),
        ),
        stage: Box::leak(
            config["stage"]
                .as_str()
                .unwrap()
                .to_string()
                .into_boxed_str(),
        ),
        stage_variables: config["stage_variables"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
    };
    (build_api(spec, routes, authorizers), table)
}

type Params = Vec<(String, String)>;

/// Most specific template match: literal > `{param}` > `{proxy+}`, explicit method > ANY.
fn route_for(
    table: &[(String, Option<http::Method>)],
    method: &str,
    path: &str,
) -> (usize, Params) {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut best: Option<(Vec<u8>, usize, Params)> = None;
    for (i, (template, m)) in table.iter().enumerate() {
        if m.as_ref().is_some_and(|m| m.as_str() != method) {
            continue;
        }
        let parts: Vec<&str> = template
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let (mut score, mut params, mut ok) = (Vec::new(), Vec::new(), true);
        for (k, part) in parts.iter().enumerate() {
            if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
                ok &= segs.len() > k;
                params.push((
                    name.to_string(),
                    segs.get(k..).map(|s| s.join("/")).unwrap_or_default(),
                ));
                score.push(0);
                break;
            }
            match segs.get(k) {
                Some(s) if part.starts_with('{') => {
                    params.push((part.trim_matches(['{', '}']).to_string(), s.to_string()));
                    score.push(1);
                }
                Some(s) if s == part => score.push(2),
                _ => ok = false,
            }
        }
        let greedy = parts.last().is_some_and(|p| p.ends_with("+}"));
        ok &= greedy || parts.len() == segs.len();
        score.push(u8::from(m.is_some()));
        if ok && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, i, params));
        }
    }
    let (_, i, params) = best.unwrap();
    (i, params)
}

fn subset(expected: &Value, actual: &Value, at: &str) {
    match (expected, actual) {
        (Value::String(s), _) if s.starts_with("<<") && s.ends_with(">>") => match s.as_str() {
            "<<INT>>" | "<<EPOCH_MS>>" => {
                assert!(actual.is_i64() || actual.is_u64(), "{at}: {actual}")
            }
            "<<ANY>>" => {}
            _ => assert!(actual.is_string(), "{at}: {actual}"),
        },
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                let got = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{at}.{k} missing in {actual}"));
                subset(v, got, &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(expected, actual, "{at}"),
    }
}

async fn run_case(case: &Value) {
    let id = case["id"].as_str().unwrap();
    let (api, table) = build(&case["config"]);
    let auth = Authorizers::new(&api);
    let steps = case["steps"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![case.clone()]);
    for (n, step) in steps.iter().enumerate() {
        let at = format!("{id} step {n}");
        let output = step.get("authorizer_output").cloned();
        let error = step.get("authorizer_error").cloned();
        let fake = Fake::new(move |_| match (&output, &error) {
            (Some(o), _) => Outcome::Output(o.clone()),
            (None, Some(e)) => Outcome::FunctionError(e["payload"].clone()),
            (None, None) => Outcome::Raw(b"authorizer must not be called"),
        });
        let req = &step["request"];
        let method = req["method"].as_str().unwrap();
        let full = req["path"].as_str().unwrap();
        let stage_prefix = format!("/{}", api.stage);
        let path = if api.kind == ApiKind::Rest {
            full.strip_prefix(&stage_prefix).unwrap_or(full)
        } else {
            full
        };
        let path = if path.is_empty() { "/" } else { path };
        let (route_index, params) = route_for(&table, method, path);
        let query = req["query"].as_str().filter(|q| !q.is_empty());
        let target = match query {
            Some(q) => format!("{full}?{q}"),
            None => full.to_string(),
        };
        let headers: Vec<(String, String)> = req["headers"]
            .as_array()
            .map(|h| {
                h.iter()
                    .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
                    .collect()
            })
            .unwrap_or_default();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let params: Vec<(&str, &str)> = params
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let mut ctx = request(&api, method, &target, &headers, route_index, path, &params);
        let outcome = authorize(&mut ctx, &auth, &fake).await;
        let expect = &step["expect"];
        let called = fake.calls() > 0;
        assert_eq!(
            Some(called),
            expect["invoke_authorizer"].as_bool(),
            "{at}: invoke_authorizer"
        );
        if let Some(event) = expect.get("authorizer_event") {
            subset(event, &fake.last_event(), &format!("{at} authorizer_event"));
        }
        let status = expect["response"]["status"].as_u64().unwrap_or(200) as u16;
        match outcome {
            Ok(()) => {
                assert!(status < 400, "{at}: authorized but expected {status}");
                let p = ctx.principal.expect("principal set");
                if let Some(exp) = expect.pointer("/event/requestContext/authorizer") {
                    // REST stringifies context values; the phase keeps JSON types for the builders.
                    let mut seen = serde_json::Map::new();
                    seen.insert("principalId".into(), p.principal_id.clone().into());
                    seen.insert(
                        "integrationLatency".into(),
                        (p.latency.as_millis() as u64).into(),
                    );
                    for (k, v) in &p.context {
                        let s = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        seen.insert(k.clone(), s.into());
                    }
                    subset(exp, &Value::Object(seen), &format!("{at} authorizer"));
                }
            }
            Err(e) => {
                let c = e.classify(api.kind);
                assert_eq!(c.status, status, "{at}: {e:?}");
                let body = if api.kind == ApiKind::Rest {
                    rest_default_body(c.response_type, &c.message)
                } else {
                    http_api_body(c.status).to_string()
                };
                if let Some(b) = expect["response"].get("body_json") {
                    assert_eq!(
                        &serde_json::from_str::<Value>(&body).unwrap(),
                        b,
                        "{at}: body"
                    );
                }
                if let Some(t) = expect["response"]["headers"].get("x-amzn-ErrorType") {
                    assert_eq!(c.response_type.error_type(), t, "{at}: error type");
                }
            }
        }
    }
}

#[tokio::test]
async fn authorizer_conformance_cases() {
    let file = shared_dir().join("conformance/proxy-auth.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut ran = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        if matches!(
            case["kind"].as_str(),
            Some("rest_authorizer" | "http_authorizer")
        ) {
            run_case(&case).await;
            ran += 1;
        }
    }
    assert!(
        ran >= 10,
        "only {ran} authorizer cases found in {}",
        file.display()
    );
}
