//! [`Router`]: picks the route for a method and raw path, with API Gateway's matching rules.
//!
//! Built once per config snapshot into a segment trie; a lookup walks it depth-first trying, at
//! each segment, the literal child, then the `{param}` child, then a greedy `{proxy+}` ending
//! here. The first complete match in that order is the most specific one (literal > param >
//! greedy, compared from the left; a deeper greedy beats a shallower one), so no scoring is
//! needed. A lookup allocates only the captured parameters and the `path` string.
//!
//! Decisions where AWS is unverified (spec proxy-auth §2.3, §15):
//! - REST picks the resource from the path first, then the method: when the most specific
//!   resource lacks the method the answer is `NoRoute` (403), even if a less specific resource
//!   such as `ANY /{proxy+}` would take it. This is the resource-then-method model of the REST
//!   API (the familiar "add OPTIONS to the resource or CORS preflight gets 403" behaviour);
//!   LocalStack falls through instead. A resource exists only where a route is configured.
//! - HTTP API routes are method+path keys, so the most specific route accepting the method
//!   wins, then `$default`, else `NoRoute` (404).
//! - One trailing slash is ignored for matching; it stays in `path` and is not part of a greedy
//!   value. Interior empty segments only match inside a greedy value.
//! - Paths that are not UTF-8 match nothing (`NoRoute`): API Gateway keeps paths percent-encoded,
//!   so a well-formed client never sends raw non-UTF-8 bytes.
//! - Function URLs: every path and method goes to the one route.

use http::Method;
use smallvec::SmallVec;

use crate::config::model::{ApiKind, Route, RouteId, RouteMethod};
use crate::gateway::context::RouteMatch;
use crate::gateway::error::GatewayError;
pub use crate::gateway::router_template::RouterError;
use crate::gateway::router_template::{parse_template, strip_stage, Segment};

/// The compiled routing table of one API.
#[derive(Debug, Clone)]
pub struct Router {
    kind: ApiKind,
    stage: Box<str>,
    strip_stage: bool,
    nodes: Vec<Node>,
    /// Parameter names per route (template order, greedy last), indexed by [`RouteId`].
    names: Vec<Box<[Box<str>]>>,
    /// HTTP API `$default`, or the Function URL's single route.
    default_route: Option<RouteId>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// Literal children sorted by segment text (binary search).
    literals: Vec<(Box<str>, u32)>,
    /// The `{param}` child.
    param: Option<u32>,
    /// Routes whose template ends here.
    here: Methods,
    /// Routes whose template ends with a greedy variable below this node.
    greedy: Methods,
}

#[derive(Debug, Clone, Default)]
struct Methods {
    explicit: SmallVec<[(Method, RouteId); 2]>,
    any: Option<RouteId>,
}

impl Methods {
    fn is_empty(&self) -> bool {
        self.explicit.is_empty() && self.any.is_none()
    }

    /// An explicit method beats `ANY`; `ANY` covers the seven methods API Gateway lists.
    fn select(&self, method: &Method) -> Option<RouteId> {
        if let Some((_, id)) = self.explicit.iter().find(|(m, _)| m == method) {
            return Some(*id);
        }
        self.any.filter(|_| any_covers(method))
    }

    fn add(&mut self, method: &RouteMethod, id: RouteId, path: &str) -> Result<(), RouterError> {
        let dup = || RouterError::Duplicate {
            method: match method {
                RouteMethod::Any => "ANY".to_string(),
                RouteMethod::One(m) => m.to_string(),
            },
            path: path.to_string(),
        };
        match method {
            RouteMethod::Any if self.any.is_some() => return Err(dup()),
            RouteMethod::Any => self.any = Some(id),
            RouteMethod::One(m) if self.explicit.iter().any(|(x, _)| x == m) => return Err(dup()),
            RouteMethod::One(m) => self.explicit.push((m.clone(), id)),
        }
        Ok(())
    }
}

/// `ANY` = DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT.
fn any_covers(m: &Method) -> bool {
    matches!(
        *m,
        Method::DELETE
            | Method::GET
            | Method::HEAD
            | Method::OPTIONS
            | Method::PATCH
            | Method::POST
            | Method::PUT
    )
}

/// A depth-first hit: the methods of the matched resource and the greedy value's byte range.
struct Hit<'r> {
    methods: &'r Methods,
    greedy: Option<(usize, usize)>,
}

impl Router {
    /// A router with no routes (every lookup is `NoRoute`); config compile replaces it once the
    /// routes exist.
    pub fn empty() -> Router {
        Router {
            kind: ApiKind::Rest,
            stage: Box::from(""),
            strip_stage: false,
            nodes: vec![Node::default()],
            names: Vec::new(),
            default_route: None,
        }
    }

    /// Builds the router for an API's routes; route `i` becomes `RouteId(i)`.
    pub fn build(
        kind: ApiKind,
        routes: &[Route],
        stage: &str,
        stage_prefix: bool,
    ) -> Result<Router, RouterError> {
        Router::from_templates(
            kind,
            routes.iter().map(|r| (r.path.as_str(), &r.method)),
            stage,
            stage_prefix,
        )
    }

    /// Builds from `(path template, method)` pairs; the `i`-th pair becomes `RouteId(i)`.
    /// `stage_prefix` serves paths under `/{stage}/...` (for HTTP APIs only a named stage).
    pub fn from_templates<'a>(
        kind: ApiKind,
        templates: impl IntoIterator<Item = (&'a str, &'a RouteMethod)>,
        stage: &str,
        stage_prefix: bool,
    ) -> Result<Router, RouterError> {
        let mut r = Router {
            kind,
            stage: Box::from(stage),
            strip_stage: match kind {
                ApiKind::Rest => stage_prefix,
                ApiKind::Http => stage_prefix && stage != "$default",
                ApiKind::FunctionUrl => false,
            },
            nodes: vec![Node::default()],
            names: Vec::new(),
            default_route: None,
        };
        for (i, (path, method)) in templates.into_iter().enumerate() {
            r.insert(RouteId(i), path, method)?;
        }
        Ok(r)
    }

    fn insert(&mut self, id: RouteId, path: &str, method: &RouteMethod) -> Result<(), RouterError> {
        let not_allowed = |reason| RouterError::NotAllowed {
            path: path.to_string(),
            reason,
        };
        if self.kind == ApiKind::FunctionUrl {
            if self.default_route.is_some() {
                return Err(not_allowed("a Function URL has exactly one route"));
            }
            self.default_route = Some(id);
            self.names.push(Box::default());
            return Ok(());
        }
        if path == "$default" {
            if self.kind == ApiKind::Rest {
                return Err(not_allowed("$default is an HTTP API route"));
            }
            if self.default_route.is_some() {
                return Err(RouterError::Duplicate {
                    method: "ANY".into(),
                    path: path.into(),
                });
            }
            self.default_route = Some(id);
            self.names.push(Box::default());
            return Ok(());
        }
        let segments = parse_template(path)?;
        let mut names = Vec::new();
        let mut node = 0usize;
        for seg in &segments {
            match *seg {
                Segment::Literal(lit) => {
                    node = match self.nodes[node]
                        .literals
                        .binary_search_by(|(l, _)| (**l).cmp(lit))
                    {
                        Ok(i) => self.nodes[node].literals[i].1 as usize,
                        Err(i) => {
                            let child = self.push_node();
                            self.nodes[node]
                                .literals
                                .insert(i, (Box::from(lit), child as u32));
                            child
                        }
                    };
                }
                Segment::Param(name) => {
                    names.push(Box::from(name));
                    node = match self.nodes[node].param {
                        Some(c) => c as usize,
                        None => {
                            let child = self.push_node();
                            self.nodes[node].param = Some(child as u32);
                            child
                        }
                    };
                }
                Segment::Greedy(name) => names.push(Box::from(name)),
            }
        }
        let target = match segments.last() {
            Some(Segment::Greedy(_)) => &mut self.nodes[node].greedy,
            _ => &mut self.nodes[node].here,
        };
        target.add(method, id, path)?;
        // Route ids are dense and in order, so `names` is indexed by id.
        self.names.push(names.into_boxed_slice());
        Ok(())
    }

    fn push_node(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// Finds the route for `method` and the raw request path (no query), per the API kind.
    pub fn lookup(&self, method: &Method, raw_path: &[u8]) -> Result<RouteMatch, GatewayError> {
        let path = std::str::from_utf8(raw_path).map_err(|_| GatewayError::NoRoute)?;
        if self.kind == ApiKind::FunctionUrl {
            let route = self.default_route.ok_or(GatewayError::NoRoute)?;
            return Ok(RouteMatch {
                route,
                path: path.to_string(),
                params: Vec::new(),
            });
        }
        let after_stage = if self.strip_stage {
            strip_stage(path, &self.stage)?
        } else if path.starts_with('/') {
            path
        } else {
            return Err(GatewayError::NoRoute);
        };
        // The leading slash run collapses for routing and in `path`; one trailing slash is
        // ignored for matching only.
        let body = after_stage.trim_start_matches('/');
        let routed = body.strip_suffix('/').unwrap_or(body);
        let mut caps: SmallVec<[(usize, usize); 8]> = SmallVec::new();
        let start = if routed.is_empty() { None } else { Some(0) };
        let found = match self.kind {
            ApiKind::Rest => self
                .walk(0, routed, start, &mut caps, &|m: &Methods| !m.is_empty())
                .and_then(|hit| hit.methods.select(method).map(|id| (id, hit.greedy))),
            _ => self
                .walk(0, routed, start, &mut caps, &|m: &Methods| {
                    m.select(method).is_some()
                })
                .and_then(|hit| hit.methods.select(method).map(|id| (id, hit.greedy)))
                .or_else(|| self.default_route.map(|id| (id, None))),
        };
        let (route, greedy) = found.ok_or(GatewayError::NoRoute)?;
        if Some(route) == self.default_route {
            caps.clear();
        }
        let names = self.names.get(route.0).map(|n| &n[..]).unwrap_or(&[]);
        let params = names
            .iter()
            .zip(caps.iter().chain(greedy.iter()))
            // `String::from`, not `to_string`: a `Box<str>` would go through `Display`.
            .map(|(name, &(s, e))| (String::from(&**name), String::from(&routed[s..e])))
            .collect();
        let mut event_path = String::with_capacity(body.len() + 1);
        event_path.push('/');
        event_path.push_str(body);
        Ok(RouteMatch {
            route,
            path: event_path,
            params,
        })
    }

    /// Depth-first search from `node`; `pos` is the start of the next segment in `routed`
    /// (`None` once every segment is consumed). Recursion depth is bounded by the deepest
    /// template, not by the request.
    fn walk<'r>(
        &'r self,
        node: usize,
        routed: &str,
        pos: Option<usize>,
        caps: &mut SmallVec<[(usize, usize); 8]>,
        accept: &dyn Fn(&Methods) -> bool,
    ) -> Option<Hit<'r>> {
        let n = &self.nodes[node];
        let Some(p) = pos else {
            return accept(&n.here).then_some(Hit {
                methods: &n.here,
                greedy: None,
            });
        };
        let rest = &routed[p..];
        let (seg, next) = match memchr::memchr(b'/', rest.as_bytes()) {
            Some(i) => (&rest[..i], Some(p + i + 1)),
            None => (rest, None),
        };
        if let Ok(i) = n.literals.binary_search_by(|(l, _)| (**l).cmp(seg)) {
            let child = n.literals[i].1 as usize;
            if let Some(hit) = self.walk(child, routed, next, caps, accept) {
                return Some(hit);
            }
        }
        if let (Some(child), false) = (n.param, seg.is_empty()) {
            caps.push((p, p + seg.len()));
            if let Some(hit) = self.walk(child as usize, routed, next, caps, accept) {
                return Some(hit);
            }
            caps.pop();
        }
        if p < routed.len() && accept(&n.greedy) {
            return Some(Hit {
                methods: &n.greedy,
                greedy: Some((p, routed.len())),
            });
        }
        None
    }
}

impl Default for Router {
    fn default() -> Self {
        Router::empty()
    }
}

#[cfg(test)]
#[path = "router_tests.rs"]
mod tests;
