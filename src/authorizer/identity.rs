//! Identity sources: the request values an authorizer is keyed on (spec proxy-auth §8.2, §9.1).
//!
//! Every configured source must be present and non-empty, and a TOKEN value must fully match
//! `identityValidationExpression`; otherwise the request is refused with 401 before the authorizer
//! is called. The values, in configured order, form the cache key.

use std::borrow::Cow;

use smallvec::SmallVec;

use crate::config::model::{Api, ApiKind, Authorizer, IdentitySource};
use crate::gateway::context::{RequestCtx, RouteMatch};
use crate::gateway::error::GatewayError;

use super::event::clf_time;
use crate::integration::query;

/// The identity values of one request, in configured order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity<'a> {
    values: SmallVec<[Cow<'a, str>; 2]>,
}

impl<'a> Identity<'a> {
    /// The values, in configured order.
    pub fn values(&self) -> &[Cow<'a, str>] {
        &self.values
    }

    /// The cache key within one authorizer: the value itself for one source (no allocation), else
    /// every value length-prefixed, so `("a,b", "c")` and `("a", "b,c")` never share an entry.
    pub fn cache_key(&self) -> Cow<'_, str> {
        match self.values.as_slice() {
            [one] => Cow::Borrowed(one.as_ref()),
            many => {
                let mut key = String::with_capacity(many.iter().map(|v| v.len() + 6).sum());
                for v in many {
                    key.push_str(itoa::Buffer::new().format(v.len()));
                    key.push(':');
                    key.push_str(v);
                }
                Cow::Owned(key)
            }
        }
    }

    /// The values joined with `,` (HTTP API 1.0 `identitySource` / `authorizationToken`).
    pub fn joined(&self) -> String {
        self.values.join(",")
    }
}

/// Reads every identity source of `authorizer` from the request; a missing or empty one, or a
/// TOKEN value that fails `validation`, is a 401 without calling the authorizer.
pub fn resolve<'a>(
    ctx: &'a RequestCtx,
    route: &'a RouteMatch,
    authorizer: &Authorizer,
    validation: Option<&regex::Regex>,
) -> Result<Identity<'a>, GatewayError> {
    let mut values: SmallVec<[Cow<'a, str>; 2]> = SmallVec::new();
    for source in &authorizer.identity_sources {
        match lookup(ctx, route, source) {
            Some(v) if !v.is_empty() => values.push(v),
            _ => return Err(GatewayError::Unauthorized("identity source missing")),
        }
    }
    if let (Some(re), Some(token)) = (validation, values.first()) {
        if !re.is_match(token) {
            return Err(GatewayError::Unauthorized(
                "identityValidationExpression did not match",
            ));
        }
    }
    Ok(Identity { values })
}

/// One source's value. REST reads the last header / query value; HTTP APIs join duplicates with
/// `,` as their events do.
fn lookup<'a>(
    ctx: &'a RequestCtx,
    route: &'a RouteMatch,
    source: &IdentitySource,
) -> Option<Cow<'a, str>> {
    let http = ctx.api.kind == ApiKind::Http;
    if let IdentitySource::Header(name) = source {
        // `Host`, `X-Forwarded-*` and the trace id are the gateway's, as the events show them.
        if let Some(v) = crate::integration::event_headers::gateway_value(ctx, name) {
            return Some(v);
        }
    }
    match source {
        IdentitySource::Header(name) if http => {
            let mut all = ctx
                .req
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
                .map(|(_, v)| String::from_utf8_lossy(v));
            let first = all.next()?;
            Some(all.fold(first, |acc, v| Cow::Owned(format!("{acc},{v}"))))
        }
        IdentitySource::Header(name) => ctx
            .req
            .headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v)),
        IdentitySource::Query(name) => {
            let raw = ctx.req.raw_query()?;
            if http {
                query::joined(raw, name)
            } else {
                query::last(raw, name)
            }
        }
        IdentitySource::StageVariable(name) => ctx
            .api
            .stage_variables
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Cow::Borrowed(v.as_str())),
        IdentitySource::Context(name) => context_variable(ctx, route, name),
    }
}

/// A `$context` variable usable as an identity source.
pub fn context_variable<'a>(
    ctx: &'a RequestCtx,
    route: &'a RouteMatch,
    name: &str,
) -> Option<Cow<'a, str>> {
    let api: &'a Api = &ctx.api;
    let r = api.route(route.route);
    let b = |s: &'a str| Some(Cow::Borrowed(s));
    match name {
        "httpMethod" => b(ctx.req.method.as_str()),
        "stage" => b(&api.stage),
        "apiId" => b(&api.id),
        "accountId" => b(&api.account_id),
        "requestId" => b(&ctx.request_id),
        "extendedRequestId" => b(&ctx.extended_request_id),
        "resourceId" => b(&r.resource_id),
        "resourcePath" => b(&r.path),
        "routeKey" => b(&r.route_key),
        "path" => Some(String::from_utf8_lossy(ctx.req.raw_path())),
        "protocol" => b(ctx.req.protocol.as_str()),
        "domainName" => Some(domain_name(ctx)),
        "domainPrefix" => Some(match domain_name(ctx) {
            Cow::Borrowed(d) => Cow::Borrowed(d.split('.').next().unwrap_or(d)),
            Cow::Owned(d) => Cow::Owned(d.split('.').next().unwrap_or(&d).to_string()),
        }),
        "identity.sourceIp" => Some(Cow::Owned(ctx.req.remote.ip().to_string())),
        "identity.userAgent" => ctx
            .req
            .headers
            .get("user-agent")
            .map(|v| String::from_utf8_lossy(v)),
        "requestTime" => Some(Cow::Owned(clf_time(ctx.epoch_ms))),
        "requestTimeEpoch" => Some(Cow::Owned(ctx.epoch_ms.to_string())),
        _ => None,
    }
}

/// `domainName`: the Host header, else the API's default domain.
pub fn domain_name(ctx: &RequestCtx) -> Cow<'_, str> {
    Cow::Borrowed(ctx.domain_name())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn identity(values: &[&'static str]) -> Identity<'static> {
        Identity {
            values: values.iter().map(|v| Cow::Borrowed(*v)).collect(),
        }
    }

    #[test]
    fn cache_keys_are_unambiguous() {
        assert_eq!(identity(&["tok"]).cache_key(), "tok");
        assert_ne!(
            identity(&["a,b", "c"]).cache_key(),
            identity(&["a", "b,c"]).cache_key()
        );
        assert_ne!(
            identity(&["1:a", "b"]).cache_key(),
            identity(&["1", "a1:b"]).cache_key()
        );
        assert_eq!(identity(&["user1", "123"]).joined(), "user1,123");
    }
}
