//! The route phase: method and path to a route and its path parameters.

use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;

/// Matches the request against the API's router; on success `ctx.route` is set.
/// No match is [`GatewayError::NoRoute`] (REST 403 `Missing Authentication Token`, HTTP APIs 404).
pub fn route(ctx: &mut RequestCtx) -> Result<(), GatewayError> {
    let matched = ctx.api.router.lookup(&ctx.req.method, ctx.req.raw_path())?;
    ctx.route = Some(matched);
    Ok(())
}
