//! The invoke phase: calls the function with the route's timeout and classifies the outcome.
//!
//! A timeout, a connection failure, a function error and a service error are distinct
//! outcomes; each becomes its own [`GatewayError`] (or, for custom integrations, a function
//! error the integration responses select on) and upstream-error metric. MOCK integrations call
//! nothing.

use std::time::Instant;

use crate::config::model::{CustomBackend, FunctionId, Integration};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::gateway::map_request::Mapped;
use crate::integration::custom;
use crate::integration::custom::invoke::{IntegrationOutcome, InvocationType};
use crate::integration::custom::CustomState;
use crate::integration::EventFormat;
use crate::lambda::{Invocation, InvokeError, Invoker};
use crate::message::Response;
use crate::metrics::{ApiMetrics, UpstreamErrorKind};

/// What the integration answered.
#[derive(Debug)]
pub enum Outcome {
    /// A proxy integration's Invoke API result that is not a function error.
    Result {
        /// The result.
        invocation: Invocation,
        /// Which response contract applies.
        format: EventFormat,
    },
    /// The Function URL's response to a forwarded request.
    Forwarded(Response),
    /// A custom or MOCK integration's outcome, with its request-side state.
    Custom {
        /// Result, function error, or mock status.
        outcome: IntegrationOutcome,
        /// Carried from the request template.
        state: Box<CustomState>,
    },
}

/// The function an integration calls (`None` for MOCK).
pub fn function_of(integration: &Integration) -> Option<FunctionId> {
    match integration {
        Integration::Proxy(p) => Some(p.function),
        Integration::Custom(c) => match c.backend {
            CustomBackend::Lambda(id) => Some(id),
            CustomBackend::Mock => None,
        },
    }
}

/// Invokes the integration; sets `ctx.integration_latency` when a function was called.
pub async fn invoke(
    ctx: &mut RequestCtx,
    integration: &Integration,
    mapped: Mapped,
    invoker: &Invoker,
    metrics: &ApiMetrics,
) -> Result<Outcome, GatewayError> {
    let api = ctx.api.clone();
    let function =
        function_of(integration).map(|id| (api.function(id), metrics.functions.get(id.0)));
    let _in_flight = function.and_then(|(_, m)| m.map(|m| m.in_flight()));
    let started = Instant::now();
    let outcome = match (integration, mapped) {
        (Integration::Proxy(p), Mapped::Event { payload, format }) => {
            let f = api.function(p.function);
            let called = invoker
                .invoke_since(started, f, payload, p.timeout, &ctx.trace)
                .await;
            ctx.lambda_status = lambda_status(&called);
            called
                .map_err(|e| e.to_gateway_error())
                .and_then(|invocation| match invocation.to_gateway_error() {
                    Some(err) => Err(err),
                    None => Ok(Outcome::Result { invocation, format }),
                })
        }
        (Integration::Proxy(p), Mapped::Forward) => {
            let forwarded = invoker
                .forward(
                    api.function(p.function),
                    &ctx.req,
                    started,
                    p.timeout,
                    &ctx.trace,
                )
                .await;
            ctx.lambda_status = match &forwarded {
                Ok(response) => Some(response.status),
                Err(InvokeError::Service { status, .. }) => Some(*status),
                Err(_) => None,
            };
            forwarded
                .map(Outcome::Forwarded)
                .map_err(|e| e.to_gateway_error())
        }
        (Integration::Custom(c), Mapped::Custom { payload, state }) => {
            // Only a function call has an invocation type; a MOCK ignores the header.
            let invocation = match c.backend {
                CustomBackend::Lambda(_) => InvocationType::of(&state.integration_headers),
                CustomBackend::Mock => Ok(InvocationType::RequestResponse),
            };
            match invocation {
                Ok(invocation) => {
                    let called =
                        custom::invoke::call(invoker, ctx, c, payload, started, invocation).await;
                    ctx.lambda_status = match (&called, c.backend) {
                        (Ok(_), CustomBackend::Lambda(_)) => Some(invocation.accepted_status()),
                        _ => None,
                    };
                    called.map(|outcome| Outcome::Custom { outcome, state })
                }
                Err(e) => Err(e),
            }
        }
        (_, mapped) => Err(GatewayError::ApiConfiguration(format!(
            "integration and mapped request disagree: {mapped:?}"
        ))),
    };
    if function.is_some() {
        ctx.integration_latency = Some(started.elapsed());
    }
    if let Some((f, m)) = function {
        let kind = match &outcome {
            Err(err) => UpstreamErrorKind::of(err),
            Ok(Outcome::Custom {
                outcome: IntegrationOutcome::FunctionError { .. },
                ..
            }) => Some(UpstreamErrorKind::FunctionError),
            Ok(_) => None,
        };
        if let (Some(kind), Some(m)) = (kind, m) {
            m.error(kind);
        }
        if let Err(err) = &outcome {
            tracing::warn!(function = %f.name, error = %err, "integration call failed");
        }
    }
    outcome
}

/// The Lambda service's status for a synchronous invoke: 200 when it answered with a result
/// (the function's own failure included), the refusal's status, or nothing when no answer came.
fn lambda_status(called: &Result<Invocation, InvokeError>) -> Option<u16> {
    match called {
        Ok(_) => Some(200),
        Err(InvokeError::Service { status, .. }) => Some(*status),
        Err(_) => None,
    }
}
