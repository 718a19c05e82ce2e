//! The VTL engine's per-request inputs built from a [`RequestCtx`]: `$input.params()` and
//! `$context` (mapping.md §4.1, §4.3). Shared by custom integrations and gateway-response
//! templates, so it only reads what every phase has (a missing route leaves the route fields
//! empty).

use crate::gateway::context::RequestCtx;
pub use crate::gateway::template_input::{context_values, request_params};
use crate::vtl::{ContextValues, RequestParams};

/// `(RequestParams, ContextValues)` for one request: path parameters URL-decoded, query values
/// decoded (last value wins), headers as sent minus the ones API Gateway hides, identity,
/// authorizer principal and context (stringified), ids and times.
pub fn render_input_parts(ctx: &RequestCtx) -> (RequestParams, ContextValues) {
    (request_params(ctx), context_values(ctx))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::integration::custom::test_support::{api_with_route, ctx_for};

    #[test]
    fn params_decode_and_hide_headers() {
        let api = api_with_route("/pets/{id}");
        let mut ctx = ctx_for(&api, http::Method::GET, "/pets/a%20b?q=1&q=x+y&e");
        ctx.req.headers.push("Content-Length", "0").unwrap();
        ctx.req.headers.push("X-Test", "v").unwrap();
        let (p, c) = render_input_parts(&ctx);
        assert_eq!(p.path, vec![("id".to_string(), "a b".to_string())]);
        assert_eq!(p.lookup("q"), Some("x y"));
        assert_eq!(p.lookup("e"), Some(""));
        assert_eq!(p.lookup("x-test"), Some("v"));
        assert!(p.header.iter().all(|(k, _)| k != "Content-Length"));
        assert_eq!(c.resource_path, "/pets/{id}");
        assert_eq!(c.http_method, "GET");
        assert_eq!(c.identity.source_ip.as_deref(), Some("127.0.0.1"));
        assert!(c.authorizer.is_none());
    }

    #[test]
    fn authorizer_context_is_stringified() {
        let api = api_with_route("/p");
        let mut ctx = ctx_for(&api, http::Method::GET, "/p");
        let mut m = serde_json::Map::new();
        m.insert("n".into(), serde_json::json!(1));
        m.insert("b".into(), serde_json::json!(true));
        m.insert("s".into(), serde_json::json!("x"));
        ctx.principal = Some(crate::gateway::context::Principal {
            principal_id: Some("me".into()),
            context: m,
            usage_identifier_key: None,
            latency: std::time::Duration::ZERO,
        });
        let c = context_values(&ctx);
        let a = c.authorizer.unwrap();
        assert_eq!(a.principal_id.as_deref(), Some("me"));
        assert_eq!(
            a.entries,
            vec![
                ("n".to_string(), "1".to_string()),
                ("b".to_string(), "true".to_string()),
                ("s".to_string(), "x".to_string())
            ]
        );
    }
}
