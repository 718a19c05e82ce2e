//! Helpers shared by the end-to-end tests (each test binary declares `mod support;`).
//!
//! - [`stub_lambda`]: a stub Lambda endpoint (Invoke API, RIE and Function URL shapes) on port 0.
//! - [`client`]: a raw HTTP/1.1 client that keeps header-name casing both ways.
//! - [`expect`]: the conformance files' matching rules (subsets, placeholders).
//! - [`case_api`]: reading conformance cases from `../shared/conformance`.
//! - [`function_stub`]: one stub serving several named functions, each programmable.
//! - [`config_text`]: YAML config texts and their load errors, for the config tests.
//! - [`case_config`]: a conformance case's `config` as apigate YAML.
//! - [`log_capture`]: a tracing-subscriber sink that keeps what was logged.
//! - [`gateway`]: the real gateway (`app::run`) on `127.0.0.1:0` from YAML, with a stop handle.
//! - [`custom_gateway`]: the gateway in front of one described stub function (custom integrations).

// Each test binary uses a different subset of the helpers.
#![allow(dead_code)]

pub mod case_api;
pub mod case_config;
pub mod client;
pub mod config_text;
pub mod custom_gateway;
pub mod expect;
pub mod function_stub;
pub mod gateway;
pub mod log_capture;
pub mod stub_lambda;
