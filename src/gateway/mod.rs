//! The request path: the phases one request goes through, in order.
//!
//! # Layout
//! - [`context`]: [`context::RequestCtx`], the per-request state every phase reads and fills.
//! - [`error`]: [`error::GatewayError`] and the table that classifies it.
//! - [`responses`]: gateway response types, default bodies, customisation lookup.
//! - [`ids`]: request ids and trace ids in API Gateway's formats.
//! - [`router`]: [`router::Router`], the compiled routing table (segment trie) and its lookup;
//!   `router_template` parses route path templates and the stage prefix.

pub mod context;
pub mod error;
pub mod ids;
pub mod responses;
pub mod router;
pub mod router_template;
