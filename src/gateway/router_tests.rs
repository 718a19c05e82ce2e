//! Unit tests of [`Router`] (spec proxy-auth §2, §5.1).
#![allow(clippy::unwrap_used)]

use super::*;

fn m(s: &str) -> RouteMethod {
    if s == "ANY" {
        RouteMethod::Any
    } else {
        RouteMethod::One(Method::from_bytes(s.as_bytes()).unwrap())
    }
}

fn router(kind: ApiKind, routes: &[(&str, &str)], stage_prefix: bool) -> Router {
    let methods: Vec<(String, RouteMethod)> = routes
        .iter()
        .map(|(meth, p)| (p.to_string(), m(meth)))
        .collect();
    Router::from_templates(
        kind,
        methods.iter().map(|(p, mm)| (p.as_str(), mm)),
        "test",
        stage_prefix,
    )
    .unwrap()
}

/// `(route index, path, params)` of a lookup.
type Hit = (usize, String, Vec<(String, String)>);

fn hit(r: &Router, method: &str, path: &str) -> Option<Hit> {
    r.lookup(
        &Method::from_bytes(method.as_bytes()).unwrap(),
        path.as_bytes(),
    )
    .ok()
    .map(|m| (m.route.0, m.path, m.params))
}

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn literal_beats_param_beats_greedy() {
    let r = router(
        ApiKind::Rest,
        &[
            ("GET", "/pets/dog"),
            ("GET", "/pets/{id}"),
            ("ANY", "/{proxy+}"),
        ],
        true,
    );
    assert_eq!(hit(&r, "GET", "/test/pets/dog").unwrap().0, 0);
    assert_eq!(
        hit(&r, "GET", "/test/pets/42").unwrap(),
        (1, "/pets/42".into(), p(&[("id", "42")]))
    );
    assert_eq!(
        hit(&r, "GET", "/test/pets/42/x").unwrap(),
        (2, "/pets/42/x".into(), p(&[("proxy", "pets/42/x")]))
    );
}

#[test]
fn deeper_greedy_beats_shallower() {
    let r = router(
        ApiKind::Rest,
        &[("ANY", "/pets/{proxy+}"), ("ANY", "/{proxy+}")],
        true,
    );
    assert_eq!(
        hit(&r, "DELETE", "/test/pets/a/b").unwrap(),
        (0, "/pets/a/b".into(), p(&[("proxy", "a/b")]))
    );
    // `/pets` alone has no segment left for the deeper greedy.
    assert_eq!(hit(&r, "GET", "/test/pets").unwrap().0, 1);
}

#[test]
fn greedy_needs_a_segment_and_root_needs_its_own_method() {
    let r = router(ApiKind::Rest, &[("ANY", "/{proxy+}")], true);
    assert!(hit(&r, "GET", "/test/").is_none());
    assert!(hit(&r, "GET", "/test").is_none());
    let r = router(ApiKind::Rest, &[("ANY", "/{proxy+}"), ("GET", "/")], true);
    assert_eq!(hit(&r, "GET", "/test/").unwrap(), (1, "/".into(), vec![]));
    assert_eq!(hit(&r, "GET", "/test").unwrap(), (1, "/".into(), vec![]));
}

#[test]
fn slashes() {
    let r = router(
        ApiKind::Rest,
        &[("ANY", "/{proxy+}"), ("ANY", "/hardcoded")],
        true,
    );
    // Trailing slash: ignored for matching, kept in path, removed from the greedy value.
    assert_eq!(
        hit(&r, "GET", "/test/proxy-value/").unwrap(),
        (0, "/proxy-value/".into(), p(&[("proxy", "proxy-value")]))
    );
    assert_eq!(
        hit(&r, "GET", "/test/hardcoded/").unwrap(),
        (1, "/hardcoded/".into(), vec![])
    );
    // Leading slash run after the stage collapses; before the stage too.
    assert_eq!(
        hit(&r, "GET", "/test//hardcoded").unwrap(),
        (1, "/hardcoded".into(), vec![])
    );
    assert_eq!(
        hit(&r, "GET", "//test/proxy-value").unwrap(),
        (0, "/proxy-value".into(), p(&[("proxy", "proxy-value")]))
    );
    // Interior empty segments stay in a greedy value.
    assert_eq!(
        hit(&r, "GET", "/test/proxy-value//double-slash").unwrap().2,
        p(&[("proxy", "proxy-value//double-slash")])
    );
    // An interior empty segment never matches a literal or a param.
    let r2 = router(ApiKind::Rest, &[("GET", "/a/{id}")], true);
    assert!(hit(&r2, "GET", "/test/a//").is_none());
    assert!(hit(&r2, "GET", "/test/a//1").is_none());
}

#[test]
fn stage_prefix_rules() {
    let r = router(ApiKind::Rest, &[("ANY", "/{proxy+}")], true);
    assert!(hit(&r, "GET", "/other/x").is_none());
    assert!(hit(&r, "GET", "/TEST/x").is_none());
    assert!(hit(&r, "GET", "/testing/x").is_none());
    let r = router(ApiKind::Rest, &[("ANY", "/{proxy+}")], false);
    assert_eq!(
        hit(&r, "GET", "/test/x").unwrap().2,
        p(&[("proxy", "test/x")])
    );
    assert!(hit(&r, "GET", "*").is_none());
}

#[test]
fn methods_rest() {
    let r = router(
        ApiKind::Rest,
        &[
            ("ANY", "/items"),
            ("POST", "/items"),
            ("GET", "/only-get"),
            ("ANY", "/{proxy+}"),
        ],
        true,
    );
    assert_eq!(hit(&r, "POST", "/test/items").unwrap().0, 1);
    assert_eq!(hit(&r, "GET", "/test/items").unwrap().0, 0);
    // HEAD is not served by GET; no fall-through to the greedy resource on REST.
    assert!(hit(&r, "HEAD", "/test/only-get").is_none());
    assert!(hit(&r, "POST", "/test/only-get").is_none());
    // ANY does not cover methods outside its seven.
    assert!(hit(&r, "CONNECT", "/test/items").is_none());
    assert!(hit(&r, "PROPFIND", "/test/x").is_none());
}

#[test]
fn case_sensitive_and_no_decoding() {
    let r = router(
        ApiKind::Rest,
        &[("GET", "/Pets/{id}"), ("ANY", "/{proxy+}")],
        true,
    );
    assert_eq!(
        hit(&r, "GET", "/test/Pets/a%2Fb+c").unwrap().2,
        p(&[("id", "a%2Fb+c")])
    );
    assert_eq!(hit(&r, "GET", "/test/pets/1").unwrap().0, 1);
}

#[test]
fn params_keep_names_per_route() {
    let r = router(
        ApiKind::Rest,
        &[("GET", "/a/{x}/b/{proxy+}"), ("GET", "/a/{y}/c")],
        false,
    );
    assert_eq!(
        hit(&r, "GET", "/a/1/b/2/3").unwrap().2,
        p(&[("x", "1"), ("proxy", "2/3")])
    );
    assert_eq!(hit(&r, "GET", "/a/1/c").unwrap().2, p(&[("y", "1")]));
}

#[test]
fn backtracks_from_a_dead_literal_branch() {
    let r = router(
        ApiKind::Rest,
        &[("GET", "/pets/dog/bark"), ("GET", "/pets/{id}/walk")],
        false,
    );
    assert_eq!(
        hit(&r, "GET", "/pets/dog/walk").unwrap().2,
        p(&[("id", "dog")])
    );
}

#[test]
fn http_api_routes_fall_through_by_method_then_default() {
    let r = router(
        ApiKind::Http,
        &[
            ("GET", "/pets/dog/1"),
            ("GET", "/pets/dog/{id}"),
            ("GET", "/pets/{proxy+}"),
            ("ANY", "/{proxy+}"),
        ],
        false,
    );
    assert_eq!(hit(&r, "GET", "/pets/dog/1").unwrap().0, 0);
    assert_eq!(hit(&r, "GET", "/pets/dog/2").unwrap().0, 1);
    assert_eq!(
        hit(&r, "GET", "/pets/cat/1").unwrap().2,
        p(&[("proxy", "cat/1")])
    );
    assert_eq!(hit(&r, "POST", "/pets/dog/1").unwrap().0, 3);
    assert!(hit(&r, "GET", "/").is_none());
    let d = router(ApiKind::Http, &[("POST", "/x"), ("ANY", "$default")], false);
    assert_eq!(hit(&d, "GET", "/x").unwrap(), (1, "/x".into(), vec![]));
    assert_eq!(hit(&d, "GET", "/").unwrap().0, 1);
}

#[test]
fn http_api_named_stage_prefix() {
    let r = router(ApiKind::Http, &[("GET", "/my/path")], true);
    assert_eq!(hit(&r, "GET", "/test/my/path").unwrap().1, "/my/path");
    assert!(hit(&r, "GET", "/my/path").is_none());
    let methods = [(String::from("/my/path"), m("GET"))];
    let d = Router::from_templates(
        ApiKind::Http,
        methods.iter().map(|(p, mm)| (p.as_str(), mm)),
        "$default",
        true,
    )
    .unwrap();
    assert!(hit(&d, "GET", "/my/path").is_some());
}

#[test]
fn function_url_takes_everything() {
    let r = router(ApiKind::FunctionUrl, &[("ANY", "$default")], false);
    assert_eq!(
        hit(&r, "PROPFIND", "/pa2%Fth/1/").unwrap(),
        (0, "/pa2%Fth/1/".into(), vec![])
    );
    assert!(hit(&Router::empty(), "GET", "/").is_none());
}

#[test]
fn build_errors() {
    let any = RouteMethod::Any;
    let get = m("GET");
    let dup = Router::from_templates(ApiKind::Rest, [("/a", &get), ("/a", &get)], "s", false);
    assert!(matches!(dup, Err(RouterError::Duplicate { .. })));
    let default_rest = Router::from_templates(ApiKind::Rest, [("$default", &any)], "s", false);
    assert!(matches!(default_rest, Err(RouterError::NotAllowed { .. })));
    let two = Router::from_templates(
        ApiKind::FunctionUrl,
        [("$default", &any), ("$default", &any)],
        "s",
        false,
    );
    assert!(two.is_err());
    assert!(Router::from_templates(ApiKind::Rest, [("/a/", &get)], "s", false).is_err());
}

#[test]
fn non_utf8_paths_do_not_match() {
    let r = router(ApiKind::Rest, &[("ANY", "/{proxy+}")], false);
    assert!(r.lookup(&Method::GET, b"/a/\xff\xfe").is_err());
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn lookup_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..64)) {
            let r = router(
                ApiKind::Rest,
                &[("GET", "/a/{b}/c"), ("ANY", "/a/{proxy+}"), ("GET", "/"), ("ANY", "/{x}")],
                true,
            );
            let _ = r.lookup(&Method::GET, &raw);
            let h = router(ApiKind::Http, &[("GET", "/a/{b}"), ("ANY", "$default")], true);
            let _ = h.lookup(&Method::POST, &raw);
        }

        #[test]
        fn greedy_value_is_the_path_minus_one_trailing_slash(
            segs in proptest::collection::vec("[a-z0-9%+]{0,4}", 1..6)
        ) {
            let r = router(ApiKind::Rest, &[("ANY", "/{proxy+}")], false);
            let path = format!("/{}", segs.join("/"));
            let body = path.trim_start_matches('/');
            let want = body.strip_suffix('/').unwrap_or(body);
            match r.lookup(&Method::GET, path.as_bytes()) {
                Ok(m) => prop_assert_eq!(&m.params[0].1, want),
                Err(_) => prop_assert!(want.is_empty()),
            }
        }
    }
}
