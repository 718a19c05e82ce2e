//! The invoke phase: calls the function with the route's timeout and classifies the outcome.
//!
//! A timeout, a connection failure, a function error and a service error are distinct
//! outcomes; each becomes its own [`GatewayError`] and upstream-error metric.

use std::time::Instant;

use crate::config::model::Integration;
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::gateway::map_request::Mapped;
use crate::integration::EventFormat;
use crate::lambda::{Invocation, Invoker};
use crate::message::Response;
use crate::metrics::{FunctionMetrics, UpstreamErrorKind};

/// What the function returned.
#[derive(Debug)]
pub enum Outcome {
    /// An Invoke API result that is not a function error.
    Result {
        /// The result.
        invocation: Invocation,
        /// Which response contract applies.
        format: EventFormat,
    },
    /// The Function URL's response to a forwarded request.
    Forwarded(Response),
}

/// Invokes the route's function; sets `ctx.integration_latency`.
pub async fn invoke(
    ctx: &mut RequestCtx,
    integration: &Integration,
    mapped: Mapped,
    invoker: &Invoker,
    metrics: Option<&FunctionMetrics>,
) -> Result<Outcome, GatewayError> {
    let Integration::Proxy(p) = integration;
    let api = ctx.api.clone();
    let function = api.function(p.function);
    let _in_flight = metrics.map(FunctionMetrics::in_flight);
    let started = Instant::now();
    let outcome = match mapped {
        Mapped::Event { payload, format } => invoker
            .invoke(function, payload, p.timeout, &ctx.trace_id)
            .await
            .map_err(|e| e.to_gateway_error())
            .and_then(|invocation| match invocation.to_gateway_error() {
                Some(err) => Err(err),
                None => Ok(Outcome::Result { invocation, format }),
            }),
        Mapped::Forward => invoker
            .forward(function, &ctx.req, p.timeout)
            .await
            .map(Outcome::Forwarded)
            .map_err(|e| e.to_gateway_error()),
    };
    ctx.integration_latency = Some(started.elapsed());
    if let (Err(err), Some(m)) = (&outcome, metrics) {
        if let Some(kind) = UpstreamErrorKind::of(err) {
            m.error(kind);
        }
        tracing::warn!(function = %function.name, error = %err, "integration call failed");
    }
    outcome
}
