//! Expectation matching for conformance cases (spec proxy-auth §14): deep subset matching with
//! volatile placeholders, dotted absent-key paths, and response checks.
//!
//! Standalone: include it with `#[path = "support/expect.rs"] mod expect;` (or from a
//! `support/mod.rs`). Every function returns `Err(message)` naming the JSON path that differs.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The placeholder tokens and the regex each stands for inside a longer string.
const TOKENS: [(&str, &str); 8] = [
    ("<<ANY>>", "(?s:.*)"),
    ("<<STRING>>", "(?s:.*)"),
    (
        "<<UUID>>",
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    ),
    ("<<EPOCH_MS>>", "[0-9]{13}"),
    (
        "<<CLF_TIME>>",
        "[0-3][0-9]/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/[0-9]{4}:[0-2][0-9]:[0-5][0-9]:[0-6][0-9] \\+0000",
    ),
    ("<<IP>>", "[0-9A-Fa-f:.]+"),
    ("<<TRACE_ID>>", "Root=1-[0-9a-f]{8}-[0-9a-f]{24}(?:;.*)?"),
    ("<<INT>>", "-?[0-9]+"),
];

/// Deep subset match: every key of `expected` exists in `actual` with an equal value; objects
/// recurse, arrays compare element-wise with equal length, `null` means present and null, and
/// placeholder strings match by pattern.
pub fn subset_match(expected: &Value, actual: &Value) -> Result<(), String> {
    walk(expected, actual, "$")
}

fn walk(expected: &Value, actual: &Value, at: &str) -> Result<(), String> {
    match expected {
        Value::String(s) if s.contains("<<") && s.contains(">>") => placeholder(s, actual, at),
        Value::Object(exp) => {
            let Value::Object(act) = actual else {
                return Err(format!("{at}: expected an object, got {actual}"));
            };
            for (k, v) in exp {
                let Some(a) = act.get(k) else {
                    return Err(format!("{at}.{k}: missing"));
                };
                walk(v, a, &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        Value::Array(exp) => {
            let Value::Array(act) = actual else {
                return Err(format!("{at}: expected an array, got {actual}"));
            };
            if exp.len() != act.len() {
                return Err(format!(
                    "{at}: expected {} elements, got {}: {actual}",
                    exp.len(),
                    act.len()
                ));
            }
            for (i, (e, a)) in exp.iter().zip(act).enumerate() {
                walk(e, a, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        Value::Number(n) => match actual {
            Value::Number(m) if n.as_f64() == m.as_f64() => Ok(()),
            _ => Err(format!("{at}: expected {n}, got {actual}")),
        },
        _ if expected == actual => Ok(()),
        _ => Err(format!("{at}: expected {expected}, got {actual}")),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn placeholder(pattern: &str, actual: &Value, at: &str) -> Result<(), String> {
    let fail = |what: &str| Err(format!("{at}: expected {what}, got {actual}"));
    match pattern {
        "<<ANY>>" => Ok(()),
        "<<STRING>>" if actual.is_string() => Ok(()),
        "<<INT>>" if actual.is_i64() || actual.is_u64() => Ok(()),
        "<<EPOCH_MS>>" => match actual.as_i64() {
            Some(ms) if (ms - now_ms()).abs() <= 60_000 => Ok(()),
            _ => fail("epoch milliseconds within 60 s of now"),
        },
        "<<IP>>" => match actual.as_str().map(str::parse::<IpAddr>) {
            Some(Ok(_)) => Ok(()),
            _ => fail("an IP address"),
        },
        "<<STRING>>" | "<<INT>>" => fail(pattern),
        _ => {
            let Some(s) = actual.as_str() else {
                return fail(pattern);
            };
            if string_pattern(pattern).is_match(s) {
                Ok(())
            } else {
                fail(pattern)
            }
        }
    }
}

/// A pattern string (placeholders anywhere inside literal text) as an anchored regex.
pub fn string_pattern(pattern: &str) -> regex::Regex {
    let mut re = String::from("^");
    let mut rest = pattern;
    'outer: while !rest.is_empty() {
        for (tok, pat) in TOKENS {
            if let Some(after) = rest.strip_prefix(tok) {
                re.push_str(pat);
                rest = after;
                continue 'outer;
            }
        }
        let next = rest[1..].find("<<").map_or(rest.len(), |i| i + 1);
        re.push_str(&regex::escape(&rest[..next]));
        rest = &rest[next..];
    }
    re.push('$');
    regex::Regex::new(&re).expect("placeholder pattern compiles")
}

/// Whether a string (e.g. a header value) matches an expected text that may hold placeholders.
pub fn text_match(expected: &str, actual: &str) -> Result<(), String> {
    subset_match(
        &Value::String(expected.to_string()),
        &Value::String(actual.to_string()),
    )
}

/// Checks that the dotted path (`requestContext.authorizer`, `headers.Content-Length`) does not
/// exist in `actual`. Object keys are matched exactly.
pub fn absent(actual: &Value, dotted: &str) -> Result<(), String> {
    let mut cur = actual;
    let parts: Vec<&str> = dotted.split('.').collect();
    for (i, p) in parts.iter().enumerate() {
        match cur.get(*p) {
            Some(v) if i + 1 == parts.len() => {
                return Err(format!("{dotted}: present ({v}) but must be absent"))
            }
            Some(v) => cur = v,
            None => return Ok(()),
        }
    }
    Ok(())
}

/// Checks a response against an `expect.response` object: `status`, `headers` (name
/// case-insensitive; a string value against all lines of that name joined with ", ", an array
/// against the lines one by one), `headers_absent`, `body`, `body_json`, `body_base64`.
pub fn response_match(
    expected: &Value,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<(), String> {
    if let Some(s) = expected.get("status").and_then(Value::as_u64) {
        if u64::from(status) != s {
            return Err(format!("status: expected {s}, got {status}"));
        }
    }
    if let Some(Value::Object(hs)) = expected.get("headers") {
        for (name, want) in hs {
            let lines: Vec<&str> = headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect();
            if lines.is_empty() {
                return Err(format!("header {name}: missing (have {headers:?})"));
            }
            match want {
                Value::Array(items) => {
                    if items.len() != lines.len() {
                        return Err(format!("header {name}: expected {want}, got {lines:?}"));
                    }
                    for (w, l) in items.iter().zip(&lines) {
                        text_match(w.as_str().unwrap_or_default(), l)
                            .map_err(|e| format!("header {name}: {e}"))?;
                    }
                }
                other => {
                    let joined = lines.join(", ");
                    text_match(other.as_str().unwrap_or_default(), &joined)
                        .map_err(|e| format!("header {name}: {e}"))?;
                }
            }
        }
    }
    if let Some(Value::Array(names)) = expected.get("headers_absent") {
        for n in names.iter().filter_map(Value::as_str) {
            if headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n)) {
                return Err(format!("header {n}: present but must be absent"));
            }
        }
    }
    if let Some(Value::String(b)) = expected.get("body") {
        let got = String::from_utf8_lossy(body);
        text_match(b, &got).map_err(|e| format!("body: {e}"))?;
    }
    if let Some(j) = expected.get("body_json") {
        let got: Value = serde_json::from_slice(body).map_err(|e| {
            format!(
                "body_json: body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(body)
            )
        })?;
        subset_match(j, &got)?;
        subset_match(&got, j).map_err(|e| format!("body_json (extra content): {e}"))?;
    }
    if let Some(Value::String(b64)) = expected.get("body_base64") {
        use base64::Engine;
        let want = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("body_base64 in the case is invalid: {e}"))?;
        if want != body {
            return Err(format!("body: expected bytes {want:?}, got {body:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_and_subsets() {
        let actual = json!({
            "a": 1, "b": {"c": null, "d": [1, 2]}, "id": "9f1c2b1e-4c2d-4a3b-8c1d-0123456789ab",
            "t": "04/Mar/2020:19:15:17 +0000", "ip": "::1", "tr": "Root=1-5e600000-0123456789abcdef01234567",
            "msg": "RequestId: abc Error: boom", "n": 3, "now": now_ms()
        });
        let ok = json!({
            "b": {"c": null, "d": [1, 2]}, "id": "<<UUID>>", "t": "<<CLF_TIME>>", "ip": "<<IP>>",
            "tr": "<<TRACE_ID>>", "msg": "RequestId: <<STRING>> Error: boom", "n": "<<INT>>",
            "now": "<<EPOCH_MS>>", "a": "<<ANY>>"
        });
        subset_match(&ok, &actual).unwrap();
        for bad in [
            json!({"x": "<<ANY>>"}),
            json!({"b": {"d": [1]}}),
            json!({"n": "<<STRING>>"}),
            json!({"ip": "<<UUID>>"}),
            json!({"msg": "RequestId: <<STRING>> Error: other"}),
            json!({"a": 1, "b": {"c": 0}}),
            json!({"n": "<<EPOCH_MS>>"}),
        ] {
            assert!(subset_match(&bad, &actual).is_err(), "{bad}");
        }
        absent(&actual, "b.x").unwrap();
        absent(&actual, "z.y").unwrap();
        assert!(absent(&actual, "b.c").is_err());
    }

    #[test]
    fn responses() {
        let h = vec![
            ("set-cookie".to_string(), "a=1".to_string()),
            ("Set-Cookie".to_string(), "b=2".to_string()),
            (
                "X-Id".to_string(),
                "9f1c2b1e-4c2d-4a3b-8c1d-0123456789ab".to_string(),
            ),
        ];
        let e = json!({"status": 200, "headers": {"set-cookie": ["a=1", "b=2"], "SET-COOKIE": "a=1, b=2", "x-id": "<<UUID>>"},
                       "headers_absent": ["x-other"], "body_json": {"k": [1]}});
        response_match(&e, 200, &h, br#"{"k":[1]}"#).unwrap();
        assert!(response_match(&e, 201, &h, br#"{"k":[1]}"#).is_err());
        assert!(response_match(&e, 200, &h, br#"{"k":[1],"x":2}"#).is_err());
        assert!(response_match(&json!({"body_base64": "YQ=="}), 200, &h, b"b").is_err());
    }
}
