//! The map-response phase: the function's result becomes the client's response, by the proxy
//! response contract of the route's payload format, plus the ids API Gateway adds.

use crate::config::model::Integration;
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::gateway::invoke::Outcome;
use crate::integration::{add_response_ids, read_response};
use crate::message::Response;

/// Maps `outcome` to the client response.
pub fn map(
    ctx: &RequestCtx,
    integration: &Integration,
    outcome: Outcome,
) -> Result<Response, GatewayError> {
    let Integration::Proxy(_) = integration;
    let mut response = match outcome {
        Outcome::Result { invocation, format } => read_response(ctx, format, invocation.payload)?,
        Outcome::Forwarded(response) => response,
    };
    add_response_ids(ctx, &mut response, true);
    Ok(response)
}
