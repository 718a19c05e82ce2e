//! The request path: the phases one request goes through, in order.
//!
//! [`Gateway::handle`] takes the current [`Snapshot`], builds the [`RequestCtx`] and runs the
//! phases; each phase is a plain function in its own module returning
//! `Result<_, GatewayError>`:
//!
//! 1. [`body::check`]: the payload limit (413);
//! 2. [`route::route`]: method + path -> route and path parameters (REST 403 / HTTP 404);
//!    then [`throttle::check`]: the route's token bucket, when `api.throttle` is set (429);
//! 3. [`crate::authorizer::authorize`]: identity sources -> cache -> authorizer -> policy;
//! 4. [`validate::validate`]: method request validation (required parameters, body model);
//! 5. [`map_request::map`]: the proxy event (or the request itself, for a Function URL), or the
//!    custom integration's mapping template;
//! 6. [`invoke::invoke`]: the function call with the route's timeout (nothing for MOCK);
//! 7. [`map_response::map`]: the proxy response contract, or the integration responses; and API
//!    Gateway's own headers;
//! 8. [`record::record`]: metrics, access log, span status.
//!
//! An error from phases 1-7 becomes its client response in exactly one place,
//! [`error_response::respond`]; `handle` itself never fails.
//!
//! # Layout
//! - [`context`]: [`context::RequestCtx`], the per-request state every phase reads and fills.
//! - [`snapshot`]: the compiled API plus per-config runtime state (caches, metric handles).
//! - [`error`]: [`error::GatewayError`] and the table that classifies it.
//! - [`responses`]: gateway response types, default bodies, customisation lookup.
//! - [`error_response`], [`gateway_template`]: errors rendered as API Gateway does.
//! - [`template_input`]: what mapping templates see of a request.
//! - [`router`], [`router_template`]: the route table.
//! - [`ids`], [`clf_time`]: request ids, trace ids, the request time format.
//! - the phases: [`body`], [`route`], [`throttle`], [`validate`], [`map_request`], [`invoke`],
//!   [`map_response`], [`record`].

pub mod body;
pub mod clf_time;
pub mod context;
pub mod error;
pub mod error_response;
pub mod gateway_template;
pub mod ids;
pub mod invoke;
pub mod map_request;
pub mod map_response;
pub mod record;
pub mod responses;
pub mod route;
pub mod router;
pub mod router_template;
pub mod snapshot;
pub mod template_input;
pub mod throttle;
pub mod validate;

use std::sync::Arc;

use arc_swap::ArcSwap;
use tracing::Instrument;

use crate::access_log::AccessLogger;
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::gateway::snapshot::Snapshot;
use crate::lambda::Invoker;
use crate::message::{Request, Response};
use crate::server::Handler;

/// The gateway: the current snapshot, the Lambda client and the access-log writer.
pub struct Gateway {
    snapshot: ArcSwap<Snapshot>,
    invoker: Invoker,
    access_log: Option<AccessLogger>,
}

impl Gateway {
    /// A gateway serving `snapshot`, calling functions through `invoker`.
    pub fn new(snapshot: Snapshot, invoker: Invoker, access_log: Option<AccessLogger>) -> Gateway {
        Gateway {
            snapshot: ArcSwap::from_pointee(snapshot),
            invoker,
            access_log,
        }
    }

    /// Replaces the snapshot; requests in flight finish on the one they started with.
    pub fn swap(&self, snapshot: Snapshot) {
        self.snapshot.store(Arc::new(snapshot));
    }

    /// The phases, in order. Returns the response or the error that stopped them.
    async fn run(&self, snap: &Snapshot, ctx: &mut RequestCtx) -> Result<Response, GatewayError> {
        body::check(ctx)?;
        route::route(ctx)?;
        let route_id = ctx.route.as_ref().map(|m| m.route);
        if let Some(id) = route_id {
            crate::telemetry::record_route(&tracing::Span::current(), &ctx.api.route(id).path);
        }
        let api = ctx.api.clone();
        let Some(id) = route_id else {
            return Err(GatewayError::NoRoute);
        };
        throttle::check(ctx, &snap.throttles)?;
        if api.route(id).authorizer.is_some() {
            // Boxed: its future is large and most routes skip it; inline, every request's
            // future would carry (and move) it.
            Box::pin(crate::authorizer::authorize(
                ctx,
                &snap.authorizers,
                &self.invoker,
            ))
            .await?;
        }
        validate::validate(ctx)?;
        let integration = &api.route(id).integration;
        let mapped = map_request::map(ctx, integration)?;
        let outcome =
            invoke::invoke(ctx, integration, mapped, &self.invoker, &snap.metrics).await?;
        let response = map_response::map(ctx, integration, outcome);
        // A reply that breaks the proxy response contract is the function's failure too; it is
        // only found here, after the invoke phase counted the call as a success.
        if let Err(err) = &response {
            let handles =
                invoke::function_of(integration).and_then(|f| snap.metrics.functions.get(f.0));
            if let (Some(m), Some(kind)) = (handles, crate::metrics::UpstreamErrorKind::of(err)) {
                m.error(kind);
            }
        }
        response
    }
}

impl Handler for Gateway {
    async fn handle(&self, req: Request) -> Response {
        let snap = self.snapshot.load_full();
        let mut ctx = RequestCtx::new(snap.api.clone(), req);
        let span = crate::telemetry::request_span(&ctx);
        let run = self.run(&snap, &mut ctx);
        // A disabled span (apigate's log level above `info`) is not entered: wrapping the
        // phases' future would only copy it once more.
        let result = if span.is_disabled() {
            run.await
        } else {
            run.instrument(span.clone()).await
        };
        let (response, classified) = match result {
            Ok(response) => (response, None),
            Err(err) => {
                let _enter = span.enter();
                if err.is_client_error() {
                    tracing::debug!(error = %err, "request refused");
                } else {
                    tracing::warn!(error = %err, "request failed");
                }
                let (response, c) = error_response::respond(&ctx, &err);
                (response, Some(c))
            }
        };
        record::record(
            &snap,
            &ctx,
            &response,
            classified.as_ref(),
            self.access_log.as_ref(),
            &span,
        );
        response
    }
}
