//! Config text helpers shared by the config tests: load a YAML text and read its errors, and
//! wrap routes in a minimal REST or HTTP API file.

use apigate::config::load_str;

/// Errors for `text`, one line each.
pub fn errors(text: &str) -> Vec<String> {
    match load_str("t.yaml", text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e.lines().collect(),
    }
}

/// Asserts that exactly one error is reported and that it contains `want`.
pub fn one_error(text: &str, want: &str) {
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].contains(want), "wanted {want:?} in {:?}", e[0]);
}

/// One function, `f`, for the routes of [`rest`] and [`http`].
pub const FUNCS: &str = "functions:\n  f: {invokeUrl: \"http://127.0.0.1:9001/2015-03-31/functions/function/invocations\"}\n";

/// A REST API file with function `f` and `routes` (YAML list items).
pub fn rest(routes: &str) -> String {
    format!("{FUNCS}routes:\n{routes}")
}

/// An HTTP API file with function `f` and `routes` (YAML list items).
pub fn http(routes: &str) -> String {
    format!("api: {{type: HTTP}}\n{FUNCS}routes:\n{routes}")
}
