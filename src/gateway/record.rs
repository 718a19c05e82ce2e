//! The record phase: metrics, the access-log line and the span's status, once per request,
//! after the response is decided.

use tracing::Span;

use crate::access_log::{AccessLogRecord, AccessLogger};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::Classified;
use crate::gateway::snapshot::Snapshot;
use crate::message::Response;
use crate::telemetry;

/// Records one finished request.
pub fn record(
    snapshot: &Snapshot,
    ctx: &RequestCtx,
    response: &Response,
    error: Option<&Classified>,
    access_log: Option<&AccessLogger>,
    span: &Span,
) {
    let latency = ctx.req.received.elapsed();
    snapshot
        .metrics
        .route(ctx.route.as_ref().map(|m| m.route))
        .record(response.status, latency, ctx.integration_latency);
    if let (Some(hit), Some(id)) = (ctx.authorizer_cache_hit, authorizer_of(ctx)) {
        if let Some(m) = snapshot.metrics.authorizers.get(id.0) {
            match hit {
                true => m.cache_hit(),
                false => m.cache_miss(
                    ctx.principal
                        .as_ref()
                        .map(|p| p.latency)
                        .unwrap_or_default(),
                ),
            }
            if error.is_some_and(|c| {
                c.response_type
                    == crate::gateway::responses::ResponseType::AuthorizerConfigurationError
            }) {
                m.error();
            }
        }
    }
    telemetry::record_status(span, response.status);
    if let Some(logger) = access_log {
        logger.log(&AccessLogRecord {
            ctx,
            status: response.status,
            response_length: response.body.len() as u64,
            response_latency: latency,
            error,
            integration_status: ctx.integration_latency.map(|_| response.status),
        });
    }
}

fn authorizer_of(ctx: &RequestCtx) -> Option<crate::config::model::AuthorizerId> {
    let m = ctx.route.as_ref()?;
    ctx.api.route(m.route).authorizer
}
