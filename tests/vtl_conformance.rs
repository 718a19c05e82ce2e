//! Runs every core-language case (`vtl-core.jsonl`) and every `request`/`response` case of
//! `mapping.jsonl` through the VTL engine, comparing per the case's `compare` mode.
#![allow(clippy::unwrap_used)]

use apigate::vtl::offline::render_offline_full;
use serde_json::Value;

#[path = "support/shared_dir.rs"]
mod shared_dir_lookup;
use shared_dir_lookup::shared_dir;

fn cases(file: &str) -> Vec<Value> {
    let path = shared_dir().join("conformance").join(file);
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Compares one case; `Err` holds a readable diff.
fn check(case: &Value) -> Result<(), String> {
    let template = case["template"].as_str().unwrap_or("");
    let input = &case["input"];
    let expected = &case["expected"];
    let compare = case["compare"].as_str().unwrap_or("exact");
    let result = render_offline_full("case", template, input);
    if expected.get("outcome").and_then(Value::as_str) == Some("error") {
        return match result {
            Err(_) => Ok(()),
            Ok(o) => Err(format!("expected an error, rendered {:?}", o.body)),
        };
    }
    let out = result.map_err(|e| format!("error: {e}"))?;
    match (compare, expected) {
        ("exact", Value::String(want)) => {
            if &out.body == want {
                Ok(())
            } else {
                Err(format!("want {want:?}\n     got  {:?}", out.body))
            }
        }
        ("json", Value::String(want)) => json_eq(&out.body, want),
        ("json" | "exact" | "outcome", Value::Object(want)) => {
            if let Some(st) = want.get("status") {
                let status = out.overrides.status().map(u64::from).or_else(|| {
                    input["integration_response_status"]
                        .as_str()
                        .and_then(|s| s.parse().ok())
                });
                if status != st.as_u64() {
                    return Err(format!("status: want {st}, got {status:?}"));
                }
            }
            if let Some(body) = want.get("body") {
                match body {
                    Value::String(s) => {
                        if &out.body != s {
                            return Err(format!("body: want {s:?}, got {:?}", out.body));
                        }
                    }
                    other => json_eq(&out.body, &other.to_string())?,
                }
            }
            if let Some(Value::Object(hs)) = want.get("integration_request_headers") {
                let ovr = out.overrides.request_headers();
                for (k, v) in hs {
                    let got = ovr
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(k))
                        .map(|(_, v)| v.clone())
                        .or_else(|| input["headers"][k.as_str()].as_str().map(str::to_string));
                    if got.as_deref() != v.as_str() {
                        return Err(format!("header {k}: want {v}, got {got:?}"));
                    }
                }
            }
            Ok(())
        }
        ("keyset", Value::Object(want)) => {
            let keys: Vec<&str> = want["key_set"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
                .collect();
            // The templates print `key` or `key=value` items separated by ';' or spaces.
            let mut got: Vec<(String, String)> = out
                .body
                .split([';', ' '])
                .filter(|s| !s.is_empty())
                .map(|item| match item.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (item.to_string(), String::new()),
                })
                .collect();
            let mut gk: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
            let mut wk = keys.clone();
            gk.sort_unstable();
            wk.sort_unstable();
            if gk != wk {
                return Err(format!("keys: want {wk:?}\n     got  {gk:?}"));
            }
            if let Some(nv) = want.get("null_values_render").and_then(Value::as_str) {
                let set: Vec<&str> = input["context"]["identity"]
                    .as_object()
                    .map(|o| o.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                got.retain(|(k, _)| !set.contains(&k.as_str()));
                if let Some((k, v)) = got.iter().find(|(_, v)| v != nv) {
                    return Err(format!("unset key {k} rendered {v:?}"));
                }
            }
            Ok(())
        }
        _ => Err(format!("unsupported compare {compare} / {expected}")),
    }
}

fn json_eq(got: &str, want: &str) -> Result<(), String> {
    let g: Value =
        serde_json::from_str(got).map_err(|e| format!("output is not JSON ({e}): {got:?}"))?;
    let w: Value = serde_json::from_str(want).unwrap();
    if g == w {
        Ok(())
    } else {
        Err(format!("json: want {w}\n     got  {g}"))
    }
}

#[test]
fn vtl_conformance() {
    let mut all = cases("vtl-core.jsonl");
    all.extend(
        cases("mapping.jsonl")
            .into_iter()
            .filter(|c| matches!(c["input"]["phase"].as_str(), Some("request" | "response"))),
    );
    let mut failed = Vec::new();
    for c in &all {
        if let Err(diff) = check(c) {
            failed.push(format!(
                "FAIL {}\n  template {:?}\n     {diff}",
                c["id"].as_str().unwrap_or("?"),
                c["template"].as_str().unwrap_or("")
            ));
        }
    }
    for f in &failed {
        println!("{f}");
    }
    println!(
        "{} passed, {} failed",
        all.len() - failed.len(),
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} conformance cases failed",
        failed.len()
    );
}
