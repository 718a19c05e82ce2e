//! The body phase: the request body was collected by the server under the payload limit; a body
//! over it is API Gateway's 413 (`REQUEST_TOO_LARGE`), answered before any integration runs.

use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::message::BodyState;

/// Refuses a request whose body exceeded the limit.
pub fn check(ctx: &RequestCtx) -> Result<(), GatewayError> {
    match ctx.req.body_state {
        BodyState::Complete => Ok(()),
        BodyState::TooLarge => Err(GatewayError::BodyTooLarge),
    }
}
