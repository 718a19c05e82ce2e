//! apigate: Amazon API Gateway's behaviour in front of AWS Lambda functions.
//!
//! # Layout
//! - [`message`]: the gateway's HTTP message types (case-preserving headers, raw target, `Bytes` body).
//! - [`config`]: the YAML config, compiled once into the immutable [`config::model::Api`] snapshot.
//! - [`gateway`]: the request path as a list of phases, the per-request context, errors.
//! - [`vtl`]: the Velocity Template Language engine for API Gateway mapping templates.

pub mod config;
pub mod gateway;
pub mod message;
pub mod vtl;
