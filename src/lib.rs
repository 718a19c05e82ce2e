//! apigate: Amazon API Gateway's behaviour in front of AWS Lambda functions.
//!
//! # Layout
//! - [`message`]: the gateway's HTTP message types (case-preserving headers, raw target, `Bytes` body).
//! - [`config`]: the YAML config, compiled once into the immutable [`config::model::Api`] snapshot.
//! - [`authorizer`]: the authorize phase: Lambda authorizers and their result cache.
//! - [`gateway`]: the request path as a list of phases, the per-request context, errors.
//! - [`lambda`]: how functions are reached (Invoke API / RIE, Function URLs) and what a call yields.
//! - [`demo`]: the example Lambda function behind `apigate demo`.

pub mod authorizer;
pub mod config;
pub mod demo;
pub mod gateway;
pub mod lambda;
pub mod message;
