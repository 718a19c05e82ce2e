//! The integration side of the request path: what apigate sends to a Lambda function and how it
//! reads the answer (spec proxy-auth §3-§6).
//!
//! # Layout
//! - [`proxy_event`]: [`write_event`], the proxy event for a routed request as JSON bytes; shared
//!   body and time encoding.
//! - [`proxy_v1`]: payload format 1.0 (REST `AWS_PROXY`, HTTP API 1.0).
//! - [`proxy_v2`]: payload format 2.0 (HTTP API) and Function URL events.
//! - [`event_headers`]: the header set an event carries (dropped, replaced and added fields).
//! - [`query`]: query-string decoding for events.
//! - [`json_out`]: the JSON string writer (escaping) the event builders use.
//! - [`proxy_response`]: [`read_response`], a function's result turned into the client response,
//!   and [`add_response_ids`], the id headers every integration response carries.
//! - [`response_v1`]: the payload 1.0 response contract (validation, header merge).
//! - [`response_v2`]: the payload 2.0 / Function URL response inference.
//! - [`response_headers`]: header remapping and base64 decoding shared by both.
//! - [`custom`]: the Lambda custom (`AWS`) and `MOCK` integrations: mapping templates,
//!   integration responses, method request validation.

pub mod custom;
pub mod event_headers;
pub mod json_out;
pub mod proxy_event;
pub mod proxy_response;
pub mod proxy_v1;
pub mod proxy_v2;
pub mod query;
pub mod response_headers;
pub mod response_v1;
pub mod response_v2;
pub mod stack_text;

use crate::config::model::{ApiKind, PayloadFormat};

pub use proxy_event::write_event;
pub use proxy_response::{add_response_ids, read_response};

/// Which event (and response contract) an integration uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFormat {
    /// REST API, payload 1.0.
    RestV1,
    /// HTTP API, payload 1.0.
    HttpV1,
    /// HTTP API, payload 2.0.
    HttpV2,
    /// Lambda Function URL (2.0 schema, Function URL rules).
    FunctionUrl,
}

impl EventFormat {
    /// The format for an API kind and a route's `payloadFormatVersion` (REST is always 1.0,
    /// Function URLs always their own).
    pub fn for_route(kind: ApiKind, payload: PayloadFormat) -> EventFormat {
        match (kind, payload) {
            (ApiKind::Rest, _) => EventFormat::RestV1,
            (ApiKind::Http, PayloadFormat::V1) => EventFormat::HttpV1,
            (ApiKind::Http, PayloadFormat::V2) => EventFormat::HttpV2,
            (ApiKind::FunctionUrl, _) => EventFormat::FunctionUrl,
        }
    }
}
