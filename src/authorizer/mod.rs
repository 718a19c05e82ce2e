//! The authorize phase: Lambda authorizers for REST APIs (TOKEN, REQUEST) and HTTP APIs (payload
//! 1.0 / 2.0, simple or IAM-policy responses), with API Gateway's result cache.
//!
//! Order, as API Gateway runs it (spec proxy-auth §8-§9): read the identity sources (missing or
//! failing validation -> 401, authorizer not called); look the identity up in the authorizer's
//! cache, calling the function on a miss (one call per key however many requests wait); evaluate
//! the result against THIS request's methodArn (a cached policy is re-evaluated per request, so a
//! narrow policy never grants another route); on success fill [`RequestCtx::principal`], which
//! the event builders, mapping templates (`$context.authorizer.*`) and access logs read.
//!
//! # Layout
//! - [`call`]: [`AuthorizerCall`], the invoke seam (the Lambda client in production, fakes in tests).
//! - [`identity`]: identity sources -> values and cache key.
//! - [`event`]: input events and the methodArn.
//! - [`output`]: authorizer replies -> [`output::Grant`] or a failure.
//! - [`policy`]: IAM policy compile and evaluation.
//! - [`cache`]: [`cache::ResultCache`], one moka cache per authorizer.

pub mod cache;
pub mod call;
pub mod event;
pub mod identity;
pub mod output;
pub mod policy;

use std::time::{Duration, Instant};

use crate::config::model::{Api, ApiKind, Authorizer, AuthorizerId};
use crate::gateway::context::{Principal, RequestCtx, RouteMatch};
use crate::gateway::error::GatewayError;

pub use call::{AuthorizerCall, AuthorizerReply, CallError};

use cache::{ResultCache, Source};
use identity::Identity;
use output::{Failure, Grant};
use policy::Evaluation;

/// Per-authorizer runtime state built once from the compiled API: result caches and anchored
/// validation expressions. Rebuilt (caches emptied) with every new config snapshot, as a
/// redeployment flushes API Gateway's authorizer cache.
#[derive(Debug)]
pub struct Authorizers {
    entries: Vec<AuthorizerState>,
}

#[derive(Debug)]
struct AuthorizerState {
    cache: ResultCache,
    /// `identityValidationExpression` anchored at both ends (AWS applies it to the whole value).
    validation: Option<regex::Regex>,
}

impl Authorizers {
    /// State for every authorizer of `api`, indexed like [`Api::authorizers`].
    pub fn new(api: &Api) -> Self {
        let entries = api
            .authorizers
            .iter()
            .map(|a| AuthorizerState {
                cache: ResultCache::new(a),
                validation: a.validation.as_ref().map(|re| {
                    regex::Regex::new(&format!("^(?:{})$", re.as_str()))
                        .unwrap_or_else(|_| re.clone())
                }),
            })
            .collect();
        Authorizers { entries }
    }

    /// The result cache of authorizer `id`.
    pub fn cache(&self, id: AuthorizerId) -> Option<&ResultCache> {
        self.entries.get(id.0).map(|e| &e.cache)
    }
}

/// The authorize phase. Does nothing for a route without an authorizer (or before routing);
/// otherwise sets `ctx.principal` (also when the policy denies, for the gateway response) and
/// returns the error the client must see, if any:
/// [`GatewayError::Unauthorized`] (401), [`GatewayError::AccessDenied`] (403, explicit or not),
/// [`GatewayError::AuthorizerConfiguration`] (500: function error, timeout, unusable output).
pub async fn authorize<C: AuthorizerCall>(
    ctx: &mut RequestCtx,
    authorizers: &Authorizers,
    call: &C,
) -> Result<(), GatewayError> {
    let mut cache_hit = None;
    let mut denied = None;
    let decided = decide(ctx, authorizers, call, &mut cache_hit, &mut denied).await;
    ctx.authorizer_cache_hit = cache_hit;
    match decided {
        Ok(principal) => {
            if principal.is_some() {
                ctx.principal = principal;
            }
            Ok(())
        }
        Err(e) => {
            // A denied request keeps what the authorizer returned: gateway responses
            // (ACCESS_DENIED) and access logs read `$context.authorizer.*` as on AWS.
            ctx.principal = denied;
            Err(e)
        }
    }
}

/// The authorizer's decision for this request (`None`: the route has no authorizer);
/// `cache_hit` tells whether the cache answered (for `CacheHitCount` / `CacheMissCount`).
async fn decide<C: AuthorizerCall>(
    ctx: &RequestCtx,
    authorizers: &Authorizers,
    call: &C,
    cache_hit: &mut Option<bool>,
    denied: &mut Option<Principal>,
) -> Result<Option<Principal>, GatewayError> {
    let Some(route) = ctx.route.as_ref() else {
        return Ok(None);
    };
    let api = &*ctx.api;
    let Some(id) = api.route(route.route).authorizer else {
        return Ok(None);
    };
    let authorizer = api.authorizer(id);
    let state = authorizers.entries.get(id.0).ok_or_else(|| {
        GatewayError::ApiConfiguration(format!(
            "authorizer {} has no runtime state (snapshot mismatch)",
            authorizer.name
        ))
    })?;
    let arn = event::method_arn(api, &ctx.req.method, &route.path);
    // REST quota: an authorized method's ARN is at most 1600 bytes; path values can push it
    // over at run time, and the client then gets 414 (limits page of the developer guide).
    if api.kind == ApiKind::Rest && arn.len() > event::MAX_METHOD_ARN_BYTES {
        return Err(GatewayError::MethodArnTooLong);
    }
    let identity = identity::resolve(ctx, route, authorizer, state.validation.as_ref())
        .inspect_err(|e| tracing::debug!(authorizer = %authorizer.name, error = %e, "refused before calling the authorizer"))?;
    let started = Instant::now();
    // Boxed when polled (a cache miss): the call's large future is neither built nor moved
    // around on a cache hit.
    let invoke = async { Box::pin(invoke(ctx, route, authorizer, &identity, &arn, call)).await };
    let looked_up = state.cache.get_or_call(&identity.cache_key(), invoke).await;
    let (grant, source) = match looked_up {
        Ok(found) => found,
        Err(e) => {
            *cache_hit = Some(false);
            return Err(e.into());
        }
    };
    *cache_hit = Some(matches!(source, Source::Shared));
    let latency = match source {
        Source::Called => started.elapsed(),
        Source::Shared => Duration::ZERO,
    };
    match grant.evaluate(&arn) {
        Evaluation::Allow => Ok(Some(principal(&grant, latency))),
        Evaluation::ExplicitDeny => {
            tracing::debug!(authorizer = %authorizer.name, %arn, "explicit deny");
            *denied = Some(principal(&grant, latency));
            Err(GatewayError::AccessDenied { explicit: true })
        }
        Evaluation::ImplicitDeny => {
            tracing::debug!(authorizer = %authorizer.name, %arn, "not allowed");
            *denied = Some(principal(&grant, latency));
            Err(GatewayError::AccessDenied { explicit: false })
        }
    }
}

/// Calls the authorizer once (a cache miss) and parses its reply.
async fn invoke<C: AuthorizerCall>(
    ctx: &RequestCtx,
    route: &RouteMatch,
    authorizer: &Authorizer,
    identity: &Identity<'_>,
    arn: &str,
    call: &C,
) -> Result<Grant, Failure> {
    let payload = event::build(ctx, route, authorizer, identity, arn);
    let function = ctx.api.function(authorizer.function);
    let pending = call.call(function, payload, authorizer.timeout, &ctx.trace);
    let reply = match tokio::time::timeout(authorizer.timeout, pending).await {
        Ok(outcome) => outcome,
        Err(_) => Err(CallError::Timeout),
    }
    .map_err(|e| {
        tracing::warn!(authorizer = %authorizer.name, error = %e, "authorizer call failed");
        Failure::from(e)
    });
    let grant = reply.and_then(|reply| output::parse(ctx.api.kind, authorizer, &reply));
    match &grant {
        Err(Failure::Configuration(detail)) => {
            tracing::warn!(authorizer = %authorizer.name, %detail, "authorizer result unusable")
        }
        Err(Failure::Unauthorized) => {
            tracing::debug!(authorizer = %authorizer.name, "authorizer answered Unauthorized")
        }
        Ok(_) => {}
    }
    grant
}

/// What later phases see of an allowed request.
fn principal(grant: &Grant, latency: Duration) -> Principal {
    Principal {
        principal_id: grant.principal_id.clone(),
        // Deliberate copy: Principal owns its context; authorizer contexts are a few small keys.
        context: grant.context.clone(),
        usage_identifier_key: grant.usage_identifier_key.clone(),
        latency,
    }
}
