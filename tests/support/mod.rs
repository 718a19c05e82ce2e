//! Helpers shared by the end-to-end tests (each test binary declares `mod support;`).
//!
//! - [`stub_lambda`]: a stub Lambda endpoint (Invoke API, RIE and Function URL shapes) on port 0.
//! - [`client`]: a raw HTTP/1.1 client that keeps header-name casing both ways.
//! - [`expect`]: the conformance files' matching rules (subsets, placeholders).
//! - [`case_api`]: reading conformance cases from `../shared/conformance`.

// Each test binary uses a different subset of the helpers.
#![allow(dead_code)]

pub mod case_api;
pub mod client;
pub mod expect;
pub mod stub_lambda;
