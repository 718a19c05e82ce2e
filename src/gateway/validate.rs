//! The validate phase: method request validation (REST `requestValidator`), after the
//! authorizer and before the integration, as API Gateway orders them.

use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;

/// Checks required parameters and the body model of the matched route, when it has a validator.
pub fn validate(ctx: &RequestCtx) -> Result<(), GatewayError> {
    let Some(m) = &ctx.route else {
        return Ok(());
    };
    crate::integration::custom::validate::validate(ctx, ctx.api.route(m.route))
}
