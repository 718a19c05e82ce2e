//! The map-response phase: the integration's answer becomes the client's response, by the proxy
//! response contract of the route's payload format, or by the custom integration's integration
//! responses (selection pattern, parameters, template, overrides), plus the ids API Gateway adds.

use crate::config::model::Integration;
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::gateway::invoke::Outcome;
use crate::integration::custom::response::map_response;
use crate::integration::{add_response_ids, read_response};
use crate::message::Response;

/// Maps `outcome` to the client response.
pub fn map(
    ctx: &RequestCtx,
    integration: &Integration,
    outcome: Outcome,
) -> Result<Response, GatewayError> {
    let mut response = match (integration, outcome) {
        (_, Outcome::Result { invocation, format }) => {
            read_response(ctx, format, invocation.payload)?
        }
        (_, Outcome::Forwarded(response)) => response,
        (Integration::Custom(c), Outcome::Custom { outcome, mut state }) => {
            map_response(ctx, c, &mut state, outcome)?
        }
        (Integration::Proxy(_), Outcome::Custom { .. }) => {
            return Err(GatewayError::ApiConfiguration(
                "a proxy integration produced a custom outcome".into(),
            ))
        }
    };
    add_response_ids(ctx, &mut response, true);
    Ok(response)
}
