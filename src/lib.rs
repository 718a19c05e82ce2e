//! apigate: Amazon API Gateway's behaviour in front of AWS Lambda functions.
//!
//! # Layout
//! - [`message`]: the gateway's HTTP message types (case-preserving headers, raw target, `Bytes` body).
//! - [`config`]: the YAML config, compiled once into the immutable [`config::model::Api`] snapshot.
//! - [`gateway`]: the request path as a list of phases, the per-request context, errors.
//! - [`server`]: the client-facing HTTP/1.1 + h2c server that feeds requests to a handler.

pub mod config;
pub mod gateway;
pub mod message;
pub mod server;
