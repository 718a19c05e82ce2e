//! apigate: Amazon API Gateway's behaviour in front of AWS Lambda functions.
//!
//! # Layout
//! - [`message`]: the gateway's HTTP message types (case-preserving headers, raw target, `Bytes` body).
//! - [`config`]: the YAML config, compiled once into the immutable [`config::model::Api`] snapshot.
//! - [`gateway`]: the request path as a list of phases, the per-request context, errors.
//! - [`integration`]: what is sent to and read from the integration (Lambda proxy events and
//!   proxy responses).

pub mod config;
pub mod gateway;
pub mod integration;
pub mod message;
