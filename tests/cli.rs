//! The `apigate` binary (shared/spec/config.md "Command line"): `check` exit codes and error
//! lines, `serve` refusing a bad config before it binds, and `render` printing exactly the
//! rendered text (against the request-phase cases of `mapping.jsonl`) or a positioned error.
//!
//! `serve` of a good config is not run here: the binary does not report the port it bound, and
//! fixed ports are not allowed in tests; the in-process end-to-end tests (`e2e_gateway.rs`)
//! serve the same code path through `app::run`.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::case_api::load_cases;

fn apigate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apigate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// One error in each section: `listen`, `api`, `functions`, `authorizers`, `routes`.
const BROKEN: &str = r#"listen: "not-an-address"
api:
  type: SOAP
  stage: "bad stage!"
functions:
  f:
    invokeUrl: "http://127.0.0.1:9/2015-03-31/functions/f/invocations"
    functionUrl: "https://x.lambda-url.us-east-1.on.aws/"
authorizers:
  a:
    type: TOKEN
    function: missing
routes:
  - path: /x
    method: FETCH
    integration:
      type: AWS_PROXY
      function: nope
"#;

#[test]
fn check_prints_every_error_with_position_and_exits_64() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "broken.yaml", BROKEN);
    let out = apigate(&["check", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    let stderr = text(&out.stderr);
    let name = file.display().to_string();
    let line_re = regex::Regex::new(&format!(
        r"^{}:(\d+):(\d+): ([A-Za-z0-9_.\[\]]+): .+$",
        regex::escape(&name)
    ))
    .unwrap();
    let errors: Vec<(usize, String)> = stderr
        .lines()
        .filter_map(|l| line_re.captures(l))
        .map(|c| (c[1].parse().unwrap(), c[3].to_string()))
        .collect();
    // (line, key prefix) of each planted error.
    for (line, key) in [
        (1, "listen"),
        (3, "api.type"),
        (4, "api.stage"),
        (6, "functions.f"),
        (12, "authorizers.a.function"),
        (15, "routes[0].method"),
        (18, "routes[0].integration.function"),
    ] {
        assert!(
            errors.iter().any(|(l, k)| *l == line && k.starts_with(key)),
            "no error for {key} at line {line}:\n{stderr}"
        );
    }
    assert!(
        stderr.contains(&format!("{} error(s)", errors.len())),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

#[test]
fn check_accepts_the_shipped_configs() {
    for file in ["config/gateway.yaml", "config/demo.yaml"] {
        let out = apigate(&["check", "--config", file]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains(": ok: REST API"), "{out:?}");
    }
}

/// Runs `serve` on a config (`rest`, after a `listen` line) whose listen port another socket
/// holds; returns the port and the outcome.
fn serve_on_a_held_port(rest: &str) -> (u16, std::process::Output) {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!("listen: \"127.0.0.1:{port}\"\n{rest}");
    let file = write(dir.path(), "serve.yaml", &yaml);
    let out = apigate(&["serve", "--config", file.to_str().unwrap()]);
    drop(held);
    (port, out)
}

#[test]
fn serve_refuses_a_bad_config_before_binding() {
    // Hold the port the config names: had `serve` bound before checking, it would fail with
    // "address in use" (exit 1) instead of the config error (exit 64).
    let (_, out) = serve_on_a_held_port(
        "api:\n  type: REST\nroutes:\n  - path: /x\n    method: GET\n    integration: {function: nowhere}\n",
    );
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("routes[0].integration.function"),
        "{stderr}"
    );
    assert!(stderr.contains("not starting"), "{stderr}");
}

#[test]
fn a_port_in_use_names_the_key_and_the_address() {
    let (port, out) = serve_on_a_held_port(
        "functions:\n  f: {invokeUrl: \"http://127.0.0.1:1/2015-03-31/functions/f/invocations\"}\nroutes:\n  - {path: /x, method: GET, integration: {function: f}}\n",
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot bind listen 127.0.0.1:{port}")),
        "{stderr}"
    );
}

/// The `input` keys `render --input` understands (spec config.md).
const RENDER_INPUT_KEYS: [&str; 10] = [
    "phase",
    "method",
    "path",
    "path_params",
    "query",
    "headers",
    "body",
    "context",
    "stageVariables",
    "integration_response_status",
];

#[test]
fn render_prints_exactly_the_rendered_text_of_request_phase_cases() {
    let dir = tempfile::tempdir().unwrap();
    let mut ran = 0;
    let mut failures = Vec::new();
    for case in load_cases("mapping.jsonl") {
        let input = &case["input"];
        let request_phase = input.get("phase").is_none_or(|p| p == "request");
        let renderable = input
            .as_object()
            .is_some_and(|o| o.keys().all(|k| RENDER_INPUT_KEYS.contains(&k.as_str())));
        let (Some(template), Some(expected)) =
            (case["template"].as_str(), case["expected"].as_str())
        else {
            continue;
        };
        if !request_phase || !renderable || case["compare"] != "exact" {
            continue;
        }
        let t = write(dir.path(), "t.vtl", template);
        let i = write(dir.path(), "i.json", &input.to_string());
        let out = apigate(&[
            "render",
            "--template",
            t.to_str().unwrap(),
            "--input",
            i.to_str().unwrap(),
        ]);
        ran += 1;
        let stdout = text(&out.stdout);
        if out.status.code() != Some(0) || stdout != expected {
            failures.push(format!(
                "{}: exit {:?}, stdout {stdout:?}, expected {expected:?}, stderr {}",
                case["id"],
                out.status.code(),
                text(&out.stderr)
            ));
        }
    }
    assert!(ran > 0, "no request-phase case in mapping.jsonl");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn render_reports_a_template_error_with_its_position_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(dir.path(), "bad.vtl", "line one\n  #if($x\n");
    let out = apigate(&["render", "--template", t.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    let pos = regex::Regex::new(r"\b2:\d+\b").unwrap();
    assert!(pos.is_match(&stderr), "no line:col on line 2 in {stderr:?}");
    // Without --input the template renders against an empty request.
    let ok = write(dir.path(), "ok.vtl", "{\"m\": \"$context.httpMethod\"}");
    let out = apigate(&["render", "--template", ok.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let _: Value = serde_json::from_slice(&out.stdout).unwrap();
}

#[test]
fn render_refuses_an_input_of_the_wrong_shape() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(dir.path(), "t.vtl", "$input.body");
    for (bad, says) in [
        ("[1, 2]", "must be a JSON object"),
        (
            r#"{"phase": "sideways"}"#,
            r#"input field "phase" must be "request" or "response""#,
        ),
        (
            r#"{"path_params": 5}"#,
            r#"input field "path_params" must be an object"#,
        ),
        (
            r#"{"headers": "x"}"#,
            r#"input field "headers" must be an object"#,
        ),
        (r#"{"body": {}}"#, r#"input field "body" must be a string"#),
    ] {
        let i = write(dir.path(), "in.json", bad);
        let out = apigate(&[
            "render",
            "--template",
            t.to_str().unwrap(),
            "--input",
            i.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{bad}: {out:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
    // Other fields of a case's input are ignored.
    let i = write(
        dir.path(),
        "in.json",
        r#"{"body": "b", "vars": {}, "stage": "s"}"#,
    );
    let out = apigate(&[
        "render",
        "--template",
        t.to_str().unwrap(),
        "--input",
        i.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(text(&out.stdout), "b");
}
