//! The map-request phase: the request becomes what the integration receives.
//!
//! - Lambda proxy integrations: the exact event (payload 1.0, 2.0 or Function URL) written straight
//!   from the request; a proxy integration whose function is reached by a Function URL gets the
//!   request itself, forwarded (the Function URL builds its own event).
//! - Lambda custom and MOCK integrations: request parameters, template selection and passthrough,
//!   the rendered mapping template (with its overrides kept for the response side).

use bytes::Bytes;

use crate::config::model::{FunctionTarget, Integration, ProxyIntegration};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::integration::custom::{request::map_request, CustomState};
use crate::integration::{write_event, EventFormat};

/// What the invoke phase sends.
#[derive(Debug)]
pub enum Mapped {
    /// A Lambda proxy event for the Invoke API.
    Event {
        /// The event JSON.
        payload: Bytes,
        /// Which response contract the result follows.
        format: EventFormat,
    },
    /// The client request, forwarded to a Function URL.
    Forward,
    /// A custom or MOCK integration's payload and the state its response side needs.
    Custom {
        /// The rendered template, or the passthrough body.
        payload: Bytes,
        /// Template inputs and overrides, carried to the response templates.
        state: Box<CustomState>,
    },
}

/// Maps the request for `integration`.
pub fn map(ctx: &RequestCtx, integration: &Integration) -> Result<Mapped, GatewayError> {
    match integration {
        Integration::Proxy(p) => map_proxy(ctx, p),
        Integration::Custom(c) => {
            let mut state = Box::new(CustomState::new(ctx));
            let payload = map_request(ctx, c, &mut state)?;
            Ok(Mapped::Custom { payload, state })
        }
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
