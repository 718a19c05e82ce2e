//! apigate: Amazon API Gateway's behaviour in front of AWS Lambda functions.
//!
//! # Layout
//! - [`message`]: the gateway's HTTP message types (case-preserving headers, raw target, `Bytes` body).
//! - [`config`]: the YAML config, compiled once into the immutable [`config::model::Api`] snapshot.
//! - [`gateway`]: the request path as a list of phases, the per-request context, errors.
//! - [`authorizer`]: Lambda authorizers (TOKEN, REQUEST, HTTP API) and their result cache.
//! - [`integration`]: what is sent to a function and how its answer becomes the response.
//! - [`lambda`]: reaching functions (Invoke API / RIE, Function URLs).
//! - [`vtl`]: the Velocity Template Language engine for API Gateway mapping templates.
//! - [`metrics`], [`telemetry`], [`access_log`], [`trace_context`]: observability.
//! - [`app`]: the running process (listeners, gateway, admin, drain); [`cli`]: the commands.
//! - [`demo`]: the bundled demo Lambda functions behind `apigate demo`.
//! - [`server`]: the client-facing HTTP/1.1 + h2c server, and the admin listener.
//! - [`reused_timer`]: the per-connection timer the server's idle waits and the Lambda calls reuse.
//! - [`integration`]: what is sent to and read from the integration (Lambda proxy events and
//!   proxy responses).

pub mod access_log;
pub mod app;
pub mod authorizer;
pub mod cli;
pub mod config;
pub mod demo;
pub mod gateway;
pub mod integration;
pub mod lambda;
pub mod message;
pub mod metrics;
pub mod reused_timer;
pub mod server;
pub mod telemetry;
pub mod trace_context;
pub mod vtl;
