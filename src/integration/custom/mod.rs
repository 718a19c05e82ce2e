//! Lambda custom (`AWS`, non-proxy) and `MOCK` integrations (mapping.md §2, §5, §6, §7).
//!
//! The gateway calls these phases in order for a route whose integration is
//! [`Integration::Custom`](crate::config::model::Integration::Custom):
//!
//! 1. [`validate::validate`]: method request validation (every integration type).
//! 2. [`CustomState::new`], then [`request::map_request`]: parameter mapping, content handling,
//!    request template selection / passthrough (415), rendering; yields the payload.
//! 3. [`invoke::call`]: the function call through [`Invoker`](crate::lambda::Invoker) (or the mock),
//!    yielding an [`IntegrationOutcome`]; invoke failures become gateway errors here.
//! 4. [`response::map_response`]: integration response selection, response parameters,
//!    response template by `Accept`, overrides, reserved-header remapping -> the client response.
//!
//! # Layout
//! - `vtl_input.rs`: [`render_input_parts`], `$input.params()` and `$context` from a request
//!   (also used for gateway-response templates).
//! - `params.rs`: mapping source expressions (`method.request.*`, `integration.response.*`, ...).
//! - `request.rs`: the integration request.
//! - `invoke.rs`: calling the function or the mock; [`IntegrationOutcome`].
//! - `mock.rs`: the `statusCode` of a MOCK request template's output.
//! - `selection.rs`: integration response selection (`selectionPattern`).
//! - `response.rs`: the method response.
//! - `headers.rs`: header names API Gateway refuses or renames.
//! - `validate.rs`: method request validation.

pub mod headers;
pub mod invoke;
pub mod json_payload;
pub mod mock;
pub mod params;
pub mod request;
pub mod response;
pub mod selection;
pub mod validate;
pub mod vtl_input;

#[cfg(test)]
pub(crate) mod test_support;

use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::vtl::{ContextValues, Overrides, RenderInput, RequestParams, Template};

pub use invoke::IntegrationOutcome;
pub use vtl_input::render_input_parts;

/// What one request carries from the integration request to the method response.
#[derive(Debug, Default)]
pub struct CustomState {
    /// `$input.params()` (the method request's, also in response templates).
    pub params: RequestParams,
    /// `$context`.
    pub context: ContextValues,
    /// `$context.requestOverride` / `responseOverride` as templates left them.
    pub overrides: Overrides,
    /// Integration request headers from `requestParameters`, then request overrides (only
    /// `X-Amz-Invocation-Type`, `X-Amz-Log-Type`, `X-Amz-Client-Context` would reach Lambda).
    pub integration_headers: Vec<(String, String)>,
    /// Integration request query string parameters (mapped, then overridden).
    pub integration_querystring: Vec<(String, String)>,
    /// Integration request path parameters (mapped, then overridden).
    pub integration_path: Vec<(String, String)>,
}

impl CustomState {
    /// The state for `ctx`, with the template inputs built once.
    pub fn new(ctx: &RequestCtx) -> CustomState {
        let (params, context) = render_input_parts(ctx);
        CustomState {
            params,
            context,
            ..CustomState::default()
        }
    }

    /// Renders `template` over `body` with this request's inputs and overrides into a fresh
    /// buffer (the output becomes the payload / body, so it is not reused); a render failure is
    /// a gateway error (500).
    pub(crate) fn render(
        &mut self,
        ctx: &RequestCtx,
        template: &Template,
        body: &[u8],
    ) -> Result<String, GatewayError> {
        let input = RenderInput {
            body,
            params: &self.params,
            context: &self.context,
            stage_variables: &ctx.api.stage_variables,
        };
        let mut out = String::new();
        template
            .render(&input, &mut self.overrides, &mut out)
            .map_err(|e| GatewayError::Template(e.to_string()))?;
        Ok(out)
    }
}

/// Sets `name` in an ordered parameter list (replacing an earlier value of the same name).
pub(crate) fn set_param(list: &mut Vec<(String, String)>, name: &str, value: String, ci: bool) {
    let same = |k: &String| {
        if ci {
            k.eq_ignore_ascii_case(name)
        } else {
            k == name
        }
    };
    match list.iter_mut().find(|(k, _)| same(k)) {
        Some(slot) => slot.1 = value,
        None => list.push((name.to_string(), value)),
    }
}
