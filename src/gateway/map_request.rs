//! The map-request phase: the request becomes what the integration receives.
//!
//! Lambda proxy integrations get the exact event (payload 1.0, 2.0 or Function URL) written
//! straight from the request; a proxy integration whose function is reached by a Function URL
//! gets the request itself, forwarded (the Function URL builds its own event).

use bytes::Bytes;

use crate::config::model::{FunctionTarget, Integration, ProxyIntegration};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::integration::{write_event, EventFormat};

/// What the invoke phase sends.
#[derive(Debug)]
pub enum Mapped {
    /// A Lambda event for the Invoke API.
    Event {
        /// The event JSON.
        payload: Bytes,
        /// Which response contract the result follows.
        format: EventFormat,
    },
    /// The client request, forwarded to a Function URL.
    Forward,
}

/// Maps the request for `integration`.
pub fn map(ctx: &RequestCtx, integration: &Integration) -> Result<Mapped, GatewayError> {
    match integration {
        Integration::Proxy(p) => map_proxy(ctx, p),
    }
}

fn map_proxy(ctx: &RequestCtx, p: &ProxyIntegration) -> Result<Mapped, GatewayError> {
    if let FunctionTarget::FunctionUrl(_) = ctx.api.function(p.function).target {
        return Ok(Mapped::Forward);
    }
    let format = EventFormat::for_route(ctx.api.kind, p.payload_format);
    // One allocation per request: the event becomes the upstream body (`Bytes`) without a copy.
    let mut event = Vec::new();
    write_event(ctx, format, &mut event)?;
    Ok(Mapped::Event {
        payload: Bytes::from(event),
        format,
    })
}
